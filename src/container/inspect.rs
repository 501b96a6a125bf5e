//! podman's `inspect` document for a container (field order as podman prints it),
//! built from its record, state and spec.

use serde::Serialize;
use serde_json::{Map, Value};

use super::logs::{human_size, LogDriver};
use super::ports;
use super::record::RootfsSource;
use super::state::Status;
use super::store::{Container, ContainerError, ContainerStore};
use crate::base::timestamp::Timestamp;
use crate::image::inspect::GraphDriver;

/// Go's zero time, which podman prints for times not yet reached.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

fn time_or_zero(s: &str) -> String {
    match Timestamp::parse(s) {
        Some(t) => t.rfc3339_nanos(),
        None => ZERO_TIME.into(),
    }
}

/// podman's container inspect data (field order as podman prints it).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectData {
    pub id: String,
    pub created: String,
    pub path: String,
    pub args: Vec<String>,
    pub state: InspectState,
    pub image: String,
    pub image_name: String,
    pub rootfs: String,
    pub pod: String,
    pub resolv_conf_path: String,
    pub hostname_path: String,
    pub hosts_path: String,
    pub static_dir: String,
    #[serde(rename = "OCIConfigPath")]
    pub oci_config_path: String,
    #[serde(rename = "OCIRuntime")]
    pub oci_runtime: String,
    pub log_path: String,
    pub name: String,
    pub restart_count: u32,
    pub driver: String,
    pub mount_label: String,
    pub process_label: String,
    pub app_armor_profile: String,
    pub effective_caps: Vec<String>,
    pub bounding_caps: Vec<String>,
    #[serde(rename = "ExecIDs")]
    pub exec_ids: Vec<String>,
    pub graph_driver: GraphDriver,
    pub mounts: Vec<InspectMount>,
    pub dependencies: Vec<String>,
    pub network_settings: Map<String, Value>,
    pub namespace: String,
    pub is_infra: bool,
    pub is_service: bool,
    pub config: InspectConfig,
    pub host_config: InspectHostConfig,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectState {
    pub oci_version: String,
    pub status: String,
    pub running: bool,
    pub paused: bool,
    pub restarting: bool,
    #[serde(rename = "OOMKilled")]
    pub oom_killed: bool,
    pub dead: bool,
    pub pid: i32,
    pub conmon_pid: i32,
    pub exit_code: i32,
    pub error: String,
    pub started_at: String,
    pub finished_at: String,
    pub checkpointed_at: String,
    pub restored_at: String,
    /// The container's cgroup, relative to the v2 mount (empty without one).
    pub cgroup_path: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectMount {
    #[serde(rename = "Type")]
    pub kind: String,
    /// The volume's name, for a volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub source: String,
    pub destination: String,
    pub driver: String,
    pub mode: String,
    pub options: Vec<String>,
    #[serde(rename = "RW")]
    pub rw: bool,
    pub propagation: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectConfig {
    pub hostname: String,
    pub domainname: String,
    pub user: String,
    pub attach_stdin: bool,
    pub attach_stdout: bool,
    pub attach_stderr: bool,
    pub tty: bool,
    pub open_stdin: bool,
    pub stdin_once: bool,
    pub env: Vec<String>,
    pub cmd: Vec<String>,
    pub image: String,
    pub volumes: Option<Value>,
    pub working_dir: String,
    pub entrypoint: String,
    pub on_build: Option<Value>,
    pub labels: Option<Map<String, Value>>,
    pub annotations: Map<String, Value>,
    pub stop_signal: i32,
    pub create_command: Vec<String>,
    pub umask: String,
    pub timeout: u32,
    pub stop_timeout: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectHostConfig {
    pub binds: Vec<String>,
    pub log_config: LogConfigJson,
    pub network_mode: String,
    pub port_bindings: Map<String, Value>,
    pub restart_policy: RestartPolicyJson,
    pub auto_remove: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub privileged: bool,
    pub readonly_rootfs: bool,
    pub security_opt: Vec<String>,
    pub tmpfs: Map<String, Value>,
    #[serde(rename = "UTSMode")]
    pub uts_mode: String,
    pub userns_mode: String,
    /// `--memory`, bytes (0: no limit).
    pub memory: i64,
    /// `--memory-swap`, memory plus swap, bytes (-1: unlimited swap, 0: none set).
    pub memory_swap: i64,
    /// `--cpus`, in billionths of a CPU.
    pub nano_cpus: i64,
    pub cpu_shares: u64,
    pub cpu_period: u64,
    pub cpu_quota: i64,
    /// `--pids-limit` (0: no limit).
    pub pids_limit: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogConfigJson {
    #[serde(rename = "Type")]
    pub kind: String,
    pub config: Option<Value>,
    pub path: String,
    pub tag: String,
    pub size: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RestartPolicyJson {
    pub name: String,
    pub maximum_retry_count: u32,
}

/// Everything podman shows about one container.
pub fn inspect(store: &ContainerStore, c: &Container) -> Result<InspectData, ContainerError> {
    let r = &c.record;
    let s = &c.state;
    let spec = store.spec(&r.id)?;
    let process = spec.process().clone().unwrap_or_default();
    let caps = |pick: fn(&oci_spec::runtime::LinuxCapabilities) -> Option<Value>| -> Vec<String> {
        let mut v: Vec<String> = process
            .capabilities()
            .as_ref()
            .and_then(pick)
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        v.sort();
        v
    };
    let effective = caps(|c| {
        c.effective()
            .as_ref()
            .and_then(|e| serde_json::to_value(e).ok())
    });
    let bounding = caps(|c| {
        c.bounding()
            .as_ref()
            .and_then(|e| serde_json::to_value(e).ok())
    });
    let user = process.user();
    let user_text = match user.username() {
        Some(n) => n.clone(),
        None if user.uid() == 0 && user.gid() == 0 => String::new(),
        None => format!("{}:{}", user.uid(), user.gid()),
    };
    let ports = ports::published(c);
    let limits = limits(spec.linux().as_ref().and_then(|l| l.resources().as_ref()));
    let run = store.run_dir(&r.id);
    let dir = store.dir(&r.id);
    let volumes = crate::volume::VolumeStore::beside_container(&dir);
    let (upper, work) = store.layer_dirs(&r.id);
    let mut graph = Map::new();
    let (driver, rootfs) = match &r.rootfs {
        RootfsSource::Layers(lowers) => {
            let lowers: Vec<String> = lowers
                .iter()
                .rev()
                .map(|p| p.display().to_string())
                .collect();
            graph.insert("LowerDir".into(), Value::String(lowers.join(":")));
            graph.insert(
                "MergedDir".into(),
                Value::String(run.join("rootfs").display().to_string()),
            );
            graph.insert(
                "UpperDir".into(),
                Value::String(upper.display().to_string()),
            );
            graph.insert("WorkDir".into(), Value::String(work.display().to_string()));
            ("overlay", String::new())
        }
        RootfsSource::Dir(d) => ("", d.display().to_string()),
    };
    let annotations: Map<String, Value> = spec
        .annotations()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let labels: Map<String, Value> = r
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let cmd = r
        .command
        .get(r.entrypoint.len()..)
        .unwrap_or_default()
        .to_vec();
    Ok(InspectData {
        id: r.id.clone(),
        created: r.created_at().rfc3339_nanos(),
        path: r.command.first().cloned().unwrap_or_default(),
        args: r.command.iter().skip(1).cloned().collect(),
        state: InspectState {
            oci_version: spec.version().clone(),
            status: s.status_word().into(),
            running: s.running() && !s.is_paused(),
            paused: s.is_paused(),
            restarting: false,
            oom_killed: false,
            dead: false,
            pid: if s.running() { s.pid.pid } else { 0 },
            conmon_pid: if s.running() { s.monitor.pid } else { 0 },
            exit_code: s.exit_code,
            error: s.error.clone(),
            started_at: time_or_zero(&s.started_at),
            finished_at: if s.status == Status::Exited {
                time_or_zero(&s.finished_at)
            } else {
                ZERO_TIME.into()
            },
            checkpointed_at: ZERO_TIME.into(),
            restored_at: ZERO_TIME.into(),
            cgroup_path: cgroup_path(&s.cgroup),
        },
        image: r.image_id().to_string(),
        image_name: r.image_name().to_string(),
        rootfs,
        pod: String::new(),
        resolv_conf_path: run.join("resolv.conf").display().to_string(),
        hostname_path: run.join("hostname").display().to_string(),
        hosts_path: run.join("hosts").display().to_string(),
        static_dir: dir.display().to_string(),
        oci_config_path: store.spec_path(&r.id).display().to_string(),
        oci_runtime: "rpod".into(),
        log_path: store.log_path(&r.id).display().to_string(),
        name: r.name.clone(),
        restart_count: s.restart_count,
        driver: driver.into(),
        mount_label: String::new(),
        process_label: String::new(),
        app_armor_profile: String::new(),
        effective_caps: effective,
        bounding_caps: bounding,
        exec_ids: Vec::new(),
        graph_driver: GraphDriver {
            name: driver.into(),
            data: graph,
        },
        mounts: r
            .binds
            .iter()
            .map(|b| {
                let volume = volumes.name_of_data_dir(std::path::Path::new(&b.source));
                InspectMount {
                    kind: if volume.is_some() { "volume" } else { "bind" }.into(),
                    driver: if volume.is_some() { "local" } else { "" }.into(),
                    name: volume,
                    source: b.source.clone(),
                    destination: b.destination.clone(),
                    mode: String::new(),
                    options: vec![if b.recursive { "rbind" } else { "bind" }.into()],
                    rw: !b.readonly,
                    propagation: "rprivate".into(),
                }
            })
            .collect(),
        dependencies: Vec::new(),
        network_settings: ports::network_settings(&ports),
        namespace: String::new(),
        is_infra: false,
        is_service: false,
        config: InspectConfig {
            hostname: spec.hostname().clone().unwrap_or_default(),
            domainname: String::new(),
            user: user_text,
            attach_stdin: false,
            attach_stdout: false,
            attach_stderr: false,
            tty: r.tty,
            open_stdin: r.interactive,
            stdin_once: false,
            env: process.env().clone().unwrap_or_default(),
            cmd,
            image: r.image_name().to_string(),
            volumes: None,
            working_dir: process.cwd().display().to_string(),
            entrypoint: r.entrypoint.join(" "),
            on_build: None,
            labels: (!labels.is_empty()).then_some(labels),
            annotations,
            stop_signal: r.stop_signal,
            create_command: r.create_command.clone(),
            umask: "0022".into(),
            timeout: 0,
            stop_timeout: r.stop_timeout,
        },
        host_config: InspectHostConfig {
            binds: r
                .binds
                .iter()
                .map(|b| {
                    format!(
                        "{}:{}:{},rprivate,{}",
                        volumes
                            .name_of_data_dir(std::path::Path::new(&b.source))
                            .unwrap_or_else(|| b.source.clone()),
                        b.destination,
                        if b.readonly { "ro" } else { "rw" },
                        if b.recursive { "rbind" } else { "bind" }
                    )
                })
                .collect(),
            log_config: LogConfigJson {
                kind: r.log.driver.as_str().into(),
                config: None,
                path: match r.log.driver {
                    LogDriver::K8sFile => store.log_path(&r.id).display().to_string(),
                    LogDriver::None => String::new(),
                },
                tag: String::new(),
                size: human_size(r.log.max_size.unwrap_or(0)),
            },
            network_mode: r.network.clone(),
            port_bindings: ports::inspect_map(&ports),
            restart_policy: RestartPolicyJson {
                name: r.restart.name().into(),
                maximum_retry_count: r.restart.max_retries(),
            },
            auto_remove: r.auto_remove,
            cap_add: r.cap_add.clone(),
            cap_drop: r.cap_drop.clone(),
            privileged: false,
            readonly_rootfs: spec
                .root()
                .as_ref()
                .and_then(|r| r.readonly())
                .unwrap_or(false),
            security_opt: Vec::new(),
            tmpfs: Map::new(),
            uts_mode: String::new(),
            userns_mode: String::new(),
            memory: limits.memory,
            memory_swap: limits.memory_swap,
            nano_cpus: limits.nano_cpus,
            cpu_shares: limits.cpu_shares,
            cpu_period: limits.cpu_period,
            cpu_quota: limits.cpu_quota,
            pids_limit: limits.pids_limit,
        },
    })
}

/// A cgroup directory as podman shows it: relative to the v2 mount.
fn cgroup_path(dir: &str) -> String {
    if dir.is_empty() {
        return String::new();
    }
    match crate::cgroup::detect::unified_mount() {
        Some(m) => crate::cgroup::Cgroup::at(dir).relative(&m),
        None => dir.to_string(),
    }
}

/// The resource limits of HostConfig, podman's units.
#[derive(Debug, Default, PartialEq, Eq)]
struct Limits {
    memory: i64,
    memory_swap: i64,
    nano_cpus: i64,
    cpu_shares: u64,
    cpu_period: u64,
    cpu_quota: i64,
    pids_limit: i64,
}

fn limits(res: Option<&oci_spec::runtime::LinuxResources>) -> Limits {
    let Some(r) = res else {
        return Limits::default();
    };
    let mut l = Limits::default();
    if let Some(m) = r.memory() {
        l.memory = m.limit().unwrap_or(0);
        l.memory_swap = m.swap().unwrap_or(0);
    }
    if let Some(c) = r.cpu() {
        l.cpu_shares = c.shares().unwrap_or(0);
        l.cpu_period = c.period().unwrap_or(0);
        l.cpu_quota = c.quota().unwrap_or(0);
        if l.cpu_quota > 0 && l.cpu_period > 0 {
            l.nano_cpus = (l.cpu_quota as i128 * 1_000_000_000 / l.cpu_period as i128) as i64;
        }
    }
    if let Some(p) = r.pids() {
        l.pids_limit = p.limit().max(0);
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_in_podmans_units() {
        assert_eq!(limits(None), Limits::default());
        let mut r = oci_spec::runtime::LinuxResources::default();
        let mut m = oci_spec::runtime::LinuxMemory::default();
        m.set_limit(Some(64 << 20));
        m.set_swap(Some(-1));
        r.set_memory(Some(m));
        let mut c = oci_spec::runtime::LinuxCpu::default();
        c.set_quota(Some(150_000));
        c.set_period(Some(100_000));
        c.set_shares(Some(512));
        r.set_cpu(Some(c));
        let mut p = oci_spec::runtime::LinuxPids::default();
        p.set_limit(-1);
        r.set_pids(Some(p));
        let l = limits(Some(&r));
        assert_eq!((l.memory, l.memory_swap), (64 << 20, -1));
        assert_eq!(
            (l.nano_cpus, l.cpu_shares, l.cpu_quota),
            (1_500_000_000, 512, 150_000)
        );
        assert_eq!(l.pids_limit, 0);
    }
}
