//! Extracting a layer (a tar, gzip/zstd or plain) into a directory, with its
//! whiteouts turned into what kernel overlayfs honours in a user namespace.
//!
//! Run as root of the user namespace, so that owners, devices and
//! `security.capability` come out as the image says.
//!
//! # Never outside the target
//! Layer tars are hostile input. Every path is cleaned first: a leading `/`
//! means the layer root, `..` may not climb above it (that entry fails the
//! layer, as Docker does). Parents are then opened with
//! `openat2(RESOLVE_IN_ROOT)` from the root's fd, so a symlink that the layer
//! itself planted (`evil -> /etc`) is resolved as if the layer root were `/`:
//! writing `evil/passwd` lands in `<root>/etc/passwd`, never in the host's.
//! The last component is always created with `O_NOFOLLOW`/`O_EXCL` (or the
//! `*at` calls that do not follow), after removing whatever was there, and
//! hard-link targets are resolved the same way. Metadata is set through file
//! descriptors, or `*at` calls with `AT_SYMLINK_NOFOLLOW`.
//!
//! # Whiteouts
//! `.wh.NAME` becomes a 0:0 character device (which the kernel lets an
//! unprivileged user create), or, if that fails or is asked for, an empty file
//! with `user.overlay.whiteout`, its parent marked `user.overlay.whiteouts`
//! (Linux 6.7) and `user.overlay.opaque=x` (6.8 on; lower layers only).
//! `.wh..wh..opq` sets `user.overlay.opaque=y` on its directory.
//! Overlay is mounted with `userxattr`, so the `user.overlay.` namespace is the
//! one it reads; such xattrs arriving *in* a layer are dropped.

use std::cell::RefCell;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use nix::errno::Errno;
use nix::fcntl::{openat, AtFlags, OFlag};
use nix::sys::stat::{
    fchmod, fchmodat, fstatat, futimens, makedev, mkdirat, mknodat, utimensat, FchmodatFlags, Mode,
    SFlag, UtimensatFlags,
};
use nix::sys::time::TimeSpec;
use nix::unistd::{
    fchown, fchownat, linkat, mkfifoat, symlinkat, unlinkat, Gid, Uid, UnlinkatFlags,
};
use thiserror::Error;

use super::compression::{self, Compression};
use super::fsat::{fgetxattr, fsetxattr, open_dir, open_in_root, remove_tree_at, with_cstr};
use super::tarsplit::JournalWriter;
use crate::base::digest::{Digest, HashingReader};

/// Buffer for file contents and for the decompressed stream.
const BUFFER: usize = 1 << 20;

pub const OPAQUE_MARKER: &[u8] = b".wh..wh..opq";
pub const WHITEOUT_PREFIX: &[u8] = b".wh.";
pub const XATTR_OPAQUE: &str = "user.overlay.opaque";
pub const XATTR_WHITEOUT: &str = "user.overlay.whiteout";
pub const XATTR_WHITEOUTS: &str = "user.overlay.whiteouts";

