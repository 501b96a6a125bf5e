//! `rpod info`: what this machine lets rpod do, probed rather than assumed.

use anyhow::Result;
use serde_json::{json, Value};

use super::Context;
use crate::host;
use crate::rootfs::probe;
use crate::userns::{IdMap, SubIds};

/// Display rpod related system information
#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// Output format: `json`, or a Go-template style string such as `{{.Host.Kernel}}`
    #[arg(short, long)]
    pub format: Option<String>,
}

pub fn run(ctx: &Context, args: &InfoArgs) -> Result<u8> {
    let info = gather(ctx)?;
    match args.format.as_deref() {
        Some("json") => println!("{}", serde_json::to_string_pretty(&info)?),
        Some(t) => println!("{}", crate::format::template::render(t, &info)?),
        None => print!("{}", crate::format::yaml::to_yaml(&info)),
    }
    Ok(0)
}

fn gather(ctx: &Context) -> Result<Value> {
    let paths = &ctx.paths;
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
    let driver = match ctx.config.storage.driver {
        crate::config::StorageDriver::Auto if overlay.works => "overlay",
        crate::config::StorageDriver::Auto if fuse => "fuse",
        crate::config::StorageDriver::Auto => "copy",
        crate::config::StorageDriver::Overlay => "overlay",
        crate::config::StorageDriver::Fuse => "fuse",
        crate::config::StorageDriver::Copy => "copy",
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
            "arch": crate::image::manifest::Platform::host_arch(),
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
            "configFile": ctx.config.source,
            "graphDriverName": driver,
        },
        "version": {
            "Version": env!("CARGO_PKG_VERSION"),
            "OsArch": format!("{}/{}", std::env::consts::OS, crate::image::manifest::Platform::host_arch()),
        },
    }))
}
