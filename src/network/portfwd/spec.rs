//! `-p [ip:][hostPort:]containerPort[/protocol]` as podman reads it, and `-P`.

use std::fmt;
use std::net::IpAddr;

use thiserror::Error;

use crate::network::Proto;

/// A `-p` value that podman would refuse, with podman's words.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{0}")]
pub struct PortSpecError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, PortSpecError> {
    Err(PortSpecError(msg.into()))
}

/// One published range: `range` consecutive ports from `host_port` (0: a
/// random free port for each) to `container_port`, for one protocol.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortMapping {
    /// `None` listens on every address (0.0.0.0).
    pub host_ip: Option<IpAddr>,
    pub host_port: u16,
    pub container_port: u16,
    pub range: u16,
    pub proto: Proto,
}

impl Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PortMapping {
    /// Parses one `-p` value; `80/tcp,udp` gives one mapping per protocol.
    pub fn parse(spec: &str) -> Result<Vec<PortMapping>, PortSpecError> {
        let (rest, protos) = match spec.split('/').collect::<Vec<_>>()[..] {
            [rest] => (rest, vec![Proto::Tcp]),
            [rest, proto] => (rest, parse_protocols(proto)?),
            _ => return err("invalid port format - protocol can only be specified once"),
        };
        let mut host_ip: Option<&str> = None;
        let mut remainder = rest;
        let mut have_v6 = false;
        match rest.split(']').collect::<Vec<_>>()[..] {
            [_] => {}
            [ip, after] => {
                have_v6 = true;
                let Some(ip) = ip.strip_prefix('[') else {
                    return err("invalid port format - IPv6 addresses must be enclosed by []");
                };
                let Some(after) = after.strip_prefix(':') else {
                    return err(
                        "invalid port format - IPv6 address must be followed by a colon (':')",
                    );
                };
                host_ip = Some(ip);
                remainder = after;
            }
            _ => return err(
                "invalid port format - at most one IPv6 address can be specified in a --publish",
            ),
        }
        let (host_port, ctr_port) = match remainder.split(':').collect::<Vec<_>>()[..] {
            [ctr] => {
                if have_v6 {
                    return err("invalid port format - must provide host and destination port if specifying an IP");
                }
                (None, ctr)
            }
            [host, ctr] => (Some(host), ctr),
            [ip, host, ctr] => {
                if have_v6 {
                    return err("invalid port format - when v6 address specified, must be [ipv6]:hostPort:ctrPort");
                }
                host_ip = Some(ip);
                (Some(host), ctr)
            }
            _ => return err("invalid port format - format is [[hostIP:]hostPort:]containerPort"),
        };
        if ctr_port.is_empty() {
            return err("must provide a non-empty container port to publish");
        }
        let (ctr_start, ctr_len) = parse_range(ctr_port)
            .map_err(|e| PortSpecError(format!("parsing container port: {e}")))?;
        let host_ip = match host_ip {
            None => None,
            Some("") => return err("must provide a non-empty container host IP to publish"),
            Some("0.0.0.0") => None,
            Some(ip) => match ip.parse::<IpAddr>() {
                Ok(a) => Some(a),
                Err(_) => return err(format!("cannot parse \"{ip}\" as an IP address")),
            },
        };
        let host_port = match host_port {
            None | Some("") => 0,
            Some(h) => {
                let (start, len) =
                    parse_range(h).map_err(|e| PortSpecError(format!("parsing host port: {e}")))?;
                if len != ctr_len {
                    return err(format!(
                        "host and container port ranges have different lengths: {len} vs {ctr_len}"
                    ));
                }
                start
            }
        };
        if host_port != 0 && u32::from(host_port) + u32::from(ctr_len) - 1 > 65535 {
            return err("port numbers must be between 1 and 65535 (inclusive)");
        }
        Ok(protos
            .into_iter()
            .map(|proto| PortMapping {
                host_ip,
                host_port,
                container_port: ctr_start,
                range: ctr_len,
                proto,
            })
            .collect())
    }

    /// Parses every `-p` value; the same mapping given twice counts once.
    pub fn parse_all<S: AsRef<str>>(specs: &[S]) -> Result<Vec<PortMapping>, PortSpecError> {
        let mut out: Vec<PortMapping> = Vec::new();
        for s in specs {
            for m in PortMapping::parse(s.as_ref())? {
                if !out.contains(&m) {
                    out.push(m);
                }
            }
        }
        Ok(out)
    }

