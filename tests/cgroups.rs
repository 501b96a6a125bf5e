//! Containers in cgroups of their own: `pause`/`unpause`, `stats`, resource limits.
//!
//! Each test makes the delegated subtree systemd would give the user (`Delegate=yes`):
//! root creates a cgroup in the v2 tree (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified`
//! on a hybrid host), hands it and its `cgroup.procs`, `cgroup.subtree_control` and
//! `cgroup.threads` to the test user, with a `session` leaf likewise; every rpod
//! command of the test starts in that leaf (a root shell moves itself there, then
//! drops to the user), as a login session's processes sit in theirs. Commands run
//! the ordinary way (`env.rpod`) stay in the root cgroup: no delegation, as before.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{busybox, rpod_bin, wait_for, Output, TestEnv, TEST_USER};

const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn is_cgroup2(path: &str) -> bool {
    nix::sys::statfs::statfs(path)
        .is_ok_and(|s| s.filesystem_type() == nix::sys::statfs::CGROUP2_SUPER_MAGIC)
}

/// A subtree delegated to the test user for one test; removed (and emptied) on drop.
struct Delegation {
    mount: PathBuf,
    dir: PathBuf,
    leaf: PathBuf,
}

impl Delegation {
    fn new(env: &TestEnv) -> Delegation {
        let mount = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]
            .into_iter()
            .find(|p| is_cgroup2(p))
            .map(PathBuf::from)
            .expect("a cgroup v2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified");
        let name = format!(
            "rpodtest-{}",
            env.root().file_name().unwrap().to_string_lossy()
        );
        let dir = mount.join(name);
        let leaf = dir.join("session");
        let user = env.dirs(TEST_USER).account;
        for d in [&dir, &leaf] {
            fs::create_dir(d).unwrap_or_else(|e| panic!("creating {}: {e}", d.display()));
            for f in [
                "",
                "cgroup.procs",
                "cgroup.subtree_control",
                "cgroup.threads",
            ] {
                let p = d.join(f);
                std::os::unix::fs::chown(&p, Some(user.uid), Some(user.gid))
                    .unwrap_or_else(|e| panic!("chown {}: {e}", p.display()));
            }
        }
        Delegation { mount, dir, leaf }
    }

    /// The controllers the subtree can hand to containers.
    fn controllers(&self) -> Vec<String> {
        fs::read_to_string(self.dir.join("cgroup.controllers"))
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }

    /// `rpod ARGS…` as the test user, started in the subtree's leaf.
    fn rpod(&self, env: &TestEnv, args: &[&str]) -> Output {
        let dirs = env.dirs(TEST_USER);
        let a = &dirs.account;
        let mut cmd = Command::new("timeout");
        cmd.args([
            "-k",
            "5",
            "60",
            "/bin/sh",
            "-c",
            r#"echo $$ > "$0/cgroup.procs" && exec "$@""#,
        ])
        .arg(&self.leaf)
        .arg("/usr/bin/setpriv")
        .arg(format!("--reuid={}", a.uid))
        .arg(format!("--regid={}", a.gid))
        .args(["--init-groups", "--"])
        .arg(rpod_bin())
        .args(args)
        .env_clear()
        .env("PATH", PATH)
        .env("HOME", &dirs.home)
        .env("USER", &a.name)
        .env("LANG", "C")
        .env("XDG_DATA_HOME", &dirs.data)
        .env("XDG_CONFIG_HOME", &dirs.config)
        .env("XDG_RUNTIME_DIR", &dirs.runtime)
        // So that the harness finds and kills what the test leaves running.
        .env("RPOD_TEST_ENV", env.root())
        .current_dir(&dirs.home)
        .stdin(Stdio::null());
        let out = cmd.output().expect("running rpod in the delegated leaf");
        Output {
            command: format!("rpod {}", args.join(" ")),
            user: TEST_USER.into(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn ok(&self, env: &TestEnv, args: &[&str]) -> String {
        let out = self.rpod(env, args);
        out.assert_ok();
        out.stdout.trim().to_string()
    }
}

impl Drop for Delegation {
    fn drop(&mut self) {
        // Everything in it is this test's.
        let _ = fs::write(self.dir.join("cgroup.kill"), "1");
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end
            && fs::read_to_string(self.dir.join("cgroup.events"))
                .is_ok_and(|e| e.contains("populated 1"))
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        if let Ok(children) = fs::read_dir(&self.dir) {
            for c in children.flatten() {
                if c.path().is_dir() {
                    let _ = fs::remove_dir(c.path());
                }
            }
        }
        let _ = fs::remove_dir(&self.dir);
    }
}

#[track_caller]
fn assert_error(out: &Output, code: i32, text: &str) {
    out.assert_code(code).assert_one_error_line();
    assert!(out.stderr.contains(text), "expected {text:?}\n{out}");
}

/// The counter a container's loop writes to /tmp/n, read from the host.
fn counter(pid: &str) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/root/tmp/n"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

const LOOP: &str =
    "trap 'exit 0' TERM; i=0; while :; do i=$((i+1)); echo $i > /tmp/n; usleep 20000; done";

#[test]
fn pause_freezes_the_container_and_unpause_lets_it_go_on() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let d = Delegation::new(&env);
    let id = d.ok(
        &env,
        &["run", "-d", "--name", "cnt", &img, "sh", "-c", LOOP],
    );
    // Its own cgroup, in the delegated subtree, holding its init.
    let path = d.ok(
        &env,
        &["inspect", "--format", "{{.State.CgroupPath}}", "cnt"],
    );
    let cg = d.dir.join(format!("rpod-{id}"));
    assert_eq!(Path::new(&d.mount).join(path.trim_start_matches('/')), cg);
    let pid = d.ok(&env, &["inspect", "--format", "{{.State.Pid}}", "cnt"]);
    let procs = fs::read_to_string(cg.join("cgroup.procs")).unwrap();
    assert!(procs.lines().any(|l| l == pid), "{pid} not in {procs}");
    // Seen from inside, its cgroup is the root of its cgroup namespace; an exec'd
    // process joins it.
    let own = d.ok(&env, &["exec", "cnt", "cat", "/proc/self/cgroup"]);
    assert!(own.lines().any(|l| l == "0::/"), "{own}");

    wait_for("the loop to count", 10, || counter(&pid) > 2);
    assert_eq!(d.ok(&env, &["pause", "cnt"]), "cnt");
    assert!(fs::read_to_string(cg.join("cgroup.events"))
        .unwrap()
        .contains("frozen 1"));
    let frozen = counter(&pid);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(counter(&pid), frozen, "the counter moved while paused");
    let ps = d.ok(
        &env,
        &["ps", "--format", "{{.Names}} {{.Status}} {{.State}}"],
    );
    assert_eq!(ps, "cnt Paused paused");
    let state = d.ok(
        &env,
        &[
            "inspect",
            "--format",
            "{{.State.Status}} {{.State.Paused}} {{.State.Running}}",
            "cnt",
        ],
    );
    assert_eq!(state, "paused true false");
    assert_error(&d.rpod(&env, &["pause", "cnt"]), 125, "already paused");
    assert_error(
        &d.rpod(&env, &["exec", "cnt", "true"]),
        125,
        "can only create exec sessions on running containers",
    );
    let filtered = d.ok(
        &env,
        &["ps", "--filter", "status=paused", "--format", "{{.Names}}"],
    );
    assert_eq!(filtered, "cnt");

    assert_eq!(d.ok(&env, &["unpause", "cnt"]), "cnt");
    wait_for("the counter to move again", 10, || {
        counter(&pid) > frozen + 2
    });
    assert_error(&d.rpod(&env, &["unpause", "cnt"]), 125, "is not paused");
    assert_eq!(
        d.ok(&env, &["ps", "--format", "{{.Status}}"])
            .split(' ')
            .next(),
        Some("Up")
    );

    // Stopped while paused: thawed, so its stop signal ends it at once.
    d.ok(&env, &["pause", "cnt"]);
    let t = Instant::now();
    d.ok(&env, &["stop", "-t", "5", "cnt"]);
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "stop waited for the timeout"
    );
    assert!(!cg.exists(), "the cgroup outlived the container");
    let state = d.ok(
        &env,
        &[
            "inspect",
            "--format",
            "{{.State.Status}} {{.State.CgroupPath}}",
            "cnt",
        ],
    );
    assert_eq!(state, "exited");
    d.ok(&env, &["rm", "cnt"]);
}

