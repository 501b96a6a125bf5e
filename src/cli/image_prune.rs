//! `rpod image prune`: remove dangling (or, with `-a`, all unused) images.

use std::io::{self, BufRead, Write};

use anyhow::{bail, Result};

use super::image::open_store;
use super::Context;

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
        print!("{what}\nAre you sure you want to continue? [y/N] ");
        io::stdout().flush()?;
        let mut answer = String::new();
        if io::stdin().lock().read_line(&mut answer)? == 0 {
            bail!("no answer on standard input: use --force to prune without asking");
        }
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
            return Ok(0);
        }
    }
    let store = open_store(ctx)?;
    let containers = crate::container::ContainerStore::open(&ctx.paths)?;
    let removed = {
        let mut w = store.write()?;
        // Read under the image store's lock (lock order: images, then containers).
        let used = containers.images_in_use()?;
        let mut removed = Vec::new();
        for img in w.images()? {
            if used.contains_key(img.id.hex()) {
                continue;
            }
            if args.all || img.is_dangling() {
                w.remove_image(&img.id)?;
                removed.push(img.id);
            }
        }
        // Also collects layers no image uses that a killed pull or import committed.
        w.gc()?;
        removed
    };
    for id in removed {
        println!("{}", id.hex());
    }
    Ok(0)
}
