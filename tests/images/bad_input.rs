//! What must fail cleanly: unknown names, a registry that is down, a blob that
//! does not match its digest, hostile layer tars, invalid references, and a
//! pull killed with SIGKILL.

use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

use crate::common::scratch_registry::{free_port, ScratchRegistry};
use crate::common::{image, registry, rpod_bin};

use super::*;

/// The message of the registry's first error for a request.
fn registry_error_message(path: &str) -> String {
    let (status, body) = http_get(path).unwrap();
    assert!(status >= 400, "{path} answered {status}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["errors"][0]["message"].as_str().unwrap().to_string()
}

#[test]
fn pull_of_an_unknown_image_or_tag_is_125_with_the_registrys_reason() {
    let env = TestEnv::new();
    for (reference, path) in [
        (
            image("nosuchimage:latest"),
            "/v2/nosuchimage/manifests/latest",
        ),
        (
            image("busybox:nosuchtag"),
            "/v2/busybox/manifests/nosuchtag",
        ),
    ] {
        let reason = registry_error_message(path);
        let out = pull_refused(&env, &reference);
        assert!(out.stderr.contains(&reason), "must carry {reason:?}\n{out}");
        assert!(
            out.stderr.contains(&reference),
            "must name the image\n{out}"
        );
    }
    assert_eq!(assert_store_consistent(&env), BTreeSet::new());
}

#[test]
fn pull_from_a_registry_that_is_down_is_125() {
    let env = TestEnv::new();
    let addr = format!("127.0.0.1:{}", free_port());
    let started = Instant::now();
    let out = pull_refused(&env, &format!("{addr}/busybox:latest"));
    assert!(out.stderr.contains(&addr), "must name the registry\n{out}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "retries must give up within 30 s (took {:?})",
        started.elapsed()
    );
    assert_eq!(assert_store_consistent(&env), BTreeSet::new());
}

#[test]
fn pull_of_a_corrupt_blob_fails_and_keeps_nothing() {
    registry();
    let reg = ScratchRegistry::start();
    let env = TestEnv::new();
    // multilayer first: its base layer is busybox:latest's, intact until that case.
    // Its corrupt top layer fails fast while the base may still be unpacking.
    // large:latest then shares the corrupt busybox layer: its four 50 MiB layers
    // must not be kept (nor waited for).
    for (name, tag, corrupt) in [
        ("multilayer", "latest", 2),
        ("busybox", "latest", 0),
        ("large", "latest", 0),
        ("busybox", "plain", 0),
    ] {
        reg.copy_from_test_registry(&format!("{name}:{tag}"));
        let (status, body) = reg.get(&format!("/v2/{name}/manifests/{tag}")).unwrap();
        assert_eq!(status, 200, "{body}");
        let manifest: Value = serde_json::from_str(&body).unwrap();
        let layer = manifest["layers"][corrupt]["digest"]
            .as_str()
            .unwrap()
            .to_string();
        if name != "large" {
            reg.corrupt_blob(&layer);
        }

        let reference = format!("{}/{name}:{tag}", reg.addr());
        let out = pull_refused(&env, &reference);
        assert!(out.stderr.contains(&layer), "must name the digest\n{out}");
        assert!(out.stderr.contains("digest"), "{out}");

        let store = storage(&env);
        assert_eq!(
            dir_names(&store.join("layers")),
            BTreeSet::new(),
            "no layer"
        );
        assert_eq!(dir_names(&store.join("tmp")), BTreeSet::new(), "tmp/ empty");
        assert_eq!(
            dir_names(&store.join("images")),
            BTreeSet::new(),
            "no image"
        );
        assert_eq!(dir_names(&store.join("leases")), BTreeSet::new());
        let out = env.rpod(&["images", "-q"]);
        out.assert_ok();
        assert_eq!(out.stdout, "", "{out}");
    }
    // The store stays usable: the intact copy pulls fine.
    pull(&env, &image("busybox:latest"), &[]);
    assert_store_consistent(&env);
}

/// One entry of a hand-made tar, with names the tar crate refuses to write.
struct Raw {
    path: String,
    kind: tar::EntryType,
    link: String,
    data: &'static [u8],
}

fn raw(path: &str, kind: tar::EntryType, link: &str, data: &'static [u8]) -> Raw {
    Raw {
        path: path.to_string(),
        kind,
        link: link.to_string(),
        data,
    }
}

/// A tar of `entries` with their names byte for byte (GNU long names past 99 bytes).
fn hostile_tar(entries: &[Raw]) -> Vec<u8> {
    fn set(field: &mut [u8], value: &str) {
        let n = value.len().min(field.len() - 1);
        field[..n].copy_from_slice(&value.as_bytes()[..n]);
    }
    fn long(b: &mut tar::Builder<Vec<u8>>, kind: tar::EntryType, value: &str) {
        let mut h = tar::Header::new_gnu();
        set(&mut h.as_old_mut().name, "././@LongLink");
        h.set_entry_type(kind);
        h.set_mode(0o644);
        h.set_size(value.len() as u64 + 1);
        h.set_cksum();
        let mut data = value.as_bytes().to_vec();
        data.push(0);
        b.append(&h, &data[..]).unwrap();
    }
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        if e.path.len() > 99 {
            long(&mut b, tar::EntryType::GNULongName, &e.path);
        }
        if e.link.len() > 99 {
            long(&mut b, tar::EntryType::GNULongLink, &e.link);
        }
        let mut h = tar::Header::new_gnu();
        set(&mut h.as_old_mut().name, &e.path);
        set(&mut h.as_old_mut().linkname, &e.link);
        h.set_entry_type(e.kind);
        h.set_mode(if e.kind.is_dir() { 0o755 } else { 0o644 });
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(FIXTURE_CREATED as u64);
        h.set_size(e.data.len() as u64);
        h.set_cksum();
        b.append(&h, e.data).unwrap();
    }
    b.into_inner().unwrap()
}

