//! `rpod cp`: files in and out of running and stopped containers, podman's directory
//! rules, tar streams on stdin/stdout, ownership on both sides, symlinks that stay
//! inside the container, and errors.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use crate::common::{busybox, rpod_bin, run_d, Output, TestEnv};

/// Runs `script` with `sh -c` as the test user in its home; `$RPOD` is rpod.
fn sh(env: &TestEnv, script: &str) -> Output {
    let script = format!("RPOD='{}'; {script}", rpod_bin().display());
    env.command("sh", &["-c", &script]).run()
}

/// A host tree in the test user's home: `tree/sub/f` (mode 640, mtime 2001-02-03),
/// `tree/hard` (a hard link to it), `tree/rel` → `sub/f`, `tree/exe` (mode 751).
fn host_tree(env: &TestEnv) {
    sh(
        env,
        "mkdir -p tree/sub && echo hello > tree/sub/f && chmod 640 tree/sub/f \
         && touch -d '2001-02-03 04:05:06' tree/sub/f && ln tree/sub/f tree/hard \
         && ln -s sub/f tree/rel && printf '#!/bin/sh\\n' > tree/exe && chmod 751 tree/exe \
         && echo top > file",
    )
    .assert_ok();
}

fn exec(env: &TestEnv, ctr: &str, script: &str) -> Output {
    let out = env.rpod(&["exec", ctr, "sh", "-c", script]);
    out.assert_ok();
    out
}

/// `uid:gid mode mtime links name` of each path, inside the container.
fn stat_in(env: &TestEnv, ctr: &str, paths: &str) -> Vec<String> {
    let out = exec(env, ctr, &format!("stat -c '%u:%g %a %Y %h %n' {paths}"));
    out.stdout_lines().iter().map(|l| l.to_string()).collect()
}

fn me(env: &TestEnv) -> (u32, u32) {
    let a = env.dirs(crate::common::TEST_USER).account;
    (a.uid, a.gid)
}

const MTIME: i64 = 981_173_106; // 2001-02-03 04:05:06 UTC

#[test]
fn cp_both_ways_with_a_running_container() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(&env, &["--name", "box", &img, "sleep", "300"]);
    host_tree(&env);

    // A directory into an existing directory lands inside it under its own name.
    env.rpod(&["cp", "tree", "box:/tmp"]).assert_ok();
    let st = stat_in(&env, "box", "/tmp/tree/sub/f /tmp/tree/hard /tmp/tree/exe");
    assert_eq!(st[0], format!("0:0 640 {MTIME} 2 /tmp/tree/sub/f"));
    assert!(st[1].starts_with(&format!("0:0 640 {MTIME} 2 ")), "{st:?}");
    assert!(st[2].starts_with("0:0 751 "), "{st:?}");
    let out = exec(
        &env,
        "box",
        "readlink /tmp/tree/rel; \
         [ \"$(stat -c %i /tmp/tree/hard)\" = \"$(stat -c %i /tmp/tree/sub/f)\" ] && echo same; \
         cat /tmp/tree/rel",
    );
    assert_eq!(out.stdout_lines(), ["sub/f", "same", "hello"]);

    // DIR/. copies the content; a missing destination is created.
    env.rpod(&["cp", "tree/.", "box:/tmp/content"]).assert_ok();
    env.rpod(&["cp", "tree/.", "box:/tmp/tree"]).assert_ok();
    let out = exec(&env, "box", "ls /tmp/content; ls /tmp/tree");
    assert_eq!(
        out.stdout_lines(),
        ["exe", "hard", "rel", "sub", "exe", "hard", "rel", "sub"]
    );
    // A file into a directory keeps its name; onto a path it takes that name.
    env.rpod(&["cp", "file", "box:/tmp/"]).assert_ok();
    env.rpod(&["cp", "file", "box:/tmp/renamed"]).assert_ok();
    let out = exec(&env, "box", "cat /tmp/file /tmp/renamed");
    assert_eq!(out.stdout_lines(), ["top", "top"]);

    // Out: files belong to the calling user, modes, times and links kept.
    exec(
        &env,
        "box",
        "mkdir -p /srv/out/d && echo made > /srv/out/d/x && chmod 604 /srv/out/d/x \
         && chown 123:456 /srv/out/d/x && ln -s d/x /srv/out/l",
    );
    env.rpod(&["cp", "box:/srv/out", "fromctr"]).assert_ok();
    let home = env.home();
    let x = fs::symlink_metadata(home.join("fromctr/d/x")).unwrap();
    assert_eq!((x.uid(), x.gid()), me(&env));
    assert_eq!(x.mode() & 0o7777, 0o604);
    assert_eq!(
        fs::read_to_string(home.join("fromctr/d/x")).unwrap(),
        "made\n"
    );
    assert_eq!(
        fs::read_link(home.join("fromctr/l")).unwrap(),
        Path::new("d/x")
    );
    let t = fs::metadata(home.join("fromctr/d")).unwrap();
    assert_eq!((t.uid(), t.gid()), me(&env));
    // Into an existing host directory, under its own name; a file onto a file.
    env.rpod(&["cp", "box:/tmp/tree/sub/f", "fromctr/"])
        .assert_ok();
    assert_eq!(
        fs::read_to_string(home.join("fromctr/f")).unwrap(),
        "hello\n"
    );
    let f = fs::metadata(home.join("fromctr/f")).unwrap();
    assert_eq!(f.mtime(), MTIME);
    env.rpod(&["cp", "box:/tmp/file", "fromctr/f"]).assert_ok();
    assert_eq!(fs::read_to_string(home.join("fromctr/f")).unwrap(), "top\n");
}

