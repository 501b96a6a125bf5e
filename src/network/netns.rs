//! Configuring a fresh network namespace from inside it, as the namespace's root.
//!
//! The device is a TUN (layer 3, `IFF_NO_PI`), named `tap0` as slirp4netns names
//! its device. A TUN carries bare IP packets: the stack in the monitor has no
//! Ethernet header to parse or build and no ARP/NDP to answer, and the kernel
//! marks the link `NOARP` so IPv6 addresses skip duplicate detection.
//!
//! Every packet on the device starts with a `virtio_net_hdr` (`IFF_VNET_HDR`)
//! and the device offers checksum offload: the container's kernel leaves TCP
//! and UDP checksums unfinished (the stack trusts the link and never checks
//! them), and the stack marks its TCP segments the same way, so that neither
//! side sums every payload byte of a bulk transfer.

use std::io;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use netlink_packet_route::IpProtocol;
use thiserror::Error;

use super::netlink::{link_index, Netlink, NetlinkError};
use super::{Proto, GATEWAY_V4, GATEWAY_V6, GUEST_V4, GUEST_V6};

/// The name of the container's interface.
pub const DEVICE: &str = "tap0";
/// Length of the `virtio_net_hdr` in front of every packet on the device.
pub const VNET_HDR_LEN: usize = 10;

/// The routing table that delivers replies to published-port clients locally.
pub const LOCAL_TABLE: u32 = 100;
/// Priority of the per-port rules that select [`LOCAL_TABLE`].
const RULE_PRIORITY: u32 = 100;

