//! The container store: records, states, the name index and the locks (see the
//! module docs of [`crate::container`] for the layout and the lock order).

use std::collections::HashMap;
use std::fs;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use oci_spec::runtime::Spec;
use thiserror::Error;

use super::names::NameIndex;
use super::record::Record;
use super::state::{State, System, Truth};
use crate::base::atomic;
use crate::base::lock::{self, ExclusiveLock, LockError, LockFile, Mode};
use crate::base::paths::Paths;
use crate::base::remove::{DirectRemover, TreeRemover, UsernsRemover};
use crate::store::StoreRead;

const LOCK_FILE: &str = "containers.lock";
const NAMES_FILE: &str = "names.json";
const RECORD_FILE: &str = "container.json";
const SPEC_FILE: &str = "config.json";
const STATE_FILE: &str = "state.json";
const LOG_FILE: &str = "ctr.log";
const TMP_PREFIX: &str = ".tmp-";
const REMOVED_PREFIX: &str = ".removed-";

#[derive(Debug, Error)]
pub enum LookupError {
    #[error("no container with name or ID {0:?} found: no such container")]
    NotFound(String),
    #[error(
        "more than one container has an ID starting with {0:?}: give more of the ID, or the name"
    )]
    Ambiguous(String),
}

#[derive(Debug, Error)]
pub enum ContainerError {
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path} is damaged ({message}): remove the container with rpod rm -f")]
    Corrupt { path: PathBuf, message: String },
    #[error("the container name {name:?} is already in use by {id}. You have to remove that container to be able to reuse that name: that name is already in use")]
    NameInUse { name: String, id: String },
}

type Result<T, E = ContainerError> = std::result::Result<T, E>;

fn io_err<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> ContainerError + 'a {
    move |source| ContainerError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// A container as it is now: its record and its reconciled state.
#[derive(Debug, Clone)]
pub struct Container {
    pub record: Record,
    pub state: State,
}

/// The containers of one user.
#[derive(Debug, Clone)]
pub struct ContainerStore {
    dir: PathBuf,
    run: PathBuf,
    lock: LockFile,
}

/// The store lock, held exclusive (lock 2 of the order).
pub struct StoreLock {
    _lock: ExclusiveLock,
}

/// One container's lock (lock 3 of the order): an open file description holding the
/// `flock`. A monitor inherits its starter's, so the two hold the lock together.
pub struct ContainerLock {
    file: fs::File,
}

impl ContainerLock {
    /// The lock a starter handed down (an inherited descriptor of its locked file).
    pub fn inherited(fd: OwnedFd) -> ContainerLock {
        ContainerLock {
            file: fs::File::from(fd),
        }
    }

    /// The descriptor, for handing the lock to a monitor.
    pub fn as_raw_fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }
}

