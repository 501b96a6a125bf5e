//! Images end to end, as the unprivileged test user against the real test registry:
//! pulls of every fixture with the unpacked trees checked file by file (`pull`),
//! the image commands (`commands`), bad input — unknown names, a registry that
//! is down, a corrupt blob, hostile layer tars, kill -9 mid-pull (`bad_input`) —
//! and concurrent pulls and removals (`concurrency`). Each test has its own
//! [`TestEnv`]; the helpers here are shared by all four.

mod bad_input;
mod commands;
mod concurrency;
mod pull;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::common::{
    expected_multilayer, http_get, listing, Output, TestEnv, LISTING_SH, TEST_USER,
};

/// Seconds one pull of a small fixture may take (debug build, shared 2-core VM).
const PULL_SECS: u64 = 120;
/// Seconds one pull of large:latest (~210 MB) may take.
const LARGE_PULL_SECS: u64 = 300;
/// The fixtures' creation time, 2024-01-01T00:00:00Z.
const FIXTURE_CREATED: i64 = 1_704_067_200;

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The user's store (what `rpod unshare` exports as `$RPOD_STORAGE`).
fn storage(env: &TestEnv) -> PathBuf {
    env.data_dir().join("rpod/storage")
}

/// `rpod pull -q FLAGS… REF`; returns the image id (64 hex digits) it prints.
fn pull(env: &TestEnv, reference: &str, flags: &[&str]) -> String {
    let mut args = vec!["pull", "-q"];
    args.extend_from_slice(flags);
    args.push(reference);
    let out = env.cmd(&args).timeout(PULL_SECS).run();
    out.assert_ok();
    let id = out.stdout.trim().to_string();
    assert!(
        id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "pull -q must print the image id alone\n{out}"
    );
    assert!(out.stderr.is_empty(), "pull -q must be silent\n{out}");
    id
}

/// `rpod pull -q REF`, which must be refused: exit 125 and one error line.
#[track_caller]
fn pull_refused(env: &TestEnv, reference: &str) -> Output {
    let out = env.cmd(&["pull", "-q", reference]).timeout(PULL_SECS).run();
    out.assert_code(125);
    out.assert_one_error_line();
    out
}

/// `rpod image inspect QUERY`, the one object.
fn inspect(env: &TestEnv, query: &str) -> Value {
    let out = env.rpod(&["image", "inspect", query]);
    out.assert_ok();
    let v: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("image inspect is not JSON ({e})\n{out}"));
    let list = v.as_array().expect("image inspect prints an array");
    assert_eq!(list.len(), 1, "{out}");
    list[0].clone()
}

/// The diff ids (hex, bottom first) of an image, from `image inspect`.
fn layers_of(env: &TestEnv, query: &str) -> Vec<String> {
    inspect(env, query)["RootFS"]["Layers"]
        .as_array()
        .expect("RootFS.Layers")
        .iter()
        .map(|l| {
            l.as_str()
                .and_then(|s| s.strip_prefix("sha256:"))
                .expect("layer ids are sha256:…")
                .to_string()
        })
        .collect()
}

/// The names in a directory (empty when it does not exist).
fn dir_names(path: &Path) -> BTreeSet<String> {
    fs::read_dir(path)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A manifest from the test registry: (digest, parsed).
fn registry_manifest(name: &str, reference: &str) -> (String, Value) {
    let (status, body) = http_get(&format!("/v2/{name}/manifests/{reference}")).unwrap();
    assert_eq!(status, 200, "manifest {name}:{reference}: {body}");
    (
        format!("sha256:{}", sha256_hex(body.as_bytes())),
        serde_json::from_str(&body).unwrap(),
    )
}

/// A JSON blob (an image config) from the test registry: (raw text, parsed).
fn registry_blob_json(name: &str, digest: &str) -> (String, Value) {
    let (status, body) = http_get(&format!("/v2/{name}/blobs/{digest}")).unwrap();
    assert_eq!(status, 200, "blob {digest}: {body}");
    let v = serde_json::from_str(&body).unwrap();
    (body, v)
}

/// The first subordinate id of the test user in /etc/subuid or /etc/subgid.
fn first_subid(file: &str) -> u32 {
    let text = fs::read_to_string(file).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{TEST_USER}:")))
        .unwrap_or_else(|| panic!("{TEST_USER} has no range in {file}"));
    line.split(':').nth(1).unwrap().parse().unwrap()
}

/// Checks the invariants a quiet store must keep: nothing left in tmp/ or
/// leases/, every image inspectable with all its layers on disk, and no layer
/// directory that no image uses. Returns the image ids.
#[track_caller]
fn assert_store_consistent(env: &TestEnv) -> BTreeSet<String> {
    let store = storage(env);
    let out = env.rpod(&["images", "-a", "--no-trunc", "-q"]);
    out.assert_ok();
    let ids: BTreeSet<String> = out
        .stdout_lines()
        .iter()
        .map(|l| l.trim_start_matches("sha256:").to_string())
        .collect();
    let mut used = BTreeSet::new();
    for id in &ids {
        let layers = layers_of(env, id);
        for l in &layers {
            assert!(
                store.join("layers").join(l).join("diff").is_dir(),
                "image {id} lists layer {l}, which is not in {}",
                store.display()
            );
        }
        used.extend(layers);
    }
    let on_disk = dir_names(&store.join("layers"));
    assert_eq!(
        on_disk, used,
        "layer dirs on disk (left) differ from the layers images use (right)"
    );
    assert_eq!(
        dir_names(&store.join("tmp")),
        BTreeSet::new(),
        "tmp/ must be empty"
    );
    assert_eq!(
        dir_names(&store.join("leases")),
        BTreeSet::new(),
        "no lease may outlive its pull"
    );
    let image_dirs = dir_names(&store.join("images"));
    assert_eq!(image_dirs, ids, "image dirs on disk differ from `images`");
    ids
}

/// Runs `sh -c SCRIPT sh ARGS…` as root of the store's user namespace.
fn unshare_sh(env: &TestEnv, script: &str, args: &[&str]) -> Output {
    let mut argv = vec!["unshare", "sh", "-c", script, "sh"];
    argv.extend_from_slice(args);
    env.cmd(&argv).timeout(60).run()
}

/// Splits `## name` sections of a script's output.
fn sections(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("## ") {
            current = Some(name.to_string());
            out.insert(name.to_string(), String::new());
        } else if let Some(name) = &current {
            let s: &mut String = out.get_mut(name).unwrap();
            s.push_str(line);
            s.push('\n');
        }
    }
    out
}

