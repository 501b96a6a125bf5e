//! A writable layer (a build step's or a container's upper directory) becoming
//! a stored layer: packed as a tar with whiteouts, compressed as it would be
//! pushed (gzip or zstd, whose digest the manifest names), and unpacked into the
//! store with its tar journal so that `save` and `push` reproduce it exactly.
//!
//! The upper dir holds files of subordinate owners, so the packing and the
//! unpacking both run as root of the user namespace.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::base::digest::{Digest, HashingWriter};
use crate::image::compression::LayerCompression;
use crate::image::pack::pack_dir;
use crate::image::unpack::{unpack, UnpackOptions};
use crate::store::layers::{BlobInfo, LayerInfo};
use crate::store::{Lease, Store};
use crate::userns::{self, IdMap};

/// A layer made from a directory and committed to the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLayer {
    pub diff_id: Digest,
    /// Bytes of the uncompressed tar.
    pub size: u64,
    /// The compressed form (digest, size, media type).
    pub blob: BlobInfo,
}

/// Packs `upper` into a layer, stores it (held by `lease`) and returns it.
/// An identical layer already in the store is reused.
pub fn commit_dir(
    store: &Store,
    lease: &Lease,
    map: &IdMap,
    upper: &Path,
    compression: LayerCompression,
) -> Result<NewLayer> {
    let staging = store.layers().stage()?;
    let tar_path = staging.path().join("layer.tar");
    let diff = staging.diff_path();
    let journal = staging.journal_path();
    let upper = upper.to_path_buf();
    let made: Made = userns::as_root(map, || {
        pack_and_unpack(&upper, &tar_path, &diff, &journal, compression)
    })
    .context("making the layer")?;
    let layer = NewLayer {
        diff_id: made.diff_id.clone(),
        size: made.size,
        blob: BlobInfo {
            digest: made.blob_digest,
            size: made.blob_size,
            media_type: compression.media_type().to_string(),
        },
    };
    let info = LayerInfo {
        diff_id: made.diff_id,
        size: made.size,
        compressed: Some(layer.blob.clone()),
        skipped_devices: made.skipped_devices,
    };
    store.layers().commit(staging, lease, info)?;
    Ok(layer)
}

#[derive(Debug, Serialize, Deserialize)]
struct Made {
    diff_id: Digest,
    size: u64,
    blob_digest: Digest,
    blob_size: u64,
    skipped_devices: u64,
}

/// In the user namespace: `upper` → tar file (hashing its compressed form on
/// the way) → unpacked tree and journal.
fn pack_and_unpack(
    upper: &Path,
    tar_path: &Path,
    diff: &Path,
    journal: &Path,
    compression: LayerCompression,
) -> Result<Made> {
    let file =
        File::create(tar_path).with_context(|| format!("creating {}", tar_path.display()))?;
    let mut out = BufWriter::new(file);
    pack_dir(upper, &mut out)?;
    out.flush()?;
    drop(out);
    let mut hashed = HashingWriter::new(io::sink());
    let tar = File::open(tar_path).with_context(|| format!("reading {}", tar_path.display()))?;
    compress(compression, io::BufReader::new(tar), &mut hashed)?;
    let (blob_digest, blob_size, _) = hashed.finish();
    let opts = UnpackOptions {
        media_type: None,
        journal: Some(journal.to_path_buf()),
        ..UnpackOptions::default()
    };
    let tar = File::open(tar_path).with_context(|| format!("reading {}", tar_path.display()))?;
    let stats = unpack(io::BufReader::new(tar), diff, &opts)?;
    let _ = fs::remove_file(tar_path);
    Ok(Made {
        diff_id: stats.diff_id,
        size: stats.size,
        blob_digest,
        blob_size,
        skipped_devices: stats.counts.skipped_devices,
    })
}

/// Compresses a layer's tar as builds do — gzip at flate2's default level
/// (no name, mtime 0), zstd at level 3 — so the same tar always gives the
/// same blob: what the manifest's digest names can be made again from the
/// stored layer (its replayed tar) when the image is pushed.
pub fn compress(
    compression: LayerCompression,
    mut input: impl Read,
    out: impl Write,
) -> io::Result<()> {
    match compression {
        LayerCompression::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::default());
            io::copy(&mut input, &mut enc)?;
            enc.finish()?.flush()
        }
        LayerCompression::Zstd => {
            let mut enc = zstd::stream::write::Encoder::new(out, 3)?;
            io::copy(&mut input, &mut enc)?;
            enc.finish()?.flush()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_an_upper_dir_yields_a_stored_layer_and_its_blob_digest() {
        if !nix::unistd::geteuid().is_root() {
            return; // unpacking chowns
        }
        let tmp = tempfile::tempdir().unwrap();
        let upper = tmp.path().join("upper");
        fs::create_dir_all(upper.join("etc")).unwrap();
        fs::write(upper.join("etc/greeting"), "hi\n").unwrap();
        let tar = tmp.path().join("l.tar");
        let diff = tmp.path().join("diff");
        fs::create_dir(&diff).unwrap();
        let journal = tmp.path().join("journal");
        for c in [LayerCompression::Gzip, LayerCompression::Zstd] {
            let _ = fs::remove_dir_all(&diff);
            fs::create_dir(&diff).unwrap();
            let made = pack_and_unpack(&upper, &tar, &diff, &journal, c).unwrap();
            assert_eq!(
                fs::read_to_string(diff.join("etc/greeting")).unwrap(),
                "hi\n"
            );
            assert!(!tar.exists());
            let mut plain = Vec::new();
            pack_dir(&upper, &mut plain).unwrap();
            assert_eq!(made.diff_id, Digest::of(&plain));
            // The blob can be made again from the tar alone (as a push must).
            let mut again = HashingWriter::new(io::sink());
            compress(c, &plain[..], &mut again).unwrap();
            assert_eq!(again.finish().0, made.blob_digest);
            assert_ne!(made.blob_digest, made.diff_id);
            assert!(made.blob_size > 0 && made.blob_size < made.size);
        }
    }
}
