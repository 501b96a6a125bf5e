//! Writing credentials: the `auths` map of podman's `auth.json` (the same file
//! and format, so podman reads what `rpod login` stored and the other way round).
//!
//! Entries are `{"auths": {"KEY": {"auth": base64("user:password")}}}` where KEY
//! is a registry host (`127.0.0.1:5443`) or a narrower `host/namespace/repo`.
//! Every other field of the file (credential helpers, entries for other keys,
//! things rpod does not know) is kept as it was. The file is replaced
//! atomically, mode 0600, its directory created 0700.

use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::{Map, Value};
use thiserror::Error;

use super::auth::{AuthEnv, AuthError, AuthFiles, Credentials};
use crate::base::atomic;

#[derive(Debug, Error)]
pub enum AuthFileError {
    #[error("cannot read auth file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("auth file {path} is not valid JSON ({message}): fix or remove it")]
    Parse { path: PathBuf, message: String },
    #[error("cannot write auth file {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{0:?} is not a registry: give HOST[:PORT][/NAMESPACE…] without a tag or digest")]
    BadKey(String),
}

/// Where `login` stores and `logout` removes: `--authfile`, else
/// `$REGISTRY_AUTH_FILE`, else `$XDG_RUNTIME_DIR/containers/auth.json`
/// (`/run/containers/UID/auth.json` without a runtime dir), as podman.
pub fn write_path(env: &AuthEnv) -> PathBuf {
    if let Some(p) = env.authfile.as_ref().or(env.registry_auth_file.as_ref()) {
        return p.clone();
    }
    match &env.xdg_runtime_dir {
        Some(dir) => dir.join("containers/auth.json"),
        None => PathBuf::from(format!("/run/containers/{}/auth.json", env.uid)),
    }
}

/// The key a registry argument is stored under: `https://` and a trailing `/`
/// dropped, `docker.io` for Docker Hub's other names.
pub fn normalize_key(input: &str) -> Result<String, AuthFileError> {
    let bad = || AuthFileError::BadKey(input.to_string());
    let s = input
        .strip_prefix("https://")
        .or_else(|| input.strip_prefix("http://"))
        .unwrap_or(input)
        .trim_end_matches('/');
    if s.is_empty() || s.contains('@') || s.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let (host, rest) = match s.split_once('/') {
        Some((h, r)) => (h, Some(r)),
        None => (s, None),
    };
    if host.is_empty() || rest.is_some_and(|r| r.contains(':') || r.split('/').any(str::is_empty)) {
        return Err(bad());
    }
    let host = match host {
        "index.docker.io" | "registry-1.docker.io" => "docker.io",
        h => h,
    };
    Ok(match rest {
        Some(r) => format!("{host}/{r}"),
        None => host.to_string(),
    })
}

/// The registry host of a key (`host/ns/repo` → `host`).
pub fn key_host(key: &str) -> &str {
    key.split('/').next().unwrap_or(key)
}

fn read(path: &Path) -> Result<Map<String, Value>, AuthFileError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Map::new()),
        Err(source) => {
            return Err(AuthFileError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(AuthFileError::Parse {
            path: path.to_path_buf(),
            message: "the top level is not an object".into(),
        }),
        Err(e) => Err(AuthFileError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
    }
}

fn write(path: &Path, doc: &Map<String, Value>) -> Result<(), AuthFileError> {
    let werr = |source| AuthFileError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(werr)?;
    }
    // Tab-indented, as podman writes it.
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"\t");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(doc, &mut ser).map_err(|e| werr(io::Error::other(e)))?;
    out.push(b'\n');
    atomic::write_mode(path, &out, 0o600).map_err(werr)
}

/// Stores `username`/`password` under `key`, replacing what was there.
/// The credentials stored for `key` (`host[/repository]`): anonymous when there is
/// no auth file at all.
pub fn stored_credentials(env: &AuthEnv, key: &str) -> Result<Credentials, AuthError> {
    let host = key_host(key);
    let repo = key.strip_prefix(host).unwrap_or("").trim_start_matches('/');
    let files = match AuthFiles::find(env) {
        Ok(f) => f,
        Err(AuthError::Missing { .. }) => return Ok(Credentials::Anonymous),
        Err(e) => return Err(e),
    };
    files.lookup(host, repo)
}

