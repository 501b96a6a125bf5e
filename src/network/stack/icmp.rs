//! ICMP echo ("ping") of the container, relayed through unprivileged ping sockets.
//!
//! Ping sockets (`SOCK_DGRAM`, `IPPROTO_ICMP`) need the user's group in
//! `net.ipv4.ping_group_range`; without it echo requests are dropped, as
//! slirp4netns does. The kernel picks the echo identifier of a ping socket,
//! so replies get the container's identifier back before they are passed on.

use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::sys::epoll::EpollFlags;

use super::packet::{self, Ip};
use super::{Io, Key};
use crate::sys::socket;

const IDLE: Duration = Duration::from_secs(10);
const RECV_BATCH: usize = 16;

pub(super) struct Echo {
    pub id: u16,
}

/// An echo request (ICMP type 8, ICMPv6 type 128) and its identifier.
pub(super) fn parse_echo_request(ip: &Ip, msg: &[u8]) -> Option<Echo> {
    if msg.len() < 8 {
        return None;
    }
    let request = if ip.src.is_ipv6() { 128 } else { 8 };
    (msg[0] == request && msg[1] == 0).then(|| Echo {
        id: u16::from_be_bytes([msg[4], msg[5]]),
    })
}

fn reply_type(v6: bool) -> u8 {
    if v6 {
        129
    } else {
        0
    }
}

/// Answers an echo to the gateway or DNS address: those hosts are the stack itself.
pub(super) fn reply_locally(io: &mut Io, ip: &Ip, msg: &[u8]) {
    let at = packet::ip_header_len(ip.dst);
    if at + msg.len() > io.out.len() {
        return;
    }
    io.out[at..at + msg.len()].copy_from_slice(msg);
    io.out[at] = reply_type(ip.dst.is_ipv6());
    let len = packet::build_icmp(&mut io.out, ip.dst, ip.src, msg.len());
    io.emit(len);
}

pub(super) struct Flow {
    pub key: Key,
    sock: OwnedFd,
    last_used: Instant,
}

impl Flow {
    pub fn open(io: &Io, key: Key, token: u64) -> std::io::Result<Flow> {
        let (domain, proto) = match key.1 .0 {
            IpAddr::V4(_) => (libc::AF_INET, libc::IPPROTO_ICMP),
            IpAddr::V6(_) => (libc::AF_INET6, libc::IPPROTO_ICMPV6),
        };
        let sock = socket::socket(domain, libc::SOCK_DGRAM, proto)?;
        io.poller
            .add(sock.as_fd(), EpollFlags::EPOLLIN | socket::EDGE, token)?;
        Ok(Flow {
            key,
            sock,
            last_used: io.now,
        })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    pub fn send(&mut self, io: &mut Io, msg: &[u8]) {
        self.last_used = io.now;
        let to = SocketAddr::new(self.key.1 .0, 0);
        if let Err(e) = socket::send_to(self.sock.as_fd(), msg, &to) {
            log::trace!("echo request to {to} not sent: {e}");
        }
    }

    pub fn on_readable(&mut self, io: &mut Io) -> bool {
        let (guest, remote) = self.key;
        let at = packet::ip_header_len(remote.0);
        let max = io.mtu - at;
        for _ in 0..RECV_BATCH {
            match socket::read(self.sock.as_fd(), &mut io.out[at..at + max]) {
                Ok(n) if n >= 8 => {
                    self.last_used = io.now;
                    // The container's identifier, not the one the kernel chose.
                    io.out[at + 4..at + 6].copy_from_slice(&guest.1.to_be_bytes());
                    let len = packet::build_icmp(&mut io.out, remote.0, guest.0, n);
                    io.emit(len);
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        false
    }

    pub fn expired(&self, now: Instant) -> bool {
        now.duration_since(self.last_used) > IDLE
    }
}
