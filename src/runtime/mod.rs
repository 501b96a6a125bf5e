//! The container runtime: carries out an OCI runtime spec without root and without an
//! external runtime binary.
//!
//! One `clone3` puts the container's init into new user, mount, pid, uts, ipc, cgroup
//! (and net) namespaces; [`init`] sets the container up there and execs the command,
//! which is then pid 1. Where the container has a cgroup of its own ([`cgroup`]) the
//! clone puts it there, and the child makes its cgroup namespace itself, rooted there.
//! The calling process stays its parent and is its monitor: it relays signals,
//! terminal I/O and the exit status.
//!
//! Layout: [`spec`] builds the spec, [`mounts`] plans and applies the filesystem,
//! [`user`] and [`caps`] settle who the process is, [`tty`] makes `-t` work, and
//! [`bundle`] keeps the container's files (`config.json`, `/etc/hosts` …).

use std::os::fd::{AsFd, BorrowedFd};

use anyhow::{Context, Result};
use nix::fcntl::OFlag;
use nix::sched::CloneFlags;
use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
use nix::sys::stat::Mode;
use oci_spec::runtime::{LinuxNamespaceType, Spec};

use crate::network::ContainerNet;
use crate::rootfs::Rootfs;
use crate::userns::{self, IdMap};

pub mod bundle;
pub mod caps;
pub mod envfile;
pub mod exec;
pub mod init;
pub mod mounts;
pub mod process;
pub mod spec;
pub mod tty;
pub mod ulimit;
pub mod user;

/// How the container's stdio is connected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stdio {
    /// `-i`: the container reads rpod's stdin (else `/dev/null`).
    pub interactive: bool,
    /// `-t`: the container gets a pty, relayed by the monitor.
    pub tty: bool,
}

/// A container whose command is running.
#[derive(Debug)]
pub struct Started {
    pub child: userns::Child,
    /// With `-t`: the container's terminal.
    pub pty: Option<tty::Pty>,
}

/// The namespaces to create besides the user namespace, from the spec.
pub fn clone_flags(spec: &Spec) -> CloneFlags {
    let mut flags = CloneFlags::empty();
    let namespaces = spec.linux().as_ref().and_then(|l| l.namespaces().as_ref());
    for ns in namespaces.into_iter().flatten() {
        if ns.path().is_some() {
            continue;
        }
        flags |= match ns.typ() {
            LinuxNamespaceType::Mount => CloneFlags::CLONE_NEWNS,
            LinuxNamespaceType::Pid => CloneFlags::CLONE_NEWPID,
            LinuxNamespaceType::Uts => CloneFlags::CLONE_NEWUTS,
            LinuxNamespaceType::Ipc => CloneFlags::CLONE_NEWIPC,
            LinuxNamespaceType::Cgroup => CloneFlags::CLONE_NEWCGROUP,
            LinuxNamespaceType::Network => CloneFlags::CLONE_NEWNET,
            // The user namespace is userns::spawn's; time namespaces are not offered.
            LinuxNamespaceType::User | LinuxNamespaceType::Time => CloneFlags::empty(),
        };
    }
    flags
}

/// Starts the container's command; returns once it has exec'd, or with the setup error
/// (exit code 126/127 kept). The caller must already block the signals it relays, so
/// none is lost between the clone and its wait. Called by `container::launch` alone,
/// the one path that also sets up what surrounds the command.
/// `net`, when given, adds its namespaces and configures the network in the child;
/// `cgroup`, when given, is the cgroup the init is born in (see [`cgroup`]).
pub fn start(
    spec: &Spec,
    rootfs: &Rootfs,
    stdio: Stdio,
    map: &IdMap,
    net: Option<&ContainerNet>,
    cgroup: Option<BorrowedFd<'_>>,
) -> Result<Started> {
    let plan = mounts::plan(spec, rootfs)?;
    let null_stdin = if stdio.interactive || stdio.tty {
        None
    } else {
        Some(
            nix::fcntl::open(
                "/dev/null",
                OFlag::O_RDONLY | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .context("opening /dev/null")?,
        )
    };
    let (tty_parent, tty_child) = if stdio.tty {
        let (a, b) = socketpair(
            AddressFamily::Unix,
            SockType::Stream,
            None,
            SockFlag::SOCK_CLOEXEC,
        )
        .context("creating the terminal socket")?;
        (Some(a), Some(b))
    } else {
        (None, None)
    };
    let size = tty::own_window_size();
    let io = init::ChildIo {
        null_stdin,
        tty: tty_child.map(|s| (s, size)),
    };
    let flags = clone_flags(spec) | net.map_or(CloneFlags::empty(), ContainerNet::clone_flags);
    let setup = move || init::run(spec, &plan, io, net);
    let child = match net.and_then(ContainerNet::join_target) {
        Some(target) => userns::spawn_joined_in(
            target,
            CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNET,
            flags,
            cgroup,
            setup,
        )?,
        None => userns::spawn_in(map, flags, cgroup, setup)?,
    };
    let pty = match tty_parent {
        Some(sock) => Some(tty::receive_pty(sock.as_fd())?),
        None => None,
    };
    Ok(Started { child, pty })
}

#[cfg(test)]
mod tests {
    use super::*;
    use spec::{Environment, NetworkMode, RunOptions};

    #[test]
    fn clone_flags_follow_the_spec() {
        let mut o = RunOptions {
            id: "f".repeat(64),
            command: vec!["true".into()],
            ..Default::default()
        };
        let s = spec::build(None, &o, &Environment::default()).unwrap();
        let f = clone_flags(&s);
        assert!(f.contains(
            CloneFlags::CLONE_NEWNS
                | CloneFlags::CLONE_NEWPID
                | CloneFlags::CLONE_NEWUTS
                | CloneFlags::CLONE_NEWIPC
                | CloneFlags::CLONE_NEWCGROUP
                | CloneFlags::CLONE_NEWNET
        ));
        assert!(!f.contains(CloneFlags::CLONE_NEWUSER));
        o.network = NetworkMode::Host;
        let s = spec::build(None, &o, &Environment::default()).unwrap();
        assert!(!clone_flags(&s).contains(CloneFlags::CLONE_NEWNET));
    }
}
