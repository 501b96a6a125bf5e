//! Stamps the binary with the commit and compiler it was built from, for `rpod version`.
//!
//! Both fall back to "unknown" so that a build from a source tarball (no git)
//! or with an odd toolchain still works.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let commit = output("git", &["rev-parse", "--short", "HEAD"]);
    println!(
        "cargo:rustc-env=RPOD_GIT_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );

    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = output(&rustc, &["--version"]);
    println!(
        "cargo:rustc-env=RPOD_RUSTC_VERSION={}",
        version.as_deref().unwrap_or("unknown")
    );

    // Rerun when the checked-out commit moves: HEAD itself (a branch switch)
    // and the ref it points at (a new commit). Only existing files are named,
    // since cargo reruns the script on every build for a missing one.
    println!("cargo:rerun-if-changed=build.rs");
    for path in git_watch_paths() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// HEAD, the branch ref file and packed-refs, wherever git keeps them (a
/// linked worktree has a `.git` file, not a directory).
fn git_watch_paths() -> Vec<PathBuf> {
    let mut names = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = output("git", &["symbolic-ref", "-q", "HEAD"]) {
        names.push(branch);
    }
    names
        .iter()
        .filter_map(|name| output("git", &["rev-parse", "--git-path", name]))
        .map(PathBuf::from)
        .filter(|path| path.exists())
        .collect()
}

/// The trimmed stdout of a command that succeeded with some output.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}