#[derive(Debug, Error)]
pub enum UnpackError {
    #[error("cannot open {path} to extract into: {source}")]
    Target {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot read the layer: {0}")]
    Read(#[source] io::Error),
    #[error("layer entry {path:?} points outside the layer")]
    Escape { path: String },
    #[error("layer entry {path:?} is a hard link to {target:?}, outside the layer")]
    LinkEscape { path: String, target: String },
    #[error("layer entry {path:?}: cannot {what}: {source}")]
    Entry {
        path: String,
        what: &'static str,
        #[source]
        source: io::Error,
    },
    #[error(
        "layer entry {path:?} is owned by {uid}:{gid}, which the user namespace does not map: \
         give the user more subordinate ids (usermod --add-subuids … --add-subgids …)"
    )]
    Unmapped { path: String, uid: u64, gid: u64 },
    #[error("cannot write the tar journal {path}: {source}")]
    Journal {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// How to unpack.
#[derive(Debug, Clone, Default)]
pub struct UnpackOptions {
    /// The layer's media type, if known; the data's first bytes decide when they disagree.
    pub media_type: Option<String>,
    /// Where to write the tar journal that lets `pack` rebuild the exact stream.
    pub journal: Option<PathBuf>,
    /// Write whiteouts as xattr-marked files even where 0:0 devices can be made.
    pub xattr_whiteouts: bool,
}

/// What an extraction did; `diff_id` and `size` describe the uncompressed tar.
/// Serializable, so an extraction run in a user-namespace child can report it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnpackStats {
    pub diff_id: Digest,
    pub size: u64,
    pub compression: Compression,
    pub counts: Counts,
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

/// Extracts the layer read from `reader` (compressed or not) into `dest`, an
/// existing directory, and hashes the uncompressed stream.
///
/// The whole stream is read, so a caller verifying the compressed digest can
/// pass `&mut verifying_reader` and call its `finish` afterwards. Nothing is
/// written outside `dest` whatever the tar holds; on error `dest` is left
/// half-filled for the caller to discard.
pub fn unpack<R: Read>(
    reader: R,
    dest: &Path,
    opts: &UnpackOptions,
) -> Result<UnpackStats, UnpackError> {
    let root = open_dir(dest).map_err(|source| UnpackError::Target {
        path: dest.to_path_buf(),
        source,
    })?;
    let (decoder, compression) =
        compression::decompress(reader, opts.media_type.as_deref()).map_err(UnpackError::Read)?;
    let journal = match &opts.journal {
        Some(path) => Some(
            JournalWriter::create(path).map_err(|source| UnpackError::Journal {
                path: path.clone(),
                source,
            })?,
        ),
        None => None,
    };
    let tap = Rc::new(RefCell::new(Tap {
        journal,
        recording: true,
    }));
    let recorder = Recorder {
        inner: BufReader::with_capacity(BUFFER, HashingReader::new(decoder)),
        tap: tap.clone(),
    };
    let mut archive = tar::Archive::new(recorder);
    let mut ex = Extractor {
        root: Rc::new(root),
        parent_cache: None,
        dir_times: Vec::new(),
        counts: Counts::default(),
        buf: vec![0u8; BUFFER],
        tap,
        xattr_whiteouts: opts.xattr_whiteouts,
        squash_unmapped: maps_root_alone(),
    };
    for entry in archive.entries().map_err(UnpackError::Read)? {
        let mut entry = entry.map_err(UnpackError::Read)?;
        ex.entry(&mut entry)?;
    }
    ex.apply_dir_times()?;

    // The digest covers the stream to its end, padding after the archive included.
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(UnpackError::Read)?;
    let Recorder { inner, .. } = rest;
    let (diff_id, size) = inner.into_inner().finish().map_err(UnpackError::Read)?;
    let journal = ex.tap.borrow_mut().journal.take();
    if let (Some(j), Some(path)) = (journal, &opts.journal) {
        j.finish().map_err(|source| UnpackError::Journal {
            path: path.clone(),
            source,
        })?;
    }
    Ok(UnpackStats {
        diff_id,
        size,
        compression,
        counts: ex.counts,
    })
}

/// Whether the stream bytes currently read go to the journal.
struct Tap {
    journal: Option<JournalWriter>,
    recording: bool,
}

/// Passes the uncompressed stream to the tar reader, copying what the journal keeps.
struct Recorder<R> {
    inner: R,
    tap: Rc<RefCell<Tap>>,
}

impl<R: Read> Read for Recorder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut tap = self.tap.borrow_mut();
        if tap.recording {
            if let Some(j) = tap.journal.as_mut() {
                j.raw(&buf[..n])?;
            }
        }
        Ok(n)
    }
}

/// Ownership, mode, times and xattrs of one entry.
struct Meta {
    uid: u64,
    gid: u64,
    mode: u32,
    mtime: TimeSpec,
    atime: TimeSpec,
    xattrs: Vec<(Vec<u8>, Vec<u8>)>,
}

