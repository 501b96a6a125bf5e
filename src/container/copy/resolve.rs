//! Resolving a path inside a root directory fd, one component at a time, as if that
//! root were `/`: `..` stops at it and symlinks, absolute or relative, are followed
//! inside it. The result is the canonical path under the root (no symlinks left), so
//! that the parent and the name of what a path leads to are known exactly; every
//! later open still goes through `openat2(RESOLVE_IN_ROOT)`.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{readlinkat, AtFlags, OFlag};
use nix::sys::stat::{fstat, fstatat, FileStat};

use crate::inroot::{open_at_in_root, walk_components};

/// Symlinks followed before giving up, as the kernel's limit.
const MAX_LINKS: u32 = 40;

/// Where a path leads under a root.
#[derive(Debug)]
pub struct Resolved {
    /// Canonical, relative to the root (empty for the root itself).
    pub path: PathBuf,
    /// What is there (the last symlink followed if asked), `None` if nothing is.
    pub stat: Option<FileStat>,
    /// Whether the parent exists and is a directory.
    pub parent_ok: bool,
}

impl Resolved {
    pub fn is_dir(&self) -> bool {
        self.stat.is_some_and(|s| is_dir(&s))
    }
}

pub fn is_dir(st: &FileStat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFDIR
}

/// Opens `path` (relative) under `root` as if `root` were `/`. An empty path is the
/// root itself.
pub fn open_in(root: BorrowedFd<'_>, path: &Path, flags: OFlag) -> Result<OwnedFd, Errno> {
    let p: &OsStr = if path.as_os_str().is_empty() {
        OsStr::new(".")
    } else {
        path.as_os_str()
    };
    open_at_in_root(root, p, flags)
}

/// Opens directory `path` under `root` to read its entries.
pub fn open_dir_in(root: BorrowedFd<'_>, path: &Path) -> Result<OwnedFd, Errno> {
    open_in(root, path, OFlag::O_RDONLY | OFlag::O_DIRECTORY)
}

/// Opens directory `path` under `root` to work in it with `*at` calls: needs only
/// search permission on the way, as a path walk does.
pub fn dir_handle(root: BorrowedFd<'_>, path: &Path) -> Result<OwnedFd, Errno> {
    open_in(root, path, OFlag::O_PATH | OFlag::O_DIRECTORY)
}

/// Resolves `path` under `root`; the last component's symlink is followed when
/// `follow_last`. Fails only on errors other than "not there" (permission, loops).
pub fn resolve(root: BorrowedFd<'_>, path: &Path, follow_last: bool) -> Result<Resolved, Errno> {
    let mut todo: VecDeque<OsString> = walk_components(path).into();
    let mut out = PathBuf::new();
    let mut links = 0;
    while let Some(name) = todo.pop_front() {
        if name == ".." {
            out.pop();
            continue;
        }
        let last = todo.is_empty();
        let parent = match dir_handle(root, &out) {
            Ok(fd) => fd,
            Err(Errno::ENOENT | Errno::ENOTDIR) => {
                out.push(&name);
                return Ok(missing(out, todo, false));
            }
            Err(e) => return Err(e),
        };
        let st = match fstatat(&parent, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::ENOENT) => {
                out.push(&name);
                return Ok(missing(out, todo, last));
            }
            Err(e) => return Err(e),
        };
        if st.st_mode & libc::S_IFMT == libc::S_IFLNK && (!last || follow_last) {
            links += 1;
            if links > MAX_LINKS {
                return Err(Errno::ELOOP);
            }
            let target = readlinkat(&parent, name.as_os_str())?;
            let target = Path::new(&target);
            if target.has_root() {
                out.clear();
            }
            for c in walk_components(target).into_iter().rev() {
                todo.push_front(c);
            }
            continue;
        }
        out.push(&name);
        if !last && !is_dir(&st) {
            // `file/more`: nothing can be under a non-directory.
            return Ok(missing(out, todo, false));
        }
        if last {
            return Ok(Resolved {
                path: out,
                stat: Some(st),
                parent_ok: true,
            });
        }
    }
    let st = dir_handle(root, &out).and_then(|fd| fstat(fd.as_fd()))?;
    Ok(Resolved {
        path: out,
        stat: Some(st),
        parent_ok: true,
    })
}

fn missing(mut out: PathBuf, rest: VecDeque<OsString>, parent_ok: bool) -> Resolved {
    for r in rest {
        out.push(r);
    }
    Resolved {
        path: out,
        stat: None,
        parent_ok,
    }
}

/// The parent of a canonical path and its last component (`None` for the root).
pub fn split(path: &Path) -> Option<(&Path, &OsStr)> {
    let name = path.file_name()?;
    if name.as_bytes().is_empty() {
        return None;
    }
    Some((path.parent().unwrap_or(Path::new("")), name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn root(dir: &Path) -> OwnedFd {
        crate::inroot::open_dir(dir).unwrap()
    }

    #[test]
    fn symlinks_resolve_inside_the_root() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        fs::create_dir_all(r.join("etc")).unwrap();
        fs::write(r.join("etc/shadow"), "inside").unwrap();
        fs::create_dir_all(r.join("a/b")).unwrap();
        symlink("/etc/shadow", r.join("a/abs")).unwrap();
        symlink("../../../../etc/shadow", r.join("a/b/up")).unwrap();
        symlink("/etc", r.join("a/etc")).unwrap();
        symlink("loop", r.join("loop")).unwrap();
        let fd = root(r);

        for p in ["a/abs", "/a/b/up", "a/etc/shadow", "/../../etc/shadow"] {
            let got = resolve(fd.as_fd(), Path::new(p), true).unwrap();
            assert_eq!(got.path, Path::new("etc/shadow"), "{p}");
            assert!(got.stat.is_some() && !got.is_dir());
        }
        // Not following the last: the link itself.
        let got = resolve(fd.as_fd(), Path::new("a/abs"), false).unwrap();
        assert_eq!(got.path, Path::new("a/abs"));
        // A directory through a link.
        let got = resolve(fd.as_fd(), Path::new("a/etc"), true).unwrap();
        assert_eq!(got.path, Path::new("etc"));
        assert!(got.is_dir());
        assert_eq!(
            resolve(fd.as_fd(), Path::new("loop"), true).unwrap_err(),
            Errno::ELOOP
        );
        let root_itself = resolve(fd.as_fd(), Path::new("/"), true).unwrap();
        assert_eq!(root_itself.path, Path::new(""));
        assert!(root_itself.is_dir());
    }

    #[test]
    fn missing_paths_say_whether_their_parent_exists() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir(t.path().join("d")).unwrap();
        fs::write(t.path().join("f"), "").unwrap();
        let fd = root(t.path());
        let m = resolve(fd.as_fd(), Path::new("d/new"), true).unwrap();
        assert!(m.stat.is_none() && m.parent_ok);
        assert_eq!(m.path, Path::new("d/new"));
        let m = resolve(fd.as_fd(), Path::new("nope/new"), true).unwrap();
        assert!(m.stat.is_none() && !m.parent_ok);
        let m = resolve(fd.as_fd(), Path::new("f/new"), true).unwrap();
        assert!(m.stat.is_none() && !m.parent_ok);
    }

    #[test]
    fn split_gives_parent_and_name() {
        assert_eq!(
            split(Path::new("a/b")),
            Some((Path::new("a"), OsStr::new("b")))
        );
        assert_eq!(
            split(Path::new("b")),
            Some((Path::new(""), OsStr::new("b")))
        );
        assert_eq!(split(Path::new("")), None);
    }
}
