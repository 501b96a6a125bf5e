//! One TCP connection of the container, terminated here and relayed to a host socket.
//!
//! "Guest" is the container's end, "host" the socket we opened for it. The
//! SYN-ACK is only sent once the host `connect` succeeded, so a refused or
//! unreachable destination reaches the container as a reset, as it would
//! with a real route.

use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::sys::epoll::EpollFlags;

use super::packet::{self, Tcp, TcpOut, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN};
use super::{Io, Key};
use crate::sys::socket;

/// Bytes accepted from the container and not yet taken by the host socket.
const TO_HOST_CAP: usize = 4 << 20;
/// Bytes read from the host socket and not yet acknowledged by the container.
const TO_GUEST_CAP: usize = 4 << 20;
/// Acknowledge at once after this much new data, without waiting for the batch end.
const ACK_EVERY: usize = 512 << 10;
/// Largest single read from the host socket.
const READ_CHUNK: usize = 256 << 10;
/// Our window-scale shift, offered when the container offers scaling.
const WSCALE: u8 = 7;
const RTO_MIN: Duration = Duration::from_millis(200);
const RTO_MAX: Duration = Duration::from_secs(8);
/// Retransmissions without progress before the connection is given up.
const MAX_RETRIES: u32 = 12;

/// A contiguous byte queue: append at the back, consume from the front.
#[derive(Default)]
struct Buf {
    data: Vec<u8>,
    start: usize,
}

