//! Joining a running container (`rpod exec`): a new process in the namespaces of the
//! container's init, set up from the container's spec and the exec's own options.
//!
//! The init is reached through a pidfd checked against its recorded start time, so a
//! recycled pid is refused. Every namespace of the init that differs from ours is
//! joined ([`userns::spawn_joined`]: a forked helper enters them all, user namespace
//! first, and clones the process that becomes the command as a sibling, so that
//! `rpod exec` is its parent and waits for it); the command's process then becomes
//! what the spec and the exec's options say ([`process::exec`]), with podman's
//! 126/127 when it cannot start.

use std::convert::Infallible;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sched::CloneFlags;
use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
use nix::sys::stat::Mode;
use oci_spec::runtime::{Capabilities, LinuxCapabilities, LinuxCapabilitiesBuilder, Process, Spec};
use thiserror::Error;

use super::process::{self, Launch};
use super::tty::{self, WinSize};
use super::user::{self, ExecUser};
use super::Started;
use crate::error::{self, exit_error, EXIT_CANNOT_INVOKE};
use crate::sys::proc::ProcId;
use crate::userns::{self, spawn::exited, spawn::NAMESPACE_FILES};

#[derive(Debug, Error)]
pub enum ExecError {
    #[error("the container's process {0} is not running")]
    NotRunning(i32),
    #[error("reading the namespaces of process {pid}: {source}")]
    Namespaces {
        pid: i32,
        #[source]
        source: io::Error,
    },
    #[error("the container's spec has no process")]
    NoProcess,
    #[error("an exec needs a command")]
    NoCommand,
    #[error("{0}: {1}")]
    Sys(&'static str, #[source] Errno),
}

fn sys(what: &'static str) -> impl FnOnce(Errno) -> ExecError {
    move |e| ExecError::Sys(what, e)
}

/// A pidfd for the container's init, which `init` names by pid and start time: a
/// recycled pid is refused.
fn pin(init: &ProcId) -> Result<OwnedFd, ExecError> {
    init.open().ok_or(ExecError::NotRunning(init.pid))
}

/// What `rpod exec` asks for, on top of the container's spec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOptions {
    /// The command and its arguments.
    pub command: Vec<String>,
    /// `NAME=VALUE` entries over the container's environment (later wins).
    pub env: Vec<String>,
    /// `-w`: instead of the container's working directory.
    pub workdir: Option<String>,
    /// `-u`: name, uid, name:group or uid:gid, instead of the container's user.
    pub user: Option<String>,
    /// `-i`: the process reads rpod's stdin (else `/dev/null`).
    pub interactive: bool,
    /// The container's own cgroup, which the process joins (so that `pause` and
    /// `stats` see it too).
    pub cgroup: Option<std::path::PathBuf>,
    /// `-t`: a pty of its own, relayed by rpod.
    pub tty: bool,
    /// `-d`: stdio on `/dev/null`, nobody waits; it lives as long as the container.
    pub detach: bool,
}

impl ExecOptions {
    /// Whether the process gets a pty (not when detached: nobody would hold it).
    fn pty(&self) -> bool {
        self.tty && !self.detach
    }
}

/// The namespaces of `pid` that are not ours: joining one's own is refused (user) or
/// needs privileges over it (a host network namespace, with `--network host`).
pub(crate) fn namespaces_to_join(pid: i32) -> Result<CloneFlags, ExecError> {
    let mut flags = CloneFlags::empty();
    for (name, flag) in NAMESPACE_FILES {
        let theirs = match std::fs::metadata(format!("/proc/{pid}/ns/{name}")) {
            Ok(m) => m,
            // A kernel without this kind of namespace.
            Err(e)
                if e.kind() == io::ErrorKind::NotFound
                    && Path::new(&format!("/proc/{pid}")).exists() =>
            {
                continue
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(ExecError::NotRunning(pid))
            }
            Err(source) => return Err(ExecError::Namespaces { pid, source }),
        };
        let ours = std::fs::metadata(format!("/proc/self/ns/{name}"))
            .map_err(|source| ExecError::Namespaces { pid, source })?;
        if (theirs.dev(), theirs.ino()) != (ours.dev(), ours.ino()) {
            flags |= flag;
        }
    }
    Ok(flags)
}

