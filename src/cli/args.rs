//! Flag groups shared by commands, with a parser per value type. `RunArgs` is flattened
//! into `run` (and later `create`); every invalid value is a one-line error, exit 125.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use oci_spec::runtime::PosixRlimitType;

use crate::container::logs::{LogConfig, LogDriver};
use crate::container::names::parse_name;
use crate::container::restart::RestartPolicy;
use crate::runtime::caps::{self, CapName};
use crate::runtime::spec::{BindMount, TmpfsMount, Ulimit};
use crate::volume::VolumeMount;

/// When to pull the image before running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PullPolicy {
    /// Pull only when the image is not in the store
    #[default]
    Missing,
    /// Always pull
    Always,
    /// Never pull; fail when the image is not in the store
    Never,
    /// Pull when the registry has a newer image
    Newer,
}

/// A `--security-opt` value rpod carries out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityOpt {
    NoNewPrivileges(bool),
    /// `seccomp=unconfined` and `label=disable`: what rpod does anyway.
    Accepted,
}

/// An `--entrypoint` value: the command words (empty resets the image's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entrypoint(pub Vec<String>);

/// A `--mount` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountArg {
    Bind(BindMount),
    Tmpfs(TmpfsMount),
    Volume(VolumeMount),
}

/// A `-v` value: a host path bound in, or a volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeArg {
    Bind(BindMount),
    Volume(VolumeMount),
}

/// The flags of `run` (and `create`): what the container is and how it is set up.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_display_order = 100)]
pub struct RunArgs {
    /// Remove the container when it exits
    #[arg(long)]
    pub rm: bool,

    /// Name of the container
    #[arg(long, value_name = "NAME", value_parser = parse_name)]
    pub name: Option<String>,

    /// Write the container's ID to FILE (refused if FILE exists)
    #[arg(long, value_name = "FILE")]
    pub cidfile: Option<PathBuf>,

    /// Remove an existing container of the same --name first (as `rm -f`)
    #[arg(long)]
    pub replace: bool,

    /// Who notifies systemd that the container is ready, when NOTIFY_SOCKET is set
    #[arg(long, value_enum, value_name = "MODE", default_value_t = crate::container::notify::SdNotify::Container)]
    pub sdnotify: crate::container::notify::SdNotify,

    /// Set an environment variable (NAME=VALUE; NAME alone takes the host's value)
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    pub env: Vec<String>,

    /// Read environment variables from a file (lines NAME=VALUE or NAME; # comments)
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,

    /// Working directory inside the container (created if missing)
    #[arg(short = 'w', long, value_name = "DIR", value_parser = parse_workdir)]
    pub workdir: Option<String>,

    /// User to run as: name, uid, name:group or uid:gid
    #[arg(short = 'u', long, value_name = "USER[:GROUP]", value_parser = parse_user)]
    pub user: Option<String>,

    /// Override the image's entrypoint: a command, or a JSON array such as '["sh","-c"]'
    #[arg(long, value_name = "CMD", value_parser = parse_entrypoint, allow_hyphen_values = true)]
    pub entrypoint: Option<Entrypoint>,

    /// Hostname inside the container (default: the container id's first 12 digits)
    #[arg(short = 'h', long, value_name = "NAME", value_parser = parse_hostname)]
    pub hostname: Option<String>,

    /// Bind a host path or mount a volume: HOST-PATH:CONTAINER-PATH[:ro|rw|z|Z],
    /// NAME:CONTAINER-PATH[:ro|rw|U|copy|nocopy] (a named volume, created on first use and
    /// filled with the image's content there), or CONTAINER-PATH (an anonymous volume)
    #[arg(short = 'v', long = "volume", value_name = "VOLUME", value_parser = parse_volume)]
    pub volume: Vec<VolumeArg>,

    /// Attach a mount: type=bind,source=PATH,destination=PATH[,ro],
    /// type=volume[,source=NAME],destination=PATH[,ro][,U][,volume-nocopy] or
    /// type=tmpfs,destination=PATH[,tmpfs-size=N][,tmpfs-mode=M]
    #[arg(long, value_name = "MOUNT", value_parser = parse_mount)]
    pub mount: Vec<MountArg>,

    /// Mount a fresh tmpfs: CONTAINER-PATH[:OPTIONS] (default options rw,noexec,nosuid,nodev)
    #[arg(long, value_name = "PATH[:OPTIONS]", value_parser = parse_tmpfs)]
    pub tmpfs: Vec<TmpfsMount>,

