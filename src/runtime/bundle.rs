//! A container's own files: `<runroot>/containers/<id>/` holding its `config.json` and
//! the `hosts`, `hostname` and `resolv.conf` bound into it.

use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use oci_spec::runtime::Spec;
use thiserror::Error;

use crate::base::atomic;

#[derive(Debug, Error)]
pub enum BundleError {
    #[error("creating container directory {path}: {source}")]
    Create {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("reading random bytes for the container id: {0}")]
    Random(#[source] nix::Error),
}

/// A new container id: 64 random hex digits.
pub fn new_id() -> Result<String, BundleError> {
    let mut bytes = [0u8; 32];
    let mut filled = 0;
    while filled < bytes.len() {
        // SAFETY: getrandom writes at most the given length into our buffer.
        let n = unsafe {
            libc::getrandom(bytes[filled..].as_mut_ptr().cast(), bytes.len() - filled, 0)
        };
        match nix::errno::Errno::result(n) {
            Ok(n) => filled += n as usize,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(BundleError::Random(e)),
        }
    }
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The container's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    pub id: String,
    pub dir: PathBuf,
}

impl Bundle {
    /// Creates `<runroot>/containers/<id>/` (private to the user).
    pub fn create(runroot: &Path, id: &str) -> Result<Bundle, BundleError> {
        let parent = runroot.join("containers");
        let dir = parent.join(id);
        let mut b = fs::DirBuilder::new();
        b.recursive(true).mode(0o700);
        b.create(&parent).map_err(|source| BundleError::Create {
            path: parent.clone(),
            source,
        })?;
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|source| BundleError::Create {
                path: dir.clone(),
                source,
            })?;
        Ok(Bundle {
            id: id.to_string(),
            dir,
        })
    }

    /// The spec as the container's `config.json`.
    pub fn config_path(&self) -> PathBuf {
        self.dir.join("config.json")
    }

    /// A mount point for a root filesystem that is not a directory of its own (overlay).
    pub fn rootfs_path(&self) -> PathBuf {
        self.dir.join("rootfs")
    }

    /// Writes the container's `hosts`, `hostname` and `resolv.conf` (see `network::files`).
    pub fn write_etc(
        &self,
        hostname: &str,
        hosts: &str,
        resolv_conf: &str,
    ) -> Result<(), BundleError> {
        self.write("hosts", hosts)?;
        self.write("hostname", &format!("{hostname}\n"))?;
        self.write("resolv.conf", resolv_conf)
    }

    /// Saves the spec atomically.
    pub fn write_spec(&self, spec: &Spec) -> Result<(), BundleError> {
        let path = self.config_path();
        let data = serde_json::to_vec_pretty(spec).map_err(|e| BundleError::Write {
            path: path.clone(),
            source: io::Error::other(e),
        })?;
        atomic::write(&path, &data).map_err(|source| BundleError::Write { path, source })
    }

    fn write(&self, name: &str, content: &str) -> Result<(), BundleError> {
        let path = self.dir.join(name);
        // Fresh files in a directory nobody else reads yet: no rename dance needed.
        fs::write(&path, content).map_err(|source| BundleError::Write { path, source })
    }

    /// Removes the directory and everything in it.
    pub fn remove(&self) -> io::Result<()> {
        match fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            r => r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_64_hex_and_differ() {
        let a = new_id().unwrap();
        let b = new_id().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn create_write_remove() {
        let run = tempfile::tempdir().unwrap();
        let id = new_id().unwrap();
        let b = Bundle::create(run.path(), &id).unwrap();
        b.write_etc("abc", "127.0.0.1\tlocalhost\n", "").unwrap();
        assert_eq!(fs::read_to_string(b.dir.join("hostname")).unwrap(), "abc\n");
        b.write_spec(&Spec::default()).unwrap();
        let back: Spec = serde_json::from_slice(&fs::read(b.config_path()).unwrap()).unwrap();
        assert_eq!(back, Spec::default());
        assert!(
            Bundle::create(run.path(), &id).is_err(),
            "ids are never reused"
        );
        b.remove().unwrap();
        assert!(!b.dir.exists());
        b.remove().unwrap();
    }
}
