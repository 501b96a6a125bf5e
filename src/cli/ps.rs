//! `rpod ps` / `rpod container ls`: podman's container table, JSON and templates.

use anyhow::{bail, Result};
use serde::Serialize;
use serde_json::{Map, Value};

use super::container::open;
use super::Context;
use crate::base::timestamp::Timestamp;
use crate::container::{Container, Status};
use crate::format::humanize;
use crate::format::table::{self, Table};
use crate::store::names;

/// List containers
///
/// Without --all only running containers are listed, oldest first.
#[derive(Debug, clap::Args)]
pub struct PsArgs {
    /// Show all containers, not only running ones
    #[arg(short, long)]
    pub all: bool,

    /// Filter: name=REGEX, id=PREFIX, status=STATE, ancestor=IMAGE, label=KEY[=VALUE], exited=CODE
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,

    /// Output format: json, or a Go template (`table` prefix for a header)
    #[arg(long)]
    pub format: Option<String>,

    /// Show the latest container created (all states)
    #[arg(short, long)]
    pub latest: bool,

    /// Show the N containers created last (all states)
    #[arg(short = 'n', long = "last", value_name = "N")]
    pub last: Option<usize>,

    /// Do not truncate IDs and commands
    #[arg(long)]
    pub no_trunc: bool,

    /// Do not print the column headings
    #[arg(long)]
    pub noheading: bool,

