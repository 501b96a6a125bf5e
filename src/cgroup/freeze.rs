//! Freezing and thawing a cgroup through `cgroup.freeze`, waiting for the kernel
//! to report it done (`frozen` in `cgroup.events`).

use std::fs;
use std::time::{Duration, Instant};

use super::{write, Cgroup, CgroupError};

/// How long `pause`/`unpause` wait for the kernel to report the new state.
pub const FREEZE_TIMEOUT: Duration = Duration::from_secs(10);

impl Cgroup {
    /// A `key value` line of `cgroup.events`.
    fn event(&self, key: &str) -> Option<String> {
        let text = fs::read_to_string(self.dir.join("cgroup.events")).ok()?;
        text.lines().find_map(|l| {
            let (k, v) = l.split_once(' ')?;
            (k == key).then(|| v.trim().to_string())
        })
    }

    /// Whether the kernel reports the cgroup frozen.
    pub fn frozen(&self) -> bool {
        self.event("frozen").as_deref() == Some("1")
    }

    /// Whether any process is left in it.
    pub fn populated(&self) -> bool {
        self.event("populated").as_deref() == Some("1")
    }

    /// Freezes (`true`) or thaws the cgroup and waits until the kernel says it is
    /// done: `frozen 1` in `cgroup.events` once every task has stopped.
    pub fn set_frozen(&self, frozen: bool, timeout: Duration) -> Result<(), CgroupError> {
        write(
            self.dir.join("cgroup.freeze"),
            if frozen { "1" } else { "0" },
        )?;
        let want = if frozen { "frozen 1" } else { "frozen 0" };
        let end = Instant::now() + timeout;
        let mut pause = Duration::from_micros(200);
        loop {
            if self.frozen() == frozen {
                return Ok(());
            }
            if Instant::now() >= end {
                return Err(CgroupError::Timeout {
                    path: self.dir.clone(),
                    want,
                    secs: timeout.as_secs(),
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn file(dir: &Path, name: &str) -> String {
        fs::read_to_string(dir.join(name)).unwrap_or_default()
    }

    #[test]
    fn freeze_waits_for_the_kernel_to_agree() {
        let d = tempfile::tempdir().unwrap();
        let cg = Cgroup::at(d.path());
        fs::write(d.path().join("cgroup.events"), "populated 1\nfrozen 1\n").unwrap();
        cg.set_frozen(true, Duration::from_millis(50)).unwrap();
        assert_eq!(file(d.path(), "cgroup.freeze"), "1");
        assert!(cg.frozen() && cg.populated());
        // Asked to thaw, the (fake) kernel still says frozen: a timeout, named.
        let err = cg.set_frozen(false, Duration::from_millis(30)).unwrap_err();
        assert_eq!(file(d.path(), "cgroup.freeze"), "0");
        assert!(err.to_string().contains("frozen 0"), "{err}");
        fs::write(d.path().join("cgroup.events"), "populated 1\nfrozen 0\n").unwrap();
        cg.set_frozen(false, Duration::from_millis(30)).unwrap();
    }
}
