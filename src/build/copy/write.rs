//! Placing a plan in a stage's root filesystem, by Docker's destination
//! rules: a destination ending in `/` (or `.`), several sources, or an
//! existing directory receives the sources by name; a directory source
//! gives its contents; missing parents are created (0755, owned as the
//! copy). Every directory is opened from the root's fd with
//! `RESOLVE_IN_ROOT`, every last component created with `O_NOFOLLOW`/`O_EXCL`
//! or an `*at` call that does not follow, so the image's own symlinks are
//! followed only as if the root were `/`.

use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use nix::errno::Errno;
use nix::fcntl::readlinkat;
use nix::fcntl::{openat, AtFlags, OFlag};
use nix::sys::stat::{fchmod, fchmodat, fstatat, futimens, mkdirat, utimensat, FchmodatFlags};
use nix::sys::stat::{Mode, UtimensatFlags};
use nix::sys::time::TimeSpec;
use nix::unistd::UnlinkatFlags;
use nix::unistd::{fchown, fchownat, linkat, mkfifoat, symlinkat, unlinkat, Gid, Uid};

use super::fetch;
use super::untar;
use super::{CopyError, CopyPlan, Entry, EntryKind, SourceKind};
use crate::inroot::{open_at_in_root, open_dir, open_in_root};
use crate::runtime::user;

/// `/etc/passwd` and `/etc/group` larger than this are not read.
const MAX_DB: u64 = 16 << 20;
/// Dangling symlinks followed while creating one directory.
const MAX_HOPS: usize = 40;
const HEREDOC_MODE: u32 = 0o644;
const URL_MODE: u32 = 0o600;

pub(super) fn apply(plan: &CopyPlan, root: &Path) -> Result<(), CopyError> {
    let op = plan.op();
    let root_fd = open_dir(root).map_err(|source| CopyError::Root {
        op,
        path: root.to_path_buf(),
        source,
    })?;
    let (uid, gid) = owner(op, plan.chown.as_deref(), &root_fd)?;
    let mut w = Writer::new(op, root_fd, (uid, gid), plan.chmod);
    let dest = split(&plan.dest);
    let into_dir = plan.dest_dir || plan.sources.len() > 1 || w.is_dir(&dest)?;
    let now = now();
    for source in &plan.sources {
        let target = |name: &str| {
            let mut t = dest.clone();
            if into_dir {
                t.push(name.to_string());
            }
            t
        };
        match &source.kind {
            SourceKind::Tree(entries) => match entries.first() {
                Some(first) if first.kind == EntryKind::Dir => w.tree(&dest, entries)?,
                Some(first) => {
                    let t = target(&source.name);
                    let (pfd, name) = w.parent_of(&t)?;
                    w.put(pfd.as_fd(), name, &t, first, &[])?;
                }
                None => {}
            },
            SourceKind::Heredoc(bytes) => {
                let t = target(&source.name);
                let (pfd, name) = w.parent_of(&t)?;
                w.file(pfd.as_fd(), name, &t, &mut &bytes[..], HEREDOC_MODE, now)?;
            }
            SourceKind::Url { path, mtime, .. } => {
                if into_dir && source.name.is_empty() {
                    // The destination turned out to be an existing directory.
                    return Err(CopyError::Download {
                        op,
                        url: source.word.clone(),
                        reason: fetch::NO_FILE_NAME.into(),
                    });
                }
                let t = target(&source.name);
                let (pfd, name) = w.parent_of(&t)?;
                let mut src = open_source(path).map_err(w.err(&t, "read the download"))?;
                let mtime = mtime.map_or(now, |s| (s, 0));
                w.file(pfd.as_fd(), name, &t, &mut src, URL_MODE, mtime)?;
            }
            SourceKind::Archive { path, .. } => {
                let (dfd, _) = w.ensure_dir(&dest)?;
                let owner = plan.chown.as_ref().map(|_| (uid, gid));
                untar::extract(op, &source.word, path, dfd, owner)?;
            }
        }
    }
    w.apply_dir_times()
}

