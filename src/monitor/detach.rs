//! The detached monitor process, both ends. The starter ([`spawn`]): a double fork
//! (so the monitor is nobody's child and no terminal's), `setsid`, stdio on
//! `/dev/null`, then a re-exec of rpod itself, which [`entry`] recognises and turns
//! into the container's [`Monitor`]. The starter waits for one report on a pipe:
//! the container's pid once its command runs, or the error (with its exit code)
//! that stopped it.
//!
//! Re-exec rather than fork alone: a forked monitor would keep the starter's whole
//! resident memory (parsed image config, store indexes, pull buffers) for as long as
//! the container lives; a fresh image maps only what monitoring touches.

use std::ffi::{CString, OsStr, OsString};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use nix::fcntl::OFlag;
use serde::{Deserialize, Serialize};

use super::own_log;
use super::supervise::{Mode, Monitor};
use super::trim;
use crate::container::store::{ContainerLock, ContainerStore};
use crate::error;

/// The environment variable carrying [`MonitorArgs`] to the re-executed monitor.
pub const ENV: &str = "_RPOD_MONITOR";
/// The monitor's `argv[1]`, so it shows in `ps` for what it is.
pub const ARG: &str = "container-monitor";

/// What the monitor is told.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MonitorArgs {
    pub root: PathBuf,
    pub runroot: PathBuf,
    pub id: String,
    /// Write end of the report pipe.
    pub report_fd: RawFd,
    /// The container's lock, held by the starter for the monitor.
    pub lock_fd: RawFd,
    /// One end of an attach socket pair (`start -a`): a client from the start.
    #[serde(default)]
    pub attach_fd: Option<RawFd>,
    /// `--log-level` of the starter, for the monitor's own warnings (none reach a
    /// terminal: they are dropped with its stdio).
    pub log_level: String,
}

/// The one message a monitor sends its starter.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Report {
    /// The command runs; this is its pid on the host.
    Started { pid: i32 },
    /// It could not be started.
    Failed { code: u8, message: String },
}

/// Runs the monitor if this process was started as one; `None` otherwise.
pub fn entry() -> Option<u8> {
    if std::env::args_os().nth(1).as_deref() != Some(OsStr::new(ARG)) {
        return None;
    }
    let raw = std::env::var(ENV).ok()?;
    // Not for the id-map helpers (the container's environment comes from its spec).
    std::env::remove_var(ENV);
    let Ok(args) = serde_json::from_str::<MonitorArgs>(&raw) else {
        return Some(error::EXIT_RPOD);
    };
    Some(main(args))
}

fn main(args: MonitorArgs) -> u8 {
    let _ = nix::sys::prctl::set_name(c"rpod-monitor");
    // Hold no directory of the caller's busy.
    let _ = std::env::set_current_dir("/");
    // SAFETY: the descriptors were passed by our starter for us alone.
    let (mut report, lock, attached) = unsafe { take_fds(&args) };
    let store = match ContainerStore::open_dirs(
        &args.root.join("containers"),
        &args.runroot.join("containers"),
    ) {
        Ok(s) => s,
        Err(e) => return fail(&mut report, &anyhow::Error::from(e)),
    };
    let level = args.log_level.parse().unwrap_or(log::LevelFilter::Warn);
    own_log::init(store.dir(&args.id).join(own_log::FILE), level);
    let mut monitor = match Monitor::start(store, &args.id, lock, Mode::Detached) {
        Ok(m) => m,
        Err(e) => return fail(&mut report, &e),
    };
    if let Some(fd) = attached {
        monitor.adopt(fd);
    }
    let pid = monitor.pid();
    let msg = serde_json::to_vec(&Report::Started { pid }).unwrap_or_default();
    if let Err(e) = report.write_all(&msg) {
        // The starter is gone (killed while it waited); the container runs on.
        log::warn!("container {}: reporting its start: {e}", args.id);
    }
    drop(report);
    monitor.keep_state();
    // What starting the container touched is not needed while it waits.
    trim::shed();
    monitor.run();
    0
}

fn fail(report: &mut std::fs::File, e: &anyhow::Error) -> u8 {
    let code = error::exit_code(e);
    let msg = serde_json::to_vec(&Report::Failed {
        code,
        message: error::one_line(e),
    })
    .unwrap_or_default();
    if let Err(err) = report.write_all(&msg) {
        log::error!("reporting a failed start ({}): {err}", error::one_line(e));
    }
    code
}

