//! Flag groups shared by commands; each value is checked by the parser of the domain
//! module that owns it. `RunArgs` is flattened into `run` (and later `create`); every
//! invalid value is a one-line error, exit 125.

use std::path::PathBuf;

use crate::cgroup::limits::LimitFlags;
use crate::container::create::{parse_security_opt, CreateOptions, SecurityOpt};
use crate::container::logs::LogDriver;
use crate::container::restart::RestartPolicy;
use crate::image::ensure::{PullFlags, PullPolicy};
use crate::network::{HostEntry, NetworkMode};
use crate::runtime::caps::{self, CapName};
use crate::runtime::spec::{
    parse_entrypoint, parse_hostname, parse_workdir, BindMount, Entrypoint, TmpfsMount, Ulimit,
};
use crate::runtime::user::parse_user;
use crate::volume::parse::{parse_mount, parse_tmpfs, parse_volume, MountArg, VolumeArg};
use crate::volume::VolumeMount;

/// The flags of `run` (and `create`): what the container is and how it is set up.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_display_order = 100)]
pub struct RunArgs {
    /// Remove the container when it exits
    #[arg(long)]
    pub rm: bool,

    /// Name of the container
    #[arg(long, value_name = "NAME", value_parser = crate::container::names::parse_name)]
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
    #[arg(long, visible_alias = "net", value_name = "MODE", value_parser = NetworkMode::parse)]
    pub network: Option<NetworkMode>,

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
    #[arg(long, value_name = "HOST:IP", value_parser = HostEntry::parse)]
    pub add_host: Vec<HostEntry>,

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
    #[arg(long, value_name = "NAME=SOFT[:HARD]", value_parser = crate::runtime::ulimit::parse_ulimit)]
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
        SecurityOpt::no_new_privileges(&self.security_opt)
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

    /// What the library's `create` takes; `pull` says how to pull the image if needed.
    pub fn create_options(&self, pull: PullFlags) -> CreateOptions {
        let (image, command) = self.image_and_command();
        let (binds, tmpfs) = self.mounts();
        CreateOptions {
            name: self.name.clone(),
            cidfile: self.cidfile.clone(),
            replace: self.replace,
            auto_remove: self.rm,
            restart: self.restart,
            sdnotify: self.sdnotify,
            env: self.env.clone(),
            env_files: self.env_file.clone(),
            workdir: self.workdir.clone(),
            user: self.user.clone(),
            entrypoint: self.entrypoint.clone().map(|e| e.0),
            hostname: self.hostname.clone(),
            binds,
            tmpfs,
            volumes: self.volume_mounts(),
            read_only: self.read_only,
            interactive: self.interactive,
            tty: self.tty,
            network: self.network.clone(),
            publish: self.publish.clone(),
            publish_all: self.publish_all,
            dns: self.dns.clone(),
            dns_search: self.dns_search.clone(),
            dns_option: self.dns_option.clone(),
            add_host: self.add_host.clone(),
            pull: self.pull,
            pull_flags: pull,
            rootfs: self.rootfs.clone(),
            image: image.map(str::to_string),
            command: command.to_vec(),
            cap_add: self.cap_add.clone(),
            cap_drop: self.cap_drop.clone(),
            no_new_privileges: self.no_new_privileges(),
            ulimits: self.ulimit.clone(),
            limits: LimitFlags {
                memory: self.memory,
                memory_swap: self.memory_swap,
                cpus: self.cpus,
                cpu_shares: self.cpu_shares,
                pids_limit: self.pids_limit,
            },
            log_driver: self.log_driver,
            log_opts: self.log_opt.clone(),
            labels: self.label.clone(),
            stop_signal: self.stop_signal,
            stop_timeout: self.stop_timeout,
            create_command: std::env::args().collect(),
        }
    }
}

/// The output flags the listing verbs share.
#[derive(Debug, Default, clap::Args)]
pub struct ListOutput {
    /// Change the output format to JSON or a Go template
    #[arg(long)]
    pub format: Option<String>,

    /// Do not print column headings
    #[arg(short = 'n', long)]
    pub noheading: bool,
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
    fn volume_groups() {
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
    fn network_and_security() {
        use crate::network::NetworkMode as Mode;
        let parse_network = |s: &str| NetworkMode::parse(s).map_err(|e| e.to_string());
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
        assert!(parse_hostname(&"x".repeat(65)).is_err());
        assert!(parse(&["--rootfs", "/r", "--pull", "sometimes"]).is_err());
        assert_eq!(
            parse(&["--rootfs", "/r", "--pull", "never"]).unwrap().pull,
            PullPolicy::Never
        );
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
        assert_eq!(a.log_opt, ["max-size=1k"]);
        assert_eq!(a.label, ["a=b", "c"]);
        assert_eq!(a.stop_signal, Some(libc::SIGUSR1));
        assert_eq!(a.stop_timeout, Some(3));
        assert!(parse(&["--rootfs", "/r", "--restart", "sometimes", "x"]).is_err());
        assert!(parse(&["--rootfs", "/r", "--log-driver", "journald", "x"]).is_err());
    }

    #[test]
    fn create_options_carry_the_flags() {
        let a = parse(&[
            "--rm", "-m", "64m", "-v", "/h:/a", "-v", "v:/b", "-l", "k=v", "img", "echo", "hi",
        ])
        .unwrap();
        let o = a.create_options(PullFlags::default());
        assert!(o.auto_remove);
        assert_eq!(o.image.as_deref(), Some("img"));
        assert_eq!(o.command, ["echo", "hi"]);
        assert_eq!(o.limits.memory, Some(64 << 20));
        assert_eq!((o.binds.len(), o.volumes.len()), (1, 1));
        assert_eq!(o.labels, ["k=v"]);
        assert_eq!(o.pull, PullPolicy::Missing);
    }
}
