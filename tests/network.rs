//! The container network end to end through the real `rpod`: published TCP and UDP
//! ports, the client's address as the container sees it, outbound connections to the
//! host's loopback, DNS through 10.0.2.3, the `/etc` files, and bad input.
//!
//! All traffic stays on this machine: 127.0.0.1/::1, the container's own namespace,
//! and a client network namespace joined to the host by a veth pair on a
//! documentation range (RFC 5737) that this host does not route anywhere else.
//! Servers on the host are threads of the test; containers run in the foreground
//! on a thread of the test and end when the test writes their stop file.

use std::fs;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{
    assert_host_interfaces, busybox, http, image, run_d, Output, TestEnv, TEST_USER,
};

/// Bind mounts that let the busybox image run the host's python3 (UDP echo).
const HOST_USR: [&str; 6] = [
    "-v",
    "/usr:/usr:ro",
    "-v",
    "/usr/lib:/lib:ro",
    "-v",
    "/usr/lib64:/lib64:ro",
];

/// A UDP echo server for the container: answers each datagram with
/// `DATA from SENDER-ADDRESS`.
const UDP_ECHO: &str = "import socket\n\
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
s.bind(('0.0.0.0', 5353))\n\
open('/ctl/udp', 'w').close()\n\
while True:\n    \
d, a = s.recvfrom(65536)\n    \
s.sendto(d + b' from ' + a[0].encode(), a)\n";

/// Container setup that starts [`UDP_ECHO`] and returns once it is bound.
fn udp_echo_setup() -> String {
    format!("python3 -c \"{UDP_ECHO}\" & while [ ! -e /ctl/udp ]; do sleep 0.05; done")
}

