//! systemd service units for containers (`rpod generate systemd`), in podman's shape.
//!
//! Two kinds: with `new`, the unit creates the container at each start from the
//! command that created it (`run --rm --replace --sdnotify=conmon -d --cidfile=…`,
//! `Type=notify`), so nothing needs to exist beforehand; otherwise it starts and stops
//! the existing container (`Type=forking`, the monitor's pid file as `PIDFile=`).

use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{ContainerStore, Record};
use crate::base::timestamp::Timestamp;

/// `Restart=` values systemd accepts.
pub const RESTART_POLICIES: [&str; 7] = [
    "no",
    "on-success",
    "on-failure",
    "on-abnormal",
    "on-watchdog",
    "on-abort",
    "always",
];

/// The environment variable naming the unit a container was started by.
pub const UNIT_ENV: &str = "RPOD_SYSTEMD_UNIT";

/// The file holding the container's ID in a `new` unit (`%t` is the runtime dir).
const CIDFILE: &str = "%t/%n.ctr-id";

/// How the unit is shaped (the flags of `generate systemd`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitOptions {
    pub new: bool,
    /// Name the unit and the container by name rather than ID.
    pub use_name: bool,
    pub restart_policy: String,
    pub restart_sec: Option<u32>,
    /// Seconds `stop` waits before SIGKILL.
    pub stop_timeout: u32,
    pub container_prefix: String,
    pub separator: String,
    pub header: bool,
}

impl Default for UnitOptions {
    fn default() -> Self {
        UnitOptions {
            new: false,
            use_name: false,
            restart_policy: "on-failure".into(),
            restart_sec: None,
            stop_timeout: super::record::DEFAULT_STOP_TIMEOUT,
            container_prefix: "container".into(),
            separator: "-".into(),
            header: true,
        }
    }
}

/// What the unit is made from.
#[derive(Debug, Clone)]
pub struct UnitSource<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// Absolute path of rpod.
    pub executable: &'a str,
    /// rpod's global flags in the create command (`--root …`), kept for every call.
    pub global_args: &'a [String],
    /// The create command's flags (after `run`/`create`) and its positionals.
    pub options: &'a [String],
    pub positional: &'a [String],
    /// The monitor's pid file (for a unit that is not `new`).
    pub pid_file: &'a Path,
    /// `RequiresMountsFor=`: the runtime root, `%t/…` when under the runtime dir,
    /// escaped as a unit needs.
    pub runroot: &'a str,
    pub version: &'a str,
    /// `Mon Jan  2 15:04:05 UTC 2006`.
    pub date: &'a str,
}

/// A generated unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// `container-NAME.service`.
    pub service: String,
    pub text: String,
}

/// A recorded `rpod [GLOBAL…] [container] run|create …`, taken apart.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CreateCommand {
    /// rpod's global flags, `container` left out.
    pub global: Vec<String>,
    /// The flags after `run`/`create`.
    pub options: Vec<String>,
    /// The image, the command and its arguments.
    pub positional: Vec<String>,
}

