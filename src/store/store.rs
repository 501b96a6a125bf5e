//! The image store: layers and images under `<root>/storage/`, one lock.
//!
//! ```text
//! storage.lock            flock: shared to read, exclusive to change layers/, images/, images.json
//! images.json             the image index (see `images`)
//! images/<id>/            config.json, manifest-<digest>.json
//! layers/<diff id>/       diff/, layer.json, tar-split.zst (see `layers`)
//! leases/<random>         diff ids a running pull relies on; flocked by its owner
//! tmp/<random>/           staging and garbage; flocked by its owner while in use
//! ```
//!
//! # Locking
//! Readers take `storage.lock` shared ([`Store::read`]), writers exclusive
//! ([`Store::write`]); long work — downloading, extracting, deleting trees —
//! happens outside it, in `tmp/`. Guards are the only way to the data, so code
//! that reads or writes has visibly taken the lock; a store added later (the
//! container store) takes its own lock *after* this one, by asking a guard.
//! Methods on [`Store`] and [`LayerStore`] take the lock themselves: never call
//! them while holding a guard in the same thread (flock would deadlock).
//!
//! # Crash safety
//! Everything visible appears by `rename`: a layer dir from `tmp/` once it is
//! complete and verified, `images.json` by atomic replacement. Leftovers of a
//! killed invocation sit in `tmp/` (unlocked, hence stale) or as unreferenced
//! layer or image dirs, removed by the next open or the next garbage collection.
//!
//! # Concurrent pulls and removals
//! A pull takes a [`Lease`] and records in it every layer it finds present or
//! commits; garbage collection (exclusive lock) keeps layers that an image uses
//! or a live lease holds. Two processes committing the same layer: the first
//! rename wins, the second finds the layer present and discards its copy.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use thiserror::Error;

use super::images::{self, ImageRecord, Index, LookupError};
use super::layers::{self, BlobInfo, LayerInfo, LayerRecord, Staging};
use crate::base::atomic;
use crate::base::digest::Digest;
use crate::base::lock::{self, ExclusiveLock, LockError, LockFile, Mode, SharedLock};
use crate::base::paths::{PathError, Paths};
use crate::base::remove::{DirectRemover, TreeRemover, UsernsRemover};
use crate::base::timestamp::Timestamp;

const INDEX_FILE: &str = "images.json";

#[derive(Debug, Error)]
pub enum StoreError {
    #[error(transparent)]
    Paths(#[from] PathError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("store file {path} is corrupt ({message}): remove it, or the store, and pull again")]
    Corrupt { path: PathBuf, message: String },
    #[error("layer {0} is not in the store")]
    MissingLayer(Digest),
    #[error("image config is not a valid OCI/Docker config: {0}")]
    BadConfig(String),
    #[error(transparent)]
    Lookup(#[from] LookupError),
}

impl StoreError {
    fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> StoreError + 'a {
        move |source| StoreError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The image store of one user (or of root).
pub struct Store {
    dir: PathBuf,
    lock: LockFile,
    remover: Arc<dyn TreeRemover>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).finish()
    }
}

/// What a new image consists of; layers must already be committed. The image
/// layer reads the config and manifest (`image::local::new_image`); the store
/// keeps their bytes and records what it was told of them.
#[derive(Debug, Clone)]
pub struct NewImage<'a> {
    /// The config, byte for byte (its sha256 is the image id).
    pub config: &'a [u8],
    /// The manifest, byte for byte (its sha256 is the image's digest).
    pub manifest: &'a [u8],
    /// Full names to give the image (`docker.io/library/busybox:latest`); each
    /// is taken away from any other image that had it.
    pub names: &'a [String],
    /// The config's `created` (RFC 3339), if it has one.
    pub created: Option<String>,
    /// The config's `rootfs.diff_ids`, base layer first.
    pub diff_ids: Vec<Digest>,
    /// The manifest's media type.
    pub manifest_media_type: String,
}

impl Store {
    /// Opens (creating if needed) the store under `paths.root`, with a
    /// [`DirectRemover`]; removes what killed invocations left in `tmp/`.
    pub fn open(paths: &Paths) -> Result<Store> {
        paths.ensure_root()?;
        let remover: Arc<dyn TreeRemover> = if paths.rootless {
            Arc::new(UsernsRemover {
                map: crate::userns::IdMap::for_current_user(),
            })
        } else {
            Arc::new(DirectRemover)
        };
        Store::open_dir(&paths.root.join("storage"), remover)
    }