/// Runs `opts.command` in the running container whose init is `init` and whose spec
/// is `spec`. Returns once the command has exec'd (its pid is then this process's
/// child), or with the error that kept it from starting (126/127 kept). Without
/// `detach`, the caller blocks the signals it relays first and then waits, as the
/// monitor's foreground relay does.
pub fn start(init: &ProcId, spec: &Spec, opts: &ExecOptions) -> Result<Started> {
    let base = spec.process().as_ref().ok_or(ExecError::NoProcess)?;
    if opts.command.is_empty() {
        return Err(ExecError::NoCommand.into());
    }
    let pidfd = pin(init)?;
    let join = namespaces_to_join(init.pid)?;
    let null = if opts.detach || !(opts.interactive || opts.tty) {
        Some(
            nix::fcntl::open("/dev/null", OFlag::O_RDWR | OFlag::O_CLOEXEC, Mode::empty())
                .map_err(sys("opening /dev/null"))?,
        )
    } else {
        None
    };
    let (tty_parent, tty_child) = if opts.pty() {
        let (a, b) = socketpair(
            AddressFamily::Unix,
            SockType::Stream,
            None,
            SockFlag::SOCK_CLOEXEC,
        )
        .map_err(sys("creating the terminal socket"))?;
        (Some(a), Some(b))
    } else {
        (None, None)
    };
    let job = Job {
        base,
        opts,
        null: null.as_ref().map(|f| f.as_fd()),
        tty: tty_child
            .as_ref()
            .map(|s| (s.as_fd(), tty::own_window_size())),
    };
    // Gone (the container stopped meanwhile): the process simply runs where rpod does.
    let cgroup = opts
        .cgroup
        .as_ref()
        .and_then(|d| crate::cgroup::Cgroup::at(d).open().ok());
    let spawned = userns::spawn_joined_in(
        &pidfd,
        join,
        CloneFlags::empty(),
        cgroup.as_ref().map(|f| f.as_fd()),
        || run(&job),
    );
    let child = match spawned {
        Ok(child) => child,
        // The init ended while we were joining it.
        Err(_) if exited(&pidfd) => return Err(ExecError::NotRunning(init.pid).into()),
        Err(e) => return Err(e),
    };
    drop(tty_child);
    let pty = match tty_parent {
        Some(sock) => Some(tty::receive_pty(sock.as_fd())?),
        None => None,
    };
    Ok(Started { child, pty })
}

/// What the process needs, prepared before the fork.
struct Job<'a> {
    base: &'a Process,
    opts: &'a ExecOptions,
    /// `/dev/null`, for stdin without `-i`/`-t`, and all stdio with `-d`.
    null: Option<BorrowedFd<'a>>,
    /// With `-t`: the socket the pty goes over, and the window size.
    tty: Option<(BorrowedFd<'a>, Option<WinSize>)>,
}

/// The command's process, inside every namespace: returns only on failure, with
/// podman's codes (126 unless the failure says otherwise).
fn run(job: &Job<'_>) -> anyhow::Error {
    match setup(job) {
        Ok(never) => match never {},
        Err(e) if e.chain().any(|c| c.is::<error::Exit>()) => e,
        Err(e) => exit_error(EXIT_CANNOT_INVOKE, error::one_line(&e)),
    }
}

