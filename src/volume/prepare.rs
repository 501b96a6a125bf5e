//! Volumes for a new container: found or created by name ([`attach`]), then readied
//! on first use ([`prepare`]): the image's content at the mount point copied in,
//! the volume's root given its owner, and with `:U` the whole content given to the
//! container's user.

use std::collections::BTreeMap;
use std::fs;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sched::CloneFlags;
use nix::sys::stat::Mode;
use nix::unistd::{Gid, Uid};
use oci_spec::runtime::Spec;

use super::copy;
use super::record::Volume;
use super::store::{VolumeError, VolumeStore};
use crate::base::remove::TreeRemover;
use crate::base::timestamp::Timestamp;
use crate::rootfs::overlay::Overlay;
use crate::rootfs::Rootfs;
use crate::runtime::spec::BindMount;
use crate::userns::IdMap;

/// A volume asked for on the command line: `-v NAME:/path[:OPTIONS]`, `-v /path`
/// (anonymous), `--mount type=volume,…`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VolumeMount {
    /// `None`: an anonymous volume, made for this container under a random name.
    pub name: Option<String>,
    pub destination: PathBuf,
    pub readonly: bool,
    /// `U`: give the content to the container's user at each use.
    pub chown: bool,
    /// `copy` / `nocopy`; unset follows the volume's own option (copy by default).
    pub copy: Option<bool>,
}

/// A volume ready to be bound into a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    pub mount: VolumeMount,
    pub volume: Volume,
    /// Made by this [`attach`]: removed again if the container never comes to be.
    pub created: bool,
}

impl Attached {
    /// The bind the container's spec gets.
    pub fn bind(&self, store: &VolumeStore) -> BindMount {
        BindMount {
            source: store.data_dir(&self.volume.name),
            destination: self.mount.destination.clone(),
            readonly: self.mount.readonly,
            recursive: true,
        }
    }
}

/// The image's `VOLUME`s that no mount of the command line covers, as anonymous
/// volumes (podman makes one for each).
pub fn image_volumes(declared: &[String], taken: &[&Path]) -> Vec<VolumeMount> {
    let mut out: Vec<VolumeMount> = Vec::new();
    for d in declared {
        // `data/` and `/data` are one place.
        let destination: PathBuf = Path::new("/").join(d).components().collect();
        if destination == Path::new("/")
            || taken.contains(&destination.as_path())
            || out.iter().any(|m| m.destination == destination)
        {
            continue;
        }
        out.push(VolumeMount {
            name: None,
            destination,
            ..Default::default()
        });
    }
    out
}

/// Finds each volume by name, creating those that do not exist yet (and every
/// anonymous one). A name may be raced into existence by another invocation: then
/// that volume is used.
pub fn attach(store: &VolumeStore, mounts: &[VolumeMount]) -> Result<Vec<Attached>, VolumeError> {
    let mut out: Vec<Attached> = Vec::new();
    for m in mounts {
        let (name, anonymous) = match &m.name {
            Some(n) => (n.clone(), false),
            None => (
                crate::runtime::bundle::new_id().map_err(|e| VolumeError::Io {
                    op: "naming an anonymous volume",
                    path: store.dir().to_path_buf(),
                    source: std::io::Error::other(e),
                })?,
                true,
            ),
        };
        if let Some(prev) = out.iter().find(|a| a.volume.name == name) {
            out.push(Attached {
                mount: m.clone(),
                volume: prev.volume.clone(),
                created: false,
            });
            continue;
        }
        let found = match store.get(&name) {
            Ok(v) => Some(v),
            Err(VolumeError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let (volume, created) = match found {
            Some(v) => (v, false),
            None => {
                let mut v = Volume::new(
                    &name,
                    Timestamp::now().rfc3339_nanos(),
                    BTreeMap::new(),
                    BTreeMap::new(),
                );
                v.anonymous = anonymous;
                match store.create(v, None) {
                    Ok(v) => (v, true),
                    Err(VolumeError::Exists(_)) => (store.get(&name)?, false),
                    Err(e) => return Err(e),
                }
            }
        };
        out.push(Attached {
            mount: m.clone(),
            volume,
            created,
        });
    }
    Ok(out)
}

/// Removes the volumes [`attach`] made unless [`disarm`](Self::disarm)ed: a container
/// that never came to be leaves no volume behind.
pub struct Rollback<'a> {
    store: &'a VolumeStore,
    attached: &'a [Attached],
    map: IdMap,
    armed: bool,
}

impl<'a> Rollback<'a> {
    pub fn new(store: &'a VolumeStore, attached: &'a [Attached], map: &IdMap) -> Rollback<'a> {
        Rollback {
            store,
            attached,
            map: map.clone(),
            armed: true,
        }
    }

    /// The container exists: its volumes stay.
    pub fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for Rollback<'_> {
    fn drop(&mut self) {
        if self.armed {
            let remover = crate::base::remove::UsernsRemover {
                map: self.map.clone(),
            };
            remove_created(self.store, self.attached, &remover);
        }
    }
}

