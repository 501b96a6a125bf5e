//! A running container's processes, read from `/proc` as `top` shows them: the init
//! and its descendants, with pids as the container's pid namespace numbers them and
//! users as its user namespace maps them.

use std::collections::HashMap;
use std::fs;
use std::time::Duration;

use thiserror::Error;

use super::ops::OpError;
use super::store::Container;
use crate::base::timestamp::format_duration;

/// One process, as `/proc` describes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Process {
    /// The host pid.
    pub hpid: i32,
    pub hppid: i32,
    /// The pid inside the container (innermost `NSpid`).
    pub pid: i32,
    /// The parent's pid inside the container; 0 for the init.
    pub ppid: i32,
    pub pgid: i32,
    pub state: char,
    /// Effective uid and gid on the host.
    pub huid: u32,
    pub hgid: u32,
    pub nice: i64,
    pub tty_nr: u32,
    pub cpu: Duration,
    pub elapsed: Duration,
    pub vsz_kib: u64,
    pub comm: String,
    pub args: String,
}

/// The fields of `/proc/PID/stat` after the command name: (ppid, pgid, tty_nr,
/// utime+stime ticks, nice, start ticks, vsize bytes).
pub fn parse_stat(stat: &str) -> Option<(String, char, [u64; 7])> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?.to_string();
    let f: Vec<&str> = stat.get(close + 2..)?.split_whitespace().collect();
    // f[0] is field 3 (state).
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<i64>().ok());
    let state = f.first()?.chars().next()?;
    let cpu = n(11)? + n(12)?;
    Some((
        comm,
        state,
        [
            n(1)? as u64,
            n(2)? as u64,
            n(4)? as u64,
            cpu as u64,
            n(16)? as u64,
            n(19)? as u64,
            n(20)? as u64,
        ],
    ))
}

/// `NSpid`, the effective `Uid`/`Gid` of `/proc/PID/status`.
pub fn parse_status(status: &str) -> (Option<i32>, u32, u32) {
    let mut nspid = None;
    let (mut uid, mut gid) = (0, 0);
    for line in status.lines() {
        let (key, val) = line.split_once(':').unwrap_or((line, ""));
        let second = || val.split_whitespace().nth(1).and_then(|v| v.parse().ok());
        match key {
            "NSpid" => nspid = val.split_whitespace().last().and_then(|v| v.parse().ok()),
            "Uid" => uid = second().unwrap_or(0),
            "Gid" => gid = second().unwrap_or(0),
            _ => {}
        }
    }
    (nspid, uid, gid)
}

/// An id map (`uid_map` format: inside, outside, count per line).
#[derive(Debug, Clone, Default)]
pub struct IdMap(Vec<(u32, u32, u32)>);

impl IdMap {
    pub fn parse(text: &str) -> IdMap {
        IdMap(
            text.lines()
                .filter_map(|l| {
                    let mut f = l.split_whitespace().map(|v| v.parse::<u32>().ok());
                    Some((f.next()??, f.next()??, f.next()??))
                })
                .collect(),
        )
    }

    /// The id inside for host id `outside`; the overflow id 65534 if unmapped.
    pub fn inside(&self, outside: u32) -> u32 {
        self.0
            .iter()
            .find(|(_, o, c)| outside >= *o && outside - o < *c)
            .map(|(i, o, _)| i + (outside - o))
            .unwrap_or(65534)
    }
}

/// Names for ids from an `/etc/passwd` or `/etc/group` file.
pub fn names(file: &str) -> HashMap<u32, String> {
    file.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some((f.get(2)?.parse().ok()?, f.first()?.to_string()))
        })
        .collect()
}

fn ticks_per_sec() -> u64 {
    // SAFETY: sysconf only reads a system constant.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as u64
    } else {
        100
    }
}

fn uptime() -> Duration {
    fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map(Duration::from_secs_f64)
        .unwrap_or_default()
}

