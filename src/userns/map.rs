//! The fixed id map: container 0 → the user, container 1.. → the subordinate ranges.
//!
//! The map never changes between invocations, so files that one invocation
//! writes in the user namespace are owned correctly for every later one.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Once;

use serde::Serialize;

use super::subid::{self, SubRange};

/// `size` ids starting at `container` inside map to ids starting at `host` outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IdRange {
    pub container: u32,
    pub host: u32,
    pub size: u32,
}

/// Uid and gid maps for the user namespace; both empty means "no user namespace" (real root).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct IdMap {
    pub uids: Vec<IdRange>,
    pub gids: Vec<IdRange>,
}

impl IdMap {
    /// Builds the map for `uid`/`gid` from their subordinate ranges.
    pub fn build(uid: u32, gid: u32, subuids: &[SubRange], subgids: &[SubRange]) -> IdMap {
        IdMap {
            uids: ranges(uid, subuids),
            gids: ranges(gid, subgids),
        }
    }

    /// The map for this process's user. Real root gets the empty map (no user namespace).
    /// Without subordinate ids or without the setuid helpers the map is `0 → uid` alone,
    /// and a warning (once per process) says what that costs and how to fix it.
    pub fn for_current_user() -> IdMap {
        let uid = nix::unistd::getuid().as_raw();
        let gid = nix::unistd::getgid().as_raw();
        if uid == 0 {
            return IdMap::default();
        }
        let facts = SubIds::for_current_user();
        let map = IdMap::build(uid, gid, &facts.uids, &facts.gids);
        if let Some(problem) = facts.problem() {
            static WARN: Once = Once::new();
            WARN.call_once(|| log::warn!("{problem}"));
            return IdMap::build(uid, gid, &[], &[]);
        }
        map
    }

    /// True when only the user's own id is mapped (no subordinate ids in use).
    pub fn is_single(&self) -> bool {
        self.uids.len() <= 1 && self.gids.len() <= 1
    }

    /// True for real root, where no user namespace is created.
    pub fn is_host(&self) -> bool {
        self.uids.is_empty() && self.gids.is_empty()
    }

    /// Maps a container uid to the host uid that owns its files.
    pub fn host_uid(&self, container: u32) -> Option<u32> {
        lookup(&self.uids, container)
    }

    pub fn host_gid(&self, container: u32) -> Option<u32> {
        lookup(&self.gids, container)
    }
}

fn lookup(ranges: &[IdRange], id: u32) -> Option<u32> {
    ranges
        .iter()
        .find(|r| id >= r.container && id - r.container < r.size)
        .map(|r| r.host + (id - r.container))
}

fn ranges(own: u32, subs: &[SubRange]) -> Vec<IdRange> {
    let mut out = vec![IdRange {
        container: 0,
        host: own,
        size: 1,
    }];
    let mut next = 1u32;
    for r in subs {
        out.push(IdRange {
            container: next,
            host: r.start,
            size: r.count,
        });
        next = match next.checked_add(r.count) {
            Some(n) => n,
            None => break,
        };
    }
    out
}

/// What the system offers this user: subordinate ranges and the setuid helpers.
#[derive(Debug, Clone, Serialize)]
pub struct SubIds {
    pub user: Option<String>,
    pub uid: u32,
    pub uids: Vec<SubRange>,
    pub gids: Vec<SubRange>,
    pub newuidmap: Option<Helper>,
    pub newgidmap: Option<Helper>,
}

/// A map helper binary and whether it can do its job (setuid root or file capabilities).
#[derive(Debug, Clone, Serialize)]
pub struct Helper {
    pub path: PathBuf,
    pub setuid: bool,
}

impl SubIds {
    pub fn for_current_user() -> SubIds {
        let uid = nix::unistd::getuid();
        let user = nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .map(|u| u.name);
        let name = user.as_deref();
        SubIds {
            uid: uid.as_raw(),
            uids: subid::read(Path::new("/etc/subuid"), name, uid.as_raw()).unwrap_or_default(),
            gids: subid::read(Path::new("/etc/subgid"), name, uid.as_raw()).unwrap_or_default(),
            newuidmap: find_helper("newuidmap"),
            newgidmap: find_helper("newgidmap"),
            user,
        }
    }

