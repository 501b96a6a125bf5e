//! A container's runtime state (`state.json`) and how it is squared with the truth.

use serde::{Deserialize, Serialize};

use crate::base::timestamp::Timestamp;
use crate::sys::proc::ProcId;

/// Where a container stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Created, never started.
    #[default]
    Created,
    Running,
    /// Its command ended (or it was stopped).
    Exited,
}

impl Status {
    /// podman's state word (`created`, `running`, `exited`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Exited => "exited",
        }
    }
}

/// The exit code shown for a container whose monitor vanished: its init was killed
/// with it (SIGKILL, the parent-death signal), as podman shows a killed container.
pub const LOST_EXIT_CODE: i32 = 137;

/// What `state.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    pub status: Status,
    /// The container's init, as seen from the host (for signals, and for `exec` to
    /// join its namespaces through a pidfd).
    pub pid: ProcId,
    /// The monitor: the init's parent, which records its exit.
    pub monitor: ProcId,
    /// The boot the pids belong to.
    pub boot_id: String,
    /// RFC 3339 with nanoseconds; empty until first started / exited.
    pub started_at: String,
    pub finished_at: String,
    pub exit_code: i32,
    /// Restarts by the restart policy since the last `start`.
    pub restart_count: u32,
    /// Someone ran `stop` (or `rm -f`): the restart policy no longer applies.
    pub stop_requested: bool,
    /// Why the last start failed, or why the state was corrected.
    pub error: String,
    /// Published ports as bound, podman's way (`0.0.0.0:8080->80/tcp`).
    pub ports: Vec<String>,
    /// The container's own cgroup directory while it runs in one (a delegated v2
    /// subtree); empty otherwise. Kept when the monitor vanishes, for `rm` to clean.
    pub cgroup: String,
    /// Frozen by `pause` (the status stays running: its processes live on).
    pub paused: bool,
}

/// The facts [`State::reconcile`] checks, behind a trait so tests can supply them.
pub trait Truth {
    fn alive(&self, p: &ProcId) -> bool;
    fn boot_id(&self) -> &str;
}

/// The running system.
pub struct System;

impl Truth for System {
    fn alive(&self, p: &ProcId) -> bool {
        p.alive()
    }
    fn boot_id(&self) -> &str {
        crate::sys::proc::boot_id()
    }
}

impl State {
    /// The state as it really is: "running" only while its monitor lives in this boot.
    pub fn reconcile(mut self, truth: &dyn Truth) -> State {
        if self.status != Status::Running {
            return self;
        }
        let same_boot = self.boot_id.is_empty() || self.boot_id == truth.boot_id();
        if same_boot && truth.alive(&self.monitor) {
            return self;
        }
        self.status = Status::Exited;
        self.exit_code = LOST_EXIT_CODE;
        if self.finished_at.is_empty() {
            self.finished_at = self.started_at.clone();
        }
        self.error = if same_boot {
            "the container's monitor is gone (killed?); the container was killed with it".into()
        } else {
            "the system restarted while the container was running".into()
        };
        self.pid = ProcId::default();
        self.monitor = ProcId::default();
        self.paused = false;
        self
    }

    /// Whether it runs now (after [`reconcile`](Self::reconcile)); a paused
    /// container runs, frozen.
    pub fn running(&self) -> bool {
        self.status == Status::Running
    }

    /// Running and frozen by `pause`.
    pub fn is_paused(&self) -> bool {
        self.running() && self.paused
    }

