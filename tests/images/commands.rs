//! The image commands on pulled images: inspect, tag, untag, rmi, prune,
//! history, save/load round trips and import.

use crate::common::{image, registry, rpod_bin};

use super::*;

#[test]
fn image_inspect_reports_podman_fields() {
    let env = TestEnv::new();
    let reference = image("busybox:gzip");
    let id = pull(&env, &reference, &[]);
    let (digest, manifest) = registry_manifest("busybox", "gzip");
    let config_digest = manifest["config"]["digest"].as_str().unwrap();
    let (config_text, config) = registry_blob_json("busybox", config_digest);
    assert_eq!(
        id,
        sha256_hex(config_text.as_bytes()),
        "the id is the config's digest"
    );

    let img = inspect(&env, &reference);
    assert_eq!(img["Id"], id.as_str());
    assert_eq!(img["Digest"], digest.as_str());
    assert_eq!(img["RepoTags"], serde_json::json!([reference]));
    assert_eq!(
        img["RepoDigests"],
        serde_json::json!([format!("{}/busybox@{digest}", registry())])
    );
    assert_eq!(img["Created"], "2024-01-01T00:00:00Z");
    assert_eq!(img["Config"]["Cmd"], config["config"]["Cmd"]);
    assert_eq!(img["Config"]["Env"], config["config"]["Env"]);
    assert_eq!(img["RootFS"]["Type"], "layers");
    assert_eq!(img["RootFS"]["Layers"], config["rootfs"]["diff_ids"]);
    assert_eq!(img["Architecture"], config["architecture"]);
    assert_eq!(img["Os"], "linux");
    assert_eq!(img["History"], config["history"]);
    // Size: the unpacked layer plus config and manifest, as podman counts it.
    let size = img["Size"].as_u64().unwrap();
    let layer_tar = 2_129_920; // the busybox layer's uncompressed tar
    assert!(
        (layer_tar..layer_tar + 10_000).contains(&size),
        "Size {size}"
    );

    // A name by digest is a RepoDigest, not a tag.
    let by_digest = format!("{}/busybox@{digest}", registry());
    assert_eq!(pull(&env, &by_digest, &[]), id);
    let img = inspect(&env, &by_digest);
    assert_eq!(img["RepoTags"], serde_json::json!([reference]));
    assert_eq!(
        img["RepoDigests"],
        serde_json::json!([format!("{}/busybox@{digest}", registry())])
    );

    // By short id, id prefix, short name and with a template.
    for q in [&id[..12], &id[..5], "busybox:gzip"] {
        assert_eq!(inspect(&env, q)["Id"], id.as_str(), "query {q}");
    }
    let out = env.rpod(&[
        "image",
        "inspect",
        "--format",
        "{{.Id}} {{.Os}}/{{.Architecture}}",
        &reference,
    ]);
    out.assert_ok();
    assert_eq!(out.stdout.trim(), format!("{id} linux/amd64"));
    let out = env.rpod(&["image", "inspect", "nosuch:image"]);
    out.assert_code(125);
    assert!(out.stderr.contains("nosuch"), "{out}");
}