fn unique() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{nanos:x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A TCP port free on every IPv4 address right now.
fn free_port() -> u16 {
    TcpListener::bind("0.0.0.0:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A UDP port free on every IPv4 address right now.
fn free_udp_port() -> u16 {
    UdpSocket::bind("0.0.0.0:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn chown_to_test_user(path: &Path) {
    let status = Command::new("chown")
        .args(["-R", &format!("{TEST_USER}:{TEST_USER}")])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "chown {}", path.display());
}

/// A directory of the test user, world-readable, under the env's root.
fn user_dir(env: &TestEnv, name: &str) -> PathBuf {
    let dir = env.root().join(format!("{name}-{}", unique()));
    fs::create_dir_all(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    chown_to_test_user(&dir);
    dir
}

/// A document root for busybox httpd: `index.html` holding `token`, a CGI that
/// prints the client's address, and a larger file to check the bytes end to end.
fn www(env: &TestEnv, token: &str) -> PathBuf {
    let dir = user_dir(env, "www");
    fs::write(dir.join("index.html"), format!("{token}\n")).unwrap();
    fs::create_dir(dir.join("cgi-bin")).unwrap();
    let cgi = dir.join("cgi-bin/addr");
    fs::write(
        &cgi,
        "#!/bin/sh\necho 'Content-Type: text/plain'\necho\necho \"$REMOTE_ADDR\"\n",
    )
    .unwrap();
    fs::set_permissions(&cgi, fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(dir.join("big.bin"), big_body()).unwrap();
    chown_to_test_user(&dir);
    dir
}

/// 4 MiB that differ at every offset, so a lost or repeated chunk shows.
fn big_body() -> Vec<u8> {
    (0u32..1 << 20).flat_map(|i| i.to_le_bytes()).collect()
}

/// What busybox httpd puts in REMOTE_ADDR, without its brackets and the IPv4-mapped
/// prefix of its IPv6 socket: `[::ffff:10.0.2.2]` → `10.0.2.2`.
fn remote_addr(body: &str) -> String {
    let a = body.trim().trim_start_matches('[').trim_end_matches(']');
    a.strip_prefix("::ffff:").unwrap_or(a).to_string()
}

/// A plain HTTP/1.0 GET: (status, body).
fn http_get(addr: SocketAddr, path: &str) -> (u16, Vec<u8>) {
    http::get(addr, path, None, Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn http_text(addr: SocketAddr, path: &str) -> String {
    let (status, body) = http_get(addr, path);
    let body = String::from_utf8_lossy(&body).into_owned();
    assert_eq!(status, 200, "GET {path} from {addr}: {body}");
    body
}

/// One datagram to `to` and its answer, from `sock`.
fn udp_exchange(sock: &UdpSocket, to: SocketAddr, msg: &str) -> String {
    sock.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut buf = vec![0u8; 65536];
    // Datagrams may be lost: a few tries, bounded.
    for _ in 0..10 {
        sock.send_to(msg.as_bytes(), to).unwrap();
        if let Ok((n, from)) = sock.recv_from(&mut buf) {
            assert_eq!(from, to, "answer from the published address");
            return String::from_utf8_lossy(&buf[..n]).into_owned();
        }
    }
    panic!("no UDP answer from {to}");
}

// ---------------------------------------------------------------------------
// Containers in the background of a test.
// ---------------------------------------------------------------------------

/// Writes the stop file when dropped, so a failing test still ends its container.
struct StopFile(PathBuf);

impl Drop for StopFile {
    fn drop(&mut self) {
        let _ = fs::write(&self.0, b"");
    }
}

/// Runs `rpod run --rm -v CTL:/ctl ARGS… busybox sh -c SCRIPT` in the background,
/// where SCRIPT runs `setup` (which must return once its servers listen), then
/// signals readiness and waits for the test to stop it. `body` runs once the
/// container is ready; afterwards the container is stopped and must exit 0.
/// Returns what `body` returned and the container's output.
fn with_container<R>(
    env: &TestEnv,
    args: &[&str],
    setup: &str,
    body: impl FnOnce(&Path) -> R,
) -> (R, Output) {
    with_image_container(env, &image("busybox"), args, setup, body)
}

/// [`with_container`] for another image (one with busybox's `sh`).
fn with_image_container<R>(
    env: &TestEnv,
    image: &str,
    args: &[&str],
    setup: &str,
    body: impl FnOnce(&Path) -> R,
) -> (R, Output) {
    let ctl = user_dir(env, "ctl");
    let volume = format!("{}:/ctl", ctl.display());
    let script =
        format!("set -e; {setup}\ntouch /ctl/ready\nwhile [ ! -e /ctl/stop ]; do sleep 0.05; done");
    let mut all = vec!["run", "--rm", "-v", &volume];
    all.extend_from_slice(args);
    all.extend_from_slice(&[image, "sh", "-c", &script]);
    thread::scope(|scope| {
        let container = scope.spawn(|| env.cmd(&all).timeout(120).run());
        let stop = StopFile(ctl.join("stop"));
        let deadline = Instant::now() + Duration::from_secs(90);
        while !ctl.join("ready").exists() {
            if container.is_finished() {
                let out = container.join().unwrap();
                panic!("the container ended before it was ready\n{out}");
            }
            assert!(
                Instant::now() < deadline,
                "the container was not ready within 90 s"
            );
            thread::sleep(Duration::from_millis(20));
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&ctl)));
        drop(stop);
        let out = match container.join() {
            Ok(out) => out,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        match result {
            Ok(r) => {
                out.assert_ok();
                assert_no_warnings(&out);
                (r, out)
            }
            Err(panic) => {
                eprintln!("the container, stopped after the failure:\n{out}");
                std::panic::resume_unwind(panic)
            }
        }
    })
}

/// rpod said nothing went wrong (warnings from the network show here).
#[track_caller]
fn assert_no_warnings(out: &Output) {
    assert!(
        !out.stderr
            .lines()
            .any(|l| l.starts_with("WARN[") || l.starts_with("ERRO[") || l.starts_with("Error")),
        "{out}"
    );
}

/// The host port that `rpod port NAME PORT` reports, published on every address.
#[track_caller]
fn host_port(env: &TestEnv, name: &str, port: &str) -> u16 {
    let out = env.rpod(&["port", name, port]);
    out.assert_ok();
    let (ip, p) = out
        .stdout
        .trim()
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(ip, "0.0.0.0", "{out}");
    p.parse().unwrap_or_else(|_| panic!("{out}"))
}

// ---------------------------------------------------------------------------
// Servers the test runs on the host.
// ---------------------------------------------------------------------------

/// A TCP server on 127.0.0.1 that greets each client with `token` and records the
/// peer addresses, until dropped.
struct HostServer {
    port: u16,
    peers: Arc<Mutex<Vec<SocketAddr>>>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl HostServer {
    fn start(token: &str) -> HostServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let peers = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s, greeting) = (peers.clone(), stop.clone(), format!("{token}\n"));
        let thread = thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut c, addr)) => {
                        p.lock().unwrap().push(addr);
                        let _ = c.write_all(greeting.as_bytes());
                    }
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        HostServer {
            port,
            peers,
            stop,
            thread: Some(thread),
        }
    }

    fn peers(&self) -> Vec<SocketAddr> {
        self.peers.lock().unwrap().clone()
    }
}

impl Drop for HostServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A DNS responder on 127.0.0.1: every A query for a name under `example.test`
/// gets `answer`; other names get NXDOMAIN; other types an empty answer. Records
/// the names asked, until dropped.
struct DnsServer {
    port: u16,
    asked: Arc<Mutex<Vec<(String, u16)>>>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl DnsServer {
    fn start(answer: Ipv4Addr) -> DnsServer {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let port = sock.local_addr().unwrap().port();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (a, s) = (asked.clone(), stop.clone());
        let thread = thread::spawn(move || {
            let mut buf = [0u8; 512];
            while !s.load(Ordering::Relaxed) {
                let Ok((n, from)) = sock.recv_from(&mut buf) else {
                    continue;
                };
                if let Some((reply, name, qtype)) = dns_reply(&buf[..n], answer) {
                    a.lock().unwrap().push((name, qtype));
                    let _ = sock.send_to(&reply, from);
                }
            }
        });
        DnsServer {
            port,
            asked,
            stop,
            thread: Some(thread),
        }
    }

    fn asked(&self) -> Vec<(String, u16)> {
        self.asked.lock().unwrap().clone()
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The reply to one query, with the name and type asked.
fn dns_reply(q: &[u8], answer: Ipv4Addr) -> Option<(Vec<u8>, String, u16)> {
    if q.len() < 12 || u16::from_be_bytes([q[4], q[5]]) != 1 {
        return None;
    }
    let mut i = 12;
    let mut labels = Vec::new();
    while *q.get(i)? != 0 {
        let len = usize::from(q[i]);
        labels.push(String::from_utf8_lossy(q.get(i + 1..i + 1 + len)?).into_owned());
        i += 1 + len;
    }
    let qtype = u16::from_be_bytes([*q.get(i + 1)?, *q.get(i + 2)?]);
    let question_end = i + 5;
    q.get(..question_end)?;
    let name = labels.join(".");
    let known = name == "example.test" || name.ends_with(".example.test");
    let mut r = q[..2].to_vec();
    r.extend_from_slice(if known { &[0x81, 0x80] } else { &[0x81, 0x83] });
    let answers: u16 = (known && qtype == 1).into();
    for v in [1u16, answers, 0, 0] {
        r.extend_from_slice(&v.to_be_bytes());
    }
    r.extend_from_slice(&q[12..question_end]);
    if answers == 1 {
        r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        r.extend_from_slice(&answer.octets());
    }
    Some((r, name, qtype))
}

// ---------------------------------------------------------------------------
// A client in a network namespace of its own.
// ---------------------------------------------------------------------------

/// A network namespace joined to the host by a veth pair on a documentation
/// range: the host's end is `host`, the client's `client`. Removed on drop.
struct ClientNet {
    ns: String,
    host_if: String,
    host: Ipv4Addr,
    client: Ipv4Addr,
}

/// Runs `ip ARGS` as root; fails the test on error.
fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl ClientNet {
    /// The first of the RFC 5737 ranges that this host has no address or route
    /// in (a machine may itself sit on one of them), or `None`.
    fn free_range() -> Option<[u8; 3]> {
        let out = Command::new("ip")
            .args(["-4", "route", "show", "table", "all"])
            .output()
            .unwrap();
        let routes = String::from_utf8_lossy(&out.stdout).into_owned();
        let out = Command::new("ip").args(["-4", "addr"]).output().unwrap();
        let addrs = String::from_utf8_lossy(&out.stdout).into_owned();
        [[198, 51, 100], [203, 0, 113], [192, 0, 2]]
            .into_iter()
            .find(|[a, b, c]| {
                let prefix = format!("{a}.{b}.{c}.");
                !routes.contains(&prefix) && !addrs.contains(&prefix)
            })
    }

    fn create() -> Option<ClientNet> {
        let [a, b, c] = Self::free_range()?;
        let id = unique();
        let short = id.replace('-', "");
        let short = &short[short.len().saturating_sub(8)..];
        let net = ClientNet {
            ns: format!("rpodcli-{id}"),
            host_if: format!("rph{short}"),
            host: Ipv4Addr::new(a, b, c, 1),
            client: Ipv4Addr::new(a, b, c, 2),
        };
        let peer = format!("rpc{short}");
        ip(&["netns", "add", &net.ns]);
        ip(&[
            "link",
            "add",
            &net.host_if,
            "type",
            "veth",
            "peer",
            "name",
            &peer,
        ]);
        ip(&["link", "set", &peer, "netns", &net.ns]);
        ip(&[
            "addr",
            "add",
            &format!("{}/24", net.host),
            "dev",
            &net.host_if,
        ]);
        ip(&["link", "set", &net.host_if, "up"]);
        ip(&["-n", &net.ns, "link", "set", "lo", "up"]);
        ip(&[
            "-n",
            &net.ns,
            "addr",
            "add",
            &format!("{}/24", net.client),
            "dev",
            &peer,
        ]);
        ip(&["-n", &net.ns, "link", "set", &peer, "up"]);
        Some(net)
    }

    /// Runs `f` on a thread inside the client's namespace: the sockets it
    /// opens are the client's.
    fn run<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        let path = format!("/run/netns/{}", self.ns);
        thread::scope(|s| {
            s.spawn(|| {
                let ns = fs::File::open(&path).unwrap();
                nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
                f()
            })
            .join()
            .unwrap()
        })
    }
}

impl Drop for ClientNet {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.host_if])
            .status();
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).status();
    }
}

// ---------------------------------------------------------------------------
// Tests.
// ---------------------------------------------------------------------------

#[test]
fn http_through_published_ports() {
    let env = TestEnv::new();
    let token = format!("hello-{}", unique());
    let root = www(&env, &token);
    let docroot = format!("{}:/www:ro", root.display());
    let fixed = free_port();
    let publish = format!("127.0.0.1:{fixed}:80");
    with_container(
        &env,
        &["--name", "web", "-v", &docroot, "-p", &publish, "-p", "80"],
        "httpd -p 80 -h /www",
        |_| {
            let addr = SocketAddr::from(([127, 0, 0, 1], fixed));
            assert_eq!(http_text(addr, "/index.html").trim(), token);
            // Several requests at once, and bytes that must arrive intact.
            thread::scope(|s| {
                let gets: Vec<_> = (0..4)
                    .map(|_| s.spawn(|| http_get(addr, "/big.bin")))
                    .collect();
                for g in gets {
                    let (status, body) = g.join().unwrap();
                    assert_eq!(status, 200);
                    assert!(body == big_body(), "big.bin changed on the way");
                }
            });
            // A loopback client appears as the gateway, "the host" (podman's
            // rootlessport shows 10.0.2.100, the container's own address, for
            // every client).
            assert_eq!(remote_addr(&http_text(addr, "/cgi-bin/addr")), "10.0.2.2");
            // `-p 80`: a random host port, on every address, as `rpod port` says.
            let out = env.rpod(&["port", "web"]);
            out.assert_ok();
            let random: u16 = out
                .stdout_lines()
                .iter()
                .find_map(|l| l.strip_prefix("80/tcp -> 0.0.0.0:"))
                .and_then(|p| p.parse().ok())
                .unwrap_or_else(|| panic!("no random port\n{out}"));
            assert!(random >= 1024 && random != fixed, "{random}");
            assert!(
                out.stdout_lines()
                    .contains(&format!("80/tcp -> 127.0.0.1:{fixed}").as_str()),
                "{out}"
            );
            let addr = SocketAddr::from(([127, 0, 0, 1], random));
            assert_eq!(http_text(addr, "/index.html").trim(), token);
        },
    );
    // The port is free again once the container is gone.
    TcpListener::bind(("127.0.0.1", fixed)).expect("the host port is released");
}

/// GET `path` until the server answers 200 (it may still be starting), for at most 20 s.
fn http_text_soon(addr: SocketAddr, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let attempt = std::panic::catch_unwind(|| http_get(addr, path));
        match attempt {
            Ok((200, body)) => return String::from_utf8_lossy(&body).into_owned(),
            _ if Instant::now() < deadline => thread::sleep(Duration::from_millis(100)),
            Ok((status, body)) => panic!("GET {path} from {addr}: {status} {body:?}"),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

#[test]
fn detached_container_publishes_across_stop_and_start() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let token = format!("detached-{}", unique());
    let root = www(&env, &token);
    let docroot = format!("{}:/www:ro", root.display());
    let fixed = free_port();
    let publish = format!("127.0.0.1:{fixed}:80");
    run_d(
        &env,
        &[
            "--name", "dweb", "-v", &docroot, "-p", "80", "-p", &publish, &img, "httpd", "-f",
            "-p", "80", "-h", "/www",
        ],
    );
    // `run -d` has returned: the detached monitor serves the ports.
    let fixed_addr = SocketAddr::from(([127, 0, 0, 1], fixed));
    assert_eq!(http_text_soon(fixed_addr, "/index.html").trim(), token);
    let random = host_port(&env, "dweb", "80");
    let random_addr = SocketAddr::from(([127, 0, 0, 1], random));
    assert_eq!(http_text(random_addr, "/index.html").trim(), token);
    assert_eq!(
        remote_addr(&http_text(fixed_addr, "/cgi-bin/addr")),
        "10.0.2.2"
    );

    // ps and inspect show them as podman does.
    let out = env.rpod(&["ps", "--format", "{{.Names}} {{.Ports}}"]);
    out.assert_ok();
    assert_eq!(
        out.stdout.trim(),
        format!("dweb 0.0.0.0:{random}->80/tcp, 127.0.0.1:{fixed}->80/tcp"),
        "{out}"
    );
    let expected = serde_json::json!({"80/tcp": [
        {"HostIp": "", "HostPort": random.to_string()},
        {"HostIp": "127.0.0.1", "HostPort": fixed.to_string()},
    ]});
    for field in [
        "{{json .NetworkSettings.Ports}}",
        "{{json .HostConfig.PortBindings}}",
    ] {
        let out = env.rpod(&["inspect", "--format", field, "dweb"]);
        out.assert_ok();
        let got: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
        assert_eq!(got, expected, "{field}\n{out}");
    }

    // Stopped, the ports are the host's again; started, they are served again.
    env.rpod(&["stop", "-t", "0", "dweb"]).assert_ok();
    drop(TcpListener::bind(fixed_addr).expect("stop releases the host port"));
    let out = env.rpod(&["port", "dweb"]);
    out.assert_ok();
    assert_eq!(
        out.stdout, "",
        "a stopped container has no bound ports\n{out}"
    );
    env.rpod(&["start", "dweb"]).assert_ok();
    assert_eq!(http_text_soon(fixed_addr, "/index.html").trim(), token);
    env.rpod(&["rm", "-f", "dweb"]).assert_ok();
    drop(TcpListener::bind(fixed_addr).expect("rm releases the host port"));
}

#[test]
fn http_through_published_ipv6_port() {
    if TcpListener::bind("[::1]:0").is_err() {
        eprintln!("skipped: this host has no IPv6 loopback");
        return;
    }
    let env = TestEnv::new();
    let token = format!("v6-{}", unique());
    let root = www(&env, &token);
    let docroot = format!("{}:/www:ro", root.display());
    let port = free_port();
    let publish = format!("[::1]:{port}:80");
    with_container(
        &env,
        &["-v", &docroot, "-p", &publish],
        "httpd -p 80 -h /www",
        |_| {
            let addr: SocketAddr = format!("[::1]:{port}").parse().unwrap();
            assert_eq!(http_text(addr, "/index.html").trim(), token);
            assert_eq!(remote_addr(&http_text(addr, "/cgi-bin/addr")), "fd00::2");
        },
    );
}

#[test]
fn udp_echo_through_published_port() {
    let env = TestEnv::new();
    let port = free_udp_port();
    let publish = format!("127.0.0.1:{port}:5353/udp");
    let mut args: Vec<&str> = HOST_USR.to_vec();
    args.extend(["-p", &publish]);
    let setup = udp_echo_setup();
    with_container(&env, &args, &setup, |_| {
        let to = SocketAddr::from(([127, 0, 0, 1], port));
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").unwrap();
        // Two clients, each its own flow; the loopback client is the gateway.
        assert_eq!(udp_exchange(&a, to, "one"), "one from 10.0.2.2");
        assert_eq!(udp_exchange(&b, to, "two"), "two from 10.0.2.2");
        assert_eq!(udp_exchange(&a, to, "three"), "three from 10.0.2.2");
        // A large datagram.
        let big = "x".repeat(8000);
        let echoed = udp_exchange(&b, to, &big);
        assert!(
            echoed == format!("{big} from 10.0.2.2"),
            "{} bytes back",
            echoed.len()
        );
    });
}

#[test]
fn container_sees_the_real_client_address() {
    let Some(net) = ClientNet::create() else {
        panic!(
            "no RFC 5737 range is free of this host's routes; cannot build the client namespace"
        );
    };
    let env = TestEnv::new();
    let token = format!("addr-{}", unique());
    let root = www(&env, &token);
    let docroot = format!("{}:/www:ro", root.display());
    let (tcp, udp) = (free_port(), free_udp_port());
    let publish_tcp = format!("{}:{tcp}:80", net.host);
    let publish_udp = format!("{}:{udp}:5353/udp", net.host);
    let loopback = format!("127.0.0.1:{tcp}:80");
    let mut args: Vec<&str> = HOST_USR.to_vec();
    args.extend([
        "-v",
        &docroot,
        "-p",
        &publish_tcp,
        "-p",
        &publish_udp,
        "-p",
        &loopback,
    ]);
    let setup = format!("httpd -p 80 -h /www; {}", udp_echo_setup());
    let client = net.client.to_string();
    with_container(&env, &args, &setup, |_| {
        let tcp_addr = SocketAddr::from((net.host, tcp));
        let udp_addr = SocketAddr::from((net.host, udp));
        // From the client namespace: its own address, for TCP and UDP.
        let (seen, echoed) = net.run(|| {
            let seen = remote_addr(&http_text(tcp_addr, "/cgi-bin/addr"));
            let sock = UdpSocket::bind("0.0.0.0:0").unwrap();
            (seen, udp_exchange(&sock, udp_addr, "hi"))
        });
        assert_eq!(seen, client);
        assert_eq!(echoed, format!("hi from {client}"));
        // From the host through its veth address: that address, not the gateway.
        assert_eq!(
            remote_addr(&http_text(tcp_addr, "/cgi-bin/addr")),
            net.host.to_string()
        );
        // From the host's loopback: the gateway.
        let lo = SocketAddr::from(([127, 0, 0, 1], tcp));
        assert_eq!(remote_addr(&http_text(lo, "/cgi-bin/addr")), "10.0.2.2");
    });
    drop(net);
}

#[test]
fn half_closed_connections_and_uploads_pass_through() {
    let env = TestEnv::new();
    let tools = user_dir(&env, "tools");
    let echo = tools.join("echo.sh");
    // Echoes everything, and only after the client's end of input says "done".
    fs::write(&echo, "#!/bin/sh\ncat\necho done\n").unwrap();
    fs::set_permissions(&echo, fs::Permissions::from_mode(0o755)).unwrap();
    chown_to_test_user(&tools);
    let volume = format!("{}:/t:ro", tools.display());
    let port = free_port();
    let publish = format!("127.0.0.1:{port}:7");
    with_container(
        &env,
        &["-v", &volume, "-p", &publish],
        "nc -ll -p 7 -e /t/echo.sh &\n\
         while ! netstat -ltn | grep -q ':7 '; do sleep 0.05; done",
        |_| {
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let mut expected = big_body();
            expected.extend_from_slice(b"done\n");
            thread::scope(|s| {
                let clients: Vec<_> = (0..3)
                    .map(|_| {
                        s.spawn(|| {
                            let mut c =
                                TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
                            c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                            let mut w = c.try_clone().unwrap();
                            let writer = thread::spawn(move || {
                                w.write_all(&big_body()).unwrap();
                                w.shutdown(std::net::Shutdown::Write).unwrap();
                            });
                            let mut back = Vec::new();
                            c.read_to_end(&mut back).unwrap();
                            writer.join().unwrap();
                            back
                        })
                    })
                    .collect();
                for c in clients {
                    let back = c.join().unwrap();
                    assert!(back == expected, "{} bytes back", back.len());
                }
            });
        },
    );
}

#[test]
fn publish_all_uses_the_images_exposed_ports() {
    let env = TestEnv::new();
    // An image of busybox that exposes a TCP and a UDP port.
    let tree = env.root().join("exposed-tree");
    fs::create_dir_all(tree.join("bin")).unwrap();
    fs::copy("/bin/busybox", tree.join("bin/busybox")).expect("busybox-static is installed");
    for applet in ["sh", "httpd", "touch", "sleep", "true"] {
        std::os::unix::fs::symlink("busybox", tree.join("bin").join(applet)).unwrap();
    }
    let tar = env.root().join("exposed.tar");
    let status = Command::new("tar")
        .arg("-C")
        .arg(&tree)
        .arg("-cf")
        .arg(&tar)
        .arg(".")
        .status()
        .unwrap();
    assert!(status.success());
    fs::set_permissions(&tar, fs::Permissions::from_mode(0o644)).unwrap();
    let tar = tar.display().to_string();
    let name = "localhost/exposed:latest";
    env.rpod(&[
        "import",
        "-q",
        "--change",
        "EXPOSE 80",
        "--change",
        "EXPOSE 5353/udp",
        &tar,
        name,
    ])
    .assert_ok();
    let token = format!("all-{}", unique());
    let root = www(&env, &token);
    let docroot = format!("{}:/www:ro", root.display());
    let mut args: Vec<&str> = HOST_USR.to_vec();
    args.extend(["--name", "exposed", "-v", &docroot, "-P"]);
    let setup = format!("httpd -p 80 -h /www; {}", udp_echo_setup());
    with_image_container(&env, name, &args, &setup, |_| {
        let out = env.rpod(&["port", "exposed"]);
        out.assert_ok();
        assert_eq!(out.stdout_lines().len(), 2, "the two exposed ports\n{out}");
        let (tcp, udp) = (
            host_port(&env, "exposed", "80"),
            host_port(&env, "exposed", "5353/udp"),
        );
        let addr = SocketAddr::from(([127, 0, 0, 1], tcp));
        assert_eq!(http_text(addr, "/index.html").trim(), token);
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = SocketAddr::from(([127, 0, 0, 1], udp));
        assert_eq!(udp_exchange(&sock, to, "all"), "all from 10.0.2.2");
    });
}

#[test]
fn outbound_tcp_to_host_loopback_only_when_allowed() {
    let env = TestEnv::new();
    let token = format!("from-host-{}", unique());
    let server = HostServer::start(&token);
    let script = format!(
        "nc -w 3 10.0.2.2 {p} </dev/null; echo rc=$?; \
         nc -w 3 host.containers.internal {p} </dev/null; echo rc=$?",
        p = server.port
    );
    let busybox = image("busybox");
    let out = env.rpod(&[
        "run",
        "--rm",
        "--network",
        "slirp4netns:allow_host_loopback=true",
        &busybox,
        "sh",
        "-c",
        &script,
    ]);
    out.assert_ok();
    assert_eq!(
        out.stdout_lines(),
        [token.as_str(), "rc=0", token.as_str(), "rc=0"],
        "{out}"
    );
    let peers = server.peers();
    assert_eq!(peers.len(), 2, "{peers:?}");
    assert!(peers.iter().all(|p| p.ip().is_loopback()), "{peers:?}");

    // Without the option (the default, as podman's): refused, nothing arrives.
    for network in [None, Some("slirp4netns"), Some("pasta")] {
        let mut args = vec!["run", "--rm"];
        if let Some(n) = network {
            args.extend(["--network", n]);
        }
        args.extend([busybox.as_str(), "sh", "-c", &script]);
        let out = env.rpod(&args);
        out.assert_ok();
        assert_eq!(out.stdout_lines(), ["rc=1", "rc=1"], "{out}");
        assert!(out.stderr.contains("Connection refused"), "{out}");
        assert!(!out.stdout.contains(&token), "{out}");
    }
    assert_eq!(server.peers().len(), 2, "no connection reached the host");
}

#[test]
fn outbound_udp_and_ipv6_to_host_loopback_only_when_allowed() {
    let env = TestEnv::new();
    // A UDP echo on 127.0.0.1, and a TCP greeter on ::1 when the host has IPv6.
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let udp_port = udp.local_addr().unwrap().port();
    let v6 = TcpListener::bind("[::1]:0").ok();
    let stop = AtomicBool::new(false);
    let seen = Mutex::new(Vec::new());
    let script = format!(
        "python3 -c \"import socket\n\
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
s.settimeout(3)\n\
s.connect(('10.0.2.2', {udp_port}))\n\
s.send(b'ping')\n\
try:\n    print(s.recv(100).decode())\n\
except Exception as e:\n    print('udp:', e)\n\"; \
         {v6}",
        v6 = match &v6 {
            Some(l) => format!(
                "nc -w 3 fd00::2 {} </dev/null || echo v6 refused",
                l.local_addr().unwrap().port()
            ),
            None => String::new(),
        }
    );
    let img = busybox(&env);
    let mut outputs = Vec::new();
    thread::scope(|s| {
        s.spawn(|| {
            let mut buf = [0u8; 512];
            while !stop.load(Ordering::Relaxed) {
                if let Ok((n, from)) = udp.recv_from(&mut buf) {
                    seen.lock().unwrap().push(from);
                    let mut reply = b"back ".to_vec();
                    reply.extend_from_slice(&buf[..n]);
                    let _ = udp.send_to(&reply, from);
                }
            }
        });
        if let Some(l) = &v6 {
            l.set_nonblocking(true).unwrap();
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    match l.accept() {
                        Ok((mut c, _)) => {
                            let _ = c.write_all(b"v6 hello\n");
                        }
                        Err(_) => thread::sleep(Duration::from_millis(10)),
                    }
                }
            });
        }
        for network in ["slirp4netns:allow_host_loopback=true", "private"] {
            let mut args: Vec<&str> = vec!["run", "--rm", "--network", network];
            args.extend(HOST_USR);
            args.extend([img.as_str(), "sh", "-c", &script]);
            outputs.push(env.rpod(&args));
        }
        stop.store(true, Ordering::Relaxed);
    });
    let (allowed, refused) = (&outputs[0], &outputs[1]);
    allowed.assert_ok();
    refused.assert_ok();
    assert_eq!(allowed.stdout_lines()[0], "back ping", "{allowed}");
    assert!(
        refused.stdout_lines()[0].contains("Connection refused"),
        "{refused}"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "only the allowed datagram arrived: {seen:?}");
    assert!(seen[0].ip().is_loopback(), "{seen:?}");
    if v6.is_some() {
        assert_eq!(allowed.stdout_lines()[1], "v6 hello", "{allowed}");
        assert_eq!(refused.stdout_lines()[1], "v6 refused", "{refused}");
    } else {
        eprintln!("IPv6 part skipped: this host has no ::1");
    }
}

