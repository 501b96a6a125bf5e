//! The container's OCI runtime spec, built from the image config plus the command line
//! with podman's defaults. The runtime carries out exactly this spec, and it is kept as
//! the container's `config.json`, so what is inspected is what ran.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use oci_spec::runtime::{
    Capabilities, LinuxBuilder, LinuxCapabilitiesBuilder, LinuxNamespace, LinuxNamespaceBuilder,
    LinuxNamespaceType, Mount, MountBuilder, PosixRlimit, PosixRlimitBuilder, PosixRlimitType,
    ProcessBuilder, RootBuilder, Spec, SpecBuilder, UserBuilder,
};
use thiserror::Error;

use super::caps::{self, CapName};
use crate::image::oci_config::RuntimeConfig;

/// The PATH a container gets when neither the image nor the user sets one.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Annotation holding the container's name.
pub const NAME_ANNOTATION: &str = "io.rpod.container.name";
/// Annotation holding the image's stop signal (the OCI image-spec key).
pub const STOP_SIGNAL_ANNOTATION: &str = "org.opencontainers.image.stopSignal";

/// podman's masked paths: hidden behind `/dev/null` (files) or an empty read-only tmpfs (dirs).
pub const MASKED_PATHS: [&str; 11] = [
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/fs/selinux",
    "/sys/dev/block",
];

/// podman's read-only paths.
pub const READONLY_PATHS: [&str; 6] = [
    "/proc/asound",
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SpecError {
    #[error("no command or entrypoint provided, and no CMD or ENTRYPOINT from image")]
    NoCommand,
    #[error("invalid environment variable {0:?}: the name must not be empty or contain '='")]
    BadEnv(String),
    #[error("building the runtime spec: {0}")]
    Build(String),
}

/// Which network namespace the container gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NetworkMode {
    /// A new network namespace holding only `lo`.
    #[default]
    None,
    /// The host's network namespace.
    Host,
    /// A new network namespace served by the monitor's userspace stack (10.0.2.100).
    Private,
    /// Another container's network namespace, joined at start (`container:NAME`).
    Joined,
}

impl NetworkMode {
    /// Whether the spec creates a network namespace (the others share one).
    pub fn creates_namespace(self) -> bool {
        matches!(self, NetworkMode::None | NetworkMode::Private)
    }
}

/// A host path (file or directory) bound into the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindMount {
    pub source: PathBuf,
    pub destination: PathBuf,
    pub readonly: bool,
    /// Also bind the mounts below `source` (`rbind`).
    pub recursive: bool,
}

/// A fresh tmpfs at `destination`; `options` are mount options (`size=64m`, `mode=1777`, `ro` …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TmpfsMount {
    pub destination: PathBuf,
    pub options: Vec<String>,
}

/// One `--ulimit` (`u64::MAX` = unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ulimit {
    pub kind: PosixRlimitType,
    pub soft: u64,
    pub hard: u64,
}

/// An `--entrypoint` value: the command words (empty resets the image's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entrypoint(pub Vec<String>);

/// A command, or a JSON array of strings; the empty string resets the entrypoint.
pub fn parse_entrypoint(s: &str) -> Result<Entrypoint, String> {
    if s.trim_start().starts_with('[') {
        return serde_json::from_str::<Vec<String>>(s)
            .map(Entrypoint)
            .map_err(|e| format!("not a JSON array of strings: {e}"));
    }
    Ok(Entrypoint(if s.is_empty() {
        Vec::new()
    } else {
        vec![s.to_string()]
    }))
}

/// A working directory is absolute: the spec's `cwd` must be.
pub fn parse_workdir(s: &str) -> Result<String, String> {
    if s.starts_with('/') {
        Ok(s.to_string())
    } else {
        Err("the working directory must be an absolute path".into())
    }
}

