//! The foreground relay: `rpod run`, `rpod exec` and a build's `RUN` stay the
//! parent of the process they started, relay the signals they receive (through the
//! pidfd, so never to a recycled pid), copy terminal I/O with `-t`, and return its
//! exit status.

use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::Signal;

use super::signals::Signals;
use crate::runtime::tty::{self, EofOffer, RawMode};
use crate::runtime::Started;
use crate::sys::proc;

/// Relays until the container's pid 1 exits, then returns its status (128+N for signal N).
/// `interactive` copies stdin to the pty (with `-t`; without it the container reads
/// rpod's stdin directly).
pub fn wait(started: &mut Started, signals: &Signals, interactive: bool) -> Result<u8> {
    let stdin = std::io::stdin();
    let stdin = stdin.as_fd();
    let pidfd = started.child.pidfd.as_fd();
    let peer = started.pty.as_mut().and_then(|p| p.peer.take());
    let pty = started.pty.as_ref().map(|p| p.master.as_fd());
    // In raw mode ^C and friends travel to the container's terminal as bytes.
    let _raw = match (pty, interactive) {
        (Some(_), true) => RawMode::enter(stdin),
        _ => None,
    };
    let stdin_is_tty = nix::unistd::isatty(stdin).unwrap_or(false);
    let mut buf = vec![0u8; if pty.is_some() { 64 * 1024 } else { 0 }];
    let mut stdin_open = pty.is_some() && interactive;
    let mut pty_open = pty.is_some();
    let mut eof_pending = false;
    let mut canonical_idle = 0;
    let mut eof_offers = 0;
    let mut next_offer = Instant::now();
    loop {
        let mut fds = Vec::with_capacity(4);
        fds.push(PollFd::new(signals.fd(), PollFlags::POLLIN));
        fds.push(PollFd::new(pidfd, PollFlags::POLLIN));
        let pty_at = pty.filter(|_| pty_open).map(|p| {
            fds.push(PollFd::new(p, PollFlags::POLLIN));
            fds.len() - 1
        });
        let stdin_at = stdin_open.then(|| {
            fds.push(PollFd::new(stdin, PollFlags::POLLIN));
            fds.len() - 1
        });
        if let (true, Some(p)) = (eof_pending && Instant::now() >= next_offer, pty) {
            match tty::offer_eof(p, peer.as_ref().map(|f| f.as_fd())) {
                // A line editor may swallow it while it waits for the answer to a
                // terminal query of its own: offer it again a few times.
                EofOffer::Sent => {
                    eof_offers += 1;
                    eof_pending = eof_offers < 3;
                    next_offer = Instant::now() + Duration::from_millis(300);
                }
                EofOffer::Busy => canonical_idle = 0,
                EofOffer::CanonicalIdle => {
                    // A reader that stays canonical with nothing left to read is not
                    // about to start a line editor: give it the EOF character.
                    canonical_idle += 1;
                    if canonical_idle >= 4 {
                        tty::send_canonical_eof(p);
                        eof_pending = false;
                    }
                }
            }
        }
        // While end of input waits for the container to read what came before it.
        let timeout = if eof_pending {
            PollTimeout::from(40u16)
        } else {
            PollTimeout::NONE
        };
        match poll(&mut fds, timeout) {
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(e).context("waiting for the container"),
        }
        let ready = |i: usize| fds[i].revents().is_some_and(|r| !r.is_empty());
        let (sig_ready, exited) = (ready(0), ready(1));
        let pty_ready = pty_at.is_some_and(ready);
        let stdin_ready = stdin_at.is_some_and(ready);
        drop(fds);

        if sig_ready {
            while let Some(sig) = signals.read() {
                if sig == Signal::SIGWINCH as i32 {
                    if let (Some(p), Some(ws)) = (pty, tty::own_window_size()) {
                        let _ = tty::set_window_size(p, &ws);
                    }
                } else {
                    // ESRCH: it is exiting already; the pidfd will say so.
                    let _ = proc::send_signal(pidfd, sig);
                }
            }
        }
        if pty_ready {
            if let Some(p) = pty {
                pty_open = copy(p, std::io::stdout().as_fd(), &mut buf);
            }
        }
        if stdin_ready {
            if let Some(p) = pty {
                stdin_open = copy(stdin, p, &mut buf);
                // Piped input ended: tell the container's terminal, so that
                // `printf 'cmd\n' | rpod run -it sh` finishes like a typed session.
                eof_pending = !stdin_open && !stdin_is_tty;
            }
        }
        if exited {
            break;
        }
    }
    // What the process wrote before it ended is queued: drain it, up to the EIO that
    // says every holder of the other end is gone (with the pid namespace, for pid 1;
    // ours closes here), or up to an empty queue, when a process joined by `exec`
    // leaves children behind that still hold the terminal.
    drop(peer);
    if let Some(p) = pty.filter(|_| pty_open) {
        drain(p, std::io::stdout().as_fd(), &mut buf);
    }
    started.child.wait()
}

/// Copies what `from` holds now, without waiting for more.
fn drain(from: BorrowedFd<'_>, to: BorrowedFd<'_>, buf: &mut [u8]) {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    if fcntl(from, FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).is_err() {
        return;
    }
    loop {
        match nix::unistd::read(from, buf) {
            Ok(0) | Err(Errno::EAGAIN) => return,
            Err(Errno::EINTR) => {}
            Err(_) => return,
            Ok(n) => {
                let mut data = &buf[..n];
                while !data.is_empty() {
                    match nix::unistd::write(to, data) {
                        Ok(w) => data = &data[w..],
                        Err(Errno::EINTR) => {}
                        Err(_) => return,
                    }
                }
            }
        }
    }
}

/// Copies one read's worth; `false` at end of input or when either side fails.
fn copy(from: BorrowedFd<'_>, to: BorrowedFd<'_>, buf: &mut [u8]) -> bool {
    let n = match nix::unistd::read(from, buf) {
        Ok(0) => return false,
        Ok(n) => n,
        Err(Errno::EINTR | Errno::EAGAIN) => return true,
        Err(_) => return false,
    };
    let mut data = &buf[..n];
    while !data.is_empty() {
        match nix::unistd::write(to, data) {
            Ok(w) => data = &data[w..],
            Err(Errno::EINTR) => {}
            Err(_) => return false,
        }
    }
    true
}

/// [`wait`], and when relaying fails, still the command's own status: the caller
/// gets an exit status whenever the process could be reaped.
pub fn wait_exit(started: &mut Started, signals: &Signals, interactive: bool) -> Result<u8> {
    match wait(started, signals, interactive) {
        Ok(code) => Ok(code),
        Err(e) => {
            log::debug!("relaying to the container: {e:#}");
            Ok(started.child.wait()?)
        }
    }
}
