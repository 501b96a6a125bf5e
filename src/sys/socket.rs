//! Thin, checked wrappers over the socket calls the event loops make many times
//! a second on non-blocking descriptors.

use std::io;
use std::mem::MaybeUninit;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::Duration;

use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};

fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn cvt_size(ret: libc::ssize_t) -> io::Result<usize> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as usize)
    }
}

pub fn domain(addr: &SocketAddr) -> libc::c_int {
    if addr.is_ipv6() {
        libc::AF_INET6
    } else {
        libc::AF_INET
    }
}

/// A non-blocking, close-on-exec socket.
pub fn socket(domain: libc::c_int, ty: libc::c_int, proto: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: socket(2) with plain arguments; the result is checked.
    let fd =
        cvt(unsafe { libc::socket(domain, ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, proto) })?;
    // SAFETY: the descriptor was just created and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A socket address in the kernel's layout.
pub struct RawAddr {
    storage: libc::sockaddr_storage,
    len: libc::socklen_t,
}

impl RawAddr {
    pub fn new(addr: &SocketAddr) -> RawAddr {
        // SAFETY: sockaddr_storage is plain data; zero is valid.
        let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        let len = match addr {
            SocketAddr::V4(a) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(a.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
                unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in, sin) };
                std::mem::size_of::<libc::sockaddr_in>()
            }
            SocketAddr::V6(a) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: a.flowinfo(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: a.ip().octets(),
                    },
                    sin6_scope_id: a.scope_id(),
                };
                // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
                unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in6, sin6) };
                std::mem::size_of::<libc::sockaddr_in6>()
            }
        };
        RawAddr {
            storage,
            len: len as libc::socklen_t,
        }
    }

    fn empty() -> RawAddr {
        RawAddr {
            // SAFETY: plain data; zero is valid.
            storage: unsafe { std::mem::zeroed() },
            len: std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t,
        }
    }

    fn ptr(&self) -> *const libc::sockaddr {
        &self.storage as *const _ as *const libc::sockaddr
    }

    pub fn to_std(&self) -> Option<SocketAddr> {
        match libc::c_int::from(self.storage.ss_family) {
            libc::AF_INET => {
                // SAFETY: the family says the storage holds a sockaddr_in.
                let sin = unsafe { &*(&self.storage as *const _ as *const libc::sockaddr_in) };
                Some(SocketAddr::V4(SocketAddrV4::new(
                    Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes()),
                    u16::from_be(sin.sin_port),
                )))
            }
            libc::AF_INET6 => {
                // SAFETY: the family says the storage holds a sockaddr_in6.
                let sin6 = unsafe { &*(&self.storage as *const _ as *const libc::sockaddr_in6) };
                let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
                // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d.
                if let Some(v4) = ip.to_ipv4_mapped() {
                    return Some(SocketAddr::new(
                        IpAddr::V4(v4),
                        u16::from_be(sin6.sin6_port),
                    ));
                }
                Some(SocketAddr::V6(SocketAddrV6::new(
                    ip,
                    u16::from_be(sin6.sin6_port),
                    sin6.sin6_flowinfo,
                    sin6.sin6_scope_id,
                )))
            }
            _ => None,
        }
    }
}

/// Starts a connect; `Ok` when it completed or is in progress.
pub fn connect(fd: BorrowedFd<'_>, addr: &SocketAddr) -> io::Result<()> {
    let raw = RawAddr::new(addr);
    // SAFETY: raw holds a valid sockaddr of length raw.len.
    match cvt(unsafe { libc::connect(fd.as_raw_fd(), raw.ptr(), raw.len) }) {
        Ok(_) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(()),
        Err(e) => Err(e),
    }
}

pub fn bind(fd: BorrowedFd<'_>, addr: &SocketAddr) -> io::Result<()> {
    let raw = RawAddr::new(addr);
    // SAFETY: raw holds a valid sockaddr of length raw.len.
    cvt(unsafe { libc::bind(fd.as_raw_fd(), raw.ptr(), raw.len) }).map(drop)
}

