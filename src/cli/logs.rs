//! `rpod logs`: a container's output from its `k8s-file` log, optionally followed
//! until the container exits.

use std::io;

use anyhow::{Context as _, Result};

use super::container::open;
use super::Context;
use crate::base::timestamp::{parse_time, Timestamp};
use crate::container::logview::{LogView, ViewOptions};

/// Fetch the logs of one or more containers
#[derive(Debug, clap::Args)]
pub struct LogsArgs {
    /// Keep printing new output until the container exits
    #[arg(short, long)]
    pub follow: bool,

    /// Show only the last N lines (-1: all)
    #[arg(long, value_name = "N", default_value_t = -1, allow_negative_numbers = true)]
    pub tail: i64,

    /// Show lines since TIME: RFC 3339, Unix seconds, or a duration ago (10m, 1h30m)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Show lines until TIME (same forms as --since)
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Prefix each line with its time
    #[arg(short, long)]
    pub timestamps: bool,

    /// Prefix each line with the container's name
    #[arg(short, long)]
    pub names: bool,

    /// Containers whose logs to show (names or IDs)
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

pub fn run(ctx: &Context, args: &LogsArgs) -> Result<u8> {
    let store = open(ctx)?;
    let now = Timestamp::now();
    let time = |t: &Option<String>| {
        t.as_deref()
            .map(|s| parse_time(s, now).map_err(anyhow::Error::msg))
            .transpose()
    };
    let opts = ViewOptions {
        since: time(&args.since)?,
        until: time(&args.until)?,
        tail: usize::try_from(args.tail).ok(),
        timestamps: args.timestamps,
        names: args.names,
    };
    let mut view = LogView::open(&store, &args.containers, opts)?;
    let (stdout, stderr) = (io::stdout(), io::stderr());
    match view.show(args.follow, &mut stdout.lock(), &mut stderr.lock()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e).context("reading the container's log"),
        Ok(()) => Ok(0),
    }
}