struct Extractor {
    root: Rc<OwnedFd>,
    /// The last parent directory opened, by its cleaned path.
    parent_cache: Option<(Vec<u8>, Rc<OwnedFd>)>,
    /// Directory times, applied last (creating entries inside changes them).
    dir_times: Vec<(Vec<u8>, TimeSpec, TimeSpec)>,
    counts: Counts,
    buf: Vec<u8>,
    tap: Rc<RefCell<Tap>>,
    xattr_whiteouts: bool,
    /// Give entries of unmapped owners to root instead of failing (see [`Counts::squashed_owners`]).
    squash_unmapped: bool,
}

impl Extractor {
    fn entry<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>) -> Result<(), UnpackError> {
        let raw_path = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&raw_path).into_owned();
        let comps = clean(&raw_path).ok_or_else(|| UnpackError::Escape {
            path: shown.clone(),
        })?;
        self.counts.entries += 1;
        let kind = entry.header().entry_type();
        let meta = read_meta(entry).map_err(UnpackError::Read)?;
        let err = |what: &'static str| {
            let path = shown.clone();
            move |source: io::Error| UnpackError::Entry { path, what, source }
        };

        let Some((name, parent)) = comps.split_last() else {
            // The layer root itself: only its metadata can change.
            if kind.is_dir() {
                let root = self.root.clone();
                self.set_owner_mode_fd(root.as_fd(), &meta, &shown)?;
                self.set_xattrs_fd(root.as_fd(), &meta.xattrs, &shown)?;
                self.dir_times.push((Vec::new(), meta.atime, meta.mtime));
            }
            return Ok(());
        };
        let name = OsStr::from_bytes(name);
        if name.as_bytes().starts_with(WHITEOUT_PREFIX) {
            return self.whiteout(parent, name, &shown);
        }
        let pfd = self.parent(parent, &shown)?;
        let pfd = pfd.as_fd();

        use tar::EntryType as T;
        match kind {
            T::Regular | T::Continuous | T::GNUSparse => {
                self.clear(pfd, name, false).map_err(err("replace"))?;
                let fd = openat(
                    pfd,
                    name,
                    OFlag::O_WRONLY
                        | OFlag::O_CREAT
                        | OFlag::O_EXCL
                        | OFlag::O_NOFOLLOW
                        | OFlag::O_CLOEXEC,
                    Mode::from_bits_truncate(0o600),
                )
                .map_err(|e| err("create file")(e.into()))?;
                let mut file = File::from(fd);
                // Sparse files are expanded by the reader; their stream bytes stay in the journal.
                let by_reference = kind != T::GNUSparse;
                self.copy_content(entry, &mut file, by_reference, &comps)
                    .map_err(err("write file"))?;
                self.set_owner_mode_fd(file.as_fd(), &meta, &shown)?;
                self.set_xattrs_fd(file.as_fd(), &meta.xattrs, &shown)?;
                futimens(file.as_fd(), &meta.atime, &meta.mtime)
                    .map_err(|e| err("set times")(e.into()))?;
                self.counts.files += 1;
            }
            T::Directory => {
                let existed = self.clear(pfd, name, true).map_err(err("replace"))?;
                if !existed {
                    mkdirat(pfd, name, Mode::from_bits_truncate(0o700))
                        .map_err(|e| err("create directory")(e.into()))?;
                }
                let dfd = openat(
                    pfd,
                    name,
                    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(|e| err("open directory")(e.into()))?;
                self.set_owner_mode_fd(dfd.as_fd(), &meta, &shown)?;
                self.set_xattrs_fd(dfd.as_fd(), &meta.xattrs, &shown)?;
                self.dir_times
                    .push((comps.join(&b'/'), meta.atime, meta.mtime));
                self.counts.dirs += 1;
            }
            T::Symlink => {
                let target = entry.link_name_bytes().unwrap_or_default().into_owned();
                self.clear(pfd, name, false).map_err(err("replace"))?;
                symlinkat(OsStr::from_bytes(&target), pfd, name)
                    .map_err(|e| err("create symlink")(e.into()))?;
                self.set_owner_at(pfd, name, &meta, &shown)?;
                self.set_xattrs_at(pfd, name, &meta.xattrs, &shown)?;
                utimensat(
                    pfd,
                    name,
                    &meta.atime,
                    &meta.mtime,
                    UtimensatFlags::NoFollowSymlink,
                )
                .map_err(|e| err("set times")(e.into()))?;
                self.counts.symlinks += 1;
            }
            T::Link => {
                let target = entry.link_name_bytes().unwrap_or_default().into_owned();
                let tcomps = clean(&target).unwrap_or_default();
                let Some((tname, tparent)) = tcomps.split_last() else {
                    return Err(UnpackError::LinkEscape {
                        path: shown.clone(),
                        target: String::from_utf8_lossy(&target).into_owned(),
                    });
                };
                if tcomps == comps {
                    return Ok(());
                }
                let tfd = self.parent(tparent, &shown)?;
                self.clear(pfd, name, false).map_err(err("replace"))?;
                linkat(
                    tfd.as_fd(),
                    OsStr::from_bytes(tname),
                    pfd,
                    name,
                    AtFlags::empty(),
                )
                .map_err(|e| err("create hard link")(e.into()))?;
                self.counts.hardlinks += 1;
            }
            T::Char | T::Block | T::Fifo => {
                self.clear(pfd, name, false).map_err(err("replace"))?;
                let perm = Mode::from_bits_truncate(meta.mode & 0o777);
                let made = if kind == T::Fifo {
                    mkfifoat(pfd, name, perm)
                } else {
                    let (maj, min) = (
                        entry.header().device_major().ok().flatten().unwrap_or(0),
                        entry.header().device_minor().ok().flatten().unwrap_or(0),
                    );
                    let sflag = if kind == T::Char {
                        SFlag::S_IFCHR
                    } else {
                        SFlag::S_IFBLK
                    };
                    mknodat(pfd, name, sflag, perm, makedev(maj.into(), min.into()))
                };
                match made {
                    Ok(()) => {}
                    Err(Errno::EPERM) if kind != T::Fifo => {
                        log::debug!("skipping device node {shown}: not permitted here");
                        self.counts.skipped_devices += 1;
                        return Ok(());
                    }
                    Err(e) => return Err(err("create special file")(e.into())),
                }
                self.set_owner_at(pfd, name, &meta, &shown)?;
                fchmodat(
                    pfd,
                    name,
                    Mode::from_bits_truncate(meta.mode),
                    FchmodatFlags::FollowSymlink,
                )
                .map_err(|e| err("set mode")(e.into()))?;
                self.set_xattrs_at(pfd, name, &meta.xattrs, &shown)?;
                utimensat(
                    pfd,
                    name,
                    &meta.atime,
                    &meta.mtime,
                    UtimensatFlags::NoFollowSymlink,
                )
                .map_err(|e| err("set times")(e.into()))?;
                if kind == T::Fifo {
                    self.counts.fifos += 1;
                } else {
                    self.counts.devices += 1;
                }
            }
            other => log::debug!("skipping layer entry {shown} of tar type {other:?}"),
        }
        Ok(())
    }

    /// Copies an entry's content into `file`; with `by_reference`, the journal
    /// records the file's path instead of the bytes.
    fn copy_content<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        file: &mut File,
        by_reference: bool,
        comps: &[&[u8]],
    ) -> io::Result<()> {
        let reference = by_reference && self.tap.borrow().journal.is_some();
        if reference {
            let mut tap = self.tap.borrow_mut();
            if let Some(j) = tap.journal.as_mut() {
                j.file(entry.size(), &comps.join(&b'/'))?;
            }
            tap.recording = false;
        }
        let result = (|| loop {
            let n = match entry.read(&mut self.buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            file.write_all(&self.buf[..n])?;
            self.counts.bytes += n as u64;
        })();
        self.tap.borrow_mut().recording = true;
        result
    }

    /// Opens the parent directory `comps` inside the root, creating missing
    /// directories (0755, root-owned) as tar does.
    fn parent(&mut self, comps: &[&[u8]], shown: &str) -> Result<Rc<OwnedFd>, UnpackError> {
        if comps.is_empty() {
            return Ok(self.root.clone());
        }
        let key = comps.join(&b'/');
        if let Some((k, fd)) = &self.parent_cache {
            if *k == key {
                return Ok(fd.clone());
            }
        }
        let err = |source: Errno| UnpackError::Entry {
            path: shown.to_string(),
            what: "open parent directory",
            source: source.into(),
        };
        let fd = match open_in_root(&self.root, &key) {
            Ok(fd) => fd,
            Err(Errno::ENOENT) => {
                let mut fd: Option<OwnedFd> = None;
                for i in 0..comps.len() {
                    let prefix = comps[..=i].join(&b'/');
                    fd = Some(match open_in_root(&self.root, &prefix) {
                        Ok(f) => f,
                        Err(Errno::ENOENT) => {
                            let at: &OwnedFd = fd.as_ref().unwrap_or(&self.root);
                            let name = OsStr::from_bytes(comps[i]);
                            mkdirat(at, name, Mode::from_bits_truncate(0o755)).map_err(err)?;
                            openat(
                                at,
                                name,
                                OFlag::O_RDONLY
                                    | OFlag::O_DIRECTORY
                                    | OFlag::O_NOFOLLOW
                                    | OFlag::O_CLOEXEC,
                                Mode::empty(),
                            )
                            .map_err(err)?
                        }
                        Err(e) => return Err(err(e)),
                    });
                }
                fd.ok_or_else(|| err(Errno::ENOENT))?
            }
            Err(e) => return Err(err(e)),
        };
        let fd = Rc::new(fd);
        self.parent_cache = Some((key, fd.clone()));
        Ok(fd)
    }

    /// Makes room for a new entry `name`: removes what is there, except an
    /// existing directory when `keep_dir` (returns `true` then).
    fn clear(&mut self, pfd: BorrowedFd<'_>, name: &OsStr, keep_dir: bool) -> io::Result<bool> {
        match fstatat(pfd, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Err(Errno::ENOENT) => Ok(false),
            Err(e) => Err(e.into()),
            Ok(st) if st.st_mode & libc::S_IFMT == libc::S_IFDIR => {
                if keep_dir {
                    return Ok(true);
                }
                // A cached parent may live under the directory going away.
                self.parent_cache = None;
                remove_tree_at(pfd, name)?;
                Ok(false)
            }
            Ok(_) => {
                unlinkat(pfd, name, UnlinkatFlags::NoRemoveDir)?;
                Ok(false)
            }
        }
    }

    fn whiteout(&mut self, parent: &[&[u8]], name: &OsStr, shown: &str) -> Result<(), UnpackError> {
        let pfd = self.parent(parent, shown)?;
        let err = |what: &'static str| {
            let path = shown.to_string();
            move |source: io::Error| UnpackError::Entry { path, what, source }
        };
        let bytes = name.as_bytes();
        if bytes == OPAQUE_MARKER {
            fsetxattr(pfd.as_fd(), XATTR_OPAQUE, b"y").map_err(err("mark directory opaque"))?;
            // Overlay reads xattr whiteouts only in `opaque=x` dirs: in an opaque
            // one they would show as empty files. They hide nothing opacity does not.
            remove_xattr_whiteouts(pfd.as_fd()).map_err(err("mark directory opaque"))?;
            self.counts.opaque_dirs += 1;
            return Ok(());
        }
        let target = &bytes[WHITEOUT_PREFIX.len()..];
        if target.starts_with(WHITEOUT_PREFIX) {
            // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): meaningless for overlay.
            log::debug!("skipping aufs metadata {shown}");
            return Ok(());
        }
        if target.is_empty() || target == b"." || target == b".." {
            return Err(UnpackError::Escape {
                path: shown.to_string(),
            });
        }
        let target = OsStr::from_bytes(target);
        self.clear(pfd.as_fd(), target, false)
            .map_err(err("replace"))?;
        let parent_opaque = fgetxattr(pfd.as_fd(), XATTR_OPAQUE)
            .map_err(err("create whiteout"))?
            .is_some_and(|v| v == b"y");
        if parent_opaque && self.xattr_whiteouts {
            // Nothing below shows through an opaque dir: no whiteout needed.
            self.counts.whiteouts += 1;
            return Ok(());
        }
        let device = if self.xattr_whiteouts {
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
                log::debug!("whiteout device for {shown} refused ({e}); using the xattr form");
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
                .map_err(|e| err("create whiteout")(e.into()))?;
                fsetxattr(fd.as_fd(), XATTR_WHITEOUT, b"y").map_err(err("create whiteout"))?;
                // The parent must say it holds xattr whiteouts: Linux 6.7 reads
                // `whiteouts`, 6.8+ `opaque=x` (which must not undo a real `opaque=y`).
                fsetxattr(pfd.as_fd(), XATTR_WHITEOUTS, b"y").map_err(err("create whiteout"))?;
                if fgetxattr(pfd.as_fd(), XATTR_OPAQUE)
                    .map_err(err("create whiteout"))?
                    .is_none()
                {
                    fsetxattr(pfd.as_fd(), XATTR_OPAQUE, b"x").map_err(err("create whiteout"))?;
                }
                self.counts.whiteouts += 1;
                self.counts.xattr_whiteouts += 1;
            }
        }
        Ok(())
    }

    /// chown then chmod (chown clears setuid/setgid, so the mode comes second).
    fn set_owner_mode_fd(
        &mut self,
        fd: BorrowedFd<'_>,
        meta: &Meta,
        shown: &str,
    ) -> Result<(), UnpackError> {
        ids(meta, shown)
            .and_then(|(uid, gid)| {
                fchown(fd, Some(uid), Some(gid)).map_err(|e| owner_error(e, meta, shown))
            })
            .or_else(|e| self.squash(e))?;
        fchmod(fd, Mode::from_bits_truncate(meta.mode)).map_err(|e| UnpackError::Entry {
            path: shown.to_string(),
            what: "set mode",
            source: e.into(),
        })
    }

    fn set_owner_at(
        &mut self,
        pfd: BorrowedFd<'_>,
        name: &OsStr,
        meta: &Meta,
        shown: &str,
    ) -> Result<(), UnpackError> {
        ids(meta, shown)
            .and_then(|(uid, gid)| {
                fchownat(
                    pfd,
                    name,
                    Some(uid),
                    Some(gid),
                    AtFlags::AT_SYMLINK_NOFOLLOW,
                )
                .map_err(|e| owner_error(e, meta, shown))
            })
            .or_else(|e| self.squash(e))
    }

    /// An unmapped owner is kept as the creator's (root of the namespace) when
    /// the namespace maps nothing else; any other error stands.
    fn squash(&mut self, err: UnpackError) -> Result<(), UnpackError> {
        match err {
            UnpackError::Unmapped { .. } if self.squash_unmapped => {
                self.counts.squashed_owners += 1;
                Ok(())
            }
            other => Err(other),
        }
    }

    fn set_xattrs_fd(
        &mut self,
        fd: BorrowedFd<'_>,
        xattrs: &[(Vec<u8>, Vec<u8>)],
        shown: &str,
    ) -> Result<(), UnpackError> {
        for (name, value) in xattrs {
            let Some(name) = self.wanted_xattr(name, shown) else {
                continue;
            };
            let rc = with_cstr(&name, |n| {
                // SAFETY: valid fd, NUL-terminated name, value pointer and length from a slice.
                unsafe { libc::fsetxattr(fd.as_raw_fd(), n, value.as_ptr().cast(), value.len(), 0) }
            });
            self.xattr_result(rc, &name, shown)?;
        }
        Ok(())
    }

    fn set_xattrs_at(
        &mut self,
        pfd: BorrowedFd<'_>,
        name: &OsStr,
        xattrs: &[(Vec<u8>, Vec<u8>)],
        shown: &str,
    ) -> Result<(), UnpackError> {
        if xattrs.is_empty() {
            return Ok(());
        }
        // lsetxattr through the parent's fd: the final component is not followed.
        let mut path = format!("/proc/self/fd/{}/", pfd.as_raw_fd()).into_bytes();
        path.extend_from_slice(name.as_bytes());
        for (xname, value) in xattrs {
            let Some(xname) = self.wanted_xattr(xname, shown) else {
                continue;
            };
            let rc = with_cstr(&path, |p| {
                with_cstr(&xname, |n| {
                    // SAFETY: NUL-terminated path and name, value pointer and length from a slice.
                    unsafe { libc::lsetxattr(p, n, value.as_ptr().cast(), value.len(), 0) }
                })
            });
            self.xattr_result(rc, &xname, shown)?;
        }
        Ok(())
    }

    /// Drops xattrs that must not or cannot be applied from a layer.
    fn wanted_xattr(&mut self, name: &[u8], shown: &str) -> Option<Vec<u8>> {
        let skip = name.starts_with(b"trusted.")
            || name.starts_with(b"user.overlay.")
            || name.starts_with(b"security.selinux")
            || name.contains(&0);
        if skip {
            log::debug!(
                "{shown}: not applying xattr {}",
                String::from_utf8_lossy(name)
            );
            self.counts.skipped_xattrs += 1;
            return None;
        }
        Some(name.to_vec())
    }

    fn xattr_result(
        &mut self,
        rc: libc::c_int,
        name: &[u8],
        shown: &str,
    ) -> Result<(), UnpackError> {
        if rc == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EPERM | libc::EOPNOTSUPP | libc::EACCES | libc::EINVAL | libc::ERANGE) => {
                log::debug!(
                    "{shown}: xattr {} not applied: {e}",
                    String::from_utf8_lossy(name)
                );
                self.counts.skipped_xattrs += 1;
                Ok(())
            }
            _ => Err(UnpackError::Entry {
                path: shown.to_string(),
                what: "set xattr",
                source: e,
            }),
        }
    }

    /// Sets directory times, deepest last-listed first, after all content exists.
    fn apply_dir_times(&mut self) -> Result<(), UnpackError> {
        let times = std::mem::take(&mut self.dir_times);
        for (path, atime, mtime) in times.iter().rev() {
            let shown = String::from_utf8_lossy(path).into_owned();
            let comps: Vec<&[u8]> = path
                .split(|&b| b == b'/')
                .filter(|c| !c.is_empty())
                .collect();
            let result = match comps.split_last() {
                None => futimens(self.root.as_fd(), atime, mtime),
                Some((name, parent)) => {
                    let pfd = match self.parent(parent, &shown) {
                        Ok(fd) => fd,
                        // Removed later in the layer: nothing to date.
                        Err(_) => continue,
                    };
                    utimensat(
                        pfd.as_fd(),
                        OsStr::from_bytes(name),
                        atime,
                        mtime,
                        UtimensatFlags::NoFollowSymlink,
                    )
                }
            };
            match result {
                Ok(()) | Err(Errno::ENOENT) => {}
                Err(e) => {
                    return Err(UnpackError::Entry {
                        path: shown,
                        what: "set times",
                        source: e.into(),
                    })
                }
            }
        }
        Ok(())
    }
}

