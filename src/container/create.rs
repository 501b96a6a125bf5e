//! Creating a container: from [`CreateOptions`] (what `run`/`create` were asked) to a
//! recorded container with its spec, name, writable layer and volumes, or to nothing
//! at all when any step fails. Starting it is another step (see [`super::ops`]).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::cidfile::{self, CidfileError};
use super::logs::{LogConfig, LogDriver};
use super::notify::{self, NotifySocket, SdNotify};
use super::record::{Bind, ImageRef, Record, RootfsSource, DEFAULT_STOP_TIMEOUT};
use super::restart::RestartPolicy;
use super::store::{ContainerError, ContainerStore};
use crate::base::paths::Paths;
use crate::base::remove::UsernsRemover;
use crate::base::timestamp::Timestamp;
use crate::cgroup::limits::{self, LimitError, LimitFlags};
use crate::config::Config;
use crate::image::ensure::{self, EnsureError, PullFlags, PullPolicy};
use crate::image::oci_config::{ImageConfig, RuntimeConfig};
use crate::network::{HostEntry, NetworkMode, PortMapping, PortSpecError};
use crate::runtime::bundle::{self, BundleError};
use crate::runtime::caps::CapName;
use crate::runtime::envfile::{env_entries, EnvError};
use crate::runtime::spec::{
    self, BindMount, Environment, RunOptions, TmpfsMount, Ulimit, STOP_SIGNAL_ANNOTATION,
};
use crate::store::images::ImageRecord;
use crate::store::{names, Store, StoreError};
use crate::sys::proc;
use crate::userns::IdMap;
use crate::volume::prepare::{ProcessUser, Rollback};
use crate::volume::{self, Attached, VolumeError, VolumeMount, VolumeStore};

/// What the new container is and how it is set up: the flags of `run`/`create`,
/// checked for form but not yet against the host or the stores.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub name: Option<String>,
    /// `--cidfile`: gets the new ID; refused if it exists.
    pub cidfile: Option<PathBuf>,
    /// `--replace`: the container holding `name` goes first.
    pub replace: bool,
    /// `--rm`.
    pub auto_remove: bool,
    pub restart: Option<RestartPolicy>,
    pub sdnotify: SdNotify,
    /// `-e` values (`NAME=VALUE`, or `NAME` for the host's value).
    pub env: Vec<String>,
    pub env_files: Vec<PathBuf>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    pub entrypoint: Option<Vec<String>>,
    pub hostname: Option<String>,
    /// Host paths bound in, sources as given (relative to the current directory).
    pub binds: Vec<BindMount>,
    pub tmpfs: Vec<TmpfsMount>,
    pub volumes: Vec<VolumeMount>,
    pub read_only: bool,
    pub interactive: bool,
    pub tty: bool,
    /// `--network`; `None` takes the configured default.
    pub network: Option<NetworkMode>,
    /// `-p` specs, checked here and bound at each start.
    pub publish: Vec<String>,
    pub publish_all: bool,
    pub dns: Vec<IpAddr>,
    pub dns_search: Vec<String>,
    pub dns_option: Vec<String>,
    pub add_host: Vec<HostEntry>,
    pub pull: PullPolicy,
    pub pull_flags: PullFlags,
    /// `--rootfs`: an exploded root filesystem instead of an image.
    pub rootfs: Option<PathBuf>,
    pub image: Option<String>,
    pub command: Vec<String>,
    pub cap_add: Vec<CapName>,
    pub cap_drop: Vec<CapName>,
    pub no_new_privileges: bool,
    pub ulimits: Vec<Ulimit>,
    pub limits: LimitFlags,
    pub log_driver: Option<LogDriver>,
    /// `--log-opt KEY=VALUE` values.
    pub log_opts: Vec<String>,
    /// `--label KEY[=VALUE]` values.
    pub labels: Vec<String>,
    pub stop_signal: Option<i32>,
    pub stop_timeout: Option<u32>,
    /// The command line that asked for the container (kept in its record).
    pub create_command: Vec<String>,
}

