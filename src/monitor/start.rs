//! Starting a recorded container under its monitor: detached (a monitor process of
//! its own, optionally with an attach session from the first byte of output) or in
//! the foreground (this process being the monitor).

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use anyhow::Result;

use super::attach;
use super::detach::{self, MonitorArgs};
use super::supervise::{Mode, Monitor};
use crate::base::paths::Paths;
use crate::container::ops::OpError;
use crate::container::store::ContainerStore;

/// Starts container `id` under a detached monitor. Returns its init's pid, or `None`
/// if it was running already.
pub fn detached(
    store: &ContainerStore,
    paths: &Paths,
    id: &str,
    log_level: &str,
) -> Result<Option<i32>> {
    spawn_monitor(store, paths, id, log_level, None)
}

/// Starts container `id` under a detached monitor that has our end of an attach
/// session from before the command's first byte of output (`start -a`). `None` if it
/// was running already: attach to it as `rpod attach` does.
pub fn attached(
    store: &ContainerStore,
    paths: &Paths,
    id: &str,
    log_level: &str,
) -> Result<Option<OwnedFd>> {
    let (ours, theirs) = attach::pair()?;
    let started = spawn_monitor(store, paths, id, log_level, Some(theirs.as_raw_fd()))?;
    Ok(started.map(|_| ours))
}

fn spawn_monitor(
    store: &ContainerStore,
    paths: &Paths,
    id: &str,
    log_level: &str,
    attach_fd: Option<RawFd>,
) -> Result<Option<i32>> {
    let lock = store.lock(id)?;
    let state = store.state(id);
    // Running, or about to be restarted by its live monitor: nothing to do.
    if state.running() || (state.monitor.alive() && !state.stop_requested) {
        return Ok(None);
    }
    let args = MonitorArgs {
        root: paths.root.clone(),
        runroot: paths.runroot.clone(),
        id: id.to_string(),
        report_fd: -1,
        lock_fd: -1,
        attach_fd,
        log_level: log_level.to_string(),
    };
    let pid = detach::spawn(args, &lock)?;
    Ok(Some(pid))
}

/// Starts container `id` with this process as its monitor, the terminal passing
/// through; [`Monitor::run`] then waits for it.
pub fn foreground(store: &ContainerStore, id: &str, interactive: bool) -> Result<Monitor> {
    let lock = store.lock(id)?;
    if store.state(id).running() {
        return Err(OpError::AlreadyRunning(id.to_string()).into());
    }
    Monitor::start(store.clone(), id, lock, Mode::Foreground { interactive })
}
