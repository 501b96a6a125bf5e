//! `rpod create`: record a container (spec, writable layer, name) without starting it.
//! `run` creates the same way, then starts.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use super::args::{PullPolicy, RunArgs};
use super::pull::{pull_options, PlatformArgs, RegistryArgs};
use super::Context;
use crate::base::timestamp::Timestamp;
use crate::container::record::{Bind, ImageRef, Record, RootfsSource};
use crate::container::restart::RestartPolicy;
use crate::container::store::ContainerError;
use crate::container::ContainerStore;
use crate::image::pull::pull;
use crate::network::NetworkMode;
use crate::runtime::bundle;
use crate::runtime::spec::{self, Environment, STOP_SIGNAL_ANNOTATION};
use crate::store::images::{ImageRecord, LookupError};
use crate::store::{names, Store, StoreError};
use crate::sys::proc;
use crate::userns::IdMap;
use crate::volume::prepare::{ProcessUser, Rollback};
use crate::volume::{self, Attached, VolumeStore};

/// Create but do not start a container
///
/// Takes the flags of `run`; prints the new container's full ID. Start it with
/// `rpod start`.
#[derive(Debug, clap::Args)]
#[command(disable_help_flag = true)]
pub struct CreateCommand {
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

pub fn run(ctx: &Context, cmd: &CreateCommand) -> Result<u8> {
    let (record, _) = create(ctx, &cmd.run, &cmd.platform, &cmd.registry, cmd.quiet)?;
    println!("{}", record.id);
    Ok(0)
}

/// How the image is found or pulled.
pub struct Pulling<'a> {
    pub platform: &'a PlatformArgs,
    pub registry: &'a RegistryArgs,
    pub quiet: bool,
}

/// Records a new container from the flags of `run`/`create`; also returns its
/// volumes (those it made go again if its first start fails). `--replace` removes the
/// container holding the name first; `--cidfile` gets the new ID.
pub fn create(
    ctx: &Context,
    args: &RunArgs,
    platform: &PlatformArgs,
    registry: &RegistryArgs,
    quiet: bool,
) -> Result<(Record, Vec<Attached>)> {
    if let Some(path) = &args.cidfile {
        super::cidfile::check_free(path)?;
    }
    if args.replace {
        let Some(name) = &args.name else {
            bail!("cannot replace container without --name being set");
        };
        replace(ctx, name)?;
    }
    let (record, attached) = create_record(ctx, args, platform, registry, quiet)?;
    if let Some(path) = &args.cidfile {
        if let Err(e) = super::cidfile::write(path, &record.id) {
            let store = ContainerStore::open(&ctx.paths)?;
            if let Err(r) = store.remove(&record.id, |_| Ok(())) {
                log::warn!(
                    "removing container {}: {}",
                    record.id,
                    crate::error::one_line(&r)
                );
            }
            return Err(e);
        }
    }
    Ok((record, attached))
}

