//! systemd's readiness protocol (`sd_notify`): who tells the service manager in
//! `NOTIFY_SOCKET` that the container is up, as podman's `--sdnotify` chooses.
//!
//! With `conmon` the monitor says both `MAINPID=` (itself: it lives as long as the
//! container) and `READY=1` once the command runs. With `container` the socket is
//! bound into the container, whose command says `READY=1` itself; the monitor still
//! says `MAINPID=`. With `ignore` nobody says anything.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The variable systemd sets for `Type=notify` services.
pub const ENV: &str = "NOTIFY_SOCKET";
/// Where the socket appears inside the container (podman's path).
pub const CONTAINER_SOCKET: &str = "/run/notify/notify.sock";

/// `--sdnotify`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SdNotify {
    /// The container's command notifies; the socket is bound into it.
    #[default]
    Container,
    /// The monitor notifies once the command has started.
    Conmon,
    /// Nobody notifies.
    Ignore,
}

/// The socket systemd gave us, if any: a path or an abstract name (`@name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifySocket {
    Path(PathBuf),
    Abstract(Vec<u8>),
}

impl NotifySocket {
    /// Reads [`ENV`] from the environment.
    pub fn from_env() -> Option<NotifySocket> {
        std::env::var_os(ENV).and_then(|v| Self::parse(&v.to_string_lossy()))
    }

    pub fn parse(value: &str) -> Option<NotifySocket> {
        match value {
            "" => None,
            v => match v.strip_prefix('@') {
                Some(name) => Some(NotifySocket::Abstract(name.as_bytes().to_vec())),
                None => Some(NotifySocket::Path(PathBuf::from(v))),
            },
        }
    }

    /// Sends one datagram.
    pub fn send(&self, message: &str) -> std::io::Result<()> {
        let sock = UnixDatagram::unbound()?;
        let addr = match self {
            NotifySocket::Path(p) => SocketAddr::from_pathname(p)?,
            NotifySocket::Abstract(name) => SocketAddr::from_abstract_name(name)?,
        };
        sock.send_to_addr(message.as_bytes(), &addr)?;
        Ok(())
    }
}

/// What the monitor `monitor_pid` says once the command runs, if anything.
pub fn monitor_message(mode: SdNotify, monitor_pid: u32) -> Option<String> {
    match mode {
        SdNotify::Conmon => Some(format!("MAINPID={monitor_pid}\nREADY=1\n")),
        SdNotify::Container => Some(format!("MAINPID={monitor_pid}\n")),
        SdNotify::Ignore => None,
    }
}

/// Tells systemd (when it is listening) that the monitor is the main process, and,
/// as `mode` says, that the service is ready. Failure is only a warning: the
/// container runs either way.
pub fn monitor_started(mode: SdNotify) {
    let (Some(socket), Some(msg)) = (
        NotifySocket::from_env(),
        monitor_message(mode, std::process::id()),
    ) else {
        return;
    };
    if let Err(e) = socket.send(&msg) {
        log::warn!("notifying systemd at ${ENV}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_follow_the_mode() {
        assert_eq!(
            monitor_message(SdNotify::Conmon, 42).as_deref(),
            Some("MAINPID=42\nREADY=1\n")
        );
        assert_eq!(
            monitor_message(SdNotify::Container, 7).as_deref(),
            Some("MAINPID=7\n")
        );
        assert_eq!(monitor_message(SdNotify::Ignore, 7), None);
    }

    #[test]
    fn socket_addresses() {
        assert_eq!(NotifySocket::parse(""), None);
        assert_eq!(
            NotifySocket::parse("/run/user/1000/systemd/notify"),
            Some(NotifySocket::Path("/run/user/1000/systemd/notify".into()))
        );
        assert_eq!(
            NotifySocket::parse("@/org/freedesktop/systemd1/notify/1"),
            Some(NotifySocket::Abstract(
                b"/org/freedesktop/systemd1/notify/1".to_vec()
            ))
        );
    }

    #[test]
    fn sends_a_datagram() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let server = UnixDatagram::bind(&path).unwrap();
        NotifySocket::Path(path).send("READY=1\n").unwrap();
        let mut buf = [0u8; 64];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\n");
    }
}
