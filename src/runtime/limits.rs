//! Resource limits of a container: the cgroup limits (`--memory`, `--memory-swap`,
//! `--cpus`, `--cpu-shares`, `--pids-limit`), parsed and checked as podman does and
//! turned into the spec's `linux.resources`, with the one warning when this host cannot
//! apply them; and the rlimits of `--ulimit`.

use oci_spec::runtime::{LinuxCpu, LinuxMemory, LinuxPids, LinuxResources, PosixRlimitType};
use thiserror::Error;

use super::spec::Ulimit;
use crate::host::cgroups::{CgroupInfo, Version};

/// podman's smallest `--memory`.
const MIN_MEMORY: i64 = 6 * 1024 * 1024;

/// The CFS period `--cpus` is expressed in, µs.
const CPU_PERIOD: u64 = 100_000;

/// A size as podman reads it (Go's `units.RAMInBytes`): a number, optionally
/// fractional, then an optional unit `b`, `k`, `m`, `g`, `t`, `p` (powers of 1024),
/// optionally followed by `b` or `ib`, any case.
pub fn parse_memory(s: &str) -> Result<i64, String> {
    let bad =
        || format!("invalid size: {s:?}: expected a number with an optional unit b, k, m or g");
    let t = s.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().map_err(|_| bad())?;
    let unit = unit.trim_start();
    let unit = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b').filter(|u| !u.is_empty()))
        .unwrap_or(unit);
    let mult: f64 = match unit {
        "" | "b" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        "t" => 1024f64.powi(4),
        "p" => 1024f64.powi(5),
        _ => return Err(bad()),
    };
    let bytes = value * mult;
    if !bytes.is_finite() || bytes > i64::MAX as f64 {
        return Err(bad());
    }
    Ok(bytes as i64)
}

/// `--memory-swap`: a size, or -1 for unlimited swap.
pub fn parse_memory_swap(s: &str) -> Result<i64, String> {
    if s.trim() == "-1" {
        return Ok(-1);
    }
    parse_memory(s)
}

/// `--cpus`: a positive number, at most the CPUs the host has.
pub fn parse_cpus(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("invalid --cpus {s:?}: expected a number such as 1.5"))?;
    let host = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    if !(0.01..=host).contains(&v) {
        return Err(format!(
            "range of CPUs is from 0.01 to {host:.2}, as there are only {host} CPUs available"
        ));
    }
    Ok(v)
}

/// The resource flags of `run`/`create`, as given (`None`: not given).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limits {
    /// `--memory`, bytes; 0 means no limit.
    pub memory: Option<i64>,
    /// `--memory-swap`, bytes; -1 unlimited, 0 the default.
    pub memory_swap: Option<i64>,
    pub cpus: Option<f64>,
    pub cpu_shares: Option<u64>,
    /// `--pids-limit`; 0 or less is unlimited.
    pub pids_limit: Option<i64>,
}

/// A combination of limits podman refuses, in its words.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum LimitsError {
    #[error("minimum memory limit allowed is 6MB")]
    MemoryTooSmall,
    #[error("minimum memoryswap limit should be larger than memory limit, see usage")]
    SwapBelowMemory,
    #[error("you should always set the memory limit when using memoryswap limit, see usage")]
    SwapWithoutMemory,
}

/// The spec's resources from the flags; `None` when no flag asks for a limit.
pub fn resources(limits: &Limits) -> Result<Option<LinuxResources>, LimitsError> {
    let memory = limits.memory.filter(|m| *m != 0);
    if let Some(m) = memory {
        if m < MIN_MEMORY {
            return Err(LimitsError::MemoryTooSmall);
        }
    }
    let swap = limits.memory_swap.filter(|s| *s != 0);
    match (memory, swap) {
        (Some(m), Some(s)) if s > 0 && s < m => return Err(LimitsError::SwapBelowMemory),
        (None, Some(s)) if s > 0 => return Err(LimitsError::SwapWithoutMemory),
        _ => {}
    }
    let mut res = LinuxResources::default();
    let mut any = false;
    if let Some(m) = memory {
        let mut mem = LinuxMemory::default();
        mem.set_limit(Some(m));
        // podman's default: as much swap as memory.
        mem.set_swap(Some(swap.unwrap_or(m.saturating_mul(2))));
        res.set_memory(Some(mem));
        any = true;
    }
    if limits.cpus.is_some() || limits.cpu_shares.is_some() {
        let mut cpu = LinuxCpu::default();
        if let Some(n) = limits.cpus {
            cpu.set_quota(Some((n * CPU_PERIOD as f64).round() as i64));
            cpu.set_period(Some(CPU_PERIOD));
        }
        cpu.set_shares(limits.cpu_shares);
        res.set_cpu(Some(cpu));
        any = true;
    }
    if let Some(p) = limits.pids_limit {
        let mut pids = LinuxPids::default();
        pids.set_limit(if p <= 0 { -1 } else { p });
        res.set_pids(Some(pids));
        any = true;
    }
    Ok(any.then_some(res))
}