    /// Opens the store in `dir` (the `storage` directory itself).
    pub fn open_dir(dir: &Path, remover: Arc<dyn TreeRemover>) -> Result<Store> {
        for sub in ["", "layers", "images", "leases", "tmp"] {
            let p = dir.join(sub);
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&p)
                .map_err(StoreError::io("create directory", &p))?;
        }
        let store = Store {
            dir: dir.to_path_buf(),
            lock: LockFile::new(dir.join("storage.lock")),
            remover,
        };
        store.clean_tmp()?;
        Ok(store)
    }

    /// Replaces how trees are deleted (e.g. inside the user namespace).
    pub fn with_remover(mut self, remover: Arc<dyn TreeRemover>) -> Store {
        self.remover = remover;
        self
    }

    /// The `storage` directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes the lock shared: reads see a consistent store until the guard drops.
    pub fn read(&self) -> Result<StoreRead<'_>> {
        let lock = self.lock.shared()?;
        Ok(StoreRead {
            view: View { store: self },
            _lock: lock,
        })
    }

    /// Takes the lock exclusive. Trees the changes free are deleted when the
    /// guard drops, after the lock is released.
    pub fn write(&self) -> Result<StoreWrite<'_>> {
        let lock = self.lock.exclusive()?;
        Ok(StoreWrite {
            view: View { store: self },
            lock: Some(lock),
            garbage: Vec::new(),
        })
    }

    /// Reads without taking the lock. Every store file is replaced atomically,
    /// so each read is consistent on its own, but two reads may see different
    /// states, and a layer not held in a [`Lease`] may vanish meanwhile. For
    /// long reads of leased layers (`save`) that must not hold up writers.
    pub fn view_unlocked(&self) -> View<'_> {
        View { store: self }
    }

    /// The layer half of the store, for pulls: each call takes the lock itself.
    pub fn layers(&self) -> LayerStore<'_> {
        LayerStore { store: self }
    }

    /// Starts a lease: layers recorded in it survive garbage collection until it drops.
    pub fn lease(&self) -> Result<Lease> {
        self.read()?.lease()
    }

    /// Adds (or updates) an image; see [`StoreWrite::add_image`].
    pub fn add_image(&self, image: NewImage<'_>) -> Result<ImageRecord> {
        self.write()?.add_image(image)
    }

    fn layer_dir(&self, diff_id: &Digest) -> PathBuf {
        self.dir.join("layers").join(diff_id.hex())
    }

    fn image_dir(&self, id: &Digest) -> PathBuf {
        self.dir.join("images").join(id.hex())
    }

    fn tmp(&self) -> PathBuf {
        self.dir.join("tmp")
    }

    /// Removes stale entries of `tmp/` (and stray temp files): those no live lock holds.
    fn clean_tmp(&self) -> Result<()> {
        let tmp = self.tmp();
        let mut entries = fs::read_dir(&tmp)
            .map_err(StoreError::io("read directory", &tmp))?
            .peekable();
        let stray_index_tmp = has_stray_temp(&self.dir);
        let leases = self.dir.join("leases");
        let has_leases = fs::read_dir(&leases).is_ok_and(|mut d| d.next().is_some());
        if entries.peek().is_none() && !stray_index_tmp && !has_leases {
            return Ok(());
        }
        // Staging dirs are created and locked under the shared lock, so with the
        // exclusive one held, an unlocked entry belongs to nobody.
        let Some(guard) = self.lock.try_exclusive()? else {
            return Ok(());
        };
        let mut stale = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if let Some(file) = try_lock_path(&path) {
                stale.push((path, file));
            }
        }
        if stray_index_tmp {
            remove_stray_temp(&self.dir);
        }
        if has_leases {
            // Reading them removes the files of leases whose process is gone.
            View { store: self }.leased_layers()?;
        }
        drop(guard);
        self.remove_garbage(stale);
        Ok(())
    }

    fn remove_garbage(&self, garbage: Vec<(PathBuf, File)>) {
        if garbage.is_empty() {
            return;
        }
        let paths: Vec<PathBuf> = garbage.iter().map(|(p, _)| p.clone()).collect();
        if let Err(err) = self.remover.remove_trees(&paths) {
            log::warn!(
                "could not remove {} unused store director{} (will retry later): {err}",
                paths.len(),
                if paths.len() == 1 { "y" } else { "ies" }
            );
        }
        drop(garbage);
    }

    fn new_tmp_dir(&self, prefix: &str) -> Result<(PathBuf, File)> {
        let tmp = self.tmp();
        for _ in 0..16 {
            let path = tmp.join(format!("{prefix}{}", random_hex()));
            match fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(StoreError::io("create directory", &path)(e)),
            }
            let file = File::open(&path).map_err(StoreError::io("open", &path))?;
            lock::lock(&file, Mode::Exclusive, true).map_err(StoreError::io("lock", &path))?;
            return Ok((path, file));
        }
        Err(StoreError::Io {
            action: "create a unique directory in",
            path: tmp,
            source: io::Error::from(io::ErrorKind::AlreadyExists),
        })
    }
}

