//! Copying a directory tree into a volume with everything that makes it the same
//! tree: owners, modes (setuid included), symlinks, hard links, fifos, xattrs and
//! times; and changing the owner of a whole tree (`:U`). The source is read
//! through directory fds and the copy written through [`crate::inroot`], never
//! following a symlink, so a tree cannot redirect the copy.
//!
//! Run as root of the user namespace, so that every owner can be set and every
//! file read.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{openat, readlinkat, AtFlags, OFlag};
use nix::sys::stat::{fstatat, Mode, SFlag};
use nix::sys::time::TimeSpec;

use crate::inroot::tree::{Owners, Replace, Unmapped, Whiteouts, Xattrs};
use crate::inroot::walk::{carried_xattrs, entries, Links};
use crate::inroot::{DotDot, InRootError, Meta, Node, Op, Policy, Root, TreeWriter};

pub use crate::inroot::chown_tree;

/// What a copy did, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CopyStats {
    pub entries: u64,
    pub bytes: u64,
    /// Device nodes and sockets, which a user namespace cannot make.
    pub skipped: u64,
}

fn err(op: &str, name: &OsStr, e: impl Into<io::Error>) -> io::Error {
    let e: io::Error = e.into();
    io::Error::new(
        e.kind(),
        format!("{op} {}: {e}", PathBuf::from(name).display()),
    )
}

