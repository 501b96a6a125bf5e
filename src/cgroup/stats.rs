//! What `stats` shows of a container: the counters of its own cgroup (`cpu.stat`,
//! `memory.current`/`memory.max`, `io.stat`, `pids.current`) and of its network
//! namespace, sampled over time, in podman's columns and fields.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};

use super::Cgroup;
use crate::base::timestamp::{format_duration, Timestamp};
use crate::format::humanize;

impl Cgroup {
    /// The counters `stats` shows, as they are now.
    pub fn sample(&self) -> Sample {
        let read = |f: &str| fs::read_to_string(self.dir.join(f)).ok();
        let io = read("io.stat").map(|t| parse_io_stat(&t));
        Sample {
            cpu_usec: read("cpu.stat").and_then(|t| parse_cpu_usage(&t)),
            mem_usage: read("memory.current").and_then(|t| t.trim().parse().ok()),
            mem_limit: read("memory.max").and_then(|t| parse_max(&t)),
            io_read: io.map(|(r, _)| r),
            io_write: io.map(|(_, w)| w),
            pids: read("pids.current")
                .and_then(|t| t.trim().parse().ok())
                .or_else(|| read("cgroup.threads").map(|t| t.lines().count() as u64)),
        }
    }
}

/// One reading of a container's counters; `None` where the controller is missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sample {
    /// CPU time used, µs (`cpu.stat` `usage_usec`).
    pub cpu_usec: Option<u64>,
    pub mem_usage: Option<u64>,
    /// `memory.max`; `None` for `max`.
    pub mem_limit: Option<u64>,
    pub io_read: Option<u64>,
    pub io_write: Option<u64>,
    /// Tasks in the cgroup.
    pub pids: Option<u64>,
}

/// `usage_usec` of `cpu.stat`.
pub fn parse_cpu_usage(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("usage_usec "))
        .and_then(|v| v.trim().parse().ok())
}

/// A limit file's number; `None` for `max`.
pub fn parse_max(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// Bytes read and written, summed over the devices of `io.stat`
/// (`8:0 rbytes=… wbytes=… rios=…`).
pub fn parse_io_stat(text: &str) -> (u64, u64) {
    let mut r = 0u64;
    let mut w = 0u64;
    for field in text.split_whitespace() {
        if let Some(v) = field.strip_prefix("rbytes=") {
            r = r.saturating_add(v.parse().unwrap_or(0));
        } else if let Some(v) = field.strip_prefix("wbytes=") {
            w = w.saturating_add(v.parse().unwrap_or(0));
        }
    }
    (r, w)
}

/// One container's figures at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stat {
    pub id: String,
    pub name: String,
    pub sample: Sample,
    /// Network bytes received and sent (its namespace's interfaces but `lo`).
    pub net: Option<(u64, u64)>,
    /// CPU use over the last interval (since the start for the first), 100 = one CPU.
    pub cpu_percent: f64,
    /// CPU use averaged over its whole run.
    pub avg_cpu: f64,
    pub uptime: Duration,
    /// The memory limit shown when the cgroup has none: the host's memory.
    pub host_memory: u64,
}

fn percent(v: f64) -> String {
    format!("{v:.2}%")
}

fn pair(v: Option<(u64, u64)>) -> String {
    match v {
        Some((a, b)) => format!(
            "{} / {}",
            humanize::size_compact(a),
            humanize::size_compact(b)
        ),
        None => "-- / --".into(),
    }
}

impl Stat {
    pub fn short_id(&self, no_trunc: bool) -> &str {
        if no_trunc {
            &self.id
        } else {
            &self.id[..self.id.len().min(12)]
        }
    }

    fn mem_limit(&self) -> u64 {
        self.sample.mem_limit.unwrap_or(self.host_memory)
    }

    fn mem_usage(&self) -> String {
        match self.sample.mem_usage {
            Some(u) => format!(
                "{} / {}",
                humanize::size_compact(u),
                humanize::size_compact(self.mem_limit())
            ),
            None => "-- / --".into(),
        }
    }

    fn mem_percent(&self) -> String {
        match (self.sample.mem_usage, self.mem_limit()) {
            (Some(u), l) if l > 0 => percent(u as f64 * 100.0 / l as f64),
            _ => "--".into(),
        }
    }

    fn block_io(&self) -> String {
        pair(self.sample.io_read.zip(self.sample.io_write))
    }

    fn pids(&self) -> String {
        self.sample
            .pids
            .map_or_else(|| "--".into(), |p| p.to_string())
    }

    fn cpu_nanos(&self) -> u64 {
        self.sample.cpu_usec.unwrap_or(0).saturating_mul(1000)
    }