#[derive(Debug, Error)]
pub enum NetnsError {
    #[error("cannot open /dev/net/tun: {0}; the kernel needs the tun module (modprobe tun)")]
    OpenTun(#[source] io::Error),
    #[error("cannot create the {DEVICE} device: {0}")]
    CreateTun(#[source] io::Error),
    #[error("cannot find link {name}: {source}")]
    Link {
        name: String,
        #[source]
        source: io::Error,
    },
    #[error("configuring the container's network: {0}")]
    Netlink(#[from] NetlinkError),
}

/// What the container's namespace gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetnsConfig {
    pub mtu: u32,
    pub ipv6: bool,
    /// Published container ports: their replies to clients with impersonated
    /// addresses must stay in the namespace (see `portfwd`).
    pub published: Vec<(Proto, u16, u16)>,
}

impl Default for NetnsConfig {
    fn default() -> Self {
        NetnsConfig {
            mtu: super::DEFAULT_MTU,
            ipv6: true,
            published: Vec::new(),
        }
    }
}

/// Brings `lo` up; all that `--network none` needs.
pub fn loopback_up() -> Result<(), NetnsError> {
    let mut nl = Netlink::open()?;
    nl.link_up(1, None);
    Ok(nl.commit()?)
}

/// Creates and configures the TUN device in the current network namespace and
/// returns its fd, which the monitor will serve. Call it as the namespace's
/// root, before `execve` (the fd is close-on-exec).
pub fn configure(cfg: &NetnsConfig) -> Result<OwnedFd, NetnsError> {
    let tun = open_tun(DEVICE)?;
    let index = link_index(DEVICE).map_err(|source| NetnsError::Link {
        name: DEVICE.into(),
        source,
    })?;
    let ipv6 = cfg.ipv6 && ipv6_enabled();
    let mut nl = Netlink::open()?;
    nl.link_up(1, None);
    nl.link_up(index, Some(cfg.mtu));
    nl.add_address(index, IpAddr::V4(GUEST_V4), 24);
    nl.add_default_route(index, IpAddr::V4(GATEWAY_V4));
    if ipv6 {
        nl.add_address(index, IpAddr::V6(GUEST_V6), 64);
        nl.add_default_route(index, IpAddr::V6(GATEWAY_V6));
    }
    if !cfg.published.is_empty() {
        // Replies from a published port to an impersonated client address go
        // back over `lo` to the forwarder's socket, not out through the tun.
        nl.add_local_default_route(1, IpAddr::V4(GUEST_V4), LOCAL_TABLE);
        if ipv6 {
            nl.add_local_default_route(1, IpAddr::V6(GUEST_V6), LOCAL_TABLE);
        }
        for &(proto, first, last) in &cfg.published {
            let p = match proto {
                Proto::Tcp => IpProtocol::Tcp,
                Proto::Udp => IpProtocol::Udp,
            };
            // No source address in the rule: a UDP server answering from a
            // wildcard socket is routed before its source is chosen.
            nl.add_port_rule(false, p, (first, last), LOCAL_TABLE, RULE_PRIORITY);
            if ipv6 {
                nl.add_port_rule(true, p, (first, last), LOCAL_TABLE, RULE_PRIORITY);
            }
        }
    }
    nl.commit()?;
    Ok(tun)
}

/// IPv6 may be disabled at boot (`ipv6.disable=1`) or by sysctl.
fn ipv6_enabled() -> bool {
    match std::fs::read_to_string("/proc/sys/net/ipv6/conf/default/disable_ipv6") {
        Ok(v) => v.trim() == "0",
        Err(_) => false,
    }
}

fn open_tun(name: &str) -> Result<OwnedFd, NetnsError> {
    // SAFETY: open(2) of a constant path; checked below.
    let fd = unsafe {
        libc::open(
            c"/dev/net/tun".as_ptr(),
            libc::O_RDWR | libc::O_CLOEXEC | libc::O_NONBLOCK,
        )
    };
    if fd < 0 {
        return Err(NetnsError::OpenTun(io::Error::last_os_error()));
    }
    // SAFETY: fd was just opened and belongs to nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: ifreq is plain data; zero is a valid value for every field.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes()) {
        *dst = src as libc::c_char;
    }
    req.ifr_ifru.ifru_flags =
        (libc::IFF_TUN | libc::IFF_NO_PI | libc::IFF_VNET_HDR) as libc::c_short;
    // SAFETY: TUNSETIFF reads and writes an ifreq, which req is.
    let ret = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TUNSETIFF, &mut req) };
    if ret < 0 {
        return Err(NetnsError::CreateTun(io::Error::last_os_error()));
    }
    // A persistent device is not unregistered when its last fd closes, which
    // would cost the monitor ~20 ms of RCU waits at the container's exit; it
    // goes with the namespace instead, in the kernel's own cleanup work.
    // SAFETY: TUNSETPERSIST takes its flag by value.
    let ret = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TUNSETPERSIST, 1 as libc::c_ulong) };
    if ret < 0 {
        log::debug!(
            "cannot make {name} persistent: {}",
            io::Error::last_os_error()
        );
    }
    // SAFETY: TUNSETOFFLOAD takes its flags by value.
    let ret = unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            libc::TUNSETOFFLOAD,
            libc::c_ulong::from(libc::TUN_F_CSUM),
        )
    };
    if ret < 0 {
        // Without it the container's kernel sums its own packets: slower, still right.
        log::debug!(
            "no checksum offload on {name}: {}",
            io::Error::last_os_error()
        );
    }
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The device's flags as the kernel reports them.
    fn tun_flags(fd: &OwnedFd) -> libc::c_int {
        // SAFETY: ifreq is plain data; zero is a valid value for every field.
        let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
        // SAFETY: TUNGETIFF writes an ifreq, which req is.
        let ret = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TUNGETIFF, &mut req) };
        assert_eq!(ret, 0, "TUNGETIFF: {}", io::Error::last_os_error());
        // SAFETY: TUNGETIFF set the flags member.
        libc::c_int::from(unsafe { req.ifr_ifru.ifru_flags })
    }

    #[test]
    fn device_is_persistent_with_virtio_headers() {
        std::thread::spawn(|| {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
                .expect("unshare(CLONE_NEWNET): these tests must run as root");
            let tun = configure(&NetnsConfig::default()).unwrap();
            let flags = tun_flags(&tun);
            assert_eq!(flags & libc::IFF_VNET_HDR, libc::IFF_VNET_HDR, "{flags:#x}");
            // Not persistent, closing the fd would unregister the device at once,
            // waiting out RCU grace periods (~20 ms) on the monitor's exit path.
            assert_eq!(flags & libc::IFF_PERSIST, libc::IFF_PERSIST, "{flags:#x}");
            let start = std::time::Instant::now();
            drop(tun);
            eprintln!("closing the device took {:?}", start.elapsed());
        })
        .join()
        .unwrap();
    }
}
