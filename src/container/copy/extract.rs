//! Unpacking a `cp` tar stream into a directory under a root fd. Every entry's
//! path is cleaned (a leading `/` means the target, `..` is refused) and its parent
//! opened with `openat2(RESOLVE_IN_ROOT)` from the root, so neither the archive nor
//! symlinks already at the destination can lead a write outside that root. The last
//! component is created with `O_EXCL`/`O_NOFOLLOW` (or `*at` calls that do not
//! follow) after removing what was there; metadata is set through descriptors.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{openat, AtFlags, OFlag};
use nix::sys::stat::{
    fchmod, fchmodat, fstatat, futimens, makedev, mkdirat, mknodat, utimensat, FchmodatFlags, Mode,
    SFlag, UtimensatFlags,
};
use nix::sys::time::TimeSpec;
use nix::unistd::{fchown, fchownat, linkat, symlinkat, unlinkat, Gid, Uid, UnlinkatFlags};
use tar::EntryType;

use super::resolve::{dir_handle, is_dir, split};
use super::CopyError;
use crate::inroot::remove_tree_at;

/// Who owns what the copy creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owners {
    /// This process (the copy's creator): no `chown` at all.
    Creator,
    /// The owners the archive names; ids this namespace cannot map stay the creator's.
    Archive,
    /// Everything to one user and group (`--archive`: the container's user).
    All(u32, u32),
}

/// How to unpack.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub owners: Owners,
    /// Let a directory replace a non-directory and the other way round.
    pub overwrite: bool,
}

/// Unpacks `archive` into `base` (a directory path under `root`, canonical). `shown`
/// is how the destination is named in messages.
pub fn extract(
    archive: impl Read,
    root: BorrowedFd<'_>,
    base: &Path,
    opts: Options,
    shown: &str,
) -> Result<(), CopyError> {
    let mut x = Extractor {
        root,
        base,
        opts,
        shown,
        dirs: Vec::new(),
    };
    let mut ar = tar::Archive::new(archive);
    let entries = ar.entries().map_err(CopyError::Archive)?;
    for entry in entries {
        let mut entry = entry.map_err(CopyError::Archive)?;
        x.entry(&mut entry)?;
    }
    // Directory times last: adding entries changed them.
    for (path, mtime) in x.dirs.iter().rev() {
        set_dir_times(root, &base.join(path), *mtime);
    }
    Ok(())
}

fn set_dir_times(root: BorrowedFd<'_>, path: &Path, mtime: i64) {
    if let Ok(fd) = super::resolve::open_dir_in(root, path) {
        let t = TimeSpec::new(mtime, 0);
        let _ = futimens(&fd, &t, &t);
    }
}

struct Extractor<'a> {
    root: BorrowedFd<'a>,
    base: &'a Path,
    opts: Options,
    shown: &'a str,
    /// Directories made or merged, with the mtime the archive gives them.
    dirs: Vec<(PathBuf, i64)>,
}

/// An entry's path under the target: `/` and `.` dropped, `..` refused.
fn clean(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => return None,
            _ => {}
        }
    }
    Some(out)
}

