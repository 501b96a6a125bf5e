//! Content digests of source files remembered across builds, so that an
//! unchanged rebuild hashes nothing again. A digest is reused only while the
//! file's device, inode, size, mtime and ctime are all as they were; ctime
//! cannot be set by the user, so any write or metadata change invalidates it.
//! A file changed within the filesystem's timestamp granularity of being
//! hashed could keep its stamps, so digests of files changed in the last
//! seconds are not remembered (the "racy git" rule).

use std::collections::HashMap;
use std::fs::{self, Metadata};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::base::atomic;
use crate::base::digest::Digest;

/// Files changed this recently are hashed but not remembered.
const RACY_SECONDS: i64 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(meta: &Metadata) -> Stamp {
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Known {
    stamp: Stamp,
    digest: Digest,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Table {
    files: HashMap<PathBuf, Known>,
}

/// Digests by host path; shared by the `COPY`s of a build through an `Arc`.
#[derive(Debug)]
pub struct HashCache {
    path: Option<PathBuf>,
    /// Changes younger than this many seconds are not remembered.
    racy: i64,
    /// What was loaded, and what this process looked up or learnt.
    inner: Mutex<(Table, Table)>,
}

impl Default for HashCache {
    fn default() -> HashCache {
        HashCache::new()
    }
}

impl HashCache {
    /// A cache kept in memory only.
    pub fn new() -> HashCache {
        HashCache {
            path: None,
            racy: RACY_SECONDS,
            inner: Mutex::default(),
        }
    }

    /// The cache saved at `path`; a missing or unreadable file is an empty
    /// cache (it only saves work).
    pub fn load(path: &Path) -> HashCache {
        let loaded = fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Table>(&b).ok())
            .unwrap_or_default();
        HashCache {
            path: Some(path.to_path_buf()),
            racy: RACY_SECONDS,
            inner: Mutex::new((loaded, Table::default())),
        }
    }

    /// Writes what this process used (so files no longer copied are
    /// forgotten) to the file it was loaded from, atomically.
    pub fn save(&self) -> io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let guard = self
            .inner
            .lock()
            .map_err(|_| io::Error::other("hash cache lock poisoned"))?;
        atomic::write_json(path, &guard.1)
    }

    /// Remembers even what changed a moment ago (for tests).
    #[cfg(test)]
    pub(super) fn trusting(mut self) -> HashCache {
        self.racy = -1;
        self
    }

    /// How many digests this process would save (for tests).
    #[cfg(test)]
    pub(super) fn remembered(&self) -> usize {
        self.inner.lock().map_or(0, |g| g.1.files.len())
    }

    /// The digest and size of the file at `path` with metadata `meta`:
    /// remembered, or computed by `hash` and remembered if not racy.
    pub(super) fn digest(
        &self,
        path: &Path,
        meta: &Metadata,
        hash: impl FnOnce() -> io::Result<(Digest, u64)>,
    ) -> io::Result<(Digest, u64)> {
        let stamp = Stamp::of(meta);
        if let Ok(mut guard) = self.inner.lock() {
            let (loaded, used) = &mut *guard;
            let hit = used
                .files
                .get(path)
                .or_else(|| loaded.files.get(path))
                .filter(|k| k.stamp == stamp)
                .cloned();
            if let Some(k) = hit {
                let size = k.stamp.size;
                let digest = k.digest.clone();
                used.files.insert(path.to_path_buf(), k);
                return Ok((digest, size));
            }
        }
        let (digest, size) = hash()?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let settled = stamp.ctime.0 < now - self.racy
            && stamp.mtime.0 < now - self.racy
            && size == stamp.size;
        if settled {
            if let Ok(mut guard) = self.inner.lock() {
                guard.1.files.insert(
                    path.to_path_buf(),
                    Known {
                        stamp,
                        digest: digest.clone(),
                    },
                );
            }
        }
        Ok((digest, size))
    }
}