#[test]
fn stats_read_the_containers_cgroup() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let d = Delegation::new(&env);
    let id = d.ok(
        &env,
        &[
            "run",
            "-d",
            "--name",
            "busy",
            &img,
            "sh",
            "-c",
            "sleep 1000 & sleep 1000 & i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; wait",
        ],
    );
    d.ok(
        &env,
        &["run", "-d", "--name", "idle", &img, "sleep", "1000"],
    );
    let table = d.ok(&env, &["stats", "--no-stream"]);
    let lines: Vec<&str> = table.lines().collect();
    let header: Vec<&str> = lines[0]
        .split("  ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(
        header,
        [
            "ID",
            "NAME",
            "CPU %",
            "MEM USAGE / LIMIT",
            "MEM %",
            "NET IO",
            "BLOCK IO",
            "PIDS",
            "CPU TIME",
            "AVG CPU %"
        ]
    );
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines.iter().any(|l| l.starts_with(&id[..12])), "{table}");

    let json = d.ok(&env, &["stats", "--no-stream", "--format", "json", "busy"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let s = &v[0];
    assert_eq!(s["name"], "busy");
    assert_eq!(s["id"], &id[..12]);
    // The shell and its two sleeps.
    assert_eq!(s["pids"], "3", "{json}");
    let cpu_usec: u64 = fs::read_to_string(d.dir.join(format!("rpod-{id}/cpu.stat")))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("usage_usec "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(cpu_usec > 0);
    assert_ne!(s["cpu_time"], "0s", "{json}");
    assert!(s["avg_cpu"].as_str().unwrap().ends_with('%'));
    let t = d.ok(
        &env,
        &[
            "stats",
            "--no-stream",
            "--format",
            "{{.Name}}:{{.PIDS}}",
            "idle",
        ],
    );
    assert_eq!(t, "idle:1");
    // `-a` shows stopped ones too.
    d.ok(&env, &["stop", "-t", "0", "idle"]);
    let names = d.ok(
        &env,
        &["stats", "--no-stream", "-a", "--format", "{{.Name}}"],
    );
    let mut names: Vec<&str> = names.lines().collect();
    names.sort();
    assert_eq!(names, ["busy", "idle"]);
    assert_error(
        &d.rpod(&env, &["stats", "--no-stream", "idle"]),
        125,
        "can only stat running containers",
    );
    d.ok(&env, &["rm", "-f", "-a"]);
}

#[test]
fn limits_are_written_where_their_controller_is_delegated() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let d = Delegation::new(&env);
    let out = d.rpod(
        &env,
        &[
            "run",
            "-d",
            "--name",
            "lim",
            "-m",
            "64m",
            "--pids-limit",
            "20",
            "--cpus",
            "0.5",
            &img,
            "sleep",
            "1000",
        ],
    );
    out.assert_ok();
    let id = out.stdout.trim();
    let cg = d.dir.join(format!("rpod-{id}"));
    let controllers = d.controllers();
    let has = |c: &str| controllers.iter().any(|x| x == c);
    if has("memory") {
        assert_eq!(
            fs::read_to_string(cg.join("memory.max")).unwrap().trim(),
            "67108864"
        );
    } else {
        assert!(!cg.join("memory.max").exists());
    }
    if has("pids") {
        assert_eq!(
            fs::read_to_string(cg.join("pids.max")).unwrap().trim(),
            "20"
        );
        // The limit holds: the 25th process cannot be made.
        let forks = d.rpod(
            &env,
            &[
                "exec",
                "lim",
                "sh",
                "-c",
                "for i in $(seq 25); do sleep 30 & done; wait",
            ],
        );
        assert!(forks.stderr.contains("fork") || forks.code != 0, "{forks}");
    }
    if has("cpu") {
        assert_eq!(
            fs::read_to_string(cg.join("cpu.max")).unwrap().trim(),
            "50000 100000"
        );
    }
    if ["memory", "pids", "cpu"].iter().all(|c| !has(c)) {
        // A hybrid host: the controllers belong to the v1 hierarchies. One line says so.
        assert!(
            out.stderr.contains(
                "Resource limits are not supported and ignored on cgroups V1 rootless systems"
            ),
            "{out}"
        );
    } else {
        assert!(!out.stderr.contains("not supported"), "{out}");
    }
    // What was asked is what inspect shows, either way.
    let host = d.ok(
        &env,
        &["inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}", "lim"],
    );
    assert_eq!(host, "67108864 134217728 500000000 20");
    d.ok(&env, &["rm", "-f", "-t", "0", "lim"]);
    assert!(!cg.exists());
}

#[test]
fn kill_and_rm_of_paused_containers_and_a_lost_monitor() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let d = Delegation::new(&env);
    let id = d.ok(&env, &["run", "-d", "--name", "k", &img, "sleep", "1000"]);
    let cg = d.dir.join(format!("rpod-{id}"));
    d.ok(&env, &["pause", "k"]);
    d.ok(&env, &["kill", "k"]);
    wait_for("the kill to be recorded", 10, || {
        d.ok(&env, &["ps", "-a", "--format", "{{.Status}}"])
            .starts_with("Exited (137)")
    });
    assert!(!cg.exists());
    d.ok(&env, &["start", "k"]);
    d.ok(&env, &["pause", "k"]);
    d.ok(&env, &["rm", "-f", "-t", "0", "k"]);
    assert!(!cg.exists());
    assert_eq!(d.ok(&env, &["ps", "-a", "-q"]), "");

    // A monitor killed outright leaves the cgroup behind; `rm` removes it.
    let id = d.ok(
        &env,
        &["run", "-d", "--name", "lost", &img, "sleep", "1000"],
    );
    let cg = d.dir.join(format!("rpod-{id}"));
    let monitor: i32 = d
        .ok(
            &env,
            &["inspect", "--format", "{{.State.ConmonPid}}", "lost"],
        )
        .parse()
        .unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(monitor),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    wait_for("the container to be seen as exited", 10, || {
        d.ok(&env, &["ps", "-a", "--format", "{{.State}}"]) == "exited"
    });
    assert!(cg.exists());
    d.ok(&env, &["rm", "lost"]);
    assert!(
        !cg.exists(),
        "rm left the cgroup of a container whose monitor was killed"
    );
}

