//! The container's user: `-u name|uid[:group|gid]` resolved against the container's own
//! `/etc/passwd` and `/etc/group`, with podman's rules and messages.

use std::fs;
use std::path::Path;

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum UserError {
    #[error("unable to find user {0}: no matching entries in passwd file")]
    NoUser(String),
    #[error("unable to find group {0}: no matching entries in group file")]
    NoGroup(String),
    #[error("invalid user {0:?}: expected name, uid, name:group or uid:gid")]
    Invalid(String),
}

/// The shape of a `-u` value, checked before there is a root to resolve it in.
pub fn parse_user(s: &str) -> Result<String, String> {
    let (u, g) = s.split_once(':').unwrap_or((s, "x"));
    if u.is_empty() || g.is_empty() || g.contains(':') {
        return Err("expected USER, UID, USER:GROUP or UID:GID".into());
    }
    Ok(s.to_string())
}

/// What the process runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecUser {
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups, primary included, as `id` shows them.
    pub groups: Vec<u32>,
    /// From the passwd entry; `/` when the user has none.
    pub home: String,
}

/// One line of `/etc/passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
}

/// One line of `/etc/group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

/// Parses passwd text; malformed lines are skipped as libc does.
pub fn parse_passwd(text: &str) -> Vec<PasswdEntry> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 7 || f[0].is_empty() {
                return None;
            }
            Some(PasswdEntry {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                home: f[5].to_string(),
            })
        })
        .collect()
}

/// Parses group text; malformed lines are skipped.
pub fn parse_group(text: &str) -> Vec<GroupEntry> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 4 || f[0].is_empty() {
                return None;
            }
            Some(GroupEntry {
                name: f[0].to_string(),
                gid: f[2].parse().ok()?,
                members: f[3]
                    .split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(String::from)
                    .collect(),
            })
        })
        .collect()
}

/// Resolves `spec` (`""` means root) against the given databases.
///
/// A numeric user needs no passwd entry (gid 0 unless given, home `/`); a name must exist.
/// Without an explicit group the user's memberships in `/etc/group` are added; with one,
/// that group is the only one, as podman does.
pub fn resolve(
    spec: &str,
    passwd: &[PasswdEntry],
    groups: &[GroupEntry],
) -> Result<ExecUser, UserError> {
    let (user_part, group_part) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    if group_part == Some("") || (user_part.is_empty() && group_part.is_some()) {
        return Err(UserError::Invalid(spec.to_string()));
    }
    let user_part = if user_part.is_empty() { "0" } else { user_part };

    let entry = match user_part.parse::<u32>() {
        Ok(uid) => passwd.iter().find(|e| e.uid == uid),
        Err(_) => Some(
            passwd
                .iter()
                .find(|e| e.name == user_part)
                .ok_or_else(|| UserError::NoUser(user_part.to_string()))?,
        ),
    };
    let (uid, mut gid, home) = match (entry, user_part.parse::<u32>()) {
        (Some(e), _) => (e.uid, e.gid, e.home.clone()),
        (None, Ok(uid)) => (uid, 0, "/".to_string()),
        (None, Err(_)) => return Err(UserError::NoUser(user_part.to_string())),
    };
    let home = if home.is_empty() { "/".into() } else { home };

    let groups_out = match group_part {
        Some(g) => {
            gid = match g.parse::<u32>() {
                Ok(n) => n,
                Err(_) => {
                    groups
                        .iter()
                        .find(|e| e.name == g)
                        .ok_or_else(|| UserError::NoGroup(g.to_string()))?
                        .gid
                }
            };
            vec![gid]
        }
        None => {
            let mut out = vec![gid];
            if let Some(e) = entry {
                for g in groups.iter().filter(|g| g.members.contains(&e.name)) {
                    if !out.contains(&g.gid) {
                        out.push(g.gid);
                    }
                }
            }
            out
        }
    };
    Ok(ExecUser {
        uid,
        gid,
        groups: groups_out,
        home,
    })
}

