//! The userspace network stack that the monitor runs for a private network.
//!
//! It reads the container's IP packets from the TUN device and turns each flow
//! into an ordinary socket on the host, as slirp4netns and pasta do:
//! TCP connections are terminated here (a SYN becomes a host `connect`, data
//! is relayed both ways, FIN and RST are passed on), UDP datagrams go through
//! one connected host socket per flow, ICMP echo through unprivileged ping
//! sockets. The addresses `10.0.2.2`/`fd00::2` (the host's loopback, when
//! allowed) and `10.0.2.3`/`fd00::3` (DNS) are rewritten on the way.
//!
//! The TCP side is our own, not a general-purpose stack: the link is memory,
//! so segments are never reordered and rarely lost; we ACK what we accepted,
//! advertise as window the room left in a per-connection buffer, keep unacked
//! data for go-back-N retransmission, and never negotiate SACK or timestamps.
//! With the 65520-byte MTU each read of the TUN carries ~64 KiB of payload
//! that goes to the host socket with one `write`, which is what throughput
//! depends on. One thread, one epoll, edge-triggered.

mod icmp;
pub mod packet;
mod tcp;
mod udp;

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::sys::epoll::{EpollEvent, EpollFlags};

use super::netns::VNET_HDR_LEN;
use super::{DNS_V4, DNS_V6, GATEWAY_V4, GATEWAY_V6};
use crate::sys::socket::{self, Poller, Stopper};
use packet::{PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP};

/// What the stack needs to know about the network it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackConfig {
    pub mtu: u32,
    /// Whether `10.0.2.2` reaches the host's loopback.
    pub allow_host_loopback: bool,
    /// Where queries to `10.0.2.3:53` go; the first is used.
    pub dns: Vec<SocketAddr>,
}

const TOKEN_TUN: u64 = 0;
const TOKEN_STOP: u64 = 1;
/// Packets read from the TUN before looking at the sockets again.
const TUN_BATCH: usize = 128;
/// How often timers (retransmission, idle flows) are looked at.
const TICK: Duration = Duration::from_millis(50);

/// The descriptors and buffers every flow handler writes through.
pub(crate) struct Io {
    tun: OwnedFd,
    poller: Poller,
    /// Outgoing packet under construction.
    out: Vec<u8>,
    mtu: usize,
    now: Instant,
}

impl Io {
    /// Writes `out[..len]` to the container. A full queue drops the packet, as
    /// a link would; TCP retransmits and UDP may lose.
    fn emit(&mut self, len: usize) {
        if len == 0 {
            return;
        }
        let vnet = [0u8; VNET_HDR_LEN];
        if let Err(e) = socket::write_parts(self.tun.as_fd(), &[&vnet, &self.out[..len]]) {
            log::trace!("dropping a packet to the container: {e}");
        }
    }

    /// Writes the headers `out[..len]` and `payload` as one packet whose
    /// checksum is left partial, starting at `csum.0` with its field at `csum.1`.
    fn emit_partial(&mut self, len: usize, csum: (usize, usize), payload: &[u8]) {
        let vnet = vnet_needs_csum(csum.0 as u16, csum.1 as u16);
        let parts: [&[u8]; 3] = [&vnet, &self.out[..len], payload];
        if let Err(e) = socket::write_parts(self.tun.as_fd(), &parts) {
            log::trace!("dropping a packet to the container: {e}");
        }
    }
}

/// A `virtio_net_hdr` asking the kernel to treat the checksum from `start`
/// (field at `start + offset`) as not yet computed (`VIRTIO_NET_HDR_F_NEEDS_CSUM`):
/// delivered locally, the packet is accepted without summing its payload.
/// Fields are in the host's byte order, as for a legacy virtio device.
fn vnet_needs_csum(start: u16, offset: u16) -> [u8; VNET_HDR_LEN] {
    let mut h = [0u8; VNET_HDR_LEN];
    h[0] = 1;
    h[6..8].copy_from_slice(&start.to_ne_bytes());
    h[8..10].copy_from_slice(&offset.to_ne_bytes());
    h
}

enum Flow {
    Tcp(tcp::Conn),
    Udp(udp::Flow),
    Ping(icmp::Flow),
}

/// The other end of a flow as the container sees it: (its address, remote address).
type Key = ((IpAddr, u16), (IpAddr, u16));

pub struct Stack {
    cfg: StackConfig,
    io: Io,
    flows: HashMap<u64, Flow>,
    tcp: HashMap<Key, u64>,
    udp: HashMap<Key, u64>,
    ping: HashMap<Key, u64>,
    next_token: u64,
    ping_unavailable: bool,
    stop: Stopper,
}

