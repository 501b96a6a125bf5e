//! `rpod save`: images to a docker-archive or oci-archive, on a file or stdout.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};

use anyhow::{bail, Context as _, Result};

use super::image::open_store;
use super::Context;
use crate::image::archive::{self, Format, SaveItem};
use crate::store::names;

/// Save image(s) to an archive
#[derive(Debug, clap::Args)]
pub struct SaveArgs {
    /// Archive format
    #[arg(long, value_enum, default_value = "docker-archive")]
    pub format: Format,

    /// Write to a file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,

    /// Suppress progress output
    #[arg(short, long)]
    pub quiet: bool,

    /// Images to save (several only with docker-archive)
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

pub fn run(ctx: &Context, args: &SaveArgs) -> Result<u8> {
    if args.output.is_none() && io::stdout().is_terminal() {
        bail!("refusing to save to a terminal: use --output FILE or redirect standard output");
    }
    let store = open_store(ctx)?;
    let lease = store.lease()?;
    let items = {
        let guard = store.read()?;
        let mut items = Vec::new();
        for q in &args.images {
            let image = guard.lookup(q)?;
            // Saved by name: that name; by id: every name the image has.
            let by_name: Vec<String> = image
                .names
                .iter()
                .filter(|n| names::matches(n, q).is_some())
                .cloned()
                .collect();
            let names = if by_name.is_empty() {
                image.names.clone()
            } else {
                by_name
            };
            for d in &image.layers {
                guard.hold_layer(&lease, d)?;
            }
            items.push(SaveItem { image, names });
        }
        items
    };
    // The lease keeps the layers; holding the lock while streaming would stall pulls.
    let guard = store.view_unlocked();
    match &args.output {
        Some(path) => {
            let file = File::create(path).with_context(|| format!("creating {path}"))?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            let written = archive::save(&guard, &items, args.format, &mut out)
                .and_then(|()| Ok(out.into_inner().map_err(|e| e.into_error())?.sync_all()?));
            if written.is_err() {
                // A truncated archive must not pass for a saved image.
                let _ = std::fs::remove_file(path);
            }
            written?;
        }
        None => {
            let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
            archive::save(&guard, &items, args.format, &mut out)?;
            out.flush()?;
        }
    }
    Ok(0)
}
