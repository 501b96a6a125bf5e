//! Descriptor flags the event loops need.

use std::io;
use std::os::fd::BorrowedFd;

use nix::fcntl::{fcntl, FcntlArg, OFlag};

/// Adds `O_NONBLOCK` to `fd`'s file status flags, keeping the others.
pub fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?);
    fcntl(fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn the_flag_is_added_and_others_kept() {
        let (r, _w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).unwrap();
        set_nonblocking(r.as_fd()).unwrap();
        let flags = OFlag::from_bits_truncate(fcntl(r.as_fd(), FcntlArg::F_GETFL).unwrap());
        assert!(flags.contains(OFlag::O_NONBLOCK));
        assert_eq!(
            fcntl(r.as_fd(), FcntlArg::F_GETFD).unwrap() & libc::FD_CLOEXEC,
            libc::FD_CLOEXEC
        );
    }
}
