//! Running containers from systemd units: `--cidfile`, `--replace`, `stop/rm
//! --ignore`, `--sdnotify` (against a socket standing in for systemd's), and the units
//! `generate systemd` writes, checked by `systemd-analyze verify`.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::{busybox, rpod_bin, run_d, TestEnv};

/// A file path in the test user's home (writable by them, absent).
fn user_path(env: &TestEnv, name: &str) -> PathBuf {
    env.home().join(name)
}

#[test]
fn cidfile_holds_the_id_and_is_never_overwritten() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let cid = user_path(&env, "ctr.id");
    let cid_s = cid.to_str().unwrap();
    let out = env.rpod(&["create", "--cidfile", cid_s, "--name", "a", &img, "true"]);
    out.assert_ok();
    let id = out.stdout.trim();
    assert_eq!(std::fs::read_to_string(&cid).unwrap(), id);

    // An existing file is refused before anything is created.
    let out = env.rpod(&[
        "run",
        "-d",
        "--cidfile",
        cid_s,
        "--name",
        "second",
        &img,
        "true",
    ]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("container id file exists"), "{out}");
    assert_eq!(std::fs::read_to_string(&cid).unwrap(), id);
    env.rpod(&["inspect", "second"]).assert_code(125);

    // `run` writes it too.
    let cid2 = user_path(&env, "run.id");
    let id2 = run_d(
        &env,
        &["--cidfile", cid2.to_str().unwrap(), &img, "sleep", "100"],
    );
    assert_eq!(std::fs::read_to_string(&cid2).unwrap(), id2);
}

#[test]
fn replace_removes_the_container_holding_the_name() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let first = run_d(&env, &["--name", "web", &img, "sleep", "100"]);
    // Without --replace the name is taken.
    env.rpod(&["run", "-d", "--name", "web", &img, "true"])
        .assert_code(125);
    let second = run_d(&env, &["--replace", "--name", "web", &img, "sleep", "100"]);
    assert_ne!(first, second);
    let out = env.rpod(&["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}"]);
    out.assert_ok();
    assert_eq!(out.stdout_lines(), [format!("{second} web").as_str()]);
    // No name, nothing to replace: podman's error.
    let out = env.rpod(&["create", "--replace", &img, "true"]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("--name"), "{out}");
}

#[test]
fn stop_and_rm_ignore_missing_containers_and_read_cidfiles() {
    let env = TestEnv::new();
    let img = busybox(&env);
    env.rpod(&["stop", "nosuch"]).assert_code(125);
    env.rpod(&["stop", "--ignore", "nosuch"]).assert_ok();
    env.rpod(&["rm", "nosuch"]).assert_code(1);
    env.rpod(&["rm", "-i", "nosuch"]).assert_ok();

    // A unit's stop commands run even when its start never wrote the file.
    let missing = user_path(&env, "never.id");
    let missing = missing.to_str().unwrap();
    env.rpod(&["stop", "--ignore", "--cidfile", missing])
        .assert_ok();
    env.rpod(&["rm", "-f", "--ignore", "--cidfile", missing])
        .assert_ok();
    env.rpod(&["stop", "--cidfile", missing]).assert_code(125);

    let cid = user_path(&env, "c.id");
    let cid_s = cid.to_str().unwrap();
    let id = run_d(&env, &["--cidfile", cid_s, &img, "sleep", "100"]);
    env.rpod(&["stop", "-t", "0", "--cidfile", cid_s])
        .assert_ok();
    let state = env.rpod(&["inspect", "--format", "{{.State.Status}}", &id]);
    assert_eq!(state.stdout.trim(), "exited", "{state}");
    env.rpod(&["rm", "--cidfile", cid_s]).assert_ok();
    env.rpod(&["inspect", &id]).assert_code(125);
}