fn is_id(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

impl ContainerStore {
    /// Opens (creating) `<root>/containers`; the runtime side is created on first start.
    pub fn open(paths: &Paths) -> Result<ContainerStore> {
        Self::open_dirs(
            &paths.root.join("containers"),
            &paths.runroot.join("containers"),
        )
    }

    pub fn open_dirs(dir: &Path, run: &Path) -> Result<ContainerStore> {
        if !dir.is_dir() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(io_err("create directory", dir))?;
        }
        Ok(ContainerStore {
            lock: LockFile::new(dir.join(LOCK_FILE)),
            dir: dir.to_path_buf(),
            run: run.to_path_buf(),
        })
    }

    /// `<root>/containers/<id>`: record, spec, writable layer, log.
    pub fn dir(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// `<runroot>/containers/<id>`: live state and bundle files.
    pub fn run_dir(&self, id: &str) -> PathBuf {
        self.run.join(id)
    }

    /// The running monitor's pid, for service managers (`PIDFile=`).
    pub fn monitor_pid_path(&self, id: &str) -> PathBuf {
        self.run_dir(id).join("monitor.pid")
    }

    pub fn spec_path(&self, id: &str) -> PathBuf {
        self.dir(id).join(SPEC_FILE)
    }

    pub fn log_path(&self, id: &str) -> PathBuf {
        self.dir(id).join(LOG_FILE)
    }

    /// The writable layer: `(upper, work)`.
    pub fn layer_dirs(&self, id: &str) -> (PathBuf, PathBuf) {
        let d = self.dir(id);
        (d.join("upper"), d.join("work"))
    }

    /// Whether container `id` exists.
    pub fn exists(&self, id: &str) -> bool {
        is_id(id) && self.dir(id).join(RECORD_FILE).is_file()
    }

    /// Ids of every container, in no particular order.
    pub fn ids(&self) -> Result<Vec<String>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err("read directory", &self.dir)(e)),
        };
        Ok(entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| is_id(n))
            .collect())
    }

    /// The record of `id`; `None` if it is gone.
    pub fn record(&self, id: &str) -> Result<Option<Record>> {
        let path = self.dir(id).join(RECORD_FILE);
        match fs::read(&path) {
            Ok(data) => {
                serde_json::from_slice(&data)
                    .map(Some)
                    .map_err(|e| ContainerError::Corrupt {
                        path,
                        message: e.to_string(),
                    })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("read", &path)(e)),
        }
    }

    /// The spec of `id`.
    pub fn spec(&self, id: &str) -> Result<Spec> {
        let path = self.spec_path(id);
        let data = fs::read(&path).map_err(io_err("read", &path))?;
        serde_json::from_slice(&data).map_err(|e| ContainerError::Corrupt {
            path,
            message: e.to_string(),
        })
    }

    /// The recorded state, not yet checked against the truth: the live one from the
    /// runtime dir, else the last one kept in the container dir, else "created".
    pub fn raw_state(&self, id: &str) -> State {
        for path in [
            self.run_dir(id).join(STATE_FILE),
            self.dir(id).join(STATE_FILE),
        ] {
            match fs::read(&path) {
                Ok(data) => match serde_json::from_slice::<State>(&data) {
                    Ok(s) => return s,
                    Err(e) => log::warn!("ignoring damaged {}: {e}", path.display()),
                },
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => log::warn!("reading {}: {e}", path.display()),
            }
        }
        State::default()
    }

    /// The state as it really is (see [`State::reconcile`]).
    pub fn state(&self, id: &str) -> State {
        self.raw_state(id).reconcile(&System)
    }

    /// As [`state`](Self::state), against `truth`.
    pub fn state_with(&self, id: &str, truth: &dyn Truth) -> State {
        self.raw_state(id).reconcile(truth)
    }

    /// Saves the live state. The caller holds the container's lock.
    pub fn save_state(&self, _lock: &ContainerLock, id: &str, state: &State) -> Result<()> {
        let dir = self.run_dir(id);
        if !dir.is_dir() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .map_err(io_err("create directory", &dir))?;
        }
        let path = dir.join(STATE_FILE);
        let data = serde_json::to_vec(state).map_err(|e| ContainerError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        // The runtime dir is what a reboot forgets: no fsync needed.
        atomic::write_unsynced(&path, &data).map_err(io_err("write", &path))
    }

    /// Keeps `state` in the container dir too, where a reboot leaves it: a container
    /// that ran shows as exited afterwards, not as created.
    pub fn keep_state(
        &self,
        _lock: &ContainerLock,
        id: &str,
        state: &State,
        durable: bool,
    ) -> Result<()> {
        let path = self.dir(id).join(STATE_FILE);
        if !self.dir(id).is_dir() {
            return Ok(());
        }
        let data = serde_json::to_vec(state).map_err(|e| ContainerError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write(&path, &data, durable)
    }

    /// Takes container `id`'s lock; fails with "no such container" once it is gone.
    pub fn lock(&self, id: &str) -> Result<ContainerLock> {
        if !self.exists(id) {
            return Err(LookupError::NotFound(id.to_string()).into());
        }
        let path = self.dir(id).join("lock");
        let file = match lock::open_lock_file(&path) {
            Ok(f) => f,
            Err(_) if !self.exists(id) => return Err(LookupError::NotFound(id.to_string()).into()),
            Err(source) => return Err(LockError::Open { path, source }.into()),
        };
        lock::lock(&file, Mode::Exclusive, false)
            .map_err(|source| LockError::Lock { path, source })?;
        // Removed while we waited: the lock is on a file no longer in the store.
        if !self.exists(id) {
            return Err(LookupError::NotFound(id.to_string()).into());
        }
        Ok(ContainerLock { file })
    }

    /// Reads the state under the lock, lets `f` change it and saves it.
    pub fn update_state(&self, id: &str, f: impl FnOnce(&mut State)) -> Result<State> {
        let lock = self.lock(id)?;
        let mut state = self.state(id);
        f(&mut state);
        self.save_state(&lock, id, &state)?;
        Ok(state)
    }

    /// Finds the container a user means: a full id, a name, or a unique id prefix
    /// (podman's order).
    pub fn lookup(&self, query: &str) -> Result<Record> {
        let not_found = || ContainerError::Lookup(LookupError::NotFound(query.to_string()));
        if query.is_empty() {
            return Err(not_found());
        }
        if is_id(query) {
            if let Some(r) = self.record(query)? {
                return Ok(r);
            }
        }
        let names = self.names();
        if let Some(id) = names.holder(query, |id| self.exists(id)) {
            if let Some(r) = self.record(id)? {
                return Ok(r);
            }
        }
        if query.bytes().all(|b| b.is_ascii_hexdigit()) {
            let q = query.to_ascii_lowercase();
            let found: Vec<String> = self
                .ids()?
                .into_iter()
                .filter(|id| id.starts_with(&q))
                .collect();
            match found.as_slice() {
                [one] => {
                    if let Some(r) = self.record(one)? {
                        return Ok(r);
                    }
                }
                [] => {}
                _ => return Err(LookupError::Ambiguous(query.to_string()).into()),
            }
        }
        Err(not_found())
    }

    /// [`lookup`](Self::lookup) with the state.
    pub fn get(&self, query: &str) -> Result<Container> {
        let record = self.lookup(query)?;
        let state = self.state(&record.id);
        Ok(Container { record, state })
    }

    /// Every container with its state, newest first. A record that cannot be read is
    /// skipped with a warning, so one damaged container does not hide the others.
    pub fn list(&self) -> Result<Vec<Container>> {
        let mut out = Vec::new();
        for id in self.ids()? {
            match self.record(&id) {
                Ok(Some(record)) => {
                    let state = self.state(&id);
                    out.push(Container { record, state });
                }
                Ok(None) => {}
                Err(e) => log::warn!("{e}"),
            }
        }
        out.sort_by(|a, b| {
            b.record
                .created_at()
                .cmp(&a.record.created_at())
                .then_with(|| a.record.id.cmp(&b.record.id))
        });
        Ok(out)
    }

    /// Image id → ids of the containers made from it.
    pub fn images_in_use(&self) -> Result<HashMap<String, Vec<String>>> {
        let mut used: HashMap<String, Vec<String>> = HashMap::new();
        for id in self.ids()? {
            if let Ok(Some(r)) = self.record(&id) {
                if let Some(img) = r.image {
                    used.entry(img.id).or_default().push(r.id);
                }
            }
        }
        Ok(used)
    }

    /// The name index; rebuilt from the records when missing or damaged.
    fn names(&self) -> NameIndex {
        let path = self.dir.join(NAMES_FILE);
        match fs::read(&path) {
            Ok(data) => match serde_json::from_slice(&data) {
                Ok(idx) => return idx,
                Err(e) => log::warn!("rebuilding damaged {}: {e}", path.display()),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => log::warn!("reading {}: {e}", path.display()),
        }
        let mut idx = NameIndex::default();
        for id in self.ids().unwrap_or_default() {
            if let Ok(Some(r)) = self.record(&id) {
                idx.names.insert(r.name, r.id);
            }
        }
        idx
    }

    fn save_names(&self, idx: &NameIndex, durable: bool) -> Result<()> {
        let path = self.dir.join(NAMES_FILE);
        let data = serde_json::to_vec(idx).map_err(|e| ContainerError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write(&path, &data, durable)
    }

    /// Takes the store lock (exclusive).
    pub fn lock_store(&self) -> Result<StoreLock> {
        Ok(StoreLock {
            _lock: self.lock.exclusive()?,
        })
    }

    /// Creates container `id`. `build` gets the name (given or generated) and returns
    /// the record and spec; it runs under the store lock, after the name is known to
    /// be free. `_images` proves the image store's lock is held (lock order: the image
    /// cannot be removed before the container that uses it is recorded).
    pub fn create(
        &self,
        _images: Option<&StoreRead<'_>>,
        id: &str,
        name: Option<&str>,
        overlay: bool,
        durable: bool,
        build: impl FnOnce(&str) -> anyhow::Result<(Record, Spec)>,
    ) -> anyhow::Result<Record> {
        let guard = self.lock_store()?;
        self.move_stale_aside();
        let mut names = self.names();
        let exists = |id: &str| self.exists(id);
        let name = match name {
            Some(n) => {
                if let Some(holder) = names.holder(n, exists) {
                    return Err(ContainerError::NameInUse {
                        name: n.to_string(),
                        id: holder.to_string(),
                    }
                    .into());
                }
                n.to_string()
            }
            None => names.generate_free(exists),
        };
        let (record, spec) = build(&name)?;
        let tmp = self.dir.join(format!("{TMP_PREFIX}{id}"));
        let result = (|| -> Result<()> {
            fs::DirBuilder::new()
                .mode(0o700)
                .create(&tmp)
                .map_err(io_err("create directory", &tmp))?;
            if overlay {
                for sub in ["upper", "work"] {
                    let d = tmp.join(sub);
                    fs::create_dir(&d).map_err(io_err("create directory", &d))?;
                }
            }
            let rec = serde_json::to_vec_pretty(&record).map_err(|e| ContainerError::Corrupt {
                path: tmp.join(RECORD_FILE),
                message: e.to_string(),
            })?;
            let spec_bytes =
                serde_json::to_vec_pretty(&spec).map_err(|e| ContainerError::Corrupt {
                    path: tmp.join(SPEC_FILE),
                    message: e.to_string(),
                })?;
            write(&tmp.join(SPEC_FILE), &spec_bytes, durable)?;
            write(&tmp.join(RECORD_FILE), &rec, durable)?;
            // The name is taken before the container appears (see `names`).
            names.prune(exists);
            names.names.insert(name.clone(), id.to_string());
            self.save_names(&names, durable)?;
            let target = self.dir(id);
            fs::rename(&tmp, &target).map_err(io_err("rename into place", &target))?;
            if durable {
                sync_dir(&self.dir);
            }
            Ok(())
        })();
        if let Err(e) = result {
            let _ = DirectRemover.remove_trees(std::slice::from_ref(&tmp));
            return Err(e.into());
        }
        drop(guard);
        Ok(record)
    }

    /// Removes container `id` if `check` agrees with its state (under both locks):
    /// the dir leaves the store at once, its trees are deleted after the locks go.
    /// Returns `false` if it was already gone.
    pub fn remove(
        &self,
        id: &str,
        check: impl FnOnce(&State) -> anyhow::Result<()>,
    ) -> anyhow::Result<bool> {
        let guard = self.lock_store()?;
        let lock = match self.lock(id) {
            Ok(l) => l,
            Err(ContainerError::Lookup(LookupError::NotFound(_))) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        check(&self.state(id))?;
        let aside = self.dir.join(format!("{REMOVED_PREFIX}{id}"));
        let dir = self.dir(id);
        fs::rename(&dir, &aside).map_err(io_err("move aside", &dir))?;
        let mut names = self.names();
        if names.prune(|i| i != id && self.exists(i)) {
            // Losing this write costs nothing: a stale entry holds no name.
            self.save_names(&names, false)?;
        }
        self.move_stale_aside();
        drop(lock);
        drop(guard);
        let run = self.run_dir(id);
        if let Err(e) = DirectRemover.remove_trees(std::slice::from_ref(&run)) {
            log::warn!("removing {}: {e}", run.display());
        }
        self.delete_removed();
        Ok(true)
    }

    /// Gives container `id` the name `new` (running or not: nothing running reads the
    /// name). Under the store lock, so no create or other rename takes the name
    /// meanwhile. The index gains the new name before the record changes and loses
    /// the old one after, so the container is never without its entry; a crash in
    /// between leaves the old name as an alias until the next rename of it.
    pub fn rename(&self, id: &str, new: &str) -> Result<Record> {
        let _guard = self.lock_store()?;
        let mut record = self
            .record(id)?
            .ok_or_else(|| LookupError::NotFound(id.to_string()))?;
        let mut names = self.names();
        if let Some(holder) = names.holder(new, |i| self.exists(i)) {
            return Err(ContainerError::NameInUse {
                name: new.to_string(),
                id: holder.to_string(),
            });
        }
        names.prune(|i| self.exists(i));
        names.names.insert(new.to_string(), id.to_string());
        self.save_names(&names, true)?;
        record.name = new.to_string();
        let path = self.dir(id).join(RECORD_FILE);
        let data = serde_json::to_vec_pretty(&record).map_err(|e| ContainerError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write(&path, &data, true)?;
        names.names.retain(|name, i| i != id || name == new);
        self.save_names(&names, true)?;
        Ok(record)
    }

    /// Turns leftovers of killed invocations into removable trees: `.tmp-*` dirs
    /// (only ever present mid-create, under the store lock, which we hold).
    fn move_stale_aside(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(id) = name.to_str().and_then(|n| n.strip_prefix(TMP_PREFIX)) else {
                continue;
            };
            if is_id(id) {
                let _ = fs::rename(e.path(), self.dir.join(format!("{REMOVED_PREFIX}{id}")));
            }
        }
    }

    /// Deletes every `.removed-*` tree; files of subordinate ids go in the user
    /// namespace. Failures are left for the next removal.
    fn delete_removed(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let trees: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(REMOVED_PREFIX))
            .map(|e| e.path())
            .collect();
        if trees.is_empty() {
            return;
        }
        // Most trees are the user's own (overlay's work dir included): only files a
        // container gave to subordinate ids need the user namespace.
        if DirectRemover.remove_trees(&trees).is_ok() {
            return;
        }
        let remover = UsernsRemover {
            map: crate::userns::IdMap::for_current_user(),
        };
        if let Err(e) = remover.remove_trees(&trees) {
            log::warn!("removing container files: {e}");
        }
    }
}

fn write(path: &Path, data: &[u8], durable: bool) -> Result<()> {
    if durable {
        atomic::write(path, data)
    } else {
        atomic::write_unsynced(path, data)
    }
    .map_err(io_err("write", path))
}

fn sync_dir(dir: &Path) {
    if let Ok(f) = fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::record::RootfsSource;
    use crate::container::state::Status;
    use crate::sys::proc::ProcId;

    fn store() -> (tempfile::TempDir, ContainerStore) {
        let t = tempfile::tempdir().unwrap();
        let s = ContainerStore::open_dirs(&t.path().join("root"), &t.path().join("run")).unwrap();
        (t, s)
    }

    fn new(s: &ContainerStore, id: &str, name: Option<&str>) -> anyhow::Result<Record> {
        s.create(None, id, name, true, false, |name| {
            Ok((
                Record {
                    created: crate::base::timestamp::Timestamp::now().rfc3339_nanos(),
                    command: vec!["true".into()],
                    network: "none".into(),
                    ..Record::minimal(id, name, RootfsSource::Dir("/r".into()))
                },
                Spec::default(),
            ))
        })
    }

    fn id(c: char) -> String {
        std::iter::repeat_n(c, 64).collect()
    }

    #[test]
    fn create_lookup_and_names() {
        let (_t, s) = store();
        let a = id('a');
        let r = new(&s, &a, Some("web")).unwrap();
        assert_eq!(r.name, "web");
        assert!(s.layer_dirs(&a).0.is_dir());
        assert_eq!(s.lookup("web").unwrap().id, a);
        assert_eq!(s.lookup(&a).unwrap().id, a);
        assert_eq!(s.lookup("aaa").unwrap().id, a);
        let err = new(&s, &id('b'), Some("web")).unwrap_err().to_string();
        assert!(err.contains("already in use by"), "{err}");
        assert!(!s.dir(&id('b')).exists());
        let gen = new(&s, &format!("ab{}", &id('c')[2..]), None).unwrap();
        assert!(gen.name.contains('_'));
        // Two ids start with "a": a short prefix is ambiguous, a name is not.
        let e = s.lookup("a").unwrap_err();
        assert!(matches!(
            e,
            ContainerError::Lookup(LookupError::Ambiguous(_))
        ));
        assert!(matches!(
            s.lookup("nope").unwrap_err(),
            ContainerError::Lookup(LookupError::NotFound(_))
        ));
        assert_eq!(s.list().unwrap().len(), 2);
    }

    #[test]
    fn states_live_and_kept() {
        let (_t, s) = store();
        let a = id('a');
        new(&s, &a, None).unwrap();
        assert_eq!(s.state(&a).status, Status::Created);
        let lock = s.lock(&a).unwrap();
        let mut st = State::default();
        st.mark_running(ProcId::current(), ProcId::current());
        s.save_state(&lock, &a, &st).unwrap();
        assert_eq!(s.state(&a).status, Status::Running);
        // A monitor that is not alive: seen as exited.
        st.monitor.start += 1;
        s.save_state(&lock, &a, &st).unwrap();
        assert_eq!(s.state(&a).status, Status::Exited);
        st.mark_exited(3);
        s.keep_state(&lock, &a, &st, false).unwrap();
        // The runtime dir wiped (a reboot): the kept state speaks.
        fs::remove_dir_all(s.run_dir(&a)).unwrap();
        let back = s.state(&a);
        assert_eq!((back.status, back.exit_code), (Status::Exited, 3));
        drop(lock);
        let st = s.update_state(&a, |st| st.stop_requested = true).unwrap();
        assert!(st.stop_requested);
    }

    #[test]
    fn remove_frees_the_name_and_checks_first() {
        let (_t, s) = store();
        let a = id('a');
        new(&s, &a, Some("web")).unwrap();
        let refused = s.remove(&a, |_| anyhow::bail!("running"));
        assert!(refused.is_err());
        assert!(s.exists(&a));
        assert!(s.remove(&a, |_| Ok(())).unwrap());
        assert!(!s.exists(&a));
        assert!(!s.remove(&a, |_| Ok(())).unwrap());
        assert!(s.lock(&a).is_err());
        new(&s, &id('b'), Some("web")).unwrap();
        let leftovers: Vec<_> = fs::read_dir(&s.dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn rename_moves_the_name() {
        let (_t, s) = store();
        let (a, b) = (id('a'), id('b'));
        new(&s, &a, Some("web")).unwrap();
        new(&s, &b, Some("db")).unwrap();
        let err = s.rename(&a, "db").unwrap_err().to_string();
        assert!(err.contains("already in use by"), "{err}");
        assert_eq!(s.record(&a).unwrap().unwrap().name, "web");
        assert_eq!(s.rename(&a, "api").unwrap().name, "api");
        assert_eq!(s.record(&a).unwrap().unwrap().name, "api");
        assert_eq!(s.lookup("api").unwrap().id, a);
        assert!(s.lookup("web").is_err());
        // The old name is free again.
        s.rename(&b, "web").unwrap();
        assert_eq!(s.lookup("web").unwrap().id, b);
        assert!(matches!(
            s.rename(&id('c'), "x").unwrap_err(),
            ContainerError::Lookup(LookupError::NotFound(_))
        ));
    }

    #[test]
    fn half_created_and_lost_index_are_repaired() {
        let (_t, s) = store();
        let a = id('a');
        new(&s, &a, Some("web")).unwrap();
        // A create killed before its rename, and a damaged index.
        fs::create_dir(s.dir.join(format!("{TMP_PREFIX}{}", id('d')))).unwrap();
        fs::write(s.dir.join(NAMES_FILE), b"{not json").unwrap();
        assert_eq!(s.lookup("web").unwrap().id, a);
        let err = new(&s, &id('b'), Some("web")).unwrap_err().to_string();
        assert!(err.contains("in use"), "{err}");
        new(&s, &id('c'), Some("api")).unwrap();
        assert!(!s.dir.join(format!("{TMP_PREFIX}{}", id('d'))).exists());
        // An index entry whose container never appeared holds no name.
        let mut idx = s.names();
        idx.names.insert("ghost".into(), id('e'));
        s.save_names(&idx, false).unwrap();
        new(&s, &id('f'), Some("ghost")).unwrap();
    }

    #[test]
    fn images_in_use_come_from_records() {
        let (_t, s) = store();
        let a = id('a');
        s.create(None, &a, None, false, false, |name| {
            let mut r = new_record(&a, name);
            r.image = Some(crate::container::record::ImageRef {
                name: "x".into(),
                id: "img1".into(),
            });
            Ok((r, Spec::default()))
        })
        .unwrap();
        let used = s.images_in_use().unwrap();
        assert_eq!(used.get("img1"), Some(&vec![a]));
    }

    fn new_record(id: &str, name: &str) -> Record {
        Record::minimal(id, name, RootfsSource::Dir("/r".into()))
    }
}
