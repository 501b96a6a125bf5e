//! `rpod exec`: run a process in a running container.

use std::path::PathBuf;

use anyhow::Result;
use oci_spec::runtime::Spec;

use super::Context;
use crate::error::exit_error;
use crate::monitor::foreground;
use crate::monitor::signals::Signals;
use crate::runtime::envfile::env_entries;
use crate::runtime::exec::{self, ExecError, ExecOptions};
use crate::runtime::spec::parse_workdir;
use crate::runtime::user::parse_user;
use crate::sys::proc::ProcId;

/// Run a process in a running container
///
/// The process joins the container's namespaces with its environment, working
/// directory and user (each can be overridden) and rpod waits for it, relaying signals
/// (INT, TERM, HUP, QUIT, USR1, USR2), and exits with its status (128+N when it is
/// killed by signal N). Exit codes of rpod itself: 125 for its own errors, 126 when
/// the command cannot be invoked, 127 when it is not found.
#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    /// Run the process in the background; it ends with the container at the latest
    #[arg(short = 'd', long)]
    pub detach: bool,

    /// Set an environment variable (NAME=VALUE; NAME alone takes the host's value)
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    pub env: Vec<String>,

    /// Read environment variables from a file (lines NAME=VALUE or NAME; # comments)
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,

    /// Keep stdin open and connect it to the process
    #[arg(short = 'i', long)]
    pub interactive: bool,

    /// Allocate a pseudo-terminal for the process
    #[arg(short = 't', long)]
    pub tty: bool,

    /// User to run as: name, uid, name:group or uid:gid (default: the container's)
    #[arg(short = 'u', long, value_name = "USER[:GROUP]", value_parser = parse_user)]
    pub user: Option<String>,

    /// Working directory inside the container (default: the container's)
    #[arg(short = 'w', long, value_name = "DIR", value_parser = parse_workdir)]
    pub workdir: Option<String>,

    /// The container's name or id (a unique prefix will do), then the command and its
    /// arguments
    #[arg(
        required = true,
        num_args = 2..,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_names = ["CONTAINER", "COMMAND"]
    )]
    pub positional: Vec<String>,
}

pub fn run(ctx: &Context, args: &ExecArgs) -> Result<u8> {
    let (query, command) = match args.positional.split_first() {
        Some((q, c)) if !c.is_empty() => (q.as_str(), c.to_vec()),
        _ => anyhow::bail!("rpod exec needs a container and a command"),
    };
    let (spec, init, cgroup) = find_running(ctx, query)?;
    let opts = ExecOptions {
        command,
        env: env_entries(&args.env, &args.env_file, |k| std::env::var(k).ok())?,
        workdir: args.workdir.clone(),
        user: args.user.clone(),
        interactive: args.interactive,
        tty: args.tty,
        detach: args.detach,
        cgroup,
    };
    if opts.detach {
        exec::start(&init, &spec, &opts).map_err(gone_is_not_running)?;
        return Ok(0);
    }
    let signals = Signals::block()?;
    let mut started = exec::start(&init, &spec, &opts).map_err(gone_is_not_running)?;
    foreground::wait(&mut started, &signals, opts.interactive)
}

/// A container whose init ended since it was looked up is one that is not running.
fn gone_is_not_running(e: anyhow::Error) -> anyhow::Error {
    match e.downcast_ref::<ExecError>() {
        Some(ExecError::NotRunning(_)) => not_running(),
        _ => e,
    }
}

fn not_running() -> anyhow::Error {
    exit_error(
        crate::error::EXIT_RPOD,
        "can only create exec sessions on running containers: container state improper",
    )
}

/// The spec, init and own cgroup (if it has one) of the running container `query`
/// names (id, name or unique id prefix).
fn find_running(ctx: &Context, query: &str) -> Result<(Spec, ProcId, Option<PathBuf>)> {
    let store = super::container::open(ctx)?;
    let container = store.get(query)?;
    // A paused container's processes are frozen: nothing would run.
    if !container.state.running() || container.state.is_paused() {
        return Err(not_running());
    }
    let spec = store.spec(&container.record.id)?;
    let cgroup = (!container.state.cgroup.is_empty()).then(|| container.state.cgroup.into());
    Ok((spec, container.state.pid, cgroup))
}
