//! The volume store: one directory per volume under `<root>/volumes/`, a record beside
//! the content, created and removed by `rename` under the store lock.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::record::{validate_name, RecordError, Volume};
use crate::base::atomic;
use crate::base::lock::{ExclusiveLock, LockError, LockFile};
use crate::base::paths::Paths;
use crate::base::remove::TreeRemover;

/// Sets the owner of a new volume's content directory (see [`VolumeStore::create`]).
pub type OwnerHook<'a> = &'a dyn Fn(&Path) -> anyhow::Result<()>;

const RECORD: &str = "volume.json";
const DATA: &str = "_data";
const TMP_PREFIX: &str = ".tmp-";
const REMOVED_PREFIX: &str = ".removed-";

#[derive(Debug, Error)]
pub enum VolumeError {
    #[error(
        "volume with name {0} already exists: choose another name, or pass --ignore to keep it"
    )]
    Exists(String),
    #[error("no volume with name {0:?} found: no such volume")]
    NotFound(String),
    #[error("volume {name} is being used by the following container(s): {}: remove them first, or pass --force", containers.join(", "))]
    InUse {
        name: String,
        containers: Vec<String>,
    },
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("{op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "volume record {path} is unreadable: {source}; remove the volume with `rpod volume rm -f`"
    )]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("setting the owner of volume {name}: {message}")]
    Owner { name: String, message: String },
}

