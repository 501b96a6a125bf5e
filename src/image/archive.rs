//! Image archives: `docker-archive` (what `docker save` writes: `manifest.json`,
//! configs, `<layer>.tar`) and `oci-archive` (a tar of an OCI image layout).
//!
//! Saving streams layers straight from the store through their tar journals,
//! so each layer is byte for byte the one the config's diff ids name and the
//! image keeps its id. Loading spools the archive to a private temp directory
//! (its index may come last), verifies every blob and layer, and stores them.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context as _, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::local::{local_manifest, new_image, store_layer};
use super::manifest::{media_type, Descriptor, Format as ManifestFormat, ImageIndex};
use super::oci_config::ImageConfig;
use super::pack;
use crate::base::digest::{Digest, HashingReader};
use crate::store::images::ImageRecord;
use crate::store::{names, Lease, Store, View};

/// The archive formats podman saves and loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[value(name = "docker-archive")]
    DockerArchive,
    #[value(name = "oci-archive")]
    OciArchive,
}

/// One image to save, under the names it should carry in the archive.
#[derive(Debug, Clone)]
pub struct SaveItem {
    pub image: ImageRecord,
    pub names: Vec<String>,
}

/// `manifest.json` of a docker archive.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// Writes `items` as an archive to `out`. The layers must stay present while
/// this runs: hold them in a lease first.
pub fn save(view: &View<'_>, items: &[SaveItem], format: Format, out: impl Write) -> Result<()> {
    let mut tar = TarWriter { out, written: 0 };
    match format {
        Format::DockerArchive => save_docker(view, items, &mut tar)?,
        Format::OciArchive => {
            if items.len() != 1 {
                bail!("an oci-archive holds one image: save several images as docker-archive");
            }
            save_oci(view, &items[0], &mut tar)?;
        }
    }
    tar.finish()
}

fn save_docker<W: Write>(
    view: &View<'_>,
    items: &[SaveItem],
    tar: &mut TarWriter<W>,
) -> Result<()> {
    let mut written = std::collections::HashSet::new();
    let mut manifest = Vec::new();
    for item in items {
        let config = view.config(&item.image.id)?;
        let config_name = format!("{}.json", item.image.id.hex());
        let mut layers = Vec::new();
        for d in &item.image.layers {
            let name = format!("{}.tar", d.hex());
            if written.insert(d.clone()) {
                write_layer(view, d, &name, tar)?;
            }
            layers.push(name);
        }
        if written.insert(item.image.id.clone()) {
            tar.file(&config_name, &config)?;
        }
        manifest.push(DockerEntry {
            config: config_name,
            repo_tags: Some(item.names.clone()),
            layers,
        });
    }
    tar.file("manifest.json", &serde_json::to_vec(&manifest)?)
}