pub fn parse_hostname(s: &str) -> Result<String, String> {
    if s.is_empty() || s.len() > 64 || s.chars().any(|c| c.is_whitespace() || c == '/') {
        return Err("a hostname has 1 to 64 characters, without spaces or '/'".into());
    }
    Ok(s.to_string())
}

/// What the command line asks for, already parsed and validated.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// 64 hex digits.
    pub id: String,
    pub name: Option<String>,
    /// Arguments after the image: replace the image's Cmd.
    pub command: Vec<String>,
    /// `--entrypoint`: replaces the image's Entrypoint and resets its Cmd.
    pub entrypoint: Option<Vec<String>>,
    /// `NAME=VALUE` from `--env-file` then `-e`, in order (later wins).
    pub env: Vec<String>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    pub hostname: Option<String>,
    pub binds: Vec<BindMount>,
    pub tmpfs: Vec<TmpfsMount>,
    pub read_only: bool,
    pub tty: bool,
    pub network: NetworkMode,
    pub cap_add: Vec<CapName>,
    pub cap_drop: Vec<CapName>,
    pub no_new_privileges: bool,
    pub ulimits: Vec<Ulimit>,
    /// `--memory`, `--cpus`, `--pids-limit` …: applied where the container gets a
    /// cgroup of its own (see [`super::cgroup`]).
    pub resources: Option<oci_spec::runtime::LinuxResources>,
}

/// Facts about the host and the container's files that the spec needs; gathered by the
/// caller so that building stays a pure function.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// Where the container's root filesystem will be mounted (`root.path`).
    pub root: PathBuf,
    /// The per-container `/etc/hosts`, `/etc/hostname`, `/etc/resolv.conf` to bind in.
    pub hosts: PathBuf,
    pub hostname_file: PathBuf,
    pub resolv_conf: PathBuf,
    /// The host's hostname (the container's with `--network host`).
    pub host_hostname: String,
    /// The hard limits of this process, podman's defaults for nofile and nproc.
    pub nofile: u64,
    pub nproc: u64,
}

impl Environment {
    /// Reads the host facts; the file paths are the caller's.
    pub fn host(root: PathBuf, etc_dir: &Path) -> Environment {
        let hard = |r| {
            nix::sys::resource::getrlimit(r)
                .map(|(_, h)| h)
                .unwrap_or(1024)
        };
        Environment {
            root,
            hosts: etc_dir.join("hosts"),
            hostname_file: etc_dir.join("hostname"),
            resolv_conf: etc_dir.join("resolv.conf"),
            host_hostname: nix::unistd::gethostname()
                .ok()
                .and_then(|h| h.into_string().ok())
                .unwrap_or_else(|| "localhost".into()),
            nofile: hard(nix::sys::resource::Resource::RLIMIT_NOFILE),
            nproc: hard(nix::sys::resource::Resource::RLIMIT_NPROC),
        }
    }
}

/// The hostname the container gets: `-h`, else the host's with `--network host`, else the
/// id's first 12 hex digits.
pub fn hostname(opts: &RunOptions, host_hostname: &str) -> String {
    match (&opts.hostname, opts.network) {
        (Some(h), _) => h.clone(),
        (None, NetworkMode::Host) => host_hostname.to_string(),
        (None, NetworkMode::None | NetworkMode::Private | NetworkMode::Joined) => {
            opts.id.chars().take(12).collect()
        }
    }
}

