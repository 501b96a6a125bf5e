//! The monitor's side of attaching: the listening socket, the attached clients, and
//! the input they send on its way to the container.
//!
//! It lives in the monitor's one poll loop, with no thread of its own; with nobody
//! attached it is one listening descriptor and no buffer. Output is copied to every
//! client without blocking; a client that falls more than [`QUEUE_LIMIT`] behind
//! holds the container's output back (as a slow terminal would, and as conmon's
//! blocking writes do) until it catches up, detaches or goes.

use std::collections::VecDeque;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{self, MsgFlags, SockFlag};

use super::{send_now, AttachError, Input, Output, MAX_DATA};
use crate::container::logs::Stream;
use crate::runtime::tty;

/// How far one client may fall behind before the container's output waits for it.
pub const QUEUE_LIMIT: usize = 1024 * 1024;
/// Input taken from clients that the container has not read yet, at most.
const INPUT_LIMIT: usize = 64 * 1024;

struct Client {
    fd: OwnedFd,
    /// Whole messages the socket had no room for.
    queue: VecDeque<Vec<u8>>,
    queued: usize,
}

/// The attach socket and its clients.
pub struct Hub {
    listener: OwnedFd,
    path: PathBuf,
    /// The socket file as bound, so that only our own is removed at the end.
    inode: Option<(u64, u64)>,
    clients: Vec<Client>,
    /// Whether the container takes input (`-i`).
    interactive: bool,
    /// With `-i` and no `-t`: the write end of the container's stdin pipe.
    stdin: Option<OwnedFd>,
    /// Input from clients not yet written to the container.
    input: Vec<u8>,
    written: usize,
    /// A client ended its input: close the pipe once `input` is written.
    eof: bool,
    /// For clients' messages; allocated with the first client.
    buf: Vec<u8>,
}

/// A descriptor the poll loop reads or writes must never block it; a failure is
/// logged, and the loop then merely waits longer on that descriptor.
fn set_nonblocking(fd: BorrowedFd<'_>) {
    if let Err(e) = crate::sys::fd::set_nonblocking(fd) {
        log::warn!("making a descriptor non-blocking: {e}");
    }
}

fn ready(r: PollFlags) -> bool {
    !r.is_empty()
}

impl Hub {
    /// Listens in the container's run dir. Input goes to the pipe given to
    /// [`Hub::set_stdin`] (`-i` without `-t`), else with `-t` to the pty given to the
    /// poll calls; without `-i` it is dropped.
    pub fn listen(dir: &Path, interactive: bool) -> Result<Hub, AttachError> {
        let listener = super::listen(dir)?;
        let path = super::socket_path(dir);
        let inode = std::fs::symlink_metadata(&path)
            .ok()
            .map(|m| (m.dev(), m.ino()));
        Ok(Hub {
            listener,
            path,
            inode,
            clients: Vec::new(),
            interactive,
            stdin: None,
            input: Vec::new(),
            written: 0,
            eof: false,
            buf: Vec::new(),
        })
    }

    /// The write end of the container's stdin pipe, held open so that the container
    /// waits for input, and written to as clients send it.
    pub fn set_stdin(&mut self, fd: OwnedFd) {
        set_nonblocking(fd.as_fd());
        self.stdin = Some(fd);
    }

    /// Takes `fd` as a client from now on (one end of [`super::pair`]).
    pub fn adopt(&mut self, fd: OwnedFd) {
        set_nonblocking(fd.as_fd());
        self.add(fd);
    }

    fn add(&mut self, fd: OwnedFd) {
        if self.buf.is_empty() {
            self.buf = vec![0u8; MAX_DATA + 64];
        }
        self.clients.push(Client {
            fd,
            queue: VecDeque::new(),
            queued: 0,
        });
    }

    /// Whether a client is so far behind that the container's output must wait.
    pub fn congested(&self) -> bool {
        self.clients.iter().any(|c| c.queued > QUEUE_LIMIT)
    }

    fn pending_input(&self) -> bool {
        self.written < self.input.len()
    }

    fn target<'a>(&'a self, pty: Option<BorrowedFd<'a>>) -> Option<BorrowedFd<'a>> {
        match &self.stdin {
            Some(fd) => Some(fd.as_fd()),
            None => pty.filter(|_| self.interactive),
        }
    }

