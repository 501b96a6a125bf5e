//! Container networking: modes, the namespace setup, the userspace stack and
//! published ports.
//!
//! The runtime uses [`ContainerNet`] in three steps:
//! 1. [`ContainerNet::prepare`] before anything starts: binds the published
//!    host ports, so a port in use fails the command (125) with nothing begun;
//! 2. [`ContainerNet::child_setup`] in the container's child, in its new user
//!    and network namespaces, before `execve`: configures the namespace and
//!    hands the device (and namespace fds) to the monitor over a socketpair;
//! 3. [`ContainerNet::start`] in the monitor once the child has exec'd: serves
//!    the stack and the published ports on background threads until the
//!    returned [`NetHandle`] is stopped or dropped.

pub mod files;
pub mod mode;
pub mod netlink;
pub mod netns;
pub mod portfwd;
pub mod stack;
#[cfg(test)]
mod testutil;
#[cfg(test)]
mod userns_tests;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::thread;

use nix::sched::CloneFlags;
use thiserror::Error;

pub use files::HostEntry;
pub use mode::{ModeError, NetworkMode, PrivateOptions};
pub use portfwd::{PortMapping, PortSpecError, PublishError};

use crate::sys::fdpass;
use crate::sys::socket::Stopper;
use netns::{NetnsConfig, NetnsError};
use portfwd::{Forwarder, Listener, NsSockets};
use stack::{Stack, StackConfig};

/// The container's address.
pub const GUEST_V4: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 100);
/// The gateway: the host, as the container sees it.
pub const GATEWAY_V4: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 2);
/// The DNS forwarder.
pub const DNS_V4: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 3);
pub const GUEST_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x100);
pub const GATEWAY_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2);
pub const DNS_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 3);
/// The largest MTU a TUN device takes; large packets make the stack fast.
pub const DEFAULT_MTU: u32 = 65520;

/// A transport protocol of a published port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
}

#[derive(Debug, Error)]
pub enum NetError {
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error(transparent)]
    Netns(#[from] NetnsError),
    #[error("{step}: {source}")]
    Io {
        step: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("the container's network device was not handed over (its setup failed or it exited)")]
    NoDevice,
}

fn io_err(step: &'static str) -> impl FnOnce(io::Error) -> NetError {
    move |source| NetError::Io { step, source }
}

/// The network of one container, from before it starts until it ends.
pub struct ContainerNet {
    mode: NetworkMode,
    netns: NetnsConfig,
    stack: StackConfig,
    listeners: Vec<Listener>,
    ports: Vec<PortMapping>,
    child_end: Option<OwnedFd>,
    parent_end: Option<OwnedFd>,
    /// With `container:NAME`: a pidfd of that container's init, whose user and
    /// network namespaces the new container joins.
    join: Option<OwnedFd>,
}

impl ContainerNet {
    /// Binds the host side of `ports` and readies the hand-over channel.
    /// `dns_servers` is `config.network.dns_servers`; empty means the host's
    /// `/etc/resolv.conf`.
    pub fn prepare(
        mode: NetworkMode,
        ports: &[PortMapping],
        dns_servers: &[String],
    ) -> Result<ContainerNet, NetError> {
        let opts = match &mode {
            NetworkMode::Private(o) => o.clone(),
            _ => PrivateOptions::default(),
        };
        let mut ports = ports.to_vec();
        match &mode {
            NetworkMode::Private(_) => {}
            // As podman does: the ports go, the container runs.
            _ if !ports.is_empty() => {
                log::warn!("Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use");
                ports.clear();
            }
            _ => {}
        }
        let (listeners, resolved) = portfwd::bind_all(&ports)?;
        let host_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
        let netns = NetnsConfig {
            mtu: opts.mtu,
            ipv6: opts.enable_ipv6,
            published: ports
                .iter()
                .map(|m| (m.proto, m.container_port, m.container_port + (m.range - 1)))
                .collect(),
        };
        let stack = StackConfig {
            mtu: opts.mtu,
            allow_host_loopback: opts.allow_host_loopback,
            dns: files::upstream_dns(dns_servers, &host_resolv),
        };
        let (child_end, parent_end) = if matches!(mode, NetworkMode::Private(_)) {
            let (a, b) = fdpass::seqpacket_pair()
                .map_err(io_err("creating the network hand-over socket"))?;
            (Some(a), Some(b))
        } else {
            (None, None)
        };
        Ok(ContainerNet {
            mode,
            netns,
            stack,
            listeners,
            ports: resolved,
            child_end,
            parent_end,
            join: None,
        })
    }

    /// For `container:NAME`: the running container to share the network with.
    pub fn set_join_target(&mut self, pidfd: OwnedFd) {
        self.join = Some(pidfd);
    }

    /// The pidfd whose namespaces the container joins, if any.
    pub fn join_target(&self) -> Option<&OwnedFd> {
        self.join.as_ref()
    }

    pub fn mode(&self) -> &NetworkMode {
        &self.mode
    }

    /// Namespaces to add to the container's clone: a new network namespace
    /// for `private` and `none`. `container:NAME` is joined by the runtime.
    pub fn clone_flags(&self) -> CloneFlags {
        if self.mode.new_namespace() {
            CloneFlags::CLONE_NEWNET
        } else {
            CloneFlags::empty()
        }
    }

