//! Pulls of every fixture: gzip, zstd, plain, multi-platform and multi-layer,
//! each into an empty store, with the unpacked trees checked file by file.

use std::os::unix::fs::MetadataExt;

use crate::common::{image, registry, NOSUB_USER};

use super::*;

/// Pulls one busybox variant into an empty store (so its blob is really
/// downloaded and unpacked) and checks the tree against the host's busybox.
fn check_busybox_pull(tag: &str, media_type: &str) {
    let env = TestEnv::new();
    let (digest, manifest) = registry_manifest("busybox", tag);
    assert_eq!(
        manifest["layers"][0]["mediaType"], media_type,
        "fixture busybox:{tag} is not {media_type}"
    );
    // Plain progress lines when stderr is not a terminal.
    let out = env
        .cmd(&["pull", &image(&format!("busybox:{tag}"))])
        .timeout(PULL_SECS)
        .run();
    out.assert_ok();
    let blob = manifest["layers"][0]["digest"].as_str().unwrap();
    for want in [
        format!("Trying to pull {}", image(&format!("busybox:{tag}"))),
        format!("Copying blob {blob}"),
        "Writing manifest to image destination".to_string(),
    ] {
        assert!(out.stderr.contains(&want), "missing {want:?}\n{out}");
    }
    let id = out.stdout.trim();
    let img = inspect(&env, id);
    assert_eq!(img["Digest"], digest.as_str());

    let layers = layers_of(&env, id);
    assert_eq!(layers.len(), 1);
    let out = unshare_sh(
        &env,
        r#"d="$RPOD_STORAGE/layers/$1/diff"
sha256sum "$d/bin/busybox" | cut -d' ' -f1
readlink "$d/bin/sh"
stat -c '%u %g %a' "$d/bin/busybox" "$d/tmp" "$d/root" "$d/home/tester"
"$d/bin/busybox" true && echo runs"#,
        &[&layers[0]],
    );
    out.assert_ok();
    let host = sha256_hex(&fs::read("/bin/busybox").unwrap());
    assert_eq!(
        out.stdout_lines(),
        [
            host.as_str(),
            "busybox",
            "0 0 755",
            "0 0 1777",
            "0 0 700",
            "1000 1000 755",
            "runs"
        ],
        "busybox:{tag} unpacked wrong\n{out}"
    );
    // Owners on the host: container 1000 is the user's 1000th subordinate id.
    let home = storage(&env)
        .join("layers")
        .join(&layers[0])
        .join("diff/home/tester");
    let meta = fs::symlink_metadata(&home).unwrap();
    assert_eq!(meta.uid(), first_subid("/etc/subuid") + 999);
    assert_eq!(meta.gid(), first_subid("/etc/subgid") + 999);
    assert_store_consistent(&env);
}

#[test]
fn pull_gzip_fixture() {
    check_busybox_pull("gzip", "application/vnd.oci.image.layer.v1.tar+gzip");
}

#[test]
fn pull_zstd_fixture() {
    check_busybox_pull("zstd", "application/vnd.oci.image.layer.v1.tar+zstd");
}

#[test]
fn pull_plain_fixture() {
    check_busybox_pull("plain", "application/vnd.oci.image.layer.v1.tar");
}

#[test]
fn pull_again_skips_present_layers() {
    let env = TestEnv::new();
    let first = pull(&env, &image("multilayer:latest"), &[]);
    let layers = storage(&env).join("layers");
    let before: Vec<(String, u64)> = dir_names(&layers)
        .into_iter()
        .map(|l| {
            let ino = fs::metadata(layers.join(&l)).unwrap().ino();
            (l, ino)
        })
        .collect();
    let out = env
        .cmd(&["pull", &image("multilayer:latest")])
        .timeout(PULL_SECS)
        .run();
    out.assert_ok();
    assert_eq!(out.stdout.trim(), first);
    assert_eq!(
        out.stderr.matches("skipped: already exists").count(),
        3,
        "every layer is present\n{out}"
    );
    let after: Vec<(String, u64)> = dir_names(&layers)
        .into_iter()
        .map(|l| {
            let ino = fs::metadata(layers.join(&l)).unwrap().ino();
            (l, ino)
        })
        .collect();
    assert_eq!(before, after, "present layers must not be rewritten");
    // busybox:latest shares the base layer: nothing to download.
    let out = env
        .cmd(&["pull", &image("busybox:latest")])
        .timeout(PULL_SECS)
        .run();
    out.assert_ok();
    assert!(out.stderr.contains("skipped: already exists"), "{out}");
    assert_eq!(dir_names(&layers).len(), 3);
    assert_store_consistent(&env);
}

