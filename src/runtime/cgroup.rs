//! A container's own cgroup in the user's delegated v2 subtree, the way podman's
//! cgroupfs manager makes one inside a systemd-delegated tree: `<delegated>/rpod-<id>`,
//! its limits written before the init is cloned into it (`CLONE_INTO_CGROUP`), frozen
//! and thawed through `cgroup.freeze`, read for `stats`, removed with the container's
//! run.
//!
//! cgroup v2 lets a cgroup either hold processes or hand controllers to its children,
//! not both: when the delegated root still holds processes (the user's shell, rpod
//! itself) and a controller must be enabled there, they move to a leaf of their own,
//! `<delegated>/rpod-leaf`, first.

use std::fs;
use std::io::ErrorKind;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use oci_spec::runtime::LinuxResources;
use thiserror::Error;

/// The controllers a container's cgroup uses, when the subtree offers them.
pub const CONTROLLERS: [&str; 4] = ["cpu", "io", "memory", "pids"];

/// The leaf the delegated root's own processes move to.
pub const LEAF: &str = "rpod-leaf";

/// How long `pause`/`unpause` wait for the kernel to report the new state.
pub const FREEZE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Error)]
pub enum CgroupError {
    #[error("creating the container's cgroup {path}: {source}")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("moving process {pid} out of {from} into {to} (cgroup v2 allows no processes where controllers are enabled): {source}")]
    MoveOut {
        pid: String,
        from: PathBuf,
        to: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("writing {value:?} to {path}: {source}")]
    Write {
        path: PathBuf,
        value: String,
        #[source]
        source: std::io::Error,
    },
    #[error("opening the container's cgroup {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: nix::Error,
    },
    #[error("the cgroup {path} did not report {want} within {secs} seconds")]
    Timeout {
        path: PathBuf,
        want: &'static str,
        secs: u64,
    },
    #[error("removing the container's cgroup {path}: {source}")]
    Remove {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn write(path: PathBuf, value: &str) -> Result<(), CgroupError> {
    fs::write(&path, value).map_err(|source| CgroupError::Write {
        path,
        value: value.to_string(),
        source,
    })
}

fn words(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Makes the controllers of [`CONTROLLERS`] that `parent` offers available to its
/// children (its `cgroup.subtree_control`), moving its processes to [`LEAF`] first
/// if it has any. Returns the controllers enabled for children now.
pub fn enable_controllers(parent: &Path) -> Result<Vec<String>, CgroupError> {
    let offered = words(&parent.join("cgroup.controllers"));
    let enabled = words(&parent.join("cgroup.subtree_control"));
    let missing: Vec<&str> = CONTROLLERS
        .into_iter()
        .filter(|c| offered.iter().any(|o| o == c) && !enabled.iter().any(|e| e == c))
        .collect();
    if !missing.is_empty() {
        move_processes_to_leaf(parent)?;
        for c in &missing {
            // One at a time: a controller the kernel refuses (its parent took it back,
            // or it is busy on the v1 side) must not keep the others off.
            if let Err(e) = write(parent.join("cgroup.subtree_control"), &format!("+{c}")) {
                log::debug!("{e}");
            }
        }
    }
    let now = words(&parent.join("cgroup.subtree_control"));
    Ok(CONTROLLERS
        .into_iter()
        .filter(|c| now.iter().any(|e| e == c))
        .map(str::to_string)
        .collect())
}

/// Empties `parent` of processes into its leaf child, so that it may enable controllers.
fn move_processes_to_leaf(parent: &Path) -> Result<(), CgroupError> {
    let pids = words(&parent.join("cgroup.procs"));
    if pids.is_empty() {
        return Ok(());
    }
    let leaf = parent.join(LEAF);
    match fs::create_dir(&leaf) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(source) => return Err(CgroupError::Create { path: leaf, source }),
    }
    for pid in pids {
        match fs::write(leaf.join("cgroup.procs"), &pid) {
            Ok(()) => {}
            // Gone meanwhile.
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {}
            Err(source) => {
                return Err(CgroupError::MoveOut {
                    pid,
                    from: parent.to_path_buf(),
                    to: leaf,
                    source,
                })
            }
        }
    }
    Ok(())
}

/// One limit as a cgroup v2 file write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitWrite {
    pub controller: &'static str,
    pub file: &'static str,
    pub value: String,
    /// The flag it comes from, for warnings.
    pub flag: &'static str,
}

