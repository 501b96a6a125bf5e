//! Images: references, digests, manifests, the registry client, pulling and unpacking.

pub mod digest;
