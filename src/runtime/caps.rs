//! Linux capabilities: names as users type them, podman's default set, and the
//! bounding/capset/ambient calls the container's init makes before exec.
//!
//! `capset(2)` is called directly through `libc`: it is one syscall with a fixed
//! layout, and a crate for it would bring more than it saves.

use std::collections::HashSet;
use std::fmt;

use nix::errno::Errno;
use oci_spec::runtime::{Capabilities, Capability};

/// Every capability the spec can name, in kernel bit order (index = `CAP_*` number).
pub const ALL: [Capability; 41] = [
    Capability::Chown,
    Capability::DacOverride,
    Capability::DacReadSearch,
    Capability::Fowner,
    Capability::Fsetid,
    Capability::Kill,
    Capability::Setgid,
    Capability::Setuid,
    Capability::Setpcap,
    Capability::LinuxImmutable,
    Capability::NetBindService,
    Capability::NetBroadcast,
    Capability::NetAdmin,
    Capability::NetRaw,
    Capability::IpcLock,
    Capability::IpcOwner,
    Capability::SysModule,
    Capability::SysRawio,
    Capability::SysChroot,
    Capability::SysPtrace,
    Capability::SysPacct,
    Capability::SysAdmin,
    Capability::SysBoot,
    Capability::SysNice,
    Capability::SysResource,
    Capability::SysTime,
    Capability::SysTtyConfig,
    Capability::Mknod,
    Capability::Lease,
    Capability::AuditWrite,
    Capability::AuditControl,
    Capability::Setfcap,
    Capability::MacOverride,
    Capability::MacAdmin,
    Capability::Syslog,
    Capability::WakeAlarm,
    Capability::BlockSuspend,
    Capability::AuditRead,
    Capability::Perfmon,
    Capability::Bpf,
    Capability::CheckpointRestore,
];

/// podman's default set for containers.
pub const DEFAULT: [Capability; 11] = [
    Capability::Chown,
    Capability::DacOverride,
    Capability::Fowner,
    Capability::Fsetid,
    Capability::Kill,
    Capability::NetBindService,
    Capability::Setfcap,
    Capability::Setgid,
    Capability::Setpcap,
    Capability::Setuid,
    Capability::SysChroot,
];

/// A `--cap-add`/`--cap-drop` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapName {
    All,
    One(Capability),
}

impl fmt::Display for CapName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CapName::All => f.write_str("ALL"),
            CapName::One(c) => write!(f, "CAP_{c}"),
        }
    }
}

/// Parses `chown`, `CAP_CHOWN`, `all`; the error text is podman's.
pub fn parse_name(text: &str) -> Result<CapName, String> {
    let upper = text.trim().to_ascii_uppercase();
    if upper == "ALL" {
        return Ok(CapName::All);
    }
    let bare = upper.strip_prefix("CAP_").unwrap_or(&upper);
    ALL.iter()
        .find(|c| c.to_string() == bare)
        .map(|c| CapName::One(*c))
        .ok_or_else(|| format!("\"CAP_{bare}\": unknown capability"))
}

/// The kernel's number for `cap`.
pub fn number(cap: Capability) -> u32 {
    ALL.iter().position(|c| *c == cap).unwrap_or(0) as u32
}

/// The bounding set after `--cap-add`/`--cap-drop`, with Docker's rules: `ALL` in adds
/// starts from every capability, `ALL` in drops from none; specific adds win over drops.
pub fn merge(add: &[CapName], drop: &[CapName]) -> Capabilities {
    let mut set: HashSet<Capability> = if add.contains(&CapName::All) {
        ALL.iter().copied().collect()
    } else {
        DEFAULT.iter().copied().collect()
    };
    if drop.contains(&CapName::All) {
        set.clear();
    }
    for d in drop {
        if let CapName::One(c) = d {
            set.remove(c);
        }
    }
    for a in add {
        if let CapName::One(c) = a {
            set.insert(*c);
        }
    }
    set
}

/// Bit mask of a set, bit N = `CAP_*` number N.
pub fn mask(set: Option<&Capabilities>) -> u64 {
    set.map(|s| s.iter().fold(0u64, |m, c| m | (1u64 << number(*c))))
        .unwrap_or(0)
}

