//! The inverse of `unpack`: a layer directory back to a tar stream.
//!
//! [`replay`] rebuilds the original stream byte for byte from the tree and its
//! tar journal (so its sha256 is the layer's diff id again). [`pack_dir`]
//! writes a fresh, deterministic tar of any directory (a new layer from a
//! container's upper dir, or a layer without journal), turning overlay
//! whiteouts back into `.wh.NAME` entries and `user.overlay.opaque` into
//! `.wh..wh..opq`.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{openat, readlinkat, AtFlags, OFlag};
use nix::sys::stat::{fstat, fstatat, FileStat, Mode};
use thiserror::Error;

use super::tarsplit::{JournalReader, Record};
use super::xattrs;
use crate::inroot::tree::{OPAQUE_MARKER, WHITEOUT_PREFIX, XATTR_OPAQUE, XATTR_WHITEOUT};
use crate::inroot::walk::{carried_xattr, header, sorted_names, Links};
use crate::inroot::{fgetxattr, open_at_in_root, open_dir};

#[derive(Debug, Error)]
pub enum PackError {
    #[error("cannot read the tar journal {path}: {source}")]
    Journal {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "layer file {path} no longer matches the layer ({reason}): the layer cannot be \
         reproduced; remove the image and pull it again"
    )]
    Changed { path: String, reason: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write the tar stream: {0}")]
    Write(#[source] io::Error),
}

/// Writes the original tar stream of a layer from its tree `root` and `journal`.
/// Returns the number of bytes written.
pub fn replay(root: &Path, journal: &Path, mut out: impl Write) -> Result<u64, PackError> {
    let jerr = |source| PackError::Journal {
        path: journal.to_path_buf(),
        source,
    };
    let root_fd = nix::fcntl::open(
        root,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| PackError::Read {
        path: root.to_path_buf(),
        source: e.into(),
    })?;
    let mut reader = JournalReader::open(journal).map_err(jerr)?;
    let mut written = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    while let Some(record) = reader.next_record().map_err(jerr)? {
        match record {
            Record::Raw(bytes) => {
                out.write_all(&bytes).map_err(PackError::Write)?;
                written += bytes.len() as u64;
            }
            Record::File { size, path } => {
                let shown = String::from_utf8_lossy(&path).into_owned();
                let changed = |reason: String| PackError::Changed {
                    path: shown.clone(),
                    reason,
                };
                let fd = open_file_in(&root_fd, &path).map_err(|e| changed(e.to_string()))?;
                let mut file = File::from(fd);
                let mut left = size;
                while left > 0 {
                    let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let n = file
                        .read(&mut buf[..want])
                        .map_err(|e| changed(e.to_string()))?;
                    if n == 0 {
                        return Err(changed(format!("shorter than {size} bytes")));
                    }
                    out.write_all(&buf[..n]).map_err(PackError::Write)?;
                    left -= n as u64;
                }
                if file
                    .read(&mut buf[..1])
                    .map_err(|e| changed(e.to_string()))?
                    != 0
                {
                    return Err(changed(format!("longer than {size} bytes")));
                }
                written += size;
            }
        }
    }
    Ok(written)
}

/// Opens a regular file of the tree as extraction resolved it (symlinks inside the root).
fn open_file_in(root: &OwnedFd, path: &[u8]) -> Result<OwnedFd, Errno> {
    // O_NONBLOCK: a fifo put where a file was must not hang the export.
    let fd = open_at_in_root(
        root.as_fd(),
        OsStr::from_bytes(path),
        OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK,
    )?;
    let st = nix::sys::stat::fstat(&fd)?;
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err(Errno::EINVAL);
    }
    Ok(fd)
}