/// `init` (a host pid) and its descendants, parents before children.
pub fn processes(init: i32) -> Vec<Process> {
    let hz = ticks_per_sec();
    let up = uptime();
    let mut all: HashMap<i32, Process> = HashMap::new();
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    for e in entries.flatten() {
        let Some(hpid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Some((comm, state, f)) = fs::read_to_string(format!("/proc/{hpid}/stat"))
            .ok()
            .and_then(|s| parse_stat(&s))
        else {
            continue;
        };
        let p = Process {
            hpid,
            hppid: f[0] as i32,
            pgid: f[1] as i32,
            tty_nr: f[2] as u32,
            cpu: Duration::from_nanos(f[3] * 1_000_000_000 / hz),
            nice: f[4] as i64,
            elapsed: up.saturating_sub(Duration::from_nanos(f[5] * 1_000_000_000 / hz)),
            vsz_kib: f[6] / 1024,
            state,
            comm,
            ..Process::default()
        };
        children.entry(p.hppid).or_default().push(hpid);
        all.insert(hpid, p);
    }
    let mut out = Vec::new();
    let mut queue = vec![init];
    while let Some(h) = queue.pop() {
        let Some(mut p) = all.remove(&h) else {
            continue;
        };
        let status = fs::read_to_string(format!("/proc/{h}/status")).unwrap_or_default();
        let (nspid, uid, gid) = parse_status(&status);
        p.pid = nspid.unwrap_or(h);
        p.huid = uid;
        p.hgid = gid;
        let cmdline = fs::read(format!("/proc/{h}/cmdline")).unwrap_or_default();
        p.args = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        if p.args.is_empty() {
            p.args = format!("[{}]", p.comm);
        }
        if let Some(kids) = children.get(&h) {
            let mut kids = kids.clone();
            kids.sort_unstable_by(|a, b| b.cmp(a));
            queue.extend(kids);
        }
        out.push(p);
    }
    let inner: HashMap<i32, i32> = out.iter().map(|p| (p.hpid, p.pid)).collect();
    for p in &mut out {
        p.ppid = if p.hpid == init {
            0
        } else {
            inner.get(&p.hppid).copied().unwrap_or(0)
        };
    }
    out.sort_by_key(|p| p.pid);
    out
}

/// `tty_nr` as `ps` names it: `pts/N`, `ttyN`, or `?`.
pub fn tty_name(tty_nr: u32) -> String {
    if tty_nr == 0 {
        return "?".into();
    }
    let major = (tty_nr >> 8) & 0xfff;
    let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    match major {
        136..=143 => format!("pts/{}", minor + (major - 136) * 256),
        4 => format!("tty{minor}"),
        _ => "?".into(),
    }
}

/// The columns shown when none are asked for.
const DEFAULT: [&str; 8] = [
    "user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args",
];

/// A descriptor's header.
fn header(d: &str) -> Option<&'static str> {
    Some(match d {
        "user" => "USER",
        "pid" => "PID",
        "ppid" => "PPID",
        "pcpu" => "%CPU",
        "etime" => "ELAPSED",
        "tty" => "TTY",
        "time" => "TIME",
        "args" | "comm" => "COMMAND",
        "group" => "GROUP",
        "hpid" => "HPID",
        "huser" => "HUSER",
        "hgroup" => "HGROUP",
        "nice" => "NI",
        "pgid" => "PGID",
        "state" => "STATE",
        "vsz" => "VSZ",
        _ => return None,
    })
}

/// What the cells need besides the process.
struct Names {
    uids: IdMap,
    gids: IdMap,
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
}

fn name(names: &HashMap<u32, String>, id: u32) -> String {
    names.get(&id).cloned().unwrap_or_else(|| id.to_string())
}

fn cell(d: &str, p: &Process, n: &Names) -> String {
    match d {
        "user" => name(&n.users, n.uids.inside(p.huid)),
        "group" => name(&n.groups, n.gids.inside(p.hgid)),
        "huser" => p.huid.to_string(),
        "hgroup" => p.hgid.to_string(),
        "pid" => p.pid.to_string(),
        "hpid" => p.hpid.to_string(),
        "ppid" => p.ppid.to_string(),
        "pgid" => p.pgid.to_string(),
        "pcpu" => {
            let e = p.elapsed.as_secs_f64();
            let pct = if e > 0.0 {
                p.cpu.as_secs_f64() / e * 100.0
            } else {
                0.0
            };
            format!("{pct:.3}")
        }
        "etime" => format_duration(p.elapsed),
        "time" => format_duration(p.cpu),
        "tty" => tty_name(p.tty_nr),
        "args" => p.args.clone(),
        "comm" => p.comm.clone(),
        "nice" => p.nice.to_string(),
        "state" => p.state.to_string(),
        "vsz" => p.vsz_kib.to_string(),
        _ => String::new(),
    }
}