/// The five sets as masks, ready for [`apply_bounding`] and [`apply_sets`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Masks {
    pub bounding: u64,
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
    pub ambient: u64,
}

impl Masks {
    pub fn from_spec(caps: &oci_spec::runtime::LinuxCapabilities) -> Masks {
        Masks {
            bounding: mask(caps.bounding().as_ref()),
            effective: mask(caps.effective().as_ref()),
            permitted: mask(caps.permitted().as_ref()),
            inheritable: mask(caps.inheritable().as_ref()),
            ambient: mask(caps.ambient().as_ref()),
        }
    }
}

/// Drops every capability outside `bounding` from the bounding set (needs CAP_SETPCAP,
/// so it runs before the user switch).
pub fn apply_bounding(bounding: u64) -> Result<(), Errno> {
    for cap in 0..64u32 {
        if bounding & (1 << cap) != 0 {
            continue;
        }
        // SAFETY: prctl with integer arguments only.
        let rc = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
        if rc < 0 {
            match Errno::last() {
                // Past the kernel's last capability.
                Errno::EINVAL => break,
                e => return Err(e),
            }
        }
    }
    Ok(())
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

/// Sets effective, permitted and inheritable, then raises the ambient ones.
pub fn apply_sets(m: &Masks) -> Result<(), Errno> {
    let header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let data = [
        CapData {
            effective: m.effective as u32,
            permitted: m.permitted as u32,
            inheritable: m.inheritable as u32,
        },
        CapData {
            effective: (m.effective >> 32) as u32,
            permitted: (m.permitted >> 32) as u32,
            inheritable: (m.inheritable >> 32) as u32,
        },
    ];
    // SAFETY: header and two data structs in the v3 layout the kernel expects.
    let rc = unsafe { libc::syscall(libc::SYS_capset, &header, data.as_ptr()) };
    Errno::result(rc)?;
    for cap in 0..64u32 {
        if m.ambient & (1 << cap) != 0 {
            // SAFETY: prctl with integer arguments only.
            let rc = unsafe {
                libc::prctl(
                    libc::PR_CAP_AMBIENT,
                    libc::PR_CAP_AMBIENT_RAISE as libc::c_ulong,
                    cap as libc::c_ulong,
                    0,
                    0,
                )
            };
            Errno::result(rc)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_kernel() {
        assert_eq!(number(Capability::Chown), 0);
        assert_eq!(number(Capability::NetBindService), 10);
        assert_eq!(number(Capability::SysAdmin), 21);
        assert_eq!(number(Capability::Setfcap), 31);
        assert_eq!(number(Capability::CheckpointRestore), 40);
    }

    #[test]
    fn default_mask_is_podmans() {
        let set: Capabilities = DEFAULT.iter().copied().collect();
        // podman 4's CapBnd as seen in /proc/1/status.
        assert_eq!(mask(Some(&set)), 0x8004_05fb);
    }

    #[test]
    fn parse_names() {
        assert_eq!(parse_name("chown"), Ok(CapName::One(Capability::Chown)));
        assert_eq!(
            parse_name("CAP_SYS_ADMIN"),
            Ok(CapName::One(Capability::SysAdmin))
        );
        assert_eq!(parse_name("all"), Ok(CapName::All));
        assert_eq!(
            parse_name("bogus").unwrap_err(),
            "\"CAP_BOGUS\": unknown capability"
        );
    }

    #[test]
    fn merge_rules() {
        let one = |c| CapName::One(c);
        let s = merge(&[one(Capability::SysAdmin)], &[one(Capability::Chown)]);
        assert!(s.contains(&Capability::SysAdmin));
        assert!(!s.contains(&Capability::Chown));
        assert_eq!(s.len(), DEFAULT.len());

        let s = merge(&[one(Capability::Chown)], &[CapName::All]);
        assert_eq!(s, [Capability::Chown].into_iter().collect());

        let s = merge(&[CapName::All], &[one(Capability::SysAdmin)]);
        assert_eq!(s.len(), ALL.len() - 1);
        assert!(!s.contains(&Capability::SysAdmin));
    }
}