/// Mounts the image's layers as overlay sees them (lowerdir top first,
/// `userxattr`) inside `rpod unshare`, and reports the merged tree and what a
/// listing cannot show. Args: the layer ids, bottom first.
const MERGED_SH: &str = r#"set -e
lower=
for id in "$@"; do lower="$RPOD_STORAGE/layers/$id/diff${lower:+:$lower}"; done
m="$HOME/merged"
mkdir -p "$m"
mount -t overlay overlay -o "lowerdir=$lower,userxattr" "$m"
cd "$m"
listing() { LISTING_SH; }
echo '## tree'
listing data dev-fixture fixture
echo '## inodes'
stat -c '%i %h' fixture/hard-a fixture/hard-b
echo '## xattr'
if command -v getfattr >/dev/null 2>&1; then
    getfattr --only-values -n user.rpodtest fixture/xattr-file
else
    python3 -c 'import os, sys; sys.stdout.write(os.getxattr(sys.argv[1], "user.rpodtest").decode())' fixture/xattr-file
fi
echo
echo '## cap'
getcap fixture/cap-file
echo '## links'
readlink fixture/link-rel fixture/link-abs fixture/link-dir
echo '## content'
cat data/keep/a.txt data/gone/new.txt fixture/hard-b
echo '## devices'
ls -A dev-fixture
"#;

/// Checks the merged tree of an image holding multilayer:latest's layers
/// against tests/fixtures/multilayer.expected, file by file, plus hard links,
/// xattrs, the capability, link targets, contents and the skipped device.
#[track_caller]
fn assert_multilayer_tree(env: &TestEnv, query: &str) {
    let layers = layers_of(env, query);
    assert_eq!(layers.len(), 3, "multilayer has three layers");
    let script = MERGED_SH.replace("LISTING_SH", LISTING_SH);
    let args: Vec<&str> = layers.iter().map(String::as_str).collect();
    let out = unshare_sh(env, &script, &args);
    out.assert_ok();
    let s = sections(&out.stdout);
    assert_eq!(
        listing(&s["tree"], ""),
        expected_multilayer(),
        "the merged tree differs from tests/fixtures/multilayer.expected\n{out}"
    );
    let inodes: Vec<&str> = s["inodes"].lines().collect();
    assert_eq!(inodes.len(), 2, "{out}");
    assert_eq!(
        inodes[0], inodes[1],
        "hard-a and hard-b must be one inode\n{out}"
    );
    assert!(inodes[0].ends_with(" 2"), "the inode has two links\n{out}");
    assert_eq!(s["xattr"].trim(), "hello", "user.rpodtest\n{out}");
    assert!(
        s["cap"].contains("cap_net_bind_service") && s["cap"].contains("ep"),
        "security.capability must survive\n{out}"
    );
    assert_eq!(
        s["links"].lines().collect::<Vec<_>>(),
        ["owned-1000", "/data/keep/a.txt", "../data/keep"],
        "{out}"
    );
    assert_eq!(
        s["content"], "keep a, layer 3\nnew in layer 3\nhard linked\n",
        "{out}"
    );
    assert_eq!(s["devices"], "", "the device node must be skipped\n{out}");
}

/// Writes a one-file tarball (a distinct layer per `seed`) into the user's home.
fn seed_tar(env: &TestEnv, seed: usize) -> PathBuf {
    let mut b = tar::Builder::new(Vec::new());
    let data = format!("seed {seed}\n");
    let mut h = tar::Header::new_gnu();
    h.set_path("seed").unwrap();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_cksum();
    b.append(&h, data.as_bytes()).unwrap();
    let path = env.home().join(format!("seed-{seed}.tar"));
    write_user_file(env, &path, &b.into_inner().unwrap());
    path
}

/// Writes a file the test user owns.
fn write_user_file(env: &TestEnv, path: &Path, bytes: &[u8]) {
    fs::write(path, bytes).unwrap();
    let acct = env.dirs(TEST_USER).account;
    std::os::unix::fs::chown(path, Some(acct.uid), Some(acct.gid)).unwrap();
}
