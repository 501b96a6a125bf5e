//! The tree writer: entries (files, directories, links, special files) put
//! under a root one by one, each created anew with `O_EXCL|O_NOFOLLOW` or a
//! `*at` call that does not follow, in a parent opened with
//! `RESOLVE_IN_ROOT`. Owner, mode, xattrs and times are set through the new
//! descriptor (or `*at` calls with `AT_SYMLINK_NOFOLLOW`); directory times
//! are set last, by [`TreeWriter::finish`], since filling a directory
//! changes them. What differs between callers (whiteouts, owners, what may
//! be replaced, devices, xattrs) is the [`Policy`].
//!
//! # Whiteouts
//! With [`Whiteouts::Overlay`], `.wh.NAME` becomes a 0:0 character device
//! (which the kernel lets an unprivileged user create), or, if that fails or
//! is asked for, an empty file with `user.overlay.whiteout`, its parent
//! marked `user.overlay.whiteouts` (Linux 6.7) and `user.overlay.opaque=x`
//! (6.8 on; lower layers only). `.wh..wh..opq` sets `user.overlay.opaque=y`
//! on its directory. Overlay is mounted with `userxattr`, so the
//! `user.overlay.` namespace is the one it reads; such xattrs arriving *in*
//! an entry are dropped.

use std::ffi::OsStr;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::rc::Rc;

use nix::errno::Errno;
use nix::fcntl::{openat, readlinkat, AtFlags, OFlag};
use nix::sys::stat::{
    fchmod, fchmodat, fstatat, futimens, makedev, mkdirat, mknodat, utimensat, FchmodatFlags, Mode,
    SFlag, UtimensatFlags,
};
use nix::sys::time::TimeSpec;
use nix::unistd::{fchown, fchownat, linkat, symlinkat, unlinkat, Gid, Uid, UnlinkatFlags};
use thiserror::Error;

use super::walk::entries;
use super::{fgetxattr, fsetxattr, remove_tree_at, with_cstr, DotDot, Root};

/// Buffer for file contents.
const BUFFER: usize = 1 << 20;
/// Dangling symlinks followed while creating one directory.
const MAX_HOPS: usize = 40;

pub const OPAQUE_MARKER: &[u8] = b".wh..wh..opq";
pub const WHITEOUT_PREFIX: &[u8] = b".wh.";
pub const XATTR_OPAQUE: &str = "user.overlay.opaque";
pub const XATTR_WHITEOUT: &str = "user.overlay.whiteout";
pub const XATTR_WHITEOUTS: &str = "user.overlay.whiteouts";

/// Who owns what is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owners {
    /// This process (the writer's creator): no `chown` at all.
    Creator,
    /// The owners each entry names.
    Archive,
    /// Everything to one user and group.
    All(u32, u32),
}

/// What an owner the user namespace cannot map does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmapped {
    /// Fails the entry.
    Fail,
    /// Leaves the entry to the creator.
    Keep,
    /// Leaves it to the creator and counts it ([`Counts::squashed_owners`]).
    Squash,
}

/// What an existing entry in the way of a new one does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Goes, a directory with all it holds; a directory stays for a directory.
    Any,
    /// Like `Any`, but a directory is never replaced by a non-directory.
    KeepDirs,
    /// Like `Any`, but a directory and a non-directory never replace each
    /// other ([`InRootError::Overwrite`]).
    NoSwap,
    /// Nothing is replaced: creating over it fails (`EEXIST`).
    Never,
}

/// What `.wh.` names are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whiteouts {
    /// Ordinary names.
    Plain,
    /// Layer whiteouts, written as overlayfs reads them; `xattr_form` skips
    /// the 0:0 device and writes the xattr form directly.
    Overlay { xattr_form: bool },
}

/// Which xattrs an entry brings are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Xattrs {
    /// None.
    Skip,
    /// All but `trusted.*`, `user.overlay.*` and `security.selinux`; those the
    /// filesystem or the namespace refuse are counted and left out.
    Apply,
}

/// How a writer treats what it is given.
#[derive(Debug, Clone)]
pub struct Policy {
    /// How `..` in an archive's paths is taken.
    pub dotdot: DotDot,
    pub whiteouts: Whiteouts,
    pub owners: Owners,
    pub unmapped: Unmapped,
    /// Parents created on the way get the entry's owner (else the creator's).
    pub parents_owned: bool,
    /// A dangling symlink met while creating a parent is created through
    /// (inside the root), as Docker's `COPY` does; else the entry fails.
    pub through_dangling: bool,
    pub replace: Replace,
    /// Whether character and block devices are made (else skipped). A user
    /// namespace may not make them: `EPERM` skips them anyway.
    pub devices: bool,
    pub xattrs: Xattrs,
    /// Whether an archive's PAX times (with fractions, and atime) are read.
    pub pax_times: bool,
    /// Whether failing to set a time fails the entry (else it is ignored).
    pub strict_times: bool,
    /// Parent directories are opened `O_PATH`: only search permission is
    /// needed on the way, as a path walk needs.
    pub search_only: bool,
    /// Whether an entry naming the root itself sets its owner, mode and times.
    pub root_meta: bool,
}

