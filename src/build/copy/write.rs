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
use std::io::{self, Read};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::time::TimeSpec;

use super::fetch;
use super::untar;
use super::{CopyError, CopyPlan, Entry, EntryKind, SourceKind};
use crate::inroot::tree::{Owners, Replace, Unmapped, Whiteouts, Xattrs};
use crate::inroot::{open_at_in_root, open_dir, DotDot, InRootError, Meta, Node, Op, Policy};
use crate::inroot::{Root, TreeWriter};
use crate::runtime::user;

/// `/etc/passwd` and `/etc/group` larger than this are not read.
const MAX_DB: u64 = 16 << 20;
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
                Some(first) => w.entry(&target(&source.name), first, &[])?,
                None => {}
            },
            SourceKind::Heredoc(bytes) => {
                let meta = w.meta(HEREDOC_MODE, now);
                w.put(&target(&source.name), Node::File(&mut &bytes[..]), &meta)?;
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
                let mut src = open_source(path).map_err(w.err(&t, "read the download"))?;
                let meta = w.meta(URL_MODE, mtime.map_or(now, |s| (s, 0)));
                w.put(&t, Node::File(&mut src), &meta)?;
            }
            SourceKind::Archive { path, .. } => {
                let dfd = w.ensure_dir(&dest)?;
                let owner = plan.chown.as_ref().map(|_| (uid, gid));
                untar::extract(op, &source.word, path, dfd, owner)?;
            }
        }
    }
    w.tree.finish().map_err(|e| copy_error(op, e))
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

/// How the copy's entries are written: owned as the copy, a directory never
/// replaced by a file, missing parents made through dangling symlinks.
pub(super) fn policy(owners: Owners, unmapped: Unmapped) -> Policy {
    Policy {
        dotdot: DotDot::Clamp,
        whiteouts: Whiteouts::Plain,
        owners,
        unmapped,
        parents_owned: true,
        through_dangling: true,
        replace: Replace::KeepDirs,
        devices: false,
        xattrs: Xattrs::Skip,
        pax_times: false,
        strict_times: true,
        search_only: false,
        root_meta: false,
    }
}

/// The build's wording of an in-root failure.
pub(super) fn copy_error(op: &'static str, e: InRootError) -> CopyError {
    let what = |o: Op| match o {
        Op::Inspect => "look up",
        Op::Remove => "replace",
        Op::ReplaceDir => "replace a directory with a file",
        Op::CreateDir | Op::MakeParent => "create directory",
        Op::OpenDir | Op::OpenParent => "open directory",
        Op::CreateNode => "create fifo",
        other => other.words(),
    };
    match e {
        InRootError::Io {
            rel, op: o, source, ..
        } if o == Op::OpenParent && source.raw_os_error() == Some(libc::ENOTDIR) => {
            CopyError::NotDir {
                op,
                path: format!("/{rel}"),
            }
        }
        InRootError::Io {
            rel, op: o, source, ..
        } => CopyError::Write {
            op,
            path: format!("/{rel}"),
            what: what(o),
            source,
        },
        InRootError::Unmapped { uid, gid, .. } => CopyError::Unmapped {
            op,
            uid: u32::try_from(uid).unwrap_or(u32::MAX),
            gid: u32::try_from(gid).unwrap_or(u32::MAX),
        },
        InRootError::Overwrite { rel, .. } => CopyError::Write {
            op,
            path: format!("/{rel}"),
            what: what(Op::ReplaceDir),
            source: Errno::EISDIR.into(),
        },
        other => CopyError::Write {
            op,
            path: "/".into(),
            what: "write",
            source: io::Error::other(other.to_string()),
        },
    }
}

fn comps_of(comps: &[String]) -> Vec<&[u8]> {
    comps.iter().map(|c| c.as_bytes()).collect()
}

/// Writes below one directory fd treated as `/`.
struct Writer {
    op: &'static str,
    tree: TreeWriter,
    uid: u32,
    gid: u32,
    chmod: Option<u32>,
}

