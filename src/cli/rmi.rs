//! `rpod rmi` / `rpod image rm`: remove names and images, then the layers
//! no remaining image uses.

use anyhow::{bail, Result};

use super::image::open_store;
use super::Context;
use crate::container::{image_users, ContainerStore};
use crate::error;
use crate::store::removal::RemovalError;

/// podman's exit status when an image to remove is used by a container.
const EXIT_IMAGE_IN_USE: u8 = 2;

/// Remove one or more images from local storage
#[derive(Debug, clap::Args)]
pub struct RmiArgs {
    /// Remove all images
    #[arg(short, long)]
    pub all: bool,

    /// Remove an image even when it has several names and is given by id, and the
    /// containers that use it
    #[arg(short, long)]
    pub force: bool,

    /// Do not fail when an image does not exist
    #[arg(short, long)]
    pub ignore: bool,

    /// Images to remove (names, short names, ids or id prefixes)
    #[arg(value_name = "IMAGE")]
    pub images: Vec<String>,
}

pub fn run(ctx: &Context, args: &RmiArgs) -> Result<u8> {
    if args.all && !args.images.is_empty() {
        bail!("when using the --all switch, you may not pass any images names or IDs");
    }
    if !args.all && args.images.is_empty() {
        bail!("image name or ID must be specified");
    }
    let store = open_store(ctx)?;
    let containers = ContainerStore::open(&ctx.paths)?;
    if args.force {
        // podman: --force also removes the containers using the images.
        let doomed = store.removal_plan(&args.images, args.all, args.force)?;
        image_users::remove_users_of(&containers, &doomed.deleted)?;
    }
    let removal = match store.remove_images(&args.images, args.all, args.force, || {
        containers.images_in_use()
    }) {
        Err(e @ RemovalError::InUse { .. }) => {
            return Err(error::exit_error(EXIT_IMAGE_IN_USE, e.to_string()))
        }
        r => r?,
    };
    for n in &removal.untagged {
        println!("Untagged: {n}");
    }
    for d in &removal.deleted {
        println!("Deleted: {}", d.hex());
    }
    if let Some(container) = removal.in_use {
        let e = RemovalError::InUse { container };
        return Err(error::exit_error(EXIT_IMAGE_IN_USE, e.to_string()));
    }
    if let (false, Some(first)) = (args.ignore, removal.missing.first()) {
        // podman: exit 1 when an image to remove does not exist.
        return Err(error::exit_error(1, format!("{first}: image not known")));
    }
    Ok(0)
}
