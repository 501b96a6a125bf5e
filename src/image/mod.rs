//! Images: references, digests, manifests, the registry client, pulling and unpacking.

pub mod digest;
pub mod manifest;
pub mod reference;
pub mod registry;