pub fn listen(fd: BorrowedFd<'_>, backlog: i32) -> io::Result<()> {
    // SAFETY: listen(2) on a descriptor we hold.
    cvt(unsafe { libc::listen(fd.as_raw_fd(), backlog) }).map(drop)
}

/// Accepts one connection (non-blocking, close-on-exec) with its peer address.
pub fn accept(fd: BorrowedFd<'_>) -> io::Result<(OwnedFd, Option<SocketAddr>)> {
    let mut raw = RawAddr::empty();
    // SAFETY: raw.storage is writable for raw.len bytes.
    let c = cvt(unsafe {
        libc::accept4(
            fd.as_raw_fd(),
            &mut raw.storage as *mut _ as *mut libc::sockaddr,
            &mut raw.len,
            libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        )
    })?;
    // SAFETY: accept4 returned a new descriptor that we own.
    Ok((unsafe { OwnedFd::from_raw_fd(c) }, raw.to_std()))
}

pub fn local_addr(fd: BorrowedFd<'_>) -> io::Result<Option<SocketAddr>> {
    let mut raw = RawAddr::empty();
    // SAFETY: raw.storage is writable for raw.len bytes.
    cvt(unsafe {
        libc::getsockname(
            fd.as_raw_fd(),
            &mut raw.storage as *mut _ as *mut libc::sockaddr,
            &mut raw.len,
        )
    })?;
    Ok(raw.to_std())
}

/// The pending error of a socket (`SO_ERROR`), e.g. after a non-blocking connect.
pub fn take_error(fd: BorrowedFd<'_>) -> io::Result<()> {
    let mut err: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: err is a writable c_int of length len.
    cvt(unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            &mut err as *mut _ as *mut libc::c_void,
            &mut len,
        )
    })?;
    if err == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(err))
    }
}

pub fn setsockopt_int(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: value is a c_int passed with its size.
    cvt(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            &value as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// Makes `close` send a reset instead of a FIN: how an aborted connection is passed on.
pub fn set_linger_zero(fd: BorrowedFd<'_>) -> io::Result<()> {
    let l = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: l is a linger struct passed with its size.
    cvt(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &l as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    })
    .map(drop)
}

pub fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: buf is writable for its length.
    cvt_size(unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) })
}

/// `read` into memory not yet initialised; returns how many bytes it filled.
pub fn read_uninit(fd: BorrowedFd<'_>, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: buf is writable for its length; read(2) only writes to it.
    cvt_size(unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) })
}

pub fn write(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: buf is readable for its length.
    cvt_size(unsafe { libc::write(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len()) })
}

/// One `writev` of up to four pieces: to a TUN device, one packet.
pub fn write_parts(fd: BorrowedFd<'_>, parts: &[&[u8]]) -> io::Result<usize> {
    let mut iov = [libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    }; 4];
    let n = parts.len().min(iov.len());
    for (v, p) in iov.iter_mut().zip(parts) {
        *v = libc::iovec {
            iov_base: p.as_ptr() as *mut libc::c_void,
            iov_len: p.len(),
        };
    }
    // SAFETY: the first `n` iovecs point at slices that outlive the call,
    // which only reads them.
    cvt_size(unsafe { libc::writev(fd.as_raw_fd(), iov.as_ptr(), n as libc::c_int) })
}

/// Sends on a socket without raising SIGPIPE when the peer is gone.
pub fn send(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: buf is readable for its length.
    cvt_size(unsafe {
        libc::send(
            fd.as_raw_fd(),
            buf.as_ptr().cast(),
            buf.len(),
            libc::MSG_NOSIGNAL,
        )
    })
}

pub fn send_to(fd: BorrowedFd<'_>, buf: &[u8], to: &SocketAddr) -> io::Result<usize> {
    let raw = RawAddr::new(to);
    // SAFETY: buf is readable for its length; raw holds a valid sockaddr.
    cvt_size(unsafe {
        libc::sendto(
            fd.as_raw_fd(),
            buf.as_ptr().cast(),
            buf.len(),
            libc::MSG_NOSIGNAL,
            raw.ptr(),
            raw.len,
        )
    })
}

