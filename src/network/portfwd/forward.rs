//! The forwarding loop: accepts on the host, connects inside the namespace,
//! and copies with `splice(2)` through pipes, so the bytes never enter
//! userspace.
//!
//! The socket inside the namespace is bound to the client's own address
//! (`IP_TRANSPARENT`), so the container sees who connected. Its replies to
//! that foreign address stay in the namespace thanks to the per-port rules
//! that `netns::configure` installs (`from 10.0.2.100 sport PORT lookup 100`,
//! table 100 routing everything locally). A client on the host's loopback
//! cannot be shown as 127.0.0.1 in the namespace (that is the container's own
//! loopback), so it appears as the gateway, `10.0.2.2` — "the host", as for
//! `host.containers.internal`.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::sys::epoll::{EpollEvent, EpollFlags};

use super::listen::Listener;
use super::nssock::{NsSocket, NsSockets};
use crate::network::{Proto, GATEWAY_V4, GATEWAY_V6, GUEST_V4, GUEST_V6};
use crate::sys::socket::{self, Poller, Stopper};

const KIND_LISTENER: u64 = 0;
const KIND_CLIENT: u64 = 1;
const KIND_INNER: u64 = 2;
const KIND_UDP: u64 = 3;
const TOKEN_STOP: u64 = u64::MAX;
/// Bytes one pipe holds: the most one splice moves.
const PIPE_SIZE: usize = 1 << 20;
/// Splice calls per direction before other connections get a turn.
const PUMP_ROUNDS: usize = 32;
const UDP_IDLE: Duration = Duration::from_secs(60);
const MAX_UDP_FLOWS: usize = 4096;
const ACCEPT_BATCH: usize = 64;

fn token(id: u64, kind: u64) -> u64 {
    (id << 2) | kind
}

/// One direction of a connection: source socket → pipe → destination socket.
struct Dir {
    pipe_r: OwnedFd,
    pipe_w: OwnedFd,
    in_pipe: usize,
    eof: bool,
    shut: bool,
}

enum Pump {
    /// Waiting for the kernel (would block) or finished.
    Idle,
    /// Gave up its turn with work left.
    More,
}

impl Dir {
    fn new() -> io::Result<Dir> {
        let (r, w) =
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC | nix::fcntl::OFlag::O_NONBLOCK)?;
        // A larger pipe moves more per call; the default 64 KiB also works.
        // SAFETY: fcntl on a pipe we own.
        unsafe { libc::fcntl(w.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_SIZE as libc::c_int) };
        Ok(Dir {
            pipe_r: r,
            pipe_w: w,
            in_pipe: 0,
            eof: false,
            shut: false,
        })
    }

    fn pump(&mut self, src: BorrowedFd<'_>, dst: BorrowedFd<'_>) -> io::Result<Pump> {
        for _ in 0..PUMP_ROUNDS {
            if self.in_pipe > 0 {
                match splice(self.pipe_r.as_fd(), dst, self.in_pipe) {
                    Ok(n) => self.in_pipe -= n,
                    Err(e) if socket::would_block(&e) => return Ok(Pump::Idle),
                    Err(e) => return Err(e),
                }
                continue;
            }
            if self.eof {
                if !self.shut {
                    let _ = socket::shutdown_write(dst);
                    self.shut = true;
                }
                return Ok(Pump::Idle);
            }
            match splice(src, self.pipe_w.as_fd(), PIPE_SIZE) {
                Ok(0) => self.eof = true,
                Ok(n) => self.in_pipe += n,
                Err(e) if socket::would_block(&e) => return Ok(Pump::Idle),
                Err(e) => return Err(e),
            }
        }
        Ok(Pump::More)
    }

    fn done(&self) -> bool {
        self.shut && self.in_pipe == 0
    }
}

fn splice(from: BorrowedFd<'_>, to: BorrowedFd<'_>, len: usize) -> io::Result<usize> {
    // SAFETY: splice between two descriptors we hold, no offsets.
    let n = unsafe {
        libc::splice(
            from.as_raw_fd(),
            std::ptr::null_mut(),
            to.as_raw_fd(),
            std::ptr::null_mut(),
            len,
            libc::SPLICE_F_MOVE | libc::SPLICE_F_NONBLOCK,
        )
    };
    if n < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Err(io::Error::from(io::ErrorKind::WouldBlock));
        }
        Err(e)
    } else {
        Ok(n as usize)
    }
}

