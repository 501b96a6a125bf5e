//! Everything written under a root that may be hostile (a layer being
//! unpacked, a container's or a build stage's filesystem, a volume) goes
//! through here, so that a path escape is fixed once.
//!
//! Paths are resolved with `openat2(RESOLVE_IN_ROOT)` from the root's fd, so
//! symlinks met on the way (absolute, or climbing with `..`) stay inside it;
//! last components are created with `O_EXCL|O_NOFOLLOW` or `*at` calls that
//! do not follow, and metadata is set through descriptors. [`tree`] writes
//! entries under a [`tree::Policy`], [`untar`] feeds it a tar stream, and
//! [`walk`] reads a tree back through fds for the tar writers and copies.

pub mod tree;
pub mod untar;
pub mod walk;

pub use tree::{Counts, InRootError, Meta, Node, Op, Policy, TreeWriter};
pub use untar::extract_tar;

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};
use std::rc::Rc;

use nix::errno::Errno;
use nix::fcntl::{openat, openat2, AtFlags, OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::{fstatat, Mode};
use nix::unistd::{fchown, fchownat, unlinkat, Gid, Uid, UnlinkatFlags};

pub(crate) fn open_dir(path: &Path) -> io::Result<OwnedFd> {
    Ok(nix::fcntl::open(
        path,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?)
}

/// Opens `path` with `flags` as if `root` were `/`: symlinks met on the way
/// (absolute, or climbing with `..`) cannot lead outside it, nor can
/// `/proc` magic links. `O_CLOEXEC` is always added; a rename racing the
/// lookup (EAGAIN) or a signal is retried.
pub(crate) fn open_at_in_root(
    root: BorrowedFd<'_>,
    path: &OsStr,
    flags: OFlag,
) -> Result<OwnedFd, Errno> {
    let how = OpenHow::new()
        .flags(flags | OFlag::O_CLOEXEC)
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    loop {
        match openat2(root, path, how) {
            Err(Errno::EAGAIN) | Err(Errno::EINTR) => continue,
            other => return other,
        }
    }
}

/// The names a path walk in a root steps through: `..` kept (the walk clamps
/// it at the root), `/` and `.` dropped.
pub(crate) fn walk_components(path: &Path) -> Vec<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

/// Whether entry `name` of `dir` is a directory (not a symlink to one), from
/// the listing's type when the filesystem gives it.
fn is_dir_entry(
    dir: BorrowedFd<'_>,
    name: &OsStr,
    kind: Option<nix::dir::Type>,
) -> nix::Result<bool> {
    match kind {
        Some(t) => Ok(t == nix::dir::Type::Directory),
        None => fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW)
            .map(|st| st.st_mode & libc::S_IFMT == libc::S_IFDIR),
    }
}

/// `rm -rf` of `name` in `pfd`, never following a symlink.
pub(crate) fn remove_tree_at(pfd: BorrowedFd<'_>, name: &OsStr) -> io::Result<()> {
    let fd = openat(
        pfd,
        name,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    for (child, kind) in walk::entries(fd.as_fd())? {
        if is_dir_entry(fd.as_fd(), &child, kind)? {
            remove_tree_at(fd.as_fd(), &child)?;
        } else {
            unlinkat(&fd, child.as_os_str(), UnlinkatFlags::NoRemoveDir)?;
        }
    }
    unlinkat(pfd, name, UnlinkatFlags::RemoveDir)?;
    Ok(())
}

/// Gives `dir` and everything under it to `uid`:`gid` (symlinks themselves, never
/// their targets). Returns how many entries changed owner.
pub fn chown_tree(dir: BorrowedFd<'_>, uid: u32, gid: u32) -> io::Result<u64> {
    let err = |op: &str, name: &OsStr, e: Errno| {
        let e = io::Error::from(e);
        io::Error::new(e.kind(), format!("{op} {}: {e}", Path::new(name).display()))
    };
    let (u, g) = (Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)));
    fchown(dir, u, g).map_err(|e| err("setting the owner of", OsStr::new("."), e))?;
    let mut count = 1;
    for (name, kind) in walk::entries(dir)? {
        let name = name.as_os_str();
        if is_dir_entry(dir, name, kind).map_err(|e| err("reading", name, e))? {
            let sub = openat(
                dir,
                name,
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| err("opening", name, e))?;
            count += chown_tree(sub.as_fd(), uid, gid)?;
        } else {
            fchownat(dir, name, u, g, AtFlags::AT_SYMLINK_NOFOLLOW)
                .map_err(|e| err("setting the owner of", name, e))?;
            count += 1;
        }
    }
    Ok(count)
}

