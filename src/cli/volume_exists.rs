//! `rpod volume exists`: a status code for scripts.

use anyhow::Result;

use super::Context;
use crate::volume::VolumeStore;

/// Check if a volume exists (exit 0 if it does, 1 if not)
#[derive(Debug, clap::Args)]
pub struct ExistsArgs {
    /// Name of the volume
    pub name: String,
}

pub fn run(ctx: &Context, args: &ExistsArgs) -> Result<u8> {
    Ok(if VolumeStore::open(&ctx.paths).exists(&args.name) {
        0
    } else {
        1
    })
}
