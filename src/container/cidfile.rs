//! `--cidfile`: the container's ID in a file, for scripts and systemd units that know
//! the file but not the container.

use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum CidfileError {
    #[error("container id file exists. Ensure another container is not using it or delete {}", .0.display())]
    Exists(PathBuf),
    #[error("container id file {}: not a file name", .0.display())]
    NotAFile(PathBuf),
    #[error("writing the container id file {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("reading CIDFile {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

type Result<T, E = CidfileError> = std::result::Result<T, E>;

/// Refuses a file that exists already, as podman does (another container may own it).
pub fn check_free(path: &Path) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(CidfileError::Exists(path.to_path_buf()));
    }
    Ok(())
}

/// Writes `id` to `path` whole or not at all, and never over an existing file: the
/// content goes to a temporary file first, which is then hard-linked into place
/// (`link` fails if the name is taken).
pub fn write(path: &Path, id: &str) -> Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| CidfileError::NotAFile(path.to_path_buf()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(id.as_bytes())?;
            f.sync_all()
        })
        .and_then(|_| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    if let Err(e) = written {
        check_free(path)?;
        return Err(CidfileError::Write {
            path: path.to_path_buf(),
            source: e,
        });
    }
    Ok(())
}

/// The IDs named by `--cidfile` files (`stop`, `rm`); with `ignore`, a missing file
/// names nothing (a unit's stop command may run before its start wrote the file).
pub fn read_all(paths: &[PathBuf], ignore: bool) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for p in paths {
        match std::fs::read_to_string(p) {
            Ok(s) => ids.push(s.trim().to_string()),
            Err(e) if ignore && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(CidfileError::Read {
                    path: p.clone(),
                    source,
                })
            }
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_once_and_refuses_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("ctr-id");
        check_free(&f).unwrap();
        write(&f, "abc").unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "abc");
        let err = write(&f, "def").unwrap_err().to_string();
        assert!(err.contains("container id file exists"), "{err}");
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "abc");
        assert!(check_free(&f).is_err());
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn reads_ids_and_ignores_missing_files_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        std::fs::write(&f, "id1\n").unwrap();
        let missing = dir.path().join("b");
        assert_eq!(
            read_all(&[f.clone(), missing.clone()], true).unwrap(),
            ["id1"]
        );
        assert!(read_all(&[f, missing], false).is_err());
    }
}
