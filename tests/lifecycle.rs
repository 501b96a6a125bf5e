//! Containers that outlive `rpod run -d`: the monitor, the lifecycle commands, and
//! the store under concurrency and `kill -9`.

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::common::{busybox, inspect, rpod_bin, run_d, wait_for, Output, TestEnv};

/// Names and states from `ps -a`, one `name state` line each.
fn states(env: &TestEnv) -> Vec<String> {
    let out = env.rpod(&["ps", "-a", "--format", "{{.Names}} {{.State}}"]);
    out.assert_ok();
    out.stdout_lines().iter().map(|s| s.to_string()).collect()
}

fn container_dir(env: &TestEnv, id: &str) -> PathBuf {
    env.data_dir().join("rpod/containers").join(id)
}

fn alive(pid: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

#[track_caller]
fn assert_error(out: &Output, code: i32, text: &str) {
    out.assert_code(code).assert_one_error_line();
    assert!(out.stderr.contains(text), "expected {text:?}\n{out}");
}

#[test]
fn run_d_returns_at_once_and_the_container_outlives_the_shell() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let script = format!(
        "{} run -d --name bg {img} sleep 1000; exit",
        rpod_bin().display()
    );
    let start = Instant::now();
    let out = env.command("sh", &["-c", &script]).timeout(30).run();
    let took = start.elapsed();
    out.assert_ok();
    assert!(
        took < Duration::from_secs(1),
        "run -d took {took:?} (shell included)"
    );
    let id = out.stdout.trim();
    assert_eq!(id.len(), 64, "{out}");
    // The shell is gone; the container runs on under its monitor.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(states(&env), ["bg running"]);
    let monitor: i32 = inspect(&env, "bg", "{{.State.ConmonPid}}").parse().unwrap();
    let pid: i32 = inspect(&env, "bg", "{{.State.Pid}}").parse().unwrap();
    assert!(alive(monitor) && alive(pid));
    let stat = fs::read_to_string(format!("/proc/{monitor}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // A session of its own, which it does not lead (double fork), and no
    // controlling terminal: no hangup reaches it, none can be acquired.
    // SAFETY: getsid(0) only reads this process's session id.
    let ours = unsafe { libc::getsid(0) };
    assert_ne!(fields[3], ours.to_string(), "session of the monitor");
    assert_ne!(
        fields[3],
        monitor.to_string(),
        "the monitor leads no session"
    );
    assert_eq!(fields[4], "0", "controlling terminal of the monitor");
    let status = env.rpod(&["ps"]);
    status.assert_ok();
    assert!(status.stdout.starts_with("CONTAINER ID  IMAGE"), "{status}");
    assert!(status.stdout.contains("Up "), "{status}");
    env.rpod(&["rm", "-f", "-t", "0", "bg"]).assert_ok();
    wait_for("the monitor to exit", 10, || !alive(monitor));
    assert!(!alive(pid));
    assert!(states(&env).is_empty());
}

#[test]
fn logs_follow_tail_timestamps() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(
        &env,
        &[
            "--name",
            "talk",
            &img,
            "sh",
            "-c",
            "echo one; echo err >&2; sleep 1; printf 'two\\nthree'; sleep 0.2",
        ],
    );
    // Follows until the container exits, and has everything it wrote.
    let start = Instant::now();
    let out = env.cmd(&["logs", "-f", "talk"]).timeout(30).run();
    out.assert_ok();
    assert!(start.elapsed() >= Duration::from_millis(500), "{out}");
    assert_eq!(out.stdout, "one\ntwo\nthree", "{out}");
    assert_eq!(out.stderr, "err\n", "{out}");
    assert_eq!(inspect(&env, "talk", "{{.State.Status}}"), "exited");
    let out = env.rpod(&["logs", "--tail", "1", "talk"]);
    assert_eq!(out.stdout, "three", "{out}");
    let out = env.rpod(&["logs", "-t", "talk"]);
    let first = out.stdout_lines()[0].to_string();
    let (stamp, text) = first.split_once(' ').unwrap();
    assert_eq!(text, "one");
    assert!(stamp.starts_with("20") && stamp.ends_with('Z'), "{first}");
    let out = env.rpod(&["logs", "--since", "2999-01-01T00:00:00Z", "talk"]);
    assert!(out.stdout.is_empty(), "{out}");
    // The file itself is podman's k8s-file format.
    let id = inspect(&env, "talk", "{{.Id}}");
    let raw = fs::read_to_string(container_dir(&env, &id).join("ctr.log")).unwrap();
    let line = raw.lines().next().unwrap();
    let parts: Vec<&str> = line.splitn(4, ' ').collect();
    assert_eq!(parts[1..], ["stdout", "F", "one"], "{raw}");
    assert!(
        parts[0].ends_with("+00:00") && parts[0].len() == 35,
        "{raw}"
    );
    assert!(raw.contains(" stdout P three"), "{raw}");
    assert_error(
        &env.rpod(&["logs", "nope"]),
        125,
        "no container with name or ID \"nope\"",
    );
}

#[test]
fn log_driver_none_and_max_size() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let quiet = run_d(&env, &["--log-driver", "none", &img, "echo", "hidden"]);
    env.rpod(&["wait", &quiet]).assert_ok();
    assert_error(&env.rpod(&["logs", &quiet]), 125, "'none' log driver");
    assert_error(
        &env.rpod(&["run", "-d", "--rm", "--restart", "always", &img, "true"]),
        125,
        "conflicts with --restart",
    );
    let big = run_d(
        &env,
        &[
            "--log-opt",
            "max-size=2k",
            &img,
            "sh",
            "-c",
            "i=0; while [ $i -lt 300 ]; do echo line $i; i=$((i+1)); done",
        ],
    );
    env.rpod(&["wait", &big]).assert_ok();
    let log = container_dir(&env, &big).join("ctr.log");
    let size = fs::metadata(&log).unwrap().len();
    assert!(size <= 2000, "log of {size} bytes past max-size");
    let out = env.rpod(&["logs", "--tail", "1", &big]);
    assert_eq!(out.stdout, "line 299\n", "{out}");
    assert_eq!(inspect(&env, &big, "{{.HostConfig.LogConfig.Size}}"), "2kB");
}