fn save_oci<W: Write>(view: &View<'_>, item: &SaveItem, tar: &mut TarWriter<W>) -> Result<()> {
    tar.file("oci-layout", br#"{"imageLayoutVersion": "1.0.0"}"#)?;
    tar.dir("blobs/")?;
    tar.dir("blobs/sha256/")?;
    let config = view.config(&item.image.id)?;
    let mut sizes = Vec::new();
    for d in &item.image.layers {
        let size = write_layer(view, d, &format!("blobs/sha256/{}", d.hex()), tar)?;
        sizes.push((d.clone(), size));
    }
    tar.file(&format!("blobs/sha256/{}", item.image.id.hex()), &config)?;
    let manifest = local_manifest(&config, &sizes)?;
    let mdigest = Digest::of(&manifest);
    tar.file(&format!("blobs/sha256/{}", mdigest.hex()), &manifest)?;
    let mut desc = Descriptor::new(media_type::OCI_MANIFEST, mdigest, manifest.len() as u64);
    if let Some(name) = item.names.first() {
        desc.annotations.insert(REF_NAME.to_string(), name.clone());
    }
    let index = ImageIndex {
        schema_version: 2,
        media_type: None,
        manifests: vec![desc],
        annotations: Default::default(),
        format: ManifestFormat::Oci,
    };
    tar.file("index.json", &serde_json::to_vec(&index)?)
}

/// Streams a layer's original tar into the archive; returns its size.
fn write_layer<W: Write>(
    view: &View<'_>,
    diff_id: &Digest,
    name: &str,
    tar: &mut TarWriter<W>,
) -> Result<u64> {
    let record = view
        .layer(diff_id)?
        .ok_or_else(|| anyhow!("layer {diff_id} is missing from the store"))?;
    let journal = view.layer_journal(diff_id).ok_or_else(|| {
        anyhow!("layer {diff_id} was stored without its tar journal and cannot be exported byte for byte: remove the image and pull it again")
    })?;
    let root = view.layer_path(diff_id);
    tar.stream(name, record.size, |out| {
        pack::replay(&root, &journal, out).map_err(anyhow::Error::from)
    })?;
    Ok(record.size)
}

/// A minimal streaming tar writer: entries of known size, written as they come.
struct TarWriter<W: Write> {
    out: W,
    written: u64,
}

impl<W: Write> TarWriter<W> {
    fn header(&mut self, name: &str, kind: tar::EntryType, size: u64, mode: u32) -> Result<()> {
        let mut h = tar::Header::new_ustar();
        h.set_path(name)?;
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(mode);
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        h.set_cksum();
        self.out.write_all(h.as_bytes())?;
        self.written += 512;
        Ok(())
    }

    fn pad(&mut self, size: u64) -> Result<()> {
        let rem = (size % 512) as usize;
        if rem != 0 {
            self.out.write_all(&[0u8; 512][..512 - rem])?;
        }
        self.written += size.div_ceil(512) * 512;
        Ok(())
    }

    fn file(&mut self, name: &str, data: &[u8]) -> Result<()> {
        self.header(name, tar::EntryType::Regular, data.len() as u64, 0o444)?;
        self.out.write_all(data)?;
        self.pad(data.len() as u64)
    }

    fn dir(&mut self, name: &str) -> Result<()> {
        self.header(name, tar::EntryType::Directory, 0, 0o755)
    }

    /// An entry whose `size` bytes `fill` writes; writing another amount is an error.
    fn stream(
        &mut self,
        name: &str,
        size: u64,
        fill: impl FnOnce(&mut dyn Write) -> Result<u64>,
    ) -> Result<()> {
        self.header(name, tar::EntryType::Regular, size, 0o444)?;
        let n = fill(&mut self.out)?;
        if n != size {
            bail!("{name}: wrote {n} bytes where {size} were announced");
        }
        self.pad(size)
    }

    fn finish(mut self) -> Result<()> {
        self.out.write_all(&[0u8; 1024])?;
        self.out.flush()?;
        Ok(())
    }
}

/// An image `load` stored.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub image: ImageRecord,
    pub names: Vec<String>,
}

/// Files of a spooled archive by their (cleaned) path in it.
struct Spool {
    files: HashMap<String, (PathBuf, Digest)>,
    links: HashMap<String, String>,
}

impl Spool {
    fn open(&self, path: &str) -> Result<(File, &Digest)> {
        let mut p = clean(path);
        for _ in 0..8 {
            if let Some(target) = self.links.get(&p) {
                p = target.clone();
                continue;
            }
            break;
        }
        let (file, digest) = self
            .files
            .get(&p)
            .ok_or_else(|| anyhow!("the archive has no file {path}"))?;
        Ok((File::open(file)?, digest))
    }

    fn read(&self, path: &str) -> Result<Vec<u8>> {
        let mut data = Vec::new();
        self.open(path)?.0.read_to_end(&mut data)?;
        Ok(data)
    }

    /// An OCI blob, checked against its name.
    fn blob(&self, digest: &Digest) -> Result<File> {
        let (file, actual) = self.open(&format!("blobs/sha256/{}", digest.hex()))?;
        if actual != digest {
            bail!("blob {digest} in the archive is corrupt: its content hashes to {actual}");
        }
        Ok(file)
    }
}

/// `a/./b/../c` → `a/c` (never above the top).
fn clean(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out.join("/")
}

/// Reads a docker-archive or oci-archive from `input` into the store.
pub fn load(store: &Store, lease: &Lease, input: impl Read) -> Result<Vec<Loaded>> {
    // A staging directory is a private, locked temp dir: the spool lives there.
    let scratch = store.layers().stage()?;
    let spool = spool(input, scratch.path())?;
    if spool.files.contains_key("manifest.json") {
        load_docker(store, lease, &spool)
    } else if spool.files.contains_key("index.json") {
        load_oci(store, lease, &spool)
    } else {
        bail!("the input is neither a docker-archive (no manifest.json) nor an oci-archive (no index.json)")
    }
}