/// The content of /platform in an image of multiarch:latest.
fn platform_file(env: &TestEnv, id: &str) -> String {
    let layers = layers_of(env, id);
    let top = layers.last().unwrap();
    let out = unshare_sh(
        env,
        r#"cat "$RPOD_STORAGE/layers/$1/diff/platform""#,
        &[top],
    );
    out.assert_ok();
    out.stdout.trim().to_string()
}

#[test]
fn pull_multiarch_picks_the_platform() {
    let env = TestEnv::new();
    let reference = image("multiarch:latest");
    assert_eq!(
        std::env::consts::ARCH,
        "x86_64",
        "this test expects an amd64 host"
    );
    let amd = pull(&env, &reference, &[]);
    assert_eq!(platform_file(&env, &amd), "amd64");
    assert_eq!(inspect(&env, &amd)["Architecture"], "amd64");

    let arm = pull(&env, &reference, &["--arch", "arm64"]);
    assert_ne!(arm, amd);
    assert_eq!(platform_file(&env, &arm), "arm64");
    let img = inspect(&env, &arm);
    assert_eq!(img["Architecture"], "arm64");
    assert_eq!(img["Os"], "linux");
    // The name moved to the arm64 image; the amd64 one is dangling now.
    assert_eq!(inspect(&env, &reference)["Id"], arm.as_str());
    assert_eq!(inspect(&env, &amd)["RepoTags"], Value::Array(vec![]));

    let again = pull(&env, &reference, &["--platform", "linux/arm64"]);
    assert_eq!(again, arm, "--platform linux/arm64 is --arch arm64");
    let again = pull(&env, &reference, &["--platform", "linux/amd64"]);
    assert_eq!(again, amd);
    assert_eq!(platform_file(&env, &again), "amd64");
    assert_store_consistent(&env);
}

#[test]
fn pull_of_an_absent_platform_names_the_available_ones() {
    let env = TestEnv::new();
    for flags in [&["--platform", "linux/s390x"][..], &["--arch", "riscv64"]] {
        let mut args = vec!["pull"];
        args.extend_from_slice(flags);
        let reference = image("multiarch:latest");
        args.push(&reference);
        let out = env.cmd(&args).timeout(PULL_SECS).run();
        out.assert_code(125);
        let last = out.stderr_lines().last().copied().unwrap_or_default();
        assert!(last.starts_with("Error: "), "{out}");
        for platform in ["linux/amd64", "linux/arm64"] {
            assert!(last.contains(platform), "must name {platform}\n{out}");
        }
        assert!(
            last.contains(flags[1].trim_start_matches("linux/")),
            "must name what was asked\n{out}"
        );
    }
    assert_eq!(assert_store_consistent(&env), BTreeSet::new());
}

#[test]
fn images_lists_in_podman_shapes() {
    let env = TestEnv::new();
    let bb = pull(&env, &image("busybox:gzip"), &[]);
    let ml = pull(&env, &image("multilayer:latest"), &[]);
    let (bb_digest, _) = registry_manifest("busybox", "gzip");
    let (ml_digest, _) = registry_manifest("multilayer", "latest");
    let rows = [
        (format!("{}/busybox", registry()), "gzip", &bb, &bb_digest),
        (
            format!("{}/multilayer", registry()),
            "latest",
            &ml,
            &ml_digest,
        ),
    ];

    // The table.
    let out = env.rpod(&["images"]);
    out.assert_ok();
    let lines = out.stdout_lines();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"],
        "{out}"
    );
    assert_eq!(lines.len(), 3, "{out}");
    let col = |name: &str| lines[0].find(name).unwrap();
    for (repo, tag, id, _) in &rows {
        let line = lines
            .iter()
            .find(|l| l.starts_with(&format!("{repo} ")))
            .unwrap_or_else(|| panic!("no row for {repo}\n{out}"));
        assert_eq!(line[col("TAG")..].split_whitespace().next(), Some(*tag));
        assert_eq!(&line[col("IMAGE ID")..col("IMAGE ID") + 12], &id[..12]);
        assert!(line[col("CREATED")..].contains(" ago"), "{out}");
        assert!(
            line.trim_end().ends_with(" MB") || line.trim_end().ends_with(" kB"),
            "{out}"
        );
    }

    // -q: short ids, one per image.
    let out = env.rpod(&["images", "-q"]);
    out.assert_ok();
    let got: BTreeSet<&str> = out.stdout_lines().into_iter().collect();
    assert_eq!(got, BTreeSet::from([&bb[..12], &ml[..12]]), "{out}");
    assert_eq!(out.stdout_lines().len(), 2);

    // JSON.
    let out = env.rpod(&["images", "--format", "json"]);
    out.assert_ok();
    let list: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(list.len(), 2, "{out}");
    for (repo, tag, id, digest) in &rows {
        let item = list
            .iter()
            .find(|i| i["Id"] == id.as_str())
            .unwrap_or_else(|| panic!("no JSON item for {id}\n{out}"));
        assert_eq!(item["Names"], serde_json::json!([format!("{repo}:{tag}")]));
        assert_eq!(item["Digest"], digest.as_str());
        assert_eq!(
            item["RepoDigests"],
            serde_json::json!([format!("{repo}@{digest}")])
        );
        assert_eq!(item["Created"], FIXTURE_CREATED);
        assert_eq!(item["Size"], inspect(&env, id)["Size"]);
        assert!(item["Size"].as_u64().unwrap() > 1_000_000);
    }

    // A Go template.
    let out = env.rpod(&["images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"]);
    out.assert_ok();
    let got: BTreeSet<String> = out.stdout_lines().iter().map(|s| s.to_string()).collect();
    let want: BTreeSet<String> = rows
        .iter()
        .map(|(repo, tag, id, _)| format!("{} {repo}:{tag}", &id[..12]))
        .collect();
    assert_eq!(got, want, "{out}");

    // --digests adds the column after TAG.
    let out = env.rpod(&["images", "--digests"]);
    out.assert_ok();
    let lines = out.stdout_lines();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "REPOSITORY",
            "TAG",
            "DIGEST",
            "IMAGE",
            "ID",
            "CREATED",
            "SIZE"
        ],
        "{out}"
    );
    for (repo, _, _, digest) in &rows {
        let line = lines.iter().find(|l| l.starts_with(repo.as_str())).unwrap();
        let at = lines[0].find("DIGEST").unwrap();
        assert_eq!(line[at..].split_whitespace().next(), Some(digest.as_str()));
    }

    // --no-trunc: full ids with their algorithm.
    let out = env.rpod(&["images", "--no-trunc"]);
    out.assert_ok();
    for (repo, _, id, _) in &rows {
        let line = out
            .stdout_lines()
            .into_iter()
            .find(|l| l.starts_with(repo.as_str()))
            .unwrap();
        assert!(line.contains(&format!(" sha256:{id} ")), "{out}");
    }
}

