//! Sockets created inside the container's network namespace, on demand.
//!
//! A socket belongs to the namespace it was created in; whoever holds it can
//! then bind and connect it from anywhere. So a tiny helper process joins the
//! container's user namespace (first: it grants the rights to join the
//! network namespace) and network namespace, and answers each one-byte
//! request with a new socket over a unix socket (`SCM_RIGHTS`). As the
//! namespace's root it can mark the socket `IP_TRANSPARENT`, which lets the
//! forwarder bind it to the client's own address.
//!
//! The helper is forked from the (possibly multi-threaded) monitor, so after
//! the fork it makes raw system calls only: no allocation, no locks.

use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};

use nix::sys::wait::waitpid;
use nix::unistd::{fork, ForkResult, Pid};

use crate::sys::fdpass;

const REQ_TCP: u8 = 1;
const REQ_UDP: u8 = 2;
const REQ_V6: u8 = 4;
const REPLY_OK: u8 = 1;
const REPLY_TRANSPARENT: u8 = 2;

/// A new socket from the namespace and whether it can take a foreign source address.
pub struct NsSocket {
    pub fd: OwnedFd,
    pub transparent: bool,
}

/// Sockets asked for at once: one round trip to the helper serves this many connections.
const BATCH: u8 = 16;

/// The helper process, our end of its socket, and sockets made ahead of need.
pub struct NsSockets {
    chan: OwnedFd,
    pid: Pid,
    /// Spare sockets by request kind (TCP/UDP × IPv4/IPv6).
    pool: [Vec<NsSocket>; 8],
}

impl NsSockets {
    /// Forks the helper into the namespaces given by `userns` (when the
    /// container has its own) and `netns` (fds of `/proc/PID/ns/*`).
    pub fn spawn(userns: Option<&OwnedFd>, netns: &OwnedFd) -> io::Result<NsSockets> {
        let (ours, theirs) = fdpass::seqpacket_pair()?;
        let user_raw = userns.map(|f| f.as_raw_fd());
        let net_raw = netns.as_raw_fd();
        // SAFETY: the child only makes async-signal-safe system calls and `_exit`s.
        match unsafe { fork() }? {
            ForkResult::Child => {
                let code = helper(theirs.as_raw_fd(), user_raw, net_raw);
                // SAFETY: leaving the forked child without running the parent's destructors.
                unsafe { libc::_exit(code) }
            }
            ForkResult::Parent { child } => {
                drop(theirs);
                let mut s = NsSockets {
                    chan: ours,
                    pid: child,
                    pool: Default::default(),
                };
                // The first answer proves the helper is in place (or says why not).
                let first = s.take(REQ_TCP)?;
                s.pool[usize::from(REQ_TCP)].push(first);
                Ok(s)
            }
        }
    }

    pub fn tcp(&mut self, v6: bool) -> io::Result<NsSocket> {
        self.take(REQ_TCP | if v6 { REQ_V6 } else { 0 })
    }

    pub fn udp(&mut self, v6: bool) -> io::Result<NsSocket> {
        self.take(REQ_UDP | if v6 { REQ_V6 } else { 0 })
    }

    fn take(&mut self, req: u8) -> io::Result<NsSocket> {
        let slot = usize::from(req & 7);
        if let Some(s) = self.pool[slot].pop() {
            return Ok(s);
        }
        fdpass::send_fds(self.chan.as_fd(), &[req, BATCH], &[])?;
        let mut first_err = None;
        for _ in 0..BATCH {
            match self.receive() {
                Ok(s) => self.pool[slot].push(s),
                // The helper is gone: no more replies will come.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Err(e),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        match self.pool[slot].pop() {
            Some(s) => Ok(s),
            None => Err(first_err.unwrap_or_else(|| io::Error::from_raw_os_error(libc::EIO))),
        }
    }

    fn receive(&self) -> io::Result<NsSocket> {
        let mut reply = [0u8; 8];
        let (n, mut fds) = fdpass::recv_fds(self.chan.as_fd(), &mut reply)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the helper in the container's network namespace is gone",
            ));
        }
        if reply[0] & REPLY_OK == 0 || fds.is_empty() {
            let errno = i32::from_ne_bytes([reply[1], reply[2], reply[3], reply[4]]);
            return Err(io::Error::from_raw_os_error(errno));
        }
        Ok(NsSocket {
            fd: fds.remove(0),
            transparent: reply[0] & REPLY_TRANSPARENT != 0,
        })
    }
}

