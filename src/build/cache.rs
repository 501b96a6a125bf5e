//! The build cache: what a step produced, keyed by what it started from and
//! what it did.
//!
//! A key is the sha256 of the parent step's config digest (which covers its
//! layers and history), the instruction as expanded, and whatever else the
//! result depends on (a COPY's content digest, the ARGs a RUN sees). The value
//! is the resulting image config, byte for byte, so a rebuild that hits the
//! cache at every step ends with the same config — the same image id.
//!
//! Entries live in `storage/build-cache/<key>.json`, one file each, written
//! atomically: concurrent builds never see half an entry, and two builds
//! writing the same key write equivalent results. An entry whose layers the
//! store has since removed is a miss; the layers of a hit are held in the
//! build's lease so no garbage collection takes them while the build runs.

use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::base::atomic;
use crate::base::digest::Digest;
use crate::image::oci_config::ImageConfig;
use crate::store::{Lease, Store};

/// A cache key under construction.
pub struct Key {
    parts: Vec<u8>,
}

impl Key {
    /// Starts from the parent step's id.
    pub fn new(parent: &Digest) -> Key {
        let mut k = Key { parts: Vec::new() };
        k.add(parent.hex());
        k
    }

    /// Adds one part (length-prefixed, so parts never run together).
    pub fn add(&mut self, part: &str) -> &mut Key {
        self.parts
            .extend_from_slice(format!("{}:", part.len()).as_bytes());
        self.parts.extend_from_slice(part.as_bytes());
        self
    }

    pub fn digest(&self) -> Digest {
        Digest::of(&self.parts)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// The resulting config, as stored bytes (a JSON string).
    config: String,
}

/// The cache of one store.
pub struct Cache<'s> {
    store: &'s Store,
    dir: PathBuf,
}

impl<'s> Cache<'s> {
    pub fn new(store: &'s Store) -> Cache<'s> {
        Cache {
            store,
            dir: store.dir().join("build-cache"),
        }
    }

    /// The config a step with `key` produced before, if its layers are all
    /// still present (they are then held in `lease`).
    pub fn get(&self, key: &Digest, lease: &Lease) -> Result<Option<ImageConfig>> {
        let path = self.dir.join(format!("{}.json", key.hex()));
        let data = match fs::read(&path) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let Ok(entry) = serde_json::from_slice::<Entry>(&data) else {
            return Ok(None);
        };
        let Ok(config) = ImageConfig::parse(entry.config.as_bytes()) else {
            return Ok(None);
        };
        let layers = self.store.layers();
        for d in &config.rootfs.diff_ids {
            if layers.hold(lease, d)?.is_none() {
                // Its layers were removed with their images: the entry is dead.
                let _ = fs::remove_file(&path);
                return Ok(None);
            }
        }
        Ok(Some(config))
    }

    /// Records what a step produced.
    pub fn put(&self, key: &Digest, config: &[u8]) -> Result<()> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)?;
        let entry = Entry {
            config: String::from_utf8_lossy(config).into_owned(),
        };
        let path = self.dir.join(format!("{}.json", key.hex()));
        atomic::write_json(&path, &entry)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::remove::DirectRemover;
    use std::sync::Arc;

    #[test]
    fn keys_separate_their_parts() {
        let p = Digest::of(b"parent");
        let a = Key::new(&p).add("ab").add("c").digest();
        let b = Key::new(&p).add("a").add("bc").digest();
        let c = Key::new(&p).add("ab").add("c").digest();
        assert_ne!(a, b);
        assert_eq!(a, c);
        assert_ne!(
            a,
            Key::new(&Digest::of(b"other")).add("ab").add("c").digest()
        );
    }

    #[test]
    fn put_get_and_missing_layers_miss() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(&dir.path().join("storage"), Arc::new(DirectRemover)).unwrap();
        let lease = store.lease().unwrap();
        let cache = Cache::new(&store);
        let key = Key::new(&Digest::of(b"x")).add("ENV A=b").digest();
        assert!(cache.get(&key, &lease).unwrap().is_none());
        let config =
            br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
        cache.put(&key, config).unwrap();
        let got = cache.get(&key, &lease).unwrap().unwrap();
        assert_eq!(got.architecture, "amd64");

        let ghost = Digest::of(b"ghost");
        let with_layer = format!(
            r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["{ghost}"]}}}}"#
        );
        let key2 = Key::new(&key).add("RUN x").digest();
        cache.put(&key2, with_layer.as_bytes()).unwrap();
        assert!(cache.get(&key2, &lease).unwrap().is_none());
        assert!(
            !store
                .dir()
                .join(format!("build-cache/{}.json", key2.hex()))
                .exists(),
            "a dead entry is dropped"
        );
    }
}
