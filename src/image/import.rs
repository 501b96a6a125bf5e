//! `import`: a filesystem tarball (plain, gzip or zstd) becomes a one-layer image, its
//! config made as `podman import` makes it.

use std::io::Read;

use anyhow::{bail, Result};
use serde_json::{Map, Value};

use super::changes;
use super::local::{local_manifest, new_image, store_layer};
use super::manifest::Platform;
use super::oci_config::{History, ImageConfig, RootFs};
use crate::base::digest::Digest;
use crate::base::timestamp::Timestamp;
use crate::store::images::ImageRecord;
use crate::store::{names, Store};

/// What the imported image is: its config's fields and its name.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// `-c` instructions applied to the runtime config.
    pub changes: Vec<String>,
    /// The history comment (default: "imported from tarball").
    pub message: Option<String>,
    pub os: String,
    /// Default: this machine's.
    pub arch: Option<String>,
    pub variant: Option<String>,
    /// A stored name (see [`import_name`]).
    pub name: Option<String>,
}

/// The stored name of an imported image; a digest cannot name one.
pub fn import_name(given: &str) -> Result<String> {
    let n = names::normalize(given)?;
    if n.contains('@') {
        bail!("{given}: an imported image cannot be named by digest: give it a tag");
    }
    Ok(n)
}

/// The runtime config the `-c` instructions make, checked before any work.
pub fn runtime_from_changes(list: &[String]) -> Result<Map<String, Value>> {
    let mut runtime = Map::new();
    for c in list {
        changes::apply(&mut runtime, c)?;
    }
    Ok(runtime)
}

/// Stores `input` as a layer and the image over it; `on_layer` hears the layer's
/// diff id once it is stored.
pub fn import(
    store: &Store,
    input: impl Read,
    opts: &ImportOptions,
    on_layer: impl FnOnce(&Digest),
) -> Result<ImageRecord> {
    let runtime = runtime_from_changes(&opts.changes)?;
    let lease = store.lease()?;
    let (diff_id, size) = store_layer(store, &lease, input, None, None)?;
    on_layer(&diff_id);
    let now = Timestamp::now().rfc3339_nanos();
    let comment = opts
        .message
        .clone()
        .unwrap_or_else(|| "imported from tarball".into());
    let config = ImageConfig {
        created: Some(now.clone()),
        architecture: opts
            .arch
            .clone()
            .unwrap_or_else(|| Platform::host_arch().to_string()),
        os: opts.os.clone(),
        variant: opts.variant.clone(),
        config: Value::Object(runtime),
        rootfs: RootFs {
            kind: "layers".into(),
            diff_ids: vec![diff_id.clone()],
        },
        history: vec![History {
            created: Some(now),
            created_by: Some(format!("/bin/sh -c #(nop) ADD file:{} in /", diff_id.hex())),
            comment: Some(comment),
            ..History::default()
        }],
        ..ImageConfig::default()
    };
    let config = serde_json::to_vec(&config)?;
    let manifest = local_manifest(&config, &[(diff_id, size)])?;
    let names: Vec<String> = opts.name.iter().cloned().collect();
    let rec = store.add_image(new_image(&config, &manifest, &names)?)?;
    drop(lease);
    Ok(rec)
}
