//! `rpod rm`: remove containers (running ones only with --force, after stopping them).

use anyhow::Result;

use super::container::{each, open, Cidfiles};
use super::Context;
use crate::container::{ops, store::ContainerError, LookupError};
use crate::error;
use crate::volume::users::Anonymous;

/// Remove one or more containers
#[derive(Debug, clap::Args)]
pub struct RmArgs {
    /// Remove all containers
    #[arg(short, long)]
    pub all: bool,

    /// Stop and remove running containers; no error for missing ones
    #[arg(short, long)]
    pub force: bool,

    /// Do not fail for containers that do not exist
    #[arg(short, long)]
    pub ignore: bool,

    /// Seconds to wait for the stop signal before killing a running container (with --force)
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u32>,

    /// Also remove the container's anonymous volumes
    #[arg(short, long)]
    pub volumes: bool,

    #[command(flatten)]
    pub cidfiles: Cidfiles,

    /// Containers to remove (names or IDs)
    #[arg(
        value_name = "CONTAINER",
        required_unless_present_any = ["all", "cidfile"],
        conflicts_with = "all"
    )]
    pub containers: Vec<String>,
}

pub fn run(ctx: &Context, args: &RmArgs) -> Result<u8> {
    let store = open(ctx)?;
    let queries = if args.all {
        store.list()?.into_iter().map(|c| c.record.id).collect()
    } else {
        args.cidfiles.with_named(&args.containers, args.ignore)?
    };
    each(&queries, |q| {
        let c = match store.get(q) {
            Ok(c) => c,
            Err(ContainerError::Lookup(LookupError::NotFound(_))) if args.force || args.ignore => {
                return Ok(())
            }
            // podman: 1 when a container to remove does not exist.
            Err(e @ ContainerError::Lookup(LookupError::NotFound(_))) => {
                return Err(error::exit_error(1, e.to_string()))
            }
            Err(e) => return Err(e.into()),
        };
        let timeout = args.time.unwrap_or(c.record.stop_timeout);
        let anonymous = match (args.volumes, store.spec(&c.record.id)) {
            (true, Ok(spec)) => Some(Anonymous::of_container(&store.dir(&c.record.id), &spec)),
            _ => None,
        };
        ops::remove(&store, &c, args.force, timeout)?;
        if let Some(a) = anonymous {
            a.remove();
        }
        println!("{}", if args.all { c.record.id.as_str() } else { q });
        Ok(())
    })
}