/// Read access, shared by [`StoreRead`] and [`StoreWrite`] (both deref to it).
pub struct View<'s> {
    store: &'s Store,
}

/// The store under the shared lock.
pub struct StoreRead<'s> {
    view: View<'s>,
    _lock: SharedLock,
}

/// The store under the exclusive lock.
pub struct StoreWrite<'s> {
    view: View<'s>,
    lock: Option<ExclusiveLock>,
    garbage: Vec<(PathBuf, File)>,
}

impl<'s> std::ops::Deref for StoreRead<'s> {
    type Target = View<'s>;
    fn deref(&self) -> &View<'s> {
        &self.view
    }
}

impl<'s> std::ops::Deref for StoreWrite<'s> {
    type Target = View<'s>;
    fn deref(&self) -> &View<'s> {
        &self.view
    }
}

impl View<'_> {
    /// The image index.
    pub fn index(&self) -> Result<Index> {
        let path = self.store.dir.join(INDEX_FILE);
        match fs::read(&path) {
            Ok(data) => serde_json::from_slice(&data).map_err(|e| StoreError::Corrupt {
                path,
                message: e.to_string(),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Index::default()),
            Err(e) => Err(StoreError::io("read", &path)(e)),
        }
    }

    /// Every image.
    pub fn images(&self) -> Result<Vec<ImageRecord>> {
        Ok(self.index()?.images)
    }

    /// The image a user means by `query` (name, short name, `name@digest`, id or id prefix).
    pub fn lookup(&self, query: &str) -> Result<ImageRecord> {
        Ok(self.index()?.lookup(query)?.clone())
    }

    /// The config bytes of an image.
    pub fn config(&self, id: &Digest) -> Result<Vec<u8>> {
        let path = self.store.image_dir(id).join(images::CONFIG_FILE);
        fs::read(&path).map_err(StoreError::io("read", &path))
    }

    /// The newest manifest of an image, if it has one.
    pub fn manifest(&self, image: &ImageRecord) -> Result<Option<Vec<u8>>> {
        let Some(d) = image.digest() else {
            return Ok(None);
        };
        let path = self
            .store
            .image_dir(&image.id)
            .join(ImageRecord::manifest_file(d));
        fs::read(&path)
            .map(Some)
            .map_err(StoreError::io("read", &path))
    }

    /// A committed layer's record.
    pub fn layer(&self, diff_id: &Digest) -> Result<Option<LayerRecord>> {
        let dir = self.store.layer_dir(diff_id);
        layers::read_record(&dir).map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData => StoreError::Corrupt {
                path: dir.join(layers::RECORD_FILE),
                message: e.to_string(),
            },
            _ => StoreError::io("read", &dir)(e),
        })
    }

    /// Every committed layer.
    pub fn layers(&self) -> Result<Vec<LayerRecord>> {
        let dir = self.store.dir.join("layers");
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(StoreError::io("read directory", &dir))? {
            let entry = entry.map_err(StoreError::io("read directory", &dir))?;
            let Some(d) = entry
                .file_name()
                .to_str()
                .and_then(|n| Digest::from_hex(n).ok())
            else {
                continue;
            };
            if let Some(r) = self.layer(&d)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// The unpacked tree of a layer (present or not).
    pub fn layer_path(&self, diff_id: &Digest) -> PathBuf {
        self.store.layer_dir(diff_id).join(layers::DIFF_DIR)
    }

    /// The tar journal of a layer (see `image::tarsplit`), if it has one.
    pub fn layer_journal(&self, diff_id: &Digest) -> Option<PathBuf> {
        let p = self.store.layer_dir(diff_id).join(layers::JOURNAL_FILE);
        p.exists().then_some(p)
    }

    /// A committed layer that was once seen as compressed blob `blob`.
    pub fn layer_by_blob(&self, blob: &Digest) -> Result<Option<LayerRecord>> {
        Ok(self
            .layers()?
            .into_iter()
            .find(|l| &l.diff_id == blob || l.compressed.iter().any(|c| &c.digest == blob)))
    }

    /// Creates a locked staging directory with an empty `diff/` to extract into.
    pub fn stage(&self) -> Result<Staging> {
        let (dir, file) = self.store.new_tmp_dir("layer-")?;
        let diff = dir.join(layers::DIFF_DIR);
        let staging = Staging {
            dir,
            lock: Some(file),
            remover: self.store.remover.clone(),
        };
        fs::DirBuilder::new()
            .mode(0o755)
            .create(&diff)
            .map_err(StoreError::io("create directory", &diff))?;
        Ok(staging)
    }

    /// Starts a lease (see [`Lease`]).
    pub fn lease(&self) -> Result<Lease> {
        let dir = self.store.dir.join("leases");
        loop {
            let path = dir.join(random_hex());
            let file = match OpenOptions::new()
                .read(true)
                .append(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(libc::O_CLOEXEC)
                .open(&path)
            {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(StoreError::io("create", &path)(e)),
            };
            lock::lock(&file, Mode::Exclusive, true).map_err(StoreError::io("lock", &path))?;
            return Ok(Lease {
                path,
                file: Mutex::new(file),
                held: Mutex::new(HashSet::new()),
            });
        }
    }

    /// If the layer is present, records it in `lease` and returns it.
    pub fn hold_layer(&self, lease: &Lease, diff_id: &Digest) -> Result<Option<LayerRecord>> {
        let rec = self.layer(diff_id)?;
        if rec.is_some() {
            lease.hold(diff_id)?;
        }
        Ok(rec)
    }

    /// Diff ids held by live leases; stale lease files are removed on the way.
    fn leased_layers(&self) -> Result<HashSet<Digest>> {
        let dir = self.store.dir.join("leases");
        let mut held = HashSet::new();
        for entry in fs::read_dir(&dir).map_err(StoreError::io("read directory", &dir))? {
            let Ok(entry) = entry else { continue };
            let path = entry.path();
            let Ok(file) = File::open(&path) else {
                continue;
            };
            if lock::lock(&file, Mode::Exclusive, true).unwrap_or(false) {
                let _ = fs::remove_file(&path);
                continue;
            }
            let text = fs::read_to_string(&path).unwrap_or_default();
            held.extend(text.lines().filter_map(|l| Digest::from_hex(l.trim()).ok()));
        }
        Ok(held)
    }
}

impl StoreWrite<'_> {
    fn save_index(&self, index: &Index) -> Result<()> {
        let path = self.store.dir.join(INDEX_FILE);
        atomic::write_json(&path, index).map_err(StoreError::io("write", &path))
    }

    /// Adds an image whose layers are all committed, or, if the config is already
    /// stored, adds the manifest and names to it. Returns the stored record.
    pub fn add_image(&mut self, image: NewImage<'_>) -> Result<ImageRecord> {
        let id = Digest::of(image.config);
        let manifest_digest = Digest::of(image.manifest);
        let mut size = (image.config.len() + 2 * image.manifest.len()) as u64;
        for diff_id in &image.diff_ids {
            let layer = self
                .layer(diff_id)?
                .ok_or_else(|| StoreError::MissingLayer(diff_id.clone()))?;
            size += layer.size;
        }

        let dir = self.store.image_dir(&id);
        let manifest_name = ImageRecord::manifest_file(&manifest_digest);
        if dir.join(images::CONFIG_FILE).exists() {
            let m = dir.join(&manifest_name);
            if !m.exists() {
                atomic::write(&m, image.manifest).map_err(StoreError::io("write", &m))?;
            }
        } else {
            self.move_aside(&dir)?;
            let (tmp, _lock) = self.store.new_tmp_dir("image-")?;
            write_synced(&tmp.join(images::CONFIG_FILE), image.config)?;
            write_synced(&tmp.join(&manifest_name), image.manifest)?;
            fs::rename(&tmp, &dir).map_err(StoreError::io("rename into place", &dir))?;
            sync_dir(dir.parent().unwrap_or(&dir))?;
        }

        let mut index = self.index()?;
        let media_type = image.manifest_media_type;
        match index.get_mut(&id) {
            Some(rec) => {
                rec.digests.retain(|d| d != &manifest_digest);
                rec.digests.insert(0, manifest_digest);
                rec.manifest_media_type = media_type;
                rec.size = size;
            }
            None => index.images.push(ImageRecord {
                id: id.clone(),
                names: Vec::new(),
                names_history: Vec::new(),
                digests: vec![manifest_digest],
                manifest_media_type: media_type,
                layers: image.diff_ids,
                size,
                created: image.created.unwrap_or_default(),
                added: Timestamp::now().rfc3339_nanos(),
            }),
        }
        for name in image.names {
            index.add_name(&id, name);
        }
        self.save_index(&index)?;
        index
            .get(&id)
            .cloned()
            .ok_or_else(|| StoreError::MissingLayer(id.clone()))
    }

    /// Gives `name` (a full name) to image `id`, taking it from any other image.
    pub fn tag(&mut self, id: &Digest, name: &str) -> Result<()> {
        let mut index = self.index()?;
        if index.get(id).is_none() {
            return Err(LookupError::NotFound(id.to_string()).into());
        }
        index.add_name(id, name);
        self.save_index(&index)
    }

    /// Removes `names` from image `id`, or every name when `names` is empty.
    /// Returns the names actually removed.
    pub fn untag(&mut self, id: &Digest, names: &[String]) -> Result<Vec<String>> {
        let mut index = self.index()?;
        let rec = index
            .get_mut(id)
            .ok_or_else(|| LookupError::NotFound(id.to_string()))?;
        let removed: Vec<String> = rec
            .names
            .iter()
            .filter(|n| names.is_empty() || names.contains(n))
            .cloned()
            .collect();
        rec.names.retain(|n| !removed.contains(n));
        self.save_index(&index)?;
        Ok(removed)
    }

    /// Drops image `id` from the index; its directory and the layers only it
    /// used go at the next [`gc`](Self::gc).
    pub fn remove_image(&mut self, id: &Digest) -> Result<ImageRecord> {
        let mut index = self.index()?;
        let pos = index
            .images
            .iter()
            .position(|i| &i.id == id)
            .ok_or_else(|| LookupError::NotFound(id.to_string()))?;
        let rec = index.images.remove(pos);
        self.save_index(&index)?;
        Ok(rec)
    }

    /// Moves every layer no image uses and no live lease holds, and every image
    /// directory not in the index, out of sight; they are deleted once this guard
    /// drops. Returns the diff ids of the layers removed.
    pub fn gc(&mut self) -> Result<Vec<Digest>> {
        let index = self.index()?;
        let mut keep = index.used_layers();
        keep.extend(self.leased_layers()?);
        let mut removed = Vec::new();
        let layers_dir = self.store.dir.join("layers");
        for entry in
            fs::read_dir(&layers_dir).map_err(StoreError::io("read directory", &layers_dir))?
        {
            let Ok(entry) = entry else { continue };
            let name = entry.file_name();
            match name.to_str().and_then(|n| Digest::from_hex(n).ok()) {
                Some(d) if keep.contains(&d) => {}
                other => {
                    self.move_aside(&entry.path())?;
                    removed.extend(other);
                }
            }
        }
        let ids: HashSet<&str> = index.images.iter().map(|i| i.id.hex()).collect();
        let images_dir = self.store.dir.join("images");
        for entry in
            fs::read_dir(&images_dir).map_err(StoreError::io("read directory", &images_dir))?
        {
            let Ok(entry) = entry else { continue };
            if !entry.file_name().to_str().is_some_and(|n| ids.contains(n)) {
                self.move_aside(&entry.path())?;
            }
        }
        Ok(removed)
    }

    /// Renames `path` (if present) into `tmp/`, locked, to be deleted after unlock.
    fn move_aside(&mut self, path: &Path) -> Result<()> {
        if fs::symlink_metadata(path).is_err() {
            return Ok(());
        }
        let target = self.store.tmp().join(format!("gc-{}", random_hex()));
        fs::rename(path, &target).map_err(StoreError::io("move aside", path))?;
        match try_lock_path(&target) {
            Some(file) => self.garbage.push((target, file)),
            None => log::debug!("{} left for the next cleanup", target.display()),
        }
        Ok(())
    }
}

impl Drop for StoreWrite<'_> {
    fn drop(&mut self) {
        drop(self.lock.take());
        let garbage = std::mem::take(&mut self.garbage);
        self.view.store.remove_garbage(garbage);
    }
}

