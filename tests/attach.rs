//! `rpod attach` (and `start -a`): a terminal joins a detached container's monitor,
//! sees its output from then on, writes to its stdin, detaches with the keys, and ends
//! with the container's exit status.

use std::thread;
use std::time::{Duration, Instant};

use crate::common::{busybox, inspect, rpod_bin, run_d, Output, TestEnv};

/// Waits until container `name` has printed `needle` (as its log shows).
fn wait_for_log(env: &TestEnv, name: &str, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = env.rpod(&["logs", name]);
        if out.stdout.contains(needle) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{name} never printed {needle:?}\n{out}"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// `rpod run -d EXTRA --network none --name NAME IMG sh -c SCRIPT`, once SCRIPT has
/// printed `ready`.
fn run_until_ready(env: &TestEnv, img: &str, extra: &[&str], name: &str, script: &str) {
    let mut args = extra.to_vec();
    args.extend(["--network", "none", "--name", name, img, "sh", "-c", script]);
    run_d(env, &args);
    wait_for_log(env, name, "ready");
}

/// A shell script run as the test user, given 30 s.
fn sh(env: &TestEnv, script: &str) -> Output {
    env.command("sh", &["-c", script]).timeout(30).run()
}

fn status(env: &TestEnv, name: &str) -> String {
    inspect(env, name, "{{.State.Status}}")
}

/// The numbers of the `tick N` lines in `text`.
fn ticks(text: &str) -> Vec<u32> {
    text.lines()
        .filter_map(|l| l.strip_prefix("tick "))
        .map(|n| n.trim().parse().expect("a tick number"))
        .collect()
}

#[test]
fn sees_the_output_of_a_running_container_from_the_moment_it_attaches() {
    let env = TestEnv::new();
    let img = busybox(&env);
    let script = "i=0; while [ $i -lt 40 ]; do echo tick $i; echo warn $i >&2; \
                  i=$((i+1)); sleep 0.1; done; exit 9";
    for extra in [&[][..], &["--log-driver", "none"][..]] {
        let mut args = vec!["--network", "none", "--name", "loop"];
        args.extend(extra);
        args.extend([img.as_str(), "sh", "-c", script]);
        run_d(&env, &args);
        thread::sleep(Duration::from_millis(800));
        let out = env.cmd(&["attach", "--no-stdin", "loop"]).timeout(30).run();
        // The container's own status once it exits while attached.
        out.assert_code(9);
        let seen = ticks(&out.stdout);
        assert!(!seen.is_empty(), "{out}");
        assert!(seen[0] > 0, "attach shows what came before it\n{out}");
        assert_eq!(*seen.last().unwrap(), 39, "{out}");
        let expected: Vec<u32> = (seen[0]..40).collect();
        assert_eq!(seen, expected, "output is lost or reordered\n{out}");
        // stderr stays stderr.
        assert!(out.stderr.contains("warn 39"), "{out}");
        assert!(!out.stdout.contains("warn"), "{out}");
        if extra.is_empty() {
            // The log keeps the past.
            let logs = env.rpod(&["logs", "loop"]);
            assert_eq!(ticks(&logs.stdout), (0..40).collect::<Vec<_>>(), "{logs}");
        }
        env.rpod(&["rm", "loop"]).assert_ok();
    }
}

#[test]
fn run_di_keeps_stdin_open_for_a_later_attach() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_until_ready(&env, &img, &["-i"], "cat", "echo ready; cat");
    // Still waiting for input: its stdin was not /dev/null.
    thread::sleep(Duration::from_millis(300));
    assert_eq!(status(&env, "cat"), "running");
    // The input reaches cat, which echoes it; the end of input closes its stdin, as
    // podman's attach does, so cat ends and attach ends with it.
    let out = env
        .cmd(&["attach", "cat"])
        .stdin("hello through attach\n")
        .timeout(30)
        .run();
    out.assert_ok();
    assert_eq!(out.stdout, "hello through attach\n", "{out}");
    assert_eq!(status(&env, "cat"), "exited");
    assert_eq!(
        env.rpod(&["logs", "cat"]).stdout,
        "ready\nhello through attach\n"
    );
}

#[test]
fn no_stdin_leaves_the_container_input_alone() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(
        &env,
        &["-i", "--network", "none", "--name", "c", &img, "cat"],
    );
    // Output only: an attach that ends does not end cat's input.
    let bin = rpod_bin().display().to_string();
    let script = format!("timeout --preserve-status -s INT 1 {bin} attach --no-stdin --sig-proxy=false c; echo rc=$?");
    let out = sh(&env, &script);
    assert!(out.stdout.contains("rc=130"), "{out}");
    assert_eq!(status(&env, "c"), "running");
    env.rpod(&["rm", "-f", "-t", "0", "c"]).assert_ok();
}