#[test]
fn stop_kill_wait_and_exit_codes() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(&env, &["--name", "code", &img, "sh", "-c", "exit 42"]);
    let out = env.rpod(&["wait", "code"]);
    out.assert_ok();
    assert_eq!(out.stdout.trim(), "42");
    assert!(states(&env).contains(&"code exited".to_string()));

    // pid 1 ignores SIGTERM without a handler: -t 0 goes straight to SIGKILL.
    run_d(&env, &["--name", "sleeper", &img, "sleep", "1000"]);
    let start = Instant::now();
    env.rpod(&["stop", "-t", "0", "sleeper"]).assert_ok();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(inspect(&env, "sleeper", "{{.State.ExitCode}}"), "137");
    assert_eq!(env.rpod(&["wait", "sleeper"]).stdout.trim(), "137");
    let ps = env.rpod(&["ps", "-a", "--filter", "name=sleeper"]);
    assert!(ps.stdout.contains("Exited (137)"), "{ps}");

    // A handler for the stop signal decides the code; -t waits for it.
    run_d(
        &env,
        &[
            "--name",
            "polite",
            &img,
            "sh",
            "-c",
            "trap 'exit 143' TERM; while :; do sleep 0.1; done",
        ],
    );
    std::thread::sleep(Duration::from_millis(300));
    env.rpod(&["stop", "-t", "10", "polite"]).assert_ok();
    assert_eq!(inspect(&env, "polite", "{{.State.ExitCode}}"), "143");
    // --stop-signal and kill -s.
    run_d(
        &env,
        &[
            "--name",
            "usr",
            "--stop-signal",
            "USR1",
            &img,
            "sh",
            "-c",
            "trap 'echo got; exit 5' USR1; while :; do sleep 0.1; done",
        ],
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(inspect(&env, "usr", "{{.Config.StopSignal}}"), "10");
    env.rpod(&["kill", "-s", "USR1", "usr"]).assert_ok();
    assert_eq!(env.rpod(&["wait", "usr"]).stdout.trim(), "5");
    assert_eq!(env.rpod(&["logs", "usr"]).stdout, "got\n");
    assert_error(
        &env.rpod(&["kill", "usr"]),
        125,
        "can only kill running containers",
    );
    assert_error(&env.rpod(&["stop", "nope"]), 125, "no such container");
    // Stopping what is not running is not an error.
    env.rpod(&["stop", "usr"]).assert_ok();
}