#[test]
fn tag_and_untag_names() {
    let env = TestEnv::new();
    let id = pull(&env, &image("busybox:latest"), &[]);
    env.rpod(&["tag", &id[..12], "mybox:v1", "localhost/other:x"])
        .assert_ok();
    let names = |env: &TestEnv| -> BTreeSet<String> {
        inspect(env, &id)["RepoTags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let all = BTreeSet::from([
        image("busybox:latest"),
        "localhost/mybox:v1".to_string(),
        "localhost/other:x".to_string(),
    ]);
    assert_eq!(names(&env), all);
    // Every name finds the same image, short or long.
    for q in ["mybox:v1", "localhost/mybox:v1", "other:x"] {
        assert_eq!(inspect(&env, q)["Id"], id.as_str(), "{q}");
    }
    let out = env.rpod(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    out.assert_ok();
    let listed: BTreeSet<String> = out.stdout_lines().iter().map(|s| s.to_string()).collect();
    assert_eq!(listed, all);

    // One name off.
    env.rpod(&["untag", "mybox:v1", "localhost/mybox:v1"])
        .assert_ok();
    assert_eq!(names(&env).len(), 2);
    assert!(!names(&env).contains("localhost/mybox:v1"));
    // A name the image does not have.
    let out = env.rpod(&["untag", &id, "localhost/nosuch:1"]);
    out.assert_code(125);
    out.assert_one_error_line();
    // Every name off: the image stays, dangling.
    env.rpod(&["untag", &id]).assert_ok();
    assert_eq!(names(&env), BTreeSet::new());
    let out = env.rpod(&["images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"]);
    assert_eq!(out.stdout.trim(), format!("{} <none>:<none>", &id[..12]));

    // Bad input.
    let out = env.rpod(&["tag", "nosuch", "x:y"]);
    out.assert_code(125);
    out.assert_one_error_line();
    let out = env.rpod(&["tag", &id, "Bad:Name"]);
    out.assert_code(125);
    out.assert_one_error_line();
}

#[test]
fn rmi_several_force_all_and_prefixes() {
    let env = TestEnv::new();
    let bb = pull(&env, &image("busybox:latest"), &[]);
    let ml = pull(&env, &image("multilayer:latest"), &[]);
    let ma = pull(&env, &image("multiarch:latest"), &[]);
    env.rpod(&["tag", &bb, "second:name"]).assert_ok();

    // By id, an image with two names needs -f.
    let out = env.rpod(&["rmi", &bb]);
    out.assert_code(125);
    out.assert_one_error_line();
    assert!(out.stderr.contains("force"), "{out}");
    // By one of its names: only that name goes.
    let out = env.rpod(&["rmi", "second:name"]);
    out.assert_ok();
    assert_eq!(out.stdout.trim(), "Untagged: localhost/second:name");
    assert_eq!(inspect(&env, &bb)["Id"], bb.as_str());

    // Several at once, by name and by id prefix; shared layers stay.
    let out = env.rpod(&["rmi", "multilayer", &ma[..8]]);
    out.assert_ok();
    assert!(out.stdout.contains(&format!("Deleted: {ml}")), "{out}");
    assert!(out.stdout.contains(&format!("Deleted: {ma}")), "{out}");
    assert!(
        out.stdout
            .contains(&format!("Untagged: {}", image("multilayer:latest"))),
        "{out}"
    );
    assert_eq!(assert_store_consistent(&env), BTreeSet::from([bb.clone()]));
    assert_eq!(dir_names(&storage(&env).join("layers")).len(), 1);

    // Unknown: exit 1 as podman, the others still removed.
    env.rpod(&["tag", &bb, "again:1"]).assert_ok();
    let out = env.rpod(&["rmi", "nosuch:image", "again:1"]);
    out.assert_code(1);
    assert!(out.stderr.contains("nosuch"), "{out}");
    assert!(out.stdout.contains("Untagged: localhost/again:1"), "{out}");
    env.rpod(&["rmi", "-i", "nosuch:image"]).assert_ok();

    // -f by id removes every name and the image.
    env.rpod(&["tag", &bb, "third:name"]).assert_ok();
    let out = env.rpod(&["rmi", "-f", &bb[..12]]);
    out.assert_ok();
    assert!(out.stdout.contains(&format!("Deleted: {bb}")), "{out}");
    assert_eq!(assert_store_consistent(&env), BTreeSet::new());
    assert_eq!(dir_names(&storage(&env).join("layers")), BTreeSet::new());

    // -a.
    pull(&env, &image("busybox:latest"), &[]);
    pull(&env, &image("multilayer:latest"), &[]);
    let out = env.rpod(&["rmi", "-a"]);
    out.assert_ok();
    assert_eq!(out.stdout.matches("Deleted: ").count(), 2, "{out}");
    assert_eq!(assert_store_consistent(&env), BTreeSet::new());
    assert_eq!(dir_names(&storage(&env).join("layers")), BTreeSet::new());
    let out = env.rpod(&["rmi", "-a", "busybox"]);
    out.assert_code(125);
    out.assert_one_error_line();
}

#[test]
fn rmi_with_an_ambiguous_id_prefix_is_125() {
    let env = TestEnv::new();
    // Imports until two image ids share their first hex digit (at most 17).
    let mut ids: Vec<String> = Vec::new();
    let (a, b) = 'found: loop {
        assert!(ids.len() <= 16, "17 ids always share a first digit");
        let tar = seed_tar(&env, ids.len());
        let out = env
            .cmd(&["import", "-q", tar.to_str().unwrap()])
            .timeout(PULL_SECS)
            .run();
        out.assert_ok();
        let id = out.stdout.trim().trim_start_matches("sha256:").to_string();
        if let Some(other) = ids.iter().find(|o| o[..1] == id[..1]) {
            break 'found (other.clone(), id);
        }
        ids.push(id);
    };
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let prefix = &a[..common];
    for cmd in [&["rmi", prefix][..], &["image", "inspect", prefix]] {
        let out = env.rpod(cmd);
        out.assert_code(125);
        out.assert_one_error_line();
        assert!(out.stderr.contains("ambiguous"), "{out}");
    }
    // Both images are still there; one more digit picks one.
    assert_eq!(inspect(&env, &a)["Id"], a.as_str());
    let out = env.rpod(&["rmi", &a[..common + 1]]);
    out.assert_ok();
    assert!(out.stdout.contains(&format!("Deleted: {a}")), "{out}");
    assert_eq!(inspect(&env, &b)["Id"], b.as_str());
}

