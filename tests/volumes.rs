//! Named volumes: `rpod volume …` and `run -v NAME:/path`, with their real effects on
//! disk and inside containers.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::common::{expected_multilayer, image, listing, TestEnv, LISTING_SH};

/// Where a volume's content lies on the host.
fn data(env: &TestEnv, name: &str) -> PathBuf {
    env.data_dir().join("rpod/volumes").join(name).join("_data")
}

/// Volume names `volume ls -q` prints.
fn names(env: &TestEnv) -> Vec<String> {
    let out = env.rpod(&["volume", "ls", "-q"]);
    out.assert_ok();
    out.stdout_lines().iter().map(|s| s.to_string()).collect()
}

#[test]
fn create_ls_inspect_rm() {
    let env = TestEnv::new();
    let out = env.rpod(&[
        "volume", "create", "--label", "app=web", "-o", "uid=1000", "web",
    ]);
    out.assert_ok();
    assert_eq!(out.stdout, "web\n");
    let out = env.rpod(&["volume", "create"]);
    out.assert_ok();
    let anon = out.stdout.trim().to_string();
    assert_eq!(anon.len(), 64, "{out}");
    assert!(anon.chars().all(|c| c.is_ascii_hexdigit()), "{out}");

    let out = env.rpod(&["volume", "ls"]);
    out.assert_ok();
    let mut expected = [format!("local       {anon}"), "local       web".to_string()];
    expected.sort();
    assert_eq!(out.stdout_lines()[0], "DRIVER      VOLUME NAME", "{out}");
    assert_eq!(out.stdout_lines()[1..], expected[..], "{out}");

    let out = env.rpod(&["volume", "inspect", "web"]);
    out.assert_ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("inspect JSON");
    let v = &v[0];
    assert_eq!(v["Name"], "web");
    assert_eq!(v["Driver"], "local");
    assert_eq!(v["Scope"], "local");
    assert_eq!(v["Labels"]["app"], "web");
    assert_eq!(v["Options"]["uid"], "1000");
    assert_eq!(v["NeedsCopyUp"], true);
    let mountpoint = PathBuf::from(v["Mountpoint"].as_str().unwrap());
    assert_eq!(mountpoint, data(&env, "web"));
    assert!(mountpoint.is_dir(), "{out}");
    // uid=1000 is a container id: on the host, the user's subordinate id for 1000.
    assert_ne!(fs::metadata(&mountpoint).unwrap().uid(), 0);
    assert_ne!(
        fs::metadata(&mountpoint).unwrap().uid(),
        fs::metadata(env.data_dir()).unwrap().uid(),
        "uid=1000 gives the volume to a subordinate id"
    );
    let out = env.rpod(&[
        "volume",
        "inspect",
        "--format",
        "{{.Name}} {{.Labels}}",
        "web",
    ]);
    out.assert_ok();
    assert_eq!(out.stdout, "web map[app:web]\n");

    let out = env.rpod(&[
        "volume",
        "ls",
        "--filter",
        "label=app=web",
        "--format",
        "json",
    ]);
    out.assert_ok();
    let list: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["Name"], "web");
    let out = env.rpod(&[
        "volume",
        "ls",
        "--filter",
        "name=^web$",
        "--format",
        "{{.Name}}",
    ]);
    assert_eq!(out.stdout, "web\n", "{out}");

    env.rpod(&["volume", "exists", "web"]).assert_code(0);
    env.rpod(&["volume", "exists", "nope"]).assert_code(1);

    let out = env.rpod(&["volume", "rm", "web", &anon]);
    out.assert_ok();
    assert_eq!(out.stdout_lines(), ["web", anon.as_str()]);
    assert!(!data(&env, "web").exists());
    assert!(names(&env).is_empty());
    let vols = env.data_dir().join("rpod/volumes");
    let left: Vec<String> = fs::read_dir(&vols)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["volumes.lock"], "nothing but the lock is left");
}