pub fn store(path: &Path, key: &str, username: &str, password: &str) -> Result<(), AuthFileError> {
    let mut doc = read(path)?;
    let auths = doc
        .entry("auths")
        .or_insert_with(|| Value::Object(Map::new()));
    if !auths.is_object() {
        *auths = Value::Object(Map::new());
    }
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    if let Value::Object(map) = auths {
        map.insert(key.to_string(), serde_json::json!({ "auth": encoded }));
    }
    write(path, &doc)
}

/// Removes the entry for `key`; `false` if there was none.
pub fn remove(path: &Path, key: &str) -> Result<bool, AuthFileError> {
    let mut doc = read(path)?;
    let removed = match doc.get_mut("auths") {
        Some(Value::Object(map)) => map.remove(key).is_some(),
        _ => false,
    };
    if removed {
        write(path, &doc)?;
    }
    Ok(removed)
}

/// Removes every stored credential (the `auths` map); the file stays.
pub fn remove_all(path: &Path) -> Result<(), AuthFileError> {
    let mut doc = read(path)?;
    if doc.is_empty() && !path.exists() {
        return Ok(());
    }
    doc.insert("auths".into(), Value::Object(Map::new()));
    write(path, &doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::registry::auth::{AuthFiles, Credentials};
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn keys() {
        assert_eq!(normalize_key("127.0.0.1:5443").unwrap(), "127.0.0.1:5443");
        assert_eq!(normalize_key("https://quay.io/").unwrap(), "quay.io");
        assert_eq!(normalize_key("quay.io/ns/app").unwrap(), "quay.io/ns/app");
        assert_eq!(normalize_key("index.docker.io").unwrap(), "docker.io");
        for bad in ["", "quay.io/ns/app:1", "a b", "x@sha256:00", "quay.io//x"] {
            assert!(normalize_key(bad).is_err(), "{bad:?}");
        }
        assert_eq!(key_host("quay.io/ns/app"), "quay.io");
    }

    #[test]
    fn store_keeps_other_fields_and_lookup_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("containers/auth.json");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(
            &path,
            r#"{"auths":{"other.io":{"auth":"eDp5"}},"credHelpers":{"gcr.io":"gcloud"}}"#,
        )
        .unwrap();
        store(&path, "127.0.0.1:5443", "alice", "s3:cret").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let doc: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(doc["credHelpers"]["gcr.io"], "gcloud");
        assert_eq!(doc["auths"]["other.io"]["auth"], "eDp5");
        assert_eq!(
            doc["auths"]["127.0.0.1:5443"]["auth"],
            base64::engine::general_purpose::STANDARD.encode("alice:s3:cret")
        );
        let files = AuthFiles {
            files: vec![path.clone()],
        };
        assert_eq!(
            files.lookup("127.0.0.1:5443", "x/y").unwrap(),
            Credentials::Basic {
                username: "alice".into(),
                password: "s3:cret".into()
            }
        );

        assert!(remove(&path, "127.0.0.1:5443").unwrap());
        assert!(!remove(&path, "127.0.0.1:5443").unwrap());
        assert_eq!(
            files.lookup("127.0.0.1:5443", "x/y").unwrap(),
            Credentials::Anonymous
        );
        remove_all(&path).unwrap();
        let doc: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(doc["auths"], serde_json::json!({}));
        assert_eq!(doc["credHelpers"]["gcr.io"], "gcloud");
    }

    #[test]
    fn new_file_and_directory_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run/containers/auth.json");
        store(&path, "r.io", "u", "p").unwrap();
        let dmode = fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dmode, 0o700);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("{\n\t\"auths\""), "{text}");

        fs::write(&path, "[1]").unwrap();
        assert!(matches!(
            store(&path, "r.io", "u", "p"),
            Err(AuthFileError::Parse { .. })
        ));
    }

    #[test]
    fn write_path_follows_podman() {
        let env = AuthEnv {
            xdg_runtime_dir: Some("/run/user/1000".into()),
            uid: 1000,
            ..AuthEnv::default()
        };
        assert_eq!(
            write_path(&env),
            PathBuf::from("/run/user/1000/containers/auth.json")
        );
        let explicit = AuthEnv {
            authfile: Some("/x/a.json".into()),
            registry_auth_file: Some("/y/b.json".into()),
            ..env.clone()
        };
        assert_eq!(write_path(&explicit), PathBuf::from("/x/a.json"));
        let bare = AuthEnv {
            uid: 7,
            ..AuthEnv::default()
        };
        assert_eq!(
            write_path(&bare),
            PathBuf::from("/run/containers/7/auth.json")
        );
    }
}
