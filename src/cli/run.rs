//! `rpod run`: create a container and start it, in the foreground (rpod itself being
//! its monitor) or, with `-d`, under a detached monitor.

use anyhow::Result;

use super::args::{resolve_bind_source, RunArgs};
use super::pull::{PlatformArgs, RegistryArgs};
use super::Context;
use crate::container::notify::{self, NotifySocket, SdNotify};
use crate::container::ContainerStore;
use crate::monitor;
use crate::network::NetworkMode;
use crate::runtime::spec::{self, RunOptions};

/// Run a command in a new container
///
/// The command runs in the foreground as pid 1 of the container; rpod relays signals
/// (INT, TERM, HUP, QUIT, USR1, USR2) to it and exits with its status (128+N when it
/// is killed by signal N). With --detach it runs in the background under its own
/// monitor, and rpod prints the container's ID once the command has started. Exit
/// codes of rpod itself: 125 for its own errors, 126 when the command cannot be
/// invoked, 127 when it is not found.
///
/// The network defaults to `private`: a network namespace of its own at 10.0.2.100,
/// served by rpod's userspace stack, with `-p` publishing ports at kernel speed;
/// `--network none` gives only `lo`, `--network host` shares the host's.
#[derive(Debug, clap::Args)]
#[command(disable_help_flag = true)]
pub struct RunCommand {
    /// Run the container in the background and print its ID
    #[arg(short, long)]
    pub detach: bool,

    #[command(flatten)]
    pub run: RunArgs,

    #[command(flatten)]
    pub platform: PlatformArgs,

    #[command(flatten)]
    pub registry: RegistryArgs,

    /// Suppress output information when pulling images
    #[arg(short, long)]
    pub quiet: bool,

    /// Print help
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

pub fn run(ctx: &Context, cmd: &RunCommand) -> Result<u8> {
    let (record, volumes) =
        super::create::create(ctx, &cmd.run, &cmd.platform, &cmd.registry, cmd.quiet)?;
    let store = ContainerStore::open(&ctx.paths)?;
    let unstarted = |e| {
        remove_unstarted(&store, &record.id);
        crate::volume::prepare::remove_created(
            &crate::volume::VolumeStore::open(&ctx.paths),
            &volumes,
            &crate::base::remove::UsernsRemover {
                map: crate::userns::IdMap::for_current_user(),
            },
        );
        e
    };
    if cmd.detach {
        let level = log::max_level().to_string();
        monitor::start::detached(&store, &ctx.paths, &record.id, &level).map_err(unstarted)?;
        println!("{}", record.id);
        return Ok(0);
    }
    let mut monitor =
        monitor::start::foreground(&store, &record.id, cmd.run.interactive).map_err(unstarted)?;
    if !record.auto_remove {
        monitor.keep_state();
    }
    Ok(monitor.run() as u8)
}

/// A container whose first start failed leaves nothing behind.
fn remove_unstarted(store: &ContainerStore, id: &str) {
    if let Err(e) = store.remove(id, |_| Ok(())) {
        log::warn!("removing container {id}: {}", crate::error::one_line(&e));
    }
}

/// `--network`, else the configured default (`private` unless rpod.toml says otherwise).
pub fn network_mode(ctx: &Context, args: &RunArgs) -> Result<NetworkMode> {
    match &args.network {
        Some(mode) => Ok(mode.clone()),
        None => super::args::parse_network(&ctx.config.network.default_network).map_err(|e| {
            anyhow::anyhow!(
                "invalid default_network {:?} in {}: {e}",
                ctx.config.network.default_network,
                ctx.config
                    .source
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "the config".into())
            )
        }),
    }
}

/// Turns the flags into what the spec builder takes, reading the host environment and
/// checking bind sources (a missing one is rpod's error, 125, before anything starts).
pub fn options(
    args: &RunArgs,
    command: Vec<String>,
    id: &str,
    network: &NetworkMode,
) -> Result<RunOptions> {
    let (mut binds, tmpfs) = args.mounts();
    for b in &mut binds {
        b.source = resolve_bind_source(&b.source)?;
    }
    let mut env = args.environment(|k| std::env::var(k).ok())?;
    if args.sdnotify == SdNotify::Container {
        match NotifySocket::from_env() {
            Some(NotifySocket::Path(socket)) => {
                binds.push(spec::BindMount {
                    source: socket,
                    destination: notify::CONTAINER_SOCKET.into(),
                    readonly: false,
                    recursive: false,
                });
                env.push(format!("{}={}", notify::ENV, notify::CONTAINER_SOCKET));
            }
            // An abstract socket is the host network namespace's: no mount reaches it.
            Some(NotifySocket::Abstract(_)) => log::warn!(
                "${} is an abstract socket, which the container cannot reach: use --sdnotify=conmon",
                notify::ENV
            ),
            None => {}
        }
    }
    let network = match network {
        NetworkMode::Host => spec::NetworkMode::Host,
        NetworkMode::None => spec::NetworkMode::None,
        NetworkMode::Private(_) => spec::NetworkMode::Private,
        NetworkMode::Container(_) => spec::NetworkMode::Joined,
    };
    Ok(RunOptions {
        id: id.to_string(),
        name: args.name.clone(),
        command,
        entrypoint: args.entrypoint.clone().map(|e| e.0),
        env,
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
        resources: super::limits::resources(args)?,
    })
}
