//! `rpod run IMAGE`: images from the registry run as containers, as podman runs them.

use std::fs;

use crate::common::{expected_multilayer, image, listing, TestEnv, LISTING_SH};

/// Container dirs (64 hex digits) directly in a directory: the store's own lock
/// and name index are not containers.
fn containers(dir: &std::path::Path) -> Vec<String> {
    entries(dir)
        .into_iter()
        .filter(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect()
}

/// Entries directly in a directory (empty when it does not exist).
fn entries(dir: &std::path::Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn multilayer_tree_inside_the_container_is_the_expected_one() {
    let env = TestEnv::new();
    let out = env.rpod(&[
        "run",
        "--rm",
        &image("multilayer:latest"),
        "sh",
        "-c",
        LISTING_SH,
        "sh",
        "/data",
        "/dev-fixture",
        "/fixture",
    ]);
    out.assert_ok();
    assert_eq!(listing(&out.stdout, ""), expected_multilayer(), "{out}");
    // Hard links stay one inode; the xattr and the setuid bit survive.
    let out = env.rpod(&[
        "run",
        "--rm",
        &image("multilayer:latest"),
        "sh",
        "-c",
        "stat -c %i /fixture/hard-a /fixture/hard-b | uniq | wc -l",
    ]);
    out.assert_ok();
    assert_eq!(out.stdout.trim(), "1", "{out}");
}

#[test]
fn command_is_pid_1_with_the_image_environment() {
    let env = TestEnv::new();
    let out = env.rpod(&[
        "run",
        "--rm",
        &image("busybox"),
        "sh",
        "-c",
        "echo $$; echo $PATH; cat /proc/1/cmdline | tr '\\0' ' '",
    ]);
    out.assert_ok();
    let lines = out.stdout_lines();
    assert_eq!(lines[0], "1", "{out}");
    assert_eq!(
        lines[1], "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "{out}"
    );
    assert!(lines[2].starts_with("sh -c "), "{out}");
}

#[test]
fn image_cmd_runs_when_no_command_is_given() {
    let env = TestEnv::new();
    // The fixture's Cmd is ["sh"]: it reads the script from stdin.
    let out = env
        .cmd(&["run", "--rm", "-i", &image("busybox")])
        .stdin("echo from-default-cmd; exit 3\n")
        .run();
    out.assert_code(3);
    assert_eq!(out.stdout.trim(), "from-default-cmd", "{out}");
}

#[test]
fn writes_stay_in_the_container_and_rm_leaves_nothing() {
    let env = TestEnv::new();
    let img = image("busybox");
    let out = env.rpod(&[
        "run",
        "--rm",
        &img,
        "sh",
        "-c",
        "echo x > /etc/new && cat /etc/new",
    ]);
    out.assert_ok();
    let out = env.rpod(&["run", "--rm", &img, "cat", "/etc/new"]);
    assert_ne!(
        out.code, 0,
        "a second container must not see the first one's file: {out}"
    );
    let store = env.data_dir().join("rpod");
    assert!(containers(&store.join("containers")).is_empty(), "{out}");
    assert!(
        entries(&env.runtime_dir().join("rpod/containers")).is_empty(),
        "{out}"
    );
    assert!(entries(&store.join("storage/tmp")).is_empty());
}

#[test]
fn pull_policies() {
    let env = TestEnv::new();
    let img = image("busybox:plain");
    let out = env.rpod(&["run", "--rm", "--pull=never", &img, "true"]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("--pull=never"), "{out}");
    // missing (the default) pulls once, then runs from the store.
    let out = env.rpod(&["run", "--rm", &img, "true"]);
    out.assert_ok();
    assert!(out.stderr.contains("Trying to pull"), "{out}");
    let out = env.rpod(&["run", "--rm", &img, "true"]);
    out.assert_ok();
    assert!(!out.stderr.contains("Trying to pull"), "{out}");
    let out = env.rpod(&["run", "--rm", "--pull=never", &img, "true"]);
    out.assert_ok();
    let out = env.rpod(&["run", "--rm", "--pull=always", &img, "true"]);
    out.assert_ok();
    assert!(out.stderr.contains("Trying to pull"), "{out}");
    let out = env.rpod(&["run", "--rm", "-q", "--pull=always", &img, "true"]);
    out.assert_ok();
    assert!(out.stderr.is_empty(), "-q: {out}");
}

#[test]
fn missing_image_and_bad_commands_leave_nothing_behind() {
    let env = TestEnv::new();
    let out = env.rpod(&["run", "--rm", "-q", &image("no-such-image:latest"), "true"]);
    out.assert_code(125).assert_one_error_line();
    assert!(
        out.stderr.contains("manifest unknown") || out.stderr.contains("not found"),
        "{out}"
    );
    let img = image("busybox");
    env.rpod(&["run", "--rm", &img, "no-such-command"])
        .assert_code(127);
    env.rpod(&["run", "--rm", &img, "/etc/passwd"])
        .assert_code(126);
    env.rpod(&["run", "--rm", "-u", "nobody-here", &img, "true"])
        .assert_code(126);
    env.rpod(&["run", "--rm", "-v", "/no/such/dir:/x", &img, "true"])
        .assert_code(125);
    let store = env.data_dir().join("rpod");
    assert!(containers(&store.join("containers")).is_empty());
    assert!(entries(&env.runtime_dir().join("rpod/containers")).is_empty());
}

#[test]
fn user_from_the_image_passwd_and_numeric() {
    let env = TestEnv::new();
    let img = image("busybox");
    let out = env.rpod(&["run", "--rm", "-u", "tester", &img, "id"]);
    out.assert_ok();
    assert!(out.stdout.starts_with("uid=1000(tester)"), "{out}");
    let out = env.rpod(&["run", "--rm", "-u", "65534:65534", &img, "id", "-u"]);
    out.assert_ok();
    assert_eq!(out.stdout.trim(), "65534", "{out}");
}
