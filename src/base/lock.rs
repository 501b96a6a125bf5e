//! `flock(2)` locks held by RAII guards.
//!
//! A lock lives as long as its open file description: dropping the guard closes
//! the file and the kernel releases the lock, and so does the death of the
//! process, however it dies. Each guard opens the file anew, so two guards in
//! one process (two threads, say) exclude each other exactly as two processes do.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum LockError {
    #[error("cannot open lock file {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot lock {path}: {source}")]
    Lock {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// How a lock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Shared,
    Exclusive,
}

/// A lock file on disk; [`shared`](Self::shared) and [`exclusive`](Self::exclusive) take it.
#[derive(Debug, Clone)]
pub struct LockFile {
    path: PathBuf,
}

impl LockFile {
    pub fn new(path: impl Into<PathBuf>) -> LockFile {
        LockFile { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Waits for a shared (reader) lock.
    pub fn shared(&self) -> Result<SharedLock, LockError> {
        let file = self.open()?;
        lock(&file, Mode::Shared, false).map_err(|source| self.lock_err(source))?;
        Ok(SharedLock { _file: file })
    }

    /// Waits for the exclusive (writer) lock.
    pub fn exclusive(&self) -> Result<ExclusiveLock, LockError> {
        let file = self.open()?;
        lock(&file, Mode::Exclusive, false).map_err(|source| self.lock_err(source))?;
        Ok(ExclusiveLock { _file: file })
    }

    /// Takes the exclusive lock if nobody holds the file, without waiting.
    pub fn try_exclusive(&self) -> Result<Option<ExclusiveLock>, LockError> {
        let file = self.open()?;
        match lock(&file, Mode::Exclusive, true) {
            Ok(true) => Ok(Some(ExclusiveLock { _file: file })),
            Ok(false) => Ok(None),
            Err(source) => Err(self.lock_err(source)),
        }
    }

    fn open(&self) -> Result<File, LockError> {
        open_lock_file(&self.path).map_err(|source| LockError::Open {
            path: self.path.clone(),
            source,
        })
    }

    fn lock_err(&self, source: io::Error) -> LockError {
        LockError::Lock {
            path: self.path.clone(),
            source,
        }
    }
}

/// A held shared lock; released on drop.
#[derive(Debug)]
pub struct SharedLock {
    _file: File,
}

/// A held exclusive lock; released on drop.
#[derive(Debug)]
pub struct ExclusiveLock {
    _file: File,
}

/// Opens (creating it 0600, never truncating) the file a lock is taken on.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)
}

/// `flock`s an open file (a directory works too). With `nonblocking`, returns
/// `Ok(false)` instead of waiting when someone else holds a conflicting lock.
pub fn lock(file: &impl AsRawFd, mode: Mode, nonblocking: bool) -> io::Result<bool> {
    let mut op = match mode {
        Mode::Shared => libc::LOCK_SH,
        Mode::Exclusive => libc::LOCK_EX,
    };
    if nonblocking {
        op |= libc::LOCK_NB;
    }
    loop {
        // SAFETY: flock only reads its integer arguments.
        let rc = unsafe { libc::flock(file.as_raw_fd(), op) };
        if rc == 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) if nonblocking => return Ok(false),
            _ => return Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn exclusive_excludes_shared_and_releases_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let lf = LockFile::new(dir.path().join("l"));
        let w = lf.exclusive().unwrap();
        assert!(lf.try_exclusive().unwrap().is_none());

        let (tx, rx) = mpsc::channel();
        let lf2 = lf.clone();
        let t = std::thread::spawn(move || {
            let _r = lf2.shared().unwrap();
            tx.send(()).unwrap();
        });
        // The reader must still be waiting while the writer holds the lock.
        assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
        drop(w);
        rx.recv_timeout(Duration::from_secs(5)).unwrap();
        t.join().unwrap();
        assert!(lf.try_exclusive().unwrap().is_some());
    }

    #[test]
    fn shared_locks_coexist() {
        let dir = tempfile::tempdir().unwrap();
        let lf = LockFile::new(dir.path().join("l"));
        let _a = lf.shared().unwrap();
        let _b = lf.shared().unwrap();
        assert!(lf.try_exclusive().unwrap().is_none());
    }

    #[test]
    fn directories_can_be_locked() {
        let dir = tempfile::tempdir().unwrap();
        let a = File::open(dir.path()).unwrap();
        let b = File::open(dir.path()).unwrap();
        assert!(lock(&a, Mode::Exclusive, true).unwrap());
        assert!(!lock(&b, Mode::Exclusive, true).unwrap());
        drop(a);
        assert!(lock(&b, Mode::Exclusive, true).unwrap());
    }
}