/// Removes the volumes [`attach`] made (when the container could not be made).
pub fn remove_created(store: &VolumeStore, attached: &[Attached], remover: &dyn TreeRemover) {
    remove_where(store, attached, remover, |a| a.created);
}

/// Removes the anonymous volumes among `attached` (the container is gone, `--rm`).
pub fn remove_anonymous(store: &VolumeStore, attached: &[Attached], remover: &dyn TreeRemover) {
    remove_where(store, attached, remover, |a| a.volume.anonymous);
}

fn remove_where(
    store: &VolumeStore,
    attached: &[Attached],
    remover: &dyn TreeRemover,
    pick: impl Fn(&Attached) -> bool,
) {
    let mut done: Vec<&str> = Vec::new();
    for a in attached.iter().filter(|a| pick(a)) {
        if done.contains(&a.volume.name.as_str()) {
            continue;
        }
        done.push(&a.volume.name);
        match store.remove(&a.volume.name, |_| Ok(()), remover) {
            Ok(_) => {}
            Err(e) => log::warn!(
                "removing volume {}: {}",
                a.volume.name,
                crate::error::one_line(&e)
            ),
        }
    }
}

/// Who the container's process is, as its spec says (a name is resolved against the
/// image's `/etc/passwd` when needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessUser {
    Name(String),
    Ids(u32, u32),
}

impl ProcessUser {
    pub fn of(spec: &Spec) -> ProcessUser {
        match spec.process().as_ref().map(|p| p.user()) {
            Some(u) => match u.username() {
                Some(name) => ProcessUser::Name(name.clone()),
                None => ProcessUser::Ids(u.uid(), u.gid()),
            },
            None => ProcessUser::Ids(0, 0),
        }
    }
}

/// What the first (or a `:U`) use does to one volume.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Job {
    data: PathBuf,
    destination: PathBuf,
    /// Copy the image's content in if the volume is empty.
    copy: bool,
    /// Give the volume's root the owner of the image's directory, or the user's.
    set_owner: bool,
    /// `:U`: give everything to the container's user.
    chown_all: bool,
}

impl Job {
    fn is_noop(&self) -> bool {
        !self.copy && !self.set_owner && !self.chown_all
    }
}

