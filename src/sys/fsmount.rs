//! Thin safe wrappers over the kernel's file-descriptor mount API (`fsopen`,
//! `fsconfig`, `fsmount`, `move_mount`, Linux 5.2+). Unlike `mount(2)`, whose option
//! string is cut at one page, each option is passed on its own, so an overlay can
//! take any number of layers (`lowerdir+`, Linux 6.8+). Also the one `mount(2)`
//! call every fresh mount namespace starts with: making its mounts private.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::NixPath;
use thiserror::Error;

/// Makes every mount in this (new) mount namespace private, so that nothing
/// mounted here shows up in the namespace it was copied from.
pub fn make_mounts_private() -> nix::Result<()> {
    nix::mount::mount(
        None::<&str>,
        "/",
        None::<&str>,
        nix::mount::MsFlags::MS_REC | nix::mount::MsFlags::MS_PRIVATE,
        None::<&str>,
    )
}

// From <linux/mount.h>; a stable kernel ABI.
const FSOPEN_CLOEXEC: libc::c_uint = 0x1;
const FSCONFIG_SET_FLAG: libc::c_uint = 0;
const FSCONFIG_SET_STRING: libc::c_uint = 1;
const FSCONFIG_CMD_CREATE: libc::c_uint = 6;
const FSMOUNT_CLOEXEC: libc::c_uint = 0x1;
const MOUNT_ATTR_RDONLY: libc::c_uint = 0x1;
const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 0x4;

#[derive(Debug, Error)]
pub enum FsmountError {
    #[error("opening a {fstype} filesystem context: {source}")]
    Open {
        fstype: String,
        #[source]
        source: Errno,
    },
    #[error("setting {key}={value}: {source}{}", said(.log))]
    Config {
        key: String,
        value: String,
        /// What the filesystem logged about it, if anything.
        log: String,
        #[source]
        source: Errno,
    },
    #[error("creating the filesystem: {source}{}", said(.log))]
    Create {
        log: String,
        #[source]
        source: Errno,
    },
    #[error("making a mount of the filesystem: {source}")]
    Mount {
        #[source]
        source: Errno,
    },
    #[error("moving the mount onto {target}: {source}")]
    Move {
        target: PathBuf,
        #[source]
        source: Errno,
    },
}

fn said(log: &str) -> String {
    if log.is_empty() {
        String::new()
    } else {
        format!(" ({log})")
    }
}

impl FsmountError {
    /// The kernel's error number, whichever step failed.
    pub fn errno(&self) -> Errno {
        match self {
            Self::Open { source, .. }
            | Self::Config { source, .. }
            | Self::Create { source, .. }
            | Self::Mount { source }
            | Self::Move { source, .. } => *source,
        }
    }
}

/// A filesystem being configured (`fsopen`), not yet mounted anywhere.
#[derive(Debug)]
pub struct FsContext(OwnedFd);

/// A mount not yet attached to the tree (`fsmount`); dropping it discards it.
#[derive(Debug)]
pub struct DetachedMount(OwnedFd);

fn cstr_call(
    s: &(impl NixPath + ?Sized),
    f: impl FnOnce(*const libc::c_char) -> libc::c_long,
) -> Result<libc::c_long, Errno> {
    let ret = s.with_nix_path(|c| f(c.as_ptr()))?;
    Errno::result(ret)
}