fn io_err(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> VolumeError {
    let path = path.to_path_buf();
    move |source| VolumeError::Io { op, path, source }
}

/// The volumes of one user (or of root).
#[derive(Debug, Clone)]
pub struct VolumeStore {
    dir: PathBuf,
}

impl VolumeStore {
    /// The store under `paths.root`; nothing is created until a volume is.
    pub fn open(paths: &Paths) -> VolumeStore {
        VolumeStore::at(paths.root.join("volumes"))
    }

    /// A store in `dir` (tests).
    pub fn at(dir: impl Into<PathBuf>) -> VolumeStore {
        VolumeStore { dir: dir.into() }
    }

    /// The store beside a container's directory (`<root>/containers/<id>`).
    pub fn beside_container(container_dir: &Path) -> VolumeStore {
        let root = container_dir
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("/"));
        VolumeStore::at(root.join("volumes"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The data root the store lies in, beside the container store.
    pub fn root(&self) -> &Path {
        self.dir.parent().unwrap_or(&self.dir)
    }

    /// Where a volume's content lives: what containers bind.
    pub fn data_dir(&self, name: &str) -> PathBuf {
        self.dir.join(name).join(DATA)
    }

    /// The volume whose content `path` is, if it is one of this store's.
    pub fn name_of_data_dir(&self, path: &Path) -> Option<String> {
        let rest = path.strip_prefix(&self.dir).ok()?;
        let mut parts = rest.components();
        let name = parts.next()?.as_os_str().to_str()?;
        let data = parts.next()?;
        if data.as_os_str() != DATA || parts.next().is_some() || validate_name(name).is_err() {
            return None;
        }
        Some(name.to_string())
    }

    fn lock_file(&self) -> LockFile {
        LockFile::new(self.dir.join("volumes.lock"))
    }

    /// The store lock: volumes appear and disappear only under it.
    pub fn lock(&self) -> Result<ExclusiveLock, VolumeError> {
        self.ensure_dir()?;
        Ok(self.lock_file().exclusive()?)
    }

    /// One volume's lock, for the work its first use does. Take the store lock first
    /// when both are needed.
    pub fn lock_volume(&self, name: &str) -> Result<ExclusiveLock, VolumeError> {
        validate_name(name)?;
        let dir = self.dir.join(name);
        if !dir.is_dir() {
            return Err(VolumeError::NotFound(name.to_string()));
        }
        Ok(LockFile::new(dir.join("lock")).exclusive()?)
    }

    fn ensure_dir(&self) -> Result<(), VolumeError> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(io_err("creating the volume store", &self.dir))
    }

    /// Records a new volume and makes its empty content directory. `owner`, when
    /// given, sets the owner of the content directory before the volume appears
    /// (run as root of the user namespace by the caller).
    pub fn create(
        &self,
        mut volume: Volume,
        owner: Option<OwnerHook<'_>>,
    ) -> Result<Volume, VolumeError> {
        validate_name(&volume.name)?;
        let _lock = self.lock()?;
        self.sweep();
        let dir = self.dir.join(&volume.name);
        if dir.exists() {
            return Err(VolumeError::Exists(volume.name));
        }
        let tmp = self.dir.join(format!(
            "{TMP_PREFIX}{}-{}",
            std::process::id(),
            volume.name
        ));
        let result = (|| {
            let _ = fs::remove_dir_all(&tmp);
            fs::DirBuilder::new()
                .mode(0o700)
                .create(&tmp)
                .map_err(io_err("creating", &tmp))?;
            let data = tmp.join(DATA);
            fs::DirBuilder::new()
                .mode(0o755)
                .create(&data)
                .map_err(io_err("creating", &data))?;
            // The umask may have narrowed it; containers of other users need to enter.
            fs::set_permissions(&data, fs::Permissions::from_mode(0o755))
                .map_err(io_err("setting the mode of", &data))?;
            if let Some(set_owner) = owner {
                set_owner(&data).map_err(|e| VolumeError::Owner {
                    name: volume.name.clone(),
                    message: crate::error::one_line(&e),
                })?;
            }
            volume.mountpoint = self.data_dir(&volume.name).display().to_string();
            let record = tmp.join(RECORD);
            atomic::write_json(&record, &volume).map_err(io_err("writing", &record))?;
            fs::rename(&tmp, &dir).map_err(io_err("creating", &dir))
        })();
        if let Err(e) = result {
            let _ = crate::base::remove::remove_tree(&tmp);
            return Err(e);
        }
        Ok(volume)
    }

    /// The volume called `name`.
    pub fn get(&self, name: &str) -> Result<Volume, VolumeError> {
        validate_name(name).map_err(|_| VolumeError::NotFound(name.to_string()))?;
        let path = self.dir.join(name).join(RECORD);
        let data = match fs::read(&path) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(VolumeError::NotFound(name.to_string()))
            }
            Err(e) => return Err(io_err("reading", &path)(e)),
        };
        let mut volume: Volume =
            serde_json::from_slice(&data).map_err(|source| VolumeError::Corrupt {
                path: path.clone(),
                source,
            })?;
        volume.name = name.to_string();
        volume.mountpoint = self.data_dir(name).display().to_string();
        Ok(volume)
    }

    /// Whether a volume called `name` exists.
    pub fn exists(&self, name: &str) -> bool {
        validate_name(name).is_ok() && self.dir.join(name).join(RECORD).is_file()
    }

    /// Every volume, by name. An unreadable record is reported and skipped.
    pub fn list(&self) -> Result<Vec<Volume>, VolumeError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err("reading", &self.dir)(e)),
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if validate_name(&name).is_err() || !entry.path().is_dir() {
                continue;
            }
            match self.get(&name) {
                Ok(v) => out.push(v),
                // Removed meanwhile.
                Err(VolumeError::NotFound(_)) => {}
                Err(e) => log::warn!("{e}"),
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Replaces a volume's record; the caller holds the volume's lock.
    pub fn update(&self, volume: &Volume) -> Result<(), VolumeError> {
        validate_name(&volume.name)?;
        let path = self.dir.join(&volume.name).join(RECORD);
        atomic::write_json(&path, volume).map_err(io_err("writing", &path))
    }

    /// Removes a volume: `check` decides under the store lock whether it may go (it
    /// is where "in use" is refused); its files are deleted by `remover` afterwards.
    pub fn remove(
        &self,
        name: &str,
        check: impl FnOnce(&Volume) -> anyhow::Result<()>,
        remover: &dyn TreeRemover,
    ) -> anyhow::Result<Volume> {
        let lock = self.lock()?;
        let volume = match self.get(name) {
            Ok(v) => v,
            // A record lost half-way still leaves a directory to clear.
            Err(VolumeError::Corrupt { .. }) => {
                Volume::new(name, String::new(), Default::default(), Default::default())
            }
            Err(e) => return Err(e.into()),
        };
        let dir = self.dir.join(name);
        // Waits for a first use under way to finish.
        let volume_lock = LockFile::new(dir.join("lock")).exclusive()?;
        check(&volume)?;
        let gone = self
            .dir
            .join(format!("{REMOVED_PREFIX}{}-{name}", std::process::id()));
        fs::rename(&dir, &gone).map_err(io_err("removing", &dir))?;
        drop(volume_lock);
        drop(lock);
        remover
            .remove_trees(std::slice::from_ref(&gone))
            .map_err(io_err("removing the content of", &gone))?;
        Ok(volume)
    }

    /// Clears what killed invocations left: half-made volumes, and removed ones whose
    /// deletion did not finish. Runs under the store lock.
    fn sweep(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let mut stale = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let pid = name
                .strip_prefix(TMP_PREFIX)
                .or_else(|| name.strip_prefix(REMOVED_PREFIX))
                .and_then(|rest| rest.split('-').next())
                .and_then(|p| p.parse::<u32>().ok());
            // A removal still running elsewhere finishes on its own.
            if let Some(pid) = pid {
                if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                    stale.push(entry.path());
                }
            }
        }
        if !stale.is_empty() {
            let remover = crate::base::remove::UsernsRemover {
                map: crate::userns::IdMap::for_current_user(),
            };
            if let Err(e) = remover.remove_trees(&stale) {
                log::warn!("clearing leftovers in {}: {e}", self.dir.display());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::remove::DirectRemover;
    use std::collections::BTreeMap;

    fn vol(name: &str) -> Volume {
        Volume::new(
            name,
            "2024-01-01T00:00:00Z".into(),
            BTreeMap::new(),
            BTreeMap::new(),
        )
    }

    #[test]
    fn create_get_list_remove() {
        let dir = tempfile::tempdir().unwrap();
        let store = VolumeStore::at(dir.path().join("volumes"));
        assert!(store.list().unwrap().is_empty());
        let v = store.create(vol("b"), None).unwrap();
        assert_eq!(v.mountpoint, store.data_dir("b").display().to_string());
        assert!(store.data_dir("b").is_dir());
        store.create(vol("a"), None).unwrap();
        assert!(matches!(
            store.create(vol("a"), None),
            Err(VolumeError::Exists(n)) if n == "a"
        ));
        let names: Vec<_> = store.list().unwrap().into_iter().map(|v| v.name).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(store.exists("a") && !store.exists("c") && !store.exists("../x"));
        assert!(matches!(store.get("c"), Err(VolumeError::NotFound(_))));
        assert!(matches!(store.get("../etc"), Err(VolumeError::NotFound(_))));

        fs::write(store.data_dir("a").join("f"), "x").unwrap();
        let refused = store.remove("a", |_| anyhow::bail!("in use"), &DirectRemover);
        assert!(refused.is_err());
        assert!(store.exists("a"), "a refused removal keeps the volume");
        store.remove("a", |_| Ok(()), &DirectRemover).unwrap();
        assert!(!store.exists("a"));
        assert!(!store.dir().join("a").exists());
        assert!(store.remove("a", |_| Ok(()), &DirectRemover).is_err());
        // Only the lock file and the remaining volume are left.
        let mut left: Vec<_> = fs::read_dir(store.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["b", "volumes.lock"]);
    }

    #[test]
    fn update_and_lock() {
        let dir = tempfile::tempdir().unwrap();
        let store = VolumeStore::at(dir.path());
        let mut v = store.create(vol("v"), None).unwrap();
        let _l = store.lock_volume("v").unwrap();
        v.needs_copy_up = false;
        store.update(&v).unwrap();
        assert!(!store.get("v").unwrap().needs_copy_up);
        assert!(store.get("v").unwrap().needs_chown);
        assert!(matches!(
            store.lock_volume("nope"),
            Err(VolumeError::NotFound(_))
        ));
    }

    #[test]
    fn data_dirs_map_back_to_names() {
        let store = VolumeStore::beside_container(Path::new("/r/containers/abc"));
        assert_eq!(store.dir(), Path::new("/r/volumes"));
        assert_eq!(store.root(), Path::new("/r"));
        assert_eq!(
            store.name_of_data_dir(Path::new("/r/volumes/web/_data")),
            Some("web".into())
        );
        assert_eq!(store.name_of_data_dir(Path::new("/r/volumes/web")), None);
        assert_eq!(
            store.name_of_data_dir(Path::new("/r/volumes/web/_data/x")),
            None
        );
        assert_eq!(store.name_of_data_dir(Path::new("/other/web/_data")), None);
        assert_eq!(
            store.name_of_data_dir(Path::new("/r/volumes/.tmp-1-web/_data")),
            None
        );
    }

    #[test]
    fn owner_hook_runs_and_failures_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = VolumeStore::at(dir.path());
        let seen = std::cell::RefCell::new(None);
        let hook = |p: &Path| {
            *seen.borrow_mut() = Some(p.to_path_buf());
            Ok(())
        };
        store.create(vol("v"), Some(&hook)).unwrap();
        assert!(seen.borrow().as_ref().unwrap().ends_with("_data"));
        let fail = |_: &Path| anyhow::bail!("no");
        assert!(matches!(
            store.create(vol("w"), Some(&fail)),
            Err(VolumeError::Owner { .. })
        ));
        assert!(!store.exists("w"));
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }

    #[test]
    fn sweep_clears_leftovers_of_dead_processes() {
        let dir = tempfile::tempdir().unwrap();
        let store = VolumeStore::at(dir.path());
        // No process has pid 0 in /proc.
        let dead = dir.path().join(".removed-0-old");
        fs::create_dir_all(dead.join("_data")).unwrap();
        let live = dir.path().join(format!(".tmp-{}-x", std::process::id()));
        fs::create_dir_all(&live).unwrap();
        store.create(vol("v"), None).unwrap();
        assert!(!dead.exists());
        assert!(live.exists());
    }
}
