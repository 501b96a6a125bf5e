//! Starting a recorded container's command: the bundle files in the runtime dir, the
//! root filesystem from the record, then the runtime. Shared by the foreground
//! `run`/`start -a` (which are their container's monitor) and the detached monitor.

use std::fs;
use std::os::unix::fs::DirBuilderExt;

use anyhow::{Context, Result};
use oci_spec::runtime::Spec;

use super::record::{Record, RootfsSource};
use super::store::ContainerStore;
use crate::runtime::bundle::Bundle;
use crate::runtime::spec::NetworkMode;
use crate::runtime::{self, Rootfs, Started, Stdio};
use crate::store::atomic;
use crate::userns::IdMap;

/// The network mode a record names.
pub fn network_mode(record: &Record) -> NetworkMode {
    match record.network.as_str() {
        "host" => NetworkMode::Host,
        _ => NetworkMode::None,
    }
}

/// The root filesystem of a recorded container.
pub fn rootfs(store: &ContainerStore, record: &Record) -> Rootfs {
    match &record.rootfs {
        RootfsSource::Dir(dir) => Rootfs::Dir(dir.clone()),
        RootfsSource::Layers(lowers) => {
            let (upper, work) = store.layer_dirs(&record.id);
            Rootfs::Overlay {
                lowers: lowers.clone(),
                upper,
                work,
            }
        }
    }
}

/// The container's bundle dir, created if needed (it persists across restarts).
pub fn bundle(store: &ContainerStore, id: &str) -> Result<Bundle> {
    let dir = store.run_dir(id);
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .with_context(|| format!("creating container directory {}", dir.display()))?;
    Ok(Bundle {
        id: id.to_string(),
        dir,
    })
}

/// Writes the bundle files and starts the command; returns once it has exec'd, or
/// with the setup error (exit code 126/127 kept). The relayed signals must already
/// be blocked (see [`crate::runtime::monitor::Signals`]).
pub fn start(
    store: &ContainerStore,
    record: &Record,
    spec: &Spec,
    stdio: Stdio,
    map: &IdMap,
) -> Result<Started> {
    let bundle = bundle(store, &record.id)?;
    let rootfs = rootfs(store, record);
    if let Rootfs::Overlay { .. } = rootfs {
        let mount_point = bundle.rootfs_path();
        fs::create_dir_all(&mount_point)
            .with_context(|| format!("creating {}", mount_point.display()))?;
    }
    let hostname = spec
        .hostname()
        .clone()
        .unwrap_or_else(|| record.hostname.clone());
    bundle.write_etc(&hostname, Some(&record.name), network_mode(record))?;
    // The bundle an OCI runtime would read; the container dir keeps the original.
    if let Ok(data) = serde_json::to_vec_pretty(spec) {
        let _ = atomic::write_unsynced(&bundle.config_path(), &data);
    }
    runtime::start(spec, &rootfs, stdio, map)
}
