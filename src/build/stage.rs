//! A stage's state while it is built: the image config so far (runtime config,
//! layers, history) plus the `ARG`s in scope, and the instructions that only
//! change the config.
//!
//! The config is the whole truth of a step's result: its digest is the step's
//! id (what `--> <id>` prints and what the next step's cache key starts from),
//! so everything a later step depends on lives in it — including `SHELL`, kept
//! as Docker keeps it, in `config.Shell`.

use serde_json::{Map, Value};
use thiserror::Error;

use super::instruction::{Command, Healthcheck};
use crate::base::digest::Digest;
use crate::base::timestamp::{parse_duration, Timestamp};
use crate::image::oci_config::{History, ImageConfig, RootFs};

/// Docker's default `SHELL`.
pub const DEFAULT_SHELL: [&str; 2] = ["/bin/sh", "-c"];

/// ARGs every build knows without a declaration; their values never enter the
/// history (Docker's and podman's rule).
pub const PROXY_ARGS: [&str; 10] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

#[derive(Debug, Error, PartialEq, Eq)]
pub enum StageError {
    #[error("{0}: a duration such as 30s or 1m30s is needed")]
    Duration(String),
    #[error("invalid port {0:?}: use PORT or PORT/tcp|udp|sctp")]
    Port(String),
}

/// One stage being built.
#[derive(Debug, Clone)]
pub struct StageState {
    pub config: ImageConfig,
    /// `ARG`s declared in this stage, with their values (`None`: declared without
    /// one and given none: expands to the empty string).
    pub args: Vec<(String, Option<String>)>,
    /// Whether this stage has its own `CMD` (an `ENTRYPOINT` then keeps it).
    pub cmd_set: bool,
}

impl StageState {
    /// A stage starting from a base image's config: its history and layers are
    /// kept, its `OnBuild` triggers are taken out (they run now, not again).
    pub fn from_base(mut config: ImageConfig) -> (StageState, Vec<String>) {
        let mut triggers = Vec::new();
        if let Value::Object(rt) = &mut config.config {
            if let Some(Value::Array(list)) = rt.remove("OnBuild") {
                triggers = list
                    .into_iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
            }
        }
        // Docker's extras describe the base's own build, not ours.
        config.extra.remove("container_config");
        config.extra.remove("container");
        config.extra.remove("docker_version");
        let state = StageState {
            config,
            args: Vec::new(),
            cmd_set: false,
        };
        (state, triggers)
    }

    /// `FROM scratch`.
    pub fn scratch(architecture: &str) -> StageState {
        StageState {
            config: ImageConfig {
                architecture: architecture.to_string(),
                os: "linux".into(),
                config: Value::Object(Map::new()),
                rootfs: RootFs {
                    kind: "layers".into(),
                    diff_ids: Vec::new(),
                },
                ..ImageConfig::default()
            },
            args: Vec::new(),
            cmd_set: false,
        }
    }

    /// The config as stored (its sha256 is the image id).
    pub fn bytes(&self) -> Vec<u8> {
        // A tree of JSON values with string keys always serialises.
        serde_json::to_vec(&self.config).unwrap_or_default()
    }

    /// The id an image of this state has.
    pub fn id(&self) -> Digest {
        Digest::of(&self.bytes())
    }

    /// The runtime config (`Env`, `Cmd`, …), created if absent.
    pub fn runtime(&mut self) -> &mut Map<String, Value> {
        if !self.config.config.is_object() {
            self.config.config = Value::Object(Map::new());
        }
        match &mut self.config.config {
            Value::Object(m) => m,
            _ => unreachable!("just made an object"),
        }
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.config.config.get(key).filter(|v| !v.is_null())
    }

    fn string(&self, key: &str) -> Option<String> {
        self.get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .filter(|s| !s.is_empty())
    }

    fn list(&self, key: &str) -> Option<Vec<String>> {
        self.get(key).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
    }