    /// Print only container IDs
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(ctx: &Context, args: &PsArgs) -> Result<u8> {
    let filters = Filters::parse(&args.filter)?;
    let store = open(ctx)?;
    // Oldest first, as podman lists.
    let mut list = store.list()?;
    list.reverse();
    let last = if args.latest { Some(1) } else { args.last };
    list.retain(|c| (args.all || last.is_some() || c.state.running()) && filters.keep(c));
    if let Some(n) = last {
        let skip = list.len().saturating_sub(n);
        list.drain(..skip);
    }
    let now = Timestamp::now();
    if args.quiet {
        for c in &list {
            println!("{}", id(c, args.no_trunc));
        }
        return Ok(0);
    }
    match args.format.as_deref() {
        Some("json") => {
            let items: Vec<PsJson> = list.iter().map(|c| json(c, now)).collect();
            println!("{}", crate::format::json::to_json(&items, "    ")?);
        }
        Some(format) => {
            let rows: Vec<Value> = list
                .iter()
                .map(|c| template_value(c, args.no_trunc, now))
                .collect();
            let sample = rows.first().cloned().unwrap_or_else(empty_template_value);
            let headers = table::headers(
                &sample,
                &[
                    ("ID", "CONTAINER ID"),
                    ("CreatedAt", "CREATED AT"),
                    ("CreatedHuman", "CREATED"),
                    ("RunningFor", "CREATED"),
                ],
            );
            let out = table::format_rows_noheading(format, &headers, &rows, args.noheading)?;
            print!("{out}");
        }
        None => {
            let mut t = Table::new(&[
                "CONTAINER ID",
                "IMAGE",
                "COMMAND",
                "CREATED",
                "STATUS",
                "PORTS",
                "NAMES",
            ]);
            for c in &list {
                t.row(vec![
                    id(c, args.no_trunc),
                    c.record.image_name().to_string(),
                    command(c, args.no_trunc),
                    humanize::ago(c.record.created_at(), now),
                    status_text(c, now),
                    ports(c),
                    c.record.name.clone(),
                ]);
            }
            let text = t.render();
            let text = if args.noheading {
                text.split_once('\n')
                    .map(|(_, r)| r.to_string())
                    .unwrap_or_default()
            } else {
                text
            };
            print!("{text}");
        }
    }
    Ok(0)
}

fn id(c: &Container, no_trunc: bool) -> String {
    if no_trunc {
        c.record.id.clone()
    } else {
        c.record.short_id().to_string()
    }
}

/// The command as podman's table shows it: cut to 17 characters and `...` past 20.
fn command(c: &Container, no_trunc: bool) -> String {
    let full = c.record.command.join(" ");
    if no_trunc || full.chars().count() <= 20 {
        full
    } else {
        format!("{}...", full.chars().take(17).collect::<String>())
    }
}

fn ports(c: &Container) -> String {
    if c.state.running() {
        c.state.ports.join(", ")
    } else {
        String::new()
    }
}

/// `Up 3 seconds`, `Exited (0) 2 seconds ago`, `Created`.
pub fn status_text(c: &Container, now: Timestamp) -> String {
    let s = &c.state;
    match s.status {
        Status::Created => "Created".into(),
        Status::Running if s.is_paused() => "Paused".into(),
        Status::Running => format!(
            "Up {}",
            humanize::duration(now.secs - s.started().unwrap_or(now).secs)
        ),
        Status::Exited => format!(
            "Exited ({}) {}",
            s.exit_code,
            humanize::ago(s.finished().or(s.started()).unwrap_or(now), now)
        ),
    }
}

/// Go's `time.Time.String()` in UTC: `2006-01-02 15:04:05.999999999 +0000 UTC`.
pub fn go_time(t: Timestamp) -> String {
    let s = t.rfc3339_nanos();
    format!(
        "{} +0000 UTC",
        s.trim_end_matches('Z').replacen('T', " ", 1)
    )
}

/// When the container exited, if it has.
fn exited_at(c: &Container) -> Option<Timestamp> {
    (c.state.status == Status::Exited)
        .then(|| c.state.finished())
        .flatten()
}

/// Unix seconds as podman's JSON has them (Go's zero time when unset).
fn unix(t: Option<Timestamp>) -> i64 {
    t.map(|t| t.secs).unwrap_or(-62135596800)
}

fn labels_value(c: &Container) -> Value {
    Value::Object(
        c.record
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<String, Value>>(),
    )
}

/// The fields podman's ps templates know, under its names.
fn template_value(c: &Container, no_trunc: bool, now: Timestamp) -> Value {
    let created = c.record.created_at();
    serde_json::json!({
        "ID": id(c, no_trunc),
        "Image": c.record.image_name(),
        "ImageID": c.record.image_id(),
        "Command": command(c, no_trunc),
        "CreatedAt": go_time(created),
        "CreatedHuman": humanize::ago(created, now),
        "Created": go_time(created),
        "RunningFor": humanize::ago(created, now),
        "Status": status_text(c, now),
        "State": c.state.status_word(),
        "Names": c.record.name,
        "Ports": ports(c),
        "Labels": labels_value(c),
        "Mounts": mounts(c),
        "Networks": [],
        "Pid": c.state.pid.pid,
        "ExitCode": c.state.exit_code,
        "Exited": c.state.status == Status::Exited,
        "ExitedAt": unix(exited_at(c)),
        "StartedAt": unix(c.state.started()),
        "AutoRemove": c.record.auto_remove,
        "Restarts": c.state.restart_count,
        "Size": "",
        "Pod": "",
        "PodName": "",
        "IsInfra": false,
    })
}

fn empty_template_value() -> Value {
    let mut v = serde_json::json!({});
    for k in [
        "ID",
        "Image",
        "ImageID",
        "Command",
        "CreatedAt",
        "CreatedHuman",
        "Created",
        "RunningFor",
        "Status",
        "State",
        "Names",
        "Ports",
        "Labels",
        "Mounts",
        "Networks",
        "Pid",
        "ExitCode",
        "Exited",
        "ExitedAt",
        "StartedAt",
        "AutoRemove",
        "Restarts",
        "Size",
        "Pod",
        "PodName",
        "IsInfra",
    ] {
        v[k] = Value::String(String::new());
    }
    v
}

/// Destinations of the container's bind mounts (podman's ps `Mounts`).
fn mounts(c: &Container) -> Vec<String> {
    c.record
        .binds
        .iter()
        .map(|b| b.destination.clone())
        .collect()
}

/// podman's `ps --format json` entry (field order as podman's).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct PsJson {
    auto_remove: bool,
    command: Vec<String>,
    created_at: String,
    exited: bool,
    exited_at: i64,
    exit_code: i32,
    id: String,
    image: String,
    #[serde(rename = "ImageID")]
    image_id: String,
    is_infra: bool,
    labels: Option<Map<String, Value>>,
    mounts: Vec<String>,
    names: Vec<String>,
    namespaces: Map<String, Value>,
    networks: Vec<String>,
    pid: i32,
    pod: String,
    pod_name: String,
    ports: Option<Vec<String>>,
    restarts: u32,
    size: Option<Value>,
    started_at: i64,
    state: String,
    status: String,
    created: i64,
}