#[test]
fn image_prune_removes_dangling_then_all() {
    let env = TestEnv::new();
    let reference = image("multiarch:latest");
    let amd = pull(&env, &reference, &[]);
    let arm = pull(&env, &reference, &["--arch", "arm64"]);
    let bb = pull(&env, &image("busybox:latest"), &[]);
    // amd64 lost its name: dangling.

    // Without -f it asks; "n" keeps everything.
    let out = env.cmd(&["image", "prune"]).stdin("n\n").run();
    out.assert_ok();
    assert!(out.stdout.contains("Are you sure"), "{out}");
    assert_eq!(assert_store_consistent(&env).len(), 3);

    let out = env.cmd(&["image", "prune"]).stdin("y\n").run();
    out.assert_ok();
    assert!(out.stdout.contains(&amd), "{out}");
    let left = assert_store_consistent(&env);
    assert_eq!(left, BTreeSet::from([arm.clone(), bb.clone()]));

    let out = env.rpod(&["image", "prune", "-a", "-f"]);
    out.assert_ok();
    let removed: BTreeSet<&str> = out.stdout_lines().into_iter().collect();
    assert_eq!(
        removed,
        BTreeSet::from([arm.as_str(), bb.as_str()]),
        "{out}"
    );
    assert_eq!(assert_store_consistent(&env), BTreeSet::new());
    assert_eq!(dir_names(&storage(&env).join("layers")), BTreeSet::new());
}

#[test]
fn history_pairs_steps_with_layers() {
    let env = TestEnv::new();
    let id = pull(&env, &image("multilayer:latest"), &[]);
    // busybox:latest's only layer is multilayer's first: podman shows its id there.
    let bb = pull(&env, &image("busybox:latest"), &[]);
    let (_, manifest) = registry_manifest("multilayer", "latest");
    let config_digest = manifest["config"]["digest"].as_str().unwrap();
    let (_, config) = registry_blob_json("multilayer", config_digest);
    let steps: Vec<&str> = config["history"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|h| h["created_by"].as_str().unwrap())
        .collect();

    let out = env.rpod(&["history", &image("multilayer:latest")]);
    out.assert_ok();
    let lines = out.stdout_lines();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["ID", "CREATED", "CREATED", "BY", "SIZE", "COMMENT"],
        "{out}"
    );
    assert_eq!(lines.len(), 1 + steps.len(), "{out}");
    assert!(lines[1].starts_with(&id[..12]), "{out}");
    for (line, step) in lines[1..].iter().zip(&steps) {
        let shown = if step.len() > 45 {
            format!("{}...", &step[..42])
        } else {
            step.to_string()
        };
        assert!(line.contains(&shown), "{step:?} not in {line:?}\n{out}");
    }

    let out = env.rpod(&["history", "--no-trunc", "--format", "json", &id]);
    out.assert_ok();
    let list: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    let by: Vec<&str> = list
        .iter()
        .map(|s| s["CreatedBy"].as_str().unwrap())
        .collect();
    assert_eq!(by, steps);
    assert_eq!(list[0]["id"], id.as_str());
    // Sizes are the layers' uncompressed sizes, newest first.
    let sizes: Vec<u64> = list.iter().map(|s| s["size"].as_u64().unwrap()).collect();
    assert_eq!(sizes[2], 2_129_920, "the busybox layer's tar");
    assert!(sizes.iter().all(|s| *s > 0));

    let out = env.rpod(&["history", "-q", &id]);
    out.assert_ok();
    assert_eq!(out.stdout_lines(), [&id[..12], "<missing>", &bb[..12]]);
    // Without that image the step has no id.
    env.rpod(&["rmi", &bb]).assert_ok();
    let out = env.rpod(&["history", "-q", &id]);
    out.assert_ok();
    assert_eq!(out.stdout_lines(), [&id[..12], "<missing>", "<missing>"]);
    let out = env.rpod(&["history", "nosuch"]);
    out.assert_code(125);
    out.assert_one_error_line();
}

