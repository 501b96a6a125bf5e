//! `rpod import`: a tarball (plain, gzip or zstd; a file or stdin) becomes a
//! one-layer image, as `podman import` makes it.

use std::fs::File;
use std::io::{self, Read};

use anyhow::{bail, Context as _, Result};

use super::image::open_store;
use super::Context;
use crate::image::import::{import, import_name, runtime_from_changes, ImportOptions};

/// Import a tarball to create a filesystem image
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Apply a Containerfile instruction to the image config (CMD, ENV, EXPOSE, …)
    #[arg(short, long, value_name = "INSTRUCTION")]
    pub change: Vec<String>,

    /// Set the commit message (the history comment)
    #[arg(short, long)]
    pub message: Option<String>,

    /// Suppress progress output
    #[arg(short, long)]
    pub quiet: bool,

    /// Operating system of the image
    #[arg(long, default_value = "linux")]
    pub os: String,

    /// Architecture of the image (default: this machine's)
    #[arg(long)]
    pub arch: Option<String>,

    /// Architecture variant of the image
    #[arg(long)]
    pub variant: Option<String>,

    /// The tarball to import, or `-` for standard input
    pub path: String,

    /// Name for the new image
    pub reference: Option<String>,
}

pub fn run(ctx: &Context, args: &ImportArgs) -> Result<u8> {
    let opts = ImportOptions {
        changes: args.change.clone(),
        message: args.message.clone(),
        os: args.os.clone(),
        arch: args.arch.clone(),
        variant: args.variant.clone(),
        name: args.reference.as_deref().map(import_name).transpose()?,
    };
    // Checked before the input is opened, as the work it would waste.
    runtime_from_changes(&opts.changes)?;
    if args.path.contains("://") {
        bail!(
            "importing from a URL is not supported: download {} first and import the file",
            args.path
        );
    }
    let input: Box<dyn Read> = if args.path == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(File::open(&args.path).with_context(|| format!("opening {}", args.path))?)
    };
    let store = open_store(ctx)?;
    let rec = import(&store, input, &opts, |diff_id| {
        if !args.quiet {
            eprintln!("Getting image source signatures");
            eprintln!("Copying blob {diff_id}");
        }
    })?;
    if !args.quiet {
        eprintln!("Copying config {}", rec.id);
        eprintln!("Writing manifest to image destination");
        eprintln!("Storing signatures");
    }
    println!("{}", rec.id);
    Ok(0)
}
