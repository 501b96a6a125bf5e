//! A second, throwaway `docker-registry` on a free 127.0.0.1 port, with its own
//! storage, for tests that must damage what a registry serves (corrupt blobs)
//! without touching the shared test registry. Dropping it stops the process and
//! removes its storage.
//!
//! ```ignore
//! let reg = ScratchRegistry::start();
//! reg.copy_from_test_registry("busybox:latest");
//! reg.corrupt_blob(&layer_digest);
//! env.rpod(&["pull", &format!("{}/busybox:latest", reg.addr())]);
//! ```

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::REGISTRY;

const STARTUP: Duration = Duration::from_secs(15);
const SKOPEO_TIMEOUT: Duration = Duration::from_secs(120);

/// A running scratch registry; stopped and removed on drop.
pub struct ScratchRegistry {
    addr: String,
    dir: PathBuf,
    child: Child,
}

/// An unused loopback port: bound, read, released (another process could take
/// it in between, which [`ScratchRegistry::start`] survives by retrying).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind a free loopback port")
}

impl ScratchRegistry {
    /// Starts the registry and waits (bounded) until `/v2/` answers.
    pub fn start() -> ScratchRegistry {
        let mut last = String::new();
        for _ in 0..3 {
            match Self::try_start() {
                Ok(reg) => return reg,
                Err(e) => last = e,
            }
        }
        panic!("cannot start a scratch docker-registry: {last}");
    }

    fn try_start() -> Result<ScratchRegistry, String> {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let dir = PathBuf::from(format!(
            "/tmp/rpod-scratch-registry-{}-{port}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("storage")).map_err(|e| e.to_string())?;
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(|e| e.to_string())?;
        let config = dir.join("config.yml");
        fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    \
                 rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n",
                dir.join("storage").display()
            ),
        )
        .map_err(|e| e.to_string())?;
        let log = fs::File::create(dir.join("log")).map_err(|e| e.to_string())?;
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| {
                format!("cannot run docker-registry (apt-get install docker-registry): {e}")
            })?;
        let mut reg = ScratchRegistry { addr, dir, child };
        let deadline = Instant::now() + STARTUP;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = reg.child.try_wait() {
                let log = fs::read_to_string(reg.dir.join("log")).unwrap_or_default();
                return Err(format!("docker-registry exited with {status}: {log}"));
            }
            if matches!(reg.get("/v2/"), Ok((200, _))) {
                return Ok(reg);
            }
            thread::sleep(Duration::from_millis(50));
        }
        reg.stop();
        Err(format!("no answer on {} within {STARTUP:?}", reg.addr))
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Copies `name:tag` from the shared test registry, keeping every digest.
    pub fn copy_from_test_registry(&self, name_tag: &str) {
        let mut child = Command::new("skopeo")
            .args([
                "copy",
                "--quiet",
                "--preserve-digests",
                "--src-tls-verify=false",
                "--dest-tls-verify=false",
            ])
            .arg(format!("docker://{REGISTRY}/{name_tag}"))
            .arg(format!("docker://{}/{name_tag}", self.addr))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run skopeo (apt-get install skopeo)");
        let deadline = Instant::now() + SKOPEO_TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for skopeo") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("skopeo copy of {name_tag} took longer than {SKOPEO_TIMEOUT:?}");
            }
            thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = pipe.read_to_string(&mut err);
        }
        assert!(
            status.success(),
            "skopeo copy of {name_tag} to {} failed ({status}): {err}",
            self.addr
        );
    }

    /// Where the registry keeps blob `digest` (`sha256:…`).
    pub fn blob_path(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        self.dir
            .join("storage/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// Flips 16 bytes in the middle of a stored blob: same length, other bytes,
    /// so only its digest can tell.
    pub fn corrupt_blob(&self, digest: &str) {
        let path = self.blob_path(digest);
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        let len = file.metadata().unwrap().len();
        assert!(len >= 64, "blob {digest} is too small to corrupt");
        let at = len / 2;
        let mut bytes = [0u8; 16];
        file.seek(SeekFrom::Start(at)).unwrap();
        file.read_exact(&mut bytes).unwrap();
        for b in &mut bytes {
            *b ^= 0xff;
        }
        file.seek(SeekFrom::Start(at)).unwrap();
        file.write_all(&bytes).unwrap();
        file.sync_all().unwrap();
        assert_eq!(file.metadata().unwrap().len(), len);
    }

    /// A plain-HTTP GET against this registry: (status, body).
    pub fn get(&self, path: &str) -> Result<(u16, String), String> {
        let addr: SocketAddr = self.addr.parse().map_err(|e| format!("{e}"))?;
        let (status, body) = super::http::get(
            addr,
            path,
            Some("application/vnd.oci.image.manifest.v1+json"),
            Duration::from_secs(2),
        )?;
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }

    fn stop(&mut self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        remove_dir(&self.dir);
    }
}

fn remove_dir(dir: &Path) {
    if dir.starts_with("/tmp") && dir.exists() {
        let _ = fs::remove_dir_all(dir);
    }
}

impl Drop for ScratchRegistry {
    fn drop(&mut self) {
        self.stop();
    }
}