impl Policy {
    /// Unpacking an image layer: everything as the layer says, overlay
    /// whiteouts, any entry replaced.
    pub fn layer() -> Policy {
        Policy {
            dotdot: DotDot::Clamp,
            whiteouts: Whiteouts::Overlay { xattr_form: false },
            owners: Owners::Archive,
            unmapped: Unmapped::Fail,
            parents_owned: false,
            through_dangling: false,
            replace: Replace::Any,
            devices: true,
            xattrs: Xattrs::Apply,
            pax_times: true,
            strict_times: true,
            search_only: false,
            root_meta: true,
        }
    }
}

/// Ownership, mode, times and xattrs of one entry.
#[derive(Debug, Clone)]
pub struct Meta {
    pub uid: u64,
    pub gid: u64,
    /// Permission bits with setuid, setgid and sticky.
    pub mode: u32,
    pub atime: TimeSpec,
    pub mtime: TimeSpec,
    pub xattrs: Vec<(Vec<u8>, Vec<u8>)>,
}

/// What an entry is.
pub enum Node<'a> {
    File(&'a mut dyn Read),
    Dir,
    Symlink(&'a [u8]),
    /// A hard link to the entry at these components (already written).
    HardLink(&'a [&'a [u8]]),
    Fifo,
    Char(u64),
    Block(u64),
}

/// Entries by kind, and what had to be skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub entries: u64,
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub hardlinks: u64,
    pub devices: u64,
    pub fifos: u64,
    pub whiteouts: u64,
    /// Whiteouts written in the xattr form because a 0:0 device could not be made.
    pub xattr_whiteouts: u64,
    pub opaque_dirs: u64,
    /// Device nodes a user namespace may not create (skipped, as rootless podman does).
    pub skipped_devices: u64,
    pub skipped_xattrs: u64,
    /// Entries whose owner the user namespace cannot map, left to its root: only
    /// when it maps root alone (a user without subordinate ids), as its warning says.
    #[serde(default)]
    pub squashed_owners: u64,
    /// Bytes of file content written.
    pub bytes: u64,
}

/// The step an entry failed at; callers word it as their messages always have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Looking at what is in the way.
    Inspect,
    /// Removing what is in the way.
    Remove,
    /// A directory in the way of a non-directory that may not replace it.
    ReplaceDir,
    CreateFile,
    WriteFile,
    CreateDir,
    OpenDir,
    /// Creating a missing parent directory.
    MakeParent,
    OpenParent,
    CreateSymlink,
    CreateHardLink,
    /// A fifo or device node.
    CreateNode,
    SetOwner,
    SetMode,
    SetTimes,
    SetXattr,
    MarkOpaque,
    CreateWhiteout,
}

impl Op {
    /// The step as a layer's errors name it.
    pub fn words(self) -> &'static str {
        match self {
            Op::Inspect | Op::Remove | Op::ReplaceDir => "replace",
            Op::CreateFile => "create file",
            Op::WriteFile => "write file",
            Op::CreateDir => "create directory",
            Op::OpenDir => "open directory",
            Op::MakeParent | Op::OpenParent => "open parent directory",
            Op::CreateSymlink => "create symlink",
            Op::CreateHardLink => "create hard link",
            Op::CreateNode => "create special file",
            Op::SetOwner => "set owner",
            Op::SetMode => "set mode",
            Op::SetTimes => "set times",
            Op::SetXattr => "set xattr",
            Op::MarkOpaque => "mark directory opaque",
            Op::CreateWhiteout => "create whiteout",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words())
    }
}

