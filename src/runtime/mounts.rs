//! The container's filesystem view: the spec's root and mounts turned into a plain
//! list of [`MountOp`]s (testable without privileges), then carried out by the
//! container's init inside its user and mount namespaces.
//!
//! Every target is resolved inside the new root with `openat2(RESOLVE_IN_ROOT)`, so a
//! symlink in the image can never send a mount outside it; missing mount points are
//! created. The mount is then made through the resolved descriptor (`/proc/self/fd/N`).

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{openat2, OFlag, OpenHow, ResolveFlag};
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sys::stat::{fstat, mkdirat, Mode, SFlag};
use nix::sys::statvfs::{fstatvfs, FsFlags};
use oci_spec::runtime::{LinuxNamespaceType, Spec};
use thiserror::Error;

use crate::rootfs::overlay::{Overlay, OverlayError};
use crate::rootfs::Rootfs;

#[derive(Debug, Error)]
pub enum MountError {
    #[error("{op} {path}: {source}")]
    Sys {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: Errno,
    },
    #[error("the spec has no root path")]
    NoRoot,
    #[error("mount destination {0} is not an absolute path")]
    Relative(PathBuf),
    #[error(transparent)]
    Overlay(#[from] OverlayError),
}

fn sys(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(Errno) -> MountError {
    let path = path.into();
    move |source| MountError::Sys { op, path, source }
}

/// How the root filesystem gets to its mount point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootSource {
    /// Recursive bind of a directory (`--rootfs DIR`).
    Bind(PathBuf),
    /// Kernel overlayfs of image layers.
    Overlay(Overlay),
}

/// One step; container paths are absolute paths inside the new root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountOp {
    /// Make every mount of this namespace private so nothing reaches the host.
    MakePrivate,
    /// Mount the root filesystem on `target` (a host path).
    Root { source: RootSource, target: PathBuf },
    /// A kernel filesystem (proc, tmpfs, devpts, mqueue, sysfs).
    Fs {
        fstype: String,
        source: String,
        target: PathBuf,
        flags: MsFlags,
        data: String,
    },
    /// A host path bound in; `remount` are per-mount flags (ro, nosuid …) applied after.
    Bind {
        source: PathBuf,
        target: PathBuf,
        recursive: bool,
        remount: MsFlags,
    },
    /// cgroup2 where the host has it, else the host's tree bound read-only.
    Cgroup { target: PathBuf },
    /// A host device node (`/dev/NAME`) bound onto a file in the container's /dev.
    Device { name: &'static str },
    /// `link` (container path) pointing at `to`.
    Symlink { link: PathBuf, to: &'static str },
    /// Make the new root `/` and drop the old one.
    PivotRoot,
    /// Hide a path: `/dev/null` over a file, an empty read-only tmpfs over a directory.
    Mask { path: PathBuf },
    /// Bind a path onto itself read-only.
    ReadonlyPath { path: PathBuf },
    /// Remount `/` read-only (`--read-only`).
    ReadonlyRoot,
}

/// The ops up to and including `pivot_root`, and those that run in the new root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub root: PathBuf,
    pub setup: Vec<MountOp>,
    pub finish: Vec<MountOp>,
}

/// Host devices every container gets.
pub const DEVICES: [&str; 6] = ["null", "zero", "full", "random", "urandom", "tty"];

const SYMLINKS: [(&str, &str); 6] = [
    ("/dev/fd", "/proc/self/fd"),
    ("/dev/stdin", "/proc/self/fd/0"),
    ("/dev/stdout", "/proc/self/fd/1"),
    ("/dev/stderr", "/proc/self/fd/2"),
    ("/dev/ptmx", "pts/ptmx"),
    ("/dev/core", "/proc/kcore"),
];

/// Parsed fstab-style options.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Options {
    flags: MsFlags,
    bind: bool,
    recursive: bool,
    data: Vec<String>,
}

