//! `rpod top`: the processes of a running container.

use anyhow::Result;

use super::container::open;
use super::Context;
use crate::container::top;
use crate::format::table::Table;

/// Display the running processes of a container
#[derive(Debug, clap::Args)]
pub struct TopArgs {
    /// Container name or ID
    #[arg(value_name = "CONTAINER")]
    pub container: String,

    /// Columns to show: user, pid, ppid, pcpu, etime, tty, time, args, comm, group,
    /// hpid, huser, hgroup, nice, pgid, state, vsz (default: user pid ppid pcpu etime
    /// tty time args)
    #[arg(value_name = "DESCRIPTORS")]
    pub descriptors: Vec<String>,
}

pub fn run(ctx: &Context, args: &TopArgs) -> Result<u8> {
    let wanted = top::descriptors(&args.descriptors)?;
    let store = open(ctx)?;
    let c = store.get(&args.container)?;
    let (headers, rows) = top::table(&c, &wanted)?;
    let mut table = Table::new(&headers);
    for row in rows {
        table.row(row);
    }
    print!("{}", table.render());
    Ok(0)
}
