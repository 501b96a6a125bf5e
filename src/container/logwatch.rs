//! Wakes `logs -f` when a followed container writes output or changes state,
//! instead of polling the files on a timer.
//!
//! The container's directory holds its log (rewritten in place when cut back
//! by `max-size`) and its kept state; the run dir holds the live state, which
//! the monitor replaces by rename when the container exits. A timeout still
//! re-checks, for a monitor killed before it could write anything.
//!
//! It is the reading side of the log, with `rpod logs`: the monitor writes and
//! never watches.

use std::os::fd::AsFd;
use std::path::Path;
use std::time::Duration;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};

/// How long a follower sleeps without any event before it re-checks the state.
const RECHECK: Duration = Duration::from_secs(1);
/// The timer used where inotify is not available.
const POLL_FALLBACK: Duration = Duration::from_millis(50);

pub struct LogWatch {
    inotify: Option<Inotify>,
    recheck: Duration,
}

impl LogWatch {
    /// Watches `dirs` (missing ones are skipped: a run dir appears only once the
    /// container starts, and its creation is seen through the parent's events
    /// only on the next re-check).
    pub fn new<'a>(dirs: impl IntoIterator<Item = &'a Path>) -> LogWatch {
        LogWatch::with_recheck(dirs, RECHECK)
    }

    fn with_recheck<'a>(dirs: impl IntoIterator<Item = &'a Path>, recheck: Duration) -> LogWatch {
        let Ok(inotify) = Inotify::init(InitFlags::IN_CLOEXEC | InitFlags::IN_NONBLOCK) else {
            return LogWatch {
                inotify: None,
                recheck,
            };
        };
        let mask = AddWatchFlags::IN_MODIFY
            | AddWatchFlags::IN_CLOSE_WRITE
            | AddWatchFlags::IN_CREATE
            | AddWatchFlags::IN_MOVED_TO
            | AddWatchFlags::IN_DELETE
            | AddWatchFlags::IN_DELETE_SELF;
        let mut any = false;
        for dir in dirs {
            any |= inotify.add_watch(dir, mask).is_ok();
        }
        LogWatch {
            inotify: any.then_some(inotify),
            recheck,
        }
    }

    /// Blocks until something changed in a watched directory, or the re-check
    /// time passed.
    pub fn wait(&self) {
        let Some(inotify) = &self.inotify else {
            std::thread::sleep(POLL_FALLBACK);
            return;
        };
        let timeout = PollTimeout::try_from(self.recheck).unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(inotify.as_fd(), PollFlags::POLLIN)];
        if matches!(poll(&mut fds, timeout), Ok(n) if n > 0) {
            // Drain: one wake-up serves every event queued so far.
            while matches!(inotify.read_events(), Ok(events) if !events.is_empty()) {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_write_wakes_the_watch_at_once() {
        let dir = tempfile::tempdir().unwrap();
        // A re-check time no test run reaches: only the write can end the wait.
        let watch = LogWatch::with_recheck([dir.path()], Duration::from_secs(120));
        assert!(watch.inotify.is_some());
        let path = dir.path().join("ctr.log");
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            std::fs::write(path, "line\n").unwrap();
        });
        let start = Instant::now();
        watch.wait();
        let waited = start.elapsed();
        writer.join().unwrap();
        assert!(waited < Duration::from_secs(120), "woke after {waited:?}");
    }

    #[test]
    fn without_events_it_returns_after_the_recheck_time() {
        let dir = tempfile::tempdir().unwrap();
        let recheck = Duration::from_millis(200);
        let watch = LogWatch::with_recheck([dir.path()], recheck);
        let start = Instant::now();
        watch.wait();
        assert!(start.elapsed() >= recheck - Duration::from_millis(20));
    }

    #[test]
    fn missing_dirs_fall_back_to_the_timer() {
        let watch = LogWatch::new([Path::new("/nonexistent/rpod/dir")]);
        assert!(watch.inotify.is_none());
    }
}