/// Every layer tar inside a docker-archive hashes to its diff id, and the
/// manifest names the image.
/// Asserts that `out`, a load, brought back the image `name` whole: its id, its
/// layers and its tree.
#[track_caller]
fn assert_loaded(env: &TestEnv, out: &Output, name: &str, id: &str, layers: &[String]) {
    out.assert_ok();
    assert_eq!(out.stdout.trim(), format!("Loaded image: {name}"));
    assert_eq!(inspect(env, name)["Id"], id);
    assert_eq!(layers_of(env, name), layers);
    assert_multilayer_tree(env, name);
}

fn check_docker_archive(path: &Path, id: &str, name: &str, diff_ids: &[String]) {
    let mut archive = tar::Archive::new(fs::File::open(path).unwrap());
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let p = entry.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        files.insert(p, data);
    }
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let m = &manifest[0];
    assert_eq!(m["RepoTags"], serde_json::json!([name]));
    let config = m["Config"].as_str().unwrap();
    assert_eq!(sha256_hex(&files[config]), id);
    let layers: Vec<String> = m["Layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| sha256_hex(&files[l.as_str().unwrap()]))
        .collect();
    assert_eq!(layers, diff_ids, "layer tars must hash to the diff ids");
}

#[test]
fn save_and_load_docker_archive_with_files() {
    let env = TestEnv::new();
    let name = image("multilayer:latest");
    let id = pull(&env, &name, &[]);
    let layers = layers_of(&env, &id);
    let file = env.home().join("ml.tar");
    env.cmd(&["save", "-o", file.to_str().unwrap(), &name])
        .timeout(PULL_SECS)
        .run()
        .assert_ok();
    check_docker_archive(&file, &id, &name, &layers);

    env.rpod(&["rmi", "-a"]).assert_ok();
    assert_eq!(dir_names(&storage(&env).join("layers")), BTreeSet::new());
    let out = env
        .cmd(&["load", "-i", file.to_str().unwrap()])
        .timeout(PULL_SECS)
        .run();
    assert_loaded(&env, &out, &name, &id, &layers);
    assert_store_consistent(&env);

    // Nothing half-written is left when save fails.
    let bad = env.home().join("bad.tar");
    let out = env.rpod(&["save", "-o", bad.to_str().unwrap(), "nosuch:image"]);
    out.assert_code(125);
    assert!(!bad.exists());

    // An archive whose second layer was altered: refused, and the first layer,
    // already stored by then, is not kept either.
    env.rpod(&["rmi", "-a"]).assert_ok();
    write_user_file(&env, &bad, &alter_layer(&file, &layers[1]));
    let out = env
        .cmd(&["load", "-i", bad.to_str().unwrap()])
        .timeout(PULL_SECS)
        .run();
    out.assert_code(125);
    out.assert_one_error_line();
    assert!(
        out.stderr.contains(&layers[1]),
        "must name the layer\n{out}"
    );
    assert_eq!(assert_store_consistent(&env), BTreeSet::new());
    assert_eq!(dir_names(&storage(&env).join("layers")), BTreeSet::new());
}

/// A copy of a docker-archive with one byte of file content changed inside
/// the layer tar named `<diff_id>.tar`.
fn alter_layer(archive: &Path, diff_id: &str) -> Vec<u8> {
    let mut out = tar::Builder::new(Vec::new());
    let mut input = tar::Archive::new(fs::File::open(archive).unwrap());
    let mut altered = false;
    for entry in input.entries().unwrap() {
        let mut entry = entry.unwrap();
        let header = entry.header().clone();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        if entry.path().unwrap().to_string_lossy() == format!("{diff_id}.tar") {
            let mut layer = tar::Archive::new(&data[..]);
            let at = layer
                .entries()
                .unwrap()
                .map(|e| e.unwrap())
                .find(|e| e.header().entry_type().is_file() && e.size() > 0)
                .map(|e| e.raw_file_position() as usize)
                .expect("a file with content in the layer");
            data[at] ^= 0x20;
            altered = true;
        }
        out.append(&header, &data[..]).unwrap();
    }
    assert!(altered, "no {diff_id}.tar in the archive");
    out.into_inner().unwrap()
}