impl Stack {
    /// Takes the TUN fd received from the container's child. `stop` ends [`Stack::run`].
    pub fn new(cfg: StackConfig, tun: OwnedFd, stop: Stopper) -> io::Result<Stack> {
        crate::sys::fd::set_nonblocking(tun.as_fd())?;
        let poller = Poller::new()?;
        poller.add(tun.as_fd(), EpollFlags::EPOLLIN | socket::EDGE, TOKEN_TUN)?;
        poller.add(stop.fd(), EpollFlags::EPOLLIN, TOKEN_STOP)?;
        let mtu = cfg.mtu as usize;
        Ok(Stack {
            io: Io {
                tun,
                poller,
                out: vec![0u8; mtu + 256],
                mtu,
                now: Instant::now(),
            },
            cfg,
            flows: HashMap::new(),
            tcp: HashMap::new(),
            udp: HashMap::new(),
            ping: HashMap::new(),
            next_token: 2,
            ping_unavailable: false,
            stop,
        })
    }

    /// Serves the container until stopped or until its side of the TUN is gone.
    pub fn run(mut self) -> io::Result<()> {
        let mut events = vec![EpollEvent::empty(); 256];
        let mut inbuf = vec![0u8; self.io.mtu + 256];
        let mut next_tick = Instant::now() + TICK;
        loop {
            // Timers belong to flows: with none, sleep until a packet comes.
            let timeout = (!self.flows.is_empty())
                .then(|| next_tick.saturating_duration_since(Instant::now()));
            let n = self.io.poller.wait(&mut events, timeout)?;
            self.io.now = Instant::now();
            for ev in &events[..n] {
                match ev.data() {
                    TOKEN_TUN => {
                        if !self.read_tun(&mut inbuf)? {
                            return Ok(());
                        }
                    }
                    TOKEN_STOP => return Ok(()),
                    token => self.on_socket(token, ev.events()),
                }
            }
            self.flush_acks();
            if self.flows.is_empty() {
                next_tick = self.io.now + TICK;
            } else if self.io.now >= next_tick {
                self.tick();
                next_tick = self.io.now + TICK;
            }
        }
    }

    /// Reads and handles queued packets; `false` once the device is gone.
    fn read_tun(&mut self, buf: &mut [u8]) -> io::Result<bool> {
        loop {
            for _ in 0..TUN_BATCH {
                match socket::read(self.io.tun.as_fd(), buf) {
                    Ok(0) => return Ok(false),
                    // The virtio header only says how far the container's kernel
                    // summed; the stack never checks checksums.
                    Ok(n) if n > VNET_HDR_LEN => self.on_packet(&buf[VNET_HDR_LEN..n]),
                    Ok(_) => {}
                    Err(e) if socket::would_block(&e) => return Ok(true),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    // EBADFD/EIO: the namespace and its device are gone.
                    Err(e) => {
                        log::debug!("container network device closed: {e}");
                        return Ok(false);
                    }
                }
            }
            // Acknowledge between batches so the sender never waits on us.
            self.flush_acks();
            if self.stop_requested() {
                return Ok(true);
            }
        }
    }

    fn stop_requested(&self) -> bool {
        let mut b = [0u8; 8];
        match socket::read(self.stop.fd(), &mut b) {
            Ok(_) => {
                // Put the request back for the main loop to see.
                self.stop.stop();
                true
            }
            Err(_) => false,
        }
    }

    fn on_packet(&mut self, pkt: &[u8]) {
        let Some(ip) = packet::parse_ip(pkt) else {
            return;
        };
        let body = &pkt[ip.offset..ip.end];
        match ip.proto {
            PROTO_TCP => self.on_tcp(&ip, body),
            PROTO_UDP => self.on_udp(&ip, body),
            PROTO_ICMP if ip.src.is_ipv4() => self.on_icmp(&ip, body),
            PROTO_ICMPV6 if ip.src.is_ipv6() => self.on_icmp(&ip, body),
            _ => {}
        }
    }

    fn on_tcp(&mut self, ip: &packet::Ip, seg: &[u8]) {
        let Some(t) = packet::parse_tcp(seg) else {
            return;
        };
        let payload = &seg[t.data_offset..];
        let key: Key = ((ip.src, t.src_port), (ip.dst, t.dst_port));
        if let Some(&token) = self.tcp.get(&key) {
            let done = match self.flows.get_mut(&token) {
                Some(Flow::Tcp(c)) => c.on_segment(&mut self.io, &t, payload),
                _ => false,
            };
            if done {
                self.remove(token);
            }
            return;
        }
        let target = self.target(ip.dst, t.dst_port);
        let token = self.next_token;
        if let Some(conn) = tcp::Conn::open(&mut self.io, key, &t, target, token) {
            self.next_token += 1;
            self.flows.insert(token, Flow::Tcp(conn));
            self.tcp.insert(key, token);
        }
    }