/// Layers: presence checks, staging and commit, for pulls and imports.
pub struct LayerStore<'s> {
    store: &'s Store,
}

impl LayerStore<'_> {
    pub fn has(&self, diff_id: &Digest) -> Result<bool> {
        Ok(self.get(diff_id)?.is_some())
    }

    pub fn get(&self, diff_id: &Digest) -> Result<Option<LayerRecord>> {
        self.store.read()?.layer(diff_id)
    }

    /// The unpacked tree of a layer.
    pub fn path(&self, diff_id: &Digest) -> PathBuf {
        self.store.layer_dir(diff_id).join(layers::DIFF_DIR)
    }

    /// If present, holds the layer in `lease` and returns it: a pull can skip it.
    pub fn hold(&self, lease: &Lease, diff_id: &Digest) -> Result<Option<LayerRecord>> {
        self.store.read()?.hold_layer(lease, diff_id)
    }

    /// As [`hold`](Self::hold), finding the layer by the digest of a compressed blob.
    pub fn hold_by_blob(&self, lease: &Lease, blob: &Digest) -> Result<Option<LayerRecord>> {
        let guard = self.store.read()?;
        let rec = guard.layer_by_blob(blob)?;
        if let Some(r) = &rec {
            lease.hold(&r.diff_id)?;
        }
        Ok(rec)
    }

    /// Records that a committed layer also exists as the compressed blob `blob`
    /// (a push made it), so that later pushes find it in registries by digest
    /// and pulls of it skip the download. A layer that is gone is left alone.
    pub fn add_blob(&self, diff_id: &Digest, blob: BlobInfo) -> Result<()> {
        let guard = self.store.write()?;
        let Some(mut record) = guard.layer(diff_id)? else {
            return Ok(());
        };
        if record.compressed.iter().any(|c| c.digest == blob.digest) {
            return Ok(());
        }
        record.compressed.push(blob);
        let p = self.store.layer_dir(diff_id).join(layers::RECORD_FILE);
        atomic::write_json(&p, &record).map_err(StoreError::io("write", &p))
    }

    /// A new staging directory; extract into [`Staging::diff_path`].
    pub fn stage(&self) -> Result<Staging> {
        self.store.read()?.stage()
    }

    /// Makes a staged layer part of the store, after the caller has verified
    /// `info.diff_id` (and the compressed digest). Flushes the tree to disk
    /// first. If another invocation committed the same layer meanwhile, the
    /// staged copy is discarded and the present layer returned. The layer is
    /// held in `lease`.
    pub fn commit(
        &self,
        mut staging: Staging,
        lease: &Lease,
        info: LayerInfo,
    ) -> Result<LayerRecord> {
        let record = LayerRecord {
            diff_id: info.diff_id.clone(),
            size: info.size,
            compressed: info.compressed.clone().into_iter().collect(),
            created: Timestamp::now().rfc3339_nanos(),
            skipped_devices: info.skipped_devices,
        };
        let data = serde_json::to_vec_pretty(&record).map_err(io::Error::other);
        let rec_path = staging.path().join(layers::RECORD_FILE);
        write_synced(
            &rec_path,
            &data.map_err(StoreError::io("encode", &rec_path))?,
        )?;
        let dir = File::open(staging.path()).map_err(StoreError::io("open", staging.path()))?;
        nix::unistd::syncfs(dir.as_fd())
            .map_err(|e| StoreError::io("flush to disk", staging.path())(e.into()))?;

        let mut guard = self.store.write()?;
        let target = self.store.layer_dir(&info.diff_id);
        if let Some(mut present) = guard.layer(&info.diff_id)? {
            lease.hold(&info.diff_id)?;
            if let Some(blob) = info.compressed {
                if !present.compressed.contains(&blob) {
                    present.compressed.push(blob);
                    let p = target.join(layers::RECORD_FILE);
                    atomic::write_json(&p, &present).map_err(StoreError::io("write", &p))?;
                }
            }
            // Discarded after the lock is released, like any garbage.
            let path = staging.path().to_path_buf();
            if let Some(file) = staging.disarm() {
                guard.garbage.push((path, file));
            }
            return Ok(present);
        }
        // A directory without a record is debris; it cannot be a layer.
        guard.move_aside(&target)?;
        fs::rename(staging.path(), &target)
            .map_err(StoreError::io("rename into place", &target))?;
        staging.disarm();
        sync_dir(&self.store.dir.join("layers"))?;
        lease.hold(&info.diff_id)?;
        Ok(record)
    }
}

