//! Becoming a spec's process, from "root in the container" to `execve`: rlimits, user
//! and groups, capabilities, `no_new_privs`, workdir, environment, then the command,
//! found on the container's own `$PATH`. Shared by the container's init
//! ([`super::init`]) and by processes joining a running container ([`super::exec`]).
//! Failures carry podman's exit codes: 127 command not found, 126 everything else that
//! stops the command from starting.

use std::convert::Infallible;
use std::ffi::CString;
use std::os::fd::BorrowedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::sys::signal::{self, SigHandler, SigSet, SigmaskHow, Signal};
use nix::unistd::Uid;
use oci_spec::runtime::{PosixRlimitType, Process};

use super::caps;
use super::user::{self, ExecUser};
use crate::error::{exit_error, EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND};
use crate::sys::creds;

/// How the process is wired up, prepared by the caller.
#[derive(Debug, Clone, Copy, Default)]
pub struct Launch<'a> {
    /// Becomes stdin (`/dev/null` for a process that gets no input).
    pub stdin: Option<BorrowedFd<'a>>,
    /// stdio is a terminal, which a non-root user must own as on a login.
    pub tty: bool,
    /// SIGKILL when the parent (the monitor) dies, rather than living on unseen.
    pub die_with_parent: bool,
}

/// Switches to `who` with the process's capabilities and limits, changes to its
/// workdir and execs its command; returns only on failure.
pub fn exec(process: &Process, who: &ExecUser, launch: Launch<'_>) -> Result<Infallible> {
    set_rlimits(process)?;
    if let Some(stdin) = launch.stdin {
        nix::unistd::dup2_stdin(stdin).context("connecting stdin")?;
    }
    if launch.tty && who.uid != 0 {
        let _ = nix::unistd::fchown(std::io::stdin(), Some(Uid::from_raw(who.uid)), None);
    }
    switch_user(process, who)?;
    let cwd = process.cwd();
    nix::unistd::chdir(cwd).map_err(|e| {
        // podman's code for a workdir that does not exist (an exec's `-w`) is 127.
        let code = match e {
            Errno::ENOENT => EXIT_NOT_FOUND,
            _ => EXIT_CANNOT_INVOKE,
        };
        exit_error(
            code,
            format!("changing to workdir {}: {}", cwd.display(), e.desc()),
        )
    })?;
    if process.no_new_privileges() == Some(true) {
        nix::sys::prctl::set_no_new_privs().context("setting no_new_privs")?;
    }
    if launch.die_with_parent {
        // Set after the uid change, which clears it.
        nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)
            .context("setting the parent-death signal")?;
    }

    let env = environment(process, who);
    let args = process.args().as_deref().unwrap_or_default();
    let program = args.first().context("the spec has no command")?;
    let path_var = env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(super::spec::DEFAULT_PATH);
    let exe = find_executable(program, path_var)?;

    let argv: Vec<CString> = args.iter().map(|a| cstring(a.as_bytes())).collect();
    let envp: Vec<CString> = env.iter().map(|e| cstring(e.as_bytes())).collect();
    reset_signals();
    close_inherited_fds();
    let err = nix::unistd::execve(&cstring(exe.as_os_str().as_bytes()), &argv, &envp)
        .err()
        .unwrap_or(Errno::UnknownErrno);
    Err(exec_error(program, err))
}

fn cstring(bytes: &[u8]) -> CString {
    // Arguments and env come from JSON strings: interior NULs are cut, not fatal.
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).unwrap_or_default()
}

fn not_found(program: &str) -> anyhow::Error {
    exit_error(
        EXIT_NOT_FOUND,
        format!("executable file `{program}` not found in $PATH: No such file or directory"),
    )
}

fn exec_error(program: &str, err: Errno) -> anyhow::Error {
    match err {
        Errno::ENOENT => not_found(program),
        Errno::EACCES | Errno::EPERM | Errno::EISDIR => exit_error(
            EXIT_CANNOT_INVOKE,
            format!("executable file `{program}` cannot be run: permission denied"),
        ),
        e => exit_error(
            EXIT_CANNOT_INVOKE,
            format!("executable file `{program}` cannot be run: {}", e.desc()),
        ),
    }
}

