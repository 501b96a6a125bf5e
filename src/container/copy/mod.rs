//! `rpod cp`: copying files between a container and the host, or a tar stream on
//! stdin/stdout, with podman's semantics (see [`rules`]).
//!
//! The copy runs in one child process that sees the container's filesystem as its
//! `/`: for a running container it joins the container's user and mount namespaces
//! through a pidfd of its init (so volumes and tmpfs mounts are seen as the container
//! sees them); for a created or exited one it mounts the root filesystem (overlay of
//! the image's layers and the container's upper dir, with its bind mounts and
//! volumes) in a fresh user and mount namespace and `chroot`s into it, holding the
//! container's lock so that it cannot start meanwhile. The host's `/` reaches the
//! child as a descriptor opened before.
//!
//! Inside, both sides are roots: every path is resolved under its root
//! ([`resolve`]), a symlink in the container can never lead to a host file, and the
//! data flows as a tar stream from [`pack`] to [`extract`]. As root of the user
//! namespace the child creates host files that belong to the calling user, and
//! container files owned as `--archive` says.

pub mod extract;
pub mod pack;
pub mod resolve;
pub mod rules;

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nix::fcntl::OFlag;
use nix::sched::CloneFlags;
use oci_spec::runtime::Spec;
use thiserror::Error;

use self::extract::{Options, Owners};
use self::pack::Packer;
use self::resolve::{open_in, resolve, Resolved};
use self::rules::{place, DestState, Direction, Kind, PlaceError, Spelling};
use super::launch;
use super::record::Record;
use super::store::ContainerStore;
use crate::runtime::mounts::{self, MountOp};
use crate::userns::{self, IdMap};

#[derive(Debug, Error)]
pub enum CopyError {
    #[error("invalid arguments {src}, {dest}: one of them must name a container (CONTAINER:PATH)")]
    NoContainer { src: String, dest: String },
    #[error("copying between two containers is not supported: copy to the host first")]
    BetweenContainers,
    #[error("a container name or ID must come before the ':'")]
    EmptyContainer,
    #[error("a host path must not be empty")]
    EmptyPath,
    #[error("{path:?} could not be found on {place}: {reason}")]
    NotFound {
        path: String,
        place: String,
        reason: &'static str,
    },
    #[error("destination must be a directory when copying a directory")]
    DirOntoFile,
    #[error("destination must be a directory when copying from stdin")]
    StdinNeedsDir,
    #[error("{path:?} on {place} exists but is not a directory")]
    NotADirectory { path: String, place: String },
    #[error("cannot overwrite {existing} {path:?} with a {new}: use --overwrite to replace it")]
    Overwrite {
        path: String,
        existing: &'static str,
        new: &'static str,
    },
    #[error("archive entry {0:?} points outside the destination")]
    Escape(String),
    #[error("reading the tar archive: {0}")]
    Archive(#[source] io::Error),
    #[error("cannot {what} {path}: {source}")]
    Write {
        path: String,
        what: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("reading {path} on {place}: {source}")]
    Read {
        path: String,
        place: String,
        #[source]
        source: io::Error,
    },
    #[error("writing the tar archive: {0}")]
    Output(#[source] io::Error),
    #[error("resolving the container's user for --archive: {0}")]
    User(String),
}

/// What to copy, as the command line says.
#[derive(Debug, Clone)]
pub struct Request {
    pub direction: Direction,
    /// Files copied into the container belong to its user (podman's default).
    pub archive: bool,
    pub overwrite: bool,
}

/// One side of the copy inside the child: its root and how it is named.
struct Side<'a> {
    root: BorrowedFd<'a>,
    place: String,
    container: bool,
}

impl Side<'_> {
    fn not_found(&self, text: &str, reason: &'static str) -> CopyError {
        CopyError::NotFound {
            path: text.to_string(),
            place: self.place.clone(),
            reason,
        }
    }

    /// The path to resolve under this side's root: a container path as podman
    /// cleans it, a host path made absolute against `cwd`.
    fn path(&self, spelling: &Spelling, cwd: &Path) -> PathBuf {
        if self.container {
            rules::clean_container_path(&spelling.path)
        } else {
            cwd.join(&spelling.path)
        }
    }