struct Pair {
    client: OwnedFd,
    client_addr: SocketAddr,
    inner: OwnedFd,
    target: SocketAddr,
    /// Set once the connection inside the namespace is up.
    dirs: Option<(Dir, Dir)>,
    /// A transparent connect failed; the next try is plain.
    plain: bool,
}

struct UdpFlow {
    listener: usize,
    client: SocketAddr,
    inner: OwnedFd,
    last_used: Instant,
}

pub struct Forwarder {
    poller: Poller,
    listeners: Vec<Listener>,
    ns: NsSockets,
    pairs: HashMap<u64, Pair>,
    udp: HashMap<u64, UdpFlow>,
    udp_by_client: HashMap<(usize, SocketAddr), u64>,
    again: Vec<u64>,
    next_id: u64,
    /// Held so its eventfd stays registered until the loop ends.
    _stop: Stopper,
}

impl Forwarder {
    pub fn new(listeners: Vec<Listener>, ns: NsSockets, stop: Stopper) -> io::Result<Forwarder> {
        let poller = Poller::new()?;
        for (i, l) in listeners.iter().enumerate() {
            poller.add(
                l.fd.as_fd(),
                EpollFlags::EPOLLIN | socket::EDGE,
                token(i as u64, KIND_LISTENER),
            )?;
        }
        poller.add(stop.fd(), EpollFlags::EPOLLIN, TOKEN_STOP)?;
        Ok(Forwarder {
            poller,
            next_id: listeners.len() as u64,
            listeners,
            ns,
            pairs: HashMap::new(),
            udp: HashMap::new(),
            udp_by_client: HashMap::new(),
            again: Vec::new(),
            _stop: stop,
        })
    }

    pub fn run(mut self) -> io::Result<()> {
        let mut events = vec![EpollEvent::empty(); 256];
        let mut next_sweep = Instant::now() + Duration::from_secs(1);
        loop {
            // Idle UDP flows are the only timers: without any, sleep until an event.
            let timeout = if !self.again.is_empty() {
                Some(Duration::ZERO)
            } else if self.udp.is_empty() {
                None
            } else {
                Some(next_sweep.saturating_duration_since(Instant::now()))
            };
            let n = self.poller.wait(&mut events, timeout)?;
            for ev in &events[..n] {
                let t = ev.data();
                if t == TOKEN_STOP {
                    return Ok(());
                }
                let (id, kind) = (t >> 2, t & 3);
                match kind {
                    KIND_LISTENER => self.on_listener(id as usize),
                    KIND_CLIENT | KIND_INNER => self.on_pair(id, kind, ev.events()),
                    _ => self.on_udp_reply(id),
                }
            }
            for id in std::mem::take(&mut self.again) {
                self.on_pair(id, KIND_CLIENT, EpollFlags::empty());
            }
            let now = Instant::now();
            if now >= next_sweep {
                self.sweep_udp(now);
                next_sweep = now + Duration::from_secs(1);
            }
        }
    }

    fn on_listener(&mut self, index: usize) {
        match self.listeners[index].proto {
            Proto::Tcp => self.accept(index),
            Proto::Udp => self.on_udp_request(index),
        }
    }

    fn target(&self, index: usize) -> SocketAddr {
        let l = &self.listeners[index];
        let ip = if l.host.is_ipv6() {
            IpAddr::V6(GUEST_V6)
        } else {
            IpAddr::V4(GUEST_V4)
        };
        SocketAddr::new(ip, l.container_port)
    }

