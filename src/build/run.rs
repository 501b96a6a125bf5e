//! A `RUN` step: the command in a real container of our runtime, on an overlay
//! of the stage's layers and a fresh upper dir, with the stage's env, workdir,
//! user and shell, the private network by default, its output passing through.
//! It starts as every container does ([`launch::launch`]); what is the step's own
//! is its throw-away bundle dir and what it takes back out of the upper dir.

use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::base::lock::{self, Mode};
use crate::container::launch::{self, EtcInput, Launch, Running};
use crate::monitor::foreground;
use crate::monitor::signals::Signals;
use crate::network::NetworkMode;
use crate::rootfs::Rootfs;
use crate::runtime::bundle::{self, Bundle};
use crate::runtime::spec::{self, Environment, RunOptions};
use crate::runtime::Stdio;
use crate::userns::IdMap;

/// What one `RUN` needs.
pub struct RunStep<'a> {
    pub argv: Vec<String>,
    /// `NAME=VALUE` on top of the image's `Env` (the ARGs in effect).
    pub env: Vec<String>,
    pub workdir: String,
    pub user: Option<String>,
    pub network: NetworkMode,
    pub dns_servers: &'a [String],
    /// The stage's layers, base first (at least one directory).
    pub lowers: Vec<PathBuf>,
    pub upper: PathBuf,
    pub work: PathBuf,
    /// Where the step's bundle files (hosts, resolv.conf, mount point) go.
    pub runroot: PathBuf,
    /// The stage's runtime config (for its `Env`).
    pub image: Option<crate::image::oci_config::RuntimeConfig>,
    /// `build -q`: the command's standard output is discarded (its errors still show).
    pub quiet: bool,
}

/// Runs the step to its end; returns the command's exit status (128+N for signal N).
pub fn run(step: &RunStep<'_>, map: &IdMap) -> Result<u8> {
    let id = bundle::new_id()?;
    let parent = step.runroot.join("build");
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&parent)
        .with_context(|| format!("creating {}", parent.display()))?;
    let bundle = Bundle {
        id: id.clone(),
        dir: parent.join(&id),
    };
    remove_stale(&parent);
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&bundle.dir)
        .with_context(|| format!("creating {}", bundle.dir.display()))?;
    // Held while the step runs: a build killed meanwhile leaves the directory
    // unlocked, and the next step of any build removes it.
    let held =
        fs::File::open(&bundle.dir).with_context(|| format!("opening {}", bundle.dir.display()))?;
    lock::lock(&held, Mode::Exclusive, true)
        .with_context(|| format!("locking {}", bundle.dir.display()))?;
    let result = run_in(step, map, &bundle);
    let _ = bundle.remove();
    drop(held);
    result
}