#[test]
fn bad_input_is_one_line_and_podmans_codes() {
    let env = TestEnv::new();
    env.rpod(&["volume", "create", "v"]).assert_ok();
    let out = env.rpod(&["volume", "create", "v"]);
    out.assert_code(125).assert_one_error_line();
    assert!(
        out.stderr.contains("volume with name v already exists"),
        "{out}"
    );
    let out = env.rpod(&["volume", "create", "--ignore", "v"]);
    out.assert_ok();
    assert_eq!(out.stdout, "v\n");
    for args in [
        &["volume", "create", "bad name"][..],
        &["volume", "create", "-x"],
        &["volume", "create", "--opt", "foo=bar", "w"],
        &["volume", "create", "--driver", "nfs", "w"],
        &["volume", "ls", "--filter", "dangling=maybe"],
        &["volume", "ls", "--filter", "bogus=1"],
        &["volume", "inspect", "nope"],
        &["volume", "rm"],
        &["volume", "rm", "-a", "v"],
    ] {
        let out = env.rpod(args);
        out.assert_code(125).assert_one_error_line();
    }
    let out = env.rpod(&["volume", "create", "bad name"]);
    assert!(out.stderr.contains("[a-zA-Z0-9][a-zA-Z0-9_.-]*"), "{out}");
    let out = env.rpod(&["volume", "rm", "nope"]);
    out.assert_code(1).assert_one_error_line();
    assert!(
        out.stderr.contains("no volume with name \"nope\" found"),
        "{out}"
    );
    // Bad volume flags of run fail before anything is made.
    for v in ["bad name:/x", "v:relative", "/a:/b:U", "v:/x:bogus"] {
        let out = env.rpod(&["run", "--rm", "-v", v, &image("busybox"), "true"]);
        out.assert_code(125).assert_one_error_line();
    }
    let out = env.rpod(&[
        "run",
        "--rm",
        "--mount",
        "type=volume,src=/abs,dst=/x",
        &image("busybox"),
        "true",
    ]);
    out.assert_code(125).assert_one_error_line();
    // A run that fails before its container exists leaves no volume behind.
    let out = env.rpod(&[
        "run",
        "--rm",
        "--pull=never",
        "-v",
        "never:/x",
        "127.0.0.1:5000/absent:latest",
        "true",
    ]);
    out.assert_code(125);
    let out = env.rpod(&[
        "run",
        "--rm",
        "-v",
        "made:/x",
        &image("busybox"),
        "/no/such/command",
    ]);
    out.assert_code(127);
    assert_eq!(names(&env), ["v"]);
}

#[test]
fn data_outlives_the_containers_that_wrote_it() {
    let env = TestEnv::new();
    let bb = image("busybox");
    env.rpod(&[
        "run",
        "--rm",
        "-v",
        "store:/data",
        &bb,
        "sh",
        "-c",
        "echo hello > /data/f; mkdir /data/d",
    ])
    .assert_ok();
    assert_eq!(names(&env), ["store"], "created on first use");
    assert_eq!(
        fs::read_to_string(data(&env, "store").join("f")).unwrap(),
        "hello\n"
    );
    // Another container, another mount point, the same data; --mount type=volume too.
    let out = env.rpod(&[
        "run",
        "--rm",
        "-v",
        "store:/elsewhere",
        &bb,
        "cat",
        "/elsewhere/f",
    ]);
    out.assert_ok();
    assert_eq!(out.stdout, "hello\n");
    let out = env.rpod(&[
        "run",
        "--rm",
        "--mount",
        "type=volume,source=store,target=/m",
        &bb,
        "ls",
        "/m",
    ]);
    out.assert_ok();
    assert_eq!(out.stdout_lines(), ["d", "f"]);
    // A container kept after it exits (no --rm) and removed later: the volume stays.
    env.rpod(&[
        "run",
        "--name",
        "kept",
        "-v",
        "store:/data",
        &bb,
        "sh",
        "-c",
        "echo again >> /data/f",
    ])
    .assert_ok();
    assert_eq!(
        fs::read_to_string(data(&env, "store").join("f")).unwrap(),
        "hello\nagain\n"
    );
    // The container shows the volume as podman does.
    let out = env.rpod(&["inspect", "kept"]);
    out.assert_ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let m = &v[0]["Mounts"][0];
    assert_eq!(m["Type"], "volume", "{out}");
    assert_eq!(m["Name"], "store");
    assert_eq!(m["Destination"], "/data");
    assert_eq!(m["Driver"], "local");
    assert_eq!(
        v[0]["HostConfig"]["Binds"][0],
        "store:/data:rw,rprivate,rbind"
    );
    env.rpod(&["rm", "kept"]).assert_ok();
    assert!(data(&env, "store").join("f").is_file());
}

