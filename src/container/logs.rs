//! Container logs in podman's `k8s-file` format:
//!
//! ```text
//! 2024-01-02T15:04:05.123456789+00:00 stdout F a whole line
//! 2024-01-02T15:04:05.123456789+00:00 stderr P the start of a line still open
//! ```
//! As conmon does, every read from the container becomes one write: its complete
//! lines tagged `F`, a trailing piece without newline tagged `P`. With `max-size`
//! the file is truncated when the next write would pass it (conmon's behaviour).
//!
//! This module owns the format, the log options a container is created with, and
//! reading for `rpod logs`: the record and `rpod logs` need them with no monitor
//! around. The monitor's log writer formats with [`format_chunk`].

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::base::timestamp::Timestamp;

/// `--log-driver`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum LogDriver {
    #[default]
    #[serde(rename = "k8s-file")]
    K8sFile,
    #[serde(rename = "none")]
    None,
}

impl LogDriver {
    pub fn parse(s: &str) -> Result<LogDriver, String> {
        match s {
            "k8s-file" => Ok(LogDriver::K8sFile),
            "none" => Ok(LogDriver::None),
            "journald" | "passthrough" | "json-file" => Err(format!(
                "log driver {s:?} is not supported: use k8s-file or none"
            )),
            _ => Err(format!("invalid log driver {s:?}: use k8s-file or none")),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            LogDriver::K8sFile => "k8s-file",
            LogDriver::None => "none",
        }
    }
}

/// How a container logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LogConfig {
    pub driver: LogDriver,
    /// `--log-opt max-size=…` in bytes.
    #[serde(default)]
    pub max_size: Option<u64>,
}

impl LogConfig {
    /// Applies one `--log-opt KEY=VALUE`.
    pub fn apply_opt(&mut self, opt: &str) -> Result<(), String> {
        let (k, v) = opt
            .split_once('=')
            .ok_or_else(|| format!("invalid log option {opt:?}: expected KEY=VALUE"))?;
        match k {
            "max-size" => {
                let n = parse_size(v)?;
                self.max_size = (n > 0).then_some(n);
                Ok(())
            }
            // Accepted for podman compatibility; the tag only matters to journald.
            "tag" | "path" => Ok(()),
            _ => Err(format!(
                "unsupported log option {k:?} (supported: max-size)"
            )),
        }
    }
}

/// `10m`, `1g`, `512k`, `100`, `1MB`, `2MiB`: go-units' FromHumanSize (decimal), with
/// the binary `KiB` forms too. `-1` means no limit (0).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if t == "-1" {
        return Ok(0);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| {
        format!("invalid size {s:?}: expected a number with an optional unit (k, m, g)")
    })?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "m" | "mb" => 1000 * 1000,
        "g" | "gb" => 1000 * 1000 * 1000,
        "kib" => 1024,
        "mib" => 1024 * 1024,
        "gib" => 1024 * 1024 * 1024,
        _ => return Err(format!("invalid size {s:?}: unknown unit {unit:?}")),
    };
    Ok((n * mult as f64) as u64)
}

/// go-units' HumanSize (`1MB`, `10.5kB`), as podman shows the log size limit.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1000.0 && i < UNITS.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}{}", UNITS[i])
}

/// The stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn as_str(&self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// conmon's timestamp: nanoseconds always nine digits, the zone as `+00:00`.
pub fn format_time(t: Timestamp) -> String {
    let base = t.rfc3339();
    let base = base.strip_suffix('Z').unwrap_or(&base);
    format!("{base}.{:09}+00:00", t.nanos)
}

/// The log lines for one read of `data`.
pub fn format_chunk(stream: Stream, data: &[u8], time: Timestamp) -> Vec<u8> {
    let stamp = format_time(time);
    let mut out = Vec::with_capacity(data.len() + 48);
    let mut rest = data;
    while !rest.is_empty() {
        let (line, tag, next) = match rest.iter().position(|b| *b == b'\n') {
            Some(i) => (&rest[..i], 'F', &rest[i + 1..]),
            None => (rest, 'P', &rest[rest.len()..]),
        };
        out.extend_from_slice(stamp.as_bytes());
        out.push(b' ');
        out.extend_from_slice(stream.as_str().as_bytes());
        out.push(b' ');
        out.push(tag as u8);
        out.push(b' ');
        out.extend_from_slice(line);
        out.push(b'\n');
        rest = next;
    }
    out
}

