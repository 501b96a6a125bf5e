//! An image's history as podman reports it: the steps that made it, newest first,
//! paired with the layers they added and the local images those layers top.

use serde::Serialize;
use serde_json::Value;

use super::inspect::InspectError;
use super::oci_config::ImageConfig;
use crate::base::timestamp::Timestamp;
use crate::format::humanize;
use crate::format::table::{self, Table};
use crate::store::images::ImageRecord;
use crate::store::Store;

/// One step, newest first, as podman reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The id of a local image whose top layer is this step's (the image's own
    /// on the newest step), each id once; `None` is shown `<missing>`.
    pub id: Option<String>,
    pub created: Option<Timestamp>,
    pub created_raw: String,
    pub created_by: String,
    pub size: u64,
    pub comment: String,
}

/// Pairs history entries with layers: walking from the newest, each entry that
/// is not an empty layer takes the next layer down (as podman does).
/// `tops[i]` is a local image whose layers are exactly the first `i + 1` of
/// this image's (its own id last); the entries of that layer show its id, once.
pub fn steps(
    rec: &ImageRecord,
    config: &ImageConfig,
    layer_sizes: &[u64],
    tops: &[Option<String>],
) -> Vec<Step> {
    let mut sizes = layer_sizes.iter().rev();
    let mut layer = layer_sizes.len().checked_sub(1);
    let mut used = std::collections::HashSet::new();
    let mut out = Vec::new();
    for h in config.history.iter().rev() {
        let size = if h.empty_layer {
            0
        } else {
            sizes.next().copied().unwrap_or(0)
        };
        let id = layer
            .and_then(|l| tops.get(l).cloned().flatten())
            .filter(|id| used.insert(id.clone()));
        if !h.empty_layer {
            layer = layer.and_then(|l| l.checked_sub(1));
        }
        let raw = h.created.clone().unwrap_or_default();
        out.push(Step {
            id,
            created: Timestamp::parse(&raw),
            created_raw: raw,
            created_by: h.created_by.clone().unwrap_or_default(),
            size,
            comment: h.comment.clone().unwrap_or_default(),
        });
    }
    if out.is_empty() {
        // A config without history: one line for the image itself.
        out.push(Step {
            id: Some(rec.id.hex().to_string()),
            created: Timestamp::parse(&rec.created),
            created_raw: rec.created.clone(),
            created_by: String::new(),
            size: layer_sizes.iter().sum(),
            comment: String::new(),
        });
    }
    out
}

/// podman's JSON for one step (its odd pair of `created`/`Created` included).
#[derive(Debug, Serialize)]
pub struct StepJson {
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub created: String,
    #[serde(rename = "CreatedBy", skip_serializing_if = "String::is_empty")]
    pub created_by: String,
    pub size: u64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub comment: String,
    #[serde(rename = "Created")]
    pub created_secs: String,
}

/// The steps of image `query` in `store`, newest first.
pub fn history(store: &Store, query: &str) -> Result<Vec<Step>, InspectError> {
    let guard = store.read()?;
    let rec = guard.lookup(query)?;
    let config = ImageConfig::parse(&guard.config(&rec.id)?).map_err(|e| InspectError::Config {
        id: rec.id.short().to_string(),
        message: e.to_string(),
    })?;
    let mut sizes = Vec::new();
    for d in &rec.layers {
        sizes.push(guard.layer(d)?.map_or(0, |l| l.size));
    }
    let tops = top_images(&rec, &guard.images()?);
    drop(guard);
    Ok(steps(&rec, &config, &sizes, &tops))
}

impl Step {
    /// podman's `--format json` entry.
    pub fn json(&self) -> StepJson {
        StepJson {
            id: self.id.clone().unwrap_or_else(|| "<missing>".into()),
            created: self.created_raw.clone(),
            created_by: self.created_by.clone(),
            size: self.size,
            comment: self.comment.clone(),
            created_secs: self.created.map(|t| t.rfc3339()).unwrap_or_default(),
        }
    }
}

/// For each layer of `rec`, a local image whose layers end there (podman shows
/// these as the "parents" of an image); the image itself for its top layer.
pub fn top_images(rec: &ImageRecord, all: &[ImageRecord]) -> Vec<Option<String>> {
    let n = rec.layers.len();
    (0..n)
        .map(|i| {
            if i + 1 == n {
                return Some(rec.id.hex().to_string());
            }
            all.iter()
                .find(|img| img.id != rec.id && img.layers[..] == rec.layers[..=i])
                .map(|img| img.id.hex().to_string())
        })
        .collect()
}

