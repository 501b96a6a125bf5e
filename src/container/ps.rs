//! podman's container listing as data: the rows of `ps` for its table, the
//! fields its templates see and its `--format json` objects.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Container, Status};
use crate::base::timestamp::Timestamp;
use crate::format::humanize;
use crate::format::table::{self, Table};

/// The table `ps` prints without `--format`.
pub fn table(list: &[Container], no_trunc: bool, now: Timestamp) -> Table {
    let mut t = Table::new(&[
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
    ]);
    for c in list {
        t.row(vec![
            id(c, no_trunc),
            c.record.image_name().to_string(),
            command(c, no_trunc),
            humanize::ago(c.record.created_at(), now),
            status_text(c, now),
            ports(c),
            c.record.name.clone(),
        ]);
    }
    t
}

/// podman's `ps --format json` entries.
pub fn json_list(list: &[Container], now: Timestamp) -> Vec<PsJson> {
    list.iter().map(|c| json(c, now)).collect()
}

/// The values a `--format` template sees, one per container, and the column
/// titles of a `table` template.
pub fn template_rows(list: &[Container], no_trunc: bool, now: Timestamp) -> (Value, Vec<Value>) {
    let rows: Vec<Value> = list
        .iter()
        .map(|c| template_value(c, no_trunc, now))
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
    (headers, rows)
}

pub fn id(c: &Container, no_trunc: bool) -> String {
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
pub struct PsJson {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::list::sample as container;

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