/// Why `top` shows nothing.
#[derive(Debug, Error)]
pub enum TopError {
    #[error("unknown descriptor: {0}: use user, pid, ppid, pcpu, etime, tty, time, args, comm, group, hpid, huser, hgroup, nice, pgid, state or vsz")]
    UnknownDescriptor(String),
    #[error(transparent)]
    NotRunning(#[from] OpError),
}

/// The columns `descriptors` name (podman's `-eo a,b` lists too), checked; the
/// default columns when there are none.
pub fn descriptors(descriptors: &[String]) -> Result<Vec<String>, TopError> {
    let wanted: Vec<String> = descriptors
        .iter()
        .flat_map(|d| d.split([',', ' ']))
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect();
    let wanted: Vec<String> = if wanted.is_empty() {
        DEFAULT.iter().map(|s| s.to_string()).collect()
    } else {
        wanted
    };
    if let Some(bad) = wanted.iter().find(|d| header(d).is_none()) {
        return Err(TopError::UnknownDescriptor(bad.clone()));
    }
    Ok(wanted)
}

/// Container `c`'s processes in the columns `wanted` (from [`descriptors`]): the
/// headers, then a row per process.
pub fn table(
    c: &Container,
    wanted: &[String],
) -> Result<(Vec<&'static str>, Vec<Vec<String>>), TopError> {
    let not_running = || OpError::NotRunning {
        verb: "top",
        id: c.record.id.clone(),
        status: c.state.status.as_str(),
    };
    // The pidfd check proves the recorded pid is still the container's init.
    if !c.state.running() || c.state.pid.open().is_none() {
        return Err(not_running().into());
    }
    let init = c.state.pid.pid;
    let procs = processes(init);
    if procs.is_empty() {
        return Err(not_running().into());
    }
    // The container's own files name its users; unreadable, the numbers stand.
    let read = |f: &str| fs::read_to_string(format!("/proc/{init}/{f}")).unwrap_or_default();
    let names = Names {
        uids: IdMap::parse(&read("uid_map")),
        gids: IdMap::parse(&read("gid_map")),
        users: names(&read("root/etc/passwd")),
        groups: names(&read("root/etc/group")),
    };
    let headers: Vec<&str> = wanted.iter().filter_map(|d| header(d)).collect();
    let rows = procs
        .iter()
        .map(|p| wanted.iter().map(|d| cell(d, p, &names)).collect())
        .collect();
    Ok((headers, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_awkward_names() {
        let stat = "42 (a) b (c)) S 7 42 42 34816 42 4194560 100 0 0 0 3 4 0 0 20 5 1 0 12345 4096000 200 18446744073709551615";
        let (comm, state, f) = parse_stat(stat).unwrap();
        assert_eq!((comm.as_str(), state), ("a) b (c)", 'S'));
        assert_eq!(f, [7, 42, 34816, 7, 5, 12345, 4096000]);
        assert_eq!(tty_name(34816), "pts/0");
        assert_eq!(tty_name(0), "?");
    }

    #[test]
    fn status_and_maps() {
        let (nspid, uid, gid) = parse_status(
            "Name:\tsleep\nUid:\t1000\t100999\t1000\t1000\nGid:\t5\t6\t7\t8\nNSpid:\t4242\t3\n",
        );
        assert_eq!((nspid, uid, gid), (Some(3), 100999, 6));
        let map =
            IdMap::parse("         0       1000          1\n         1     100000      65536\n");
        assert_eq!(map.inside(1000), 0);
        assert_eq!(map.inside(100999), 1000);
        assert_eq!(map.inside(5), 65534);
        let n = names("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n");
        assert_eq!(n.get(&0).map(String::as_str), Some("root"));
    }

    #[test]
    fn this_process_is_found_with_its_children() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let me = std::process::id() as i32;
        let ps = processes(me);
        assert_eq!(ps[0].hpid, me);
        let c = ps.iter().find(|p| p.hpid == child.id() as i32).unwrap();
        assert_eq!(c.ppid, ps[0].pid);
        assert_eq!(c.args, "sleep 5");
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
