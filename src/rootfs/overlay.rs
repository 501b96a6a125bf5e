//! Overlayfs mounts of image layers, for any number of layers.
//!
//! `mount(2)` takes at most one page of options, and absolute layer paths under a
//! home directory fill it at about 35 layers, while images may have 127. So the
//! layers are handed to the kernel one at a time with the descriptor mount API
//! (`fsconfig(…, "lowerdir+", path)`, Linux 6.8+). Older kernels get `mount(2)` with
//! each directory named by a descriptor opened on it, `/proc/self/fd/N`: at most 18
//! bytes a layer whatever the store's path, so 200 layers fit in a page, with no
//! links to keep beside the store and no change of the working directory.

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{open, OFlag};
use nix::mount::{mount, MsFlags};
use nix::sys::stat::Mode;
use thiserror::Error;

use crate::sys::fsmount::{FsContext, FsmountError};

/// The kernel copies at most one page of `mount(2)` data.
const PAGE: usize = 4096;

#[derive(Debug, Error)]
pub enum OverlayError {
    #[error("an overlay needs at least one lower layer")]
    NoLayers,
    #[error("opening layer directory {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: Errno,
    },
    #[error("overlay mount options are {0} bytes, over the kernel's page-size limit: too many layers for this kernel (Linux 6.8 or later takes any number)")]
    TooLong(usize),
    #[error("mounting overlay on {target}: {source}")]
    Mount {
        target: PathBuf,
        #[source]
        source: Errno,
    },
    #[error("mounting overlay on {target}: {source}")]
    Fsmount {
        target: PathBuf,
        #[source]
        source: FsmountError,
    },
}

/// An overlay to mount: layers topmost first, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlay {
    lowers: Vec<PathBuf>,
    /// Upper and work directories; none for a read-only view.
    upper: Option<(PathBuf, PathBuf)>,
}

impl Overlay {
    /// A writable overlay; `lowers` come base first (manifest order).
    pub fn new(lowers: &[PathBuf], upper: &Path, work: &Path) -> Result<Self, OverlayError> {
        Ok(Self {
            lowers: stack(lowers)?,
            upper: Some((upper.to_path_buf(), work.to_path_buf())),
        })
    }

    /// A read-only view of `lowers` (base first). The kernel wants two distinct
    /// layers when there is no upper one: see [`Overlay::lowers`] to bind a lone one.
    pub fn read_only(lowers: &[PathBuf]) -> Result<Self, OverlayError> {
        Ok(Self {
            lowers: stack(lowers)?,
            upper: None,
        })
    }

    /// The distinct layers, topmost first.
    pub fn lowers(&self) -> &[PathBuf] {
        &self.lowers
    }

    /// Mounts the overlay on `target`, as root of a user namespace owning the mount
    /// namespace (`userxattr`).
    pub fn mount(&self, target: &Path) -> Result<(), OverlayError> {
        match self.mount_fsconfig(target) {
            Ok(()) => Ok(()),
            Err(e) if fallback(&e) => self.mount_legacy(target),
            Err(source) => Err(OverlayError::Fsmount {
                target: target.to_path_buf(),
                source,
            }),
        }
    }

    fn mount_fsconfig(&self, target: &Path) -> Result<(), FsmountError> {
        let fs = FsContext::open("overlay")?;
        for l in &self.lowers {
            fs.set_string("lowerdir+", l)?;
        }
        if let Some((upper, work)) = &self.upper {
            fs.set_string("upperdir", upper)?;
            fs.set_string("workdir", work)?;
        }
        fs.set_flag("userxattr")?;
        fs.create()?;
        fs.mount(self.upper.is_none())?.attach(target)
    }