#[test]
fn dns_through_the_forwarder_to_the_configured_resolver() {
    let env = TestEnv::new();
    let answer = Ipv4Addr::new(198, 51, 100, 77);
    let dns = DnsServer::start(answer);
    let conf_dir = env.config_dir().join("rpod");
    fs::create_dir_all(&conf_dir).unwrap();
    fs::write(
        conf_dir.join("rpod.toml"),
        format!("[network]\ndns_servers = [\"127.0.0.1:{}\"]\n", dns.port),
    )
    .unwrap();
    chown_to_test_user(&conf_dir);
    let name = format!("n{}.example.test", unique().replace('-', ""));
    let out = env.rpod(&[
        "run",
        "--rm",
        &image("busybox"),
        "sh",
        "-c",
        &format!("cat /etc/resolv.conf; nslookup {name}; nslookup nosuch.invalid; echo rc=$?"),
    ]);
    out.assert_ok();
    assert!(out.stdout.contains("nameserver 10.0.2.3"), "{out}");
    assert!(out.stdout.contains("Server:\t\t10.0.2.3"), "{out}");
    let after_name = out.stdout.split(&name).nth(1).unwrap_or_default();
    assert!(
        after_name.contains(&format!("Address: {answer}")),
        "the test resolver's answer\n{out}"
    );
    assert!(
        out.stdout.contains("rc=1"),
        "NXDOMAIN reaches nslookup\n{out}"
    );
    let asked = dns.asked();
    assert!(asked.contains(&(name.clone(), 1)), "{asked:?}");
    assert!(
        asked.iter().any(|(n, _)| n == "nosuch.invalid"),
        "{asked:?}"
    );
}