/// One parsed log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The timestamp as written.
    pub stamp: String,
    pub time: Timestamp,
    pub stream: Stream,
    /// `P`: the line continues in the next entry.
    pub partial: bool,
    pub text: Vec<u8>,
}

/// Parses one line (without its newline); `None` for anything malformed.
pub fn parse_line(line: &[u8]) -> Option<Entry> {
    let mut parts = line.splitn(4, |b| *b == b' ');
    let stamp = std::str::from_utf8(parts.next()?).ok()?;
    let stream = match parts.next()? {
        b"stdout" => Stream::Stdout,
        b"stderr" => Stream::Stderr,
        _ => return None,
    };
    let partial = match parts.next()? {
        b"F" => false,
        b"P" => true,
        _ => return None,
    };
    let text = parts.next().unwrap_or_default().to_vec();
    Some(Entry {
        time: Timestamp::parse(stamp)?,
        stamp: stamp.to_string(),
        stream,
        partial,
        text,
    })
}

/// Parses every complete line of `data`; returns the entries and how many bytes
/// they took (an unfinished last line is left for the next read).
pub fn parse_all(data: &[u8]) -> (Vec<Entry>, usize) {
    let mut entries = Vec::new();
    let mut used = 0;
    while let Some(i) = data[used..].iter().position(|b| *b == b'\n') {
        if let Some(e) = parse_line(&data[used..used + i]) {
            entries.push(e);
        }
        used += i + 1;
    }
    (entries, used)
}

/// Indexes into `entries` where the last `n` lines begin (a line being its `P`
/// pieces and the `F` that ends it); 0 keeps everything.
pub fn tail_start(entries: &[Entry], n: usize) -> usize {
    if n == 0 {
        return entries.len();
    }
    let mut lines = 0;
    let mut i = entries.len();
    // An unfinished line at the very end counts as one.
    while i > 0 {
        let e = &entries[i - 1];
        if !e.partial || i == entries.len() {
            if lines == n {
                return i;
            }
            lines += 1;
        }
        i -= 1;
    }
    0
}

