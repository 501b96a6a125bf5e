//! `ADD http(s)://…`: the file is downloaded into a temporary file on the
//! host, hashed on the way, and named after the last segment of the URL's
//! path, as Docker does. Downloads are never extracted.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{CopyError, Source, SourceKind};
use crate::base::digest::HashingReader;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// A stalled server fails the build instead of hanging it.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// A downloaded file, deleted when dropped.
#[derive(Debug)]
pub struct Download {
    path: PathBuf,
}

impl Download {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Download {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

pub(super) fn is_url(word: &str) -> bool {
    let lower = word.get(..8).unwrap_or(word).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The URL's path without query and fragment, percent-decoded.
fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    percent_decode(path)
}

fn percent_decode(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(hi), Some(lo)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) const NO_FILE_NAME: &str =
    "cannot determine a file name from the URL: name the destination file";

/// The file name Docker gives a download: the base of the URL's path.
pub(super) fn file_name(url: &str) -> Option<String> {
    let path = url_path(url);
    let base = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if base.is_empty() || base == "." || base == ".." || path.ends_with('/') {
        return None;
    }
    Some(base.to_string())
}

/// Downloads `url` into `temp_dir` (the system's when `None`). The URL must
/// name a file when the download goes `into_dir`; otherwise the destination
/// names it and an unnamed download gets an empty name.
pub(super) fn download(
    op: &'static str,
    url: &str,
    temp_dir: Option<&Path>,
    into_dir: bool,
) -> Result<(Source, Download), CopyError> {
    let fail = |reason: String| CopyError::Download {
        op,
        url: url.to_string(),
        reason,
    };
    let name = match file_name(url) {
        Some(name) => name,
        None if !into_dir => String::new(),
        None => return Err(fail(NO_FILE_NAME.into())),
    };
    let mut config = ureq::Agent::config_builder()
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_recv_response(Some(READ_TIMEOUT))
        .timeout_per_read(Some(READ_TIMEOUT))
        .user_agent(concat!("rpod/", env!("CARGO_PKG_VERSION")));
    if is_loopback_url(url) {
        // A proxy from the environment never applies to loopback.
        config = config.proxy(None);
    }
    let agent: ureq::Agent = config.build().into();
    let response = agent.get(url).call().map_err(|e| fail(e.to_string()))?;
    let mtime = response
        .headers()
        .get("last-modified")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date);

    let dir = temp_dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let (file, path) = temp_file(&dir).map_err(|e| {
        fail(format!(
            "cannot create a temporary file in {}: {e}",
            dir.display()
        ))
    })?;
    let download = Download { path };
    let mut hashing = HashingReader::new(response.into_body().into_reader());
    let mut out = io::BufWriter::new(file);
    io::copy(&mut hashing, &mut out).map_err(|e| fail(e.to_string()))?;
    out.flush().map_err(|e| fail(e.to_string()))?;
    let (digest, _) = hashing.finish().map_err(|e| fail(e.to_string()))?;
    let source = Source {
        word: url.to_string(),
        name,
        kind: SourceKind::Url {
            path: download.path.clone(),
            digest,
            mtime,
        },
    };
    Ok((source, download))
}

fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(r) => r.split(']').next().unwrap_or(r),
        None => host_port.split(':').next().unwrap_or(host_port),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A new file only this user can read, with a name no one else picked.
fn temp_file(dir: &Path) -> io::Result<(File, PathBuf)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".rpod-add-{}-{nanos:x}-{n}", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(f) => return Ok((f, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::from(io::ErrorKind::AlreadyExists))
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 7231's preferred form)
/// as seconds since the epoch.
pub(super) fn parse_http_date(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, month, year, time, zone] = parts.as_slice() else {
        return None;
    };
    if *zone != "GMT" && *zone != "UTC" {
        return None;
    }
    let day: i64 = day.parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m.eq_ignore_ascii_case(month))? as i64
        + 1;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, sec] = hms.as_slice() else {
        return None;
    };
    if !(1..=31).contains(&day) || *h > 23 || *m > 59 || *sec > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86400 + h * 3600 + m * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}