    /// podman's state word: `created`, `running`, `paused`, `exited`.
    pub fn status_word(&self) -> &'static str {
        if self.is_paused() {
            "paused"
        } else {
            self.status.as_str()
        }
    }

    pub fn started(&self) -> Option<Timestamp> {
        Timestamp::parse(&self.started_at)
    }

    pub fn finished(&self) -> Option<Timestamp> {
        Timestamp::parse(&self.finished_at)
    }

    /// A fresh run: running under `monitor` with init `pid`.
    pub fn mark_running(&mut self, pid: ProcId, monitor: ProcId) {
        self.status = Status::Running;
        self.pid = pid;
        self.monitor = monitor;
        self.boot_id = crate::sys::proc::boot_id().to_string();
        self.started_at = Timestamp::now().rfc3339_nanos();
        self.finished_at.clear();
        self.exit_code = 0;
        self.error.clear();
        self.paused = false;
    }

    /// The command ended with `code`.
    pub fn mark_exited(&mut self, code: i32) {
        self.status = Status::Exited;
        self.exit_code = code;
        self.finished_at = Timestamp::now().rfc3339_nanos();
        self.pid = ProcId::default();
        // The monitor removes the cgroup with the run.
        self.cgroup.clear();
        self.paused = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake {
        alive: Vec<ProcId>,
        boot: &'static str,
    }

    impl Truth for Fake {
        fn alive(&self, p: &ProcId) -> bool {
            self.alive.contains(p)
        }
        fn boot_id(&self) -> &str {
            self.boot
        }
    }

    fn running(monitor: ProcId) -> State {
        State {
            status: Status::Running,
            pid: ProcId { pid: 11, start: 2 },
            monitor,
            boot_id: "b1".into(),
            started_at: "2024-01-02T03:04:05Z".into(),
            ..State::default()
        }
    }

    #[test]
    fn live_monitor_keeps_running() {
        let m = ProcId { pid: 10, start: 1 };
        let truth = Fake {
            alive: vec![m],
            boot: "b1",
        };
        assert_eq!(running(m).reconcile(&truth).status, Status::Running);
    }

    #[test]
    fn dead_or_recycled_monitor_means_exited() {
        let m = ProcId { pid: 10, start: 1 };
        let recycled = ProcId { pid: 10, start: 99 };
        let truth = Fake {
            alive: vec![recycled],
            boot: "b1",
        };
        let s = running(m).reconcile(&truth);
        assert_eq!(s.status, Status::Exited);
        assert_eq!(s.exit_code, LOST_EXIT_CODE);
        assert_eq!(s.finished_at, "2024-01-02T03:04:05Z");
        assert!(s.error.contains("monitor"));
        assert_eq!(s.pid, ProcId::default());
    }

    #[test]
    fn another_boot_means_exited_even_if_the_pid_matches() {
        let m = ProcId { pid: 10, start: 1 };
        let truth = Fake {
            alive: vec![m],
            boot: "b2",
        };
        let s = running(m).reconcile(&truth);
        assert_eq!(s.status, Status::Exited);
        assert!(s.error.contains("restarted"));
    }

    #[test]
    fn other_states_stay() {
        let truth = Fake {
            alive: vec![],
            boot: "b1",
        };
        let s = State {
            status: Status::Exited,
            exit_code: 3,
            ..State::default()
        };
        assert_eq!(s.clone().reconcile(&truth), s);
        assert_eq!(State::default().reconcile(&truth).status, Status::Created);
    }

    #[test]
    fn paused_is_running_frozen_until_it_ends() {
        let mut s = State::default();
        s.mark_running(ProcId { pid: 5, start: 6 }, ProcId::current());
        s.paused = true;
        s.cgroup = "/sys/fs/cgroup/u/rpod-x".into();
        assert!(s.running() && s.is_paused());
        assert_eq!(s.status_word(), "paused");
        // The monitor vanished: not paused any more, the cgroup left for `rm`.
        let lost = s.clone().reconcile(&Fake {
            alive: vec![],
            boot: crate::sys::proc::boot_id(),
        });
        assert_eq!((lost.status_word(), lost.paused), ("exited", false));
        assert_eq!(lost.cgroup, s.cgroup);
        s.mark_exited(137);
        assert!(!s.paused && s.cgroup.is_empty());
    }

    #[test]
    fn transitions() {
        let mut s = State::default();
        s.mark_running(ProcId { pid: 5, start: 6 }, ProcId::current());
        assert!(s.running() && s.started().is_some() && s.finished_at.is_empty());
        s.mark_exited(143);
        assert_eq!((s.status, s.exit_code), (Status::Exited, 143));
        assert!(s.finished().is_some());
        assert_eq!(s.status_word(), "exited");
        let back: State = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        let old: State = serde_json::from_str(r#"{"status":"exited"}"#).unwrap();
        assert_eq!(old.status, Status::Exited);
    }
}
