//! The container's side, from "uid 0 in the new user namespace" to `execve`: network
//! loopback, hostname, mounts and `pivot_root`, terminal, then [`process::exec`]
//! (user, capabilities, limits, workdir, the command). Failures carry podman's exit
//! codes back through the spawn channel: 127 command not found, 126 everything else
//! that stops the command from starting.

use std::convert::Infallible;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use anyhow::{Context, Result};
use oci_spec::runtime::{LinuxNamespaceType, Spec};

use super::mounts::{self, Plan};
use super::process::{self, Launch};
use super::tty::{self, WinSize};
use crate::error::{exit_error, EXIT_CANNOT_INVOKE};
use crate::network::ContainerNet;

/// The container's stdio, prepared by the monitor before the clone.
#[derive(Debug, Default)]
pub struct ChildIo {
    /// `/dev/null`, for stdin when the container gets no input (no `-i`, no `-t`).
    pub null_stdin: Option<OwnedFd>,
    /// With `-t`: the socket the pty master is sent over, and the initial window size.
    pub tty: Option<(OwnedFd, Option<WinSize>)>,
}

/// Runs in the cloned child; returns only on failure (it execs otherwise).
pub fn run(spec: &Spec, plan: &Plan, io: ChildIo, net: Option<&ContainerNet>) -> anyhow::Error {
    match setup(spec, plan, io, net) {
        Ok(never) => match never {},
        Err(e) => {
            if e.chain().any(|c| c.is::<crate::error::Exit>()) {
                e
            } else {
                let msg = crate::error::one_line(&e);
                exit_error(EXIT_CANNOT_INVOKE, msg)
            }
        }
    }
}

fn setup(spec: &Spec, plan: &Plan, io: ChildIo, net: Option<&ContainerNet>) -> Result<Infallible> {
    let process = spec.process().as_ref().context("the spec has no process")?;
    let own_netns = spec
        .linux()
        .as_ref()
        .and_then(|l| l.namespaces().as_ref())
        .is_some_and(|ns| ns.iter().any(|n| n.typ() == LinuxNamespaceType::Network));
    // Before the mounts: the network setup reads the host's /proc.
    match net {
        Some(net) => net
            .child_setup()
            .context("setting up the container's network")?,
        None if own_netns => {
            crate::network::netns::loopback_up().context("bringing up the container's loopback")?
        }
        None => {}
    }
    if let Some(name) = spec.hostname() {
        nix::unistd::sethostname(name).context("setting the hostname")?;
    }

    mounts::apply(&plan.setup, &plan.root)?;
    match &io.tty {
        Some((sock, size)) => tty::attach_container_pty(sock.as_fd(), size.as_ref())?,
        // A session of its own, as under conmon: the terminal's ^C reaches rpod alone
        // (which relays it once), and reading an inherited terminal (`-i`) is not
        // stopped by job control.
        None => {
            let _ = nix::unistd::setsid();
        }
    }
    let cwd = process.cwd();
    if let Err(e) = std::fs::create_dir_all(cwd) {
        return Err(exit_error(
            EXIT_CANNOT_INVOKE,
            format!("creating workdir {}: {e}", cwd.display()),
        ));
    }
    mounts::apply(&plan.finish, Path::new("/"))?;

    let who = process::resolve_user(process)?;
    // The container dies with its monitor rather than outliving it unseen.
    let launch = Launch {
        stdin: io.null_stdin.as_ref().map(|f| f.as_fd()),
        tty: io.tty.is_some(),
        die_with_parent: true,
    };
    process::exec(process, &who, launch)
}
