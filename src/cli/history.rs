//! `rpod history`: the layers of an image and the steps that made them.

use anyhow::Result;
use serde_json::Value;

use super::image::open_store;
use super::Context;
use crate::base::timestamp::Timestamp;
use crate::format::humanize;
use crate::format::table::{self, Table};
use crate::image::history::{history, Step, StepJson};

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
    let id_of = |s: &Step| match &s.id {
        Some(id) if args.no_trunc => id.clone(),
        Some(id) => id[..12.min(id.len())].to_string(),
        None => "<missing>".to_string(),
    };
    if args.quiet {
        for s in &steps {
            println!("{}", id_of(s));
        }
        return Ok(0);
    }
    let now = Timestamp::now();
    let created = |s: &Step| match (s.created, args.human) {
        (Some(t), true) => humanize::ago(t, now),
        (Some(t), false) => t.rfc3339(),
        (None, _) => String::new(),
    };
    let created_by = |s: &Step| {
        if !args.no_trunc && s.created_by.chars().count() > 45 {
            let cut: String = s.created_by.chars().take(42).collect();
            format!("{cut}...")
        } else {
            s.created_by.clone()
        }
    };
    match args.format.as_deref() {
        Some("json") => {
            let list: Vec<StepJson> = steps.iter().map(Step::json).collect();
            println!("{}", serde_json::to_string(&list)?);
        }
        Some(format) => {
            let values: Vec<Value> = steps
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "ID": id_of(s),
                        "Created": created(s),
                        "CreatedSince": created(s),
                        "CreatedAt": s.created.map(|t| t.go_string()).unwrap_or_default(),
                        "CreatedBy": created_by(s),
                        "Size": humanize::size(s.size),
                        "Comment": s.comment,
                        "Tags": Vec::<String>::new(),
                    })
                })
                .collect();
            let headers = table::headers(
                &values[0],
                &[("CreatedBy", "CREATED BY"), ("CreatedSince", "CREATED")],
            );
            print!("{}", table::format_rows(format, &headers, &values)?);
        }
        None => {
            let mut t = Table::new(&["ID", "CREATED", "CREATED BY", "SIZE", "COMMENT"]);
            for s in &steps {
                t.row(vec![
                    id_of(s),
                    created(s),
                    created_by(s),
                    humanize::size(s.size),
                    s.comment.clone(),
                ]);
            }
            print!("{}", t.render());
        }
    }
    Ok(0)
}