/// `--replace`: the container named `name`, if any, goes as with `rm -f`.
fn replace(ctx: &Context, name: &str) -> Result<()> {
    let store = ContainerStore::open(&ctx.paths).context("opening the container store")?;
    let c = match store.get(name) {
        Ok(c) => c,
        Err(ContainerError::Lookup(crate::container::LookupError::NotFound(_))) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    // Only an exact name: an ID prefix that happens to match is another container.
    if c.record.name != name {
        return Ok(());
    }
    crate::container::ops::remove(&store, &c, true, c.record.stop_timeout)
        .with_context(|| format!("replacing container {name}"))
}

fn create_record(
    ctx: &Context,
    args: &RunArgs,
    platform: &PlatformArgs,
    registry: &RegistryArgs,
    quiet: bool,
) -> Result<(Record, Vec<Attached>)> {
    if args.rm && !matches!(args.restart, None | Some(RestartPolicy::No)) {
        bail!("the --rm option conflicts with --restart, when the restartPolicy is not \"\" and \"no\"");
    }
    let pulling = Pulling {
        platform,
        registry,
        quiet,
    };
    let map = IdMap::for_current_user();
    let (image, command) = args.image_and_command();
    let id = bundle::new_id()?;
    let network = super::run::network_mode(ctx, args)?;
    let mut opts = super::run::options(args, command.to_vec(), &id, &network)?;
    if let Some(res) = &opts.resources {
        let uid = ctx.paths.uid;
        if let Some(w) =
            crate::cgroup::limits::ignored_warning(res, &crate::cgroup::detect::info(uid), uid)
        {
            // As podman: the bare line on stderr.
            eprintln!("{w}");
        }
    }
    // Ports and names are checked now (125 before anything is recorded); the host
    // side of `-p` is bound at each start.
    crate::network::PortMapping::parse_all(&args.publish)?;
    let store = ContainerStore::open(&ctx.paths).context("opening the container store")?;
    let run_dir = store.run_dir(&id);

    let template = Template {
        id: id.clone(),
        created: Timestamp::now().rfc3339_nanos(),
        restart: args.restart.unwrap_or_default(),
        log: args.log_config()?,
        labels: args.labels()?,
        stop_timeout: args
            .stop_timeout
            .unwrap_or(crate::container::record::DEFAULT_STOP_TIMEOUT),
        stop_signal: args.stop_signal,
        create_command: std::env::args().collect(),
        network: network_string(&network),
        dns_servers: ctx.config.network.dns_servers.clone(),
    };
    // `--rm` containers vanish with their command: their files need no fsync.
    let durable = !args.rm;
    let volumes = VolumeStore::open(&ctx.paths);
    let mut user = ProcessUser::Ids(0, 0);

    match (&args.rootfs, image) {
        (Some(dir), _) => {
            let dir = rootfs_dir(dir)?;
            let env = Environment::host(dir.clone(), &run_dir);
            let attached = attach_volumes(&volumes, args, &mut opts, None)?;
            let mut rollback = Rollback::new(&volumes, &attached, &map);
            let record = store.create(None, &id, args.name.as_deref(), false, durable, |name| {
                opts.name = Some(name.to_string());
                let spec = spec::build(None, &opts, &env)?;
                user = ProcessUser::of(&spec);
                let record = template.record(
                    name,
                    None,
                    RootfsSource::Dir(dir.clone()),
                    &opts,
                    &spec,
                    None,
                    args,
                );
                Ok((record, spec))
            })?;
            prepare_volumes(&store, &volumes, &map, &record, &user, &attached)?;
            rollback.disarm();
            drop(rollback);
            Ok((record, attached))
        }
        (None, Some(query)) => {
            let images = Store::open(&ctx.paths)?;
            let found = find_image(ctx, &pulling, &images, query, args.pull, &map)?;
            // Held until the container is recorded: the image cannot go meanwhile.
            let view = images.read()?;
            let Some(found) = view.index()?.get(&found.id).cloned() else {
                bail!("image {query} was removed while the container was being created: try again");
            };
            let mut lowers = Vec::new();
            for diff_id in &found.layers {
                if view.layer(diff_id)?.is_none() {
                    bail!("layer {diff_id} of image {query} is missing from the store: pull the image again");
                }
                lowers.push(view.layer_path(diff_id));
            }
            let config = image_runtime_config(&view.config(&found.id)?)
                .with_context(|| format!("reading the config of image {query}"))?;
            let image_ref = ImageRef {
                name: image_name(&found, query),
                id: found.id.hex().to_string(),
            };
            let env = Environment::host(run_dir.join("rootfs"), &run_dir);
            let attached = attach_volumes(&volumes, args, &mut opts, config.as_ref())?;
            let mut rollback = Rollback::new(&volumes, &attached, &map);
            let record = store.create(
                Some(&view),
                &id,
                args.name.as_deref(),
                true,
                durable,
                |name| {
                    opts.name = Some(name.to_string());
                    let spec = spec::build(config.as_ref(), &opts, &env)?;
                    user = ProcessUser::of(&spec);
                    let mut labels = image_labels(config.as_ref());
                    labels.extend(template.labels.clone());
                    let mut record = template.record(
                        name,
                        Some(image_ref.clone()),
                        RootfsSource::Layers(lowers.clone()),
                        &opts,
                        &spec,
                        config.as_ref(),
                        args,
                    );
                    record.labels = labels;
                    Ok((record, spec))
                },
            )?;
            // Still under the image lock: the layers stay while their content is copied.
            prepare_volumes(&store, &volumes, &map, &record, &user, &attached)?;
            rollback.disarm();
            drop(rollback);
            drop(view);
            Ok((record, attached))
        }
        (None, None) => bail!("rpod {} needs an image (or --rootfs DIR)", verb()),
    }
}

/// The container's volumes: those of the command line, then the image's VOLUMEs that
/// no mount covers (anonymous ones); their binds join `opts`.
fn attach_volumes(
    volumes: &VolumeStore,
    args: &RunArgs,
    opts: &mut spec::RunOptions,
    image: Option<&oci_spec::image::Config>,
) -> Result<Vec<Attached>> {
    let mut wanted = args.volume_mounts();
    let declared = image.and_then(|c| c.volumes().clone()).unwrap_or_default();
    let taken: Vec<&Path> = (opts.binds.iter().map(|b| b.destination.as_path()))
        .chain(opts.tmpfs.iter().map(|t| t.destination.as_path()))
        .chain(wanted.iter().map(|v| v.destination.as_path()))
        .collect();
    let from_image = volume::prepare::image_volumes(&declared, &taken);
    wanted.extend(from_image);
    let attached = volume::attach(volumes, &wanted)?;
    opts.binds.extend(attached.iter().map(|a| a.bind(volumes)));
    Ok(attached)
}

/// First use of the volumes of the container just recorded (copy-up, owners); if that
/// fails, the container goes again.
fn prepare_volumes(
    store: &ContainerStore,
    volumes: &VolumeStore,
    map: &IdMap,
    record: &Record,
    user: &ProcessUser,
    attached: &[Attached],
) -> Result<()> {
    let rootfs = crate::container::launch::rootfs(store, record);
    if let Err(e) = volume::prepare::prepare(volumes, map, &rootfs, user, attached) {
        if let Err(r) = store.remove(&record.id, |_| Ok(())) {
            log::warn!(
                "removing container {}: {}",
                record.id,
                crate::error::one_line(&r)
            );
        }
        return Err(e);
    }
    Ok(())
}

/// `run` or `create`, for messages.
fn verb() -> String {
    std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "run".into())
}