/// `--chown`'s ids from the image's own databases; 0:0 without it.
fn owner(op: &'static str, spec: Option<&str>, root: &OwnedFd) -> Result<(u32, u32), CopyError> {
    let Some(spec) = spec else {
        return Ok((0, 0));
    };
    // A bare uid is also the gid, as podman and Docker make it, whatever
    // the image's passwd says.
    if let Ok(id) = spec.parse::<u32>() {
        return Ok((id, id));
    }
    let passwd = user::parse_passwd(&read_in_root(root, "etc/passwd"));
    let groups = user::parse_group(&read_in_root(root, "etc/group"));
    let u = user::resolve(spec, &passwd, &groups).map_err(|source| CopyError::Chown {
        op,
        spec: spec.to_string(),
        source,
    })?;
    Ok((u.uid, u.gid))
}

/// A file of the image read as if `root` were `/`; empty if missing.
fn read_in_root(root: &OwnedFd, path: &str) -> String {
    let Ok(fd) = open_at_in_root(
        root.as_fd(),
        OsStr::new(path),
        OFlag::O_RDONLY | OFlag::O_NONBLOCK,
    ) else {
        return String::new();
    };
    let mut text = Vec::new();
    let file = File::from(fd);
    if file.metadata().is_ok_and(|m| m.is_file()) {
        let _ = file.take(MAX_DB).read_to_end(&mut text);
    }
    String::from_utf8_lossy(&text).into_owned()
}

/// Opens a host file to copy, refusing a symlink swapped in since the plan
/// (and never waiting on a fifo).
fn open_source(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
}

fn now() -> (i64, i64) {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| (d.as_secs() as i64, i64::from(d.subsec_nanos())))
        .unwrap_or_default()
}

fn split(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .map(str::to_string)
        .collect()
}

fn shown(comps: &[String]) -> String {
    format!("/{}", comps.join("/"))
}

fn ts((sec, nsec): (i64, i64)) -> TimeSpec {
    TimeSpec::new(sec, nsec)
}

/// Writes below one directory fd treated as `/`.
pub(super) struct Writer {
    op: &'static str,
    root: OwnedFd,
    pub(super) uid: u32,
    pub(super) gid: u32,
    chmod: Option<u32>,
    /// Owners the user namespace cannot map are left to its root (the ids
    /// of an archive's entries) instead of failing.
    pub(super) lenient_owner: bool,
    /// Directory times, set last: creating entries inside changes them.
    pub(super) dir_times: Vec<(Vec<String>, (i64, i64))>,
    /// The last parent directory opened.
    cache: Option<(Vec<String>, std::rc::Rc<OwnedFd>)>,
}

impl Writer {
    pub(super) fn new(
        op: &'static str,
        root: OwnedFd,
        (uid, gid): (u32, u32),
        chmod: Option<u32>,
    ) -> Writer {
        Writer {
            op,
            root,
            uid,
            gid,
            chmod,
            lenient_owner: false,
            dir_times: Vec::new(),
            cache: None,
        }
    }

    pub(super) fn err(
        &self,
        comps: &[String],
        what: &'static str,
    ) -> impl FnOnce(io::Error) -> CopyError {
        let op = self.op;
        let path = shown(comps);
        move |source| CopyError::Write {
            op,
            path,
            what,
            source,
        }
    }

    pub(super) fn errno(
        &self,
        comps: &[String],
        what: &'static str,
    ) -> impl FnOnce(Errno) -> CopyError {
        let f = self.err(comps, what);
        move |e| f(e.into())
    }

    /// Opens directory `comps` inside the root.
    pub(super) fn open_in(&self, comps: &[String]) -> Result<OwnedFd, Errno> {
        if comps.is_empty() {
            return openat(
                &self.root,
                ".",
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
                Mode::empty(),
            );
        }
        open_in_root(&self.root, comps.join("/").as_bytes())
    }

