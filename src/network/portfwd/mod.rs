//! Published ports (`-p`, `-P`): parsing, binding on the host, and forwarding
//! into the container's namespace at kernel speed, keeping the client's address.

pub mod forward;
pub mod listen;
pub mod nssock;
pub mod spec;

pub use forward::Forwarder;
pub use listen::{bind_all, Listener, PublishError};
pub use nssock::NsSockets;
pub use spec::{PortMapping, PortSpecError};

#[cfg(test)]
mod netns_tests;