    /// Mount the container's root filesystem read-only
    #[arg(long)]
    pub read_only: bool,

    /// Keep stdin open and connect it to the container
    #[arg(short = 'i', long)]
    pub interactive: bool,

    /// Allocate a pseudo-terminal for the container
    #[arg(short = 't', long)]
    pub tty: bool,

    /// Network: private (default; aliases slirp4netns[:allow_host_loopback=true,mtu=N],
    /// pasta), none (only lo) or host (the host's network)
    #[arg(long, visible_alias = "net", value_name = "MODE", value_parser = parse_network)]
    pub network: Option<crate::network::NetworkMode>,

    /// Publish a container's port to the host: [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTOCOL]
    #[arg(short = 'p', long = "publish", value_name = "PORT")]
    pub publish: Vec<String>,

    /// Publish all the image's exposed ports to random host ports
    #[arg(short = 'P', long)]
    pub publish_all: bool,

    /// DNS server for the container's /etc/resolv.conf
    #[arg(long, value_name = "IP")]
    pub dns: Vec<std::net::IpAddr>,

    /// DNS search domain for the container's /etc/resolv.conf
    #[arg(long, value_name = "DOMAIN")]
    pub dns_search: Vec<String>,

    /// DNS option for the container's /etc/resolv.conf
    #[arg(long, value_name = "OPTION")]
    pub dns_option: Vec<String>,

    /// Add a line to /etc/hosts: HOST:IP (HOST may list aliases separated by ';')
    #[arg(long, value_name = "HOST:IP", value_parser = parse_add_host)]
    pub add_host: Vec<crate::network::HostEntry>,

    /// When to pull the image
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = PullPolicy::Missing)]
    pub pull: PullPolicy,

    /// Run an exploded root filesystem from DIR instead of an image
    #[arg(long, value_name = "DIR")]
    pub rootfs: Option<PathBuf>,

    /// Add a capability (e.g. NET_ADMIN, or ALL)
    #[arg(long, value_name = "CAP", value_parser = caps::parse_name)]
    pub cap_add: Vec<CapName>,

    /// Drop a capability (e.g. CHOWN, or ALL)
    #[arg(long, value_name = "CAP", value_parser = caps::parse_name)]
    pub cap_drop: Vec<CapName>,

    /// Security options: no-new-privileges[=true|false]
    #[arg(long, value_name = "OPT", value_parser = parse_security_opt)]
    pub security_opt: Vec<SecurityOpt>,

    /// Resource limit: NAME=SOFT[:HARD], e.g. nofile=1024:2048 (-1 or unlimited for no limit)
    #[arg(long, value_name = "NAME=SOFT[:HARD]", value_parser = parse_ulimit)]
    pub ulimit: Vec<Ulimit>,

    /// Memory limit: a number with an optional unit b, k, m or g (e.g. 512m)
    #[arg(short = 'm', long, value_name = "NUMBER[UNIT]", value_parser = crate::cgroup::limits::parse_memory)]
    pub memory: Option<i64>,

    /// Memory plus swap limit, as --memory; -1 for unlimited swap (default: twice --memory)
    #[arg(long, value_name = "NUMBER[UNIT]", value_parser = crate::cgroup::limits::parse_memory_swap, allow_hyphen_values = true)]
    pub memory_swap: Option<i64>,

    /// Number of CPUs the container may use (e.g. 1.5)
    #[arg(long, value_name = "NUMBER", value_parser = crate::cgroup::limits::parse_cpus)]
    pub cpus: Option<f64>,

    /// CPU shares: the container's relative weight (2 to 262144; default 1024)
    #[arg(short = 'c', long, value_name = "SHARES", value_parser = clap::value_parser!(u64).range(2..=262_144))]
    pub cpu_shares: Option<u64>,

    /// Limit on the number of processes in the container (-1 or 0: unlimited)
    #[arg(long, value_name = "LIMIT", allow_hyphen_values = true)]
    pub pids_limit: Option<i64>,

    /// Restart policy while the container lives: no, on-failure[:MAX], always, unless-stopped
    #[arg(long, value_name = "POLICY", value_parser = RestartPolicy::parse)]
    pub restart: Option<RestartPolicy>,

    /// Logging driver: k8s-file (default) or none
    #[arg(long, value_name = "DRIVER", value_parser = LogDriver::parse)]
    pub log_driver: Option<LogDriver>,

    /// Logging option: max-size=SIZE (the log is truncated when it would grow past SIZE)
    #[arg(long, value_name = "OPT")]
    pub log_opt: Vec<String>,

    /// Set a label on the container: KEY[=VALUE]
    #[arg(short = 'l', long, value_name = "LABEL")]
    pub label: Vec<String>,

    /// Signal to stop the container with (default: the image's, else SIGTERM)
    #[arg(long, value_name = "SIGNAL", value_parser = crate::sys::proc::parse_signal)]
    pub stop_signal: Option<i32>,

    /// Seconds to wait for the stop signal before SIGKILL
    #[arg(long, value_name = "SECONDS")]
    pub stop_timeout: Option<u32>,

    /// With --rootfs: the command and its arguments. Otherwise: IMAGE [COMMAND [ARG...]]
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub positional: Vec<String>,
}

