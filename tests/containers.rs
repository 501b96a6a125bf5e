//! The container commands beyond the lifecycle: port, rename, container prune, top,
//! pause/unpause/stats — each with its real effect and its bad-input exit codes.

use crate::common::{busybox, run_d, wait_for, Output, TestEnv};

#[track_caller]
fn assert_error(out: &Output, code: i32, text: &str) {
    out.assert_code(code).assert_one_error_line();
    assert!(out.stderr.contains(text), "expected {text:?}\n{out}");
}

/// A free TCP port on 127.0.0.1 (bound and released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn port_shows_the_bound_ports_of_running_containers() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let (p1, p2) = (free_port(), free_port());
    let a = format!("127.0.0.1:{p1}:80");
    let b = format!("{p2}:53/udp");
    run_d(
        &env,
        &["--name", "web", "-p", &a, "-p", &b, &img, "sleep", "60"],
    );
    let out = env.rpod(&["port", "web"]);
    out.assert_ok();
    assert_eq!(
        out.stdout_lines(),
        [
            format!("80/tcp -> 127.0.0.1:{p1}"),
            format!("53/udp -> 0.0.0.0:{p2}")
        ]
    );
    let out = env.rpod(&["port", "web", "80"]);
    out.assert_ok();
    assert_eq!(out.stdout.trim(), format!("127.0.0.1:{p1}"));
    let out = env.rpod(&["container", "port", "web", "53/udp"]);
    out.assert_ok();
    assert_eq!(out.stdout.trim(), format!("0.0.0.0:{p2}"));
    // --all: every running container with ports, its short id first.
    run_d(&env, &["--name", "plain", &img, "sleep", "60"]);
    let out = env.rpod(&["port", "-a"]);
    out.assert_ok();
    let lines = out.stdout_lines();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].ends_with(&format!("\t80/tcp -> 127.0.0.1:{p1}")),
        "{out}"
    );
    // A port not published, a container without ports, bad input.
    assert_error(
        &env.rpod(&["port", "web", "99/tcp"]),
        125,
        "failed to find published port \"99/tcp\"",
    );
    assert_error(
        &env.rpod(&["port", "plain", "80"]),
        125,
        "failed to find published port",
    );
    let out = env.rpod(&["port", "plain"]);
    out.assert_ok();
    assert_eq!(out.stdout, "");
    assert_error(&env.rpod(&["port", "web", "http"]), 125, "invalid port");
    assert_error(
        &env.rpod(&["port", "web", "80/icmp"]),
        125,
        "invalid protocol",
    );
    assert_error(&env.rpod(&["port", "nosuch"]), 125, "no such container");
    assert_error(&env.rpod(&["port"]), 125, "CONTAINER");
    // Stopped: its ports are released, and none are shown.
    env.rpod(&["stop", "-t", "0", "web"]).assert_ok();
    assert_error(
        &env.rpod(&["port", "web", "80"]),
        125,
        "failed to find published port",
    );
    assert_eq!(env.rpod(&["port", "web"]).stdout, "");
    env.rpod(&["rm", "-f", "-a"]).assert_ok();
}

#[test]
fn rename_works_on_running_containers_and_refuses_taken_names() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let id = run_d(&env, &["--name", "old", &img, "sleep", "60"]);
    env.rpod(&["create", "--name", "taken", &img, "true"])
        .assert_ok();
    let out = env.rpod(&["rename", "old", "new"]);
    out.assert_ok();
    assert_eq!(out.stdout, "");
    let out = env.rpod(&["ps", "--format", "{{.ID}} {{.Names}} {{.State}}"]);
    out.assert_ok();
    assert_eq!(out.stdout.trim(), format!("{} new running", &id[..12]));
    assert_error(&env.rpod(&["inspect", "old"]), 125, "no such");
    // Still the same container under its new name: stop reaches it.
    env.rpod(&["stop", "-t", "0", "new"]).assert_ok();
    // The old name is free again.
    env.rpod(&["create", "--name", "old", &img, "true"])
        .assert_ok();
    let out = env.rpod(&["container", "rename", &id[..12], "taken"]);
    assert_error(&out, 125, "the container name \"taken\" is already in use");
    assert_eq!(
        env.rpod(&["inspect", "--format", "{{.Name}}", &id])
            .stdout
            .trim(),
        "new"
    );
    assert_error(
        &env.rpod(&["rename", "new", "bad/name"]),
        125,
        "names must match",
    );
    assert_error(
        &env.rpod(&["rename", "nosuch", "x"]),
        125,
        "no such container",
    );
    assert_error(&env.rpod(&["rename", "new"]), 125, "NAME");
    env.rpod(&["rm", "-f", "-a"]).assert_ok();
}