    /// podman's table row.
    pub fn row(&self, no_trunc: bool) -> Vec<String> {
        vec![
            self.short_id(no_trunc).to_string(),
            self.name.clone(),
            percent(self.cpu_percent),
            self.mem_usage(),
            self.mem_percent(),
            pair(self.net),
            self.block_io(),
            self.pids(),
            format_duration(Duration::from_nanos(self.cpu_nanos())),
            percent(self.avg_cpu),
        ]
    }

    /// podman's `--format json` entry.
    pub fn json(&self, no_trunc: bool) -> StatJson {
        StatJson {
            id: self.short_id(no_trunc).to_string(),
            name: self.name.clone(),
            cpu_time: format_duration(Duration::from_nanos(self.cpu_nanos())),
            cpu_percent: percent(self.cpu_percent),
            avg_cpu: percent(self.avg_cpu),
            mem_usage: self.mem_usage(),
            mem_percent: self.mem_percent(),
            net_io: pair(self.net),
            block_io: self.block_io(),
            pids: self.pids(),
        }
    }

    /// The fields podman's stats templates know.
    pub fn template_value(&self, no_trunc: bool) -> Value {
        let (net_in, net_out) = self.net.unwrap_or((0, 0));
        json!({
            "ID": self.short_id(no_trunc),
            "ContainerID": self.id,
            "Name": self.name,
            "CPUPerc": percent(self.cpu_percent),
            "AVGCPU": percent(self.avg_cpu),
            "CPU": self.cpu_percent,
            "AvgCPU": self.avg_cpu,
            "CPUNano": self.cpu_nanos(),
            "MemUsage": self.mem_usage(),
            "MemUsageBytes": match self.sample.mem_usage {
                Some(u) => format!("{} / {}", humanize::binary_size_compact(u), humanize::binary_size_compact(self.mem_limit())),
                None => "-- / --".into(),
            },
            "MemLimit": self.mem_limit(),
            "MemPerc": self.mem_percent(),
            "NetIO": pair(self.net),
            "NetInput": net_in,
            "NetOutput": net_out,
            "BlockIO": self.block_io(),
            "BlockInput": self.sample.io_read.unwrap_or(0),
            "BlockOutput": self.sample.io_write.unwrap_or(0),
            "PIDS": self.pids(),
            "PIDs": self.sample.pids.unwrap_or(0),
            "UpTime": format_duration(self.uptime),
            "Up": format_duration(self.uptime),
        })
    }
}

#[derive(Debug, Serialize)]
pub struct StatJson {
    pub id: String,
    pub name: String,
    pub cpu_time: String,
    pub cpu_percent: String,
    pub avg_cpu: String,
    pub mem_usage: String,
    pub mem_percent: String,
    pub net_io: String,
    pub block_io: String,
    pub pids: String,
}

/// Bytes received and sent over the interfaces of `/proc/PID/net/dev` but `lo`.
pub fn parse_net_dev(text: &str) -> (u64, u64) {
    let mut rx = 0u64;
    let mut tx = 0u64;
    for line in text.lines().skip(2) {
        let Some((iface, rest)) = line.split_once(':') else {
            continue;
        };
        if iface.trim() == "lo" {
            continue;
        }
        let f: Vec<u64> = rest
            .split_whitespace()
            .map(|v| v.parse().unwrap_or(0))
            .collect();
        if f.len() >= 9 {
            rx = rx.saturating_add(f[0]);
            tx = tx.saturating_add(f[8]);
        }
    }
    (rx, tx)
}

/// The host's memory, the limit shown for a cgroup without one.
fn host_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// What the previous reading of a container was, for the CPU percentage.
#[derive(Debug, Clone, Copy)]
struct Previous {
    cpu_nanos: u64,
    at: Instant,
}

/// What a running container offers to be read: its cgroup, its init (whose
/// network namespace's counters are read) and when it started.
#[derive(Debug, Clone, Copy)]
pub struct Live<'a> {
    pub cgroup: &'a Path,
    pub pid: i32,
    pub started: Option<Timestamp>,
}

/// Reads containers again and again, keeping each one's last reading for the CPU
/// percentage over the interval.
#[derive(Debug)]
pub struct Sampler {
    host_memory: u64,
    previous: HashMap<String, Previous>,
}

impl Default for Sampler {
    fn default() -> Sampler {
        Sampler {
            host_memory: host_memory(),
            previous: HashMap::new(),
        }
    }
}