#[derive(Debug, Error)]
pub enum CreateError {
    #[error(
        "the --rm option conflicts with --restart, when the restartPolicy is not \"\" and \"no\""
    )]
    RmWithRestart,
    #[error("cannot replace container without --name being set")]
    ReplaceWithoutName,
    #[error("replacing container {name}")]
    Replace {
        name: String,
        #[source]
        source: anyhow::Error,
    },
    #[error("opening the container store")]
    OpenStore(#[source] ContainerError),
    #[error("invalid default_network {value:?} in {config}: {message}")]
    DefaultNetwork {
        value: String,
        config: String,
        message: String,
    },
    #[error("bind mount source {}: {reason}", path.display())]
    BindSource { path: PathBuf, reason: String },
    #[error("reading the current directory")]
    CurrentDir(#[source] std::io::Error),
    #[error("invalid label {0:?}: the key is empty")]
    EmptyLabelKey(String),
    #[error("{0}")]
    LogOpt(String),
    #[error("root filesystem {}", .path.display())]
    Rootfs {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("root filesystem {} is not a directory", .0.display())]
    RootfsNotDir(PathBuf),
    #[error("rpod {verb} needs an image (or --rootfs DIR)")]
    NoImage { verb: String },
    #[error("image {0} was removed while the container was being created: try again")]
    ImageRemoved(String),
    #[error("layer {layer} of image {image} is missing from the store: pull the image again")]
    LayerMissing { layer: String, image: String },
    #[error("reading the config of image {image}")]
    ImageConfig {
        image: String,
        #[source]
        source: serde_json::Error,
    },
    #[error(transparent)]
    Image(#[from] EnsureError),
    #[error(transparent)]
    Env(#[from] EnvError),
    #[error(transparent)]
    Limits(#[from] LimitError),
    #[error(transparent)]
    Ports(#[from] PortSpecError),
    #[error(transparent)]
    Cidfile(#[from] CidfileError),
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Container(#[from] ContainerError),
    #[error(transparent)]
    Volume(#[from] VolumeError),
    /// From the steps that report in `anyhow` (recording, volume preparation).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

type Result<T, E = CreateError> = std::result::Result<T, E>;

/// A container just recorded, not yet started.
pub struct Created {
    pub record: Record,
    /// Its volumes; those it made go again if its first start fails.
    pub volumes: Vec<Attached>,
}

impl Created {
    /// A container whose first start failed leaves nothing behind: it goes, with the
    /// volumes its creation made.
    pub fn discard(&self, store: &ContainerStore, paths: &Paths) {
        remove_logged(store, &self.record.id);
        volume::prepare::remove_created(
            &VolumeStore::open(paths),
            &self.volumes,
            &UsernsRemover {
                map: IdMap::for_current_user(),
            },
        );
    }
}

/// Records a new container. `--replace` removes the container holding the name first;
/// `--cidfile` gets the new ID (if it cannot, the container goes again).
pub fn create(paths: &Paths, config: &Config, opts: CreateOptions) -> Result<Created> {
    if let Some(path) = &opts.cidfile {
        cidfile::check_free(path)?;
    }
    if opts.replace {
        let Some(name) = &opts.name else {
            return Err(CreateError::ReplaceWithoutName);
        };
        replace(paths, name)?;
    }
    let cid = opts.cidfile.clone();
    let created = create_record(paths, config, opts)?;
    if let Some(path) = &cid {
        if let Err(e) = cidfile::write(path, &created.record.id) {
            let store = ContainerStore::open(paths)?;
            remove_logged(&store, &created.record.id);
            return Err(e.into());
        }
    }
    Ok(created)
}

/// `--replace`: the container named `name`, if any, goes as with `rm -f`.
fn replace(paths: &Paths, name: &str) -> Result<()> {
    let store = ContainerStore::open(paths).map_err(CreateError::OpenStore)?;
    let c = match store.get(name) {
        Ok(c) => c,
        Err(ContainerError::Lookup(super::LookupError::NotFound(_))) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    // Only an exact name: an ID prefix that happens to match is another container.
    if c.record.name != name {
        return Ok(());
    }
    super::ops::remove(&store, &c, true, c.record.stop_timeout).map_err(|source| {
        CreateError::Replace {
            name: name.to_string(),
            source,
        }
    })
}

fn create_record(paths: &Paths, config: &Config, opts: CreateOptions) -> Result<Created> {
    if opts.auto_remove && !matches!(opts.restart, None | Some(RestartPolicy::No)) {
        return Err(CreateError::RmWithRestart);
    }
    let map = IdMap::for_current_user();
    let id = bundle::new_id()?;
    let network = network_mode(config, opts.network.as_ref())?;
    let mut run = run_options(&opts, &id, &network)?;
    if let Some(res) = &run.resources {
        let uid = paths.uid;
        if let Some(w) = limits::ignored_warning(res, &crate::cgroup::detect::info(uid), uid) {
            // As podman: the bare line on stderr, and the container is made all the same.
            eprintln!("{w}");
        }
    }
    // Ports and names are checked now (125 before anything is recorded); the host
    // side of `-p` is bound at each start.
    PortMapping::parse_all(&opts.publish)?;
    let store = ContainerStore::open(paths).map_err(CreateError::OpenStore)?;
    let run_dir = store.run_dir(&id);

    let template = Template {
        id: id.clone(),
        created: Timestamp::now().rfc3339_nanos(),
        restart: opts.restart.unwrap_or_default(),
        log: log_config(opts.log_driver, &opts.log_opts)?,
        labels: labels(&opts.labels)?,
        stop_timeout: opts.stop_timeout.unwrap_or(DEFAULT_STOP_TIMEOUT),
        stop_signal: opts.stop_signal,
        network: network_string(&network),
        dns_servers: config.network.dns_servers.clone(),
    };
    // `--rm` containers vanish with their command: their files need no fsync.
    let durable = !opts.auto_remove;
    let volumes = VolumeStore::open(paths);
    let mut user = ProcessUser::Ids(0, 0);

    match (&opts.rootfs, &opts.image) {
        (Some(dir), _) => {
            let dir = rootfs_dir(dir)?;
            let env = Environment::host(dir.clone(), &run_dir);
            let attached = attach_volumes(&volumes, &opts, &mut run, None)?;
            let mut rollback = Rollback::new(&volumes, &attached, &map);
            let record = store.create(None, &id, opts.name.as_deref(), false, durable, |name| {
                run.name = Some(name.to_string());
                let spec = spec::build(None, &run, &env)?;
                user = ProcessUser::of(&spec);
                let record = template.record(
                    name,
                    None,
                    RootfsSource::Dir(dir.clone()),
                    &run,
                    &spec,
                    None,
                    &opts,
                );
                Ok((record, spec))
            })?;
            prepare_volumes(&store, &volumes, &map, &record, &user, &attached)?;
            rollback.disarm();
            drop(rollback);
            Ok(Created {
                record,
                volumes: attached,
            })
        }
        (None, Some(query)) => {
            let images = Store::open(paths)?;
            let flags = &opts.pull_flags;
            let found = ensure::ensure(paths, &images, query, opts.pull, &map, || flags.options())?;
            // Held until the container is recorded: the image cannot go meanwhile.
            let view = images.read()?;
            let Some(found) = view.index()?.get(&found.id).cloned() else {
                return Err(CreateError::ImageRemoved(query.clone()));
            };
            let mut lowers = Vec::new();
            for diff_id in &found.layers {
                if view.layer(diff_id)?.is_none() {
                    return Err(CreateError::LayerMissing {
                        layer: diff_id.to_string(),
                        image: query.clone(),
                    });
                }
                lowers.push(view.layer_path(diff_id));
            }
            let config = image_runtime_config(&view.config(&found.id)?).map_err(|source| {
                CreateError::ImageConfig {
                    image: query.clone(),
                    source,
                }
            })?;
            let image_ref = ImageRef {
                name: image_name(&found, query),
                id: found.id.hex().to_string(),
            };
            let env = Environment::host(run_dir.join("rootfs"), &run_dir);
            let attached = attach_volumes(&volumes, &opts, &mut run, config.as_ref())?;
            let mut rollback = Rollback::new(&volumes, &attached, &map);
            let record = store.create(
                Some(&view),
                &id,
                opts.name.as_deref(),
                true,
                durable,
                |name| {
                    run.name = Some(name.to_string());
                    let spec = spec::build(config.as_ref(), &run, &env)?;
                    user = ProcessUser::of(&spec);
                    let mut labels = image_labels(config.as_ref());
                    labels.extend(template.labels.clone());
                    let mut record = template.record(
                        name,
                        Some(image_ref.clone()),
                        RootfsSource::Layers(lowers.clone()),
                        &run,
                        &spec,
                        config.as_ref(),
                        &opts,
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
            Ok(Created {
                record,
                volumes: attached,
            })
        }
        (None, None) => Err(CreateError::NoImage {
            verb: verb(&opts.create_command),
        }),
    }
}

/// `--network`, else the configured default (`private` unless rpod.toml says otherwise).
fn network_mode(config: &Config, wanted: Option<&NetworkMode>) -> Result<NetworkMode> {
    match wanted {
        Some(mode) => Ok(mode.clone()),
        None => NetworkMode::parse(&config.network.default_network).map_err(|e| {
            CreateError::DefaultNetwork {
                value: config.network.default_network.clone(),
                config: config
                    .source
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "the config".into()),
                message: e.to_string(),
            }
        }),
    }
}

/// What the spec builder takes, reading the host environment and checking bind
/// sources (a missing one is rpod's error, 125, before anything starts).
fn run_options(opts: &CreateOptions, id: &str, network: &NetworkMode) -> Result<RunOptions> {
    let mut binds = opts.binds.clone();
    for b in &mut binds {
        b.source = resolve_bind_source(&b.source)?;
    }
    let mut env = env_entries(&opts.env, &opts.env_files, |k| std::env::var(k).ok())?;
    if opts.sdnotify == SdNotify::Container {
        match NotifySocket::from_env() {
            Some(NotifySocket::Path(socket)) => {
                binds.push(BindMount {
                    source: socket,
                    destination: notify::CONTAINER_SOCKET.into(),
                    readonly: false,
                    recursive: false,
                });
                env.push(format!("{}={}", notify::ENV, notify::CONTAINER_SOCKET));
            }
            // An abstract socket is the host network namespace's: no mount reaches it.
            Some(NotifySocket::Abstract(_)) => log::warn!(
                "${} is an abstract socket, which the container cannot reach: use --sdnotify=conmon",
                notify::ENV
            ),
            None => {}
        }
    }
    let spec_network = match network {
        NetworkMode::Host => spec::NetworkMode::Host,
        NetworkMode::None => spec::NetworkMode::None,
        NetworkMode::Private(_) => spec::NetworkMode::Private,
        NetworkMode::Container(_) => spec::NetworkMode::Joined,
    };
    Ok(RunOptions {
        id: id.to_string(),
        name: opts.name.clone(),
        command: opts.command.clone(),
        entrypoint: opts.entrypoint.clone(),
        env,
        workdir: opts.workdir.clone(),
        user: opts.user.clone(),
        hostname: opts.hostname.clone(),
        binds,
        tmpfs: opts.tmpfs.clone(),
        read_only: opts.read_only,
        tty: opts.tty,
        network: spec_network,
        cap_add: opts.cap_add.clone(),
        cap_drop: opts.cap_drop.clone(),
        no_new_privileges: opts.no_new_privileges,
        ulimits: opts.ulimits.clone(),
        resources: limits::resources(&opts.limits)?,
    })
}

/// Makes a bind source absolute and checks that it exists (podman's 125 before start).
fn resolve_bind_source(source: &Path) -> Result<PathBuf> {
    let abs = if source.is_absolute() {
        source.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(CreateError::CurrentDir)?
            .join(source)
    };
    std::fs::metadata(&abs).map_err(|e| CreateError::BindSource {
        path: abs.clone(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            _ => e.to_string(),
        },
    })?;
    Ok(abs)
}

/// `--log-driver` with every `--log-opt` applied.
fn log_config(driver: Option<LogDriver>, opts: &[String]) -> Result<LogConfig> {
    let mut config = LogConfig {
        driver: driver.unwrap_or_default(),
        max_size: None,
    };
    for opt in opts {
        config.apply_opt(opt).map_err(CreateError::LogOpt)?;
    }
    Ok(config)
}

/// `--label KEY[=VALUE]` as a map (a bare key gets an empty value).
fn labels(given: &[String]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for l in given {
        let (k, v) = l.split_once('=').unwrap_or((l, ""));
        if k.is_empty() {
            return Err(CreateError::EmptyLabelKey(l.clone()));
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

/// The container's volumes: those asked for, then the image's VOLUMEs that no mount
/// covers (anonymous ones); their binds join `run`.
fn attach_volumes(
    volumes: &VolumeStore,
    opts: &CreateOptions,
    run: &mut RunOptions,
    image: Option<&RuntimeConfig>,
) -> Result<Vec<Attached>> {
    let mut wanted = opts.volumes.clone();
    let declared = image.map(RuntimeConfig::volume_paths).unwrap_or_default();
    let taken: Vec<&Path> = (run.binds.iter().map(|b| b.destination.as_path()))
        .chain(run.tmpfs.iter().map(|t| t.destination.as_path()))
        .chain(wanted.iter().map(|v| v.destination.as_path()))
        .collect();
    let from_image = volume::prepare::image_volumes(&declared, &taken);
    wanted.extend(from_image);
    let attached = volume::attach(volumes, &wanted)?;
    run.binds.extend(attached.iter().map(|a| a.bind(volumes)));
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
    let rootfs = super::launch::rootfs(store, record);
    if let Err(e) = volume::prepare::prepare(volumes, map, &rootfs, user, attached) {
        remove_logged(store, &record.id);
        return Err(e.into());
    }
    Ok(())
}

/// Removes a container this creation recorded; a failure to is logged, the error
/// that caused the removal being the one to report.
fn remove_logged(store: &ContainerStore, id: &str) {
    if let Err(e) = store.remove(id, |_| Ok(())) {
        log::warn!("removing container {id}: {}", crate::error::one_line(&e));
    }
}

/// `run` or `create` (the first word that is not a flag), for messages.
fn verb(command_line: &[String]) -> String {
    command_line
        .iter()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .cloned()
        .unwrap_or_else(|| "run".into())
}

/// What every new record shares, worked out before the name is known.
struct Template {
    id: String,
    created: String,
    restart: RestartPolicy,
    log: LogConfig,
    labels: BTreeMap<String, String>,
    stop_timeout: u32,
    stop_signal: Option<i32>,
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
        run: &RunOptions,
        spec: &oci_spec::runtime::Spec,
        image_config: Option<&RuntimeConfig>,
        opts: &CreateOptions,
    ) -> Record {
        let command = spec
            .process()
            .as_ref()
            .and_then(|p| p.args().clone())
            .unwrap_or_default();
        let entrypoint = match &run.entrypoint {
            Some(ep) => ep.clone(),
            None => image_config
                .and_then(|c| c.entrypoint.clone())
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
            create_command: opts.create_command.clone(),
            hostname: spec.hostname().clone().unwrap_or_default(),
            network: self.network.clone(),
            publish: opts.publish.clone(),
            publish_all: opts.publish_all,
            exposed: image_config
                .map(RuntimeConfig::exposed_port_keys)
                .unwrap_or_default(),
            dns: opts.dns.iter().map(|d| d.to_string()).collect(),
            dns_search: opts.dns_search.clone(),
            dns_option: opts.dns_option.clone(),
            add_host: opts
                .add_host
                .iter()
                .map(|h| format!("{}:{}", h.names.join(";"), h.ip))
                .collect(),
            dns_servers: self.dns_servers.clone(),
            interactive: opts.interactive,
            tty: opts.tty,
            restart: self.restart,
            log: self.log,
            auto_remove: opts.auto_remove,
            labels: self.labels.clone(),
            binds: run
                .binds
                .iter()
                .map(|b| Bind {
                    source: b.source.display().to_string(),
                    destination: b.destination.display().to_string(),
                    readonly: b.readonly,
                    recursive: b.recursive,
                })
                .collect(),
            cap_add: run.cap_add.iter().map(|c| c.to_string()).collect(),
            cap_drop: run.cap_drop.iter().map(|c| c.to_string()).collect(),
            stop_signal: self.stop_signal.or(image_signal).unwrap_or(libc::SIGTERM),
            stop_timeout: self.stop_timeout,
            sdnotify: opts.sdnotify,
        }
    }
}

/// A `--security-opt` value rpod carries out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityOpt {
    NoNewPrivileges(bool),
    /// `seccomp=unconfined` and `label=disable`: what rpod does anyway.
    Accepted,
}

impl SecurityOpt {
    /// Whether `no-new-privileges` is in effect: the last one given wins.
    pub fn no_new_privileges(opts: &[SecurityOpt]) -> bool {
        opts.iter()
            .rev()
            .find_map(|o| match o {
                SecurityOpt::NoNewPrivileges(b) => Some(*b),
                SecurityOpt::Accepted => None,
            })
            .unwrap_or(false)
    }
}

pub fn parse_security_opt(s: &str) -> std::result::Result<SecurityOpt, String> {
    let (k, v) = match s.split_once(['=', ':']) {
        Some((k, v)) => (k, Some(v)),
        None => (s, None),
    };
    match (k, v) {
        ("no-new-privileges", v) => Ok(SecurityOpt::NoNewPrivileges(
            crate::volume::parse::bool_value(k, v)?,
        )),
        ("seccomp", Some("unconfined")) | ("label", Some("disable")) => Ok(SecurityOpt::Accepted),
        _ => Err(format!(
            "unsupported security option {s:?} (supported: no-new-privileges, seccomp=unconfined, label=disable)"
        )),
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
fn image_labels(config: Option<&RuntimeConfig>) -> BTreeMap<String, String> {
    config
        .map(|c| {
            c.string_labels()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect()
        })
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

/// The runtime part (`config`) of an image config blob.
fn image_runtime_config(
    bytes: &[u8],
) -> std::result::Result<Option<RuntimeConfig>, serde_json::Error> {
    ImageConfig::parse(bytes)?.runtime_config().map(Some)
}

fn rootfs_dir(dir: &Path) -> Result<PathBuf> {
    let abs = std::fs::canonicalize(dir).map_err(|source| CreateError::Rootfs {
        path: dir.to_path_buf(),
        source,
    })?;
    if !abs.is_dir() {
        return Err(CreateError::RootfsNotDir(abs));
    }
    Ok(abs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::PrivateOptions;

    #[test]
    fn security_options() {
        assert_eq!(
            parse_security_opt("no-new-privileges"),
            Ok(SecurityOpt::NoNewPrivileges(true))
        );
        assert_eq!(
            parse_security_opt("seccomp=unconfined"),
            Ok(SecurityOpt::Accepted)
        );
        assert!(parse_security_opt("apparmor=x").is_err());
        let opts = [
            SecurityOpt::NoNewPrivileges(true),
            SecurityOpt::Accepted,
            SecurityOpt::NoNewPrivileges(false),
        ];
        assert!(!SecurityOpt::no_new_privileges(&opts));
        assert!(SecurityOpt::no_new_privileges(&opts[..2]));
        assert!(!SecurityOpt::no_new_privileges(&[]));
    }

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

    #[test]
    fn labels_and_log_options() {
        let l = labels(&["a=b".into(), "c".into()]).unwrap();
        assert_eq!(l.get("a").map(String::as_str), Some("b"));
        assert_eq!(l.get("c").map(String::as_str), Some(""));
        assert!(labels(&["=v".into()]).is_err());
        let log = log_config(None, &["max-size=1k".into()]).unwrap();
        assert_eq!(log.max_size, Some(1000));
        assert!(log_config(None, &["max-file=2".into()]).is_err());
    }

    #[test]
    fn the_verb_is_the_first_word_not_a_flag() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            verb(&words(&["rpod", "--log-level=debug", "create"])),
            "create"
        );
        assert_eq!(verb(&words(&["rpod"])), "run");
    }

    #[test]
    fn bind_sources_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(resolve_bind_source(dir.path()).unwrap(), dir.path());
        let e = resolve_bind_source(&dir.path().join("nope")).unwrap_err();
        assert!(e.to_string().contains("no such file or directory"));
    }
}
