//! The one way a container's command starts: from a spec and a root filesystem to a
//! running process whose network is served. In order: the network (host ports bound
//! first, or the namespaces of the container it joins), the bundle files in the run
//! dir (`/etc/hosts`, `/etc/resolv.conf`, `config.json`), the container's own cgroup,
//! [`runtime::start`], and the userspace network stack. [`launch`] is the only
//! caller of [`runtime::start`]: the monitor's first start and every restart of a
//! recorded container go through [`start`], and a build's `RUN` step describes its
//! throw-away container with a [`Launch`] of its own.
//!
//! Waiting for the command is the caller's (the monitor's); [`Served::stop`] undoes
//! what [`launch`] set up once the command has exited.

use std::fs;
use std::net::IpAddr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::DirBuilderExt;

use anyhow::{Context, Result};
use oci_spec::runtime::Spec;

use super::record::{Record, RootfsSource};
use super::store::ContainerStore;
use crate::base::atomic;
use crate::cgroup::detect;
use crate::cgroup::Cgroup;
use crate::network::{files, ContainerNet, HostEntry, NetHandle, NetworkMode, PortMapping};
use crate::rootfs::Rootfs;
use crate::runtime::bundle::Bundle;
use crate::runtime::{self, Started, Stdio};
use crate::sys::proc;
use crate::userns::IdMap;

/// Everything one start of a container's command needs.
pub struct Launch<'a> {
    /// The container's id: names its cgroup, and a container never joins itself.
    pub id: &'a str,
    pub spec: &'a Spec,
    pub rootfs: Rootfs,
    pub bundle: &'a Bundle,
    pub network: NetworkMode,
    /// Host ports to publish (only a private network keeps them).
    pub ports: Vec<PortMapping>,
    /// `--dns` servers the userspace stack forwards to.
    pub dns_servers: &'a [String],
    pub hostname: String,
    /// What `/etc/hosts` and `/etc/resolv.conf` say, unless the network is joined.
    pub etc: EtcInput<'a>,
    /// Where the owner of a `container:NAME` network is looked up; without it such
    /// a network is refused.
    pub containers: Option<&'a ContainerStore>,
    /// Whether the command gets a cgroup of its own under the user's delegated
    /// subtree (where there is one).
    pub own_cgroup: bool,
    pub stdio: Stdio,
    /// The command's standard output goes to `/dev/null` (`build -q`), not to ours.
    pub discard_stdout: bool,
}

/// The container's side of `/etc/hosts` and `/etc/resolv.conf`.
#[derive(Debug, Clone, Copy, Default)]
pub struct EtcInput<'a> {
    /// The name `/etc/hosts` gives the container besides its hostname.
    pub name: &'a str,
    /// `--add-host HOST:IP`.
    pub add_host: &'a [String],
    /// `--dns`, `--dns-search`, `--dns-option`.
    pub dns: &'a [String],
    pub dns_search: &'a [String],
    pub dns_option: &'a [String],
}

/// A container's command running, its network served.
pub struct Running {
    pub started: Started,
    pub served: Served,
    /// The published ports as bound, podman's `ps` way.
    pub ports: Vec<String>,
}

/// What [`launch`] set up around the command and the command's end undoes.
pub struct Served {
    net: NetHandle,
    cgroup: Option<Cgroup>,
}

impl Served {
    /// The command's own cgroup directory as the state records it (empty: none).
    pub fn cgroup_dir(&self) -> String {
        self.cgroup
            .as_ref()
            .map(|c| c.dir().display().to_string())
            .unwrap_or_default()
    }

    /// Once the command has exited: stops serving its network and removes its
    /// cgroup. Failures are logged: the command is over either way.
    pub fn stop(self) {
        if let Err(e) = self.net.stop() {
            log::warn!("the container's network: {e}");
        }
        if let Some(cg) = self.cgroup {
            if let Err(e) = cg.remove() {
                log::warn!("{e}");
            }
        }
    }
}

