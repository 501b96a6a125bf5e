//! Which containers use which volumes, read from the containers' runtime specs
//! (`config.json`): a container binds a volume's `_data` directory, whatever made it
//! and whether it runs or not.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::store::VolumeStore;
use crate::store::paths::Paths;

/// The part of a spec that names what is mounted.
#[derive(Deserialize)]
struct SpecMounts {
    #[serde(default)]
    mounts: Vec<SpecMount>,
}

#[derive(Deserialize)]
struct SpecMount {
    #[serde(default)]
    source: Option<PathBuf>,
}

/// The volumes a spec binds, in mount order.
pub fn volumes_in_spec(spec: &[u8], store: &VolumeStore) -> Vec<String> {
    let Ok(parsed) = serde_json::from_slice::<SpecMounts>(spec) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for m in parsed.mounts {
        if let Some(name) = m.source.and_then(|s| store.name_of_data_dir(&s)) {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// Every volume in use, with the ids of the containers using it (sorted). Containers
/// are found where their specs live: the container store under the data root, and
/// the runtime dir of containers run in the foreground.
pub fn containers_using(paths: &Paths, store: &VolumeStore) -> BTreeMap<String, Vec<String>> {
    let mut by_volume: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for dir in [
        paths.root.join("containers"),
        paths.runroot.join("containers"),
    ] {
        scan(&dir, store, &mut by_volume);
    }
    for ids in by_volume.values_mut() {
        ids.sort();
        ids.dedup();
    }
    by_volume
}

fn scan(dir: &Path, store: &VolumeStore, out: &mut BTreeMap<String, Vec<String>>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let id = entry.file_name().to_string_lossy().into_owned();
        // `.tmp-…` and `.removed-…`: containers being made or going away.
        if id.starts_with('.') {
            continue;
        }
        let Ok(spec) = fs::read(entry.path().join("config.json")) else {
            continue;
        };
        for name in volumes_in_spec(&spec, store) {
            out.entry(name).or_default().push(id.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_name_their_volumes() {
        let store = VolumeStore::at("/r/volumes");
        let spec = br#"{"mounts":[
            {"destination":"/proc","type":"proc","source":"proc"},
            {"destination":"/a","type":"bind","source":"/r/volumes/web/_data","options":["rbind"]},
            {"destination":"/b","type":"bind","source":"/host/dir"},
            {"destination":"/c","type":"bind","source":"/r/volumes/db/_data"},
            {"destination":"/d","type":"bind","source":"/r/volumes/web/_data"}
        ]}"#;
        assert_eq!(volumes_in_spec(spec, &store), ["web", "db"]);
        assert!(volumes_in_spec(b"not json", &store).is_empty());
        assert!(volumes_in_spec(b"{}", &store).is_empty());
    }

    #[test]
    fn containers_are_found_in_both_places() {
        let root = tempfile::tempdir().unwrap();
        let run = tempfile::tempdir().unwrap();
        let paths = Paths {
            root: root.path().into(),
            runroot: run.path().into(),
            config_dir: "/nonexistent".into(),
            home: "/nonexistent".into(),
            uid: 1,
            gid: 1,
            rootless: true,
        };
        let store = VolumeStore::open(&paths);
        let spec = |v: &str| {
            format!(
                r#"{{"mounts":[{{"destination":"/x","source":"{}"}}]}}"#,
                store.data_dir(v).display()
            )
        };
        for (base, id, vol) in [
            (root.path(), "c1", "web"),
            (run.path(), "c1", "web"),
            (run.path(), "c2", "web"),
            (run.path(), "c3", "db"),
            (root.path(), ".removed-c4", "db"),
        ] {
            let d = base.join("containers").join(id);
            fs::create_dir_all(&d).unwrap();
            fs::write(d.join("config.json"), spec(vol)).unwrap();
        }
        let users = containers_using(&paths, &store);
        assert_eq!(users["web"], ["c1", "c2"]);
        assert_eq!(users["db"], ["c3"]);
        assert_eq!(users.len(), 2);
    }
}