#[test]
fn multilayer_tree_matches_the_expected_listing() {
    let env = TestEnv::new();
    let id = pull(&env, &image("multilayer:latest"), &[]);
    assert_multilayer_tree(&env, &id);

    // On the host, owners are the user's subordinate ids.
    let layers = layers_of(&env, &id);
    let diff = storage(&env).join("layers").join(&layers[1]).join("diff");
    let (uid0, gid0) = (first_subid("/etc/subuid"), first_subid("/etc/subgid"));
    let owner = |p: &str| {
        let m = fs::symlink_metadata(diff.join(p)).unwrap();
        (m.uid(), m.gid(), m.mode() & 0o7777)
    };
    assert_eq!(owner("fixture/owned-1000"), (uid0 + 999, gid0 + 999, 0o644));
    assert_eq!(
        owner("fixture/owned-nobody"),
        (uid0 + 65533, gid0 + 65533, 0o640)
    );
    let me = env.dirs(TEST_USER).account;
    assert_eq!(owner("fixture/setuid"), (me.uid, me.gid, 0o4755));
    // The layer that whites out: its markers are there for overlay, not as files.
    let top = storage(&env).join("layers").join(&layers[2]).join("diff");
    assert!(!top.join("data/.wh.remove-me").exists());
    assert!(!top.join("data/gone/.wh..wh..opq").exists());
}

#[test]
fn pull_without_subordinate_ids_gives_other_owners_to_root() {
    let env = TestEnv::new();
    let out = env
        .cmd(&["pull", "-q", &image("multilayer:latest")])
        .user(NOSUB_USER)
        .timeout(PULL_SECS)
        .run();
    out.assert_ok();
    assert!(
        out.stderr.contains("no subordinate ids") && out.stderr.contains("root's inside"),
        "the cost must be said\n{out}"
    );
    let script = MERGED_SH.replace("LISTING_SH", LISTING_SH);
    let layers: Vec<String> = {
        let out = env
            .cmd(&["image", "inspect", &image("multilayer:latest")])
            .user(NOSUB_USER)
            .run();
        out.assert_ok();
        let v: Value = serde_json::from_str(&out.stdout).unwrap();
        v[0]["RootFS"]["Layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                l.as_str()
                    .unwrap()
                    .trim_start_matches("sha256:")
                    .to_string()
            })
            .collect()
    };
    let mut argv = vec!["unshare", "sh", "-c", &script, "sh"];
    argv.extend(layers.iter().map(String::as_str));
    let out = env.cmd(&argv).user(NOSUB_USER).run();
    out.assert_ok();
    // The same tree, every owner root, every mode kept.
    let want: Vec<String> = expected_multilayer()
        .iter()
        .map(|row| {
            let rest: Vec<&str> = row.splitn(3, ' ').collect();
            format!("0 0 {}", rest[2])
        })
        .collect();
    assert_eq!(listing(&sections(&out.stdout)["tree"], ""), want, "{out}");
}