/// Writes a tar of everything under `dir` (entries sorted by name, so the same
/// tree always gives the same bytes), overlay whiteouts as `.wh.` entries.
/// The tree is read through directory fds and never through a symlink.
pub fn pack_dir(dir: &Path, out: impl Write) -> Result<(), PackError> {
    let root = open_dir(dir).map_err(|source| PackError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut packer = Packer {
        builder: tar::Builder::new(out),
        links: Links::default(),
        top: dir,
    };
    packer.builder.mode(tar::HeaderMode::Complete);
    packer.builder.follow_symlinks(false);
    packer.walk(root.as_fd(), Path::new(""))?;
    packer
        .builder
        .into_inner()
        .and_then(|mut w| w.flush())
        .map_err(PackError::Write)
}

struct Packer<'a, W: Write> {
    builder: tar::Builder<W>,
    /// First path seen of each multiply-linked file.
    links: Links,
    /// The tree's host path, for messages.
    top: &'a Path,
}

/// `name` in `dir` as a path the `l*xattr` calls take without following it.
fn at_path(dir: BorrowedFd<'_>, name: &OsStr) -> PathBuf {
    Path::new(&format!("/proc/self/fd/{}", dir.as_raw_fd())).join(name)
}

impl<W: Write> Packer<'_, W> {
    fn read_err(&self, rel: &Path) -> impl FnOnce(io::Error) -> PackError {
        let path = self.top.join(rel);
        move |source| PackError::Read { path, source }
    }

    fn walk(&mut self, dir: BorrowedFd<'_>, rel: &Path) -> Result<(), PackError> {
        let names = sorted_names(dir).map_err(self.read_err(rel))?;
        if !rel.as_os_str().is_empty() && is_opaque(dir) {
            let marker = rel.join(OsStr::from_bytes(OPAQUE_MARKER));
            let st = fstat(dir).map_err(|e| self.read_err(rel)(e.into()))?;
            self.append_empty(&marker, &st)?;
        }
        for name in names {
            let rel_path = rel.join(&name);
            let st = fstatat(dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW)
                .map_err(|e| self.read_err(&rel_path)(e.into()))?;
            if is_whiteout(dir, &name, &st) {
                let mut wh = WHITEOUT_PREFIX.to_vec();
                wh.extend_from_slice(name.as_bytes());
                self.append_empty(&rel.join(OsStr::from_bytes(&wh)), &st)?;
                continue;
            }
            self.append(dir, &name, &rel_path, &st)?;
            if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
                let sub = openat(
                    dir,
                    name.as_os_str(),
                    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(|e| self.read_err(&rel_path)(e.into()))?;
                self.walk(sub.as_fd(), &rel_path)?;
            }
        }
        Ok(())
    }

    fn append(
        &mut self,
        dir: BorrowedFd<'_>,
        name: &OsStr,
        rel: &Path,
        st: &FileStat,
    ) -> Result<(), PackError> {
        let werr = PackError::Write;
        let (kind, mut header) = layer_header(st);
        self.append_xattrs(dir, name)?;
        if kind == tar::EntryType::Regular {
            if let Some(first) = self.links.seen(st, rel) {
                header.set_entry_type(tar::EntryType::Link);
                header.set_size(0);
                return self
                    .builder
                    .append_link(&mut header, rel, &first)
                    .map_err(werr);
            }
            let fd = openat(
                dir,
                name,
                OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| self.read_err(rel)(e.into()))?;
            return self
                .builder
                .append_data(&mut header, rel, File::from(fd))
                .map_err(werr);
        }
        match kind {
            tar::EntryType::Symlink => {
                let target = readlinkat(dir, name).map_err(|e| self.read_err(rel)(e.into()))?;
                self.builder
                    .append_link(&mut header, rel, Path::new(&target))
                    .map_err(werr)
            }
            tar::EntryType::Directory => {
                let mut name = rel.as_os_str().to_owned();
                name.push("/");
                self.builder
                    .append_data(&mut header, Path::new(&name), io::empty())
                    .map_err(werr)
            }
            _ => self
                .builder
                .append_data(&mut header, rel, io::empty())
                .map_err(werr),
        }
    }

    fn append_empty(&mut self, rel: &Path, like: &FileStat) -> Result<(), PackError> {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(0);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(u64::try_from(like.st_mtime).unwrap_or(0));
        self.builder
            .append_data(&mut header, rel, io::empty())
            .map_err(PackError::Write)
    }

    /// Xattrs worth carrying in a layer, as PAX `SCHILY.xattr.` records.
    fn append_xattrs(&mut self, dir: BorrowedFd<'_>, name: &OsStr) -> Result<(), PackError> {
        let path = at_path(dir, name);
        let names = xattrs::list(&path).unwrap_or_default();
        let mut items: Vec<(String, Vec<u8>)> = Vec::new();
        for name in names {
            if !carried_xattr(&name) {
                continue;
            }
            let Ok(name) = String::from_utf8(name) else {
                continue;
            };
            if let Ok(Some(value)) = xattrs::get(&path, &name) {
                items.push((format!("SCHILY.xattr.{name}"), value));
            }
        }
        if items.is_empty() {
            return Ok(());
        }
        items.sort();
        self.builder
            .append_pax_extensions(items.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
            .map_err(PackError::Write)
    }
}