/// Removes the step directories of builds that were killed: unlocked ones, and
/// only once they are a minute old, as a new one is locked just after it is made.
fn remove_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let young = |e: &fs::DirEntry| {
        e.metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_none_or(|age| age < std::time::Duration::from_secs(60))
    };
    for e in entries.flatten() {
        if young(&e) {
            continue;
        }
        let path = e.path();
        let Ok(dir) = fs::File::open(&path) else {
            continue;
        };
        if lock::lock(&dir, Mode::Exclusive, true).unwrap_or(false) {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

fn run_in(step: &RunStep<'_>, map: &IdMap, bundle: &Bundle) -> Result<u8> {
    let mount_point = bundle.rootfs_path();
    let net_mode = match &step.network {
        NetworkMode::Host => spec::NetworkMode::Host,
        NetworkMode::None => spec::NetworkMode::None,
        NetworkMode::Private(_) => spec::NetworkMode::Private,
        NetworkMode::Container(_) => {
            anyhow::bail!(
                "a build step cannot join another container's network: use private, none or host"
            )
        }
    };
    let opts = RunOptions {
        id: bundle.id.clone(),
        command: step.argv.clone(),
        entrypoint: Some(Vec::new()),
        env: step.env.clone(),
        workdir: Some(step.workdir.clone()),
        user: step.user.clone(),
        network: net_mode,
        ..RunOptions::default()
    };
    let env = Environment::host(mount_point, &bundle.dir);
    let spec = spec::build(step.image.as_ref(), &opts, &env)?;
    let hostname = spec::hostname(&opts, &env.host_hostname);
    let signals = Signals::block()?;
    let Running {
        mut started,
        served,
        ..
    } = launch::launch(
        Launch {
            id: &bundle.id,
            spec: &spec,
            rootfs: Rootfs::Overlay {
                lowers: step.lowers.clone(),
                upper: step.upper.clone(),
                work: step.work.clone(),
            },
            bundle,
            network: step.network.clone(),
            ports: Vec::new(),
            dns_servers: step.dns_servers,
            etc: EtcInput {
                name: &hostname,
                ..EtcInput::default()
            },
            hostname: hostname.clone(),
            containers: None,
            own_cgroup: false,
            stdio: Stdio {
                interactive: false,
                tty: false,
            },
            discard_stdout: step.quiet,
        },
        map,
    )?;
    let code = foreground::wait_exit(&mut started, &signals, false)?;
    served.stop();
    let targets: Vec<PathBuf> = spec
        .mounts()
        .iter()
        .flatten()
        .map(|m| m.destination().clone())
        .collect();
    remove_mount_points(&targets, &step.lowers, &step.upper);
    Ok(code)
}

/// Takes out of the upper dir what the runtime created only to mount on
/// (`/etc/hosts` in an image without one, …): such files are the step's
/// plumbing, not its result, and Docker's layers never carry them. A target
/// is removed only when no lower layer has it and it is still an empty file
/// or directory; then its parents, when they too came from nowhere and are empty.
fn remove_mount_points(targets: &[PathBuf], lowers: &[PathBuf], upper: &Path) {
    let in_lowers = |rel: &Path| {
        lowers
            .iter()
            .any(|l| fs::symlink_metadata(l.join(rel)).is_ok())
    };
    let mut rels: Vec<PathBuf> = targets
        .iter()
        .filter_map(|t| t.strip_prefix("/").ok().map(Path::to_path_buf))
        .filter(|r| !r.as_os_str().is_empty())
        .collect();
    // Deepest first, so a mount point inside another is handled before it.
    rels.sort_by_key(|r| std::cmp::Reverse(r.components().count()));
    for rel in rels {
        let mut cur = Some(rel.as_path());
        while let Some(r) = cur.filter(|r| !r.as_os_str().is_empty()) {
            if in_lowers(r) {
                break;
            }
            let path = upper.join(r);
            let Ok(meta) = fs::symlink_metadata(&path) else {
                break;
            };
            let removed = if meta.is_file() && meta.len() == 0 {
                fs::remove_file(&path).is_ok()
            } else if meta.is_dir() {
                fs::remove_dir(&path).is_ok()
            } else {
                false
            };
            if !removed {
                break;
            }
            cur = r.parent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_new_empty_mount_points_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let lower = tmp.path().join("lower");
        let upper = tmp.path().join("upper");
        fs::create_dir_all(lower.join("etc")).unwrap();
        fs::write(lower.join("etc/resolv.conf"), "lower").unwrap();
        fs::create_dir_all(upper.join("etc")).unwrap();
        fs::create_dir_all(upper.join("new/dir")).unwrap();
        fs::write(upper.join("etc/hosts"), "").unwrap();
        fs::write(upper.join("etc/hostname"), "written by the step").unwrap();
        fs::write(upper.join("etc/resolv.conf"), "").unwrap();
        let targets: Vec<PathBuf> = [
            "/etc/hosts",
            "/etc/hostname",
            "/etc/resolv.conf",
            "/new/dir",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        remove_mount_points(&targets, &[lower], &upper);
        assert!(!upper.join("etc/hosts").exists(), "created for the mount");
        assert!(upper.join("etc/hostname").exists(), "has content");
        assert!(upper.join("etc/resolv.conf").exists(), "the image has one");
        assert!(upper.join("etc").exists(), "the image has /etc");
        assert!(
            !upper.join("new").exists(),
            "parents made for the mount go too"
        );
    }
}
