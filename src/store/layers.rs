//! Unpacked layers, keyed by their uncompressed digest (diff id) so that images
//! sharing a layer share its directory.
//!
//! `layers/<diff-id hex>/` holds `diff/` (the tree, whiteouts already in overlay
//! form), `layer.json` ([`LayerRecord`]) and, when extraction recorded one,
//! `tar-split.zst` (the tar headers needed to rebuild the exact original stream).
//! A layer directory appears only by `rename` from `tmp/`, after the caller has
//! verified it, so a layer that exists is complete.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::base::digest::Digest;
use crate::base::remove::TreeRemover;

/// Name of the unpacked tree inside a layer (or staging) directory.
pub const DIFF_DIR: &str = "diff";
/// Name of the record inside a layer directory.
pub const RECORD_FILE: &str = "layer.json";
/// Name of the tar header journal inside a layer (or staging) directory.
pub const JOURNAL_FILE: &str = "tar-split.zst";

/// A compressed form in which a layer has been seen (a registry blob).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobInfo {
    pub digest: Digest,
    pub size: u64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub media_type: String,
}

/// What the store knows about one committed layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRecord {
    pub diff_id: Digest,
    /// Bytes of the uncompressed tar stream.
    pub size: u64,
    #[serde(default)]
    pub compressed: Vec<BlobInfo>,
    /// RFC 3339 time of the commit.
    pub created: String,
    /// Device nodes the extraction could not create (rootless, as podman skips them).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped_devices: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What the caller verified about a staged layer, handed to the commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    pub diff_id: Digest,
    pub size: u64,
    /// The blob the layer came from, when it came compressed from a registry or archive.
    pub compressed: Option<BlobInfo>,
    pub skipped_devices: u64,
}

/// A private directory under `tmp/` in which one layer is being extracted.
///
/// While the `Staging` lives, its directory is `flock`ed, which tells every
/// other invocation's cleanup to leave it alone; once this process ends (even by
/// `kill -9`) the lock goes and the next store open removes the leftovers.
/// Dropping an uncommitted `Staging` removes its directory.
pub struct Staging {
    pub(super) dir: PathBuf,
    // Holds the flock; closed (and so released) on drop.
    pub(super) lock: Option<File>,
    pub(super) remover: Arc<dyn TreeRemover>,
}

impl Staging {
    /// The staging directory itself.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Where the layer's tree must be extracted (exists, empty).
    pub fn diff_path(&self) -> PathBuf {
        self.dir.join(DIFF_DIR)
    }

    /// Where extraction may record the tar header journal (see `image::unpack`).
    pub fn journal_path(&self) -> PathBuf {
        self.dir.join(JOURNAL_FILE)
    }

    /// Marks the directory as moved away: drop must no longer remove it.
    pub(super) fn disarm(&mut self) -> Option<File> {
        self.lock.take()
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.lock.is_some() {
            if let Err(err) = self.remover.remove_trees(std::slice::from_ref(&self.dir)) {
                log::debug!("leaving {} for the next cleanup: {err}", self.dir.display());
            }
        }
    }
}

impl std::fmt::Debug for Staging {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Staging").field("dir", &self.dir).finish()
    }
}

/// Reads `layers/<hex>/layer.json`; `None` when the layer is absent.
pub(super) fn read_record(layer_dir: &Path) -> io::Result<Option<LayerRecord>> {
    match fs::read(layer_dir.join(RECORD_FILE)) {
        Ok(data) => serde_json::from_slice(&data)
            .map(Some)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_roundtrip_omits_empty_fields() {
        let r = LayerRecord {
            diff_id: Digest::of(b"x"),
            size: 10240,
            compressed: vec![],
            created: "2024-01-01T00:00:00Z".into(),
            skipped_devices: 0,
        };
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("skipped_devices"), "{text}");
        let back: LayerRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
    }
}
