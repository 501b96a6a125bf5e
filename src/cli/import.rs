//! `rpod import`: a tarball (plain, gzip or zstd; a file or stdin) becomes a
//! one-layer image, as `podman import` makes it.

use std::fs::File;
use std::io::{self, Read};

use anyhow::{bail, Context as _, Result};
use serde_json::{Map, Value};

use super::image::open_store;
use super::Context;
use crate::base::timestamp::Timestamp;
use crate::image::changes;
use crate::image::local::{local_manifest, new_image, store_layer};
use crate::image::oci_config::{History, ImageConfig, RootFs};
use crate::store::names;

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
    let name = match &args.reference {
        Some(r) => {
            let n = names::normalize(r)?;
            if n.contains('@') {
                bail!("{r}: an imported image cannot be named by digest: give it a tag");
            }
            Some(n)
        }
        None => None,
    };
    let mut runtime = Map::new();
    for c in &args.change {
        changes::apply(&mut runtime, c)?;
    }
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
    let lease = store.lease()?;
    let (diff_id, size) = store_layer(&store, &lease, input, None, None)?;
    if !args.quiet {
        eprintln!("Getting image source signatures");
        eprintln!("Copying blob {diff_id}");
    }

    let now = Timestamp::now().rfc3339_nanos();
    let comment = args
        .message
        .clone()
        .unwrap_or_else(|| "imported from tarball".into());
    let config = ImageConfig {
        created: Some(now.clone()),
        architecture: args
            .arch
            .clone()
            .unwrap_or_else(|| crate::image::manifest::Platform::host_arch().to_string()),
        os: args.os.clone(),
        variant: args.variant.clone(),
        config: Value::Object(runtime),
        rootfs: RootFs {
            kind: "layers".into(),
            diff_ids: vec![diff_id.clone()],
        },
        history: vec![History {
            created: Some(now),
            created_by: Some(format!("/bin/sh -c #(nop) ADD file:{} in /", diff_id.hex())),
            comment: Some(comment),
            ..History::default()
        }],
        ..ImageConfig::default()
    };
    let config = serde_json::to_vec(&config)?;
    let manifest = local_manifest(&config, &[(diff_id, size)])?;
    let names: Vec<String> = name.into_iter().collect();
    let rec = store.add_image(new_image(&config, &manifest, &names)?)?;
    drop(lease);
    if !args.quiet {
        eprintln!("Copying config {}", rec.id);
        eprintln!("Writing manifest to image destination");
        eprintln!("Storing signatures");
    }
    println!("{}", rec.id);
    Ok(0)
}
