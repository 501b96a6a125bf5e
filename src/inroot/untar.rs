//! Extracting a tar stream under a root: each entry's path is cleaned as the
//! writer's [`Policy`](super::Policy) says (`..` clamped or refused, a leading
//! `/` meaning the root) and handed to the [`TreeWriter`] with its metadata.

use std::io::Read;

use nix::sys::stat::makedev;
use nix::sys::time::TimeSpec;

use super::clean;
use super::tree::{InRootError, Meta, Node, Op, TreeWriter};

/// Watches file contents go by, for a caller that keeps a journal of the
/// stream (the layer store records where each file's bytes went).
pub trait Observer {
    /// A regular file's `size` bytes are about to be read for `rel`;
    /// `expanded` when the reader rebuilds them (GNU sparse), so they are
    /// not the stream's bytes.
    fn file(&mut self, _rel: &[&[u8]], _size: u64, _expanded: bool) -> std::io::Result<()> {
        Ok(())
    }
    /// The file's bytes have been read.
    fn file_done(&mut self) {}
}

/// An observer that does nothing.
pub struct Unobserved;

impl Observer for Unobserved {}

/// Extracts the tar read from `reader` into `writer`, then sets directory
/// times. Nothing is written outside the writer's root whatever the tar
/// holds; on error what was written stays for the caller to discard.
pub fn extract_tar<R: Read>(
    reader: R,
    writer: &mut TreeWriter,
    observer: &mut dyn Observer,
) -> Result<(), InRootError> {
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().map_err(InRootError::Archive)? {
        let mut entry = entry.map_err(InRootError::Archive)?;
        put_entry(&mut entry, writer, observer)?;
    }
    writer.finish()
}

fn put_entry<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    writer: &mut TreeWriter,
    observer: &mut dyn Observer,
) -> Result<(), InRootError> {
    let raw = entry.path_bytes().into_owned();
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let dotdot = writer.policy().dotdot;
    let rel = clean(&raw, dotdot).ok_or_else(|| InRootError::Escape { entry: lossy(&raw) })?;
    writer.counts.entries += 1;
    let kind = entry.header().entry_type();
    let meta = read_meta(entry, writer).map_err(InRootError::Archive)?;
    use tar::EntryType as T;
    match kind {
        // The reader expands GNU sparse entries to their full content.
        T::Regular | T::Continuous | T::GNUSparse => {
            let observed = !rel.is_empty() && !writer.is_whiteout(&rel);
            if observed {
                observer
                    .file(&rel, entry.size(), kind == T::GNUSparse)
                    .map_err(|source| InRootError::Io {
                        entry: lossy(&raw),
                        rel: lossy(&rel.join(&b'/')),
                        op: Op::WriteFile,
                        source,
                    })?;
            }
            let result = writer.put(&raw, &rel, Node::File(entry), &meta);
            if observed {
                observer.file_done();
            }
            result
        }
        T::Directory => writer.put(&raw, &rel, Node::Dir, &meta),
        T::Symlink => {
            let target = entry.link_name_bytes().unwrap_or_default().into_owned();
            writer.put(&raw, &rel, Node::Symlink(&target), &meta)
        }
        T::Link => {
            let target = entry.link_name_bytes().unwrap_or_default().into_owned();
            let tcomps = clean(&target, dotdot).unwrap_or_default();
            if tcomps.is_empty() {
                return Err(InRootError::LinkEscape {
                    entry: lossy(&raw),
                    target: lossy(&target),
                });
            }
            writer.put(&raw, &rel, Node::HardLink(&tcomps), &meta)
        }
        T::Char | T::Block | T::Fifo => {
            let h = entry.header();
            let dev = makedev(
                h.device_major().ok().flatten().unwrap_or(0).into(),
                h.device_minor().ok().flatten().unwrap_or(0).into(),
            );
            let node = match kind {
                T::Char => Node::Char(dev),
                T::Block => Node::Block(dev),
                _ => Node::Fifo,
            };
            writer.put(&raw, &rel, node, &meta)
        }
        // Extended headers are read by the tar reader; anything else is not a file.
        other => {
            log::debug!("skipping entry {} of tar type {other:?}", lossy(&raw));
            Ok(())
        }
    }
}

fn read_meta<R: Read>(entry: &mut tar::Entry<'_, R>, writer: &TreeWriter) -> std::io::Result<Meta> {
    let h = entry.header();
    let mtime_secs = h.mtime().unwrap_or(0) as i64;
    let mut meta = Meta {
        uid: h.uid().unwrap_or(0),
        gid: h.gid().unwrap_or(0),
        mode: h.mode().unwrap_or(0o644) & 0o7777,
        mtime: TimeSpec::new(mtime_secs, 0),
        atime: TimeSpec::new(mtime_secs, 0),
        xattrs: Vec::new(),
    };
    let policy = writer.policy();
    let xattrs = policy.xattrs != super::tree::Xattrs::Skip;
    if !xattrs && !policy.pax_times {
        return Ok(meta);
    }
    let mut atime = None;
    if let Some(pax) = entry.pax_extensions()? {
        for ext in pax.flatten() {
            let key = ext.key_bytes();
            if let Some(name) = key.strip_prefix(b"SCHILY.xattr.") {
                if xattrs {
                    meta.xattrs
                        .push((name.to_vec(), ext.value_bytes().to_vec()));
                }
            } else if key == b"mtime" && policy.pax_times {
                if let Some(t) = ext.value().ok().and_then(pax_time) {
                    meta.mtime = t;
                }
            } else if key == b"atime" && policy.pax_times {
                atime = ext.value().ok().and_then(pax_time);
            }
        }
    }
    meta.atime = atime.unwrap_or(meta.mtime);
    Ok(meta)
}

/// A PAX time: decimal seconds with an optional fraction (`1700000000.5`).
fn pax_time(s: &str) -> Option<TimeSpec> {
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    let secs: i64 = secs.parse().ok()?;
    let mut nanos: i64 = 0;
    for (i, c) in frac.chars().take(9).enumerate() {
        nanos += i64::from(c.to_digit(10)?) * 10i64.pow(8 - i as u32);
    }
    // A negative time with a fraction counts the fraction away from zero.
    if secs < 0 && nanos > 0 {
        return Some(TimeSpec::new(secs - 1, 1_000_000_000 - nanos));
    }
    Some(TimeSpec::new(secs, nanos))
}
