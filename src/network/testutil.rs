//! Helpers for tests that need real network namespaces (they run as root).

use std::os::fd::OwnedFd;
use std::thread;

use super::netns::{self, NetnsConfig};
use super::stack::{Stack, StackConfig};
use super::sys::Stopper;

/// Runs `f` on a fresh thread moved into a new network namespace; the
/// namespace goes away with the thread.
pub fn in_new_netns<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
            .expect("unshare(CLONE_NEWNET): these tests must run as root");
        f()
    })
    .join()
    .expect("namespace thread panicked")
}

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
        dns: vec!["127.0.0.1".parse().unwrap()],
    }
}
