//! Named volumes: directories that outlive the containers that use them.
//!
//! # On disk
//! ```text
//! <root>/volumes/volumes.lock          flock: volumes appearing and disappearing
//! <root>/volumes/<name>/volume.json    the record, podman's inspect shape (see `record`)
//! <root>/volumes/<name>/_data/         the content, bound into containers
//! <root>/volumes/<name>/lock           flock: first-use work (copy-up, chown)
//! ```
//! A volume appears by `rename` from `.tmp-…` and disappears by `rename` to
//! `.removed-…`, both under `volumes.lock`, so a reader never sees half a volume;
//! leftovers of a killed invocation are swept by the next create or remove.
//!
//! # Lock order
//! `volumes.lock`, then one volume's `lock`. A container store lock, when one is
//! needed too, comes before both.
//!
//! # First use
//! A new volume is empty. The first container that mounts it copies the image's
//! content at the mount point into it (podman's copy-up) and gives the volume's root
//! the owner and mode of that directory, or the container user's when the image has
//! none there ([`prepare`]). The work runs as root of the user namespace, so owners
//! from the image stay what they are.

pub mod copy;
pub mod filter;
pub mod parse;
pub mod prepare;
pub mod prune;
pub mod record;
pub mod store;
pub mod users;

pub use prepare::{attach, Attached, VolumeMount};
pub use record::{validate_name, Volume};
pub use store::{VolumeError, VolumeStore};
