//! `rpod stats`: the containers to show, sampled by the cgroup module, printed in
//! podman's columns, as JSON or through a template, once or as a stream.

use std::time::Duration;

use anyhow::Result;

use super::container::open;
use super::Context;
use crate::cgroup::stats::{Sampler, Stat, StatJson};
use crate::container::stats::{self as container_stats, targets};
use crate::format::table;

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

fn render(stats: &[Stat], args: &StatsArgs) -> Result<String> {
    match args.format.as_deref() {
        Some("json") => {
            let v: Vec<StatJson> = stats.iter().map(|s| s.json(args.no_trunc)).collect();
            Ok(format!("{}\n", serde_json::to_string_pretty(&v)?))
        }
        Some(format) => {
            let (headers, rows) = container_stats::template_rows(stats, args.no_trunc);
            Ok(table::format_rows(format, &headers, &rows)?)
        }
        None => Ok(container_stats::table(stats, args.no_trunc).render()),
    }
}

pub fn stats(ctx: &Context, args: &StatsArgs) -> Result<u8> {
    let store = open(ctx)?;
    let ids = targets(&store, ctx.paths.uid, &args.containers, args.all)?;
    let mut sampler = Sampler::default();
    let tty = nix::unistd::isatty(std::io::stdout()).unwrap_or(false);
    loop {
        let stats = container_stats::sample(&store, &mut sampler, &ids, args.all);
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