    /// Whether `comps` is an existing directory (symlinks followed in the root).
    fn is_dir(&self, comps: &[String]) -> Result<bool, CopyError> {
        match self.open_in(comps) {
            Ok(_) => Ok(true),
            Err(Errno::ENOENT) | Err(Errno::ENOTDIR) => Ok(false),
            Err(e) => Err(self.errno(comps, "look up the destination")(e)),
        }
    }

    /// Opens directory `comps`, creating it and its missing parents (0755,
    /// owned as the copy); says whether the last one was created.
    pub(super) fn ensure_dir(&self, comps: &[String]) -> Result<(OwnedFd, bool), CopyError> {
        self.ensure_dir_hops(comps, 0)
    }

    fn ensure_dir_hops(&self, comps: &[String], hops: usize) -> Result<(OwnedFd, bool), CopyError> {
        match self.open_in(comps) {
            Ok(fd) => return Ok((fd, false)),
            Err(Errno::ENOENT) => {}
            Err(Errno::ENOTDIR) => {
                return Err(CopyError::NotDir {
                    op: self.op,
                    path: shown(comps),
                })
            }
            Err(e) => return Err(self.errno(comps, "open directory")(e)),
        }
        let Some((name, parent)) = comps.split_last() else {
            return Err(self.errno(comps, "open directory")(Errno::ENOENT));
        };
        let (pfd, _) = self.ensure_dir_hops(parent, hops)?;
        let name = OsStr::new(name);
        match mkdirat(&pfd, name, Mode::from_bits_truncate(0o755)) {
            Ok(()) => {}
            Err(Errno::EEXIST) if hops < MAX_HOPS => {
                // A dangling symlink: create what it names, inside the root.
                let target =
                    readlinkat(&pfd, name).map_err(self.errno(comps, "create directory"))?;
                let target = target.as_bytes();
                let mut resolved = if target.starts_with(b"/") {
                    Vec::new()
                } else {
                    parent.to_vec()
                };
                for c in target.split(|&b| b == b'/') {
                    match c {
                        b"" | b"." => {}
                        b".." => {
                            resolved.pop();
                        }
                        c => resolved.push(String::from_utf8_lossy(c).into_owned()),
                    }
                }
                return self.ensure_dir_hops(&resolved, hops + 1);
            }
            Err(e) => return Err(self.errno(comps, "create directory")(e)),
        }
        let fd = openat(
            &pfd,
            name,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(self.errno(comps, "open directory"))?;
        fchown(
            &fd,
            Some(Uid::from_raw(self.uid)),
            Some(Gid::from_raw(self.gid)),
        )
        .map_err(self.errno(comps, "set owner"))?;
        fchmod(&fd, Mode::from_bits_truncate(0o755)).map_err(self.errno(comps, "set mode"))?;
        Ok((fd, true))
    }

    /// The parent directory of `comps` (created if missing) and the last name.
    pub(super) fn parent_of<'c>(
        &mut self,
        comps: &'c [String],
    ) -> Result<(std::rc::Rc<OwnedFd>, &'c OsStr), CopyError> {
        let Some((name, parent)) = comps.split_last() else {
            // The root itself as a file: Docker refuses the same.
            return Err(self.errno(comps, "replace the root directory")(
                Errno::EISDIR,
            ));
        };
        if let Some((k, fd)) = &self.cache {
            if k.as_slice() == parent {
                return Ok((fd.clone(), OsStr::new(name)));
            }
        }
        let (fd, _) = self.ensure_dir(parent)?;
        let fd = std::rc::Rc::new(fd);
        self.cache = Some((parent.to_vec(), fd.clone()));
        Ok((fd, OsStr::new(name)))
    }