impl Drop for NsSockets {
    fn drop(&mut self) {
        // End the helper's loop (it reads end-of-file), then reap it.
        // SAFETY: shutdown(2) on our own socket.
        unsafe { libc::shutdown(self.chan.as_raw_fd(), libc::SHUT_RDWR) };
        let _ = waitpid(self.pid, None);
    }
}

fn errno() -> i32 {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// The helper's whole life, in raw system calls.
fn helper(chan: RawFd, userns: Option<RawFd>, netns: RawFd) -> i32 {
    // SAFETY: every call below is a plain system call on descriptors this
    // process owns, with buffers on its own stack.
    unsafe {
        // No parent-death signal: it follows the forking thread, not the
        // process. The helper ends when the monitor's end of the channel
        // closes, which also happens when the monitor dies.
        let mut setup_err = 0;
        if let Some(u) = userns {
            if libc::setns(u, libc::CLONE_NEWUSER) < 0 {
                setup_err = errno();
            }
        }
        if setup_err == 0 && libc::setns(netns, libc::CLONE_NEWNET) < 0 {
            setup_err = errno();
        }
        // Keep only the channel: the monitor's other descriptors (the TUN,
        // listeners, pipes) must not be held open by this process.
        let chan = if chan != 3 {
            if libc::dup3(chan, 3, libc::O_CLOEXEC) < 0 {
                return 1;
            }
            3
        } else {
            chan
        };
        libc::syscall(libc::SYS_close_range, 4u32, u32::MAX, 0u32);
        loop {
            let mut req = [0u8; 2];
            let n = libc::recv(chan, req.as_mut_ptr().cast(), 2, 0);
            if n <= 0 {
                if n < 0 && errno() == libc::EINTR {
                    continue;
                }
                return 0;
            }
            let count = if n >= 2 { req[1].max(1) } else { 1 };
            for _ in 0..count {
                let mut reply = [0u8; 5];
                let mut fd = -1;
                if setup_err != 0 {
                    reply[1..5].copy_from_slice(&setup_err.to_ne_bytes());
                } else {
                    let v6 = req[0] & REQ_V6 != 0;
                    let domain = if v6 { libc::AF_INET6 } else { libc::AF_INET };
                    let ty = if req[0] & REQ_UDP != 0 {
                        libc::SOCK_DGRAM
                    } else {
                        libc::SOCK_STREAM
                    };
                    fd = libc::socket(domain, ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0);
                    if fd < 0 {
                        reply[1..5].copy_from_slice(&errno().to_ne_bytes());
                    } else {
                        reply[0] = REPLY_OK;
                        let one: libc::c_int = 1;
                        let (level, name) = if v6 {
                            (libc::SOL_IPV6, libc::IPV6_TRANSPARENT)
                        } else {
                            (libc::SOL_IP, libc::IP_TRANSPARENT)
                        };
                        let r = libc::setsockopt(
                            fd,
                            level,
                            name,
                            (&one as *const libc::c_int).cast(),
                            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                        );
                        if r == 0 {
                            reply[0] |= REPLY_TRANSPARENT;
                        }
                    }
                }
                send_reply(chan, &reply, fd);
                if fd >= 0 {
                    libc::close(fd);
                }
            }
        }
    }
}

/// `sendmsg` with at most one fd, with the control buffer on the stack.
///
/// # Safety
/// `chan` must be an open socket; `fd` an open descriptor or negative.
unsafe fn send_reply(chan: RawFd, reply: &[u8], fd: RawFd) {
    #[repr(C)]
    union Control {
        buf: [u8; 64],
        _align: libc::cmsghdr,
    }
    let mut control = Control { buf: [0; 64] };
    let mut iov = libc::iovec {
        iov_base: reply.as_ptr() as *mut libc::c_void,
        iov_len: reply.len(),
    };
    let mut msg: libc::msghdr = std::mem::zeroed();
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if fd >= 0 {
        let space = libc::CMSG_SPACE(std::mem::size_of::<RawFd>() as u32) as usize;
        msg.msg_control = control.buf.as_mut_ptr().cast();
        msg.msg_controllen = space;
        let c = libc::CMSG_FIRSTHDR(&msg);
        (*c).cmsg_level = libc::SOL_SOCKET;
        (*c).cmsg_type = libc::SCM_RIGHTS;
        (*c).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<RawFd>() as u32) as usize;
        std::ptr::write_unaligned(libc::CMSG_DATA(c).cast::<RawFd>(), fd);
    }
    while libc::sendmsg(chan, &msg, libc::MSG_NOSIGNAL) < 0 && errno() == libc::EINTR {}
}
