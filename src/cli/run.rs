//! `rpod run`: create a container and run its command in the foreground, rpod itself
//! being the monitor.

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};

use super::args::{resolve_bind_source, RunArgs};
use super::Context;
use crate::runtime::bundle::{self, Bundle};
use crate::runtime::monitor::{self, Signals};
use crate::runtime::spec::{self, Environment, NetworkMode, RunOptions};
use crate::runtime::{self, Rootfs, Stdio};
use crate::userns::IdMap;

/// Run a command in a new container
///
/// The command runs in the foreground as pid 1 of the container; rpod relays signals
/// (INT, TERM, HUP, QUIT, USR1, USR2) to it and exits with its status (128+N when it
/// is killed by signal N). Exit codes of rpod itself: 125 for its own errors, 126 when
/// the command cannot be invoked, 127 when it is not found.
///
/// The network defaults to `none` (a network namespace with only `lo`) until the
/// private network is available; `--network host` shares the host's.
#[derive(Debug, clap::Args)]
#[command(disable_help_flag = true)]
pub struct RunCommand {
    #[command(flatten)]
    pub run: RunArgs,

    /// Print help
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

pub fn run(ctx: &Context, cmd: &RunCommand) -> Result<u8> {
    let args = &cmd.run;
    let rootfs_dir = match &args.rootfs {
        Some(dir) => rootfs_dir(dir)?,
        None => bail!("rpod run needs --rootfs DIR"),
    };
    let (_, command) = args.image_and_command();
    let id = bundle::new_id()?;
    let opts = options(ctx, args, command.to_vec(), &id)?;

    ctx.paths.ensure_runroot()?;
    let bundle = Bundle::create(&ctx.paths.runroot, &id)?;
    // Removes the container's files unless the run gets far enough to keep them.
    let mut cleanup = Cleanup(Some(&bundle));

    let env = Environment::host(rootfs_dir.clone(), &bundle.dir);
    let hostname = spec::hostname(&opts, &env.host_hostname);
    bundle.write_etc(&hostname, opts.name.as_deref(), opts.network)?;
    let spec = spec::build(None, &opts, &env)?;
    bundle.write_spec(&spec)?;

    let signals = Signals::block()?;
    let stdio = Stdio {
        interactive: args.interactive,
        tty: args.tty,
    };
    let mut started = runtime::start(
        &spec,
        &Rootfs::Dir(rootfs_dir),
        stdio,
        &IdMap::for_current_user(),
    )?;
    if !args.rm {
        cleanup.0 = None;
    }
    let code = monitor::wait(&mut started, &signals, args.interactive)?;
    drop(signals);
    Ok(code)
}

/// Removes a container's directory on drop while armed.
struct Cleanup<'a>(Option<&'a Bundle>);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if let Some(b) = self.0 {
            if let Err(e) = b.remove() {
                log::warn!("removing container directory {}: {e}", b.dir.display());
            }
        }
    }
}

fn rootfs_dir(dir: &std::path::Path) -> Result<PathBuf> {
    let abs =
        std::fs::canonicalize(dir).with_context(|| format!("root filesystem {}", dir.display()))?;
    if !abs.is_dir() {
        bail!("root filesystem {} is not a directory", abs.display());
    }
    Ok(abs)
}

/// Turns the flags into what the spec builder takes, reading the host environment and
/// checking bind sources (a missing one is rpod's error, 125, before anything starts).
fn options(ctx: &Context, args: &RunArgs, command: Vec<String>, id: &str) -> Result<RunOptions> {
    let (mut binds, tmpfs) = args.mounts();
    for b in &mut binds {
        b.source = resolve_bind_source(&b.source)?;
    }
    let network = args
        .network
        .unwrap_or(match ctx.config.network.default_network.as_str() {
            "host" => NetworkMode::Host,
            // "private" is not available yet: the closest isolation is none.
            _ => NetworkMode::None,
        });
    Ok(RunOptions {
        id: id.to_string(),
        name: args.name.clone(),
        command,
        entrypoint: args.entrypoint.clone().map(|e| e.0),
        env: args.environment(|k| std::env::var(k).ok())?,
        workdir: args.workdir.clone(),
        user: args.user.clone(),
        hostname: args.hostname.clone(),
        binds,
        tmpfs,
        read_only: args.read_only,
        tty: args.tty,
        network,
        cap_add: args.cap_add.clone(),
        cap_drop: args.cap_drop.clone(),
        no_new_privileges: args.no_new_privileges(),
        ulimits: args.ulimit.clone(),
    })
}
