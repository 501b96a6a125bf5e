//! `rpod images` / `rpod image ls`: podman's image table, JSON and templates.

use anyhow::Result;

use super::args::ListOutput;
use super::image::open_store;
use super::Context;
use crate::base::timestamp::Timestamp;
use crate::format::json::to_json;
use crate::format::table;
use crate::image::list::{self, ImageFilter};
use crate::image::rows::{self, SortBy};

/// List images in local storage
#[derive(Debug, clap::Args)]
pub struct ImagesArgs {
    /// Show all images (by default intermediate images are hidden)
    #[arg(short, long)]
    pub all: bool,

    /// Show digests
    #[arg(long)]
    pub digests: bool,

    /// Filter output based on conditions: dangling=BOOL, reference=PATTERN,
    /// label=KEY[=VALUE], before=IMAGE, since=IMAGE, id=ID
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,

    #[command(flatten)]
    pub output: ListOutput,

    /// Do not truncate output
    #[arg(long)]
    pub no_trunc: bool,

    /// Display only image IDs
    #[arg(short, long)]
    pub quiet: bool,

    /// Sort by created, id, repository, size or tag
    #[arg(long, default_value = "created", value_parser = ["created", "id", "repository", "size", "tag"])]
    pub sort: String,

    /// Show only images matching this name
    pub image: Option<String>,
}

pub fn run(ctx: &Context, args: &ImagesArgs) -> Result<u8> {
    let filter = ImageFilter::parse(&args.filter, args.image.as_deref())?;
    let store = open_store(ctx)?;
    let mut images = list::list(&store)?;
    filter.retain(&mut images);

    let mut rows = rows::rows(&images, args.no_trunc, Timestamp::now());
    rows::sort(&mut rows, SortBy::parse(&args.sort));
    if args.quiet {
        for id in rows::quiet_ids(&rows) {
            println!("{id}");
        }
        return Ok(0);
    }
    match args.output.format.as_deref() {
        Some("json") => {
            let list: Vec<rows::ImageJson> = images.iter().map(rows::json).collect();
            println!("{}", to_json(&list, "    ")?);
        }
        Some(format) => {
            let (headers, values) = rows::template_rows(&rows);
            let out =
                table::format_rows_noheading(format, &headers, &values, args.output.noheading)?;
            print!("{out}");
        }
        None => print!(
            "{}",
            rows::table(&rows, args.digests).render_noheading(args.output.noheading)
        ),
    }
    Ok(0)
}
