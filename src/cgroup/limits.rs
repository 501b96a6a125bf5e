//! The resource flags of `run`/`create` (`--memory`, `--memory-swap`, `--cpus`,
//! `--cpu-shares`, `--pids-limit`): parsed and checked as podman does, turned into
//! the spec's `linux.resources`, written as cgroup v2 files, and the one warning
//! when this host cannot apply them.

use oci_spec::runtime::{LinuxCpu, LinuxMemory, LinuxPids, LinuxResources};
use thiserror::Error;

use super::detect::{CgroupInfo, Version};

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

/// The resource flags as the user gave them (sizes in bytes, `--cpus` as a number).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LimitFlags {
    pub memory: Option<i64>,
    pub memory_swap: Option<i64>,
    pub cpus: Option<f64>,
    pub cpu_shares: Option<u64>,
    pub pids_limit: Option<i64>,
}

/// A combination of flags podman refuses, in its words.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum LimitError {
    #[error("minimum memory limit allowed is 6MB")]
    MemoryTooLow,
    #[error("minimum memoryswap limit should be larger than memory limit, see usage")]
    SwapBelowMemory,
    #[error("you should always set the memory limit when using memoryswap limit, see usage")]
    SwapWithoutMemory,
}

/// The spec's resources from the flags; `None` when no flag asks for a limit.
pub fn resources(args: &LimitFlags) -> Result<Option<LinuxResources>, LimitError> {
    let memory = args.memory.filter(|m| *m != 0);
    if let Some(m) = memory {
        if m < MIN_MEMORY {
            return Err(LimitError::MemoryTooLow);
        }
    }
    let swap = args.memory_swap.filter(|s| *s != 0);
    match (memory, swap) {
        (Some(m), Some(s)) if s > 0 && s < m => return Err(LimitError::SwapBelowMemory),
        (None, Some(s)) if s > 0 => return Err(LimitError::SwapWithoutMemory),
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
    if args.cpus.is_some() || args.cpu_shares.is_some() {
        let mut cpu = LinuxCpu::default();
        if let Some(n) = args.cpus {
            cpu.set_quota(Some((n * CPU_PERIOD as f64).round() as i64));
            cpu.set_period(Some(CPU_PERIOD));
        }
        cpu.set_shares(args.cpu_shares);
        res.set_cpu(Some(cpu));
        any = true;
    }
    if let Some(p) = args.pids_limit {
        let mut pids = LinuxPids::default();
        pids.set_limit(if p <= 0 { -1 } else { p });
        res.set_pids(Some(pids));
        any = true;
    }
    Ok(any.then_some(res))
}

/// One limit as a cgroup v2 file write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitWrite {
    pub controller: &'static str,
    pub file: &'static str,
    pub value: String,
    /// The flag it comes from, for warnings.
    pub flag: &'static str,
}

/// `--cpu-shares` (cgroup v1's 2..262144) as cgroup v2's `cpu.weight` (1..10000), the
/// OCI runtimes' conversion.
pub fn shares_to_weight(shares: u64) -> u64 {
    let shares = shares.clamp(2, 262_144);
    1 + ((shares - 2) * 9999) / 262_142
}

/// The files the spec's resources are written to, in order.
pub fn limit_writes(res: &LinuxResources) -> Vec<LimitWrite> {
    let mut out = Vec::new();
    let max = |v: i64| {
        if v < 0 {
            "max".to_string()
        } else {
            v.to_string()
        }
    };
    if let Some(m) = res.memory() {
        if let Some(limit) = m.limit() {
            out.push(LimitWrite {
                controller: "memory",
                file: "memory.max",
                value: max(limit),
                flag: "--memory",
            });
            // OCI's swap is memory plus swap; cgroup v2 counts swap alone.
            if let Some(swap) = m.swap() {
                let value = if swap < 0 || limit < 0 {
                    "max".to_string()
                } else {
                    swap.saturating_sub(limit).max(0).to_string()
                };
                out.push(LimitWrite {
                    controller: "memory",
                    file: "memory.swap.max",
                    value,
                    flag: "--memory-swap",
                });
            }
        }
    }
    if let Some(c) = res.cpu() {
        if let Some(quota) = c.quota() {
            let period = c.period().unwrap_or(100_000);
            let q = if quota > 0 {
                quota.to_string()
            } else {
                "max".into()
            };
            out.push(LimitWrite {
                controller: "cpu",
                file: "cpu.max",
                value: format!("{q} {period}"),
                flag: "--cpus",
            });
        }
        if let Some(shares) = c.shares() {
            out.push(LimitWrite {
                controller: "cpu",
                file: "cpu.weight",
                value: shares_to_weight(shares).to_string(),
                flag: "--cpu-shares",
            });
        }
    }
    if let Some(p) = res.pids() {
        out.push(LimitWrite {
            controller: "pids",
            file: "pids.max",
            value: if p.limit() > 0 {
                p.limit().to_string()
            } else {
                "max".into()
            },
            flag: "--pids-limit",
        });
    }
    out
}

