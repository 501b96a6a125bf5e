//! The per-user directories: data (`--root`), runtime (`--runroot`) and config.
//!
//! Rootless: `$XDG_DATA_HOME/rpod`, `$XDG_RUNTIME_DIR/rpod` (fallback `/tmp/rpod-$UID`),
//! `$XDG_CONFIG_HOME/rpod`. Root: `/var/lib/rpod`, `/run/rpod`, `/etc/rpod`.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum PathError {
    #[error("cannot find the home directory: set $HOME")]
    NoHome,
    #[error(
        "directory {path} is owned by uid {owner}, not by you (uid {uid}): remove it, or \
         point $XDG_DATA_HOME/--root or $XDG_RUNTIME_DIR/--runroot at a directory of your own"
    )]
    ForeignDir { path: PathBuf, owner: u32, uid: u32 },
    #[error("cannot create directory {path}: {source}")]
    Create {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// The resolved locations for this invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Images, layers, containers, volumes.
    pub root: PathBuf,
    /// Pids, sockets, locks that a reboot should forget.
    pub runroot: PathBuf,
    /// `rpod.toml` and friends.
    pub config_dir: PathBuf,
    /// The user's home (for `~/.docker/config.json` and similar).
    pub home: PathBuf,
    pub uid: u32,
    pub gid: u32,
    pub rootless: bool,
}

/// What path resolution reads from the process, gathered so tests can supply it.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub uid: u32,
    pub gid: u32,
    pub home: Option<PathBuf>,
    pub xdg_data_home: Option<PathBuf>,
    pub xdg_runtime_dir: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
}

impl Env {
    pub fn from_process() -> Env {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let uid = nix::unistd::getuid().as_raw();
        let home = var("HOME").or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
                .ok()
                .flatten()
                .map(|u| u.dir)
        });
        Env {
            uid,
            gid: nix::unistd::getgid().as_raw(),
            home,
            xdg_data_home: var("XDG_DATA_HOME"),
            xdg_runtime_dir: var("XDG_RUNTIME_DIR"),
            xdg_config_home: var("XDG_CONFIG_HOME"),
        }
    }
}

impl Paths {
    /// Resolves the paths; `root`/`runroot` are the `--root`/`--runroot` overrides.
    pub fn resolve(
        env: &Env,
        root: Option<PathBuf>,
        runroot: Option<PathBuf>,
    ) -> Result<Paths, PathError> {
        let rootless = env.uid != 0;
        let home = env.home.clone();
        let (default_root, default_run, config_dir) = if rootless {
            let home = home.clone().ok_or(PathError::NoHome)?;
            let data = env
                .xdg_data_home
                .clone()
                .unwrap_or_else(|| home.join(".local/share"));
            let run = match &env.xdg_runtime_dir {
                Some(dir) if owned_by(dir, env.uid) => dir.join("rpod"),
                _ => PathBuf::from(format!("/tmp/rpod-{}", env.uid)),
            };
            let config = env
                .xdg_config_home
                .clone()
                .unwrap_or_else(|| home.join(".config"));
            (data.join("rpod"), run, config.join("rpod"))
        } else {
            (
                PathBuf::from("/var/lib/rpod"),
                PathBuf::from("/run/rpod"),
                PathBuf::from("/etc/rpod"),
            )
        };
        Ok(Paths {
            root: root.unwrap_or(default_root),
            runroot: runroot.unwrap_or(default_run),
            config_dir,
            home: home.unwrap_or_else(|| PathBuf::from("/")),
            uid: env.uid,
            gid: env.gid,
            rootless,
        })
    }

    /// Creates the runtime dir (0700) if needed and refuses one that another user owns.
    pub fn ensure_runroot(&self) -> Result<&Path, PathError> {
        ensure_private_dir(&self.runroot, own_uid())?;
        Ok(&self.runroot)
    }

