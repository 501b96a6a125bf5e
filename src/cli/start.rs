//! `rpod start`: start created or exited containers, detached (each under its own
//! monitor) or, with `-a`, in the foreground as `run` does.

use anyhow::{bail, Result};

use super::container::{each, open};
use super::Context;
use crate::container::ops;

/// Start one or more containers
///
/// Without --attach each container runs in the background under its own monitor and
/// its name or ID is printed as given. With --attach the container's output goes to
/// the terminal (and, with --interactive, input comes from it) and rpod exits with
/// the container's status.
#[derive(Debug, clap::Args)]
pub struct StartArgs {
    /// Attach the container's output (and with -i its input) to the terminal
    #[arg(short, long)]
    pub attach: bool,

    /// Keep stdin open and connect it to the container (with --attach)
    #[arg(short, long)]
    pub interactive: bool,

    /// Containers to start (names or IDs)
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

pub fn run(ctx: &Context, args: &StartArgs) -> Result<u8> {
    let store = open(ctx)?;
    if args.attach || args.interactive {
        if args.containers.len() > 1 {
            bail!("you cannot start and attach multiple containers at once");
        }
        let record = store.lookup(&args.containers[0])?;
        let mut monitor = ops::start_foreground(&store, &record.id, args.interactive)?;
        if !record.auto_remove {
            monitor.keep_state();
        }
        return Ok(monitor.run() as u8);
    }
    let level = log::max_level().to_string();
    each(&args.containers, |q| {
        let record = store.lookup(q)?;
        ops::start_detached(&store, &ctx.paths, &record.id, &level)?;
        println!("{q}");
        Ok(())
    })
}
