//! `rpod exec`: a process joins a running container, with the container's settings
//! unless told otherwise, and podman's exit codes.

use std::thread;
use std::time::{Duration, Instant};

use crate::common::{image, rpod_bin, Output, TestEnv};

/// Starts a detached container named `name` from the busybox fixture with the `run`
/// flags in `flags`, running `script` then sleeping, and waits until `script` is done.
fn start(env: &TestEnv, name: &str, flags: &[&str], script: &str) {
    let img = image("busybox");
    env.rpod(&["pull", "-q", &img]).assert_ok();
    let script = format!("{script}; touch /tmp/.started; exec sleep 300");
    let mut args = vec!["run", "-d", "--name", name];
    args.extend(flags);
    args.extend([img.as_str(), "sh", "-c", &script]);
    env.rpod(&args).assert_ok();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = env.rpod(&["exec", name, "test", "-e", "/tmp/.started"]);
        if out.code == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "container {name} never got through its script\n{out}"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

fn exec(env: &TestEnv, args: &[&str]) -> Output {
    let mut all = vec!["exec"];
    all.extend(args);
    env.rpod(&all)
}

#[test]
fn exec_joins_every_namespace_of_the_container() {
    let env = TestEnv::new();
    start(
        &env,
        "ns",
        &["--hostname", "inside", "--network", "none"],
        "echo made-by-init > /tmp/mark",
    );
    let out = exec(
        &env,
        &[
            "ns",
            "sh",
            "-c",
            "for n in user mnt pid uts ipc net cgroup; do \
               [ \"$(readlink /proc/self/ns/$n)\" = \"$(readlink /proc/1/ns/$n)\" ] || echo differs $n; \
             done; \
             hostname; cat /tmp/mark; echo $$; ps -o pid,comm | sed 1d; ls /sys/class/net",
        ],
    );
    out.assert_ok();
    let lines = out.stdout_lines();
    assert!(!out.stdout.contains("differs"), "{out}");
    assert_eq!(lines[0], "inside", "{out}");
    assert_eq!(lines[1], "made-by-init", "{out}");
    let own: u32 = lines[2].parse().unwrap();
    assert!(own > 1, "the exec'd process is not pid 1\n{out}");
    // pid 1 is the container's sleep; the host's processes are not visible.
    let ps: Vec<&str> = lines[3..lines.len() - 1].to_vec();
    assert!(
        ps.iter()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["1", "sleep"]),
        "{out}"
    );
    assert!(ps.len() <= 4, "more processes than the container's: {ps:?}");
    assert_eq!(lines.last().copied(), Some("lo"), "{out}");

    // The exec'd process does not outlive what it left in the container's filesystem.
    exec(&env, &["ns", "sh", "-c", "echo from-exec > /tmp/other"]).assert_ok();
    let out = exec(&env, &["ns", "cat", "/tmp/other"]);
    out.assert_ok();
    assert_eq!(out.stdout, "from-exec\n");
}

#[test]
fn host_network_container_takes_execs() {
    let env = TestEnv::new();
    start(&env, "hostnet", &["--network", "host"], "true");
    let out = exec(
        &env,
        &[
            "hostnet",
            "sh",
            "-c",
            "[ \"$(readlink /proc/self/ns/mnt)\" = \"$(readlink /proc/1/ns/mnt)\" ] && echo same-mnt; echo $$",
        ],
    );
    out.assert_ok();
    assert_eq!(out.stdout_lines()[0], "same-mnt", "{out}");
    let ours = std::fs::read_link("/proc/self/ns/net").unwrap();
    let out = exec(&env, &["hostnet", "readlink", "/proc/self/ns/net"]);
    out.assert_ok();
    assert_eq!(out.stdout.trim(), ours.display().to_string(), "{out}");
}

#[test]
fn environment_and_workdir_default_to_the_containers() {
    let env = TestEnv::new();
    start(
        &env,
        "envs",
        &["-e", "FROM_RUN=run", "-e", "KEEP=kept", "-w", "/srv"],
        "true",
    );
    let show = "echo $FROM_RUN $KEEP ${NEW:-unset}; pwd; echo $HOSTNAME";
    let out = exec(&env, &["envs", "sh", "-c", show]);
    out.assert_ok();
    let lines = out.stdout_lines();
    assert_eq!(lines[0], "run kept unset", "{out}");
    assert_eq!(lines[1], "/srv", "{out}");
    assert!(
        !lines[2].is_empty(),
        "HOSTNAME comes from the container\n{out}"
    );

    let file = env.home().join("exec.env");
    std::fs::write(&file, "# comment\nNEW=from-file\nFROM_RUN=file\n").unwrap();
    let out = env
        .cmd(&[
            "exec",
            "--env-file",
            file.to_str().unwrap(),
            "-e",
            "FROM_RUN=exec",
            "-e",
            "HOST_VAR",
            "-w",
            "/tmp",
            "envs",
            "sh",
            "-c",
            &format!("{show}; echo $HOST_VAR"),
        ])
        .env("HOST_VAR", "from-host")
        .run();
    out.assert_ok();
    let lines = out.stdout_lines();
    assert_eq!(lines[0], "exec kept from-file", "{out}");
    assert_eq!(lines[1], "/tmp", "{out}");
    assert_eq!(lines[3], "from-host", "{out}");

    // A workdir that does not exist: podman's 127.
    let out = exec(&env, &["-w", "/no/such/dir", "envs", "pwd"]);
    out.assert_code(127).assert_one_error_line();
    assert!(out.stderr.contains("/no/such/dir"), "{out}");
}

