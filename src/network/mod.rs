//! Container networking: modes, the namespace setup, the userspace stack and published ports.

pub mod fdpass;
pub mod netlink;
pub mod netns;
pub mod portfwd;
pub mod stack;
pub mod sys;
#[cfg(test)]
mod testutil;

use std::net::{Ipv4Addr, Ipv6Addr};

/// The container's address.
pub const GUEST_V4: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 100);
/// The gateway: the host, as the container sees it.
pub const GATEWAY_V4: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 2);
/// The DNS forwarder.
pub const DNS_V4: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 3);
pub const GUEST_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x100);
pub const GATEWAY_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2);
pub const DNS_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 3);
/// The largest MTU a TUN device takes; large packets make the stack fast.
pub const DEFAULT_MTU: u32 = 65520;

/// A transport protocol of a published port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
}