/// Writes entries for a reader: pieces of one line joined, `timestamps` prefixing
/// each line with its first piece's stamp. `at_line_start` carries across calls.
pub fn render(
    entries: &[Entry],
    timestamps: bool,
    prefix: &str,
    at_line_start: &mut [bool; 2],
    mut out: impl FnMut(Stream, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    for e in entries {
        let slot = e.stream as usize;
        let mut buf = Vec::with_capacity(e.text.len() + 48);
        if at_line_start[slot] {
            buf.extend_from_slice(prefix.as_bytes());
            if timestamps {
                buf.extend_from_slice(e.stamp.as_bytes());
                buf.push(b' ');
            }
        }
        buf.extend_from_slice(&e.text);
        if !e.partial {
            buf.push(b'\n');
        }
        at_line_start[slot] = !e.partial;
        out(e.stream, &buf)?;
    }
    Ok(())
}

/// One container's log read as it grows: each read returns the complete lines
/// added since the last one. A log cut back by its size limit is read again from
/// its start.
#[derive(Debug)]
pub struct LogReader {
    path: PathBuf,
    offset: u64,
    carry: Vec<u8>,
}

impl LogReader {
    pub fn new(path: PathBuf) -> LogReader {
        LogReader {
            path,
            offset: 0,
            carry: Vec::new(),
        }
    }

    /// The complete lines added since the last read (none while there is no log).
    pub fn read_new(&mut self) -> io::Result<Vec<Entry>> {
        let mut file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let len = file.metadata()?.len();
        if len < self.offset {
            self.offset = 0;
            self.carry.clear();
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut data = std::mem::take(&mut self.carry);
        let read = file.take(len - self.offset).read_to_end(&mut data)?;
        self.offset += read as u64;
        let (entries, used) = parse_all(&data);
        self.carry = data[used..].to_vec();
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Timestamp {
        Timestamp {
            secs: 1_700_000_000,
            nanos: 5,
        }
    }

    #[test]
    fn chunks_become_full_and_partial_lines() {
        let out = format_chunk(Stream::Stdout, b"hello\nwor", t());
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "2023-11-14T22:13:20.000000005+00:00 stdout F hello\n\
             2023-11-14T22:13:20.000000005+00:00 stdout P wor\n"
        );
        let out = format_chunk(Stream::Stderr, b"\n", t());
        assert!(String::from_utf8(out).unwrap().ends_with("stderr F \n"));
        assert!(format_chunk(Stream::Stdout, b"", t()).is_empty());
    }

    #[test]
    fn parse_what_was_written() {
        let data = format_chunk(Stream::Stdout, b"a b\nc", t());
        let (entries, used) = parse_all(&data);
        assert_eq!(used, data.len());
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].text, b"a b");
        assert!(!entries[0].partial && entries[1].partial);
        assert_eq!(entries[0].time, t());
        let (none, used) = parse_all(b"2023-11-14T22:13:20Z stdout F unfinished");
        assert!(none.is_empty());
        assert_eq!(used, 0);
        assert!(parse_line(b"garbage").is_none());
    }

    #[test]
    fn tail_counts_whole_lines() {
        let mut data = format_chunk(Stream::Stdout, b"1\n2\n", t());
        data.extend(format_chunk(Stream::Stdout, b"3a", t()));
        data.extend(format_chunk(Stream::Stdout, b"3b\n4", t()));
        let (e, _) = parse_all(&data);
        // Entries: 1 F, 2 F, 3a P, 3b F, 4 P.
        assert_eq!(tail_start(&e, 1), 4);
        assert_eq!(tail_start(&e, 2), 2);
        assert_eq!(tail_start(&e, 3), 1);
        assert_eq!(tail_start(&e, 10), 0);
        assert_eq!(tail_start(&e, 0), e.len());
    }

    #[test]
    fn render_joins_pieces_and_stamps_lines() {
        let mut data = format_chunk(Stream::Stdout, b"ab", t());
        data.extend(format_chunk(Stream::Stdout, b"c\n", t()));
        data.extend(format_chunk(Stream::Stderr, b"err\n", t()));
        let (e, _) = parse_all(&data);
        let mut out = Vec::new();
        let mut err = Vec::new();
        let mut start = [true; 2];
        render(&e, true, "", &mut start, |s, b| {
            match s {
                Stream::Stdout => out.extend_from_slice(b),
                Stream::Stderr => err.extend_from_slice(b),
            }
            Ok(())
        })
        .unwrap();
        let stamp = format_time(t());
        assert_eq!(String::from_utf8(out).unwrap(), format!("{stamp} abc\n"));
        assert_eq!(String::from_utf8(err).unwrap(), format!("{stamp} err\n"));
    }

    #[test]
    fn options_and_sizes() {
        let mut c = LogConfig::default();
        c.apply_opt("max-size=10m").unwrap();
        assert_eq!(c.max_size, Some(10_000_000));
        assert!(c.apply_opt("max-file=3").is_err());
        assert!(c.apply_opt("max-size").is_err());
        assert_eq!(parse_size("512").unwrap(), 512);
        assert_eq!(parse_size("1.5k").unwrap(), 1500);
        assert_eq!(parse_size("2MiB").unwrap(), 2 * 1024 * 1024);
        assert!(parse_size("10x").is_err());
        assert_eq!(human_size(1_000_000), "1MB");
        assert_eq!(human_size(10_500), "10.5kB");
        assert_eq!(LogDriver::parse("none"), Ok(LogDriver::None));
        assert!(LogDriver::parse("journald").is_err());
        let json = serde_json::to_string(&LogConfig::default()).unwrap();
        assert_eq!(json, r#"{"driver":"k8s-file","max_size":null}"#);
    }
}
