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

/// The size of rpod's own terminal: stdin's, else stdout's.
pub fn own_window_size() -> Option<WinSize> {
    use std::os::fd::AsFd;
    window_size(std::io::stdin().as_fd()).or_else(|| window_size(std::io::stdout().as_fd()))
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
    let (master, slave, name) = open_pty(size)?;
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
    hand_over(sock, master, slave)
}

/// A process joining a running container: as [`attach_container_pty`], with a pty of
/// its own in the container's devpts and the container's console left alone.
pub fn attach_exec_pty(sock: BorrowedFd<'_>, size: Option<&WinSize>) -> Result<(), TtyError> {
    let (master, slave, _) = open_pty(size)?;
    hand_over(sock, master, slave)
}

/// A new pty from `/dev/ptmx`: master, slave and the slave's name.
fn open_pty(size: Option<&WinSize>) -> Result<(OwnedFd, OwnedFd, String), TtyError> {
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
    Ok((master.into(), slave, name))
}

/// Sends the pty to the monitor and makes its slave this process's controlling
/// terminal and stdio.
fn hand_over(sock: BorrowedFd<'_>, master: OwnedFd, slave: OwnedFd) -> Result<(), TtyError> {
    // The slave goes along so the monitor can see when input has been read.
    let fds = [master.as_raw_fd(), slave.as_raw_fd()];
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

/// The monitor's ends of the container's terminal.
#[derive(Debug)]
pub struct Pty {
    pub master: OwnedFd,
    /// The container's end, held only to read its input queue (see [`offer_eof`]);
    /// dropped before the final drain, which ends when the last holder closes it.
    pub peer: Option<OwnedFd>,
}

/// Monitor side: receives the pty the container sent.
pub fn receive_pty(sock: BorrowedFd<'_>) -> Result<Pty, TtyError> {
    let mut byte = [0u8; 1];
    let mut iov = [IoSliceMut::new(&mut byte)];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 2]);
    let msg = recvmsg::<()>(
        sock.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::MSG_CMSG_CLOEXEC,
    )
    .map_err(sys("receiving the pty"))?;
    for cmsg in msg.cmsgs().map_err(sys("receiving the pty"))? {
        if let ControlMessageOwned::ScmRights(fds) = cmsg {
            // SAFETY: the kernel just installed these descriptors for us.
            let mut owned = fds.iter().map(|fd| unsafe { OwnedFd::from_raw_fd(*fd) });
            if let Some(master) = owned.next() {
                return Ok(Pty {
                    master,
                    peer: owned.next(),
                });
            }
        }
    }
    Err(TtyError::NoMaster)
}

/// Where the container's terminal stands when piped input to `-it` has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EofOffer {
    /// A raw-mode reader (a shell's line editor) had read everything: ^D was sent, which
    /// it takes as the end on an empty line.
    Sent,
    /// Input is still queued: wait.
    Busy,
    /// A canonical reader has read everything; see [`send_canonical_eof`].
    CanonicalIdle,
}

/// Offers "end of input" to the container's terminal. The end may only follow what
/// came before it, once read: an EOF character queued in canonical mode becomes a NUL
/// byte for a program that switches to raw mode before reading it (a shell starting its
/// line editor), so the canonical case is left to the caller to confirm over time.
pub fn offer_eof(master: BorrowedFd<'_>, peer: Option<BorrowedFd<'_>>) -> EofOffer {
    let Ok(attrs) = termios::tcgetattr(master) else {
        return EofOffer::Sent; // the terminal is gone: nothing left to tell
    };
    if let Some(peer) = peer {
        let mut pending: libc::c_int = 0;
        // SAFETY: TIOCINQ writes an int.
        let rc = unsafe { libc::ioctl(peer.as_raw_fd(), libc::TIOCINQ, &mut pending) };
        if rc == 0 && pending > 0 {
            return EofOffer::Busy;
        }
    }
    if attrs.local_flags.contains(termios::LocalFlags::ICANON) {
        return EofOffer::CanonicalIdle;
    }
    let _ = nix::unistd::write(master, &[0x04]);
    EofOffer::Sent
}

/// Sends the terminal's EOF character (canonical mode).
pub fn send_canonical_eof(master: BorrowedFd<'_>) {
    if let Ok(attrs) = termios::tcgetattr(master) {
        let eof = attrs.control_chars[termios::SpecialCharacterIndices::VEOF as usize];
        let _ = nix::unistd::write(master, &[eof]);
    }
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
