//! `rpod pause` and `unpause`: freeze and thaw a container's own cgroup
//! (`cgroup.freeze`). Rootless, containers get cgroups of their own only inside a
//! cgroup v2 subtree delegated to the user; elsewhere these commands say plainly
//! why they cannot act and what would make them work.

use anyhow::{anyhow, Result};

use super::container::{each, open, targets};
use super::Context;
use crate::cgroup::detect;
use crate::container::freeze::{self, FreezeError};

pub use super::stats::{stats, StatsArgs};

/// Pause all the processes in one or more containers
#[derive(Debug, clap::Args)]
pub struct PauseArgs {
    /// Pause all running containers
    #[arg(short, long)]
    pub all: bool,

    /// Containers to pause (names or IDs)
    #[arg(
        value_name = "CONTAINER",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub containers: Vec<String>,
}

fn set_paused(ctx: &Context, args: &PauseArgs, paused: bool) -> Result<u8> {
    let verb = if paused { "pause" } else { "unpause" };
    let store = open(ctx)?;
    let queries = targets(&store, args.all, &args.containers, |c| {
        c.state.running() && c.state.paused != paused
    })?;
    let host = std::cell::OnceCell::new();
    each(&queries, |q| {
        let c = store.get(q)?;
        match freeze::set_paused(&store, &c.record.id, q, paused) {
            Ok(()) => {
                println!("{}", if args.all { c.record.id.as_str() } else { q });
                Ok(())
            }
            // Not the container's fault: the host gives it no cgroup. Say why.
            Err(e) if matches!(e.downcast_ref(), Some(FreezeError::NoCgroup(_))) => {
                match host
                    .get_or_init(|| detect::missing(verb, ctx.paths.uid).map(|e| e.to_string()))
                {
                    Some(why) => Err(anyhow!("{why}")),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    })
}

pub fn pause(ctx: &Context, args: &PauseArgs) -> Result<u8> {
    set_paused(ctx, args, true)
}

pub fn unpause(ctx: &Context, args: &PauseArgs) -> Result<u8> {
    set_paused(ctx, args, false)
}
