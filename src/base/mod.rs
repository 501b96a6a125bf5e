//! Shared infrastructure below every domain module: where state lives (`paths`), how
//! it is written (`atomic`), locked (`lock`) and removed (`remove`), content digests
//! (`digest`), timestamps, and how users' globs and `--filter`s match. Nothing here knows about containers or images.

pub mod atomic;
pub mod digest;
pub mod filter;
pub mod glob;
pub mod lock;
pub mod paths;
pub mod remove;
pub mod timestamp;
