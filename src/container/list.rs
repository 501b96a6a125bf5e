//! Which containers a listing or a prune takes: podman's container filters
//! (`ps --filter`, `container prune --filter`), `ps`'s `--all` and `--last`, and
//! the removal of every stopped container that passes, and of the containers
//! that use a volume `volume rm --force` takes.

use anyhow::{Context as _, Result};
use regex::Regex;
use thiserror::Error;

use super::store::ContainerError;
use super::{ops, Container, ContainerStore, LookupError, Status};
use crate::base::filter::{self, Filters, Label};
use crate::base::paths::Paths;
use crate::base::timestamp::Timestamp;
use crate::store::names;
use crate::volume::{users, VolumeStore};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum FilterError {
    #[error("invalid filter {0:?}: expected KEY=VALUE")]
    Shape(String),
    #[error(
        "invalid filter {0:?}: supported filters are name, id, status, ancestor, label, exited"
    )]
    Key(String),
    #[error("unknown container state: {0}: invalid argument")]
    State(String),
    #[error("invalid filter exited={0}: expected an exit code")]
    Exited(String),
    #[error("invalid name filter {value:?}: {why}")]
    Regex { value: String, why: String },
    #[error("invalid filter {0:?}: supported filters are until, label and label!")]
    PruneKey(String),
    #[error("invalid time {0:?}: use RFC 3339 (2024-01-02T15:04:05Z), Unix seconds, or a duration such as 10m")]
    Time(String),
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

#[derive(Debug, Clone)]
enum Test {
    Name(Regex),
    Id(String),
    Status(String),
    Ancestor(String),
    Label(Label),
    Exited(i32),
    Until(Timestamp),
}

/// Parsed container filters.
#[derive(Debug, Clone, Default)]
pub struct ContainerFilter(Filters<Test>);

impl ContainerFilter {
    /// `ps`'s filters: `name` (a regular expression, as podman documents), `id`
    /// (a prefix), `status`, `ancestor`, `label`, `exited`.
    pub fn parse(raw: &[String]) -> Result<ContainerFilter, FilterError> {
        Filters::parse(
            raw,
            |item| FilterError::Shape(item.to_string()),
            |key, v| {
                Ok(match key {
                    "name" => Test::Name(filter::regex(v).map_err(|why| FilterError::Regex {
                        value: v.to_string(),
                        why,
                    })?),
                    "id" => Test::Id(v.to_ascii_lowercase()),
                    "status" if STATES.contains(&v) => Test::Status(v.to_string()),
                    "status" => return Err(FilterError::State(v.to_string())),
                    "ancestor" => Test::Ancestor(v.to_string()),
                    "label" => Test::Label(Label::parse(key, v)),
                    "exited" => {
                        Test::Exited(v.parse().map_err(|_| FilterError::Exited(v.to_string()))?)
                    }
                    _ => return Err(FilterError::Key(key.to_string())),
                })
            },
        )
        .map(ContainerFilter)
    }

    /// `container prune`'s filters: `until` (created before), `label`, `label!`.
    pub fn parse_prune(raw: &[String], now: Timestamp) -> Result<ContainerFilter, FilterError> {
        Filters::parse(
            raw,
            |item| FilterError::PruneKey(item.to_string()),
            |key, v| {
                Ok(match key {
                    "label" | "label!" => Test::Label(Label::parse(key, v)),
                    "until" => Test::Until(
                        crate::base::timestamp::parse_time(v, now)
                            .map_err(|_| FilterError::Time(v.to_string()))?,
                    ),
                    _ => return Err(FilterError::PruneKey(format!("{key}={v}"))),
                })
            },
        )
        .map(ContainerFilter)
    }

    pub fn matches(&self, c: &Container) -> bool {
        self.0.matches(|t| test(t, c))
    }
}

fn test(t: &Test, c: &Container) -> bool {
    match t {
        Test::Name(re) => re.is_match(&c.record.name),
        Test::Id(prefix) => c.record.id.starts_with(prefix.as_str()),
        Test::Status(s) => status_matches(c, s),
        Test::Ancestor(a) => ancestor_matches(c, a),
        Test::Label(l) => l.matches(c.record.labels.get(&l.key).map(String::as_str)),
        Test::Exited(code) => c.state.status == Status::Exited && c.state.exit_code == *code,
        Test::Until(u) => c.record.created_at() < *u,
    }
}