/// Splits a tar path into components inside the root: `/` and `.` vanish,
/// `..` removes the previous component. `None` if `..` would climb out.
fn clean(path: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out: Vec<&[u8]> = Vec::new();
    for c in path.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                out.pop()?;
            }
            c => out.push(c),
        }
    }
    Some(out)
}

fn read_meta<R: Read>(entry: &mut tar::Entry<'_, R>) -> io::Result<Meta> {
    let h = entry.header();
    let mtime_secs = h.mtime().unwrap_or(0) as i64;
    let mut meta = Meta {
        uid: h.uid().unwrap_or(0),
        gid: h.gid().unwrap_or(0),
        mode: h.mode().unwrap_or(0o644) & 0o7777,
        mtime: TimeSpec::new(mtime_secs, 0),
        atime: TimeSpec::new(mtime_secs, 0),
        xattrs: Vec::new(),
    };
    let mut atime = None;
    if let Some(pax) = entry.pax_extensions()? {
        for ext in pax.flatten() {
            let key = ext.key_bytes();
            if let Some(name) = key.strip_prefix(b"SCHILY.xattr.") {
                meta.xattrs
                    .push((name.to_vec(), ext.value_bytes().to_vec()));
            } else if key == b"mtime" {
                if let Some(t) = ext.value().ok().and_then(pax_time) {
                    meta.mtime = t;
                }
            } else if key == b"atime" {
                atime = ext.value().ok().and_then(pax_time);
            }
        }
    }
    meta.atime = atime.unwrap_or(meta.mtime);
    Ok(meta)
}

