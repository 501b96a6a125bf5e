//! `rpod history`: the layers of an image and the steps that made them.

use anyhow::{anyhow, Result};
use serde::Serialize;
use serde_json::Value;

use super::image::open_store;
use super::Context;
use crate::base::timestamp::Timestamp;
use crate::format::humanize;
use crate::format::table::{self, Table};
use crate::image::oci_config::ImageConfig;
use crate::store::images::ImageRecord;

/// Show history of a specified image
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Change the output to JSON or a Go template
    #[arg(long)]
    pub format: Option<String>,

    /// Display sizes and dates in human readable format
    #[arg(short = 'H', long, default_value_t = true, action = clap::ArgAction::Set,
          num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub human: bool,

    /// Do not truncate the output
    #[arg(long)]
    pub no_trunc: bool,

    /// Display the numeric IDs only
    #[arg(short, long)]
    pub quiet: bool,

    /// The image (name, short name or id)
    pub image: String,
}

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
struct StepJson {
    id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    created: String,
    #[serde(rename = "CreatedBy", skip_serializing_if = "String::is_empty")]
    created_by: String,
    size: u64,
    #[serde(skip_serializing_if = "String::is_empty")]
    comment: String,
    #[serde(rename = "Created")]
    created_secs: String,
}

pub fn run(ctx: &Context, args: &HistoryArgs) -> Result<u8> {
    let store = open_store(ctx)?;
    let (rec, config, sizes, tops) = {
        let guard = store.read()?;
        let rec = guard.lookup(&args.image)?;
        let config = ImageConfig::parse(&guard.config(&rec.id)?)
            .map_err(|e| anyhow!("image {} has an unreadable config: {e}", rec.id.short()))?;
        let mut sizes = Vec::new();
        for d in &rec.layers {
            sizes.push(guard.layer(d)?.map_or(0, |l| l.size));
        }
        let tops = top_images(&rec, &guard.images()?);
        (rec, config, sizes, tops)
    };
    let steps = steps(&rec, &config, &sizes, &tops);
    let id_of = |s: &Step| match &s.id {
        Some(id) if args.no_trunc => id.clone(),
        Some(id) => id[..12.min(id.len())].to_string(),
        None => "<missing>".to_string(),
    };
    if args.quiet {
        for s in &steps {
            println!("{}", id_of(s));
        }
        return Ok(0);
    }
    let now = Timestamp::now();
    let created = |s: &Step| match (s.created, args.human) {
        (Some(t), true) => humanize::ago(t, now),
        (Some(t), false) => t.rfc3339(),
        (None, _) => String::new(),
    };
    let created_by = |s: &Step| {
        if !args.no_trunc && s.created_by.chars().count() > 45 {
            let cut: String = s.created_by.chars().take(42).collect();
            format!("{cut}...")
        } else {
            s.created_by.clone()
        }
    };
    match args.format.as_deref() {
        Some("json") => {
            let list: Vec<StepJson> = steps
                .iter()
                .map(|s| StepJson {
                    id: s.id.clone().unwrap_or_else(|| "<missing>".into()),
                    created: s.created_raw.clone(),
                    created_by: s.created_by.clone(),
                    size: s.size,
                    comment: s.comment.clone(),
                    created_secs: s.created.map(|t| t.rfc3339()).unwrap_or_default(),
                })
                .collect();
            println!("{}", serde_json::to_string(&list)?);
        }
        Some(format) => {
            let values: Vec<Value> = steps
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "ID": id_of(s),
                        "Created": created(s),
                        "CreatedSince": created(s),
                        "CreatedAt": s.created.map(|t| t.go_string()).unwrap_or_default(),
                        "CreatedBy": created_by(s),
                        "Size": humanize::size(s.size),
                        "Comment": s.comment,
                        "Tags": Vec::<String>::new(),
                    })
                })
                .collect();
            let headers = table::headers(
                &values[0],
                &[("CreatedBy", "CREATED BY"), ("CreatedSince", "CREATED")],
            );
            print!("{}", table::format_rows(format, &headers, &values)?);
        }
        None => {
            let mut t = Table::new(&["ID", "CREATED", "CREATED BY", "SIZE", "COMMENT"]);
            for s in &steps {
                t.row(vec![
                    id_of(s),
                    created(s),
                    created_by(s),
                    humanize::size(s.size),
                    s.comment.clone(),
                ]);
            }
            print!("{}", t.render());
        }
    }
    Ok(0)
}

/// For each layer of `rec`, a local image whose layers end there (podman shows
/// these as the "parents" of an image); the image itself for its top layer.
fn top_images(rec: &ImageRecord, all: &[ImageRecord]) -> Vec<Option<String>> {
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
