//! Containers' own cgroups, in one place: which hierarchy the host runs and what
//! it delegates to the user (`detect`), a container's cgroup made and removed
//! (`placement`), the resource flags as cgroup v2 limits (`limits`), freezing
//! (`freeze`) and the counters `stats` reads (`stats`).
//!
//! A container's cgroup lives in the user's delegated v2 subtree, the way podman's
//! cgroupfs manager makes one inside a systemd-delegated tree: `<delegated>/rpod-<id>`,
//! its limits written before the init is cloned into it (`CLONE_INTO_CGROUP`).

pub mod detect;
pub mod freeze;
pub mod limits;
pub mod placement;
pub mod stats;

use std::fs;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum CgroupError {
    #[error("creating the container's cgroup {path}: {source}")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("moving process {pid} out of {from} into {to} (cgroup v2 allows no processes where controllers are enabled): {source}")]
    MoveOut {
        pid: String,
        from: PathBuf,
        to: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("writing {value:?} to {path}: {source}")]
    Write {
        path: PathBuf,
        value: String,
        #[source]
        source: std::io::Error,
    },
    #[error("opening the container's cgroup {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: nix::Error,
    },
    #[error("the cgroup {path} did not report {want} within {secs} seconds")]
    Timeout {
        path: PathBuf,
        want: &'static str,
        secs: u64,
    },
    #[error("removing the container's cgroup {path}: {source}")]
    Remove {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub(crate) fn write(path: PathBuf, value: &str) -> Result<(), CgroupError> {
    fs::write(&path, value).map_err(|source| CgroupError::Write {
        path,
        value: value.to_string(),
        source,
    })
}

pub(crate) fn words(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// A container's cgroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cgroup {
    dir: PathBuf,
}

impl Cgroup {
    /// The cgroup at `dir` (which may not exist).
    pub fn at(dir: impl Into<PathBuf>) -> Cgroup {
        Cgroup { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path as `/proc/PID/cgroup` and podman's `State.CgroupPath` show it:
    /// relative to the v2 mount `mount`.
    pub fn relative(&self, mount: &Path) -> String {
        match self.dir.strip_prefix(mount) {
            Ok(rel) => format!("/{}", rel.display()),
            Err(_) => self.dir.display().to_string(),
        }
    }

    /// A descriptor of the directory, for `clone3`'s `CLONE_INTO_CGROUP`.
    pub fn open(&self) -> Result<OwnedFd, CgroupError> {
        use nix::fcntl::OFlag;
        nix::fcntl::open(
            &self.dir,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .map_err(|source| CgroupError::Open {
            path: self.dir.clone(),
            source,
        })
    }
}