impl Writer {
    fn new(op: &'static str, root: OwnedFd, (uid, gid): (u32, u32), chmod: Option<u32>) -> Writer {
        Writer {
            op,
            tree: TreeWriter::new(
                Root::from_fd(root),
                &[],
                policy(Owners::All(uid, gid), Unmapped::Fail),
            ),
            uid,
            gid,
            chmod,
        }
    }

    fn err(&self, comps: &[String], what: &'static str) -> impl FnOnce(io::Error) -> CopyError {
        let op = self.op;
        let path = shown(comps);
        move |source| CopyError::Write {
            op,
            path,
            what,
            source,
        }
    }

    /// The metadata of a copied entry: the copy's owner, `--chmod` over `mode`.
    fn meta(&self, mode: u32, mtime: (i64, i64)) -> Meta {
        Meta {
            uid: self.uid.into(),
            gid: self.gid.into(),
            mode: self.chmod.unwrap_or(mode),
            atime: ts(mtime),
            mtime: ts(mtime),
            xattrs: Vec::new(),
        }
    }

    /// Whether `comps` is an existing directory (symlinks followed in the root).
    fn is_dir(&self, comps: &[String]) -> Result<bool, CopyError> {
        match self.tree.open_dir(&comps_of(comps)) {
            Ok(_) => Ok(true),
            Err(Errno::ENOENT) | Err(Errno::ENOTDIR) => Ok(false),
            Err(e) => Err(self.err(comps, "look up the destination")(e.into())),
        }
    }

    /// Opens directory `comps`, creating it and its missing parents (0755,
    /// owned as the copy).
    fn ensure_dir(&mut self, comps: &[String]) -> Result<OwnedFd, CopyError> {
        let meta = self.meta(0o755, (0, 0));
        let rel = comps_of(comps);
        let key = comps.join("/");
        self.tree
            .ensure_dir(key.as_bytes(), &rel, &meta)
            .map(|(fd, _)| fd)
            .map_err(|e| copy_error(self.op, e))
    }

    /// Writes `node` at `comps`; the root itself cannot be replaced.
    fn put(&mut self, comps: &[String], node: Node<'_>, meta: &Meta) -> Result<(), CopyError> {
        if comps.is_empty() {
            // The root itself as a file: Docker refuses the same.
            return Err(self.err(comps, "replace the root directory")(
                Errno::EISDIR.into(),
            ));
        }
        let key = comps.join("/");
        self.tree
            .put(key.as_bytes(), &comps_of(comps), node, meta)
            .map_err(|e| copy_error(self.op, e))
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
            self.entry(&comps, e, &placed)?;
            placed[i] = Some(comps);
        }
        Ok(())
    }

    /// Creates `comps` as `entry` says.
    fn entry(
        &mut self,
        comps: &[String],
        entry: &Entry,
        placed: &[Option<Vec<String>>],
    ) -> Result<(), CopyError> {
        let meta = self.meta(entry.mode, entry.mtime);
        match &entry.kind {
            EntryKind::Dir => self.put(comps, Node::Dir, &meta),
            EntryKind::File { .. } => {
                let mut src =
                    open_source(&entry.host).map_err(self.err(comps, "read the source"))?;
                self.put(comps, Node::File(&mut src), &meta)
            }
            EntryKind::Symlink { target } => {
                let target = target.as_os_str().as_bytes();
                self.put(comps, Node::Symlink(target), &meta)
            }
            EntryKind::HardLink { to } => {
                let Some(Some(first)) = placed.get(*to) else {
                    return Err(self.err(comps, "create hard link")(Errno::ENOENT.into()));
                };
                let first = comps_of(first);
                self.put(comps, Node::HardLink(&first), &meta)
            }
            EntryKind::Fifo => self.put(comps, Node::Fifo, &meta),
        }
    }
}