/// Diff ids a running operation relies on. Garbage collection keeps every layer a
/// live lease holds; the lease file is `flock`ed, so a lease whose process died
/// no longer counts (and its file is removed). Dropping the lease ends it.
#[derive(Debug)]
pub struct Lease {
    path: PathBuf,
    file: Mutex<File>,
    held: Mutex<HashSet<Digest>>,
}

impl Lease {
    /// Records a layer. Callers hold the store lock, so no collection runs
    /// between their presence check and this record.
    fn hold(&self, diff_id: &Digest) -> Result<()> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if held.insert(diff_id.clone()) {
            let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
            file.write_all(format!("{}\n", diff_id.hex()).as_bytes())
                .map_err(StoreError::io("write", &self.path))?;
        }
        Ok(())
    }

    /// The layers held so far.
    pub fn layers(&self) -> Vec<Digest> {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.iter().cloned().collect()
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Opens `path` and takes its flock without waiting; `None` if someone holds it
/// (or it vanished).
fn try_lock_path(path: &Path) -> Option<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .ok()?;
    lock::lock(&file, Mode::Exclusive, true)
        .ok()
        .filter(|&got| got)
        .map(|_| file)
}

fn has_stray_temp(dir: &Path) -> bool {
    fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
        })
        .unwrap_or(false)
}