/// What every new record shares, worked out before the name is known.
struct Template {
    id: String,
    created: String,
    restart: RestartPolicy,
    log: crate::container::logs::LogConfig,
    labels: std::collections::BTreeMap<String, String>,
    stop_timeout: u32,
    stop_signal: Option<i32>,
    create_command: Vec<String>,
    network: String,
    dns_servers: Vec<String>,
}

impl Template {
    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        name: &str,
        image: Option<ImageRef>,
        rootfs: RootfsSource,
        opts: &spec::RunOptions,
        spec: &oci_spec::runtime::Spec,
        image_config: Option<&oci_spec::image::Config>,
        args: &RunArgs,
    ) -> Record {
        let command = spec
            .process()
            .as_ref()
            .and_then(|p| p.args().clone())
            .unwrap_or_default();
        let entrypoint = match &opts.entrypoint {
            Some(ep) => ep.clone(),
            None => image_config
                .and_then(|c| c.entrypoint().clone())
                .unwrap_or_default(),
        };
        let image_signal = spec
            .annotations()
            .as_ref()
            .and_then(|a| a.get(STOP_SIGNAL_ANNOTATION))
            .and_then(|s| proc::parse_signal(s).ok());
        Record {
            id: self.id.clone(),
            name: name.to_string(),
            created: self.created.clone(),
            image,
            rootfs,
            entrypoint,
            command,
            create_command: self.create_command.clone(),
            hostname: spec.hostname().clone().unwrap_or_default(),
            network: self.network.clone(),
            publish: args.publish.clone(),
            publish_all: args.publish_all,
            exposed: image_config
                .and_then(|c| c.exposed_ports().clone())
                .unwrap_or_default(),
            dns: args.dns.iter().map(|d| d.to_string()).collect(),
            dns_search: args.dns_search.clone(),
            dns_option: args.dns_option.clone(),
            add_host: args
                .add_host
                .iter()
                .map(|h| format!("{}:{}", h.names.join(";"), h.ip))
                .collect(),
            dns_servers: self.dns_servers.clone(),
            interactive: args.interactive,
            tty: args.tty,
            restart: self.restart,
            log: self.log,
            auto_remove: args.rm,
            labels: self.labels.clone(),
            binds: opts
                .binds
                .iter()
                .map(|b| Bind {
                    source: b.source.display().to_string(),
                    destination: b.destination.display().to_string(),
                    readonly: b.readonly,
                    recursive: b.recursive,
                })
                .collect(),
            cap_add: opts.cap_add.iter().map(|c| c.to_string()).collect(),
            cap_drop: opts.cap_drop.iter().map(|c| c.to_string()).collect(),
            stop_signal: self.stop_signal.or(image_signal).unwrap_or(libc::SIGTERM),
            stop_timeout: self.stop_timeout,
            sdnotify: args.sdnotify,
        }
    }
}

