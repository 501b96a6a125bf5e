//! Probing kernel overlayfs inside the user namespace, cached per boot.

use std::ffi::CString;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::Result;
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::CloneFlags;
use nix::sys::stat::{makedev, mknod, Mode, SFlag};
use serde::{Deserialize, Serialize};

use crate::base::atomic;
use crate::base::paths::Paths;
use crate::userns::{self, IdMap};

/// What the probe found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OverlayProbe {
    /// A kernel overlay with `userxattr` mounts inside the user namespace.
    pub works: bool,
    /// Whiteouts as 0:0 character devices can be created and hide lower files.
    pub whiteouts: bool,
    /// `user.overlay.opaque` hides a lower directory's content.
    pub opaque: bool,
    /// Why it does not work, or what it supports.
    pub reason: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Cached {
    boot_id: String,
    kernel: String,
    root: String,
    probe: OverlayProbe,
}

/// The overlay probe for this store's filesystem, from the per-boot cache or fresh.
pub fn overlay(paths: &Paths, map: &IdMap) -> Result<OverlayProbe> {
    let cache = paths.runroot.join("overlay-probe.json");
    let boot_id = crate::sys::proc::boot_id().to_string();
    let kernel = crate::host::kernel_release();
    let root = paths.root.display().to_string();
    if let Ok(data) = fs::read(&cache) {
        if let Ok(c) = serde_json::from_slice::<Cached>(&data) {
            if c.boot_id == boot_id && c.kernel == kernel && c.root == root {
                return Ok(c.probe);
            }
        }
    }
    paths.ensure_root()?;
    let base = paths
        .root
        .join(format!(".overlay-probe-{}", std::process::id()));
    let probe_dir = base.clone();
    let probe = userns::run_in(map, CloneFlags::CLONE_NEWNS, move || {
        Ok(run_probe(&probe_dir))
    })?;
    let _ = fs::remove_dir_all(&base);
    paths.ensure_runroot()?;
    atomic::write_json(
        &cache,
        &Cached {
            boot_id,
            kernel,
            root,
            probe: probe.clone(),
        },
    )?;
    Ok(probe)
}

/// Runs inside the user namespace with a private mount namespace.
fn run_probe(base: &Path) -> OverlayProbe {
    let result = try_overlay(base);
    // Overlay leaves work/work at mode 000; open it up so the tree can be removed.
    let _ = fs::set_permissions(base.join("work/work"), fs::Permissions::from_mode(0o700));
    let _ = fs::remove_dir_all(base);
    result
}

fn try_overlay(base: &Path) -> OverlayProbe {
    let fail = |reason: String| OverlayProbe {
        works: false,
        whiteouts: false,
        opaque: false,
        reason,
    };
    for d in ["lower/dir", "upper/dir", "work", "merged"] {
        if let Err(e) = fs::create_dir_all(base.join(d)) {
            return fail(format!("cannot create probe directory: {e}"));
        }
    }
    let _ = fs::write(base.join("lower/gone"), b"x");
    let _ = fs::write(base.join("lower/dir/hidden"), b"x");
    let whiteout_made = mknod(
        &base.join("upper/gone"),
        SFlag::S_IFCHR,
        Mode::from_bits_truncate(0o600),
        makedev(0, 0),
    )
    .is_ok();
    let opaque_set = set_xattr(&base.join("upper/dir"), "user.overlay.opaque", b"y");
    let merged = base.join("merged");
    let opts = format!(
        "lowerdir={},upperdir={},workdir={},userxattr",
        base.join("lower").display(),
        base.join("upper").display(),
        base.join("work").display()
    );
    if let Err(e) = mount(
        Some("overlay"),
        &merged,
        Some("overlay"),
        MsFlags::empty(),
        Some(opts.as_str()),
    ) {
        return fail(format!(
            "kernel overlay with userxattr refused: {}",
            e.desc()
        ));
    }
    let whiteouts = whiteout_made && !merged.join("gone").exists();
    let opaque = opaque_set && !merged.join("dir/hidden").exists();
    let _ = umount2(&merged, MntFlags::MNT_DETACH);
    OverlayProbe {
        works: true,
        whiteouts,
        opaque,
        reason: format!(
            "kernel overlay with userxattr{}{}",
            if whiteouts {
                ", whiteouts"
            } else {
                ", no whiteouts"
            },
            if opaque {
                ", opaque dirs"
            } else {
                ", no opaque dirs"
            }
        ),
    }
}

fn set_xattr(path: &Path, name: &str, value: &[u8]) -> bool {
    let (Ok(p), Ok(n)) = (
        CString::new(path.as_os_str().as_encoded_bytes()),
        CString::new(name),
    ) else {
        return false;
    };
    // SAFETY: valid C strings and a buffer with its exact length.
    unsafe {
        libc::setxattr(
            p.as_ptr(),
            n.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        ) == 0
    }
}