/// Container `id`'s own cgroup, made ready (controllers, limits) under the user's
/// delegated subtree; `None` where there is none. A failure to make it is an error
/// only when the container asks for limits: without, it runs as it would on a host
/// without delegation.
fn cgroup(id: &str, spec: &Spec) -> Result<Option<Cgroup>> {
    let Some((_, parent)) = detect::delegation(nix::unistd::getuid().as_raw()) else {
        return Ok(None);
    };
    let res = spec.linux().as_ref().and_then(|l| l.resources().as_ref());
    match Cgroup::create(&parent, id, res) {
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
fn etc_files(
    etc: &EtcInput<'_>,
    network: &NetworkMode,
    hostname: &str,
) -> Result<(String, String)> {
    let private = matches!(network, NetworkMode::Private(_));
    let host_hosts = fs::read_to_string("/etc/hosts").unwrap_or_default();
    let host_resolv = fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let add_hosts = etc
        .add_host
        .iter()
        .map(|h| HostEntry::parse(h).with_context(|| format!("--add-host {h}")))
        .collect::<Result<Vec<_>>>()?;
    let dns = etc
        .dns
        .iter()
        .map(|d| d.parse::<IpAddr>().with_context(|| format!("--dns {d}")))
        .collect::<Result<Vec<_>>>()?;
    let hosts = files::hosts(&files::HostsInput {
        hostname,
        name: etc.name,
        add_hosts: &add_hosts,
        private,
        host_file: matches!(network, NetworkMode::Host).then_some(host_hosts.as_str()),
    });
    let resolv = files::resolv_conf(&dns, etc.dns_search, etc.dns_option, private, &host_resolv);
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

/// Starts recorded container `record`'s command: the launch its record describes,
/// in its own bundle dir, with a cgroup of its own. See [`launch`].
pub fn start(
    store: &ContainerStore,
    record: &Record,
    spec: &Spec,
    stdio: Stdio,
    map: &IdMap,
) -> Result<Running> {
    let network = network_mode(record)?;
    let ports = published_ports(record)?;
    let bundle = bundle(store, &record.id)?;
    let hostname = spec
        .hostname()
        .clone()
        .unwrap_or_else(|| record.hostname.clone());
    launch(
        Launch {
            id: &record.id,
            spec,
            rootfs: rootfs(store, record),
            bundle: &bundle,
            network,
            ports,
            dns_servers: &record.dns_servers,
            hostname,
            etc: EtcInput {
                name: &record.name,
                add_host: &record.add_host,
                dns: &record.dns,
                dns_search: &record.dns_search,
                dns_option: &record.dns_option,
            },
            containers: Some(store),
            own_cgroup: true,
            stdio,
            discard_stdout: false,
        },
        map,
    )
}

/// Binds the published ports, writes the bundle files, starts the command and
/// serves its network; returns once it has exec'd, or with the setup error (exit
/// code 126/127 kept; a host port in use is 125, before anything starts). The
/// relayed signals must already be blocked (by the monitor).
pub fn launch(l: Launch<'_>, map: &IdMap) -> Result<Running> {
    let mut net = ContainerNet::prepare(l.network.clone(), &l.ports, l.dns_servers)?;
    let joined = match &l.network {
        NetworkMode::Container(name) => {
            let store = l.containers.ok_or_else(|| {
                anyhow::anyhow!("--network container:{name}: no containers to join here")
            })?;
            let (pidfd, target_id) = join_target(store, name, l.id)?;
            net.set_join_target(pidfd);
            Some(store.run_dir(&target_id))
        }
        _ => None,
    };
    if let Rootfs::Overlay { .. } = l.rootfs {
        let mount_point = l.bundle.rootfs_path();
        fs::create_dir_all(&mount_point)
            .with_context(|| format!("creating {}", mount_point.display()))?;
    }
    let (hosts, resolv) = match &joined {
        // One network, one view of it: the files of the container that owns it.
        Some(dir) => (
            fs::read_to_string(dir.join("hosts")).unwrap_or_default(),
            fs::read_to_string(dir.join("resolv.conf")).unwrap_or_default(),
        ),
        None => etc_files(&l.etc, &l.network, &l.hostname)?,
    };
    l.bundle.write_etc(&l.hostname, &hosts, &resolv)?;
    // The bundle an OCI runtime would read; the container dir keeps the original.
    if let Ok(data) = serde_json::to_vec_pretty(l.spec) {
        if let Err(e) = atomic::write_unsynced(&l.bundle.config_path(), &data) {
            log::debug!("writing {}: {e}", l.bundle.config_path().display());
        }
    }
    let cgroup = if l.own_cgroup {
        cgroup(l.id, l.spec)?
    } else {
        None
    };
    let started = match cgroup.as_ref().map(Cgroup::open).transpose() {
        Ok(fd) => start_process(&l, map, &net, fd.as_ref().map(|f| f.as_fd())),
        Err(e) => Err(e.into()),
    };
    let started = match started {
        Ok(s) => s,
        Err(e) => {
            remove_cgroup(cgroup);
            return Err(e);
        }
    };
    let ports = port_strings(net.ports());
    match net.start() {
        Ok(net) => Ok(Running {
            started,
            served: Served { net, cgroup },
            ports,
        }),
        Err(e) => {
            // A network that cannot be served takes the command down with it.
            let _ = proc::send_signal(&started.child.pidfd, libc::SIGKILL);
            if let Err(e) = started.child.wait() {
                log::warn!("reaping the container's command: {e}");
            }
            remove_cgroup(cgroup);
            Err(anyhow::Error::from(e).context("starting the container's network"))
        }
    }
}

/// [`runtime::start`], with standard output pointed at `/dev/null` for the moment
/// of the clone when the launch discards it (the child inherits fd 1 then; no
/// other thread runs yet).
fn start_process(
    l: &Launch<'_>,
    map: &IdMap,
    net: &ContainerNet,
    cgroup: Option<BorrowedFd<'_>>,
) -> Result<Started> {
    let saved = if l.discard_stdout {
        let saved = nix::unistd::dup(std::io::stdout()).context("saving standard output")?;
        let null = fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .context("opening /dev/null")?;
        nix::unistd::dup2_stdout(&null).context("silencing the container's output")?;
        Some(saved)
    } else {
        None
    };
    let started = runtime::start(l.spec, &l.rootfs, l.stdio, map, Some(net), cgroup);
    if let Some(saved) = saved {
        nix::unistd::dup2_stdout(&saved).context("restoring standard output")?;
    }
    started
}

fn remove_cgroup(cgroup: Option<Cgroup>) {
    if let Some(cg) = cgroup {
        if let Err(e) = cg.remove() {
            log::debug!("{e}");
        }
    }
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
