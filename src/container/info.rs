//! What rpod is and what this machine lets it do (`rpod version`, `rpod info`): probed
//! rather than assumed.

use anyhow::Result;
use serde_json::{json, Value};

use crate::base::paths::Paths;
use crate::config::{Config, StorageDriver};
use crate::host;
use crate::image::manifest::Platform;
use crate::rootfs::probe;
use crate::userns::{IdMap, SubIds};

/// The version block (`rpod version`), from what the build recorded.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionInfo {
    pub version: &'static str,
    pub rust_version: &'static str,
    pub git_commit: &'static str,
    pub os_arch: String,
}

pub fn version() -> VersionInfo {
    VersionInfo {
        version: env!("CARGO_PKG_VERSION"),
        rust_version: option_env!("RPOD_RUSTC_VERSION").unwrap_or("unknown"),
        git_commit: option_env!("RPOD_GIT_COMMIT").unwrap_or("unknown"),
        os_arch: format!("{}/{}", std::env::consts::OS, Platform::host_arch()),
    }
}

/// The `info` document: the host, its id maps and helpers, the store.
pub fn system(paths: &Paths, config: &Config) -> Result<Value> {
    paths.ensure_runroot()?;
    let subids = SubIds::for_current_user();
    let map = IdMap::for_current_user();
    let overlay = if paths.rootless {
        probe::overlay(paths, &map)?
    } else {
        probe::OverlayProbe {
            works: true,
            whiteouts: true,
            opaque: true,
            reason: "running as root: kernel overlay without a user namespace".into(),
        }
    };
    let fuse = host::device_usable("/dev/fuse".as_ref());
    let tun = host::device_usable("/dev/net/tun".as_ref());
    let driver = match config.storage.driver {
        StorageDriver::Auto if overlay.works => "overlay",
        StorageDriver::Auto if fuse => "fuse",
        StorageDriver::Auto => "copy",
        StorageDriver::Overlay => "overlay",
        StorageDriver::Fuse => "fuse",
        StorageDriver::Copy => "copy",
    };
    let helper = |h: &Option<crate::userns::map::Helper>| match h {
        Some(h) => json!({"path": h.path, "setuid": h.setuid}),
        None => json!({"path": "", "setuid": false}),
    };
    let ranges = |r: &[crate::userns::subid::SubRange]| {
        r.iter()
            .map(|x| json!({"start": x.start, "count": x.count}))
            .collect::<Vec<_>>()
    };
    let idmap = |r: &[crate::userns::IdRange]| {
        r.iter()
            .map(|x| json!({"container_id": x.container, "host_id": x.host, "size": x.size}))
            .collect::<Vec<_>>()
    };
    Ok(json!({
        "host": {
            "arch": Platform::host_arch(),
            "os": std::env::consts::OS,
            "kernel": host::kernel_release(),
            "rootless": paths.rootless,
            "uid": paths.uid,
            "gid": paths.gid,
            "subordinateIds": {
                "user": subids.user,
                "uids": ranges(&subids.uids),
                "gids": ranges(&subids.gids),
                "problem": subids.problem().unwrap_or_default(),
            },
            "idMappings": {"uidmap": idmap(&map.uids), "gidmap": idmap(&map.gids)},
            "newuidmap": helper(&subids.newuidmap),
            "newgidmap": helper(&subids.newgidmap),
            "overlay": overlay,
            "fuse": {"device": "/dev/fuse", "available": fuse},
            "tun": {"device": "/dev/net/tun", "available": tun},
            "cgroups": crate::cgroup::detect::info(paths.uid),
        },
        "store": {
            "graphRoot": paths.root,
            "runRoot": paths.runroot,
            "configDir": paths.config_dir,
            "configFile": config.source,
            "graphDriverName": driver,
        },
        "version": {
            "Version": env!("CARGO_PKG_VERSION"),
            "OsArch": format!("{}/{}", std::env::consts::OS, Platform::host_arch()),
        },
    }))
}
