//! Pieces shared by images made or loaded locally (`import`, `load`, `commit`
//! and `build`): storing a layer from a tar stream, the OCI manifest such
//! images get (layers uncompressed, digest = diff id), and what the store
//! records of any image it is given (pulled ones too).

use std::io::Read;

use anyhow::{bail, Context as _, Result};

use super::manifest::{media_type, ImageManifest};
use super::oci_config::ImageConfig;
use super::unpack::{unpack, UnpackOptions};
use crate::base::digest::Digest;
use crate::store::layers::LayerInfo;
use crate::store::{Lease, NewImage, Store, StoreError};

/// The manifest of a local image whose layers are stored uncompressed.
pub fn local_manifest(config: &[u8], layers: &[(Digest, u64)]) -> Result<Vec<u8>> {
    Ok(serde_json::to_vec(&ImageManifest::uncompressed(
        config, layers,
    ))?)
}

/// An image for the store: `config` and `manifest` byte for byte, with what the
/// store records of them read through the one config type.
pub fn new_image<'a>(
    config: &'a [u8],
    manifest: &'a [u8],
    names: &'a [String],
) -> Result<NewImage<'a>, StoreError> {
    let parsed = ImageConfig::parse(config).map_err(|e| StoreError::BadConfig(e.to_string()))?;
    Ok(NewImage {
        config,
        manifest,
        names,
        created: parsed.created,
        diff_ids: parsed.rootfs.diff_ids,
        manifest_media_type: manifest_media_type(manifest),
    })
}

/// The manifest's own `mediaType`, or OCI's when it does not say.
fn manifest_media_type(manifest: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(manifest)
        .ok()
        .and_then(|m| m.get("mediaType")?.as_str().map(str::to_string))
        .unwrap_or_else(|| media_type::OCI_MANIFEST.to_string())
}

/// Extracts one layer from `reader` into the store (kept if already there)
/// and returns its diff id and uncompressed size; the layer is held by `lease`.
/// With `expected`, a layer whose diff id differs is refused before it is kept.
pub fn store_layer(
    store: &Store,
    lease: &Lease,
    reader: impl Read,
    media_type: Option<&str>,
    expected: Option<&Digest>,
) -> Result<(Digest, u64)> {
    let staging = store.layers().stage()?;
    let opts = UnpackOptions {
        media_type: media_type.map(str::to_string),
        journal: Some(staging.journal_path()),
        ..UnpackOptions::default()
    };
    let stats = unpack(reader, &staging.diff_path(), &opts).context("extracting the layer")?;
    if let Some(want) = expected {
        if &stats.diff_id != want {
            bail!(
                "layer content does not match the image config: it hashes to {}, the config says {want}",
                stats.diff_id
            );
        }
    }
    if store.layers().hold(lease, &stats.diff_id)?.is_some() {
        return Ok((stats.diff_id, stats.size));
    }
    let info = LayerInfo {
        diff_id: stats.diff_id.clone(),
        size: stats.size,
        compressed: None,
        skipped_devices: stats.counts.skipped_devices,
    };
    store.layers().commit(staging, lease, info)?;
    Ok((stats.diff_id, stats.size))
}