impl Sampler {
    /// Reads container `id` now; `live` is `None` for one that does not run (in a
    /// cgroup of its own), which shows no figures.
    pub fn read(&mut self, id: &str, name: &str, live: Option<Live<'_>>) -> Stat {
        let previous = self.previous.get(id).copied();
        let sample = live.map_or_else(Sample::default, |l| Cgroup::at(l.cgroup).sample());
        let net = live
            .and_then(|l| fs::read_to_string(format!("/proc/{}/net/dev", l.pid)).ok())
            .map(|t| parse_net_dev(&t));
        let now = Instant::now();
        let up_secs = match live.and_then(|l| l.started) {
            Some(t) => {
                let n = Timestamp::now();
                (n.secs - t.secs) as f64 + (n.nanos as f64 - t.nanos as f64) / 1e9
            }
            None => 0.0,
        };
        let uptime = Duration::from_secs_f64(up_secs.max(0.0));
        let cpu_nanos = sample.cpu_usec.unwrap_or(0).saturating_mul(1000);
        let avg = if up_secs > 0.0 {
            cpu_nanos as f64 / (up_secs * 1e9) * 100.0
        } else {
            0.0
        };
        let cpu_percent = match previous {
            Some(p) => {
                let wall = now.duration_since(p.at).as_nanos() as f64;
                if wall > 0.0 {
                    cpu_nanos.saturating_sub(p.cpu_nanos) as f64 / wall * 100.0
                } else {
                    0.0
                }
            }
            None => avg,
        };
        self.previous
            .insert(id.to_string(), Previous { cpu_nanos, at: now });
        Stat {
            id: id.to_string(),
            name: name.to_string(),
            sample,
            net,
            cpu_percent,
            avg_cpu: avg,
            uptime,
            host_memory: self.host_memory,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_parsed() {
        assert_eq!(
            parse_cpu_usage("usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n"),
            Some(1_234_567)
        );
        assert_eq!(parse_cpu_usage("user_usec 1\n"), None);
        assert_eq!(parse_max("max\n"), None);
        assert_eq!(parse_max("67108864\n"), Some(64 << 20));
        assert_eq!(
            parse_io_stat("8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n259:0 rbytes=1 wbytes=2 rios=1 wios=1\n"),
            (4097, 8194)
        );
        assert_eq!(parse_io_stat(""), (0, 0));
    }

    #[test]
    fn sample_reads_what_is_there() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("cpu.stat"), "usage_usec 42\n").unwrap();
        fs::write(d.path().join("cgroup.threads"), "10\n11\n12\n").unwrap();
        fs::write(d.path().join("memory.current"), "1048576\n").unwrap();
        fs::write(d.path().join("memory.max"), "max\n").unwrap();
        let s = Cgroup::at(d.path()).sample();
        assert_eq!(s.cpu_usec, Some(42));
        assert_eq!(s.pids, Some(3));
        assert_eq!(s.mem_usage, Some(1 << 20));
        assert_eq!(s.mem_limit, None);
        assert_eq!(s.io_read, None);
        fs::write(d.path().join("pids.current"), "7\n").unwrap();
        assert_eq!(Cgroup::at(d.path()).sample().pids, Some(7));
    }

    #[test]
    fn net_dev_counts_all_but_loopback() {
        let t = "Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0\n  tap0:    5000      10    0    0    0     0          0         0     7000      12    0    0    0     0       0          0\n";
        assert_eq!(parse_net_dev(t), (5000, 7000));
        assert_eq!(parse_net_dev(""), (0, 0));
    }

    fn stat() -> Stat {
        Stat {
            id: "0123456789abcdef".repeat(4),
            name: "web".into(),
            sample: Sample {
                cpu_usec: Some(3960),
                mem_usage: Some(1_048_576),
                mem_limit: Some(64 << 20),
                io_read: Some(4096),
                io_write: Some(0),
                pids: Some(2),
            },
            net: Some((5000, 7000)),
            cpu_percent: 1.5,
            avg_cpu: 0.25,
            uptime: Duration::from_secs(3),
            host_memory: 8 << 30,
        }
    }

    #[test]
    fn row_in_podmans_columns() {
        assert_eq!(
            stat().row(false),
            [
                "0123456789ab",
                "web",
                "1.50%",
                "1.05MB / 67.1MB",
                "1.56%",
                "5kB / 7kB",
                "4.1kB / 0B",
                "2",
                "3.96ms",
                "0.25%"
            ]
        );
        // No memory controller: no figure rather than a false one.
        let mut s = stat();
        s.sample.mem_usage = None;
        s.sample.io_read = None;
        assert_eq!(s.row(false)[3], "-- / --");
        assert_eq!(s.row(false)[6], "-- / --");
        // No limit: the host's memory is the limit.
        let mut s = stat();
        s.sample.mem_limit = None;
        assert_eq!(s.row(false)[3], "1.05MB / 8.59GB");
    }

    #[test]
    fn json_and_template_fields() {
        let j = serde_json::to_value(stat().json(false)).unwrap();
        assert_eq!(j["id"], "0123456789ab");
        assert_eq!(j["cpu_time"], "3.96ms");
        assert_eq!(j["mem_percent"], "1.56%");
        assert_eq!(j["pids"], "2");
        let v = stat().template_value(true);
        let out =
            crate::format::template::render("{{.Name}} {{.PIDS}} {{.MemUsageBytes}} {{.ID}}", &v)
                .unwrap();
        assert_eq!(out, format!("web 2 1MiB / 64MiB {}", stat().id));
    }
}
