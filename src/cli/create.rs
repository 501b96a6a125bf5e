//! `rpod create`: record a container (spec, writable layer, name) without starting it.
//! `run` creates the same way, then starts.

use anyhow::Result;

use super::args::RunArgs;
use super::pull::{pull_flags, PlatformArgs, RegistryArgs};
use super::Context;
use crate::container::create::create;

/// Create but do not start a container
///
/// Takes the flags of `run`; prints the new container's full ID. Start it with
/// `rpod start`.
#[derive(Debug, clap::Args)]
#[command(disable_help_flag = true)]
pub struct CreateCommand {
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

pub fn run(ctx: &Context, cmd: &CreateCommand) -> Result<u8> {
    let pull = pull_flags(ctx, &cmd.platform, &cmd.registry, cmd.quiet);
    let created = create(&ctx.paths, &ctx.config, cmd.run.create_options(pull))?;
    println!("{}", created.record.id);
    Ok(0)
}
