//! The foundation's syscall layer: thin, checked wrappers over the kernel calls that
//! several modules make (process identity and pidfds, sockets and descriptor passing,
//! the file-descriptor mount API). Nothing here knows about containers or images.

pub mod creds;
pub mod fd;
pub mod fdpass;
pub mod fsmount;
pub mod proc;
pub mod socket;