/// What to warn when the host cannot apply `res` (`None`: it can). One line, with
/// podman's wording on cgroup v1.
pub fn ignored_warning(res: &LinuxResources, host: &CgroupInfo, uid: u32) -> Option<String> {
    let writes = super::cgroup::limit_writes(res);
    if writes.is_empty() {
        return None;
    }
    let Some(dir) = &host.delegated else {
        return Some(match host.version {
            Version::V1 => "Resource limits are not supported and ignored on cgroups V1 rootless systems".into(),
            Version::V2 => format!(
                "Resource limits are not supported and ignored: no cgroup v2 subtree is delegated to uid {uid}; run rpod in a delegated systemd user scope (systemd-run --user --scope rpod …), with lingering enabled (loginctl enable-linger {uid}) or Delegate=yes for user@.service"
            ),
        });
    };
    // The delegated root enables for its children what its parent offers it.
    let ignored = super::cgroup::unsupported(&writes, &host.controllers);
    if ignored.is_empty() {
        return None;
    }
    if host.version == Version::V1 && ignored.len() == writes.len() {
        return Some(
            "Resource limits are not supported and ignored on cgroups V1 rootless systems".into(),
        );
    }
    let list = ignored
        .iter()
        .map(|(flag, c)| format!("{flag} (controller {c})"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "{list} ignored: the controller is not delegated to uid {uid} in {} (Delegate=cpu cpuset io memory pids in user@.service)",
        dir.display()
    ))
}

fn rlimit_kind(name: &str) -> Option<PosixRlimitType> {
    use PosixRlimitType as T;
    Some(match name {
        "core" => T::RlimitCore,
        "cpu" => T::RlimitCpu,
        "data" => T::RlimitData,
        "fsize" => T::RlimitFsize,
        "locks" => T::RlimitLocks,
        "memlock" => T::RlimitMemlock,
        "msgqueue" => T::RlimitMsgqueue,
        "nice" => T::RlimitNice,
        "nofile" => T::RlimitNofile,
        "nproc" => T::RlimitNproc,
        "rss" => T::RlimitRss,
        "rtprio" => T::RlimitRtprio,
        "rttime" => T::RlimitRttime,
        "sigpending" => T::RlimitSigpending,
        "stack" => T::RlimitStack,
        "as" => T::RlimitAs,
        _ => return None,
    })
}

fn limit_value(s: &str) -> Result<u64, String> {
    match s {
        "-1" | "unlimited" => Ok(u64::MAX),
        _ => s
            .parse::<u64>()
            .map_err(|_| format!("{s:?} is not a number, -1 or unlimited")),
    }
}

