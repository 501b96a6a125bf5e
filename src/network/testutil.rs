//! Helpers for tests that need real network namespaces (they run as root).

use std::os::fd::OwnedFd;
use std::thread;

use super::netns::{self, NetnsConfig};
use super::stack::{Stack, StackConfig};
use crate::sys::socket::Stopper;

/// A container-like namespace: a thread in a new netns configured with
/// `cfg`, running `f` there, with the stack serving it from the caller's netns.
pub fn with_container<T: Send + 'static>(
    cfg: NetnsConfig,
    stack: StackConfig,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel::<OwnedFd>();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let guest = thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
            .expect("unshare(CLONE_NEWNET): these tests must run as root");
        let tun = netns::configure(&cfg).expect("configure the namespace");
        tx.send(tun).unwrap();
        let r = f();
        let _ = done_tx.send(());
        r
    });
    let tun = rx.recv().expect("namespace set up");
    let stopper = Stopper::new().unwrap();
    let stop = stopper.try_clone().unwrap();
    let st = Stack::new(stack, tun, stop).unwrap();
    let runner = thread::spawn(move || st.run());
    let r = guest.join();
    let _ = done_rx.try_recv();
    stopper.stop();
    runner.join().unwrap().unwrap();
    r.expect("container thread panicked")
}

pub fn stack_config(allow_host_loopback: bool) -> StackConfig {
    StackConfig {
        mtu: super::DEFAULT_MTU,
        allow_host_loopback,
        dns: Vec::new(),
    }
}

/// A TCP port free on the host's loopback right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The receiver's rate from `iperf3 -J` output.
pub fn iperf3_bits_per_second(json: &[u8]) -> f64 {
    let v: serde_json::Value = serde_json::from_slice(json)
        .unwrap_or_else(|_| panic!("iperf3 output: {}", String::from_utf8_lossy(json)));
    v["end"]["sum_received"]["bits_per_second"]
        .as_f64()
        .unwrap_or_else(|| panic!("iperf3 result: {v}"))
}

/// A running stand-in for a container: a thread in its own configured netns.
pub struct TestContainer<T> {
    /// Held open: the device lives as long as this fd.
    pub _tun: OwnedFd,
    pub netns: OwnedFd,
    pub thread: thread::JoinHandle<T>,
}

/// Starts a thread in a new netns configured with `cfg`; it runs `f` there.
/// `f` gets a sender to say when it is ready (e.g. listening).
pub fn spawn_container<T: Send + 'static>(
    cfg: NetnsConfig,
    f: impl FnOnce(std::sync::mpsc::Sender<()>) -> T + Send + 'static,
) -> TestContainer<T> {
    let (tx, rx) = std::sync::mpsc::channel::<(OwnedFd, OwnedFd)>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let thread = thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
            .expect("unshare(CLONE_NEWNET): these tests must run as root");
        let tun = netns::configure(&cfg).expect("configure the namespace");
        let ns = std::fs::File::open("/proc/thread-self/ns/net").unwrap();
        tx.send((tun, OwnedFd::from(ns))).unwrap();
        f(ready_tx)
    });
    let (tun, netns) = rx.recv().expect("namespace set up");
    ready_rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("container ready");
    TestContainer {
        _tun: tun,
        netns,
        thread,
    }
}

/// Runs `ip ARGS` in the calling thread's network namespace.
pub fn ip(args: &str) {
    let st = std::process::Command::new("ip")
        .args(args.split_whitespace())
        .status()
        .expect("ip (iproute2) is needed for this test");
    assert!(st.success(), "ip {args} failed");
}