    /// Why the full map cannot be used, with the fix; `None` when it can.
    pub fn problem(&self) -> Option<String> {
        let who = self.user.clone().unwrap_or_else(|| self.uid.to_string());
        let cost =
            "only your own id is mapped (to root); files owned by other ids become root's inside";
        if self.uids.is_empty() || self.gids.is_empty() {
            let file = if self.uids.is_empty() {
                "/etc/subuid"
            } else {
                "/etc/subgid"
            };
            return Some(format!(
                "no subordinate ids for user {who} in {file}: {cost}; \
                 fix: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 {who}"
            ));
        }
        for (name, helper) in [
            ("newuidmap", &self.newuidmap),
            ("newgidmap", &self.newgidmap),
        ] {
            match helper {
                None => {
                    return Some(format!(
                        "{name} not found: {cost}; fix: install the uidmap package (apt install uidmap)"
                    ))
                }
                Some(h) if !h.setuid => {
                    return Some(format!(
                        "{} is not setuid root: {cost}; fix: chmod u+s {} (or reinstall the uidmap package)",
                        h.path.display(),
                        h.path.display()
                    ))
                }
                Some(_) => {}
            }
        }
        None
    }
}

fn find_helper(name: &str) -> Option<Helper> {
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path_var)
        .chain(["/usr/bin", "/usr/sbin", "/bin", "/sbin"].map(PathBuf::from));
    for dir in dirs {
        let path = dir.join(name);
        if let Ok(meta) = std::fs::metadata(&path) {
            if meta.is_file() {
                let mode = meta.permissions().mode();
                // File capabilities (Fedora) also work; we cannot cheaply see them, so an
                // executable helper owned by root counts when it carries security.capability.
                let setuid = (mode & 0o4000 != 0
                    && std::os::unix::fs::MetadataExt::uid(&meta) == 0)
                    || has_file_caps(&path);
                return Some(Helper { path, setuid });
            }
        }
    }
    None
}

fn has_file_caps(path: &Path) -> bool {
    use std::ffi::CString;
    let Ok(c) = CString::new(path.as_os_str().as_encoded_bytes()) else {
        return false;
    };
    let name = c"security.capability";
    // SAFETY: both pointers are valid NUL-terminated strings; a null buffer asks for the size.
    let n = unsafe { libc::getxattr(c.as_ptr(), name.as_ptr(), std::ptr::null_mut(), 0) };
    n > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: u32, count: u32) -> SubRange {
        SubRange { start, count }
    }

    #[test]
    fn full_map_is_contiguous_inside() {
        let m = IdMap::build(
            1000,
            1001,
            &[r(100000, 65536), r(300000, 10)],
            &[r(200000, 65536)],
        );
        assert_eq!(
            m.uids,
            vec![
                IdRange {
                    container: 0,
                    host: 1000,
                    size: 1
                },
                IdRange {
                    container: 1,
                    host: 100000,
                    size: 65536
                },
                IdRange {
                    container: 65537,
                    host: 300000,
                    size: 10
                },
            ]
        );
        assert_eq!(
            m.gids[0],
            IdRange {
                container: 0,
                host: 1001,
                size: 1
            }
        );
        assert_eq!(m.host_uid(0), Some(1000));
        assert_eq!(m.host_uid(1000), Some(100999));
        assert_eq!(m.host_uid(65537), Some(300000));
        assert_eq!(m.host_uid(70000), None);
        assert!(!m.is_single());
    }

    #[test]
    fn single_map_without_ranges() {
        let m = IdMap::build(1000, 1000, &[], &[]);
        assert!(m.is_single());
        assert!(!m.is_host());
        assert_eq!(m.host_uid(1), None);
    }

    #[test]
    fn problem_names_the_fix() {
        let ids = SubIds {
            user: Some("alice".into()),
            uid: 1000,
            uids: vec![],
            gids: vec![r(1, 2)],
            newuidmap: None,
            newgidmap: None,
        };
        let p = ids.problem().unwrap();
        assert!(
            p.contains("/etc/subuid") && p.contains("usermod --add-subuids"),
            "{p}"
        );
        let ids = SubIds {
            uids: vec![r(1, 2)],
            ..ids
        };
        assert!(ids.problem().unwrap().contains("uidmap"));
    }
}