#[test]
fn save_and_load_oci_archive_through_pipes() {
    let env = TestEnv::new();
    let name = image("multilayer:latest");
    let id = pull(&env, &name, &[]);
    let layers = layers_of(&env, &id);
    let rpod = rpod_bin().to_str().unwrap();
    let out = env
        .command(
            "sh",
            &[
                "-c",
                r#""$0" save --format oci-archive "$1" > "$HOME/oci.tar""#,
                rpod,
                &name,
            ],
        )
        .timeout(PULL_SECS)
        .run();
    out.assert_ok();
    // An OCI layout: the index names the image, blobs hash to their names.
    let mut archive = tar::Archive::new(fs::File::open(env.home().join("oci.tar")).unwrap());
    let mut blobs = BTreeMap::new();
    let mut index = None;
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let p = entry.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        if p == "index.json" {
            index = Some(serde_json::from_slice::<Value>(&data).unwrap());
        } else if let Some(hex) = p.strip_prefix("blobs/sha256/") {
            if !hex.is_empty() {
                assert_eq!(sha256_hex(&data), hex, "blob {p}");
                blobs.insert(hex.to_string(), data);
            }
        }
    }
    let index = index.expect("index.json");
    let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap();
    let manifest: Value =
        serde_json::from_slice(&blobs[manifest_digest.trim_start_matches("sha256:")]).unwrap();
    assert_eq!(
        manifest["config"]["digest"],
        format!("sha256:{id}").as_str()
    );
    assert_eq!(manifest["layers"].as_array().unwrap().len(), 3);

    env.rpod(&["rmi", "-a"]).assert_ok();
    let out = env
        .command("sh", &["-c", r#""$0" load < "$HOME/oci.tar""#, rpod])
        .timeout(PULL_SECS)
        .run();
    assert_loaded(&env, &out, &name, &id, &layers);

    // save | load in one pipe, onto the present image: a no-op that still succeeds.
    let out = env
        .command("sh", &["-c", r#""$0" save "$1" | "$0" load"#, rpod, &name])
        .timeout(PULL_SECS)
        .run();
    out.assert_ok();
    assert_store_consistent(&env);
}

#[test]
fn import_a_tarball_keeps_owners_and_modes() {
    let env = TestEnv::new();
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |path: &str, kind: tar::EntryType, mode: u32, uid: u64, gid: u64, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_path(path).unwrap();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_uid(uid);
        h.set_gid(gid);
        h.set_mtime(FIXTURE_CREATED as u64);
        h.set_size(data.len() as u64);
        h.set_cksum();
        b.append(&h, data).unwrap();
    };
    add("srv/", tar::EntryType::Directory, 0o750, 33, 44, b"");
    add(
        "srv/app",
        tar::EntryType::Regular,
        0o4755,
        0,
        0,
        b"#!/bin/sh\n",
    );
    add(
        "srv/owned",
        tar::EntryType::Regular,
        0o600,
        1000,
        1001,
        b"mine\n",
    );
    let data = b.into_inner().unwrap();
    let plain = env.home().join("rootfs.tar");
    write_user_file(&env, &plain, &data);

    let out = env
        .cmd(&["import", plain.to_str().unwrap(), "imported:v1"])
        .timeout(PULL_SECS)
        .run();
    out.assert_ok();
    let id = out.stdout.trim().trim_start_matches("sha256:").to_string();
    let img = inspect(&env, "imported:v1");
    assert_eq!(img["Id"], id.as_str());
    assert_eq!(
        img["RepoTags"],
        serde_json::json!(["localhost/imported:v1"])
    );
    assert_eq!(img["Os"], "linux");
    assert_eq!(img["Architecture"], "amd64");
    let layers = layers_of(&env, &id);
    assert_eq!(
        layers,
        [sha256_hex(&data)],
        "the layer is the tarball itself"
    );
    let out = unshare_sh(
        &env,
        r#"cd "$RPOD_STORAGE/layers/$1/diff" && stat -c '%u %g %a %n' srv srv/app srv/owned && cat srv/owned"#,
        &[&layers[0]],
    );
    out.assert_ok();
    assert_eq!(
        out.stdout_lines(),
        [
            "33 44 750 srv",
            "0 0 4755 srv/app",
            "1000 1001 600 srv/owned",
            "mine"
        ],
        "{out}"
    );

    // From standard input, gzip-compressed, with a change applied.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &data).unwrap();
    let out = env
        .cmd(&[
            "import",
            "--change",
            "CMD [\"/srv/app\"]",
            "-q",
            "-",
            "imported:v2",
        ])
        .stdin(gz.finish().unwrap())
        .timeout(PULL_SECS)
        .run();
    out.assert_ok();
    let v2 = inspect(&env, "imported:v2");
    assert_eq!(v2["Config"]["Cmd"], serde_json::json!(["/srv/app"]));
    assert_eq!(layers_of(&env, "imported:v2"), layers, "same layer, shared");
    assert_eq!(dir_names(&storage(&env).join("layers")).len(), 1);
    assert_store_consistent(&env);
}
