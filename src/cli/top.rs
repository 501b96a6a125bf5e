//! `rpod top`: the processes of a running container.

use std::collections::HashMap;
use std::fs;

use anyhow::{anyhow, Result};

use super::container::open;
use super::Context;
use crate::base::timestamp::format_duration;
use crate::container::ops::OpError;
use crate::container::top::{self, IdMap, Process};
use crate::format::table::Table;

/// Display the running processes of a container
#[derive(Debug, clap::Args)]
pub struct TopArgs {
    /// Container name or ID
    #[arg(value_name = "CONTAINER")]
    pub container: String,

    /// Columns to show: user, pid, ppid, pcpu, etime, tty, time, args, comm, group,
    /// hpid, huser, hgroup, nice, pgid, state, vsz (default: user pid ppid pcpu etime
    /// tty time args)
    #[arg(value_name = "DESCRIPTORS")]
    pub descriptors: Vec<String>,
}

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
        "tty" => top::tty_name(p.tty_nr),
        "args" => p.args.clone(),
        "comm" => p.comm.clone(),
        "nice" => p.nice.to_string(),
        "state" => p.state.to_string(),
        "vsz" => p.vsz_kib.to_string(),
        _ => String::new(),
    }
}

pub fn run(ctx: &Context, args: &TopArgs) -> Result<u8> {
    // podman also takes `-eo a,b` style lists: split on commas and spaces.
    let wanted: Vec<String> = args
        .descriptors
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
        return Err(anyhow!(
            "unknown descriptor: {bad}: use user, pid, ppid, pcpu, etime, tty, time, args, comm, group, hpid, huser, hgroup, nice, pgid, state or vsz"
        ));
    }
    let store = open(ctx)?;
    let c = store.get(&args.container)?;
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
    let procs = top::processes(init);
    if procs.is_empty() {
        return Err(not_running().into());
    }
    // The container's own files name its users; unreadable, the numbers stand.
    let read = |f: &str| fs::read_to_string(format!("/proc/{init}/{f}")).unwrap_or_default();
    let names = Names {
        uids: IdMap::parse(&read("uid_map")),
        gids: IdMap::parse(&read("gid_map")),
        users: top::names(&read("root/etc/passwd")),
        groups: top::names(&read("root/etc/group")),
    };
    let headers: Vec<&str> = wanted.iter().filter_map(|d| header(d)).collect();
    let mut table = Table::new(&headers);
    for p in &procs {
        table.row(wanted.iter().map(|d| cell(d, p, &names)).collect());
    }
    print!("{}", table.render());
    Ok(0)
}
