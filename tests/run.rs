//! `rpod run --rootfs`: each flag with its real effect inside a container, the exit
//! codes of podman, and nothing left behind.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{assert_host_interfaces, rpod_bin, Output, TestEnv, TEST_USER};

/// A busybox root filesystem owned by the test user, with a passwd and group file.
fn rootfs(env: &TestEnv) -> String {
    let root = env.root().join("rootfs");
    for dir in ["bin", "etc", "tmp", "root", "home/user"] {
        fs::create_dir_all(root.join(dir)).unwrap();
    }
    fs::copy("/bin/busybox", root.join("bin/busybox")).expect("busybox-static is installed");
    let list = Command::new("/bin/busybox").arg("--list").output().unwrap();
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        if applet != "busybox" {
            let _ = std::os::unix::fs::symlink("busybox", root.join("bin").join(applet));
        }
    }
    fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n",
    )
    .unwrap();
    fs::write(
        root.join("etc/group"),
        "root:x:0:\nuser:x:1000:\nextra:x:2000:user\n",
    )
    .unwrap();
    fs::set_permissions(root.join("tmp"), fs::Permissions::from_mode(0o1777)).unwrap();
    let status = Command::new("chown")
        .args(["-R", &format!("{TEST_USER}:{TEST_USER}")])
        .arg(&root)
        .status()
        .unwrap();
    assert!(status.success());
    root.display().to_string()
}

/// `rpod run --rm --rootfs ROOT ARGS…`
fn run(env: &TestEnv, root: &str, args: &[&str]) -> Output {
    let mut all = vec!["run", "--rm", "--rootfs", root];
    all.extend(args);
    env.rpod(&all)
}

fn containers_dir(env: &TestEnv) -> PathBuf {
    env.runtime_dir().join("rpod/containers")
}

fn container_count(env: &TestEnv) -> usize {
    fs::read_dir(containers_dir(env))
        .map(|d| d.count())
        .unwrap_or(0)
}

fn status_field(out: &str, field: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(field))
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

#[test]
fn command_is_pid_1_as_root_of_the_user_namespace() {
    let env = TestEnv::new();
    let root = rootfs(&env);
    let out = run(
        &env,
        &root,
        &["sh", "-c", "echo $$; id -u; cat /proc/self/uid_map | wc -l"],
    );
    out.assert_ok();
    let lines = out.stdout_lines();
    assert_eq!(lines[0], "1", "{out}");
    assert_eq!(lines[1], "0", "{out}");
    assert_eq!(lines[2], "2", "both ranges mapped\n{out}");
}

#[test]
fn exit_status_and_signals_pass_through() {
    let env = TestEnv::new();
    let root = rootfs(&env);
    run(&env, &root, &["sh", "-c", "exit 7"]).assert_code(7);
    // A signal sent to rpod reaches the container's pid 1.
    let bin = rpod_bin().display().to_string();
    let script = format!(
        "{bin} run --rm --rootfs {root} sh -c 'trap \"echo got TERM; exit 5\" TERM; \
         echo ready; sleep 30 & wait' & \
         sleep 1; kill -TERM $!; wait $!"
    );
    let out = env.command("sh", &["-c", &script]).run();
    out.assert_code(5);
    assert!(out.stdout.contains("got TERM"), "{out}");
    // pid 1 killed by a signal: 128+N.
    let out = env
        .command(
            "sh",
            &[
                "-c",
                &format!(
                    "{bin} run --rm --rootfs {root} sleep 30 & sleep 1; \
                     pkill -KILL -P $! sleep; wait $!"
                ),
            ],
        )
        .run();
    out.assert_code(137);
    assert_eq!(container_count(&env), 0, "--rm cleans up after signals");
}