    fn accept(&mut self, index: usize) {
        for _ in 0..ACCEPT_BATCH {
            let (client, addr) = match socket::accept(self.listeners[index].fd.as_fd()) {
                Ok((c, Some(a))) => (c, a),
                Ok((_, None)) => continue,
                Err(e) if socket::would_block(&e) => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // EMFILE and the like: leave the rest queued for later.
                    log::warn!("cannot accept on {}: {e}", self.listeners[index].host);
                    return;
                }
            };
            let target = self.target(index);
            let inner = match self.connect_inner(target, addr, false) {
                Ok(s) => s,
                Err(e) => {
                    log::warn!("cannot reach port {} of the container: {e}", target.port());
                    let _ = socket::set_linger_zero(client.as_fd());
                    continue;
                }
            };
            let id = self.next_id;
            self.next_id += 1;
            let pair = Pair {
                client,
                client_addr: addr,
                inner,
                target,
                dirs: None,
                plain: false,
            };
            let flags =
                EpollFlags::EPOLLIN | EpollFlags::EPOLLOUT | EpollFlags::EPOLLRDHUP | socket::EDGE;
            if self
                .poller
                .add(pair.inner.as_fd(), flags, token(id, KIND_INNER))
                .is_err()
                || self
                    .poller
                    .add(pair.client.as_fd(), flags, token(id, KIND_CLIENT))
                    .is_err()
            {
                continue;
            }
            self.pairs.insert(id, pair);
        }
    }

    /// A socket in the namespace, bound to the client's address when it can
    /// be, with its connect to `target` started.
    fn connect_inner(
        &mut self,
        target: SocketAddr,
        client: SocketAddr,
        plain: bool,
    ) -> io::Result<OwnedFd> {
        let v6 = target.is_ipv6();
        let NsSocket { fd, transparent } = self.ns.tcp(v6)?;
        if transparent && !plain {
            if let Some(src) = impersonate(client, v6) {
                if let Err(e) = socket::bind(fd.as_fd(), &src) {
                    log::debug!("cannot bind to the client address {src} in the container: {e}; the container sees its own address");
                    return self.connect_inner(target, client, true);
                }
            }
        }
        socket::connect(fd.as_fd(), &target)?;
        Ok(fd)
    }

    fn on_pair(&mut self, id: u64, kind: u64, ev: EpollFlags) {
        let Some(pair) = self.pairs.get_mut(&id) else {
            return;
        };
        if pair.dirs.is_none() {
            if kind != KIND_INNER {
                return;
            }
            if !ev.intersects(EpollFlags::EPOLLOUT | EpollFlags::EPOLLERR | EpollFlags::EPOLLHUP) {
                return;
            }
            if let Err(e) = socket::take_error(pair.inner.as_fd()) {
                if !pair.plain && e.raw_os_error() != Some(libc::ECONNREFUSED) {
                    log::debug!(
                        "connecting as {} failed ({e}); trying without the client's address",
                        pair.client_addr
                    );
                    self.retry_plain(id);
                } else {
                    log::debug!("port {} of the container refused: {e}", pair.target.port());
                    self.close(id, true);
                }
                return;
            }
            match Dir::new().and_then(|a| Ok((a, Dir::new()?))) {
                Ok(d) => pair.dirs = Some(d),
                Err(e) => {
                    log::warn!("cannot create pipes for a forwarded connection: {e}");
                    self.close(id, true);
                    return;
                }
            }
        }
        let Some((up, down)) = pair.dirs.as_mut() else {
            return;
        };
        let r1 = up.pump(pair.client.as_fd(), pair.inner.as_fd());
        let r2 = down.pump(pair.inner.as_fd(), pair.client.as_fd());
        match (r1, r2) {
            (Ok(a), Ok(b)) => {
                if up.done() && down.done() {
                    self.close(id, false);
                } else if matches!(a, Pump::More) || matches!(b, Pump::More) {
                    self.again.push(id);
                }
            }
            (Err(e), _) | (_, Err(e)) => {
                log::debug!("forwarded connection from {} ended: {e}", pair.client_addr);
                self.close(id, true);
            }
        }
    }

    fn retry_plain(&mut self, id: u64) {
        let Some(pair) = self.pairs.get(&id) else {
            return;
        };
        let (target, client) = (pair.target, pair.client_addr);
        match self.connect_inner(target, client, true) {
            Ok(fd) => {
                let Some(pair) = self.pairs.get_mut(&id) else {
                    return;
                };
                self.poller.delete(pair.inner.as_fd());
                pair.inner = fd;
                pair.plain = true;
                let flags = EpollFlags::EPOLLIN
                    | EpollFlags::EPOLLOUT
                    | EpollFlags::EPOLLRDHUP
                    | socket::EDGE;
                if self
                    .poller
                    .add(pair.inner.as_fd(), flags, token(id, KIND_INNER))
                    .is_err()
                {
                    self.close(id, true);
                }
            }
            Err(_) => self.close(id, true),
        }
    }

    fn close(&mut self, id: u64, abort: bool) {
        if let Some(pair) = self.pairs.remove(&id) {
            self.poller.delete(pair.client.as_fd());
            self.poller.delete(pair.inner.as_fd());
            if abort {
                let _ = socket::set_linger_zero(pair.client.as_fd());
                let _ = socket::set_linger_zero(pair.inner.as_fd());
            }
        }
    }

    fn on_udp_request(&mut self, index: usize) {
        let mut buf = vec![0u8; 65536];
        for _ in 0..ACCEPT_BATCH {
            let (n, from) = match socket::recv_from(self.listeners[index].fd.as_fd(), &mut buf) {
                Ok((n, Some(from))) => (n, from),
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return,
            };
            let id = match self.udp_by_client.get(&(index, from)) {
                Some(&id) => id,
                None => match self.open_udp(index, from) {
                    Some(id) => id,
                    None => continue,
                },
            };
            if let Some(flow) = self.udp.get_mut(&id) {
                flow.last_used = Instant::now();
                if let Err(e) = socket::send(flow.inner.as_fd(), &buf[..n]) {
                    log::trace!("UDP datagram to the container dropped: {e}");
                }
            }
        }
    }

    fn open_udp(&mut self, index: usize, client: SocketAddr) -> Option<u64> {
        if self.udp.len() >= MAX_UDP_FLOWS {
            log::debug!("too many UDP flows; datagram from {client} dropped");
            return None;
        }
        let target = self.target(index);
        let v6 = target.is_ipv6();
        let NsSocket { fd, transparent } = self.ns.udp(v6).ok()?;
        if transparent {
            if let Some(src) = impersonate(client, v6) {
                if let Err(e) = socket::bind(fd.as_fd(), &src) {
                    log::debug!("cannot bind to the client address {src} in the container: {e}");
                }
            }
        }
        socket::connect(fd.as_fd(), &target).ok()?;
        let id = self.next_id;
        self.next_id += 1;
        self.poller
            .add(
                fd.as_fd(),
                EpollFlags::EPOLLIN | socket::EDGE,
                token(id, KIND_UDP),
            )
            .ok()?;
        self.udp.insert(
            id,
            UdpFlow {
                listener: index,
                client,
                inner: fd,
                last_used: Instant::now(),
            },
        );
        self.udp_by_client.insert((index, client), id);
        Some(id)
    }

    fn on_udp_reply(&mut self, id: u64) {
        let Some(flow) = self.udp.get_mut(&id) else {
            return;
        };
        let mut buf = vec![0u8; 65536];
        for _ in 0..ACCEPT_BATCH {
            match socket::read(flow.inner.as_fd(), &mut buf) {
                Ok(n) => {
                    flow.last_used = Instant::now();
                    let host = self.listeners[flow.listener].fd.as_fd();
                    let _ = socket::send_to(host, &buf[..n], &flow.client);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }

    fn sweep_udp(&mut self, now: Instant) {
        let expired: Vec<u64> = self
            .udp
            .iter()
            .filter(|(_, f)| now.duration_since(f.last_used) > UDP_IDLE)
            .map(|(&id, _)| id)
            .collect();
        for id in expired {
            if let Some(f) = self.udp.remove(&id) {
                self.poller.delete(f.inner.as_fd());
                self.udp_by_client.remove(&(f.listener, f.client));
            }
        }
    }
}

/// The source address the connection takes in the namespace: the client's
/// own, or the gateway's for a loopback client; `None` for a family mismatch.
fn impersonate(client: SocketAddr, v6: bool) -> Option<SocketAddr> {
    let ip = client.ip();
    if ip.is_loopback() {
        let gw = if v6 {
            IpAddr::V6(GATEWAY_V6)
        } else {
            IpAddr::V4(GATEWAY_V4)
        };
        return Some(SocketAddr::new(gw, 0));
    }
    (ip.is_ipv6() == v6).then_some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_clients_appear_as_the_gateway() {
        assert_eq!(
            impersonate("127.0.0.1:5555".parse().unwrap(), false),
            Some("10.0.2.2:0".parse().unwrap())
        );
        assert_eq!(
            impersonate("[::1]:5555".parse().unwrap(), true),
            Some("[fd00::2]:0".parse().unwrap())
        );
        assert_eq!(
            impersonate("192.0.2.2:5555".parse().unwrap(), false),
            Some("192.0.2.2:5555".parse().unwrap())
        );
        assert_eq!(impersonate("[2001:db8::2]:5".parse().unwrap(), false), None);
    }
}
