//! `rpod push`, `login` and `logout` against real registries: the plain test
//! registry (127.0.0.1:5000) and the TLS one with htpasswd auth (127.0.0.1:5443,
//! `tests/registry.sh start tls`), and what rootless podman makes of the results.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::common::{expected_multilayer, image, listing, pulled, registry, TestEnv, LISTING_SH};

const TLS_REGISTRY: &str = "127.0.0.1:5443";
const TLS_USER: &str = "rpodtest";
const TLS_PASSWORD: &str = "rpod-secret";

/// A repository name no other test (or earlier run) uses.
fn fresh_repo(what: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "rpodpush/{what}-{}-{}-{nanos:x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Checks once that the TLS registry answers.
fn tls_registry() -> &'static str {
    let out = Command::new("curl")
        .args([
            "-sS",
            "-k",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "5",
        ])
        .arg(format!("https://{TLS_REGISTRY}/v2/"))
        .output()
        .expect("run curl");
    let code = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        code == "401" || code == "200",
        "the TLS test registry on {TLS_REGISTRY} does not answer (got {code:?}): start it with \
         tests/registry.sh start tls (tests/run.sh does)"
    );
    TLS_REGISTRY
}

/// `skopeo inspect [--raw]` of a reference in a test registry, as JSON.
fn skopeo_inspect(reference: &str, raw: bool) -> serde_json::Value {
    let mut cmd = Command::new("skopeo");
    cmd.arg("inspect");
    if raw {
        cmd.arg("--raw");
    }
    if reference.starts_with(TLS_REGISTRY) {
        cmd.arg(format!("--creds={TLS_USER}:{TLS_PASSWORD}"));
    } else {
        cmd.arg("--tls-verify=false");
    }
    let out = cmd
        .arg(format!("docker://{reference}"))
        .output()
        .expect("run skopeo");
    assert!(
        out.status.success(),
        "skopeo inspect {reference}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("skopeo prints JSON")
}

/// Makes rootless podman usable in `env`: containers.conf and storage.conf in
/// the env's config dir, and registries.conf where containers/image looks for
/// it ($HOME/.config, not $XDG_CONFIG_HOME).
fn podman_ready(env: &TestEnv) {
    let config = env.config_dir().join("containers");
    let home_config = env.home().join(".config/containers");
    let registries = fs::read_to_string(config.join("registries.conf")).expect("registries.conf");
    let account = env.dirs(crate::common::TEST_USER).account;
    let chown = |path: &std::path::Path| {
        nix::unistd::chown(
            path,
            Some(nix::unistd::Uid::from_raw(account.uid)),
            Some(nix::unistd::Gid::from_raw(account.gid)),
        )
        .expect("chown podman config");
    };
    fs::create_dir_all(&home_config).expect("create ~/.config/containers");
    chown(&env.home().join(".config"));
    chown(&home_config);
    for (path, text) in [
        (
            config.join("containers.conf"),
            "[engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n",
        ),
        (
            config.join("storage.conf"),
            "[storage]\ndriver = \"overlay\"\n",
        ),
        (home_config.join("registries.conf"), registries.as_str()),
    ] {
        fs::write(&path, text).expect("write podman config");
        chown(&path);
    }
}

fn auth_json(env: &TestEnv) -> std::path::PathBuf {
    env.runtime_dir().join("containers/auth.json")
}

#[test]
fn pushed_image_pulls_back_and_runs_and_digestfile_is_the_registrys() {
    let env = TestEnv::new();
    let src = pulled(&env, "busybox:latest");
    let dest = format!("{}/{}:1", registry(), fresh_repo("roundtrip"));
    let digestfile = env.home().join("digest");
    let out = env
        .cmd(&[
            "push",
            "--force-compression",
            "--digestfile",
            digestfile.to_str().unwrap(),
            &src,
            &dest,
        ])
        .timeout(120)
        .run();
    out.assert_ok();
    assert!(
        out.stdout.is_empty(),
        "push prints nothing on stdout: {out}"
    );
    for line in [
        "Getting image source signatures",
        "Copying blob ",
        "Copying config sha256:",
        "Writing manifest to image destination",
    ] {
        assert!(out.stderr.contains(line), "missing {line:?}: {out}");
    }
    let digest = fs::read_to_string(&digestfile).expect("the digest file");
    let inspected = skopeo_inspect(&dest, false);
    assert_eq!(inspected["Digest"].as_str(), Some(digest.as_str()));

    // A fresh store pulls it and runs it.
    let fresh = TestEnv::new();
    fresh
        .cmd(&["pull", "-q", &dest])
        .timeout(120)
        .run()
        .assert_ok();
    let run = fresh.rpod(&["run", "--rm", &dest, "echo", "pushed and pulled"]);
    run.assert_ok();
    assert_eq!(run.stdout.trim(), "pushed and pulled");
    // Same config, so the same image id on both sides.
    let a = env.rpod(&["image", "inspect", "--format", "{{.Id}}", &src]);
    let b = fresh.rpod(&["image", "inspect", "--format", "{{.Id}}", &dest]);
    assert_eq!(a.stdout, b.stdout);

    // Pushed again, every blob is found in the registry: nothing is uploaded.
    let again = env.cmd(&["push", &src, &dest]).timeout(120).run();
    again.assert_ok();
    assert!(
        again.stderr.contains("skipped: already exists"),
        "second push reuses the blob: {again}"
    );
}

#[test]
fn cross_repository_mount_when_the_image_came_from_the_same_registry() {
    let env = TestEnv::new();
    let src = pulled(&env, "busybox:latest");
    let dest = format!("{}/{}:1", registry(), fresh_repo("mount"));
    let out = env.cmd(&["push", &src, &dest]).timeout(120).run();
    out.assert_ok();
    // The layer blob is the one pulled: mounted from busybox, not uploaded again.
    assert!(out.stderr.contains("skipped: already exists"), "{out}");
    let pulled = skopeo_inspect(&src, true);
    let pushed = skopeo_inspect(&dest, true);
    assert_eq!(pushed["layers"][0]["digest"], pulled["layers"][0]["digest"]);
}

#[test]
fn formats_and_compression_as_skopeo_sees_them() {
    let env = TestEnv::new();
    let src = pulled(&env, "busybox:latest");
    let repo = fresh_repo("formats");
    let reg = registry();

    let v2 = format!("{reg}/{repo}:v2s2");
    env.cmd(&["push", "-q", "--format", "v2s2", &src, &v2])
        .timeout(120)
        .run()
        .assert_ok();
    let m = skopeo_inspect(&v2, true);
    assert_eq!(
        m["mediaType"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    assert_eq!(
        m["config"]["mediaType"],
        "application/vnd.docker.container.image.v1+json"
    );
    assert_eq!(
        m["layers"][0]["mediaType"],
        "application/vnd.docker.image.rootfs.diff.tar.gzip"
    );

    let oci = format!("{reg}/{repo}:oci");
    let out = env.cmd(&["push", "-q", &src, &oci]).timeout(120).run();
    out.assert_ok();
    assert!(out.stderr.is_empty(), "-q prints nothing: {out}");
    let m = skopeo_inspect(&oci, true);
    assert_eq!(m["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(
        m["config"]["mediaType"],
        "application/vnd.oci.image.config.v1+json"
    );
    assert_eq!(
        m["layers"][0]["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+gzip"
    );

    let zstd = format!("{reg}/{repo}:zstd");
    env.cmd(&["push", "-q", "--compression-format", "zstd", &src, &zstd])
        .timeout(120)
        .run()
        .assert_ok();
    let m = skopeo_inspect(&zstd, true);
    assert_eq!(
        m["layers"][0]["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+zstd"
    );
    // Every variant unpacks to the same image.
    let fresh = TestEnv::new();
    for r in [&v2, &oci, &zstd] {
        let out = fresh.rpod(&["run", "--rm", r, "cat", "/etc/group"]);
        out.assert_ok();
        assert!(out.stdout.contains("root:"), "{out}");
    }

    // Docker manifests cannot carry zstd layers.
    let bad = env.rpod(&[
        "push",
        "--format",
        "v2s2",
        "--compression-format",
        "zstd",
        &src,
        &format!("{reg}/{repo}:bad"),
    ]);
    bad.assert_code(125).assert_one_error_line();
    assert!(bad.stderr.contains("--format oci"), "{bad}");
}

#[test]
fn bad_push_input_is_one_line() {
    let env = TestEnv::new();
    let out = env.rpod(&["push", "nosuchimage", &format!("{}/x/y:1", registry())]);
    out.assert_code(125).assert_one_error_line();
    let src = pulled(&env, "busybox:latest");
    let out = env.rpod(&["push", &src, "oci-archive:/tmp/x.tar"]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("rpod save"), "{out}");
    // The registry refuses anonymous pushes: the reason and what to do.
    let out = env.rpod(&["push", &src, &format!("{}/x/y:1", tls_registry())]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("rpod login"), "{out}");
    // Nothing listens there.
    let out = env.rpod(&["push", &src, "127.0.0.1:1/x/y:1"]);
    out.assert_code(125).assert_one_error_line();
}

#[test]
fn podman_runs_what_rpod_pushed() {
    let env = TestEnv::new();
    podman_ready(&env);
    let src = pulled(&env, "multilayer:latest");
    let dest = format!("{}/{}:1", registry(), fresh_repo("interop"));
    // Compressed by rpod, not the blobs the fixture came with.
    env.cmd(&["push", "-q", "--force-compression", &src, &dest])
        .timeout(120)
        .run()
        .assert_ok();
    let script = format!("{LISTING_SH}; cat /data/keep/a.txt");
    let args = [
        "run",
        "--rm",
        &dest,
        "sh",
        "-c",
        &script,
        "sh",
        "/data",
        "/dev-fixture",
        "/fixture",
    ];
    let podman = env.command("podman", &args).timeout(180).run();
    podman.assert_ok();
    let fresh = TestEnv::new();
    let rpod = fresh.cmd(&args).timeout(120).run();
    rpod.assert_ok();
    assert_eq!(podman.stdout, rpod.stdout);
    let tree: String = podman
        .stdout
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(listing(&tree, ""), expected_multilayer());
}

#[test]
fn rpod_runs_what_podman_built_and_pushed() {
    let env = TestEnv::new();
    podman_ready(&env);
    let ctx = env.home().join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(
        ctx.join("Containerfile"),
        format!(
            "FROM {}\nRUN echo built by podman > /msg && mkdir -p /srv && chown 1000:1000 /srv\n\
             CMD [\"sh\", \"-c\", \"cat /msg; stat -c '%u %g' /srv\"]\n",
            image("busybox:latest")
        ),
    )
    .unwrap();
    fs::set_permissions(&ctx, fs::Permissions::from_mode(0o755)).unwrap();
    let dest = format!("{}/{}:1", registry(), fresh_repo("podman-built"));
    env.command(
        "podman",
        &["build", "-q", "-t", &dest, ctx.to_str().unwrap()],
    )
    .timeout(300)
    .run()
    .assert_ok();
    env.command("podman", &["push", "--tls-verify=false", &dest])
        .timeout(180)
        .run()
        .assert_ok();
    let fresh = TestEnv::new();
    let out = fresh.cmd(&["run", "--rm", &dest]).timeout(120).run();
    out.assert_ok();
    assert_eq!(out.stdout, "built by podman\n1000 1000\n");
}

#[test]
fn podman_loads_and_runs_what_rpod_saved() {
    let env = TestEnv::new();
    podman_ready(&env);
    let src = pulled(&env, "busybox:latest");
    let archive = env.home().join("busybox.tar");
    env.rpod(&["save", "-o", archive.to_str().unwrap(), &src])
        .assert_ok();
    let load = env
        .command("podman", &["load", "-i", archive.to_str().unwrap()])
        .timeout(180)
        .run();
    load.assert_ok();
    assert!(load.stdout.contains(&src), "podman names it: {load}");
    let out = env
        .command("podman", &["run", "--rm", &src, "echo", "loaded by podman"])
        .timeout(180)
        .run();
    out.assert_ok();
    assert_eq!(out.stdout.trim(), "loaded by podman");
}

#[test]
fn login_push_pull_logout_against_tls_with_htpasswd() {
    let reg = tls_registry();
    let env = TestEnv::new();
    let auth = auth_json(&env);

    // A wrong password: refused, one line, nothing stored.
    let out = env
        .cmd(&["login", "-u", TLS_USER, "--password-stdin", reg])
        .stdin("wrong\n")
        .run();
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("invalid username/password"), "{out}");
    assert!(!auth.exists(), "nothing stored after a refused login");

    // Verified TLS: the CA comes from /etc/containers/certs.d.
    let out = env
        .cmd(&[
            "login",
            "--tls-verify",
            "-u",
            TLS_USER,
            "--password-stdin",
            reg,
        ])
        .stdin(format!("{TLS_PASSWORD}\n"))
        .run();
    out.assert_ok();
    assert_eq!(out.stdout.trim(), "Login Succeeded!");
    let meta = fs::metadata(&auth).expect("auth.json written");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let doc: serde_json::Value = serde_json::from_str(&fs::read_to_string(&auth).unwrap()).unwrap();
    use base64::Engine as _;
    assert_eq!(
        doc["auths"][reg]["auth"].as_str(),
        Some(
            base64::engine::general_purpose::STANDARD
                .encode(format!("{TLS_USER}:{TLS_PASSWORD}"))
                .as_str()
        )
    );
    let out = env.rpod(&["login", "--get-login", reg]);
    out.assert_ok();
    assert_eq!(out.stdout.trim(), TLS_USER);

    // Push and pull with the stored credentials.
    let src = pulled(&env, "busybox:latest");
    let dest = format!("{reg}/{}:1", fresh_repo("tls"));
    env.cmd(&["push", "-q", "--tls-verify", &src, &dest])
        .timeout(120)
        .run()
        .assert_ok();
    env.rpod(&["rmi", &src]).assert_ok();
    env.cmd(&["pull", "-q", &dest])
        .timeout(120)
        .run()
        .assert_ok();
    let run = env.rpod(&["run", "--rm", &dest, "echo", "over tls"]);
    run.assert_ok();
    assert_eq!(run.stdout.trim(), "over tls");

    // Logout removes them; the registry then refuses.
    let out = env.rpod(&["logout", reg]);
    out.assert_ok();
    assert_eq!(
        out.stdout.trim(),
        format!("Removed login credentials for {reg}")
    );
    let doc: serde_json::Value = serde_json::from_str(&fs::read_to_string(&auth).unwrap()).unwrap();
    assert!(doc["auths"].get(reg).is_none(), "{doc}");
    env.rpod(&["logout", reg])
        .assert_code(125)
        .assert_one_error_line();
    env.rpod(&["login", "--get-login", reg])
        .assert_code(125)
        .assert_one_error_line();
    let fresh = TestEnv::new();
    let out = fresh.cmd(&["pull", "-q", &dest]).timeout(60).run();
    out.assert_code(125).assert_one_error_line();

    // --creds works without any stored login.
    let creds = format!("--creds={TLS_USER}:{TLS_PASSWORD}");
    fresh
        .cmd(&["pull", "-q", &creds, &dest])
        .timeout(120)
        .run()
        .assert_ok();
}

#[test]
fn podman_and_rpod_share_auth_json() {
    let reg = tls_registry();
    let env = TestEnv::new();
    podman_ready(&env);

    // podman logs in; rpod uses that login.
    env.command(
        "podman",
        &["login", "-u", TLS_USER, "--password-stdin", reg],
    )
    .stdin(format!("{TLS_PASSWORD}\n"))
    .timeout(120)
    .run()
    .assert_ok();
    let out = env.rpod(&["login", "--get-login", reg]);
    out.assert_ok();
    assert_eq!(out.stdout.trim(), TLS_USER);
    let src = pulled(&env, "busybox:latest");
    let dest = format!("{reg}/{}:1", fresh_repo("shared"));
    env.cmd(&["push", "-q", &src, &dest])
        .timeout(120)
        .run()
        .assert_ok();

    // rpod logs out; podman sees it.
    env.rpod(&["logout", "--all"]).assert_ok();
    let out = env
        .command("podman", &["login", "--get-login", reg])
        .timeout(60)
        .run();
    assert_ne!(out.code, 0, "podman still logged in: {out}");

    // rpod logs in; podman pulls and runs what rpod pushed.
    env.cmd(&["login", "-u", TLS_USER, "--password-stdin", reg])
        .stdin(TLS_PASSWORD)
        .run()
        .assert_ok();
    let out = env
        .command(
            "podman",
            &["run", "--rm", &dest, "echo", "podman used rpod's login"],
        )
        .timeout(180)
        .run();
    out.assert_ok();
    assert_eq!(out.stdout.trim(), "podman used rpod's login");
}

#[test]
fn login_prompts_on_a_terminal_without_echoing_the_password() {
    let reg = tls_registry();
    let env = TestEnv::new();
    // script(1) gives rpod a terminal; the answers come after the prompts.
    let feed = format!(
        "(sleep 1.5; printf '{TLS_USER}\\n'; sleep 1.5; printf '{TLS_PASSWORD}\\n'; sleep 1) | \
         script -qec '{} login {reg}' /dev/null",
        crate::common::rpod_bin().display()
    );
    let out = env.command("sh", &["-c", &feed]).timeout(60).run();
    out.assert_ok();
    assert!(
        out.stdout.contains(&format!("Username: {TLS_USER}")),
        "{out}"
    );
    assert!(out.stdout.contains("Password: "), "{out}");
    assert!(
        !out.stdout.contains(TLS_PASSWORD),
        "the password was echoed: {out}"
    );
    assert!(out.stdout.contains("Login Succeeded!"), "{out}");
    let out = env.rpod(&["login", "--get-login", reg]);
    out.assert_ok();
    assert_eq!(out.stdout.trim(), TLS_USER);

    // Without a terminal there is no one to ask.
    let out = env.rpod(&["login", "-u", TLS_USER, reg]);
    out.assert_code(125).assert_one_error_line();
    assert!(out.stderr.contains("--password-stdin"), "{out}");
}

#[test]
fn podman_runs_what_rpod_built_both_pushed_and_saved() {
    let env = TestEnv::new();
    podman_ready(&env);
    let ctx = env.home().join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(ctx.join("note.txt"), "copied by rpod\n").unwrap();
    fs::write(
        ctx.join("Containerfile"),
        format!(
            "FROM {}\nRUN echo built by rpod > /msg && mkdir -p /srv && chown 1000:1000 /srv\n\
             COPY --chown=65534:65534 note.txt /srv/note.txt\n\
             RUN rm /bin/vi\n\
             CMD [\"sh\", \"-c\", \"cat /msg /srv/note.txt; stat -c '%u %g' /srv /srv/note.txt; \
             test -e /bin/vi || echo no vi\"]\n",
            image("busybox:latest")
        ),
    )
    .unwrap();
    for p in [ctx.clone(), ctx.join("note.txt"), ctx.join("Containerfile")] {
        let mode = if p.is_dir() { 0o755 } else { 0o644 };
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    }
    let dest = format!("{}/{}:1", registry(), fresh_repo("rpod-built"));
    env.cmd(&["build", "-q", "-t", &dest, ctx.to_str().unwrap()])
        .timeout(300)
        .run()
        .assert_ok();
    let expected = "built by rpod\ncopied by rpod\n1000 1000\n65534 65534\nno vi\n";
    let ours = env.cmd(&["run", "--rm", &dest]).timeout(120).run();
    ours.assert_ok();
    assert_eq!(ours.stdout, expected);

    // Through the registry.
    env.cmd(&["push", "-q", &dest])
        .timeout(180)
        .run()
        .assert_ok();
    let pulled = env
        .command("podman", &["run", "--rm", "--tls-verify=false", &dest])
        .timeout(180)
        .run();
    pulled.assert_ok();
    assert_eq!(pulled.stdout, expected);

    // Through an archive, under another name.
    let archive = env.home().join("built.tar");
    env.rpod(&["save", "-o", archive.to_str().unwrap(), &dest])
        .assert_ok();
    env.command("podman", &["rmi", "-f", &dest])
        .timeout(120)
        .run()
        .assert_ok();
    env.command("podman", &["load", "-i", archive.to_str().unwrap()])
        .timeout(180)
        .run()
        .assert_ok();
    let loaded = env
        .command("podman", &["run", "--rm", &dest])
        .timeout(180)
        .run();
    loaded.assert_ok();
    assert_eq!(loaded.stdout, expected);
}