    /// Creates the data dir (0700) if needed.
    pub fn ensure_root(&self) -> Result<&Path, PathError> {
        ensure_private_dir(&self.root, own_uid())?;
        Ok(&self.root)
    }

    /// The XDG config home that holds rpod's config dir: where `containers/`
    /// (registries.conf, auth.json, certs.d) is looked up.
    pub fn config_home(&self) -> PathBuf {
        self.config_dir
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| self.home.join(".config"))
    }
}

/// The uid the user's own files show as to this process: `Paths::uid` outside the
/// user namespace, 0 inside it (where store writes run), so the owner check
/// holds in both.
fn own_uid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

fn owned_by(dir: &Path, uid: u32) -> bool {
    fs::metadata(dir).map(|m| m.uid() == uid).unwrap_or(false)
}

fn ensure_private_dir(path: &Path, uid: u32) -> Result<(), PathError> {
    match fs::metadata(path) {
        Ok(meta) if meta.uid() != uid => Err(PathError::ForeignDir {
            path: path.to_path_buf(),
            owner: meta.uid(),
            uid,
        }),
        Ok(meta) => {
            if meta.permissions().mode() & 0o077 != 0 && path.starts_with("/tmp") {
                // A shared /tmp fallback must not be readable by others.
                let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o700));
            }
            Ok(())
        }
        Err(_) => fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
            .map_err(|source| PathError::Create {
                path: path.to_path_buf(),
                source,
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(uid: u32) -> Env {
        Env {
            uid,
            gid: uid,
            home: Some(PathBuf::from("/home/u")),
            ..Env::default()
        }
    }

    #[test]
    fn rootless_defaults_follow_home() {
        let p = Paths::resolve(&env(4242), None, None).unwrap();
        assert_eq!(p.root, PathBuf::from("/home/u/.local/share/rpod"));
        assert_eq!(p.runroot, PathBuf::from("/tmp/rpod-4242"));
        assert_eq!(p.config_dir, PathBuf::from("/home/u/.config/rpod"));
        assert!(p.rootless);
    }

    #[test]
    fn xdg_overrides_and_flags_win() {
        let mut e = env(4242);
        e.xdg_data_home = Some("/data".into());
        e.xdg_config_home = Some("/cfg".into());
        let p = Paths::resolve(&e, None, Some("/rr".into())).unwrap();
        assert_eq!(p.root, PathBuf::from("/data/rpod"));
        assert_eq!(p.config_dir, PathBuf::from("/cfg/rpod"));
        assert_eq!(p.runroot, PathBuf::from("/rr"));
    }

    #[test]
    fn runtime_dir_used_only_when_owned() {
        let dir = tempfile::tempdir().unwrap();
        let me = nix::unistd::getuid().as_raw();
        let mut e = env(me);
        e.xdg_runtime_dir = Some(dir.path().to_path_buf());
        let p = Paths::resolve(&e, None, None).unwrap();
        if me != 0 {
            assert_eq!(p.runroot, dir.path().join("rpod"));
        }
        let mut other = env(me + 1);
        other.xdg_runtime_dir = Some(dir.path().to_path_buf());
        let p = Paths::resolve(&other, None, None).unwrap();
        assert_eq!(p.runroot, PathBuf::from(format!("/tmp/rpod-{}", me + 1)));
    }

    #[test]
    fn root_mode_uses_system_dirs() {
        let p = Paths::resolve(&env(0), None, None).unwrap();
        assert_eq!(p.root, PathBuf::from("/var/lib/rpod"));
        assert_eq!(p.runroot, PathBuf::from("/run/rpod"));
        assert!(!p.rootless);
    }

    #[test]
    fn foreign_dir_refused() {
        let dir = tempfile::tempdir().unwrap();
        let me = nix::unistd::getuid().as_raw();
        let err = ensure_private_dir(dir.path(), me + 1).unwrap_err();
        assert!(matches!(err, PathError::ForeignDir { .. }));
        ensure_private_dir(&dir.path().join("new"), me).unwrap();
    }
}
