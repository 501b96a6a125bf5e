//! The whole path as the runtime and monitor will take it, as an unprivileged
//! user: `ContainerNet::prepare` → `userns::spawn` with `child_setup` before
//! exec → `ContainerNet::start`. Needs root (to become the test user) and the
//! user `rpodtest` with a subordinate id range.

use std::ffi::CString;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use nix::unistd::{fork, ForkResult, Gid, Uid, User};

use super::{ContainerNet, NetworkMode, PortMapping};
use crate::userns::{self, IdMap};

const CGI: &str =
    "#!/bin/busybox sh\necho 'Content-Type: text/plain'\necho\necho \"$REMOTE_ADDR\"\n";

fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

/// One host HTTP server on the loopback answering every request with `body`.
fn host_server(body: &'static str) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().take(4) {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

fn vm_rss() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs as the test user (in a forked process); panics on failure. Like
/// `rpod run`, it is single-threaded when it spawns the container: the
/// child's setup allocates, which a lock held by another thread at clone
/// time would deadlock.
fn monitor(dir: &Path, outbound: u16) {
    let map = IdMap::for_current_user();
    assert!(!map.is_single(), "rpodtest needs a subordinate id range");
    let mode = NetworkMode::parse("slirp4netns:allow_host_loopback=true").unwrap();
    let ports = PortMapping::parse_all(&["127.0.0.1::80"]).unwrap();
    let rss_before = vm_rss();
    let t0 = Instant::now();
    let net = ContainerNet::prepare(mode, &ports, &[]).unwrap();
    let port = net.ports()[0].host_port;
    let script = format!(
        "busybox httpd -f -p 80 -h {d}/www & \
         busybox wget -q -O {d}/out http://10.0.2.2:{outbound}/ ; \
         i=0; while [ ! -f {d}/done ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; kill %1",
        d = dir.display()
    );
    let timing = dir.join("setup_us");
    let child = userns::spawn(&map, net.clone_flags(), || {
        let t = Instant::now();
        if let Err(e) = net.child_setup() {
            return e.into();
        }
        let _ = std::fs::write(&timing, t.elapsed().as_micros().to_string());
        let argv = [c"/bin/busybox", c"sh", c"-c"]
            .iter()
            .map(|c| CString::from(*c))
            .chain([CString::new(script.clone()).unwrap()])
            .collect::<Vec<_>>();
        match nix::unistd::execv(c"/bin/busybox", &argv) {
            Err(e) => e.into(),
            Ok(never) => match never {},
        }
    })
    .unwrap();
    let handle = net.start().unwrap();
    let started = t0.elapsed();
    let mut reply = Err(std::io::Error::other("not tried"));
    for _ in 0..100 {
        reply = http_get(port, "/cgi-bin/addr");
        if matches!(&reply, Ok(r) if r.contains("200 OK")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let reply = reply.unwrap();
    let rss = format!(
        "RSS {} kB, {} kB more than before prepare",
        vm_rss(),
        vm_rss() - rss_before
    );
    std::fs::write(dir.join("done"), "").unwrap();
    let status = child.wait().unwrap();
    handle.stop().unwrap();
    eprintln!(
        "unprivileged: namespace setup {} us in the child; prepare..start {:?}; monitor {rss}",
        std::fs::read_to_string(dir.join("setup_us")).unwrap_or_default(),
        started
    );
    // busybox httpd listens dual-stack and prints IPv4 peers as [::ffff:a.b.c.d].
    let addr = reply.rsplit("\n\n").next().unwrap_or("").trim();
    assert!(
        addr == "10.0.2.2" || addr == "[::ffff:10.0.2.2]",
        "CGI reply: {reply}"
    );
    let out = std::fs::read_to_string(dir.join("out")).unwrap_or_default();
    assert_eq!(out, "hello-from-host", "outbound through the stack");
    assert_eq!(status, 0);
}

#[test]
fn unprivileged_container_serves_a_published_port_and_reaches_the_host() {
    let user = User::from_name("rpodtest")
        .unwrap()
        .expect("this test needs the user rpodtest with a subordinate id range");
    let dir = tempfile::tempdir().unwrap();
    let cgi = dir.path().join("www/cgi-bin");
    std::fs::create_dir_all(&cgi).unwrap();
    std::fs::write(cgi.join("addr"), CGI).unwrap();
    std::fs::set_permissions(cgi.join("addr"), std::fs::Permissions::from_mode(0o755)).unwrap();
    for p in [dir.path(), &dir.path().join("www"), &cgi, &cgi.join("addr")] {
        nix::unistd::chown(p, Some(user.uid), Some(user.gid)).unwrap();
    }
    // In this (root) process: the monitor must stay single-threaded.
    let outbound = host_server("hello-from-host");
    // SAFETY: the child only runs this test's code and exits.
    match unsafe { fork() }.unwrap() {
        ForkResult::Child => {
            let r = std::panic::catch_unwind(|| {
                nix::unistd::setgroups(&[]).unwrap();
                nix::unistd::setgid(Gid::from_raw(user.gid.as_raw())).unwrap();
                nix::unistd::setuid(Uid::from_raw(user.uid.as_raw())).unwrap();
                monitor(dir.path(), outbound);
            });
            // SAFETY: leave the forked test process without running the harness.
            unsafe { libc::_exit(if r.is_ok() { 0 } else { 1 }) }
        }
        ForkResult::Parent { child } => {
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                match nix::sys::wait::waitpid(child, Some(nix::sys::wait::WaitPidFlag::WNOHANG))
                    .unwrap()
                {
                    nix::sys::wait::WaitStatus::StillAlive => {
                        if Instant::now() > deadline {
                            let _ =
                                nix::sys::signal::kill(child, nix::sys::signal::Signal::SIGKILL);
                            panic!("the unprivileged monitor did not finish in time");
                        }
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    st => {
                        assert_eq!(
                            st,
                            nix::sys::wait::WaitStatus::Exited(child, 0),
                            "see the output above"
                        );
                        break;
                    }
                }
            }
        }
    }
}