#[test]
fn user_defaults_to_the_containers_and_can_be_changed() {
    let env = TestEnv::new();
    start(&env, "users", &["-u", "tester"], "true");
    let out = exec(&env, &["users", "sh", "-c", "id -u; id -g; echo $HOME"]);
    out.assert_ok();
    assert_eq!(
        out.stdout_lines(),
        ["1000", "1000", "/home/tester"],
        "{out}"
    );

    let out = exec(
        &env,
        &[
            "-u",
            "root",
            "users",
            "sh",
            "-c",
            "id -u; echo $HOME; grep CapEff /proc/self/status",
        ],
    );
    out.assert_ok();
    let lines = out.stdout_lines();
    assert_eq!(lines[..2], ["0", "/root"], "{out}");
    // root gets the container's bounding set, podman's default.
    assert_eq!(
        lines[2].split_whitespace().nth(1),
        Some("00000000800405fb"),
        "{out}"
    );

    let out = exec(&env, &["-u", "nobody:tester", "users", "id"]);
    out.assert_ok();
    assert!(
        out.stdout.starts_with("uid=65534(nobody) gid=1000(tester)"),
        "{out}"
    );
    let out = exec(
        &env,
        &["-u", "4321:77", "users", "sh", "-c", "id -u; id -g"],
    );
    out.assert_ok();
    assert_eq!(out.stdout_lines(), ["4321", "77"], "{out}");

    let out = exec(&env, &["-u", "nosuch", "users", "id"]);
    out.assert_code(126).assert_one_error_line();
    assert!(
        out.stderr
            .contains("unable to find user nosuch: no matching entries in passwd file"),
        "{out}"
    );
}

#[test]
fn exit_codes_are_the_commands_and_podmans() {
    let env = TestEnv::new();
    start(&env, "codes", &["--network", "none"], "true");
    exec(&env, &["codes", "true"]).assert_ok();
    exec(&env, &["codes", "sh", "-c", "exit 7"]).assert_code(7);
    exec(&env, &["codes", "sh", "-c", "kill -TERM $$"]).assert_code(128 + 15);

    let out = exec(&env, &["codes", "no-such-command"]);
    out.assert_code(127).assert_one_error_line();
    assert!(out.stderr.contains("no-such-command"), "{out}");
    let out = exec(&env, &["codes", "/etc/passwd"]);
    out.assert_code(126).assert_one_error_line();
    assert!(out.stderr.contains("permission denied"), "{out}");
    // A bad flag value is rpod's own error.
    exec(&env, &["-w", "relative", "codes", "true"])
        .assert_code(125)
        .assert_one_error_line();
}

#[test]
fn signals_reach_the_execd_process() {
    let env = TestEnv::new();
    start(&env, "sigs", &["--network", "none"], "true");
    let bin = rpod_bin().display().to_string();
    let script = format!(
        "{bin} exec sigs sh -c 'trap \"exit 42\" TERM; echo ready; while :; do sleep 0.05; done' & \
         p=$!; sleep 1; kill -TERM $p; wait $p; echo status=$?"
    );
    let out = env.command("sh", &["-c", &script]).timeout(30).run();
    out.assert_ok();
    assert_eq!(out.stdout_lines(), ["ready", "status=42"], "{out}");
}

#[test]
fn stdin_only_with_interactive() {
    let env = TestEnv::new();
    start(&env, "stdin", &["--network", "none"], "true");
    let out = env
        .cmd(&["exec", "-i", "stdin", "sh", "-c", "cat; exit 3"])
        .stdin("piped in\n")
        .run();
    out.assert_code(3);
    assert_eq!(out.stdout, "piped in\n");
    let out = env.cmd(&["exec", "stdin", "cat"]).stdin("ignored\n").run();
    out.assert_ok();
    assert_eq!(out.stdout, "");
}

