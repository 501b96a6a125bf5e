//! Images with more layers than absolute paths fit in one page of mount options:
//! a build of 130 COPY steps (each COPY and the RUN after them mount every layer
//! below), an image copied from by a later build, the image run, and a stopped
//! container of it copied out of.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::common::{busybox, Output, TestEnv};

/// Past Docker's 127-layer limit, and nearly four times what `lowerdir=` of absolute store
/// paths under a home directory fits in a page.
const FILES: usize = 130;

/// Seconds the whole build may take (debug build, shared 2-core VM).
const BUILD_SECS: u64 = 600;

/// A context directory holding `files` and a Containerfile, readable by the test user.
fn context(env: &TestEnv, name: &str, containerfile: &str, files: &[(String, String)]) -> String {
    let dir = env.root().join(name);
    fs::create_dir_all(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(dir.join("Containerfile"), containerfile).unwrap();
    for (path, content) in files {
        fs::write(dir.join(path), content).unwrap();
    }
    dir.to_string_lossy().into_owned()
}

/// `rpod build -q -t TAG CTX`, which must succeed.
fn build(env: &TestEnv, tag: &str, ctx: &str) {
    env.cmd(&["build", "-q", "-t", tag, ctx])
        .timeout(BUILD_SECS)
        .run()
        .assert_ok();
}

/// `cat PATHS…` in a container of `image` without a network, which must succeed.
fn cat_in(env: &TestEnv, image: &str, paths: &[&str]) -> Output {
    let mut args = vec!["run", "--rm", "--network", "none", image, "cat"];
    args.extend_from_slice(paths);
    let out = env.cmd(&args).timeout(120).run();
    out.assert_ok();
    out
}

#[test]
fn an_image_of_130_layers_builds_runs_and_copies_out() {
    let env = TestEnv::new();
    let base = busybox(&env);
    let files: Vec<(String, String)> = (0..FILES)
        .map(|i| (format!("f{i}"), format!("layer {i}\n")))
        .collect();
    let mut cf = format!("FROM {base}\n");
    for (name, _) in &files {
        cf.push_str(&format!("COPY {name} /{name}\n"));
    }
    // A RUN over every layer; `f0` rewritten at the top shadows the base copy.
    let last = FILES - 1;
    cf.push_str(&format!("RUN cat /f0 /f{last} > /ends && echo top > /f0\n"));
    let ctx = context(&env, "many", &cf, &files);
    build(&env, "many", &ctx);

    let out = env.rpod(&[
        "image",
        "inspect",
        "--format",
        "{{len .RootFS.Layers}}",
        "many",
    ]);
    out.assert_ok();
    let layers: usize = out.stdout.trim().parse().unwrap();
    assert!(layers > FILES, "{layers} layers\n{out}");

    // The lowest and highest COPY layers, the RUN's layer, and the shadowing.
    let out = cat_in(&env, "many", &["/f1", &format!("/f{last}"), "/ends", "/f0"]);
    assert_eq!(
        out.stdout_lines(),
        [
            "layer 1",
            &format!("layer {last}"),
            "layer 0",
            &format!("layer {last}"),
            "top"
        ]
    );

    // A later build reads the many-layer image read-only (COPY --from).
    let from = context(
        &env,
        "from",
        &format!("FROM {base}\nCOPY --from=many /ends /f1 /\n"),
        &[],
    );
    build(&env, "picked", &from);
    let out = cat_in(&env, "picked", &["/ends", "/f1"]);
    assert_eq!(
        out.stdout_lines(),
        ["layer 0", &format!("layer {last}"), "layer 1"]
    );

    // A stopped container's filesystem is assembled from every layer for `cp`.
    env.cmd(&[
        "run",
        "--name",
        "stopped",
        "--network",
        "none",
        "many",
        "sh",
        "-c",
        "echo mine > /mine",
    ])
    .timeout(120)
    .run()
    .assert_ok();
    for (src, dst) in [
        (format!("stopped:/f{last}"), "high.txt"),
        ("stopped:/f1".to_string(), "low.txt"),
        ("stopped:/mine".to_string(), "mine.txt"),
    ] {
        env.rpod(&["cp", &src, dst]).assert_ok();
    }
    let home = env.home();
    assert_eq!(
        fs::read_to_string(home.join("high.txt")).unwrap(),
        format!("layer {last}\n")
    );
    assert_eq!(
        fs::read_to_string(home.join("low.txt")).unwrap(),
        "layer 1\n"
    );
    assert_eq!(fs::read_to_string(home.join("mine.txt")).unwrap(), "mine\n");
}