    fn resolve(&self, text: &str, path: &Path) -> Result<Resolved, CopyError> {
        resolve(self.root, path, true).map_err(|e| CopyError::Read {
            path: text.to_string(),
            place: self.place.clone(),
            source: e.into(),
        })
    }
}

/// What the child works with, prepared by the caller.
struct Job<'a> {
    req: &'a Request,
    spec: &'a Spec,
    name: &'a str,
    host_root: BorrowedFd<'a>,
    cwd: &'a Path,
}

/// Carries out `req` on the container it names.
pub fn copy(store: &ContainerStore, map: &IdMap, req: &Request) -> Result<()> {
    let record = store.lookup(req.direction.container())?;
    let spec = store.spec(&record.id)?;
    let host_root = crate::inroot::open_dir(Path::new("/")).context("opening /")?;
    let cwd = std::env::current_dir().context("reading the working directory")?;
    let job = Job {
        req,
        spec: &spec,
        name: req.direction.container(),
        host_root: host_root.as_fd(),
        cwd: &cwd,
    };
    in_container(store, &record, map, &|| {
        work(&job).map_err(anyhow::Error::from)
    })
}

/// Runs `f` in a child whose `/` is the container's filesystem, as root of the
/// container's user namespace.
fn in_container(
    store: &ContainerStore,
    record: &Record,
    map: &IdMap,
    f: &dyn Fn() -> Result<()>,
) -> Result<()> {
    let id = &record.id;
    // A container may start or stop between the look and the act: look again.
    for _ in 0..3 {
        let state = store.state(id);
        if state.running() {
            if let Some(pidfd) = state.pid.open() {
                match joined(&pidfd, state.pid.pid, f) {
                    // It stopped while we were joining it: copy as for a stopped one.
                    Err(_) if userns::spawn::exited(&pidfd) => continue,
                    done => return done,
                }
            }
        }
        let lock = store.lock(id)?;
        if store.state(id).running() {
            drop(lock);
            continue;
        }
        let done = stopped(store, record, map, f);
        drop(lock);
        return done;
    }
    anyhow::bail!("container {id} keeps changing state: try again")
}

/// Joins the running container's user and mount namespaces.
fn joined(pidfd: &OwnedFd, pid: i32, f: &dyn Fn() -> Result<()>) -> Result<()> {
    let join = crate::runtime::exec::namespaces_to_join(pid)?
        & (CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNS);
    let child = userns::spawn_joined(pidfd, join, CloneFlags::empty(), || {
        // The copy ends with rpod.
        // SAFETY: prctl with integer arguments only.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
        match f() {
            // Nothing to report: the report pipe closes at exit, as at an exec.
            // SAFETY: leaving the forked child without the parent's cleanup.
            Ok(()) => unsafe { libc::_exit(0) },
            Err(e) => e,
        }
    })?;
    match child.wait()? {
        0 => Ok(()),
        code => anyhow::bail!("the copy process ended with status {code}"),
    }
}

/// Mounts the stopped container's filesystem in a new user and mount namespace.
fn stopped(
    store: &ContainerStore,
    record: &Record,
    map: &IdMap,
    f: &dyn Fn() -> Result<()>,
) -> Result<()> {
    let spec = store.spec(&record.id)?;
    let rootfs = launch::rootfs(store, record);
    let plan = mounts::plan(&spec, &rootfs)?;
    let target = launch::bundle(store, &record.id)?.rootfs_path();
    std::fs::create_dir_all(&target).with_context(|| format!("creating {}", target.display()))?;
    let ops: Vec<MountOp> = plan
        .setup
        .into_iter()
        .filter_map(|op| match op {
            MountOp::MakePrivate => Some(op),
            MountOp::Root { source, .. } => Some(MountOp::Root {
                source,
                target: target.clone(),
            }),
            // Volumes and bind mounts: what the container would see there. Files the
            // container gets at start (its /etc/hosts …) may not exist yet; the
            // host's /sys stands in for a sysfs of its own and holds no files of it.
            MountOp::Bind { ref source, .. } if source.exists() && source != Path::new("/sys") => {
                Some(op)
            }
            _ => None,
        })
        .collect();
    userns::run_in(map, CloneFlags::CLONE_NEWNS, || {
        mounts::apply(&ops, &target).context("mounting the container's filesystem")?;
        nix::unistd::chroot(&target).context("entering the container's filesystem")?;
        nix::unistd::chdir("/").context("entering the container's filesystem")?;
        f()
    })
}

