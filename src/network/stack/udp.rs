//! UDP flows of the container: one connected host socket per (source, destination) pair.

use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::sys::epoll::EpollFlags;

use super::packet;
use super::{Io, Key};
use crate::sys::socket;

/// A flow with no traffic for this long is closed.
const IDLE: Duration = Duration::from_secs(60);
/// DNS answers come at once; their flows need not linger.
const IDLE_DNS: Duration = Duration::from_secs(10);
/// Datagrams taken from one host socket per wake-up.
const RECV_BATCH: usize = 64;

pub(super) struct Flow {
    pub key: Key,
    sock: OwnedFd,
    last_used: Instant,
    idle: Duration,
}

impl Flow {
    pub fn open(io: &Io, key: Key, target: SocketAddr, token: u64) -> std::io::Result<Flow> {
        let sock = socket::socket(socket::domain(&target), libc::SOCK_DGRAM, 0)?;
        socket::connect(sock.as_fd(), &target)?;
        io.poller
            .add(sock.as_fd(), EpollFlags::EPOLLIN | socket::EDGE, token)?;
        let idle = if target.port() == 53 { IDLE_DNS } else { IDLE };
        Ok(Flow {
            key,
            sock,
            last_used: io.now,
            idle,
        })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    pub fn send(&mut self, io: &mut Io, payload: &[u8]) {
        self.last_used = io.now;
        match socket::send(self.sock.as_fd(), payload) {
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(libc::ECONNREFUSED) => refuse(io, self.key),
            Err(e) => log::trace!("UDP datagram from the container dropped: {e}"),
        }
    }

    /// Passes the host's datagrams to the container. Always `false`: flows end by timeout.
    pub fn on_readable(&mut self, io: &mut Io) -> bool {
        let (guest, remote) = self.key;
        let at = packet::udp_payload_offset(remote.0);
        let max = io.mtu - at;
        for _ in 0..RECV_BATCH {
            // Read one byte more than fits: a datagram larger than the MTU is dropped, not cut.
            let end = (at + max + 1).min(io.out.len());
            match socket::read(self.sock.as_fd(), &mut io.out[at..end]) {
                Ok(n) if n > max => log::trace!("UDP datagram larger than the MTU dropped"),
                Ok(n) => {
                    self.last_used = io.now;
                    let len =
                        packet::build_udp(&mut io.out, remote.0, guest.0, remote.1, guest.1, n);
                    io.emit(len);
                }
                Err(e) if e.raw_os_error() == Some(libc::ECONNREFUSED) => refuse(io, self.key),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        false
    }

    pub fn expired(&self, now: Instant) -> bool {
        now.duration_since(self.last_used) > self.idle
    }
}

/// Tells the container nothing listens there (ICMP port unreachable).
pub(super) fn refuse(io: &mut Io, key: Key) {
    let len = packet::build_port_unreachable(&mut io.out, key.0, key.1);
    io.emit(len);
}
