//! The detached monitor's own log. Its stdio is the container's (or `/dev/null`),
//! so what it has to say (an exit it could not record, a network that would not
//! stop) goes to `monitor.log` beside the container's log instead, at the level of
//! the command that started it. That is the container dir, not the run dir where
//! the live state is recorded: a run dir that cannot be written to (or was wiped)
//! still leaves a word about it. The file is opened at the first message: a
//! monitor with nothing to say leaves none.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use log::{LevelFilter, Log, Metadata, Record};

use crate::base::timestamp::Timestamp;

/// The log's name in the container's run dir.
pub const FILE: &str = "monitor.log";

struct FileLog {
    path: PathBuf,
    file: Mutex<Option<File>>,
}

static LOGGER: OnceLock<FileLog> = OnceLock::new();

/// Sends this process's log records at `level` or above to `path`.
pub fn init(path: PathBuf, level: LevelFilter) {
    let logger = LOGGER.get_or_init(|| FileLog {
        path,
        file: Mutex::new(None),
    });
    // Only the monitor's entry sets a logger; a second call keeps the first.
    let _ = log::set_logger(logger);
    log::set_max_level(level);
}

impl Log for FileLog {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let Ok(mut file) = self.file.lock() else {
            return;
        };
        if file.is_none() {
            // Not created in a container dir that is gone: the container was removed.
            *file = OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .custom_flags(libc::O_CLOEXEC)
                .open(&self.path)
                .ok();
        }
        let tag = crate::logging::level_tag(record.level());
        if let Some(f) = file.as_mut() {
            // Nowhere left to report a failure to write the report itself.
            let _ = writeln!(f, "{} {tag} {}", Timestamp::now().rfc3339(), record.args());
        }
    }

    fn flush(&self) {}
}
