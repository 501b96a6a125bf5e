//! `rpod logs`: a container's output from its `k8s-file` log, optionally followed
//! until the container exits.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use anyhow::{bail, Context as _, Result};

use super::container::open;
use super::Context;
use crate::base::filter;
use crate::base::timestamp::Timestamp;
use crate::container::logs::{self, Entry, LogDriver, Stream};
use crate::container::logwatch::LogWatch;
use crate::container::{ContainerStore, Record};

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

/// One container's log being read.
struct Reader {
    record: Record,
    prefix: String,
    offset: u64,
    carry: Vec<u8>,
    at_line_start: [bool; 2],
    done: bool,
}

pub fn run(ctx: &Context, args: &LogsArgs) -> Result<u8> {
    let store = open(ctx)?;
    let now = Timestamp::now();
    let since = args
        .since
        .as_deref()
        .map(|s| parse_time(s, now))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| parse_time(s, now))
        .transpose()?;
    let several = args.containers.len() > 1;
    let mut readers = Vec::new();
    for q in &args.containers {
        let record = store.lookup(q)?;
        if record.log.driver == LogDriver::None {
            bail!("this container is using the 'none' log driver, cannot read logs: this container is not logging output");
        }
        let prefix = match (args.names, several) {
            (true, _) => format!("{} ", record.name),
            (false, true) => format!("{} ", record.short_id()),
            (false, false) => String::new(),
        };
        readers.push(Reader {
            record,
            prefix,
            offset: 0,
            carry: Vec::new(),
            at_line_start: [true; 2],
            done: false,
        });
    }
    let filter = |e: &Entry| since.is_none_or(|s| e.time >= s) && until.is_none_or(|u| e.time <= u);
    let result = (|| -> io::Result<()> {
        for r in &mut readers {
            let mut entries = read_new(&store, r)?;
            entries.retain(&filter);
            if args.tail >= 0 {
                let start = logs::tail_start(&entries, args.tail as usize);
                entries.drain(..start);
            }
            emit(&entries, args.timestamps, r)?;
        }
        if !args.follow {
            return Ok(());
        }
        let dirs: Vec<_> = readers
            .iter()
            .flat_map(|r| [store.dir(&r.record.id), store.run_dir(&r.record.id)])
            .collect();
        let watch = LogWatch::new(dirs.iter().map(|d| d.as_path()));
        while readers.iter().any(|r| !r.done) {
            watch.wait();
            for r in readers.iter_mut().filter(|r| !r.done) {
                // Read after checking, so output written just before the exit is shown.
                let finished = !store.exists(&r.record.id) || !store.state(&r.record.id).running();
                let mut entries = read_new(&store, r)?;
                entries.retain(&filter);
                emit(&entries, args.timestamps, r)?;
                r.done = finished;
            }
        }
        Ok(())
    })();
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e).context("reading the container's log"),
        Ok(()) => Ok(0),
    }
}

/// The complete lines added to the log since the last read. A log cut back by its
/// size limit is read again from its start.
fn read_new(store: &ContainerStore, r: &mut Reader) -> io::Result<Vec<Entry>> {
    let path = store.log_path(&r.record.id);
    let mut file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    if len < r.offset {
        r.offset = 0;
        r.carry.clear();
    }
    file.seek(SeekFrom::Start(r.offset))?;
    let mut data = std::mem::take(&mut r.carry);
    let read = file.take(len - r.offset).read_to_end(&mut data)?;
    r.offset += read as u64;
    let (entries, used) = logs::parse_all(&data);
    r.carry = data[used..].to_vec();
    Ok(entries)
}

fn emit(entries: &[Entry], timestamps: bool, r: &mut Reader) -> io::Result<()> {
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    // podman shows the time as RFC 3339 with nanoseconds, whatever the file holds.
    let shown: Vec<Entry> = entries
        .iter()
        .map(|e| Entry {
            stamp: e.time.rfc3339_nanos(),
            ..e.clone()
        })
        .collect();
    logs::render(
        &shown,
        timestamps,
        &r.prefix,
        &mut r.at_line_start,
        |s, b| match s {
            Stream::Stdout => out.write_all(b),
            Stream::Stderr => err.write_all(b),
        },
    )?;
    out.flush()
}

/// `--since`/`--until`: RFC 3339, Unix seconds (with an optional fraction), or a Go
/// duration before `now`.
pub fn parse_time(s: &str, now: Timestamp) -> Result<Timestamp> {
    match filter::parse_time(s, now) {
        Some(t) => Ok(t),
        None => bail!(
            "invalid time {s:?}: use RFC 3339 (2024-01-02T15:04:05Z), Unix seconds, or a duration such as 10m"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_form() {
        let now = Timestamp::from_secs(1_700_000_000);
        assert_eq!(parse_time("10m", now).unwrap().secs, 1_700_000_000 - 600);
        assert_eq!(parse_time("1h30m", now).unwrap().secs, 1_700_000_000 - 5400);
        assert_eq!(
            parse_time("2023-11-14T22:13:20Z", now).unwrap(),
            Timestamp::from_secs(1_700_000_000)
        );
        let t = parse_time("1700000000.5", now).unwrap();
        assert_eq!((t.secs, t.nanos), (1_700_000_000, 500_000_000));
        assert!(parse_time("yesterday", now).is_err());
    }
}
