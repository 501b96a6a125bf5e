//! Images: one index `images.json` (every [`ImageRecord`]) plus, per image,
//! `images/<id hex>/config.json` and `manifest-<digest hex>.json`, byte for byte
//! as fetched.
//!
//! One index file rather than a record per image dir: a tag moving from one
//! image to another changes two records, and a single atomic rename of the
//! index makes that one step — no crash can leave a name on both images or on
//! neither. Listing 100 images is one read of a ~50 kB file.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::names::{self, Match};
use crate::base::digest::Digest;

/// Name of an image's config inside its directory.
pub const CONFIG_FILE: &str = "config.json";

/// One stored image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRecord {
    /// sha256 of the config bytes, as podman and Docker compute image ids.
    pub id: Digest,
    /// Full names with tag (`docker.io/library/busybox:latest`), oldest first.
    #[serde(default)]
    pub names: Vec<String>,
    /// Every name the image has had, newest first (podman's `NamesHistory`).
    #[serde(default)]
    pub names_history: Vec<String>,
    /// Manifest digests the image was stored under, newest first.
    #[serde(default)]
    pub digests: Vec<Digest>,
    /// Media type of the newest manifest.
    #[serde(default)]
    pub manifest_media_type: String,
    /// Diff ids from the config's `rootfs`, base layer first.
    pub layers: Vec<Digest>,
    /// Layers' uncompressed sizes plus config and manifest, as podman counts it
    /// (podman keeps the manifest twice and counts both copies; so does this,
    /// so that `images` shows the same SIZE for the same image).
    pub size: u64,
    /// `created` from the config (RFC 3339), empty when the config has none.
    #[serde(default)]
    pub created: String,
    /// When this store first got the image (RFC 3339).
    pub added: String,
}

impl ImageRecord {
    /// The manifest digest podman shows as the image's `Digest`.
    pub fn digest(&self) -> Option<&Digest> {
        self.digests.first()
    }

    /// Untagged images: podman's "dangling".
    pub fn is_dangling(&self) -> bool {
        self.names.is_empty()
    }

    /// `repo@digest` for each repository the image is named in (podman's `RepoDigests`).
    pub fn repo_digests(&self) -> Vec<String> {
        let mut out = Vec::new();
        for name in &self.names {
            let repo = names::repository(name);
            for d in &self.digests {
                let s = format!("{repo}@{d}");
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out
    }

    /// The manifest file name for a digest.
    pub fn manifest_file(digest: &Digest) -> String {
        format!("manifest-{}.json", digest.hex())
    }
}

#[derive(Debug, Error)]
pub enum LookupError {
    #[error("{0}: image not known")]
    NotFound(String),
    #[error("{query}: image id prefix is ambiguous ({count} images match): use more digits")]
    Ambiguous { query: String, count: usize },
    #[error("{query}: short name matches several images ({names}): use the full name")]
    AmbiguousName { query: String, names: String },
}

/// The whole index, as stored in `images.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Index {
    #[serde(default)]
    pub images: Vec<ImageRecord>,
}

impl Index {
    pub fn get(&self, id: &Digest) -> Option<&ImageRecord> {
        self.images.iter().find(|i| &i.id == id)
    }

    pub(super) fn get_mut(&mut self, id: &Digest) -> Option<&mut ImageRecord> {
        self.images.iter_mut().find(|i| &i.id == id)
    }

    /// Finds the image a user means by `query`: a name (full, or short as
    /// podman matches it), `name@sha256:…`, or an id or unique id prefix.
    pub fn lookup(&self, query: &str) -> Result<&ImageRecord, LookupError> {
        let mut best: Option<Match> = None;
        let mut found: Vec<(&ImageRecord, &str)> = Vec::new();
        for img in &self.images {
            for n in &img.names {
                if let Some(m) = names::matches(n, query) {
                    if best.is_none_or(|b| m > b) {
                        best = Some(m);
                        found.clear();
                    }
                    if Some(m) == best && !found.iter().any(|(i, _)| i.id == img.id) {
                        found.push((img, n));
                    }
                }
            }
        }
        match found.len() {
            1 => return Ok(found[0].0),
            0 => {}
            _ => {
                let names = found.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ");
                return Err(LookupError::AmbiguousName {
                    query: query.to_string(),
                    names,
                });
            }
        }
        if query.contains('@') {
            if let Some(img) = self
                .images
                .iter()
                .find(|i| names::matches_digest(&i.names, &i.digests, query))
            {
                return Ok(img);
            }
        }
        if let Some(prefix) = names::id_prefix(query) {
            let hits: Vec<&ImageRecord> = self
                .images
                .iter()
                .filter(|i| i.id.hex().starts_with(prefix))
                .collect();
            match hits.len() {
                0 => {}
                1 => return Ok(hits[0]),
                count => {
                    return Err(LookupError::Ambiguous {
                        query: query.to_string(),
                        count,
                    })
                }
            }
        }
        Err(LookupError::NotFound(query.to_string()))
    }