/// How `history` shows its steps: ids cut to 12 digits, dates human or RFC 3339,
/// commands cut to 45 characters, unless the user asked otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Shown {
    pub no_trunc: bool,
    pub human: bool,
    pub now: Timestamp,
}

impl Shown {
    pub fn id(&self, s: &Step) -> String {
        match &s.id {
            Some(id) if self.no_trunc => id.clone(),
            Some(id) => id[..12.min(id.len())].to_string(),
            None => "<missing>".to_string(),
        }
    }

    fn created(&self, s: &Step) -> String {
        match (s.created, self.human) {
            (Some(t), true) => humanize::ago(t, self.now),
            (Some(t), false) => t.rfc3339(),
            (None, _) => String::new(),
        }
    }

    fn created_by(&self, s: &Step) -> String {
        if !self.no_trunc && s.created_by.chars().count() > 45 {
            let cut: String = s.created_by.chars().take(42).collect();
            format!("{cut}...")
        } else {
            s.created_by.clone()
        }
    }

    /// The table `history` prints without `--format`.
    pub fn table(&self, steps: &[Step]) -> Table {
        let mut t = Table::new(&["ID", "CREATED", "CREATED BY", "SIZE", "COMMENT"]);
        for s in steps {
            t.row(vec![
                self.id(s),
                self.created(s),
                self.created_by(s),
                humanize::size(s.size),
                s.comment.clone(),
            ]);
        }
        t
    }

    /// The values a `--format` template sees, one per step, and the column titles
    /// of a `table` template.
    pub fn template_rows(&self, steps: &[Step]) -> (Value, Vec<Value>) {
        let values: Vec<Value> = steps
            .iter()
            .map(|s| {
                serde_json::json!({
                    "ID": self.id(s),
                    "Created": self.created(s),
                    "CreatedSince": self.created(s),
                    "CreatedAt": s.created.map(|t| t.go_string()).unwrap_or_default(),
                    "CreatedBy": self.created_by(s),
                    "Size": humanize::size(s.size),
                    "Comment": s.comment,
                    "Tags": Vec::<String>::new(),
                })
            })
            .collect();
        let sample = values.first().cloned().unwrap_or_default();
        let headers = table::headers(
            &sample,
            &[("CreatedBy", "CREATED BY"), ("CreatedSince", "CREATED")],
        );
        (headers, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::digest::Digest;
    use crate::image::oci_config::History;

    #[test]
    fn empty_layers_take_no_layer() {
        let rec = ImageRecord {
            id: Digest::of(b"c"),
            names: vec![],
            names_history: vec![],
            digests: vec![],
            manifest_media_type: String::new(),
            layers: vec![Digest::of(b"1"), Digest::of(b"2")],
            size: 0,
            created: String::new(),
            added: String::new(),
        };
        let h = |by: &str, empty: bool| History {
            created: Some("2024-01-01T00:00:00Z".into()),
            created_by: Some(by.into()),
            empty_layer: empty,
            ..History::default()
        };
        let config = ImageConfig {
            history: vec![
                h("ADD base", false),
                h("ENV x", true),
                h("RUN y", false),
                h("CMD", true),
            ],
            ..ImageConfig::default()
        };
        let s = steps(&rec, &config, &[100, 20], &[None, Some("c".into())]);
        let got: Vec<(&str, u64, bool)> = s
            .iter()
            .map(|s| (s.created_by.as_str(), s.size, s.id.is_some()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("CMD", 0, true),
                ("RUN y", 20, false),
                ("ENV x", 0, false),
                ("ADD base", 100, false)
            ]
        );
        // A local image whose top layer is the base layer names that step.
        let base = ImageRecord {
            id: Digest::of(b"base"),
            layers: vec![Digest::of(b"1")],
            ..rec.clone()
        };
        let tops = top_images(&rec, &[rec.clone(), base.clone()]);
        assert_eq!(
            tops,
            [
                Some(base.id.hex().to_string()),
                Some(rec.id.hex().to_string())
            ]
        );
        let ids: Vec<Option<String>> = steps(&rec, &config, &[100, 20], &tops)
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(
            ids,
            [
                Some(rec.id.hex().to_string()),
                None,
                Some(base.id.hex().to_string()),
                None
            ]
        );
    }
}
