//! Setting a process's own ids with the raw system calls.
//!
//! glibc's `setresuid`/`setresgid`/`setgroups` broadcast the change to every thread
//! glibc believes the process has, and wait for each to acknowledge it. After a
//! fork-style `clone3` (which glibc does not see as a fork) that list still names the
//! parent's other threads, which do not exist in the child: the wrapper then waits
//! forever. The child is single-threaded, so the per-thread kernel call is exactly
//! the whole change.

use nix::errno::Errno;

/// `setresuid(2)` for the calling thread only.
pub fn setresuid(r: u32, e: u32, s: u32) -> Result<(), Errno> {
    // SAFETY: a plain system call on the caller's own credentials; no memory is passed.
    let rc = unsafe { libc::syscall(libc::SYS_setresuid, r, e, s) };
    Errno::result(rc).map(drop)
}

/// `setresgid(2)` for the calling thread only.
pub fn setresgid(r: u32, e: u32, s: u32) -> Result<(), Errno> {
    // SAFETY: a plain system call on the caller's own credentials; no memory is passed.
    let rc = unsafe { libc::syscall(libc::SYS_setresgid, r, e, s) };
    Errno::result(rc).map(drop)
}

/// `setgroups(2)` for the calling thread only.
pub fn setgroups(groups: &[u32]) -> Result<(), Errno> {
    // SAFETY: the pointer and length describe `groups`, which outlives the call; the
    // kernel only reads it.
    let rc = unsafe { libc::syscall(libc::SYS_setgroups, groups.len(), groups.as_ptr()) };
    Errno::result(rc).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_the_ids_one_already_has_succeeds() {
        let uid = nix::unistd::getuid().as_raw();
        let gid = nix::unistd::getgid().as_raw();
        assert_eq!(setresgid(gid, gid, gid), Ok(()));
        assert_eq!(setresuid(uid, uid, uid), Ok(()));
    }
}
