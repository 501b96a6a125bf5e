//! Filesystem calls relative to directory fds that never follow the last
//! component's symlink, and resolution confined to a root: the primitives
//! extraction and export use so that a hostile tree cannot redirect them.

use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};

use nix::errno::Errno;
use nix::fcntl::{openat, openat2, AtFlags, OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::{fstatat, Mode};
use nix::unistd::{unlinkat, UnlinkatFlags};

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

/// Opens directory `path` as if `root` were `/`.
pub(crate) fn open_in_root(root: &OwnedFd, path: &[u8]) -> Result<OwnedFd, Errno> {
    open_at_in_root(
        root.as_fd(),
        OsStr::from_bytes(path),
        OFlag::O_RDONLY | OFlag::O_DIRECTORY,
    )
}

/// `rm -rf` of `name` in `pfd`, never following a symlink.
pub(crate) fn remove_tree_at(pfd: BorrowedFd<'_>, name: &OsStr) -> io::Result<()> {
    let fd = openat(
        pfd,
        name,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    let mut dir = nix::dir::Dir::from_fd(fd)?;
    let dfd = dir.as_fd().try_clone_to_owned()?;
    let mut children: Vec<(CString, bool)> = Vec::new();
    for entry in dir.iter() {
        let entry = entry?;
        let n = entry.file_name();
        if n.to_bytes() == b"." || n.to_bytes() == b".." {
            continue;
        }
        let is_dir = match entry.file_type() {
            Some(t) => t == nix::dir::Type::Directory,
            None => fstatat(&dfd, n, AtFlags::AT_SYMLINK_NOFOLLOW)
                .map(|st| st.st_mode & libc::S_IFMT == libc::S_IFDIR)?,
        };
        children.push((n.to_owned(), is_dir));
    }
    for (child, is_dir) in children {
        let child = OsStr::from_bytes(child.to_bytes());
        if is_dir {
            remove_tree_at(dfd.as_fd(), child)?;
        } else {
            unlinkat(&dfd, child, UnlinkatFlags::NoRemoveDir)?;
        }
    }
    unlinkat(pfd, name, UnlinkatFlags::RemoveDir)?;
    Ok(())
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