    fn on_udp(&mut self, ip: &packet::Ip, seg: &[u8]) {
        if seg.len() < packet::UDP_HEADER {
            return;
        }
        let src_port = u16::from_be_bytes([seg[0], seg[1]]);
        let dst_port = u16::from_be_bytes([seg[2], seg[3]]);
        let payload = &seg[packet::UDP_HEADER..];
        let key: Key = ((ip.src, src_port), (ip.dst, dst_port));
        let token = match self.udp.get(&key) {
            Some(&t) => t,
            None => {
                let Some(target) = self.target(ip.dst, dst_port) else {
                    udp::refuse(&mut self.io, key);
                    return;
                };
                let token = self.next_token;
                let flow = match udp::Flow::open(&self.io, key, target, token) {
                    Ok(f) => f,
                    Err(e) => {
                        log::debug!("no host socket for UDP to {target}: {e}");
                        return;
                    }
                };
                self.next_token += 1;
                self.flows.insert(token, Flow::Udp(flow));
                self.udp.insert(key, token);
                token
            }
        };
        if let Some(Flow::Udp(f)) = self.flows.get_mut(&token) {
            f.send(&mut self.io, payload);
        }
    }

    fn on_icmp(&mut self, ip: &packet::Ip, msg: &[u8]) {
        let Some(echo) = icmp::parse_echo_request(ip, msg) else {
            return;
        };
        if is_virtual_host(ip.dst) {
            icmp::reply_locally(&mut self.io, ip, msg);
            return;
        }
        if self.ping_unavailable || !is_routable(ip.dst) {
            return;
        }
        let key: Key = ((ip.src, echo.id), (ip.dst, 0));
        let token = match self.ping.get(&key) {
            Some(&t) => t,
            None => {
                let token = self.next_token;
                let flow = match icmp::Flow::open(&self.io, key, token) {
                    Ok(f) => f,
                    Err(e) => {
                        // Typically net.ipv4.ping_group_range excludes the user.
                        log::debug!("ICMP echo not relayed, no ping socket: {e}");
                        self.ping_unavailable = true;
                        return;
                    }
                };
                self.next_token += 1;
                self.flows.insert(token, Flow::Ping(flow));
                self.ping.insert(key, token);
                token
            }
        };
        if let Some(Flow::Ping(f)) = self.flows.get_mut(&token) {
            f.send(&mut self.io, msg);
        }
    }

    fn on_socket(&mut self, token: u64, events: EpollFlags) {
        let done = match self.flows.get_mut(&token) {
            Some(Flow::Tcp(c)) => c.on_host_event(&mut self.io, events),
            Some(Flow::Udp(f)) => f.on_readable(&mut self.io),
            Some(Flow::Ping(f)) => f.on_readable(&mut self.io),
            None => false,
        };
        if done {
            self.remove(token);
        }
    }

    fn flush_acks(&mut self) {
        for flow in self.flows.values_mut() {
            if let Flow::Tcp(c) = flow {
                c.flush_ack(&mut self.io);
            }
        }
    }

    fn tick(&mut self) {
        let mut dead = Vec::new();
        for (&token, flow) in &mut self.flows {
            let done = match flow {
                Flow::Tcp(c) => c.on_tick(&mut self.io),
                Flow::Udp(f) => f.expired(self.io.now),
                Flow::Ping(f) => f.expired(self.io.now),
            };
            if done {
                dead.push(token);
            }
        }
        for token in dead {
            self.remove(token);
        }
    }

    fn remove(&mut self, token: u64) {
        let Some(flow) = self.flows.remove(&token) else {
            return;
        };
        match flow {
            Flow::Tcp(c) => {
                self.io.poller.delete(c.fd());
                self.tcp.remove(&c.key);
            }
            Flow::Udp(f) => {
                self.io.poller.delete(f.fd());
                self.udp.remove(&f.key);
            }
            Flow::Ping(f) => {
                self.io.poller.delete(f.fd());
                self.ping.remove(&f.key);
            }
        }
    }