    /// The published ports as bound (random host ports resolved), one per
    /// port, for `rpod port`, `ps` and `inspect`.
    pub fn ports(&self) -> &[PortMapping] {
        &self.ports
    }

    /// In the container's child, as root of its user namespace and inside
    /// its new network namespace, before `execve`: `lo` up, and for the
    /// private network the device, addresses and routes; the device and the
    /// namespace fds go to the monitor. Everything opened is close-on-exec.
    pub fn child_setup(&self) -> Result<(), NetError> {
        match &self.mode {
            NetworkMode::None => Ok(netns::loopback_up()?),
            NetworkMode::Private(_) => {
                let tun = netns::configure(&self.netns)?;
                let user = std::fs::File::open("/proc/self/ns/user")
                    .map_err(io_err("opening the container's user namespace"))?;
                let net = std::fs::File::open("/proc/self/ns/net")
                    .map_err(io_err("opening the container's network namespace"))?;
                let chan = self.child_end.as_ref().ok_or(NetError::NoDevice)?;
                fdpass::send_fds(
                    chan.as_fd(),
                    b"n",
                    &[tun.as_raw_fd(), user.as_raw_fd(), net.as_raw_fd()],
                )
                .map_err(io_err("handing the network device to the monitor"))
            }
            NetworkMode::Host | NetworkMode::Container(_) => Ok(()),
        }
    }

    /// In the monitor, after the child exec'd: receives the device and runs
    /// the stack and the port forwarders on their own threads.
    pub fn start(mut self) -> Result<NetHandle, NetError> {
        let mut handle = NetHandle::default();
        // Our copy of the child's end must go, or a child that died before
        // sending would leave the receive below waiting forever.
        drop(self.child_end.take());
        let Some(chan) = self.parent_end.take() else {
            return Ok(handle);
        };
        let mut byte = [0u8; 1];
        let (n, fds) = fdpass::recv_fds(chan.as_fd(), &mut byte)
            .map_err(io_err("receiving the container's network device"))?;
        let mut fds = fds.into_iter();
        let (Some(tun), Some(userns), Some(netns)) = (fds.next(), fds.next(), fds.next()) else {
            return Err(NetError::NoDevice);
        };
        if n == 0 {
            return Err(NetError::NoDevice);
        }
        let stop = Stopper::new().map_err(io_err("creating the network stop event"))?;
        let stack = Stack::new(
            self.stack.clone(),
            tun,
            stop.try_clone()
                .map_err(io_err("creating the network stop event"))?,
        )
        .map_err(io_err("starting the network stack"))?;
        handle.spawn("rpod-net", stop, move || stack.run())?;
        if !self.listeners.is_empty() {
            let userns = (!same_namespace(&userns, "/proc/self/ns/user")).then_some(&userns);
            let ns = NsSockets::spawn(userns, &netns).map_err(io_err(
                "starting the port forwarder in the container's network namespace",
            ))?;
            let stop = Stopper::new().map_err(io_err("creating the network stop event"))?;
            let fwd = Forwarder::new(
                std::mem::take(&mut self.listeners),
                ns,
                stop.try_clone()
                    .map_err(io_err("creating the network stop event"))?,
            )
            .map_err(io_err("starting the port forwarder"))?;
            handle.spawn("rpod-ports", stop, move || fwd.run())?;
        }
        Ok(handle)
    }
}

/// Whether `fd` is the namespace at `path` (same device and inode).
fn same_namespace(fd: &OwnedFd, path: &str) -> bool {
    match (
        nix::sys::stat::fstat(fd.as_fd()),
        nix::sys::stat::stat(path),
    ) {
        (Ok(a), Ok(b)) => a.st_dev == b.st_dev && a.st_ino == b.st_ino,
        _ => false,
    }
}

/// The monitor's running network; stopping it (or dropping it) ends its threads.
#[derive(Default)]
pub struct NetHandle {
    stops: Vec<Stopper>,
    threads: Vec<thread::JoinHandle<io::Result<()>>>,
}

impl NetHandle {
    fn spawn(
        &mut self,
        name: &str,
        stop: Stopper,
        f: impl FnOnce() -> io::Result<()> + Send + 'static,
    ) -> Result<(), NetError> {
        let t = thread::Builder::new()
            .name(name.into())
            .spawn(f)
            .map_err(io_err("starting a network thread"))?;
        self.stops.push(stop);
        self.threads.push(t);
        Ok(())
    }

    /// Stops the threads and reports the first error any of them hit.
    pub fn stop(mut self) -> io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> io::Result<()> {
        for s in &self.stops {
            s.stop();
        }
        let mut result = Ok(());
        for t in self.threads.drain(..) {
            match t.join() {
                Ok(Err(e)) if result.is_ok() => result = Err(e),
                Err(_) if result.is_ok() => {
                    result = Err(io::Error::other("a network thread panicked"))
                }
                _ => {}
            }
        }
        result
    }
}

impl Drop for NetHandle {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// Addresses the container sees for itself and the host, for `inspect`.
pub fn container_ip(mode: &NetworkMode) -> Option<IpAddr> {
    matches!(mode, NetworkMode::Private(_)).then_some(IpAddr::V4(GUEST_V4))
}
