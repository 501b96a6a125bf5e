//! Root filesystem drivers: what a container's root is made of, how it is
//! mounted, and the choice between drivers.
//!
//! Preference: kernel overlayfs mounted inside the user namespace (`userxattr`,
//! Linux ≥ 5.11), then a FUSE overlay, then a plain copy. Whether the kernel
//! overlay works is probed once per boot and cached in the runtime dir
//! ([`probe`]); [`overlay`] mounts any number of layers.

use std::path::PathBuf;

pub mod overlay;
pub mod probe;

/// Where the container's root filesystem comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rootfs {
    /// An exploded root filesystem, bound in as it is (`--rootfs DIR`); writes go to it.
    Dir(PathBuf),
    /// Kernel overlayfs mounted inside the user namespace with `userxattr`.
    /// `lowers` are the image's layer directories **base layer first** (manifest order);
    /// `upper` and `work` are the container's own, empty at first, on the same filesystem.
    Overlay {
        lowers: Vec<PathBuf>,
        upper: PathBuf,
        work: PathBuf,
    },
}
