//! Attaching to a detached container: the monitor's `attach` socket in the
//! container's run dir, its messages, and the two ends that speak them ([`hub`] in
//! the monitor, [`client`] in `rpod attach` and `rpod start -a`).
//!
//! The socket is a `SOCK_SEQPACKET` unix socket, as conmon's: each message arrives
//! whole, so one leading byte says what it is and no length prefix is needed.
//! Unlike conmon, input carries a type byte too, so a terminal resize travels on the
//! same connection instead of a separate control FIFO: one socket to listen on, and
//! each client sends the size of its own terminal.
//!
//! - monitor → client: `[1] bytes` stdout, `[2] bytes` stderr (with `-t` all output
//!   is stdout), `[3] i32 LE` the exit status of the command, once the monitor has
//!   recorded it. The monitor closes the connection when it ends.
//! - client → monitor: `[0] bytes` for the container's stdin, `[1]` end of input
//!   (closes the container's stdin, as podman does when an attached input ends),
//!   `[2] rows cols` (u16 LE each) the client's terminal size.
//!
//! A client sees output from the moment it connects; the log holds the past.

pub mod client;
pub mod hub;
pub mod keys;

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::socket::{self, AddressFamily, SockFlag, SockType, UnixAddr};
use nix::sys::stat::Mode;
use thiserror::Error;

use crate::container::logs::Stream;

/// The socket's name in the container's run dir.
pub const SOCKET: &str = "attach";

/// The most data one message carries (one read of the container's output or of a
/// client's stdin), well under a unix socket's default send buffer.
pub const MAX_DATA: usize = 32 * 1024;

const OUT_STDOUT: u8 = 1;
const OUT_STDERR: u8 = 2;
const OUT_EXIT: u8 = 3;

const IN_DATA: u8 = 0;
const IN_EOF: u8 = 1;
const IN_RESIZE: u8 = 2;

#[derive(Debug, Error)]
pub enum AttachError {
    #[error("{0}: {1}")]
    Sys(String, #[source] Errno),
    #[error("you can only attach to running containers")]
    NotRunning,
    #[error("container {0} runs in the foreground of the rpod that started it and has no attach socket: attach to containers started with -d or `rpod start`")]
    Foreground(String),
}

fn sys(what: impl Into<String>) -> impl FnOnce(Errno) -> AttachError {
    let what = what.into();
    move |e| AttachError::Sys(what, e)
}

/// A message from the monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output<'a> {
    Data(Stream, &'a [u8]),
    Exit(i32),
}

impl Output<'_> {
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Output::Data(stream, data) => {
                let mut m = Vec::with_capacity(1 + data.len());
                m.push(match stream {
                    Stream::Stdout => OUT_STDOUT,
                    Stream::Stderr => OUT_STDERR,
                });
                m.extend_from_slice(data);
                m
            }
            Output::Exit(code) => {
                let mut m = vec![OUT_EXIT];
                m.extend_from_slice(&code.to_le_bytes());
                m
            }
        }
    }

    /// `None` for a message this version does not know (ignored by the client).
    pub fn decode(msg: &[u8]) -> Option<Output<'_>> {
        let (&kind, rest) = msg.split_first()?;
        match kind {
            OUT_STDOUT => Some(Output::Data(Stream::Stdout, rest)),
            OUT_STDERR => Some(Output::Data(Stream::Stderr, rest)),
            OUT_EXIT => Some(Output::Exit(i32::from_le_bytes(rest.try_into().ok()?))),
            _ => None,
        }
    }
}

/// A message from a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<'a> {
    Data(&'a [u8]),
    Eof,
    Resize { rows: u16, cols: u16 },
}

impl Input<'_> {
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Input::Data(data) => {
                let mut m = Vec::with_capacity(1 + data.len());
                m.push(IN_DATA);
                m.extend_from_slice(data);
                m
            }
            Input::Eof => vec![IN_EOF],
            Input::Resize { rows, cols } => {
                let mut m = vec![IN_RESIZE];
                m.extend_from_slice(&rows.to_le_bytes());
                m.extend_from_slice(&cols.to_le_bytes());
                m
            }
        }
    }

    pub fn decode(msg: &[u8]) -> Option<Input<'_>> {
        let (&kind, rest) = msg.split_first()?;
        match kind {
            IN_DATA => Some(Input::Data(rest)),
            IN_EOF if rest.is_empty() => Some(Input::Eof),
            IN_RESIZE if rest.len() == 4 => Some(Input::Resize {
                rows: u16::from_le_bytes([rest[0], rest[1]]),
                cols: u16::from_le_bytes([rest[2], rest[3]]),
            }),
            _ => None,
        }
    }
}

/// The socket's path for a container whose run dir is `dir`.
pub fn socket_path(dir: &Path) -> PathBuf {
    dir.join(SOCKET)
}

/// A run dir's path can pass the 108 bytes a socket address holds (long runtime
/// dirs, 64-hex ids): the address names the socket through an `O_PATH` descriptor of
/// its dir instead, as conmon does.
struct ShortAddr {
    _dir: OwnedFd,
    addr: UnixAddr,
}

