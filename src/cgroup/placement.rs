//! A container's cgroup made ready under the delegated subtree (controllers
//! enabled, limits written) and removed with the container's run.
//!
//! cgroup v2 lets a cgroup either hold processes or hand controllers to its children,
//! not both: when the delegated root still holds processes (the user's shell, rpod
//! itself) and a controller must be enabled there, they move to a leaf of their own,
//! `<delegated>/rpod-leaf`, first.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;
use std::time::{Duration, Instant};

use oci_spec::runtime::LinuxResources;

use super::limits::{limit_writes, unsupported, Ignored};
use super::{words, write, Cgroup, CgroupError};

/// The controllers a container's cgroup uses, when the subtree offers them.
pub const CONTROLLERS: [&str; 4] = ["cpu", "io", "memory", "pids"];

/// The leaf the delegated root's own processes move to.
pub const LEAF: &str = "rpod-leaf";

/// The name of container `id`'s cgroup under the delegated subtree.
pub fn name(id: &str) -> String {
    format!("rpod-{id}")
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

impl Cgroup {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::limits::tests::spec_resources;

    fn file(dir: &Path, name: &str) -> String {
        fs::read_to_string(dir.join(name)).unwrap_or_default()
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
        let r = spec_resources(
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
}