fn json(c: &Container, now: Timestamp) -> PsJson {
    let labels = match labels_value(c) {
        Value::Object(m) if !m.is_empty() => Some(m),
        _ => None,
    };
    PsJson {
        auto_remove: c.record.auto_remove,
        command: c.record.command.clone(),
        created_at: humanize::ago(c.record.created_at(), now),
        exited: c.state.status == Status::Exited,
        exited_at: unix(exited_at(c)),
        exit_code: c.state.exit_code,
        id: c.record.id.clone(),
        image: c.record.image_name().to_string(),
        image_id: c.record.image_id().to_string(),
        is_infra: false,
        labels,
        mounts: mounts(c),
        names: vec![c.record.name.clone()],
        namespaces: Map::new(),
        networks: Vec::new(),
        pid: c.state.pid.pid,
        pod: String::new(),
        pod_name: String::new(),
        ports: (c.state.running() && !c.state.ports.is_empty()).then(|| c.state.ports.clone()),
        restarts: c.state.restart_count,
        size: None,
        started_at: unix(c.state.started()),
        state: c.state.status_word().to_string(),
        status: status_text(c, now),
        created: c.record.created_at().secs,
    }
}

/// podman's container states, accepted by `--filter status=`.
const STATES: [&str; 9] = [
    "created",
    "running",
    "paused",
    "exited",
    "stopped",
    "unknown",
    "configured",
    "removing",
    "stopping",
];

/// `--filter` values: the same key ORs, different keys AND.
#[derive(Debug, Default)]
struct Filters {
    name: Vec<String>,
    id: Vec<String>,
    status: Vec<String>,
    ancestor: Vec<String>,
    label: Vec<(String, Option<String>)>,
    exited: Vec<i32>,
}

impl Filters {
    fn parse(raw: &[String]) -> Result<Filters> {
        let mut f = Filters::default();
        for item in raw {
            let Some((k, v)) = item.split_once('=') else {
                bail!("invalid filter {item:?}: expected KEY=VALUE");
            };
            match k {
                "name" => f.name.push(v.to_string()),
                "id" => f.id.push(v.to_ascii_lowercase()),
                "status" => {
                    if !STATES.contains(&v) {
                        bail!("unknown container state: {v}: invalid argument");
                    }
                    f.status.push(v.to_string());
                }
                "ancestor" => f.ancestor.push(v.to_string()),
                "label" => {
                    let (lk, lv) = match v.split_once('=') {
                        Some((a, b)) => (a.to_string(), Some(b.to_string())),
                        None => (v.to_string(), None),
                    };
                    f.label.push((lk, lv));
                }
                "exited" => f.exited.push(
                    v.parse()
                        .map_err(|_| anyhow::anyhow!("invalid filter exited={v}: expected an exit code"))?,
                ),
                _ => bail!(
                    "invalid filter {k:?}: supported filters are name, id, status, ancestor, label, exited"
                ),
            }
        }
        Ok(f)
    }

    fn keep(&self, c: &Container) -> bool {
        let any = |list: &[String], f: &dyn Fn(&str) -> bool| {
            list.is_empty() || list.iter().any(|v| f(v))
        };
        any(&self.name, &|v| name_matches(&c.record.name, v))
            && any(&self.id, &|v| c.record.id.starts_with(v))
            && any(&self.status, &|v| status_matches(c, v))
            && any(&self.ancestor, &|v| ancestor_matches(c, v))
            && (self.label.is_empty()
                || self
                    .label
                    .iter()
                    .all(|(k, v)| match (c.record.labels.get(k), v) {
                        (Some(have), Some(want)) => have == want,
                        (Some(_), None) => true,
                        (None, _) => false,
                    }))
            && (self.exited.is_empty()
                || (c.state.status == Status::Exited && self.exited.contains(&c.state.exit_code)))
    }
}

fn status_matches(c: &Container, want: &str) -> bool {
    match want {
        "stopped" => c.state.status == Status::Exited,
        s => c.state.status_word() == s,
    }
}