/// A datagram socket standing in for systemd's, that the test user may send to.
fn notify_socket(env: &TestEnv) -> (UnixDatagram, PathBuf) {
    let path = user_path(env, "notify.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    (sock, path)
}

/// What arrives on `sock` within `secs`, until `done` says it is enough.
fn receive(sock: &UnixDatagram, secs: u64, done: impl Fn(&str) -> bool) -> String {
    let end = Instant::now() + Duration::from_secs(secs);
    let mut all = String::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < end && !done(&all) {
        if let Ok(n) = sock.recv(&mut buf) {
            all.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
    all
}

fn main_pid(messages: &str) -> Option<i32> {
    messages
        .lines()
        .find_map(|l| l.strip_prefix("MAINPID="))
        .and_then(|p| p.trim().parse().ok())
}

#[test]
fn sdnotify_conmon_reports_the_monitor_and_readiness() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let (sock, path) = notify_socket(&env);
    let out = env
        .cmd(&[
            "run",
            "-d",
            "--sdnotify=conmon",
            "--name",
            "svc",
            &img,
            "sh",
            "-c",
            "echo ${NOTIFY_SOCKET-unset}; sleep 100",
        ])
        .env("NOTIFY_SOCKET", &path)
        .run();
    out.assert_ok();
    let got = receive(&sock, 10, |m| {
        m.contains("READY=1") && main_pid(m).is_some()
    });
    assert!(got.lines().any(|l| l == "READY=1"), "{got:?}");
    let pid = main_pid(&got).unwrap_or_else(|| panic!("no MAINPID in {got:?}"));
    assert!(
        Path::new(&format!("/proc/{pid}")).exists(),
        "MAINPID {pid} is not alive"
    );
    let conmon = env.rpod(&["inspect", "--format", "{{.State.ConmonPid}}", "svc"]);
    assert_eq!(conmon.stdout.trim(), pid.to_string(), "{conmon}");
    // The socket is the monitor's business: it does not reach the container.
    let mut logs = String::new();
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end && logs.is_empty() {
        logs = env.rpod(&["logs", "svc"]).stdout;
    }
    assert_eq!(logs.trim(), "unset");

    // `ignore`: not a word.
    let out = env
        .cmd(&["run", "-d", "--sdnotify=ignore", &img, "sleep", "100"])
        .env("NOTIFY_SOCKET", &path)
        .run();
    out.assert_ok();
    let got = receive(&sock, 1, |m| !m.is_empty());
    assert_eq!(got, "");
}

#[test]
fn sdnotify_container_binds_the_socket_into_the_container() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let (sock, path) = notify_socket(&env);
    let out = env
        .cmd(&[
            "run",
            "--rm",
            &img,
            "sh",
            "-c",
            "echo $NOTIFY_SOCKET; test -S /run/notify/notify.sock && echo socket",
        ])
        .env("NOTIFY_SOCKET", &path)
        .run();
    out.assert_ok();
    assert_eq!(
        out.stdout_lines(),
        ["/run/notify/notify.sock", "socket"],
        "{out}"
    );
    // The monitor names itself but leaves readiness to the container.
    let got = receive(&sock, 2, |m| main_pid(m).is_some());
    assert!(main_pid(&got).is_some(), "{got:?}");
    assert!(!got.contains("READY=1"), "{got:?}");

    // Without NOTIFY_SOCKET, nothing is bound.
    let out = env
        .cmd(&[
            "run",
            "--rm",
            &img,
            "sh",
            "-c",
            "ls /run/notify 2>&1; echo ${NOTIFY_SOCKET-unset}",
        ])
        .env_remove("NOTIFY_SOCKET")
        .run();
    out.assert_ok();
    assert!(out.stdout.ends_with("unset\n"), "{out}");
    assert!(!out.stdout.contains("notify.sock"), "{out}");
}

/// `systemd-analyze verify` on `text` as `name`, in a fresh directory.
fn verify(env: &TestEnv, name: &str, text: &str) {
    let dir = env.root().join("units");
    std::fs::create_dir_all(&dir).unwrap();
    let unit = dir.join(name);
    std::fs::write(&unit, text).unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&unit)
        .output()
        .expect("systemd-analyze is installed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // No systemd runs here: only complaints about the unit itself count.
    let about_unit: Vec<&str> = stderr.lines().filter(|l| l.contains(name)).collect();
    assert!(
        out.status.success() && about_unit.is_empty(),
        "systemd-analyze verify {name}: {}\n{stderr}\n{text}",
        out.status
    );
}

#[test]
fn generated_units_verify_and_name_the_create_command() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let id = env
        .rpod(&[
            "create",
            "--name",
            "web",
            "-e",
            "GREETING=hello world",
            &img,
            "sleep",
            "100",
        ])
        .assert_ok()
        .stdout
        .trim()
        .to_string();
    let exe = rpod_bin().display().to_string();

    let out = env.rpod(&["generate", "systemd", "--new", "--name", "web"]);
    out.assert_ok();
    let text = &out.stdout;
    assert!(
        text.starts_with("# container-web.service\n# autogenerated by rpod "),
        "{text}"
    );
    for want in [
        format!("ExecStart={exe} run \\\n\t--cidfile=%t/%n.ctr-id \\\n\t--rm \\\n\t--sdnotify=conmon \\\n\t-d \\\n\t--replace \\\n\t--name web \\\n\t-e \"GREETING=hello world\" {img} sleep 100\n"),
        format!("ExecStop={exe} stop \\\n\t--ignore -t 10 \\\n\t--cidfile=%t/%n.ctr-id\n"),
        format!("ExecStopPost={exe} rm \\\n\t-f \\\n\t--ignore -t 10 \\\n\t--cidfile=%t/%n.ctr-id\n"),
        "Environment=RPOD_SYSTEMD_UNIT=%n\n".to_string(),
        "Type=notify\nNotifyAccess=all\n".to_string(),
        "[Install]\nWantedBy=default.target\n".to_string(),
    ] {
        assert!(text.contains(&want), "missing {want:?} in\n{text}");
    }
    verify(&env, "container-web.service", text);

    let out = env.rpod(&["generate", "systemd", "--no-header", "-t", "3", &id]);
    out.assert_ok();
    let text = &out.stdout;
    assert!(
        text.starts_with(&format!("# container-{id}.service\n\n[Unit]\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("ExecStart={exe} start {id}\n")),
        "{text}"
    );
    assert!(text.contains("TimeoutStopSec=63\n"), "{text}");
    assert!(text.contains("monitor.pid\nType=forking\n"), "{text}");
    verify(&env, &format!("container-{id}.service"), text);
    // The forking unit's main pid: the monitor's, written before `start` returns.
    let pid_file = text
        .lines()
        .find_map(|l| l.strip_prefix("PIDFile="))
        .unwrap()
        .to_string();
    env.rpod(&["start", "web"]).assert_ok();
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let conmon = env.rpod(&["inspect", "--format", "{{.State.ConmonPid}}", "web"]);
    assert_eq!(pid.trim(), conmon.stdout.trim(), "{conmon}");
    assert!(Path::new(&format!("/proc/{}", pid.trim())).exists());

    // --files: in the working directory, its path printed.
    let out = env
        .cmd(&["generate", "systemd", "--files", "--name", "web"])
        .run();
    out.assert_ok();
    let written = PathBuf::from(out.stdout.trim());
    assert!(
        written.is_absolute() && written.ends_with("container-web.service"),
        "{out}"
    );
    let content = std::fs::read_to_string(&written).unwrap();
    assert!(content.contains("ExecStart=") && content.contains("Type=forking"));
    let _ = std::fs::remove_file(&written);

    env.rpod(&["generate", "systemd", "--restart-policy=sometimes", "web"])
        .assert_code(125);
}

/// A generated `--new` unit's commands, run as systemd would run them, bring the
/// container up and take it down again.
#[test]
fn new_unit_commands_start_and_stop_the_container() {
    let env = TestEnv::new();
    let img = busybox(&env);
    env.rpod(&["create", "--name", "job", &img, "sleep", "100"])
        .assert_ok();
    env.rpod(&["rm", "job"]).assert_ok();
    let cid = user_path(&env, "job.ctr-id");
    let cid_s = format!("--cidfile={}", cid.display());
    let (sock, path) = notify_socket(&env);
    let out = env
        .cmd(&[
            "run",
            &cid_s,
            "--rm",
            "--sdnotify=conmon",
            "-d",
            "--replace",
            "--name",
            "job",
            &img,
            "sleep",
            "100",
        ])
        .env("NOTIFY_SOCKET", &path)
        .run();
    out.assert_ok();
    let got = receive(&sock, 10, |m| m.contains("READY=1"));
    assert!(got.contains("READY=1"), "{got:?}");
    env.rpod(&["stop", "--ignore", "-t", "0", &cid_s])
        .assert_ok();
    env.rpod(&["rm", "-f", "--ignore", "-t", "0", &cid_s])
        .assert_ok();
    env.rpod(&["inspect", "job"]).assert_code(125);
}
