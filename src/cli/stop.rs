//! `rpod stop`: the stop signal, then SIGKILL once the timeout has passed.

use anyhow::Result;

use super::container::{each, open, targets, Cidfiles};
use super::Context;
use crate::container::{ops, store::ContainerError, LookupError};

/// Stop one or more containers
///
/// Sends the container's stop signal (the image's StopSignal, --stop-signal, or
/// SIGTERM), waits --time seconds, then sends SIGKILL. A stopped container is not
/// started again by its restart policy.
#[derive(Debug, clap::Args)]
pub struct StopArgs {
    /// Stop all running containers
    #[arg(short, long)]
    pub all: bool,

    /// Do not fail for containers that do not exist
    #[arg(short, long)]
    pub ignore: bool,

    /// Seconds to wait before killing the container (default: its --stop-timeout, 10)
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u32>,

    #[command(flatten)]
    pub cidfiles: Cidfiles,

    /// Containers to stop (names or IDs)
    #[arg(
        value_name = "CONTAINER",
        required_unless_present_any = ["all", "cidfile"],
        conflicts_with = "all"
    )]
    pub containers: Vec<String>,
}

pub fn run(ctx: &Context, args: &StopArgs) -> Result<u8> {
    let store = open(ctx)?;
    let named = args.cidfiles.with_named(&args.containers, args.ignore)?;
    let queries = targets(&store, args.all, &named, |c| c.state.running())?;
    each(&queries, |q| {
        let record = match store.lookup(q) {
            Ok(r) => r,
            Err(ContainerError::Lookup(LookupError::NotFound(_))) if args.ignore => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let timeout = args.time.unwrap_or(record.stop_timeout);
        ops::stop(&store, &record.id, timeout, record.stop_signal)?;
        println!("{q}");
        Ok(())
    })
}