/// The header of a layer entry: type, mode, owner and mtime from `st`, the
/// size of a regular file, device numbers written as zero fields (as this
/// writer always has).
fn layer_header(st: &FileStat) -> (tar::EntryType, tar::Header) {
    let kind = match st.st_mode & libc::S_IFMT {
        libc::S_IFREG => tar::EntryType::Regular,
        libc::S_IFLNK => tar::EntryType::Symlink,
        libc::S_IFCHR => tar::EntryType::Char,
        libc::S_IFBLK => tar::EntryType::Block,
        libc::S_IFDIR => tar::EntryType::Directory,
        libc::S_IFIFO => tar::EntryType::Fifo,
        _ => tar::EntryType::new(b' '),
    };
    let mut h = header(st, kind);
    if kind == tar::EntryType::Regular {
        h.set_size(st.st_size.max(0) as u64);
    }
    if let Some(gnu) = h.as_gnu_mut() {
        gnu.set_device_major(0);
        gnu.set_device_minor(0);
    }
    (kind, h)
}

fn is_whiteout(dir: BorrowedFd<'_>, name: &OsStr, st: &FileStat) -> bool {
    let kind = st.st_mode & libc::S_IFMT;
    (kind == libc::S_IFCHR && st.st_rdev == 0)
        || (kind == libc::S_IFREG
            && st.st_size == 0
            && xattrs::get(&at_path(dir, name), XATTR_WHITEOUT)
                .ok()
                .flatten()
                .is_some())
}

