//! The signals a monitor (or an attached client) relays to its container, read
//! from a signalfd so that none is lost between the container's start and the
//! first wait.

use std::os::fd::{AsFd, BorrowedFd};

use nix::errno::Errno;
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use thiserror::Error;

/// Signals relayed to the container's pid 1.
pub const FORWARDED: [Signal; 6] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
];

/// A step of blocking the signals that failed.
#[derive(Debug, Error)]
#[error("{step}: {errno}")]
pub struct BlockError {
    pub step: &'static str,
    pub errno: Errno,
}

/// Relayed signals (and SIGWINCH), blocked and read from a signalfd; the previous mask
/// comes back on drop.
pub struct Signals {
    fd: SignalFd,
    old: SigSet,
}

impl Signals {
    /// Blocks the relayed signals and SIGWINCH. Call before
    /// [`crate::container::launch::launch`]: a signal that arrives while the
    /// container starts then waits in the queue instead of killing rpod.
    pub fn block() -> Result<Signals, BlockError> {
        let mut set = SigSet::empty();
        for s in FORWARDED {
            set.add(s);
        }
        set.add(Signal::SIGWINCH);
        Self::block_set(set)
    }

    /// Blocks the relayed signals when `relay`, SIGWINCH when `winch`; `None` when
    /// neither is wanted.
    pub fn block_some(relay: bool, winch: bool) -> Result<Option<Signals>, BlockError> {
        let mut set = SigSet::empty();
        if relay {
            for s in FORWARDED {
                set.add(s);
            }
        }
        if winch {
            set.add(Signal::SIGWINCH);
        }
        if !relay && !winch {
            return Ok(None);
        }
        Self::block_set(set).map(Some)
    }

    fn block_set(set: SigSet) -> Result<Signals, BlockError> {
        let mut old = SigSet::empty();
        nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), Some(&mut old)).map_err(
            |errno| BlockError {
                step: "blocking signals",
                errno,
            },
        )?;
        let fd = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
            .map_err(|errno| BlockError {
                step: "creating a signalfd",
                errno,
            })?;
        Ok(Signals { fd, old })
    }
}

impl Signals {
    /// The signalfd, to poll.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The next pending signal's number, if any.
    pub fn read(&self) -> Option<i32> {
        match self.fd.read_signal() {
            Ok(Some(info)) => Some(info.ssi_signo as i32),
            _ => None,
        }
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        let _ = nix::sys::signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&self.old), None);
    }
}