#[test]
fn container_prune_removes_what_is_not_running() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let running = run_d(&env, &["--name", "up", &img, "sleep", "60"]);
    let created = env.rpod(&["create", "--name", "fresh", &img, "true"]);
    created.assert_ok();
    let created = created.stdout.trim().to_string();
    env.rpod(&["run", "--name", "done", "--label", "keep=1", &img, "true"])
        .assert_ok();
    // Asked without an answer on stdin: nothing removed.
    let out = env.cmd(&["container", "prune"]).stdin("n\n").run();
    out.assert_ok();
    assert!(
        out.stdout
            .contains("Are you sure you want to continue? [y/N]"),
        "{out}"
    );
    assert_eq!(env.rpod(&["ps", "-aq"]).stdout_lines().len(), 3);
    // A filter narrows it: only the unlabelled one goes.
    let out = env.rpod(&["container", "prune", "-f", "--filter", "label!=keep"]);
    out.assert_ok();
    assert_eq!(out.stdout_lines(), [created.as_str()]);
    let done = env.rpod(&["inspect", "--format", "{{.Id}}", "done"]);
    let out = env.cmd(&["container", "prune"]).stdin("y\n").run();
    out.assert_ok();
    // The prompt, its answer on the same line: the id of the one exited container.
    let last = out
        .stdout_lines()
        .last()
        .map(|l| l.to_string())
        .unwrap_or_default();
    assert!(last.starts_with("Are you sure"), "{out}");
    assert!(
        last.ends_with(&format!("] {}", done.stdout.trim())),
        "{out}"
    );
    let names = env.rpod(&["ps", "-a", "--format", "{{.ID}} {{.Names}}"]);
    assert_eq!(names.stdout.trim(), format!("{} up", &running[..12]));
    // Nothing left to prune: no output, success.
    let out = env.rpod(&["container", "prune", "-f"]);
    out.assert_ok();
    assert_eq!(out.stdout, "");
    assert_error(
        &env.rpod(&["container", "prune", "-f", "--filter", "name=x"]),
        125,
        "invalid filter",
    );
    assert_error(
        &env.rpod(&["container", "prune", "-f", "--filter", "until=whenever"]),
        125,
        "invalid time",
    );
    env.rpod(&["rm", "-f", "-a"]).assert_ok();
}

#[test]
fn top_lists_the_containers_processes_as_it_sees_them() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(
        &env,
        &[
            "--name",
            "t",
            &img,
            "sh",
            "-c",
            "sleep 101 & exec sleep 100",
        ],
    );
    // `run -d` returns once the shell has exec'd; it starts both sleeps a moment
    // later, so wait for them before looking at the rows.
    let mut out = env.rpod(&["top", "t"]);
    wait_for("both sleeps in the container", 10, || {
        out = env.rpod(&["top", "t"]);
        out.stdout_lines().len() == 3 && !out.stdout.contains("sh -c")
    });
    out.assert_ok();
    let lines = out.stdout_lines();
    let head: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        head,
        ["USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND"]
    );
    let rows: Vec<Vec<&str>> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 2, "{out}");
    // Pids of the container's namespace, root of its user namespace.
    assert_eq!(&rows[0][..3], ["root", "1", "0"], "{out}");
    assert_eq!(rows[0][5], "?");
    assert_eq!(&rows[0][7..], ["sleep", "100"]);
    assert_eq!(rows[1][0], "root");
    assert_eq!(rows[1][2], "1", "the child's parent is the init: {out}");
    assert_eq!(&rows[1][7..], ["sleep", "101"]);
    assert!(
        rows[0][4].ends_with('s') && rows[0][3].contains('.'),
        "{out}"
    );
    // Chosen columns; host pids are the real ones.
    let out = env.rpod(&["container", "top", "t", "pid", "hpid", "comm"]);
    out.assert_ok();
    let lines = out.stdout_lines();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["PID", "HPID", "COMMAND"]
    );
    let pid = env.rpod(&["inspect", "--format", "{{.State.Pid}}", "t"]);
    let first: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(first, ["1", pid.stdout.trim(), "sleep"]);
    assert_error(
        &env.rpod(&["top", "t", "bogus"]),
        125,
        "unknown descriptor: bogus",
    );
    assert_error(&env.rpod(&["top", "nosuch"]), 125, "no such container");
    env.rpod(&["stop", "-t", "0", "t"]).assert_ok();
    assert_error(
        &env.rpod(&["top", "t"]),
        125,
        "can only top running containers",
    );
    env.rpod(&["rm", "-f", "-a"]).assert_ok();
}

#[test]
fn pause_unpause_stats_check_the_container_then_need_a_cgroup() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(&env, &["--name", "p", &img, "sleep", "60"]);
    env.rpod(&["create", "--name", "idle", &img, "true"])
        .assert_ok();
    // No container runs in a cgroup of its own here: one clear line, 125.
    for verb in ["pause", "unpause"] {
        assert_error(&env.rpod(&[verb, "p"]), 125, "cgroup");
        assert_error(
            &env.rpod(&[verb, "idle"]),
            125,
            &format!("can only {verb} running containers"),
        );
        assert_error(&env.rpod(&[verb, "nosuch"]), 125, "no such container");
        assert_error(&env.rpod(&[verb]), 125, "CONTAINER");
    }
    assert_error(&env.rpod(&["stats", "--no-stream", "p"]), 125, "cgroup");
    assert_error(
        &env.rpod(&["container", "stats", "--no-stream"]),
        125,
        "cgroup",
    );
    assert_error(&env.rpod(&["stats", "nosuch"]), 125, "no such container");
    assert_error(
        &env.rpod(&["stats", "idle"]),
        125,
        "can only stat running containers",
    );
    // Still running, untouched.
    let out = env.rpod(&["ps", "--format", "{{.Names}} {{.State}}"]);
    assert_eq!(out.stdout.trim(), "p running");
    env.rpod(&["rm", "-f", "-a"]).assert_ok();
}