/// A PAX time: decimal seconds with an optional fraction (`1700000000.5`).
fn pax_time(s: &str) -> Option<TimeSpec> {
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    let secs: i64 = secs.parse().ok()?;
    let mut nanos: i64 = 0;
    for (i, c) in frac.chars().take(9).enumerate() {
        nanos += i64::from(c.to_digit(10)?) * 10i64.pow(8 - i as u32);
    }
    // A negative time with a fraction counts the fraction away from zero.
    if secs < 0 && nanos > 0 {
        return Some(TimeSpec::new(secs - 1, 1_000_000_000 - nanos));
    }
    Some(TimeSpec::new(secs, nanos))
}

/// Whether this process's user namespace maps exactly one uid and one gid (to
/// its root): rootless without subordinate ids.
fn maps_root_alone() -> bool {
    let single = |file: &str| {
        std::fs::read_to_string(file).is_ok_and(|text| {
            let rows: Vec<Vec<&str>> = text
                .lines()
                .map(|l| l.split_whitespace().collect())
                .collect();
            matches!(rows.as_slice(), [row] if row.first() == Some(&"0") && row.get(2) == Some(&"1"))
        })
    };
    single("/proc/self/uid_map") && single("/proc/self/gid_map")
}

fn ids(meta: &Meta, shown: &str) -> Result<(Uid, Gid), UnpackError> {
    match (u32::try_from(meta.uid), u32::try_from(meta.gid)) {
        (Ok(u), Ok(g)) if u != u32::MAX && g != u32::MAX => {
            Ok((Uid::from_raw(u), Gid::from_raw(g)))
        }
        _ => Err(UnpackError::Unmapped {
            path: shown.to_string(),
            uid: meta.uid,
            gid: meta.gid,
        }),
    }
}