    /// A directory source: its contents into `dest`.
    fn tree(&mut self, dest: &[String], entries: &[Entry]) -> Result<(), CopyError> {
        // A destination the copy creates is 0755 and owned as the copy, not
        // a replica of the source directory, as podman makes it.
        self.ensure_dir(dest)?;
        let mut placed: Vec<Option<Vec<String>>> = vec![None; entries.len()];
        for (i, e) in entries.iter().enumerate().skip(1) {
            let mut comps = dest.to_vec();
            comps.extend(split(&e.rel));
            let (pfd, name) = self.parent_of(&comps)?;
            self.put(pfd.as_fd(), name, &comps, e, &placed)?;
            placed[i] = Some(comps);
        }
        Ok(())
    }

    /// Creates `name` in `pfd` as `entry` says.
    fn put(
        &mut self,
        pfd: BorrowedFd<'_>,
        name: &OsStr,
        comps: &[String],
        entry: &Entry,
        placed: &[Option<Vec<String>>],
    ) -> Result<(), CopyError> {
        match &entry.kind {
            EntryKind::Dir => {
                let existed = self.clear(pfd, name, comps, true)?;
                if !existed {
                    mkdirat(pfd, name, Mode::from_bits_truncate(0o700))
                        .map_err(self.errno(comps, "create directory"))?;
                }
                let fd = openat(
                    pfd,
                    name,
                    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(self.errno(comps, "open directory"))?;
                self.set_meta_fd(fd.as_fd(), entry.mode, comps)?;
                self.dir_times.push((comps.to_vec(), entry.mtime));
            }
            EntryKind::File { .. } => {
                let mut src =
                    open_source(&entry.host).map_err(self.err(comps, "read the source"))?;
                self.file(pfd, name, comps, &mut src, entry.mode, entry.mtime)?;
            }
            EntryKind::Symlink { target } => {
                self.clear(pfd, name, comps, false)?;
                symlinkat(target.as_os_str(), pfd, name)
                    .map_err(self.errno(comps, "create symlink"))?;
                self.own_at(pfd, name, comps)?;
                utimensat(
                    pfd,
                    name,
                    &ts(entry.mtime),
                    &ts(entry.mtime),
                    UtimensatFlags::NoFollowSymlink,
                )
                .map_err(self.errno(comps, "set times"))?;
            }
            EntryKind::HardLink { to } => {
                let Some(Some(first)) = placed.get(*to) else {
                    return Err(self.errno(comps, "create hard link")(Errno::ENOENT));
                };
                let Some((tname, tparent)) = first.split_last() else {
                    return Err(self.errno(comps, "create hard link")(Errno::ENOENT));
                };
                let tfd = self
                    .open_in(tparent)
                    .map_err(self.errno(comps, "create hard link"))?;
                self.clear(pfd, name, comps, false)?;
                linkat(&tfd, OsStr::new(tname), pfd, name, AtFlags::empty())
                    .map_err(self.errno(comps, "create hard link"))?;
            }
            EntryKind::Fifo => {
                self.clear(pfd, name, comps, false)?;
                mkfifoat(pfd, name, Mode::from_bits_truncate(0o600))
                    .map_err(self.errno(comps, "create fifo"))?;
                self.own_at(pfd, name, comps)?;
                let mode = self.chmod.unwrap_or(entry.mode);
                fchmodat(
                    pfd,
                    name,
                    Mode::from_bits_truncate(mode),
                    FchmodatFlags::FollowSymlink,
                )
                .map_err(self.errno(comps, "set mode"))?;
                utimensat(
                    pfd,
                    name,
                    &ts(entry.mtime),
                    &ts(entry.mtime),
                    UtimensatFlags::NoFollowSymlink,
                )
                .map_err(self.errno(comps, "set times"))?;
            }
        }
        Ok(())
    }

    /// A regular file with `src`'s bytes.
    pub(super) fn file(
        &mut self,
        pfd: BorrowedFd<'_>,
        name: &OsStr,
        comps: &[String],
        src: &mut dyn Read,
        mode: u32,
        mtime: (i64, i64),
    ) -> Result<(), CopyError> {
        self.clear(pfd, name, comps, false)?;
        let fd = openat(
            pfd,
            name,
            OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::from_bits_truncate(0o600),
        )
        .map_err(self.errno(comps, "create file"))?;
        let mut file = File::from(fd);
        io::copy(src, &mut file).map_err(self.err(comps, "write file"))?;
        file.flush().map_err(self.err(comps, "write file"))?;
        self.set_meta_fd(file.as_fd(), mode, comps)?;
        futimens(file.as_fd(), &ts(mtime), &ts(mtime)).map_err(self.errno(comps, "set times"))?;
        Ok(())
    }

    /// Makes room for `name`: removes a non-directory; keeps a directory when
    /// `keep_dir` (returning `true`), else refuses to replace it.
    pub(super) fn clear(
        &mut self,
        pfd: BorrowedFd<'_>,
        name: &OsStr,
        comps: &[String],
        keep_dir: bool,
    ) -> Result<bool, CopyError> {
        match fstatat(pfd, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Err(Errno::ENOENT) => Ok(false),
            Err(e) => Err(self.errno(comps, "look up")(e)),
            Ok(st) if st.st_mode & libc::S_IFMT == libc::S_IFDIR => {
                if keep_dir {
                    Ok(true)
                } else {
                    Err(self.errno(comps, "replace a directory with a file")(
                        Errno::EISDIR,
                    ))
                }
            }
            Ok(_) => {
                unlinkat(pfd, name, UnlinkatFlags::NoRemoveDir)
                    .map_err(self.errno(comps, "replace"))?;
                Ok(false)
            }
        }
    }

    /// chown then chmod (chown clears setuid/setgid, so the mode comes second).
    pub(super) fn set_meta_fd(
        &self,
        fd: BorrowedFd<'_>,
        mode: u32,
        comps: &[String],
    ) -> Result<(), CopyError> {
        let owned = fchown(
            fd,
            Some(Uid::from_raw(self.uid)),
            Some(Gid::from_raw(self.gid)),
        );
        self.owned(owned, comps)?;
        let mode = self.chmod.unwrap_or(mode);
        fchmod(fd, Mode::from_bits_truncate(mode)).map_err(self.errno(comps, "set mode"))
    }

    pub(super) fn own_at(
        &self,
        pfd: BorrowedFd<'_>,
        name: &OsStr,
        comps: &[String],
    ) -> Result<(), CopyError> {
        let owned = fchownat(
            pfd,
            name,
            Some(Uid::from_raw(self.uid)),
            Some(Gid::from_raw(self.gid)),
            AtFlags::AT_SYMLINK_NOFOLLOW,
        );
        self.owned(owned, comps)
    }

    fn owned(&self, result: nix::Result<()>, comps: &[String]) -> Result<(), CopyError> {
        match result {
            Err(Errno::EINVAL) if self.lenient_owner => {
                log::debug!(
                    "{}: owner {}:{} is not mapped here; left to root",
                    shown(comps),
                    self.uid,
                    self.gid
                );
                Ok(())
            }
            Err(Errno::EINVAL) => Err(CopyError::Unmapped {
                op: self.op,
                uid: self.uid,
                gid: self.gid,
            }),
            other => other.map_err(self.errno(comps, "set owner")),
        }
    }

    /// Sets directory times, deepest last-created first.
    pub(super) fn apply_dir_times(&mut self) -> Result<(), CopyError> {
        self.cache = None;
        let times = std::mem::take(&mut self.dir_times);
        for (comps, mtime) in times.iter().rev() {
            let Some((name, parent)) = comps.split_last() else {
                continue;
            };
            let pfd = self
                .open_in(parent)
                .map_err(self.errno(comps, "set times"))?;
            utimensat(
                &pfd,
                OsStr::from_bytes(name.as_bytes()),
                &ts(*mtime),
                &ts(*mtime),
                UtimensatFlags::NoFollowSymlink,
            )
            .map_err(self.errno(comps, "set times"))?;
        }
        Ok(())
    }
}