#[test]
fn first_use_copies_the_image_content_with_owners() {
    let env = TestEnv::new();
    let out = env.rpod(&[
        "run",
        "--rm",
        "-v",
        "etc:/etc",
        &image("busybox"),
        "cat",
        "/etc/passwd",
    ]);
    out.assert_ok();
    assert!(out.stdout.starts_with("root:x:0:0:"), "{out}");
    assert!(data(&env, "etc").join("passwd").is_file());

    let ml = image("multilayer:latest");
    let out = env.rpod(&[
        "run",
        "--rm",
        "-v",
        "fx:/fixture",
        "-v",
        "dt:/data",
        &ml,
        "sh",
        "-c",
        LISTING_SH,
        "sh",
        "/data",
        "/fixture",
    ]);
    out.assert_ok();
    let want: Vec<String> = expected_multilayer()
        .into_iter()
        .filter(|l| l.contains(" /data") || l.contains(" /fixture"))
        .collect();
    assert_eq!(listing(&out.stdout, ""), want, "{out}");
    // Hard links stay one inode, setuid and the capability survive.
    let out = env.rpod(&[
        "run",
        "--rm",
        "-v",
        "fx:/fixture",
        &ml,
        "sh",
        "-c",
        "stat -c %i /fixture/hard-a /fixture/hard-b | uniq | wc -l; stat -c %a /fixture/setuid",
    ]);
    out.assert_ok();
    assert_eq!(out.stdout_lines(), ["1", "4755"], "{out}");
    let cap = std::process::Command::new("getcap")
        .arg(data(&env, "fx").join("cap-file"))
        .output();
    if let Ok(cap) = cap {
        let text = String::from_utf8_lossy(&cap.stdout);
        assert!(text.contains("cap_net_bind_service"), "getcap: {text}");
    }

    // The copy happens once: what a container deletes stays deleted.
    env.rpod(&[
        "run",
        "--rm",
        "-v",
        "fx:/fixture",
        &ml,
        "rm",
        "/fixture/owned-1000",
    ])
    .assert_ok();
    let out = env.rpod(&[
        "run",
        "--rm",
        "-v",
        "fx:/fixture",
        &ml,
        "ls",
        "/fixture/owned-1000",
    ]);
    assert_ne!(out.code, 0, "{out}");
    let out = env.rpod(&["volume", "inspect", "--format", "{{.NeedsCopyUp}}", "fx"]);
    out.assert_ok();
    assert_eq!(out.stdout, "false\n");

    // nocopy leaves a new volume empty; so does a volume created with -o nocopy.
    let out = env.rpod(&[
        "run",
        "--rm",
        "-v",
        "empty:/fixture:nocopy",
        &ml,
        "ls",
        "-A",
        "/fixture",
    ]);
    out.assert_ok();
    assert_eq!(out.stdout, "", "{out}");
    // The copy is left to the first mount that wants it.
    env.rpod(&[
        "run",
        "--rm",
        "-v",
        "empty:/fixture",
        &ml,
        "ls",
        "/fixture/setuid",
    ])
    .assert_ok();
    env.rpod(&["volume", "create", "-o", "nocopy", "empty2"])
        .assert_ok();
    let out = env.rpod(&[
        "run",
        "--rm",
        "-v",
        "empty2:/fixture",
        &ml,
        "ls",
        "-A",
        "/fixture",
    ]);
    out.assert_ok();
    assert_eq!(out.stdout, "", "{out}");
}

#[test]
fn read_only_volumes_refuse_writes() {
    let env = TestEnv::new();
    let bb = image("busybox");
    env.rpod(&["run", "--rm", "-v", "ro:/data", &bb, "touch", "/data/ok"])
        .assert_ok();
    for spec in [
        &["-v", "ro:/data:ro"][..],
        &["--mount", "type=volume,src=ro,dst=/data,readonly"],
    ] {
        let mut args = vec!["run", "--rm"];
        args.extend_from_slice(spec);
        args.extend_from_slice(&[&bb, "sh", "-c", "cat /data/ok && touch /data/no"]);
        let out = env.rpod(&args);
        assert_eq!(out.code, 1, "{out}");
        assert!(out.stderr.contains("Read-only file system"), "{out}");
    }
    assert!(!data(&env, "ro").join("no").exists());
}