#[test]
fn cp_with_created_and_exited_containers() {
    let env = TestEnv::new();
    let img = busybox(&env);
    host_tree(&env);
    env.rpod(&[
        "create",
        "--name",
        "later",
        "--user",
        "1000:1000",
        &img,
        "sh",
        "-c",
        "stat -c '%u:%g %a %n' /in/file /in/tree/sub/f; cat /in/file; echo made-inside > /tmp/made",
    ])
    .assert_ok();
    // Never started: its filesystem is assembled for the copy.
    env.rpod(&["cp", "file", "later:/"]).assert_ok();
    env.rpod(&["cp", "file", "later:/in/"]).assert_code(125);
    sh(&env, "mkdir -p in && cp file in/ && cp -a tree in/").assert_ok();
    env.rpod(&["cp", "in", "later:/"]).assert_ok();
    let out = env.rpod(&["start", "-a", "later"]);
    out.assert_ok();
    // --archive (the default): the container's user owns what comes in.
    assert_eq!(
        out.stdout_lines(),
        [
            "1000:1000 644 /in/file",
            "1000:1000 640 /in/tree/sub/f",
            "top"
        ]
    );
    // Exited: what the container wrote comes out, owned by the caller.
    env.rpod(&["cp", "later:/tmp/made", "made.txt"]).assert_ok();
    let home = env.home();
    assert_eq!(
        fs::read_to_string(home.join("made.txt")).unwrap(),
        "made-inside\n"
    );
    let m = fs::metadata(home.join("made.txt")).unwrap();
    assert_eq!((m.uid(), m.gid()), me(&env));
    let out = sh(&env, "\"$RPOD\" cp later:/file - | tar -tvf -");
    out.assert_ok();
    assert!(out.stdout.contains("1000/1000"), "{out}");
    assert!(out.stdout.trim_end().ends_with(" file"), "{out}");
}

#[test]
fn archive_false_keeps_the_source_owners() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(
        &env,
        &["--name", "u", "--user", "1000:1000", &img, "sleep", "300"],
    );
    host_tree(&env);
    env.rpod(&["cp", "file", "u:/tmp/chowned"]).assert_ok();
    env.rpod(&["cp", "--archive=false", "file", "u:/tmp/kept"])
        .assert_ok();
    // The calling user is root of the user namespace: its files stay root's.
    let st = stat_in(&env, "u", "/tmp/chowned /tmp/kept");
    assert!(st[0].starts_with("1000:1000 644 "), "{st:?}");
    assert!(st[1].starts_with("0:0 644 "), "{st:?}");
}

