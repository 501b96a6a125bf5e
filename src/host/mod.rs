//! Facts about the host that decide what rpod can do: kernel, devices, cgroups.

pub mod cgroups;

use std::fs::OpenOptions;
use std::path::Path;

/// The architecture under the names OCI images use.
pub fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    }
}

/// The running kernel's release string (`uname -r`).
pub fn kernel_release() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_else(|_| "unknown".into())
}

/// The boot id, which changes at every boot (for per-boot caches).
pub fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Whether this user can open a device read-write (e.g. `/dev/fuse`, `/dev/net/tun`).
pub fn device_usable(path: &Path) -> bool {
    OpenOptions::new().read(true).write(true).open(path).is_ok()
}