    /// `-P`: every exposed port (`80/tcp`, `53/udp`, `8080`) on a random host port,
    /// unless a `-p` already publishes it.
    pub fn publish_all<S: AsRef<str>>(
        exposed: &[S],
        explicit: &[PortMapping],
    ) -> Result<Vec<PortMapping>, PortSpecError> {
        let mut out = Vec::new();
        for e in exposed {
            let e = e.as_ref();
            let (port, proto) = match e.split_once('/') {
                Some((p, proto)) => (p, parse_protocols(proto)?),
                None => (e, vec![Proto::Tcp]),
            };
            let (start, len) = parse_range(port)
                .map_err(|x| PortSpecError(format!("parsing exposed port {e:?}: {x}")))?;
            for proto in proto {
                let covered = explicit.iter().any(|m| {
                    m.proto == proto
                        && start >= m.container_port
                        && u32::from(start) + u32::from(len)
                            <= u32::from(m.container_port) + u32::from(m.range)
                });
                if !covered {
                    out.push(PortMapping {
                        host_ip: None,
                        host_port: 0,
                        container_port: start,
                        range: len,
                        proto,
                    });
                }
            }
        }
        Ok(out)
    }

    /// The ports one by one: (host port or 0, container port).
    pub fn ports(&self) -> impl Iterator<Item = (u16, u16)> + '_ {
        (0..self.range).map(move |i| {
            let host = if self.host_port == 0 {
                0
            } else {
                self.host_port + i
            };
            (host, self.container_port + i)
        })
    }
}

impl fmt::Display for PortMapping {
    /// As `podman port` prints one port: `80/tcp -> 0.0.0.0:8080`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ip = match self.host_ip {
            Some(IpAddr::V6(a)) => format!("[{a}]"),
            Some(a) => a.to_string(),
            None => "0.0.0.0".into(),
        };
        let mut first = true;
        for (host, ctr) in self.ports() {
            if !first {
                writeln!(f)?;
            }
            first = false;
            write!(f, "{ctr}/{} -> {ip}:{host}", self.proto)?;
        }
        Ok(())
    }
}

fn parse_protocols(s: &str) -> Result<Vec<Proto>, PortSpecError> {
    if s.is_empty() {
        return err("must provide a non-empty protocol to publish");
    }
    let mut out = Vec::new();
    for p in s.split(',') {
        let proto = match p.to_ascii_lowercase().as_str() {
            "tcp" => Proto::Tcp,
            "udp" => Proto::Udp,
            "sctp" => return err("sctp port mappings are not supported by rpod's network"),
            _ => return err(format!("unrecognized protocol \"{p}\" in port mapping")),
        };
        if !out.contains(&proto) {
            out.push(proto);
        }
    }
    Ok(out)
}

/// `80` or `80-81`: the first port and how many.
fn parse_range(s: &str) -> Result<(u16, u16), String> {
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() > 2 {
        return Err("invalid port format - port ranges are formatted as startPort-stopPort".into());
    }
    if parts[0].is_empty() {
        return Err("port numbers cannot be negative".into());
    }
    let start = parse_port(parts[0])?;
    let mut len = 1;
    if let Some(end) = parts.get(1) {
        if end.is_empty() {
            return Err("must provide ending number for port range".into());
        }
        let end = parse_port(end)?;
        if end <= start {
            return Err(format!(
                "the end port of a range must be higher than the start port - {end} is not higher than {start}"
            ));
        }
        len = end - start + 1;
    }
    Ok((start, len))
}

