//! The attached end: copies the monitor's output to our stdout and stderr, our
//! stdin to the container (watching for the detach keys), our terminal's size to the
//! container's, and (with `--sig-proxy`) the signals we get to its init.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::Signal;
use nix::sys::socket::{self, MsgFlags};

use super::keys::{DetachKeys, Watch};
use super::{AttachError, Input, Output, MAX_DATA};
use crate::container::logs::Stream;
use crate::monitor::signals::Signals;
use crate::runtime::tty::{self, RawMode};
use crate::sys::proc;

/// How an attach session goes.
#[derive(Debug)]
pub struct Session {
    /// Read our stdin (for the container's input and the detach keys).
    pub stdin: bool,
    /// The container takes input (`-i`): what we read goes to it.
    pub forward: bool,
    /// The container has a terminal (`-t`): ours goes raw and lends it its size.
    pub tty: bool,
    pub keys: DetachKeys,
    /// With `--sig-proxy`: the container's init, to relay signals to.
    pub sig_proxy: Option<OwnedFd>,
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The command exited with this status.
    Exited(i32),
    /// The detach keys were typed.
    Detached,
    /// The monitor went without a word (it was killed, or the container ended
    /// before our connection was taken): the state has the rest.
    Lost,
}

/// After the exit status, how long to wait for the monitor to finish (and close).
const AFTER_EXIT: Duration = Duration::from_secs(5);

fn write_all(fd: BorrowedFd<'_>, mut data: &[u8]) {
    while !data.is_empty() {
        match nix::unistd::write(fd, data) {
            Ok(n) => data = &data[n..],
            Err(Errno::EINTR) => {}
            // Nobody reads our output any more: the container's is dropped, the
            // session goes on (input may still matter).
            Err(_) => return,
        }
    }
}

/// Sends one message; a monitor that has gone is noticed when reading.
fn send(sock: &OwnedFd, msg: &[u8]) {
    loop {
        match socket::send(sock.as_raw_fd(), msg, MsgFlags::MSG_NOSIGNAL) {
            Err(Errno::EINTR) => {}
            _ => return,
        }
    }
}

fn send_size(sock: &OwnedFd) {
    if let Some(ws) = tty::own_window_size() {
        send(
            sock,
            &Input::Resize {
                rows: ws.ws_row,
                cols: ws.ws_col,
            }
            .encode(),
        );
    }
}

/// Runs the session on a connected attach socket until the command exits, the
/// detach keys are typed, or the monitor goes.
pub fn run(sock: OwnedFd, session: Session) -> Result<End, AttachError> {
    let stdin = std::io::stdin();
    let stdin = stdin.as_fd();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let signals = Signals::block_some(session.sig_proxy.is_some(), session.tty)
        .map_err(|e| AttachError::Sys(e.step.into(), e.errno))?;
    let _raw = if session.tty && session.stdin {
        RawMode::enter(stdin)
    } else {
        None
    };
    if session.tty {
        send_size(&sock);
    }
    let mut watch = Watch::new(&session.keys);
    let mut reading = session.stdin;
    let mut buf = vec![0u8; MAX_DATA + 64];
    let mut forward = Vec::with_capacity(MAX_DATA);
    let mut exited: Option<(i32, Instant)> = None;
    loop {
        let mut fds = Vec::with_capacity(3);
        fds.push(PollFd::new(sock.as_fd(), PollFlags::POLLIN));
        let stdin_at = reading.then(|| {
            fds.push(PollFd::new(stdin, PollFlags::POLLIN));
            fds.len() - 1
        });
        let sig_at = signals.as_ref().map(|s| {
            fds.push(PollFd::new(s.fd(), PollFlags::POLLIN));
            fds.len() - 1
        });
        let timeout = match exited {
            Some((_, at)) => {
                let left = (at + AFTER_EXIT).saturating_duration_since(Instant::now());
                PollTimeout::from(left.as_millis().min(u16::MAX as u128) as u16)
            }
            None => PollTimeout::NONE,
        };
        match poll(&mut fds, timeout) {
            Ok(0) => {
                if let Some((code, _)) = exited {
                    return Ok(End::Exited(code));
                }
            }
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(AttachError::Sys("waiting for the container".into(), e)),
        }
        let is_ready = |i: usize| fds[i].revents().is_some_and(|r| !r.is_empty());
        let sock_ready = is_ready(0);
        let stdin_ready = stdin_at.is_some_and(is_ready);
        let sig_ready = sig_at.is_some_and(is_ready);
        drop(fds);

        if sock_ready {
            match socket::recv(sock.as_raw_fd(), &mut buf, MsgFlags::empty()) {
                Ok(0) | Err(Errno::ECONNRESET) => {
                    return Ok(exited.map_or(End::Lost, |(code, _)| End::Exited(code)));
                }
                Ok(n) => match Output::decode(&buf[..n]) {
                    Some(Output::Data(Stream::Stdout, data)) => write_all(stdout.as_fd(), data),
                    Some(Output::Data(Stream::Stderr, data)) => write_all(stderr.as_fd(), data),
                    Some(Output::Exit(code)) => exited = Some((code, Instant::now())),
                    None => {}
                },
                Err(Errno::EINTR | Errno::EAGAIN) => {}
                Err(e) => return Err(AttachError::Sys("reading the attach socket".into(), e)),
            }
        }
        if stdin_ready {
            let n = match nix::unistd::read(stdin, &mut buf[..MAX_DATA]) {
                Ok(n) => n,
                Err(Errno::EINTR | Errno::EAGAIN) => continue,
                Err(_) => 0,
            };
            forward.clear();
            if n == 0 {
                watch.finish(&mut forward);
            } else if watch.feed(&buf[..n], &mut forward) {
                if session.forward && !forward.is_empty() {
                    send(&sock, &Input::Data(&forward).encode());
                }
                return Ok(End::Detached);
            }
            if session.forward && !forward.is_empty() {
                send(&sock, &Input::Data(&forward).encode());
            }
            if n == 0 {
                reading = false;
                if session.forward {
                    send(&sock, &Input::Eof.encode());
                }
            }
        }
        if let (true, Some(s)) = (sig_ready, &signals) {
            while let Some(sig) = s.read() {
                if sig == Signal::SIGWINCH as i32 {
                    send_size(&sock);
                } else if let Some(pidfd) = &session.sig_proxy {
                    // ESRCH: it is exiting; the monitor says so next.
                    let _ = proc::send_signal(pidfd, sig);
                }
            }
        }
    }
}
