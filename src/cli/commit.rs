//! `rpod commit`: a container's changes become a new image.

use anyhow::Result;

use super::image::open_store;
use super::Context;
use crate::build::image::{check_changes, commit_name, commit_paused, CommitOptions};
use crate::container::ContainerStore;
use crate::image::compression::LayerCompression;
use crate::image::manifest::Format as ManifestFormat;

/// Create a new image from a container's changes
///
/// The container's writable layer becomes a new layer on top of its image; the
/// image's config is kept, changed by each `--change` instruction.
#[derive(Debug, clap::Args)]
pub struct CommitArgs {
    /// Apply a Containerfile instruction to the image config (CMD, ENTRYPOINT, ENV,
    /// EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)
    #[arg(short, long, value_name = "INSTRUCTION")]
    pub change: Vec<String>,

    /// Set the commit message (the history comment)
    #[arg(short, long)]
    pub message: Option<String>,

    /// Set the author of the image
    #[arg(short, long)]
    pub author: Option<String>,

    /// Pause the container while committing
    #[arg(short, long)]
    pub pause: bool,

    /// Suppress progress output
    #[arg(short, long)]
    pub quiet: bool,

    /// Format of the image manifest: oci or docker
    #[arg(short, long, value_enum, default_value_t = ManifestFormat::Oci)]
    pub format: ManifestFormat,

    /// Compression of the new layer
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = LayerCompression::Gzip)]
    pub compression_format: LayerCompression,

    /// The container to commit (name or ID)
    pub container: String,

    /// Name for the new image
    pub image: Option<String>,
}

pub fn run(ctx: &Context, args: &CommitArgs) -> Result<u8> {
    let names = args.image.as_deref().map(commit_name).transpose()?;
    check_changes(&args.change)?;
    let containers = ContainerStore::open(&ctx.paths)?;
    let store = open_store(ctx)?;
    let opts = CommitOptions {
        changes: args.change.clone(),
        message: args.message.clone(),
        author: args.author.clone(),
        names: names.into_iter().collect(),
        format: args.format,
        compression: args.compression_format,
    };
    let image = commit_paused(
        &containers,
        &store,
        &args.container,
        &opts,
        args.pause,
        ctx.paths.uid,
    )?;
    if !args.quiet {
        eprintln!("Getting image source signatures");
        eprintln!(
            "Copying blob {}",
            image
                .layers
                .last()
                .map(|d| d.to_string())
                .unwrap_or_default()
        );
        eprintln!("Copying config {}", image.id);
        eprintln!("Writing manifest to image destination");
    }
    println!("{}", image.id.hex());
    Ok(0)
}
