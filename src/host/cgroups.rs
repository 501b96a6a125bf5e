//! Which cgroup hierarchy the host runs and whether the user has a delegated v2 subtree.
//!
//! Limits apply only where systemd (or an admin) delegated a v2 subtree to the user;
//! elsewhere rpod warns and runs without them, as podman does.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Version {
    #[serde(rename = "v1")]
    V1,
    #[serde(rename = "v2")]
    V2,
}

/// The hierarchy mounted at `/sys/fs/cgroup`.
pub fn version() -> Version {
    match nix::sys::statfs::statfs("/sys/fs/cgroup") {
        Ok(st) if st.filesystem_type() == nix::sys::statfs::CGROUP2_SUPER_MAGIC => Version::V2,
        _ => Version::V1,
    }
}

/// The process's v2 cgroup path from `/proc/self/cgroup` content (`0::/path`).
pub fn unified_path(proc_self_cgroup: &str) -> Option<&str> {
    proc_self_cgroup
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .map(str::trim)
}

/// The delegated subtree for `uid` under the v2 mount `root`, if the user may manage it:
/// the process's own cgroup dir must be owned by the user, with writable
/// `cgroup.subtree_control` and `cgroup.procs` (what systemd's `Delegate=yes` gives).
pub fn delegated(root: &Path, proc_self_cgroup: &str, uid: u32) -> Option<PathBuf> {
    let rel = unified_path(proc_self_cgroup)?;
    let dir = root.join(rel.trim_start_matches('/'));
    // A user@.service delegation puts the user's processes a level or two below the
    // delegated root; walk up while the user still owns the directory.
    let mut best = None;
    let mut cur = Some(dir.as_path());
    while let Some(d) = cur {
        if !d.starts_with(root) || d == root {
            break;
        }
        let owned = fs::metadata(d).map(|m| m.uid() == uid).unwrap_or(false);
        let files_owned = ["cgroup.subtree_control", "cgroup.procs"].iter().all(|f| {
            fs::metadata(d.join(f))
                .map(|m| m.uid() == uid)
                .unwrap_or(false)
        });
        if owned && files_owned {
            best = Some(d.to_path_buf());
        } else {
            break;
        }
        cur = d.parent();
    }
    best
}

/// The controllers enabled for children of `dir` (`cgroup.subtree_control`).
pub fn controllers(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("cgroup.subtree_control"))
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Facts for `rpod info`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CgroupInfo {
    pub version: Version,
    pub delegated: Option<PathBuf>,
    pub controllers: Vec<String>,
}

pub fn info(uid: u32) -> CgroupInfo {
    let version = version();
    let delegated = match version {
        Version::V2 => fs::read_to_string("/proc/self/cgroup")
            .ok()
            .and_then(|c| delegated(Path::new("/sys/fs/cgroup"), &c, uid)),
        Version::V1 => None,
    };
    let controllers = delegated.as_deref().map(controllers).unwrap_or_default();
    CgroupInfo {
        version,
        delegated,
        controllers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::chown;

    #[test]
    fn unified_line_found() {
        let c = "12:pids:/user.slice\n0::/user.slice/user-1000.slice/user@1000.service/app.slice\n";
        assert_eq!(
            unified_path(c),
            Some("/user.slice/user-1000.slice/user@1000.service/app.slice")
        );
        assert_eq!(unified_path("3:cpu:/\n"), None);
    }

    /// A fake cgroupfs tree: the user owns user@1000.service and below, root owns above.
    #[test]
    fn delegation_found_on_fake_tree() {
        let root = tempfile::tempdir().unwrap();
        let uid = 4321;
        let svc = root
            .path()
            .join("user.slice/user-4321.slice/user@4321.service");
        let app = svc.join("app.slice");
        fs::create_dir_all(&app).unwrap();
        for d in [&svc, &app] {
            for f in ["cgroup.subtree_control", "cgroup.procs"] {
                fs::write(d.join(f), "").unwrap();
                chown(d.join(f), Some(uid), None).ok();
            }
            chown(d, Some(uid), None).ok();
        }
        let me_root = nix::unistd::getuid().is_root();
        let got = delegated(
            root.path(),
            "0::/user.slice/user-4321.slice/user@4321.service/app.slice\n",
            uid,
        );
        if me_root {
            assert_eq!(got, Some(svc.clone()));
        }
        // Nobody else owns it.
        assert_eq!(
            delegated(
                root.path(),
                "0::/user.slice/user-4321.slice/user@4321.service/app.slice\n",
                uid + 1
            ),
            None
        );
        assert_eq!(delegated(root.path(), "1:cpu:/\n", uid), None);
    }

    #[test]
    fn controllers_read() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("cgroup.subtree_control"), "cpu memory pids\n").unwrap();
        assert_eq!(controllers(d.path()), vec!["cpu", "memory", "pids"]);
    }
}
