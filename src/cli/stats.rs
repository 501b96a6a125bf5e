//! `rpod stats`: the containers to show, sampled by the cgroup module, printed in
//! podman's columns, as JSON or through a template, once or as a stream.

use std::time::Duration;

use anyhow::{anyhow, Result};
use serde_json::Value;

use super::container::open;
use super::Context;
use crate::cgroup::detect;
use crate::cgroup::stats::{Live, Sampler, Stat, StatJson};
use crate::container::ops::OpError;
use crate::container::ContainerStore;
use crate::format::table::{self, Table};

/// Display a live stream of container resource usage statistics
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Show all containers (default: running ones)
    #[arg(short, long)]
    pub all: bool,

    /// Print the statistics once instead of streaming them
    #[arg(long)]
    pub no_stream: bool,

    /// Do not truncate the container IDs
    #[arg(long)]
    pub no_trunc: bool,

    /// Format the output with a Go template, or json
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,

    /// Seconds between two updates of the stream
    #[arg(short, long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub interval: u64,

    /// Containers to show (names or IDs; default: all running)
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// The containers to show: those named (each must run in a cgroup of its own),
/// else the running ones, or with `-a` all of them.
fn targets(ctx: &Context, store: &ContainerStore, args: &StatsArgs) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for q in &args.containers {
        let c = store.get(q)?;
        if !c.state.running() && !args.all {
            return Err(OpError::NotRunning {
                verb: "stat",
                id: c.record.id.clone(),
                status: c.state.status_word(),
            }
            .into());
        }
        if c.state.running() && c.state.cgroup.is_empty() {
            return Err(detect::missing("stats", ctx.paths.uid).map(anyhow::Error::from).unwrap_or_else(|| {
                anyhow!(
                    "container {} runs without a cgroup of its own (it was started where rpod found no delegated cgroup v2 subtree): restart it to see its statistics",
                    c.record.id
                )
            }));
        }
        ids.push(c.record.id);
    }
    if args.containers.is_empty() {
        if let Some(e) = detect::missing("stats", ctx.paths.uid) {
            return Err(e.into());
        }
        ids = store
            .list()?
            .into_iter()
            .filter(|c| args.all || c.state.running())
            .map(|c| c.record.id)
            .collect();
    }
    Ok(ids)
}

fn render(stats: &[Stat], args: &StatsArgs) -> Result<String> {
    match args.format.as_deref() {
        Some("json") => {
            let v: Vec<StatJson> = stats.iter().map(|s| s.json(args.no_trunc)).collect();
            Ok(format!("{}\n", serde_json::to_string_pretty(&v)?))
        }
        Some(format) => {
            let rows: Vec<Value> = stats
                .iter()
                .map(|s| s.template_value(args.no_trunc))
                .collect();
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
            Ok(table::format_rows(format, &headers, &rows)?)
        }
        None => {
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
                t.row(s.row(args.no_trunc));
            }
            Ok(t.render())
        }
    }
}

pub fn stats(ctx: &Context, args: &StatsArgs) -> Result<u8> {
    let store = open(ctx)?;
    let ids = targets(ctx, &store, args)?;
    let mut sampler = Sampler::default();
    let tty = nix::unistd::isatty(std::io::stdout()).unwrap_or(false);
    loop {
        let mut stats = Vec::new();
        for id in &ids {
            // Gone meanwhile (removed, or `--rm` at exit): no longer shown.
            let Ok(c) = store.get(id) else { continue };
            // Stopped meanwhile: shown only with `-a`.
            if !args.all && !c.state.running() {
                continue;
            }
            let s = &c.state;
            let live = (s.running() && !s.cgroup.is_empty()).then(|| Live {
                cgroup: s.cgroup.as_ref(),
                pid: s.pid.pid,
                started: s.started(),
            });
            stats.push(sampler.read(id, &c.record.name, live));
        }
        let out = render(&stats, args)?;
        if args.no_stream {
            print!("{out}");
            return Ok(0);
        }
        if tty {
            // Redraw in place, as podman's stream does.
            print!("\x1b[2J\x1b[H");
        }
        print!("{out}");
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let live = ids
            .iter()
            .any(|id| store.get(id).is_ok_and(|c| c.state.running()));
        if !live && !args.all {
            return Ok(0);
        }
        std::thread::sleep(Duration::from_secs(args.interval));
    }
}