impl RunArgs {
    /// Splits the positionals: with `--rootfs` they are all the command; otherwise the
    /// first is the image.
    pub fn image_and_command(&self) -> (Option<&str>, &[String]) {
        if self.rootfs.is_some() {
            (None, &self.positional)
        } else {
            match self.positional.split_first() {
                Some((image, rest)) => (Some(image.as_str()), rest),
                None => (None, &[]),
            }
        }
    }

    /// `--security-opt no-new-privileges` in effect.
    pub fn no_new_privileges(&self) -> bool {
        self.security_opt
            .iter()
            .rev()
            .find_map(|o| match o {
                SecurityOpt::NoNewPrivileges(b) => Some(*b),
                SecurityOpt::Accepted => None,
            })
            .unwrap_or(false)
    }

    /// Binds from `-v` and `--mount type=bind`, and tmpfs from `--tmpfs` and `--mount
    /// type=tmpfs`, in command-line group order.
    pub fn mounts(&self) -> (Vec<BindMount>, Vec<TmpfsMount>) {
        let mut binds: Vec<BindMount> = self
            .volume
            .iter()
            .filter_map(|v| match v {
                VolumeArg::Bind(b) => Some(b.clone()),
                VolumeArg::Volume(_) => None,
            })
            .collect();
        let mut tmpfs = self.tmpfs.clone();
        for m in &self.mount {
            match m {
                MountArg::Bind(b) => binds.push(b.clone()),
                MountArg::Tmpfs(t) => tmpfs.push(t.clone()),
                MountArg::Volume(_) => {}
            }
        }
        (binds, tmpfs)
    }

    /// Volumes from `-v` and `--mount type=volume`, in command-line group order.
    pub fn volume_mounts(&self) -> Vec<VolumeMount> {
        let from_v = self.volume.iter().filter_map(|v| match v {
            VolumeArg::Volume(m) => Some(m.clone()),
            VolumeArg::Bind(_) => None,
        });
        let from_mount = self.mount.iter().filter_map(|m| match m {
            MountArg::Volume(v) => Some(v.clone()),
            _ => None,
        });
        from_v.chain(from_mount).collect()
    }

    /// `--log-driver` with every `--log-opt` applied.
    pub fn log_config(&self) -> Result<LogConfig> {
        let mut config = LogConfig {
            driver: self.log_driver.unwrap_or_default(),
            max_size: None,
        };
        for opt in &self.log_opt {
            config.apply_opt(opt).map_err(anyhow::Error::msg)?;
        }
        Ok(config)
    }

    /// `--label KEY[=VALUE]` as a map (a bare key gets an empty value).
    pub fn labels(&self) -> Result<std::collections::BTreeMap<String, String>> {
        let mut out = std::collections::BTreeMap::new();
        for l in &self.label {
            let (k, v) = l.split_once('=').unwrap_or((l, ""));
            if k.is_empty() {
                anyhow::bail!("invalid label {l:?}: the key is empty");
            }
            out.insert(k.to_string(), v.to_string());
        }
        Ok(out)
    }

    /// `--env-file` contents then `-e`, as `NAME=VALUE`; a bare `NAME` takes the value
    /// from `lookup` (the host environment) and is skipped when unset there.
    pub fn environment(&self, lookup: impl Fn(&str) -> Option<String>) -> Result<Vec<String>> {
        env_entries(&self.env, &self.env_file, lookup)
    }
}

/// `--env-file` contents then `-e` (for `run` and `exec`), as `NAME=VALUE`; a bare
/// `NAME` takes the value from `lookup` (the host environment) and is skipped when
/// unset there.
pub fn env_entries(
    env: &[String],
    env_files: &[PathBuf],
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for file in env_files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading env file {}", file.display()))?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let entry = env_entry(line, &lookup)
                .with_context(|| format!("{} line {}", file.display(), n + 1))?;
            out.extend(entry);
        }
    }
    for e in env {
        out.extend(env_entry(e, &lookup)?);
    }
    Ok(out)
}