#[test]
fn restart_policy_and_restart_command() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(
        &env,
        &[
            "--name",
            "flaky",
            "--restart",
            "on-failure:2",
            &img,
            "sh",
            "-c",
            "echo run; exit 1",
        ],
    );
    wait_for("two restarts, then exited", 20, || {
        inspect(&env, "flaky", "{{.RestartCount}} {{.State.Status}}") == "2 exited"
    });
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        inspect(
            &env,
            "flaky",
            "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}"
        ),
        "2 exited 1"
    );
    assert_eq!(env.rpod(&["logs", "flaky"]).stdout, "run\nrun\nrun\n");
    assert_eq!(
        inspect(
            &env,
            "flaky",
            "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}"
        ),
        "on-failure 2"
    );

    // always: restarted after a clean exit too, until someone stops it.
    run_d(
        &env,
        &[
            "--name",
            "again",
            "--restart",
            "always",
            &img,
            "sh",
            "-c",
            "sleep 0.2",
        ],
    );
    wait_for("a restart", 20, || {
        inspect(&env, "again", "{{.RestartCount}}")
            .parse::<u32>()
            .unwrap_or(0)
            >= 1
    });
    env.rpod(&["stop", "-t", "0", "again"]).assert_ok();
    let count = inspect(&env, "again", "{{.RestartCount}}");
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(inspect(&env, "again", "{{.State.Status}}"), "exited");
    assert_eq!(
        inspect(&env, "again", "{{.RestartCount}}"),
        count,
        "no restart after stop"
    );

    // restart: a new run under a new monitor.
    let old = inspect(&env, "again", "{{.State.StartedAt}}");
    env.rpod(&["restart", "-t", "0", "again"]).assert_ok();
    assert_eq!(inspect(&env, "again", "{{.State.Status}}"), "running");
    assert_ne!(inspect(&env, "again", "{{.State.StartedAt}}"), old);
    env.rpod(&["rm", "-f", "-t", "0", "again"]).assert_ok();
}

#[test]
fn rm_flag_with_detach_and_rm_force() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let id = run_d(&env, &["--rm", &img, "sh", "-c", "sleep 0.3"]);
    assert!(container_dir(&env, &id).exists());
    wait_for("the --rm container to go", 10, || {
        !container_dir(&env, &id).exists()
    });
    assert!(states(&env).is_empty());
    assert!(!env.runtime_dir().join("rpod/containers").join(&id).exists());

    let id = run_d(&env, &["--name", "busy", &img, "sleep", "1000"]);
    let monitor: i32 = inspect(&env, "busy", "{{.State.ConmonPid}}")
        .parse()
        .unwrap();
    assert_error(&env.rpod(&["rm", "busy"]), 2, "as it is running");
    env.rpod(&["rm", "-f", "-t", "0", "busy"]).assert_ok();
    assert!(!container_dir(&env, &id).exists());
    wait_for("the monitor to exit", 10, || !alive(monitor));
    assert_error(&env.rpod(&["rm", "busy"]), 1, "no such container");
    env.rpod(&["rm", "-f", "busy"]).assert_ok();
    // Several at once, and -a.
    env.rpod(&["create", "--name", "c1", &img, "true"])
        .assert_ok();
    env.rpod(&["create", "--name", "c2", &img, "true"])
        .assert_ok();
    let out = env.rpod(&["rm", "-v", "c1", "c2"]);
    out.assert_ok();
    assert_eq!(out.stdout_lines(), ["c1", "c2"]);
    env.rpod(&["create", &img, "true"]).assert_ok();
    run_d(&env, &[&img, "sleep", "1000"]);
    env.rpod(&["rm", "-a", "-f", "-t", "0"]).assert_ok();
    assert!(states(&env).is_empty());
}

