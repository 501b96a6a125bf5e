//! `--network` values: `private` (aliases `slirp4netns`, `pasta`, with their
//! common options), `none`, `host`, `container:NAME`.

use std::fmt;

use thiserror::Error;

use super::DEFAULT_MTU;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ModeError {
    #[error("unknown network mode {0:?}: use private, slirp4netns[:OPTIONS], pasta[:OPTIONS], none, host or container:NAME")]
    Unknown(String),
    #[error("network mode {mode}: unsupported option {option:?} (supported: {supported})")]
    Option {
        mode: &'static str,
        option: String,
        supported: &'static str,
    },
    #[error("network mode {mode}: invalid value {value:?} for {option}")]
    Value {
        mode: &'static str,
        option: &'static str,
        value: String,
    },
    #[error("--network container: needs a container name or ID")]
    MissingContainer,
}

/// Options of the private network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateOptions {
    /// `10.0.2.2` reaches the host's loopback (podman's default: no).
    pub allow_host_loopback: bool,
    pub mtu: u32,
    pub enable_ipv6: bool,
}

impl Default for PrivateOptions {
    fn default() -> Self {
        PrivateOptions {
            allow_host_loopback: false,
            mtu: DEFAULT_MTU,
            enable_ipv6: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkMode {
    Private(PrivateOptions),
    /// A new namespace with only `lo`.
    None,
    /// The host's namespace.
    Host,
    /// The namespace of another container, by name or ID.
    Container(String),
}

const SLIRP_OPTIONS: &str = "allow_host_loopback, enable_ipv6, mtu, port_handler";
const PASTA_OPTIONS: &str = "--map-gw, --no-map-gw, -m/--mtu, -4/--ipv4-only";

impl NetworkMode {
    pub fn parse(value: &str) -> Result<NetworkMode, ModeError> {
        let (name, opts) = match value.split_once(':') {
            Some((n, o)) => (n, Some(o)),
            None => (value, None),
        };
        match (name, opts) {
            ("private" | "slirp4netns" | "bridge", None) | ("pasta", None) => {
                Ok(NetworkMode::Private(PrivateOptions::default()))
            }
            ("slirp4netns", Some(o)) => parse_slirp(o).map(NetworkMode::Private),
            ("pasta", Some(o)) => parse_pasta(o).map(NetworkMode::Private),
            ("none", None) => Ok(NetworkMode::None),
            ("host", None) => Ok(NetworkMode::Host),
            ("container", Some("")) | ("container", None) => Err(ModeError::MissingContainer),
            ("container", Some(c)) => Ok(NetworkMode::Container(c.to_string())),
            _ => Err(ModeError::Unknown(value.to_string())),
        }
    }

    /// Whether the container gets a network namespace of its own.
    pub fn new_namespace(&self) -> bool {
        matches!(self, NetworkMode::Private(_) | NetworkMode::None)
    }
}

impl fmt::Display for NetworkMode {
    /// The name `inspect` shows (`HostConfig.NetworkMode`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetworkMode::Private(_) => f.write_str("slirp4netns"),
            NetworkMode::None => f.write_str("none"),
            NetworkMode::Host => f.write_str("host"),
            NetworkMode::Container(c) => write!(f, "container:{c}"),
        }
    }
}

fn parse_bool(mode: &'static str, option: &'static str, v: &str) -> Result<bool, ModeError> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ModeError::Value {
            mode,
            option,
            value: v.to_string(),
        }),
    }
}

fn parse_mtu(mode: &'static str, v: &str) -> Result<u32, ModeError> {
    match v.parse::<u32>() {
        Ok(m) if (1280..=65520).contains(&m) => Ok(m),
        _ => Err(ModeError::Value {
            mode,
            option: "mtu",
            value: v.to_string(),
        }),
    }
}

