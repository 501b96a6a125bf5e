//! podman's image listing as data: one row per image and name for its table,
//! the fields its templates see, its sort orders and its `--format json` objects.

use serde::Serialize;
use serde_json::{Map, Value};

use super::list::Listed;
use crate::base::digest::Digest;
use crate::base::timestamp::Timestamp;
use crate::format::humanize;
use crate::format::table::{self, Table};
use crate::store::names;

/// What `images --sort` orders the rows by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Created,
    Id,
    Repository,
    Size,
    Tag,
}

impl SortBy {
    /// The `--sort` word; the listing's own order (newest first) for any other.
    pub fn parse(word: &str) -> SortBy {
        match word {
            "id" => SortBy::Id,
            "repository" => SortBy::Repository,
            "tag" => SortBy::Tag,
            "size" => SortBy::Size,
            _ => SortBy::Created,
        }
    }
}

/// Orders `rows` stably; `Created` keeps the listing's order.
pub fn sort(rows: &mut [Row], by: SortBy) {
    match by {
        SortBy::Id => rows.sort_by(|a, b| a.id.cmp(&b.id)),
        SortBy::Repository => rows.sort_by(|a, b| a.repository.cmp(&b.repository)),
        SortBy::Tag => rows.sort_by(|a, b| a.tag.cmp(&b.tag)),
        SortBy::Size => rows.sort_by_key(|r| r.virtual_size),
        SortBy::Created => {}
    }
}

/// Image ids as podman shows them: 12 digits, or `sha256:` and all 64.
pub fn show_id(id: &Digest, no_trunc: bool) -> String {
    if no_trunc {
        id.to_string()
    } else {
        id.short().to_string()
    }
}

/// The ids `images --quiet` prints: each image once, in row order.
pub fn quiet_ids(rows: &[Row]) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .filter(|r| seen.insert(r.id.as_str()))
        .map(|r| r.id.as_str())
        .collect()
}

/// The values a `--format` template sees, one per row, and the column titles
/// of a `table` template.
pub fn template_rows(rows: &[Row]) -> (Value, Vec<Value>) {
    let values: Vec<Value> = rows.iter().map(|r| r.template_value()).collect();
    let sample = values
        .first()
        .cloned()
        .unwrap_or_else(|| Row::default().template_value());
    let headers = table::headers(
        &sample,
        &[
            ("ID", "IMAGE ID"),
            ("CreatedSince", "CREATED"),
            ("Created", "CREATED"),
            ("ReadOnly", "R/O"),
        ],
    );
    (headers, values)
}

/// podman's JSON for `images --format json` (field order as podman's).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageJson {
    id: String,
    parent_id: String,
    repo_tags: Option<Vec<String>>,
    repo_digests: Vec<String>,
    size: u64,
    shared_size: u64,
    virtual_size: u64,
    labels: Option<Map<String, Value>>,
    containers: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    dangling: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    names: Vec<String>,
    digest: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    history: Vec<String>,
    created: i64,
    created_at: String,
}

/// One line of the listing: an image under one of its names.
#[derive(Debug, Clone, Default)]
pub struct Row {
    id: String,
    repository: String,
    tag: String,
    digest: String,
    created_since: String,
    created_at: String,
    size: String,
    virtual_size: u64,
    dangling: bool,
    history: String,
    names: Vec<String>,
    labels: Map<String, Value>,
}

impl Row {
    /// The fields podman's templates know, under its names.
    pub fn template_value(&self) -> Value {
        serde_json::json!({
            "ID": self.id,
            "Repository": self.repository,
            "Tag": self.tag,
            "Digest": self.digest,
            "CreatedSince": self.created_since,
            "CreatedAt": self.created_at,
            "Created": self.created_since,
            "Size": self.size,
            "VirtualSize": self.virtual_size,
            "SharedSize": 0,
            "Containers": 0,
            "ReadOnly": false,
            "Dangling": self.dangling,
            "History": self.history,
            "Names": self.names,
            "Labels": self.labels,
        })
    }
}