/// Flags ignored for want of their controller: `(flag, controller)`.
pub type Ignored = Vec<(&'static str, &'static str)>;

/// The flags of `writes` whose controller is not among `enabled`, once each.
pub fn unsupported(writes: &[LimitWrite], enabled: &[String]) -> Ignored {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for w in writes {
        if !enabled.iter().any(|e| e == w.controller) && !out.iter().any(|(f, _)| *f == w.flag) {
            out.push((w.flag, w.controller));
        }
    }
    out
}

/// What to warn when the host cannot apply `res` (`None`: it can). One line, with
/// podman's wording on cgroup v1.
pub fn ignored_warning(res: &LinuxResources, host: &CgroupInfo, uid: u32) -> Option<String> {
    let writes = limit_writes(res);
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
    let ignored = unsupported(&writes, &host.controllers);
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn spec_resources(
        mem: Option<(i64, Option<i64>)>,
        cpu: Option<(i64, u64)>,
        shares: Option<u64>,
        pids: Option<i64>,
    ) -> LinuxResources {
        let mut r = LinuxResources::default();
        if let Some((limit, swap)) = mem {
            let mut m = LinuxMemory::default();
            m.set_limit(Some(limit));
            m.set_swap(swap);
            r.set_memory(Some(m));
        }
        if cpu.is_some() || shares.is_some() {
            let mut c = LinuxCpu::default();
            if let Some((q, p)) = cpu {
                c.set_quota(Some(q));
                c.set_period(Some(p));
            }
            c.set_shares(shares);
            r.set_cpu(Some(c));
        }
        if let Some(p) = pids {
            let mut l = LinuxPids::default();
            l.set_limit(p);
            r.set_pids(Some(l));
        }
        r
    }

    #[test]
    fn limits_become_v2_files() {
        let r = spec_resources(
            Some((64 << 20, Some(128 << 20))),
            Some((50_000, 100_000)),
            Some(1024),
            Some(32),
        );
        let w: Vec<(&str, String)> = limit_writes(&r)
            .into_iter()
            .map(|w| (w.file, w.value))
            .collect();
        assert_eq!(
            w,
            [
                ("memory.max", (64u64 << 20).to_string()),
                ("memory.swap.max", (64u64 << 20).to_string()),
                ("cpu.max", "50000 100000".into()),
                ("cpu.weight", "39".into()),
                ("pids.max", "32".into()),
            ]
        );
        let unlimited = spec_resources(Some((1 << 30, Some(-1))), None, None, Some(-1));
        let w: Vec<String> = limit_writes(&unlimited)
            .into_iter()
            .map(|w| w.value)
            .collect();
        assert_eq!(w, [(1u64 << 30).to_string(), "max".into(), "max".into()]);
        assert!(limit_writes(&LinuxResources::default()).is_empty());
    }

    #[test]
    fn weights_follow_the_oci_conversion() {
        assert_eq!(shares_to_weight(2), 1);
        assert_eq!(shares_to_weight(262_144), 10_000);
        assert_eq!(shares_to_weight(1024), 39);
        assert_eq!(shares_to_weight(0), 1);
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

    /// The flags from `run`-style words: `-m SIZE`, `--memory-swap SIZE`,
    /// `--cpus N`, `--cpu-shares N`, `--pids-limit N`.
    fn args(words: &[&str]) -> LimitFlags {
        let mut f = LimitFlags::default();
        for pair in words.chunks(2) {
            let v = pair[1];
            match pair[0] {
                "-m" => f.memory = Some(parse_memory(v).unwrap()),
                "--memory-swap" => f.memory_swap = Some(parse_memory_swap(v).unwrap()),
                "--cpus" => f.cpus = Some(parse_cpus(v).unwrap()),
                "--cpu-shares" => f.cpu_shares = Some(v.parse().unwrap()),
                "--pids-limit" => f.pids_limit = Some(v.parse().unwrap()),
                other => panic!("no flag {other}"),
            }
        }
        f
    }

    #[test]
    fn flags_become_resources() {
        assert_eq!(resources(&args(&[])).unwrap(), None);
        let r = resources(&args(&[
            "-m",
            "64m",
            "--cpus",
            "0.5",
            "--cpu-shares",
            "512",
            "--pids-limit",
            "50",
        ]))
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
        let r = resources(&args(&[
            "-m",
            "64m",
            "--memory-swap",
            "-1",
            "--pids-limit",
            "-1",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(r.memory().unwrap().swap(), Some(-1));
        assert_eq!(r.pids().unwrap().limit(), -1);
    }

    #[test]
    fn bad_combinations_refused_with_podmans_words() {
        let e = resources(&args(&["-m", "1m"])).unwrap_err();
        assert_eq!(e.to_string(), "minimum memory limit allowed is 6MB");
        let e = resources(&args(&["-m", "64m", "--memory-swap", "32m"])).unwrap_err();
        assert!(e.to_string().contains("larger than memory limit"));
        let e = resources(&args(&["--memory-swap", "32m"])).unwrap_err();
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
        let r = resources(&args(&["-m", "64m", "--cpus", "1"]))
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
}