/// `--cpu-shares` (cgroup v1's 2..262144) as cgroup v2's `cpu.weight` (1..10000), the
/// OCI runtimes' conversion.
pub fn shares_to_weight(shares: u64) -> u64 {
    let shares = shares.clamp(2, 262_144);
    1 + ((shares - 2) * 9999) / 262_142
}

/// The files the spec's resources are written to, in order.
pub fn limit_writes(res: &LinuxResources) -> Vec<LimitWrite> {
    let mut out = Vec::new();
    let max = |v: i64| {
        if v < 0 {
            "max".to_string()
        } else {
            v.to_string()
        }
    };
    if let Some(m) = res.memory() {
        if let Some(limit) = m.limit() {
            out.push(LimitWrite {
                controller: "memory",
                file: "memory.max",
                value: max(limit),
                flag: "--memory",
            });
            // OCI's swap is memory plus swap; cgroup v2 counts swap alone.
            if let Some(swap) = m.swap() {
                let value = if swap < 0 || limit < 0 {
                    "max".to_string()
                } else {
                    swap.saturating_sub(limit).max(0).to_string()
                };
                out.push(LimitWrite {
                    controller: "memory",
                    file: "memory.swap.max",
                    value,
                    flag: "--memory-swap",
                });
            }
        }
    }
    if let Some(c) = res.cpu() {
        if let Some(quota) = c.quota() {
            let period = c.period().unwrap_or(100_000);
            let q = if quota > 0 {
                quota.to_string()
            } else {
                "max".into()
            };
            out.push(LimitWrite {
                controller: "cpu",
                file: "cpu.max",
                value: format!("{q} {period}"),
                flag: "--cpus",
            });
        }
        if let Some(shares) = c.shares() {
            out.push(LimitWrite {
                controller: "cpu",
                file: "cpu.weight",
                value: shares_to_weight(shares).to_string(),
                flag: "--cpu-shares",
            });
        }
    }
    if let Some(p) = res.pids() {
        out.push(LimitWrite {
            controller: "pids",
            file: "pids.max",
            value: if p.limit() > 0 {
                p.limit().to_string()
            } else {
                "max".into()
            },
            flag: "--pids-limit",
        });
    }
    out
}

/// Flags ignored for want of their controller: `(flag, controller)`.
pub type Ignored = Vec<(&'static str, &'static str)>;

/// The flags of `writes` whose controller is not among `enabled`, once each.
pub fn unsupported(writes: &[LimitWrite], enabled: &[String]) -> Ignored {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for w in writes {
        if !enabled.iter().any(|e| e == w.controller) && !out.iter().any(|(f, _)| *f == w.flag) {
            out.push((w.flag, w.controller));
        }
    }
    out
}

/// A container's cgroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cgroup {
    dir: PathBuf,
}

/// The name of container `id`'s cgroup under the delegated subtree.
pub fn name(id: &str) -> String {
    format!("rpod-{id}")
}

impl Cgroup {
    /// The cgroup at `dir` (which may not exist).
    pub fn at(dir: impl Into<PathBuf>) -> Cgroup {
        Cgroup { dir: dir.into() }
    }

