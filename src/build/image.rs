//! Images made here (by `build` and `commit`): the manifest that names each
//! layer by its compressed blob, and a container's writable layer committed
//! on top of its image.

use anyhow::{anyhow, Result};
use serde_json::{Map, Value};

use super::layer;
use crate::base::digest::Digest;
use crate::base::timestamp::Timestamp;
use crate::container::record::RootfsSource;
use crate::container::ContainerStore;
use crate::image::changes;
use crate::image::compression::Compression;
use crate::image::compression::LayerCompression;
use crate::image::local::new_image;
use crate::image::manifest::{media_type, Descriptor, Format, ImageManifest, Platform};
use crate::image::oci_config::{History, ImageConfig, RootFs};
use crate::store::images::ImageRecord;
use crate::store::{Store, View};
use crate::userns::IdMap;

/// The manifest of an image whose layers are in the store: each layer by the
/// compressed blob it was made or pulled as, uncompressed when none is known.
pub fn manifest(
    view: &View<'_>,
    config: &[u8],
    diff_ids: &[Digest],
    format: Format,
) -> Result<Vec<u8>> {
    let mut layers = Vec::new();
    for d in diff_ids {
        let rec = view
            .layer(d)?
            .ok_or_else(|| anyhow!("layer {d} is missing from the store"))?;
        let blob = rec.compressed.iter().find_map(|b| {
            match Compression::from_media_type(&b.media_type)? {
                Compression::None => None,
                c => Some(Descriptor::new(
                    media_type::layer(format, c),
                    b.digest.clone(),
                    b.size,
                )),
            }
        });
        layers.push(blob.unwrap_or_else(|| {
            Descriptor::new(
                media_type::layer(format, Compression::None),
                d.clone(),
                rec.size,
            )
        }));
    }
    Ok(serde_json::to_vec(&ImageManifest::new(
        format, config, layers,
    ))?)
}

/// What `commit` is asked for.
#[derive(Debug, Clone, Default)]
pub struct CommitOptions {
    /// `-c` instructions applied to the config.
    pub changes: Vec<String>,
    pub message: Option<String>,
    pub author: Option<String>,
    pub names: Vec<String>,
    pub format: Format,
    pub compression: LayerCompression,
}

/// The stored name of a committed image; a digest cannot name one.
pub fn commit_name(given: &str) -> Result<String> {
    let full = crate::store::names::normalize(given)?;
    if full.contains('@') {
        return Err(anyhow!(
            "{given}: a committed image cannot be named by digest: give it a tag"
        ));
    }
    Ok(full)
}

/// Checks every `--change` before any work, so a bad one leaves nothing behind.
pub fn check_changes(list: &[String]) -> Result<()> {
    for c in list {
        changes::apply(&mut Map::new(), c)?;
    }
    Ok(())
}

/// [`commit_container`], the container frozen meanwhile when `pause` (and it can be).
pub fn commit_paused(
    containers: &ContainerStore,
    store: &Store,
    query: &str,
    opts: &CommitOptions,
    pause: bool,
    uid: u32,
) -> Result<ImageRecord> {
    let paused = if pause {
        crate::container::freeze::pause_while(containers, query, uid)
    } else {
        None
    };
    let result = commit_container(containers, store, query, opts);
    if let Some(id) = paused {
        crate::container::freeze::resume_after(containers, &id, query);
    }
    result
}

/// Commits container `query`'s writable layer on top of its image as a new
/// image; returns the stored record.
pub fn commit_container(
    containers: &ContainerStore,
    store: &Store,
    query: &str,
    opts: &CommitOptions,
) -> Result<ImageRecord> {
    let record = containers.lookup(query)?;
    if let RootfsSource::Dir(dir) = &record.rootfs {
        return Err(anyhow!(
            "container {} runs on the directory {} (--rootfs), not on an image: it has no layer to commit",
            record.name,
            dir.display()
        ));
    }
    let lease = store.lease()?;
    let mut config = match &record.image {
        Some(image) => {
            let id = Digest::from_hex(&image.id)?;
            let view = store.read()?;
            let rec = view.lookup(&image.id).map_err(|_| {
                anyhow!(
                    "the image {} of container {} is no longer in local storage",
                    image.name,
                    record.name
                )
            })?;
            for d in &rec.layers {
                if view.hold_layer(&lease, d)?.is_none() {
                    return Err(anyhow!("layer {d} of image {} is missing", image.name));
                }
            }
            ImageConfig::parse(&view.config(&id)?)?
        }
        None => ImageConfig {
            architecture: Platform::host_arch().to_string(),
            os: "linux".into(),
            rootfs: RootFs {
                kind: "layers".into(),
                diff_ids: Vec::new(),
            },
            ..ImageConfig::default()
        },
    };
    let mut runtime = match std::mem::take(&mut config.config) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    for c in &opts.changes {
        changes::apply(&mut runtime, c)?;
    }
    config.config = Value::Object(runtime);

    let (upper, _) = containers.layer_dirs(&record.id);
    let map = IdMap::for_current_user();
    let made = layer::commit_dir(store, &lease, &map, &upper, opts.compression)?;
    let now = Timestamp::now().rfc3339_nanos();
    config.created = Some(now.clone());
    if let Some(a) = &opts.author {
        config.author = Some(a.clone());
    }
    config.rootfs.kind = "layers".into();
    config.rootfs.diff_ids.push(made.diff_id);
    config.history.push(History {
        created: Some(now),
        created_by: Some(shell_words(&record.command)),
        author: opts.author.clone(),
        comment: opts.message.clone(),
        empty_layer: false,
    });
    let bytes = serde_json::to_vec(&config)?;
    let manifest = manifest(
        &*store.read()?,
        &bytes,
        &config.rootfs.diff_ids,
        opts.format,
    )?;
    let rec = store.add_image(new_image(&bytes, &manifest, &opts.names)?)?;
    drop(lease);
    Ok(rec)
}

/// A command as podman shows it in history: words joined by spaces.
fn shell_words(argv: &[String]) -> String {
    argv.join(" ")
}