#[test]
fn tar_streams_on_stdin_and_stdout() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(&env, &["--name", "t", &img, "sleep", "300"]);
    host_tree(&env);
    sh(&env, "tar -C tree -cf - . | \"$RPOD\" cp - t:/tmp").assert_ok();
    let out = exec(&env, "t", "cat /tmp/sub/f; stat -c '%u:%g %a' /tmp/sub/f");
    assert_eq!(out.stdout_lines(), ["hello", "0:0 640"]);

    // Compressed archives too.
    sh(&env, "tar -czf - file | \"$RPOD\" cp - t:/var").assert_ok();
    assert_eq!(exec(&env, "t", "cat /var/file").stdout, "top\n");

    let out = sh(&env, "\"$RPOD\" cp t:/tmp/sub - | tar -tf -");
    out.assert_ok();
    assert_eq!(out.stdout_lines(), ["sub", "sub/f"]);
    let out = sh(&env, "\"$RPOD\" cp t:/tmp/sub/. - | tar -tf -");
    assert_eq!(out.stdout_lines(), ["f"]);
    // The whole container: its files, not the kernel's views mounted in it.
    let out = sh(&env, "\"$RPOD\" container cp t:/ - | tar -tf -");
    out.assert_ok();
    let names = out.stdout_lines();
    assert!(
        names.contains(&"etc/passwd") && names.contains(&"tmp/sub/f"),
        "{out}"
    );
    assert!(
        names.contains(&"proc"),
        "the mount point itself comes along: {out}"
    );
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("proc/") || n.starts_with("sys/")),
        "{out}"
    );
    // A stream needs an existing directory.
    let out = sh(&env, "tar -cf - file | \"$RPOD\" cp - t:/tmp/sub/f");
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("must be a directory"), "{out}");
    // Entries climbing out are refused.
    let out = sh(
        &env,
        "mkdir -p evil && echo x > evil/f && tar -cPf evil.tar --transform 's,^evil/f,../../../../escaped,' evil/f \
         && \"$RPOD\" cp - t:/tmp < evil.tar",
    );
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("outside"), "{out}");
    assert!(!Path::new("/escaped").exists());
    let out = env.rpod(&["exec", "t", "test", "-e", "/escaped"]);
    assert_eq!(out.code, 1, "{out}");
}

#[test]
fn symlinks_in_the_container_resolve_inside_it() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(&env, &["--name", "s", &img, "sleep", "300"]);
    host_tree(&env);
    let theirs = exec(&env, "s", "cat /etc/passwd").stdout;
    assert!(!theirs.contains(crate::common::TEST_USER));
    exec(
        &env,
        "s",
        "ln -s /etc/passwd /tmp/abs && ln -s ../../../../../etc/passwd /tmp/up \
         && ln -s /etc /tmp/etc && ln -s / /tmp/root",
    );
    let home = env.home();
    for src in [
        "s:/tmp/abs",
        "s:/tmp/up",
        "s:/tmp/etc/passwd",
        "s:/tmp/root/etc/passwd",
    ] {
        let _ = fs::remove_file(home.join("got"));
        env.rpod(&["cp", src, "got"]).assert_ok();
        assert_eq!(
            fs::read_to_string(home.join("got")).unwrap(),
            theirs,
            "{src} led to a file other than the container's /etc/passwd"
        );
    }
    // Writing through a link writes the container's file, never the host's.
    sh(&env, "echo marker-line > marker").assert_ok();
    env.rpod(&["cp", "marker", "s:/tmp/abs"]).assert_ok();
    assert_eq!(exec(&env, "s", "cat /etc/passwd").stdout, "marker-line\n");
    assert!(!fs::read_to_string("/etc/passwd")
        .unwrap()
        .contains("marker-line"));
    env.rpod(&["cp", "marker", "s:/tmp/root/etc/"]).assert_ok();
    exec(&env, "s", "test -f /etc/marker");
    assert!(!Path::new("/etc/marker").exists());

    // The same with the container stopped (its filesystem assembled for the copy).
    env.rpod(&["stop", "-t", "0", "s"]).assert_ok();
    env.rpod(&["cp", "s:/tmp/up", "got-stopped"]).assert_ok();
    assert_eq!(
        fs::read_to_string(home.join("got-stopped")).unwrap(),
        "marker-line\n"
    );
    env.rpod(&["cp", "file", "s:/tmp/root/etc/hostname-like"])
        .assert_ok();
    assert!(!Path::new("/etc/hostname-like").exists());
}