    /// Creates (or reuses, after a restart) container `id`'s cgroup under `parent`,
    /// with its controllers enabled in `parent`; writes the limits the enabled
    /// controllers allow and returns it with the flags that had to be ignored.
    pub fn create(
        parent: &Path,
        id: &str,
        res: Option<&LinuxResources>,
    ) -> Result<(Cgroup, Ignored), CgroupError> {
        let enabled = enable_controllers(parent)?;
        let dir = parent.join(name(id));
        match fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(source) => return Err(CgroupError::Create { path: dir, source }),
        }
        let cg = Cgroup { dir };
        let writes = res.map(limit_writes).unwrap_or_default();
        let ignored = unsupported(&writes, &enabled);
        for w in writes
            .iter()
            .filter(|w| enabled.iter().any(|e| e == w.controller))
        {
            // Swap is accounted only where the kernel was built (and booted) for it.
            if w.file == "memory.swap.max" && !cg.dir.join(w.file).exists() {
                log::debug!("no swap accounting here: {} not set", w.flag);
                continue;
            }
            if let Err(e) = write(cg.dir.join(w.file), &w.value) {
                let _ = cg.remove();
                return Err(e);
            }
        }
        Ok((cg, ignored))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path as `/proc/PID/cgroup` and podman's `State.CgroupPath` show it:
    /// relative to the v2 mount `mount`.
    pub fn relative(&self, mount: &Path) -> String {
        match self.dir.strip_prefix(mount) {
            Ok(rel) => format!("/{}", rel.display()),
            Err(_) => self.dir.display().to_string(),
        }
    }

