//! What `rpod logs` shows of containers' logs: the entries within `--since` and
//! `--until`, the last `--tail` of them, prefixed by name or id when asked or when
//! several containers are shown, and with `--follow` new output until every
//! followed container has stopped.

use std::io::{self, Write};

use thiserror::Error;

use super::logs::{self, Entry, LogDriver, LogReader, Stream};
use super::logwatch::LogWatch;
use super::store::{ContainerError, ContainerStore};
use super::Record;
use crate::base::timestamp::Timestamp;

#[derive(Debug, Error)]
pub enum ViewError {
    #[error("this container is using the 'none' log driver, cannot read logs: this container is not logging output")]
    NotLogging,
    #[error(transparent)]
    Store(#[from] ContainerError),
}

/// Which entries are shown, and how.
#[derive(Debug, Clone, Default)]
pub struct ViewOptions {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// The last N lines of what is there at first; all when `None`.
    pub tail: Option<usize>,
    pub timestamps: bool,
    /// Prefix every line with the container's name (else with its short id, and
    /// only when several containers are shown).
    pub names: bool,
}

/// One container's log being shown.
struct Reader {
    record: Record,
    prefix: String,
    log: LogReader,
    at_line_start: [bool; 2],
    done: bool,
}

/// The logs of the containers a user named, read as they grow.
pub struct LogView<'a> {
    store: &'a ContainerStore,
    opts: ViewOptions,
    readers: Vec<Reader>,
}

impl<'a> LogView<'a> {
    /// Finds the containers; one that does not log fails the whole view.
    pub fn open(
        store: &'a ContainerStore,
        queries: &[String],
        opts: ViewOptions,
    ) -> Result<LogView<'a>, ViewError> {
        let several = queries.len() > 1;
        let mut readers = Vec::new();
        for q in queries {
            let record = store.lookup(q)?;
            if record.log.driver == LogDriver::None {
                return Err(ViewError::NotLogging);
            }
            let prefix = match (opts.names, several) {
                (true, _) => format!("{} ", record.name),
                (false, true) => format!("{} ", record.short_id()),
                (false, false) => String::new(),
            };
            readers.push(Reader {
                log: LogReader::new(store.log_path(&record.id)),
                record,
                prefix,
                at_line_start: [true; 2],
                done: false,
            });
        }
        Ok(LogView {
            store,
            opts,
            readers,
        })
    }

    /// Writes what the logs hold now to `out` and `err`, then with `follow` what
    /// they gain until the containers stop.
    pub fn show(
        &mut self,
        follow: bool,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<()> {
        let opts = &self.opts;
        let keep = |e: &Entry| {
            opts.since.is_none_or(|s| e.time >= s) && opts.until.is_none_or(|u| e.time <= u)
        };
        for r in &mut self.readers {
            let mut entries = r.log.read_new()?;
            entries.retain(keep);
            if let Some(n) = opts.tail {
                let start = logs::tail_start(&entries, n);
                entries.drain(..start);
            }
            emit(&entries, opts.timestamps, r, out, err)?;
        }
        if !follow {
            return Ok(());
        }
        let store = self.store;
        let dirs: Vec<_> = self
            .readers
            .iter()
            .flat_map(|r| [store.dir(&r.record.id), store.run_dir(&r.record.id)])
            .collect();
        let watch = LogWatch::new(dirs.iter().map(|d| d.as_path()));
        while self.readers.iter().any(|r| !r.done) {
            watch.wait();
            for r in self.readers.iter_mut().filter(|r| !r.done) {
                // Read after checking, so output written just before the exit is shown.
                let finished = !store.exists(&r.record.id) || !store.state(&r.record.id).running();
                let mut entries = r.log.read_new()?;
                entries.retain(keep);
                emit(&entries, opts.timestamps, r, out, err)?;
                r.done = finished;
            }
        }
        Ok(())
    }
}

fn emit(
    entries: &[Entry],
    timestamps: bool,
    r: &mut Reader,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
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
