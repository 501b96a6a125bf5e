//! Images: references, digests, manifests, the registry client, pulling and unpacking.

pub mod archive;
pub mod blob_locations;
pub mod changes;
pub mod compression;
pub mod ensure;
pub mod gzip;
pub mod history;
pub mod import;
pub mod inspect;
pub mod list;
pub mod local;
pub mod manifest;
pub mod oci_config;
pub mod pack;
pub mod progress;
pub mod pull;
pub mod push;
pub mod reference;
pub mod registry;
pub mod rows;
pub mod tarsplit;
pub mod unpack;
pub mod xattrs;