    fn mount_legacy(&self, target: &Path) -> Result<(), OverlayError> {
        let open_dir = |p: &PathBuf| {
            open(
                p.as_path(),
                OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(|source| OverlayError::Open {
                path: p.clone(),
                source,
            })
        };
        let lowers: Vec<OwnedFd> = self.lowers.iter().map(open_dir).collect::<Result<_, _>>()?;
        let upper = match &self.upper {
            Some((u, w)) => Some((open_dir(u)?, open_dir(w)?)),
            None => None,
        };
        let data = legacy_options(
            &lowers.iter().map(AsRawFd::as_raw_fd).collect::<Vec<_>>(),
            upper.as_ref().map(|(u, w)| (u.as_raw_fd(), w.as_raw_fd())),
        )?;
        let flags = if upper.is_none() {
            MsFlags::MS_RDONLY
        } else {
            MsFlags::empty()
        };
        mount(
            Some("overlay"),
            target,
            Some("overlay"),
            flags,
            Some(data.as_str()),
        )
        .map_err(|source| OverlayError::Mount {
            target: target.to_path_buf(),
            source,
        })
    }
}

/// Base-first layers to the kernel's topmost-first order. A layer may appear twice
/// in an image (two empty layers, a step repeated): overlayfs refuses the same
/// lowerdir twice (ELOOP). Its upper occurrence alone gives the same tree, since it
/// re-applies every entry the lower one had.
fn stack(lowers: &[PathBuf]) -> Result<Vec<PathBuf>, OverlayError> {
    if lowers.is_empty() {
        return Err(OverlayError::NoLayers);
    }
    let mut seen = std::collections::HashSet::new();
    Ok(lowers
        .iter()
        .rev()
        .filter(|l| seen.insert(*l))
        .cloned()
        .collect())
}

/// Kernels without `lowerdir+` say EINVAL, at the option on 6.5–6.7 or at creation
/// before that (options then go through the old parser); without the API at all,
/// ENOSYS, or EPERM where a filter refuses it. A real error recurs through
/// `mount(2)` and is reported from there.
fn fallback(e: &FsmountError) -> bool {
    match e {
        FsmountError::Open { source, .. } => matches!(source, Errno::ENOSYS | Errno::EPERM),
        FsmountError::Config { source, .. } | FsmountError::Create { source, .. } => {
            *source == Errno::EINVAL
        }
        FsmountError::Mount { .. } | FsmountError::Move { .. } => false,
    }
}

/// `mount(2)` data naming each directory by descriptor (lowers topmost first).
fn legacy_options(lowers: &[i32], upper: Option<(i32, i32)>) -> Result<String, OverlayError> {
    let list: Vec<String> = lowers
        .iter()
        .map(|fd| format!("/proc/self/fd/{fd}"))
        .collect();
    let mut s = format!("lowerdir={}", list.join(":"));
    if let Some((u, w)) = upper {
        s.push_str(&format!(
            ",upperdir=/proc/self/fd/{u},workdir=/proc/self/fd/{w}"
        ));
    }
    s.push_str(",userxattr");
    if s.len() >= PAGE {
        return Err(OverlayError::TooLong(s.len()));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_go_topmost_first_and_once() {
        let o = Overlay::new(
            &["/l/base".into(), "/l/top".into()],
            Path::new("/u"),
            Path::new("/w"),
        )
        .unwrap();
        assert_eq!(o.lowers(), [PathBuf::from("/l/top"), "/l/base".into()]);
        // The repeated empty layer keeps its upper place only.
        let repeated = Overlay::read_only(&[
            "/l/base".into(),
            "/l/empty".into(),
            "/l/mid".into(),
            "/l/empty".into(),
        ])
        .unwrap();
        assert_eq!(
            repeated.lowers(),
            [PathBuf::from("/l/empty"), "/l/mid".into(), "/l/base".into()]
        );
        assert!(matches!(
            Overlay::read_only(&[]),
            Err(OverlayError::NoLayers)
        ));
    }

    #[test]
    fn legacy_options_name_descriptors() {
        assert_eq!(
            legacy_options(&[7, 5], Some((9, 10))).unwrap(),
            "lowerdir=/proc/self/fd/7:/proc/self/fd/5,upperdir=/proc/self/fd/9,workdir=/proc/self/fd/10,userxattr"
        );
        assert_eq!(
            legacy_options(&[4, 3], None).unwrap(),
            "lowerdir=/proc/self/fd/4:/proc/self/fd/3,userxattr"
        );
    }

    #[test]
    fn legacy_options_fit_docker_layer_limit_and_refuse_beyond_a_page() {
        // Descriptors of a process holding ~130 layers open are three digits at most.
        let fds: Vec<i32> = (900..1027).collect();
        let s = legacy_options(&fds, Some((1027, 1028))).unwrap();
        assert!(s.len() < PAGE, "{}", s.len());
        let many: Vec<i32> = (10_000..10_300).collect();
        assert!(matches!(
            legacy_options(&many, None),
            Err(OverlayError::TooLong(n)) if n >= PAGE
        ));
    }

    #[test]
    fn only_a_missing_api_falls_back() {
        let cfg = |source| FsmountError::Config {
            key: "lowerdir+".into(),
            value: "/l".into(),
            log: String::new(),
            source,
        };
        assert!(fallback(&cfg(Errno::EINVAL)));
        assert!(fallback(&FsmountError::Create {
            log: String::new(),
            source: Errno::EINVAL
        }));
        assert!(fallback(&FsmountError::Open {
            fstype: "overlay".into(),
            source: Errno::ENOSYS
        }));
        assert!(!fallback(&cfg(Errno::ENOENT)));
        assert!(!fallback(&FsmountError::Move {
            target: "/t".into(),
            source: Errno::EINVAL
        }));
    }

    /// As root (no user namespace needed), both ways give the same merged tree:
    /// the new API and the descriptor-named fallback this kernel would not choose, for
    /// more layers than absolute paths fit in a page.
    #[test]
    fn both_ways_mount_the_same_tree() {
        use std::fs;
        if !nix::unistd::geteuid().is_root() {
            return;
        }
        let t = tempfile::tempdir().unwrap();
        let d = |n: &str| {
            let p = t.path().join(n);
            fs::create_dir_all(&p).unwrap();
            p
        };
        let layers: Vec<PathBuf> = (0..60).map(|i| d(&format!("layer-{i:060}"))).collect();
        for (i, l) in layers.iter().enumerate() {
            fs::write(l.join(format!("f{i}")), "x").unwrap();
            fs::write(l.join("which"), format!("{i}")).unwrap();
        }
        for legacy in [false, true] {
            let (upper, work, merged) = (d("upper"), d("work"), d("merged"));
            let o = Overlay::new(&layers, &upper, &work).unwrap();
            let result = crate::userns::run_in(
                &crate::userns::IdMap::default(),
                nix::sched::CloneFlags::CLONE_NEWNS,
                || {
                    crate::sys::fsmount::make_mounts_private()?;
                    if legacy {
                        o.mount_legacy(&merged)?;
                    } else {
                        match o.mount_fsconfig(&merged) {
                            Ok(()) => {}
                            // A kernel before 6.8: only the fallback can be checked.
                            Err(e) if fallback(&e) => return Ok(None),
                            Err(e) => return Err(e.into()),
                        }
                    }
                    fs::write(merged.join("new"), "y")?;
                    let names = fs::read_dir(&merged)?.count();
                    Ok(Some((names, fs::read_to_string(merged.join("which"))?)))
                },
            )
            .unwrap();
            let Some((names, which)) = result else {
                continue;
            };
            assert_eq!(names, 60 + 2, "legacy={legacy}");
            assert_eq!(which, "59", "the topmost layer wins (legacy={legacy})");
            assert!(upper.join("new").exists(), "legacy={legacy}");
            for p in [&upper, &work, &merged] {
                let _ = fs::remove_dir_all(p);
            }
        }
    }
}
