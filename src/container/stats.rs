//! Which containers `stats` shows, what keeps one from being shown, and what the
//! cgroup module samples of each.

use serde_json::Value;
use thiserror::Error;

use super::ops::OpError;
use super::store::{Container, ContainerError, ContainerStore};
use crate::cgroup::detect::{self, NoCgroup};
use crate::cgroup::stats::{Live, Sampler, Stat};
use crate::format::table::{self, Table};

#[derive(Debug, Error)]
pub enum StatsError {
    #[error(transparent)]
    Store(#[from] ContainerError),
    #[error(transparent)]
    NotRunning(#[from] OpError),
    #[error(transparent)]
    NoCgroup(#[from] NoCgroup),
    #[error("container {0} runs without a cgroup of its own (it was started where rpod found no delegated cgroup v2 subtree): restart it to see its statistics")]
    NoOwnCgroup(String),
}

/// The containers to show: those `named` (each must run in a cgroup of its own),
/// else the running ones, or with `all` every one.
pub fn targets(
    store: &ContainerStore,
    uid: u32,
    named: &[String],
    all: bool,
) -> Result<Vec<String>, StatsError> {
    let mut ids = Vec::new();
    for q in named {
        let c = store.get(q)?;
        if !c.state.running() && !all {
            return Err(OpError::NotRunning {
                verb: "stat",
                id: c.record.id.clone(),
                status: c.state.status_word(),
            }
            .into());
        }
        if c.state.running() && c.state.cgroup.is_empty() {
            return Err(match detect::missing("stats", uid) {
                Some(e) => e.into(),
                None => StatsError::NoOwnCgroup(c.record.id),
            });
        }
        ids.push(c.record.id);
    }
    if named.is_empty() {
        if let Some(e) = detect::missing("stats", uid) {
            return Err(e.into());
        }
        ids = store
            .list()?
            .into_iter()
            .filter(|c| all || c.state.running())
            .map(|c| c.record.id)
            .collect();
    }
    Ok(ids)
}

/// What there is to read of `c`: nothing unless it runs in a cgroup of its own.
pub fn live(c: &Container) -> Option<Live<'_>> {
    let s = &c.state;
    (s.running() && !s.cgroup.is_empty()).then(|| Live {
        cgroup: s.cgroup.as_ref(),
        pid: s.pid.pid,
        started: s.started(),
    })
}

/// One round of the stream: a sample of each container still there, and still
/// running unless `all`.
pub fn sample(
    store: &ContainerStore,
    sampler: &mut Sampler,
    ids: &[String],
    all: bool,
) -> Vec<Stat> {
    let mut stats = Vec::new();
    for id in ids {
        // Gone meanwhile (removed, or `--rm` at exit): no longer shown.
        let Ok(c) = store.get(id) else { continue };
        // Stopped meanwhile: shown only with `-a`.
        if !all && !c.state.running() {
            continue;
        }
        stats.push(sampler.read(id, &c.record.name, live(&c)));
    }
    stats
}

/// The table `stats` prints without `--format`.
pub fn table(stats: &[Stat], no_trunc: bool) -> Table {
    let mut t = Table::new(&[
        "ID",
        "NAME",
        "CPU %",
        "MEM USAGE / LIMIT",
        "MEM %",
        "NET IO",
        "BLOCK IO",
        "PIDS",
        "CPU TIME",
        "AVG CPU %",
    ]);
    for s in stats {
        t.row(s.row(no_trunc));
    }
    t
}

/// The values a `--format` template sees, one per container, and the column
/// titles of a `table` template.
pub fn template_rows(stats: &[Stat], no_trunc: bool) -> (Value, Vec<Value>) {
    let rows: Vec<Value> = stats.iter().map(|s| s.template_value(no_trunc)).collect();
    let sample = rows
        .first()
        .cloned()
        .unwrap_or_else(|| Stat::default().template_value(false));
    let headers = table::headers(
        &sample,
        &[
            ("CPUPerc", "CPU %"),
            ("MemUsage", "MEM USAGE / LIMIT"),
            ("MemPerc", "MEM %"),
            ("NetIO", "NET IO"),
            ("BlockIO", "BLOCK IO"),
            ("AVGCPU", "AVG CPU %"),
            ("UpTime", "UP TIME"),
        ],
    );
    (headers, rows)
}