    /// Appends what to poll for: the listener, each client, and the container's input
    /// while input waits. `pty` is the container's terminal with `-t`.
    /// [`Hub::on_ready`] takes the results in the same order.
    pub fn poll_fds<'a>(&'a self, pty: Option<BorrowedFd<'a>>, fds: &mut Vec<PollFd<'a>>) {
        fds.push(PollFd::new(self.listener.as_fd(), PollFlags::POLLIN));
        let take_input = self.input.len() - self.written < INPUT_LIMIT;
        for c in &self.clients {
            let mut events = PollFlags::empty();
            if take_input {
                events |= PollFlags::POLLIN;
            }
            if !c.queue.is_empty() {
                events |= PollFlags::POLLOUT;
            }
            fds.push(PollFd::new(c.fd.as_fd(), events));
        }
        if self.pending_input() {
            if let Some(t) = self.target(pty) {
                fds.push(PollFd::new(t, PollFlags::POLLOUT));
            }
        }
    }

    /// Acts on the poll results for the entries [`Hub::poll_fds`] added. Returns
    /// `true` when the last client has just gone (what it used is freed: a moment to
    /// give memory back).
    pub fn on_ready(&mut self, revents: &[PollFlags], pty: Option<BorrowedFd<'_>>) -> bool {
        let n = self.clients.len();
        let target_ready = self.pending_input()
            && self.target(pty).is_some()
            && revents.get(n + 1).copied().is_some_and(ready);
        let mut gone = vec![false; n];
        for (i, c) in self.clients.iter_mut().enumerate() {
            let r = revents.get(i + 1).copied().unwrap_or(PollFlags::empty());
            if r.intersects(PollFlags::POLLOUT | PollFlags::POLLERR | PollFlags::POLLHUP)
                && !flush_queue(c)
            {
                gone[i] = true;
            }
        }
        for (i, g) in gone.iter_mut().enumerate() {
            let r = revents.get(i + 1).copied().unwrap_or(PollFlags::empty());
            if !*g && ready(r) {
                *g = !self.read_client(i, pty);
            }
        }
        let mut i = 0;
        self.clients.retain(|_| {
            i += 1;
            !gone[i - 1]
        });
        if target_ready {
            self.write_input(pty);
        }
        if revents.first().copied().is_some_and(ready) {
            self.accept();
        }
        let idle = n > 0 && self.clients.is_empty();
        if idle {
            self.buf = Vec::new();
        }
        idle
    }

    fn accept(&mut self) {
        loop {
            match socket::accept4(
                self.listener.as_raw_fd(),
                SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
            ) {
                // SAFETY: accept4 returned a new descriptor that nobody else owns.
                Ok(fd) => self.add(unsafe { OwnedFd::from_raw_fd(fd) }),
                Err(Errno::EINTR) => {}
                Err(_) => return,
            }
        }
    }

    /// Reads one message from client `i`; `false` when it has gone.
    fn read_client(&mut self, i: usize, pty: Option<BorrowedFd<'_>>) -> bool {
        let fd = self.clients[i].fd.as_raw_fd();
        let n = match socket::recv(fd, &mut self.buf, MsgFlags::MSG_DONTWAIT) {
            Ok(0) => return false,
            Ok(n) => n,
            Err(Errno::EINTR | Errno::EAGAIN) => return true,
            Err(_) => return false,
        };
        match Input::decode(&self.buf[..n]) {
            // Without -i, or after an end of input, input goes nowhere.
            Some(Input::Data(data)) if self.target(pty).is_some() && !self.eof => {
                if self.written == self.input.len() {
                    self.input.clear();
                    self.written = 0;
                }
                self.input.extend_from_slice(data);
                self.write_input(pty);
            }
            Some(Input::Eof) => {
                self.eof = true;
                self.write_input(pty);
            }
            Some(Input::Resize { rows, cols }) => {
                if let Some(p) = pty {
                    let ws = tty::WinSize {
                        ws_row: rows,
                        ws_col: cols,
                        ws_xpixel: 0,
                        ws_ypixel: 0,
                    };
                    let _ = tty::set_window_size(p, &ws);
                }
            }
            Some(Input::Data(_)) | None => {}
        }
        true
    }

    /// Writes what input it can without blocking; closes the pipe after an end of
    /// input once all is written. A container that closed its stdin drops the rest.
    fn write_input(&mut self, pty: Option<BorrowedFd<'_>>) {
        let target = match &self.stdin {
            Some(fd) => Some(fd.as_fd()),
            None => pty.filter(|_| self.interactive),
        };
        let mut failed = false;
        if let Some(t) = target {
            while self.written < self.input.len() {
                match nix::unistd::write(t, &self.input[self.written..]) {
                    Ok(n) => self.written += n,
                    Err(Errno::EINTR) => {}
                    Err(Errno::EAGAIN) => break,
                    Err(_) => {
                        self.written = self.input.len();
                        failed = true;
                    }
                }
            }
        }
        if failed {
            self.stdin = None;
        }
        if !self.pending_input() {
            self.input = Vec::new();
            self.written = 0;
            if self.eof {
                // With -t the terminal stays: other clients may still type.
                self.stdin = None;
                self.eof = false;
            }
        }
    }

    /// Copies output to every client.
    pub fn broadcast(&mut self, stream: Stream, data: &[u8]) {
        if !self.clients.is_empty() {
            self.send_all(&Output::Data(stream, data).encode());
        }
    }

    fn send_all(&mut self, msg: &[u8]) {
        self.clients.retain_mut(|c| {
            if c.queue.is_empty() {
                match send_now(&c.fd, msg) {
                    Ok(true) => return true,
                    Ok(false) => {}
                    Err(_) => return false,
                }
            }
            c.queued += msg.len();
            c.queue.push_back(msg.to_vec());
            true
        });
    }

    /// Tells every client the command's exit status and gives them until `deadline`
    /// to take what is queued for them.
    pub fn exit(&mut self, code: i32, deadline: Instant) {
        if self.clients.is_empty() {
            return;
        }
        self.send_all(&Output::Exit(code).encode());
        while self.clients.iter().any(|c| !c.queue.is_empty()) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let ms = left.as_millis().min(1000) as u16;
            let mut fds: Vec<PollFd<'_>> = self
                .clients
                .iter()
                .map(|c| PollFd::new(c.fd.as_fd(), PollFlags::POLLOUT))
                .collect();
            if let Err(e) = poll(&mut fds, PollTimeout::from(ms)) {
                if e != Errno::EINTR {
                    break;
                }
            }
            drop(fds);
            self.clients.retain_mut(flush_queue);
        }
    }

    /// Ends every attach session (the command is done; a restart starts afresh).
    pub fn disconnect_all(&mut self) {
        self.clients.clear();
        self.buf = Vec::new();
    }

    /// Attached clients, for tests and logs.
    pub fn clients(&self) -> usize {
        self.clients.len()
    }
}