fn env_entry(text: &str, lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<String>> {
    match text.split_once('=') {
        Some(("", _)) => anyhow::bail!("invalid environment variable {text:?}: the name is empty"),
        Some(_) => Ok(Some(text.to_string())),
        None => {
            let name = text.trim_end();
            Ok(lookup(name).map(|v| format!("{name}={v}")))
        }
    }
}

pub fn parse_workdir(s: &str) -> Result<String, String> {
    if s.starts_with('/') {
        Ok(s.to_string())
    } else {
        Err("the working directory must be an absolute path".into())
    }
}

pub fn parse_user(s: &str) -> Result<String, String> {
    let (u, g) = s.split_once(':').unwrap_or((s, "x"));
    if u.is_empty() || g.is_empty() || g.contains(':') {
        return Err("expected USER, UID, USER:GROUP or UID:GID".into());
    }
    Ok(s.to_string())
}

pub fn parse_hostname(s: &str) -> Result<String, String> {
    if s.is_empty() || s.len() > 64 || s.chars().any(|c| c.is_whitespace() || c == '/') {
        return Err("a hostname has 1 to 64 characters, without spaces or '/'".into());
    }
    Ok(s.to_string())
}

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

/// podman's rule: a source starting with `/` or `.` is a host path, anything else
/// names a volume.
fn is_host_path(s: &str) -> bool {
    s.starts_with('/') || s.starts_with('.')
}

fn host_path(s: &str) -> Result<PathBuf, String> {
    if is_host_path(s) {
        Ok(PathBuf::from(s))
    } else {
        Err(format!(
            "{s:?} is not a host path: use an absolute path or one starting with ./"
        ))
    }
}

fn volume_name(s: &str) -> Result<String, String> {
    crate::volume::validate_name(s)
        .map(|()| s.to_string())
        .map_err(|e| e.to_string())
}

fn container_path(s: &str) -> Result<PathBuf, String> {
    if s.starts_with('/') {
        Ok(PathBuf::from(s))
    } else {
        Err(format!("container path {s:?} must be absolute"))
    }
}

/// `HOST:CONTAINER[:OPTIONS]` with options ro, rw, z, Z (SELinux relabels are no-ops
/// here); `NAME:CONTAINER[:OPTIONS]`, a named volume, which also takes U, copy and
/// nocopy; `CONTAINER`, an anonymous volume.
pub fn parse_volume(s: &str) -> Result<VolumeArg, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let (src, dst, opts) = match parts.as_slice() {
        [dst] => (None, *dst, ""),
        [src, dst] => (Some(*src), *dst, ""),
        [src, dst, opts] => (Some(*src), *dst, *opts),
        _ => return Err("expected [SOURCE:]CONTAINER-PATH[:OPTIONS]".into()),
    };
    let destination = container_path(dst)?;
    let mut readonly = false;
    let mut chown = false;
    let mut copy = None;
    for o in opts.split(',').filter(|o| !o.is_empty()) {
        match o {
            "ro" => readonly = true,
            "rw" => readonly = false,
            "z" | "Z" => {}
            "U" => chown = true,
            "copy" => copy = Some(true),
            "nocopy" => copy = Some(false),
            other => {
                return Err(format!(
                    "unsupported volume option {other:?} (use ro, rw, U, copy, nocopy, z or Z)"
                ))
            }
        }
    }
    match src {
        Some(src) if is_host_path(src) => {
            if chown || copy.is_some() {
                return Err(format!(
                    "the U, copy and nocopy options apply to volumes, not to the host path {src}"
                ));
            }
            Ok(VolumeArg::Bind(BindMount {
                source: host_path(src)?,
                destination,
                readonly,
                recursive: true,
            }))
        }
        src => Ok(VolumeArg::Volume(VolumeMount {
            name: src.map(volume_name).transpose()?,
            destination,
            readonly,
            chown,
            copy,
        })),
    }
}

fn bool_value(key: &str, v: Option<&str>) -> Result<bool, String> {
    match v {
        None | Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(other) => Err(format!("{key}={other}: expected true or false")),
    }
}

