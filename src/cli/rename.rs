//! `rpod rename`: give a container (running or not) a new name.

use anyhow::{Context as _, Result};

use super::container::open;
use super::Context;

/// Rename an existing container
#[derive(Debug, clap::Args)]
pub struct RenameArgs {
    /// The container to rename (name or ID)
    #[arg(value_name = "CONTAINER")]
    pub container: String,

    /// Its new name
    #[arg(value_name = "NAME", value_parser = crate::container::names::parse_name)]
    pub name: String,
}

pub fn run(ctx: &Context, args: &RenameArgs) -> Result<u8> {
    let store = open(ctx)?;
    let record = store.lookup(&args.container)?;
    store
        .rename(&record.id, &args.name)
        .with_context(|| format!("renaming container {}", record.id))?;
    Ok(0)
}
