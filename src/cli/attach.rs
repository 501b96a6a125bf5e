//! `rpod attach`: connect the terminal to a running container's monitor.

use std::os::fd::OwnedFd;

use anyhow::Result;

use super::container::open;
use super::Context;
use crate::container::{ops, ContainerStore, Record};
use crate::monitor::attach::client::{self, End, Session};
use crate::monitor::attach::keys::{self, DetachKeys};
use crate::monitor::attach::{self, AttachError};

/// Attach to a running container
///
/// Connects the terminal to the container's output from now on (`rpod logs` has what
/// came before) and, when it was started with --interactive, its input to the
/// container's stdin; an end of input closes that stdin, as podman does. With a
/// container started with --tty the terminal goes raw and lends the container its
/// size. The detach keys (default ctrl-p,ctrl-q) leave the container running and exit
/// 0; when the container exits, rpod exits with its status. Several terminals may
/// attach to one container at once.
#[derive(Debug, clap::Args)]
pub struct AttachArgs {
    /// Select the key sequence for detaching a container: a single character or
    /// ctrl-<value> (a-z, @, [, \, ], ^, _), comma separated; empty turns it off
    #[arg(long, value_name = "KEYS", default_value = keys::DEFAULT)]
    pub detach_keys: DetachKeys,

    /// Do not attach stdin
    #[arg(long)]
    pub no_stdin: bool,

    /// Proxy received signals to the container's process
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set,
          num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub sig_proxy: bool,

    /// The container to attach to (name or ID)
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

pub fn run(ctx: &Context, args: &AttachArgs) -> Result<u8> {
    let store = open(ctx)?;
    let c = store.get(&args.container)?;
    if !c.state.running() {
        return Err(AttachError::NotRunning.into());
    }
    let sock = attach::connect(&store.run_dir(&c.record.id), &c.record.id)?;
    session(
        &store,
        &c.record,
        sock,
        &Options {
            stdin: !args.no_stdin,
            sig_proxy: args.sig_proxy,
            keys: args.detach_keys.clone(),
        },
    )
}

/// What the terminal side of a session is asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub stdin: bool,
    pub sig_proxy: bool,
    pub keys: DetachKeys,
}

/// Runs an attach session on `sock` (connected to the monitor of the container
/// `record` describes); returns rpod's exit status: the container's when it exits, 0
/// after the detach keys.
pub fn session(
    store: &ContainerStore,
    record: &Record,
    sock: OwnedFd,
    opts: &Options,
) -> Result<u8> {
    let id = &record.id;
    let sig_proxy = if opts.sig_proxy {
        store.state(id).pid.open()
    } else {
        None
    };
    let end = client::run(
        sock,
        Session {
            stdin: opts.stdin,
            forward: opts.stdin && record.interactive,
            tty: record.tty,
            keys: opts.keys.clone(),
            sig_proxy,
        },
    )?;
    Ok(match end {
        End::Exited(code) => status(code),
        End::Detached => 0,
        // The monitor went without a word: the store has the outcome, if the
        // container is still there (with --rm it may be gone already).
        End::Lost => ops::wait(store, id).map(status).unwrap_or(0),
    })
}

/// An exit status as the shell sees it.
fn status(code: i32) -> u8 {
    u8::try_from(code).unwrap_or(crate::error::EXIT_RPOD)
}