fn status_matches(c: &Container, want: &str) -> bool {
    match want {
        "stopped" => c.state.status == Status::Exited,
        s => c.state.status_word() == s,
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

/// What `ps` lists: without `all` or `last` only running containers, oldest first;
/// `last` keeps the newest N of every state.
pub fn select(
    store: &ContainerStore,
    filter: &ContainerFilter,
    all: bool,
    last: Option<usize>,
) -> Result<Vec<Container>> {
    let mut list = store.list()?;
    list.reverse();
    list.retain(|c| (all || last.is_some() || c.state.running()) && filter.matches(c));
    if let Some(n) = last {
        let skip = list.len().saturating_sub(n);
        list.drain(..skip);
    }
    Ok(list)
}

/// Removes every container that is not running (nor waiting to restart) and
/// passes `filter`, calling `removed` with each one's id as it goes. Failures
/// do not stop the prune: all but the last are given to `failed`, the last is
/// returned.
pub fn prune(
    store: &ContainerStore,
    filter: &ContainerFilter,
    mut removed: impl FnMut(&str),
    mut failed: impl FnMut(&anyhow::Error),
) -> Result<()> {
    let mut last = None;
    for c in store.list()? {
        // A monitor waiting to restart its container still owns it.
        let restarting = c.state.monitor.alive() && !c.state.stop_requested;
        if c.state.running() || restarting || !filter.matches(&c) {
            continue;
        }
        match ops::remove(store, &c, false, 0) {
            Ok(()) => removed(&c.record.id),
            // Started meanwhile: no longer a candidate.
            Err(_) if store.state(&c.record.id).running() => {}
            Err(e) => {
                if let Some(prev) = last.replace(e) {
                    failed(&prev);
                }
            }
        }
    }
    match last {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Removes the containers that use volume `name`, running ones after stopping
/// them (`time` seconds, else each one's stop timeout, before SIGKILL).
pub fn remove_volume_users(
    paths: &Paths,
    volumes: &VolumeStore,
    name: &str,
    time: Option<u32>,
) -> Result<()> {
    let Some(ids) = users::containers_using(volumes).remove(name) else {
        return Ok(());
    };
    let containers = ContainerStore::open(paths)?;
    for id in ids {
        let c = match containers.get(&id) {
            Ok(c) => c,
            // Gone meanwhile.
            Err(ContainerError::Lookup(LookupError::NotFound(_))) => continue,
            Err(e) => return Err(e.into()),
        };
        let timeout = time.unwrap_or(c.record.stop_timeout);
        ops::remove(&containers, &c, true, timeout)
            .with_context(|| format!("removing container {id}, which uses volume {name}"))?;
    }
    Ok(())
}

/// A container for tests: made from busybox, labelled `tier=web`, created at
/// 03:04:05, started a second later and (if exited) finished two after.
#[cfg(test)]
pub(crate) fn sample(name: &str, status: Status, code: i32) -> Container {
    use super::record::{ImageRef, Record, RootfsSource};
    use super::State;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn container(name: &str, status: Status, code: i32, created: &str) -> Container {
        let mut c = sample(name, status, code);
        c.record.created = created.into();
        c
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ps_filters() {
        let web = container("web_1", Status::Running, 0, "2024-01-02T03:04:05Z");
        let f = |v: &[&str]| ContainerFilter::parse(&strings(v)).unwrap();
        assert!(f(&["name=web"]).matches(&web));
        assert!(f(&["name=^web_1$"]).matches(&web));
        assert!(f(&["name=^w.b_[0-9]$"]).matches(&web), "a regex");
        assert!(!f(&["name=^eb"]).matches(&web));
        assert!(f(&["name=nope", "name=web"]).matches(&web), "same key: OR");
        assert!(
            !f(&["name=web", "status=exited"]).matches(&web),
            "different keys: AND"
        );
        assert!(f(&["status=running", "id=ab"]).matches(&web));
        assert!(f(&["ancestor=busybox"]).matches(&web));
        assert!(f(&["ancestor=06a436"]).matches(&web));
        assert!(!f(&["ancestor=alpine"]).matches(&web));
        assert!(f(&["label=tier"]).matches(&web));
        assert!(f(&["label=tier=web"]).matches(&web));
        assert!(!f(&["label=tier=db"]).matches(&web));
        let dead = container("x", Status::Exited, 3, "2024-01-02T03:04:05Z");
        assert!(f(&["exited=3"]).matches(&dead));
        assert!(f(&["status=stopped"]).matches(&dead));
        assert!(!f(&["exited=3"]).matches(&web));
        let err = |v: &str| ContainerFilter::parse(&strings(&[v])).unwrap_err();
        assert_eq!(err("status=bogus"), FilterError::State("bogus".into()));
        assert_eq!(err("color=red"), FilterError::Key("color".into()));
        assert_eq!(err("name"), FilterError::Shape("name".into()));
        assert!(matches!(err("name=("), FilterError::Regex { .. }));
    }

    #[test]
    fn prune_filters() {
        let now = Timestamp::parse("2024-01-02T00:00:00Z").unwrap();
        let f = |s: &[&str]| ContainerFilter::parse_prune(&strings(s), now).unwrap();
        let old = container("a", Status::Exited, 0, "2024-01-01T00:00:00Z");
        let mut new = container("b", Status::Exited, 0, "2024-01-01T23:30:00Z");
        new.record.labels.clear();
        assert!(f(&[]).matches(&old) && f(&[]).matches(&new));
        assert!(f(&["until=1h"]).matches(&old));
        assert!(!f(&["until=1h"]).matches(&new));
        assert!(f(&["label=tier"]).matches(&old) && !f(&["label=tier"]).matches(&new));
        assert!(!f(&["label=tier=db"]).matches(&old));
        assert!(!f(&["label!=tier"]).matches(&old) && f(&["label!=tier"]).matches(&new));
        let err = |v: &str| ContainerFilter::parse_prune(&strings(&[v]), now).unwrap_err();
        assert_eq!(err("name=x"), FilterError::PruneKey("name=x".into()));
        assert_eq!(err("label"), FilterError::PruneKey("label".into()));
        assert_eq!(err("until=soon"), FilterError::Time("soon".into()));
    }
}
