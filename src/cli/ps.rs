//! `rpod ps` / `rpod container ls`: podman's container table, JSON and templates.

use anyhow::Result;

use super::container::open;
use super::Context;
use crate::base::timestamp::Timestamp;
use crate::container::list::{self, ContainerFilter};
use crate::container::ps;
use crate::format::json::to_json;
use crate::format::table;

/// List containers
///
/// Without --all only running containers are listed, oldest first.
#[derive(Debug, clap::Args)]
pub struct PsArgs {
    /// Show all containers, not only running ones
    #[arg(short, long)]
    pub all: bool,

    /// Filter: name=REGEX, id=PREFIX, status=STATE, ancestor=IMAGE, label=KEY[=VALUE], exited=CODE
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,

    /// Output format: json, or a Go template (`table` prefix for a header)
    #[arg(long)]
    pub format: Option<String>,

    /// Show the latest container created (all states)
    #[arg(short, long)]
    pub latest: bool,

    /// Show the N containers created last (all states)
    #[arg(short = 'n', long = "last", value_name = "N")]
    pub last: Option<usize>,

    /// Do not truncate IDs and commands
    #[arg(long)]
    pub no_trunc: bool,

    /// Do not print the column headings
    #[arg(long)]
    pub noheading: bool,

    /// Print only container IDs
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(ctx: &Context, args: &PsArgs) -> Result<u8> {
    let filter = ContainerFilter::parse(&args.filter)?;
    let store = open(ctx)?;
    let last = if args.latest { Some(1) } else { args.last };
    let list = list::select(&store, &filter, args.all, last)?;
    let now = Timestamp::now();
    if args.quiet {
        for c in &list {
            println!("{}", ps::id(c, args.no_trunc));
        }
        return Ok(0);
    }
    match args.format.as_deref() {
        Some("json") => println!("{}", to_json(&ps::json_list(&list, now), "    ")?),
        Some(format) => {
            let (headers, rows) = ps::template_rows(&list, args.no_trunc, now);
            let out = table::format_rows_noheading(format, &headers, &rows, args.noheading)?;
            print!("{out}");
        }
        None => print!(
            "{}",
            ps::table(&list, args.no_trunc, now).render_noheading(args.noheading)
        ),
    }
    Ok(0)
}