impl FsContext {
    /// `fsopen(fstype)`.
    pub fn open(fstype: &str) -> Result<Self, FsmountError> {
        let err = |source| FsmountError::Open {
            fstype: fstype.to_string(),
            source,
        };
        // SAFETY: the name is a valid NUL-terminated string for the call's duration.
        let fd = cstr_call(fstype, |name| unsafe {
            libc::syscall(libc::SYS_fsopen, name, FSOPEN_CLOEXEC)
        })
        .map_err(err)?;
        let fd = i32::try_from(fd).map_err(|_| err(Errno::EBADF))?;
        // SAFETY: the kernel just returned this descriptor and nothing else owns it.
        Ok(Self(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// A boolean option (`userxattr`).
    pub fn set_flag(&self, key: &str) -> Result<(), FsmountError> {
        let fd = self.0.as_raw_fd();
        // SAFETY: key is NUL-terminated; a flag takes no value.
        cstr_call(key, |k| unsafe {
            libc::syscall(
                libc::SYS_fsconfig,
                fd,
                FSCONFIG_SET_FLAG,
                k,
                std::ptr::null::<libc::c_char>(),
                0,
            )
        })
        .map(drop)
        .map_err(|source| FsmountError::Config {
            key: key.to_string(),
            value: String::new(),
            log: self.log(),
            source,
        })
    }

    /// A string option; a path is passed as its bytes.
    pub fn set_string(&self, key: &str, value: &Path) -> Result<(), FsmountError> {
        let fd = self.0.as_raw_fd();
        let ret = key.with_nix_path(|k| {
            value.with_nix_path(|v| {
                // SAFETY: both strings are NUL-terminated and outlive the call.
                unsafe {
                    libc::syscall(
                        libc::SYS_fsconfig,
                        fd,
                        FSCONFIG_SET_STRING,
                        k.as_ptr(),
                        v.as_ptr(),
                        0,
                    )
                }
            })
        });
        ret.and_then(|r| r)
            .and_then(Errno::result)
            .map(drop)
            .map_err(|source| FsmountError::Config {
                key: key.to_string(),
                value: value.display().to_string(),
                log: self.log(),
                source,
            })
    }

    /// `FSCONFIG_CMD_CREATE`: the filesystem is built from the options given so far.
    pub fn create(&self) -> Result<(), FsmountError> {
        // SAFETY: no pointers are passed.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_fsconfig,
                self.0.as_raw_fd(),
                FSCONFIG_CMD_CREATE,
                std::ptr::null::<libc::c_char>(),
                std::ptr::null::<libc::c_void>(),
                0,
            )
        };
        Errno::result(ret)
            .map(drop)
            .map_err(|source| FsmountError::Create {
                log: self.log(),
                source,
            })
    }

    /// The error messages the filesystem queued on the context (`e …` lines), which
    /// say more than an errno ("failed to resolve …").
    fn log(&self) -> String {
        let mut errors = Vec::new();
        let mut buf = [0u8; 1024];
        // Bounded: the kernel keeps at most eight messages; ENODATA when drained.
        for _ in 0..16 {
            match nix::unistd::read(&self.0, &mut buf) {
                Ok(n) if n > 0 => {
                    let m = String::from_utf8_lossy(&buf[..n]);
                    if let Some(e) = m.strip_prefix("e ") {
                        errors.push(e.trim_end().to_string());
                    }
                }
                _ => break,
            }
        }
        errors.join("; ")
    }

    /// `fsmount`: a detached mount of the created filesystem.
    pub fn mount(&self, read_only: bool) -> Result<DetachedMount, FsmountError> {
        let attrs = if read_only { MOUNT_ATTR_RDONLY } else { 0 };
        // SAFETY: no pointers are passed.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_fsmount,
                self.0.as_raw_fd(),
                FSMOUNT_CLOEXEC,
                attrs,
            )
        };
        let fd = Errno::result(ret).map_err(|source| FsmountError::Mount { source })?;
        let fd = i32::try_from(fd).map_err(|_| FsmountError::Mount {
            source: Errno::EBADF,
        })?;
        // SAFETY: the kernel just returned this descriptor and nothing else owns it.
        Ok(DetachedMount(unsafe { OwnedFd::from_raw_fd(fd) }))
    }
}

impl DetachedMount {
    /// `move_mount`: attaches the mount on `target` (relative to the current directory
    /// when not absolute).
    pub fn attach(self, target: &Path) -> Result<(), FsmountError> {
        let fd = self.0.as_raw_fd();
        let ret = target.with_nix_path(|t| {
            // SAFETY: "" and the target are NUL-terminated and outlive the call.
            unsafe {
                libc::syscall(
                    libc::SYS_move_mount,
                    fd,
                    c"".as_ptr(),
                    libc::AT_FDCWD,
                    t.as_ptr(),
                    MOVE_MOUNT_F_EMPTY_PATH,
                )
            }
        });
        ret.and_then(Errno::result)
            .map(drop)
            .map_err(|source| FsmountError::Move {
                target: target.to_path_buf(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_filesystem_is_an_open_error() {
        // Unprivileged or not, no kernel knows this type: ENODEV (or EPERM/ENOSYS where
        // the call itself is refused), always reported as the open step.
        let e = FsContext::open("rpod-no-such-fs").unwrap_err();
        assert!(matches!(e, FsmountError::Open { .. }), "{e}");
        assert!(e.to_string().contains("rpod-no-such-fs"));
        assert_ne!(e.errno(), Errno::UnknownErrno);
    }

    #[test]
    fn a_refused_filesystem_carries_its_message() {
        // Only root may open an overlay context outside a user namespace.
        let Ok(fs) = FsContext::open("overlay") else {
            return;
        };
        let e = fs
            .set_string("lowerdir+", Path::new("/nonexistent/rpod-layer"))
            .unwrap_err();
        assert_eq!(e.errno(), Errno::ENOENT, "{e}");
        assert!(
            e.to_string()
                .starts_with("setting lowerdir+=/nonexistent/rpod-layer: ENOENT"),
            "{e}"
        );
        // What kernels before 6.8 answer to `lowerdir+`, with the reason logged.
        let e = fs
            .set_string("rpod-no-such-option", Path::new("/x"))
            .unwrap_err();
        assert_eq!(e.errno(), Errno::EINVAL, "{e}");
        assert_eq!(
            e.to_string(),
            "setting rpod-no-such-option=/x: EINVAL: Invalid argument \
             (overlay: Unknown parameter 'rpod-no-such-option')"
        );
    }
}
