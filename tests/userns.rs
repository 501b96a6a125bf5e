//! `rpod unshare` and `rpod info`: the user namespace every invocation enters, as users see it.

use std::fs;
use std::os::unix::fs::MetadataExt;

use crate::common::{TestEnv, NOSUB_USER, TEST_USER};

/// The user's first range in a subordinate-id file, read independently of rpod.
fn first_range(file: &str, user: &str) -> (u32, u32) {
    let text = fs::read_to_string(file).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{user}:")))
        .unwrap_or_else(|| panic!("{user} has no entry in {file}"));
    let parts: Vec<u32> = line
        .split(':')
        .skip(1)
        .map(|p| p.parse().unwrap())
        .collect();
    (parts[0], parts[1])
}

fn map_rows(text: &str) -> Vec<Vec<u32>> {
    text.lines()
        .map(|l| l.split_whitespace().map(|w| w.parse().unwrap()).collect())
        .collect()
}

#[test]
fn unshare_id_is_root_with_both_ranges_mapped() {
    let env = TestEnv::new();
    let me = env.dirs(TEST_USER).account;
    let out = env.rpod(&["unshare", "id"]);
    out.assert_ok();
    assert!(out.stdout.starts_with("uid=0(root) gid=0(root)"), "{out}");

    let (start, count) = first_range("/etc/subuid", TEST_USER);
    let out = env.rpod(&["unshare", "cat", "/proc/self/uid_map"]);
    out.assert_ok();
    assert_eq!(
        map_rows(&out.stdout),
        vec![vec![0, me.uid, 1], vec![1, start, count]],
        "{out}"
    );
    let (gstart, gcount) = first_range("/etc/subgid", TEST_USER);
    let out = env.rpod(&["unshare", "cat", "/proc/self/gid_map"]);
    out.assert_ok();
    assert_eq!(
        map_rows(&out.stdout),
        vec![vec![0, me.gid, 1], vec![1, gstart, gcount]],
        "{out}"
    );
}

#[test]
fn unshare_files_get_subordinate_owners_on_the_host() {
    let env = TestEnv::new();
    let (start, _) = first_range("/etc/subuid", TEST_USER);
    let (gstart, _) = first_range("/etc/subgid", TEST_USER);
    let out = env.rpod(&[
        "unshare",
        "sh",
        "-c",
        "f=$RPOD_ROOT/owned && touch $f && chown 1000:1000 $f && echo $f",
    ]);
    out.assert_ok();
    let path = out.stdout.trim();
    assert!(path.starts_with(env.data_dir().to_str().unwrap()), "{out}");
    let meta = fs::metadata(path).unwrap();
    assert_eq!(meta.uid(), start + 999);
    assert_eq!(meta.gid(), gstart + 999);
    // And the user can remove it again through unshare.
    env.rpod(&["unshare", "rm", path]).assert_ok();
    assert!(fs::metadata(path).is_err());
}

#[test]
fn unshare_exports_store_paths() {
    let env = TestEnv::new();
    let out = env.rpod(&["unshare", "sh", "-c", "echo $RPOD_ROOT; echo $RPOD_RUNROOT"]);
    out.assert_ok();
    let lines = out.stdout_lines();
    assert_eq!(
        lines[0],
        env.data_dir().join("rpod").to_str().unwrap(),
        "{out}"
    );
    assert_eq!(
        lines[1],
        env.runtime_dir().join("rpod").to_str().unwrap(),
        "{out}"
    );
}

#[test]
fn unshare_exit_codes_follow_podman() {
    let env = TestEnv::new();
    env.rpod(&["unshare", "sh", "-c", "exit 7"]).assert_code(7);
    let out = env.rpod(&["unshare", "no-such-command-here"]);
    out.assert_code(127).assert_one_error_line();
    assert!(out.stderr.contains("no-such-command-here"), "{out}");
    let plain = env.home().join("not-executable");
    env.command(
        "sh",
        &[
            "-c",
            &format!("echo true > {0} && chmod 644 {0}", plain.display()),
        ],
    )
    .run()
    .assert_ok();
    let out = env.rpod(&["unshare", plain.to_str().unwrap()]);
    out.assert_code(126).assert_one_error_line();
    // Killed by a signal: 128 + N, as a shell reports it.
    env.rpod(&["unshare", "sh", "-c", "kill -TERM $$"])
        .assert_code(143);
}

#[test]
fn unshare_without_subordinate_ids_warns_and_maps_one_id() {
    let env = TestEnv::new();
    let nosub = env.dirs(NOSUB_USER).account;
    let out = env
        .cmd(&["unshare", "cat", "/proc/self/uid_map"])
        .user(NOSUB_USER)
        .run();
    out.assert_ok();
    assert_eq!(map_rows(&out.stdout), vec![vec![0, nosub.uid, 1]], "{out}");
    let warnings: Vec<&str> = out
        .stderr_lines()
        .into_iter()
        .filter(|l| l.contains("subordinate"))
        .collect();
    assert_eq!(warnings.len(), 1, "warn once: {out}");
    assert!(warnings[0].contains("usermod --add-subuids"), "{out}");
    assert!(warnings[0].contains(NOSUB_USER), "{out}");
}

