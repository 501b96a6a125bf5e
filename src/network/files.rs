//! The container's `/etc/resolv.conf` and `/etc/hosts`, and the host's resolvers.

use std::net::{IpAddr, SocketAddr};

use thiserror::Error;

use super::{GATEWAY_V4, GUEST_V4};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum HostEntryError {
    #[error("invalid add-host {0:?}: use HOST:IP")]
    Format(String),
    #[error("invalid IP address in add-host: {0:?}")]
    Ip(String),
}

/// An `--add-host NAME[;NAME…]:IP` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEntry {
    pub names: Vec<String>,
    pub ip: IpAddr,
}

impl HostEntry {
    /// `host-gateway` stands for the host as the container sees it.
    pub fn parse(s: &str) -> Result<HostEntry, HostEntryError> {
        let (names, ip) = s
            .split_once(':')
            .filter(|(n, ip)| !n.is_empty() && !ip.is_empty())
            .ok_or_else(|| HostEntryError::Format(s.to_string()))?;
        let ip = if ip == "host-gateway" {
            IpAddr::V4(GATEWAY_V4)
        } else {
            let bare = ip.trim_start_matches('[').trim_end_matches(']');
            bare.parse()
                .map_err(|_| HostEntryError::Ip(ip.to_string()))?
        };
        Ok(HostEntry {
            names: names.split(';').map(str::to_string).collect(),
            ip,
        })
    }
}

/// What the container's `/etc/hosts` names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostsInput<'a> {
    pub hostname: &'a str,
    pub name: &'a str,
    pub add_hosts: &'a [HostEntry],
    /// Whether the container has the private network (10.0.2.100, gateway 10.0.2.2).
    pub private: bool,
    /// The host's `/etc/hosts`, used as the base for `--network host`.
    pub host_file: Option<&'a str>,
}

/// The container's `/etc/hosts`, as podman writes it.
pub fn hosts(input: &HostsInput<'_>) -> String {
    let mut out = String::new();
    match input.host_file {
        Some(base) => {
            out.push_str(base);
            if !out.ends_with('\n') && !out.is_empty() {
                out.push('\n');
            }
        }
        None => {
            out.push_str(
                "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n",
            );
            out.push_str(
                "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n",
            );
        }
    }
    for e in input.add_hosts {
        out.push_str(&format!("{}\t{}\n", e.ip, e.names.join(" ")));
    }
    if input.private {
        let mut names = vec![input.hostname];
        if !input.name.is_empty() && input.name != input.hostname {
            names.push(input.name);
        }
        out.push_str(&format!("{GUEST_V4}\t{}\n", names.join(" ")));
        out.push_str(&format!("{GATEWAY_V4}\thost.containers.internal\n"));
    } else if input.host_file.is_none() {
        out.push_str(&format!("127.0.1.1\t{}\n", input.hostname));
    }
    out
}

/// The container's `/etc/resolv.conf`: `--dns` servers when given, else the
/// stack's forwarder (private network) or the host's servers; search
/// domains and options come from `--dns-search`/`--dns-option` or the host.
pub fn resolv_conf(
    dns: &[IpAddr],
    search: &[String],
    options: &[String],
    private: bool,
    host_resolv: &str,
) -> String {
    let mut out = String::new();
    let host_search: Vec<&str> = directive(host_resolv, "search");
    let host_options: Vec<&str> = directive(host_resolv, "options");
    let search: Vec<&str> = if search.is_empty() {
        host_search
    } else {
        search
            .iter()
            .map(String::as_str)
            .filter(|s| *s != ".")
            .collect()
    };
    if !search.is_empty() {
        out.push_str(&format!("search {}\n", search.join(" ")));
    }
    if !dns.is_empty() {
        for d in dns {
            out.push_str(&format!("nameserver {d}\n"));
        }
    } else if private {
        out.push_str(&format!("nameserver {}\n", super::DNS_V4));
    } else {
        for d in nameservers(host_resolv) {
            out.push_str(&format!("nameserver {d}\n"));
        }
    }
    let options: Vec<&str> = if options.is_empty() {
        host_options
    } else {
        options.iter().map(String::as_str).collect()
    };
    if !options.is_empty() {
        out.push_str(&format!("options {}\n", options.join(" ")));
    }
    out
}