/// Builds the spec; `image` is the image's config when running an image.
pub fn build(
    image: Option<&RuntimeConfig>,
    opts: &RunOptions,
    env: &Environment,
) -> Result<Spec, SpecError> {
    let hostname = hostname(opts, &env.host_hostname);
    let args = process_args(image, opts)?;
    let process_env = environment(image, opts, &hostname)?;
    let cwd = opts
        .workdir
        .clone()
        .or_else(|| image.and_then(|c| c.working_dir.clone()))
        .filter(|w| !w.is_empty())
        .map(|w| Path::new("/").join(w))
        .unwrap_or_else(|| PathBuf::from("/"));
    let user_spec = opts
        .user
        .clone()
        .or_else(|| image.and_then(|c| c.user.clone()))
        .unwrap_or_default();

    let bounding = caps::merge(&opts.cap_add, &opts.cap_drop);
    let capabilities = capabilities(&bounding, &user_spec, &opts.cap_add)?;

    let process = ProcessBuilder::default()
        .terminal(opts.tty)
        .user(user(&user_spec)?)
        .args(args)
        .env(process_env)
        .cwd(cwd)
        .capabilities(capabilities)
        .rlimits(rlimits(opts, env)?)
        .no_new_privileges(opts.no_new_privileges)
        .build()
        .map_err(build_err)?;

    let mut masked: Vec<String> = MASKED_PATHS.iter().map(|s| s.to_string()).collect();
    if !opts.network.creates_namespace() {
        // /sys is then the host's, bound in: hide its kernel knobs as podman does.
        masked.push("/sys/kernel".into());
    }
    let mut linux = LinuxBuilder::default();
    if let Some(r) = &opts.resources {
        linux = linux.resources(r.clone());
    }
    let linux = linux
        .namespaces(namespaces(opts.network)?)
        .masked_paths(masked)
        .readonly_paths(
            READONLY_PATHS
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        )
        .build()
        .map_err(build_err)?;

    let mut annotations = HashMap::new();
    if let Some(name) = &opts.name {
        annotations.insert(NAME_ANNOTATION.to_string(), name.clone());
    }
    if let Some(sig) = image.and_then(|c| c.stop_signal.clone()) {
        annotations.insert(STOP_SIGNAL_ANNOTATION.to_string(), sig);
    }

    let mut builder = SpecBuilder::default()
        .version("1.0.2-dev")
        .root(
            RootBuilder::default()
                .path(env.root.clone())
                .readonly(opts.read_only)
                .build()
                .map_err(build_err)?,
        )
        .hostname(hostname)
        .mounts(mounts(opts, env)?)
        .process(process)
        .linux(linux);
    if !annotations.is_empty() {
        builder = builder.annotations(annotations);
    }
    builder.build().map_err(build_err)
}

fn build_err(e: oci_spec::OciSpecError) -> SpecError {
    SpecError::Build(e.to_string())
}

/// Docker's rules: `--entrypoint` replaces Entrypoint and resets Cmd; arguments after the
/// image replace Cmd.
pub fn process_args(
    image: Option<&RuntimeConfig>,
    opts: &RunOptions,
) -> Result<Vec<String>, SpecError> {
    let mut args = match &opts.entrypoint {
        Some(ep) => ep.clone(),
        None => image.and_then(|c| c.entrypoint.clone()).unwrap_or_default(),
    };
    if !opts.command.is_empty() {
        args.extend(opts.command.iter().cloned());
    } else if opts.entrypoint.is_none() {
        args.extend(image.and_then(|c| c.cmd.clone()).unwrap_or_default());
    }
    if args.is_empty() {
        return Err(SpecError::NoCommand);
    }
    Ok(args)
}