/// `NAME=SOFT[:HARD]`; HARD defaults to SOFT.
pub fn parse_ulimit(s: &str) -> Result<Ulimit, String> {
    let (name, values) = s.split_once('=').ok_or("expected NAME=SOFT[:HARD]")?;
    let kind = rlimit_kind(name).ok_or_else(|| format!("unknown ulimit {name:?}"))?;
    let (soft, hard) = match values.split_once(':') {
        Some((s, h)) => (limit_value(s)?, limit_value(h)?),
        None => {
            let v = limit_value(values)?;
            (v, v)
        }
    };
    if soft > hard {
        return Err(format!(
            "ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
        ));
    }
    Ok(Ulimit { kind, soft, hard })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(m: &str) -> Option<i64> {
        Some(parse_memory(m).unwrap())
    }

    #[test]
    fn sizes_as_podman_reads_them() {
        assert_eq!(parse_memory("512m"), Ok(512 << 20));
        assert_eq!(parse_memory("1g"), Ok(1 << 30));
        assert_eq!(parse_memory("1.5G"), Ok(3 << 29));
        assert_eq!(parse_memory("64MiB"), Ok(64 << 20));
        assert_eq!(parse_memory("100kb"), Ok(100 << 10));
        assert_eq!(parse_memory("4096"), Ok(4096));
        assert_eq!(parse_memory("10b"), Ok(10));
        assert!(parse_memory("12x").is_err());
        assert!(parse_memory("m").is_err());
        assert!(parse_memory("-5m").is_err());
        assert_eq!(parse_memory_swap("-1"), Ok(-1));
    }

    #[test]
    fn cpus_bounded_by_the_host() {
        assert_eq!(parse_cpus("0.5"), Ok(0.5));
        assert!(parse_cpus("0").is_err());
        assert!(parse_cpus("100000").unwrap_err().contains("range of CPUs"));
        assert!(parse_cpus("x").is_err());
    }

    #[test]
    fn flags_become_resources() {
        assert_eq!(resources(&Limits::default()).unwrap(), None);
        let r = resources(&Limits {
            memory: memory("64m"),
            cpus: Some(0.5),
            cpu_shares: Some(512),
            pids_limit: Some(50),
            ..Default::default()
        })
        .unwrap()
        .unwrap();
        let mem = r.memory().unwrap();
        assert_eq!((mem.limit(), mem.swap()), (Some(64 << 20), Some(128 << 20)));
        let cpu = r.cpu().as_ref().unwrap();
        assert_eq!(
            (cpu.quota(), cpu.period(), cpu.shares()),
            (Some(50_000), Some(100_000), Some(512))
        );
        assert_eq!(r.pids().unwrap().limit(), 50);
        let r = resources(&Limits {
            memory: memory("64m"),
            memory_swap: Some(parse_memory_swap("-1").unwrap()),
            pids_limit: Some(-1),
            ..Default::default()
        })
        .unwrap()
        .unwrap();
        assert_eq!(r.memory().unwrap().swap(), Some(-1));
        assert_eq!(r.pids().unwrap().limit(), -1);
    }

    #[test]
    fn bad_combinations_refused_with_podmans_words() {
        let e = resources(&Limits {
            memory: memory("1m"),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "minimum memory limit allowed is 6MB");
        let e = resources(&Limits {
            memory: memory("64m"),
            memory_swap: memory("32m"),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("larger than memory limit"));
        let e = resources(&Limits {
            memory_swap: memory("32m"),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("always set the memory limit"));
    }

    fn host(version: Version, delegated: bool, controllers: &[&str]) -> CgroupInfo {
        CgroupInfo {
            version,
            hybrid: false,
            delegated: delegated.then(|| "/sys/fs/cgroup/d".into()),
            controllers: controllers.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn one_warning_naming_the_cause() {
        let r = resources(&Limits {
            memory: memory("64m"),
            cpus: Some(1.0),
            ..Default::default()
        })
        .unwrap()
        .unwrap();
        let v1 = ignored_warning(&r, &host(Version::V1, false, &[]), 1000).unwrap();
        assert_eq!(
            v1,
            "Resource limits are not supported and ignored on cgroups V1 rootless systems"
        );
        let v2 = ignored_warning(&r, &host(Version::V2, false, &[]), 1000).unwrap();
        assert!(
            v2.contains("no cgroup v2 subtree is delegated to uid 1000"),
            "{v2}"
        );
        assert!(v2.contains("systemd-run --user --scope"), "{v2}");
        let part =
            ignored_warning(&r, &host(Version::V2, true, &["memory", "pids"]), 1000).unwrap();
        assert!(
            part.starts_with("--cpus (controller cpu) ignored"),
            "{part}"
        );
        assert_eq!(
            ignored_warning(&r, &host(Version::V2, true, &["cpu", "memory"]), 1000),
            None
        );
        // A hybrid host's v2 tree, delegated but with every controller on the v1 side.
        let hybrid = ignored_warning(&r, &host(Version::V1, true, &[]), 1000).unwrap();
        assert!(hybrid.contains("cgroups V1"), "{hybrid}");
        assert_eq!(
            ignored_warning(
                &LinuxResources::default(),
                &host(Version::V1, false, &[]),
                1
            ),
            None
        );
    }

    #[test]
    fn ulimits() {
        let u = parse_ulimit("nofile=1024:2048").unwrap();
        assert_eq!(
            (u.kind, u.soft, u.hard),
            (PosixRlimitType::RlimitNofile, 1024, 2048)
        );
        let u = parse_ulimit("core=-1").unwrap();
        assert_eq!((u.soft, u.hard), (u64::MAX, u64::MAX));
        assert!(parse_ulimit("nofile=10:5").is_err());
        assert!(parse_ulimit("bogus=1").is_err());
        assert!(parse_ulimit("nofile").is_err());
        assert!(parse_ulimit("nofile=x").is_err());
    }
}
