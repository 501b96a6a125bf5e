//! A container's published ports: as its monitor bound them (kept in the state
//! while it runs) or as the record publishes them, in the forms `port`, `ps` and
//! `inspect` show.

use std::net::IpAddr;

use serde_json::{json, Map, Value};
use thiserror::Error;

use super::store::Container;
use crate::network::PortMapping;

/// A `PORT[/PROTO]` query podman would refuse, in its words.
#[derive(Debug, Error)]
pub enum PortQueryError {
    #[error("port formatting is invalid: {0:?}")]
    Format(String),
    #[error("invalid port {0:?}: give a port number, e.g. 80 or 80/tcp")]
    Port(String),
    #[error("invalid protocol {proto:?} in {query:?}: use tcp, udp or sctp")]
    Protocol { proto: String, query: String },
}

/// One bound port, parsed back from the state's `ps` form `IP:HOST->PORT/PROTO`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub host_ip: String,
    pub host_port: u16,
    pub port: u16,
    pub proto: String,
}

impl Bound {
    pub fn parse(s: &str) -> Option<Bound> {
        let (host, ctr) = s.split_once("->")?;
        let (ip, host_port) = host.rsplit_once(':')?;
        let (port, proto) = ctr.split_once('/')?;
        Some(Bound {
            host_ip: if ip.is_empty() {
                "0.0.0.0".into()
            } else {
                ip.into()
            },
            host_port: host_port.parse().ok()?,
            port: port.parse().ok()?,
            proto: proto.to_string(),
        })
    }
}

/// `PORT` or `PORT/PROTO` (tcp when not given), as podman reads it.
pub fn parse_query(s: &str) -> Result<(u16, String), PortQueryError> {
    let (port, proto) = match s.split_once('/') {
        Some((p, proto)) if !proto.contains('/') => (p, proto),
        Some(_) => return Err(PortQueryError::Format(s.to_string())),
        None => (s, "tcp"),
    };
    let port = port
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| PortQueryError::Port(s.to_string()))?;
    let proto = proto.to_ascii_lowercase();
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(PortQueryError::Protocol {
            proto,
            query: s.to_string(),
        });
    }
    Ok((port, proto))
}

/// A running container's ports; a stopped one has none (they are bound per run).
pub fn bound(c: &Container) -> Vec<Bound> {
    if !c.state.running() {
        return Vec::new();
    }
    c.state
        .ports
        .iter()
        .filter_map(|s| Bound::parse(s))
        .collect()
}

/// The ports `inspect` shows: as bound while the container runs, else as
/// published (a random host port is "" until a run binds it).
pub fn published(c: &Container) -> Vec<Bound> {
    if c.state.running() {
        return bound(c);
    }
    let r = &c.record;
    let mut maps = PortMapping::parse_all(&r.publish).unwrap_or_default();
    if r.publish_all {
        if let Ok(all) = PortMapping::publish_all(&r.exposed, &maps) {
            maps = all;
        }
    }
    maps.iter()
        .flat_map(|m| {
            let ip = match m.host_ip {
                Some(IpAddr::V6(a)) => format!("[{a}]"),
                Some(a) => a.to_string(),
                None => "0.0.0.0".into(),
            };
            m.ports().map(move |(host, port)| Bound {
                host_ip: ip.clone(),
                host_port: host,
                port,
                proto: m.proto.to_string(),
            })
        })
        .collect()
}

/// `NetworkSettings.Ports` and `HostConfig.PortBindings` as podman writes them:
/// `{"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}`, "" for every address
/// and for a host port not yet chosen.
pub fn inspect_map(ports: &[Bound]) -> Map<String, Value> {
    let mut map = Map::new();
    for b in ports {
        let ip = if b.host_ip == "0.0.0.0" {
            ""
        } else {
            b.host_ip.as_str()
        };
        let host_port = if b.host_port == 0 {
            String::new()
        } else {
            b.host_port.to_string()
        };
        let entry = map
            .entry(format!("{}/{}", b.port, b.proto))
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.push(json!({ "HostIp": ip, "HostPort": host_port }));
        }
    }
    map
}

