//! Terminals for `-t`: the pty is created inside the container (so `tty` there names
//! `/dev/pts/0` and `/dev/console` is it), its master sent to the monitor over a
//! socket; the monitor puts its own terminal in raw mode and copies both ways.

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::mount::{mount, MsFlags};
use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags};
use nix::sys::stat::Mode;
use nix::sys::termios::{self, SetArg, Termios};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum TtyError {
    #[error("{0}: {1}")]
    Sys(&'static str, #[source] Errno),
    #[error("the container did not send its terminal")]
    NoMaster,
}

fn sys(what: &'static str) -> impl FnOnce(Errno) -> TtyError {
    move |e| TtyError::Sys(what, e)
}

/// Rows and columns, as `TIOCGWINSZ` reports them.
pub type WinSize = libc::winsize;

/// The size of the terminal on `fd`, if it is one.
pub fn window_size(fd: BorrowedFd<'_>) -> Option<WinSize> {
    // SAFETY: zeroed winsize is valid; TIOCGWINSZ writes into it.
    let mut ws: WinSize = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) };
    (rc == 0).then_some(ws)
}

pub fn set_window_size(fd: BorrowedFd<'_>, ws: &WinSize) -> Result<(), TtyError> {
    // SAFETY: TIOCSWINSZ reads the winsize we pass.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, ws) };
    Errno::result(rc)
        .map(drop)
        .map_err(sys("setting the window size"))
}

/// Container side, after `pivot_root`: makes a pty in the container's devpts, binds its
/// slave on `/dev/console`, sends the master over `sock`, and makes the slave the
/// controlling terminal and stdio of this process.
pub fn attach_container_pty(sock: BorrowedFd<'_>, size: Option<&WinSize>) -> Result<(), TtyError> {
    let master = nix::pty::posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC)
        .map_err(sys("opening /dev/ptmx"))?;
    nix::pty::unlockpt(&master).map_err(sys("unlocking the pty"))?;
    let name = nix::pty::ptsname_r(&master).map_err(sys("naming the pty"))?;
    let slave = nix::fcntl::open(
        name.as_str(),
        OFlag::O_RDWR | OFlag::O_NOCTTY,
        Mode::empty(),
    )
    .map_err(sys("opening the pty"))?;
    if let Some(ws) = size {
        set_window_size(slave.as_fd(), ws)?;
    }
    let console = Path::new("/dev/console");
    match nix::sys::stat::mknod(
        console,
        nix::sys::stat::SFlag::S_IFREG,
        Mode::from_bits_truncate(0o600),
        0,
    ) {
        Ok(()) | Err(Errno::EEXIST) => {}
        Err(e) => return Err(sys("creating /dev/console")(e)),
    }
    mount(
        Some(name.as_str()),
        console,
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(sys("binding the pty on /dev/console"))?;

    let fds = [master.as_raw_fd()];
    sendmsg::<()>(
        sock.as_raw_fd(),
        &[IoSlice::new(b"t")],
        &[ControlMessage::ScmRights(&fds)],
        MsgFlags::empty(),
        None,
    )
    .map_err(sys("sending the pty to the monitor"))?;
    drop(master);

    nix::unistd::setsid().map_err(sys("starting a session"))?;
    // SAFETY: TIOCSCTTY with argument 0 on a terminal fd we own.
    let rc = unsafe { libc::ioctl(slave.as_raw_fd(), libc::TIOCSCTTY, 0) };
    Errno::result(rc).map_err(sys("taking the pty as controlling terminal"))?;
    for target in 0..=2 {
        // SAFETY: dup2 onto the standard descriptors.
        let rc = unsafe { libc::dup2(slave.as_raw_fd(), target) };
        Errno::result(rc).map_err(sys("connecting stdio to the pty"))?;
    }
    Ok(())
}

/// Monitor side: receives the master the container sent.
pub fn receive_master(sock: BorrowedFd<'_>) -> Result<OwnedFd, TtyError> {
    let mut byte = [0u8; 1];
    let mut iov = [IoSliceMut::new(&mut byte)];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 1]);
    let msg = recvmsg::<()>(
        sock.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::MSG_CMSG_CLOEXEC,
    )
    .map_err(sys("receiving the pty"))?;
    for cmsg in msg.cmsgs().map_err(sys("receiving the pty"))? {
        if let ControlMessageOwned::ScmRights(fds) = cmsg {
            if let Some(fd) = fds.first() {
                // SAFETY: the kernel just installed this descriptor for us.
                return Ok(unsafe { OwnedFd::from_raw_fd(*fd) });
            }
        }
    }
    Err(TtyError::NoMaster)
}

/// Puts a terminal in raw mode and restores it when dropped.
pub struct RawMode<'a> {
    fd: BorrowedFd<'a>,
    saved: Termios,
}

impl<'a> RawMode<'a> {
    /// `None` when `fd` is not a terminal.
    pub fn enter(fd: BorrowedFd<'a>) -> Option<RawMode<'a>> {
        let saved = termios::tcgetattr(fd).ok()?;
        let mut raw = saved.clone();
        termios::cfmakeraw(&mut raw);
        termios::tcsetattr(fd, SetArg::TCSADRAIN, &raw).ok()?;
        Some(RawMode { fd, saved })
    }
}

impl Drop for RawMode<'_> {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(self.fd, SetArg::TCSADRAIN, &self.saved);
    }
}