#[test]
fn a_tty_container_through_a_pty_detaches_with_the_keys() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(
        &env,
        &["-it", "--network", "none", "--name", "sh", &img, "sh"],
    );
    let bin = rpod_bin().display().to_string();
    // Typed with pauses, as a person would: a command, then ctrl-p ctrl-q.
    let script = format!(
        "(sleep 1; printf 'echo typed-$((40+2)) > /tmp/mark; stty size\\r'; sleep 1; \
           printf '\\020\\021'; sleep 1) | \
         script -qec 'stty rows 33 cols 77; {bin} attach sh' /dev/null; echo rc=$?"
    );
    let out = sh(&env, &script);
    out.assert_ok();
    // The window size travelled, and the shell answered through the pty.
    assert!(out.stdout.contains("33 77"), "{out}");
    assert!(out.stdout.contains("rc=0"), "{out}");
    assert_eq!(status(&env, "sh"), "running");
    let mark = env.rpod(&["exec", "sh", "cat", "/tmp/mark"]);
    assert_eq!(mark.stdout, "typed-42\n", "{mark}");

    // Custom keys; then the shell exits while attached: its status is attach's.
    let script = format!(
        "(sleep 1; printf 'echo again\\r'; sleep 0.5; printf 'exit 5\\r'; sleep 1) | \
         script -qec '{bin} attach --detach-keys=ctrl-x sh' /dev/null; echo rc=$?"
    );
    let out = sh(&env, &script);
    assert!(out.stdout.contains("again"), "{out}");
    assert!(out.stdout.contains("rc=5"), "{out}");
    assert_eq!(status(&env, "sh"), "exited");
}

#[test]
fn exit_status_of_a_container_ending_while_attached() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(
        &env,
        &[
            "--network",
            "none",
            "--name",
            "x",
            &img,
            "sh",
            "-c",
            "sleep 1; exit 7",
        ],
    );
    env.cmd(&["attach", "x"]).timeout(30).run().assert_code(7);
    // Killed by a signal: 128+N, as the shell reports it.
    run_d(
        &env,
        &["--network", "none", "--name", "k", &img, "sleep", "60"],
    );
    let bin = rpod_bin().display().to_string();
    let script = format!(
        "{bin} attach k & p=$!; sleep 1; {bin} kill -s KILL k >/dev/null; wait $p; echo rc=$?"
    );
    let out = sh(&env, &script);
    assert!(out.stdout.contains("rc=137"), "{out}");
}

#[test]
fn signals_reach_the_container_with_sig_proxy() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_until_ready(
        &env,
        &img,
        &[],
        "t",
        "trap 'echo caught; exit 42' TERM; echo ready; while :; do sleep 0.1; done",
    );
    let bin = rpod_bin().display().to_string();
    let script = format!("{bin} attach t & p=$!; sleep 1; kill -TERM $p; wait $p; echo rc=$?");
    let out = sh(&env, &script);
    assert!(out.stdout.contains("caught"), "{out}");
    assert!(out.stdout.contains("rc=42"), "{out}");
}

#[test]
fn attaching_to_a_container_that_does_not_run_is_refused() {
    let env = TestEnv::new();
    let img = busybox(&env);
    env.rpod(&["create", "--name", "new", &img, "true"])
        .assert_ok();
    env.rpod(&["run", "--name", "done", "--network", "none", &img, "true"])
        .assert_ok();
    for name in ["new", "done"] {
        let out = env.rpod(&["attach", name]);
        out.assert_code(125).assert_one_error_line();
        assert!(
            out.stderr
                .contains("you can only attach to running containers"),
            "{out}"
        );
    }
    env.rpod(&["attach", "nosuch"])
        .assert_code(125)
        .assert_one_error_line();
    env.rpod(&["attach", "--detach-keys", "ctrl-1", "new"])
        .assert_code(125)
        .assert_one_error_line();
}

#[test]
fn two_clients_at_once() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_until_ready(
        &env,
        &img,
        &["-i"],
        "echo",
        "echo ready; while read l; do echo got $l; done; echo bye; exit 3",
    );
    let bin = rpod_bin().display().to_string();
    let dir = env.home().display().to_string();
    // One watches; the other writes and ends its input, which ends the loop.
    let script = format!(
        "{bin} attach --no-stdin echo > {dir}/a.out & a=$!; sleep 1; \
         printf 'one\\ntwo\\n' | {bin} attach echo > {dir}/b.out; echo b=$?; \
         wait $a; echo a=$?; echo A; cat {dir}/a.out; echo B; cat {dir}/b.out"
    );
    let out = sh(&env, &script);
    out.assert_ok();
    let expected = "got one\ngot two\nbye\n";
    assert_eq!(
        out.stdout,
        format!("b=3\na=3\nA\n{expected}B\n{expected}"),
        "{out}"
    );
}

#[test]
fn start_attach_sees_everything_and_detaches() {
    let env = TestEnv::new();
    let img = busybox(&env);
    env.rpod(&[
        "create",
        "-it",
        "--name",
        "later",
        "--network",
        "none",
        &img,
        "sh",
    ])
    .assert_ok();
    let bin = rpod_bin().display().to_string();
    let script = format!(
        "(sleep 1; printf 'echo first-$((1+1))\\r'; sleep 1; printf '\\020\\021'; sleep 0.5) | \
         script -qec '{bin} start -ai later' /dev/null; echo rc=$?"
    );
    let out = sh(&env, &script);
    assert!(out.stdout.contains("first-2"), "{out}");
    assert!(out.stdout.contains("rc=0"), "{out}");
    // Detached, not stopped; a second start -a attaches to it as it runs.
    assert_eq!(status(&env, "later"), "running");
    let script = format!(
        "(sleep 1; printf 'exit 6\\r'; sleep 1) | \
         script -qec '{bin} start -ai later' /dev/null; echo rc=$?"
    );
    let out = sh(&env, &script);
    assert!(out.stdout.contains("rc=6"), "{out}");
    assert_eq!(status(&env, "later"), "exited");
}
