//! Copying a directory tree into a volume with everything that makes it the same
//! tree: owners, modes (setuid included), symlinks, hard links, fifos, xattrs and
//! times; and changing the owner of a whole tree (`:U`). Everything works on
//! directory fds and never follows a symlink, so a tree cannot redirect the copy.
//!
//! Run as root of the user namespace, so that every owner can be set and every
//! file read.

use std::collections::HashMap;
use std::ffi::{CStr, CString, OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::dir::{Dir, Type};
use nix::errno::Errno;
use nix::fcntl::{openat, readlinkat, AtFlags, OFlag};
use nix::sys::stat::{fchmod, fchmodat, fstatat, mkdirat, mknodat, FchmodatFlags, Mode, SFlag};
use nix::sys::time::TimeSpec;
use nix::unistd::{fchownat, linkat, symlinkat, Gid, Uid};

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

/// Entries of a directory, `.` and `..` left out.
fn entries(dir: BorrowedFd<'_>) -> io::Result<Vec<(OsString, Option<Type>)>> {
    // Dir takes ownership of its fd: give it a duplicate.
    let dup = dir.try_clone_to_owned()?;
    let mut d = Dir::from_fd(dup)?;
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

/// Copies the content of `src` (a directory) into `dst` (an existing directory);
/// `dst` itself keeps its owner and mode.
pub fn copy_tree(src: BorrowedFd<'_>, dst: BorrowedFd<'_>) -> io::Result<CopyStats> {
    let mut c = Copier {
        links: HashMap::new(),
        stats: CopyStats::default(),
        dst_root: dst.try_clone_to_owned()?,
    };
    c.copy_dir(src, dst, Path::new(""))?;
    Ok(c.stats)
}

struct Copier {
    /// (dev, ino) of files with several links → their copy's path under the root.
    links: HashMap<(u64, u64), PathBuf>,
    stats: CopyStats,
    dst_root: OwnedFd,
}

impl Copier {
    fn copy_dir(&mut self, src: BorrowedFd<'_>, dst: BorrowedFd<'_>, rel: &Path) -> io::Result<()> {
        for (name, _) in entries(src)? {
            self.copy_entry(src, dst, &name, &rel.join(&name))?;
        }
        Ok(())
    }

    fn copy_entry(
        &mut self,
        src: BorrowedFd<'_>,
        dst: BorrowedFd<'_>,
        name: &OsStr,
        rel: &Path,
    ) -> io::Result<()> {
        let st = fstatat(src, name, AtFlags::AT_SYMLINK_NOFOLLOW)
            .map_err(|e| err("reading", name, e))?;
        let kind = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
        let perm = Mode::from_bits_truncate(st.st_mode & 0o7777);
        let owner = (st.st_uid, st.st_gid);
        let times = [
            TimeSpec::new(st.st_atime, st.st_atime_nsec),
            TimeSpec::new(st.st_mtime, st.st_mtime_nsec),
        ];
        self.stats.entries += 1;
        if kind != SFlag::S_IFDIR && st.st_nlink > 1 {
            if let Some(first) = self.links.get(&(st.st_dev, st.st_ino)) {
                return linkat(
                    self.dst_root.as_fd(),
                    first.as_path(),
                    dst,
                    name,
                    AtFlags::empty(),
                )
                .map_err(|e| err("linking", name, e));
            }
        }
        match kind {
            SFlag::S_IFDIR => {
                mkdirat(dst, name, Mode::from_bits_truncate(0o700))
                    .map_err(|e| err("creating directory", name, e))?;
                let s = open_dir_at(src, name).map_err(|e| err("opening", name, e))?;
                let d = open_dir_at(dst, name).map_err(|e| err("opening", name, e))?;
                self.copy_dir(s.as_fd(), d.as_fd(), rel)?;
                // After the owner: a change of owner drops security.capability.
                set_owner_mode(d.as_fd(), owner, perm, name)?;
                copy_xattrs(s.as_fd(), d.as_fd());
                set_times(d.as_fd(), &times);
            }
            SFlag::S_IFREG => {
                let s = openat(
                    src,
                    name,
                    OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(|e| err("opening", name, e))?;
                let d = openat(
                    dst,
                    name,
                    OFlag::O_WRONLY
                        | OFlag::O_CREAT
                        | OFlag::O_EXCL
                        | OFlag::O_NOFOLLOW
                        | OFlag::O_CLOEXEC,
                    Mode::from_bits_truncate(0o600),
                )
                .map_err(|e| err("creating", name, e))?;
                let (mut s, mut d) = (File::from(s), File::from(d));
                self.stats.bytes +=
                    io::copy(&mut s, &mut d).map_err(|e| err("copying", name, e))?;
                // After the owner: a change of owner drops security.capability.
                set_owner_mode(d.as_fd(), owner, perm, name)?;
                copy_xattrs(s.as_fd(), d.as_fd());
                set_times(d.as_fd(), &times);
                if st.st_nlink > 1 {
                    self.links.insert((st.st_dev, st.st_ino), rel.to_path_buf());
                }
            }
            SFlag::S_IFLNK => {
                let target = readlinkat(src, name).map_err(|e| err("reading link", name, e))?;
                symlinkat(target.as_os_str(), dst, name)
                    .map_err(|e| err("creating link", name, e))?;
                fchownat(
                    dst,
                    name,
                    Some(Uid::from_raw(owner.0)),
                    Some(Gid::from_raw(owner.1)),
                    AtFlags::AT_SYMLINK_NOFOLLOW,
                )
                .map_err(|e| err("setting the owner of", name, e))?;
                let _ = nix::sys::stat::utimensat(
                    dst,
                    name,
                    &times[0],
                    &times[1],
                    nix::sys::stat::UtimensatFlags::NoFollowSymlink,
                );
            }
            SFlag::S_IFIFO | SFlag::S_IFCHR | SFlag::S_IFBLK => {
                match mknodat(dst, name, kind, perm, st.st_rdev) {
                    Ok(()) => {}
                    // A user namespace may make fifos but no device nodes.
                    Err(Errno::EPERM) if kind != SFlag::S_IFIFO => {
                        log::debug!("skipping device node {}", rel.display());
                        self.stats.skipped += 1;
                        return Ok(());
                    }
                    Err(e) => return Err(err("creating", name, e)),
                }
                fchownat(
                    dst,
                    name,
                    Some(Uid::from_raw(owner.0)),
                    Some(Gid::from_raw(owner.1)),
                    AtFlags::AT_SYMLINK_NOFOLLOW,
                )
                .map_err(|e| err("setting the owner of", name, e))?;
                fchmodat(dst, name, perm, FchmodatFlags::FollowSymlink)
                    .map_err(|e| err("setting the mode of", name, e))?;
                let _ = nix::sys::stat::utimensat(
                    dst,
                    name,
                    &times[0],
                    &times[1],
                    nix::sys::stat::UtimensatFlags::NoFollowSymlink,
                );
                if st.st_nlink > 1 {
                    self.links.insert((st.st_dev, st.st_ino), rel.to_path_buf());
                }
            }
            _ => {
                log::debug!("skipping socket {}", rel.display());
                self.stats.skipped += 1;
            }
        }
        Ok(())
    }
}

/// Owner first: a change of owner clears setuid and setgid, which the mode then restores.
fn set_owner_mode(
    fd: BorrowedFd<'_>,
    owner: (u32, u32),
    perm: Mode,
    name: &OsStr,
) -> io::Result<()> {
    nix::unistd::fchown(
        fd,
        Some(Uid::from_raw(owner.0)),
        Some(Gid::from_raw(owner.1)),
    )
    .map_err(|e| err("setting the owner of", name, e))?;
    fchmod(fd, perm).map_err(|e| err("setting the mode of", name, e))
}

fn set_times(fd: BorrowedFd<'_>, times: &[TimeSpec; 2]) {
    let _ = nix::sys::stat::futimens(fd, &times[0], &times[1]);
}

/// Copies the extended attributes a user namespace may set (`user.*`, and
/// `security.capability`, which the kernel stores for the namespace's root);
/// what cannot be set is left out, as podman's copier does.
fn copy_xattrs(src: BorrowedFd<'_>, dst: BorrowedFd<'_>) {
    for name in list_xattrs(src) {
        let Ok(text) = name.to_str() else { continue };
        if !(text.starts_with("user.") || text == "security.capability") {
            continue;
        }
        if let Some(value) = get_xattr(src, &name) {
            // SAFETY: valid fd, NUL-terminated name, value buffer of its length.
            let rc = unsafe {
                libc::fsetxattr(
                    dst.as_raw_fd(),
                    name.as_ptr(),
                    value.as_ptr().cast(),
                    value.len(),
                    0,
                )
            };
            if rc != 0 {
                log::debug!("xattr {text}: {}", io::Error::last_os_error());
            }
        }
    }
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

/// Gives `dir` and everything under it to `uid`:`gid` (symlinks themselves, never
/// their targets). Returns how many entries changed owner.
pub fn chown_tree(dir: BorrowedFd<'_>, uid: u32, gid: u32) -> io::Result<u64> {
    let (u, g) = (Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)));
    nix::unistd::fchown(dir, u, g).map_err(|e| err("setting the owner of", OsStr::new("."), e))?;
    let mut count = 1;
    for (name, kind) in entries(dir)? {
        let is_dir = match kind {
            Some(t) => t == Type::Directory,
            None => fstatat(dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW)
                .map(|st| SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR)
                .map_err(|e| err("reading", &name, e))?,
        };
        if is_dir {
            let sub = open_dir_at(dir, &name).map_err(|e| err("opening", &name, e))?;
            count += chown_tree(sub.as_fd(), uid, gid)?;
        } else {
            fchownat(dir, name.as_os_str(), u, g, AtFlags::AT_SYMLINK_NOFOLLOW)
                .map_err(|e| err("setting the owner of", &name, e))?;
            count += 1;
        }
    }
    Ok(count)
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
