//! Which stored images a listing shows and a prune removes: each image with
//! what listing needs from its config, podman's image filters (`dangling`,
//! `reference`, `label`, `before`, `since`, `id`), and the prune of dangling or
//! unused images.

use std::collections::HashMap;

use anyhow::Result;
use serde_json::{Map, Value};
use thiserror::Error;

use super::oci_config::ImageConfig;
use crate::base::digest::Digest;
use crate::base::filter::{Filters, Label};
use crate::base::glob;
use crate::base::timestamp::Timestamp;
use crate::store::images::{ImageRecord, Index};
use crate::store::{names, Store};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum FilterError {
    #[error("invalid filter {0:?}: use KEY=VALUE")]
    Shape(String),
    #[error("invalid filter {0:?}: dangling takes true or false")]
    Dangling(String),
    #[error("invalid filter {0:?}: use dangling, reference, label, before, since or id")]
    Key(String),
}

/// One stored image, with what listing needs from its config.
#[derive(Debug, Clone)]
pub struct Listed {
    pub rec: ImageRecord,
    /// The config's `created`, else when the store got the image.
    pub created: Timestamp,
    pub labels: Map<String, Value>,
}

/// Every stored image, newest first. A config that cannot be read lists the
/// image without labels rather than hiding it.
pub fn list(store: &Store) -> Result<Vec<Listed>> {
    let guard = store.read()?;
    let mut out = Vec::new();
    for rec in guard.images()? {
        let config = match guard.config(&rec.id).map(|c| ImageConfig::parse(&c)) {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                log::debug!("the config of image {} does not parse: {e}", rec.id.short());
                ImageConfig::default()
            }
            Err(e) => {
                log::debug!("reading the config of image {}: {e:#}", rec.id.short());
                ImageConfig::default()
            }
        };
        out.push(Listed {
            created: created(&rec),
            labels: config.labels(),
            rec,
        });
    }
    out.sort_by_key(|l| std::cmp::Reverse(l.created));
    Ok(out)
}

fn created(rec: &ImageRecord) -> Timestamp {
    Timestamp::parse(&rec.created)
        .or_else(|| Timestamp::parse(&rec.added))
        .unwrap_or_default()
}

#[derive(Debug, Clone)]
enum Test {
    Dangling(bool),
    Reference(String),
    Label(Label),
    Before(String),
    Since(String),
    Id(String),
}

/// Parsed `images --filter`s (and the image named on the command line, a `reference`).
#[derive(Debug, Clone, Default)]
pub struct ImageFilter(Filters<Test>);

impl ImageFilter {
    pub fn parse(raw: &[String], image: Option<&str>) -> Result<ImageFilter, FilterError> {
        let mut filters = Filters::parse(
            raw,
            |item| FilterError::Shape(item.to_string()),
            |key, value| {
                Ok(match key {
                    "dangling" => match value {
                        "true" | "1" => Test::Dangling(true),
                        "false" | "0" => Test::Dangling(false),
                        _ => return Err(FilterError::Dangling(format!("{key}={value}"))),
                    },
                    "reference" => Test::Reference(value.to_string()),
                    "label" => Test::Label(Label::parse(key, value)),
                    "before" => Test::Before(value.to_string()),
                    "since" => Test::Since(value.to_string()),
                    "id" => Test::Id(value.trim_start_matches("sha256:").to_string()),
                    _ => return Err(FilterError::Key(key.to_string())),
                })
            },
        )?;
        if let Some(image) = image {
            filters.push("reference", Test::Reference(image.to_string()));
        }
        Ok(ImageFilter(filters))
    }

    /// Keeps the images of `images` that pass; `before`/`since` name images among them.
    pub fn retain(&self, images: &mut Vec<Listed>) {
        let index = Index {
            images: images.iter().map(|l| l.rec.clone()).collect(),
        };
        images.retain(|l| self.0.matches(|t| test(t, l, &index)));
    }
}