/// `type=bind,source=…,destination=…[,ro]` or `type=tmpfs,destination=…[,tmpfs-size=…][,tmpfs-mode=…]`.
pub fn parse_mount(s: &str) -> Result<MountArg, String> {
    let mut typ = None;
    let mut source = None;
    let mut dest = None;
    let mut readonly = false;
    let mut recursive = true;
    let mut chown = false;
    let mut copy = None;
    let mut tmpfs_opts = Vec::new();
    for field in s.split(',').filter(|f| !f.is_empty()) {
        let (k, v) = match field.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (field, None),
        };
        match (k, v) {
            ("type", Some(t)) => typ = Some(t),
            ("source" | "src", Some(p)) => source = Some(p),
            ("destination" | "dst" | "target", Some(p)) => dest = Some(container_path(p)?),
            ("ro" | "readonly", v) => readonly = bool_value(k, v)?,
            ("rw", v) => readonly = !bool_value(k, v)?,
            ("bind-nonrecursive", v) => recursive = !bool_value(k, v)?,
            ("bind-propagation", Some("private" | "rprivate")) => {}
            ("z" | "Z" | "relabel", _) => {}
            ("U" | "chown", v) => chown = bool_value(k, v)?,
            ("volume-nocopy" | "nocopy", v) => copy = Some(!bool_value(k, v)?),
            ("tmpfs-size", Some(size)) => tmpfs_opts.push(format!("size={size}")),
            ("tmpfs-mode", Some(mode)) => {
                u32::from_str_radix(mode, 8)
                    .map_err(|_| format!("tmpfs-mode={mode}: expected an octal mode"))?;
                tmpfs_opts.push(format!("mode={mode}"));
            }
            _ => return Err(format!("unsupported mount option {field:?}")),
        }
    }
    let dest = dest.ok_or("the mount needs destination=PATH")?;
    if typ != Some("volume") && (chown || copy.is_some()) {
        return Err("the U and volume-nocopy options apply to volume mounts only".into());
    }
    match typ {
        Some("bind") => Ok(MountArg::Bind(BindMount {
            source: host_path(source.ok_or("a bind mount needs source=PATH")?)?,
            destination: dest,
            readonly,
            recursive,
        })),
        Some("volume") => Ok(MountArg::Volume(VolumeMount {
            name: source.map(volume_name).transpose()?,
            destination: dest,
            readonly,
            chown,
            copy,
        })),
        Some("tmpfs") if source.is_some() => Err("a tmpfs mount takes no source".into()),
        Some("tmpfs") => {
            let mut options = vec!["rw".to_string(), "noexec".to_string()];
            if readonly {
                options.push("ro".into());
            }
            options.extend(tmpfs_opts);
            Ok(MountArg::Tmpfs(TmpfsMount {
                destination: dest,
                options,
            }))
        }
        Some(other) => Err(format!(
            "mount type {other:?} is not supported (use bind, volume or tmpfs)"
        )),
        None => Err("the mount needs type=bind, type=volume or type=tmpfs".into()),
    }
}

const TMPFS_FLAGS: [&str; 12] = [
    "ro", "rw", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "sync", "async", "noatime",
    "relatime",
];
const TMPFS_KEYS: [&str; 5] = ["size", "mode", "uid", "gid", "nr_inodes"];

/// `PATH[:OPTIONS]`; options are tmpfs mount options.
pub fn parse_tmpfs(s: &str) -> Result<TmpfsMount, String> {
    let (path, opts) = s.split_once(':').unwrap_or((s, ""));
    let mut options = vec!["rw".to_string(), "noexec".to_string()];
    for o in opts.split(',').filter(|o| !o.is_empty()) {
        let key = o.split_once('=').map(|(k, _)| k);
        let known = match key {
            Some(k) => TMPFS_KEYS.contains(&k),
            None => TMPFS_FLAGS.contains(&o),
        };
        if !known {
            return Err(format!("unsupported tmpfs option {o:?}"));
        }
        options.push(o.to_string());
    }
    Ok(TmpfsMount {
        destination: container_path(path)?,
        options,
    })
}

pub fn parse_network(s: &str) -> Result<crate::network::NetworkMode, String> {
    crate::network::NetworkMode::parse(s).map_err(|e| e.to_string())
}

pub fn parse_add_host(s: &str) -> Result<crate::network::HostEntry, String> {
    crate::network::HostEntry::parse(s).map_err(|e| e.to_string())
}

pub fn parse_security_opt(s: &str) -> Result<SecurityOpt, String> {
    let (k, v) = match s.split_once(['=', ':']) {
        Some((k, v)) => (k, Some(v)),
        None => (s, None),
    };
    match (k, v) {
        ("no-new-privileges", v) => Ok(SecurityOpt::NoNewPrivileges(bool_value(k, v)?)),
        ("seccomp", Some("unconfined")) | ("label", Some("disable")) => Ok(SecurityOpt::Accepted),
        _ => Err(format!(
            "unsupported security option {s:?} (supported: no-new-privileges, seccomp=unconfined, label=disable)"
        )),
    }
}