#[test]
fn chown_option_gives_the_content_to_the_container_user() {
    let env = TestEnv::new();
    let ml = image("multilayer:latest");
    // `run --rm -u 1000:1000 -v VOLUME multilayer CMD…`, which must succeed.
    let as_1000 = |volume: &str, cmd: &[&str]| {
        let mut args = vec!["run", "--rm", "-u", "1000:1000", "-v", volume, &ml];
        args.extend_from_slice(cmd);
        let out = env.rpod(&args);
        out.assert_ok();
        out
    };
    for (volume, script) in [
        (
            "mine:/fixture:U",
            "find /fixture -exec stat -c %u:%g {} + | sort -u; touch /fixture/new && echo wrote",
        ),
        // Without U, a new volume at a path the image lacks belongs to the container user.
        (
            "fresh:/newdir",
            "stat -c %u:%g /newdir; touch /newdir/x && echo wrote",
        ),
    ] {
        let out = as_1000(volume, &["sh", "-c", script]);
        assert_eq!(out.stdout_lines(), ["1000:1000", "wrote"], "{out}");
    }
    // ... and the owner of the image's directory where the image has one.
    let out = as_1000(
        "home:/fixture/home-1000",
        &["stat", "-c", "%u:%g %a", "/fixture/home-1000"],
    );
    assert_eq!(out.stdout, "1000:1000 700\n", "{out}");
}

#[test]
fn volumes_in_use_are_not_removed() {
    let env = TestEnv::new();
    let bb = image("busybox");
    // A container that exists (not removed after it ran) uses its volume.
    env.rpod(&["run", "-v", "kept:/data", &bb, "true"])
        .assert_ok();
    env.rpod(&["volume", "create", "unused"]).assert_ok();
    let out = env.rpod(&["volume", "rm", "kept"]);
    out.assert_code(2).assert_one_error_line();
    assert!(
        out.stderr
            .contains("volume kept is being used by the following container(s): "),
        "{out}"
    );
    assert!(data(&env, "kept").is_dir());
    let out = env.rpod(&["volume", "ls", "--filter", "dangling=true", "-q"]);
    assert_eq!(out.stdout, "unused\n", "{out}");

    // A running container too.
    std::thread::scope(|s| {
        let runner = s.spawn(|| {
            env.cmd(&["run", "--rm", "-v", "busy:/x", &bb, "sleep", "4"])
                .timeout(60)
                .run()
        });
        let start = Instant::now();
        loop {
            let out = env.rpod(&["volume", "ls", "--filter", "dangling=false", "-q"]);
            if out.stdout.contains("busy") {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "busy never in use: {out}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        env.rpod(&["volume", "rm", "busy"]).assert_code(2);
        let out = env.rpod(&["volume", "prune", "-f"]);
        out.assert_ok();
        assert_eq!(out.stdout, "unused\n", "{out}");
        runner.join().unwrap().assert_ok();
    });
    let mut left = names(&env);
    left.sort();
    assert_eq!(left, ["busy", "kept"]);
    // Once its container is gone the volume goes.
    env.rpod(&["volume", "rm", "busy"]).assert_ok();
    // --force removes a volume in use.
    // --force removes a volume in use, and the containers using it.
    env.rpod(&["volume", "rm", "-f", "kept"]).assert_ok();
    assert!(names(&env).is_empty());
    let out = env.rpod(&["ps", "-a", "-q"]);
    out.assert_ok();
    assert_eq!(out.stdout, "", "{out}");
}

#[test]
fn prune_asks_first() {
    let env = TestEnv::new();
    env.rpod(&["volume", "create", "--label", "keep=1", "a"])
        .assert_ok();
    env.rpod(&["volume", "create", "b"]).assert_ok();
    let out = env.cmd(&["volume", "prune"]).stdin("n\n").run();
    out.assert_ok();
    assert!(
        out.stdout
            .contains("Are you sure you want to continue? [y/N]"),
        "{out}"
    );
    assert_eq!(names(&env).len(), 2);
    let out = env
        .cmd(&["volume", "prune", "--filter", "label!=keep"])
        .stdin("y\n")
        .run();
    out.assert_ok();
    assert!(out.stdout.ends_with("b\n"), "{out}");
    assert_eq!(names(&env), ["a"]);
    env.rpod(&["volume", "rm", "-a"]).assert_ok();
    assert!(names(&env).is_empty());
}

#[test]
fn anonymous_volumes_go_with_rm() {
    let env = TestEnv::new();
    let bb = image("busybox");
    let out = env.rpod(&[
        "run",
        "--rm",
        "-v",
        "/scratch",
        &bb,
        "sh",
        "-c",
        "touch /scratch/x && ls /scratch",
    ]);
    out.assert_ok();
    assert_eq!(out.stdout, "x\n");
    assert!(names(&env).is_empty(), "--rm removes anonymous volumes");
    // Detached and removed when it exits.
    let out = env.rpod(&["run", "-d", "--rm", "-v", "/scratch", &bb, "true"]);
    out.assert_ok();
    let start = Instant::now();
    while !names(&env).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the monitor keeps the volume"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Kept with its container; `rm -v` takes it along, plain `rm` does not.
    for name in ["a1", "a2"] {
        env.rpod(&[
            "run", "--name", name, "-v", "/scratch", "-v", "named:/n", &bb, "true",
        ])
        .assert_ok();
    }
    let left = names(&env);
    assert_eq!(left.len(), 3, "{left:?}");
    assert_eq!(left.iter().filter(|n| n.len() == 64).count(), 2);
    env.rpod(&["rm", "-v", "a1"]).assert_ok();
    env.rpod(&["rm", "a2"]).assert_ok();
    let left = names(&env);
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(
        left.contains(&"named".to_string()),
        "named volumes stay: {left:?}"
    );
}

/// A one-layer rootfs tarball: busybox as /bin/sh, and `/data/seed`.
fn rootfs_tarball(path: &std::path::Path) {
    let mut b = tar::Builder::new(fs::File::create(path).unwrap());
    let dir = |name: &str| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_size(0);
        (h, name.to_string())
    };
    for d in ["bin", "data"] {
        let (mut h, name) = dir(d);
        b.append_data(&mut h, name, std::io::empty()).unwrap();
    }
    let busybox = fs::read("/bin/busybox").expect("busybox-static at /bin/busybox");
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o755);
    h.set_size(busybox.len() as u64);
    b.append_data(&mut h, "bin/sh", busybox.as_slice()).unwrap();
    let seed = b"from the image\n";
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o644);
    h.set_uid(1000);
    h.set_gid(1000);
    h.set_size(seed.len() as u64);
    b.append_data(&mut h, "data/seed", &seed[..]).unwrap();
    b.finish().unwrap();
}

