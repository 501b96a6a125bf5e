//! `rpod inspect` / `rpod container inspect`: podman-shaped JSON for containers; plain
//! `inspect` also looks for images when no container matches.

use anyhow::{anyhow, Result};
use serde_json::Value;

use super::container::open;
use super::image::open_store;
use super::Context;
use crate::container::inspect::inspect;
use crate::container::store::ContainerError;
use crate::container::LookupError;
use crate::format::json::to_json;
use crate::format::template;
use crate::image::inspect::image_data;

/// What `inspect` looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Kind {
    /// Containers, then images
    #[default]
    All,
    Container,
    Image,
}

/// Display the configuration of containers or images
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Format the output as JSON (default) or with a Go template
    #[arg(short, long)]
    pub format: Option<String>,

    /// Only look for this kind of object
    #[arg(short = 't', long = "type", value_enum, default_value_t = Kind::All)]
    pub kind: Kind,

    /// Containers or images to inspect (names or IDs)
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
}

pub fn run(ctx: &Context, args: &InspectArgs) -> Result<u8> {
    let containers = open(ctx)?;
    let mut found: Vec<Value> = Vec::new();
    let mut missing: Option<String> = None;
    let mut images_wanted = Vec::new();
    for q in &args.names {
        if args.kind != Kind::Image {
            match containers.get(q) {
                Ok(c) => {
                    found.push(serde_json::to_value(inspect(&containers, &c)?)?);
                    continue;
                }
                Err(ContainerError::Lookup(LookupError::NotFound(_))) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if args.kind == Kind::Container {
            missing.get_or_insert_with(|| format!("no such container {q:?}"));
        } else {
            images_wanted.push((found.len(), q.clone()));
        }
    }
    if !images_wanted.is_empty() {
        let store = open_store(ctx)?;
        let view = store.read()?;
        for (at, q) in images_wanted.into_iter().rev() {
            match view.lookup(q.as_str()) {
                Ok(rec) => {
                    let data = image_data(&view, &rec)?;
                    found.insert(at, serde_json::to_value(data)?);
                }
                Err(_) => {
                    missing = Some(format!("no such object: {q:?}"));
                }
            }
        }
    }
    match args.format.as_deref() {
        None | Some("json") => println!("{}", to_json(&found, "     ")?),
        Some(format) => {
            for v in &found {
                println!("{}", template::render(format, v)?);
            }
        }
    }
    match missing {
        Some(m) => Err(anyhow!(m).context("inspecting object")),
        None => Ok(0),
    }
}