fn setup(job: &Job<'_>) -> Result<Infallible> {
    let opts = job.opts;
    match (&job.tty, job.null) {
        (Some((sock, size)), _) => tty::attach_exec_pty(*sock, size.as_ref())?,
        (None, null) => {
            if let (true, Some(null)) = (opts.detach, null) {
                nix::unistd::dup2_stdout(null).context("connecting stdout to /dev/null")?;
                nix::unistd::dup2_stderr(null).context("connecting stderr to /dev/null")?;
            }
            // A session of its own: the terminal's ^C reaches rpod alone, which relays it.
            let _ = nix::unistd::setsid();
        }
    }
    let who = match &opts.user {
        Some(spec) => user::resolve_in(Path::new("/"), spec)
            .map_err(|e| exit_error(EXIT_CANNOT_INVOKE, e.to_string()))?,
        None => process::resolve_user(job.base)?,
    };
    let process = exec_process(job.base, opts, &who);
    let launch = Launch {
        stdin: if job.tty.is_some() { None } else { job.null },
        tty: job.tty.is_some(),
        // Waited for by rpod: it ends with it, as the container's init ends with its
        // monitor. A detached one lives as long as the container.
        die_with_parent: !opts.detach,
    };
    process::exec(&process, &who, launch)
}

/// The process to run: the container's, with the exec's command, environment,
/// workdir, terminal, and capabilities for the user it runs as.
pub fn exec_process(base: &Process, opts: &ExecOptions, who: &ExecUser) -> Process {
    let mut p = base.clone();
    p.set_args(Some(opts.command.clone()));
    let mut env = base.env().clone().unwrap_or_default();
    if opts.pty() && !opts.env.iter().any(|e| e.starts_with("TERM=")) {
        set_var(&mut env, "TERM=xterm");
    }
    for e in &opts.env {
        set_var(&mut env, e);
    }
    p.set_env(Some(env));
    if let Some(w) = &opts.workdir {
        p.set_cwd(w.into());
    }
    p.set_terminal(Some(opts.pty()));
    if opts.user.is_some() {
        p.set_capabilities(base.capabilities().as_ref().map(|c| caps_for(c, who.uid)));
    }
    p
}

/// podman's rule for a user given to exec: root gets the whole bounding set; any other
/// user only the capabilities the container gave its own non-root user (its ambient
/// set, empty for a root container).
fn caps_for(caps: &LinuxCapabilities, uid: u32) -> LinuxCapabilities {
    let bounding = caps.bounding().clone().unwrap_or_default();
    let (main, ambient) = if uid == 0 {
        (bounding.clone(), Capabilities::new())
    } else {
        let ambient: Capabilities = caps
            .ambient()
            .clone()
            .unwrap_or_default()
            .intersection(&bounding)
            .copied()
            .collect();
        (ambient.clone(), ambient)
    };
    LinuxCapabilitiesBuilder::default()
        .bounding(bounding)
        .effective(main.clone())
        .permitted(main)
        .inheritable(ambient.clone())
        .ambient(ambient)
        .build()
        .unwrap_or_else(|_| caps.clone())
}

