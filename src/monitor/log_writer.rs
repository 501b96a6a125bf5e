//! The monitor's end of a container's log: appends each read from the container
//! as [`format_chunk`] formats it, and starts the file again at `max-size`.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::base::timestamp::Timestamp;
use crate::container::logs::{format_chunk, LogConfig, LogDriver, Stream};

/// The monitor's end of the log.
pub struct LogWriter {
    file: File,
    max_size: Option<u64>,
    size: u64,
}

impl LogWriter {
    /// Opens (appending, creating) the log; `None` with the `none` driver.
    pub fn open(path: &Path, config: &LogConfig) -> io::Result<Option<LogWriter>> {
        if config.driver == LogDriver::None {
            return Ok(None);
        }
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(path)?;
        let size = file.metadata()?.len();
        Ok(Some(LogWriter {
            file,
            max_size: config.max_size,
            size,
        }))
    }

    /// Logs one read from the container.
    pub fn write(&mut self, stream: Stream, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        let bytes = format_chunk(stream, data, Timestamp::now());
        // Past the limit the file starts again; of a burst bigger than the limit only
        // the lines that fit at its end are kept.
        let mut keep = 0;
        if let Some(max) = self.max_size {
            let mut pos = 0;
            while pos < bytes.len() {
                let next = bytes[pos..]
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(bytes.len(), |i| pos + i + 1);
                if self.size + (next - keep) as u64 > max && (self.size > 0 || pos > keep) {
                    self.file.set_len(0)?;
                    self.size = 0;
                    keep = pos;
                }
                pos = next;
            }
        }
        self.file.write_all(&bytes[keep..])?;
        self.size += (bytes.len() - keep) as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_truncates_at_max_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr.log");
        let cfg = LogConfig {
            driver: LogDriver::K8sFile,
            max_size: Some(200),
        };
        let mut w = LogWriter::open(&path, &cfg).unwrap().unwrap();
        for i in 0..20 {
            w.write(Stream::Stdout, format!("line {i}\n").as_bytes())
                .unwrap();
        }
        let len = std::fs::metadata(&path).unwrap().len();
        assert!(len <= 200, "{len}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("line 19"));
        assert!(!text.contains("line 0\n"));
        // One burst bigger than the limit keeps its last lines.
        let burst: String = (0..50).map(|i| format!("burst {i}\n")).collect();
        w.write(Stream::Stdout, burst.as_bytes()).unwrap();
        let len = std::fs::metadata(&path).unwrap().len();
        assert!(len <= 200 && len > 0, "{len}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("stdout F burst 49\n"), "{text}");
        assert!(!text.contains("line 19"));
        let none = LogConfig {
            driver: LogDriver::None,
            max_size: None,
        };
        assert!(LogWriter::open(&path, &none).unwrap().is_none());
    }
}