/// Image env, then the flags' (later wins), with PATH, HOSTNAME, `container` and (with
/// `-t`) TERM defaulted. HOME is added by the runtime from the user's passwd entry.
pub fn environment(
    image: Option<&RuntimeConfig>,
    opts: &RunOptions,
    hostname: &str,
) -> Result<Vec<String>, SpecError> {
    let mut vars: Vec<(String, String)> = Vec::new();
    fn set(vars: &mut Vec<(String, String)>, entry: &str, check: bool) -> Result<(), SpecError> {
        let (k, v) = entry.split_once('=').unwrap_or((entry, ""));
        if check && k.is_empty() {
            return Err(SpecError::BadEnv(entry.to_string()));
        }
        match vars.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = v.to_string(),
            None => vars.push((k.to_string(), v.to_string())),
        }
        Ok(())
    }
    set(&mut vars, &format!("PATH={DEFAULT_PATH}"), false)?;
    if opts.tty {
        set(&mut vars, "TERM=xterm", false)?;
    }
    set(&mut vars, "container=rpod", false)?;
    for e in image.and_then(|c| c.env.as_ref()).into_iter().flatten() {
        set(&mut vars, e, false)?;
    }
    for e in &opts.env {
        set(&mut vars, e, true)?;
    }
    if !vars.iter().any(|(k, _)| k == "HOSTNAME") {
        set(&mut vars, &format!("HOSTNAME={hostname}"), false)?;
    }
    Ok(vars.into_iter().map(|(k, v)| format!("{k}={v}")).collect())
}

/// The process user: numeric ids go straight into the spec; anything naming a user or
/// group is kept in `username` and resolved by the runtime inside the container's root.
fn user(spec: &str) -> Result<oci_spec::runtime::User, SpecError> {
    let mut b = UserBuilder::default().umask(0o022u32);
    let (u, g) = spec.split_once(':').unwrap_or((spec, ""));
    match (u.parse::<u32>(), g.parse::<u32>()) {
        _ if spec.is_empty() => b = b.uid(0u32).gid(0u32),
        (Ok(uid), Ok(gid)) => b = b.uid(uid).gid(gid).additional_gids(vec![gid]),
        _ => b = b.username(spec.to_string()),
    }
    b.build().map_err(build_err)
}

/// podman's rules: root gets the whole bounding set; another user gets only what was added
/// explicitly, in every set, ambient included, so it survives the exec.
fn capabilities(
    bounding: &Capabilities,
    user: &str,
    add: &[CapName],
) -> Result<oci_spec::runtime::LinuxCapabilities, SpecError> {
    let name = user.split(':').next().unwrap_or("");
    let is_root = name.is_empty() || name == "root" || name == "0";
    let b = LinuxCapabilitiesBuilder::default().bounding(bounding.clone());
    let b = if is_root {
        b.effective(bounding.clone())
            .permitted(bounding.clone())
            .inheritable(Capabilities::new())
            .ambient(Capabilities::new())
    } else {
        let added: Capabilities = if add.contains(&CapName::All) {
            bounding.clone()
        } else {
            add.iter()
                .filter_map(|c| match c {
                    CapName::One(c) if bounding.contains(c) => Some(*c),
                    _ => None,
                })
                .collect()
        };
        b.effective(added.clone())
            .permitted(added.clone())
            .inheritable(added.clone())
            .ambient(added)
    };
    b.build().map_err(build_err)
}

/// nofile and nproc at this process's hard limits (podman's rootless defaults), then `--ulimit`.
fn rlimits(opts: &RunOptions, env: &Environment) -> Result<Vec<PosixRlimit>, SpecError> {
    let mut limits = vec![
        Ulimit {
            kind: PosixRlimitType::RlimitNofile,
            soft: env.nofile,
            hard: env.nofile,
        },
        Ulimit {
            kind: PosixRlimitType::RlimitNproc,
            soft: env.nproc,
            hard: env.nproc,
        },
    ];
    for u in &opts.ulimits {
        match limits.iter_mut().find(|l| l.kind == u.kind) {
            Some(slot) => *slot = *u,
            None => limits.push(*u),
        }
    }
    limits
        .into_iter()
        .map(|l| {
            PosixRlimitBuilder::default()
                .typ(l.kind)
                .soft(l.soft)
                .hard(l.hard)
                .build()
                .map_err(build_err)
        })
        .collect()
}

