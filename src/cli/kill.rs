//! `rpod kill`: send a signal to containers' init processes.

use anyhow::Result;

use super::container::{each, open, targets};
use super::Context;
use crate::container::ops;
use crate::sys::proc;

/// Kill one or more running containers with a specific signal
#[derive(Debug, clap::Args)]
pub struct KillArgs {
    /// Signal all running containers
    #[arg(short, long)]
    pub all: bool,

    /// Signal to send: a name (KILL, SIGTERM) or number
    #[arg(short, long, default_value = "KILL", value_name = "SIGNAL", value_parser = proc::parse_signal)]
    pub signal: i32,

    /// Containers to signal (names or IDs)
    #[arg(
        value_name = "CONTAINER",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub containers: Vec<String>,
}

pub fn run(ctx: &Context, args: &KillArgs) -> Result<u8> {
    let store = open(ctx)?;
    let queries = targets(&store, args.all, &args.containers, |c| c.state.running())?;
    each(&queries, |q| {
        let c = store.get(q)?;
        ops::kill(&c, args.signal)?;
        // A paused container handles its signal once thawed.
        crate::container::freeze::thaw(&store, &c.record.id);
        println!("{q}");
        Ok(())
    })
}