fn directive<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some(key)).then(|| w.collect::<Vec<_>>())
        })
        .next_back()
        .unwrap_or_default()
}

/// The `nameserver` addresses of a resolv.conf (zone suffixes such as `%eth0` dropped).
pub fn nameservers(text: &str) -> Vec<IpAddr> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            if w.next() != Some("nameserver") {
                return None;
            }
            let v = w.next()?;
            v.split('%').next()?.parse().ok()
        })
        .collect()
}

/// Where the stack sends DNS queries: `dns_servers` from rpod.toml when set
/// (`IP`, `IP:PORT` or `[IPv6]:PORT`), else the host's resolvers on port 53.
/// Loopback resolvers (systemd-resolved's 127.0.0.53) work as they are: the
/// stack runs on the host.
pub fn upstream_dns(configured: &[String], host_resolv: &str) -> Vec<SocketAddr> {
    if configured.is_empty() {
        return nameservers(host_resolv)
            .into_iter()
            .map(|ip| SocketAddr::new(ip, 53))
            .collect();
    }
    configured
        .iter()
        .filter_map(|s| {
            let parsed = s
                .parse::<SocketAddr>()
                .ok()
                .or_else(|| s.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 53)));
            if parsed.is_none() {
                log::warn!("ignoring dns_servers entry {s:?}: not an IP address or IP:PORT");
            }
            parsed
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "# generated\nsearch example.test corp.test\nnameserver 127.0.0.53\nnameserver fe80::1%eth0\noptions edns0 trust-ad\n";

    #[test]
    fn resolv_conf_points_at_the_forwarder() {
        let r = resolv_conf(&[], &[], &[], true, HOST);
        assert_eq!(
            r,
            "search example.test corp.test\nnameserver 10.0.2.3\noptions edns0 trust-ad\n"
        );
        let dns = ["192.0.2.53".parse().unwrap()];
        let r = resolv_conf(&dns, &["a.test".into()], &["ndots:2".into()], true, HOST);
        assert_eq!(r, "search a.test\nnameserver 192.0.2.53\noptions ndots:2\n");
        let r = resolv_conf(&[], &[".".into()], &[], false, HOST);
        assert_eq!(
            r,
            "nameserver 127.0.0.53\nnameserver fe80::1\noptions edns0 trust-ad\n"
        );
    }

    #[test]
    fn upstream_prefers_the_config() {
        assert_eq!(
            upstream_dns(&[], HOST),
            vec![
                "127.0.0.53:53".parse::<SocketAddr>().unwrap(),
                "[fe80::1]:53".parse().unwrap()
            ]
        );
        assert_eq!(
            upstream_dns(
                &[
                    "127.0.0.1".into(),
                    "127.0.0.1:5353".into(),
                    "[::1]:53".into(),
                    "bad".into()
                ],
                HOST
            ),
            vec![
                "127.0.0.1:53".parse::<SocketAddr>().unwrap(),
                "127.0.0.1:5353".parse().unwrap(),
                "[::1]:53".parse().unwrap()
            ]
        );
    }

    #[test]
    fn hosts_names_the_container_and_the_host() {
        let extra = [HostEntry::parse("db;db.local:192.0.2.7").unwrap()];
        let h = hosts(&HostsInput {
            hostname: "abc123",
            name: "web",
            add_hosts: &extra,
            private: true,
            host_file: None,
        });
        assert!(h.starts_with("127.0.0.1\tlocalhost"), "{h}");
        assert!(h.contains("192.0.2.7\tdb db.local\n"), "{h}");
        assert!(h.contains("10.0.2.100\tabc123 web\n"), "{h}");
        assert!(h.ends_with("10.0.2.2\thost.containers.internal\n"), "{h}");
    }

    #[test]
    fn add_host_forms() {
        assert_eq!(
            HostEntry::parse("gw:host-gateway").unwrap().ip,
            IpAddr::V4(GATEWAY_V4)
        );
        assert_eq!(
            HostEntry::parse("v6:[::1]").unwrap().ip,
            "::1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            HostEntry::parse("v6:::1").unwrap().ip,
            "::1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            HostEntry::parse("x:nope"),
            Err(HostEntryError::Ip("nope".into()))
        );
        assert!(matches!(
            HostEntry::parse("justname"),
            Err(HostEntryError::Format(_))
        ));
    }
}