fn namespaces(network: NetworkMode) -> Result<Vec<LinuxNamespace>, SpecError> {
    let mut kinds = vec![
        LinuxNamespaceType::User,
        LinuxNamespaceType::Pid,
        LinuxNamespaceType::Ipc,
        LinuxNamespaceType::Uts,
        LinuxNamespaceType::Mount,
        LinuxNamespaceType::Cgroup,
    ];
    if network.creates_namespace() {
        kinds.insert(2, LinuxNamespaceType::Network);
    }
    kinds
        .into_iter()
        .map(|k| {
            LinuxNamespaceBuilder::default()
                .typ(k)
                .build()
                .map_err(build_err)
        })
        .collect()
}

fn mount(dest: &str, typ: &str, source: &str, options: &[&str]) -> Result<Mount, SpecError> {
    MountBuilder::default()
        .destination(dest)
        .typ(typ)
        .source(source)
        .options(options.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .build()
        .map_err(build_err)
}

fn bind(dest: &Path, source: &Path, options: Vec<String>) -> Result<Mount, SpecError> {
    MountBuilder::default()
        .destination(dest)
        .typ("bind")
        .source(source)
        .options(options)
        .build()
        .map_err(build_err)
}

/// podman's default mounts, then the user's; a user mount replaces a default one at the
/// same destination.
fn mounts(opts: &RunOptions, env: &Environment) -> Result<Vec<Mount>, SpecError> {
    let mut out = vec![
        mount("/proc", "proc", "proc", &["nosuid", "noexec", "nodev"])?,
        mount(
            "/dev",
            "tmpfs",
            "tmpfs",
            &["nosuid", "noexec", "strictatime", "mode=755", "size=65536k"],
        )?,
        mount(
            "/sys",
            "sysfs",
            "sysfs",
            &["nosuid", "noexec", "nodev", "ro"],
        )?,
        mount(
            "/dev/pts",
            "devpts",
            "devpts",
            &[
                "nosuid",
                "noexec",
                "newinstance",
                "ptmxmode=0666",
                "mode=0620",
                "gid=5",
            ],
        )?,
        mount(
            "/dev/mqueue",
            "mqueue",
            "mqueue",
            &["nosuid", "noexec", "nodev"],
        )?,
        mount(
            "/dev/shm",
            "tmpfs",
            "shm",
            &["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
        )?,
        bind(
            Path::new("/etc/resolv.conf"),
            &env.resolv_conf,
            vec!["bind".into(), "rprivate".into()],
        )?,
        bind(
            Path::new("/etc/hosts"),
            &env.hosts,
            vec!["bind".into(), "rprivate".into()],
        )?,
        bind(
            Path::new("/etc/hostname"),
            &env.hostname_file,
            vec!["bind".into(), "rprivate".into()],
        )?,
        mount(
            "/sys/fs/cgroup",
            "cgroup",
            "cgroup",
            &["rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"],
        )?,
    ];

    let mut user = Vec::new();
    for b in &opts.binds {
        let mut o = vec![
            if b.recursive { "rbind" } else { "bind" }.to_string(),
            "rprivate".to_string(),
        ];
        o.push(if b.readonly { "ro" } else { "rw" }.to_string());
        user.push(bind(&b.destination, &b.source, o)?);
    }
    for t in &opts.tmpfs {
        let mut o: Vec<String> = vec!["nosuid".into(), "nodev".into()];
        o.extend(t.options.iter().cloned());
        user.push(
            MountBuilder::default()
                .destination(&t.destination)
                .typ("tmpfs")
                .source("tmpfs")
                .options(o)
                .build()
                .map_err(build_err)?,
        );
    }
    if opts.read_only {
        // podman's --read-only-tmpfs default: the usual scratch places stay writable.
        for dest in ["/run", "/tmp", "/var/tmp"] {
            if !user.iter().any(|u| u.destination() == Path::new(dest)) {
                out.push(mount(
                    dest,
                    "tmpfs",
                    "tmpfs",
                    &["rw", "rprivate", "nosuid", "nodev"],
                )?);
            }
        }
    }
    out.retain(|m| !user.iter().any(|u| u.destination() == m.destination()));
    out.extend(user);
    // Parents before what is mounted beneath them (a volume on /etc before /etc/hosts),
    // as podman orders mounts; the sort is stable, so equals keep their order.
    out.sort_by_key(|m| m.destination().components().count());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_spec::runtime::Capability;

    fn opts() -> RunOptions {
        RunOptions {
            id: "0123456789abcdef".repeat(4),
            command: vec!["true".into()],
            ..Default::default()
        }
    }

    fn env() -> Environment {
        Environment {
            root: "/r".into(),
            hosts: "/b/hosts".into(),
            hostname_file: "/b/hostname".into(),
            resolv_conf: "/b/resolv.conf".into(),
            host_hostname: "hosty".into(),
            nofile: 4096,
            nproc: 999,
        }
    }

    fn image() -> RuntimeConfig {
        RuntimeConfig {
            entrypoint: Some(vec!["/ep".to_string()]),
            cmd: Some(vec!["a".to_string(), "b".to_string()]),
            env: Some(vec!["PATH=/img/bin".to_string(), "FOO=img".to_string()]),
            working_dir: Some("/srv".to_string()),
            user: Some("user".to_string()),
            stop_signal: Some("SIGQUIT".to_string()),
            ..RuntimeConfig::default()
        }
    }

    fn env_of(spec: &Spec) -> Vec<String> {
        spec.process().as_ref().unwrap().env().clone().unwrap()
    }

    #[test]
    fn args_follow_docker_rules() {
        let img = image();
        let mut o = opts();
        o.command.clear();
        assert_eq!(process_args(Some(&img), &o).unwrap(), ["/ep", "a", "b"]);
        o.command = vec!["x".into()];
        assert_eq!(process_args(Some(&img), &o).unwrap(), ["/ep", "x"]);
        o.command.clear();
        o.entrypoint = Some(vec!["/other".into()]);
        assert_eq!(process_args(Some(&img), &o).unwrap(), ["/other"]);
        o.entrypoint = Some(vec![]);
        assert_eq!(process_args(Some(&img), &o), Err(SpecError::NoCommand));
        o.entrypoint = None;
        assert_eq!(process_args(None, &o), Err(SpecError::NoCommand));
    }

    #[test]
    fn env_layers_and_defaults() {
        let img = image();
        let mut o = opts();
        o.env = vec!["FOO=flag".into(), "EMPTY=".into()];
        o.tty = true;
        let spec = build(Some(&img), &o, &env()).unwrap();
        let e = env_of(&spec);
        assert!(e.contains(&"PATH=/img/bin".to_string()), "{e:?}");
        assert!(e.contains(&"FOO=flag".to_string()));
        assert!(e.contains(&"EMPTY=".to_string()));
        assert!(e.contains(&"TERM=xterm".to_string()));
        assert!(e.contains(&"container=rpod".to_string()));
        assert!(e.contains(&"HOSTNAME=0123456789ab".to_string()));
        assert_eq!(e.iter().filter(|v| v.starts_with("FOO=")).count(), 1);

        let spec = build(None, &opts(), &env()).unwrap();
        let e = env_of(&spec);
        assert!(e.contains(&format!("PATH={DEFAULT_PATH}")));
        assert!(!e.iter().any(|v| v.starts_with("TERM=")));

        let mut o = opts();
        o.env = vec!["=x".into()];
        assert!(matches!(build(None, &o, &env()), Err(SpecError::BadEnv(_))));
    }

    #[test]
    fn cwd_user_hostname() {
        let img = image();
        let spec = build(Some(&img), &opts(), &env()).unwrap();
        let p = spec.process().as_ref().unwrap();
        assert_eq!(p.cwd(), Path::new("/srv"));
        assert_eq!(p.user().username().as_deref(), Some("user"));
        assert_eq!(spec.hostname().as_deref(), Some("0123456789ab"));
        assert_eq!(
            spec.annotations().as_ref().unwrap()[STOP_SIGNAL_ANNOTATION],
            "SIGQUIT"
        );

        let mut o = opts();
        o.workdir = Some("/w".into());
        o.user = Some("12:34".into());
        o.hostname = Some("box".into());
        o.name = Some("web".into());
        let spec = build(Some(&img), &o, &env()).unwrap();
        let p = spec.process().as_ref().unwrap();
        assert_eq!(p.cwd(), Path::new("/w"));
        assert_eq!((p.user().uid(), p.user().gid()), (12, 34));
        assert_eq!(p.user().username(), &None);
        assert_eq!(spec.hostname().as_deref(), Some("box"));
        assert_eq!(spec.annotations().as_ref().unwrap()[NAME_ANNOTATION], "web");

        let mut o = opts();
        o.network = NetworkMode::Host;
        let spec = build(None, &o, &env()).unwrap();
        assert_eq!(spec.hostname().as_deref(), Some("hosty"));
        assert_eq!(
            spec.process().as_ref().unwrap().cwd(),
            Path::new("/"),
            "default cwd"
        );
    }

    #[test]
    fn capabilities_root_and_user() {
        let mut o = opts();
        o.cap_add = vec![CapName::One(Capability::SysAdmin)];
        o.cap_drop = vec![CapName::One(Capability::Chown)];
        let spec = build(None, &o, &env()).unwrap();
        let c = spec
            .process()
            .as_ref()
            .unwrap()
            .capabilities()
            .clone()
            .unwrap();
        let b = c.bounding().clone().unwrap();
        assert!(b.contains(&Capability::SysAdmin) && !b.contains(&Capability::Chown));
        assert_eq!(c.effective(), c.bounding());
        assert!(c.ambient().as_ref().unwrap().is_empty());

        o.user = Some("1000".into());
        let spec = build(None, &o, &env()).unwrap();
        let c = spec
            .process()
            .as_ref()
            .unwrap()
            .capabilities()
            .clone()
            .unwrap();
        let only: Capabilities = [Capability::SysAdmin].into_iter().collect();
        assert_eq!(c.effective().as_ref(), Some(&only));
        assert_eq!(c.ambient().as_ref(), Some(&only));
        assert_eq!(c.bounding().as_ref().unwrap().len(), caps::DEFAULT.len());
    }

    #[test]
    fn rlimits_default_and_override() {
        let mut o = opts();
        o.ulimits = vec![
            Ulimit {
                kind: PosixRlimitType::RlimitNofile,
                soft: 10,
                hard: 20,
            },
            Ulimit {
                kind: PosixRlimitType::RlimitCore,
                soft: 0,
                hard: 0,
            },
        ];
        let spec = build(None, &o, &env()).unwrap();
        let r = spec.process().as_ref().unwrap().rlimits().clone().unwrap();
        let find = |k| r.iter().find(|l| l.typ() == k).copied().unwrap();
        assert_eq!(find(PosixRlimitType::RlimitNofile).soft(), 10);
        assert_eq!(find(PosixRlimitType::RlimitNofile).hard(), 20);
        assert_eq!(find(PosixRlimitType::RlimitNproc).hard(), 999);
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn namespaces_follow_network() {
        let has_net = |o: &RunOptions| {
            build(None, o, &env())
                .unwrap()
                .linux()
                .as_ref()
                .unwrap()
                .namespaces()
                .as_ref()
                .unwrap()
                .iter()
                .any(|n| n.typ() == LinuxNamespaceType::Network)
        };
        let mut o = opts();
        assert!(has_net(&o));
        o.network = NetworkMode::Host;
        assert!(!has_net(&o));
    }

    #[test]
    fn masked_readonly_and_root() {
        let mut o = opts();
        o.read_only = true;
        let spec = build(None, &o, &env()).unwrap();
        let l = spec.linux().as_ref().unwrap();
        assert_eq!(l.masked_paths().as_ref().unwrap().len(), MASKED_PATHS.len());
        assert!(l
            .readonly_paths()
            .as_ref()
            .unwrap()
            .contains(&"/proc/sys".to_string()));
        let root = spec.root().as_ref().unwrap();
        assert_eq!(root.path(), Path::new("/r"));
        assert_eq!(root.readonly(), Some(true));
        let tmpfs: Vec<_> = spec
            .mounts()
            .as_ref()
            .unwrap()
            .iter()
            .filter(|m| m.typ().as_deref() == Some("tmpfs"))
            .map(|m| m.destination().clone())
            .collect();
        for d in ["/run", "/tmp", "/var/tmp"] {
            assert!(tmpfs.contains(&PathBuf::from(d)), "{d} writable");
        }
        let spec = build(None, &opts(), &env()).unwrap();
        assert!(!spec
            .mounts()
            .as_ref()
            .unwrap()
            .iter()
            .any(|m| m.destination() == Path::new("/tmp")));
    }

    #[test]
    fn user_mounts_replace_defaults() {
        let mut o = opts();
        o.binds = vec![BindMount {
            source: "/host/h".into(),
            destination: "/etc/hosts".into(),
            readonly: true,
            recursive: true,
        }];
        o.tmpfs = vec![TmpfsMount {
            destination: "/dev/shm".into(),
            options: vec!["size=1m".into()],
        }];
        let spec = build(None, &o, &env()).unwrap();
        let m = spec.mounts().as_ref().unwrap();
        let at = |d: &str| {
            m.iter()
                .filter(|x| x.destination() == Path::new(d))
                .collect::<Vec<_>>()
        };
        assert_eq!(at("/etc/hosts").len(), 1);
        assert_eq!(
            at("/etc/hosts")[0].source().as_deref(),
            Some(Path::new("/host/h"))
        );
        assert!(at("/etc/hosts")[0]
            .options()
            .as_ref()
            .unwrap()
            .contains(&"ro".to_string()));
        assert_eq!(at("/dev/shm").len(), 1);
        assert!(at("/dev/shm")[0]
            .options()
            .as_ref()
            .unwrap()
            .contains(&"size=1m".to_string()));
        assert_eq!(
            at("/etc/resolv.conf")[0].source().as_deref(),
            Some(Path::new("/b/resolv.conf"))
        );
        // The default order keeps /dev before the mounts beneath it.
        let pos = |d: &str| m.iter().position(|x| x.destination() == Path::new(d));
        assert!(pos("/dev") < pos("/dev/pts"));
    }

    #[test]
    fn parents_are_mounted_before_children() {
        let mut o = opts();
        let bind = |src: &str, dst: &str| BindMount {
            source: src.into(),
            destination: dst.into(),
            readonly: false,
            recursive: true,
        };
        o.binds = vec![
            bind("/h/sub", "/data/sub"),
            bind("/h/etc", "/etc"),
            bind("/h/d", "/data"),
        ];
        let spec = build(None, &o, &env()).unwrap();
        let m = spec.mounts().as_ref().unwrap();
        let pos = |d: &str| {
            m.iter()
                .position(|x| x.destination() == Path::new(d))
                .unwrap()
        };
        assert!(pos("/etc") < pos("/etc/hosts"));
        assert!(pos("/etc") < pos("/etc/resolv.conf"));
        assert!(pos("/data") < pos("/data/sub"));
        assert!(pos("/proc") < pos("/etc"), "equals keep their order");
    }

    #[test]
    fn spec_round_trips_as_json() {
        let spec = build(Some(&image()), &opts(), &env()).unwrap();
        let text = serde_json::to_string(&spec).unwrap();
        let back: Spec = serde_json::from_str(&text).unwrap();
        assert_eq!(back, spec);
    }
}