fn owner_error(e: Errno, meta: &Meta, shown: &str) -> UnpackError {
    if e == Errno::EINVAL {
        UnpackError::Unmapped {
            path: shown.to_string(),
            uid: meta.uid,
            gid: meta.gid,
        }
    } else {
        UnpackError::Entry {
            path: shown.to_string(),
            what: "set owner",
            source: e.into(),
        }
    }
}

/// Deletes the xattr-form whiteouts directly in directory `dir`.
fn remove_xattr_whiteouts(dir: BorrowedFd<'_>) -> io::Result<()> {
    let fd = openat(
        dir,
        ".",
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    let mut listing = nix::dir::Dir::from_fd(fd)?;
    let dfd = listing.as_fd().try_clone_to_owned()?;
    let mut doomed = Vec::new();
    for entry in listing.iter() {
        let entry = entry?;
        if entry.file_type() != Some(nix::dir::Type::File) {
            continue;
        }
        let name = entry.file_name();
        let Ok(f) = openat(
            &dfd,
            name,
            OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC,
            Mode::empty(),
        ) else {
            continue;
        };
        if fgetxattr(f.as_fd(), XATTR_WHITEOUT)?.is_some() {
            doomed.push(name.to_owned());
        }
    }
    for name in doomed {
        unlinkat(&dfd, name.as_c_str(), UnlinkatFlags::NoRemoveDir)?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
