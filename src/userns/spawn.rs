//! Forking into the user namespace, with the parent ⇄ child handshake.
//!
//! The parent clones the child with `CLONE_NEWUSER` (plus whatever namespaces the
//! caller asks for) in one `clone3`, installs the map with the setuid
//! `newuidmap`/`newgidmap` while the child waits on a pipe, then releases it.
//! The child reports failure over a close-on-exec pipe: end-of-file there means
//! it reached `execve`, a message means it failed and carries the exit code.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use nix::sched::CloneFlags;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use thiserror::Error;

use super::map::{IdMap, IdRange};
use crate::error;
use crate::sys::creds;

#[derive(Debug, Error)]
pub enum SpawnError {
    #[error("cannot create pipe: {0}")]
    Pipe(#[source] nix::Error),
    #[error("cannot create the user namespace (clone3): {0}; check that unprivileged user namespaces are enabled (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0)")]
    Clone(#[source] nix::Error),
    #[error("cannot run {helper}: {source}")]
    HelperStart {
        helper: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{helper} failed ({status}): {stderr}; check the ranges for your user in /etc/subuid and /etc/subgid")]
    Helper {
        helper: &'static str,
        status: String,
        stderr: String,
    },
    #[error("cannot write {file} for the user namespace: {source}")]
    WriteMap {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

/// A child running in its own user namespace.
#[derive(Debug)]
pub struct Child {
    pub pid: Pid,
    pub pidfd: OwnedFd,
}

impl Child {
    /// Waits for the child and returns its status as a shell would: the exit code, or 128+N for signal N.
    pub fn wait(&self) -> Result<u8> {
        loop {
            match waitpid(self.pid, None) {
                Ok(status) => {
                    if let Some(code) = exit_status(status) {
                        return Ok(code);
                    }
                }
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e).context("waiting for the child process"),
            }
        }
    }
}

/// The shell-style status of a wait result, `None` for stops and continues.
pub fn exit_status(status: WaitStatus) -> Option<u8> {
    match status {
        WaitStatus::Exited(_, code) => Some(code as u8),
        WaitStatus::Signaled(_, sig, _) => Some(128u8.wrapping_add(sig as i32 as u8)),
        _ => None,
    }
}

/// A failure the child sends back instead of exec'ing.
#[derive(Debug, Serialize, Deserialize)]
struct ChildFailure {
    code: u8,
    message: String,
}

impl ChildFailure {
    fn from_error(err: &anyhow::Error) -> Self {
        ChildFailure {
            code: error::exit_code(err),
            message: error::one_line(err),
        }
    }
}

/// Forks into a new user namespace (and `namespaces`), runs `setup` there as root.
/// `setup` must end in `execve`; it returns only with an error, which is sent back
/// and returned here with its exit code. Returns once the child has exec'd.
pub fn spawn(
    map: &IdMap,
    namespaces: CloneFlags,
    setup: impl FnOnce() -> anyhow::Error,
) -> Result<Child> {
    spawn_in(map, namespaces, None, setup)
}

/// As [`spawn`], the child born in the cgroup `cgroup` (a directory descriptor) when
/// given. A cgroup namespace is then created by the child itself, once it is in that
/// cgroup: one made by the clone would be rooted at the parent's cgroup.
pub fn spawn_in(
    map: &IdMap,
    namespaces: CloneFlags,
    cgroup: Option<BorrowedFd<'_>>,
    setup: impl FnOnce() -> anyhow::Error,
) -> Result<Child> {
    let (namespaces, own_cgroupns) = split_cgroupns(namespaces, cgroup);
    let (child, mut report) = fork_into(map, namespaces, cgroup, |mut report| {
        let err = match enter_cgroupns(own_cgroupns) {
            Ok(()) => setup(),
            Err(e) => e,
        };
        let msg = serde_json::to_vec(&ChildFailure::from_error(&err)).unwrap_or_default();
        let _ = report.write_all(&msg);
        error::EXIT_RPOD as i32
    })?;
    settle(child, &mut report)
}

/// `namespaces` without the cgroup namespace when the child is cloned into a cgroup,
/// and whether it must then create one itself.
fn split_cgroupns(namespaces: CloneFlags, cgroup: Option<BorrowedFd<'_>>) -> (CloneFlags, bool) {
    let own = cgroup.is_some() && namespaces.contains(CloneFlags::CLONE_NEWCGROUP);
    if own {
        (namespaces - CloneFlags::CLONE_NEWCGROUP, true)
    } else {
        (namespaces, false)
    }
}

fn enter_cgroupns(own: bool) -> Result<(), anyhow::Error> {
    if own {
        nix::sched::unshare(CloneFlags::CLONE_NEWCGROUP)
            .map_err(|e| anyhow::anyhow!("creating the cgroup namespace: {}", e.desc()))?;
    }
    Ok(())
}

/// As [`spawn`], but the child joins the namespaces `join` of a running process
/// (`target`, a pidfd: a container's init) instead of creating them, and creates the
/// rest of `namespaces`: `--network container:NAME` joins another container's user and
/// network namespaces (that network namespace belongs to the other container's user
/// namespace, where only its members hold privileges), `exec` joins them all.
///
/// A forked helper joins them (it is single-threaded, as joining a user namespace
/// requires; the kernel enters the user namespace first), then clones the process with
/// `CLONE_PARENT`, so that it is this one's child, as with [`spawn`], and exits. A pid
/// namespace joined this way is the clone's, not the helper's.
pub fn spawn_joined(
    target: &OwnedFd,
    join: CloneFlags,
    namespaces: CloneFlags,
    setup: impl FnOnce() -> anyhow::Error,
) -> Result<Child> {
    spawn_joined_in(target, join, namespaces, None, setup)
}

/// As [`spawn_joined`], the process born in the cgroup `cgroup` when given (see
/// [`spawn_in`]; a cgroup namespace joined is the target's, rooted at its cgroup).
pub fn spawn_joined_in(
    target: &OwnedFd,
    join: CloneFlags,
    namespaces: CloneFlags,
    cgroup: Option<BorrowedFd<'_>>,
    setup: impl FnOnce() -> anyhow::Error,
) -> Result<Child> {
    let (report_read, report_write) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(SpawnError::Pipe)?;
    let (pid_read, pid_write) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(SpawnError::Pipe)?;
    let (flags, own_cgroupns) =
        split_cgroupns(namespaces - join - CloneFlags::CLONE_NEWUSER, cgroup);
    // Born into a cgroup, the process joins the target's cgroup namespace only once
    // it is there: where namespaces are delegation boundaries (`nsdelegate`), a
    // process inside that namespace may not move one from outside it.
    let late_cgroupns = cgroup.is_some() && join.contains(CloneFlags::CLONE_NEWCGROUP);
    let join = if late_cgroupns {
        join - CloneFlags::CLONE_NEWCGROUP
    } else {
        join
    };
    let helper = clone3(CloneFlags::empty(), None).map_err(SpawnError::Clone)?;
    let Forked::Parent(helper_pid, _helper_fd) = helper else {
        // The helper: join, clone the container process, report its pid, exit.
        drop(report_read);
        drop(pid_read);
        let mut report = File::from(report_write);
        if let Err(e) = join_namespaces(target, join) {
            let err = error::exit_error(
                error::EXIT_RPOD,
                format!("joining the running container's namespaces: {}", e.desc()),
            );
            let msg = serde_json::to_vec(&ChildFailure::from_error(&err)).unwrap_or_default();
            let _ = report.write_all(&msg);
            // SAFETY: leaving a forked child without running the parent's cleanup.
            unsafe { libc::_exit(error::EXIT_RPOD as i32) }
        }
        let code = match clone3(flags | CloneFlags::CLONE_PARENT, cgroup) {
            Ok(Forked::Child) => {
                drop(pid_write);
                enter_root();
                let joined = if late_cgroupns {
                    join_namespaces(target, CloneFlags::CLONE_NEWCGROUP).map_err(|e| {
                        anyhow::anyhow!("joining the container's cgroup namespace: {}", e.desc())
                    })
                } else {
                    Ok(())
                };
                let err = match joined.and_then(|()| enter_cgroupns(own_cgroupns)) {
                    Ok(()) => setup(),
                    Err(e) => e,
                };
                let msg = serde_json::to_vec(&ChildFailure::from_error(&err)).unwrap_or_default();
                let _ = report.write_all(&msg);
                error::EXIT_RPOD as i32
            }
            Ok(Forked::Parent(pid, _)) => {
                let _ = File::from(pid_write).write_all(&pid.as_raw().to_ne_bytes());
                0
            }
            Err(e) => {
                let err = error::exit_error(
                    error::EXIT_RPOD,
                    format!("creating the container's namespaces: {}", e.desc()),
                );
                let msg = serde_json::to_vec(&ChildFailure::from_error(&err)).unwrap_or_default();
                let _ = report.write_all(&msg);
                error::EXIT_RPOD as i32
            }
        };
        // SAFETY: leaving a forked child without running the parent's cleanup.
        unsafe { libc::_exit(code) }
    };
    drop(report_write);
    drop(pid_write);
    let mut raw = [0u8; 4];
    let got_pid = File::from(pid_read).read_exact(&mut raw).is_ok();
    // The helper is done either way.
    let _ = waitpid(helper_pid, None);
    let mut report = File::from(report_read);
    if !got_pid {
        let mut buf = Vec::new();
        let _ = report.read_to_end(&mut buf);
        return Err(failure(&buf));
    }
    let pid = Pid::from_raw(i32::from_ne_bytes(raw));
    // SAFETY: pidfd_open on our own (unreaped) child: the pid cannot be reused.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    let pidfd = match fd {
        -1 => {
            let e = nix::errno::Errno::last();
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            let _ = waitpid(pid, None);
            return Err(anyhow::anyhow!(
                "pidfd_open of the container's process: {}",
                e.desc()
            ));
        }
        // SAFETY: the kernel just returned this descriptor.
        fd => unsafe { OwnedFd::from_raw_fd(fd as i32) },
    };
    let child = Child { pid, pidfd };
    settle(child, &mut report)
}

/// Enters the namespaces `join` of the process behind `target`, the user namespace
/// first. Before Linux 5.8 setns takes no pidfd: then one `/proc/PID/ns/*` file at a
/// time, opened while the pidfd shows the process alive.
fn join_namespaces(target: &OwnedFd, join: CloneFlags) -> nix::Result<()> {
    use nix::errno::Errno;
    if join.is_empty() {
        return Ok(());
    }
    match nix::sched::setns(target, join) {
        Err(Errno::EINVAL) => {}
        done => return done,
    }
    let pid = pidfd_pid(target).ok_or(Errno::ESRCH)?;
    let mut files = Vec::new();
    for (name, flag) in NAMESPACE_FILES {
        if join.contains(flag) {
            let f = File::open(format!("/proc/{pid}/ns/{name}"))
                .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(0)))?;
            files.push((flag, f));
        }
    }
    // Alive now, so alive when its files were opened: they are its own.
    if exited(target) {
        return Err(Errno::ESRCH);
    }
    for (flag, f) in &files {
        nix::sched::setns(f, *flag)?;
    }
    Ok(())
}

/// Namespace files of `/proc/PID/ns` in the order they are joined: the user
/// namespace grants the rights to enter the others, the mount namespace goes last.
pub const NAMESPACE_FILES: [(&str, CloneFlags); 7] = [
    ("user", CloneFlags::CLONE_NEWUSER),
    ("ipc", CloneFlags::CLONE_NEWIPC),
    ("uts", CloneFlags::CLONE_NEWUTS),
    ("net", CloneFlags::CLONE_NEWNET),
    ("pid", CloneFlags::CLONE_NEWPID),
    ("cgroup", CloneFlags::CLONE_NEWCGROUP),
    ("mnt", CloneFlags::CLONE_NEWNS),
];

/// The pid a pidfd refers to, from its fdinfo; `None` once the process has ended.
fn pidfd_pid(pidfd: &OwnedFd) -> Option<i32> {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", pidfd.as_raw_fd())).ok()?;
    let pid: i32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pid:"))?
        .trim()
        .parse()
        .ok()?;
    (pid > 0).then_some(pid)
}

/// Whether the process behind `pidfd` has ended (its pidfd reads as ready).
pub fn exited(pidfd: &OwnedFd) -> bool {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::os::fd::AsFd;
    let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
    poll(&mut fds, PollTimeout::ZERO).is_ok_and(|n| n != 0)
}

/// Set in a child once it is root of its user namespace.
static IN_USERNS: AtomicBool = AtomicBool::new(false);

/// Runs `f` as root of the user namespace: directly when this process already
/// is (or is real root), else in a forked child via [`run`].
pub fn as_root<T: Serialize + DeserializeOwned>(
    map: &IdMap,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    if map.is_host() || IN_USERNS.load(Ordering::Relaxed) {
        f()
    } else {
        run(map, f)
    }
}

/// Runs `f` in a forked child inside the user namespace and returns its result.
pub fn run<T: Serialize + DeserializeOwned>(
    map: &IdMap,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    run_in(map, CloneFlags::empty(), f)
}

/// As [`run`], with extra namespaces (e.g. `CLONE_NEWNS` to mount).
pub fn run_in<T: Serialize + DeserializeOwned>(
    map: &IdMap,
    namespaces: CloneFlags,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    #[derive(Serialize, Deserialize)]
    enum Reply<T> {
        Ok(T),
        Err(ChildFailure),
    }
    let parent = nix::unistd::getpid();
    let (child, mut report) = fork_into(map, namespaces, None, |mut report| {
        // Work done on the caller's behalf (a pull, an unpack) ends with the
        // caller: a `kill -9` of rpod must not leave it running on.
        // SAFETY: prctl with integer arguments only.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
        if nix::unistd::getppid() != parent {
            return error::EXIT_RPOD as i32;
        }
        let reply = match f() {
            Ok(v) => Reply::Ok(v),
            Err(e) => Reply::Err(ChildFailure::from_error(&e)),
        };
        match serde_json::to_vec(&reply) {
            Ok(bytes) if report.write_all(&bytes).is_ok() => 0,
            _ => error::EXIT_RPOD as i32,
        }
    })?;
    let mut buf = Vec::new();
    let read = report.read_to_end(&mut buf);
    let status = child.wait()?;
    read.context("reading the result from the user namespace")?;
    match serde_json::from_slice::<Reply<T>>(&buf) {
        Ok(Reply::Ok(v)) => Ok(v),
        Ok(Reply::Err(f)) => Err(error::exit_error(f.code, f.message)),
        Err(_) => Err(anyhow::anyhow!(
            "the process in the user namespace ended with status {status} without a result"
        )),
    }
}

/// Reads the child's report to its end: nothing means it got as far as `execve`;
/// otherwise it failed, is reaped, and its failure is returned.
fn settle(child: Child, report: &mut File) -> Result<Child> {
    let mut buf = Vec::new();
    let _ = report.read_to_end(&mut buf);
    if buf.is_empty() {
        return Ok(child);
    }
    let _ = child.wait();
    Err(failure(&buf))
}

fn failure(buf: &[u8]) -> anyhow::Error {
    match serde_json::from_slice::<ChildFailure>(buf) {
        Ok(f) => error::exit_error(f.code, f.message),
        Err(_) => anyhow::anyhow!(
            "the process in the user namespace failed: {}",
            String::from_utf8_lossy(buf)
        ),
    }
}

/// Clones the child; returns it with the read end of its report pipe.
/// `body` runs in the child once the map is in place; its return value is the exit code.
fn fork_into(
    map: &IdMap,
    namespaces: CloneFlags,
    cgroup: Option<BorrowedFd<'_>>,
    body: impl FnOnce(File) -> i32,
) -> Result<(Child, File)> {
    let (go_read, go_write) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(SpawnError::Pipe)?;
    let (report_read, report_write) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(SpawnError::Pipe)?;
    let mut flags = namespaces;
    if !map.is_host() {
        flags |= CloneFlags::CLONE_NEWUSER;
    }
    let forked = clone3(flags, cgroup).map_err(SpawnError::Clone)?;
    let Forked::Parent(pid, pidfd) = forked else {
        // Child. Only this thread exists here; never return into the caller's stack.
        drop(go_write);
        drop(report_read);
        let mut go = File::from(go_read);
        let mut byte = [0u8; 1];
        let code = match go.read(&mut byte) {
            Ok(1) => {
                drop(go);
                become_root(map);
                body(File::from(report_write))
            }
            // The parent could not install the map and has reported why.
            _ => error::EXIT_RPOD as i32,
        };
        // SAFETY: _exit skips the parent's atexit handlers and buffered state, as a forked child must.
        unsafe { libc::_exit(code) }
    };
    drop(go_read);
    drop(report_write);
    let child = Child { pid, pidfd };
    if let Err(e) = install_map(map, pid) {
        drop(go_write);
        let _ = child.wait();
        return Err(e.into());
    }
    File::from(go_write)
        .write_all(&[1])
        .context("releasing the child process")?;
    Ok((child, File::from(report_read)))
}

fn become_root(map: &IdMap) {
    if !map.is_host() {
        enter_root();
    }
}

/// Takes root's ids in the user namespace this process is in.
fn enter_root() {
    IN_USERNS.store(true, Ordering::Relaxed);
    // The creator's ids map to 0 now; make every id (real, effective, saved) root's.
    // Raw calls: this runs in a fork-style child, where glibc's wrappers would wait
    // for the parent's other threads (see `sys::creds`). Root is always mapped in our
    // own namespace, so these cannot fail.
    if let Err(e) = creds::setresgid(0, 0, 0).and_then(|()| creds::setresuid(0, 0, 0)) {
        log::warn!("taking root's ids in the user namespace: {e}");
    }
}

/// Which side of a fork-style `clone3` we are on.
enum Forked {
    Child,
    Parent(Pid, OwnedFd),
}

/// `clone3`'s flag for a child born in another cgroup (Linux 5.7).
const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// `clone3` used like fork (no new stack), also returning a pidfd to the child;
/// the child starts in the cgroup `cgroup` (a directory descriptor) when given.
fn clone3(flags: CloneFlags, cgroup: Option<BorrowedFd<'_>>) -> nix::Result<Forked> {
    // The child of a raw clone3 gets the memory of every thread but only the calling
    // one: a lock another thread holds stays held forever there. Callers fork before
    // they start threads; debug builds check it (unit tests run in threads by design).
    #[cfg(all(debug_assertions, not(test)))]
    if let Some(n) = crate::sys::proc::thread_count().filter(|&n| n > 1) {
        panic!("clone3 from a process with {n} threads: fork before starting threads");
    }
    let mut pidfd: libc::c_int = -1;
    // SAFETY: clone_args is plain data; zeroed is a valid starting value.
    let mut args: libc::clone_args = unsafe { std::mem::zeroed() };
    args.flags = flags.bits() as u64 | libc::CLONE_PIDFD as u64;
    args.pidfd = &mut pidfd as *mut libc::c_int as u64;
    if let Some(fd) = cgroup {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = fd.as_raw_fd() as u64;
    }
    // With CLONE_PARENT the child inherits the caller's exit signal; clone3
    // refuses one given explicitly.
    args.exit_signal = if flags.contains(CloneFlags::CLONE_PARENT) {
        0
    } else {
        libc::SIGCHLD as u64
    };
    // SAFETY: fork-style clone3 (stack 0) returns twice like fork; args outlives the call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_clone3,
            &mut args as *mut libc::clone_args,
            std::mem::size_of::<libc::clone_args>(),
        )
    };
    match ret {
        -1 => Err(nix::errno::Errno::last()),
        0 => Ok(Forked::Child),
        // SAFETY: the kernel just gave us this pidfd and nothing else owns it.
        pid => Ok(Forked::Parent(Pid::from_raw(pid as i32), unsafe {
            OwnedFd::from_raw_fd(pidfd)
        })),
    }
}

