//! `rpod commit`: a container's changes become a new image.

use anyhow::{bail, Result};

use super::image::open_store;
use super::Context;
use crate::build::image::{commit_container, CommitOptions};
use crate::container::freeze::{self, FreezeError};
use crate::container::ContainerStore;
use crate::image::compression::LayerCompression;
use crate::image::manifest::Format as ManifestFormat;
use crate::store::names;

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

/// Freezes a running container for the commit; `Some(id)` when it did. A
/// container that cannot be paused is committed as it runs, with a warning why.
fn pause(ctx: &Context, containers: &ContainerStore, query: &str) -> Option<String> {
    let c = containers.get(query).ok()?;
    if !c.state.running() || c.state.is_paused() {
        return None;
    }
    match freeze::set_paused(containers, &c.record.id, query, true) {
        Ok(()) => Some(c.record.id),
        Err(e) => {
            let why = match e.downcast_ref() {
                Some(FreezeError::NoCgroup(_)) => {
                    crate::cgroup::detect::missing("pause", ctx.paths.uid)
                        .map(|w| w.to_string())
                        .unwrap_or_else(|| crate::error::one_line(&e))
                }
                _ => crate::error::one_line(&e),
            };
            log::warn!("committing {query} without pausing it: {why}");
            None
        }
    }
}

pub fn run(ctx: &Context, args: &CommitArgs) -> Result<u8> {
    let mut names_ = Vec::new();
    if let Some(n) = &args.image {
        let full = names::normalize(n)?;
        if full.contains('@') {
            bail!("{n}: a committed image cannot be named by digest: give it a tag");
        }
        names_.push(full);
    }
    for c in &args.change {
        // Checked before any work, so a bad change leaves nothing behind.
        crate::image::changes::apply(&mut serde_json::Map::new(), c)?;
    }
    let containers = ContainerStore::open(&ctx.paths)?;
    let store = open_store(ctx)?;
    let opts = CommitOptions {
        changes: args.change.clone(),
        message: args.message.clone(),
        author: args.author.clone(),
        names: names_,
        format: args.format,
        compression: args.compression_format,
    };
    let paused = if args.pause {
        pause(ctx, &containers, &args.container)
    } else {
        None
    };
    let result = commit_container(&containers, &store, &args.container, &opts);
    if let Some(id) = paused {
        if let Err(e) = freeze::set_paused(&containers, &id, &args.container, false) {
            log::warn!(
                "unpausing {}: {}",
                args.container,
                crate::error::one_line(&e)
            );
        }
    }
    let image = result?;
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
