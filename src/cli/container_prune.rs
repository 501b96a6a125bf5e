//! `rpod container prune`: remove every container that is not running.

use anyhow::Result;

use super::container::open;
use super::prompt::confirm;
use super::Context;
use crate::base::timestamp::Timestamp;
use crate::container::list::{self, ContainerFilter};

/// Remove all non running containers
#[derive(Debug, clap::Args)]
pub struct ContainerPruneArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub force: bool,

    /// Only containers matching: until=TIME (created before), label=KEY[=VALUE], label!=KEY[=VALUE]
    #[arg(long = "filter", value_name = "FILTER")]
    pub filter: Vec<String>,
}

pub fn run(ctx: &Context, args: &ContainerPruneArgs) -> Result<u8> {
    let filter = ContainerFilter::parse_prune(&args.filter, Timestamp::now())?;
    if !args.force && !confirm("WARNING! This will remove all non running containers.")? {
        return Ok(0);
    }
    let store = open(ctx)?;
    list::prune(
        &store,
        &filter,
        |id| println!("{id}"),
        |e| eprintln!("Error: {}", crate::error::one_line(e)),
    )?;
    Ok(0)
}
