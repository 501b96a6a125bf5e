//! `rpod pause`, `unpause` and `stats`: they act on a container's own cgroup (the
//! freezer's `cgroup.freeze`, the controllers' counters). Rootless, that needs a
//! cgroup v2 subtree delegated to the user, and containers placed in cgroups of
//! their own inside it; the runtime does not place them yet, so these commands check
//! the container and then say plainly why they cannot act, as podman does on hosts
//! without delegation.

use anyhow::{anyhow, Result};

use super::container::{each, open};
use super::Context;
use crate::container::ops::OpError;
use crate::container::ContainerStore;
use crate::host::cgroups::{self, Version};

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

/// Display a live stream of container resource usage statistics
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Show all containers (default: running ones)
    #[arg(short, long)]
    pub all: bool,

    /// Print the statistics once instead of streaming them
    #[arg(long)]
    pub no_stream: bool,

    /// Format the output with a Go template, or json
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,

    /// Containers to show (names or IDs; default: all running)
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Why a container's cgroup cannot be used here: one line saying what is missing.
fn no_cgroup(verb: &str, uid: u32) -> anyhow::Error {
    let info = cgroups::info(uid);
    match (info.version, info.delegated) {
        (Version::V1, _) => anyhow!(
            "{verb} is not supported for rootless containers on cgroup v1: boot the host with the unified cgroup v2 hierarchy"
        ),
        (Version::V2, None) => anyhow!(
            "{verb} needs a cgroup v2 subtree delegated to uid {uid}, and this host has none: start rpod in a systemd user session (systemd-run --user --scope) with delegation enabled"
        ),
        (Version::V2, Some(dir)) => anyhow!(
            "{verb} is not available: containers do not yet run in cgroups of their own under the delegated subtree {}",
            dir.display()
        ),
    }
}

/// The running containers `queries` name, or every running one with `all`.
fn running(store: &ContainerStore, all: bool, queries: &[String]) -> Result<Vec<String>> {
    if all || queries.is_empty() {
        return Ok(store
            .list()?
            .into_iter()
            .filter(|c| c.state.running())
            .map(|c| c.record.id)
            .collect());
    }
    Ok(queries.to_vec())
}

fn freeze(ctx: &Context, args: &PauseArgs, verb: &'static str) -> Result<u8> {
    let store = open(ctx)?;
    let queries = running(&store, args.all, &args.containers)?;
    each(&queries, |q| {
        let c = store.get(q)?;
        if !c.state.running() {
            return Err(OpError::NotRunning {
                verb,
                id: c.record.id.clone(),
                status: c.state.status.as_str(),
            }
            .into());
        }
        Err(no_cgroup(verb, ctx.paths.uid))
    })
}

pub fn pause(ctx: &Context, args: &PauseArgs) -> Result<u8> {
    freeze(ctx, args, "pause")
}

pub fn unpause(ctx: &Context, args: &PauseArgs) -> Result<u8> {
    freeze(ctx, args, "unpause")
}

pub fn stats(ctx: &Context, args: &StatsArgs) -> Result<u8> {
    let store = open(ctx)?;
    if !args.all {
        for q in &args.containers {
            let c = store.get(q)?;
            if !c.state.running() {
                return Err(OpError::NotRunning {
                    verb: "stat",
                    id: c.record.id.clone(),
                    status: c.state.status.as_str(),
                }
                .into());
            }
        }
    } else {
        for q in &args.containers {
            store.get(q)?;
        }
    }
    Err(no_cgroup("stats", ctx.paths.uid))
}
