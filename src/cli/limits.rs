//! The resource flags of `run`/`create` (`--memory`, `--memory-swap`, `--cpus`,
//! `--cpu-shares`, `--pids-limit`): parsed and checked as podman does, turned into the
//! spec's `linux.resources`, and the one warning when this host cannot apply them.

use anyhow::{bail, Result};
use oci_spec::runtime::{LinuxCpu, LinuxMemory, LinuxPids, LinuxResources};

use super::args::RunArgs;
use crate::host::cgroups::{CgroupInfo, Version};
use crate::runtime::cgroup;

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

/// The spec's resources from the flags; `None` when no flag asks for a limit.
pub fn resources(args: &RunArgs) -> Result<Option<LinuxResources>> {
    let memory = args.memory.filter(|m| *m != 0);
    if let Some(m) = memory {
        if m < MIN_MEMORY {
            bail!("minimum memory limit allowed is 6MB");
        }
    }
    let swap = args.memory_swap.filter(|s| *s != 0);
    match (memory, swap) {
        (Some(m), Some(s)) if s > 0 && s < m => {
            bail!("minimum memoryswap limit should be larger than memory limit, see usage")
        }
        (None, Some(s)) if s > 0 => {
            bail!("you should always set the memory limit when using memoryswap limit, see usage")
        }
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

/// What to warn when the host cannot apply `res` (`None`: it can). One line, with
/// podman's wording on cgroup v1.
pub fn ignored_warning(res: &LinuxResources, host: &CgroupInfo, uid: u32) -> Option<String> {
    let writes = cgroup::limit_writes(res);
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
    let ignored = cgroup::unsupported(&writes, &host.controllers);
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
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    #[command(disable_help_flag = true)]
    struct Cmd {
        #[command(flatten)]
        run: RunArgs,
    }

    fn args(flags: &[&str]) -> RunArgs {
        let mut v = vec!["x"];
        v.extend_from_slice(flags);
        v.push("img");
        Cmd::try_parse_from(v).unwrap().run
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
        assert!(Cmd::try_parse_from(["x", "--cpu-shares", "1", "img"]).is_err());
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
