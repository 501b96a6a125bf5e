//! `rpod volume …`: the volume verbs, grouped as podman groups them.

use anyhow::Result;
use clap::Subcommand;

use super::Context;

/// Manage volumes
#[derive(Debug, clap::Args)]
pub struct VolumeArgs {
    #[command(subcommand)]
    pub command: VolumeCommand,
}

#[derive(Debug, Subcommand)]
pub enum VolumeCommand {
    /// Create a new volume
    Create(super::volume_create::CreateArgs),
    /// Check if a volume exists (exit 0 if it does, 1 if not)
    Exists(super::volume_exists::ExistsArgs),
    /// Display detailed information on one or more volumes
    Inspect(super::volume_inspect::InspectArgs),
    /// List volumes
    #[command(visible_alias = "list")]
    Ls(super::volume_ls::LsArgs),
    /// Remove all unused volumes
    Prune(super::volume_prune::PruneArgs),
    /// Remove one or more volumes
    #[command(visible_alias = "remove")]
    Rm(super::volume_rm::RmArgs),
}

pub fn run(ctx: &Context, args: VolumeArgs) -> Result<u8> {
    match args.command {
        VolumeCommand::Create(a) => super::volume_create::run(ctx, &a),
        VolumeCommand::Exists(a) => super::volume_exists::run(ctx, &a),
        VolumeCommand::Inspect(a) => super::volume_inspect::run(ctx, &a),
        VolumeCommand::Ls(a) => super::volume_ls::run(ctx, &a),
        VolumeCommand::Prune(a) => super::volume_prune::run(ctx, &a),
        VolumeCommand::Rm(a) => super::volume_rm::run(ctx, &a),
    }
}
