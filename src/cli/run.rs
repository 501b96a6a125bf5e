//! `rpod run`: create a container and run its command in the foreground, rpod itself
//! being the monitor.

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};

use super::args::{resolve_bind_source, PullPolicy, RunArgs};
use super::pull::{pull_options, PlatformArgs, RegistryArgs};
use super::Context;
use crate::image::pull::pull;
use crate::network::{files, ContainerNet, NetworkMode, PortMapping};
use crate::runtime::bundle::{self, Bundle};
use crate::runtime::monitor::{self, Signals};
use crate::runtime::spec::{self, Environment, RunOptions};
use crate::runtime::{self, Rootfs, Stdio};
use crate::store::images::{ImageRecord, LookupError};
use crate::store::remove::{TreeRemover, UsernsRemover};
use crate::store::{Store, StoreError};
use crate::userns::IdMap;
use crate::volume::{self, prepare::ProcessUser, VolumeStore};

/// Run a command in a new container
///
/// The command runs in the foreground as pid 1 of the container; rpod relays signals
/// (INT, TERM, HUP, QUIT, USR1, USR2) to it and exits with its status (128+N when it
/// is killed by signal N). Exit codes of rpod itself: 125 for its own errors, 126 when
/// the command cannot be invoked, 127 when it is not found.
///
/// The network defaults to `private`: a network namespace of its own at 10.0.2.100,
/// served by rpod's userspace stack, with `-p` publishing ports at kernel speed;
/// `--network none` gives only `lo`, `--network host` shares the host's.
#[derive(Debug, clap::Args)]
#[command(disable_help_flag = true)]
pub struct RunCommand {
    #[command(flatten)]
    pub run: RunArgs,

    #[command(flatten)]
    pub platform: PlatformArgs,

    #[command(flatten)]
    pub registry: RegistryArgs,

    /// Suppress output information when pulling images
    #[arg(short, long)]
    pub quiet: bool,

