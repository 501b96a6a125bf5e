//! Images: references, digests, manifests, the registry client, pulling and unpacking.

pub mod compression;
pub mod digest;
pub mod pack;
pub mod tarsplit;
pub mod unpack;
pub mod xattrs;
