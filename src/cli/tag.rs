//! `rpod tag`: more names for a local image.

use anyhow::{bail, Result};

use super::image::open_store;
use super::Context;
use crate::store::names;

/// Add an additional name to a local image
#[derive(Debug, clap::Args)]
pub struct TagArgs {
    /// The image to name (name, short name or id)
    pub image: String,

    /// New names, e.g. `quay.io/me/app:1.0` (a name without registry goes under `localhost/`)
    #[arg(required = true, value_name = "TARGET_NAME")]
    pub names: Vec<String>,
}

pub fn run(ctx: &Context, args: &TagArgs) -> Result<u8> {
    let mut targets = Vec::new();
    for n in &args.names {
        let full = names::normalize(n)?;
        if full.contains('@') {
            bail!("{n}: tag by digest not supported");
        }
        targets.push(full);
    }
    let store = open_store(ctx)?;
    let mut w = store.write()?;
    let rec = w.lookup(&args.image)?;
    for t in &targets {
        w.tag(&rec.id, t)?;
    }
    Ok(0)
}