/// Why an entry could not be written. `entry` is the path as given (an
/// archive's, raw), `rel` the cleaned one under the root.
#[derive(Debug, Error)]
pub enum InRootError {
    #[error("entry {entry:?} points outside the root")]
    Escape { entry: String },
    #[error("entry {entry:?} is a hard link to {target:?}, outside the root")]
    LinkEscape { entry: String, target: String },
    #[error("cannot read the archive: {0}")]
    Archive(#[source] io::Error),
    #[error("entry {entry:?}: cannot {op}: {source}")]
    Io {
        entry: String,
        rel: String,
        op: Op,
        #[source]
        source: io::Error,
    },
    #[error("entry {entry:?} is owned by {uid}:{gid}, which the user namespace does not map")]
    Unmapped {
        entry: String,
        rel: String,
        uid: u64,
        gid: u64,
    },
    #[error("cannot overwrite {existing} {rel:?} with a {new}")]
    Overwrite {
        entry: String,
        rel: String,
        existing: &'static str,
        new: &'static str,
    },
}

/// A failure before the entry's names are attached.
#[derive(Debug)]
enum Fail {
    Io(Op, io::Error),
    Unmapped(u64, u64),
    Overwrite(&'static str, &'static str),
    Escape,
}

type Res<T> = Result<T, Fail>;

fn at(op: Op) -> impl FnOnce(Errno) -> Fail {
    move |e| Fail::Io(op, e.into())
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Writes entries under one root, as its [`Policy`] says.
pub struct TreeWriter {
    root: Root,
    /// Where entries go under the root (`cp` into a directory of a
    /// container whose `/` is the root), as components and joined.
    base: Vec<Vec<u8>>,
    base_key: Vec<u8>,
    policy: Policy,
    /// The last parent directory opened, by its path under the root.
    cache: Option<(Vec<u8>, Rc<OwnedFd>)>,
    /// Directory times, applied last (creating entries inside changes them).
    dir_times: Vec<(Vec<u8>, TimeSpec, TimeSpec)>,
    pub counts: Counts,
    buf: Vec<u8>,
}

impl TreeWriter {
    /// A writer of entries below `base` (components, an existing directory)
    /// under `root`.
    pub fn new(root: Root, base: &[&[u8]], policy: Policy) -> TreeWriter {
        TreeWriter {
            root,
            base: base.iter().map(|c| c.to_vec()).collect(),
            base_key: base.join(&b'/'),
            policy,
            cache: None,
            dir_times: Vec::new(),
            counts: Counts::default(),
            buf: Vec::new(),
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Whether an entry at `rel` is a whiteout rather than a file to write.
    pub fn is_whiteout(&self, rel: &[&[u8]]) -> bool {
        matches!(self.policy.whiteouts, Whiteouts::Overlay { .. })
            && rel.last().is_some_and(|n| n.starts_with(WHITEOUT_PREFIX))
    }

    /// Writes one entry at `rel` (components under the base). `entry` names
    /// it in errors.
    pub fn put(
        &mut self,
        entry: &[u8],
        rel: &[&[u8]],
        node: Node<'_>,
        meta: &Meta,
    ) -> Result<(), InRootError> {
        self.put_node(rel, node, meta)
            .map_err(|f| self.error(entry, rel, f))
    }

    /// Opens directory `rel` under the base, creating it and its missing
    /// parents (0755, owned as `meta` when the policy says so). Says whether
    /// the last one was created.
    pub fn ensure_dir(
        &mut self,
        entry: &[u8],
        rel: &[&[u8]],
        meta: &Meta,
    ) -> Result<(OwnedFd, bool), InRootError> {
        let full = self.full(rel);
        self.ensure(&full, meta, 0)
            .map_err(|f| self.error(entry, rel, f))
    }

    /// Opens existing directory `rel` under the base.
    pub fn open_dir(&self, rel: &[&[u8]]) -> Result<OwnedFd, Errno> {
        self.root.open_at(&self.key(rel), self.dir_flags())
    }

    /// Sets the deferred directory times, deepest last-listed first.
    pub fn finish(&mut self) -> Result<(), InRootError> {
        self.cache = None;
        let times = std::mem::take(&mut self.dir_times);
        // Siblings come together: their parent is opened once.
        let mut last: Option<(Vec<u8>, Rc<OwnedFd>)> = None;
        for (key, atime, mtime) in times.iter().rev() {
            let comps: Vec<&[u8]> = key
                .split(|&b| b == b'/')
                .filter(|c| !c.is_empty())
                .collect();
            let result = match comps.split_last() {
                None => futimens(self.root.fd(), atime, mtime),
                Some((name, parent)) => {
                    let pkey = parent.join(&b'/');
                    let cached = matches!(&last, Some((k, _)) if *k == pkey);
                    if !cached {
                        let Ok(fd) = self.dir_at(&pkey) else {
                            // Removed later on: nothing to date.
                            continue;
                        };
                        last = Some((pkey, fd));
                    }
                    let Some((_, pfd)) = &last else { continue };
                    utimensat(
                        pfd,
                        OsStr::from_bytes(name),
                        atime,
                        mtime,
                        UtimensatFlags::NoFollowSymlink,
                    )
                }
            };
            match result {
                Ok(()) | Err(Errno::ENOENT) => {}
                Err(_) if !self.policy.strict_times => {}
                Err(e) => {
                    return Err(InRootError::Io {
                        entry: lossy(key),
                        rel: lossy(key),
                        op: Op::SetTimes,
                        source: e.into(),
                    });
                }
            }
        }
        Ok(())
    }

    fn error(&self, entry: &[u8], rel: &[&[u8]], fail: Fail) -> InRootError {
        let (entry, rel) = (lossy(entry), lossy(&rel.join(&b'/')));
        match fail {
            Fail::Io(op, source) => InRootError::Io {
                entry,
                rel,
                op,
                source,
            },
            Fail::Unmapped(uid, gid) => InRootError::Unmapped {
                entry,
                rel,
                uid,
                gid,
            },
            Fail::Overwrite(existing, new) => InRootError::Overwrite {
                entry,
                rel,
                existing,
                new,
            },
            Fail::Escape => InRootError::Escape { entry },
        }
    }

    fn dir_flags(&self) -> OFlag {
        if self.policy.search_only {
            OFlag::O_PATH | OFlag::O_DIRECTORY
        } else {
            OFlag::O_RDONLY | OFlag::O_DIRECTORY
        }
    }

    /// `rel` under the base, joined.
    fn key(&self, rel: &[&[u8]]) -> Vec<u8> {
        let mut key = self.base_key.clone();
        for c in rel {
            if !key.is_empty() {
                key.push(b'/');
            }
            key.extend_from_slice(c);
        }
        key
    }

    fn full(&self, rel: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut full = self.base.clone();
        full.extend(rel.iter().map(|c| c.to_vec()));
        full
    }

    fn put_node(&mut self, rel: &[&[u8]], node: Node<'_>, meta: &Meta) -> Res<()> {
        let Some((name, parent)) = rel.split_last() else {
            // The root itself: only its metadata can change.
            if self.policy.root_meta && matches!(node, Node::Dir) {
                let fd = self.existing_dir(&[]).map_err(at(Op::OpenDir))?;
                self.own_fd(fd.as_fd(), meta)?;
                self.mode_fd(fd.as_fd(), meta.mode)?;
                self.xattrs_fd(fd.as_fd(), &meta.xattrs)?;
                self.dir_times
                    .push((self.base_key.clone(), meta.atime, meta.mtime));
            }
            return Ok(());
        };
        let name = OsStr::from_bytes(name);
        if self.is_whiteout(rel) {
            return self.whiteout(parent, name, meta);
        }
        let pfd = self.parent(parent, meta)?;
        let pfd = pfd.as_fd();
        match node {
            Node::File(src) => {
                let mut file = self.create_file(pfd, name)?;
                self.copy(src, &mut file)?;
                self.own_fd(file.as_fd(), meta)?;
                self.mode_fd(file.as_fd(), meta.mode)?;
                self.xattrs_fd(file.as_fd(), &meta.xattrs)?;
                self.times(futimens(file.as_fd(), &meta.atime, &meta.mtime))?;
                self.counts.files += 1;
            }
            Node::Dir => {
                if !self.clear(pfd, name, true)? {
                    mkdirat(pfd, name, Mode::from_bits_truncate(0o700))
                        .map_err(at(Op::CreateDir))?;
                }
                let fd = openat(
                    pfd,
                    name,
                    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(at(Op::OpenDir))?;
                self.own_fd(fd.as_fd(), meta)?;
                self.mode_fd(fd.as_fd(), meta.mode)?;
                self.xattrs_fd(fd.as_fd(), &meta.xattrs)?;
                self.dir_times.push((self.key(rel), meta.atime, meta.mtime));
                self.counts.dirs += 1;
            }
            Node::Symlink(target) => {
                self.clear(pfd, name, false)?;
                symlinkat(OsStr::from_bytes(target), pfd, name).map_err(at(Op::CreateSymlink))?;
                self.own_at(pfd, name, meta)?;
                self.xattrs_at(pfd, name, &meta.xattrs)?;
                self.times_at(pfd, name, meta)?;
                self.counts.symlinks += 1;
            }
            Node::HardLink(target) => {
                if target == rel {
                    return Ok(());
                }
                let Some((tname, tparent)) = target.split_last() else {
                    return Err(Fail::Escape);
                };
                let tfd = self.existing_dir(tparent).map_err(at(Op::CreateHardLink))?;
                self.clear(pfd, name, false)?;
                linkat(
                    tfd.as_fd(),
                    OsStr::from_bytes(tname),
                    pfd,
                    name,
                    AtFlags::empty(),
                )
                .map_err(at(Op::CreateHardLink))?;
                self.counts.hardlinks += 1;
            }
            Node::Fifo | Node::Char(_) | Node::Block(_) => {
                let (sflag, dev) = match node {
                    Node::Char(dev) => (SFlag::S_IFCHR, dev),
                    Node::Block(dev) => (SFlag::S_IFBLK, dev),
                    _ => (SFlag::S_IFIFO, 0),
                };
                let fifo = sflag == SFlag::S_IFIFO;
                if !fifo && !self.policy.devices {
                    log::debug!("skipping device node {}", lossy(&rel.join(&b'/')));
                    self.counts.skipped_devices += 1;
                    return Ok(());
                }
                self.clear(pfd, name, false)?;
                let perm = Mode::from_bits_truncate(meta.mode & 0o777);
                match mknodat(pfd, name, sflag, perm, dev) {
                    Ok(()) => {}
                    // A user namespace may make fifos but no device nodes.
                    Err(Errno::EPERM) if !fifo => {
                        log::debug!(
                            "skipping device node {}: not permitted here",
                            lossy(&rel.join(&b'/'))
                        );
                        self.counts.skipped_devices += 1;
                        return Ok(());
                    }
                    Err(e) => return Err(Fail::Io(Op::CreateNode, e.into())),
                }
                self.own_at(pfd, name, meta)?;
                fchmodat(
                    pfd,
                    name,
                    Mode::from_bits_truncate(meta.mode),
                    FchmodatFlags::FollowSymlink,
                )
                .map_err(at(Op::SetMode))?;
                self.xattrs_at(pfd, name, &meta.xattrs)?;
                self.times_at(pfd, name, meta)?;
                if fifo {
                    self.counts.fifos += 1;
                } else {
                    self.counts.devices += 1;
                }
            }
        }
        Ok(())
    }

    fn copy(&mut self, src: &mut dyn Read, file: &mut File) -> Res<()> {
        if self.buf.is_empty() {
            self.buf = vec![0u8; BUFFER];
        }
        loop {
            let n = match src.read(&mut self.buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Fail::Io(Op::WriteFile, e)),
            };
            file.write_all(&self.buf[..n])
                .map_err(|e| Fail::Io(Op::WriteFile, e))?;
            self.counts.bytes += n as u64;
        }
    }

    /// A new regular file `name` in `pfd`, empty, after making way for it.
    fn create_file(&mut self, pfd: BorrowedFd<'_>, name: &OsStr) -> Res<File> {
        let flags = OFlag::O_WRONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC | OFlag::O_NOCTTY;
        match self.clear(pfd, name, false) {
            Ok(_) => {}
            // A file mounted over (a container's /etc/hosts) cannot go: write into it.
            Err(Fail::Io(Op::Remove, e)) if e.raw_os_error() == Some(libc::EBUSY) => {
                return openat(pfd, name, flags | OFlag::O_TRUNC, Mode::empty())
                    .map(File::from)
                    .map_err(at(Op::CreateFile));
            }
            Err(e) => return Err(e),
        }
        openat(
            pfd,
            name,
            flags | OFlag::O_CREAT | OFlag::O_EXCL,
            Mode::from_bits_truncate(0o600),
        )
        .map(File::from)
        .map_err(at(Op::CreateFile))
    }

    /// Makes way for a new entry `name` as the policy allows; an existing
    /// directory stays for a directory (returns `true` then).
    fn clear(&mut self, pfd: BorrowedFd<'_>, name: &OsStr, dir: bool) -> Res<bool> {
        if self.policy.replace == Replace::Never {
            return Ok(false);
        }
        let st = match fstatat(pfd, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::ENOENT) => return Ok(false),
            Err(e) => return Err(Fail::Io(Op::Inspect, e.into())),
        };
        let is_dir = st.st_mode & libc::S_IFMT == libc::S_IFDIR;
        match (is_dir, dir, self.policy.replace) {
            (true, true, _) => Ok(true),
            (true, false, Replace::KeepDirs) => Err(Fail::Io(Op::ReplaceDir, Errno::EISDIR.into())),
            (true, false, Replace::NoSwap) => Err(Fail::Overwrite("directory", "non-directory")),
            (false, true, Replace::NoSwap) => Err(Fail::Overwrite("non-directory", "directory")),
            (true, false, _) => {
                // A cached parent may live under the directory going away.
                self.cache = None;
                remove_tree_at(pfd, name).map_err(|e| Fail::Io(Op::Remove, e))?;
                Ok(false)
            }
            (false, _, _) => {
                unlinkat(pfd, name, UnlinkatFlags::NoRemoveDir).map_err(at(Op::Remove))?;
                Ok(false)
            }
        }
    }

    /// Directory `rel` under the base, which must exist.
    fn existing_dir(&self, rel: &[&[u8]]) -> Result<Rc<OwnedFd>, Errno> {
        let key = self.key(rel);
        if let Some((k, fd)) = &self.cache {
            if *k == key {
                return Ok(fd.clone());
            }
        }
        self.dir_at(&key)
    }

    /// Directory `key` (joined components under the root), which must exist.
    fn dir_at(&self, key: &[u8]) -> Result<Rc<OwnedFd>, Errno> {
        if key.is_empty() {
            return Ok(self.root.shared());
        }
        self.root.open_at(key, self.dir_flags()).map(Rc::new)
    }

    /// The parent directory `rel` under the base, created if missing.
    fn parent(&mut self, rel: &[&[u8]], meta: &Meta) -> Res<Rc<OwnedFd>> {
        let key = self.key(rel);
        if key.is_empty() {
            return Ok(self.root.shared());
        }
        if let Some((k, fd)) = &self.cache {
            if *k == key {
                return Ok(fd.clone());
            }
        }
        let fd = match self.root.open_at(&key, self.dir_flags()) {
            Ok(fd) => fd,
            Err(Errno::ENOENT) => {
                let full = self.full(rel);
                self.ensure(&full, meta, 0)?.0
            }
            Err(e) => return Err(Fail::Io(Op::OpenParent, e.into())),
        };
        let fd = Rc::new(fd);
        self.cache = Some((key, fd.clone()));
        Ok(fd)
    }

    /// Opens directory `full` (under the root), creating what is missing.
    fn ensure(&mut self, full: &[Vec<u8>], meta: &Meta, hops: usize) -> Res<(OwnedFd, bool)> {
        match self.root.open_at(&full.join(&b'/'), self.dir_flags()) {
            Ok(fd) => return Ok((fd, false)),
            Err(Errno::ENOENT) => {}
            Err(e) => return Err(Fail::Io(Op::OpenParent, e.into())),
        }
        let Some((name, parent)) = full.split_last() else {
            return Err(Fail::Io(Op::OpenParent, Errno::ENOENT.into()));
        };
        let (pfd, _) = self.ensure(parent, meta, hops)?;
        let name = OsStr::from_bytes(name);
        match mkdirat(&pfd, name, Mode::from_bits_truncate(0o755)) {
            Ok(()) => {}
            Err(Errno::EEXIST) if self.policy.through_dangling && hops < MAX_HOPS => {
                // A dangling symlink: create what it names, inside the root.
                let target = readlinkat(&pfd, name).map_err(at(Op::MakeParent))?;
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
                        c => resolved.push(c.to_vec()),
                    }
                }
                return self.ensure(&resolved, meta, hops + 1);
            }
            Err(e) => return Err(Fail::Io(Op::MakeParent, e.into())),
        }
        let fd = openat(
            &pfd,
            name,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(at(Op::MakeParent))?;
        if self.policy.parents_owned {
            self.own_fd(fd.as_fd(), meta)?;
            fchmod(&fd, Mode::from_bits_truncate(0o755)).map_err(at(Op::SetMode))?;
        }
        if self.policy.search_only {
            let path = openat(
                &pfd,
                name,
                OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(at(Op::MakeParent))?;
            return Ok((path, true));
        }
        Ok((fd, true))
    }

    fn whiteout(&mut self, parent: &[&[u8]], name: &OsStr, meta: &Meta) -> Res<()> {
        let Whiteouts::Overlay { xattr_form } = self.policy.whiteouts else {
            return Ok(());
        };
        let pfd = self.parent(parent, meta)?;
        let io = |op: Op| move |e: io::Error| Fail::Io(op, e);
        let bytes = name.as_bytes();
        if bytes == OPAQUE_MARKER {
            fsetxattr(pfd.as_fd(), XATTR_OPAQUE, b"y").map_err(io(Op::MarkOpaque))?;
            // Overlay reads xattr whiteouts only in `opaque=x` dirs: in an opaque
            // one they would show as empty files. They hide nothing opacity does not.
            remove_xattr_whiteouts(pfd.as_fd()).map_err(io(Op::MarkOpaque))?;
            self.counts.opaque_dirs += 1;
            return Ok(());
        }
        let target = &bytes[WHITEOUT_PREFIX.len()..];
        if target.starts_with(WHITEOUT_PREFIX) {
            // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): meaningless for overlay.
            log::debug!("skipping aufs metadata {}", lossy(bytes));
            return Ok(());
        }
        if target.is_empty() || target == b"." || target == b".." {
            return Err(Fail::Escape);
        }
        let target = OsStr::from_bytes(target);
        self.clear(pfd.as_fd(), target, false)?;
        let parent_opaque = fgetxattr(pfd.as_fd(), XATTR_OPAQUE)
            .map_err(io(Op::CreateWhiteout))?
            .is_some_and(|v| v == b"y");
        if parent_opaque && xattr_form {
            // Nothing below shows through an opaque dir: no whiteout needed.
            self.counts.whiteouts += 1;
            return Ok(());
        }
        let device = if xattr_form {
            Err(Errno::ENOTSUP)
        } else {
            mknodat(
                pfd.as_fd(),
                target,
                SFlag::S_IFCHR,
                Mode::empty(),
                makedev(0, 0),
            )
        };
        match device {
            Ok(()) => self.counts.whiteouts += 1,
            Err(e) => {
                log::debug!(
                    "whiteout device for {} refused ({e}); using the xattr form",
                    lossy(bytes)
                );
                let fd = openat(
                    pfd.as_fd(),
                    target,
                    OFlag::O_WRONLY
                        | OFlag::O_CREAT
                        | OFlag::O_EXCL
                        | OFlag::O_NOFOLLOW
                        | OFlag::O_CLOEXEC,
                    Mode::from_bits_truncate(0o600),
                )
                .map_err(at(Op::CreateWhiteout))?;
                fsetxattr(fd.as_fd(), XATTR_WHITEOUT, b"y").map_err(io(Op::CreateWhiteout))?;
                // The parent must say it holds xattr whiteouts: Linux 6.7 reads
                // `whiteouts`, 6.8+ `opaque=x` (which must not undo a real `opaque=y`).
                fsetxattr(pfd.as_fd(), XATTR_WHITEOUTS, b"y").map_err(io(Op::CreateWhiteout))?;
                if fgetxattr(pfd.as_fd(), XATTR_OPAQUE)
                    .map_err(io(Op::CreateWhiteout))?
                    .is_none()
                {
                    fsetxattr(pfd.as_fd(), XATTR_OPAQUE, b"x").map_err(io(Op::CreateWhiteout))?;
                }
                self.counts.whiteouts += 1;
                self.counts.xattr_whiteouts += 1;
            }
        }
        Ok(())
    }

    fn ids(&self, meta: &Meta) -> Option<(u64, u64)> {
        match self.policy.owners {
            Owners::Creator => None,
            Owners::Archive => Some((meta.uid, meta.gid)),
            Owners::All(u, g) => Some((u.into(), g.into())),
        }
    }

    /// The ids to give, `None` for none; an id no `chown` can take is unmapped.
    fn owner(&mut self, meta: &Meta) -> Res<Option<(Uid, Gid)>> {
        let Some((uid, gid)) = self.ids(meta) else {
            return Ok(None);
        };
        match (u32::try_from(uid), u32::try_from(gid)) {
            (Ok(u), Ok(g)) if u != u32::MAX && g != u32::MAX => {
                Ok(Some((Uid::from_raw(u), Gid::from_raw(g))))
            }
            _ => self.unmapped(uid, gid).map(|()| None),
        }
    }

    fn unmapped(&mut self, uid: u64, gid: u64) -> Res<()> {
        match self.policy.unmapped {
            Unmapped::Fail => Err(Fail::Unmapped(uid, gid)),
            Unmapped::Keep => {
                log::debug!("owner {uid}:{gid} is not mapped here; left to root");
                Ok(())
            }
            Unmapped::Squash => {
                self.counts.squashed_owners += 1;
                Ok(())
            }
        }
    }

    fn owned(&mut self, result: nix::Result<()>, ids: (Uid, Gid)) -> Res<()> {
        match result {
            Ok(()) => Ok(()),
            // An id this user namespace does not map.
            Err(Errno::EINVAL) => self.unmapped(ids.0.as_raw().into(), ids.1.as_raw().into()),
            Err(e) => Err(Fail::Io(Op::SetOwner, e.into())),
        }
    }

    fn own_fd(&mut self, fd: BorrowedFd<'_>, meta: &Meta) -> Res<()> {
        let Some((u, g)) = self.owner(meta)? else {
            return Ok(());
        };
        self.owned(fchown(fd, Some(u), Some(g)), (u, g))
    }

    fn own_at(&mut self, pfd: BorrowedFd<'_>, name: &OsStr, meta: &Meta) -> Res<()> {
        let Some((u, g)) = self.owner(meta)? else {
            return Ok(());
        };
        let r = fchownat(pfd, name, Some(u), Some(g), AtFlags::AT_SYMLINK_NOFOLLOW);
        self.owned(r, (u, g))
    }

    /// After the owner: a change of owner clears setuid and setgid.
    fn mode_fd(&self, fd: BorrowedFd<'_>, mode: u32) -> Res<()> {
        fchmod(fd, Mode::from_bits_truncate(mode)).map_err(at(Op::SetMode))
    }

    fn times(&self, result: nix::Result<()>) -> Res<()> {
        match result {
            Err(e) if self.policy.strict_times => Err(Fail::Io(Op::SetTimes, e.into())),
            _ => Ok(()),
        }
    }

    fn times_at(&self, pfd: BorrowedFd<'_>, name: &OsStr, meta: &Meta) -> Res<()> {
        self.times(utimensat(
            pfd,
            name,
            &meta.atime,
            &meta.mtime,
            UtimensatFlags::NoFollowSymlink,
        ))
    }

    fn xattrs_fd(&mut self, fd: BorrowedFd<'_>, xattrs: &[(Vec<u8>, Vec<u8>)]) -> Res<()> {
        for (name, value) in xattrs {
            if !self.wanted_xattr(name) {
                continue;
            }
            let rc = with_cstr(name, |n| {
                // SAFETY: valid fd, NUL-terminated name, value pointer and length from a slice.
                unsafe { libc::fsetxattr(fd.as_raw_fd(), n, value.as_ptr().cast(), value.len(), 0) }
            });
            self.xattr_result(rc, name)?;
        }
        Ok(())
    }

    fn xattrs_at(
        &mut self,
        pfd: BorrowedFd<'_>,
        name: &OsStr,
        xattrs: &[(Vec<u8>, Vec<u8>)],
    ) -> Res<()> {
        if xattrs.is_empty() {
            return Ok(());
        }
        // lsetxattr through the parent's fd: the final component is not followed.
        let mut path = format!("/proc/self/fd/{}/", pfd.as_raw_fd()).into_bytes();
        path.extend_from_slice(name.as_bytes());
        for (xname, value) in xattrs {
            if !self.wanted_xattr(xname) {
                continue;
            }
            let rc = with_cstr(&path, |p| {
                with_cstr(xname, |n| {
                    // SAFETY: NUL-terminated path and name, value pointer and length from a slice.
                    unsafe { libc::lsetxattr(p, n, value.as_ptr().cast(), value.len(), 0) }
                })
            });
            self.xattr_result(rc, xname)?;
        }
        Ok(())
    }

    /// Drops xattrs that must not or cannot be applied.
    fn wanted_xattr(&mut self, name: &[u8]) -> bool {
        let skip = self.policy.xattrs == Xattrs::Skip
            || name.starts_with(b"trusted.")
            || name.starts_with(b"user.overlay.")
            || name.starts_with(b"security.selinux")
            || name.contains(&0);
        if skip {
            log::debug!("not applying xattr {}", lossy(name));
            self.counts.skipped_xattrs += 1;
        }
        !skip
    }

    fn xattr_result(&mut self, rc: libc::c_int, name: &[u8]) -> Res<()> {
        if rc == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EPERM | libc::EOPNOTSUPP | libc::EACCES | libc::EINVAL | libc::ERANGE) => {
                log::debug!("xattr {} not applied: {e}", lossy(name));
                self.counts.skipped_xattrs += 1;
                Ok(())
            }
            _ => Err(Fail::Io(Op::SetXattr, e)),
        }
    }
}

/// Deletes the xattr-form whiteouts directly in directory `dir`.
fn remove_xattr_whiteouts(dir: BorrowedFd<'_>) -> io::Result<()> {
    for (name, kind) in entries(dir)? {
        if kind != Some(nix::dir::Type::File) {
            continue;
        }
        let Ok(f) = openat(
            dir,
            name.as_os_str(),
            OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC,
            Mode::empty(),
        ) else {
            continue;
        };
        if fgetxattr(f.as_fd(), XATTR_WHITEOUT)?.is_some() {
            unlinkat(dir, name.as_os_str(), UnlinkatFlags::NoRemoveDir)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::path::Path;

    fn meta() -> Meta {
        Meta {
            uid: 0,
            gid: 0,
            mode: 0o644,
            atime: TimeSpec::new(1_000_000, 0),
            mtime: TimeSpec::new(1_000_000, 0),
            xattrs: Vec::new(),
        }
    }

    fn writer(root: &Path, policy: Policy) -> TreeWriter {
        TreeWriter::new(Root::open(root).unwrap(), &[], policy)
    }

    fn copy_like() -> Policy {
        Policy {
            owners: Owners::Creator,
            whiteouts: Whiteouts::Plain,
            through_dangling: true,
            replace: Replace::KeepDirs,
            ..Policy::layer()
        }
    }

    #[test]
    fn parents_are_made_through_dangling_symlinks_only_when_asked() {
        let t = tempfile::tempdir().unwrap();
        let outside = t.path().join("outside");
        let root = t.path().join("root");
        fs::create_dir(&root).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
        let rel: [&[u8]; 2] = [b"link", b"f"];

        let mut w = writer(&root, Policy::layer());
        let err = w
            .put(b"link/f", &rel, Node::File(&mut &b"x"[..]), &meta())
            .unwrap_err();
        assert!(matches!(err, InRootError::Io { .. }), "{err}");

        let mut w = writer(&root, copy_like());
        w.put(b"link/f", &rel, Node::File(&mut &b"x"[..]), &meta())
            .unwrap();
        w.finish().unwrap();
        // Made where the link points, as if the root were `/`.
        let inside = root.join(outside.strip_prefix("/").unwrap()).join("f");
        assert_eq!(fs::read(inside).unwrap(), b"x");
        assert!(!outside.exists());
    }

    #[test]
    fn replace_rules() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        fs::create_dir(root.join("d")).unwrap();
        fs::write(root.join("f"), "old").unwrap();
        let file = |w: &mut TreeWriter, name: &[u8]| {
            w.put(name, &[name], Node::File(&mut &b"new"[..]), &meta())
        };

        let mut w = writer(root, copy_like());
        let err = file(&mut w, b"d").unwrap_err();
        assert!(
            matches!(
                err,
                InRootError::Io {
                    op: Op::ReplaceDir,
                    ..
                }
            ),
            "{err}"
        );
        let mut w = writer(
            root,
            Policy {
                replace: Replace::NoSwap,
                ..copy_like()
            },
        );
        let err = file(&mut w, b"d").unwrap_err();
        assert!(matches!(err, InRootError::Overwrite { .. }), "{err}");
        let mut w = writer(
            root,
            Policy {
                replace: Replace::Never,
                ..copy_like()
            },
        );
        let err = file(&mut w, b"f").unwrap_err();
        assert!(
            matches!(&err, InRootError::Io { op: Op::CreateFile, source, .. }
                if source.raw_os_error() == Some(libc::EEXIST)),
            "{err}"
        );
        assert_eq!(fs::read(root.join("f")).unwrap(), b"old");

        let mut w = writer(root, Policy::layer());
        file(&mut w, b"d").unwrap();
        file(&mut w, b"f").unwrap();
        assert_eq!(fs::read(root.join("d")).unwrap(), b"new");
        assert_eq!(fs::read(root.join("f")).unwrap(), b"new");
    }
}