fn parse_options(options: &[String]) -> Options {
    let mut o = Options {
        flags: MsFlags::empty(),
        bind: false,
        recursive: false,
        data: Vec::new(),
    };
    for opt in options {
        let (set, clear) = match opt.as_str() {
            "ro" => (MsFlags::MS_RDONLY, MsFlags::empty()),
            "rw" => (MsFlags::empty(), MsFlags::MS_RDONLY),
            "nosuid" => (MsFlags::MS_NOSUID, MsFlags::empty()),
            "suid" => (MsFlags::empty(), MsFlags::MS_NOSUID),
            "nodev" => (MsFlags::MS_NODEV, MsFlags::empty()),
            "dev" => (MsFlags::empty(), MsFlags::MS_NODEV),
            "noexec" => (MsFlags::MS_NOEXEC, MsFlags::empty()),
            "exec" => (MsFlags::empty(), MsFlags::MS_NOEXEC),
            "sync" => (MsFlags::MS_SYNCHRONOUS, MsFlags::empty()),
            "dirsync" => (MsFlags::MS_DIRSYNC, MsFlags::empty()),
            "noatime" => (MsFlags::MS_NOATIME, MsFlags::empty()),
            "nodiratime" => (MsFlags::MS_NODIRATIME, MsFlags::empty()),
            "relatime" => (MsFlags::MS_RELATIME, MsFlags::empty()),
            "strictatime" => (MsFlags::MS_STRICTATIME, MsFlags::empty()),
            "bind" => {
                o.bind = true;
                continue;
            }
            "rbind" => {
                o.bind = true;
                o.recursive = true;
                continue;
            }
            // Everything is private already (MakePrivate); other propagation is not offered.
            "private" | "rprivate" | "async" | "atime" | "norelatime" | "nostrictatime" | "z"
            | "Z" => continue,
            other => {
                o.data.push(other.to_string());
                continue;
            }
        };
        o.flags = (o.flags | set) & !clear;
    }
    o
}

/// Turns the spec and the root source into the ordered list of mount steps.
pub fn plan(spec: &Spec, rootfs: &Rootfs) -> Result<Plan, MountError> {
    let root = spec
        .root()
        .as_ref()
        .map(|r| r.path().clone())
        .ok_or(MountError::NoRoot)?;
    let source = match rootfs {
        Rootfs::Dir(dir) => RootSource::Bind(dir.clone()),
        Rootfs::Overlay {
            lowers,
            upper,
            work,
        } => RootSource::Overlay(Overlay::new(lowers, upper, work)?),
    };
    let linux = spec.linux().as_ref();
    let own_netns = linux
        .and_then(|l| l.namespaces().as_ref())
        .is_some_and(|ns| ns.iter().any(|n| n.typ() == LinuxNamespaceType::Network));

    let mut setup = vec![
        MountOp::MakePrivate,
        MountOp::Root {
            source,
            target: root.clone(),
        },
    ];
    for m in spec.mounts().iter().flatten() {
        let target = m.destination().clone();
        if !target.is_absolute() {
            return Err(MountError::Relative(target));
        }
        let o = parse_options(m.options().as_deref().unwrap_or(&[]));
        let typ = m.typ().as_deref().unwrap_or("bind");
        if o.bind || typ == "bind" {
            let source = m.source().clone().unwrap_or_default();
            setup.push(MountOp::Bind {
                source,
                target,
                recursive: o.recursive,
                remount: o.flags,
            });
        } else if typ == "sysfs" && !own_netns {
            // A fresh sysfs needs a network namespace of our own: bind the host's instead,
            // as podman and crun do.
            setup.push(MountOp::Bind {
                source: "/sys".into(),
                target,
                recursive: true,
                remount: o.flags | MsFlags::MS_RDONLY,
            });
        } else if typ == "cgroup" {
            if own_netns {
                setup.push(MountOp::Cgroup { target });
            }
            // Without one, /sys is the host's tree and holds the cgroups already.
        } else {
            setup.push(MountOp::Fs {
                fstype: typ.to_string(),
                source: m
                    .source()
                    .as_ref()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| typ.to_string()),
                target,
                flags: o.flags,
                data: o.data.join(","),
            });
        }
    }
    setup.extend(DEVICES.iter().map(|name| MountOp::Device { name }));
    setup.extend(SYMLINKS.iter().map(|(link, to)| MountOp::Symlink {
        link: PathBuf::from(link),
        to,
    }));
    setup.push(MountOp::PivotRoot);

    let mut finish = Vec::new();
    if let Some(l) = linux {
        for p in l.masked_paths().iter().flatten() {
            finish.push(MountOp::Mask { path: p.into() });
        }
        for p in l.readonly_paths().iter().flatten() {
            finish.push(MountOp::ReadonlyPath { path: p.into() });
        }
    }
    if spec
        .root()
        .as_ref()
        .and_then(|r| r.readonly())
        .unwrap_or(false)
    {
        finish.push(MountOp::ReadonlyRoot);
    }
    Ok(Plan {
        root,
        setup,
        finish,
    })
}