    /// Where a flow to `dst:port` goes on the host, or `None` to refuse it.
    fn target(&self, dst: IpAddr, port: u16) -> Option<SocketAddr> {
        let loopback_ok = self.cfg.allow_host_loopback;
        match dst {
            IpAddr::V4(a) if a == GATEWAY_V4 => {
                loopback_ok.then(|| SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port))
            }
            IpAddr::V6(a) if a == GATEWAY_V6 => {
                loopback_ok.then(|| SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port))
            }
            IpAddr::V4(a) if a == DNS_V4 => self.dns(port),
            IpAddr::V6(a) if a == DNS_V6 => self.dns(port),
            a if is_routable(a) => Some(SocketAddr::new(a, port)),
            _ => None,
        }
    }

    fn dns(&self, port: u16) -> Option<SocketAddr> {
        if port != 53 {
            return None;
        }
        self.cfg.dns.first().copied()
    }
}

/// The gateway and DNS addresses that the stack itself stands for.
fn is_virtual_host(a: IpAddr) -> bool {
    matches!(a, IpAddr::V4(v) if v == GATEWAY_V4 || v == DNS_V4)
        || matches!(a, IpAddr::V6(v) if v == GATEWAY_V6 || v == DNS_V6)
}

/// Destinations a container flow may be relayed to: not the container's own
/// subnet, not loopback (only reached through the gateway, when allowed), not
/// multicast or broadcast.
fn is_routable(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => {
            let o = v.octets();
            !(v.is_loopback()
                || v.is_unspecified()
                || v.is_multicast()
                || v.is_broadcast()
                || (o[0] == 10 && o[1] == 0 && o[2] == 2))
        }
        IpAddr::V6(v) => {
            let s = v.segments();
            !(v.is_loopback()
                || v.is_unspecified()
                || v.is_multicast()
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0xfd00 && s[1] == 0 && s[2] == 0 && s[3] == 0)
                || v.to_ipv4_mapped().is_some())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routable_excludes_the_container_subnet_and_loopback() {
        for a in [
            "10.0.2.5",
            "127.0.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "fe80::1",
            "fd00::5",
        ] {
            assert!(!is_routable(a.parse().unwrap()), "{a}");
        }
        for a in ["192.0.2.1", "10.0.3.1", "2001:db8::1", "fd01::1"] {
            assert!(is_routable(a.parse().unwrap()), "{a}");
        }
    }
}

#[cfg(test)]
mod netns_tests {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::time::Duration;

    use crate::network::netns::NetnsConfig;
    use crate::network::testutil::{stack_config, with_container};

    fn listener() -> (TcpListener, u16) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        (l, port)
    }

    #[test]
    fn tcp_echo_with_half_close_through_the_gateway() {
        let (l, port) = listener();
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).unwrap();
            // The container shut its side; ours still works.
            s.write_all(&got).unwrap();
            s.write_all(b"!").unwrap();
        });
        let reply = with_container(NetnsConfig::default(), stack_config(true), move || {
            let mut s = TcpStream::connect(("10.0.2.2", port)).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
            s.write_all(&data).unwrap();
            s.shutdown(Shutdown::Write).unwrap();
            let mut back = Vec::new();
            s.read_to_end(&mut back).unwrap();
            (data, back)
        });
        server.join().unwrap();
        let (data, back) = reply;
        assert_eq!(back.len(), data.len() + 1);
        assert_eq!(&back[..data.len()], &data[..]);
        assert_eq!(back[data.len()], b'!');
    }

    #[test]
    fn gateway_is_refused_without_allow_host_loopback() {
        let (_l, port) = listener();
        let err = with_container(NetnsConfig::default(), stack_config(false), move || {
            TcpStream::connect_timeout(
                &format!("10.0.2.2:{port}").parse().unwrap(),
                Duration::from_secs(5),
            )
            .unwrap_err()
            .kind()
        });
        assert_eq!(err, std::io::ErrorKind::ConnectionRefused);
    }

    #[test]
    fn closed_host_port_is_a_reset() {
        let (l, port) = listener();
        drop(l);
        let err = with_container(NetnsConfig::default(), stack_config(true), move || {
            TcpStream::connect(("10.0.2.2", port)).unwrap_err().kind()
        });
        assert_eq!(err, std::io::ErrorKind::ConnectionRefused);
    }
}

/// Throughput through the stack, measured with iperf3 (server on the host's
/// loopback, client in the container namespace). Printed for the record;
/// the assertion only guards against a broken relay.
#[cfg(test)]
mod iperf_tests {
    use std::process::{Command, Stdio};
    use std::time::Duration;

    use crate::network::netns::NetnsConfig;
    use crate::network::testutil::{
        free_port, iperf3_bits_per_second, stack_config, with_container,
    };