/// podman matches names by regular expression; the forms people use are a
/// substring, optionally anchored with `^` and `$`.
fn name_matches(name: &str, pattern: &str) -> bool {
    let (start, p) = match pattern.strip_prefix('^') {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    let (end, p) = match p.strip_suffix('$') {
        Some(p) => (true, p),
        None => (false, p),
    };
    match (start, end) {
        (true, true) => name == p,
        (true, false) => name.starts_with(p),
        (false, true) => name.ends_with(p),
        (false, false) => name.contains(p),
    }
}

fn ancestor_matches(c: &Container, want: &str) -> bool {
    let Some(img) = &c.record.image else {
        return false;
    };
    let hex = want.strip_prefix("sha256:").unwrap_or(want);
    (!hex.is_empty() && hex.len() >= 3 && img.id.starts_with(hex))
        || img.name == want
        || names::matches(&img.name, want).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::record::{ImageRef, Record, RootfsSource};
    use crate::container::State;

    fn container(name: &str, status: Status, code: i32) -> Container {
        let mut labels = std::collections::BTreeMap::new();
        labels.insert("tier".to_string(), "web".to_string());
        Container {
            record: Record {
                created: "2024-01-02T03:04:05Z".into(),
                image: Some(ImageRef {
                    name: "docker.io/library/busybox:latest".into(),
                    id: "06a436727a3b".repeat(5) + "0123",
                }),
                command: vec!["sh".into(), "-c".into(), "echo hello; sleep 1000".into()],
                labels,
                ..Record::minimal(
                    &format!("{:a<64}", "ab"),
                    name,
                    RootfsSource::Dir("/".into()),
                )
            },
            state: State {
                status,
                exit_code: code,
                started_at: "2024-01-02T03:04:06Z".into(),
                finished_at: "2024-01-02T03:04:08Z".into(),
                ..State::default()
            },
        }
    }

    #[test]
    fn status_texts_as_podman() {
        let now = Timestamp::parse("2024-01-02T03:04:10Z").unwrap();
        assert_eq!(
            status_text(&container("a", Status::Created, 0), now),
            "Created"
        );
        assert_eq!(
            status_text(&container("a", Status::Running, 0), now),
            "Up 4 seconds"
        );
        assert_eq!(
            status_text(&container("a", Status::Exited, 137), now),
            "Exited (137) 2 seconds ago"
        );
    }

    #[test]
    fn command_is_cut_like_podman() {
        let c = container("a", Status::Running, 0);
        assert_eq!(command(&c, false), "sh -c echo hello;...");
        assert_eq!(command(&c, true), "sh -c echo hello; sleep 1000");
    }

    #[test]
    fn filters() {
        let web = container("web_1", Status::Running, 0);
        let f = |v: &[&str]| {
            Filters::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
        };
        assert!(f(&["name=web"]).keep(&web));
        assert!(f(&["name=^web_1$"]).keep(&web));
        assert!(!f(&["name=^eb"]).keep(&web));
        assert!(f(&["name=nope", "name=web"]).keep(&web), "same key: OR");
        assert!(
            !f(&["name=web", "status=exited"]).keep(&web),
            "different keys: AND"
        );
        assert!(f(&["status=running", "id=ab"]).keep(&web));
        assert!(f(&["ancestor=busybox"]).keep(&web));
        assert!(f(&["ancestor=06a436"]).keep(&web));
        assert!(!f(&["ancestor=alpine"]).keep(&web));
        assert!(f(&["label=tier"]).keep(&web));
        assert!(f(&["label=tier=web"]).keep(&web));
        assert!(!f(&["label=tier=db"]).keep(&web));
        let dead = container("x", Status::Exited, 3);
        assert!(f(&["exited=3"]).keep(&dead));
        assert!(f(&["status=stopped"]).keep(&dead));
        assert!(!f(&["exited=3"]).keep(&web));
        assert!(Filters::parse(&["status=bogus".into()]).is_err());
        assert!(Filters::parse(&["color=red".into()]).is_err());
        assert!(Filters::parse(&["name".into()]).is_err());
    }

    #[test]
    fn templates_and_json_fields() {
        let now = Timestamp::parse("2024-01-02T03:04:10Z").unwrap();
        let c = container("web", Status::Running, 0);
        let v = template_value(&c, false, now);
        let out = crate::format::template::render("{{.ID}} {{.Names}} {{.Status}} {{.Labels}}", &v)
            .unwrap();
        assert!(out.starts_with("abaaaaaaaaaa web Up 4 seconds "), "{out}");
        assert_eq!(v["CreatedAt"], "2024-01-02 03:04:05 +0000 UTC");
        let j = serde_json::to_value(json(&c, now)).unwrap();
        assert_eq!(j["Names"][0], "web");
        assert_eq!(j["State"], "running");
        assert_eq!(j["ImageID"].as_str().unwrap().len(), 64);
        assert_eq!(j["ExitedAt"], -62135596800i64);
    }
}