    /// A descriptor of the directory, for `clone3`'s `CLONE_INTO_CGROUP`.
    pub fn open(&self) -> Result<OwnedFd, CgroupError> {
        use nix::fcntl::OFlag;
        nix::fcntl::open(
            &self.dir,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .map_err(|source| CgroupError::Open {
            path: self.dir.clone(),
            source,
        })
    }

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

    /// SIGKILLs everything in it (`cgroup.kill`; one process at a time before 5.14).
    pub fn kill(&self) {
        if fs::write(self.dir.join("cgroup.kill"), "1").is_ok() {
            return;
        }
        for pid in words(&self.dir.join("cgroup.procs")) {
            if let Ok(pid) = pid.parse::<i32>() {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
    }

    /// Removes the directory; what still runs in it is killed first. Gone already is fine.
    pub fn remove(&self) -> Result<(), CgroupError> {
        let end = Instant::now() + Duration::from_secs(5);
        let mut killed = false;
        loop {
            match fs::remove_dir(&self.dir) {
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
                Err(e) if e.raw_os_error() == Some(libc::EBUSY) && Instant::now() < end => {
                    if !killed {
                        // A frozen task dies of SIGKILL in v2; thaw anyway for old kernels.
                        let _ = fs::write(self.dir.join("cgroup.freeze"), "0");
                        self.kill();
                        killed = true;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(source) => {
                    return Err(CgroupError::Remove {
                        path: self.dir.clone(),
                        source,
                    })
                }
            }
        }
    }

    /// The counters `stats` shows, as they are now.
    pub fn sample(&self) -> Sample {
        let read = |f: &str| fs::read_to_string(self.dir.join(f)).ok();
        let io = read("io.stat").map(|t| parse_io_stat(&t));
        Sample {
            cpu_usec: read("cpu.stat").and_then(|t| parse_cpu_usage(&t)),
            mem_usage: read("memory.current").and_then(|t| t.trim().parse().ok()),
            mem_limit: read("memory.max").and_then(|t| parse_max(&t)),
            io_read: io.map(|(r, _)| r),
            io_write: io.map(|(_, w)| w),
            pids: read("pids.current")
                .and_then(|t| t.trim().parse().ok())
                .or_else(|| read("cgroup.threads").map(|t| t.lines().count() as u64)),
        }
    }
}

/// One reading of a container's counters; `None` where the controller is missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sample {
    /// CPU time used, µs (`cpu.stat` `usage_usec`).
    pub cpu_usec: Option<u64>,
    pub mem_usage: Option<u64>,
    /// `memory.max`; `None` for `max`.
    pub mem_limit: Option<u64>,
    pub io_read: Option<u64>,
    pub io_write: Option<u64>,
    /// Tasks in the cgroup.
    pub pids: Option<u64>,
}

/// `usage_usec` of `cpu.stat`.
pub fn parse_cpu_usage(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("usage_usec "))
        .and_then(|v| v.trim().parse().ok())
}

/// A limit file's number; `None` for `max`.
pub fn parse_max(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// Bytes read and written, summed over the devices of `io.stat`
/// (`8:0 rbytes=… wbytes=… rios=…`).
pub fn parse_io_stat(text: &str) -> (u64, u64) {
    let mut r = 0u64;
    let mut w = 0u64;
    for field in text.split_whitespace() {
        if let Some(v) = field.strip_prefix("rbytes=") {
            r = r.saturating_add(v.parse().unwrap_or(0));
        } else if let Some(v) = field.strip_prefix("wbytes=") {
            w = w.saturating_add(v.parse().unwrap_or(0));
        }
    }
    (r, w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_spec::runtime::{LinuxCpu, LinuxMemory, LinuxPids};

    fn resources(
        mem: Option<(i64, Option<i64>)>,
        cpu: Option<(i64, u64)>,
        shares: Option<u64>,
        pids: Option<i64>,
    ) -> LinuxResources {
        let mut r = LinuxResources::default();
        if let Some((limit, swap)) = mem {
            let mut m = LinuxMemory::default();
            m.set_limit(Some(limit));
            m.set_swap(swap);
            r.set_memory(Some(m));
        }
        if cpu.is_some() || shares.is_some() {
            let mut c = LinuxCpu::default();
            if let Some((q, p)) = cpu {
                c.set_quota(Some(q));
                c.set_period(Some(p));
            }
            c.set_shares(shares);
            r.set_cpu(Some(c));
        }
        if let Some(p) = pids {
            let mut l = LinuxPids::default();
            l.set_limit(p);
            r.set_pids(Some(l));
        }
        r
    }

    fn file(dir: &Path, name: &str) -> String {
        fs::read_to_string(dir.join(name)).unwrap_or_default()
    }

    #[test]
    fn limits_become_v2_files() {
        let r = resources(
            Some((64 << 20, Some(128 << 20))),
            Some((50_000, 100_000)),
            Some(1024),
            Some(32),
        );
        let w: Vec<(&str, String)> = limit_writes(&r)
            .into_iter()
            .map(|w| (w.file, w.value))
            .collect();
        assert_eq!(
            w,
            [
                ("memory.max", (64u64 << 20).to_string()),
                ("memory.swap.max", (64u64 << 20).to_string()),
                ("cpu.max", "50000 100000".into()),
                ("cpu.weight", "39".into()),
                ("pids.max", "32".into()),
            ]
        );
        let unlimited = resources(Some((1 << 30, Some(-1))), None, None, Some(-1));
        let w: Vec<String> = limit_writes(&unlimited)
            .into_iter()
            .map(|w| w.value)
            .collect();
        assert_eq!(w, [(1u64 << 30).to_string(), "max".into(), "max".into()]);
        assert!(limit_writes(&LinuxResources::default()).is_empty());
    }

    #[test]
    fn weights_follow_the_oci_conversion() {
        assert_eq!(shares_to_weight(2), 1);
        assert_eq!(shares_to_weight(262_144), 10_000);
        assert_eq!(shares_to_weight(1024), 39);
        assert_eq!(shares_to_weight(0), 1);
    }

    /// A fake delegated root: what the kernel offers, what is enabled, who is inside.
    fn fake_parent(offered: &str, enabled: &str, procs: &str) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("cgroup.controllers"), offered).unwrap();
        fs::write(d.path().join("cgroup.subtree_control"), enabled).unwrap();
        fs::write(d.path().join("cgroup.procs"), procs).unwrap();
        d
    }

    #[test]
    fn controllers_enabled_after_moving_processes_out() {
        // A plain file stands in for subtree_control: each "+c" write replaces it, so
        // the last one written is what is left, and no "enabled" list reads back.
        let d = fake_parent("cpuset cpu io memory hugetlb pids rdma\n", "", "4242\n");
        let enabled = enable_controllers(d.path()).unwrap();
        assert_eq!(file(d.path(), "cgroup.subtree_control"), "+pids");
        assert!(enabled.is_empty());
        // The processes went to the leaf first.
        assert_eq!(file(&d.path().join(LEAF), "cgroup.procs"), "4242");
    }

    #[test]
    fn nothing_moves_when_the_controllers_are_on_already() {
        let d = fake_parent("cpu memory pids\n", "cpu memory pids\n", "4242\n");
        let enabled = enable_controllers(d.path()).unwrap();
        assert_eq!(enabled, ["cpu", "memory", "pids"]);
        assert!(!d.path().join(LEAF).exists());
        // A hybrid host's v2 tree offers nothing: nothing to enable, nothing moves.
        let h = fake_parent("", "", "4242\n");
        assert!(enable_controllers(h.path()).unwrap().is_empty());
        assert!(!h.path().join(LEAF).exists());
    }

    #[test]
    fn create_writes_the_limits_it_can_and_names_the_rest() {
        let d = fake_parent("memory pids\n", "memory pids\n", "");
        let id = "ab".repeat(32);
        let r = resources(
            Some((6 << 20, None)),
            Some((150_000, 100_000)),
            None,
            Some(10),
        );
        let (cg, ignored) = Cgroup::create(d.path(), &id, Some(&r)).unwrap();
        assert_eq!(cg.dir(), d.path().join(format!("rpod-{id}")));
        assert_eq!(file(cg.dir(), "memory.max"), (6u64 << 20).to_string());
        assert_eq!(file(cg.dir(), "pids.max"), "10");
        assert!(!cg.dir().join("cpu.max").exists());
        assert_eq!(ignored, [("--cpus", "cpu")]);
        assert_eq!(
            cg.relative(d.path().parent().unwrap()),
            format!(
                "/{}/rpod-{id}",
                d.path().file_name().unwrap().to_string_lossy()
            )
        );
        // A restart reuses it.
        assert!(Cgroup::create(d.path(), &id, None).is_ok());
        // cgroupfs removes a cgroup with its interface files; a plain dir needs them gone.
        for f in ["memory.max", "pids.max"] {
            fs::remove_file(cg.dir().join(f)).unwrap();
        }
        cg.remove().unwrap();
        assert!(!cg.dir().exists());
        cg.remove().unwrap();
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

    #[test]
    fn counters_parsed() {
        assert_eq!(
            parse_cpu_usage("usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n"),
            Some(1_234_567)
        );
        assert_eq!(parse_cpu_usage("user_usec 1\n"), None);
        assert_eq!(parse_max("max\n"), None);
        assert_eq!(parse_max("67108864\n"), Some(64 << 20));
        assert_eq!(
            parse_io_stat("8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n259:0 rbytes=1 wbytes=2 rios=1 wios=1\n"),
            (4097, 8194)
        );
        assert_eq!(parse_io_stat(""), (0, 0));
    }

    #[test]
    fn sample_reads_what_is_there() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("cpu.stat"), "usage_usec 42\n").unwrap();
        fs::write(d.path().join("cgroup.threads"), "10\n11\n12\n").unwrap();
        fs::write(d.path().join("memory.current"), "1048576\n").unwrap();
        fs::write(d.path().join("memory.max"), "max\n").unwrap();
        let s = Cgroup::at(d.path()).sample();
        assert_eq!(s.cpu_usec, Some(42));
        assert_eq!(s.pids, Some(3));
        assert_eq!(s.mem_usage, Some(1 << 20));
        assert_eq!(s.mem_limit, None);
        assert_eq!(s.io_read, None);
        fs::write(d.path().join("pids.current"), "7\n").unwrap();
        assert_eq!(Cgroup::at(d.path()).sample().pids, Some(7));
    }
}
