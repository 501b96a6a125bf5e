//! Facts about the host that decide what rpod can do: kernel, devices.

use std::fs::OpenOptions;
use std::path::Path;

/// The running kernel's release string (`uname -r`).
pub fn kernel_release() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_else(|_| "unknown".into())
}

/// Whether this user can open a device read-write (e.g. `/dev/fuse`, `/dev/net/tun`).
pub fn device_usable(path: &Path) -> bool {
    OpenOptions::new().read(true).write(true).open(path).is_ok()
}