fn spool(input: impl Read, dir: &std::path::Path) -> Result<Spool> {
    let mut archive = tar::Archive::new(input);
    let mut spool = Spool {
        files: HashMap::new(),
        links: HashMap::new(),
    };
    for (n, entry) in archive
        .entries()
        .context("reading the archive")?
        .enumerate()
    {
        let mut entry = entry.context("reading the archive")?;
        let path = clean(&String::from_utf8_lossy(&entry.path_bytes()));
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let file = dir.join(format!("spool-{n}"));
                let mut out = File::create(&file)?;
                let mut hashing = HashingReader::new(&mut entry);
                io::copy(&mut hashing, &mut out).context("reading the archive")?;
                let (digest, _) = hashing.finish()?;
                spool.files.insert(path, (file, digest));
            }
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let target = String::from_utf8_lossy(&entry.link_name_bytes().unwrap_or_default())
                    .into_owned();
                let resolved = if entry.header().entry_type() == tar::EntryType::Symlink {
                    let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
                    clean(&format!("{parent}/{target}"))
                } else {
                    clean(&target)
                };
                spool.links.insert(path, resolved);
            }
            _ => {}
        }
    }
    Ok(spool)
}

fn load_docker(store: &Store, lease: &Lease, spool: &Spool) -> Result<Vec<Loaded>> {
    let entries: Vec<DockerEntry> = serde_json::from_slice(&spool.read("manifest.json")?)
        .context("the archive's manifest.json is not valid")?;
    let mut out = Vec::new();
    for e in entries {
        let config = spool.read(&e.config)?;
        let parsed =
            ImageConfig::parse(&config).context("an image config in the archive is not valid")?;
        if parsed.rootfs.diff_ids.len() != e.layers.len() {
            bail!(
                "{}: the config lists {} layers, the archive {}",
                e.config,
                parsed.rootfs.diff_ids.len(),
                e.layers.len()
            );
        }
        let mut layers = Vec::new();
        for (path, want) in e.layers.iter().zip(&parsed.rootfs.diff_ids) {
            let size = match store.layers().hold(lease, want)? {
                Some(rec) => rec.size,
                None => {
                    let (file, _) = spool.open(path)?;
                    store_layer(store, lease, file, None, Some(want))
                        .with_context(|| format!("loading layer {path}"))?
                        .1
                }
            };
            layers.push((want.clone(), size));
        }
        let names = e
            .repo_tags
            .unwrap_or_default()
            .iter()
            .map(|t| names::normalize_docker(t))
            .collect::<Result<Vec<_>, _>>()?;
        let manifest = local_manifest(&config, &layers)?;
        let image = store.add_image(new_image(&config, &manifest, &names)?)?;
        out.push(Loaded { image, names });
    }
    Ok(out)
}

fn load_oci(store: &Store, lease: &Lease, spool: &Spool) -> Result<Vec<Loaded>> {
    let index: Value = serde_json::from_slice(&spool.read("index.json")?)
        .context("the archive's index.json is not valid")?;
    let descriptors = index["manifests"].as_array().cloned().unwrap_or_default();
    let mut out = Vec::new();
    for desc in descriptors {
        let name = desc["annotations"][REF_NAME].as_str().map(str::to_string);
        let manifest_digest: Digest = desc["digest"]
            .as_str()
            .unwrap_or_default()
            .parse()
            .context("a manifest digest in index.json")?;
        let mut manifest = Vec::new();
        spool.blob(&manifest_digest)?.read_to_end(&mut manifest)?;
        let m: Value =
            serde_json::from_slice(&manifest).context("an image manifest in the archive")?;
        if m.get("manifests").is_some() {
            bail!("multi-platform archives are not supported by load: save a single platform");
        }
        let config_digest: Digest = m["config"]["digest"]
            .as_str()
            .unwrap_or_default()
            .parse()
            .context("the config digest of a manifest")?;
        let mut config = Vec::new();
        spool.blob(&config_digest)?.read_to_end(&mut config)?;
        let parsed =
            ImageConfig::parse(&config).context("an image config in the archive is not valid")?;
        let layer_descs = m["layers"].as_array().cloned().unwrap_or_default();
        if layer_descs.len() != parsed.rootfs.diff_ids.len() {
            bail!("manifest {manifest_digest} and its config disagree on the number of layers");
        }
        for (ld, want) in layer_descs.iter().zip(&parsed.rootfs.diff_ids) {
            if store.layers().hold(lease, want)?.is_some() {
                continue;
            }
            let digest: Digest = ld["digest"]
                .as_str()
                .unwrap_or_default()
                .parse()
                .context("a layer digest")?;
            let file = spool.blob(&digest)?;
            store_layer(store, lease, file, ld["mediaType"].as_str(), Some(want))
                .with_context(|| format!("loading layer {digest}"))?;
        }
        // A bare tag as ref name (skopeo's style) names no repository.
        let names = match name.filter(|n| n.contains('/') || n.contains(':')) {
            Some(n) => vec![names::normalize_docker(&n)?],
            None => Vec::new(),
        };
        let image = store.add_image(new_image(&config, &manifest, &names)?)?;
        out.push(Loaded { image, names });
    }
    Ok(out)
}