#[derive(Debug, Error)]
pub enum UnitError {
    #[error("finding rpod's own path")]
    SelfPath(#[source] io::Error),
    #[error("finding the current directory")]
    CurrentDir(#[source] io::Error),
    #[error("writing {}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// The unit for a recorded container, calling this rpod executable; `command` is its
/// create command taken apart (empty unless `opts.new`).
pub fn for_container(
    store: &ContainerStore,
    runroot: &Path,
    record: &Record,
    command: &CreateCommand,
    opts: &UnitOptions,
) -> Result<Unit, UnitError> {
    let executable = std::env::current_exe()
        .map_err(UnitError::SelfPath)?
        .display()
        .to_string();
    let runroot = runtime_relative(runroot, std::env::var_os("XDG_RUNTIME_DIR"));
    let pid_file = store.monitor_pid_path(&record.id);
    let date = Timestamp::now().unix_date();
    let src = UnitSource {
        id: &record.id,
        name: &record.name,
        executable: &executable,
        global_args: &command.global,
        options: &command.options,
        positional: &command.positional,
        pid_file: &pid_file,
        runroot: &runroot,
        version: env!("CARGO_PKG_VERSION"),
        date: &date,
    };
    Ok(container_unit(&src, opts))
}

/// Writes the unit to its file in the current directory; the file's path.
pub fn write_in_current_dir(unit: &Unit) -> Result<PathBuf, UnitError> {
    let path = std::env::current_dir()
        .map_err(UnitError::CurrentDir)?
        .join(&unit.service);
    crate::base::atomic::write(&path, unit.text.as_bytes()).map_err(|source| UnitError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// The unit for one container.
pub fn container_unit(src: &UnitSource<'_>, opts: &UnitOptions) -> Unit {
    let ident = if opts.use_name { src.name } else { src.id };
    let service = format!(
        "{}{}{}.service",
        opts.container_prefix, opts.separator, ident
    );
    let exe = std::iter::once(src.executable.to_string())
        .chain(src.global_args.iter().map(|a| escape(a)))
        .collect::<Vec<_>>()
        .join(" ");
    let t = opts.stop_timeout;
    let mut s = String::new();
    s.push_str(&format!("# {service}\n"));
    if opts.header {
        s.push_str(&format!("# autogenerated by rpod {}\n", src.version));
        s.push_str(&format!("# {}\n", src.date));
    }
    s.push_str("\n[Unit]\n");
    s.push_str(&format!("Description=rpod {service}\n"));
    s.push_str("Documentation=man:rpod-generate-systemd(1)\n");
    s.push_str("Wants=network-online.target\n");
    s.push_str("After=network-online.target\n");
    s.push_str(&format!("RequiresMountsFor={}\n", src.runroot));
    s.push_str("\n[Service]\n");
    s.push_str(&format!("Environment={UNIT_ENV}=%n\n"));
    s.push_str(&format!("Restart={}\n", opts.restart_policy));
    if let Some(sec) = opts.restart_sec {
        s.push_str(&format!("RestartSec={sec}\n"));
    }
    s.push_str(&format!("TimeoutStopSec={}\n", 60 + u64::from(t)));
    if opts.new {
        let (name, rest) = run_options(src.options);
        let mut start = vec![
            format!("--cidfile={CIDFILE}"),
            "--rm".to_string(),
            "--sdnotify=conmon".to_string(),
            "-d".to_string(),
        ];
        if let Some(name) = &name {
            start.push("--replace".into());
            start.push(format!("--name {}", escape(name)));
        }
        let tail: Vec<String> = rest
            .iter()
            .chain(src.positional)
            .map(|a| escape(a))
            .collect();
        if !tail.is_empty() {
            start.push(tail.join(" "));
        }
        s.push_str(&format!("ExecStartPre=/bin/rm \\\n\t-f {CIDFILE}\n"));
        s.push_str(&format!(
            "ExecStart={exe} run \\\n\t{}\n",
            start.join(" \\\n\t")
        ));
        s.push_str(&format!(
            "ExecStop={exe} stop \\\n\t--ignore -t {t} \\\n\t--cidfile={CIDFILE}\n"
        ));
        s.push_str(&format!(
            "ExecStopPost={exe} rm \\\n\t-f \\\n\t--ignore -t {t} \\\n\t--cidfile={CIDFILE}\n"
        ));
        s.push_str("Type=notify\nNotifyAccess=all\n");
    } else {
        let ident = escape(ident);
        s.push_str(&format!("ExecStart={exe} start {ident}\n"));
        s.push_str(&format!("ExecStop={exe} stop  \\\n\t-t {t} {ident}\n"));
        s.push_str(&format!("ExecStopPost={exe} stop  \\\n\t-t {t} {ident}\n"));
        s.push_str(&format!(
            "PIDFile={}\n",
            escape(&src.pid_file.display().to_string())
        ));
        s.push_str("Type=forking\n");
    }
    s.push_str("\n[Install]\nWantedBy=default.target\n");
    Unit { service, text: s }
}

/// Short flags of `run` that take no value (a cluster such as `-dit` is read up to
/// the first one that does).
const BOOL_SHORTS: &[char] = &['d', 'i', 't', 'P', 'q'];

/// The create command's flags without those the unit sets itself (`--name`, which it
/// returns, `--replace`, `-d`/`--detach`, `--rm`, `--cidfile`, `--sdnotify`).
pub fn run_options(options: &[String]) -> (Option<String>, Vec<String>) {
    const VALUED: [&str; 3] = ["--name", "--cidfile", "--sdnotify"];
    const DROPPED: [&str; 4] = ["--replace", "--detach", "--rm", "-d"];
    let mut name = None;
    let mut out = Vec::new();
    let mut it = options.iter();
    while let Some(arg) = it.next() {
        if let Some(flag) = VALUED.iter().find(|f| *f == arg) {
            let value = it.next().cloned();
            if *flag == "--name" {
                name = value;
            }
            continue;
        }
        if let Some((flag, value)) = arg.split_once('=') {
            if VALUED.contains(&flag) {
                if flag == "--name" {
                    name = Some(value.to_string());
                }
                continue;
            }
            if DROPPED.contains(&flag) {
                continue;
            }
        }
        if DROPPED.contains(&arg.as_str()) {
            continue;
        }
        match short_cluster_without_detach(arg) {
            Some(kept) if kept.len() > 1 => out.push(kept),
            Some(_) => {}
            None => out.push(arg.clone()),
        }
    }
    (name, out)
}

/// `-dit` → `-it`; `None` when `arg` is no cluster holding `d` as a flag.
fn short_cluster_without_detach(arg: &str) -> Option<String> {
    let body = arg.strip_prefix('-').filter(|b| !b.starts_with('-'))?;
    let flags: String = body
        .chars()
        .take_while(|c| BOOL_SHORTS.contains(c))
        .collect();
    if !flags.contains('d') {
        return None;
    }
    let value = &body[flags.len()..];
    Some(format!("-{}{value}", flags.replace('d', "")))
}

/// One argument as systemd's command-line parser reads it back: `%` and `$` doubled
/// (no specifier or variable expansion), quoted when it holds blanks or quotes.
pub fn escape(arg: &str) -> String {
    let a = arg.replace('%', "%%").replace('$', "$$");
    let plain = !a.is_empty()
        && !a
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | ';'));
    if plain {
        return a;
    }
    let mut q = String::from("\"");
    for c in a.chars() {
        match c {
            '"' | '\\' => {
                q.push('\\');
                q.push(c);
            }
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// `path` as a unit names it: `%t/…` below the runtime dir, else as it is.
pub fn runtime_relative(path: &Path, runtime_dir: Option<std::ffi::OsString>) -> String {
    if let Some(rel) = runtime_dir
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
        .and_then(|d| path.strip_prefix(d).ok().map(Path::to_path_buf))
    {
        if !rel.as_os_str().is_empty() {
            return format!("%t/{}", escape(&rel.display().to_string()));
        }
    }
    escape(&path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn source<'a>(options: &'a [String], positional: &'a [String]) -> UnitSource<'a> {
        UnitSource {
            id: "0123abcd",
            name: "web",
            executable: "/usr/bin/rpod",
            global_args: &[],
            options,
            positional,
            pid_file: Path::new("/run/user/1000/rpod/containers/0123abcd/monitor.pid"),
            runroot: "%t/rpod",
            version: "0.1.0",
            date: "Thu Nov 26 17:36:06 UTC 2026",
        }
    }

    #[test]
    fn new_unit_is_podmans_shape() {
        let options = strings(&["--name", "web", "-d", "-e", "A=1", "--rm"]);
        let positional = strings(&["busybox", "sleep", "100"]);
        let opts = UnitOptions {
            new: true,
            use_name: true,
            ..Default::default()
        };
        let unit = container_unit(&source(&options, &positional), &opts);
        assert_eq!(unit.service, "container-web.service");
        let expected = "# container-web.service
# autogenerated by rpod 0.1.0
# Thu Nov 26 17:36:06 UTC 2026

[Unit]
Description=rpod container-web.service
Documentation=man:rpod-generate-systemd(1)
Wants=network-online.target
After=network-online.target
RequiresMountsFor=%t/rpod

[Service]
Environment=RPOD_SYSTEMD_UNIT=%n
Restart=on-failure
TimeoutStopSec=70
ExecStartPre=/bin/rm \\
\t-f %t/%n.ctr-id
ExecStart=/usr/bin/rpod run \\
\t--cidfile=%t/%n.ctr-id \\
\t--rm \\
\t--sdnotify=conmon \\
\t-d \\
\t--replace \\
\t--name web \\
\t-e A=1 busybox sleep 100
ExecStop=/usr/bin/rpod stop \\
\t--ignore -t 10 \\
\t--cidfile=%t/%n.ctr-id
ExecStopPost=/usr/bin/rpod rm \\
\t-f \\
\t--ignore -t 10 \\
\t--cidfile=%t/%n.ctr-id
Type=notify
NotifyAccess=all

[Install]
WantedBy=default.target
";
        assert_eq!(unit.text, expected);
    }

    #[test]
    fn existing_container_unit_forks() {
        let opts = UnitOptions {
            header: false,
            stop_timeout: 3,
            restart_policy: "always".into(),
            restart_sec: Some(5),
            container_prefix: "ct".into(),
            separator: "_".into(),
            ..Default::default()
        };
        let unit = container_unit(&source(&[], &[]), &opts);
        assert_eq!(unit.service, "ct_0123abcd.service");
        let t = &unit.text;
        assert!(t.starts_with("# ct_0123abcd.service\n\n[Unit]\n"), "{t}");
        assert!(
            t.contains("\nRestart=always\nRestartSec=5\nTimeoutStopSec=63\n"),
            "{t}"
        );
        assert!(
            t.contains("\nExecStart=/usr/bin/rpod start 0123abcd\n"),
            "{t}"
        );
        assert!(
            t.contains("\nExecStop=/usr/bin/rpod stop  \\\n\t-t 3 0123abcd\n"),
            "{t}"
        );
        assert!(t.contains(
            "\nPIDFile=/run/user/1000/rpod/containers/0123abcd/monitor.pid\nType=forking\n"
        ));
        assert!(!t.contains("ctr-id"), "{t}");
    }

    #[test]
    fn no_name_means_no_replace() {
        let positional = strings(&["busybox", "true"]);
        let opts = UnitOptions {
            new: true,
            ..Default::default()
        };
        let unit = container_unit(&source(&[], &positional), &opts);
        assert!(
            unit.text.contains("\t-d \\\n\tbusybox true\n"),
            "{}",
            unit.text
        );
        assert!(!unit.text.contains("--replace"));
    }

    #[test]
    fn unit_flags_are_taken_out_of_the_create_command() {
        let (name, rest) = run_options(&strings(&[
            "--name=web",
            "-dit",
            "--rm",
            "--cidfile",
            "/tmp/x",
            "--sdnotify=container",
            "-p",
            "8080:80",
            "--detach",
            "-dp",
            "80:80",
            "-d",
            "-e",
            "X=1",
            "--replace",
        ]));
        assert_eq!(name.as_deref(), Some("web"));
        assert_eq!(
            rest,
            strings(&["-it", "-p", "8080:80", "-p", "80:80", "-e", "X=1"])
        );
        // A value that starts with `d` stays whole.
        let (_, rest) = run_options(&strings(&["-w", "/d", "-edebug=1"]));
        assert_eq!(rest, strings(&["-w", "/d", "-edebug=1"]));
    }

    #[test]
    fn arguments_are_escaped_for_systemd() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("a b"), "\"a b\"");
        assert_eq!(escape("echo $HOME 100%"), "\"echo $$HOME 100%%\"");
        assert_eq!(escape(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(escape(""), "\"\"");
    }

    #[test]
    fn runtime_dir_becomes_percent_t() {
        let p = Path::new("/run/user/1000/rpod");
        assert_eq!(
            runtime_relative(p, Some("/run/user/1000".into())),
            "%t/rpod"
        );
        assert_eq!(runtime_relative(p, None), "/run/user/1000/rpod");
        assert_eq!(
            runtime_relative(Path::new("/tmp/rpod-1"), Some("/run/user/1".into())),
            "/tmp/rpod-1"
        );
    }
}
