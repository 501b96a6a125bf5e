//! A synchronous rtnetlink client: just enough to configure a fresh network namespace.
//!
//! Messages are built with `netlink-packet-route` (the packet layer under the
//! `rtnetlink` crate) and exchanged over a plain `NETLINK_ROUTE` socket. The
//! async `rtnetlink` front end would need a tokio runtime and a connection task
//! inside the container's child right before `execve`; a dozen requests do not
//! need either, and the run path stays synchronous.

use std::io;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL,
    NLM_F_REQUEST,
};
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage};
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::rule::{RuleAction, RuleAttribute, RuleMessage, RulePortRange};
use netlink_packet_route::{AddressFamily, IpProtocol, RouteNetlinkMessage};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum NetlinkError {
    #[error("cannot open a netlink socket: {0}")]
    Socket(#[source] io::Error),
    #[error("netlink I/O: {0}")]
    Io(#[source] io::Error),
    #[error("{what}: {source}")]
    Request {
        what: String,
        #[source]
        source: io::Error,
    },
    #[error("malformed netlink reply")]
    Malformed,
}

/// One request and the words that describe it in an error.
struct Pending {
    seq: u32,
    what: String,
}

/// A `NETLINK_ROUTE` socket that batches requests and collects their acks.
pub struct Netlink {
    fd: OwnedFd,
    seq: u32,
    batch: Vec<u8>,
    pending: Vec<Pending>,
}

impl Netlink {
    pub fn open() -> Result<Netlink, NetlinkError> {
        // SAFETY: plain socket(2); the result is checked before use.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        };
        if fd < 0 {
            return Err(NetlinkError::Socket(io::Error::last_os_error()));
        }
        // SAFETY: fd was just created and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Netlink {
            fd,
            seq: 0,
            batch: Vec::with_capacity(1024),
            pending: Vec::new(),
        })
    }

    /// Sets the link up, with a new MTU when given.
    pub fn link_up(&mut self, index: u32, mtu: Option<u32>) {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        msg.header.flags = LinkFlags::Up;
        msg.header.change_mask = LinkFlags::Up;
        if let Some(mtu) = mtu {
            msg.attributes.push(LinkAttribute::Mtu(mtu));
        }
        self.push(
            RouteNetlinkMessage::SetLink(msg),
            0,
            format!("cannot bring up link {index}"),
        );
    }

    pub fn add_address(&mut self, index: u32, addr: IpAddr, prefix: u8) {
        let mut msg = AddressMessage::default();
        msg.header.family = family(addr);
        msg.header.prefix_len = prefix;
        msg.header.index = index;
        msg.attributes.push(AddressAttribute::Local(addr));
        msg.attributes.push(AddressAttribute::Address(addr));
        if addr.is_ipv6() {
            // No neighbour answers on a point-to-point tun: skip duplicate detection.
            msg.attributes
                .push(AddressAttribute::Flags(AddressFlags::Nodad));
        }
        self.push(
            RouteNetlinkMessage::NewAddress(msg),
            NLM_F_CREATE | NLM_F_EXCL,
            format!("cannot add address {addr}/{prefix}"),
        );
    }

    /// `ip route add default via GATEWAY dev INDEX`.
    pub fn add_default_route(&mut self, index: u32, gateway: IpAddr) {
        let mut msg = route_message(
            gateway,
            u32::from(RouteHeader::RT_TABLE_MAIN),
            RouteType::Unicast,
        );
        msg.header.scope = RouteScope::Universe;
        msg.attributes
            .push(RouteAttribute::Gateway(RouteAddress::from(gateway)));
        msg.attributes.push(RouteAttribute::Oif(index));
        self.push(
            RouteNetlinkMessage::NewRoute(msg),
            NLM_F_CREATE | NLM_F_EXCL,
            format!("cannot add the default route via {gateway}"),
        );
    }

    /// `ip route add local 0.0.0.0/0 dev INDEX src SRC table TABLE` (or `::/0`).
    /// The preferred source makes replies from wildcard sockets leave from `src`.
    pub fn add_local_default_route(&mut self, index: u32, src: IpAddr, table: u32) {
        let any = if src.is_ipv6() {
            IpAddr::from([0u16; 8])
        } else {
            IpAddr::from([0u8; 4])
        };
        let mut msg = route_message(any, table, RouteType::Local);
        msg.header.scope = RouteScope::Host;
        msg.attributes.push(RouteAttribute::Oif(index));
        msg.attributes
            .push(RouteAttribute::PrefSource(RouteAddress::from(src)));
        self.push(
            RouteNetlinkMessage::NewRoute(msg),
            NLM_F_CREATE | NLM_F_EXCL,
            format!("cannot add the local route of table {table}"),
        );
    }

    /// `ip rule add ipproto PROTO sport PORTS lookup TABLE pref PRIORITY`.
    pub fn add_port_rule(
        &mut self,
        v6: bool,
        proto: IpProtocol,
        ports: (u16, u16),
        table: u32,
        priority: u32,
    ) {
        let mut msg = RuleMessage::default();
        msg.header.family = if v6 {
            AddressFamily::Inet6
        } else {
            AddressFamily::Inet
        };
        msg.header.action = RuleAction::ToTable;
        msg.header.table = if table < 256 { table as u8 } else { 0 };
        msg.attributes.push(RuleAttribute::IpProtocol(proto));
        msg.attributes
            .push(RuleAttribute::SourcePortRange(RulePortRange {
                start: ports.0,
                end: ports.1,
            }));
        msg.attributes.push(RuleAttribute::Table(table));
        msg.attributes.push(RuleAttribute::Priority(priority));
        self.push(
            RouteNetlinkMessage::NewRule(msg),
            NLM_F_CREATE,
            format!(
                "cannot add the routing rule for source ports {}-{}",
                ports.0, ports.1
            ),
        );
    }

    fn push(&mut self, payload: RouteNetlinkMessage, flags: u16, what: String) {
        self.seq += 1;
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        header.sequence_number = self.seq;
        let mut msg = NetlinkMessage::new(header, NetlinkPayload::from(payload));
        msg.finalize();
        let start = self.batch.len();
        self.batch.resize(start + msg.buffer_len(), 0);
        msg.serialize(&mut self.batch[start..]);
        self.pending.push(Pending {
            seq: self.seq,
            what,
        });
    }

    /// Sends every queued request in one write (the kernel handles them in
    /// order) and checks each acknowledgement; the first failure is returned.
    pub fn commit(&mut self) -> Result<(), NetlinkError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let pending = std::mem::take(&mut self.pending);
        // SAFETY: sending an initialised buffer on our own socket; the kernel is the peer.
        let n = unsafe { libc::send(self.fd.as_raw_fd(), batch.as_ptr().cast(), batch.len(), 0) };
        if n < 0 {
            return Err(NetlinkError::Io(io::Error::last_os_error()));
        }
        let mut first_error: Option<NetlinkError> = None;
        let mut acked = 0;
        let mut buf = vec![0u8; 16 * 1024];
        // Every request carries NLM_F_ACK, so exactly one reply per request arrives.
        while acked < pending.len() {
            // SAFETY: receiving into our own buffer of the given size.
            let n =
                unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n < 0 {
                let err = io::Error::last_os_error();
                if err.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(NetlinkError::Io(err));
            }
            let mut data = &buf[..n as usize];
            if data.is_empty() {
                return Err(NetlinkError::Malformed);
            }
            while data.len() >= 16 {
                let len = u32::from_ne_bytes([data[0], data[1], data[2], data[3]]) as usize;
                if len < 16 || len > data.len() {
                    return Err(NetlinkError::Malformed);
                }
                let kind = u16::from_ne_bytes([data[4], data[5]]);
                let seq = u32::from_ne_bytes([data[8], data[9], data[10], data[11]]);
                if kind == libc::NLMSG_ERROR as u16 && len >= 20 {
                    let code = i32::from_ne_bytes([data[16], data[17], data[18], data[19]]);
                    acked += 1;
                    if code != 0 && first_error.is_none() {
                        let what = pending
                            .iter()
                            .find(|p| p.seq == seq)
                            .map(|p| p.what.clone())
                            .unwrap_or_else(|| "netlink request failed".into());
                        first_error = Some(NetlinkError::Request {
                            what,
                            source: io::Error::from_raw_os_error(-code),
                        });
                    }
                }
                let aligned = (len + 3) & !3;
                data = &data[aligned.min(data.len())..];
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

fn family(addr: IpAddr) -> AddressFamily {
    if addr.is_ipv6() {
        AddressFamily::Inet6
    } else {
        AddressFamily::Inet
    }
}

fn route_message(addr: IpAddr, table: u32, kind: RouteType) -> RouteMessage {
    let mut msg = RouteMessage::default();
    msg.header.address_family = family(addr);
    msg.header.destination_prefix_length = 0;
    msg.header.protocol = RouteProtocol::Boot;
    msg.header.kind = kind;
    if table < 256 {
        msg.header.table = table as u8;
    } else {
        msg.header.table = RouteHeader::RT_TABLE_UNSPEC;
    }
    msg.attributes.push(RouteAttribute::Table(table));
    msg
}

/// The index of a link by name, as `if_nametoindex(3)`.
pub fn link_index(name: &str) -> io::Result<u32> {
    let c = std::ffi::CString::new(name).map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: c is a valid NUL-terminated string.
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if index == 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(index)
    }
}