impl Buf {
    fn len(&self) -> usize {
        self.data.len() - self.start
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn bytes(&self) -> &[u8] {
        &self.data[self.start..]
    }

    fn push(&mut self, b: &[u8]) {
        self.compact();
        self.data.extend_from_slice(b);
    }

    fn consume(&mut self, n: usize) {
        self.start += n.min(self.len());
        if self.start == self.data.len() {
            self.data.clear();
            self.start = 0;
        }
    }

    /// Reads from `fd` into the back; `Ok(0)` is end of stream. Reads into
    /// spare capacity: zero-filling the room first would cost as much as the read.
    fn read_from(&mut self, fd: BorrowedFd<'_>, max: usize) -> std::io::Result<usize> {
        self.compact();
        self.data.reserve(max);
        let spare = &mut self.data.spare_capacity_mut()[..max];
        let n = socket::read_uninit(fd, spare)?;
        // SAFETY: read(2) initialised the first `n` bytes of the spare capacity.
        unsafe { self.data.set_len(self.data.len() + n) };
        Ok(n)
    }

    fn compact(&mut self) {
        if self.start > 0 && self.start >= self.data.len() / 2 {
            self.data.drain(..self.start);
            self.start = 0;
        }
    }

    /// Gives memory back once idle.
    fn shrink(&mut self) {
        if self.is_empty() && self.data.capacity() > 0 {
            self.data = Vec::new();
            self.start = 0;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Host connect in progress; the container's SYN is unanswered.
    Connecting,
    Open,
}

pub(super) struct Conn {
    pub key: Key,
    sock: OwnedFd,
    state: State,
    guest_isn: u32,
    /// Our initial sequence number (the SYN-ACK's).
    iss: u32,
    snd_una: u32,
    snd_nxt: u32,
    /// The container's receive window, in bytes.
    snd_wnd: u32,
    peer_wscale: u8,
    our_wscale: u8,
    mss: usize,
    rcv_nxt: u32,
    to_host: Buf,
    to_guest: Buf,
    host_readable: bool,
    host_writable: bool,
    host_eof: bool,
    host_shut: bool,
    guest_fin: bool,
    fin_sent: bool,
    fin_acked: bool,
    ack_pending: bool,
    rx_since_ack: usize,
    last_progress: Instant,
    last_activity: Instant,
    rto: Duration,
    retries: u32,
    dupacks: u8,
}

fn seq_lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

fn seq_le(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) <= 0
}

impl Conn {
    /// Handles a segment for an unknown flow: a SYN opens a connection to
    /// `target`; anything else, or a refused target, is answered with a reset.
    pub fn open(
        io: &mut Io,
        key: Key,
        t: &Tcp,
        target: Option<SocketAddr>,
        token: u64,
    ) -> Option<Conn> {
        if t.flags & TCP_RST != 0 {
            return None;
        }
        if t.flags & (TCP_SYN | TCP_ACK) != TCP_SYN {
            reset(io, key, t);
            return None;
        }
        let Some(target) = target else {
            reset(io, key, t);
            return None;
        };
        let sock = match connect(&target) {
            Ok(s) => s,
            Err(e) => {
                log::debug!("container connection to {target} refused: {e}");
                reset(io, key, t);
                return None;
            }
        };
        let flags =
            EpollFlags::EPOLLIN | EpollFlags::EPOLLOUT | EpollFlags::EPOLLRDHUP | socket::EDGE;
        if io.poller.add(sock.as_fd(), flags, token).is_err() {
            reset(io, key, t);
            return None;
        }
        let v6 = key.0 .0.is_ipv6();
        let hdr = if v6 { 60 } else { 40 };
        let mss = usize::from(t.mss.unwrap_or(536)).min(io.mtu - hdr).max(64);
        let iss = initial_sequence(io.now);
        let (peer_wscale, our_wscale) = match t.wscale {
            Some(s) => (s, WSCALE),
            None => (0, 0),
        };
        Some(Conn {
            key,
            sock,
            state: State::Connecting,
            guest_isn: t.seq,
            iss,
            snd_una: iss.wrapping_add(1),
            snd_nxt: iss.wrapping_add(1),
            snd_wnd: u32::from(t.window),
            peer_wscale,
            our_wscale,
            mss,
            rcv_nxt: t.seq.wrapping_add(1),
            to_host: Buf::default(),
            to_guest: Buf::default(),
            host_readable: false,
            host_writable: false,
            host_eof: false,
            host_shut: false,
            guest_fin: false,
            fin_sent: false,
            fin_acked: false,
            ack_pending: false,
            rx_since_ack: 0,
            last_progress: io.now,
            last_activity: io.now,
            rto: RTO_MIN,
            retries: 0,
            dupacks: 0,
        })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    /// A segment from the container; returns `true` when the connection is over.
    pub fn on_segment(&mut self, io: &mut Io, t: &Tcp, mut payload: &[u8]) -> bool {
        self.last_activity = io.now;
        if t.flags & TCP_RST != 0 {
            // Pass the abort on: close the host socket with a reset.
            let _ = socket::set_linger_zero(self.sock.as_fd());
            return true;
        }
        if t.flags & TCP_SYN != 0 {
            // A retransmitted SYN: our SYN-ACK was lost, or is not sent yet.
            if self.state == State::Open && t.seq == self.guest_isn {
                self.send_synack(io);
            }
            return false;
        }
        if self.state == State::Connecting {
            return false;
        }
        if t.flags & TCP_ACK != 0 {
            self.on_ack(io, t, payload.is_empty());
        }
        let fin = t.flags & TCP_FIN != 0;
        if !payload.is_empty() || fin {
            let mut seq = t.seq;
            if seq_lt(seq, self.rcv_nxt) {
                let skip = self.rcv_nxt.wrapping_sub(seq) as usize;
                if skip > payload.len() || (skip == payload.len() && !fin) {
                    // Entirely old: acknowledge again, the container lost our ACK.
                    self.ack_pending = true;
                    return self.finished();
                }
                payload = &payload[skip.min(payload.len())..];
                seq = self.rcv_nxt;
            }
            if seq != self.rcv_nxt {
                // A gap: something before it was dropped. A duplicate ACK asks for it.
                self.ack_pending = true;
                return self.finished();
            }
            let room = TO_HOST_CAP.saturating_sub(self.to_host.len());
            let take = payload.len().min(room);
            if take > 0 && !self.guest_fin {
                if !self.write_to_host(&payload[..take]) {
                    self.abort(io);
                    return true;
                }
                self.rcv_nxt = self.rcv_nxt.wrapping_add(take as u32);
                self.rx_since_ack += take;
            }
            if fin && take == payload.len() && !self.guest_fin {
                self.rcv_nxt = self.rcv_nxt.wrapping_add(1);
                self.guest_fin = true;
            }
            self.ack_pending = true;
            if self.rx_since_ack >= ACK_EVERY {
                self.send_ack(io);
            }
            self.shut_host_if_done();
        }
        self.pump(io, false);
        self.finished()
    }

    fn on_ack(&mut self, io: &mut Io, t: &Tcp, pure: bool) {
        let ack = t.ack;
        let window = u32::from(t.window) << self.peer_wscale;
        if seq_lt(self.snd_una, ack) && seq_le(ack, self.snd_nxt) {
            let acked = ack.wrapping_sub(self.snd_una) as usize;
            self.to_guest.consume(acked);
            self.snd_una = ack;
            if self.fin_sent && ack == self.snd_nxt {
                self.fin_acked = true;
            }
            self.last_progress = io.now;
            self.rto = RTO_MIN;
            self.retries = 0;
            self.dupacks = 0;
        } else if ack == self.snd_una
            && pure
            && self.snd_nxt != self.snd_una
            && window == self.snd_wnd
        {
            self.dupacks = self.dupacks.saturating_add(1);
            if self.dupacks == 3 {
                self.rewind();
            }
        }
        self.snd_wnd = window;
    }

    /// Go back to the first unacknowledged byte and send again from there.
    fn rewind(&mut self) {
        self.snd_nxt = self.snd_una;
        if self.fin_sent && !self.fin_acked {
            self.fin_sent = false;
        }
    }

    /// Writes container data to the host socket, keeping what it cannot take yet.
    /// `false` when the host socket failed.
    fn write_to_host(&mut self, data: &[u8]) -> bool {
        if !self.to_host.is_empty() || !self.host_writable {
            self.to_host.push(data);
            return true;
        }
        match socket::send(self.sock.as_fd(), data) {
            Ok(n) => {
                if n < data.len() {
                    self.host_writable = false;
                    self.to_host.push(&data[n..]);
                }
                true
            }
            Err(e) if socket::would_block(&e) => {
                self.host_writable = false;
                self.to_host.push(data);
                true
            }
            Err(e) => {
                log::debug!("host side of a container connection failed: {e}");
                false
            }
        }
    }

    fn drain_to_host(&mut self) -> bool {
        while !self.to_host.is_empty() {
            match socket::send(self.sock.as_fd(), self.to_host.bytes()) {
                Ok(n) => {
                    self.to_host.consume(n);
                    self.ack_pending = true;
                }
                Err(e) if socket::would_block(&e) => {
                    self.host_writable = false;
                    return true;
                }
                Err(_) => return false,
            }
        }
        self.shut_host_if_done();
        true
    }

    fn shut_host_if_done(&mut self) {
        if self.guest_fin && self.to_host.is_empty() && !self.host_shut {
            let _ = socket::shutdown_write(self.sock.as_fd());
            self.host_shut = true;
        }
    }

    /// An event on the host socket; returns `true` when the connection is over.
    pub fn on_host_event(&mut self, io: &mut Io, ev: EpollFlags) -> bool {
        self.last_activity = io.now;
        if self.state == State::Connecting {
            if !ev.intersects(EpollFlags::EPOLLOUT | EpollFlags::EPOLLERR | EpollFlags::EPOLLHUP) {
                return false;
            }
            if let Err(e) = socket::take_error(self.sock.as_fd()) {
                log::debug!("container connection to {:?} failed: {e}", self.key.1);
                self.reset_guest(io);
                return true;
            }
            self.state = State::Open;
            let _ =
                socket::setsockopt_int(self.sock.as_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY, 1);
            self.host_writable = true;
            self.host_readable = true;
            self.send_synack(io);
            return false;
        }
        if ev.contains(EpollFlags::EPOLLERR) {
            if let Err(e) = socket::take_error(self.sock.as_fd()) {
                log::debug!("host side of a container connection failed: {e}");
                self.abort(io);
                return true;
            }
        }
        if ev.contains(EpollFlags::EPOLLOUT) {
            self.host_writable = true;
            if !self.drain_to_host() {
                self.abort(io);
                return true;
            }
        }
        if ev.intersects(EpollFlags::EPOLLIN | EpollFlags::EPOLLRDHUP | EpollFlags::EPOLLHUP) {
            self.host_readable = true;
        }
        if !self.pump(io, false) {
            self.abort(io);
            return true;
        }
        self.finished()
    }

    /// Sends what the container's window allows, reading more from the host
    /// as room frees up; sends our FIN after the last byte. `false` on a host error.
    fn pump(&mut self, io: &mut Io, probe: bool) -> bool {
        if self.state != State::Open {
            return true;
        }
        let mut probe = probe;
        loop {
            let in_flight = self.data_in_flight();
            let unsent = self.to_guest.len().saturating_sub(in_flight);
            if unsent == 0 {
                if self.host_readable && !self.host_eof && self.to_guest.len() < TO_GUEST_CAP {
                    let max = (TO_GUEST_CAP - self.to_guest.len()).min(READ_CHUNK);
                    match self.to_guest.read_from(self.sock.as_fd(), max) {
                        Ok(0) => {
                            self.host_eof = true;
                            self.host_readable = false;
                        }
                        Ok(_) => continue,
                        Err(e) if socket::would_block(&e) => self.host_readable = false,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => {
                            log::debug!("reading the host side of a container connection: {e}");
                            return false;
                        }
                    }
                }
                break;
            }
            let room = (self.snd_wnd as usize).saturating_sub(in_flight);
            let room = if probe && room == 0 { 1 } else { room };
            let n = unsent.min(self.mss).min(room);
            if n == 0 {
                break;
            }
            probe = false;
            self.send_data(io, in_flight, n);
        }
        if self.host_eof && !self.fin_sent && self.data_in_flight() == self.to_guest.len() {
            self.send_flags(io, self.snd_nxt, TCP_FIN | TCP_ACK);
            self.snd_nxt = self.snd_nxt.wrapping_add(1);
            self.fin_sent = true;
        }
        true
    }

    /// Data bytes sent and not acknowledged (the FIN is not data).
    fn data_in_flight(&self) -> usize {
        let span = self.snd_nxt.wrapping_sub(self.snd_una) as usize;
        if self.fin_sent && !self.fin_acked {
            span.saturating_sub(1)
        } else if self.fin_acked {
            0
        } else {
            span
        }
    }

    fn send_data(&mut self, io: &mut Io, offset: usize, n: usize) {
        let remote = (self.key.1).0;
        let out = segment_to_guest(
            self.key,
            self.snd_nxt,
            self.rcv_nxt,
            TCP_ACK | TCP_PSH,
            self.window(),
        );
        // The payload goes out from the send queue itself (it stays there
        // until acknowledged), after a header built alone.
        let payload = &self.to_guest.bytes()[offset..offset + n];
        let len = packet::build_tcp_header_partial(&mut io.out, &out, n);
        io.emit_partial(len, packet::tcp_checksum_start(remote), payload);
        self.snd_nxt = self.snd_nxt.wrapping_add(n as u32);
        self.ack_pending = false;
        self.rx_since_ack = 0;
    }

    fn window(&self) -> u16 {
        let room = TO_HOST_CAP.saturating_sub(self.to_host.len());
        let max = 0xffffusize << self.our_wscale;
        (room.min(max) >> self.our_wscale) as u16
    }

    fn send_synack(&mut self, io: &mut Io) {
        let ws = (self.peer_wscale > 0 || self.our_wscale > 0).then_some(self.our_wscale);
        let hdr = if (self.key.1).0.is_ipv6() { 60 } else { 40 };
        // Windows in SYN segments are never scaled.
        let window = TO_HOST_CAP.min(0xffff) as u16;
        let out = TcpOut {
            syn_options: Some(((io.mtu - hdr) as u16, ws)),
            ..segment_to_guest(self.key, self.iss, self.rcv_nxt, TCP_SYN | TCP_ACK, window)
        };
        let len = packet::build_tcp(&mut io.out, &out, 0);
        io.emit(len);
    }

    fn send_flags(&mut self, io: &mut Io, seq: u32, flags: u8) {
        let out = segment_to_guest(self.key, seq, self.rcv_nxt, flags, self.window());
        let len = packet::build_tcp(&mut io.out, &out, 0);
        io.emit(len);
        self.ack_pending = false;
        self.rx_since_ack = 0;
    }

    fn send_ack(&mut self, io: &mut Io) {
        self.send_flags(io, self.snd_nxt, TCP_ACK);
    }

    pub fn flush_ack(&mut self, io: &mut Io) {
        if self.ack_pending && self.state == State::Open {
            self.send_ack(io);
        }
    }

    /// Tells the container the connection is gone, and closes the host side.
    fn abort(&mut self, io: &mut Io) {
        let _ = socket::set_linger_zero(self.sock.as_fd());
        self.send_flags(io, self.snd_nxt, TCP_RST | TCP_ACK);
    }

    fn reset_guest(&mut self, io: &mut Io) {
        let ack = self.guest_isn.wrapping_add(1);
        let out = segment_to_guest(self.key, 0, ack, TCP_RST | TCP_ACK, 0);
        let len = packet::build_tcp(&mut io.out, &out, 0);
        io.emit(len);
    }

    fn finished(&self) -> bool {
        self.guest_fin && self.host_shut && self.fin_acked
    }

    /// Timers: retransmission, zero-window probes, idle memory. `true` when over.
    pub fn on_tick(&mut self, io: &mut Io) -> bool {
        if self.state == State::Connecting {
            return false;
        }
        let outstanding = self.snd_nxt != self.snd_una;
        let stalled = self.snd_wnd == 0 && self.to_guest.len() > self.data_in_flight();
        if (outstanding || stalled) && io.now.duration_since(self.last_progress) >= self.rto {
            self.retries += 1;
            if self.retries > MAX_RETRIES {
                log::debug!("container connection {:?} stopped answering", self.key);
                self.abort(io);
                return true;
            }
            self.rto = (self.rto * 2).min(RTO_MAX);
            self.last_progress = io.now;
            self.rewind();
            if !self.pump(io, true) {
                self.abort(io);
                return true;
            }
        }
        if io.now.duration_since(self.last_activity) > Duration::from_secs(1) {
            self.to_host.shrink();
            self.to_guest.shrink();
        }
        self.finished()
    }
}

/// A reset answering a segment that belongs to no connection.
fn reset(io: &mut Io, key: Key, t: &Tcp) {
    let (seq, ack, flags) = if t.flags & TCP_ACK != 0 {
        (t.ack, 0, TCP_RST)
    } else {
        let len = u32::from(t.flags & TCP_SYN != 0) + u32::from(t.flags & TCP_FIN != 0);
        (0, t.seq.wrapping_add(len), TCP_RST | TCP_ACK)
    };
    let out = segment_to_guest(key, seq, ack, flags, 0);
    let len = packet::build_tcp(&mut io.out, &out, 0);
    io.emit(len);
}

/// A segment from the remote end of `key` to the container, without SYN options.
#[inline]
fn segment_to_guest(key: Key, seq: u32, ack: u32, flags: u8, window: u16) -> TcpOut {
    let (guest, remote) = key;
    TcpOut {
        src: remote.0,
        dst: guest.0,
        src_port: remote.1,
        dst_port: guest.1,
        seq,
        ack,
        flags,
        window,
        syn_options: None,
    }
}

fn connect(target: &SocketAddr) -> std::io::Result<OwnedFd> {
    let sock = socket::socket(socket::domain(target), libc::SOCK_STREAM, 0)?;
    socket::connect(sock.as_fd(), target)?;
    Ok(sock)
}

/// Initial sequence numbers only need to differ between reuses of a 4-tuple.
fn initial_sequence(now: Instant) -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(now.elapsed().as_nanos());
    h.finish() as u32
}