/// Atomic writes of the index leave `.tmp-*` files only when killed mid-write.
fn remove_stray_temp(dir: &Path) {
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with(".tmp-") {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

fn write_synced(path: &Path, data: &[u8]) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(StoreError::io("create", path))?;
    f.write_all(data).map_err(StoreError::io("write", path))?;
    f.sync_all().map_err(StoreError::io("flush", path))
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(StoreError::io("flush", dir))
}

/// 16 random hex digits for temp names.
pub(crate) fn random_hex() -> String {
    let mut buf = [0u8; 8];
    // SAFETY: getrandom writes at most buf.len() bytes into buf.
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n != buf.len() as isize {
        // Uniqueness, not secrecy, is what matters here.
        let t = Timestamp::now();
        buf =
            (t.nanos as u64 ^ (u64::from(std::process::id()) << 32) ^ t.secs as u64).to_le_bytes();
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &Path) -> Store {
        Store::open_dir(&dir.join("storage"), Arc::new(DirectRemover)).unwrap()
    }

    /// Stages a layer with one file and commits it under a made-up diff id.
    fn add_layer(store: &Store, lease: &Lease, content: &str) -> Digest {
        let staging = store.layers().stage().unwrap();
        fs::write(staging.diff_path().join("f"), content).unwrap();
        let diff_id = Digest::of(content.as_bytes());
        let info = LayerInfo {
            diff_id: diff_id.clone(),
            size: content.len() as u64,
            compressed: None,
            skipped_devices: 0,
        };
        store.layers().commit(staging, lease, info).unwrap();
        diff_id
    }

    /// An image as the image layer would describe it.
    fn new_image<'a>(config: &'a [u8], manifest: &'a [u8], names: &'a [String]) -> NewImage<'a> {
        let v: serde_json::Value = serde_json::from_slice(config).unwrap();
        NewImage {
            config,
            manifest,
            names,
            created: v["created"].as_str().map(str::to_string),
            diff_ids: serde_json::from_value(v["rootfs"]["diff_ids"].clone()).unwrap(),
            manifest_media_type: "application/vnd.oci.image.manifest.v1+json".into(),
        }
    }

    fn config(layers: &[&Digest], created: &str) -> Vec<u8> {
        let ids: Vec<String> = layers.iter().map(|d| d.to_string()).collect();
        serde_json::to_vec(&serde_json::json!({
            "created": created,
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": ids},
        }))
        .unwrap()
    }

    fn tmp_entries(store: &Store) -> usize {
        fs::read_dir(store.tmp()).unwrap().count()
    }

    #[test]
    fn commit_makes_layer_visible_and_removes_staging() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let lease = store.lease().unwrap();
        let d = add_layer(&store, &lease, "one");
        assert!(store.layers().has(&d).unwrap());
        assert_eq!(
            fs::read_to_string(store.layers().path(&d).join("f")).unwrap(),
            "one"
        );
        assert_eq!(tmp_entries(&store), 0);
        assert_eq!(lease.layers(), vec![d]);
    }

    #[test]
    fn second_commit_of_same_layer_is_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let lease = store.lease().unwrap();
        let d = add_layer(&store, &lease, "same");
        let staging = store.layers().stage().unwrap();
        fs::write(staging.diff_path().join("other"), "x").unwrap();
        let blob = layers::BlobInfo {
            digest: Digest::of(b"gz"),
            size: 2,
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
        };
        let info = LayerInfo {
            diff_id: d.clone(),
            size: 4,
            compressed: Some(blob.clone()),
            skipped_devices: 0,
        };
        let rec = store.layers().commit(staging, &lease, info).unwrap();
        assert_eq!(rec.compressed, vec![blob.clone()]);
        assert!(!store.layers().path(&d).join("other").exists());
        assert_eq!(tmp_entries(&store), 0);
        let by_blob = store.layers().hold_by_blob(&lease, &blob.digest).unwrap();
        assert_eq!(by_blob.unwrap().diff_id, d);
    }

    #[test]
    fn concurrent_commits_of_one_layer_leave_one_copy() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(open(dir.path()));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                std::thread::spawn(move || {
                    let lease = store.lease().unwrap();
                    add_layer(&store, &lease, "race")
                })
            })
            .collect();
        let ids: HashSet<Digest> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(ids.len(), 1);
        assert_eq!(store.read().unwrap().layers().unwrap().len(), 1);
        assert_eq!(tmp_entries(&store), 0);
    }

    #[test]
    fn stale_staging_is_cleaned_but_live_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let live = store.layers().stage().unwrap();
        let dead = store.layers().stage().unwrap();
        let dead_path = dead.path().to_path_buf();
        fs::write(dead.diff_path().join("f"), "x").unwrap();
        // A killed process: its lock vanishes but its directory stays.
        let mut dead = dead;
        drop(dead.disarm());
        std::mem::forget(dead);
        let again = open(dir.path());
        assert!(!dead_path.exists());
        assert!(live.path().exists());
        drop(again);
        let live_path = live.path().to_path_buf();
        drop(live);
        assert!(!live_path.exists(), "dropping a staging removes it");
    }

    #[test]
    fn images_tag_untag_remove_and_gc() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let lease = store.lease().unwrap();
        let base = add_layer(&store, &lease, "base");
        let top = add_layer(&store, &lease, "top");
        let c1 = config(&[&base], "2024-01-01T00:00:00Z");
        let c2 = config(&[&base, &top], "2024-02-01T00:00:00Z");
        let names1 = vec!["localhost/a:1".to_string()];
        let one = store
            .add_image(new_image(&c1, b"{\"schemaVersion\":2}", &names1))
            .unwrap();
        assert_eq!(one.id, Digest::of(&c1));
        assert_eq!(one.size, 4 + c1.len() as u64 + 2 * 19);
        let two = store.add_image(new_image(&c2, b"{}", &names1)).unwrap();
        drop(lease);
        {
            let r = store.read().unwrap();
            assert_eq!(r.lookup("a:1").unwrap().id, two.id);
            assert!(r.lookup(&one.id.hex()[..12]).unwrap().is_dangling());
            assert_eq!(r.config(&two.id).unwrap(), c2);
            assert_eq!(r.manifest(&two).unwrap().unwrap(), b"{}");
        }
        {
            let mut w = store.write().unwrap();
            w.tag(&one.id, "localhost/b:2").unwrap();
            let removed = w.untag(&two.id, &[]).unwrap();
            assert_eq!(removed, names1);
            w.remove_image(&two.id).unwrap();
            assert_eq!(w.gc().unwrap(), vec![top.clone()]);
        }
        assert!(!store.layers().has(&top).unwrap());
        assert!(store.layers().has(&base).unwrap());
        assert!(!store.image_dir(&two.id).exists());
        assert_eq!(tmp_entries(&store), 0);
        let r = store.read().unwrap();
        assert_eq!(r.lookup("b:2").unwrap().id, one.id);
    }

    #[test]
    fn live_lease_protects_layers_and_dead_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let lease = store.lease().unwrap();
        let kept = add_layer(&store, &lease, "kept");
        store.write().unwrap().gc().unwrap();
        assert!(store.layers().has(&kept).unwrap());
        // Simulate the lease's process dying: unlock without removing the file.
        let path = lease.path.clone();
        drop(std::mem::replace(
            &mut *lease.file.lock().unwrap(),
            File::open("/dev/null").unwrap(),
        ));
        std::mem::forget(lease);
        assert!(path.exists());
        assert_eq!(store.write().unwrap().gc().unwrap(), vec![kept.clone()]);
        assert!(!store.layers().has(&kept).unwrap());
        assert!(!path.exists());
    }

    #[test]
    fn image_with_missing_layer_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let ghost = Digest::of(b"ghost");
        let c = config(&[&ghost], "2024-01-01T00:00:00Z");
        let err = store.add_image(new_image(&c, b"{}", &[])).unwrap_err();
        assert!(matches!(err, StoreError::MissingLayer(d) if d == ghost));
        assert!(store.read().unwrap().images().unwrap().is_empty());
    }
}