// ---------------------------------------------------------------------------------------
// Carrying the plan out (in the container's init, as root of its user namespace).

/// Runs `ops`, resolving container paths inside `root` (a host path before the pivot,
/// `/` after it).
pub fn apply(ops: &[MountOp], root: &Path) -> Result<(), MountError> {
    let mut root_fd: Option<OwnedFd> = None;
    for op in ops {
        match op {
            MountOp::MakePrivate => crate::sys::fsmount::make_mounts_private()
                .map_err(sys("making mounts private on", "/"))?,
            MountOp::Root { source, target } => {
                mount_root(source, target)?;
                root_fd = None;
            }
            MountOp::PivotRoot => {
                let fd = open_root(&mut root_fd, root)?;
                pivot(fd.as_fd(), root)?;
                root_fd = None;
            }
            other => {
                let fd = open_root(&mut root_fd, root)?;
                apply_one(fd.as_fd(), other)?;
            }
        }
    }
    Ok(())
}

fn open_root<'a>(slot: &'a mut Option<OwnedFd>, root: &Path) -> Result<&'a OwnedFd, MountError> {
    if slot.is_none() {
        let fd = nix::fcntl::open(
            root,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(sys("opening root", root))?;
        *slot = Some(fd);
    }
    slot.as_ref().ok_or(MountError::NoRoot)
}

