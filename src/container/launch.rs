//! Starting a recorded container's command: the network (host ports bound first), the
//! bundle files in the runtime dir, the root filesystem from the record, then the
//! runtime. Shared by the foreground `run`/`start -a` (which are their container's
//! monitor) and the detached monitor.

use std::fs;
use std::net::IpAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::DirBuilderExt;

use anyhow::{Context, Result};
use oci_spec::runtime::Spec;

use super::record::{Record, RootfsSource};
use super::store::ContainerStore;
use crate::base::atomic;
use crate::cgroup::detect;
use crate::cgroup::Cgroup;
use crate::network::{files, ContainerNet, HostEntry, NetworkMode, PortMapping};
use crate::runtime::bundle::Bundle;
use crate::runtime::{self, Rootfs, Started, Stdio};
use crate::userns::IdMap;

/// A started command and its network, to be served by the monitor from now on
/// ([`ContainerNet::start`]), and the cgroup it runs in.
pub struct Launched {
    pub started: Started,
    pub net: ContainerNet,
    /// Its own cgroup, where the user has a delegated v2 subtree.
    pub cgroup: Option<Cgroup>,
}

/// Container `record`'s own cgroup, made ready (controllers, limits) under the
/// user's delegated subtree; `None` where there is none. A failure to make it is
/// an error only when the container asks for limits: without, it runs as it would
/// on a host without delegation.
pub fn cgroup(record: &Record, spec: &Spec) -> Result<Option<Cgroup>> {
    let Some((_, parent)) = detect::delegation(nix::unistd::getuid().as_raw()) else {
        return Ok(None);
    };
    let res = spec.linux().as_ref().and_then(|l| l.resources().as_ref());
    match Cgroup::create(&parent, &record.id, res) {
        Ok((cg, ignored)) => {
            for (flag, controller) in ignored {
                log::debug!(
                    "{flag} ignored: no {controller} controller in {}",
                    parent.display()
                );
            }
            Ok(Some(cg))
        }
        Err(e) if res.is_none() => {
            log::debug!("running without a cgroup of its own: {e}");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The network mode a record names.
pub fn network_mode(record: &Record) -> Result<NetworkMode> {
    NetworkMode::parse(&record.network)
        .with_context(|| format!("the network of container {}", record.name))
}

/// `-p`, plus the image's exposed ports with `-P`.
pub fn published_ports(record: &Record) -> Result<Vec<PortMapping>> {
    let explicit = PortMapping::parse_all(&record.publish)?;
    if !record.publish_all {
        return Ok(explicit);
    }
    Ok(PortMapping::publish_all(&record.exposed, &explicit)?)
}

/// Ports as bound, podman's `ps` way: `0.0.0.0:8080->80/tcp`.
pub fn port_strings(ports: &[PortMapping]) -> Vec<String> {
    let mut out = Vec::new();
    for m in ports {
        let ip = match m.host_ip {
            Some(IpAddr::V6(a)) => format!("[{a}]"),
            Some(a) => a.to_string(),
            None => "0.0.0.0".into(),
        };
        for (host, ctr) in m.ports() {
            out.push(format!("{ip}:{host}->{ctr}/{}", m.proto));
        }
    }
    out
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

/// The container's `/etc/hosts` and `/etc/resolv.conf`, as podman writes them.
fn etc_files(record: &Record, network: &NetworkMode, hostname: &str) -> Result<(String, String)> {
    let private = matches!(network, NetworkMode::Private(_));
    let host_hosts = fs::read_to_string("/etc/hosts").unwrap_or_default();
    let host_resolv = fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let add_hosts = record
        .add_host
        .iter()
        .map(|h| HostEntry::parse(h).with_context(|| format!("--add-host {h}")))
        .collect::<Result<Vec<_>>>()?;
    let dns = record
        .dns
        .iter()
        .map(|d| d.parse::<IpAddr>().with_context(|| format!("--dns {d}")))
        .collect::<Result<Vec<_>>>()?;
    let hosts = files::hosts(&files::HostsInput {
        hostname,
        name: &record.name,
        add_hosts: &add_hosts,
        private,
        host_file: matches!(network, NetworkMode::Host).then_some(host_hosts.as_str()),
    });
    let resolv = files::resolv_conf(
        &dns,
        &record.dns_search,
        &record.dns_option,
        private,
        &host_resolv,
    );
    Ok((hosts, resolv))
}

/// The running container whose network `--network container:NAME` joins: a pidfd
/// of its init (checked against its start time) and its id.
fn join_target(store: &ContainerStore, name: &str, own_id: &str) -> Result<(OwnedFd, String)> {
    let target = store
        .get(name)
        .with_context(|| format!("--network container:{name}"))?;
    if target.record.id == own_id {
        anyhow::bail!("--network container:{name}: a container cannot join its own network");
    }
    let pidfd = target
        .state
        .pid
        .open()
        .filter(|_| target.state.status == crate::container::state::Status::Running)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--network container:{name}: the container is not running: start it first"
            )
        })?;
    Ok((pidfd, target.record.id))
}

/// Binds the published ports, writes the bundle files and starts the command;
/// returns once it has exec'd, or with the setup error (exit code 126/127 kept; a
/// host port in use is 125, before anything starts). The relayed signals must
/// already be blocked (see [`crate::runtime::monitor::Signals`]).
pub fn start(
    store: &ContainerStore,
    record: &Record,
    spec: &Spec,
    stdio: Stdio,
    map: &IdMap,
) -> Result<Launched> {
    let mode = network_mode(record)?;
    let ports = published_ports(record)?;
    let mut net = ContainerNet::prepare(mode.clone(), &ports, &record.dns_servers)?;
    let joined = match &mode {
        NetworkMode::Container(name) => {
            let (pidfd, target_id) = join_target(store, name, &record.id)?;
            net.set_join_target(pidfd);
            Some(target_id)
        }
        _ => None,
    };
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
    let (hosts, resolv) = match &joined {
        // One network, one view of it: the files of the container that owns it.
        Some(target) => {
            let dir = store.run_dir(target);
            (
                fs::read_to_string(dir.join("hosts")).unwrap_or_default(),
                fs::read_to_string(dir.join("resolv.conf")).unwrap_or_default(),
            )
        }
        None => etc_files(record, &mode, &hostname)?,
    };
    bundle.write_etc(&hostname, &hosts, &resolv)?;
    // The bundle an OCI runtime would read; the container dir keeps the original.
    if let Ok(data) = serde_json::to_vec_pretty(spec) {
        let _ = atomic::write_unsynced(&bundle.config_path(), &data);
    }
    let cgroup = cgroup(record, spec)?;
    let started = match cgroup.as_ref().map(Cgroup::open).transpose() {
        Ok(fd) => runtime::start(
            spec,
            &rootfs,
            stdio,
            map,
            Some(&net),
            fd.as_ref().map(|f| f.as_fd()),
        ),
        Err(e) => Err(e.into()),
    };
    let started = match started {
        Ok(s) => s,
        Err(e) => {
            if let Some(cg) = &cgroup {
                let _ = cg.remove();
            }
            return Err(e);
        }
    };
    Ok(Launched {
        started,
        net,
        cgroup,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_shown_as_podman() {
        let m = PortMapping::parse_all(&["127.0.0.1:8080-8081:80-81/udp", "9000:90"]).unwrap();
        assert_eq!(
            port_strings(&m),
            [
                "127.0.0.1:8080->80/udp",
                "127.0.0.1:8081->81/udp",
                "0.0.0.0:9000->90/tcp"
            ]
        );
    }
}