fn test(t: &Test, l: &Listed, all: &Index) -> bool {
    let created_of = |query: &str| all.lookup(query).ok().map(created);
    match t {
        Test::Dangling(d) => l.rec.is_dangling() == *d,
        Test::Reference(pattern) => l.rec.names.iter().any(|n| reference_matches(pattern, n)),
        Test::Label(label) => label.matches(l.labels.get(&label.key).and_then(Value::as_str)),
        Test::Before(q) => created_of(q).is_some_and(|t| l.created < t),
        Test::Since(q) => created_of(q).is_some_and(|t| l.created > t),
        Test::Id(prefix) => l.rec.id.hex().starts_with(prefix.as_str()),
    }
}

/// podman's `reference=` filter: a glob against the full name, the repository
/// or its last path part, or a name match as lookups do.
fn reference_matches(pattern: &str, name: &str) -> bool {
    let repo = names::repository(name);
    let short = repo.rsplit('/').next().unwrap_or(repo);
    let tag = names::tag(name).unwrap_or("");
    glob::matches(pattern, name)
        || glob::matches(pattern, repo)
        || glob::matches(pattern, short)
        || (!tag.is_empty() && glob::matches(pattern, &format!("{short}:{tag}")))
        || names::matches(name, pattern).is_some()
}

/// Removes the dangling images, or with `all` every image, that no container
/// uses; `in_use` (image id hex → containers) is asked under the store's lock,
/// which comes first in the lock order. Layers no image uses go too. Returns
/// the ids removed.
pub fn prune(
    store: &Store,
    all: bool,
    in_use: impl FnOnce() -> Result<HashMap<String, Vec<String>>>,
) -> Result<Vec<Digest>> {
    let mut w = store.write()?;
    let used = in_use()?;
    let mut removed = Vec::new();
    for img in w.images()? {
        if used.contains_key(img.id.hex()) {
            continue;
        }
        if all || img.is_dangling() {
            w.remove_image(&img.id)?;
            removed.push(img.id);
        }
    }
    // Also collects layers no image uses that a killed pull or import committed.
    w.gc()?;
    Ok(removed)
}

/// An image for tests, named `names` and created at Unix second `created`.
#[cfg(test)]
pub(crate) fn sample(seed: &str, names: &[&str], created: i64) -> Listed {
    Listed {
        rec: ImageRecord {
            id: Digest::of(seed.as_bytes()),
            names: names.iter().map(|s| s.to_string()).collect(),
            names_history: names.iter().rev().map(|s| s.to_string()).collect(),
            digests: vec![Digest::of(b"manifest")],
            manifest_media_type: String::new(),
            layers: vec![],
            size: 11331,
            created: Timestamp::from_secs(created).rfc3339(),
            added: String::new(),
        },
        created: Timestamp::from_secs(created),
        labels: Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        let x = sample("a", &["docker.io/library/busybox:latest"], 100);
        let keep = |f: &[&str]| {
            let raw: Vec<String> = f.iter().map(|s| s.to_string()).collect();
            let mut v = vec![x.clone(), sample("b", &["localhost/old:1"], 50)];
            ImageFilter::parse(&raw, None).unwrap().retain(&mut v);
            v.iter().any(|l| l.rec.id == x.rec.id)
        };
        assert!(keep(&["reference=busybox"]));
        assert!(keep(&["reference=busy*"]));
        assert!(keep(&["reference=docker.io/library/*"]));
        assert!(!keep(&["reference=alpine"]));
        assert!(
            keep(&["reference=alpine", "reference=busybox"]),
            "same key: OR"
        );
        assert!(keep(&["dangling=false"]));
        assert!(!keep(&["dangling=true"]));
        assert!(!keep(&["label=a"]));
        assert!(keep(&["since=localhost/old:1"]));
        assert!(!keep(&["before=localhost/old:1"]));
        let err = |f: &str| ImageFilter::parse(&[f.to_string()], None).unwrap_err();
        assert_eq!(err("bogus=1"), FilterError::Key("bogus".into()));
        assert_eq!(
            err("dangling=maybe"),
            FilterError::Dangling("dangling=maybe".into())
        );
        assert_eq!(err("x"), FilterError::Shape("x".into()));
    }
}
