//! Removing directory trees the store no longer needs.
//!
//! Layer trees hold files owned by the user's subordinate ids, in directories
//! the user alone may not be allowed to write; in rootless mode only root of the
//! user namespace can delete them. The store therefore never deletes a tree
//! itself: it hands the paths to a [`TreeRemover`], which the caller picks —
//! [`DirectRemover`] in this process, or one that runs it inside the user namespace.

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Deletes whole directory trees.
pub trait TreeRemover: Send + Sync {
    /// Removes every path (and everything under it); a path already gone is not an error.
    fn remove_trees(&self, paths: &[PathBuf]) -> io::Result<()>;
}

/// Removes trees with this process's own rights.
#[derive(Debug, Default, Clone, Copy)]
pub struct DirectRemover;

impl TreeRemover for DirectRemover {
    fn remove_trees(&self, paths: &[PathBuf]) -> io::Result<()> {
        let mut first_err = None;
        for p in paths {
            if let Err(e) = remove_tree(p) {
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}

/// Removes trees as root of the user namespace, where files of subordinate ids
/// and overlay's mode-000 work dirs can be deleted.
#[derive(Debug, Clone)]
pub struct UsernsRemover {
    pub map: crate::userns::IdMap,
}

impl TreeRemover for UsernsRemover {
    fn remove_trees(&self, paths: &[PathBuf]) -> io::Result<()> {
        // Most trees are the user's own: try without forking first.
        if DirectRemover.remove_trees(paths).is_ok() {
            return Ok(());
        }
        let paths = paths.to_vec();
        crate::userns::as_root(&self.map, move || {
            DirectRemover
                .remove_trees(&paths)
                .map_err(anyhow::Error::from)
        })
        .map_err(io::Error::other)
    }
}

/// `rm -rf`, which also gets through directories whose mode keeps even their
/// owner out (a layer may ship `0555` or `0000` dirs; overlay leaves `work/work` 000).
pub fn remove_tree(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Ok(meta) if !meta.is_dir() => return fs::remove_file(path),
        _ => {}
    }
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            open_up(path);
            match fs::remove_dir_all(path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                other => other,
            }
        }
        Err(e) => Err(e),
    }
}

/// Adds owner rwx to every directory we own under `path`, best effort.
fn open_up(path: &Path) {
    let me = nix::unistd::geteuid().as_raw();
    let Ok(meta) = fs::symlink_metadata(path) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    if meta.uid() == me || me == 0 {
        let mode = meta.permissions().mode() | 0o700;
        let _ = fs::set_permissions(path, fs::Permissions::from_mode(mode));
    }
    if let Ok(entries) = fs::read_dir(path) {
        for entry in entries.flatten() {
            if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                open_up(&entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_locked_down_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path().join("t");
        fs::create_dir_all(top.join("a/b")).unwrap();
        fs::write(top.join("a/b/f"), b"x").unwrap();
        fs::set_permissions(top.join("a/b"), fs::Permissions::from_mode(0o000)).unwrap();
        fs::set_permissions(top.join("a"), fs::Permissions::from_mode(0o555)).unwrap();
        DirectRemover
            .remove_trees(&[top.clone(), dir.path().join("absent")])
            .unwrap();
        assert!(!top.exists());
    }
}