#[test]
fn volumes_are_seen_running_and_stopped() {
    let env = TestEnv::new();
    let img = busybox(&env);
    host_tree(&env);
    sh(&env, "mkdir -p shared").assert_ok();
    let shared = env.home().join("shared");
    let bind = format!("{}:/shared", shared.display());
    run_d(
        &env,
        &[
            "--name",
            "v",
            "-v",
            &bind,
            "-v",
            "named:/data",
            &img,
            "sleep",
            "300",
        ],
    );
    env.rpod(&["cp", "file", "v:/shared/in-bind"]).assert_ok();
    assert_eq!(fs::read_to_string(shared.join("in-bind")).unwrap(), "top\n");
    env.rpod(&["stop", "-t", "0", "v"]).assert_ok();
    env.rpod(&["cp", "file", "v:/data/in-volume"]).assert_ok();
    let out = env.rpod(&[
        "run",
        "--rm",
        "-v",
        "named:/data",
        &img,
        "cat",
        "/data/in-volume",
    ]);
    out.assert_ok();
    assert_eq!(out.stdout, "top\n");
}

#[test]
fn errors_are_one_line_with_125() {
    let env = TestEnv::new();
    let img = busybox(&env);
    run_d(&env, &["--name", "e", &img, "sleep", "300"]);
    host_tree(&env);
    exec(&env, "e", "mkdir /tmp/dir && touch /tmp/plain");
    let cases: &[(&[&str], &str)] = &[
        (&["cp", "file", "nosuch:/tmp"], "no such container"),
        (
            &["cp", "e:/nonexistent", "x"],
            "could not be found on container e",
        ),
        (
            &["cp", "file", "e:/no/parent"],
            "could not be found on container e",
        ),
        (
            &["cp", "missing", "e:/tmp"],
            "could not be found on the host",
        ),
        (&["cp", "file", "other"], "must name a container"),
        (&["cp", "e:/a", "e:/b"], "between two containers"),
        (&["cp", "tree", "e:/tmp/plain"], "must be a directory"),
        (&["cp", "file", "e:/tmp/plain/"], "not a directory"),
        (&["cp", "e:/tmp", "file"], "must be a directory"),
        (&["cp", "e:/tmp/plain/.", "x"], "not a directory"),
    ];
    for (args, text) in cases {
        let out = env.rpod(args);
        out.assert_code(125).assert_one_error_line();
        assert!(out.stderr.contains(text), "{args:?}: {out}");
    }
    // A host file the user may not read is an error, not a silent gap.
    sh(&env, "mkdir -p locked && echo open > locked/a").assert_ok();
    let secret = env.home().join("locked/secret");
    fs::write(&secret, "root only").unwrap();
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o600)).unwrap();
    let out = env.rpod(&["cp", "locked", "e:/tmp"]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("Permission denied"), "{out}");
    // A directory where a file is, and the other way round: only with --overwrite.
    sh(&env, "mkdir -p o/plain && echo f > o/dir").assert_ok();
    let out = env.rpod(&["cp", "o/.", "e:/tmp"]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("--overwrite"), "{out}");
    env.rpod(&["cp", "--overwrite", "o/.", "e:/tmp"])
        .assert_ok();
    let out = exec(&env, "e", "cat /tmp/dir; test -d /tmp/plain && echo dir");
    assert_eq!(out.stdout_lines(), ["f", "dir"]);
}