#[test]
fn without_delegation_limits_warn_and_pause_names_the_fix() {
    let env = TestEnv::new();
    let img = busybox(&env);
    // The ordinary commands run in the root cgroup: nothing is delegated to them.
    let out = env.rpod(&[
        "run",
        "--rm",
        "-m",
        "64m",
        "--pids-limit",
        "10",
        &img,
        "true",
    ]);
    out.assert_ok();
    let warnings: Vec<&str> = out
        .stderr_lines()
        .into_iter()
        .filter(|l| l.contains("Resource limits"))
        .collect();
    assert_eq!(warnings.len(), 1, "{out}");
    assert!(warnings[0].contains("not supported and ignored"), "{out}");
    let id = env.rpod(&["run", "-d", &img, "sleep", "100"]);
    id.assert_ok();
    let out = env.rpod(&["pause", id.stdout.trim()]);
    assert_error(&out, 125, "cgroup");
    assert!(out.stderr.contains("delegated to uid"), "{out}");
    // Bad values: 125 before anything runs.
    assert_error(
        &env.rpod(&["run", "--rm", "-m", "1m", &img, "true"]),
        125,
        "minimum memory limit allowed is 6MB",
    );
    assert_error(
        &env.rpod(&["run", "--rm", "--cpus", "0", &img, "true"]),
        125,
        "range of CPUs",
    );
    assert_error(
        &env.rpod(&["run", "--rm", "-m", "12q", &img, "true"]),
        125,
        "invalid size",
    );
    env.rpod(&["rm", "-f", "-a"]).assert_ok();
}