fn short_addr(dir: &Path) -> Result<ShortAddr, AttachError> {
    let fd = nix::fcntl::open(
        dir,
        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(sys(format!("opening {}", dir.display())))?;
    let name = format!("/proc/self/fd/{}/{SOCKET}", fd.as_raw_fd());
    let addr = UnixAddr::new(name.as_str()).map_err(sys("naming the attach socket"))?;
    Ok(ShortAddr { _dir: fd, addr })
}

fn seqpacket(flags: SockFlag) -> Result<OwnedFd, AttachError> {
    socket::socket(
        AddressFamily::Unix,
        SockType::SeqPacket,
        flags | SockFlag::SOCK_CLOEXEC,
        None,
    )
    .map_err(sys("creating the attach socket"))
}

/// Monitor side: a fresh listening socket in `dir` (non-blocking).
pub fn listen(dir: &Path) -> Result<OwnedFd, AttachError> {
    let path = socket_path(dir);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            let errno = Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO));
            return Err(sys(format!("removing {}", path.display()))(errno));
        }
    }
    let fd = seqpacket(SockFlag::SOCK_NONBLOCK)?;
    let addr = short_addr(dir)?;
    socket::bind(fd.as_raw_fd(), &addr.addr).map_err(sys(format!("binding {}", path.display())))?;
    socket::listen(
        &fd,
        socket::Backlog::new(16).unwrap_or(socket::Backlog::MAXCONN),
    )
    .map_err(sys(format!("listening on {}", path.display())))?;
    Ok(fd)
}

/// Client side: connects to the monitor of the container whose run dir is `dir`.
/// `id` names the container in errors.
pub fn connect(dir: &Path, id: &str) -> Result<OwnedFd, AttachError> {
    let fd = seqpacket(SockFlag::empty())?;
    let addr = short_addr(dir)?;
    match socket::connect(fd.as_raw_fd(), &addr.addr) {
        Ok(()) => Ok(fd),
        Err(Errno::ENOENT) => Err(AttachError::Foreground(id.to_string())),
        // The monitor is gone: the container has just exited.
        Err(Errno::ECONNREFUSED) => Err(AttachError::NotRunning),
        Err(e) => Err(sys(format!("connecting to {}", socket_path(dir).display()))(e)),
    }
}

/// A connected pair: the monitor adopts one end as a client from its start (`start
/// -a`, so that not a byte of output comes before the attach).
pub fn pair() -> Result<(OwnedFd, OwnedFd), AttachError> {
    socket::socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .map_err(sys("creating the attach socket pair"))
}

/// Sends one message, without blocking; `Ok(false)` when the socket is full.
pub fn send_now(fd: impl AsFd, msg: &[u8]) -> Result<bool, Errno> {
    let flags = socket::MsgFlags::MSG_DONTWAIT | socket::MsgFlags::MSG_NOSIGNAL;
    loop {
        match socket::send(fd.as_fd().as_raw_fd(), msg, flags) {
            Ok(_) => return Ok(true),
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => return Ok(false),
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_round_trips() {
        for m in [
            Output::Data(Stream::Stdout, b"hello\n"),
            Output::Data(Stream::Stderr, b""),
            Output::Exit(137),
            Output::Exit(-1),
        ] {
            assert_eq!(Output::decode(&m.encode()), Some(m));
        }
        assert_eq!(Output::Data(Stream::Stderr, b"x").encode(), [2, b'x']);
        assert_eq!(Output::Exit(3).encode(), [3, 3, 0, 0, 0]);
    }

    #[test]
    fn input_round_trips() {
        for m in [
            Input::Data(b"ls\r"),
            Input::Eof,
            Input::Resize {
                rows: 50,
                cols: 300,
            },
        ] {
            assert_eq!(Input::decode(&m.encode()), Some(m));
        }
        assert_eq!(
            Input::Resize { rows: 1, cols: 258 }.encode(),
            [2, 1, 0, 2, 1]
        );
    }

    #[test]
    fn malformed_messages_are_refused() {
        assert_eq!(Output::decode(&[]), None);
        assert_eq!(Output::decode(&[3, 1, 2]), None);
        assert_eq!(Output::decode(&[9, 1]), None);
        assert_eq!(Input::decode(&[]), None);
        assert_eq!(Input::decode(&[1, 0]), None);
        assert_eq!(Input::decode(&[2, 1, 2, 3]), None);
        assert_eq!(Input::decode(&[7]), None);
    }

    #[test]
    fn long_run_dirs_still_bind_and_connect() {
        let base = std::env::temp_dir().join(format!("rpod-attach-{}", std::process::id()));
        let dir = base.join("d".repeat(100)).join("e".repeat(64));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(socket_path(&dir).as_os_str().len() > 108);
        let listener = listen(&dir).unwrap();
        let client = connect(&dir, "x").unwrap();
        let server = socket::accept4(listener.as_raw_fd(), SockFlag::SOCK_CLOEXEC).unwrap();
        assert!(send_now(&client, &Input::Eof.encode()).unwrap());
        let mut buf = [0u8; 16];
        let n = socket::recv(server, &mut buf, socket::MsgFlags::empty()).unwrap();
        assert_eq!(Input::decode(&buf[..n]), Some(Input::Eof));
        // SAFETY: accept4 returned a descriptor we own.
        drop(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(server) });
        drop(listener);
        std::fs::remove_file(socket_path(&dir)).unwrap();
        assert!(matches!(
            connect(&dir, "x"),
            Err(AttachError::Foreground(_))
        ));
        std::fs::remove_dir_all(&base).unwrap();
    }
}