#[test]
fn two_containers_publish_at_once() {
    let env = TestEnv::new();
    let (t1, t2) = (format!("one-{}", unique()), format!("two-{}", unique()));
    let (w1, w2) = (www(&env, &t1), www(&env, &t2));
    let (d1, d2) = (
        format!("{}:/www:ro", w1.display()),
        format!("{}:/www:ro", w2.display()),
    );
    let (p1, p2) = (free_port(), free_port());
    let (m1, m2) = (format!("127.0.0.1:{p1}:80"), format!("127.0.0.1:{p2}:80"));
    with_container(&env, &["-v", &d1, "-p", &m1], "httpd -p 80 -h /www", |_| {
        with_container(&env, &["-v", &d2, "-p", &m2], "httpd -p 80 -h /www", |_| {
            for _ in 0..3 {
                let a = http_text(SocketAddr::from(([127, 0, 0, 1], p1)), "/index.html");
                let b = http_text(SocketAddr::from(([127, 0, 0, 1], p2)), "/index.html");
                assert_eq!((a.trim(), b.trim()), (t1.as_str(), t2.as_str()));
            }
        });
        // The first still serves after the second is gone.
        let a = http_text(SocketAddr::from(([127, 0, 0, 1], p1)), "/index.html");
        assert_eq!(a.trim(), t1);
    });
}

