//! `rpod run`: create a container and start it, in the foreground (rpod itself being
//! its monitor) or, with `-d`, under a detached monitor.

use anyhow::Result;

use super::args::RunArgs;
use super::pull::{pull_flags, PlatformArgs, RegistryArgs};
use super::Context;
use crate::container::create::create;
use crate::container::ContainerStore;
use crate::monitor;

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
    let pull = pull_flags(ctx, &cmd.platform, &cmd.registry, cmd.quiet);
    let created = create(&ctx.paths, &ctx.config, cmd.run.create_options(pull))?;
    let record = &created.record;
    let store = ContainerStore::open(&ctx.paths)?;
    let unstarted = |e| {
        created.discard(&store, &ctx.paths);
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