#[test]
fn tty_through_a_pty() {
    let env = TestEnv::new();
    start(&env, "tty", &["--network", "none"], "true");
    let bin = rpod_bin().display().to_string();
    let inner =
        format!("{bin} exec -t tty sh -c 'tty; echo $TERM; test -t 0 && echo stdin-tty; exit 3'");
    let out = env.command("script", &["-eqc", &inner, "/dev/null"]).run();
    out.assert_code(3);
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("/dev/pts/"), "{out}");
    assert_eq!(lines[1..], ["xterm", "stdin-tty"], "{out}");

    // -it: keystrokes reach the shell through the pty.
    let inner = format!("{bin} exec -it tty sh");
    let out = env
        .command("script", &["-eqc", &inner, "/dev/null"])
        .stdin("echo in-$((40+2)); exit 4\n")
        .run();
    out.assert_code(4);
    assert!(out.stdout.contains("in-42"), "{out}");

    // A background child that keeps the terminal does not hold rpod past the command.
    let inner = format!("{bin} exec -t tty sh -c 'sleep 30 & echo left'");
    let started = Instant::now();
    let out = env
        .command("script", &["-eqc", &inner, "/dev/null"])
        .timeout(20)
        .run();
    out.assert_ok();
    assert!(out.stdout.contains("left"), "{out}");
    assert!(started.elapsed() < Duration::from_secs(10), "{out}");
}

#[test]
fn detached_exec_returns_at_once_and_keeps_running() {
    let env = TestEnv::new();
    start(&env, "bg", &["--network", "none"], "true");
    let started = Instant::now();
    let out = exec(
        &env,
        &[
            "-d",
            "bg",
            "sh",
            "-c",
            "sleep 1; echo done > /tmp/detached; exec sleep 300",
        ],
    );
    out.assert_ok();
    assert!(started.elapsed() < Duration::from_millis(900), "{out}");
    assert_eq!(out.stdout, "", "{out}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = exec(&env, &["bg", "cat", "/tmp/detached"]);
        if out.code == 0 {
            assert_eq!(out.stdout, "done\n");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the detached process never wrote\n{out}"
        );
        thread::sleep(Duration::from_millis(100));
    }
    // Still there, in the container's pid namespace.
    let out = exec(&env, &["bg", "ps", "-o", "args"]);
    assert!(out.stdout.contains("sleep 300"), "{out}");
    // Errors still come back.
    exec(&env, &["-d", "bg", "no-such-command"]).assert_code(127);
}

#[test]
fn absent_or_stopped_containers_are_refused() {
    let env = TestEnv::new();
    let out = exec(&env, &["nosuch", "true"]);
    out.assert_code(125).assert_one_error_line();
    assert_eq!(
        out.stderr.trim(),
        "Error: no container with name or ID \"nosuch\" found: no such container"
    );

    // A container whose command has ended, one stopped, one never started.
    let img = image("busybox");
    env.rpod(&["pull", "-q", &img]).assert_ok();
    env.rpod(&["run", "--name", "ended", "--network", "none", &img, "true"])
        .assert_ok();
    start(&env, "stopped", &["--network", "none"], "true");
    env.rpod(&["stop", "-t", "0", "stopped"]).assert_ok();
    env.rpod(&[
        "create",
        "--name",
        "created",
        "--network",
        "none",
        &img,
        "true",
    ])
    .assert_ok();
    for name in ["ended", "stopped", "created"] {
        let out = exec(&env, &[name, "true"]);
        out.assert_code(125).assert_one_error_line();
        assert_eq!(
            out.stderr.trim(),
            "Error: can only create exec sessions on running containers: container state improper",
            "{name}"
        );
    }
}

#[test]
fn containers_are_found_by_id_and_id_prefix() {
    let env = TestEnv::new();
    start(&env, "byid", &["--network", "none"], "true");
    let out = env.rpod(&["ps", "-q", "--no-trunc", "--filter", "name=byid"]);
    out.assert_ok();
    let id = out.stdout.trim().to_string();
    assert_eq!(id.len(), 64, "{out}");
    for query in [id.as_str(), &id[..12], &id[..5]] {
        let out = exec(&env, &[query, "hostname"]);
        out.assert_ok();
        assert_eq!(out.stdout.trim(), &id[..12], "{query}: {out}");
    }
}

#[test]
fn foreground_containers_take_execs_too() {
    let env = TestEnv::new();
    let img = image("busybox");
    env.rpod(&["pull", "-q", &img]).assert_ok();
    let bin = rpod_bin().display().to_string();
    let line =
        format!("{bin} run --name fg --network none {img} sleep 300 >/dev/null 2>&1 </dev/null &");
    env.command("sh", &["-c", &line]).run().assert_ok();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = exec(&env, &["fg", "cat", "/proc/1/cmdline"]);
        if out.code == 0 {
            assert_eq!(out.stdout, "sleep\u{0}300\u{0}", "{out}");
            break;
        }
        assert!(Instant::now() < deadline, "never took an exec\n{out}");
        thread::sleep(Duration::from_millis(50));
    }
}
