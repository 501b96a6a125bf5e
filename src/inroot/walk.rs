//! Reading a tree back through directory fds, never following a symlink: the
//! listing, hard-link bookkeeping, xattrs and tar headers that the tar
//! writers (a layer, a `cp` stream) and the tree copies share.

use std::collections::HashMap;
use std::ffi::{CStr, CString, OsStr, OsString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::dir::{Dir, Type};
use nix::fcntl::{openat, OFlag};
use nix::sys::stat::{FileStat, Mode};

/// The entries of directory `dir`, `.` and `..` left out, in the order the
/// filesystem gives them.
pub fn entries(dir: BorrowedFd<'_>) -> io::Result<Vec<(OsString, Option<Type>)>> {
    // A fresh open of its own: a duplicate would share (and move) the offset
    // of a descriptor the caller may list again.
    let fd = openat(
        dir,
        ".",
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    let mut d = Dir::from_fd(fd)?;
    let mut out = Vec::new();
    for entry in d.iter() {
        let entry = entry?;
        let name = entry.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        out.push((OsStr::from_bytes(name).to_os_string(), entry.file_type()));
    }
    Ok(out)
}

/// The names in directory `dir`, sorted so archives are reproducible.
pub fn sorted_names(dir: BorrowedFd<'_>) -> io::Result<Vec<OsString>> {
    let mut names: Vec<OsString> = entries(dir)?.into_iter().map(|(n, _)| n).collect();
    names.sort();
    Ok(names)
}

/// Files met under several names: the first name of each, so the later ones
/// become hard links to it.
#[derive(Debug, Default)]
pub struct Links {
    first: HashMap<(u64, u64), PathBuf>,
}

impl Links {
    /// The name an earlier link to the same file was given, else records
    /// `path` as this file's first (when it has several links).
    pub fn seen(&mut self, st: &FileStat, path: &Path) -> Option<PathBuf> {
        if st.st_nlink < 2 {
            return None;
        }
        let key = (st.st_dev, st.st_ino);
        if let Some(first) = self.first.get(&key) {
            return Some(first.clone());
        }
        self.first.insert(key, path.to_path_buf());
        None
    }
}

/// A GNU tar header for `st`: type, permission bits, owner and mtime; size 0.
pub fn header(st: &FileStat, kind: tar::EntryType) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(st.st_mode & 0o7777);
    h.set_uid(st.st_uid.into());
    h.set_gid(st.st_gid.into());
    h.set_mtime(st.st_mtime.max(0) as u64);
    h.set_size(0);
    h
}

/// Whether an xattr belongs with a file's content when it is copied or
/// archived: `user.*` (but overlay's own) and file capabilities.
pub fn carried_xattr(name: &[u8]) -> bool {
    name.starts_with(b"user.") && !name.starts_with(b"user.overlay.")
        || name == b"security.capability"
}

/// The carried xattrs of `fd` (see [`carried_xattr`]), sorted by name.
pub fn carried_xattrs(fd: BorrowedFd<'_>) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out: Vec<(Vec<u8>, Vec<u8>)> = list_xattrs(fd)
        .into_iter()
        .filter(|n| carried_xattr(n.to_bytes()))
        .filter_map(|n| get_xattr(fd, &n).map(|v| (n.into_bytes(), v)))
        .collect();
    out.sort();
    out
}

fn list_xattrs(fd: BorrowedFd<'_>) -> Vec<CString> {
    // SAFETY: a null buffer of size 0 asks for the size only.
    let size = unsafe { libc::flistxattr(fd.as_raw_fd(), std::ptr::null_mut(), 0) };
    if size <= 0 {
        return Vec::new();
    }
    let mut buf = vec![0u8; size as usize];
    // SAFETY: the buffer is as long as we say.
    let n = unsafe { libc::flistxattr(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    if n <= 0 {
        return Vec::new();
    }
    buf.truncate(n as usize);
    buf.split_inclusive(|b| *b == 0)
        .filter_map(|n| CStr::from_bytes_with_nul(n).ok())
        .filter(|n| !n.is_empty())
        .map(CStr::to_owned)
        .collect()
}

fn get_xattr(fd: BorrowedFd<'_>, name: &CStr) -> Option<Vec<u8>> {
    // SAFETY: a null buffer of size 0 asks for the size only.
    let size = unsafe { libc::fgetxattr(fd.as_raw_fd(), name.as_ptr(), std::ptr::null_mut(), 0) };
    if size < 0 {
        return None;
    }
    let mut buf = vec![0u8; size as usize];
    // SAFETY: the buffer is as long as we say.
    let n = unsafe {
        libc::fgetxattr(
            fd.as_raw_fd(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n < 0 {
        return None;
    }
    buf.truncate(n as usize);
    Some(buf)
}