#[test]
fn dns_hosts_and_hostname_flags_reach_the_etc_files() {
    let env = TestEnv::new();
    let busybox = image("busybox");
    let show = "cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; hostname; \
                echo ---; cat /sys/class/net/tap0/mtu";
    let out = env.rpod(&[
        "run",
        "--rm",
        "--dns",
        "198.51.100.53",
        "--dns-search",
        "a.test",
        "--dns-option",
        "ndots:2",
        "--add-host",
        "db.test:198.51.100.9",
        "--hostname",
        "web1",
        "--name",
        "webname",
        "--network",
        "slirp4netns:mtu=1500",
        &busybox,
        "sh",
        "-c",
        show,
    ]);
    out.assert_ok();
    let parts: Vec<&str> = out.stdout.split("---\n").collect();
    assert_eq!(parts.len(), 4, "{out}");
    assert_eq!(
        parts[0], "search a.test\nnameserver 198.51.100.53\noptions ndots:2\n",
        "{out}"
    );
    let hosts: Vec<&str> = parts[1].lines().collect();
    assert!(hosts.contains(&"198.51.100.9\tdb.test"), "{out}");
    assert!(hosts.contains(&"10.0.2.100\tweb1 webname"), "{out}");
    assert!(
        hosts.contains(&"10.0.2.2\thost.containers.internal"),
        "{out}"
    );
    assert_eq!(parts[2], "web1\n", "{out}");
    assert_eq!(parts[3], "1500\n", "{out}");

    // Defaults: the forwarder, the gateway as the host, the largest MTU.
    let out = env.rpod(&["run", "--rm", &busybox, "sh", "-c", show]);
    out.assert_ok();
    let parts: Vec<&str> = out.stdout.split("---\n").collect();
    assert_eq!(parts.len(), 4, "{out}");
    assert!(
        parts[0].lines().any(|l| l == "nameserver 10.0.2.3"),
        "{out}"
    );
    assert_eq!(
        parts[0]
            .lines()
            .filter(|l| l.starts_with("nameserver"))
            .count(),
        1,
        "{out}"
    );
    let hostname = parts[2].trim();
    // The container's own line: its hostname, then (as podman writes it) its name.
    assert!(
        parts[1].lines().any(|l| l
            .strip_prefix("10.0.2.100\t")
            .and_then(|names| names.split(' ').next())
            == Some(hostname)),
        "{out}"
    );
    assert_eq!(parts[3], "65520\n", "{out}");
}