/// Readies the volumes for the container whose root filesystem is `rootfs` (as made:
/// its writable layer still empty) and whose process runs as `user`. Each volume's
/// lock is held throughout, so two first uses never copy twice.
pub fn prepare(
    store: &VolumeStore,
    map: &IdMap,
    rootfs: &Rootfs,
    user: &ProcessUser,
    attached: &[Attached],
) -> Result<()> {
    let mut names: Vec<&str> = attached.iter().map(|a| a.volume.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let mut locks = Vec::new();
    let mut volumes: BTreeMap<String, Volume> = BTreeMap::new();
    for name in names {
        locks.push(store.lock_volume(name)?);
        volumes.insert(name.to_string(), store.get(name)?);
    }
    let mut jobs = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for a in attached {
        let v = &volumes[&a.volume.name];
        // A volume mounted twice is filled and owned by its first mount only.
        let first = !seen.contains(&v.name.as_str());
        seen.push(&v.name);
        let copy_wanted = a.mount.copy.unwrap_or(!v.no_copy());
        let (uid_opt, gid_opt) = v.owner();
        jobs.push(Job {
            data: store.data_dir(&v.name),
            destination: a.mount.destination.clone(),
            copy: first && v.needs_copy_up && copy_wanted,
            set_owner: first && v.needs_chown && uid_opt.is_none() && gid_opt.is_none(),
            chown_all: a.mount.chown,
        });
    }
    if jobs.iter().all(Job::is_noop) {
        return Ok(());
    }
    let scratch = match (rootfs, jobs.first()) {
        (Rootfs::Overlay { .. }, Some(first)) => {
            // Inside the volume's own directory, which its lock keeps to us.
            let base = first.data.parent().unwrap_or(store.dir()).to_path_buf();
            let dirs = Scratch {
                root: base.join("prep-root"),
                empty: base.join("prep-empty"),
            };
            for d in [&dirs.root, &dirs.empty] {
                fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
            }
            Some(dirs)
        }
        _ => None,
    };
    let result = crate::userns::run_in(map, CloneFlags::CLONE_NEWNS, || {
        in_namespace(rootfs, scratch.as_ref(), user, &jobs)
    });
    if let Some(s) = &scratch {
        let _ = fs::remove_dir(&s.root);
        let _ = fs::remove_dir(&s.empty);
    }
    result.context("preparing the container's volumes")?;
    // Done once: a `nocopy` mount leaves the copy to a later one, as in podman.
    for job in &jobs {
        let Some(v) = volumes
            .values_mut()
            .find(|v| store.data_dir(&v.name) == job.data)
        else {
            continue;
        };
        let before = (v.needs_copy_up, v.needs_chown);
        v.needs_copy_up &= !job.copy;
        v.needs_chown &= !job.set_owner;
        if (v.needs_copy_up, v.needs_chown) != before {
            store.update(v)?;
        }
    }
    drop(locks);
    Ok(())
}

struct Scratch {
    root: PathBuf,
    empty: PathBuf,
}

/// The child's part, as root of the user namespace in a mount namespace of its own:
/// the image's tree mounted read-only, entered with `chroot` so that its symlinks
/// resolve inside it, then each job done from there.
fn in_namespace(
    rootfs: &Rootfs,
    scratch: Option<&Scratch>,
    user: &ProcessUser,
    jobs: &[Job],
) -> Result<()> {
    crate::sys::fsmount::make_mounts_private().context("making mounts private")?;
    let root = match (rootfs, scratch) {
        (Rootfs::Dir(dir), _) => dir.clone(),
        (Rootfs::Overlay { lowers, .. }, Some(s)) => {
            read_only_view(lowers, &s.empty)?
                .mount(&s.root)
                .with_context(|| format!("mounting the image's layers on {}", s.root.display()))?;
            s.root.clone()
        }
        (Rootfs::Overlay { .. }, None) => anyhow::bail!("no mount point for the image's layers"),
    };
    // Each volume's own directory, which holds its content directory: opened before
    // the chroot shuts the host out.
    let mut volume_dirs = Vec::new();
    for job in jobs {
        let dir = job.data.parent().unwrap_or(Path::new("/"));
        volume_dirs.push(open_dir(dir).with_context(|| format!("opening {}", dir.display()))?);
    }
    nix::unistd::chroot(&root).with_context(|| format!("entering {}", root.display()))?;
    nix::unistd::chdir("/").context("entering /")?;

    let mut who: Option<(u32, u32)> = None;
    let mut resolve_user = || -> Result<(u32, u32)> {
        if let Some(ids) = who {
            return Ok(ids);
        }
        let ids = match user {
            ProcessUser::Ids(u, g) => (*u, *g),
            ProcessUser::Name(name) => {
                let u = crate::runtime::user::resolve_in(Path::new("/"), name)?;
                (u.uid, u.gid)
            }
        };
        who = Some(ids);
        Ok(ids)
    };
    for (job, volume_dir) in jobs.iter().zip(&volume_dirs) {
        let data_name = job.data.file_name().unwrap_or_default();
        let mut target = open_dir_at(volume_dir, data_name)
            .with_context(|| format!("opening {}", job.data.display()))?;
        let source = match open_dir(&job.destination) {
            Ok(fd) => Some(fd),
            Err(Errno::ENOENT | Errno::ENOTDIR) => None,
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("opening {} in the image", job.destination.display()))
            }
        };
        let mut copied = false;
        if let (true, Some(src)) = (job.copy, &source) {
            if copy::is_empty_dir(target.as_fd())? {
                copy_up(src, volume_dir, data_name).with_context(|| {
                    format!(
                        "copying {} of the image into the volume",
                        job.destination.display()
                    )
                })?;
                target = open_dir_at(volume_dir, data_name)
                    .with_context(|| format!("opening {}", job.data.display()))?;
                copied = true;
            }
        }
        match &source {
            Some(src) if copied || job.set_owner => {
                let st = nix::sys::stat::fstat(src).context("reading the image's directory")?;
                set_owner(&target, st.st_uid, st.st_gid)?;
                nix::sys::stat::fchmod(&target, Mode::from_bits_truncate(st.st_mode & 0o7777))
                    .context("setting the volume's mode")?;
            }
            None if job.set_owner => {
                // An unknown user fails the container's start with podman's message.
                if let Ok((uid, gid)) = resolve_user() {
                    set_owner(&target, uid, gid)?;
                }
            }
            _ => {}
        }
        if job.chown_all {
            let (uid, gid) = resolve_user()?;
            copy::chown_tree(target.as_fd(), uid, gid).with_context(|| {
                format!(
                    "giving the volume at {} to {uid}:{gid}",
                    job.destination.display()
                )
            })?;
        }
    }
    Ok(())
}

