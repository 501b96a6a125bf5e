//! Where pushes left blobs: per registry, the repositories each blob digest was
//! pushed to, so a later push of the same layers to another repository of that
//! registry can mount them instead of uploading them again (podman keeps the
//! same kind of cache).
//!
//! It is a cache: `blob-locations.json` in the store directory, replaced
//! atomically; two pushes recording at once may lose one's entries, and a
//! missing or unreadable file is an empty cache. A wrong entry costs one
//! refused mount request.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::base::atomic;
use crate::base::digest::Digest;

const FILE: &str = "blob-locations.json";
/// Repositories kept per blob, newest first.
const REPOS_PER_BLOB: usize = 4;
/// Blobs kept per registry; past it the file is trimmed (arbitrary ones go).
const BLOBS_PER_REGISTRY: usize = 10_000;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Locations {
    /// registry → blob digest → repositories.
    #[serde(default)]
    registries: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

/// The cache of one store.
#[derive(Debug, Clone)]
pub struct BlobLocations {
    path: PathBuf,
}

impl BlobLocations {
    /// The cache kept in `store_dir`.
    pub fn open(store_dir: &Path) -> BlobLocations {
        BlobLocations {
            path: store_dir.join(FILE),
        }
    }

    fn load(&self) -> Locations {
        fs::read(&self.path)
            .ok()
            .and_then(|data| serde_json::from_slice(&data).ok())
            .unwrap_or_default()
    }

    /// Repositories of `registry` the blob was pushed to, newest first.
    pub fn get(&self, registry: &str, digest: &Digest) -> Vec<String> {
        self.load()
            .registries
            .get(registry)
            .and_then(|blobs| blobs.get(&digest.to_string()))
            .cloned()
            .unwrap_or_default()
    }

    /// Notes that `blobs` are now in `registry/repository`. Best effort: a
    /// cache that cannot be written only means uploads later.
    pub fn record(&self, registry: &str, repository: &str, blobs: &[Digest]) {
        let mut all = self.load();
        let entries = all.registries.entry(registry.to_string()).or_default();
        for d in blobs {
            let repos = entries.entry(d.to_string()).or_default();
            repos.retain(|r| r != repository);
            repos.insert(0, repository.to_string());
            repos.truncate(REPOS_PER_BLOB);
        }
        while entries.len() > BLOBS_PER_REGISTRY {
            let Some(first) = entries.keys().next().cloned() else {
                break;
            };
            entries.remove(&first);
        }
        if let Err(e) = atomic::write_json(&self.path, &all) {
            log::debug!(
                "cannot record blob locations in {}: {e}",
                self.path.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_newest_first_per_registry() {
        let dir = tempfile::tempdir().unwrap();
        let cache = BlobLocations::open(dir.path());
        let a = Digest::of(b"a");
        let b = Digest::of(b"b");
        assert!(cache.get("r:5000", &a).is_empty());
        cache.record("r:5000", "one", &[a.clone(), b.clone()]);
        cache.record("r:5000", "two", std::slice::from_ref(&a));
        cache.record("other:1", "x", std::slice::from_ref(&a));
        assert_eq!(cache.get("r:5000", &a), ["two", "one"]);
        assert_eq!(cache.get("r:5000", &b), ["one"]);
        assert_eq!(cache.get("other:1", &a), ["x"]);
        cache.record("r:5000", "one", std::slice::from_ref(&a));
        assert_eq!(cache.get("r:5000", &a), ["one", "two"]);
        for i in 0..10 {
            cache.record("r:5000", &format!("n{i}"), std::slice::from_ref(&a));
        }
        assert_eq!(cache.get("r:5000", &a).len(), REPOS_PER_BLOB);
        assert_eq!(cache.get("r:5000", &a)[0], "n9");

        // A damaged file is an empty cache, and is replaced by the next record.
        fs::write(dir.path().join(FILE), b"{not json").unwrap();
        assert!(cache.get("r:5000", &a).is_empty());
        cache.record("r:5000", "again", std::slice::from_ref(&b));
        assert_eq!(cache.get("r:5000", &b), ["again"]);
    }
}