#[test]
fn hostile_layer_tars_touch_nothing_outside_the_layer() {
    use tar::EntryType::{Directory as D, Link as H, Regular as F, Symlink as S};
    let env = TestEnv::new();
    let home = env.home();
    let sentinel = home.join("sentinel");
    write_user_file(&env, &sentinel, b"original\n");
    let sentinel_ino = fs::metadata(&sentinel).unwrap().ino();
    let home_abs = home.to_str().unwrap().to_string();
    let home_rel = home_abs.trim_start_matches('/').to_string();
    let climb = "../".repeat(30);
    let evil: &'static [u8] = b"evil\n";

    let cases: Vec<(&str, Vec<Raw>)> = vec![
        (
            "dot-dot",
            vec![raw(&format!("{climb}{home_rel}/sentinel"), F, "", evil)],
        ),
        (
            "dot-dot-new",
            vec![
                raw("a/", D, "", b""),
                raw(
                    &format!("a/{climb}{home_rel}/created-by-layer"),
                    F,
                    "",
                    evil,
                ),
            ],
        ),
        (
            "absolute",
            vec![
                raw(&format!("{home_abs}/sentinel"), F, "", evil),
                raw(&format!("{home_abs}/created-by-layer"), F, "", evil),
            ],
        ),
        (
            "symlink-absolute-then-write",
            vec![
                raw("esc", S, &home_abs, b""),
                raw("esc/sentinel", F, "", evil),
                raw("esc/created-by-layer", F, "", evil),
            ],
        ),
        (
            "symlink-relative-then-write",
            vec![
                raw("up", S, &climb, b""),
                raw(&format!("up/{home_rel}/sentinel"), F, "", evil),
            ],
        ),
        (
            "symlink-then-same-name",
            vec![
                raw("s", S, &format!("{home_abs}/sentinel"), b""),
                raw("s", F, "", evil),
            ],
        ),
        (
            "hardlink-absolute",
            vec![
                raw("hl", H, &format!("{home_abs}/sentinel"), b""),
                raw("hl", F, "", evil),
            ],
        ),
        (
            "hardlink-relative",
            vec![raw("hl", H, &format!("{climb}{home_rel}/sentinel"), b"")],
        ),
        (
            "hardlink-through-symlink",
            vec![
                raw("dir", S, &home_abs, b""),
                raw("hl", H, "dir/sentinel", b""),
                raw("hl", F, "", evil),
            ],
        ),
    ];
    let before = dir_names(&home);
    for (i, (name, entries)) in cases.iter().enumerate() {
        let tar = home.join(format!("hostile-{i}.tar"));
        write_user_file(&env, &tar, &hostile_tar(entries));
        let out = env
            .cmd(&[
                "import",
                "-q",
                tar.to_str().unwrap(),
                &format!("hostile:{i}"),
            ])
            .timeout(PULL_SECS)
            .run();
        match out.code {
            0 => {
                // Neutralised: the entries landed inside the layer.
                let layers = layers_of(&env, &format!("hostile:{i}"));
                assert_eq!(layers.len(), 1, "{name}");
            }
            125 => {
                out.assert_one_error_line();
                assert!(
                    out.stderr.contains("layer entry"),
                    "{name}: unclear error\n{out}"
                );
            }
            _ => panic!("{name}: import must succeed harmlessly or fail with 125\n{out}"),
        }
        assert_eq!(
            fs::read_to_string(&sentinel).unwrap(),
            "original\n",
            "{name}: the sentinel outside the layer was written"
        );
        let meta = fs::metadata(&sentinel).unwrap();
        assert_eq!(
            meta.ino(),
            sentinel_ino,
            "{name}: the sentinel was replaced"
        );
        assert_eq!(
            meta.nlink(),
            1,
            "{name}: a hard link to the sentinel was made"
        );
        assert!(
            !home.join("created-by-layer").exists(),
            "{name}: a file was created outside the layer"
        );
        let mut now = dir_names(&home);
        now.retain(|n| !n.starts_with("hostile-"));
        let mut was = before.clone();
        was.retain(|n| !n.starts_with("hostile-"));
        assert_eq!(now, was, "{name}: the home directory changed");
        assert_eq!(
            dir_names(&storage(&env).join("tmp")),
            BTreeSet::new(),
            "{name}: staging left behind"
        );
    }
    // Imports that failed left no layer behind.
    assert_store_consistent(&env);
}