/// Starts the monitor of container `args.id` with `lock` held, and waits for its
/// report. Returns the container's pid.
pub fn spawn(mut args: MonitorArgs, lock: &ContainerLock) -> Result<i32> {
    let (report_r, report_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).context("creating a pipe")?;
    args.report_fd = report_w.as_raw_fd();
    args.lock_fd = lock.as_raw_fd();
    // Everything the children need is made now: after fork only async-signal-safe
    // calls are allowed (another thread may hold the allocator's lock).
    let exe = CString::new("/proc/self/exe").unwrap_or_default();
    let argv = [
        CString::new("rpod").unwrap_or_default(),
        CString::new(ARG).unwrap_or_default(),
        CString::new(args.id.as_str()).unwrap_or_default(),
    ];
    let argv_ptrs: Vec<*const libc::c_char> = argv
        .iter()
        .map(|a| a.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect();
    let payload = serde_json::to_string(&args)?;
    let mut env: Vec<CString> = std::env::vars_os()
        .filter(|(k, _)| k != ENV)
        .filter_map(|(k, v)| {
            let mut kv: OsString = k;
            kv.push("=");
            kv.push(v);
            CString::new(kv.into_vec()).ok()
        })
        .collect();
    env.push(CString::new(format!("{ENV}={payload}"))?);
    let env_ptrs: Vec<*const libc::c_char> = env
        .iter()
        .map(|e| e.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect();
    let dev_null = CString::new("/dev/null").unwrap_or_default();
    let exec_failed = serde_json::to_vec(&Report::Failed {
        code: error::EXIT_RPOD,
        message: "cannot start the container's monitor (re-executing rpod failed)".into(),
    })?;
    let (report_fd, lock_fd) = (report_w.as_raw_fd(), lock.as_raw_fd());
    let attach_fd = args.attach_fd.unwrap_or(-1);

    // SAFETY: the child only makes async-signal-safe calls on data prepared above.
    match unsafe { libc::fork() } {
        -1 => bail!(
            "cannot fork the monitor: {}",
            std::io::Error::last_os_error()
        ),
        // SAFETY: in the forked child, only async-signal-safe libc calls on
        // pointers (paths, argv, envp) and fds prepared before the fork.
        0 => unsafe {
            // First child: a session of its own, then the monitor as its child, so
            // the monitor is reparented away and never gets a controlling terminal.
            libc::setsid();
            match libc::fork() {
                0 => {
                    let null = libc::open(dev_null.as_ptr(), libc::O_RDWR);
                    if null >= 0 {
                        for fd in 0..=2 {
                            libc::dup2(null, fd);
                        }
                        if null > 2 {
                            libc::close(null);
                        }
                    }
                    // Nothing the starter inherited reaches the monitor (a caller's
                    // pipe kept open for ever would make it wait for ever).
                    libc::syscall(
                        libc::SYS_close_range,
                        3u32,
                        u32::MAX,
                        libc::CLOSE_RANGE_CLOEXEC,
                    );
                    for fd in [report_fd, lock_fd, attach_fd] {
                        if fd >= 0 {
                            libc::fcntl(fd, libc::F_SETFD, 0);
                        }
                    }
                    libc::execve(exe.as_ptr(), argv_ptrs.as_ptr(), env_ptrs.as_ptr());
                    libc::write(report_fd, exec_failed.as_ptr().cast(), exec_failed.len());
                    libc::_exit(error::EXIT_RPOD as i32)
                }
                -1 => {
                    libc::write(report_fd, exec_failed.as_ptr().cast(), exec_failed.len());
                    libc::_exit(error::EXIT_RPOD as i32)
                }
                _ => libc::_exit(0),
            }
        },
        child => {
            drop(report_w);
            let mut status = 0;
            // SAFETY: waiting for the child we just forked.
            while unsafe { libc::waitpid(child, &mut status, 0) } == -1
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
            {}
        }
    }
    read_report(report_r)
}

fn read_report(fd: OwnedFd) -> Result<i32> {
    let mut buf = Vec::new();
    std::fs::File::from(fd)
        .read_to_end(&mut buf)
        .context("reading the monitor's report")?;
    if buf.is_empty() {
        bail!("the container's monitor exited before the container started");
    }
    match serde_json::from_slice::<Report>(&buf) {
        Ok(Report::Started { pid }) => Ok(pid),
        Ok(Report::Failed { code, message }) => Err(error::exit_error(code, message)),
        Err(_) => bail!(
            "the container's monitor sent an unreadable report: {}",
            String::from_utf8_lossy(&buf)
        ),
    }
}

/// In the monitor: takes over the descriptors the starter passed.
///
/// # Safety
/// `args` must come from [`spawn`] in this process's own environment: the
/// descriptors are then open and owned by nobody else in this process.
pub unsafe fn take_fds(args: &MonitorArgs) -> (std::fs::File, ContainerLock, Option<OwnedFd>) {
    let fds = [args.report_fd, args.lock_fd]
        .into_iter()
        .chain(args.attach_fd.filter(|fd| *fd >= 0));
    for fd in fds {
        // Not into the container nor the id-map helpers.
        libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
    }
    let report = std::fs::File::from_raw_fd(args.report_fd);
    let lock = ContainerLock::inherited(OwnedFd::from_raw_fd(args.lock_fd));
    let attached = args
        .attach_fd
        .filter(|fd| *fd >= 0)
        .map(|fd| OwnedFd::from_raw_fd(fd));
    (report, lock, attached)
}
