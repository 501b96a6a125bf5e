//! `rpod images` / `rpod image ls`: podman's image table, JSON and templates.

use anyhow::Result;
use serde::Serialize;
use serde_json::{Map, Value};

use super::image::{open_store, show_id};
use super::Context;
use crate::base::timestamp::Timestamp;
use crate::format::humanize;
use crate::format::json::to_json;
use crate::format::table::{self, Table};
use crate::image::list::{self, ImageFilter, Listed};
use crate::store::names;

/// List images in local storage
#[derive(Debug, clap::Args)]
pub struct ImagesArgs {
    /// Show all images (by default intermediate images are hidden)
    #[arg(short, long)]
    pub all: bool,

    /// Show digests
    #[arg(long)]
    pub digests: bool,

    /// Filter output based on conditions: dangling=BOOL, reference=PATTERN,
    /// label=KEY[=VALUE], before=IMAGE, since=IMAGE, id=ID
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,

    /// Change the output format to JSON or a Go template
    #[arg(long)]
    pub format: Option<String>,

    /// Do not print column headings
    #[arg(short = 'n', long)]
    pub noheading: bool,

    /// Do not truncate output
    #[arg(long)]
    pub no_trunc: bool,

    /// Display only image IDs
    #[arg(short, long)]
    pub quiet: bool,

    /// Sort by created, id, repository, size or tag
    #[arg(long, default_value = "created", value_parser = ["created", "id", "repository", "size", "tag"])]
    pub sort: String,

    /// Show only images matching this name
    pub image: Option<String>,
}

/// podman's JSON for `images --format json` (field order as podman's).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImageJson {
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

pub fn run(ctx: &Context, args: &ImagesArgs) -> Result<u8> {
    let filter = ImageFilter::parse(&args.filter, args.image.as_deref())?;
    let store = open_store(ctx)?;
    let mut images = list::list(&store)?;
    filter.retain(&mut images);

    let now = Timestamp::now();
    let mut rows = rows(&images, args, now);
    match args.sort.as_str() {
        "id" => rows.sort_by(|a, b| a.id.cmp(&b.id)),
        "repository" => rows.sort_by(|a, b| a.repository.cmp(&b.repository)),
        "tag" => rows.sort_by(|a, b| a.tag.cmp(&b.tag)),
        "size" => rows.sort_by_key(|r| r.virtual_size),
        _ => {}
    }
    if args.quiet {
        let mut seen = std::collections::HashSet::new();
        for r in &rows {
            if seen.insert(r.id.clone()) {
                println!("{}", r.id);
            }
        }
        return Ok(0);
    }
    match args.format.as_deref() {
        Some("json") => {
            let list: Vec<ImageJson> = images.iter().map(json).collect();
            println!("{}", to_json(&list, "    ")?);
        }
        Some(format) => {
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
            let out = table::format_rows_noheading(format, &headers, &values, args.noheading)?;
            print!("{out}");
        }
        None => print!("{}", render_table(&rows, args.digests, args.noheading)),
    }
    Ok(0)
}

/// One line of the listing: an image under one of its names.
#[derive(Debug, Clone, Default)]
struct Row {
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
    fn template_value(&self) -> Value {
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

fn rows(images: &[Listed], args: &ImagesArgs, now: Timestamp) -> Vec<Row> {
    let mut out = Vec::new();
    for l in images {
        let rec = &l.rec;
        let base = Row {
            id: show_id(&rec.id, args.no_trunc),
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

fn render_table(rows: &[Row], digests: bool, noheading: bool) -> String {
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
    let out = t.render();
    if noheading {
        out.split_once('\n')
            .map(|(_, r)| r.to_string())
            .unwrap_or_default()
    } else {
        out
    }
}

fn json(l: &Listed) -> ImageJson {
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
    use crate::image::list::sample as listed;

    fn args() -> ImagesArgs {
        ImagesArgs {
            all: false,
            digests: false,
            filter: vec![],
            format: None,
            noheading: false,
            no_trunc: false,
            quiet: false,
            sort: "created".into(),
            image: None,
        }
    }

    #[test]
    fn table_has_a_row_per_name_and_none_for_dangling() {
        let imgs = vec![
            listed("a", &["localhost/x:1", "quay.io/foo/bar:v2"], 100),
            listed("b", &[], 90),
        ];
        let rows = rows(&imgs, &args(), Timestamp::from_secs(103));
        let out = render_table(&rows, false, false);
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
        let digests = render_table(&rows, true, true);
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
        let rows = rows(&imgs, &args(), Timestamp::from_secs(100));
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
