//! `rpod build` and `rpod commit` end to end, as the unprivileged test user, on
//! the busybox fixture of the test registry: every instruction, then the image
//! run; ownership from `--chown`; ignore files; multi-stage builds; the cache
//! (every step reused on an unchanged rebuild, a changed file rebuilding from
//! its COPY on); and bad input — a failing RUN, syntax errors, a COPY outside
//! the context, a FROM whose ARG has no value.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{busybox, Output, TestEnv};

/// Seconds a build of a small fixture may take (debug build, shared 2-core VM).
const BUILD_SECS: u64 = 300;

/// A build context under the env's root holding `files` (path, content).
fn context(env: &TestEnv, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = env.root().join(name);
    for (path, content) in files {
        let p = dir.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, content).unwrap();
    }
    fs::create_dir_all(&dir).unwrap();
    // Readable by the test user (the env root is root's).
    chmod_tree(&dir);
    dir
}

fn chmod_tree(dir: &Path) {
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            chmod_tree(&e.path());
        }
    }
}

fn build(env: &TestEnv, ctx: &Path, args: &[&str]) -> Output {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    let ctx = ctx.to_string_lossy().into_owned();
    all.push(&ctx);
    env.cmd(&all).timeout(BUILD_SECS).run()
}

/// The image id a successful build printed last.
#[track_caller]
fn built_id(out: &Output) -> String {
    out.assert_ok();
    let id = out.stdout.lines().last().unwrap_or("").trim().to_string();
    assert!(
        id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "the last stdout line is the image id\n{out}"
    );
    id
}

fn run_rm(env: &TestEnv, args: &[&str]) -> Output {
    let mut all = vec!["run", "--rm", "--network", "none"];
    all.extend_from_slice(args);
    env.cmd(&all).timeout(120).run()
}

fn inspect(env: &TestEnv, image: &str) -> Value {
    let out = env.rpod(&["image", "inspect", image]);
    out.assert_ok();
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    v[0].clone()
}

fn image_ids(env: &TestEnv) -> Vec<String> {
    let out = env.rpod(&["images", "-q", "--no-trunc"]);
    out.assert_ok();
    out.stdout.lines().map(str::to_string).collect()
}

