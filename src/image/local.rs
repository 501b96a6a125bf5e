//! Pieces shared by images made or loaded locally (`import`, `load`, later
//! `commit` and `build`): storing a layer from a tar stream, and the OCI
//! manifest such images get (layers uncompressed, digest = diff id).

use std::io::Read;

use anyhow::{bail, Context as _, Result};

use super::manifest::ImageManifest;
use super::unpack::{unpack, UnpackOptions};
use crate::base::digest::Digest;
use crate::store::layers::LayerInfo;
use crate::store::{Lease, Store};

/// The manifest of a local image whose layers are stored uncompressed.
pub fn local_manifest(config: &[u8], layers: &[(Digest, u64)]) -> Result<Vec<u8>> {
    Ok(serde_json::to_vec(&ImageManifest::uncompressed(
        config, layers,
    ))?)
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