/// Removes what a failed load spooled (the staging drop does it; this is for tests).
#[cfg(test)]
fn spool_dir_is_gone(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir)
        .map(|mut d| d.next().is_none())
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::remove::DirectRemover;
    use crate::image::unpack::tests::Tar;
    use std::fs;
    use std::sync::Arc;

    fn store(dir: &std::path::Path) -> Store {
        Store::open_dir(&dir.join("storage"), Arc::new(DirectRemover)).unwrap()
    }

    /// Imports a one-layer image the way `rpod import` does.
    fn import(store: &Store, name: &str, content: &[u8]) -> ImageRecord {
        let lease = store.lease().unwrap();
        let mut t = Tar::new();
        t.file("hello", content);
        let (d, size) = store_layer(store, &lease, &t.bytes()[..], None, None).unwrap();
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": "amd64", "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [d.to_string()]},
        }))
        .unwrap();
        let manifest = local_manifest(&config, &[(d, size)]).unwrap();
        store
            .add_image(new_image(&config, &manifest, &[name.to_string()]).unwrap())
            .unwrap()
    }

    /// `img` saved alone from `src` under `names`.
    fn saved(src: &Store, img: &ImageRecord, names: Vec<String>, format: Format) -> Vec<u8> {
        let mut archive = Vec::new();
        let r = src.read().unwrap();
        let items = vec![SaveItem {
            image: img.clone(),
            names,
        }];
        save(&r, &items, format, &mut archive).unwrap();
        archive
    }

    fn roundtrip(format: Format) {
        let a = tempfile::tempdir().unwrap();
        let src = store(a.path());
        let img = import(&src, "localhost/x:1", b"content");
        let archive = saved(&src, &img, img.names.clone(), format);
        let b = tempfile::tempdir().unwrap();
        let dst = store(b.path());
        let lease = dst.lease().unwrap();
        let loaded = load(&dst, &lease, &archive[..]).unwrap();
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].image.id, img.id, "the image keeps its id");
        assert_eq!(loaded[0].names, vec!["localhost/x:1"]);
        let r = dst.read().unwrap();
        assert_eq!(r.lookup("x:1").unwrap().id, img.id);
        let layer = r.layer_path(&img.layers[0]);
        assert_eq!(fs::read(layer.join("hello")).unwrap(), b"content");
        assert!(spool_dir_is_gone(&dst.dir().join("tmp")));
    }

    #[test]
    fn docker_archive_roundtrip() {
        if nix::unistd::geteuid().is_root() {
            roundtrip(Format::DockerArchive);
        }
    }

    #[test]
    fn oci_archive_roundtrip() {
        if nix::unistd::geteuid().is_root() {
            roundtrip(Format::OciArchive);
        }
    }

    #[test]
    fn corrupt_blob_is_refused() {
        if !nix::unistd::geteuid().is_root() {
            return;
        }
        let a = tempfile::tempdir().unwrap();
        let src = store(a.path());
        let img = import(&src, "localhost/x:1", b"content");
        let mut archive = saved(&src, &img, vec![], Format::OciArchive);
        // Flip a byte of the layer's file content ("content" inside the layer tar).
        let pos = archive.windows(7).position(|w| w == b"content").unwrap();
        archive[pos] = b'C';
        let b = tempfile::tempdir().unwrap();
        let dst = store(b.path());
        let lease = dst.lease().unwrap();
        let err = load(&dst, &lease, &archive[..]).unwrap_err().to_string();
        assert!(err.contains("corrupt"), "{err}");
        assert!(dst.read().unwrap().images().unwrap().is_empty());
    }
}
