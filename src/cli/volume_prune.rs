//! `rpod volume prune`: remove the volumes no container uses.

use std::io::{BufRead, Write};

use anyhow::Result;

use super::Context;
use crate::base::remove::UsernsRemover;
use crate::userns::IdMap;
use crate::volume::{prune, VolumeStore};

/// Remove all unused volumes
///
/// Volumes that no container uses (running or not) are removed, with all their data.
/// Asks first unless --force is given.
#[derive(Debug, clap::Args)]
pub struct PruneArgs {
    /// Only volumes that match: label=KEY[=VALUE], label!=…, until=TIMESTAMP|DURATION, …
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,

    /// Do not prompt for confirmation
    #[arg(short, long)]
    pub force: bool,
}

pub fn run(ctx: &Context, args: &PruneArgs) -> Result<u8> {
    let store = VolumeStore::open(&ctx.paths);
    let candidates = prune::candidates(&store, &args.filter)?;
    if !args.force && !confirm(&candidates)? {
        return Ok(0);
    }
    let remover = UsernsRemover {
        map: IdMap::for_current_user(),
    };
    let failures = prune::prune(&store, &candidates, &remover, |v| println!("{}", v.name));
    super::volume_rm::finish(
        failures
            .iter()
            .map(|e| (crate::error::EXIT_RPOD, crate::error::one_line(e)))
            .collect(),
    )
}

/// podman's question; anything but y/yes keeps the volumes.
fn confirm(names: &[String]) -> Result<bool> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:"
    )?;
    for n in names {
        writeln!(out, "{n}")?;
    }
    write!(out, "Are you sure you want to continue? [y/N] ")?;
    out.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
