//! `rpod start`: start created or exited containers, each under its own detached
//! monitor; with `-a` the terminal is attached to it from the first byte of output,
//! as `rpod attach` attaches.

use anyhow::{bail, Result};

use super::attach::{self, Options};
use super::container::{each, open};
use super::Context;
use crate::monitor::attach::keys::{self, DetachKeys};
use crate::monitor::{self, attach as core};

/// Start one or more containers
///
/// Each container runs in the background under its own monitor. Without --attach its
/// name or ID is printed as given. With --attach the container's output goes to the
/// terminal (and, with --interactive, input comes from it) and rpod exits with the
/// container's status; the detach keys leave it running. A running container is
/// attached to as it is.
#[derive(Debug, clap::Args)]
pub struct StartArgs {
    /// Attach the container's output (and with -i its input) to the terminal
    #[arg(short, long)]
    pub attach: bool,

    /// Keep stdin open and connect it to the container (with --attach)
    #[arg(short, long)]
    pub interactive: bool,

    /// Select the key sequence for detaching a container (with --attach)
    #[arg(long, value_name = "KEYS", default_value = keys::DEFAULT)]
    pub detach_keys: DetachKeys,

    /// Proxy received signals to the container's process (with --attach)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set,
          num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub sig_proxy: bool,

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
        let level = log::max_level().to_string();
        let record = store.lookup(&args.containers[0])?;
        let sock = match monitor::start::attached(&store, &ctx.paths, &record.id, &level)? {
            Some(sock) => sock,
            None => core::connect(&store.run_dir(&record.id), &record.id)?,
        };
        let opts = Options {
            stdin: args.interactive,
            sig_proxy: args.sig_proxy,
            keys: args.detach_keys.clone(),
        };
        return attach::session(&store, &record, sock, &opts);
    }
    let level = log::max_level().to_string();
    each(&args.containers, |q| {
        let record = store.lookup(q)?;
        monitor::start::detached(&store, &ctx.paths, &record.id, &level)?;
        println!("{q}");
        Ok(())
    })
}