/// Looks `program` up on `path` the way execvp does: names with a slash are taken as
/// they are; otherwise the first regular, executable file wins; a match that is not
/// executable makes the result "permission denied" rather than "not found".
pub fn find_executable(program: &str, path: &str) -> Result<PathBuf> {
    if program.is_empty() {
        return Err(not_found(program));
    }
    if program.contains('/') {
        return Ok(PathBuf::from(program));
    }
    let mut denied = None;
    for dir in path.split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let candidate = Path::new(dir).join(program);
        match std::fs::metadata(&candidate) {
            Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => {
                if nix::unistd::access(&candidate, nix::unistd::AccessFlags::X_OK).is_ok() {
                    return Ok(candidate);
                }
                denied.get_or_insert(candidate);
            }
            Ok(_) => {
                denied.get_or_insert(candidate);
            }
            Err(_) => {}
        }
    }
    match denied {
        Some(p) => Ok(p), // execve reports the precise refusal
        None => Err(not_found(program)),
    }
}

fn environment(process: &Process, who: &ExecUser) -> Vec<String> {
    let mut env = process.env().clone().unwrap_or_default();
    if !env.iter().any(|e| e.starts_with("HOME=")) {
        env.push(format!("HOME={}", who.home));
    }
    env
}

/// The user a spec's process runs as, resolved against the container's `/etc/passwd`
/// and `/etc/group` (the process's root must be the container's).
pub fn resolve_user(process: &Process) -> Result<ExecUser> {
    let u = process.user();
    match u.username() {
        Some(name) => user::resolve_in(Path::new("/"), name)
            .map_err(|e| exit_error(EXIT_CANNOT_INVOKE, e.to_string())),
        None => {
            let by_uid = user::resolve_in(Path::new("/"), &u.uid().to_string()).ok();
            let mut groups = u.additional_gids().clone().unwrap_or_default();
            if !groups.contains(&u.gid()) {
                groups.insert(0, u.gid());
            }
            Ok(ExecUser {
                uid: u.uid(),
                gid: u.gid(),
                groups,
                home: by_uid.map(|e| e.home).unwrap_or_else(|| "/".into()),
            })
        }
    }
}

fn resource(kind: PosixRlimitType) -> nix::sys::resource::Resource {
    use nix::sys::resource::Resource as R;
    match kind {
        PosixRlimitType::RlimitCpu => R::RLIMIT_CPU,
        PosixRlimitType::RlimitFsize => R::RLIMIT_FSIZE,
        PosixRlimitType::RlimitData => R::RLIMIT_DATA,
        PosixRlimitType::RlimitStack => R::RLIMIT_STACK,
        PosixRlimitType::RlimitCore => R::RLIMIT_CORE,
        PosixRlimitType::RlimitRss => R::RLIMIT_RSS,
        PosixRlimitType::RlimitNproc => R::RLIMIT_NPROC,
        PosixRlimitType::RlimitNofile => R::RLIMIT_NOFILE,
        PosixRlimitType::RlimitMemlock => R::RLIMIT_MEMLOCK,
        PosixRlimitType::RlimitAs => R::RLIMIT_AS,
        PosixRlimitType::RlimitLocks => R::RLIMIT_LOCKS,
        PosixRlimitType::RlimitSigpending => R::RLIMIT_SIGPENDING,
        PosixRlimitType::RlimitMsgqueue => R::RLIMIT_MSGQUEUE,
        PosixRlimitType::RlimitNice => R::RLIMIT_NICE,
        PosixRlimitType::RlimitRtprio => R::RLIMIT_RTPRIO,
        PosixRlimitType::RlimitRttime => R::RLIMIT_RTTIME,
    }
}

fn set_rlimits(process: &Process) -> Result<()> {
    for l in process.rlimits().iter().flatten() {
        nix::sys::resource::setrlimit(resource(l.typ()), l.soft(), l.hard()).map_err(|e| {
            exit_error(
                EXIT_CANNOT_INVOKE,
                format!(
                    "setrlimit `{}` to {}:{}: {}",
                    l.typ(),
                    l.soft(),
                    l.hard(),
                    e.desc()
                ),
            )
        })?;
    }
    Ok(())
}