fn rlimit_kind(name: &str) -> Option<PosixRlimitType> {
    use PosixRlimitType as T;
    Some(match name {
        "core" => T::RlimitCore,
        "cpu" => T::RlimitCpu,
        "data" => T::RlimitData,
        "fsize" => T::RlimitFsize,
        "locks" => T::RlimitLocks,
        "memlock" => T::RlimitMemlock,
        "msgqueue" => T::RlimitMsgqueue,
        "nice" => T::RlimitNice,
        "nofile" => T::RlimitNofile,
        "nproc" => T::RlimitNproc,
        "rss" => T::RlimitRss,
        "rtprio" => T::RlimitRtprio,
        "rttime" => T::RlimitRttime,
        "sigpending" => T::RlimitSigpending,
        "stack" => T::RlimitStack,
        "as" => T::RlimitAs,
        _ => return None,
    })
}

fn limit_value(s: &str) -> Result<u64, String> {
    match s {
        "-1" | "unlimited" => Ok(u64::MAX),
        _ => s
            .parse::<u64>()
            .map_err(|_| format!("{s:?} is not a number, -1 or unlimited")),
    }
}

/// `NAME=SOFT[:HARD]`; HARD defaults to SOFT.
pub fn parse_ulimit(s: &str) -> Result<Ulimit, String> {
    let (name, values) = s.split_once('=').ok_or("expected NAME=SOFT[:HARD]")?;
    let kind = rlimit_kind(name).ok_or_else(|| format!("unknown ulimit {name:?}"))?;
    let (soft, hard) = match values.split_once(':') {
        Some((s, h)) => (limit_value(s)?, limit_value(h)?),
        None => {
            let v = limit_value(values)?;
            (v, v)
        }
    };
    if soft > hard {
        return Err(format!(
            "ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
        ));
    }
    Ok(Ulimit { kind, soft, hard })
}