/// The network mode in a form [`NetworkMode::parse`] reads back, options included.
pub fn network_string(mode: &NetworkMode) -> String {
    match mode {
        NetworkMode::Private(o) => format!(
            "slirp4netns:allow_host_loopback={},enable_ipv6={},mtu={}",
            o.allow_host_loopback, o.enable_ipv6, o.mtu
        ),
        NetworkMode::None => "none".into(),
        NetworkMode::Host => "host".into(),
        NetworkMode::Container(c) => format!("container:{c}"),
    }
}

/// The image's labels.
fn image_labels(
    config: Option<&oci_spec::image::Config>,
) -> std::collections::BTreeMap<String, String> {
    config
        .and_then(|c| c.labels().clone())
        .map(|l| l.into_iter().collect())
        .unwrap_or_default()
}

/// The name a container shows for its image: the stored name the query matched,
/// else the image's first name, else its id.
fn image_name(image: &ImageRecord, query: &str) -> String {
    image
        .names
        .iter()
        .filter_map(|n| names::matches(n, query).map(|m| (m, n)))
        .max_by_key(|(m, _)| *m)
        .map(|(_, n)| n.clone())
        .or_else(|| image.names.first().cloned())
        .unwrap_or_else(|| image.id.hex().to_string())
}

/// The image to run: from the store, pulled as `--pull` says.
fn find_image(
    ctx: &Context,
    pulling: &Pulling<'_>,
    store: &Store,
    name: &str,
    policy: PullPolicy,
    map: &IdMap,
) -> Result<ImageRecord> {
    let local = match store.read()?.lookup(name) {
        Ok(record) => Some(record),
        Err(StoreError::Lookup(LookupError::NotFound(_))) => None,
        Err(e) => return Err(e.into()),
    };
    let must_pull = match (policy, &local) {
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
            let opts = pull_options(ctx, pulling.platform, pulling.registry, pulling.quiet)?;
            crate::userns::as_root(map, || pull(&ctx.paths, store, name, &opts))
        }
    }
}

/// The runtime part (`config`) of an image config blob.
fn image_runtime_config(bytes: &[u8]) -> Result<Option<oci_spec::image::Config>> {
    let parsed: oci_spec::image::ImageConfiguration = serde_json::from_slice(bytes)?;
    Ok(parsed.config().clone())
}

fn rootfs_dir(dir: &Path) -> Result<PathBuf> {
    let abs =
        std::fs::canonicalize(dir).with_context(|| format!("root filesystem {}", dir.display()))?;
    if !abs.is_dir() {
        bail!("root filesystem {} is not a directory", abs.display());
    }
    Ok(abs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::PrivateOptions;

    #[test]
    fn network_modes_round_trip() {
        for mode in [
            NetworkMode::Private(PrivateOptions::default()),
            NetworkMode::Private(PrivateOptions {
                allow_host_loopback: true,
                mtu: 1500,
                enable_ipv6: false,
            }),
            NetworkMode::None,
            NetworkMode::Host,
            NetworkMode::Container("web".into()),
        ] {
            assert_eq!(NetworkMode::parse(&network_string(&mode)).unwrap(), mode);
        }
    }
}
