//! podman's `ImageData`, the `inspect` document of a local image, built from its
//! record, config and manifest.

use serde::Serialize;
use serde_json::{Map, Value};
use thiserror::Error;

use super::oci_config::{History, ImageConfig, RuntimeConfig};
use crate::store::images::ImageRecord;
use crate::store::{names, StoreError, View};

#[derive(Debug, Error)]
pub enum InspectError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("image {id} has an unreadable config: {message}")]
    Config { id: String, message: String },
}

/// podman's `ImageData` (field order as podman prints it).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageData {
    pub id: String,
    pub digest: String,
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    pub parent: String,
    pub comment: String,
    pub created: String,
    pub config: RuntimeConfig,
    pub version: String,
    pub author: String,
    pub architecture: String,
    pub os: String,
    pub size: u64,
    pub virtual_size: u64,
    pub graph_driver: GraphDriver,
    #[serde(rename = "RootFS")]
    pub root_fs: RootFs,
    pub labels: Option<Map<String, Value>>,
    pub annotations: Map<String, Value>,
    pub manifest_type: String,
    pub user: String,
    pub history: Vec<History>,
    pub names_history: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GraphDriver {
    pub name: String,
    pub data: Map<String, Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RootFs {
    #[serde(rename = "Type")]
    pub kind: String,
    pub layers: Vec<String>,
}

/// Everything podman shows about one image.
pub fn image_data(view: &View<'_>, rec: &ImageRecord) -> Result<ImageData, InspectError> {
    let raw = view.config(&rec.id)?;
    let config = ImageConfig::parse(&raw).map_err(|e| InspectError::Config {
        id: rec.id.short().to_string(),
        message: e.to_string(),
    })?;
    let manifest: Value = view
        .manifest(rec)?
        .and_then(|m| serde_json::from_slice(&m).ok())
        .unwrap_or(Value::Null);
    let mut data = Map::new();
    let dirs: Vec<String> = rec
        .layers
        .iter()
        .rev()
        .map(|d| view.layer_path(d).display().to_string())
        .collect();
    if let Some((upper, lower)) = dirs.split_first() {
        if !lower.is_empty() {
            data.insert("LowerDir".into(), Value::String(lower.join(":")));
        }
        data.insert("UpperDir".into(), Value::String(upper.clone()));
    }
    let labels = config.labels();
    let string = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    Ok(ImageData {
        id: rec.id.hex().to_string(),
        digest: rec.digest().map(|d| d.to_string()).unwrap_or_default(),
        // podman: names by digest are RepoDigests, not tags.
        repo_tags: rec
            .names
            .iter()
            .filter(|n| names::tag(n).is_some())
            .cloned()
            .collect(),
        repo_digests: rec.repo_digests(),
        parent: String::new(),
        comment: config.comment(),
        created: config.created.clone().unwrap_or_else(|| rec.added.clone()),
        config: config.runtime_config().map_err(|e| InspectError::Config {
            id: rec.id.short().to_string(),
            message: format!("its runtime config: {e}"),
        })?,
        version: string(config.extra.get("docker_version")),
        author: config.author.clone().unwrap_or_default(),
        architecture: config.architecture.clone(),
        os: config.os.clone(),
        size: rec.size,
        virtual_size: rec.size,
        graph_driver: GraphDriver {
            name: "overlay".into(),
            data,
        },
        root_fs: RootFs {
            kind: if config.rootfs.kind.is_empty() {
                "layers".into()
            } else {
                config.rootfs.kind.clone()
            },
            layers: rec.layers.iter().map(|d| d.to_string()).collect(),
        },
        labels: (!labels.is_empty()).then_some(labels),
        annotations: manifest
            .get("annotations")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        manifest_type: rec.manifest_media_type.clone(),
        user: string(config.runtime("User")),
        history: config.history.clone(),
        names_history: rec.names_history.clone(),
    })
}