fn mount_root(source: &RootSource, target: &Path) -> Result<(), MountError> {
    match source {
        RootSource::Bind(dir) => mount(
            Some(dir.as_path()),
            target,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(sys("binding root filesystem on", target)),
        RootSource::Overlay(overlay) => Ok(overlay.mount(target)?),
    }
}

fn apply_one(root: BorrowedFd<'_>, op: &MountOp) -> Result<(), MountError> {
    match op {
        MountOp::Fs {
            fstype,
            source,
            target,
            flags,
            data,
        } => {
            let fd = ensure(root, target, Kind::Dir)?;
            let mut result = mount(
                Some(source.as_str()),
                fd_path(&fd).as_str(),
                Some(fstype.as_str()),
                *flags,
                Some(data.as_str()),
            );
            if result == Err(Errno::EINVAL) && fstype == "devpts" {
                // gid=5 is unmapped when the user has no subordinate gids.
                let data = drop_option(data, "gid=");
                result = mount(
                    Some(source.as_str()),
                    fd_path(&fd).as_str(),
                    Some(fstype.as_str()),
                    *flags,
                    Some(data.as_str()),
                );
            }
            match result {
                Err(Errno::EPERM) if fstype == "sysfs" || fstype == "mqueue" => {
                    // Not owned by our namespaces: borrow the host's, read-only.
                    bind(
                        root,
                        Path::new(if fstype == "sysfs" {
                            "/sys"
                        } else {
                            "/dev/mqueue"
                        }),
                        target,
                        true,
                        *flags | MsFlags::MS_RDONLY,
                    )
                }
                r => r.map_err(sys("mounting", target)),
            }
        }
        MountOp::Bind {
            source,
            target,
            recursive,
            remount,
        } => bind(root, source, target, *recursive, *remount),
        MountOp::Cgroup { target } => {
            let fd = ensure(root, target, Kind::Dir)?;
            let flags =
                MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV | MsFlags::MS_RDONLY;
            match mount(
                Some("cgroup2"),
                fd_path(&fd).as_str(),
                Some("cgroup2"),
                flags,
                None::<&str>,
            ) {
                Ok(()) => Ok(()),
                Err(_) => bind(root, Path::new("/sys/fs/cgroup"), target, true, flags),
            }
        }
        MountOp::Device { name } => {
            let target = Path::new("/dev").join(name);
            bind(
                root,
                &Path::new("/dev").join(name),
                &target,
                false,
                MsFlags::empty(),
            )
        }
        MountOp::Symlink { link, to } => {
            let parent = link.parent().unwrap_or(Path::new("/"));
            let dir = ensure(root, parent, Kind::Dir)?;
            let dir = reopen_dir(&dir, parent)?;
            let name = link.file_name().unwrap_or_default();
            match nix::unistd::symlinkat(*to, dir.as_fd(), name) {
                Ok(()) | Err(Errno::EEXIST) => Ok(()),
                Err(e) => Err(sys("creating symlink", link)(e)),
            }
        }
        MountOp::Mask { path } => {
            let Some(fd) = resolve(root, path)? else {
                return Ok(());
            };
            let st = fstat(&fd).map_err(sys("inspecting masked path", path))?;
            let target = fd_path(&fd);
            let r = if SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR {
                mount(
                    Some("tmpfs"),
                    target.as_str(),
                    Some("tmpfs"),
                    MsFlags::MS_RDONLY,
                    Some("size=0k"),
                )
            } else {
                mount(
                    Some("/dev/null"),
                    target.as_str(),
                    None::<&str>,
                    MsFlags::MS_BIND,
                    None::<&str>,
                )
                .map_err(sys("masking", path))?;
                return remount(root, path, MsFlags::MS_RDONLY);
            };
            r.map_err(sys("masking", path))
        }
        MountOp::ReadonlyPath { path } => {
            let Some(fd) = resolve(root, path)? else {
                return Ok(());
            };
            mount(
                Some(fd_path(&fd).as_str()),
                fd_path(&fd).as_str(),
                None::<&str>,
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None::<&str>,
            )
            .map_err(sys("binding read-only path", path))?;
            remount(root, path, MsFlags::MS_RDONLY)
        }
        MountOp::ReadonlyRoot => remount(root, Path::new("/"), MsFlags::MS_RDONLY),
        MountOp::MakePrivate | MountOp::Root { .. } | MountOp::PivotRoot => Ok(()),
    }
}

fn drop_option(data: &str, prefix: &str) -> String {
    data.split(',')
        .filter(|o| !o.starts_with(prefix))
        .collect::<Vec<_>>()
        .join(",")
}

fn bind(
    root: BorrowedFd<'_>,
    source: &Path,
    target: &Path,
    recursive: bool,
    remount_flags: MsFlags,
) -> Result<(), MountError> {
    let meta = std::fs::metadata(source).map_err(|e| MountError::Sys {
        op: "bind mount source",
        path: source.to_path_buf(),
        source: Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
    })?;
    let kind = if meta.is_dir() { Kind::Dir } else { Kind::File };
    let fd = ensure(root, target, kind)?;
    let mut flags = MsFlags::MS_BIND;
    if recursive {
        flags |= MsFlags::MS_REC;
    }
    mount(
        Some(source),
        fd_path(&fd).as_str(),
        None::<&str>,
        flags,
        None::<&str>,
    )
    .map_err(sys("binding onto", target))?;
    let wanted = remount_flags
        & (MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC);
    if !wanted.is_empty() {
        remount(root, target, wanted)?;
    }
    Ok(())
}

/// Changes a mount's per-mount flags. The flags the kernel locked (inherited from a
/// more privileged namespace) must be repeated, or the remount is refused.
fn remount(root: BorrowedFd<'_>, path: &Path, flags: MsFlags) -> Result<(), MountError> {
    // A fresh lookup lands on the new mount, not on the directory beneath it.
    let fd = resolve(root, path)?.ok_or_else(|| sys("remounting", path)(Errno::ENOENT))?;
    let st = fstatvfs(&fd).map_err(sys("reading mount flags of", path))?;
    let have = st.flags();
    let mut locked = MsFlags::empty();
    for (f, m) in [
        (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
        (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
        (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
        (FsFlags::ST_RDONLY, MsFlags::MS_RDONLY),
    ] {
        if have.contains(f) {
            locked |= m;
        }
    }
    mount(
        None::<&str>,
        fd_path(&fd).as_str(),
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REMOUNT | flags | locked,
        None::<&str>,
    )
    .map_err(sys("remounting", path))
}

fn pivot(root_fd: BorrowedFd<'_>, root: &Path) -> Result<(), MountError> {
    nix::unistd::fchdir(root_fd).map_err(sys("entering", root))?;
    // Stacks the old root under the new one, then detaches it: no directory is needed
    // to hold the old root.
    nix::unistd::pivot_root(".", ".").map_err(sys("pivot_root to", root))?;
    umount2(".", MntFlags::MNT_DETACH).map_err(sys("detaching the old root", "/"))?;
    nix::unistd::chdir("/").map_err(sys("entering", "/"))
}

fn fd_path(fd: &OwnedFd) -> String {
    format!("/proc/self/fd/{}", fd.as_raw_fd())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
}

fn how(flags: OFlag) -> OpenHow {
    OpenHow::new()
        .flags(flags | OFlag::O_CLOEXEC)
        .resolve(ResolveFlag::RESOLVE_IN_ROOT)
}

/// Opens `path` inside `root` (`O_PATH`), or `None` if it does not exist.
fn resolve(root: BorrowedFd<'_>, path: &Path) -> Result<Option<OwnedFd>, MountError> {
    match openat2(root, &relative(path), how(OFlag::O_PATH)) {
        Ok(fd) => Ok(Some(fd)),
        Err(Errno::ENOENT) => Ok(None),
        Err(e) => Err(sys("resolving", path)(e)),
    }
}

fn relative(path: &Path) -> PathBuf {
    let rel: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::RootDir))
        .collect();
    if rel.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        rel
    }
}

fn reopen_dir(fd: &OwnedFd, path: &Path) -> Result<OwnedFd, MountError> {
    nix::fcntl::open(
        fd_path(fd).as_str(),
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(sys("opening", path))
}

/// `path` inside `root` with every symlink of the existing part followed the way the
/// kernel would with `root` as `/`: the place where missing components must be made.
fn canonical(root: BorrowedFd<'_>, path: &Path) -> Result<PathBuf, MountError> {
    let mut out = PathBuf::new();
    let mut pending: Vec<std::ffi::OsString> = Vec::new();
    let push_front = |pending: &mut Vec<std::ffi::OsString>, p: &Path| {
        let comps: Vec<_> = p
            .components()
            .map(|c| c.as_os_str().to_os_string())
            .collect();
        for c in comps.into_iter().rev() {
            pending.push(c);
        }
    };
    push_front(&mut pending, path);
    let mut hops = 0;
    while let Some(name) = pending.pop() {
        match Path::new(&name).components().next() {
            Some(Component::RootDir) | Some(Component::CurDir) | None => {}
            Some(Component::ParentDir) => {
                out.pop();
            }
            Some(_) => {
                let candidate = out.join(&name);
                match nix::fcntl::readlinkat(root, &candidate) {
                    Ok(target) => {
                        hops += 1;
                        if hops > 40 {
                            return Err(sys("resolving", path)(Errno::ELOOP));
                        }
                        let target = PathBuf::from(target);
                        if target.is_absolute() {
                            out.clear();
                        }
                        push_front(&mut pending, &target);
                    }
                    Err(Errno::EINVAL | Errno::ENOENT) => out = candidate,
                    Err(e) => return Err(sys("resolving", path)(e)),
                }
            }
        }
    }
    Ok(out)
}

/// Resolves `path` inside `root`, creating what is missing (directories along the way,
/// the last component as `kind`).
fn ensure(root: BorrowedFd<'_>, path: &Path, kind: Kind) -> Result<OwnedFd, MountError> {
    if let Some(fd) = resolve(root, path)? {
        return Ok(fd);
    }
    let canon = canonical(root, path)?;
    let comps: Vec<_> = canon.components().collect();
    let mut prefix = PathBuf::new();
    for (i, comp) in comps.iter().enumerate() {
        let parent = relative(&prefix);
        prefix.push(comp);
        if resolve(root, &prefix)?.is_some() {
            continue;
        }
        let dir = openat2(root, &parent, how(OFlag::O_RDONLY | OFlag::O_DIRECTORY))
            .map_err(sys("opening", Path::new("/").join(&parent)))?;
        let name = comp.as_os_str();
        let made = if i + 1 == comps.len() && kind == Kind::File {
            nix::sys::stat::mknodat(
                dir.as_fd(),
                name,
                SFlag::S_IFREG,
                Mode::from_bits_truncate(0o644),
                0,
            )
        } else {
            mkdirat(dir.as_fd(), name, Mode::from_bits_truncate(0o755))
        };
        match made {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(sys("creating mount point", Path::new("/").join(&prefix))(e)),
        }
    }
    resolve(root, path)?.ok_or_else(|| sys("creating mount point", path)(Errno::ENOENT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::spec::{self, BindMount, Environment, NetworkMode, RunOptions};

    fn spec_for(o: &RunOptions) -> Spec {
        let env = Environment {
            root: "/c/rootfs".into(),
            hosts: "/c/hosts".into(),
            hostname_file: "/c/hostname".into(),
            resolv_conf: "/c/resolv.conf".into(),
            host_hostname: "h".into(),
            nofile: 1024,
            nproc: 1024,
        };
        spec::build(None, o, &env).unwrap()
    }

    fn opts() -> RunOptions {
        RunOptions {
            id: "a".repeat(64),
            command: vec!["true".into()],
            ..Default::default()
        }
    }

    #[test]
    fn options_parse_into_flags_and_data() {
        let o = parse_options(&[
            "nosuid".into(),
            "ro".into(),
            "mode=755".into(),
            "size=1k".into(),
            "rw".into(),
        ]);
        assert_eq!(o.flags, MsFlags::MS_NOSUID);
        assert_eq!(o.data, vec!["mode=755", "size=1k"]);
        let o = parse_options(&["rbind".into(), "ro".into()]);
        assert!(o.bind && o.recursive && o.flags.contains(MsFlags::MS_RDONLY));
    }

    #[test]
    fn plan_order_with_private_network() {
        let p = plan(&spec_for(&opts()), &Rootfs::Dir("/img".into())).unwrap();
        assert_eq!(p.root, PathBuf::from("/c/rootfs"));
        assert_eq!(p.setup[0], MountOp::MakePrivate);
        assert_eq!(
            p.setup[1],
            MountOp::Root {
                source: RootSource::Bind("/img".into()),
                target: "/c/rootfs".into()
            }
        );
        assert_eq!(p.setup.last(), Some(&MountOp::PivotRoot));
        let sysfs = p
            .setup
            .iter()
            .find(|op| matches!(op, MountOp::Fs { target, .. } if target == Path::new("/sys")))
            .unwrap();
        match sysfs {
            MountOp::Fs { fstype, flags, .. } => {
                assert_eq!(fstype, "sysfs");
                assert!(flags.contains(MsFlags::MS_RDONLY | MsFlags::MS_NOEXEC));
            }
            _ => unreachable!(),
        }
        assert!(p.setup.contains(&MountOp::Cgroup {
            target: "/sys/fs/cgroup".into()
        }));
        let devpts = p
            .setup
            .iter()
            .find_map(|op| match op {
                MountOp::Fs { fstype, data, .. } if fstype == "devpts" => Some(data.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(devpts, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        for d in DEVICES {
            assert!(p.setup.contains(&MountOp::Device { name: d }));
        }
        // Devices and links come after /dev is mounted.
        let dev = p
            .setup
            .iter()
            .position(|op| matches!(op, MountOp::Fs { target, .. } if target == Path::new("/dev")))
            .unwrap();
        let null = p
            .setup
            .iter()
            .position(|op| *op == MountOp::Device { name: "null" })
            .unwrap();
        assert!(dev < null);
        assert_eq!(
            p.finish
                .iter()
                .filter(|op| matches!(op, MountOp::Mask { .. }))
                .count(),
            spec::MASKED_PATHS.len()
        );
        assert!(!p.finish.contains(&MountOp::ReadonlyRoot));
    }

    #[test]
    fn host_network_binds_sys_and_skips_cgroup() {
        let mut o = opts();
        o.network = NetworkMode::Host;
        o.read_only = true;
        let p = plan(&spec_for(&o), &Rootfs::Dir("/img".into())).unwrap();
        assert!(p.setup.contains(&MountOp::Bind {
            source: "/sys".into(),
            target: "/sys".into(),
            recursive: true,
            remount: MsFlags::MS_NOSUID
                | MsFlags::MS_NOEXEC
                | MsFlags::MS_NODEV
                | MsFlags::MS_RDONLY,
        }));
        assert!(!p
            .setup
            .iter()
            .any(|op| matches!(op, MountOp::Cgroup { .. })));
        assert!(p.finish.contains(&MountOp::Mask {
            path: "/sys/kernel".into()
        }));
        assert_eq!(p.finish.last(), Some(&MountOp::ReadonlyRoot));
    }

    #[test]
    fn user_binds_carry_readonly() {
        let mut o = opts();
        o.binds = vec![BindMount {
            source: "/data".into(),
            destination: "/mnt/data".into(),
            readonly: true,
            recursive: false,
        }];
        let p = plan(&spec_for(&o), &Rootfs::Dir("/img".into())).unwrap();
        assert!(p.setup.contains(&MountOp::Bind {
            source: "/data".into(),
            target: "/mnt/data".into(),
            recursive: false,
            remount: MsFlags::MS_RDONLY,
        }));
        let hosts = MountOp::Bind {
            source: "/c/hosts".into(),
            target: "/etc/hosts".into(),
            recursive: false,
            remount: MsFlags::empty(),
        };
        assert!(p.setup.contains(&hosts));
    }

    #[test]
    fn overlay_root_takes_many_long_layers_top_first() {
        let overlay_plan = |lowers: Vec<PathBuf>| {
            plan(
                &spec_for(&opts()),
                &Rootfs::Overlay {
                    lowers,
                    upper: "/u".into(),
                    work: "/w".into(),
                },
            )
        };
        // Far past one page of absolute paths: the layers no longer travel in one string.
        let many: Vec<PathBuf> = (0..200)
            .map(|i| PathBuf::from(format!("/very/long/layer/path/{i:040}")))
            .collect();
        let p = overlay_plan(many.clone()).unwrap();
        let MountOp::Root {
            source: RootSource::Overlay(o),
            ..
        } = &p.setup[1]
        else {
            panic!("no overlay root in {:?}", p.setup);
        };
        assert_eq!(o.lowers().len(), 200);
        assert_eq!(o.lowers().first(), many.last());
        assert_eq!(o.lowers().last(), many.first());
        assert!(matches!(
            overlay_plan(Vec::new()),
            Err(MountError::Overlay(OverlayError::NoLayers))
        ));
    }

    #[test]
    fn relative_strips_root() {
        assert_eq!(relative(Path::new("/")), PathBuf::from("."));
        assert_eq!(relative(Path::new("/dev/pts")), PathBuf::from("dev/pts"));
    }

    #[test]
    fn ensure_creates_inside_root_and_never_escapes() {
        // openat2 resolution works unprivileged, so the path logic is testable here.
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("escape")).unwrap();
        let rfd = nix::fcntl::open(root.path(), OFlag::O_PATH, Mode::empty()).unwrap();
        ensure(rfd.as_fd(), Path::new("/a/b/c"), Kind::Dir).unwrap();
        assert!(root.path().join("a/b/c").is_dir());
        ensure(rfd.as_fd(), Path::new("/etc/hosts"), Kind::File).unwrap();
        assert!(root.path().join("etc/hosts").is_file());
        // The absolute symlink resolves inside the root, so the dir lands there.
        ensure(rfd.as_fd(), Path::new("/escape/x"), Kind::Dir).unwrap();
        assert!(!outside.path().join("x").exists());
        assert!(root
            .path()
            .join(outside.path().strip_prefix("/").unwrap())
            .join("x")
            .is_dir());
        std::os::unix::fs::symlink("../../..", root.path().join("a/up")).unwrap();
        ensure(rfd.as_fd(), Path::new("/a/up/y"), Kind::Dir).unwrap();
        assert!(root.path().join("y").is_dir());
    }
}
