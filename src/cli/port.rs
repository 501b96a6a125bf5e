//! `rpod port`: the published ports of running containers, as their monitors bound
//! them.

use anyhow::{anyhow, Result};

use super::container::open;
use super::Context;
use crate::container::ports::{bound, lines, parse_query};

/// List port mappings or a specific mapping for the container
#[derive(Debug, clap::Args)]
pub struct PortArgs {
    /// Display port information for all containers
    #[arg(short, long)]
    pub all: bool,

    /// Container name or ID (not with --all)
    #[arg(value_name = "CONTAINER", required_unless_present = "all")]
    pub container: Option<String>,

    /// Show only this container port: PORT or PORT/PROTO
    #[arg(value_name = "PRIVATEPORT[/PROTO]")]
    pub port: Option<String>,
}

pub fn run(ctx: &Context, args: &PortArgs) -> Result<u8> {
    // With --all the one positional is the port.
    let (container, port) = if args.all {
        if args.port.is_some() {
            return Err(anyhow!(
                "no arguments are needed with --all, except a port: give at most PRIVATEPORT[/PROTO]"
            ));
        }
        (None, args.container.as_deref())
    } else {
        (args.container.as_deref(), args.port.as_deref())
    };
    let query = port.map(parse_query).transpose()?;
    let store = open(ctx)?;
    let containers = match container {
        Some(q) => vec![store.get(q)?],
        None => store.list()?,
    };
    let mut found = false;
    for c in &containers {
        let ports = bound(c);
        if args.all && ports.is_empty() {
            continue;
        }
        let Some(lines) = lines(&ports, query.as_ref()) else {
            continue;
        };
        found = true;
        for l in lines {
            if args.all {
                println!("{}\t{l}", c.record.short_id());
            } else {
                println!("{l}");
            }
        }
    }
    if let (Some(p), false) = (port, found) {
        return Err(anyhow!("failed to find published port {p:?}"));
    }
    Ok(0)
}
