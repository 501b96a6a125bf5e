//! `rpod load`: images from a docker-archive or oci-archive (file or stdin).

use std::fs::File;
use std::io::{self, BufReader, IsTerminal, Read};

use anyhow::{bail, Context as _, Result};

use super::image::open_store;
use super::Context;
use crate::image::archive;

/// Load image(s) from a tar archive
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// Read from a file instead of standard input
    #[arg(short, long, value_name = "FILE")]
    pub input: Option<String>,

    /// Suppress progress output
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(ctx: &Context, args: &LoadArgs) -> Result<u8> {
    let input: Box<dyn Read> = match &args.input {
        Some(path) => Box::new(BufReader::with_capacity(
            1 << 20,
            File::open(path).with_context(|| format!("opening {path}"))?,
        )),
        None => {
            if io::stdin().is_terminal() {
                bail!("cannot read an archive from a terminal: use --input FILE or redirect standard input");
            }
            Box::new(BufReader::with_capacity(1 << 20, io::stdin().lock()))
        }
    };
    let store = open_store(ctx)?;
    let lease = store.lease()?;
    let loaded = archive::load(&store, &lease, input);
    drop(lease);
    let loaded = match loaded {
        Ok(l) => l,
        Err(e) => {
            // Layers stored before the failure belong to no image: keep none.
            if let Err(gc) = store.write().and_then(|mut w| w.gc()) {
                log::warn!(
                    "could not remove the layers of the failed load (the next removal will): {gc}"
                );
            }
            return Err(e);
        }
    };
    for l in loaded {
        if l.names.is_empty() {
            println!("Loaded image: {}", l.image.id);
        }
        for n in &l.names {
            println!("Loaded image: {n}");
        }
    }
    Ok(0)
}
