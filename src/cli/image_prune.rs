//! `rpod image prune`: remove dangling (or, with `-a`, all unused) images.

use anyhow::Result;

use super::image::open_store;
use super::prompt::confirm;
use super::Context;
use crate::image::list;

/// Remove unused images
#[derive(Debug, clap::Args)]
pub struct PruneArgs {
    /// Remove all images not in use by containers, not just dangling ones
    #[arg(short, long)]
    pub all: bool,

    /// Do not ask for confirmation
    #[arg(short, long)]
    pub force: bool,
}

pub fn run(ctx: &Context, args: &PruneArgs) -> Result<u8> {
    if !args.force {
        let what = if args.all {
            "WARNING! This command removes all images without at least one container associated with them."
        } else {
            "WARNING! This command removes all dangling images."
        };
        if !confirm(what)? {
            return Ok(0);
        }
    }
    let store = open_store(ctx)?;
    let containers = crate::container::ContainerStore::open(&ctx.paths)?;
    for id in list::prune(&store, args.all, || Ok(containers.images_in_use()?))? {
        println!("{}", id.hex());
    }
    Ok(0)
}
