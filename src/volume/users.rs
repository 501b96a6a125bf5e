//! Which containers use which volumes, read from the containers' runtime specs
//! (`config.json`): a container binds a volume's `_data` directory, whatever made it
//! and whether it runs or not.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use oci_spec::runtime::Spec;
use serde::Deserialize;

use super::store::{VolumeError, VolumeStore};
use crate::base::remove::UsernsRemover;
use crate::userns::IdMap;

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

/// Every volume in use, with the ids of the containers using it (sorted): read from
/// the specs in the container store beside the volumes
/// (`<root>/containers/<id>/config.json`).
pub fn containers_using(store: &VolumeStore) -> BTreeMap<String, Vec<String>> {
    let mut by_volume: BTreeMap<String, Vec<String>> = BTreeMap::new();
    scan(&store.root().join("containers"), store, &mut by_volume);
    for ids in by_volume.values_mut() {
        ids.sort();
        ids.dedup();
    }
    by_volume
}

fn is_container_id(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

fn scan(dir: &Path, store: &VolumeStore, out: &mut BTreeMap<String, Vec<String>>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let id = entry.file_name().to_string_lossy().into_owned();
        // Not `.tmp-…` and `.removed-…`: containers being made or going away.
        if !is_container_id(&id) {
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

/// The anonymous volumes a container's spec binds: read before the container goes,
/// to be removed with it ([`remove_unused`]).
pub fn anonymous_in_spec(store: &VolumeStore, spec: &Spec) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in spec.mounts().iter().flatten() {
        let Some(name) = m
            .source()
            .as_deref()
            .and_then(|s| store.name_of_data_dir(s))
        else {
            continue;
        };
        if !out.contains(&name) && store.get(&name).is_ok_and(|v| v.anonymous) {
            out.push(name);
        }
    }
    out
}

/// A container's anonymous volumes, noted before it goes and removed after (`--rm`,
/// `rm -v`).
#[derive(Debug)]
pub struct Anonymous {
    store: VolumeStore,
    names: Vec<String>,
}

impl Anonymous {
    /// Those of the container in `container_dir` (`<root>/containers/<id>`, beside
    /// `<root>/volumes`) with this spec.
    pub fn of_container(container_dir: &Path, spec: &Spec) -> Anonymous {
        let store = VolumeStore::beside_container(container_dir);
        let names = anonymous_in_spec(&store, spec);
        Anonymous { store, names }
    }

    /// Removes those no container uses any more (call once the container is gone).
    pub fn remove(self) {
        remove_unused(&self.store, &self.names);
    }
}

/// Removes those of `names` that no container uses any more (the anonymous volumes of
/// a container just removed); the others stay, quietly.
pub fn remove_unused(store: &VolumeStore, names: &[String]) {
    if names.is_empty() {
        return;
    }
    let remover = UsernsRemover {
        map: IdMap::for_current_user(),
    };
    for name in names {
        let result = store.remove(
            name,
            |v| match containers_using(store).remove(&v.name) {
                Some(containers) => Err(VolumeError::InUse {
                    name: v.name.clone(),
                    containers,
                }
                .into()),
                None => Ok(()),
            },
            &remover,
        );
        if let Err(e) = result {
            match e.downcast_ref::<VolumeError>() {
                Some(VolumeError::InUse { .. } | VolumeError::NotFound(_)) => {}
                _ => log::warn!("removing volume {name}: {}", crate::error::one_line(&e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::paths::Paths;

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
    fn anonymous_volumes_go_once_no_container_uses_them() {
        use crate::volume::Volume;
        let root = tempfile::tempdir().unwrap();
        let store = VolumeStore::at(root.path().join("volumes"));
        let mut anon = Volume::new(
            &"a".repeat(64),
            String::new(),
            Default::default(),
            Default::default(),
        );
        anon.anonymous = true;
        store.create(anon, None).unwrap();
        let named = Volume::new(
            "named",
            String::new(),
            Default::default(),
            Default::default(),
        );
        store.create(named, None).unwrap();
        let spec_text = format!(
            r#"{{"ociVersion":"1.0.2","mounts":[
                {{"destination":"/a","type":"bind","source":"{}"}},
                {{"destination":"/n","type":"bind","source":"{}"}}]}}"#,
            store.data_dir(&"a".repeat(64)).display(),
            store.data_dir("named").display()
        );
        let spec: Spec = serde_json::from_str(&spec_text).unwrap();
        // Another container still uses the anonymous volume.
        let other = root.path().join("containers").join("0".repeat(64));
        fs::create_dir_all(&other).unwrap();
        fs::write(other.join("config.json"), &spec_text).unwrap();
        let gone = root.path().join("containers").join("1".repeat(64));
        let a = Anonymous::of_container(&gone, &spec);
        assert_eq!(a.names, ["a".repeat(64)]);
        a.remove();
        assert!(store.exists(&"a".repeat(64)), "in use elsewhere");
        fs::remove_dir_all(&other).unwrap();
        Anonymous::of_container(&gone, &spec).remove();
        assert!(!store.exists(&"a".repeat(64)));
        assert!(store.exists("named"));
    }

    #[test]
    fn containers_are_found_in_the_store() {
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
        let (c1, c2, c3) = ("1".repeat(64), "2".repeat(64), "3".repeat(64));
        for (base, id, vol) in [
            (root.path(), c1.clone(), "web"),
            (root.path(), c2.clone(), "web"),
            (root.path(), c3.clone(), "db"),
            (root.path(), format!(".removed-{}", "4".repeat(64)), "db"),
            (root.path(), format!(".tmp-{}", "5".repeat(64)), "tmp"),
            // The runtime side of a container is not where containers are counted.
            (run.path(), "6".repeat(64), "run"),
        ] {
            let d = base.join("containers").join(id);
            fs::create_dir_all(&d).unwrap();
            fs::write(d.join("config.json"), spec(vol)).unwrap();
        }
        let users = containers_using(&store);
        assert_eq!(users["web"], [c1, c2]);
        assert_eq!(users["db"], [c3]);
        assert_eq!(users.len(), 2);
    }
}