#[test]
fn invalid_references_are_125_on_one_line() {
    let env = TestEnv::new();
    // `UPPER/case` itself is valid (podman and Docker read UPPER as a registry
    // host and would look it up); these fail before any network access.
    for reference in [
        "a::b",
        "UPPER",
        "127.0.0.1:5000/UPPER/case",
        "busybox@sha256:1234",
        "busybox:bad/tag",
        "",
        "-bad",
    ] {
        let started = Instant::now();
        let out = env.cmd(&["pull", "--", reference]).timeout(30).run();
        out.assert_code(125);
        out.assert_one_error_line();
        assert!(
            out.stderr.to_lowercase().contains("invalid") || out.stderr.contains("lowercase"),
            "{reference:?}\n{out}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{reference:?}: refused only after {:?}",
            started.elapsed()
        );
    }
    assert_eq!(assert_store_consistent(&env), BTreeSet::new());
}

/// Starts `rpod pull -q REF` in its own process group, waits until something
/// appears in `STORE/WAIT_DIR` (a staging dir in `tmp`, a committed layer in
/// `layers`), then SIGKILLs the whole group. Prints `status N` and the number
/// of tmp/ entries left.
const KILL_SH: &str = r#"rpod=$1 ref=$2 store=$3 wait_dir=$4
setsid "$rpod" pull -q "$ref" >/dev/null 2>&1 &
pid=$!
i=0
until [ -n "$(ls -A "$store/$wait_dir" 2>/dev/null)" ]; do
    i=$((i + 1))
    if [ $i -gt 6000 ]; then echo "nothing in $wait_dir after 60 s"; kill -9 -$pid; exit 3; fi
    if ! kill -0 $pid 2>/dev/null; then echo "pull ended first"; exit 4; fi
    sleep 0.01
done
[ "$wait_dir" = tmp ] && sleep 0.5
kill -9 -$pid
wait $pid
status=$?
# The child in the user namespace may still be finishing a syscall (syncfs):
# its locks are released only once it is gone.
i=0
while kill -0 -$pid 2>/dev/null && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done
echo "status $status"
echo "tmp $(ls -A "$store/tmp" | wc -l)"
"#;

fn kill_mid_pull(env: &TestEnv, reference: &str, wait_dir: &str) {
    let store = storage(env);
    let out = env
        .command(
            "sh",
            &[
                "-c",
                KILL_SH,
                "sh",
                rpod_bin().to_str().unwrap(),
                reference,
                store.to_str().unwrap(),
                wait_dir,
            ],
        )
        .timeout(120)
        .run();
    out.assert_ok();
    let lines = out.stdout_lines();
    assert_eq!(
        lines[0], "status 137",
        "the pull must die by SIGKILL\n{out}"
    );
    assert_ne!(
        lines[1], "tmp 0",
        "the kill must leave staging behind\n{out}"
    );
}

#[test]
fn kill_9_mid_pull_then_pull_again_leaves_a_clean_store() {
    let env = TestEnv::new();
    let reference = image("large:latest");
    kill_mid_pull(&env, &reference, "tmp");
    // An image no pull completed is not listed.
    let out = env.rpod(&["images", "-q"]);
    out.assert_ok();
    assert_eq!(out.stdout, "");

    let out = env
        .cmd(&["pull", "-q", &reference])
        .timeout(LARGE_PULL_SECS)
        .run();
    out.assert_ok();
    let id = out.stdout.trim().to_string();
    let ids = assert_store_consistent(&env);
    assert_eq!(ids, BTreeSet::from([id.clone()]));
    assert_eq!(layers_of(&env, &id).len(), 5);
    let out = unshare_sh(
        &env,
        r#"for l in "$@"; do f=$(ls "$RPOD_STORAGE/layers/$l/diff/large" 2>/dev/null) && stat -c %s "$RPOD_STORAGE/layers/$l/diff/large/$f"; done"#,
        &layers_of(&env, &id)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    out.assert_ok();
    assert_eq!(out.stdout_lines(), ["52428800"; 4], "{out}");

    // Killed again with nothing to finish it: prune collects what it left.
    env.rpod(&["rmi", "-a"]).assert_ok();
    kill_mid_pull(&env, &reference, "layers");
    assert!(
        !dir_names(&storage(&env).join("layers")).is_empty(),
        "a committed layer that no image uses yet"
    );
    env.rpod(&["image", "prune", "-f"]).assert_ok();
    assert_eq!(assert_store_consistent(&env), BTreeSet::new());
    assert_eq!(dir_names(&storage(&env).join("layers")), BTreeSet::new());
}
