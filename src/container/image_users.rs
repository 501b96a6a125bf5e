//! Containers as users of images: `rmi --force` removes the containers that use
//! the images it is about to delete.

use anyhow::Result;

use super::ops;
use super::store::ContainerStore;
use crate::base::digest::Digest;

/// Stops and removes every container that uses one of `images`. Called before the
/// image store is locked: nobody waits for a container to stop under that lock.
pub fn remove_users_of(store: &ContainerStore, images: &[Digest]) -> Result<()> {
    for (image, ids) in store.images_in_use()? {
        if !images.iter().any(|d| d.hex() == image) {
            continue;
        }
        for id in ids {
            // Removed meanwhile: nothing left to do for it.
            if let Ok(c) = store.get(&id) {
                ops::remove(store, &c, true, 0)?;
            }
        }
    }
    Ok(())
}
