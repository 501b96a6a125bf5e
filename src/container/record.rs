//! A container's record (`container.json`): what it is and everything needed to start
//! it again, written once when it is created.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::logs::LogConfig;
use super::restart::RestartPolicy;
use crate::base::timestamp::Timestamp;

/// The image a container was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    /// The image's name as the user chose it, normalised (`docker.io/library/x:latest`);
    /// the id when it was given by id and has no name.
    pub name: String,
    /// The image id (hex, no `sha256:`).
    pub id: String,
}

/// Where the root filesystem comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RootfsSource {
    /// `--rootfs DIR`, used as it is.
    Dir(PathBuf),
    /// The image's layer directories, base first, under the container's own
    /// `upper`/`work`.
    Layers(Vec<PathBuf>),
}

/// A host path bound into the container, for `inspect` and `ps`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bind {
    pub source: String,
    pub destination: String,
    pub readonly: bool,
    /// `rbind` or `bind`.
    pub recursive: bool,
}

/// The record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// 64 hex digits.
    pub id: String,
    pub name: String,
    /// RFC 3339 with nanoseconds.
    pub created: String,
    #[serde(default)]
    pub image: Option<ImageRef>,
    pub rootfs: RootfsSource,
    /// The process's argv (entrypoint and command), as the spec has it.
    pub command: Vec<String>,
    /// The leading part of `command` that is the entrypoint.
    #[serde(default)]
    pub entrypoint: Vec<String>,
    /// The command line that created it (`rpod run …`).
    #[serde(default)]
    pub create_command: Vec<String>,
    #[serde(default)]
    pub hostname: String,
    /// The `--network` mode in a form it parses back from (`slirp4netns:…`, `none`,
    /// `host`, `container:NAME`), parsed again at each start.
    #[serde(default)]
    pub network: String,
    /// `-p` as given; the host side is bound at each start.
    #[serde(default)]
    pub publish: Vec<String>,
    /// `-P`: also publish `exposed`, the image's exposed ports.
    #[serde(default)]
    pub publish_all: bool,
    #[serde(default)]
    pub exposed: Vec<String>,
    /// `--dns`, `--dns-search`, `--dns-option`, `--add-host` (as `NAMES:IP`).
    #[serde(default)]
    pub dns: Vec<String>,
    #[serde(default)]
    pub dns_search: Vec<String>,
    #[serde(default)]
    pub dns_option: Vec<String>,
    #[serde(default)]
    pub add_host: Vec<String>,
    /// Upstream resolvers for the private network's DNS forwarder (`dns_servers`
    /// of rpod.toml when the container was created; empty: the host's).
    #[serde(default)]
    pub dns_servers: Vec<String>,
    #[serde(default)]
    pub interactive: bool,
    #[serde(default)]
    pub tty: bool,
    #[serde(default)]
    pub restart: RestartPolicy,
    #[serde(default)]
    pub log: LogConfig,
    /// `--rm`.
    #[serde(default)]
    pub auto_remove: bool,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `-v`/`--mount type=bind`.
    #[serde(default)]
    pub binds: Vec<Bind>,
    /// `--cap-add` / `--cap-drop`, as `CAP_X` or `ALL`.
    #[serde(default)]
    pub cap_add: Vec<String>,
    #[serde(default)]
    pub cap_drop: Vec<String>,
    /// Signal `stop` sends first (the image's StopSignal, or `--stop-signal`).
    #[serde(default = "default_stop_signal")]
    pub stop_signal: i32,
    /// Seconds `stop` waits before SIGKILL.
    #[serde(default = "default_stop_timeout")]
    pub stop_timeout: u32,
    /// `--sdnotify`: who tells systemd the container is ready.
    #[serde(default)]
    pub sdnotify: super::notify::SdNotify,
}

fn default_stop_signal() -> i32 {
    libc::SIGTERM
}

/// podman's default `--stop-timeout`.
pub const DEFAULT_STOP_TIMEOUT: u32 = 10;

fn default_stop_timeout() -> u32 {
    DEFAULT_STOP_TIMEOUT
}

impl Record {
    /// The first 12 hex digits, as listings show ids.
    pub fn short_id(&self) -> &str {
        &self.id[..self.id.len().min(12)]
    }

    pub fn created_at(&self) -> Timestamp {
        Timestamp::parse(&self.created).unwrap_or_default()
    }

    /// The image name listings show (empty for `--rootfs`).
    pub fn image_name(&self) -> &str {
        self.image.as_ref().map(|i| i.name.as_str()).unwrap_or("")
    }

    pub fn image_id(&self) -> &str {
        self.image.as_ref().map(|i| i.id.as_str()).unwrap_or("")
    }

    /// A record with every setting at its default, as an old record file
    /// without them reads: what tests build theirs on.
    #[cfg(test)]
    pub(crate) fn minimal(id: &str, name: &str, rootfs: RootfsSource) -> Record {
        Record {
            id: id.to_string(),
            name: name.to_string(),
            created: String::new(),
            image: None,
            rootfs,
            command: vec![],
            entrypoint: vec![],
            create_command: vec![],
            hostname: String::new(),
            network: String::new(),
            publish: vec![],
            publish_all: false,
            exposed: vec![],
            dns: vec![],
            dns_search: vec![],
            dns_option: vec![],
            add_host: vec![],
            dns_servers: vec![],
            interactive: false,
            tty: false,
            restart: Default::default(),
            log: Default::default(),
            auto_remove: false,
            labels: Default::default(),
            binds: vec![],
            cap_add: vec![],
            cap_drop: vec![],
            stop_signal: default_stop_signal(),
            stop_timeout: DEFAULT_STOP_TIMEOUT,
            sdnotify: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_records_get_defaults() {
        let json = r#"{"id":"ab","name":"n","created":"2024-01-02T03:04:05Z",
            "rootfs":{"dir":"/r"},"command":["sh"]}"#;
        let r: Record = serde_json::from_str(json).unwrap();
        assert_eq!(r.stop_signal, 15);
        assert_eq!(r.stop_timeout, 10);
        assert_eq!(r.restart, RestartPolicy::No);
        assert_eq!(r.rootfs, RootfsSource::Dir("/r".into()));
        assert_eq!(r.image_name(), "");
        assert_eq!(r.created_at().secs, 1704164645);
    }
}
