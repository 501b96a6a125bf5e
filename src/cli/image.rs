//! `rpod image …`: the image verbs grouped as podman groups them, and what
//! they share (opening the store, showing ids).

use anyhow::{Context as _, Result};
use clap::Subcommand;

use super::Context;
use crate::store::Store;

/// Manage images
#[derive(Debug, clap::Args)]
pub struct ImageArgs {
    #[command(subcommand)]
    pub command: ImageCommand,
}

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Check if an image exists in local storage
    Exists(super::image_exists::ExistsArgs),
    /// Show history of a specified image
    History(super::history::HistoryArgs),
    /// Import a tarball to create a filesystem image
    Import(super::import::ImportArgs),
    /// Display the configuration of an image
    Inspect(super::image_inspect::InspectArgs),
    /// List images in local storage
    #[command(visible_alias = "ls")]
    List(super::images::ImagesArgs),
    /// Load image(s) from a tar archive
    Load(super::load::LoadArgs),
    /// Pull an image from a registry
    Pull(super::pull::PullArgs),
    /// Remove unused images
    Prune(super::image_prune::PruneArgs),
    /// Push an image to a specified destination
    Push(super::push::PushArgs),
    /// Remove one or more images from local storage
    Rm(super::rmi::RmiArgs),
    /// Save image(s) to an archive
    Save(super::save::SaveArgs),
    /// Add an additional name to a local image
    Tag(super::tag::TagArgs),
    /// Remove a name from a local image
    Untag(super::untag::UntagArgs),
}

pub fn run(ctx: &Context, args: ImageArgs) -> Result<u8> {
    match args.command {
        ImageCommand::Exists(a) => super::image_exists::run(ctx, &a),
        ImageCommand::History(a) => super::history::run(ctx, &a),
        ImageCommand::Import(a) => super::as_store_root(|| super::import::run(ctx, &a)),
        ImageCommand::Inspect(a) => super::image_inspect::run(ctx, &a),
        ImageCommand::List(a) => super::images::run(ctx, &a),
        ImageCommand::Load(a) => super::as_store_root(|| super::load::run(ctx, &a)),
        ImageCommand::Pull(a) => super::as_store_root(|| super::pull::run(ctx, &a)),
        ImageCommand::Prune(a) => super::image_prune::run(ctx, &a),
        ImageCommand::Push(a) => super::as_store_root(|| super::push::run(ctx, &a)),
        ImageCommand::Rm(a) => super::rmi::run(ctx, &a),
        ImageCommand::Save(a) => super::save::run(ctx, &a),
        ImageCommand::Tag(a) => super::tag::run(ctx, &a),
        ImageCommand::Untag(a) => super::untag::run(ctx, &a),
    }
}

/// Opens the image store of this invocation.
pub fn open_store(ctx: &Context) -> Result<Store> {
    Store::open(&ctx.paths).context("opening the image store")
}