fn parse_slirp(opts: &str) -> Result<PrivateOptions, ModeError> {
    let mut o = PrivateOptions::default();
    for opt in opts.split(',').filter(|s| !s.is_empty()) {
        let (k, v) = opt.split_once('=').unwrap_or((opt, ""));
        match k {
            "allow_host_loopback" => {
                o.allow_host_loopback = parse_bool("slirp4netns", "allow_host_loopback", v)?
            }
            "enable_ipv6" => o.enable_ipv6 = parse_bool("slirp4netns", "enable_ipv6", v)?,
            "mtu" => o.mtu = parse_mtu("slirp4netns", v)?,
            // Published ports always use rpod's own forwarder.
            "port_handler" if matches!(v, "rootlesskit" | "slirp4netns") => {}
            "port_handler" => {
                return Err(ModeError::Value {
                    mode: "slirp4netns",
                    option: "port_handler",
                    value: v.to_string(),
                })
            }
            _ => {
                return Err(ModeError::Option {
                    mode: "slirp4netns",
                    option: opt.to_string(),
                    supported: SLIRP_OPTIONS,
                })
            }
        }
    }
    Ok(o)
}

fn parse_pasta(opts: &str) -> Result<PrivateOptions, ModeError> {
    let mut o = PrivateOptions::default();
    let mut it = opts.split(',').filter(|s| !s.is_empty());
    while let Some(opt) = it.next() {
        match opt {
            "--map-gw" => o.allow_host_loopback = true,
            "--no-map-gw" => o.allow_host_loopback = false,
            "-4" | "--ipv4-only" => o.enable_ipv6 = false,
            "-m" | "--mtu" => o.mtu = parse_mtu("pasta", it.next().unwrap_or(""))?,
            _ if opt.starts_with("--mtu=") => o.mtu = parse_mtu("pasta", &opt[6..])?,
            _ => {
                return Err(ModeError::Option {
                    mode: "pasta",
                    option: opt.to_string(),
                    supported: PASTA_OPTIONS,
                })
            }
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private(s: &str) -> PrivateOptions {
        match NetworkMode::parse(s).unwrap() {
            NetworkMode::Private(o) => o,
            m => panic!("{s} gave {m:?}"),
        }
    }

    #[test]
    fn modes_and_aliases() {
        assert_eq!(private("private"), PrivateOptions::default());
        assert_eq!(private("slirp4netns"), PrivateOptions::default());
        assert_eq!(private("pasta"), PrivateOptions::default());
        assert_eq!(NetworkMode::parse("none").unwrap(), NetworkMode::None);
        assert_eq!(NetworkMode::parse("host").unwrap(), NetworkMode::Host);
        assert_eq!(
            NetworkMode::parse("container:web").unwrap(),
            NetworkMode::Container("web".into())
        );
        assert!(NetworkMode::parse("none").unwrap().new_namespace());
        assert!(!NetworkMode::parse("host").unwrap().new_namespace());
    }

    #[test]
    fn slirp_and_pasta_options() {
        let o = private("slirp4netns:allow_host_loopback=true,mtu=1500,enable_ipv6=false");
        assert!(o.allow_host_loopback && !o.enable_ipv6);
        assert_eq!(o.mtu, 1500);
        assert!(private("slirp4netns:port_handler=slirp4netns").mtu == DEFAULT_MTU);
        let p = private("pasta:--map-gw,-m,9000,-4");
        assert!(p.allow_host_loopback && !p.enable_ipv6);
        assert_eq!(p.mtu, 9000);
        assert_eq!(private("pasta:--mtu=2000").mtu, 2000);
    }

    #[test]
    fn bad_values_say_what_is_wrong() {
        let e = NetworkMode::parse("slirp4netns:cidr=10.1.0.0/24").unwrap_err();
        assert!(
            e.to_string()
                .contains("unsupported option \"cidr=10.1.0.0/24\""),
            "{e}"
        );
        let e = NetworkMode::parse("slirp4netns:mtu=70000").unwrap_err();
        assert!(
            e.to_string().contains("invalid value \"70000\" for mtu"),
            "{e}"
        );
        let e = NetworkMode::parse("slirp4netns:allow_host_loopback=yes").unwrap_err();
        assert!(e.to_string().contains("allow_host_loopback"), "{e}");
        assert_eq!(
            NetworkMode::parse("container:"),
            Err(ModeError::MissingContainer)
        );
        assert!(matches!(
            NetworkMode::parse("macvlan"),
            Err(ModeError::Unknown(_))
        ));
    }
}
