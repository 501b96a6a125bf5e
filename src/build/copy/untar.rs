//! `ADD` of a local archive: a tar, plain or compressed (gzip, zstd, bzip2,
//! xz), is extracted into the destination directory as Docker does, which
//! treats that directory as the archive's `/`: entry paths are cleaned (`..`
//! may not climb out, that fails the `ADD`), parents are opened with
//! `RESOLVE_IN_ROOT` from the destination's fd, so a symlink the archive (or
//! the image) planted is followed only inside it, and last components are
//! never followed. Entries keep the archive's owners unless `--chown` is
//! given, and `.wh.*` names are plain files here, as in Docker's `ADD`.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nix::fcntl::{openat, AtFlags, OFlag};
use nix::sys::stat::{fchmodat, mkdirat, utimensat, FchmodatFlags, Mode, UtimensatFlags};
use nix::sys::time::TimeSpec;
use nix::unistd::{linkat, mkfifoat, symlinkat};

use super::write::Writer;
use super::CopyError;
use crate::image::compression;

const BZIP2_MAGIC: &[u8] = b"BZh";
const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0];

/// The archive at `path`, decompressed as its first bytes say: gzip, zstd,
/// bzip2, xz or none, the formats Docker's `ADD` knows.
fn open_archive(path: &Path) -> io::Result<Box<dyn Read>> {
    let mut file = BufReader::new(File::open(path)?);
    let head = file.fill_buf()?;
    if head.starts_with(BZIP2_MAGIC) {
        return Ok(Box::new(bzip2::bufread::MultiBzDecoder::new(file)));
    }
    if head.starts_with(XZ_MAGIC) {
        return Ok(Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(
            file,
        )));
    }
    Ok(compression::decompress(file, None)?.0)
}

/// Whether `path` is an archive `ADD` extracts: a tar once decompressed.
pub(super) fn is_archive(path: &Path) -> bool {
    let Ok(reader) = open_archive(path) else {
        return false;
    };
    let mut archive = tar::Archive::new(reader);
    let Ok(mut entries) = archive.entries() else {
        return false;
    };
    matches!(entries.next(), Some(Ok(_)))
}

/// Splits an entry path into components below the destination: `/` and `.`
/// vanish, `..` removes the previous one; `None` if it would climb out.
fn clean(path: &[u8]) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for c in path.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                out.pop()?;
            }
            c => out.push(String::from_utf8_lossy(c).into_owned()),
        }
    }
    Some(out)
}

/// Extracts the archive at `path` into the directory `dest`. With `owner`
/// (`--chown`) every entry gets it, else the archive's own ids.
pub(super) fn extract(
    op: &'static str,
    word: &str,
    path: &Path,
    dest: OwnedFd,
    owner: Option<(u32, u32)>,
) -> Result<(), CopyError> {
    let fail = |reason: String| CopyError::Archive {
        op,
        archive: word.to_string(),
        reason,
    };
    let reader = open_archive(path).map_err(|e| fail(e.to_string()))?;
    let mut archive = tar::Archive::new(reader);
    let mut w = Writer::new(op, dest, owner.unwrap_or((0, 0)), None);
    w.lenient_owner = owner.is_none();
    for entry in archive.entries().map_err(|e| fail(e.to_string()))? {
        let mut entry = entry.map_err(|e| fail(e.to_string()))?;
        let raw = entry.path_bytes().into_owned();
        let escape = || {
            fail(format!(
                "entry {:?} points outside the destination",
                String::from_utf8_lossy(&raw)
            ))
        };
        let comps = clean(&raw).ok_or_else(escape)?;
        let Some((name, _)) = comps.split_last() else {
            continue;
        };
        let name = OsStr::from_bytes(name.as_bytes());
        let header = entry.header();
        let kind = header.entry_type();
        let mode = header.mode().unwrap_or(0o644) & 0o7777;
        let mtime = (header.mtime().unwrap_or(0) as i64, 0);
        let ts = TimeSpec::new(mtime.0, 0);
        if owner.is_none() {
            w.uid = header
                .uid()
                .ok()
                .and_then(|u| u32::try_from(u).ok())
                .unwrap_or(0);
            w.gid = header
                .gid()
                .ok()
                .and_then(|g| u32::try_from(g).ok())
                .unwrap_or(0);
        }
        let link = entry.link_name_bytes().map(|l| l.into_owned());
        use tar::EntryType as T;
        match kind {
            T::Regular | T::Continuous => {
                let (pfd, _) = w.parent_of(&comps)?;
                w.file(
                    pfd.as_fd(),
                    name,
                    &comps,
                    &mut entry as &mut dyn Read,
                    mode,
                    mtime,
                )?;
            }
            T::Directory => {
                let (pfd, _) = w.parent_of(&comps)?;
                let pfd = pfd.as_fd();
                if !w.clear(pfd, name, &comps, true)? {
                    mkdirat(pfd, name, Mode::from_bits_truncate(0o700))
                        .map_err(w.errno(&comps, "create directory"))?;
                }
                let fd = openat(
                    pfd,
                    name,
                    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(w.errno(&comps, "open directory"))?;
                w.set_meta_fd(fd.as_fd(), mode, &comps)?;
                w.dir_times.push((comps.clone(), mtime));
            }
            T::Symlink => {
                let target = link.unwrap_or_default();
                let (pfd, _) = w.parent_of(&comps)?;
                let pfd = pfd.as_fd();
                w.clear(pfd, name, &comps, false)?;
                symlinkat(OsStr::from_bytes(&target), pfd, name)
                    .map_err(w.errno(&comps, "create symlink"))?;
                w.own_at(pfd, name, &comps)?;
                utimensat(pfd, name, &ts, &ts, UtimensatFlags::NoFollowSymlink)
                    .map_err(w.errno(&comps, "set times"))?;
            }
            T::Link => {
                let target = link.unwrap_or_default();
                let tcomps = clean(&target).ok_or_else(escape)?;
                let Some((tname, tparent)) = tcomps.split_last() else {
                    return Err(escape());
                };
                let tfd = w
                    .open_in(tparent)
                    .map_err(w.errno(&comps, "create hard link"))?;
                let (pfd, _) = w.parent_of(&comps)?;
                let pfd = pfd.as_fd();
                w.clear(pfd, name, &comps, false)?;
                linkat(
                    &tfd,
                    OsStr::from_bytes(tname.as_bytes()),
                    pfd,
                    name,
                    AtFlags::empty(),
                )
                .map_err(w.errno(&comps, "create hard link"))?;
            }
            T::Fifo => {
                let (pfd, _) = w.parent_of(&comps)?;
                let pfd = pfd.as_fd();
                w.clear(pfd, name, &comps, false)?;
                mkfifoat(pfd, name, Mode::from_bits_truncate(0o600))
                    .map_err(w.errno(&comps, "create fifo"))?;
                w.own_at(pfd, name, &comps)?;
                fchmodat(
                    pfd,
                    name,
                    Mode::from_bits_truncate(mode),
                    FchmodatFlags::FollowSymlink,
                )
                .map_err(w.errno(&comps, "set mode"))?;
                utimensat(pfd, name, &ts, &ts, UtimensatFlags::NoFollowSymlink)
                    .map_err(w.errno(&comps, "set times"))?;
            }
            other => {
                // Device nodes cannot be made in a user namespace; Docker's
                // rootless ADD skips them too.
                log::debug!(
                    "ADD {word}: skipping entry {} of tar type {other:?}",
                    String::from_utf8_lossy(&raw)
                );
            }
        }
    }
    w.apply_dir_times()
}
