//! `rpod image inspect`: podman-shaped JSON for local images.

use anyhow::Result;

use super::image::open_store;
use super::Context;
use crate::format::json::to_json;
use crate::format::template;
use crate::image::inspect::image_data;

/// Display the configuration of an image
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Format the output as JSON (default) or with a Go template
    #[arg(short, long)]
    pub format: Option<String>,

    /// Images to inspect (name, short name or id)
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

pub fn run(ctx: &Context, args: &InspectArgs) -> Result<u8> {
    let store = open_store(ctx)?;
    let guard = store.read()?;
    let mut found = Vec::new();
    let mut missing = None;
    for name in &args.images {
        match guard.lookup(name) {
            Ok(rec) => found.push(image_data(&guard, &rec)?),
            Err(e) => {
                missing.get_or_insert(e);
            }
        }
    }
    drop(guard);
    match args.format.as_deref() {
        None | Some("json") => println!("{}", to_json(&found, "     ")?),
        Some(format) => {
            for d in &found {
                println!("{}", template::render(format, &serde_json::to_value(d)?)?);
            }
        }
    }
    match missing {
        Some(e) => Err(anyhow::Error::new(e).context("inspecting object")),
        None => Ok(0),
    }
}