#[test]
fn create_start_attach_and_foreground_runs_are_recorded() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let out = env.rpod(&[
        "create",
        "--name",
        "later",
        "-l",
        "tier=web",
        &img,
        "sh",
        "-c",
        "echo started; exit 3",
    ]);
    out.assert_ok();
    assert_eq!(states(&env), ["later created"]);
    assert_eq!(
        inspect(&env, "later", "{{.State.Status}} {{.State.Running}}"),
        "created false"
    );
    let out = env.rpod(&["start", "-a", "later"]);
    out.assert_code(3);
    assert_eq!(out.stdout, "started\n");
    assert_eq!(inspect(&env, "later", "{{.State.ExitCode}}"), "3");
    env.rpod(&["start", "later"]).assert_ok();
    assert_eq!(env.rpod(&["wait", "later"]).stdout.trim(), "3");
    // Both starts ran under a monitor that logs: `start -a` attaches to one.
    assert_eq!(env.rpod(&["logs", "later"]).stdout, "started\nstarted\n");
    // A foreground run is in the store too.
    env.rpod(&["run", "--name", "fg", &img, "true"]).assert_ok();
    assert!(states(&env).contains(&"fg exited".to_string()));
    let data = env.rpod(&["inspect", "fg"]);
    data.assert_ok();
    let v: serde_json::Value = serde_json::from_str(&data.stdout).unwrap();
    let c = &v[0];
    assert_eq!(c["Name"], "fg");
    assert_eq!(c["Path"], "true");
    assert_eq!(c["State"]["Status"], "exited");
    assert_eq!(c["State"]["Running"], false);
    assert_eq!(c["Config"]["Cmd"][0], "true");
    assert_eq!(c["HostConfig"]["RestartPolicy"]["Name"], "");
    assert_eq!(c["HostConfig"]["AutoRemove"], false);
    assert_eq!(c["ImageName"], img.clone() + ":latest");
    assert!(c["State"]["FinishedAt"].as_str().unwrap().starts_with("20"));
    assert_eq!(inspect(&env, "later", "{{.Config.Labels.tier}}"), "web");
    // inspect falls back to images; container inspect does not.
    let out = env.rpod(&["inspect", "--format", "{{.Id}}", &img]);
    out.assert_ok();
    assert_eq!(out.stdout.trim().len(), 64);
    assert_error(
        &env.rpod(&["container", "inspect", &img]),
        125,
        "no such container",
    );
    assert_error(&env.rpod(&["inspect", "nothing"]), 125, "no such object");
    env.rpod(&["container", "exists", "fg"]).assert_ok();
    env.rpod(&["container", "exists", "nothing"]).assert_code(1);
    let ls = env.rpod(&["container", "ls", "-a", "-q"]);
    assert_eq!(ls.stdout_lines().len(), 2, "{ls}");
}

#[test]
fn names_conflicts_and_id_prefixes() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let first = env.rpod(&["create", "--name", "web", &img, "true"]);
    first.assert_ok();
    let id = first.stdout.trim().to_string();
    let out = env.rpod(&["create", "--name", "web", &img, "true"]);
    assert_error(
        &out,
        125,
        &format!("the container name \"web\" is already in use by {id}"),
    );
    assert_error(
        &env.rpod(&["run", "-d", "--name", "web", &img, "true"]),
        125,
        "already in use",
    );
    // Generated names look like podman's.
    let out = env.rpod(&["create", &img, "true"]);
    out.assert_ok();
    let gen = inspect(&env, out.stdout.trim(), "{{.Name}}");
    assert!(
        gen.contains('_')
            && gen
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()),
        "{gen}"
    );
    // 17 ids: two share their first hex digit.
    let mut ids = vec![id.clone(), out.stdout.trim().to_string()];
    while ids.len() < 17 {
        let out = env.rpod(&["create", &img, "true"]);
        out.assert_ok();
        ids.push(out.stdout.trim().to_string());
    }
    let mut firsts: Vec<&str> = ids.iter().map(|i| &i[..1]).collect();
    firsts.sort();
    let shared = firsts.windows(2).find(|w| w[0] == w[1]).unwrap()[0];
    assert_error(
        &env.rpod(&["inspect", shared]),
        125,
        "more than one container",
    );
    assert_error(&env.rpod(&["rm", shared]), 125, "more than one container");
    // A unique prefix and the name both find it.
    assert_eq!(inspect(&env, &id[..12], "{{.Name}}"), "web");
    assert_eq!(inspect(&env, "web", "{{.Id}}"), id);
    // The name is free again once its container is gone.
    env.rpod(&["rm", "web"]).assert_ok();
    env.rpod(&["create", "--name", "web", &img, "true"])
        .assert_ok();
}

