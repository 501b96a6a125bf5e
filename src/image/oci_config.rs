//! The image config (OCI image-spec `config.json`, Docker's is a superset), the one
//! model of it: what `inspect`, `history` and `images` show, what `import`, `commit`
//! and `build` write, and the runtime defaults a container or a RUN step starts with.
//!
//! Fields rpod does not interpret are kept (`extra`, and `config` as raw JSON),
//! so a config read and written again loses nothing a user could see.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::base::digest::Digest;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The runtime defaults (`Env`, `Cmd`, `Labels`, …), kept as written.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub config: Value,
    pub rootfs: RootFs,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<History>,
    /// Docker's extras (`container_config`, `docker_version`, `comment`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootFs {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub diff_ids: Vec<Digest>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

/// The runtime part of a config in the field order of the OCI spec (and of
/// podman's `inspect`); fields it does not name follow in their own order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuntimeConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_ports: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl RuntimeConfig {
    /// The keys of `Volumes` (the image's VOLUMEs), in key order.
    pub fn volume_paths(&self) -> Vec<String> {
        map_keys(self.volumes.as_ref())
    }

    /// The keys of `ExposedPorts` (`80/tcp`, …), in key order.
    pub fn exposed_port_keys(&self) -> Vec<String> {
        map_keys(self.exposed_ports.as_ref())
    }

    /// `Labels` whose values are strings (the spec allows no others).
    pub fn string_labels(&self) -> impl Iterator<Item = (&String, &str)> {
        self.labels
            .iter()
            .flatten()
            .filter_map(|(k, v)| v.as_str().map(|v| (k, v)))
    }
}

fn map_keys(map: Option<&Map<String, Value>>) -> Vec<String> {
    map.map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

impl ImageConfig {
    /// The runtime config, typed (empty when absent); an error when it is there
    /// but not of the spec's shape.
    pub fn runtime_config(&self) -> serde_json::Result<RuntimeConfig> {
        if self.config.is_null() {
            return Ok(RuntimeConfig::default());
        }
        serde_json::from_value(self.config.clone())
    }

    pub fn parse(data: &[u8]) -> serde_json::Result<ImageConfig> {
        serde_json::from_slice(data)
    }

    /// A field of the runtime config (`User`, `Labels`, …), if set.
    pub fn runtime(&self, field: &str) -> Option<&Value> {
        self.config.get(field).filter(|v| !v.is_null())
    }

    /// The image's labels (empty when none).
    pub fn labels(&self) -> Map<String, Value> {
        match self.runtime("Labels") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        }
    }

    /// The comment podman shows: Docker's top-level one, else the newest history entry's.
    pub fn comment(&self) -> String {
        if let Some(Value::String(c)) = self.extra.get("comment") {
            return c.clone();
        }
        self.history
            .last()
            .and_then(|h| h.comment.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_config_keeps_unknown_fields() {
        let text = r#"{"architecture":"amd64","config":{"Cmd":["sh"],"Labels":{"a":"b"}},
            "container_config":{"Cmd":["x"]},"created":"2024-01-01T00:00:00Z",
            "docker_version":"20.10","history":[{"created_by":"ADD x","empty_layer":false},
            {"created_by":"CMD","empty_layer":true,"comment":"c"}],"os":"linux",
            "rootfs":{"type":"layers","diff_ids":[]}}"#;
        let c = ImageConfig::parse(text.as_bytes()).unwrap();
        assert_eq!(c.labels().get("a"), Some(&Value::String("b".into())));
        assert!(c.extra.contains_key("container_config"));
        assert!(c.history[1].empty_layer);
        assert_eq!(c.comment(), "c");
        let again: Value = serde_json::to_value(&c).unwrap();
        assert_eq!(again["docker_version"], "20.10");
        assert_eq!(again["history"][0].get("empty_layer"), None);
    }

    #[test]
    fn runtime_config_is_typed_or_an_error() {
        let parse = |t: &str| ImageConfig::parse(t.as_bytes()).unwrap();
        let c = parse(r#"{"rootfs":{"type":"layers","diff_ids":[]}}"#);
        assert_eq!(c.runtime_config().unwrap(), RuntimeConfig::default());
        let c = parse(
            r#"{"config":{"Volumes":{"/b":{},"/a":{}},"ExposedPorts":{"80/tcp":{}},
            "Labels":{"k":"v","n":1}},"rootfs":{"type":"layers","diff_ids":[]}}"#,
        );
        let r = c.runtime_config().unwrap();
        assert_eq!(r.volume_paths(), ["/a", "/b"]);
        assert_eq!(r.exposed_port_keys(), ["80/tcp"]);
        assert_eq!(
            r.string_labels().collect::<Vec<_>>(),
            [(&"k".to_string(), "v")]
        );
        let bad = parse(r#"{"config":{"Env":"A=1"},"rootfs":{"type":"layers","diff_ids":[]}}"#);
        assert!(bad.runtime_config().is_err());
    }
}