pub fn recv_from(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<(usize, Option<SocketAddr>)> {
    let mut raw = RawAddr::empty();
    // SAFETY: buf and raw.storage are writable for their lengths.
    let n = cvt_size(unsafe {
        libc::recvfrom(
            fd.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            0,
            &mut raw.storage as *mut _ as *mut libc::sockaddr,
            &mut raw.len,
        )
    })?;
    Ok((n, raw.to_std()))
}

pub fn shutdown_write(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: shutdown(2) on a descriptor we hold.
    cvt(unsafe { libc::shutdown(fd.as_raw_fd(), libc::SHUT_WR) }).map(drop)
}

pub fn would_block(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::WouldBlock
}

/// An epoll instance with the registration calls the loops use.
pub struct Poller {
    epoll: Epoll,
}

pub const EDGE: EpollFlags = EpollFlags::EPOLLET;

impl Poller {
    pub fn new() -> io::Result<Poller> {
        Ok(Poller {
            epoll: Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?,
        })
    }

    pub fn add(&self, fd: BorrowedFd<'_>, flags: EpollFlags, token: u64) -> io::Result<()> {
        self.epoll
            .add(fd, EpollEvent::new(flags, token))
            .map_err(io::Error::from)
    }

    pub fn delete(&self, fd: BorrowedFd<'_>) {
        let _ = self.epoll.delete(fd);
    }

    /// Waits for events, at most `timeout` (`None`: until one comes). The
    /// timeout is rounded up to whole milliseconds: rounded down, the last
    /// fraction of a millisecond before a deadline would become a busy loop
    /// of zero-timeout waits.
    pub fn wait(&self, events: &mut [EpollEvent], timeout: Option<Duration>) -> io::Result<usize> {
        let timeout = match timeout {
            None => EpollTimeout::NONE,
            Some(t) => EpollTimeout::from(wait_millis(t)),
        };
        match self.epoll.wait(events, timeout) {
            Ok(n) => Ok(n),
            Err(nix::errno::Errno::EINTR) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }
}

/// `t` in whole milliseconds, rounded up, at most `u16::MAX`.
fn wait_millis(t: Duration) -> u16 {
    u16::try_from(t.as_micros().div_ceil(1000)).unwrap_or(u16::MAX)
}

/// An eventfd that asks a loop to stop.
pub struct Stopper {
    fd: OwnedFd,
}

impl Stopper {
    pub fn new() -> io::Result<Stopper> {
        // SAFETY: eventfd(2) with constant flags; checked.
        let fd = cvt(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        Ok(Stopper {
            // SAFETY: new descriptor owned by nobody else.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.fd.as_fd()
    }

    pub fn stop(&self) {
        let _ = write(self.fd(), &1u64.to_ne_bytes());
    }

    pub fn try_clone(&self) -> io::Result<Stopper> {
        Ok(Stopper {
            fd: self.fd.try_clone()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn wait_timeouts_round_up_to_whole_milliseconds() {
        assert_eq!(wait_millis(Duration::ZERO), 0);
        assert_eq!(wait_millis(Duration::from_micros(1)), 1);
        assert_eq!(wait_millis(Duration::from_micros(1500)), 2);
        assert_eq!(wait_millis(Duration::from_millis(50)), 50);
        assert_eq!(wait_millis(Duration::from_secs(3600)), u16::MAX);
        // A wait never ends before its timeout, so a loop waiting for a
        // deadline sleeps instead of spinning on zero-timeout waits.
        let poller = Poller::new().unwrap();
        let mut events = vec![EpollEvent::empty(); 4];
        let start = Instant::now();
        let deadline = start + Duration::from_micros(1500);
        let mut waits = 0;
        while Instant::now() < deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            assert_eq!(poller.wait(&mut events, Some(left)).unwrap(), 0);
            waits += 1;
        }
        assert!(waits <= 2, "{waits} waits for one 1.5 ms deadline");
    }
}
