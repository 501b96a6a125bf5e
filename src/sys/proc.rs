//! Process identity across invocations: a pid with its start time, so a recycled pid
//! is never taken for the process that once had it, and signals through a pidfd that
//! was checked against that start time.

use std::fs;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::sync::OnceLock;
use std::time::Duration;

use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use serde::{Deserialize, Serialize};

/// A process as recorded: its pid and start time (clock ticks after boot, from
/// `/proc/PID/stat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProcId {
    pub pid: i32,
    pub start: u64,
}

impl ProcId {
    /// This process.
    pub fn current() -> ProcId {
        let pid = std::process::id() as i32;
        ProcId {
            pid,
            start: start_time(pid).map(|(s, _)| s).unwrap_or(0),
        }
    }

    /// The process now holding `pid`, if any.
    pub fn of(pid: i32) -> Option<ProcId> {
        start_time(pid).map(|(start, _)| ProcId { pid, start })
    }

    /// Whether this very process still runs (a zombie does not).
    pub fn alive(&self) -> bool {
        self.pid > 0
            && matches!(start_time(self.pid), Some((start, state)) if start == self.start && state != 'Z' && state != 'X')
    }

    /// A pidfd for this very process, `None` if it is gone. The pid is checked after
    /// the pidfd pins it, so the answer cannot refer to a successor.
    pub fn open(&self) -> Option<OwnedFd> {
        if self.pid <= 0 {
            return None;
        }
        let fd = pidfd_open(self.pid).ok()?;
        self.alive().then_some(fd)
    }
}

/// Start time and state letter of `pid` from `/proc/PID/stat`.
pub fn start_time(pid: i32) -> Option<(u64, char)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&stat)
}

/// Fields after the command name, which may hold spaces and parentheses: state is
/// field 3, start time field 22.
fn parse_stat(stat: &str) -> Option<(u64, char)> {
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let start = fields.nth(18)?.parse().ok()?;
    Some((start, state))
}

/// How many threads this process has now (`/proc/self/stat`, field 20).
pub fn thread_count() -> Option<usize> {
    let stat = fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which may itself hold spaces and parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(17)?.parse().ok()
}

/// This boot's id: a pid and start time recorded in another boot mean nothing.
pub fn boot_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    })
}

pub fn pidfd_open(pid: i32) -> Result<OwnedFd, Errno> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0u32) };
    let fd = Errno::result(fd)?;
    // SAFETY: the kernel just gave us this descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// `pidfd_send_signal`: like kill(2), never to a recycled pid.
pub fn send_signal(pidfd: impl AsFd, sig: i32) -> Result<(), Errno> {
    // SAFETY: a null siginfo makes the call behave as kill(2).
    let rc = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_fd().as_raw_fd(),
            sig,
            std::ptr::null::<libc::siginfo_t>(),
            0u32,
        )
    };
    Errno::result(rc).map(drop)
}

/// Waits until the process behind `pidfd` exits; `false` if `timeout` passed first
/// (`None` waits for ever).
pub fn wait_exit(pidfd: impl AsFd, timeout: Option<Duration>) -> bool {
    let deadline = timeout.map(|t| std::time::Instant::now() + t);
    loop {
        let left = match deadline {
            None => PollTimeout::NONE,
            Some(d) => {
                let ms = d
                    .saturating_duration_since(std::time::Instant::now())
                    .as_millis();
                PollTimeout::try_from(ms.min(i32::MAX as u128) as i32).unwrap_or(PollTimeout::MAX)
            }
        };
        let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, left) {
            Ok(0) => return false,
            Ok(_) => return true,
            Err(Errno::EINTR) => continue,
            // A pidfd that cannot be polled: assume gone rather than wait for ever.
            Err(_) => return true,
        }
    }
}

/// A signal by name (`TERM`, `SIGTERM`, `sigkill`) or number.
pub fn parse_signal(s: &str) -> Result<i32, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<i32>() {
        return if (1..=64).contains(&n) {
            Ok(n)
        } else {
            Err(format!("invalid signal {s:?}: numbers go from 1 to 64"))
        };
    }
    let upper = t.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    if let Some(rt) = name.strip_prefix("RTMIN") {
        let base = libc::SIGRTMIN();
        let off = match rt {
            "" => 0,
            r => r
                .strip_prefix('+')
                .and_then(|n| n.parse().ok())
                .unwrap_or(-1),
        };
        if (0..=libc::SIGRTMAX() - base).contains(&off) {
            return Ok(base + off);
        }
    }
    let full = format!("SIG{name}");
    full.parse::<nix::sys::signal::Signal>()
        .map(|s| s as i32)
        .map_err(|_| format!("invalid signal {s:?}"))
}

/// The conventional name of signal `n` (`SIGTERM`), or its number.
pub fn signal_name(n: i32) -> String {
    nix::sys::signal::Signal::try_from(n)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|_| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_counted() {
        // Other tests start and end threads at any time: count where nobody else can,
        // in a forked child (one thread) and with a thread of our own held alive.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || rx.recv());
        assert!(thread_count().unwrap() >= 2);
        // SAFETY: the child only reads /proc and leaves with _exit.
        match unsafe { nix::unistd::fork() }.unwrap() {
            nix::unistd::ForkResult::Child => {
                let one = thread_count() == Some(1);
                // SAFETY: leave the forked test process without running the harness.
                unsafe { libc::_exit(if one { 0 } else { 1 }) }
            }
            nix::unistd::ForkResult::Parent { child } => {
                let status = nix::sys::wait::waitpid(child, None).unwrap();
                assert_eq!(status, nix::sys::wait::WaitStatus::Exited(child, 0));
            }
        }
        drop(tx);
        let _ = t.join();
    }

    #[test]
    fn stat_fields_after_odd_names() {
        let line = "42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10";
        assert_eq!(parse_stat(line), Some((987654, 'S')));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn this_process_is_alive_and_a_changed_start_is_not() {
        let me = ProcId::current();
        assert!(me.start > 0);
        assert!(me.alive());
        assert!(me.open().is_some());
        let other = ProcId {
            start: me.start + 1,
            ..me
        };
        assert!(!other.alive());
        assert!(other.open().is_none());
        assert!(!ProcId::default().alive());
    }

    #[test]
    fn exited_child_is_not_alive_and_its_pidfd_polls_ready() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let id = ProcId::of(child.id() as i32);
        let fd = pidfd_open(child.id() as i32).unwrap();
        child.wait().unwrap();
        assert!(wait_exit(&fd, Some(Duration::from_secs(5))));
        if let Some(id) = id {
            assert!(!id.alive());
        }
    }

    #[test]
    fn signals_by_name_and_number() {
        assert_eq!(parse_signal("TERM"), Ok(15));
        assert_eq!(parse_signal("sigkill"), Ok(9));
        assert_eq!(parse_signal("SIGUSR1"), Ok(libc::SIGUSR1));
        assert_eq!(parse_signal("2"), Ok(2));
        assert_eq!(parse_signal("RTMIN+1"), Ok(libc::SIGRTMIN() + 1));
        assert!(parse_signal("BOGUS").is_err());
        assert!(parse_signal("0").is_err());
        assert_eq!(signal_name(15), "SIGTERM");
    }

    #[test]
    fn boot_id_is_stable() {
        assert_eq!(boot_id(), boot_id());
        assert!(!boot_id().is_empty());
    }
}