fn switch_user(process: &Process, who: &ExecUser) -> Result<()> {
    let masks = process
        .capabilities()
        .as_ref()
        .map(caps::Masks::from_spec)
        .unwrap_or_default();
    caps::apply_bounding(masks.bounding).context("dropping bounding capabilities")?;
    // Keep the permitted set across the uid change; capset then trims it.
    nix::sys::prctl::set_keepcaps(true).context("keeping capabilities")?;
    match creds::setgroups(&who.groups) {
        // With a single-id map setgroups is denied by the kernel; the process then
        // keeps no supplementary groups, which is all such a map can express.
        Ok(()) | Err(Errno::EPERM) => {}
        Err(e) => return Err(e).context("setting supplementary groups"),
    }
    creds::setresgid(who.gid, who.gid, who.gid).map_err(|e| id_error("gid", who.gid, e))?;
    creds::setresuid(who.uid, who.uid, who.uid).map_err(|e| id_error("uid", who.uid, e))?;
    caps::apply_sets(&masks).context("setting capabilities")?;
    nix::sys::prctl::set_keepcaps(false).context("clearing keep-capabilities")?;
    Ok(())
}

fn id_error(kind: &str, id: u32, e: Errno) -> anyhow::Error {
    let msg = match e {
        Errno::EINVAL => format!(
            "cannot switch to {kind} {id}: it is outside the user namespace's id map \
             (give your user subordinate ids in /etc/subuid and /etc/subgid)"
        ),
        e => format!("cannot switch to {kind} {id}: {}", e.desc()),
    };
    exit_error(EXIT_CANNOT_INVOKE, msg)
}

/// The monitor blocks signals to read them from a signalfd, and Rust ignores SIGPIPE:
/// neither may leak into the container's command.
fn reset_signals() {
    for sig in Signal::iterator() {
        if sig != Signal::SIGKILL && sig != Signal::SIGSTOP {
            // SAFETY: restoring default dispositions before exec; no handler runs here.
            let _ = unsafe { signal::signal(sig, SigHandler::SigDfl) };
        }
    }
    let _ = signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
}

/// Descriptors rpod inherited must not reach the container: mark all but stdio
/// close-on-exec (the spawn channel closes at exec, reporting success).
fn close_inherited_fds() {
    // SAFETY: close_range with flags only changes descriptor flags.
    unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(e: &anyhow::Error) -> u8 {
        crate::error::exit_code(e)
    }

    #[test]
    fn lookup_on_path() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("tool"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(d.join("tool"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(d.join("data"), "x").unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        let path = format!("/nonexistent:{}", d.display());

        assert_eq!(find_executable("tool", &path).unwrap(), d.join("tool"));
        assert_eq!(find_executable("data", &path).unwrap(), d.join("data"));
        assert_eq!(find_executable("sub", &path).unwrap(), d.join("sub"));
        assert_eq!(
            find_executable("/abs/x", &path).unwrap(),
            PathBuf::from("/abs/x")
        );
        let e = find_executable("missing", &path).unwrap_err();
        assert_eq!(code(&e), 127);
        assert_eq!(
            e.to_string(),
            "executable file `missing` not found in $PATH: No such file or directory"
        );
    }

    #[test]
    fn exec_errors_map_to_podman_codes() {
        assert_eq!(code(&exec_error("x", Errno::ENOENT)), 127);
        assert_eq!(code(&exec_error("x", Errno::EACCES)), 126);
        assert!(exec_error("x", Errno::EACCES)
            .to_string()
            .contains("permission denied"));
        assert_eq!(code(&exec_error("x", Errno::ENOEXEC)), 126);
    }

    #[test]
    fn home_added_only_when_missing() {
        let who = ExecUser {
            uid: 1,
            gid: 1,
            groups: vec![1],
            home: "/home/u".into(),
        };
        let mut p = Process::default();
        p.set_env(Some(vec!["A=1".into()]));
        assert_eq!(environment(&p, &who), vec!["A=1", "HOME=/home/u"]);
        p.set_env(Some(vec!["HOME=/x".into()]));
        assert_eq!(environment(&p, &who), vec!["HOME=/x"]);
    }

    #[test]
    fn cstring_cuts_at_nul() {
        assert_eq!(cstring(b"ab\0cd").as_bytes(), b"ab");
    }
}
