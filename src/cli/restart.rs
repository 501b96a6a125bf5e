//! `rpod restart`: stop (when running), then start again under a new monitor.

use anyhow::Result;

use super::container::{each, open, targets};
use super::Context;
use crate::container::ops;
use crate::monitor;

/// Restart one or more containers
#[derive(Debug, clap::Args)]
pub struct RestartArgs {
    /// Restart all containers
    #[arg(short, long)]
    pub all: bool,

    /// Restart only the running containers (with --all)
    #[arg(long)]
    pub running: bool,

    /// Seconds to wait for the stop signal before killing the container
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u32>,

    /// Containers to restart (names or IDs)
    #[arg(
        value_name = "CONTAINER",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub containers: Vec<String>,
}

pub fn run(ctx: &Context, args: &RestartArgs) -> Result<u8> {
    let store = open(ctx)?;
    let queries = targets(&store, args.all, &args.containers, |c| {
        !args.running || c.state.running()
    })?;
    let level = log::max_level().to_string();
    each(&queries, |q| {
        let record = store.lookup(q)?;
        let timeout = args.time.unwrap_or(record.stop_timeout);
        ops::stop(&store, &record.id, timeout, record.stop_signal)?;
        monitor::start::detached(&store, &ctx.paths, &record.id, &level)?;
        println!("{q}");
        Ok(())
    })
}
