//! `rpod stats`: containers' resource use read from their own cgroups (`cpu.stat`,
//! `memory.current`/`memory.max`, `io.stat`, `pids.current`) and their network
//! namespace's counters, shown in podman's columns, as JSON or through a template.

use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use serde::Serialize;
use serde_json::{json, Value};

use super::container::open;
use super::Context;
use crate::base::timestamp::{format_duration, Timestamp};
use crate::container::ops::OpError;
use crate::container::store::Container;
use crate::container::ContainerStore;
use crate::format::humanize;
use crate::format::table::{self, Table};
use crate::runtime::cgroup::{Cgroup, Sample};

/// Display a live stream of container resource usage statistics
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Show all containers (default: running ones)
    #[arg(short, long)]
    pub all: bool,

    /// Print the statistics once instead of streaming them
    #[arg(long)]
    pub no_stream: bool,

    /// Do not truncate the container IDs
    #[arg(long)]
    pub no_trunc: bool,

    /// Format the output with a Go template, or json
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,

    /// Seconds between two updates of the stream
    #[arg(short, long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub interval: u64,

    /// Containers to show (names or IDs; default: all running)
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// One container's figures at one moment.
#[derive(Debug, Clone, PartialEq)]
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

/// Reads container `c` now; `previous` is its last reading.
fn read(c: &Container, previous: Option<Previous>, host_mem: u64) -> (Stat, Previous) {
    let s = &c.state;
    let running = s.running() && !s.cgroup.is_empty();
    let sample = if running {
        Cgroup::at(&s.cgroup).sample()
    } else {
        Sample::default()
    };
    let net = running
        .then(|| std::fs::read_to_string(format!("/proc/{}/net/dev", s.pid.pid)).ok())
        .flatten()
        .map(|t| parse_net_dev(&t));
    let now = Instant::now();
    let up_secs = match (running, s.started()) {
        (true, Some(t)) => {
            let n = Timestamp::now();
            (n.secs - t.secs) as f64 + (n.nanos as f64 - t.nanos as f64) / 1e9
        }
        _ => 0.0,
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
    (
        Stat {
            id: c.record.id.clone(),
            name: c.record.name.clone(),
            sample,
            net,
            cpu_percent,
            avg_cpu: avg,
            uptime,
            host_memory: host_mem,
        },
        Previous { cpu_nanos, at: now },
    )
}

/// The containers to show: those named (each must run in a cgroup of its own),
/// else the running ones, or with `-a` all of them.
fn targets(ctx: &Context, store: &ContainerStore, args: &StatsArgs) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for q in &args.containers {
        let c = store.get(q)?;
        if !c.state.running() && !args.all {
            return Err(OpError::NotRunning {
                verb: "stat",
                id: c.record.id.clone(),
                status: c.state.status_word(),
            }
            .into());
        }
        if c.state.running() && c.state.cgroup.is_empty() {
            return Err(super::pause::no_cgroup("stats", ctx.paths.uid).unwrap_or_else(|| {
                anyhow!(
                    "container {} runs without a cgroup of its own (it was started where rpod found no delegated cgroup v2 subtree): restart it to see its statistics",
                    c.record.id
                )
            }));
        }
        ids.push(c.record.id);
    }
    if args.containers.is_empty() {
        if let Some(e) = super::pause::no_cgroup("stats", ctx.paths.uid) {
            return Err(e);
        }
        ids = store
            .list()?
            .into_iter()
            .filter(|c| args.all || c.state.running())
            .map(|c| c.record.id)
            .collect();
    }
    Ok(ids)
}

fn render(stats: &[Stat], args: &StatsArgs) -> Result<String> {
    match args.format.as_deref() {
        Some("json") => {
            let v: Vec<StatJson> = stats.iter().map(|s| s.json(args.no_trunc)).collect();
            Ok(format!("{}\n", serde_json::to_string_pretty(&v)?))
        }
        Some(format) => {
            let rows: Vec<Value> = stats
                .iter()
                .map(|s| s.template_value(args.no_trunc))
                .collect();
            let sample = rows.first().cloned().unwrap_or_else(|| {
                Stat {
                    id: String::new(),
                    name: String::new(),
                    sample: Sample::default(),
                    net: None,
                    cpu_percent: 0.0,
                    avg_cpu: 0.0,
                    uptime: Duration::ZERO,
                    host_memory: 0,
                }
                .template_value(false)
            });
            let headers = table::headers(
                &sample,
                &[
                    ("CPUPerc", "CPU %"),
                    ("MemUsage", "MEM USAGE / LIMIT"),
                    ("MemPerc", "MEM %"),
                    ("NetIO", "NET IO"),
                    ("BlockIO", "BLOCK IO"),
                    ("AVGCPU", "AVG CPU %"),
                    ("UpTime", "UP TIME"),
                ],
            );
            Ok(table::format_rows(format, &headers, &rows)?)
        }
        None => {
            let mut t = Table::new(&[
                "ID",
                "NAME",
                "CPU %",
                "MEM USAGE / LIMIT",
                "MEM %",
                "NET IO",
                "BLOCK IO",
                "PIDS",
                "CPU TIME",
                "AVG CPU %",
            ]);
            for s in stats {
                t.row(s.row(args.no_trunc));
            }
            Ok(t.render())
        }
    }
}

pub fn stats(ctx: &Context, args: &StatsArgs) -> Result<u8> {
    let store = open(ctx)?;
    let ids = targets(ctx, &store, args)?;
    let host_mem = host_memory();
    let tty = nix::unistd::isatty(std::io::stdout()).unwrap_or(false);
    let mut previous: std::collections::HashMap<String, Previous> = Default::default();
    loop {
        let mut stats = Vec::new();
        for id in &ids {
            // Gone meanwhile (removed, or `--rm` at exit): no longer shown.
            let Ok(c) = store.get(id) else { continue };
            // Stopped meanwhile: shown only with `-a`.
            if !args.all && !c.state.running() {
                continue;
            }
            let (s, p) = read(&c, previous.get(id).copied(), host_mem);
            previous.insert(id.clone(), p);
            stats.push(s);
        }
        let out = render(&stats, args)?;
        if args.no_stream {
            print!("{out}");
            return Ok(0);
        }
        if tty {
            // Redraw in place, as podman's stream does.
            print!("\x1b[2J\x1b[H");
        }
        print!("{out}");
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let live = ids
            .iter()
            .any(|id| store.get(id).is_ok_and(|c| c.state.running()));
        if !live && !args.all {
            return Ok(0);
        }
        std::thread::sleep(Duration::from_secs(args.interval));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
