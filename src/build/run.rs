//! A `RUN` step: the command in a real container of our runtime, on an overlay
//! of the stage's layers and a fresh upper dir, with the stage's env, workdir,
//! user and shell, the private network by default, its output passing through.

use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;

use anyhow::{Context as _, Result};

use crate::network::{files, ContainerNet, NetworkMode};
use crate::runtime::bundle::{self, Bundle};
use crate::runtime::monitor::Signals;
use crate::runtime::spec::{self, Environment, RunOptions};
use crate::runtime::{self, Rootfs, Stdio};
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
    pub image: Option<oci_spec::image::Config>,
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
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&bundle.dir)
        .with_context(|| format!("creating {}", bundle.dir.display()))?;
    let result = run_in(step, map, &bundle);
    let _ = bundle.remove();
    result
}

fn run_in(step: &RunStep<'_>, map: &IdMap, bundle: &Bundle) -> Result<u8> {
    let mount_point = bundle.rootfs_path();
    fs::create_dir_all(&mount_point)
        .with_context(|| format!("creating {}", mount_point.display()))?;
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
    let private = matches!(step.network, NetworkMode::Private(_));
    let host_hosts = fs::read_to_string("/etc/hosts").unwrap_or_default();
    let hosts = files::hosts(&files::HostsInput {
        hostname: &hostname,
        name: &hostname,
        add_hosts: &[],
        private,
        host_file: matches!(step.network, NetworkMode::Host).then_some(host_hosts.as_str()),
    });
    let host_resolv = fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let resolv = files::resolv_conf(&[], &[], &[], private, &host_resolv);
    bundle.write_etc(&hostname, &hosts, &resolv)?;

    let rootfs = Rootfs::Overlay {
        lowers: step.lowers.clone(),
        upper: step.upper.clone(),
        work: step.work.clone(),
    };
    let net = ContainerNet::prepare(step.network.clone(), &[], step.dns_servers)?;
    let signals = Signals::block()?;
    let mut started = runtime::start(
        &spec,
        &rootfs,
        Stdio {
            interactive: false,
            tty: false,
        },
        map,
        Some(&net),
    )?;
    let served = match net.start() {
        Ok(s) => s,
        Err(e) => {
            let _ = nix::sys::signal::kill(started.child.pid, nix::sys::signal::Signal::SIGKILL);
            let _ = started.child.wait();
            return Err(anyhow::Error::from(e).context("starting the step's network"));
        }
    };
    let code = match runtime::monitor::wait(&mut started, &signals, false) {
        Ok(c) => c,
        Err(_) => started.child.wait()?,
    };
    if let Err(e) = served.stop() {
        log::warn!("the build step's network: {e}");
    }
    Ok(code)
}