impl Extractor<'_> {
    fn at(&self, rel: &Path) -> String {
        let shown = self.shown.trim_end_matches('/');
        format!("{shown}/{}", rel.display())
    }

    fn fail(&self, rel: &Path, what: &'static str) -> impl FnOnce(Errno) -> CopyError + '_ {
        let path = self.at(rel);
        move |e| CopyError::Write {
            path,
            what,
            source: io::Error::from(e),
        }
    }

    fn entry<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>) -> Result<(), CopyError> {
        let raw = entry.path().map_err(CopyError::Archive)?.into_owned();
        let rel = clean(&raw).ok_or_else(|| CopyError::Escape(raw.display().to_string()))?;
        let kind = entry.header().entry_type();
        let Some((parent_rel, name)) = split(&rel) else {
            // The target itself: it keeps its own owner and mode.
            return Ok(());
        };
        let parent = self.parent(parent_rel)?;
        let h = entry.header();
        let mode = Mode::from_bits_truncate(h.mode().map_err(CopyError::Archive)? & 0o7777);
        let mtime = h.mtime().unwrap_or(0) as i64;
        let owner = (h.uid().unwrap_or(0) as u32, h.gid().unwrap_or(0) as u32);
        let times = [TimeSpec::new(mtime, 0), TimeSpec::new(mtime, 0)];
        match kind {
            EntryType::Directory => {
                self.make_dir(parent.as_fd(), name, &rel)?;
                let fd = openat(
                    &parent,
                    name,
                    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(self.fail(&rel, "open"))?;
                self.own(fd.as_fd(), owner, &rel)?;
                fchmod(&fd, mode).map_err(self.fail(&rel, "set the mode of"))?;
                self.dirs.push((rel.clone(), mtime));
            }
            // The reader expands GNU sparse entries to their full content.
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                let file = self.make_file(parent.as_fd(), name, &rel)?;
                let mut out = File::from(file);
                io::copy(entry, &mut out).map_err(|source| CopyError::Write {
                    path: self.at(&rel),
                    what: "write",
                    source,
                })?;
                self.own(out.as_fd(), owner, &rel)?;
                // After the owner: a change of owner clears setuid and setgid.
                fchmod(&out, mode).map_err(self.fail(&rel, "set the mode of"))?;
                let _ = futimens(&out, &times[0], &times[1]);
            }
            EntryType::Symlink => {
                let target = entry
                    .link_name()
                    .map_err(CopyError::Archive)?
                    .ok_or_else(|| CopyError::Escape(raw.display().to_string()))?
                    .into_owned();
                self.clear(parent.as_fd(), name, &rel, false)?;
                symlinkat(target.as_os_str(), &parent, name)
                    .map_err(self.fail(&rel, "create the symlink"))?;
                self.own_at(parent.as_fd(), name, owner, &rel)?;
                let _ = utimensat(
                    &parent,
                    name,
                    &times[0],
                    &times[1],
                    UtimensatFlags::NoFollowSymlink,
                );
            }
            EntryType::Link => {
                let target = entry
                    .link_name()
                    .map_err(CopyError::Archive)?
                    .ok_or_else(|| CopyError::Escape(raw.display().to_string()))?;
                let target_rel = clean(&target)
                    .ok_or_else(|| CopyError::Escape(target.display().to_string()))?;
                let (tp, tn) = split(&target_rel)
                    .ok_or_else(|| CopyError::Escape(target.display().to_string()))?;
                let tparent = self.parent(tp)?;
                self.clear(parent.as_fd(), name, &rel, false)?;
                linkat(&tparent, tn, &parent, name, AtFlags::empty())
                    .map_err(self.fail(&rel, "create the hard link"))?;
            }
            EntryType::Fifo | EntryType::Char | EntryType::Block => {
                self.clear(parent.as_fd(), name, &rel, false)?;
                let (sflag, dev) = match kind {
                    EntryType::Fifo => (SFlag::S_IFIFO, 0),
                    EntryType::Char => (SFlag::S_IFCHR, device(h)),
                    _ => (SFlag::S_IFBLK, device(h)),
                };
                match mknodat(&parent, name, sflag, mode, dev) {
                    Ok(()) => {}
                    // A user namespace may make fifos but no device nodes.
                    Err(Errno::EPERM) if kind != EntryType::Fifo => {
                        log::debug!("skipping device node {}", rel.display());
                        return Ok(());
                    }
                    Err(e) => return Err(self.fail(&rel, "create")(e)),
                }
                self.own_at(parent.as_fd(), name, owner, &rel)?;
                fchmodat(&parent, name, mode, FchmodatFlags::FollowSymlink)
                    .map_err(self.fail(&rel, "set the mode of"))?;
            }
            // Extended headers are read by the tar reader; anything else is not a file.
            other => log::debug!("skipping {} entry {}", entry_name(other), rel.display()),
        }
        Ok(())
    }

    /// The directory `rel` under the target, created (and owned as the copy's
    /// files are) when the archive did not list it.
    fn parent(&self, rel: &Path) -> Result<OwnedFd, CopyError> {
        let full = self.base.join(rel);
        match dir_handle(self.root, &full) {
            Ok(fd) => return Ok(fd),
            Err(Errno::ENOENT) => {}
            Err(e) => return Err(self.fail(rel, "open")(e)),
        }
        let mut sofar = PathBuf::new();
        for c in rel.components() {
            let Component::Normal(n) = c else { continue };
            let at = dir_handle(self.root, &self.base.join(&sofar))
                .map_err(self.fail(&sofar, "open"))?;
            sofar.push(n);
            match mkdirat(&at, n, Mode::from_bits_truncate(0o755)) {
                Ok(()) => {
                    if let Owners::All(u, g) = self.opts.owners {
                        let _ = fchownat(
                            &at,
                            n,
                            Some(Uid::from_raw(u)),
                            Some(Gid::from_raw(g)),
                            AtFlags::AT_SYMLINK_NOFOLLOW,
                        );
                    }
                }
                Err(Errno::EEXIST) => {}
                Err(e) => return Err(self.fail(&sofar, "create directory")(e)),
            }
        }
        dir_handle(self.root, &full).map_err(self.fail(rel, "open"))
    }

    /// Makes way for a new entry: what is there goes, unless a directory would be
    /// replaced by a non-directory without `--overwrite`.
    fn clear(
        &self,
        parent: BorrowedFd<'_>,
        name: &OsStr,
        rel: &Path,
        dir: bool,
    ) -> Result<bool, CopyError> {
        let st = match fstatat(parent, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::ENOENT) => return Ok(false),
            Err(e) => return Err(self.fail(rel, "inspect")(e)),
        };
        if is_dir(&st) {
            if dir {
                return Ok(true);
            }
            if !self.opts.overwrite {
                return Err(CopyError::Overwrite {
                    path: self.at(rel),
                    existing: "directory",
                    new: "non-directory",
                });
            }
            remove_tree_at(parent, name).map_err(|source| CopyError::Write {
                path: self.at(rel),
                what: "remove",
                source,
            })?;
            return Ok(false);
        }
        if dir && !self.opts.overwrite {
            return Err(CopyError::Overwrite {
                path: self.at(rel),
                existing: "non-directory",
                new: "directory",
            });
        }
        unlinkat(parent, name, UnlinkatFlags::NoRemoveDir).map_err(self.fail(rel, "remove"))?;
        Ok(false)
    }

    fn make_dir(&self, parent: BorrowedFd<'_>, name: &OsStr, rel: &Path) -> Result<(), CopyError> {
        if self.clear(parent, name, rel, true)? {
            return Ok(());
        }
        mkdirat(parent, name, Mode::from_bits_truncate(0o700))
            .map_err(self.fail(rel, "create directory"))
    }

    fn make_file(
        &self,
        parent: BorrowedFd<'_>,
        name: &OsStr,
        rel: &Path,
    ) -> Result<OwnedFd, CopyError> {
        let flags = OFlag::O_WRONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC | OFlag::O_NOCTTY;
        match self.clear(parent, name, rel, false) {
            Ok(_) => {}
            // A file mounted over (a container's /etc/hosts) cannot go: write into it.
            Err(CopyError::Write { source, .. }) if source.raw_os_error() == Some(libc::EBUSY) => {
                return openat(parent, name, flags | OFlag::O_TRUNC, Mode::empty())
                    .map_err(self.fail(rel, "open"));
            }
            Err(e) => return Err(e),
        }
        openat(
            parent,
            name,
            flags | OFlag::O_CREAT | OFlag::O_EXCL,
            Mode::from_bits_truncate(0o600),
        )
        .map_err(self.fail(rel, "create"))
    }

    fn ids(&self, archive: (u32, u32)) -> Option<(u32, u32)> {
        match self.opts.owners {
            Owners::Creator => None,
            Owners::Archive => Some(archive),
            Owners::All(u, g) => Some((u, g)),
        }
    }

    fn own(&self, fd: BorrowedFd<'_>, archive: (u32, u32), rel: &Path) -> Result<(), CopyError> {
        let Some((u, g)) = self.ids(archive) else {
            return Ok(());
        };
        match fchown(fd, Some(Uid::from_raw(u)), Some(Gid::from_raw(g))) {
            // An id this user namespace does not map: the file stays the creator's.
            Ok(()) | Err(Errno::EINVAL) => Ok(()),
            Err(e) => Err(self.fail(rel, "set the owner of")(e)),
        }
    }

    fn own_at(
        &self,
        parent: BorrowedFd<'_>,
        name: &OsStr,
        archive: (u32, u32),
        rel: &Path,
    ) -> Result<(), CopyError> {
        let Some((u, g)) = self.ids(archive) else {
            return Ok(());
        };
        match fchownat(
            parent,
            name,
            Some(Uid::from_raw(u)),
            Some(Gid::from_raw(g)),
            AtFlags::AT_SYMLINK_NOFOLLOW,
        ) {
            Ok(()) | Err(Errno::EINVAL) => Ok(()),
            Err(e) => Err(self.fail(rel, "set the owner of")(e)),
        }
    }
}