    /// Gives `name` to image `id`, taking it from any image that had it.
    pub(super) fn add_name(&mut self, id: &Digest, name: &str) {
        for img in &mut self.images {
            if &img.id != id {
                img.names.retain(|n| n != name);
            }
        }
        if let Some(img) = self.get_mut(id) {
            if !img.names.iter().any(|n| n == name) {
                img.names.push(name.to_string());
            }
            img.names_history.retain(|n| n != name);
            img.names_history.insert(0, name.to_string());
        }
    }

    /// Diff ids used by any image.
    pub fn used_layers(&self) -> HashSet<Digest> {
        self.images
            .iter()
            .flat_map(|i| i.layers.iter().cloned())
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A record with ids and a manifest digest derived from `seed`, for tests of the index.
    pub(crate) fn img(seed: &str, names: &[&str]) -> ImageRecord {
        ImageRecord {
            id: Digest::of(seed.as_bytes()),
            names: names.iter().map(|s| s.to_string()).collect(),
            names_history: vec![],
            digests: vec![Digest::of(format!("m{seed}").as_bytes())],
            manifest_media_type: String::new(),
            layers: vec![],
            size: 0,
            created: String::new(),
            added: String::new(),
        }
    }

    #[test]
    fn lookup_prefers_exact_then_short_then_id() {
        let idx = Index {
            images: vec![
                img("a", &["docker.io/library/busybox:latest"]),
                img("b", &["quay.io/x/busybox:latest", "localhost/b:1"]),
            ],
        };
        assert_eq!(idx.lookup("busybox").unwrap().id, idx.images[0].id);
        assert_eq!(
            idx.lookup("quay.io/x/busybox").unwrap().id,
            idx.images[1].id
        );
        assert_eq!(idx.lookup("b:1").unwrap().id, idx.images[1].id);
        let id = idx.images[1].id.hex().to_string();
        assert_eq!(idx.lookup(&id[..12]).unwrap().id, idx.images[1].id);
        assert_eq!(
            idx.lookup(&format!("sha256:{id}")).unwrap().id,
            idx.images[1].id
        );
        assert!(matches!(
            idx.lookup("nope"),
            Err(LookupError::NotFound(q)) if q == "nope"
        ));
    }

    #[test]
    fn ambiguous_short_name_and_prefix() {
        let idx = Index {
            images: vec![
                img("a", &["quay.io/x/tool:latest"]),
                img("b", &["ghcr.io/y/tool:latest"]),
            ],
        };
        assert!(matches!(
            idx.lookup("tool"),
            Err(LookupError::AmbiguousName { .. })
        ));
        assert!(matches!(idx.lookup(""), Err(LookupError::NotFound(_))));
        // Find a one-digit prefix both ids share, if any, to check the prefix path.
        let (a, b) = (idx.images[0].id.hex(), idx.images[1].id.hex());
        let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
        if common > 0 {
            assert!(matches!(
                idx.lookup(&a[..common]),
                Err(LookupError::Ambiguous { count: 2, .. })
            ));
        }
    }

    #[test]
    fn names_move_between_images() {
        let mut idx = Index {
            images: vec![img("a", &["localhost/x:1"]), img("b", &[])],
        };
        let b = idx.images[1].id.clone();
        idx.add_name(&b, "localhost/x:1");
        assert!(idx.images[0].names.is_empty());
        assert_eq!(idx.images[1].names, vec!["localhost/x:1"]);
        assert_eq!(idx.images[1].names_history, vec!["localhost/x:1"]);
    }

    #[test]
    fn repo_digests_per_repository() {
        let mut i = img("a", &["localhost/x:1", "localhost/x:2", "quay.io/y:3"]);
        let d = i.digests[0].clone();
        i.names_history.clear();
        assert_eq!(
            i.repo_digests(),
            vec![format!("localhost/x@{d}"), format!("quay.io/y@{d}")]
        );
    }
}