#[test]
fn image_volumes_become_anonymous_volumes() {
    let env = TestEnv::new();
    let tarball = env.home().join("rootfs.tar");
    rootfs_tarball(&tarball);
    env.rpod(&[
        "import",
        "-q",
        "-c",
        "VOLUME /data",
        tarball.to_str().unwrap(),
        "withvol",
    ])
    .assert_ok();
    let img = "localhost/withvol";
    let out = env.rpod(&[
        "run",
        "--rm",
        img,
        "/bin/sh",
        "-c",
        "cat /data/seed; stat -c %u /data/seed; grep -c ' /data ' /proc/self/mountinfo",
    ]);
    out.assert_ok();
    assert_eq!(out.stdout_lines(), ["from the image", "1000", "1"], "{out}");
    assert!(
        names(&env).is_empty(),
        "--rm takes the anonymous volume along"
    );

    env.rpod(&["run", img, "/bin/sh", "-c", "echo kept > /data/new"])
        .assert_ok();
    let left = names(&env);
    assert_eq!(left.len(), 1, "{left:?}");
    let anon = data(&env, &left[0]);
    assert_eq!(fs::read_to_string(anon.join("new")).unwrap(), "kept\n");
    assert!(anon.join("seed").is_file());

    // A mount of the command line at that path replaces the image's volume.
    env.rpod(&[
        "run",
        "--rm",
        "-v",
        "named:/data",
        img,
        "/bin/sh",
        "-c",
        "cat /data/seed",
    ])
    .assert_ok();
    let mut left = names(&env);
    left.retain(|n| n.len() != 64);
    assert_eq!(left, ["named"]);
    assert_eq!(names(&env).len(), 2);
}

#[test]
fn a_copy_cut_short_is_redone() {
    let env = TestEnv::new();
    env.rpod(&["volume", "create", "v"]).assert_ok();
    // What a `kill -9` during the copy leaves: the staging dir, the content still empty.
    let staging = data(&env, "v").parent().unwrap().join("copy-up");
    fs::create_dir_all(staging.join("half/done")).unwrap();
    fs::write(staging.join("half/done/file"), "partial").unwrap();
    let owner = fs::metadata(env.data_dir()).unwrap();
    for p in ["", "half", "half/done", "half/done/file"] {
        std::os::unix::fs::chown(staging.join(p), Some(owner.uid()), Some(owner.gid())).unwrap();
    }
    let out = env.rpod(&[
        "run",
        "--rm",
        "-v",
        "v:/etc",
        &image("busybox"),
        "ls",
        "/etc",
    ]);
    out.assert_ok();
    assert!(out.stdout_lines().contains(&"passwd"), "{out}");
    assert!(!out.stdout.contains("half"), "{out}");
    assert!(!staging.exists());
}