fn device(h: &tar::Header) -> u64 {
    let major = h.device_major().ok().flatten().unwrap_or(0);
    let minor = h.device_minor().ok().flatten().unwrap_or(0);
    makedev(major.into(), minor.into())
}

fn entry_name(kind: EntryType) -> &'static str {
    match kind {
        EntryType::XGlobalHeader => "global header",
        _ => "unsupported",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::copy::pack::Packer;
    use crate::inroot::open_dir;
    use std::fs;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    const CREATOR: Options = Options {
        owners: Owners::Creator,
        overwrite: false,
    };

    /// A tar entry whose name is written as is, `..` included (the tar writer refuses it).
    fn raw_entry(
        b: &mut tar::Builder<Vec<u8>>,
        name: &[u8],
        kind: EntryType,
        link: &[u8],
        data: &[u8],
    ) {
        let mut h = tar::Header::new_old();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.as_old_mut().linkname[..link.len()].copy_from_slice(link);
        h.set_entry_type(kind);
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_cksum();
        b.append(&h, data).unwrap();
    }

    #[test]
    fn planted_symlinks_and_dotdot_never_leave_the_root() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        fs::create_dir_all(root.join("dest")).unwrap();
        let mut b = tar::Builder::new(Vec::new());
        raw_entry(&mut b, b"link", EntryType::Symlink, b"/", b"");
        raw_entry(&mut b, b"link/etc/evil", EntryType::Regular, b"", b"x");
        raw_entry(&mut b, b"/abs", EntryType::Regular, b"", b"y");
        let bytes = b.into_inner().unwrap();
        let fd = open_dir(root).unwrap();
        extract(&bytes[..], fd.as_fd(), Path::new("dest"), CREATOR, "dest").unwrap();
        // Through the planted link to "/": the root given, not the host's.
        assert_eq!(fs::read_to_string(root.join("etc/evil")).unwrap(), "x");
        assert!(!Path::new("/etc/evil").exists());
        // A leading "/" means the destination.
        assert_eq!(fs::read_to_string(root.join("dest/abs")).unwrap(), "y");

        for (name, kind, link) in [
            (&b"../up"[..], EntryType::Regular, &b""[..]),
            (b"ok", EntryType::Link, b"../../etc/passwd"),
        ] {
            let mut b = tar::Builder::new(Vec::new());
            raw_entry(&mut b, name, kind, link, b"");
            let bytes = b.into_inner().unwrap();
            let err =
                extract(&bytes[..], fd.as_fd(), Path::new("dest"), CREATOR, "dest").unwrap_err();
            assert!(matches!(err, CopyError::Escape(_)), "{err}");
        }
        assert!(!root.join("up").exists());
    }

    #[test]
    fn a_packed_tree_comes_back_the_same() {
        let t = tempfile::tempdir().unwrap();
        let src = t.path().join("src");
        fs::create_dir_all(src.join("sub")).unwrap();
        fs::write(src.join("sub/f"), "hello").unwrap();
        fs::set_permissions(src.join("sub/f"), fs::Permissions::from_mode(0o4751)).unwrap();
        fs::hard_link(src.join("sub/f"), src.join("g")).unwrap();
        std::os::unix::fs::symlink("sub/f", src.join("l")).unwrap();
        fs::set_permissions(src.join("sub"), fs::Permissions::from_mode(0o750)).unwrap();
        let old = TimeSpec::new(1_000_000, 0);
        utimensat(
            nix::fcntl::AT_FDCWD,
            &src.join("sub/f"),
            &old,
            &old,
            UtimensatFlags::NoFollowSymlink,
        )
        .unwrap();
        utimensat(
            nix::fcntl::AT_FDCWD,
            &src.join("sub"),
            &old,
            &old,
            UtimensatFlags::NoFollowSymlink,
        )
        .unwrap();

        let mut p = Packer::new(Vec::new());
        p.add(&open_dir(&src).unwrap(), Some(OsStr::new("copy")))
            .unwrap();
        let bytes = p.finish().unwrap();
        let dest = t.path().join("dest");
        fs::create_dir(&dest).unwrap();
        extract(
            &bytes[..],
            open_dir(&dest).unwrap().as_fd(),
            Path::new(""),
            CREATOR,
            "dest",
        )
        .unwrap();
        let c = dest.join("copy");
        let m = |p: &str| fs::symlink_metadata(c.join(p)).unwrap();
        assert_eq!(m("sub/f").mode() & 0o7777, 0o4751);
        assert_eq!(m("sub").mode() & 0o7777, 0o750);
        assert_eq!(m("sub/f").mtime(), 1_000_000);
        assert_eq!(m("sub").mtime(), 1_000_000, "directory times are set last");
        assert_eq!(m("g").ino(), m("sub/f").ino());
        assert_eq!(fs::read_link(c.join("l")).unwrap(), Path::new("sub/f"));
        assert_eq!(fs::read_to_string(c.join("g")).unwrap(), "hello");
    }

    #[test]
    fn directories_and_files_replace_each_other_only_with_overwrite() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        fs::create_dir_all(root.join("d/inner")).unwrap();
        fs::write(root.join("f"), "old").unwrap();
        let mut b = tar::Builder::new(Vec::new());
        raw_entry(&mut b, b"d", EntryType::Regular, b"", b"file now");
        let file_over_dir = b.into_inner().unwrap();
        let mut b = tar::Builder::new(Vec::new());
        raw_entry(&mut b, b"f", EntryType::Directory, b"", b"");
        let dir_over_file = b.into_inner().unwrap();
        let fd = open_dir(root).unwrap();
        for bytes in [&file_over_dir, &dir_over_file] {
            let err = extract(&bytes[..], fd.as_fd(), Path::new(""), CREATOR, ".").unwrap_err();
            assert!(matches!(err, CopyError::Overwrite { .. }), "{err}");
        }
        assert!(root.join("d/inner").is_dir());
        assert_eq!(fs::read_to_string(root.join("f")).unwrap(), "old");
        let over = Options {
            overwrite: true,
            ..CREATOR
        };
        for bytes in [&file_over_dir, &dir_over_file] {
            extract(&bytes[..], fd.as_fd(), Path::new(""), over, ".").unwrap();
        }
        assert_eq!(fs::read_to_string(root.join("d")).unwrap(), "file now");
        assert!(root.join("f").is_dir());
        // A file onto a file needs nothing.
        let mut b = tar::Builder::new(Vec::new());
        raw_entry(&mut b, b"d", EntryType::Regular, b"", b"again");
        let bytes = b.into_inner().unwrap();
        extract(&bytes[..], fd.as_fd(), Path::new(""), CREATOR, ".").unwrap();
        assert_eq!(fs::read_to_string(root.join("d")).unwrap(), "again");
    }
}