/// podman's `NetworkSettings` for a container with rootless networking: the
/// fields it leaves empty, and the ports.
pub fn network_settings(ports: &[Bound]) -> Map<String, Value> {
    let Value::Object(mut settings) = json!({
        "EndpointID": "",
        "Gateway": "",
        "IPAddress": "",
        "IPPrefixLen": 0,
        "IPv6Gateway": "",
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "MacAddress": "",
        "Bridge": "",
        "SandboxID": "",
        "HairpinMode": false,
        "LinkLocalIPv6Address": "",
        "LinkLocalIPv6PrefixLen": 0,
    }) else {
        return Map::new();
    };
    settings.insert("Ports".into(), Value::Object(inspect_map(ports)));
    settings.insert("SandboxKey".into(), Value::String(String::new()));
    settings
}

/// podman's lines for one container: `80/tcp -> 0.0.0.0:8080`, or only the host side
/// `0.0.0.0:8080` for a queried port (`None` when that port is not published).
pub fn lines(ports: &[Bound], query: Option<&(u16, String)>) -> Option<Vec<String>> {
    match query {
        None => Some(
            ports
                .iter()
                .map(|b| format!("{}/{} -> {}:{}", b.port, b.proto, b.host_ip, b.host_port))
                .collect(),
        ),
        Some((port, proto)) => ports
            .iter()
            .find(|b| b.port == *port && &b.proto == proto)
            .map(|b| vec![format!("{}:{}", b.host_ip, b.host_port)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_strings_parse_back() {
        let b = Bound::parse("127.0.0.1:8080->80/tcp").unwrap();
        assert_eq!(
            (b.host_ip.as_str(), b.host_port, b.port),
            ("127.0.0.1", 8080, 80)
        );
        let b = Bound::parse("[::1]:53->5353/udp").unwrap();
        assert_eq!((b.host_ip.as_str(), b.proto.as_str()), ("[::1]", "udp"));
        assert!(Bound::parse("garbage").is_none());
    }

    #[test]
    fn inspect_map_as_podman_writes_it() {
        let ports = vec![
            Bound::parse("0.0.0.0:8080->80/tcp").unwrap(),
            Bound::parse("127.0.0.1:8081->80/tcp").unwrap(),
            Bound::parse("0.0.0.0:0->53/udp").unwrap(),
        ];
        let map = Value::Object(inspect_map(&ports));
        assert_eq!(
            map,
            json!({
                "80/tcp": [
                    {"HostIp": "", "HostPort": "8080"},
                    {"HostIp": "127.0.0.1", "HostPort": "8081"}
                ],
                "53/udp": [{"HostIp": "", "HostPort": ""}]
            })
        );
        let settings = network_settings(&ports);
        assert_eq!(settings["Ports"], map);
        assert_eq!(settings["IPAddress"], "");
    }

    #[test]
    fn lines_as_podman_prints_them() {
        let ports = vec![
            Bound::parse("0.0.0.0:8080->80/tcp").unwrap(),
            Bound::parse("0.0.0.0:5353->53/udp").unwrap(),
        ];
        assert_eq!(
            lines(&ports, None).unwrap(),
            vec!["80/tcp -> 0.0.0.0:8080", "53/udp -> 0.0.0.0:5353"]
        );
        let q = parse_query("53/udp").unwrap();
        assert_eq!(lines(&ports, Some(&q)).unwrap(), vec!["0.0.0.0:5353"]);
        let q = parse_query("53").unwrap();
        assert!(lines(&ports, Some(&q)).is_none());
    }

    #[test]
    fn bad_queries() {
        assert_eq!(parse_query("80").unwrap(), (80, "tcp".to_string()));
        for bad in ["x", "0", "80/tcp/x", "80/icmp", "70000"] {
            assert!(parse_query(bad).is_err(), "{bad}");
        }
    }
}