fn parse_port(s: &str) -> Result<u16, String> {
    let n: i64 = s.parse().map_err(|_| {
        format!("invalid port number: strconv.Atoi: parsing \"{s}\": invalid syntax")
    })?;
    if !(1..=65535).contains(&n) {
        return Err(format!(
            "port numbers must be between 1 and 65535 (inclusive), got {n}"
        ));
    }
    Ok(n as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> PortMapping {
        let v = PortMapping::parse(s).unwrap();
        assert_eq!(v.len(), 1, "{s}");
        v.into_iter().next().unwrap()
    }

    fn msg(s: &str) -> String {
        PortMapping::parse(s).unwrap_err().0
    }

    #[test]
    fn forms_podman_accepts() {
        let m = one("80");
        assert_eq!(
            (m.host_ip, m.host_port, m.container_port, m.range, m.proto),
            (None, 0, 80, 1, Proto::Tcp)
        );
        let m = one("8080:80");
        assert_eq!((m.host_port, m.container_port), (8080, 80));
        let m = one("127.0.0.1:8080:80/udp");
        assert_eq!(
            (m.host_ip, m.host_port, m.proto),
            (Some("127.0.0.1".parse().unwrap()), 8080, Proto::Udp)
        );
        let m = one("127.0.0.1::80");
        assert_eq!((m.host_ip.is_some(), m.host_port), (true, 0));
        let m = one("0.0.0.0:8080:80");
        assert_eq!(m.host_ip, None);
        let m = one("[::1]:8080:80");
        assert_eq!(m.host_ip, Some("::1".parse().unwrap()));
        let m = one("8080-8081:80-81");
        assert_eq!((m.host_port, m.container_port, m.range), (8080, 80, 2));
        assert_eq!(m.ports().collect::<Vec<_>>(), vec![(8080, 80), (8081, 81)]);
        let both = PortMapping::parse("53:53/tcp,udp").unwrap();
        assert_eq!(
            both.iter().map(|m| m.proto).collect::<Vec<_>>(),
            vec![Proto::Tcp, Proto::Udp]
        );
    }

    #[test]
    fn podman_error_messages() {
        assert_eq!(
            msg("80/tcp/udp"),
            "invalid port format - protocol can only be specified once"
        );
        assert_eq!(
            msg("1:2:3:4"),
            "invalid port format - format is [[hostIP:]hostPort:]containerPort"
        );
        assert_eq!(
            msg("8080:"),
            "must provide a non-empty container port to publish"
        );
        assert_eq!(
            msg("abc"),
            "parsing container port: invalid port number: strconv.Atoi: parsing \"abc\": invalid syntax"
        );
        assert_eq!(
            msg("70000"),
            "parsing container port: port numbers must be between 1 and 65535 (inclusive), got 70000"
        );
        assert_eq!(
            msg("0:80"),
            "parsing host port: port numbers must be between 1 and 65535 (inclusive), got 0"
        );
        assert_eq!(
            msg("8080-8082:80-81"),
            "host and container port ranges have different lengths: 3 vs 2"
        );
        assert_eq!(
            msg("81-80"),
            "parsing container port: the end port of a range must be higher than the start port - 80 is not higher than 81"
        );
        assert_eq!(
            msg("80/icmp"),
            "unrecognized protocol \"icmp\" in port mapping"
        );
        assert_eq!(msg("80/"), "must provide a non-empty protocol to publish");
        assert_eq!(
            msg("nothost:80:80"),
            "cannot parse \"nothost\" as an IP address"
        );
        assert_eq!(
            msg("::1:80:80"),
            "invalid port format - format is [[hostIP:]hostPort:]containerPort"
        );
        assert_eq!(
            msg("[::1]80"),
            "invalid port format - IPv6 address must be followed by a colon (':')"
        );
        assert_eq!(
            msg("[::1]:80"),
            "invalid port format - must provide host and destination port if specifying an IP"
        );
        assert_eq!(
            msg("-80"),
            "parsing container port: port numbers cannot be negative"
        );
        assert_eq!(msg("65535-65536"), "parsing container port: port numbers must be between 1 and 65535 (inclusive), got 65536");
    }

    #[test]
    fn publish_all_skips_explicitly_published_ports() {
        let explicit = PortMapping::parse_all(&["8080:80"]).unwrap();
        let all = PortMapping::publish_all(&["80/tcp", "53/udp", "443"], &explicit).unwrap();
        let got: Vec<(u16, Proto, u16)> = all
            .iter()
            .map(|m| (m.container_port, m.proto, m.host_port))
            .collect();
        assert_eq!(got, vec![(53, Proto::Udp, 0), (443, Proto::Tcp, 0)]);
    }

    #[test]
    fn display_is_podman_port_output() {
        let m = one("127.0.0.1:8080-8081:80-81/udp");
        assert_eq!(
            m.to_string(),
            "80/udp -> 127.0.0.1:8080\n81/udp -> 127.0.0.1:8081"
        );
    }
}