/// Resolves `spec` against `<root>/etc/passwd` and `<root>/etc/group`; missing files are empty.
pub fn resolve_in(root: &Path, spec: &str) -> Result<ExecUser, UserError> {
    let passwd = parse_passwd(&read_or_empty(&root.join("etc/passwd")));
    let groups = parse_group(&read_or_empty(&root.join("etc/group")));
    resolve(spec, &passwd, &groups)
}

fn read_or_empty(path: &Path) -> String {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        // A missing or unreadable database behaves as an empty one: names then fail
        // with podman's message, numeric ids still work.
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n\
        # comment\n\
        broken line\n\
        user:x:1000:1000:User:/home/user:/bin/sh\n\
        nohome:x:1001:1001:::/bin/sh\n";
    const GROUP: &str = "root:x:0:\nuser:x:1000:\nextra:x:2000:user,other\nwheel:x:10: other , user \nnogroup:x:65534:\n";

    fn r(spec: &str) -> Result<ExecUser, UserError> {
        resolve(spec, &parse_passwd(PASSWD), &parse_group(GROUP))
    }

    #[test]
    fn parsers_skip_comments_and_malformed_lines() {
        let p = parse_passwd(PASSWD);
        assert_eq!(p.len(), 3);
        assert_eq!(p[1].home, "/home/user");
        let g = parse_group(GROUP);
        assert_eq!(g[3].members, vec!["other", "user"]);
    }

    #[test]
    fn default_is_root_with_its_home() {
        let u = r("").unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (0, 0, "/root"));
        assert_eq!(u.groups, vec![0]);
    }

    #[test]
    fn name_gets_primary_and_member_groups() {
        let u = r("user").unwrap();
        assert_eq!((u.uid, u.gid), (1000, 1000));
        assert_eq!(u.groups, vec![1000, 2000, 10]);
    }

    #[test]
    fn explicit_group_replaces_memberships() {
        let u = r("user:nogroup").unwrap();
        assert_eq!((u.uid, u.gid), (1000, 65534));
        assert_eq!(u.groups, vec![65534]);
        let u = r("0:user").unwrap();
        assert_eq!((u.uid, u.gid, u.groups.clone()), (0, 1000, vec![1000]));
    }

    #[test]
    fn unknown_numeric_ids_need_no_entry() {
        let u = r("1234:55").unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (1234, 55, "/"));
        let u = r("4321").unwrap();
        assert_eq!((u.uid, u.gid), (4321, 0));
    }

    #[test]
    fn known_numeric_uid_uses_its_entry() {
        let u = r("1000").unwrap();
        assert_eq!((u.gid, u.home.as_str()), (1000, "/home/user"));
        assert_eq!(r("1001").unwrap().home, "/");
    }

    #[test]
    fn unknown_names_fail_with_podman_messages() {
        assert_eq!(
            r("nosuch").unwrap_err().to_string(),
            "unable to find user nosuch: no matching entries in passwd file"
        );
        assert_eq!(
            r("0:nosuchg").unwrap_err().to_string(),
            "unable to find group nosuchg: no matching entries in group file"
        );
        assert!(matches!(r("user:"), Err(UserError::Invalid(_))));
        assert!(matches!(r(":5"), Err(UserError::Invalid(_))));
    }

    #[test]
    fn resolve_in_reads_the_root() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("etc")).unwrap();
        fs::write(dir.path().join("etc/passwd"), PASSWD).unwrap();
        fs::write(dir.path().join("etc/group"), GROUP).unwrap();
        assert_eq!(
            resolve_in(dir.path(), "user").unwrap().groups,
            vec![1000, 2000, 10]
        );
        let empty = tempfile::tempdir().unwrap();
        assert!(resolve_in(empty.path(), "user").is_err());
        assert_eq!(resolve_in(empty.path(), "7:8").unwrap().gid, 8);
    }
}
