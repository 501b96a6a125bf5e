//! `rpod image exists`: a status code for scripts.

use anyhow::Result;

use super::image::open_store;
use super::Context;
use crate::store::images::LookupError;
use crate::store::StoreError;

/// Check if an image exists in local storage (exit 0 if it does, 1 if not)
#[derive(Debug, clap::Args)]
pub struct ExistsArgs {
    /// The image (name, short name or id)
    pub image: String,
}

pub fn run(ctx: &Context, args: &ExistsArgs) -> Result<u8> {
    let store = open_store(ctx)?;
    let guard = store.read()?;
    match guard.lookup(&args.image) {
        Ok(_) => Ok(0),
        Err(StoreError::Lookup(LookupError::NotFound(_))) => Ok(1),
        Err(e) => Err(e.into()),
    }
}