/// The copy itself, in the child.
fn work(job: &Job<'_>) -> Result<(), CopyError> {
    let ctr_root = crate::inroot::open_dir(Path::new("/")).map_err(|source| CopyError::Read {
        path: "/".into(),
        place: format!("container {}", job.name),
        source,
    })?;
    let container = Side {
        root: ctr_root.as_fd(),
        place: format!("container {}", job.name),
        container: true,
    };
    let host = Side {
        root: job.host_root,
        place: "the host".into(),
        container: false,
    };
    match &job.req.direction {
        Direction::In { src, dest, .. } => {
            let owners = if job.req.archive {
                let user =
                    crate::runtime::process::resolve_user(job.spec.process().as_ref().ok_or_else(
                        || CopyError::User("the container's spec has no process".into()),
                    )?)
                    .map_err(|e| CopyError::User(crate::error::one_line(&e)))?;
                Owners::All(user.uid, user.gid)
            } else {
                Owners::Archive
            };
            let opts = Options {
                owners,
                overwrite: job.req.overwrite,
            };
            match src {
                Some(src) => transfer(job, &host, src, &container, dest, opts),
                None => from_stdin(job, &container, dest, opts),
            }
        }
        Direction::Out { src, dest, .. } => {
            let opts = Options {
                owners: Owners::Creator,
                overwrite: job.req.overwrite,
            };
            match dest {
                Some(dest) => transfer(job, &container, src, &host, dest, opts),
                None => to_stdout(job, &container, src),
            }
        }
    }
}

/// A resolved source, opened.
struct Source {
    fd: OwnedFd,
    kind: Kind,
    spelling: Spelling,
    /// Its name as written, else where it led (`..`).
    name: Option<OsString>,
}

fn open_source(job: &Job<'_>, side: &Side<'_>, text: &str) -> Result<Source, CopyError> {
    let spelling = Spelling::of(text);
    let path = side.path(&spelling, job.cwd);
    let found = side.resolve(text, &path)?;
    let Some(st) = found.stat else {
        return Err(side.not_found(text, "no such file or directory"));
    };
    let kind = if resolve::is_dir(&st) {
        Kind::Dir
    } else {
        Kind::NonDir
    };
    if spelling.dir_only && kind != Kind::Dir {
        return Err(side.not_found(text, "not a directory"));
    }
    let flags = match st.st_mode & libc::S_IFMT {
        libc::S_IFDIR => OFlag::O_RDONLY | OFlag::O_DIRECTORY,
        libc::S_IFREG => OFlag::O_RDONLY | OFlag::O_NOCTTY,
        // Fifos and devices are copied as what they are, never opened.
        _ => OFlag::O_PATH,
    } | OFlag::O_NOFOLLOW;
    let fd = open_in(side.root, &found.path, flags).map_err(|e| CopyError::Read {
        path: text.to_string(),
        place: side.place.clone(),
        source: e.into(),
    })?;
    let name = spelling
        .name
        .clone()
        .or_else(|| found.path.file_name().map(OsStr::to_os_string));
    Ok(Source {
        fd,
        kind,
        spelling,
        name,
    })
}

