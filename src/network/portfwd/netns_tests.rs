//! Forwarding into real namespaces (root): loopback and non-loopback clients,
//! TCP and UDP, throughput against plain loopback.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use super::{bind_all, Forwarder, NsSockets, PortMapping};
use crate::network::netns::NetnsConfig;
use crate::network::testutil::{ip, iperf3_bits_per_second, spawn_container};
use crate::network::Proto;
use crate::sys::socket::Stopper;

/// Serves `n` TCP connections on port 80: replies with the peer's address, then echoes.
fn who_server(ready: mpsc::Sender<()>, n: usize) {
    let l = TcpListener::bind("0.0.0.0:80").unwrap();
    ready.send(()).unwrap();
    for _ in 0..n {
        let (mut s, peer) = l.accept().unwrap();
        s.write_all(format!("{}\n", peer.ip()).as_bytes()).unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        s.write_all(&buf).unwrap();
    }
}

fn udp_who_server(ready: mpsc::Sender<()>, n: usize) {
    let s = UdpSocket::bind("0.0.0.0:53").unwrap();
    ready.send(()).unwrap();
    let mut buf = [0u8; 1500];
    for _ in 0..n {
        let (len, peer) = s.recv_from(&mut buf).unwrap();
        let mut reply = format!("{} ", peer.ip()).into_bytes();
        reply.extend_from_slice(&buf[..len]);
        s.send_to(&reply, peer).unwrap();
    }
}

struct Running {
    stopper: Stopper,
    thread: thread::JoinHandle<std::io::Result<()>>,
}

impl Running {
    fn stop(self) {
        self.stopper.stop();
        self.thread.join().unwrap().unwrap();
    }
}

/// Binds `specs` in the calling thread's netns and forwards into `netns`.
fn forward(specs: &[&str], netns: &std::os::fd::OwnedFd) -> (Vec<PortMapping>, Running) {
    let maps = PortMapping::parse_all(specs).unwrap();
    let (listeners, resolved) = bind_all(&maps).unwrap();
    let ns = NsSockets::spawn(None, netns).unwrap();
    let stopper = Stopper::new().unwrap();
    let fwd = Forwarder::new(listeners, ns, stopper.try_clone().unwrap()).unwrap();
    let thread = thread::spawn(move || fwd.run());
    (resolved, Running { stopper, thread })
}

fn published() -> NetnsConfig {
    NetnsConfig {
        published: vec![(Proto::Tcp, 80, 80), (Proto::Udp, 53, 53)],
        ..NetnsConfig::default()
    }
}

fn exchange(addr: SocketAddr, payload: &[u8]) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(payload).unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let nl = all.iter().position(|&b| b == b'\n').unwrap();
    (
        String::from_utf8(all[..nl].to_vec()).unwrap(),
        all[nl + 1..].to_vec(),
    )
}

#[test]
fn loopback_client_is_seen_as_the_gateway() {
    let c = spawn_container(published(), |ready| who_server(ready, 2));
    let (maps, fwd) = forward(&["127.0.0.1::80"], &c.netns);
    let addr: SocketAddr = format!("127.0.0.1:{}", maps[0].host_port).parse().unwrap();
    let data: Vec<u8> = (0..5_000_000u32).map(|i| (i % 253) as u8).collect();
    let (who, back) = exchange(addr, &data);
    assert_eq!(who, "10.0.2.2");
    assert_eq!(back, data);
    // A second connection reuses nothing from the first.
    assert_eq!(exchange(addr, b"x").1, b"x");
    c.thread.join().unwrap();
    fwd.stop();
}

#[test]
fn refused_container_port_closes_the_client() {
    let c = spawn_container(published(), |ready| ready.send(()).unwrap());
    let (maps, fwd) = forward(&["127.0.0.1::80"], &c.netns);
    let mut s = TcpStream::connect(("127.0.0.1", maps[0].host_port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = [0u8; 16];
    // Nothing listens inside: the forwarder drops the client (reset or EOF).
    let r = s.read(&mut buf);
    assert!(matches!(r, Ok(0)) || r.is_err(), "{r:?}");
    c.thread.join().unwrap();
    fwd.stop();
}

#[test]
fn udp_is_forwarded_both_ways() {
    let c = spawn_container(published(), |ready| udp_who_server(ready, 2));
    let (maps, fwd) = forward(&["127.0.0.1::53/udp"], &c.netns);
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let to = ("127.0.0.1", maps[0].host_port);
    let mut buf = [0u8; 100];
    for msg in ["ping", "again"] {
        s.send_to(msg.as_bytes(), to).unwrap();
        let (n, _) = s.recv_from(&mut buf).unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[..n]).unwrap(),
            format!("10.0.2.2 {msg}")
        );
    }
    c.thread.join().unwrap();
    fwd.stop();
}

