//! Removing images: which names go and which images go, by podman's rules (a name
//! of an image that has others only untags it; an id of an image with several
//! names needs force), and the removal itself under the store's exclusive lock.
//!
//! The containers that use an image are read while that lock is held (lock order:
//! images, then containers), so that a container being created now either is
//! recorded already or finds its image gone.

use std::collections::HashMap;

use thiserror::Error;

use super::images::{Index, LookupError};
use super::names;
use super::{Store, StoreError};
use crate::base::digest::Digest;

/// Which containers use which images: image id (hex) → container ids.
pub type ImageUsers = HashMap<String, Vec<String>>;

#[derive(Debug, Error)]
pub enum RemovalError {
    #[error("unable to delete image {id:?} by ID with more than one tag ([{names}]): please force removal")]
    ByIdWithNames { id: String, names: String },
    #[error("image used by {container}: image is in use by a container: consider listing external containers and force-removing image")]
    InUse { container: String },
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Users(Box<dyn std::error::Error + Send + Sync>),
}

type Result<T, E = RemovalError> = std::result::Result<T, E>;

/// What removing a set of images did, in podman's report order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Removal {
    pub untagged: Vec<String>,
    pub deleted: Vec<Digest>,
    /// Queries that named no image.
    pub missing: Vec<String>,
    /// With `all`: a container that kept its image (the others still went).
    pub in_use: Option<String>,
}

/// Works out, against `index`, what removing `queries` (or `all`) does; refuses
/// what podman refuses.
pub fn plan(index: &Index, queries: &[String], all: bool, force: bool) -> Result<Removal> {
    let mut r = Removal::default();
    if all {
        for img in &index.images {
            r.untagged.extend(img.names.iter().cloned());
            r.deleted.push(img.id.clone());
        }
        return Ok(r);
    }
    for q in queries {
        let img = match index.lookup(q) {
            Ok(img) => img,
            Err(LookupError::NotFound(_)) => {
                r.missing.push(q.clone());
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if r.deleted.contains(&img.id) {
            continue;
        }
        let by_name = img
            .names
            .iter()
            .filter_map(|n| names::matches(n, q).map(|m| (m, n)))
            .max_by_key(|(m, _)| *m)
            .map(|(_, n)| n.clone());
        let remaining: Vec<&String> = img
            .names
            .iter()
            .filter(|n| !r.untagged.contains(n))
            .collect();
        match by_name {
            // A name of an image that has others: only the name goes.
            Some(name) if remaining.len() > 1 => {
                if !r.untagged.contains(&name) {
                    r.untagged.push(name);
                }
            }
            Some(_) | None => {
                if by_name.is_none() && remaining.len() > 1 && !force {
                    return Err(RemovalError::ByIdWithNames {
                        id: img.id.hex().to_string(),
                        names: remaining
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(" "),
                    });
                }
                r.untagged.extend(remaining.into_iter().cloned());
                r.deleted.push(img.id.clone());
            }
        }
    }
    Ok(r)
}

impl Store {
    /// The images removing `queries` (or `all`) would delete, as the store is now.
    pub fn removal_plan(&self, queries: &[String], all: bool, force: bool) -> Result<Removal> {
        let index = self.read()?.index()?;
        plan(&index, queries, all, force)
    }

    /// Removes `queries` (or `all`): untags and deletes under the exclusive lock,
    /// then collects the layers no image uses. `users` reads which containers use
    /// which images; it runs under the lock. An image in use stops everything
    /// ([`RemovalError::InUse`]) unless `all`, where the others still go.
    pub fn remove_images<E>(
        &self,
        queries: &[String],
        all: bool,
        force: bool,
        users: impl FnOnce() -> Result<ImageUsers, E>,
    ) -> Result<Removal>
    where
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut w = self.write()?;
        let index = w.index()?;
        let mut removal = plan(&index, queries, all, force)?;
        let used = users().map_err(|e| RemovalError::Users(e.into()))?;
        let busy: Vec<(Digest, String)> = removal
            .deleted
            .iter()
            .filter_map(|d| {
                used.get(d.hex())
                    .and_then(|c| c.first())
                    .map(|c| (d.clone(), c.clone()))
            })
            .collect();
        if let Some((_, container)) = busy.first() {
            if !all {
                return Err(RemovalError::InUse {
                    container: container.clone(),
                });
            }
            for (id, _) in &busy {
                removal.deleted.retain(|d| d != id);
                if let Some(img) = index.get(id) {
                    removal.untagged.retain(|n| !img.names.contains(n));
                }
            }
            removal.in_use = Some(container.clone());
        }
        for img in &index.images {
            let names: Vec<String> = img
                .names
                .iter()
                .filter(|n| removal.untagged.contains(n))
                .cloned()
                .collect();
            if removal.deleted.contains(&img.id) {
                w.remove_image(&img.id)?;
            } else if !names.is_empty() {
                w.untag(&img.id, &names)?;
            }
        }
        if !removal.deleted.is_empty() {
            w.gc()?;
        }
        Ok(removal)
        // The guard drops here: the lock goes, then the freed trees are deleted.
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::images::tests::img;

    fn q(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn name_of_multi_named_image_only_untags() {
        let idx = Index {
            images: vec![img("a", &["localhost/x:1", "localhost/y:2"])],
        };
        let r = plan(&idx, &q(&["x:1"]), false, false).unwrap();
        assert_eq!(r.untagged, vec!["localhost/x:1"]);
        assert!(r.deleted.is_empty());
        // Both names given: the image goes.
        let r = plan(&idx, &q(&["x:1", "y:2"]), false, false).unwrap();
        assert_eq!(r.untagged, vec!["localhost/x:1", "localhost/y:2"]);
        assert_eq!(r.deleted, vec![idx.images[0].id.clone()]);
    }

    #[test]
    fn id_of_multi_named_image_needs_force() {
        let idx = Index {
            images: vec![img("a", &["localhost/x:1", "localhost/y:2"])],
        };
        let id = idx.images[0].id.hex()[..12].to_string();
        let err = plan(&idx, &q(&[&id]), false, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("please force removal"), "{err}");
        let r = plan(&idx, &q(&[&id]), false, true).unwrap();
        assert_eq!(r.deleted.len(), 1);
        assert_eq!(r.untagged.len(), 2);
    }

    #[test]
    fn missing_and_all() {
        let idx = Index {
            images: vec![img("a", &["localhost/x:1"]), img("b", &[])],
        };
        let r = plan(&idx, &q(&["nope", "x:1"]), false, false).unwrap();
        assert_eq!(r.missing, vec!["nope"]);
        assert_eq!(r.deleted, vec![idx.images[0].id.clone()]);
        let r = plan(&idx, &[], true, false).unwrap();
        assert_eq!(r.deleted.len(), 2);
        assert_eq!(r.untagged, vec!["localhost/x:1"]);
    }
}
