//! A container's environment from `--env-file` files and `-e` values, as `NAME=VALUE`
//! entries for the spec (for `run`, `create` and `exec`).

use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum EnvError {
    #[error("reading env file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} line {line}", path.display())]
    Line {
        path: PathBuf,
        line: usize,
        #[source]
        source: Box<EnvError>,
    },
    #[error("invalid environment variable {0:?}: the name is empty")]
    EmptyName(String),
}

/// `--env-file` contents then `-e`, as `NAME=VALUE`; a bare `NAME` takes the value
/// from `lookup` (the host environment) and is skipped when unset there.
pub fn env_entries(
    env: &[String],
    env_files: &[PathBuf],
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Vec<String>, EnvError> {
    let mut out = Vec::new();
    for file in env_files {
        out.extend(file_entries(file, &lookup)?);
    }
    for e in env {
        out.extend(env_entry(e, &lookup)?);
    }
    Ok(out)
}

fn file_entries(
    file: &Path,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<String>, EnvError> {
    let text = std::fs::read_to_string(file).map_err(|source| EnvError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let entry = env_entry(line, lookup).map_err(|e| EnvError::Line {
            path: file.to_path_buf(),
            line: n + 1,
            source: Box::new(e),
        })?;
        out.extend(entry);
    }
    Ok(out)
}

fn env_entry(
    text: &str,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, EnvError> {
    match text.split_once('=') {
        Some(("", _)) => Err(EnvError::EmptyName(text.to_string())),
        Some(_) => Ok(Some(text.to_string())),
        None => {
            let name = text.trim_end();
            Ok(lookup(name).map(|v| format!("{name}={v}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_then_flags_with_host_values() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("env");
        std::fs::write(&f, "# c\n\nA=1\nFROMHOST\nUNSET\nB=x=y\n").unwrap();
        let env = vec!["A=2".to_string(), "FROMHOST".to_string()];
        let lookup = |k: &str| (k == "FROMHOST").then(|| "h".to_string());
        assert_eq!(
            env_entries(&env, std::slice::from_ref(&f), lookup).unwrap(),
            ["A=1", "FROMHOST=h", "B=x=y", "A=2", "FROMHOST=h"]
        );
        assert!(env_entries(&["=bad".to_string()], &[f], lookup).is_err());
        let missing = env_entries(&[], &[dir.path().join("missing")], lookup).unwrap_err();
        assert!(
            missing.to_string().starts_with("reading env file"),
            "{missing}"
        );
        std::fs::write(dir.path().join("bad"), "OK=1\n=x\n").unwrap();
        let e = env_entries(&[], &[dir.path().join("bad")], lookup).unwrap_err();
        assert!(e.to_string().ends_with("bad line 2"), "{e}");
    }
}