/// The "host" runs in a netns of its own with a veth to a client netns on
/// 192.0.2.0/24, so the client has a real, non-loopback address.
#[test]
fn non_loopback_client_keeps_its_address_tcp_and_udp() {
    let c = spawn_container(published(), |ready| {
        let (a, b) = mpsc::channel();
        let t = thread::spawn(move || who_server(a, 1));
        b.recv().unwrap();
        udp_who_server(ready, 1);
        t.join().unwrap();
    });
    let netns = c.netns.try_clone().unwrap();
    let (client_tid_tx, client_tid_rx) = mpsc::channel::<i32>();
    let (moved_tx, moved_rx) = mpsc::channel::<()>();
    let (port_tx, port_rx) = mpsc::channel::<(u16, u16)>();
    let client = thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
        // SAFETY: gettid has no preconditions.
        client_tid_tx.send(unsafe { libc::gettid() }).unwrap();
        moved_rx.recv().unwrap();
        ip("link set lo up");
        ip("addr add 192.0.2.2/24 dev vc");
        ip("link set vc up");
        let (tcp, udp) = port_rx.recv().unwrap();
        let (who, back) = exchange(format!("192.0.2.1:{tcp}").parse().unwrap(), b"hello");
        let s = UdpSocket::bind("192.0.2.2:0").unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.send_to(b"q", ("192.0.2.1", udp)).unwrap();
        let mut buf = [0u8; 100];
        let (n, _) = s.recv_from(&mut buf).unwrap();
        (who, back, String::from_utf8_lossy(&buf[..n]).to_string())
    });
    let host = thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
        ip("link set lo up");
        ip("link add vh type veth peer name vc");
        let tid = client_tid_rx.recv().unwrap();
        ip(&format!("link set vc netns {tid}"));
        ip("addr add 192.0.2.1/24 dev vh");
        ip("link set vh up");
        moved_tx.send(()).unwrap();
        let (maps, fwd) = forward(&["192.0.2.1::80", "192.0.2.1::53/udp"], &netns);
        port_tx
            .send((maps[0].host_port, maps[1].host_port))
            .unwrap();
        fwd
    });
    let (who, back, udp) = client.join().unwrap();
    host.join().unwrap().stop();
    c.thread.join().unwrap();
    assert_eq!(who, "192.0.2.2");
    assert_eq!(back, b"hello");
    assert_eq!(udp, "192.0.2.2 q");
}

fn iperf3(server_port: u16, target: &str, seconds: u32) -> f64 {
    let out = Command::new("iperf3")
        .args([
            "-c",
            target,
            "-p",
            &server_port.to_string(),
            "-t",
            &seconds.to_string(),
            "-J",
        ])
        .stdout(Stdio::piped())
        .output()
        .expect("iperf3 is needed for this test");
    iperf3_bits_per_second(&out.stdout)
}

/// Published-port throughput against plain loopback, printed for the record.
#[test]
fn iperf3_through_a_published_port() {
    let c = spawn_container(published(), |ready| {
        let mut server = Command::new("iperf3")
            .args(["-s", "-1", "-p", "80"])
            .stdout(Stdio::null())
            .spawn()
            .expect("iperf3 is needed for this test");
        thread::sleep(Duration::from_millis(300));
        ready.send(()).unwrap();
        server.wait().unwrap();
    });
    let (maps, fwd) = forward(&["127.0.0.1::80"], &c.netns);
    let published = iperf3(maps[0].host_port, "127.0.0.1", 3);
    c.thread.join().unwrap();
    fwd.stop();

    let port = crate::network::testutil::free_port();
    let mut server = Command::new("iperf3")
        .args(["-s", "-1", "-B", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    thread::sleep(Duration::from_millis(300));
    let plain = iperf3(port, "127.0.0.1", 3);
    server.wait().unwrap();
    eprintln!(
        "published port {:.2} GB/s, plain loopback {:.2} GB/s ({:.0}%)",
        published / 8e9,
        plain / 8e9,
        100.0 * published / plain
    );
    assert!(published > 1e8, "forwarding too slow: {published} bit/s");
}

/// Short request/response connections per second through a published port
/// and directly on the loopback, printed for the record.
#[test]
fn connection_rate_through_a_published_port() {
    const N: usize = 2000;
    fn serve(l: TcpListener, n: usize) {
        for _ in 0..n {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 64];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }
    }
    fn clients(addr: SocketAddr, n: usize) -> f64 {
        let t = std::time::Instant::now();
        for _ in 0..n {
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
            let mut r = Vec::new();
            s.read_to_end(&mut r).unwrap();
            assert!(r.ends_with(b"ok"));
        }
        n as f64 / t.elapsed().as_secs_f64()
    }
    let c = spawn_container(published(), |ready| {
        let l = TcpListener::bind("0.0.0.0:80").unwrap();
        ready.send(()).unwrap();
        serve(l, N);
    });
    let (maps, fwd) = forward(&["127.0.0.1::80"], &c.netns);
    let published = clients(
        format!("127.0.0.1:{}", maps[0].host_port).parse().unwrap(),
        N,
    );
    c.thread.join().unwrap();
    fwd.stop();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let server = thread::spawn(move || serve(l, N));
    let direct = clients(addr, N);
    server.join().unwrap();
    eprintln!("connections/s: published port {published:.0}, direct loopback {direct:.0}");
    assert!(published > 50.0, "{published} connections/s");
}