    /// Print help
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

pub fn run(ctx: &Context, cmd: &RunCommand) -> Result<u8> {
    let t0 = std::time::Instant::now();
    let args = &cmd.run;
    let map = IdMap::for_current_user();
    let (image, command) = args.image_and_command();
    let id = bundle::new_id()?;
    let network = network_mode(ctx, args)?;
    let mut opts = options(args, command.to_vec(), &id, &network)?;

    // The image's layers stay leased while the container runs, so no `rmi` or
    // prune can take them away underneath it.
    let (source, image_config, _lease) = match (&args.rootfs, image) {
        (Some(dir), _) => (Source::Dir(rootfs_dir(dir)?), None, None),
        (None, Some(name)) => {
            let store = Store::open(&ctx.paths)?;
            let record = find_image(ctx, cmd, &store, name, &map)?;
            let lease = store.lease()?;
            let view = store.read()?;
            let mut lowers = Vec::new();
            for diff_id in &record.layers {
                if view.hold_layer(&lease, diff_id)?.is_none() {
                    bail!("layer {diff_id} of image {name} is missing from the store: pull the image again");
                }
                lowers.push(view.layer_path(diff_id));
            }
            let config = image_runtime_config(&view.config(&record.id)?)
                .with_context(|| format!("reading the config of image {name}"))?;
            drop(view);
            (Source::Layers(lowers), config, Some(lease))
        }
        (None, None) => bail!("rpod run needs an image (or --rootfs DIR)"),
    };

    // Volumes are made once the image is known, and go again if the run fails first.
    let volumes = VolumeStore::open(&ctx.paths);
    let mut wanted = args.volume_mounts();
    let declared = image_config.as_ref().and_then(|c| c.volumes().clone());
    let taken: Vec<&std::path::Path> = (opts.binds.iter().map(|b| b.destination.as_path()))
        .chain(opts.tmpfs.iter().map(|t| t.destination.as_path()))
        .chain(wanted.iter().map(|v| v.destination.as_path()))
        .collect();
    let from_image = volume::prepare::image_volumes(&declared.unwrap_or_default(), &taken);
    wanted.extend(from_image);
    let attached = volume::attach(&volumes, &wanted)?;
    let mut rollback = volume::prepare::Rollback::new(&volumes, &attached, &map);
    opts.binds.extend(attached.iter().map(|a| a.bind(&volumes)));

    ctx.paths.ensure_runroot()?;
    let bundle = Bundle::create(&ctx.paths.runroot, &id)?;
    let layers_dir = ctx.paths.root.join("containers").join(&id);
    // Removes the container's files unless the run gets far enough to keep them.
    let mut cleanup = Cleanup {
        bundle: Some(&bundle),
        layers: Some(layers_dir.clone()),
        remover: UsernsRemover { map: map.clone() },
    };
    let rootfs = match source {
        Source::Dir(dir) => Rootfs::Dir(dir),
        Source::Layers(lowers) => {
            let (upper, work) = (layers_dir.join("upper"), layers_dir.join("work"));
            for d in [&upper, &work] {
                std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
            }
            Rootfs::Overlay {
                lowers,
                upper,
                work,
            }
        }
    };
    let root_path = match &rootfs {
        Rootfs::Dir(dir) => dir.clone(),
        Rootfs::Overlay { .. } => {
            let mount_point = bundle.rootfs_path();
            std::fs::create_dir_all(&mount_point)
                .with_context(|| format!("creating {}", mount_point.display()))?;
            mount_point
        }
    };

    let env = Environment::host(root_path, &bundle.dir);
    let hostname = spec::hostname(&opts, &env.host_hostname);
    let ports = published_ports(args, image_config.as_ref())?;
    // Host ports are bound now: one in use fails the run before anything starts.
    let net = ContainerNet::prepare(network.clone(), &ports, &ctx.config.network.dns_servers)?;
    let (hosts, resolv) = etc_files(args, &network, &hostname);
    bundle.write_etc(&hostname, &hosts, &resolv)?;
    let spec = spec::build(image_config.as_ref(), &opts, &env)?;
    bundle.write_spec(&spec)?;
    volume::prepare::prepare(&volumes, &map, &rootfs, &ProcessUser::of(&spec), &attached)?;

    let signals = Signals::block()?;
    let stdio = Stdio {
        interactive: args.interactive,
        tty: args.tty,
    };
    let mut started = runtime::start(&spec, &rootfs, stdio, &map, Some(&net))?;
    rollback.disarm();
    if !args.rm {
        cleanup.bundle = None;
        cleanup.layers = None;
    }
    log::debug!("container started after {:?}", t0.elapsed());
    let served = net.start();
    log::debug!("network served after {:?}", t0.elapsed());
    let code = monitor::wait(&mut started, &signals, args.interactive);
    log::debug!("container exited after {:?}", t0.elapsed());
    drop(signals);
    let served = served?;
    if let Err(e) = served.stop() {
        log::warn!("the container's network: {e}");
    }
    log::debug!("network stopped after {:?}", t0.elapsed());
    if args.rm {
        drop(cleanup);
        volume::prepare::remove_anonymous(&volumes, &attached, &UsernsRemover { map });
    }
    code
}

/// Where the root filesystem comes from, before the container's own dirs exist.
enum Source {
    Dir(PathBuf),
    Layers(Vec<PathBuf>),
}

/// The image to run: from the store, pulled as `--pull` says.
fn find_image(
    ctx: &Context,
    cmd: &RunCommand,
    store: &Store,
    name: &str,
    map: &IdMap,
) -> Result<ImageRecord> {
    let local = match store.read()?.lookup(name) {
        Ok(record) => Some(record),
        Err(StoreError::Lookup(LookupError::NotFound(_))) => None,
        Err(e) => return Err(e.into()),
    };
    let must_pull = match (cmd.run.pull, &local) {
        (PullPolicy::Always | PullPolicy::Newer, _) => true,
        (PullPolicy::Missing, None) => true,
        (PullPolicy::Missing, Some(_)) => false,
        (PullPolicy::Never, None) => bail!(
            "{name}: image not known, and --pull=never forbids pulling it: pull it first (rpod pull {name})"
        ),
        (PullPolicy::Never, Some(_)) => false,
    };
    match local {
        Some(record) if !must_pull => Ok(record),
        _ => {
            let opts = pull_options(ctx, &cmd.platform, &cmd.registry, cmd.quiet)?;
            crate::userns::as_root(map, || pull(&ctx.paths, store, name, &opts))
        }
    }
}

/// The runtime part (`config`) of an image config blob.
fn image_runtime_config(bytes: &[u8]) -> Result<Option<oci_spec::image::Config>> {
    let parsed: oci_spec::image::ImageConfiguration = serde_json::from_slice(bytes)?;
    Ok(parsed.config().clone())
}

/// Removes a container's files on drop while armed: its runtime directory and its
/// writable layer (whose files may belong to subordinate ids: removed in the user namespace).
struct Cleanup<'a> {
    bundle: Option<&'a Bundle>,
    layers: Option<PathBuf>,
    remover: UsernsRemover,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if let Some(b) = self.bundle {
            if let Err(e) = b.remove() {
                log::warn!("removing container directory {}: {e}", b.dir.display());
            }
        }
        if let Some(dir) = self.layers.take() {
            if dir.exists() {
                if let Err(e) = self.remover.remove_trees(std::slice::from_ref(&dir)) {
                    log::warn!("removing container layer {}: {e}", dir.display());
                }
            }
        }
    }
}