fn open_dir_at(parent: BorrowedFd<'_>, name: &OsStr) -> nix::Result<OwnedFd> {
    openat(
        parent,
        name,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
}

/// How the copy writes: everything as the source has it, into an empty
/// target (nothing there is replaced).
fn policy() -> Policy {
    Policy {
        dotdot: DotDot::Refuse,
        whiteouts: Whiteouts::Plain,
        owners: Owners::Archive,
        unmapped: Unmapped::Fail,
        parents_owned: false,
        through_dangling: false,
        replace: Replace::Never,
        devices: true,
        xattrs: Xattrs::Apply,
        pax_times: false,
        strict_times: false,
        search_only: false,
        root_meta: false,
    }
}

/// The copy's wording of a failed step, naming the entry as before.
fn write_error(e: InRootError) -> io::Error {
    match e {
        InRootError::Io {
            rel, op, source, ..
        } => {
            let what = match op {
                Op::CreateDir => "creating directory",
                Op::CreateFile | Op::CreateNode => "creating",
                Op::WriteFile => "copying",
                Op::CreateSymlink => "creating link",
                Op::CreateHardLink => "linking",
                Op::SetOwner => "setting the owner of",
                Op::SetMode => "setting the mode of",
                other => other.words(),
            };
            let name = rel.rsplit('/').next().unwrap_or_default();
            err(what, OsStr::new(name), source)
        }
        InRootError::Unmapped { rel, .. } => {
            let name = rel.rsplit('/').next().unwrap_or_default();
            err("setting the owner of", OsStr::new(name), Errno::EINVAL)
        }
        other => io::Error::other(other.to_string()),
    }
}

/// Copies the content of `src` (a directory) into `dst` (an existing directory);
/// `dst` itself keeps its owner and mode.
pub fn copy_tree(src: BorrowedFd<'_>, dst: BorrowedFd<'_>) -> io::Result<CopyStats> {
    let root = Root::from_fd(dst.try_clone_to_owned()?);
    let mut c = Copier {
        links: Links::default(),
        stats: CopyStats::default(),
        writer: TreeWriter::new(root, &[], policy()),
    };
    c.copy_dir(src, Path::new(""))?;
    c.writer.finish().map_err(write_error)?;
    c.stats.bytes = c.writer.counts.bytes;
    c.stats.skipped += c.writer.counts.skipped_devices;
    Ok(c.stats)
}

struct Copier {
    /// Files with several links → their copy's path under the root.
    links: Links,
    stats: CopyStats,
    writer: TreeWriter,
}

impl Copier {
    fn copy_dir(&mut self, src: BorrowedFd<'_>, rel: &Path) -> io::Result<()> {
        for (name, _) in entries(src)? {
            self.copy_entry(src, &name, &rel.join(&name))?;
        }
        Ok(())
    }

    fn put(&mut self, rel: &Path, node: Node<'_>, meta: &Meta) -> io::Result<()> {
        let raw = rel.as_os_str().as_bytes();
        let comps: Vec<&[u8]> = raw.split(|&b| b == b'/').collect();
        self.writer
            .put(raw, &comps, node, meta)
            .map_err(write_error)
    }

    fn copy_entry(&mut self, src: BorrowedFd<'_>, name: &OsStr, rel: &Path) -> io::Result<()> {
        let st = fstatat(src, name, AtFlags::AT_SYMLINK_NOFOLLOW)
            .map_err(|e| err("reading", name, e))?;
        let kind = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
        let mut meta = Meta {
            uid: st.st_uid.into(),
            gid: st.st_gid.into(),
            mode: st.st_mode & 0o7777,
            atime: TimeSpec::new(st.st_atime, st.st_atime_nsec),
            mtime: TimeSpec::new(st.st_mtime, st.st_mtime_nsec),
            xattrs: Vec::new(),
        };
        self.stats.entries += 1;
        // A device node may be skipped: another name for it has nothing to link to.
        let device = kind == SFlag::S_IFCHR || kind == SFlag::S_IFBLK;
        if kind != SFlag::S_IFDIR && !device {
            if let Some(first) = self.links.seen(&st, rel) {
                let first = first.as_os_str().as_bytes();
                let target: Vec<&[u8]> = first.split(|&b| b == b'/').collect();
                return self.put(rel, Node::HardLink(&target), &meta);
            }
        }
        match kind {
            SFlag::S_IFDIR => {
                let s = open_dir_at(src, name).map_err(|e| err("opening", name, e))?;
                meta.xattrs = carried_xattrs(s.as_fd());
                self.put(rel, Node::Dir, &meta)?;
                self.copy_dir(s.as_fd(), rel)?;
            }
            SFlag::S_IFREG => {
                let s = openat(
                    src,
                    name,
                    OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(|e| err("opening", name, e))?;
                meta.xattrs = carried_xattrs(s.as_fd());
                let mut s = File::from(s);
                self.put(rel, Node::File(&mut s), &meta)?;
            }
            SFlag::S_IFLNK => {
                let target = readlinkat(src, name).map_err(|e| err("reading link", name, e))?;
                self.put(rel, Node::Symlink(target.as_bytes()), &meta)?;
            }
            SFlag::S_IFIFO => self.put(rel, Node::Fifo, &meta)?,
            SFlag::S_IFCHR => self.put(rel, Node::Char(st.st_rdev), &meta)?,
            SFlag::S_IFBLK => self.put(rel, Node::Block(st.st_rdev), &meta)?,
            _ => {
                log::debug!("skipping socket {}", rel.display());
                self.stats.skipped += 1;
            }
        }
        Ok(())
    }
}

/// Whether a directory has no entries.
pub fn is_empty_dir(dir: BorrowedFd<'_>) -> io::Result<bool> {
    Ok(entries(dir)?.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::path::Path;

    fn open(p: &Path) -> OwnedFd {
        nix::fcntl::open(p, OFlag::O_RDONLY | OFlag::O_DIRECTORY, Mode::empty()).unwrap()
    }

    #[test]
    fn copies_a_tree_with_links_modes_and_times() {
        let src = tempfile::tempdir().unwrap();
        let dst = tempfile::tempdir().unwrap();
        let s = src.path();
        fs::create_dir_all(s.join("a/b")).unwrap();
        fs::write(s.join("a/b/file"), "hello").unwrap();
        fs::set_permissions(s.join("a/b/file"), fs::Permissions::from_mode(0o640)).unwrap();
        fs::write(s.join("exe"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(s.join("exe"), fs::Permissions::from_mode(0o751)).unwrap();
        fs::hard_link(s.join("a/b/file"), s.join("hard")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", s.join("abs-link")).unwrap();
        std::os::unix::fs::symlink("a/b", s.join("rel-link")).unwrap();
        nix::unistd::mkfifo(&s.join("fifo"), Mode::from_bits_truncate(0o600)).unwrap();
        fs::set_permissions(s.join("fifo"), fs::Permissions::from_mode(0o620)).unwrap();
        fs::set_permissions(s.join("a"), fs::Permissions::from_mode(0o750)).unwrap();
        let old = TimeSpec::new(1_000_000, 0);
        nix::sys::stat::utimensat(
            nix::fcntl::AT_FDCWD,
            &s.join("exe"),
            &old,
            &old,
            nix::sys::stat::UtimensatFlags::NoFollowSymlink,
        )
        .unwrap();

        let stats = copy_tree(open(s).as_fd(), open(dst.path()).as_fd()).unwrap();
        let d = dst.path();
        assert_eq!(fs::read_to_string(d.join("a/b/file")).unwrap(), "hello");
        let mode = |p: &str| fs::symlink_metadata(d.join(p)).unwrap().mode() & 0o7777;
        assert_eq!(mode("a/b/file"), 0o640);
        assert_eq!(mode("exe"), 0o751);
        assert_eq!(mode("a"), 0o750);
        assert_eq!(mode("fifo"), 0o620);
        let ino = |p: &str| fs::metadata(d.join(p)).unwrap().ino();
        assert_eq!(ino("hard"), ino("a/b/file"), "hard links stay one inode");
        assert_eq!(
            fs::read_link(d.join("abs-link")).unwrap(),
            Path::new("/etc/passwd")
        );
        assert_eq!(fs::read_link(d.join("rel-link")).unwrap(), Path::new("a/b"));
        assert_eq!(fs::metadata(d.join("exe")).unwrap().mtime(), 1_000_000);
        assert_eq!(stats.bytes, 5 + 10);
        assert_eq!(stats.entries, 8);
        // Copying again into a non-empty target refuses to overwrite.
        assert!(copy_tree(open(s).as_fd(), open(d).as_fd()).is_err());
    }

    #[test]
    fn user_xattrs_are_copied_where_the_filesystem_has_them() {
        let src = tempfile::tempdir().unwrap();
        let dst = tempfile::tempdir().unwrap();
        let f = src.path().join("f");
        fs::write(&f, "x").unwrap();
        if crate::image::xattrs::set(&f, "user.rpodtest", b"hello").is_err() {
            return; // no user xattrs on this filesystem
        }
        copy_tree(open(src.path()).as_fd(), open(dst.path()).as_fd()).unwrap();
        assert_eq!(
            crate::image::xattrs::get(&dst.path().join("f"), "user.rpodtest").unwrap(),
            Some(b"hello".to_vec())
        );
    }

    #[test]
    fn chown_tree_reaches_every_entry_and_never_follows_links() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let p = dir.path();
        fs::create_dir_all(p.join("x/y")).unwrap();
        fs::write(p.join("x/y/f"), "").unwrap();
        std::os::unix::fs::symlink(outside.path(), p.join("out")).unwrap();
        let me = (
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        );
        // Changing to one's own ids is always allowed: the walk itself is what is tested.
        let n = chown_tree(open(p).as_fd(), me.0, me.1).unwrap();
        assert_eq!(n, 5);
        assert!(is_empty_dir(open(outside.path()).as_fd()).unwrap());
        assert!(!is_empty_dir(open(p).as_fd()).unwrap());
    }
}