#[test]
fn runroot_owned_by_someone_else_is_refused() {
    let env = TestEnv::new();
    // A directory the test user can see but that root owns.
    let foreign = env.root().join("foreign-runroot");
    fs::create_dir_all(&foreign).unwrap();
    fs::set_permissions(
        &foreign,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let out = env.rpod(&["--runroot", foreign.to_str().unwrap(), "unshare", "true"]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("owned by uid 0"), "{out}");
}

#[test]
fn info_reports_the_machine() {
    let env = TestEnv::new();
    let me = env.dirs(TEST_USER).account;
    let out = env.rpod(&["info", "--format", "json"]);
    out.assert_ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let host = &v["host"];
    assert_eq!(host["rootless"], true, "{out}");
    assert_eq!(host["uid"], me.uid, "{out}");
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    assert_eq!(host["kernel"], kernel.trim(), "{out}");
    let (start, count) = first_range("/etc/subuid", TEST_USER);
    assert_eq!(host["subordinateIds"]["uids"][0]["start"], start, "{out}");
    assert_eq!(host["subordinateIds"]["uids"][0]["count"], count, "{out}");
    assert_eq!(host["idMappings"]["uidmap"][1]["host_id"], start, "{out}");
    for helper in ["newuidmap", "newgidmap"] {
        let path = host[helper]["path"].as_str().unwrap();
        let mode = fs::metadata(path).unwrap().mode();
        assert_eq!(host[helper]["setuid"], mode & 0o4000 != 0, "{out}");
    }
    assert_eq!(
        v["store"]["graphRoot"],
        env.data_dir().join("rpod").to_str().unwrap()
    );

    // Device availability as the user sees it, checked independently with test(1).
    for (key, dev) in [("fuse", "/dev/fuse"), ("tun", "/dev/net/tun")] {
        let usable = env
            .command("sh", &["-c", &format!("test -r {dev} -a -w {dev}")])
            .run()
            .code
            == 0;
        assert_eq!(host[key]["available"], usable, "{key}: {out}");
    }

    // The overlay probe agrees with a kernel overlay mounted by hand in a user namespace.
    let script = "d=$(mktemp -d) && mkdir $d/l $d/u $d/w $d/m && \
        unshare -Urm mount -t overlay overlay -o lowerdir=$d/l,upperdir=$d/u,workdir=$d/w,userxattr $d/m; \
        r=$?; chmod -R u+rwx $d 2>/dev/null; rm -rf $d; exit $r";
    let by_hand = env.command("sh", &["-c", script]).run().code == 0;
    assert_eq!(host["overlay"]["works"], by_hand, "{out}");
    assert_eq!(
        v["store"]["graphDriverName"],
        if by_hand { "overlay" } else { "fuse" },
        "{out}"
    );
}

#[test]
fn info_default_output_is_yaml_and_templates_work() {
    let env = TestEnv::new();
    let out = env.rpod(&["info"]);
    out.assert_ok();
    assert!(out.stdout.starts_with("host:\n"), "{out}");
    assert!(out.stdout.contains("\n  rootless: true\n"), "{out}");
    let out = env.rpod(&[
        "info",
        "--format",
        "{{.Host.Rootless}} {{.Store.GraphDriverName}}",
    ]);
    out.assert_ok();
    assert!(out.stdout.starts_with("true "), "{out}");
}

#[test]
fn corrupt_config_names_file_and_line() {
    let env = TestEnv::new();
    let cfg_dir = env.config_dir().join("rpod");
    let cfg = cfg_dir.join("rpod.toml");
    let out = env
        .command(
            "sh",
            &[
                "-c",
                &format!(
                    "mkdir -p {} && printf '[storage]\\n\\ndrivr = \"overlay\"\\n' > {}",
                    cfg_dir.display(),
                    cfg.display()
                ),
            ],
        )
        .run();
    out.assert_ok();
    let out = env.rpod(&["info"]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains(cfg.to_str().unwrap()), "{out}");
    assert!(out.stderr.contains("line 3"), "{out}");
    assert!(out.stderr.contains("drivr"), "{out}");
}

#[test]
fn explicit_missing_config_is_an_error() {
    let env = TestEnv::new();
    let out = env
        .cmd(&["info"])
        .env("RPOD_CONFIG", "/nonexistent/rpod.toml")
        .run();
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("/nonexistent/rpod.toml"), "{out}");
}