/// Installs the uid/gid maps of `pid`: the setuid helpers for a full map,
/// a direct write for the single-id map (allowed to an unprivileged parent).
pub fn install_map(map: &IdMap, pid: Pid) -> Result<(), SpawnError> {
    if map.is_host() {
        return Ok(());
    }
    if map.is_single() {
        let proc = format!("/proc/{}", pid.as_raw());
        write_proc(&format!("{proc}/setgroups"), "deny")?;
        write_proc(&format!("{proc}/uid_map"), &map_lines(&map.uids))?;
        return write_proc(&format!("{proc}/gid_map"), &map_lines(&map.gids));
    }
    // The two helpers are independent: run them side by side.
    let uid = helper_cmd("newuidmap", pid, &map.uids)?;
    let gid = helper_cmd("newgidmap", pid, &map.gids)?;
    finish_helper("newuidmap", uid)?;
    finish_helper("newgidmap", gid)
}

fn map_lines(ranges: &[IdRange]) -> String {
    ranges
        .iter()
        .map(|r| format!("{} {} {}\n", r.container, r.host, r.size))
        .collect()
}

fn write_proc(file: &str, content: &str) -> Result<(), SpawnError> {
    std::fs::write(file, content).map_err(|source| SpawnError::WriteMap {
        file: file.to_string(),
        source,
    })
}