fn is_opaque(dir: BorrowedFd<'_>) -> bool {
    fgetxattr(dir, XATTR_OPAQUE)
        .ok()
        .flatten()
        .is_some_and(|v| v == b"y")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::digest::Digest;
    use crate::image::unpack::tests::{Scene, Tar};
    use crate::image::unpack::{unpack, UnpackOptions};
    use std::fs;
    use std::os::unix::fs::{FileTypeExt, MetadataExt};

    fn fixture() -> Vec<u8> {
        let mut t = Tar::new();
        t.dir("etc", 0o755)
            .file_full("etc/suid", b"#!/bin/sh\n", 0o4755, 0, 0, 1_500_000_000)
            .hardlink("etc/again", "etc/suid")
            .symlink("etc/link", "/etc/suid")
            .pax(&[("SCHILY.xattr.user.k", b"v")])
            .file("x", b"with xattr")
            .file(&format!("{}/long", "n".repeat(120)), b"long name")
            .file("gone/.wh.f", b"")
            .dir("opq", 0o700)
            .file("opq/.wh..wh..opq", b"")
            .file("opq/in", &vec![3u8; 70_000]);
        let mut data = t.bytes();
        // Some writers leave extra zero blocks; they are part of the diff id too.
        data.extend_from_slice(&[0u8; 1024]);
        data
    }

    #[test]
    fn layer_headers_are_those_of_the_tar_crates_metadata() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        fs::create_dir(d.join("dir")).unwrap();
        fs::write(d.join("file"), b"12345").unwrap();
        std::os::unix::fs::symlink("file", d.join("link")).unwrap();
        nix::unistd::mkfifo(&d.join("fifo"), Mode::from_bits_truncate(0o640)).unwrap();
        for name in ["dir", "file", "link", "fifo"] {
            let path = d.join(name);
            let meta = fs::symlink_metadata(&path).unwrap();
            let mut want = tar::Header::new_gnu();
            want.set_metadata_in_mode(&meta, tar::HeaderMode::Complete);
            want.set_uid(u64::from(meta.uid()));
            want.set_gid(u64::from(meta.gid()));
            want.set_mtime(u64::try_from(meta.mtime()).unwrap_or(0));
            want.set_mode(meta.mode() & 0o7777);
            if meta.file_type().is_symlink() || meta.file_type().is_fifo() {
                want.set_size(0);
            }
            let st = fstatat(nix::fcntl::AT_FDCWD, &path, AtFlags::AT_SYMLINK_NOFOLLOW).unwrap();
            let (_, got) = layer_header(&st);
            assert_eq!(got.as_bytes()[..], want.as_bytes()[..], "{name}");
        }
    }

    #[test]
    fn replay_reproduces_the_exact_stream() {
        if !nix::unistd::geteuid().is_root() {
            return; // the fixture has root-owned files
        }
        let data = fixture();
        let s = Scene::new();
        let journal = s.base.join("journal");
        let opts = UnpackOptions {
            media_type: None,
            journal: Some(journal.clone()),
            ..UnpackOptions::default()
        };
        let stats = unpack(&data[..], &s.dest, &opts).unwrap();
        let mut out = Vec::new();
        let n = replay(&s.dest, &journal, &mut out).unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(Digest::of(&out), stats.diff_id);
        assert!(out == data);

        // A changed file is detected instead of yielding a different stream.
        fs::write(s.dest.join("x"), b"changed!").unwrap();
        let err = replay(&s.dest, &journal, io::sink()).unwrap_err();
        assert!(matches!(err, PackError::Changed { .. }), "{err}");
    }

    #[test]
    fn pack_dir_roundtrips_whiteouts_opaque_links_and_xattrs() {
        if !nix::unistd::geteuid().is_root() {
            return;
        }
        let s = Scene::new();
        unpack(&fixture()[..], &s.dest, &UnpackOptions::default()).unwrap();
        let mut tar = Vec::new();
        pack_dir(&s.dest, &mut tar).unwrap();
        let mut again = Vec::new();
        pack_dir(&s.dest, &mut again).unwrap();
        assert!(tar == again, "packing is deterministic");

        let names: Vec<String> = tar::Archive::new(&tar[..])
            .entries()
            .unwrap()
            .map(|e| String::from_utf8_lossy(&e.unwrap().path_bytes()).into_owned())
            .collect();
        assert!(names.contains(&"gone/.wh.f".to_string()), "{names:?}");
        assert!(names.contains(&"opq/.wh..wh..opq".to_string()), "{names:?}");

        let s2 = Scene::new();
        let stats = unpack(&tar[..], &s2.dest, &UnpackOptions::default()).unwrap();
        assert_eq!(stats.counts.whiteouts, 1);
        assert_eq!(stats.counts.opaque_dirs, 1);
        assert_eq!(stats.counts.hardlinks, 1);
        let a = fs::metadata(s2.dest.join("etc/suid")).unwrap();
        assert_eq!(a.mode() & 0o7777, 0o4755);
        assert_eq!(a.nlink(), 2);
        assert_eq!(
            xattrs::get(&s2.dest.join("x"), "user.k").unwrap(),
            Some(b"v".to_vec())
        );
        assert_eq!(
            fs::read_link(s2.dest.join("etc/link")).unwrap(),
            Path::new("/etc/suid")
        );
        assert_eq!(fs::read(s2.dest.join("opq/in")).unwrap().len(), 70_000);
        let long = s2.dest.join("n".repeat(120)).join("long");
        assert_eq!(fs::read(long).unwrap(), b"long name");
    }
}