/// Sends what the client's queue holds; `false` when the client has gone.
fn flush_queue(c: &mut Client) -> bool {
    while let Some(msg) = c.queue.front() {
        match send_now(&c.fd, msg) {
            Ok(true) => {
                c.queued -= msg.len();
                c.queue.pop_front();
            }
            Ok(false) => return true,
            Err(_) => return false,
        }
    }
    true
}

impl Drop for Hub {
    fn drop(&mut self) {
        // A monitor that took the container over meanwhile has its own socket there.
        let ours = std::fs::symlink_metadata(&self.path)
            .ok()
            .map(|m| (m.dev(), m.ino()));
        if ours.is_some() && ours == self.inode {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("rpod-hub-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn turn(hub: &mut Hub) {
        let mut revents = Vec::new();
        {
            let mut fds = Vec::new();
            hub.poll_fds(None, &mut fds);
            poll(&mut fds, PollTimeout::from(200u16)).unwrap();
            revents.extend(
                fds.iter()
                    .map(|f| f.revents().unwrap_or(PollFlags::empty())),
            );
        }
        hub.on_ready(&revents, None);
    }

    fn recv(fd: &OwnedFd) -> Vec<u8> {
        let mut buf = vec![0u8; MAX_DATA + 64];
        let n = socket::recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty()).unwrap();
        buf.truncate(n);
        buf
    }

    #[test]
    fn input_reaches_the_pipe_and_eof_closes_it() {
        let d = dir("in");
        let (r, w) = nix::unistd::pipe().unwrap();
        let mut hub = Hub::listen(&d, true).unwrap();
        hub.set_stdin(w);
        let client = super::super::connect(&d, "x").unwrap();
        turn(&mut hub);
        assert_eq!(hub.clients(), 1);
        send_now(&client, &Input::Data(b"abc").encode()).unwrap();
        send_now(&client, &Input::Eof.encode()).unwrap();
        for _ in 0..3 {
            turn(&mut hub);
        }
        let mut got = String::new();
        std::io::Read::read_to_string(&mut std::fs::File::from(r), &mut got).unwrap();
        assert_eq!(got, "abc");
        drop(hub);
        assert!(!super::super::socket_path(&d).exists());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn output_and_exit_reach_every_client() {
        let d = dir("out");
        let mut hub = Hub::listen(&d, false).unwrap();
        let a = super::super::connect(&d, "x").unwrap();
        let (mine, theirs) = super::super::pair().unwrap();
        hub.adopt(theirs);
        turn(&mut hub);
        assert_eq!(hub.clients(), 2);
        hub.broadcast(Stream::Stderr, b"oops");
        hub.exit(7, Instant::now() + Duration::from_secs(1));
        for c in [&a, &mine] {
            assert_eq!(recv(c), Output::Data(Stream::Stderr, b"oops").encode());
            assert_eq!(Output::decode(&recv(c)), Some(Output::Exit(7)));
        }
        // A client that went is dropped at the next output.
        drop(a);
        hub.broadcast(Stream::Stdout, b"x");
        assert_eq!(hub.clients(), 1);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_slow_client_queues_then_congests() {
        let d = dir("slow");
        let mut hub = Hub::listen(&d, false).unwrap();
        let (slow, theirs) = super::super::pair().unwrap();
        hub.adopt(theirs);
        let chunk = vec![b'y'; MAX_DATA];
        let mut sent = 0;
        while !hub.congested() && sent < 4 * QUEUE_LIMIT {
            hub.broadcast(Stream::Stdout, &chunk);
            sent += chunk.len();
        }
        assert!(hub.congested(), "never congested after {sent} bytes");
        // Reading everything lets the queue drain.
        let mut got = 0;
        while got < sent {
            turn(&mut hub);
            while let Ok(n) = socket::recv(
                slow.as_raw_fd(),
                &mut vec![0u8; MAX_DATA + 64],
                MsgFlags::MSG_DONTWAIT,
            ) {
                got += n - 1;
            }
        }
        assert_eq!(got, sent);
        assert!(!hub.congested());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