#[test]
fn ps_filters_and_formats() {
    let env = TestEnv::new();
    let img = busybox(&env);
    env.rpod(&["create", "--name", "db", "-l", "tier=db", &img, "true"])
        .assert_ok();
    let web = run_d(
        &env,
        &["--name", "web", "-l", "tier=web", &img, "sleep", "1000"],
    );
    run_d(&env, &["--name", "done", &img, "sh", "-c", "exit 4"]);
    env.rpod(&["wait", "done"]).assert_ok();
    let names = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["ps", "--format", "{{.Names}}"];
        all.extend(args);
        let out = env.rpod(&all);
        out.assert_ok();
        out.stdout_lines().iter().map(|s| s.to_string()).collect()
    };
    assert_eq!(names(&[]), ["web"]);
    assert_eq!(names(&["-a"]), ["db", "web", "done"]);
    assert_eq!(names(&["-a", "--filter", "status=exited"]), ["done"]);
    assert_eq!(names(&["-a", "--filter", "status=created"]), ["db"]);
    assert_eq!(names(&["-a", "--filter", "label=tier"]), ["db", "web"]);
    assert_eq!(names(&["-a", "--filter", "label=tier=web"]), ["web"]);
    assert_eq!(names(&["-a", "--filter", "name=^d"]), ["db", "done"]);
    assert_eq!(
        names(&["-a", "--filter", "name=db", "--filter", "name=web"]),
        ["db", "web"]
    );
    assert_eq!(
        names(&["-a", "--filter", &format!("id={}", &web[..8])]),
        ["web"]
    );
    assert_eq!(names(&["-a", "--filter", "ancestor=busybox"]).len(), 3);
    assert!(names(&["-a", "--filter", "ancestor=alpine"]).is_empty());
    assert_eq!(names(&["-a", "--filter", "exited=4"]), ["done"]);
    assert_eq!(names(&["-n", "1"]), ["done"]);
    assert_eq!(names(&["-l"]), ["done"]);
    assert_error(&env.rpod(&["ps", "--filter", "status=bogus"]), 125, "bogus");

    let out = env.rpod(&["ps", "-q"]);
    assert_eq!(out.stdout_lines(), [&web[..12]]);
    let out = env.rpod(&["ps", "-q", "--no-trunc"]);
    assert_eq!(out.stdout_lines(), [web.as_str()]);
    let out = env.rpod(&["ps", "-a"]);
    let header = out.stdout_lines()[0];
    for col in [
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
    ] {
        assert!(header.contains(col), "{out}");
    }
    assert!(out.stdout.contains("Exited (4) "), "{out}");
    assert!(out.stdout.contains("Created "), "{out}");
    let out = env.rpod(&["ps", "--format", "table {{.ID}} {{.Status}}"]);
    let lines = out.stdout_lines();
    assert!(
        lines[0].starts_with("CONTAINER ID") && lines[0].contains("STATUS"),
        "{out}"
    );
    assert!(
        lines[1].starts_with(&web[..12]) && lines[1].contains("Up "),
        "{out}"
    );
    let out = env.rpod(&["ps", "-a", "--format", "json"]);
    out.assert_ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 3);
    let w = list.iter().find(|c| c["Names"][0] == "web").unwrap();
    assert_eq!(w["Id"], web.as_str());
    assert_eq!(w["State"], "running");
    assert_eq!(w["Labels"]["tier"], "web");
    assert_eq!(w["Command"][0], "sleep");
    assert!(w["Pid"].as_i64().unwrap() > 0);
    env.rpod(&["rm", "-a", "-f", "-t", "0"]).assert_ok();
}

#[test]
fn rmi_refuses_an_image_in_use() {
    let env = TestEnv::new();
    let img = busybox(&env);
    env.rpod(&["create", "--name", "user", &img, "true"])
        .assert_ok();
    let out = env.rpod(&["rmi", &img]);
    assert_error(&out, 2, "image is in use by a container");
    let out = env.rpod(&["image", "prune", "-a", "-f"]);
    out.assert_ok();
    env.rpod(&["run", "--rm", &img, "true"]).assert_ok();
    env.rpod(&["rm", "user"]).assert_ok();
    env.rpod(&["rmi", &img]).assert_ok();
    // --force takes the containers with it.
    let img = busybox(&env);
    run_d(&env, &["--name", "live", &img, "sleep", "1000"]);
    env.rpod(&["rmi", "-f", &img]).assert_ok();
    assert!(states(&env).is_empty());
}