fn helper_cmd(
    helper: &'static str,
    pid: Pid,
    ranges: &[IdRange],
) -> Result<std::process::Child, SpawnError> {
    let mut cmd = Command::new(helper);
    cmd.arg(pid.as_raw().to_string());
    for r in ranges {
        cmd.args([
            r.container.to_string(),
            r.host.to_string(),
            r.size.to_string(),
        ]);
    }
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|source| SpawnError::HelperStart { helper, source })
}

fn finish_helper(helper: &'static str, child: std::process::Child) -> Result<(), SpawnError> {
    let out = child
        .wait_with_output()
        .map_err(|source| SpawnError::HelperStart { helper, source })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(SpawnError::Helper {
            helper,
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pidfds_name_their_process_until_it_ends() {
        let me = std::process::id() as i32;
        let own = crate::sys::proc::pidfd_open(me).unwrap();
        assert_eq!(pidfd_pid(&own), Some(me));
        assert!(!exited(&own));

        let mut child = Command::new("true").spawn().unwrap();
        let fd = crate::sys::proc::pidfd_open(child.id() as i32).unwrap();
        assert_eq!(pidfd_pid(&fd), Some(child.id() as i32));
        child.wait().unwrap();
        assert!(exited(&fd));
        assert_eq!(pidfd_pid(&fd), None);
    }

    #[test]
    fn nothing_to_join_is_no_error() {
        let own = crate::sys::proc::pidfd_open(std::process::id() as i32).unwrap();
        assert!(join_namespaces(&own, CloneFlags::empty()).is_ok());
        // The user namespace comes first; the mount namespace last.
        assert_eq!(NAMESPACE_FILES[0].1, CloneFlags::CLONE_NEWUSER);
        assert_eq!(NAMESPACE_FILES[6].1, CloneFlags::CLONE_NEWNS);
    }
}
