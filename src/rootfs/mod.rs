//! Root filesystem drivers and the choice between them.
//!
//! Preference: kernel overlayfs mounted inside the user namespace (`userxattr`,
//! Linux ≥ 5.11), then a FUSE overlay, then a plain copy. Whether the kernel
//! overlay works is probed once per boot and cached in the runtime dir.

pub mod probe;
