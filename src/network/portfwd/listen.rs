//! Binding the host side of published ports, before the container starts.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::{AsFd, OwnedFd};

use thiserror::Error;

use super::spec::PortMapping;
use crate::network::Proto;
use crate::sys::socket as sys;

#[derive(Debug, Error)]
pub enum PublishError {
    #[error("cannot publish {proto} port {addr}: the address is already in use; choose another host port")]
    InUse { proto: Proto, addr: SocketAddr },
    #[error("cannot publish {proto} port {addr}: ports below {start} are privileged (net.ipv4.ip_unprivileged_port_start={start}); use a host port of {start} or more")]
    Privileged {
        proto: Proto,
        addr: SocketAddr,
        start: u16,
    },
    #[error("cannot publish {proto} port {addr}: the address is not one of this host's")]
    NotAvailable { proto: Proto, addr: SocketAddr },
    #[error("cannot publish {proto} port {addr}: {source}")]
    Other {
        proto: Proto,
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
}

/// A bound host socket of one published port.
pub struct Listener {
    pub fd: OwnedFd,
    pub proto: Proto,
    pub host: SocketAddr,
    pub container_port: u16,
}

/// Binds every port of `mappings` (TCP listening, UDP bound). Nothing is kept
/// on failure. A host port 0 gets a random free port; the returned mappings
/// name each port as bound, one per port.
pub fn bind_all(
    mappings: &[PortMapping],
) -> Result<(Vec<Listener>, Vec<PortMapping>), PublishError> {
    let mut listeners = Vec::new();
    let mut resolved = Vec::new();
    for m in mappings {
        let ip = m.host_ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        for (host_port, container_port) in m.ports() {
            let addr = SocketAddr::new(ip, host_port);
            let fd = bind_one(m.proto, &addr)?;
            let bound = sys::local_addr(fd.as_fd()).ok().flatten().unwrap_or(addr);
            resolved.push(PortMapping {
                host_ip: m.host_ip,
                host_port: bound.port(),
                container_port,
                range: 1,
                proto: m.proto,
            });
            listeners.push(Listener {
                fd,
                proto: m.proto,
                host: bound,
                container_port,
            });
        }
    }
    Ok((listeners, resolved))
}

fn bind_one(proto: Proto, addr: &SocketAddr) -> Result<OwnedFd, PublishError> {
    let ty = match proto {
        Proto::Tcp => libc::SOCK_STREAM,
        Proto::Udp => libc::SOCK_DGRAM,
    };
    let wrap = |source: io::Error| classify(proto, *addr, source);
    let fd = sys::socket(sys::domain(addr), ty, 0).map_err(wrap)?;
    if proto == Proto::Tcp {
        sys::setsockopt_int(fd.as_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR, 1).map_err(wrap)?;
    }
    if addr.is_ipv6() {
        // `[::]` means IPv6 only, as `0.0.0.0` means IPv4 only.
        let _ = sys::setsockopt_int(fd.as_fd(), libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, 1);
    }
    sys::bind(fd.as_fd(), addr).map_err(wrap)?;
    if proto == Proto::Tcp {
        sys::listen(fd.as_fd(), 1024).map_err(wrap)?;
    }
    Ok(fd)
}

fn classify(proto: Proto, addr: SocketAddr, source: io::Error) -> PublishError {
    match source.raw_os_error() {
        Some(libc::EADDRINUSE) => PublishError::InUse { proto, addr },
        Some(libc::EACCES) => {
            let start = unprivileged_port_start();
            if addr.port() < start {
                PublishError::Privileged { proto, addr, start }
            } else {
                PublishError::Other {
                    proto,
                    addr,
                    source,
                }
            }
        }
        Some(libc::EADDRNOTAVAIL) => PublishError::NotAvailable { proto, addr },
        _ => PublishError::Other {
            proto,
            addr,
            source,
        },
    }
}

fn unprivileged_port_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_in_use_is_reported_and_nothing_stays_bound() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let free_port = free.local_addr().unwrap().port();
        drop(free);
        let maps = PortMapping::parse_all(&[
            format!("127.0.0.1:{free_port}:81"),
            format!("127.0.0.1:{port}:80"),
        ])
        .unwrap();
        let err = bind_all(&maps).err().unwrap();
        assert!(matches!(err, PublishError::InUse { .. }), "{err}");
        assert!(err.to_string().contains("already in use"), "{err}");
        // The first port was released with the failure.
        std::net::TcpListener::bind(("127.0.0.1", free_port)).unwrap();
    }

    #[test]
    fn random_ports_are_resolved() {
        let maps = PortMapping::parse_all(&["127.0.0.1::80-81/udp"]).unwrap();
        let (l, resolved) = bind_all(&maps).unwrap();
        assert_eq!(l.len(), 2);
        assert!(resolved.iter().all(|m| m.host_port != 0 && m.range == 1));
        assert_eq!(resolved[1].container_port, 81);
        assert_eq!(l[0].host.port(), resolved[0].host_port);
    }

    #[test]
    fn privileged_port_error_names_the_sysctl() {
        let e = classify(
            Proto::Tcp,
            "0.0.0.0:80".parse().unwrap(),
            io::Error::from_raw_os_error(libc::EACCES),
        );
        assert!(e.to_string().contains("ip_unprivileged_port_start"), "{e}");
    }
}