fn rootfs_dir(dir: &std::path::Path) -> Result<PathBuf> {
    let abs =
        std::fs::canonicalize(dir).with_context(|| format!("root filesystem {}", dir.display()))?;
    if !abs.is_dir() {
        bail!("root filesystem {} is not a directory", abs.display());
    }
    Ok(abs)
}

/// `--network`, else the configured default (`private` unless rpod.toml says otherwise).
fn network_mode(ctx: &Context, args: &RunArgs) -> Result<NetworkMode> {
    match &args.network {
        Some(mode) => Ok(mode.clone()),
        None => super::args::parse_network(&ctx.config.network.default_network).map_err(|e| {
            anyhow::anyhow!(
                "invalid default_network {:?} in {}: {e}",
                ctx.config.network.default_network,
                ctx.config
                    .source
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "the config".into())
            )
        }),
    }
}

/// `-p` mappings, plus the image's exposed ports with `-P`.
fn published_ports(
    args: &RunArgs,
    image: Option<&oci_spec::image::Config>,
) -> Result<Vec<PortMapping>> {
    let explicit = PortMapping::parse_all(&args.publish)?;
    if !args.publish_all {
        return Ok(explicit);
    }
    let exposed: Vec<String> = image
        .and_then(|c| c.exposed_ports().clone())
        .unwrap_or_default();
    Ok(PortMapping::publish_all(&exposed, &explicit)?)
}

/// The container's `/etc/hosts` and `/etc/resolv.conf`, as podman writes them.
fn etc_files(args: &RunArgs, network: &NetworkMode, hostname: &str) -> (String, String) {
    let private = matches!(network, NetworkMode::Private(_));
    let host_hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    let host_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let hosts = files::hosts(&files::HostsInput {
        hostname,
        name: args.name.as_deref().unwrap_or(""),
        add_hosts: &args.add_host,
        private,
        host_file: matches!(network, NetworkMode::Host).then_some(host_hosts.as_str()),
    });
    let resolv = files::resolv_conf(
        &args.dns,
        &args.dns_search,
        &args.dns_option,
        private,
        &host_resolv,
    );
    (hosts, resolv)
}

/// Turns the flags into what the spec builder takes, reading the host environment and
/// checking bind sources (a missing one is rpod's error, 125, before anything starts).
fn options(
    args: &RunArgs,
    command: Vec<String>,
    id: &str,
    network: &NetworkMode,
) -> Result<RunOptions> {
    let (mut binds, tmpfs) = args.mounts();
    for b in &mut binds {
        b.source = resolve_bind_source(&b.source)?;
    }
    let network = match network {
        NetworkMode::Host => spec::NetworkMode::Host,
        NetworkMode::None => spec::NetworkMode::None,
        NetworkMode::Private(_) => spec::NetworkMode::Private,
        NetworkMode::Container(c) => bail!("--network container:{c} is not supported yet"),
    };
    Ok(RunOptions {
        id: id.to_string(),
        name: args.name.clone(),
        command,
        entrypoint: args.entrypoint.clone().map(|e| e.0),
        env: args.environment(|k| std::env::var(k).ok())?,
        workdir: args.workdir.clone(),
        user: args.user.clone(),
        hostname: args.hostname.clone(),
        binds,
        tmpfs,
        read_only: args.read_only,
        tty: args.tty,
        network,
        cap_add: args.cap_add.clone(),
        cap_drop: args.cap_drop.clone(),
        no_new_privileges: args.no_new_privileges(),
        ulimits: args.ulimit.clone(),
    })
}