/// Entries left in the store's temp dir (staging, scratch dirs).
fn store_tmp(env: &TestEnv) -> Vec<String> {
    let tmp = env.data_dir().join("rpod/storage/tmp");
    fs::read_dir(tmp)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn tar_gz(files: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (path, content) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        b.append_data(&mut h, path, content.as_bytes()).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

#[test]
fn every_instruction_builds_an_image_that_runs() {
    let env = TestEnv::new();
    let base = busybox(&env);
    let containerfile = format!(
        r#"# syntax=docker/dockerfile:1
ARG BASE={base}
FROM ${{BASE}} AS base
MAINTAINER someone@example.com
LABEL org.example.stage="base" other=x
ENV GREETING="hello world" \
    EMPTY=
ARG WHO
ARG COUNT=3
WORKDIR /app
RUN echo "$GREETING from ${{WHO:-nobody}} x$COUNT" > greeting.txt && \
    mkdir -p /data && echo kept > /data/old
RUN ["/bin/sh", "-c", "echo exec-form > /app/exec.txt"]
RUN <<EOF
echo heredoc-ran > /app/heredoc.txt
EOF
COPY hello.txt sub/
COPY --chown=1000:1001 --chmod=640 owned.txt /app/owned.txt
ADD files.tar.gz /app/extracted/
ADD http://{registry}/v2/busybox/tags/list /app/tags.json
COPY <<EOF /app/inline.txt
inline content
EOF
RUN rm /data/old
SHELL ["/bin/sh", "-e", "-c"]
RUN echo "shell ok" > /app/shell.txt
EXPOSE 8080 53/udp
VOLUME /data
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --retries=2 CMD true
ONBUILD RUN echo child
USER 0:0
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /app/greeting.txt /app/exec.txt /app/heredoc.txt /app/sub/hello.txt /app/extracted/inner/x.txt /app/inline.txt /app/shell.txt; grep -c '\"name\":\"busybox\"' /app/tags.json; stat -c '%u:%g %a' /app/owned.txt; ls /data | wc -l"]
"#,
        registry = crate::common::registry()
    );
    let ctx = context(
        &env,
        "ctx-all",
        &[
            ("Containerfile", &containerfile),
            ("hello.txt", "hello file\n"),
            ("owned.txt", "mine\n"),
        ],
    );
    fs::write(
        ctx.join("files.tar.gz"),
        tar_gz(&[("inner/x.txt", "from tarball\n")]),
    )
    .unwrap();
    let out = build(
        &env,
        &ctx,
        &[
            "-t",
            "every:1",
            "-t",
            "every:2",
            "--build-arg",
            "WHO=tests",
            "--label",
            "from.cli=yes",
        ],
    );
    let id = built_id(&out);
    assert!(out.stdout.contains("STEP 1/"), "{out}");
    assert!(out.stdout.contains("COMMIT every:1"), "{out}");
    assert!(
        out.stdout.contains("Successfully tagged localhost/every:1"),
        "{out}"
    );
    assert!(
        out.stdout.contains("Successfully tagged localhost/every:2"),
        "{out}"
    );

    let run = run_rm(&env, &["every:1"]);
    run.assert_ok();
    assert_eq!(
        run.stdout_lines(),
        [
            "hello world from tests x3",
            "exec-form",
            "heredoc-ran",
            "hello file",
            "from tarball",
            "inline content",
            "shell ok",
            "1",
            "1000:1001 640",
            "0",
        ],
        "{run}"
    );

    let img = inspect(&env, "every:2");
    assert_eq!(img["Id"], id.as_str());
    let c = &img["Config"];
    assert_eq!(c["WorkingDir"], "/app");
    assert_eq!(c["User"], "0:0");
    assert_eq!(c["StopSignal"], "SIGTERM");
    assert_eq!(c["Entrypoint"], serde_json::json!(["/bin/sh", "-c"]));
    assert_eq!(c["Labels"]["org.example.stage"], "base");
    assert_eq!(c["Labels"]["other"], "x");
    assert_eq!(c["Labels"]["from.cli"], "yes");
    assert!(c["ExposedPorts"].get("8080/tcp").is_some(), "{c}");
    assert!(c["ExposedPorts"].get("53/udp").is_some(), "{c}");
    assert!(c["Volumes"].get("/data").is_some(), "{c}");
    let env_list: Vec<&str> = c["Env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(env_list.contains(&"GREETING=hello world"), "{env_list:?}");
    assert!(env_list.contains(&"EMPTY="), "{env_list:?}");
    assert!(
        !env_list
            .iter()
            .any(|e| e.starts_with("WHO=") || e.starts_with("COUNT=")),
        "ARGs stay out of the image's env: {env_list:?}"
    );
    assert_eq!(img["Author"], "someone@example.com");

    // HEALTHCHECK, ONBUILD and SHELL are in the stored config.
    let history = env.rpod(&["history", "--no-trunc", "every:1"]);
    history.assert_ok();
    assert!(history.stdout.contains("HEALTHCHECK"), "{history}");
    assert!(
        history.stdout.contains("ONBUILD RUN echo child"),
        "{history}"
    );

    // A child of this image runs the ONBUILD trigger first.
    let child = context(
        &env,
        "ctx-child",
        &[(
            "Containerfile",
            "FROM every:1\nRUN test -f /app/greeting.txt\n",
        )],
    );
    let out = build(&env, &child, &["-t", "child"]);
    built_id(&out);
    assert!(
        out.stdout.contains("child"),
        "the trigger's output shows\n{out}"
    );
}

#[test]
fn ignored_files_stay_out_and_chown_by_name_resolves_in_the_image() {
    let env = TestEnv::new();
    let base = busybox(&env);
    let ctx = context(
        &env,
        "ctx-ignore",
        &[
            (
                "Containerfile",
                &format!("FROM {base}\nCOPY --chown=nobody . /ctx/\nCMD [\"sh\", \"-c\", \"cd /ctx && find . -type f | sort && stat -c '%U' keep.txt\"]\n"),
            ),
            (".dockerignore", "secret*\n**/*.log\n!important.log\n"),
            ("keep.txt", "k\n"),
            ("secret.txt", "s\n"),
            ("dir/trace.log", "l\n"),
            ("important.log", "i\n"),
        ],
    );
    built_id(&build(&env, &ctx, &["-t", "ign"]));
    let run = run_rm(&env, &["ign"]);
    run.assert_ok();
    let lines = run.stdout_lines();
    assert!(lines.contains(&"./keep.txt"), "{run}");
    assert!(lines.contains(&"./important.log"), "{run}");
    assert!(!lines.iter().any(|l| l.contains("secret")), "{run}");
    assert!(!lines.iter().any(|l| l.contains("trace.log")), "{run}");
    assert_eq!(lines.last(), Some(&"nobody"), "{run}");
}

#[test]
fn multi_stage_copy_from_and_target() {
    let env = TestEnv::new();
    let base = busybox(&env);
    let ctx = context(
        &env,
        "ctx-multi",
        &[(
            "Containerfile",
            &format!(
                "FROM {base} AS builder\nRUN mkdir /out && echo built > /out/artifact\n\
                 FROM {base} AS tester\nRUN echo tester > /tested\n\
                 FROM scratch AS final\nCOPY --from=builder /out/artifact /artifact\n\
                 COPY --from=0 /bin/busybox /bin/busybox\nCMD [\"/bin/busybox\", \"cat\", \"/artifact\"]\n"
            ),
        )],
    );
    let out = build(&env, &ctx, &["-t", "multi"]);
    built_id(&out);
    assert!(out.stdout.contains("[1/3] STEP 1/2"), "{out}");
    let run = run_rm(&env, &["multi"]);
    run.assert_ok();
    assert_eq!(run.stdout.trim(), "built", "{run}");
    let img = inspect(&env, "multi");
    assert_eq!(
        img["RootFS"]["Layers"].as_array().unwrap().len(),
        2,
        "{img}"
    );

    let out = build(&env, &ctx, &["-t", "tgt", "--target", "tester"]);
    built_id(&out);
    assert!(
        !out.stdout.contains("[1/2]"),
        "the builder stage is not needed for tester and is skipped\n{out}"
    );
    let run = run_rm(&env, &["tgt", "cat", "/tested"]);
    run.assert_ok();
    assert_eq!(run.stdout.trim(), "tester");
    let out = build(&env, &ctx, &["--target", "nope"]);
    out.assert_code(125).assert_one_error_line();
}

#[test]
fn unchanged_rebuild_uses_the_cache_and_a_changed_file_rebuilds_from_its_copy() {
    let env = TestEnv::new();
    let base = busybox(&env);
    let ctx = context(
        &env,
        "ctx-cache",
        &[
            (
                "Containerfile",
                &format!(
                    "FROM {base}\nENV A=1\nRUN echo one > /one\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copy\nCMD [\"cat\", \"/copy\"]\n"
                ),
            ),
            ("a.txt", "first\n"),
        ],
    );
    let first = build(&env, &ctx, &["-t", "cached"]);
    let id1 = built_id(&first);
    assert!(!first.stdout.contains("Using cache"), "{first}");

    // The RUN's layer holds what it wrote, not the mount points the runtime made.
    let layers = env.data_dir().join("rpod/storage/layers");
    let run_layer = fs::read_dir(&layers)
        .unwrap()
        .flatten()
        .map(|e| e.path().join("diff"))
        .find(|d| d.join("one").exists())
        .expect("the first RUN's layer");
    assert!(
        !run_layer.join("etc/hosts").exists(),
        "{}",
        run_layer.display()
    );
    assert!(!run_layer.join("etc/resolv.conf").exists());

    let again = build(&env, &ctx, &["-t", "cached"]);
    let id2 = built_id(&again);
    assert_eq!(
        id1, id2,
        "an unchanged rebuild gives the same image\n{again}"
    );
    assert_eq!(
        again.stdout.matches("--> Using cache").count(),
        5,
        "every step after FROM comes from the cache\n{again}"
    );

    fs::write(ctx.join("a.txt"), "second\n").unwrap();
    let changed = build(&env, &ctx, &["-t", "cached"]);
    let id3 = built_id(&changed);
    assert_ne!(id3, id1);
    let text = &changed.stdout;
    let copy_at = text.find("COPY a.txt").unwrap();
    assert_eq!(
        text[..copy_at].matches("Using cache").count(),
        2,
        "ENV and the first RUN are cached\n{changed}"
    );
    assert_eq!(
        text[copy_at..].matches("Using cache").count(),
        0,
        "the COPY and what follows run again\n{changed}"
    );
    let run = run_rm(&env, &["cached"]);
    assert_eq!(run.stdout.trim(), "second", "{run}");

    let nocache = build(&env, &ctx, &["--no-cache", "-q"]);
    let id4 = built_id(&nocache);
    assert_eq!(
        nocache.stdout.trim(),
        id4,
        "-q prints the id alone\n{nocache}"
    );
    assert_ne!(id4, id3);

    let unlayered = build(&env, &ctx, &["--layers=false"]);
    built_id(&unlayered);
    assert!(
        !unlayered.stdout.contains("Using cache"),
        "--layers=false builds without the cache\n{unlayered}"
    );
}

#[test]
fn failing_run_shows_its_output_and_status_and_leaves_nothing() {
    let env = TestEnv::new();
    let base = busybox(&env);
    let ctx = context(
        &env,
        "ctx-fail",
        &[(
            "Containerfile",
            &format!("FROM {base}\nRUN echo partial > /partial && echo visible-output && exit 7\n"),
        )],
    );
    let before = image_ids(&env);
    let out = build(&env, &ctx, &["-t", "broken"]);
    out.assert_code(7);
    assert!(out.stdout.contains("visible-output"), "{out}");
    assert!(
        out.stderr.contains("building at STEP \"RUN echo partial")
            && out.stderr.contains("exit status 7"),
        "{out}"
    );
    assert_eq!(image_ids(&env), before, "nothing tagged or added");
    assert!(
        store_tmp(&env).is_empty(),
        "no scratch left: {:?}",
        store_tmp(&env)
    );
    let layers = env.data_dir().join("rpod/storage/layers");
    assert_eq!(
        fs::read_dir(layers).unwrap().count(),
        1,
        "only busybox's layer"
    );
}

#[test]
fn bad_containerfiles_are_refused_with_their_line() {
    let env = TestEnv::new();
    let base = busybox(&env);
    let ctx = context(
        &env,
        "ctx-syntax",
        &[(
            "Containerfile",
            &format!("FROM {base}\nRUN true\nBOGUS thing\n"),
        )],
    );
    let out = build(&env, &ctx, &[]);
    out.assert_code(125).assert_one_error_line();
    assert!(
        out.stderr.contains(":3: unknown instruction: BOGUS"),
        "the line and instruction are named\n{out}"
    );

    let syntax = context(
        &env,
        "ctx-env",
        &[(
            "Containerfile",
            &format!("FROM {base}\n\n# a comment\nENV A=1 \\\n    B\n"),
        )],
    );
    let out = build(&env, &syntax, &[]);
    out.assert_code(125).assert_one_error_line();
    assert!(
        out.stderr.contains(":4: ENV: Syntax error"),
        "a continued instruction is named by its first line\n{out}"
    );

    let outside = context(
        &env,
        "ctx-outside",
        &[(
            "Containerfile",
            &format!("FROM {base}\nCOPY ../ctx-syntax/Containerfile /x\n"),
        )],
    );
    let out = build(&env, &outside, &[]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("outside the build context"), "{out}");

    let noarg = context(
        &env,
        "ctx-noarg",
        &[("Containerfile", "ARG IMAGE\nFROM ${IMAGE}\nRUN true\n")],
    );
    let out = build(&env, &noarg, &[]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("--build-arg"), "{out}");

    let missing = context(
        &env,
        "ctx-never",
        &[("Containerfile", "FROM localhost/not-here:1\nRUN true\n")],
    );
    let out = build(&env, &missing, &["--pull=never"]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("--pull=never"), "{out}");

    let empty = context(&env, "ctx-empty", &[("README", "no containerfile\n")]);
    let out = build(&env, &empty, &[]);
    out.assert_code(125).assert_one_error_line();
}

#[test]
fn stdin_containerfile_build_args_and_iidfile() {
    let env = TestEnv::new();
    let base = busybox(&env);
    let ctx = context(&env, "ctx-stdin", &[("f.txt", "x\n")]);
    let iid = env.home().join("iid");
    let text = format!("FROM {base}\nARG V=default\nRUN echo noisy && echo \"v=$V\" > /v\n");
    let iid_s = iid.to_string_lossy().into_owned();
    let ctx_s = ctx.to_string_lossy().into_owned();
    let out = env
        .cmd(&[
            "build",
            "-q",
            "-f",
            "-",
            "-t",
            "argy",
            "--build-arg",
            "V=given",
            "--iidfile",
            &iid_s,
            &ctx_s,
        ])
        .stdin(text)
        .timeout(BUILD_SECS)
        .run();
    let id = built_id(&out);
    assert_eq!(
        out.stdout.trim(),
        id,
        "-q: the id alone, the step's output too is silenced\n{out}"
    );
    assert_eq!(fs::read_to_string(&iid).unwrap(), format!("sha256:{id}"));
    let run = run_rm(&env, &["argy", "cat", "/v"]);
    assert_eq!(run.stdout.trim(), "v=given", "{run}");
}

#[test]
fn commit_makes_an_image_of_a_containers_changes() {
    let env = TestEnv::new();
    let base = busybox(&env);
    env.cmd(&[
        "run",
        "--name",
        "c1",
        "--network",
        "none",
        &base,
        "sh",
        "-c",
        "echo committed > /marker",
    ])
    .timeout(120)
    .run()
    .assert_ok();
    let out = env.rpod(&[
        "commit",
        "-q",
        "-c",
        "CMD [\"cat\", \"/marker\"]",
        "-c",
        "ENV FROM_COMMIT=1",
        "-c",
        "LABEL made=commit",
        "-m",
        "a message",
        "--author",
        "tester",
        "c1",
        "committed:1",
    ]);
    out.assert_ok();
    let id = out.stdout.trim();
    assert_eq!(id.len(), 64, "{out}");
    let run = run_rm(&env, &["committed:1"]);
    run.assert_ok();
    assert_eq!(run.stdout.trim(), "committed");
    let img = inspect(&env, "committed:1");
    assert_eq!(img["Config"]["Labels"]["made"], "commit");
    assert_eq!(img["Author"], "tester");
    let env_list = img["Config"]["Env"].to_string();
    assert!(env_list.contains("FROM_COMMIT=1"), "{env_list}");
    // A running container, paused for the commit where the host allows it.
    let running = crate::common::run_d(
        &env,
        &[
            "--network",
            "none",
            &base,
            "sh",
            "-c",
            "echo live > /live && sleep 60",
        ],
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    let out = env.rpod(&["commit", "-q", "-p", &running, "live:1"]);
    out.assert_ok();
    let run = run_rm(&env, &["live:1", "cat", "/live"]);
    assert_eq!(run.stdout.trim(), "live", "{run}");
    let state = env.rpod(&["inspect", "--format", "{{.State.Status}}", &running]);
    assert_eq!(
        state.stdout.trim(),
        "running",
        "unpaused after the commit\n{state}"
    );
    env.rpod(&["rm", "-f", "-t", "0", &running]).assert_ok();

    let bad = env.rpod(&["commit", "-c", "RUN true", "c1"]);
    bad.assert_code(125).assert_one_error_line();
    let missing = env.rpod(&["commit", "nosuch"]);
    missing.assert_code(125).assert_one_error_line();
}

#[test]
fn concurrent_builds_share_the_store_safely() {
    let env = TestEnv::new();
    let base = busybox(&env);
    let ctxs: Vec<PathBuf> = (0..4)
        .map(|i| {
            context(
                &env,
                &format!("ctx-par-{i}"),
                &[
                    (
                        "Containerfile",
                        &format!(
                            "FROM {base}\nCOPY n.txt /n.txt\nRUN cat /n.txt > /copy && echo shared > /shared\nCMD [\"cat\", \"/copy\"]\n"
                        ),
                    ),
                    // Two pairs of identical contexts: equal steps race for one cache entry.
                    ("n.txt", &format!("{}\n", i % 2)),
                ],
            )
        })
        .collect();
    let outs: Vec<Output> = std::thread::scope(|s| {
        let handles: Vec<_> = ctxs
            .iter()
            .enumerate()
            .map(|(i, ctx)| {
                let env = &env;
                s.spawn(move || build(env, ctx, &["-t", &format!("par{i}")]))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, out) in outs.iter().enumerate() {
        built_id(out);
        let run = run_rm(&env, &[&format!("par{i}")]);
        assert_eq!(run.stdout.trim(), format!("{}", i % 2), "{run}");
    }
    assert!(store_tmp(&env).is_empty(), "{:?}", store_tmp(&env));
    // Every image's layers are present and each rebuild is all cache now.
    for (i, ctx) in ctxs.iter().enumerate() {
        let again = build(&env, ctx, &["-t", &format!("par{i}")]);
        built_id(&again);
        assert_eq!(again.stdout.matches("Using cache").count(), 3, "{again}");
    }
}

#[test]
fn a_built_image_pushes_and_pulls_back_the_same() {
    let env = TestEnv::new();
    let base = busybox(&env);
    let ctx = context(
        &env,
        "ctx-push",
        &[
            (
                "Containerfile",
                &format!("FROM {base}\nCOPY f.txt /f.txt\nRUN cat /f.txt > /g.txt\nCMD [\"cat\", \"/g.txt\"]\n"),
            ),
            ("f.txt", "pushed content\n"),
        ],
    );
    for compression in ["gzip", "zstd"] {
        let id = built_id(&build(
            &env,
            &ctx,
            &["-t", "topush", "--compression-format", compression],
        ));
        // A repository of this env alone, so parallel runs never meet.
        let leaf = env
            .root()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let dest = format!(
            "{}/rpod-build-tests/{leaf}:{compression}",
            crate::common::registry()
        );
        let mut push = vec!["push", "-q"];
        if compression == "zstd" {
            push.extend(["--compression-format", "zstd"]);
        }
        push.extend(["topush", dest.as_str()]);
        env.cmd(&push).timeout(120).run().assert_ok();
        env.rpod(&["rmi", "-f", "topush", &dest]);
        assert!(!image_ids(&env).contains(&id), "removed before the pull");
        let out = env.cmd(&["pull", "-q", &dest]).timeout(120).run();
        out.assert_ok();
        assert_eq!(out.stdout.trim(), id, "the same image comes back");
        let run = run_rm(&env, &[&dest]);
        assert_eq!(run.stdout.trim(), "pushed content", "{run}");
    }
}

#[test]
fn a_build_killed_mid_run_leaves_a_store_the_next_build_uses() {
    let env = TestEnv::new();
    let base = busybox(&env);
    let ctx = context(
        &env,
        "ctx-kill",
        &[(
            "Containerfile",
            &format!("FROM {base}\nRUN echo started && sleep 20 && echo done > /done\n"),
        )],
    );
    let bin = crate::common::rpod_bin().display().to_string();
    let out = env
        .command(
            "sh",
            &[
                "-c",
                &format!(
                    "{bin} build -t killed {} & pid=$!; sleep 2; kill -KILL $pid; wait $pid",
                    ctx.display()
                ),
            ],
        )
        .timeout(60)
        .run();
    out.assert_code(137);
    assert!(out.stdout.contains("started"), "{out}");
    // The next command's store open removes the killed build's scratch.
    env.rpod(&["images"]).assert_ok();
    assert!(store_tmp(&env).is_empty(), "{:?}", store_tmp(&env));
    env.rpod(&["image", "exists", "killed"]).assert_code(1);
    let fixed = context(
        &env,
        "ctx-kill-2",
        &[(
            "Containerfile",
            &format!("FROM {base}\nRUN echo done > /done\n"),
        )],
    );
    built_id(&build(&env, &fixed, &["-t", "killed"]));
    let run = run_rm(&env, &["killed", "cat", "/done"]);
    assert_eq!(run.stdout.trim(), "done", "{run}");
}