/// The copy is made beside the empty content directory, then renamed over it (an
/// empty directory is replaced whole): a copy cut short leaves the volume empty, and
/// its remains are cleared by the next try.
fn copy_up(src: &OwnedFd, volume_dir: &OwnedFd, data_name: &std::ffi::OsStr) -> Result<()> {
    const STAGING: &str = "copy-up";
    match crate::inroot::remove_tree_at(volume_dir.as_fd(), std::ffi::OsStr::new(STAGING)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).context("clearing an unfinished copy");
        }
        _ => {}
    }
    nix::sys::stat::mkdirat(volume_dir, STAGING, Mode::from_bits_truncate(0o700))
        .context("creating the copy's directory")?;
    let staging = open_dir_at(volume_dir, std::ffi::OsStr::new(STAGING))?;
    let stats = copy::copy_tree(src.as_fd(), staging.as_fd())?;
    nix::fcntl::renameat(volume_dir, STAGING, volume_dir, data_name)
        .context("putting the copy in place")?;
    log::debug!(
        "copied {} entries ({} bytes) into the volume",
        stats.entries,
        stats.bytes
    );
    Ok(())
}

fn open_dir_at(dir: &OwnedFd, name: &std::ffi::OsStr) -> Result<OwnedFd> {
    Ok(nix::fcntl::openat(
        dir,
        name,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?)
}

fn set_owner(dir: &OwnedFd, uid: u32, gid: u32) -> Result<()> {
    nix::unistd::fchown(dir, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)))
        .with_context(|| format!("giving the volume to {uid}:{gid}"))
}