#[test]
fn network_none_and_host() {
    let env = TestEnv::new();
    let busybox = image("busybox");
    let out = env.rpod(&[
        "run",
        "--rm",
        "--network",
        "none",
        &busybox,
        "sh",
        "-c",
        "ls /sys/class/net; cat /sys/class/net/lo/operstate /sys/class/net/lo/flags",
    ]);
    out.assert_ok();
    let lines = out.stdout_lines();
    assert_eq!(lines[0], "lo", "only lo\n{out}");
    // IFF_UP is bit 0 of the flags.
    let flags = u32::from_str_radix(lines[2].trim_start_matches("0x"), 16).unwrap();
    assert_eq!(flags & 1, 1, "lo is up\n{out}");

    let out = env.rpod(&[
        "run",
        "--rm",
        "--network",
        "host",
        &busybox,
        "sh",
        "-c",
        "ls /sys/class/net",
    ]);
    assert_host_interfaces(&out);
}

#[test]
fn ports_are_discarded_without_a_private_network() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(&env, &["--name", "holder", &img, "sleep", "60"]);
    let port = free_port();
    let publish = format!("127.0.0.1:{port}:80");
    // As podman: a warning, and the container runs without them.
    for network in ["host", "none", "container:holder"] {
        let script = "echo ran";
        let out = env.rpod(&[
            "run",
            "--rm",
            "--network",
            network,
            "-p",
            &publish,
            &img,
            "sh",
            "-c",
            script,
        ]);
        out.assert_ok();
        assert_eq!(out.stdout, "ran\n", "{network}\n{out}");
        assert!(
            out.stderr.contains("Port mappings have been discarded"),
            "{network}\n{out}"
        );
        drop(TcpListener::bind(("127.0.0.1", port)).expect("nothing bound the port"));
    }
    env.rpod(&["rm", "-f", "-t", "0", "holder"]).assert_ok();
}