/// Path to path: the source packed in a thread, unpacked here.
fn transfer(
    job: &Job<'_>,
    from: &Side<'_>,
    src: &str,
    to: &Side<'_>,
    dest: &str,
    opts: Options,
) -> Result<(), CopyError> {
    let source = open_source(job, from, src)?;
    let dest_spelling = Spelling::of(dest);
    let dest_path = to.path(&dest_spelling, job.cwd);
    let found = to.resolve(dest, &dest_path)?;
    let state = match (&found.stat, found.parent_ok) {
        (Some(st), _) if resolve::is_dir(st) => DestState::Dir,
        (Some(_), _) => DestState::NonDir,
        (None, true) => DestState::Missing,
        (None, false) => DestState::NoParent,
    };
    // Named as written, or for `..` after where it led.
    let named = Spelling {
        name: source.name.clone(),
        ..source.spelling.clone()
    };
    let placement = place(source.kind, &named, state, &dest_spelling).map_err(|e| match e {
        PlaceError::NotFound => to.not_found(dest, "no such file or directory"),
        PlaceError::NotADirectory => CopyError::NotADirectory {
            path: dest.to_string(),
            place: to.place.clone(),
        },
        PlaceError::DirOntoFile => CopyError::DirOntoFile,
    })?;
    // Beside the destination: where its symlinks lead, under that name.
    let (base, top) = match (placement.into_parent, resolve::split(&found.path)) {
        (true, Some((parent, name))) => (parent.to_path_buf(), Some(name.to_os_string())),
        _ => (found.path.clone(), placement.top),
    };
    let (read, write) =
        nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|e| CopyError::Output(e.into()))?;
    let top = top.as_deref();
    let shown = shown_base(dest, &dest_spelling, placement.into_parent);
    std::thread::scope(|s| {
        let packer = s.spawn(move || pack_into(&source.fd, top, File::from(write), from, src));
        let extracted = extract::extract(
            BufReader::with_capacity(1 << 16, File::from(read)),
            to.root,
            &base,
            opts,
            &shown,
        );
        let packed = packer
            .join()
            .unwrap_or_else(|_| Err(CopyError::Output(io::Error::other("the reader panicked"))));
        match (packed, extracted) {
            // The reader stopped first: its error is the cause.
            (Err(CopyError::Output(e)), Err(x)) if e.kind() == io::ErrorKind::BrokenPipe => Err(x),
            (Err(p), _) => Err(p),
            (Ok(()), x) => x,
        }
    })
}

/// How the directory the copy lands in is named in messages.
fn shown_base(dest: &str, spelling: &Spelling, into_parent: bool) -> String {
    if !into_parent {
        return dest.to_string();
    }
    match spelling.path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.display().to_string(),
        _ => ".".into(),
    }
}

fn pack_into(
    fd: &OwnedFd,
    top: Option<&OsStr>,
    out: File,
    side: &Side<'_>,
    text: &str,
) -> Result<(), CopyError> {
    let mut p = Packer::new(BufWriter::with_capacity(1 << 16, out));
    if side.container {
        p = p.skip_unreadable();
    }
    let fail = |e: io::Error| {
        if e.kind() == io::ErrorKind::BrokenPipe {
            CopyError::Output(e)
        } else {
            CopyError::Read {
                path: text.to_string(),
                place: side.place.clone(),
                source: e,
            }
        }
    };
    p.add(fd, top).map_err(fail)?;
    p.finish()
        .and_then(|mut w| w.flush())
        .map_err(CopyError::Output)
}

/// `rpod cp - CONTAINER:DIR`: the tar on stdin unpacked into an existing directory.
fn from_stdin(job: &Job<'_>, to: &Side<'_>, dest: &str, opts: Options) -> Result<(), CopyError> {
    let spelling = Spelling::of(dest);
    let found = to.resolve(dest, &to.path(&spelling, job.cwd))?;
    if !found.is_dir() {
        return Err(CopyError::StdinNeedsDir);
    }
    // gzip and zstd archives are taken as they come, as podman does.
    let (archive, _) = crate::image::compression::decompress(io::stdin().lock(), None)
        .map_err(CopyError::Archive)?;
    extract::extract(archive, to.root, &found.path, opts, dest)
}

/// `rpod cp CONTAINER:PATH -`: a tar of the path on stdout, named by its last
/// component (a directory's content alone with `dir/.`).
fn to_stdout(job: &Job<'_>, from: &Side<'_>, src: &str) -> Result<(), CopyError> {
    let source = open_source(job, from, src)?;
    let top = match source.kind {
        Kind::Dir if source.spelling.contents => None,
        _ => source.name.clone(),
    };
    let out = nix::unistd::dup(io::stdout().as_fd()).map_err(|e| CopyError::Output(e.into()))?;
    pack_into(&source.fd, top.as_deref(), File::from(out), from, src)
}