fn open_dir(path: &Path) -> nix::Result<OwnedFd> {
    nix::fcntl::open(
        path,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
}

/// A read-only view of `lowers` (base first): the kernel wants two lower layers when
/// there is no upper one, so a single layer gets `empty` beneath it.
fn read_only_view(lowers: &[PathBuf], empty: &Path) -> Result<Overlay> {
    let view = Overlay::read_only(lowers)?;
    if view.lowers().len() >= 2 {
        return Ok(view);
    }
    let mut padded = vec![empty.to_path_buf()];
    padded.extend_from_slice(lowers);
    Ok(Overlay::read_only(&padded)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::remove::DirectRemover;

    fn vm(name: Option<&str>, dest: &str) -> VolumeMount {
        VolumeMount {
            name: name.map(String::from),
            destination: dest.into(),
            ..Default::default()
        }
    }

    #[test]
    fn attach_creates_once_and_reuses() {
        let dir = tempfile::tempdir().unwrap();
        let store = VolumeStore::at(dir.path());
        let a = attach(
            &store,
            &[vm(Some("v"), "/a"), vm(Some("v"), "/b"), vm(None, "/c")],
        )
        .unwrap();
        assert_eq!(a.len(), 3);
        assert!(a[0].created && !a[1].created && a[2].created);
        assert_eq!(a[0].volume.name, a[1].volume.name);
        assert!(a[2].volume.anonymous);
        assert_eq!(a[2].volume.name.len(), 64);
        let bind = a[1].bind(&store);
        assert_eq!(bind.source, store.data_dir("v"));
        assert_eq!(bind.destination, PathBuf::from("/b"));
        let again = attach(&store, &[vm(Some("v"), "/a")]).unwrap();
        assert!(!again[0].created);
        assert!(again[0].volume.needs_copy_up);

        remove_anonymous(&store, &a, &DirectRemover);
        assert!(store.exists("v") && !store.exists(&a[2].volume.name));
        remove_created(&store, &a, &DirectRemover);
        assert!(!store.exists("v"));
    }

    #[test]
    fn image_volumes_skip_what_the_command_line_mounts() {
        let declared = vec![
            "/data".to_string(),
            "logs/".to_string(),
            "/data/".to_string(),
            "/taken".to_string(),
            "/".to_string(),
        ];
        let got = image_volumes(&declared, &[Path::new("/taken")]);
        let dests: Vec<&Path> = got.iter().map(|m| m.destination.as_path()).collect();
        assert_eq!(dests, [Path::new("/data"), Path::new("/logs")]);
        assert!(got.iter().all(|m| m.name.is_none() && !m.readonly));
    }

    #[test]
    fn read_only_view_pads_a_lone_layer() {
        let one = read_only_view(&["/l/base".into()], Path::new("/e")).unwrap();
        assert_eq!(one.lowers(), [PathBuf::from("/l/base"), "/e".into()]);
        let two = read_only_view(&["/l/base".into(), "/l/top".into()], Path::new("/e")).unwrap();
        assert_eq!(two.lowers(), [PathBuf::from("/l/top"), "/l/base".into()]);
        // The same layer twice is one layer: it too needs the pad.
        let same = read_only_view(&["/l/a".into(), "/l/a".into()], Path::new("/e")).unwrap();
        assert_eq!(same.lowers(), [PathBuf::from("/l/a"), "/e".into()]);
    }

    #[test]
    fn process_user_from_the_spec() {
        use crate::runtime::spec::{build, Environment, RunOptions};
        let mut o = RunOptions {
            id: "a".repeat(64),
            command: vec!["true".into()],
            ..Default::default()
        };
        let s = build(None, &o, &Environment::default()).unwrap();
        assert_eq!(ProcessUser::of(&s), ProcessUser::Ids(0, 0));
        o.user = Some("12:34".into());
        let s = build(None, &o, &Environment::default()).unwrap();
        assert_eq!(ProcessUser::of(&s), ProcessUser::Ids(12, 34));
        o.user = Some("web".into());
        let s = build(None, &o, &Environment::default()).unwrap();
        assert_eq!(ProcessUser::of(&s), ProcessUser::Name("web".into()));
    }
}