#[test]
fn host_port_in_use_fails_before_the_container_starts() {
    let env = TestEnv::new();
    let busybox = image("busybox");
    // Pull first, so the failure below is the port's alone.
    env.rpod(&["run", "--rm", &busybox, "true"]).assert_ok();
    let ctl = user_dir(&env, "ctl");
    let volume = format!("{}:/ctl", ctl.display());
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let cases = [
        format!("127.0.0.1:{}:80", tcp.local_addr().unwrap().port()),
        format!("{}:80", tcp.local_addr().unwrap().port()),
        format!("127.0.0.1:{}:53/udp", udp.local_addr().unwrap().port()),
    ];
    for publish in &cases {
        let free = format!("127.0.0.1:{}:81", free_port());
        let out = env.rpod(&[
            "run", "--rm", "-v", &volume, "-p", &free, "-p", publish, &busybox, "touch", "/ctl/ran",
        ]);
        out.assert_code(125).assert_one_error_line();
        assert!(out.stderr.contains("already in use"), "{out}");
        assert!(!ctl.join("ran").exists(), "the container ran\n{out}");
    }
    let containers = env.runtime_dir().join("rpod/containers");
    let left = fs::read_dir(&containers).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "nothing left in {}", containers.display());
}

#[test]
fn invalid_publish_values_are_refused_as_podman_does() {
    let env = TestEnv::new();
    let ctl = user_dir(&env, "ctl");
    let volume = format!("{}:/ctl", ctl.display());
    let busybox = image("busybox");
    // Messages as podman 4.3 prints them for the same values.
    let cases = [
        ("abc", "parsing container port: invalid port number: strconv.Atoi: parsing \"abc\": invalid syntax"),
        ("80:abc", "parsing container port: invalid port number: strconv.Atoi: parsing \"abc\": invalid syntax"),
        ("70000:80", "parsing host port: port numbers must be between 1 and 65535 (inclusive), got 70000"),
        ("0:80", "parsing host port: port numbers must be between 1 and 65535 (inclusive), got 0"),
        ("80:0", "parsing container port: port numbers must be between 1 and 65535 (inclusive), got 0"),
        ("1-3:4-5", "host and container port ranges have different lengths: 3 vs 2"),
        ("::80", "must provide a non-empty container host IP to publish"),
        ("80/tcp/udp", "invalid port format - protocol can only be specified once"),
        ("[::1]80", "invalid port format - IPv6 address must be followed by a colon (':')"),
        ("999.1.1.1:80:80", "cannot parse \"999.1.1.1\" as an IP address"),
    ];
    for (value, message) in cases {
        let out = env.rpod(&[
            "run", "--rm", "-v", &volume, "-p", value, &busybox, "touch", "/ctl/ran",
        ]);
        out.assert_code(125).assert_one_error_line();
        assert_eq!(
            out.stderr.trim_end(),
            format!("Error: {message}"),
            "-p {value}"
        );
        assert!(!ctl.join("ran").exists(), "-p {value}: the container ran");
    }
}

#[test]
fn privileged_host_port_is_a_clear_error() {
    let start: u16 = fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1024);
    if start <= 1 {
        eprintln!(
            "skipped: net.ipv4.ip_unprivileged_port_start={start} lets every user bind every port"
        );
        return;
    }
    let env = TestEnv::new();
    // Pull first: the failure must come before the container, not the image.
    env.rpod(&["run", "--rm", &image("busybox"), "true"])
        .assert_ok();
    let ctl = user_dir(&env, "ctl");
    let volume = format!("{}:/ctl", ctl.display());
    let port = start - 1;
    let publish = format!("127.0.0.1:{port}:80");
    let out = env.rpod(&[
        "run",
        "--rm",
        "-v",
        &volume,
        "-p",
        &publish,
        &image("busybox"),
        "touch",
        "/ctl/ran",
    ]);
    out.assert_code(125).assert_one_error_line();
    assert!(
        out.stderr.contains(&format!(
            "ports below {start} are privileged (net.ipv4.ip_unprivileged_port_start={start})"
        )),
        "{out}"
    );
    assert!(!ctl.join("ran").exists(), "the container ran\n{out}");
}
