//! What the lifecycle commands do to a running or stopped container: kill, stop,
//! wait, remove (starting it is the monitor's). Each takes the locks in the
//! documented order and never waits for a process while holding one (see
//! [`crate::container`]).

use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use thiserror::Error;

use super::state::{State, Status};
use super::store::{Container, ContainerStore};
use crate::error;
use crate::sys::proc;

#[derive(Debug, Error)]
pub enum OpError {
    #[error(
        "can only {verb} running containers. {id} is in state {status}: container state improper"
    )]
    NotRunning {
        verb: &'static str,
        id: String,
        status: &'static str,
    },
    #[error("cannot remove container {0} as it is running - running or paused containers cannot be removed without force: container state improper")]
    Running(String),
    #[error("container {0} is already running: rpod cannot attach to a running container")]
    AlreadyRunning(String),
}

/// podman's exit status for "container state improper" from `rm`.
pub const EXIT_STATE_IMPROPER: u8 = 2;

/// Sends `sig` to a running container's init.
pub fn kill(c: &Container, sig: i32) -> Result<()> {
    let not_running = || OpError::NotRunning {
        verb: "kill",
        id: c.record.id.clone(),
        status: c.state.status.as_str(),
    };
    if !c.state.running() {
        return Err(not_running().into());
    }
    let fd = c.state.pid.open().ok_or_else(not_running)?;
    proc::send_signal(&fd, sig).map_err(|e| match e {
        nix::errno::Errno::ESRCH => anyhow::Error::from(not_running()),
        e => anyhow!(
            "sending {} to container {}: {e}",
            proc::signal_name(sig),
            c.record.id
        ),
    })
}

/// Stops a container: `signal`, then SIGKILL after `timeout` seconds, and waits until
/// its monitor has recorded the exit. A restart policy no longer applies after it.
/// Returns whether it was running.
pub fn stop(store: &ContainerStore, id: &str, timeout: u32, signal: i32) -> Result<bool> {
    // A live monitor (running the command, or waiting to restart it) is told first.
    let state = store.update_state(id, |s| {
        if s.monitor.alive() {
            s.stop_requested = true;
        }
    })?;
    if !state.running() {
        return Ok(false);
    }
    // Frozen, it would not see the stop signal.
    super::freeze::thaw(store, id);
    if let Some(fd) = state.pid.open() {
        let gone = timeout > 0
            && proc::send_signal(&fd, signal).is_ok()
            && proc::wait_exit(&fd, Some(Duration::from_secs(timeout.into())));
        if !gone {
            if timeout > 0 {
                log::warn!(
                    "StopSignal {} failed to stop container {id} in {timeout} seconds, resorting to SIGKILL",
                    proc::signal_name(signal)
                );
            }
            let _ = proc::send_signal(&fd, libc::SIGKILL);
            proc::wait_exit(&fd, Some(Duration::from_secs(30)));
        }
    }
    wait_recorded(store, id, &state, Duration::from_secs(30));
    Ok(true)
}

/// Waits (up to `limit`) until the monitor has recorded the end of the run `before`
/// describes, or has gone (with `--rm`, taking the container with it).
fn wait_recorded(store: &ContainerStore, id: &str, before: &State, limit: Duration) {
    let monitor = before.monitor.open();
    let end = Instant::now() + limit;
    let mut pause = Duration::from_millis(1);
    while Instant::now() < end {
        if !store.exists(id) {
            return;
        }
        let now = store.state(id);
        if !now.running() || now.pid != before.pid {
            return;
        }
        match &monitor {
            // The monitor records, then (with --rm) removes, then exits: its end
            // also ends the wait.
            Some(fd) => {
                if proc::wait_exit(fd, Some(pause)) {
                    return;
                }
            }
            None => std::thread::sleep(pause),
        }
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Waits until a container is no longer running; returns its exit code.
pub fn wait(store: &ContainerStore, id: &str) -> Result<i32> {
    loop {
        if !store.exists(id) {
            return Err(super::store::LookupError::NotFound(id.to_string()).into());
        }
        let state = store.state(id);
        match state.status {
            Status::Exited => return Ok(state.exit_code),
            Status::Running => match state.pid.open() {
                Some(fd) => {
                    proc::wait_exit(&fd, Some(Duration::from_secs(1)));
                    // The monitor records within moments of the exit.
                    std::thread::sleep(Duration::from_millis(2));
                }
                None => std::thread::sleep(Duration::from_millis(5)),
            },
            Status::Created => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Removes a container; a running one only with `force`, after stopping it
/// (`timeout` seconds before SIGKILL).
pub fn remove(store: &ContainerStore, c: &Container, force: bool, timeout: u32) -> Result<()> {
    let id = &c.record.id;
    // A restart policy may start it again between our stop and the removal: stop
    // again, a bounded number of times.
    for _ in 0..5 {
        if store.state(id).running() {
            if !force {
                return Err(error::exit_error(
                    EXIT_STATE_IMPROPER,
                    OpError::Running(id.clone()).to_string(),
                ));
            }
            stop(store, id, timeout, c.record.stop_signal)?;
        }
        let mut running = false;
        let mut cgroup = String::new();
        let removed = store.remove(id, |s| {
            running = s.running();
            cgroup = s.cgroup.clone();
            if running {
                Err(OpError::Running(id.clone()).into())
            } else {
                Ok(())
            }
        });
        match removed {
            Ok(_) => {
                // Left behind by a monitor that was killed: its init died with it.
                if !cgroup.is_empty() {
                    if let Err(e) = crate::cgroup::Cgroup::at(&cgroup).remove() {
                        log::warn!("{e}");
                    }
                }
                return Ok(());
            }
            Err(_) if running && force => continue,
            Err(e) if running => {
                return Err(error::exit_error(EXIT_STATE_IMPROPER, error::one_line(&e)))
            }
            Err(e) => return Err(e),
        }
    }
    Err(anyhow!(
        "container {id} keeps being started again while it is removed: try again"
    ))
}