    /// `Env` as pairs, in order.
    pub fn env(&self) -> Vec<(String, String)> {
        self.list("Env")
            .unwrap_or_default()
            .into_iter()
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (e, String::new()),
            })
            .collect()
    }

    /// A variable as instructions see it: `ENV` first, then the stage's `ARG`s.
    pub fn lookup(&self, name: &str) -> Option<String> {
        if let Some((_, v)) = self.env().into_iter().find(|(k, _)| k == name) {
            return Some(v);
        }
        self.args
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone().unwrap_or_default())
    }

    /// The ARGs a `RUN` sees in its environment (those `ENV` does not shadow), with values.
    pub fn run_args(&self) -> Vec<(String, String)> {
        let env = self.env();
        self.args
            .iter()
            .filter(|(k, _)| !env.iter().any(|(e, _)| e == k))
            .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
            .collect()
    }

    pub fn workdir(&self) -> String {
        self.string("WorkingDir").unwrap_or_else(|| "/".into())
    }

    pub fn user(&self) -> Option<String> {
        self.string("User")
    }

    pub fn shell(&self) -> Vec<String> {
        self.list("Shell")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| DEFAULT_SHELL.iter().map(|s| s.to_string()).collect())
    }

    /// The argv of a shell- or exec-form command under this stage's `SHELL`.
    pub fn argv(&self, cmd: &Command) -> Vec<String> {
        match cmd {
            Command::Exec(list) => list.clone(),
            Command::Shell(text) => {
                let mut v = self.shell();
                v.push(text.clone());
                v
            }
        }
    }

    /// Records a step: a history entry (`empty_layer` unless it made `layer`).
    pub fn record(&mut self, created_by: String, layer: Option<Digest>, now: &Timestamp) {
        let created = now.rfc3339_nanos();
        self.config.created = Some(created.clone());
        let empty = layer.is_none();
        if let Some(d) = layer {
            self.config.rootfs.kind = "layers".into();
            self.config.rootfs.diff_ids.push(d);
        }
        self.config.history.push(History {
            created: Some(created),
            created_by: Some(created_by),
            empty_layer: empty,
            ..History::default()
        });
    }

    pub fn set_env(&mut self, pairs: &[(String, String)]) {
        let mut env = self.env();
        for (k, v) in pairs {
            match env.iter_mut().find(|(name, _)| name == k) {
                Some(slot) => slot.1 = v.clone(),
                None => env.push((k.clone(), v.clone())),
            }
        }
        let list: Vec<Value> = env
            .into_iter()
            .map(|(k, v)| Value::String(format!("{k}={v}")))
            .collect();
        self.runtime().insert("Env".into(), Value::Array(list));
    }

    pub fn set_labels(&mut self, pairs: &[(String, String)]) {
        let mut labels = match self.runtime().remove("Labels") {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        for (k, v) in pairs {
            labels.insert(k.clone(), Value::String(v.clone()));
        }
        self.runtime()
            .insert("Labels".into(), Value::Object(labels));
    }

    /// `WORKDIR`: relative paths are resolved against the current one.
    pub fn set_workdir(&mut self, dir: &str) {
        let joined = if dir.starts_with('/') {
            dir.to_string()
        } else {
            format!("{}/{dir}", self.workdir().trim_end_matches('/'))
        };
        let clean = clean_path(&joined);
        self.runtime()
            .insert("WorkingDir".into(), Value::String(clean));
    }

    pub fn set_string(&mut self, key: &str, value: &str) {
        self.runtime()
            .insert(key.into(), Value::String(value.to_string()));
    }

    /// `CMD`/`ENTRYPOINT` (`Cmd`/`Entrypoint`); a new `ENTRYPOINT` resets a
    /// `CMD` inherited from the base (not one this stage set), as Docker does.
    pub fn set_command(&mut self, key: &str, cmd: &Command) {
        let argv = self.argv(cmd);
        let list = Value::from(argv);
        self.runtime().insert(key.into(), list);
        if key == "Cmd" {
            self.cmd_set = true;
        } else if key == "Entrypoint" && !self.cmd_set {
            self.runtime().remove("Cmd");
        }
    }

    pub fn set_shell(&mut self, shell: &[String]) {
        self.runtime()
            .insert("Shell".into(), Value::from(shell.to_vec()));
    }

    pub fn add_ports(&mut self, ports: &[String]) -> Result<(), StageError> {
        let mut map = match self.runtime().remove("ExposedPorts") {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let result = (|| {
            for p in ports {
                map.insert(port_key(p)?, Value::Object(Map::new()));
            }
            Ok(())
        })();
        self.runtime()
            .insert("ExposedPorts".into(), Value::Object(map));
        result
    }

    pub fn add_volumes(&mut self, vols: &[String]) {
        let mut map = match self.runtime().remove("Volumes") {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        for v in vols {
            map.insert(v.clone(), Value::Object(Map::new()));
        }
        self.runtime().insert("Volumes".into(), Value::Object(map));
    }

    pub fn add_onbuild(&mut self, trigger: &str) {
        let mut list = match self.runtime().remove("OnBuild") {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        list.push(Value::String(trigger.to_string()));
        self.runtime().insert("OnBuild".into(), Value::Array(list));
    }

    pub fn set_healthcheck(&mut self, hc: &Healthcheck) -> Result<(), StageError> {
        let value = match hc {
            Healthcheck::None => serde_json::json!({ "Test": ["NONE"] }),
            Healthcheck::Check {
                test,
                interval,
                timeout,
                start_period,
                start_interval,
                retries,
            } => {
                let test: Vec<String> = match test {
                    Command::Shell(s) => vec!["CMD-SHELL".into(), s.clone()],
                    Command::Exec(list) => {
                        let mut v = vec!["CMD".to_string()];
                        v.extend(list.iter().cloned());
                        v
                    }
                };
                let mut m = Map::new();
                m.insert("Test".into(), Value::from(test));
                for (key, val) in [
                    ("Interval", interval),
                    ("Timeout", timeout),
                    ("StartPeriod", start_period),
                    ("StartInterval", start_interval),
                ] {
                    if let Some(text) = val {
                        let d =
                            parse_duration(text).map_err(|_| StageError::Duration(text.clone()))?;
                        m.insert(key.into(), Value::from(d.as_nanos() as u64));
                    }
                }
                if let Some(r) = retries {
                    m.insert("Retries".into(), Value::from(*r));
                }
                Value::Object(m)
            }
        };
        self.runtime().insert("Healthcheck".into(), value);
        Ok(())
    }
}

/// `80` → `80/tcp`; `53/UDP` → `53/udp`.
fn port_key(p: &str) -> Result<String, StageError> {
    let bad = || StageError::Port(p.to_string());
    let (port, proto) = p.split_once('/').unwrap_or((p, "tcp"));
    let proto = proto.to_ascii_lowercase();
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(bad());
    }
    let valid = |s: &str| s.parse::<u16>().is_ok_and(|n| n > 0);
    let ok = match port.split_once('-') {
        Some((a, b)) => valid(a) && valid(b),
        None => valid(port),
    };
    if !ok {
        return Err(bad());
    }
    Ok(format!("{port}/{proto}"))
}

/// `/a/./b/../c/` → `/a/c`.
pub fn clean_path(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    format!("/{}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_args_and_lookup() {
        let mut s = StageState::scratch("amd64");
        s.args.push(("A".into(), Some("arg".into())));
        s.args.push(("B".into(), None));
        assert_eq!(s.lookup("A").as_deref(), Some("arg"));
        assert_eq!(s.lookup("B").as_deref(), Some(""));
        assert_eq!(s.lookup("C"), None);
        s.set_env(&[("A".into(), "env".into()), ("P".into(), "1".into())]);
        s.set_env(&[("P".into(), "2".into())]);
        assert_eq!(s.lookup("A").as_deref(), Some("env"));
        assert_eq!(s.config.config["Env"], serde_json::json!(["A=env", "P=2"]));
        assert_eq!(s.run_args(), vec![("B".to_string(), String::new())]);
    }

    #[test]
    fn workdir_shell_and_commands() {
        let mut s = StageState::scratch("amd64");
        assert_eq!(s.workdir(), "/");
        s.set_workdir("app");
        s.set_workdir("./sub/../lib");
        assert_eq!(s.workdir(), "/app/lib");
        s.set_workdir("/srv/");
        assert_eq!(s.workdir(), "/srv");
        assert_eq!(
            s.argv(&Command::Shell("echo hi".into())),
            ["/bin/sh", "-c", "echo hi"]
        );
        s.set_shell(&[
            "/bin/ash".into(),
            "-eo".into(),
            "pipefail".into(),
            "-c".into(),
        ]);
        assert_eq!(s.argv(&Command::Shell("x".into()))[0], "/bin/ash");
        s.set_command("Cmd", &Command::Exec(vec!["a".into()]));
        s.set_command("Entrypoint", &Command::Exec(vec!["e".into()]));
        assert!(
            s.config.config.get("Cmd").is_some(),
            "this stage's CMD stays"
        );
        let (mut child, _) = StageState::from_base(s.config.clone());
        child.set_command("Entrypoint", &Command::Exec(vec!["e2".into()]));
        assert!(
            child.config.config.get("Cmd").is_none(),
            "an inherited CMD goes"
        );
    }

    #[test]
    fn ports_volumes_health_and_history() {
        let mut s = StageState::scratch("amd64");
        s.add_ports(&["80".into(), "53/UDP".into()]).unwrap();
        assert!(s.add_ports(&["http".into()]).is_err());
        assert_eq!(
            s.config.config["ExposedPorts"],
            serde_json::json!({"80/tcp": {}, "53/udp": {}})
        );
        s.set_healthcheck(&Healthcheck::Check {
            test: Command::Shell("true".into()),
            interval: Some("1m30s".into()),
            timeout: None,
            start_period: None,
            start_interval: None,
            retries: Some(3),
        })
        .unwrap();
        assert_eq!(
            s.config.config["Healthcheck"],
            serde_json::json!({"Test": ["CMD-SHELL", "true"], "Interval": 90_000_000_000u64, "Retries": 3})
        );
        let before = s.id();
        let now = Timestamp::now();
        s.record("x".into(), None, &now);
        s.record("y".into(), Some(Digest::of(b"l")), &now);
        assert_ne!(s.id(), before);
        assert_eq!(s.config.rootfs.diff_ids, vec![Digest::of(b"l")]);
        assert!(s.config.history[0].empty_layer && !s.config.history[1].empty_layer);
    }

    #[test]
    fn base_triggers_are_taken_out() {
        let mut base = StageState::scratch("amd64");
        base.add_onbuild("RUN echo hi");
        let (s, triggers) = StageState::from_base(base.config);
        assert_eq!(triggers, ["RUN echo hi"]);
        assert!(s.config.config.get("OnBuild").is_none());
    }
}