pub(crate) fn fsetxattr(fd: BorrowedFd<'_>, name: &str, value: &[u8]) -> io::Result<()> {
    let rc = with_cstr(name.as_bytes(), |n| {
        // SAFETY: valid fd, NUL-terminated name, value pointer and length from a slice.
        unsafe { libc::fsetxattr(fd.as_raw_fd(), n, value.as_ptr().cast(), value.len(), 0) }
    });
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The value of xattr `name` on `fd`, `None` when unset.
pub(crate) fn fgetxattr(fd: BorrowedFd<'_>, name: &str) -> io::Result<Option<Vec<u8>>> {
    let mut buf = [0u8; 64];
    let rc = with_cstr(name.as_bytes(), |n| {
        // SAFETY: valid fd, NUL-terminated name, buffer pointer and length from an array.
        unsafe { libc::fgetxattr(fd.as_raw_fd(), n, buf.as_mut_ptr().cast(), buf.len()) }
    });
    if rc >= 0 {
        return Ok(Some(buf[..rc as usize].to_vec()));
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::ENODATA) => Ok(None),
        // Longer than any overlay marker: present, value irrelevant here.
        Some(libc::ERANGE) => Ok(Some(Vec::new())),
        _ => Err(e),
    }
}

pub(crate) fn with_cstr<T>(bytes: &[u8], f: impl FnOnce(*const libc::c_char) -> T) -> T {
    let mut v = Vec::with_capacity(bytes.len() + 1);
    v.extend_from_slice(bytes);
    v.push(0);
    f(v.as_ptr().cast())
}

/// How `..` in an entry path is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DotDot {
    /// Removes the previous component; climbing above the root is refused
    /// (Docker's rule for layers and `ADD`).
    Clamp,
    /// Refused wherever it appears (`cp`, as podman does).
    Refuse,
}

/// Splits an archive path into components under the root: `/` and `.`
/// vanish, `..` as `dotdot` says. `None` when the path is refused.
pub fn clean(path: &[u8], dotdot: DotDot) -> Option<Vec<&[u8]>> {
    let mut out: Vec<&[u8]> = Vec::new();
    for c in path.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." if dotdot == DotDot::Refuse => return None,
            b".." => {
                out.pop()?;
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// A directory treated as `/`: every open under it resolves in it.
#[derive(Debug)]
pub struct Root {
    fd: Rc<OwnedFd>,
}

impl Root {
    /// Opens the directory at `path` (a trusted host path) as a root.
    pub fn open(path: &Path) -> io::Result<Root> {
        Ok(Root::from_fd(open_dir(path)?))
    }

    pub fn from_fd(fd: OwnedFd) -> Root {
        Root { fd: Rc::new(fd) }
    }

    /// The root's own fd, shared.
    pub(crate) fn shared(&self) -> Rc<OwnedFd> {
        self.fd.clone()
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Opens `path` (`/`-separated, empty for the root itself) with `flags`,
    /// resolved in the root.
    pub fn open_at(&self, path: &[u8], flags: OFlag) -> Result<OwnedFd, Errno> {
        let p = if path.is_empty() {
            OsStr::new(".")
        } else {
            OsStr::from_bytes(path)
        };
        open_at_in_root(self.fd.as_fd(), p, flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_clamps_or_refuses_dotdot() {
        let c = |p: &[u8], d| clean(p, d).map(|v| v.join(&b'/'));
        assert_eq!(c(b"/a/./b/", DotDot::Clamp), Some(b"a/b".to_vec()));
        assert_eq!(c(b"a/../b", DotDot::Clamp), Some(b"b".to_vec()));
        assert_eq!(c(b"a/../../b", DotDot::Clamp), None);
        assert_eq!(c(b"a/../b", DotDot::Refuse), None);
        assert_eq!(c(b"./", DotDot::Refuse), Some(Vec::new()));
    }
}