#[test]
fn podman_exit_codes_and_messages() {
    let env = TestEnv::new();
    let root = rootfs(&env);
    let out = run(&env, &root, &["nosuchcmd"]);
    out.assert_code(127).assert_one_error_line();
    assert!(
        out.stderr
            .contains("executable file `nosuchcmd` not found in $PATH"),
        "{out}"
    );
    run(&env, &root, &["/etc/passwd"])
        .assert_code(126)
        .assert_one_error_line();
    let out = run(&env, &root, &["/bin"]);
    out.assert_code(126);
    assert!(out.stderr.contains("permission denied"), "{out}");
    let out = run(&env, &root, &["-u", "nosuch", "true"]);
    out.assert_code(126).assert_one_error_line();
    assert!(
        out.stderr
            .contains("unable to find user nosuch: no matching entries in passwd file"),
        "{out}"
    );
    let out = run(&env, &root, &["-v", "/nonexistent-src:/x", "true"]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("/nonexistent-src"), "{out}");
    run(&env, &root, &[])
        .assert_code(125)
        .assert_one_error_line();
    for bad in [
        &["--ulimit", "bogus=1"][..],
        &["--ulimit", "nofile=10:5"],
        &["--network", "bogus"],
        &["-w", "relative"],
        &["--cap-add", "bogus"],
        &["-v", "bad name:/x"],
        &["--mount", "type=volume,src=/abs,dst=/x"],
        &["--security-opt", "apparmor=x"],
    ] {
        let mut args = bad.to_vec();
        args.push("true");
        run(&env, &root, &args)
            .assert_code(125)
            .assert_one_error_line();
    }
    let out = env.rpod(&["run", "--rootfs", "/nonexistent-root", "true"]);
    out.assert_code(125).assert_one_error_line();
    // A failed start leaves nothing, even without --rm.
    env.rpod(&["run", "--rootfs", &root, "nosuchcmd"])
        .assert_code(127);
    assert_eq!(container_count(&env), 0);
}

#[test]
fn rm_removes_the_container_files_and_without_it_they_stay() {
    let env = TestEnv::new();
    let root = rootfs(&env);
    run(&env, &root, &["true"]).assert_ok();
    assert_eq!(container_count(&env), 0);
    env.rpod(&["run", "--rootfs", &root, "true"]).assert_ok();
    let dirs: Vec<_> = fs::read_dir(containers_dir(&env))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(dirs.len(), 1);
    let id = dirs[0].file_name().to_string_lossy().into_owned();
    assert_eq!(id.len(), 64);
    let config: serde_json::Value =
        serde_json::from_slice(&fs::read(dirs[0].path().join("config.json")).unwrap()).unwrap();
    assert_eq!(config["process"]["args"][0], "true");
    assert_eq!(config["hostname"], id[..12]);
}

#[test]
fn environment_flags() {
    let env = TestEnv::new();
    let root = rootfs(&env);
    let file = env.root().join("envfile");
    fs::write(&file, "# comment\nFROMFILE=f\nOVER=file\n").unwrap();
    let file = file.display().to_string();
    let out = env
        .cmd(&[
            "run",
            "--rm",
            "--rootfs",
            &root,
            "--env-file",
            &file,
            "-e",
            "OVER=flag",
            "-e",
            "HOSTVAR",
            "-e",
            "UNSETVAR",
            "env",
        ])
        .env("HOSTVAR", "fromhost")
        .run();
    out.assert_ok();
    let lines = out.stdout_lines();
    for want in [
        "FROMFILE=f",
        "OVER=flag",
        "HOSTVAR=fromhost",
        "container=rpod",
        "HOME=/root",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    ] {
        assert!(lines.contains(&want), "{want} missing\n{out}");
    }
    assert!(!lines.iter().any(|l| l.starts_with("UNSETVAR")), "{out}");
    assert!(!lines.iter().any(|l| l.starts_with("TERM=")), "{out}");
    assert!(lines.iter().any(|l| l.starts_with("HOSTNAME=")), "{out}");
}

