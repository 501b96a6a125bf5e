//! `rpod unshare`: a command as root in the user namespace that owns the store.

use std::ffi::CString;

use anyhow::{anyhow, Result};
use nix::sched::CloneFlags;
use nix::sys::signal::{signal, SigHandler, Signal};

use super::Context;
use crate::error::{self, exit_error};
use crate::userns::{self, IdMap};

/// Run a command in a modified user namespace
///
/// The command (default: $SHELL) runs as root in the user namespace rpod uses for its
/// store, with a private mount namespace. RPOD_ROOT, RPOD_RUNROOT and RPOD_STORAGE
/// point at the store, so its files can be inspected or removed.
#[derive(Debug, clap::Args)]
pub struct UnshareArgs {
    /// Command and arguments to run
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

pub fn run(ctx: &Context, args: &UnshareArgs) -> Result<u8> {
    let paths = &ctx.paths;
    paths.ensure_runroot()?;
    paths.ensure_root()?;
    let command = if args.command.is_empty() {
        vec![std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into())]
    } else {
        args.command.clone()
    };
    let argv = command
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| anyhow!("command arguments must not contain NUL bytes"))?;
    let env = [
        ("RPOD_ROOT", paths.root.clone()),
        ("RPOD_RUNROOT", paths.runroot.clone()),
        ("RPOD_STORAGE", paths.root.join("storage")),
    ];
    let map = IdMap::for_current_user();
    let child = userns::spawn(&map, CloneFlags::CLONE_NEWNS, || {
        for (k, v) in &env {
            std::env::set_var(k, v);
        }
        exec(&argv)
    })?;
    // The terminal's ^C and ^\ reach the command itself; rpod just waits for it.
    // SAFETY: installing SIG_IGN has no handler code to be unsafe about.
    unsafe {
        let _ = signal(Signal::SIGINT, SigHandler::SigIgn);
        let _ = signal(Signal::SIGQUIT, SigHandler::SigIgn);
    }
    child.wait()
}

/// Looks `argv[0]` up in `$PATH` and execs it; returns only on failure, with
/// podman's codes: 127 when nothing is found, 126 when found but not executable.
/// Unlike execvp(3) there is no retry through /bin/sh for files without a format.
pub fn exec(argv: &[CString]) -> anyhow::Error {
    let Some(prog) = argv.first() else {
        return exit_error(error::EXIT_RPOD, "no command given");
    };
    let name = prog.to_string_lossy().into_owned();
    let candidates: Vec<CString> = if name.contains('/') {
        vec![prog.clone()]
    } else {
        let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
        path.split(':')
            .map(|dir| if dir.is_empty() { "." } else { dir })
            .filter_map(|dir| CString::new(format!("{dir}/{name}")).ok())
            .collect()
    };
    let mut denied = None;
    for candidate in &candidates {
        match nix::unistd::execv(candidate, argv) {
            Err(nix::errno::Errno::ENOENT) | Err(nix::errno::Errno::ENOTDIR) => continue,
            Err(e) => {
                denied.get_or_insert(e);
            }
            Ok(never) => match never {},
        }
    }
    match denied {
        Some(e) => exit_error(
            error::EXIT_CANNOT_INVOKE,
            format!("{name}: cannot execute: {}", e.desc()),
        ),
        None => exit_error(
            error::EXIT_NOT_FOUND,
            format!("{name}: executable file not found in $PATH: No such file or directory"),
        ),
    }
}