fn set_var(env: &mut Vec<String>, entry: &str) {
    let key = entry.split_once('=').map_or(entry, |(k, _)| k);
    match env
        .iter_mut()
        .find(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k) == key)
    {
        Some(slot) => *slot = entry.to_string(),
        None => env.push(entry.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_spec::runtime::Capability;

    fn base() -> Process {
        let mut p = Process::default();
        p.set_args(Some(vec!["sleep".into(), "100".into()]));
        p.set_env(Some(vec![
            "PATH=/bin".into(),
            "A=1".into(),
            "HOSTNAME=box".into(),
        ]));
        p.set_cwd("/srv".into());
        let bounding: Capabilities = [Capability::Chown, Capability::Kill].into_iter().collect();
        let ambient: Capabilities = [Capability::Kill, Capability::SysAdmin]
            .into_iter()
            .collect();
        p.set_capabilities(Some(
            LinuxCapabilitiesBuilder::default()
                .bounding(bounding.clone())
                .effective(bounding.clone())
                .permitted(bounding)
                .ambient(ambient)
                .build()
                .unwrap(),
        ));
        p
    }

    fn who(uid: u32) -> ExecUser {
        ExecUser {
            uid,
            gid: uid,
            groups: vec![uid],
            home: "/".into(),
        }
    }

    fn opts() -> ExecOptions {
        ExecOptions {
            command: vec!["sh".into(), "-c".into(), "true".into()],
            ..Default::default()
        }
    }

    #[test]
    fn command_env_and_workdir() {
        let mut o = opts();
        let p = exec_process(&base(), &o, &who(0));
        assert_eq!(p.args().as_deref().unwrap(), ["sh", "-c", "true"]);
        assert_eq!(p.cwd(), Path::new("/srv"));
        assert_eq!(
            p.env().as_deref().unwrap(),
            ["PATH=/bin", "A=1", "HOSTNAME=box"]
        );

        o.env = vec!["A=2".into(), "B=3".into(), "A=4".into()];
        o.workdir = Some("/tmp".into());
        let p = exec_process(&base(), &o, &who(0));
        assert_eq!(p.cwd(), Path::new("/tmp"));
        assert_eq!(
            p.env().as_deref().unwrap(),
            ["PATH=/bin", "A=4", "HOSTNAME=box", "B=3"]
        );
    }

    #[test]
    fn term_only_with_a_pty() {
        let mut o = opts();
        o.tty = true;
        let p = exec_process(&base(), &o, &who(0));
        assert!(p
            .env()
            .as_ref()
            .unwrap()
            .contains(&"TERM=xterm".to_string()));
        assert_eq!(p.terminal(), Some(true));
        o.env = vec!["TERM=vt100".into()];
        let p = exec_process(&base(), &o, &who(0));
        let terms: Vec<_> = p
            .env()
            .as_ref()
            .unwrap()
            .iter()
            .filter(|e| e.starts_with("TERM="))
            .collect();
        assert_eq!(terms, ["TERM=vt100"]);
        // Detached: no pty, so no TERM either.
        o.env.clear();
        o.detach = true;
        let p = exec_process(&base(), &o, &who(0));
        assert!(!p
            .env()
            .as_ref()
            .unwrap()
            .iter()
            .any(|e| e.starts_with("TERM=")));
        assert_eq!(p.terminal(), Some(false));
    }

    #[test]
    fn capabilities_follow_the_exec_user() {
        let b = base();
        // No -u: the container's own.
        let p = exec_process(&b, &opts(), &who(1000));
        assert_eq!(p.capabilities(), b.capabilities());

        let mut o = opts();
        o.user = Some("0".into());
        let c = exec_process(&b, &o, &who(0))
            .capabilities()
            .clone()
            .unwrap();
        assert_eq!(c.effective(), c.bounding());
        assert_eq!(c.permitted(), c.bounding());
        assert!(c.ambient().as_ref().unwrap().is_empty());

        o.user = Some("1000".into());
        let c = exec_process(&b, &o, &who(1000))
            .capabilities()
            .clone()
            .unwrap();
        let only_kill: Capabilities = [Capability::Kill].into_iter().collect();
        assert_eq!(c.effective().as_ref(), Some(&only_kill));
        assert_eq!(c.ambient().as_ref(), Some(&only_kill));
        assert_eq!(c.bounding(), b.capabilities().as_ref().unwrap().bounding());
    }

    #[test]
    fn inits_are_checked_against_their_start_time() {
        let me = ProcId::current();
        assert!(pin(&me).is_ok());
        let recycled = ProcId {
            pid: me.pid,
            start: me.start + 1,
        };
        assert!(matches!(pin(&recycled), Err(ExecError::NotRunning(_))));
        assert!(matches!(
            pin(&ProcId::default()),
            Err(ExecError::NotRunning(0))
        ));
    }

    #[test]
    fn own_namespaces_are_not_joined() {
        let me = std::process::id() as i32;
        assert_eq!(namespaces_to_join(me).unwrap(), CloneFlags::empty());
    }
}
