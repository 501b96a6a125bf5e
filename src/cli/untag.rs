//! `rpod untag`: remove names from a local image, keeping the image.

use anyhow::{bail, Result};

use super::image::open_store;
use super::Context;
use crate::store::names;

/// Remove a name from a local image (all names when none is given)
#[derive(Debug, clap::Args)]
pub struct UntagArgs {
    /// The image (name, short name or id)
    pub image: String,

    /// Names to remove
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
}

pub fn run(ctx: &Context, args: &UntagArgs) -> Result<u8> {
    let store = open_store(ctx)?;
    let mut w = store.write()?;
    let rec = w.lookup(&args.image)?;
    let mut remove = Vec::new();
    for n in &args.names {
        // Match the way lookups do, so `untag img busybox` finds docker.io/library/busybox:latest.
        let stored = rec
            .names
            .iter()
            .filter_map(|s| names::matches(s, n).map(|m| (m, s)))
            .max_by_key(|(m, _)| *m)
            .map(|(_, s)| s.clone());
        match stored {
            Some(s) => remove.push(s),
            None => bail!(
                "{}: tag not known",
                names::normalize(n).unwrap_or_else(|_| n.clone())
            ),
        }
    }
    if remove.is_empty() && !args.names.is_empty() {
        return Ok(0);
    }
    w.untag(&rec.id, &remove)?;
    Ok(0)
}
