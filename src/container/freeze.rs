//! `pause` and `unpause`: a running container's cgroup frozen and thawed through
//! `cgroup.freeze`, the state saying so. A paused container still runs (its
//! processes live, frozen); `stop`, `kill` and `rm -f` thaw it so that their signal
//! is handled.

use anyhow::Result;
use thiserror::Error;

use super::ops::OpError;
use super::store::ContainerStore;
use crate::cgroup::freeze::FREEZE_TIMEOUT;
use crate::cgroup::Cgroup;

#[derive(Debug, Error)]
pub enum FreezeError {
    #[error("{0:?} is already paused: container state improper")]
    AlreadyPaused(String),
    #[error("{0:?} is not paused, can't unpause: container state improper")]
    NotPaused(String),
    #[error("container {0} runs without a cgroup of its own (it was started where rpod found no delegated cgroup v2 subtree): restart it to pause it")]
    NoCgroup(String),
}

/// Freezes (`true`) or thaws container `id`; `name` is how the user named it.
pub fn set_paused(store: &ContainerStore, id: &str, name: &str, paused: bool) -> Result<()> {
    let lock = store.lock(id)?;
    let mut state = store.state(id);
    if !state.running() {
        return Err(OpError::NotRunning {
            verb: if paused { "pause" } else { "unpause" },
            id: id.to_string(),
            status: state.status.as_str(),
        }
        .into());
    }
    if state.cgroup.is_empty() {
        return Err(FreezeError::NoCgroup(id.to_string()).into());
    }
    match (state.paused, paused) {
        (true, true) => return Err(FreezeError::AlreadyPaused(name.to_string()).into()),
        (false, false) => return Err(FreezeError::NotPaused(name.to_string()).into()),
        _ => {}
    }
    Cgroup::at(&state.cgroup).set_frozen(paused, FREEZE_TIMEOUT)?;
    state.paused = paused;
    store.save_state(&lock, id, &state)?;
    Ok(())
}

/// Freezes a running container while something reads its files (`commit --pause`);
/// `Some(id)` when it did. A container that cannot be paused is left running, with a
/// warning why.
pub fn pause_while(store: &ContainerStore, query: &str, uid: u32) -> Option<String> {
    let c = store.get(query).ok()?;
    if !c.state.running() || c.state.is_paused() {
        return None;
    }
    match set_paused(store, &c.record.id, query, true) {
        Ok(()) => Some(c.record.id),
        Err(e) => {
            let why = match e.downcast_ref() {
                Some(FreezeError::NoCgroup(_)) => crate::cgroup::detect::missing("pause", uid)
                    .map(|w| w.to_string())
                    .unwrap_or_else(|| crate::error::one_line(&e)),
                _ => crate::error::one_line(&e),
            };
            log::warn!("committing {query} without pausing it: {why}");
            None
        }
    }
}

/// Thaws what [`pause_while`] froze; a failure is logged, the work done meanwhile
/// being what matters.
pub fn resume_after(store: &ContainerStore, id: &str, query: &str) {
    if let Err(e) = set_paused(store, id, query, false) {
        log::warn!("unpausing {query}: {}", crate::error::one_line(&e));
    }
}

/// Thaws container `id` if it is paused, so that a signal sent to it is handled.
pub fn thaw(store: &ContainerStore, id: &str) {
    let Ok(lock) = store.lock(id) else {
        return;
    };
    let mut state = store.state(id);
    if !state.is_paused() {
        return;
    }
    if let Err(e) = Cgroup::at(&state.cgroup).set_frozen(false, FREEZE_TIMEOUT) {
        log::warn!("{e}");
        return;
    }
    state.paused = false;
    let _ = store.save_state(&lock, id, &state);
}