#[test]
fn workdir_user_hostname_entrypoint() {
    let env = TestEnv::new();
    let root = rootfs(&env);
    let out = run(&env, &root, &["-w", "/made/here", "pwd"]);
    out.assert_ok();
    assert_eq!(out.stdout.trim(), "/made/here");

    let out = run(&env, &root, &["-u", "user", "sh", "-c", "id; echo $HOME"]);
    out.assert_ok();
    assert_eq!(
        out.stdout_lines(),
        [
            "uid=1000(user) gid=1000(user) groups=1000(user),2000(extra)",
            "/home/user"
        ],
        "{out}"
    );
    let out = run(&env, &root, &["-u", "1234:55", "id"]);
    out.assert_ok();
    assert_eq!(out.stdout.trim(), "uid=1234 gid=55 groups=55", "{out}");

    let out = run(
        &env,
        &root,
        &[
            "-h",
            "box",
            "--name",
            "web",
            "sh",
            "-c",
            "hostname; cat /etc/hostname; grep box /etc/hosts",
        ],
    );
    out.assert_ok();
    assert_eq!(out.stdout_lines()[..2], ["box", "box"], "{out}");
    assert!(out.stdout.contains("box web"), "{out}");
    let out = run(&env, &root, &["hostname"]);
    out.assert_ok();
    let name = out.stdout.trim();
    assert!(
        name.len() == 12 && name.chars().all(|c| c.is_ascii_hexdigit()),
        "{out}"
    );

    let out = run(
        &env,
        &root,
        &["--entrypoint", r#"["/bin/echo","from-ep"]"#, "x"],
    );
    out.assert_ok();
    assert_eq!(out.stdout.trim(), "from-ep x");
}

#[test]
fn bind_mounts_keep_owners_and_host_permissions() {
    let env = TestEnv::new();
    let root = rootfs(&env);
    let data = env.root().join("data");
    fs::create_dir(&data).unwrap();
    let status = Command::new("chown")
        .arg(format!("{TEST_USER}:{TEST_USER}"))
        .arg(&data)
        .status()
        .unwrap();
    assert!(status.success());
    // Owned by the host's root: the container's root is not the host's.
    fs::write(data.join("rootfile"), "host secret\n").unwrap();
    fs::set_permissions(data.join("rootfile"), fs::Permissions::from_mode(0o644)).unwrap();
    let status = Command::new("chown")
        .args(["root:root"])
        .arg(data.join("rootfile"))
        .status()
        .unwrap();
    assert!(status.success());
    let vol = format!("{}:/data", data.display());

    let out = run(
        &env,
        &root,
        &[
            "-v",
            &vol,
            "sh",
            "-c",
            "cat /data/rootfile; stat -c '%u' /data/rootfile; echo new > /data/new; \
         echo x >> /data/rootfile || echo refused",
        ],
    );
    out.assert_ok();
    assert_eq!(
        out.stdout_lines(),
        ["host secret", "65534", "refused"],
        "{out}"
    );
    assert_eq!(
        fs::read_to_string(data.join("rootfile")).unwrap(),
        "host secret\n"
    );
    let owner = std::os::unix::fs::MetadataExt::uid(&fs::metadata(data.join("new")).unwrap());
    assert_eq!(
        owner,
        env.dirs(TEST_USER).account.uid,
        "container root = the user"
    );

    let ro = format!("{vol}:ro");
    let out = run(
        &env,
        &root,
        &["-v", &ro, "sh", "-c", "touch /data/x || echo refused"],
    );
    out.assert_ok();
    assert_eq!(out.stdout.trim(), "refused", "{out}");
    let mount = format!(
        "type=bind,source={},destination=/m,readonly",
        data.display()
    );
    let out = run(
        &env,
        &root,
        &[
            "--mount",
            &mount,
            "sh",
            "-c",
            "cat /m/new; touch /m/y || echo refused",
        ],
    );
    out.assert_ok();
    assert_eq!(out.stdout_lines(), ["new", "refused"], "{out}");
}

#[test]
fn tmpfs_and_read_only() {
    let env = TestEnv::new();
    let root = rootfs(&env);
    let out = run(&env, &root, &["--tmpfs", "/scratch:size=1m", "--mount",
        "type=tmpfs,destination=/t2", "sh", "-c",
        "grep -E ' /(scratch|t2) ' /proc/mounts | cut -d' ' -f1-3; touch /scratch/a /t2/b && echo ok"]);
    out.assert_ok();
    assert_eq!(
        out.stdout_lines(),
        ["tmpfs /scratch tmpfs", "tmpfs /t2 tmpfs", "ok"],
        "{out}"
    );
    let out = run(
        &env,
        &root,
        &[
            "--read-only",
            "sh",
            "-c",
            "touch /x 2>/dev/null || echo refused; touch /tmp/x && echo tmp-ok",
        ],
    );
    out.assert_ok();
    assert_eq!(out.stdout_lines(), ["refused", "tmp-ok"], "{out}");
    assert!(!Path::new(&root).join("x").exists());
}

#[test]
fn network_modes() {
    let env = TestEnv::new();
    let root = rootfs(&env);
    // The default is the private network: lo and the stack's device.
    let out = run(&env, &root, &["ls", "/sys/class/net"]);
    out.assert_ok();
    assert_eq!(
        out.stdout.split_whitespace().collect::<Vec<_>>(),
        ["lo", "tap0"],
        "{out}"
    );
    let out = run(&env, &root, &["--network", "none", "ls", "/sys/class/net"]);
    out.assert_ok();
    assert_eq!(
        out.stdout.split_whitespace().collect::<Vec<_>>(),
        ["lo"],
        "{out}"
    );
    let out = run(
        &env,
        &root,
        &["--network", "none", "cat", "/sys/class/net/lo/flags"],
    );
    out.assert_ok();
    assert_eq!(out.stdout.trim(), "0x9", "lo is up\n{out}");
    let out = run(&env, &root, &["--network", "host", "ls", "/sys/class/net"]);
    assert_host_interfaces(&out);
    let out = run(&env, &root, &["--network", "bogus", "true"]);
    out.assert_code(125).assert_one_error_line();
}

#[test]
fn capabilities_privileges_and_limits() {
    let env = TestEnv::new();
    let root = rootfs(&env);
    let out = run(&env, &root, &["cat", "/proc/self/status"]);
    out.assert_ok();
    assert_eq!(
        status_field(&out.stdout, "CapEff:"),
        "00000000800405fb",
        "{out}"
    );
    assert_eq!(status_field(&out.stdout, "NoNewPrivs:"), "0");

    let out = run(
        &env,
        &root,
        &[
            "--cap-drop",
            "all",
            "--cap-add",
            "chown",
            "cat",
            "/proc/self/status",
        ],
    );
    out.assert_ok();
    assert_eq!(
        status_field(&out.stdout, "CapBnd:"),
        "0000000000000001",
        "{out}"
    );
    let out = run(
        &env,
        &root,
        &[
            "--cap-add",
            "SYS_ADMIN",
            "-u",
            "user",
            "cat",
            "/proc/self/status",
        ],
    );
    out.assert_ok();
    assert_eq!(
        status_field(&out.stdout, "CapAmb:"),
        "0000000000200000",
        "{out}"
    );
    assert_eq!(
        status_field(&out.stdout, "CapEff:"),
        "0000000000200000",
        "{out}"
    );

    let out = run(
        &env,
        &root,
        &[
            "--security-opt",
            "no-new-privileges",
            "cat",
            "/proc/self/status",
        ],
    );
    out.assert_ok();
    assert_eq!(status_field(&out.stdout, "NoNewPrivs:"), "1", "{out}");

    let out = run(
        &env,
        &root,
        &[
            "--ulimit",
            "nofile=1024:2048",
            "sh",
            "-c",
            "ulimit -n; ulimit -Hn",
        ],
    );
    out.assert_ok();
    assert_eq!(out.stdout_lines(), ["1024", "2048"], "{out}");
}

#[test]
fn masked_and_readonly_paths() {
    let env = TestEnv::new();
    let root = rootfs(&env);
    let out = run(
        &env,
        &root,
        &[
            "sh",
            "-c",
            "wc -c < /proc/keys; ls /sys/firmware | wc -l; \
         echo 1 > /proc/sys/kernel/domainname 2>/dev/null || echo refused; \
         grep -c ' /proc/sys ' /proc/mounts",
        ],
    );
    out.assert_ok();
    assert_eq!(out.stdout_lines(), ["0", "0", "refused", "1"], "{out}");
    let out = run(&env, &root, &["ls", "/dev"]);
    out.assert_ok();
    for dev in [
        "null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "mqueue", "ptmx", "fd",
        "stdin", "stdout", "stderr",
    ] {
        assert!(
            out.stdout_lines().contains(&dev),
            "/dev/{dev} missing\n{out}"
        );
    }
}

#[test]
fn stdin_only_with_interactive() {
    let env = TestEnv::new();
    let root = rootfs(&env);
    let out = env
        .cmd(&["run", "--rm", "-i", "--rootfs", &root, "cat"])
        .stdin("piped in\n")
        .run();
    out.assert_ok();
    assert_eq!(out.stdout, "piped in\n");
    let out = env
        .cmd(&["run", "--rm", "--rootfs", &root, "cat"])
        .stdin("ignored\n")
        .run();
    out.assert_ok();
    assert_eq!(out.stdout, "");
}

#[test]
fn tty_through_a_pty() {
    let env = TestEnv::new();
    let root = rootfs(&env);
    let bin = rpod_bin().display().to_string();
    let inner = format!(
        "{bin} run --rm -t --rootfs {root} sh -c 'tty; echo $TERM; test -t 0 && echo stdin-tty; exit 3'"
    );
    let out = env.command("script", &["-eqc", &inner, "/dev/null"]).run();
    out.assert_code(3);
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .collect();
    assert_eq!(lines, ["/dev/pts/0", "xterm", "stdin-tty"], "{out}");

    // -it: keystrokes reach the shell through the pty.
    let inner = format!("{bin} run --rm -it --rootfs {root} sh");
    let out = env
        .command("script", &["-eqc", &inner, "/dev/null"])
        .stdin("echo in-$((40+2)); exit 4\n")
        .run();
    out.assert_code(4);
    assert!(out.stdout.contains("in-42"), "{out}");

    // Piped (not a terminal) input to -it: its end reaches the shell as end of input.
    let out = env
        .cmd(&["run", "--rm", "-it", "--rootfs", &root, "sh"])
        .stdin("echo piped-$((1+2))\n")
        .timeout(20)
        .run();
    out.assert_ok();
    assert!(out.stdout.contains("piped-3"), "{out}");
}