pub fn rows(images: &[Listed], no_trunc: bool, now: Timestamp) -> Vec<Row> {
    let mut out = Vec::new();
    for l in images {
        let rec = &l.rec;
        let base = Row {
            id: show_id(&rec.id, no_trunc),
            repository: "<none>".into(),
            tag: "<none>".into(),
            digest: rec.digest().map(|d| d.to_string()).unwrap_or_default(),
            created_since: humanize::ago(l.created, now),
            created_at: l.created.go_string(),
            size: humanize::size(rec.size),
            virtual_size: rec.size,
            dangling: rec.is_dangling(),
            history: rec.names_history.join(", "),
            names: rec.names.clone(),
            labels: l.labels.clone(),
        };
        if rec.names.is_empty() {
            out.push(base);
            continue;
        }
        for name in &rec.names {
            let mut row = base.clone();
            row.repository = names::repository(name).to_string();
            row.tag = names::tag(name).unwrap_or("<none>").to_string();
            out.push(row);
        }
    }
    out
}

pub fn table(rows: &[Row], digests: bool) -> Table {
    let mut header = vec!["REPOSITORY", "TAG"];
    if digests {
        header.push("DIGEST");
    }
    header.extend(["IMAGE ID", "CREATED", "SIZE"]);
    let mut t = Table::new(&header);
    for r in rows {
        let mut cells = vec![r.repository.clone(), r.tag.clone()];
        if digests {
            cells.push(r.digest.clone());
        }
        cells.extend([r.id.clone(), r.created_since.clone(), r.size.clone()]);
        t.row(cells);
    }
    t
}

pub fn json(l: &Listed) -> ImageJson {
    let rec = &l.rec;
    ImageJson {
        id: rec.id.hex().to_string(),
        parent_id: String::new(),
        repo_tags: None,
        repo_digests: rec.repo_digests(),
        size: rec.size,
        shared_size: 0,
        virtual_size: rec.size,
        labels: (!l.labels.is_empty()).then(|| l.labels.clone()),
        containers: 0,
        dangling: rec.is_dangling(),
        names: rec.names.clone(),
        digest: rec.digest().map(|d| d.to_string()).unwrap_or_default(),
        history: rec.names_history.clone(),
        created: l.created.secs,
        created_at: l.created.rfc3339(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::json::to_json;
    use crate::image::list::sample as listed;

    #[test]
    fn table_has_a_row_per_name_and_none_for_dangling() {
        let imgs = vec![
            listed("a", &["localhost/x:1", "quay.io/foo/bar:v2"], 100),
            listed("b", &[], 90),
        ];
        let rows = rows(&imgs, false, Timestamp::from_secs(103));
        let out = table(&rows, false).render();
        let id_a = &imgs[0].rec.id.hex()[..12];
        let id_b = &imgs[1].rec.id.hex()[..12];
        assert_eq!(
            out,
            format!(
                "REPOSITORY       TAG         IMAGE ID      CREATED         SIZE\n\
                 localhost/x      1           {id_a}  3 seconds ago   11.3 kB\n\
                 quay.io/foo/bar  v2          {id_a}  3 seconds ago   11.3 kB\n\
                 <none>           <none>      {id_b}  13 seconds ago  11.3 kB\n"
            )
        );
        let digests = table(&rows, true).render_noheading(true);
        assert!(
            digests.starts_with("localhost/x      1           sha256:"),
            "{digests}"
        );
    }

    #[test]
    fn json_shape_matches_podman() {
        let l = listed("a", &["localhost/x:1"], 1795697205);
        let text = to_json(&vec![json(&l)], "    ").unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[0]["Id"], l.rec.id.hex());
        assert_eq!(v[0]["RepoTags"], Value::Null);
        assert_eq!(v[0]["Created"], 1795697205);
        assert_eq!(v[0]["CreatedAt"], "2026-11-26T12:46:45Z");
        assert_eq!(v[0]["History"][0], "localhost/x:1");
        assert!(v[0].get("Dangling").is_none());
        assert!(text.contains("\n        \"Id\""), "4-space indent: {text}");
        let keys: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
            .filter(|k| k.chars().next().is_some_and(char::is_uppercase))
            .collect();
        assert_eq!(&keys[..4], ["Id", "ParentId", "RepoTags", "RepoDigests"]);
    }

    #[test]
    fn template_fields() {
        let imgs = vec![listed("a", &["localhost/x:1"], 100)];
        let rows = rows(&imgs, false, Timestamp::from_secs(100));
        let v = rows[0].template_value();
        let out = crate::format::template::render(
            "{{.ID}} {{.Repository}}:{{.Tag}} {{.Size}} {{.Names}}",
            &v,
        )
        .unwrap();
        assert_eq!(
            out,
            format!(
                "{} localhost/x:1 11.3 kB [localhost/x:1]",
                &imgs[0].rec.id.hex()[..12]
            )
        );
    }
}
