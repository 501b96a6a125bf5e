//! `rpod history`: the layers of an image and the steps that made them.

use anyhow::Result;

use super::image::open_store;
use super::Context;
use crate::base::timestamp::Timestamp;
use crate::format::table;
use crate::image::history::{history, Shown, Step, StepJson};

/// Show history of a specified image
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Change the output to JSON or a Go template
    #[arg(long)]
    pub format: Option<String>,

    /// Display sizes and dates in human readable format
    #[arg(short = 'H', long, default_value_t = true, action = clap::ArgAction::Set,
          num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub human: bool,

    /// Do not truncate the output
    #[arg(long)]
    pub no_trunc: bool,

    /// Display the numeric IDs only
    #[arg(short, long)]
    pub quiet: bool,

    /// The image (name, short name or id)
    pub image: String,
}

pub fn run(ctx: &Context, args: &HistoryArgs) -> Result<u8> {
    let store = open_store(ctx)?;
    let steps = history(&store, &args.image)?;
    let shown = Shown {
        no_trunc: args.no_trunc,
        human: args.human,
        now: Timestamp::now(),
    };
    if args.quiet {
        for s in &steps {
            println!("{}", shown.id(s));
        }
        return Ok(0);
    }
    match args.format.as_deref() {
        Some("json") => {
            let list: Vec<StepJson> = steps.iter().map(Step::json).collect();
            println!("{}", serde_json::to_string(&list)?);
        }
        Some(format) => {
            let (headers, values) = shown.template_rows(&steps);
            print!("{}", table::format_rows(format, &headers, &values)?);
        }
        None => print!("{}", shown.table(&steps).render()),
    }
    Ok(0)
}