    fn run(reverse: bool) -> f64 {
        let port = free_port();
        let mut server = Command::new("iperf3")
            .args(["-s", "-1", "-B", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .expect("iperf3 is needed for this test");
        std::thread::sleep(Duration::from_millis(300));
        let out = with_container(NetnsConfig::default(), stack_config(true), move || {
            let mut c = Command::new("iperf3");
            c.args(["-c", "10.0.2.2", "-p", &port.to_string(), "-t", "3", "-J"]);
            if reverse {
                c.arg("-R");
            }
            c.output().unwrap()
        });
        let _ = server.wait();
        iperf3_bits_per_second(&out.stdout)
    }

    #[test]
    fn iperf3_outbound_and_inbound() {
        let up = run(false);
        let down = run(true);
        eprintln!(
            "stack throughput: container->host {:.2} GB/s, host->container {:.2} GB/s",
            up / 8e9,
            down / 8e9
        );
        assert!(
            up > 1e8 && down > 1e8,
            "relay too slow: {up} / {down} bit/s"
        );
    }
}

#[cfg(test)]
mod udp_tests {
    use std::net::UdpSocket;
    use std::time::Duration;

    use crate::network::netns::NetnsConfig;
    use crate::network::testutil::{stack_config, with_container};

    /// Answers `n` datagrams with "re:" + the datagram.
    fn responder(n: usize) -> (u16, std::thread::JoinHandle<()>) {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = s.local_addr().unwrap().port();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let t = std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            for _ in 0..n {
                let (len, from) = s.recv_from(&mut buf).unwrap();
                let mut r = b"re:".to_vec();
                r.extend_from_slice(&buf[..len]);
                s.send_to(&r, from).unwrap();
            }
        });
        (port, t)
    }

    fn ask(to: (&'static str, u16), msg: &'static [u8]) -> (Vec<u8>, std::net::SocketAddr) {
        let s = UdpSocket::bind("0.0.0.0:0").unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.send_to(msg, to).unwrap();
        let mut buf = [0u8; 2048];
        let (n, from) = s.recv_from(&mut buf).unwrap();
        (buf[..n].to_vec(), from)
    }

    #[test]
    fn dns_at_10_0_2_3_reaches_the_configured_resolver() {
        let (port, t) = responder(1);
        let mut cfg = stack_config(false);
        cfg.dns = vec![format!("127.0.0.1:{port}").parse().unwrap()];
        let (reply, from) = with_container(NetnsConfig::default(), cfg, || {
            ask(("10.0.2.3", 53), b"query")
        });
        t.join().unwrap();
        assert_eq!(reply, b"re:query");
        assert_eq!(from.to_string(), "10.0.2.3:53");
    }

    #[test]
    fn udp_to_the_gateway_needs_allow_host_loopback() {
        let (port, t) = responder(1);
        let (reply, from) = with_container(NetnsConfig::default(), stack_config(true), move || {
            let leaked: &'static str = "10.0.2.2";
            ask((leaked, port), b"hi")
        });
        t.join().unwrap();
        assert_eq!((reply, from.port()), (b"re:hi".to_vec(), port));
        let refused = with_container(NetnsConfig::default(), stack_config(false), move || {
            let s = UdpSocket::bind("0.0.0.0:0").unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            s.connect(("10.0.2.2", port)).unwrap();
            s.send(b"hi").unwrap();
            s.recv(&mut [0u8; 16]).unwrap_err().kind()
        });
        // The stack answers with ICMP port unreachable, seen as ECONNREFUSED.
        assert_eq!(refused, std::io::ErrorKind::ConnectionRefused);
    }
}

#[cfg(test)]
mod icmp_tests {
    use std::process::Command;

    use crate::network::netns::NetnsConfig;
    use crate::network::testutil::{ip, stack_config, with_container};

    fn ping(target: &'static str) -> bool {
        Command::new("busybox")
            .args(["ping", "-c", "1", "-W", "3", target])
            .output()
            .expect("busybox is needed for this test")
            .status
            .success()
    }

    /// The "host" is a netns of its own, where the test may open ping
    /// sockets to everyone (the sysctl is per namespace) and own 192.0.2.1.
    #[test]
    fn echo_is_relayed_through_ping_sockets_and_the_gateway_answers() {
        let (relayed, gateway) = std::thread::spawn(|| {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
            ip("link set lo up");
            ip("addr add 192.0.2.1/32 dev lo");
            std::fs::write("/proc/sys/net/ipv4/ping_group_range", "0 2147483647").unwrap();
            with_container(NetnsConfig::default(), stack_config(false), || {
                (ping("192.0.2.1"), ping("10.0.2.2"))
            })
        })
        .join()
        .unwrap();
        assert!(relayed, "echo to 192.0.2.1 through a ping socket");
        assert!(gateway, "echo to the gateway");
    }
}