#[test]
fn parallel_runs_with_ps_and_rm_alongside() {
    let env = TestEnv::new();
    let img = busybox(&env);
    env.rpod(&["create", "--name", "victim", &img, "true"])
        .assert_ok();
    let results: Vec<Output> = std::thread::scope(|s| {
        let mut handles = Vec::new();
        for i in 0..20 {
            let (env, img) = (&env, &img);
            handles.push(s.spawn(move || {
                let name = format!("bg{i}");
                env.cmd(&["run", "-d", "--name", &name, img, "sleep", "1000"])
                    .timeout(180)
                    .run()
            }));
            handles.push(s.spawn(move || {
                env.cmd(&["run", "--rm", img, "sh", "-c", &format!("echo fg{i}")])
                    .timeout(180)
                    .run()
            }));
        }
        let side = s.spawn(|| {
            let mut outs = Vec::new();
            for i in 0..10 {
                outs.push(env.cmd(&["ps", "-a"]).timeout(60).run());
                if i == 5 {
                    outs.push(env.cmd(&["rm", "victim"]).timeout(60).run());
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            outs
        });
        let mut all: Vec<Output> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        all.extend(side.join().unwrap());
        all
    });
    for out in &results {
        out.assert_ok();
    }
    let fg: Vec<&Output> = results
        .iter()
        .filter(|o| o.command.contains("--rm"))
        .collect();
    assert_eq!(fg.len(), 20);
    for (i, o) in fg.iter().enumerate() {
        assert!(o.stdout.starts_with("fg"), "run {i}: {o}");
    }
    let running = env.rpod(&["ps", "-q"]);
    assert_eq!(running.stdout_lines().len(), 20, "{running}");
    let all = states(&env);
    assert_eq!(all.len(), 20, "--rm runs and victim gone: {all:?}");
    let out = env.cmd(&["rm", "-a", "-f", "-t", "0"]).timeout(120).run();
    out.assert_ok();
    assert!(states(&env).is_empty());
}

#[test]
fn killed_monitor_is_never_a_ghost() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(&env, &["--name", "victim", &img, "sleep", "1000"]);
    let monitor: i32 = inspect(&env, "victim", "{{.State.ConmonPid}}")
        .parse()
        .unwrap();
    let pid: i32 = inspect(&env, "victim", "{{.State.Pid}}").parse().unwrap();
    // SAFETY: kill(2) on the monitor this test started.
    unsafe {
        libc::kill(monitor, libc::SIGKILL);
    }
    wait_for("the container to die with its monitor", 10, || !alive(pid));
    assert_eq!(states(&env), ["victim exited"]);
    let out = env.rpod(&["ps", "-a"]);
    assert!(out.stdout.contains("Exited (137)"), "{out}");
    assert_eq!(inspect(&env, "victim", "{{.State.Running}}"), "false");
    // It can be started again, and removed.
    env.rpod(&["start", "victim"]).assert_ok();
    assert_eq!(states(&env), ["victim running"]);
    env.rpod(&["rm", "-f", "-t", "0", "victim"]).assert_ok();
    env.rpod(&["run", "--rm", &img, "true"]).assert_ok();
    assert!(states(&env).is_empty());
}

#[test]
fn killed_run_d_leaves_a_usable_store() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let rpod = rpod_bin().display().to_string();
    for (i, delay) in ["0", "0.002", "0.005", "0.01", "0.02", "0.04", "0.08"]
        .iter()
        .enumerate()
    {
        let script = format!(
            "{rpod} run -d --name k{i} {img} sleep 1000 >/dev/null 2>&1 & p=$!; sleep {delay}; kill -9 $p; wait $p; exit 0"
        );
        env.command("sh", &["-c", &script])
            .timeout(30)
            .run()
            .assert_ok();
        let out = env.rpod(&["ps", "-a"]);
        out.assert_ok();
        // Whatever state it was left in, nothing shows as running without a monitor.
        for c in env.rpod(&["ps", "-a", "-q"]).stdout_lines() {
            let line = inspect(&env, c, "{{.State.Status}} {{.State.ConmonPid}}");
            if let Some(m) = line.strip_prefix("running ") {
                assert!(alive(m.parse().unwrap()), "ghost: {line}");
            }
        }
        let out = env.cmd(&["rm", "-a", "-f", "-t", "0"]).timeout(60).run();
        out.assert_ok();
        assert!(
            states(&env).is_empty(),
            "after rm -f -a: {:?}",
            states(&env)
        );
        env.rpod(&["run", "--rm", &img, "true"]).assert_ok();
        // The name is usable again.
        run_d(&env, &["--name", &format!("k{i}"), &img, "true"]);
        env.rpod(&["rm", "-f", "-t", "0", &format!("k{i}")])
            .assert_ok();
    }
}
