//! Which cgroup hierarchy the host runs and whether the user has a delegated v2 subtree.
//!
//! Limits apply only where systemd (or an admin) delegated a v2 subtree to the user;
//! elsewhere rpod warns and runs without them, as podman does. On a hybrid host the
//! v2 tree sits at `/sys/fs/cgroup/unified` beside the v1 controllers: delegated,
//! it still gives containers cgroups of their own (freezer, CPU time), without limits.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Version {
    #[serde(rename = "v1")]
    V1,
    #[serde(rename = "v2")]
    V2,
}

/// Where hosts mount the cgroup hierarchies.
pub const MOUNT: &str = "/sys/fs/cgroup";

/// Where a hybrid host (v1 controllers, systemd's "unified" v2 tree beside them)
/// mounts the v2 hierarchy.
pub const HYBRID_MOUNT: &str = "/sys/fs/cgroup/unified";

fn is_cgroup2(path: &str) -> bool {
    matches!(nix::sys::statfs::statfs(path),
        Ok(st) if st.filesystem_type() == nix::sys::statfs::CGROUP2_SUPER_MAGIC)
}

/// The hierarchy mounted at `/sys/fs/cgroup`.
pub fn version() -> Version {
    if is_cgroup2(MOUNT) {
        Version::V2
    } else {
        Version::V1
    }
}

/// The v2 hierarchy's mount point: `/sys/fs/cgroup` on a unified host, the hybrid
/// layout's `/sys/fs/cgroup/unified` on a v1 one (there it holds no controller the
/// v1 hierarchies took, but it freezes and counts CPU time all the same).
pub fn unified_mount() -> Option<PathBuf> {
    [MOUNT, HYBRID_MOUNT]
        .into_iter()
        .find(|p| is_cgroup2(p))
        .map(PathBuf::from)
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

/// The controllers `dir`'s parent offers it (`cgroup.controllers`).
pub fn available(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("cgroup.controllers"))
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Facts for `rpod info`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CgroupInfo {
    pub version: Version,
    /// v1 controllers with systemd's v2 tree beside them at `/sys/fs/cgroup/unified`.
    pub hybrid: bool,
    /// The v2 subtree the user may manage (in the v2 tree, unified or hybrid).
    pub delegated: Option<PathBuf>,
    /// The controllers the delegated subtree can hand to its children.
    pub controllers: Vec<String>,
}

pub fn info(uid: u32) -> CgroupInfo {
    let version = version();
    let mount = unified_mount();
    let hybrid = version == Version::V1 && mount.is_some();
    let delegated = mount.as_ref().and_then(|m| {
        if uid == 0 {
            return Some(m.join(ROOT_PARENT));
        }
        fs::read_to_string("/proc/self/cgroup")
            .ok()
            .and_then(|c| delegated(m, &c, uid))
    });
    // Root's parent may not exist yet: the top of the tree offers the same.
    let controllers = match (&delegated, &mount) {
        (Some(d), _) if d.exists() => available(d),
        (Some(_), Some(m)) => available(m),
        _ => Vec::new(),
    };
    CgroupInfo {
        version,
        hybrid,
        delegated,
        controllers,
    }
}

/// Where root's containers get their cgroups: a parent of their own at the top of
/// the v2 tree (podman's cgroupfs manager uses `libpod_parent` likewise).
pub const ROOT_PARENT: &str = "rpod_parent";

/// The user's delegated v2 subtree and the mount it lies under, if there is one.
/// Root manages the whole tree: its containers go under [`ROOT_PARENT`].
pub fn delegation(uid: u32) -> Option<(PathBuf, PathBuf)> {
    let mount = unified_mount()?;
    if uid == 0 {
        let parent = mount.join(ROOT_PARENT);
        fs::create_dir_all(&parent).ok()?;
        return Some((mount, parent));
    }
    let own = fs::read_to_string("/proc/self/cgroup").ok()?;
    let dir = delegated(&mount, &own, uid)?;
    Some((mount, dir))
}

/// Why containers get no cgroup of their own here, and the fix, in one line.
#[derive(Debug, Error)]
pub enum NoCgroup {
    #[error("{verb} is not supported for cgroupv1 rootless containers: boot the host with cgroup v2 (systemd.unified_cgroup_hierarchy=1), or run rpod inside a cgroup v2 subtree delegated to uid {uid}")]
    V1 { verb: String, uid: u32 },
    #[error("{verb} needs a cgroup v2 subtree delegated to uid {uid}, and rpod runs in none: run it in a delegated systemd user scope (systemd-run --user --scope rpod …), with lingering enabled (loginctl enable-linger {uid}) or Delegate=yes for user@.service")]
    V2 { verb: String, uid: u32 },
}

/// What keeps `verb` (`pause`, `stats`) from working for `uid`: `None` when the
/// host gives containers a cgroup of their own.
pub fn missing(verb: &str, uid: u32) -> Option<NoCgroup> {
    let info = info(uid);
    if info.delegated.is_some() {
        return None;
    }
    let verb = verb.to_string();
    Some(match info.version {
        Version::V1 => NoCgroup::V1 { verb, uid },
        Version::V2 => NoCgroup::V2 { verb, uid },
    })
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