/// Makes a bind source absolute and checks that it exists (podman's 125 before start).
pub fn resolve_bind_source(source: &Path) -> Result<PathBuf> {
    let abs = if source.is_absolute() {
        source.to_path_buf()
    } else {
        std::env::current_dir()
            .context("reading the current directory")?
            .join(source)
    };
    std::fs::metadata(&abs).map_err(|e| {
        anyhow::anyhow!(
            "bind mount source {}: {}",
            abs.display(),
            match e.kind() {
                std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
                _ => e.to_string(),
            }
        )
    })?;
    Ok(abs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    #[command(disable_help_flag = true)]
    struct T {
        #[command(flatten)]
        run: RunArgs,
    }

    fn parse(args: &[&str]) -> Result<RunArgs, clap::Error> {
        let mut v = vec!["run"];
        v.extend(args);
        T::try_parse_from(v).map(|t| t.run)
    }

    #[test]
    fn positionals_and_short_flags() {
        let a = parse(&[
            "--rootfs", "/r", "-it", "-h", "box", "-e", "A=1", "sh", "-c", "echo -e",
        ])
        .unwrap();
        assert!(a.interactive && a.tty);
        assert_eq!(a.hostname.as_deref(), Some("box"));
        assert_eq!(a.image_and_command(), (None, &a.positional[..]));
        assert_eq!(a.positional, ["sh", "-c", "echo -e"]);
        let mut b = a.clone();
        b.rootfs = None;
        assert_eq!(b.image_and_command().0, Some("sh"));
        let c = parse(&["busybox", "true"]).unwrap();
        assert_eq!(c.image_and_command().0, Some("busybox"));
        assert_eq!(c.image_and_command().1, ["true"]);
    }

    #[test]
    fn volumes() {
        let v = parse_volume("/a:/b:ro,z").unwrap();
        assert_eq!(
            v,
            VolumeArg::Bind(BindMount {
                source: "/a".into(),
                destination: "/b".into(),
                readonly: true,
                recursive: true
            })
        );
        assert!(matches!(parse_volume("./x:/y").unwrap(), VolumeArg::Bind(b) if !b.readonly));
        assert!(matches!(parse_volume(".:/y").unwrap(), VolumeArg::Bind(_)));
        assert_eq!(
            parse_volume("data:/y:ro,U,nocopy").unwrap(),
            VolumeArg::Volume(VolumeMount {
                name: Some("data".into()),
                destination: "/y".into(),
                readonly: true,
                chown: true,
                copy: Some(false),
            })
        );
        assert_eq!(
            parse_volume("/anon").unwrap(),
            VolumeArg::Volume(VolumeMount {
                name: None,
                destination: "/anon".into(),
                ..Default::default()
            })
        );
        let bad_name = parse_volume("-bad:/y").unwrap_err();
        assert!(
            bad_name.contains("[a-zA-Z0-9][a-zA-Z0-9_.-]*"),
            "{bad_name}"
        );
        assert!(parse_volume("/a:/b:U").is_err(), "U is for volumes");
        assert!(parse_volume("/a:b").is_err());
        assert!(parse_volume("v:b").is_err());
        assert!(parse_volume("/a:/b:bogus").is_err());
        assert!(parse_volume("anon").is_err());
        assert!(parse_volume("a:/b:ro:x").is_err());
        let a = parse(&[
            "-v",
            "/h:/a",
            "-v",
            "v:/b",
            "--mount",
            "type=volume,dst=/c",
            "x",
        ])
        .unwrap();
        assert_eq!(a.mounts().0.len(), 1);
        let vols = a.volume_mounts();
        assert_eq!(vols.len(), 2);
        assert_eq!(vols[0].name.as_deref(), Some("v"));
        assert_eq!(vols[1].name, None);
    }

    #[test]
    fn mounts() {
        assert_eq!(
            parse_mount("type=bind,src=/a,target=/b,readonly").unwrap(),
            MountArg::Bind(BindMount {
                source: "/a".into(),
                destination: "/b".into(),
                readonly: true,
                recursive: true
            })
        );
        match parse_mount("type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=700").unwrap() {
            MountArg::Tmpfs(t) => {
                assert_eq!(t.destination, PathBuf::from("/t"));
                assert!(t.options.contains(&"size=1m".to_string()));
                assert!(t.options.contains(&"mode=700".to_string()));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse_mount("type=volume,src=x,dst=/y,readonly,U,volume-nocopy").unwrap(),
            MountArg::Volume(VolumeMount {
                name: Some("x".into()),
                destination: "/y".into(),
                readonly: true,
                chown: true,
                copy: Some(false),
            })
        );
        assert!(parse_mount("type=volume,src=/x,dst=/y").is_err());
        assert!(parse_mount("type=bind,src=x,dst=/y").is_err());
        assert!(parse_mount("type=bind,src=/x,dst=/y,U").is_err());
        assert!(parse_mount("type=tmpfs,src=/x,dst=/y").is_err());
        assert!(parse_mount("type=image,src=x,dst=/y").is_err());
        assert!(parse_mount("type=bind,dst=/y").is_err());
        assert!(parse_mount("type=tmpfs,tmpfs-mode=9z,dst=/y").is_err());
        assert!(parse_mount("src=/x,dst=/y").is_err());
        assert!(parse_mount("type=bind,src=/x,dst=/y,bogus=1").is_err());
    }

    #[test]
    fn tmpfs() {
        let t = parse_tmpfs("/run:size=64m,mode=1777,exec").unwrap();
        assert_eq!(t.destination, PathBuf::from("/run"));
        assert_eq!(t.options, ["rw", "noexec", "size=64m", "mode=1777", "exec"]);
        assert!(parse_tmpfs("run").is_err());
        assert!(parse_tmpfs("/run:bogus").is_err());
    }

    #[test]
    fn ulimits() {
        let u = parse_ulimit("nofile=1024:2048").unwrap();
        assert_eq!(
            (u.kind, u.soft, u.hard),
            (PosixRlimitType::RlimitNofile, 1024, 2048)
        );
        let u = parse_ulimit("core=-1").unwrap();
        assert_eq!((u.soft, u.hard), (u64::MAX, u64::MAX));
        assert!(parse_ulimit("nofile=10:5").is_err());
        assert!(parse_ulimit("bogus=1").is_err());
        assert!(parse_ulimit("nofile").is_err());
        assert!(parse_ulimit("nofile=x").is_err());
    }

    #[test]
    fn network_and_security() {
        use crate::network::NetworkMode as Mode;
        assert_eq!(parse_network("none"), Ok(Mode::None));
        assert_eq!(parse_network("host"), Ok(Mode::Host));
        assert!(matches!(parse_network("private"), Ok(Mode::Private(_))));
        assert!(matches!(
            parse_network("slirp4netns:allow_host_loopback=true"),
            Ok(Mode::Private(o)) if o.allow_host_loopback
        ));
        assert_eq!(
            parse_network("container:web"),
            Ok(Mode::Container("web".into()))
        );
        assert!(parse_network("container:").is_err());
        assert!(parse_network("bogus").is_err());
        assert_eq!(
            parse_security_opt("no-new-privileges"),
            Ok(SecurityOpt::NoNewPrivileges(true))
        );
        assert_eq!(
            parse_security_opt("no-new-privileges:false"),
            Ok(SecurityOpt::NoNewPrivileges(false))
        );
        assert!(parse_security_opt("apparmor=x").is_err());
        let a = parse(&["--rootfs", "/r", "--security-opt", "no-new-privileges", "x"]).unwrap();
        assert!(a.no_new_privileges());
    }

    #[test]
    fn small_values() {
        let ep = |v: &[&str]| Ok(Entrypoint(v.iter().map(|s| s.to_string()).collect()));
        assert_eq!(parse_entrypoint("sh"), ep(&["sh"]));
        assert_eq!(parse_entrypoint(r#"["sh","-c"]"#), ep(&["sh", "-c"]));
        assert_eq!(parse_entrypoint(""), ep(&[]));
        let a = parse(&["--rootfs", "/r", "--entrypoint", r#"["/bin/echo","x"]"#]).unwrap();
        assert_eq!(
            a.entrypoint,
            Some(Entrypoint(vec!["/bin/echo".into(), "x".into()]))
        );
        assert!(parse_entrypoint("[1]").is_err());
        assert!(parse_workdir("rel").is_err());
        assert!(parse_user("a:").is_err());
        assert!(parse_user(":g").is_err());
        assert!(parse_user("1000:1000").is_ok());
        assert!(parse_name("-x").is_err());
        assert!(parse_name("web_1.a-b").is_ok());
        assert!(parse_hostname(&"x".repeat(65)).is_err());
        assert!(parse(&["--rootfs", "/r", "--pull", "sometimes"]).is_err());
        assert_eq!(
            parse(&["--rootfs", "/r", "--pull", "never"]).unwrap().pull,
            PullPolicy::Never
        );
    }

    #[test]
    fn environment_files_and_host_values() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("env");
        std::fs::write(&f, "# c\n\nA=1\nFROMHOST\nUNSET\nB=x=y\n").unwrap();
        let mut a = parse(&["--rootfs", "/r", "-e", "A=2", "-e", "FROMHOST", "x"]).unwrap();
        a.env_file = vec![f];
        let lookup = |k: &str| (k == "FROMHOST").then(|| "h".to_string());
        assert_eq!(
            a.environment(lookup).unwrap(),
            ["A=1", "FROMHOST=h", "B=x=y", "A=2", "FROMHOST=h"]
        );
        a.env = vec!["=bad".into()];
        assert!(a.environment(lookup).is_err());
        a.env_file = vec![dir.path().join("missing")];
        assert!(a.environment(lookup).is_err());
    }

    #[test]
    fn lifecycle_flags() {
        let a = parse(&[
            "--rootfs",
            "/r",
            "--restart",
            "on-failure:2",
            "--log-opt",
            "max-size=1k",
            "-l",
            "a=b",
            "-l",
            "c",
            "--stop-signal",
            "USR1",
            "--stop-timeout",
            "3",
            "x",
        ])
        .unwrap();
        assert_eq!(a.restart, Some(RestartPolicy::OnFailure { max: 2 }));
        assert_eq!(a.log_config().unwrap().max_size, Some(1000));
        let labels = a.labels().unwrap();
        assert_eq!(labels.get("a").map(String::as_str), Some("b"));
        assert_eq!(labels.get("c").map(String::as_str), Some(""));
        assert_eq!(a.stop_signal, Some(libc::SIGUSR1));
        assert_eq!(a.stop_timeout, Some(3));
        assert!(parse(&["--rootfs", "/r", "--restart", "sometimes", "x"]).is_err());
        assert!(parse(&["--rootfs", "/r", "--log-driver", "journald", "x"]).is_err());
        let mut b = a.clone();
        b.log_opt = vec!["max-file=2".into()];
        assert!(b.log_config().is_err());
        b.label = vec!["=v".into()];
        assert!(b.labels().is_err());
    }

    #[test]
    fn bind_sources_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(resolve_bind_source(dir.path()).unwrap(), dir.path());
        let e = resolve_bind_source(&dir.path().join("nope")).unwrap_err();
        assert!(e.to_string().contains("no such file or directory"));
    }
}
