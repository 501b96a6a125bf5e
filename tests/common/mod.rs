//! The integration-test harness: runs the built `rpod` as an unprivileged test user.
//!
//! The test process runs as root (`sudo tests/run.sh`); every command under test runs
//! as `rpodtest` (or `rpodnosub`, the user without subordinate ids) through `setpriv`,
//! with a clean environment whose HOME and XDG dirs live in a fresh per-test directory
//! under /tmp. The binary is copied to a world-readable directory first, so the
//! checkout itself never has to be readable by the test user. Dropping a [`TestEnv`]
//! kills whatever its commands left running and removes its directory as root, which
//! also removes files owned by subordinate ids and overlay `work/work` dirs.
//!
//! ```ignore
//! let env = TestEnv::new();
//! env.rpod(&["version"]).assert_ok();
//! let out = env.cmd(&["pull", &image("busybox:latest")]).timeout(120).run();
//! out.assert_code(0);
//! ```

#![allow(dead_code)]

pub mod http;
pub mod scratch_registry;

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// The unprivileged user with subordinate uid/gid ranges that commands run as.
pub const TEST_USER: &str = "rpodtest";
/// A user without any /etc/subuid or /etc/subgid entry.
pub const NOSUB_USER: &str = "rpodnosub";
/// Where `tests/registry.sh start` serves the fixture images.
pub const REGISTRY: &str = "127.0.0.1:5000";
/// Default limit for one command; past it the command is killed and the test fails.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;

const SETUP_HINT: &str = "run tests/setup-host.sh as root first";
const SETPRIV: &str = "/usr/bin/setpriv";
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// Every command carries this variable so leftovers can be found by their environment.
const MARKER_VAR: &str = "RPOD_TEST_ENV";

/// A shell snippet printing `uid gid mode type-word path` for every path under its
/// arguments, with busybox's or GNU's `stat`; [`listing`] normalises its output.
pub const LISTING_SH: &str = r#"find "$@" -exec stat -c '%u %g %a %F %n' {} +"#;

/// A looked-up account.
#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

/// The per-user directories of a [`TestEnv`].
#[derive(Debug, Clone)]
pub struct UserDirs {
    pub account: Account,
    pub home: PathBuf,
    pub data: PathBuf,
    pub config: PathBuf,
    pub runtime: PathBuf,
}

fn account(name: &str) -> Account {
    match nix::unistd::User::from_name(name) {
        Ok(Some(u)) => Account {
            name: name.to_string(),
            uid: u.uid.as_raw(),
            gid: u.gid.as_raw(),
        },
        _ => panic!("test user '{name}' does not exist: {SETUP_HINT}"),
    }
}

/// Fails the test unless the machine is set up: root, the test users, setpriv.
fn preflight() {
    static CHECK: OnceLock<Result<(), String>> = OnceLock::new();
    let result = CHECK.get_or_init(|| {
        if !nix::unistd::geteuid().is_root() {
            return Err(format!(
                "integration tests must run as root (sudo tests/run.sh): {SETUP_HINT}"
            ));
        }
        for user in [TEST_USER, NOSUB_USER] {
            if !matches!(nix::unistd::User::from_name(user), Ok(Some(_))) {
                return Err(format!("test user '{user}' is missing: {SETUP_HINT}"));
            }
        }
        let subuid = fs::read_to_string("/etc/subuid").unwrap_or_default();
        if !subuid
            .lines()
            .any(|l| l.starts_with(&format!("{TEST_USER}:")))
        {
            return Err(format!(
                "'{TEST_USER}' has no /etc/subuid range: {SETUP_HINT}"
            ));
        }
        if !Path::new(SETPRIV).exists() {
            return Err(format!("{SETPRIV} is missing: {SETUP_HINT}"));
        }
        Ok(())
    });
    if let Err(msg) = result {
        panic!("{msg}");
    }
}

/// The built `rpod`, copied once per test process into a world-readable directory.
pub fn rpod_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let parent = Path::new("/tmp");
        remove_stale_bin_dirs(parent);
        let dir = parent.join(format!("rpod-test-bin-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir(&dir).expect("create the binary staging dir");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod staging dir");
        let bin = dir.join("rpod");
        fs::copy(env!("CARGO_BIN_EXE_rpod"), &bin).expect("copy the rpod binary");
        fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).expect("chmod rpod");
        // SAFETY: registers a plain function; it runs once, at process exit.
        unsafe {
            libc::atexit(remove_own_bin_dir);
        }
        bin
    })
}

extern "C" fn remove_own_bin_dir() {
    let dir = format!("/tmp/rpod-test-bin-{}", std::process::id());
    let _ = fs::remove_dir_all(dir);
}

/// Removes binary copies left by test processes that have exited.
fn remove_stale_bin_dirs(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("rpod-test-bin-"))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// The test registry's address, after checking once that it answers `/v2/`.
pub fn registry() -> &'static str {
    static UP: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(msg) = UP.get_or_init(ping_registry) {
        panic!(
            "test registry on {REGISTRY} does not answer ({msg}): start it with \
             tests/registry.sh start and push the fixtures with tests/fixtures/push.sh \
             (tests/run.sh does both)"
        );
    }
    REGISTRY
}

fn ping_registry() -> Result<(), String> {
    match http_get("/v2/")? {
        (200, _) => Ok(()),
        (status, _) => Err(format!("GET /v2/ answered {status}")),
    }
}

/// A plain-HTTP GET against the test registry: (status, body).
pub fn http_get(path: &str) -> Result<(u16, String), String> {
    let addr: SocketAddr = REGISTRY.parse().map_err(|e| format!("{e}"))?;
    let (status, body) = http::get(
        addr,
        path,
        Some("application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"),
        Duration::from_secs(2),
    )?;
    let body = String::from_utf8(body).map_err(|e| format!("GET {path}: {e}"))?;
    Ok((status, body))
}

/// A fixture image reference in the test registry, e.g. `image("busybox:zstd")`.
pub fn image(name_tag: &str) -> String {
    format!("{}/{name_tag}", registry())
}

/// The busybox fixture, pulled into `env`'s store.
pub fn busybox(env: &TestEnv) -> String {
    pulled(env, "busybox")
}

/// The fixture `name_tag` of the test registry, pulled into `env`'s store.
pub fn pulled(env: &TestEnv, name_tag: &str) -> String {
    let img = image(name_tag);
    env.cmd(&["pull", "-q", &img])
        .timeout(120)
        .run()
        .assert_ok();
    img
}

/// `rpod inspect --format FORMAT NAME`, trimmed.
#[track_caller]
pub fn inspect(env: &TestEnv, name: &str, format: &str) -> String {
    let out = env.rpod(&["inspect", "--format", format, name]);
    out.assert_ok();
    out.stdout.trim().to_string()
}

/// Polls `check` every 50 ms until it holds; fails the test with `what` after `secs`
/// seconds.
#[track_caller]
pub fn wait_for(what: &str, secs: u64, mut check: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(
            Instant::now() < end,
            "timed out after {secs}s waiting for {what}"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// `rpod run -d ARGS…`, returning the id it printed.
#[track_caller]
pub fn run_d(env: &TestEnv, args: &[&str]) -> String {
    let mut all = vec!["run", "-d"];
    all.extend(args);
    let out = env.rpod(&all);
    out.assert_ok();
    let id = out.stdout.trim().to_string();
    assert_eq!(id.len(), 64, "run -d prints the full id: {out}");
    id
}

/// Asserts that `out`, a container's `ls /sys/class/net`, lists exactly the host's
/// network interfaces.
#[track_caller]
pub fn assert_host_interfaces(out: &Output) {
    out.assert_ok();
    let mut host: Vec<String> = fs::read_dir("/sys/class/net")
        .expect("read /sys/class/net")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    host.sort();
    let mut seen: Vec<String> = out.stdout.split_whitespace().map(String::from).collect();
    seen.sort();
    assert_eq!(seen, host, "{out}");
}

/// The expected merged tree of `multilayer:latest` (tests/fixtures/multilayer.expected).
pub fn expected_multilayer() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/multilayer.expected"
    );
    let text = fs::read_to_string(path).expect("read multilayer.expected");
    listing(&text, "")
}

/// Normalises a tree listing to the lines of multilayer.expected: `uid gid mode type
/// path`, with `stat %F` type words turned into find's letters, `root` stripped from
/// the front of each path, `#` comments and blank lines dropped, sorted by path.
pub fn listing(text: &str, root: &str) -> Vec<String> {
    const TYPES: [(&str, &str); 8] = [
        ("regular empty file ", "f"),
        ("regular file ", "f"),
        ("directory ", "d"),
        ("symbolic link ", "l"),
        ("character special file ", "c"),
        ("block special file ", "b"),
        ("fifo ", "p"),
        ("socket ", "s"),
    ];
    let mut rows: Vec<(String, String)> = Vec::new();
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.splitn(4, ' ');
        let (Some(uid), Some(gid), Some(mode), Some(rest)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            panic!("listing line has too few fields: {line:?}");
        };
        let (kind, path) = TYPES
            .iter()
            .find_map(|(word, letter)| rest.strip_prefix(word).map(|p| (*letter, p)))
            .or_else(|| rest.split_once(' '))
            .unwrap_or_else(|| panic!("listing line has no type: {line:?}"));
        let path = path.strip_prefix(root).unwrap_or(path);
        let path = format!("/{}", path.trim_start_matches('/'));
        let path = if path.len() > 1 {
            path.trim_end_matches('/').to_string()
        } else {
            path
        };
        rows.push((path.clone(), format!("{uid} {gid} {mode} {kind} {path}")));
    }
    rows.sort();
    rows.into_iter().map(|(_, row)| row).collect()
}

/// An isolated home for one test: per-user HOME and XDG dirs under a fresh /tmp dir.
pub struct TestEnv {
    root: PathBuf,
    users: Mutex<HashMap<String, UserDirs>>,
}

impl TestEnv {
    /// Creates the environment, with the dirs of [`TEST_USER`] ready.
    pub fn new() -> TestEnv {
        preflight();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let root = PathBuf::from(format!(
            "/tmp/rpod-test-{}-{}-{nanos:x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir(&root).expect("create the test env dir");
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).expect("chmod env dir");
        let env = TestEnv {
            root,
            users: Mutex::new(HashMap::new()),
        };
        env.dirs(TEST_USER);
        env
    }

    /// The environment's top directory (owned by root, mode 755).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The dirs of `user`, created (owned by that user) on first use.
    pub fn dirs(&self, user: &str) -> UserDirs {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(dirs) = users.get(user) {
            return dirs.clone();
        }
        let dirs = self.create_user_dirs(account(user));
        users.insert(user.to_string(), dirs.clone());
        dirs
    }

    fn create_user_dirs(&self, account: Account) -> UserDirs {
        let base = self.root.join(&account.name);
        let dirs = UserDirs {
            home: base.join("home"),
            data: base.join("data"),
            config: base.join("config"),
            runtime: base.join("run"),
            account,
        };
        let registries = dirs.config.join("containers");
        for (dir, mode) in [
            (&base, 0o755),
            (&dirs.home, 0o755),
            (&dirs.data, 0o755),
            (&dirs.config, 0o755),
            (&registries, 0o755),
            (&dirs.runtime, 0o700),
        ] {
            fs::create_dir_all(dir).expect("create a test env dir");
            fs::set_permissions(dir, fs::Permissions::from_mode(mode)).expect("chmod env dir");
            chown(dir, &dirs.account);
        }
        let conf = registries.join("registries.conf");
        fs::write(
            &conf,
            format!(
                "unqualified-search-registries = [\"{REGISTRY}\"]\n\
                 short-name-mode = \"permissive\"\n\n\
                 [[registry]]\nlocation = \"{REGISTRY}\"\ninsecure = true\n"
            ),
        )
        .expect("write registries.conf");
        chown(&conf, &dirs.account);
        dirs
    }

    /// HOME of [`TEST_USER`].
    pub fn home(&self) -> PathBuf {
        self.dirs(TEST_USER).home
    }

    /// XDG_DATA_HOME of [`TEST_USER`] (rpod's store is `<this>/rpod`).
    pub fn data_dir(&self) -> PathBuf {
        self.dirs(TEST_USER).data
    }

    /// XDG_CONFIG_HOME of [`TEST_USER`].
    pub fn config_dir(&self) -> PathBuf {
        self.dirs(TEST_USER).config
    }

    /// XDG_RUNTIME_DIR of [`TEST_USER`] (mode 700).
    pub fn runtime_dir(&self) -> PathBuf {
        self.dirs(TEST_USER).runtime
    }

    /// Runs `rpod ARGS` as [`TEST_USER`] with the default timeout.
    pub fn rpod(&self, args: &[&str]) -> Output {
        self.cmd(args).run()
    }

    /// A builder for `rpod ARGS`.
    pub fn cmd(&self, args: &[&str]) -> Cmd<'_> {
        self.command(rpod_bin(), args)
    }

    /// A builder for any program, run as the test user in this environment.
    pub fn command(&self, program: impl AsRef<OsStr>, args: &[&str]) -> Cmd<'_> {
        Cmd {
            env: self,
            program: program.as_ref().to_os_string(),
            args: args.iter().map(OsString::from).collect(),
            stdin: None,
            vars: Vec::new(),
            user: TEST_USER.to_string(),
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
        }
    }

    fn marker(&self) -> Vec<u8> {
        format!("{MARKER_VAR}={}", self.root.display()).into_bytes()
    }

    /// Kills every process whose environment carries this env's marker, and their
    /// descendants (containers and monitors started by rpod).
    pub fn kill_leftovers(&self) {
        kill_marked(&self.marker());
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        TestEnv::new()
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        self.kill_leftovers();
        if std::env::var_os("RPOD_TEST_KEEP").is_some() {
            eprintln!("RPOD_TEST_KEEP: leaving {}", self.root.display());
            return;
        }
        if let Err(err) = remove_tree(&self.root) {
            let msg = format!("could not remove {}: {err}", self.root.display());
            if thread::panicking() {
                eprintln!("{msg}");
            } else {
                panic!("{msg}");
            }
        }
    }
}

fn chown(path: &Path, account: &Account) {
    std::os::unix::fs::lchown(path, Some(account.uid), Some(account.gid))
        .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
}

/// `rm -rf` as root, after giving dirs like overlay's mode-000 `work/work` an owner
/// rwx, so that nothing a user namespace created can stop it.
fn remove_tree(root: &Path) -> std::io::Result<()> {
    fn open_up(dir: &Path) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.path().symlink_metadata() else {
                continue;
            };
            if meta.is_dir() {
                if meta.mode() & 0o700 != 0o700 {
                    let _ = fs::set_permissions(
                        entry.path(),
                        fs::Permissions::from_mode(meta.mode() & 0o7777 | 0o700),
                    );
                }
                open_up(&entry.path());
            }
        }
    }
    if !root.exists() {
        return Ok(());
    }
    open_up(root);
    fs::remove_dir_all(root)
}

/// Parent pid of `pid`, from /proc (the command name may contain spaces or parens).
fn parent_of(pid: i32) -> Option<i32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    after.split_whitespace().nth(1)?.parse().ok()
}

fn kill_marked(marker: &[u8]) {
    for _ in 0..50 {
        let mut parents: HashMap<i32, i32> = HashMap::new();
        let mut victims: HashSet<i32> = HashSet::new();
        let me = std::process::id() as i32;
        for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            if pid == me {
                continue;
            }
            if let Some(ppid) = parent_of(pid) {
                parents.insert(pid, ppid);
            }
            if let Ok(environ) = fs::read(format!("/proc/{pid}/environ")) {
                if environ.split(|b| *b == 0).any(|var| var == marker) {
                    victims.insert(pid);
                }
            }
        }
        // Descendants: a container's processes need not inherit the environment.
        loop {
            let more: Vec<i32> = parents
                .iter()
                .filter(|(pid, ppid)| victims.contains(ppid) && !victims.contains(pid))
                .map(|(pid, _)| *pid)
                .collect();
            if more.is_empty() {
                break;
            }
            victims.extend(more);
        }
        // Zombies of our own children are reaped by their waiters; skip them.
        victims.retain(|pid| {
            fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|s| !s.contains(") Z "))
                .unwrap_or(false)
        });
        if victims.is_empty() {
            return;
        }
        for pid in &victims {
            // SAFETY: kill(2) with a plain pid and signal has no memory effects.
            unsafe {
                libc::kill(*pid, libc::SIGKILL);
            }
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// One command to run as a test user; see [`TestEnv::cmd`].
pub struct Cmd<'a> {
    env: &'a TestEnv,
    program: OsString,
    args: Vec<OsString>,
    stdin: Option<Vec<u8>>,
    vars: Vec<(OsString, Option<OsString>)>,
    user: String,
    timeout: Duration,
}

impl Cmd<'_> {
    /// Bytes fed to the command's stdin (otherwise stdin is /dev/null).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// Sets (or overrides) one environment variable.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.vars.push((
            key.as_ref().to_os_string(),
            Some(value.as_ref().to_os_string()),
        ));
        self
    }

    /// Removes a variable from the clean environment (e.g. `XDG_RUNTIME_DIR`).
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.vars.push((key.as_ref().to_os_string(), None));
        self
    }

    /// Runs as `user` (e.g. [`NOSUB_USER`]) with that user's own dirs in this env.
    pub fn user(mut self, user: &str) -> Self {
        self.user = user.to_string();
        self
    }

    /// Kills the command and fails the test after `secs` seconds (default 60).
    pub fn timeout(mut self, secs: u64) -> Self {
        self.timeout = Duration::from_secs(secs);
        self
    }

    fn display(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs the command to completion and returns its status and output.
    pub fn run(self) -> Output {
        let dirs = self.env.dirs(&self.user);
        let account = &dirs.account;
        let mut command = Command::new(SETPRIV);
        command
            .arg(format!("--reuid={}", account.uid))
            .arg(format!("--regid={}", account.gid))
            .arg("--init-groups")
            .arg("--")
            .arg(&self.program)
            .args(&self.args)
            .env_clear()
            .env("PATH", PATH)
            .env("HOME", &dirs.home)
            .env("USER", &account.name)
            .env("LOGNAME", &account.name)
            .env("SHELL", "/bin/sh")
            .env("LANG", "C")
            .env("XDG_DATA_HOME", &dirs.data)
            .env("XDG_CONFIG_HOME", &dirs.config)
            .env("XDG_RUNTIME_DIR", &dirs.runtime)
            .env(MARKER_VAR, &self.env.root)
            .current_dir(&dirs.home)
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so a timeout kills everything it forked.
            .process_group(0);
        for (key, value) in &self.vars {
            match value {
                Some(v) => command.env(key, v),
                None => command.env_remove(key),
            };
        }
        let shown = self.display();
        let start = Instant::now();
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {SETPRIV} for {shown}: {e}"));
        if let (Some(bytes), Some(mut pipe)) = (self.stdin.clone(), child.stdin.take()) {
            thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            });
        }
        let (done_tx, done_rx) = mpsc::channel();
        let stdout = collect(child.stdout.take(), done_tx.clone());
        let stderr = collect(child.stderr.take(), done_tx);

        let deadline = start + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() >= deadline => break None,
                Ok(None) => thread::sleep(Duration::from_millis(2)),
                Err(e) => panic!("waiting for {shown}: {e}"),
            }
        };
        let timed_out = status.is_none();
        if timed_out {
            // SAFETY: kill(2) on the command's own process group.
            unsafe {
                libc::kill(-(child.id() as i32), libc::SIGKILL);
            }
            let _ = child.wait();
        }
        // Both pipes reach EOF once every process holding them has exited.
        let mut open = 2;
        while open > 0 {
            let left = deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(500));
            match done_rx.recv_timeout(left) {
                Ok(()) => open -= 1,
                Err(_) => break,
            }
        }
        let output = Output {
            command: shown.clone(),
            user: self.user.clone(),
            code: status.map(exit_code).unwrap_or(-1),
            stdout: take_string(&stdout),
            stderr: take_string(&stderr),
        };
        if timed_out {
            self.env.kill_leftovers();
            panic!(
                "{shown} timed out after {}s (killed)\n{}",
                self.timeout.as_secs(),
                output.streams()
            );
        }
        if open > 0 {
            self.env.kill_leftovers();
            panic!(
                "{shown} exited with {} but a process it started kept its stdout/stderr \
                 open past the {}s timeout\n{}",
                output.code,
                self.timeout.as_secs(),
                output.streams()
            );
        }
        output
    }
}

fn collect<R: Read + Send + 'static>(
    pipe: Option<R>,
    done: mpsc::Sender<()>,
) -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&buf);
    thread::spawn(move || {
        if let Some(mut pipe) = pipe {
            let mut chunk = [0u8; 8192];
            loop {
                match pipe.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => sink
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend_from_slice(&chunk[..n]),
                }
            }
        }
        let _ = done.send(());
    });
    buf
}

fn take_string(buf: &Arc<Mutex<Vec<u8>>>) -> String {
    let bytes = std::mem::take(&mut *buf.lock().unwrap_or_else(|e| e.into_inner()));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The shell's convention: the exit status, or 128+N when killed by signal N.
fn exit_code(status: std::process::ExitStatus) -> i32 {
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(-1)
}

/// What a finished command did.
#[derive(Debug, Clone)]
pub struct Output {
    /// The command line, for messages.
    pub command: String,
    /// The user it ran as.
    pub user: String,
    /// Exit status; 128+N when killed by signal N.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Fails the test, showing both streams, unless the command exited 0.
    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        self.assert_code(0)
    }

    /// Fails the test, showing both streams, unless the command exited `code`.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert!(
            self.code == code,
            "expected exit code {code}, got {}\n{self}",
            self.code
        );
        self
    }

    /// Fails unless stderr is exactly one line starting with `Error: `.
    #[track_caller]
    pub fn assert_one_error_line(&self) -> &Self {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert!(
            lines.len() == 1 && lines[0].starts_with("Error: "),
            "expected exactly one stderr line starting with 'Error: '\n{self}"
        );
        self
    }

    /// stdout split into lines.
    pub fn stdout_lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// stderr split into lines.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }

    fn streams(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}\n--------------",
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "command (as {}): {}\nexit code: {}",
            self.user, self.command, self.code
        )?;
        f.write_str(&self.streams())
    }
}

#[cfg(test)]
mod selftest {
    use super::*;

    /// How many processes carry `marker` in their environment.
    fn marked(marker: &[u8]) -> usize {
        fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .filter(|pid| {
                fs::read(format!("/proc/{pid}/environ"))
                    .map(|env| env.split(|b| *b == 0).any(|v| v == marker))
                    .unwrap_or(false)
            })
            .count()
    }

    #[test]
    fn commands_run_as_the_test_user_in_private_dirs() {
        let env = TestEnv::new();
        let out = env
            .command(
                "sh",
                &[
                    "-c",
                    "id -un; echo $HOME; stat -c '%U %a' \"$XDG_RUNTIME_DIR\"",
                ],
            )
            .run();
        out.assert_ok();
        let lines = out.stdout_lines();
        assert_eq!(lines[0], TEST_USER, "{out}");
        assert_eq!(Path::new(lines[1]), env.home(), "{out}");
        assert_eq!(lines[2], format!("{TEST_USER} 700"), "{out}");
        let conf = env.config_dir().join("containers/registries.conf");
        assert!(fs::read_to_string(conf).unwrap().contains(REGISTRY));
    }

    #[test]
    fn user_switch_gets_that_users_dirs() {
        let env = TestEnv::new();
        let out = env
            .command("sh", &["-c", "id -un; stat -c %U \"$HOME\""])
            .user(NOSUB_USER)
            .run();
        out.assert_ok();
        assert_eq!(out.stdout_lines(), [NOSUB_USER, NOSUB_USER], "{out}");
        assert_ne!(env.dirs(NOSUB_USER).home, env.home());
    }

    #[test]
    fn stdin_env_and_exit_codes_pass_through() {
        let env = TestEnv::new();
        let out = env.command("cat", &[]).stdin("piped bytes").run();
        out.assert_ok();
        assert_eq!(out.stdout, "piped bytes");
        let out = env
            .command("sh", &["-c", "echo $FOO; echo oops >&2; exit 7"])
            .env("FOO", "bar")
            .run();
        out.assert_code(7);
        assert_eq!(out.stdout, "bar\n");
        assert_eq!(out.stderr, "oops\n");
        let out = env.command("sh", &["-c", "kill -TERM $$"]).run();
        out.assert_code(128 + libc::SIGTERM);
    }

    #[test]
    fn timeout_kills_the_whole_group_and_fails() {
        let env = TestEnv::new();
        let started = Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            env.command("sh", &["-c", "sleep 30 & sleep 30"])
                .timeout(1)
                .run()
        }));
        let err = result.expect_err("a command past its timeout must fail the test");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("timed out after 1s"), "{msg}");
        assert!(started.elapsed() < Duration::from_secs(10));
        // No process with this env's marker survives.
        assert_eq!(marked(&env.marker()), 0);
    }

    #[test]
    fn drop_removes_files_of_subordinate_ids_and_kills_leftovers() {
        let env = TestEnv::new();
        let root = env.root().to_path_buf();
        // A file owned by a subordinate uid, a mode-000 dir, and a detached process.
        env.command(
            "unshare",
            &[
                "--map-auto",
                "--map-root-user",
                "sh",
                "-c",
                "mkdir -p d/work/work && touch d/f && chown 5:5 d/f d && chmod 000 d/work/work",
            ],
        )
        .run()
        .assert_ok();
        env.command(
            "sh",
            &["-c", "setsid sleep 60 >/dev/null 2>&1 </dev/null &"],
        )
        .run()
        .assert_ok();
        let sub = env.home().join("d/f");
        assert_ne!(
            sub.symlink_metadata().unwrap().uid(),
            env.dirs(TEST_USER).account.uid
        );
        let marker = env.marker();
        drop(env);
        assert!(!root.exists(), "{} left behind", root.display());
        // A SIGKILLed process on a loaded machine can take a moment to finish
        // exiting; give it a bounded while before calling it a survivor.
        let survivor = || marked(&marker) > 0;
        let deadline = Instant::now() + Duration::from_secs(5);
        while survivor() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
        assert!(!survivor(), "a process of the dropped env survived");
    }

    #[test]
    fn registry_serves_every_fixture() {
        registry();
        for (name, tags) in [
            ("busybox", &["latest", "gzip", "zstd", "plain"][..]),
            ("multilayer", &["latest"]),
            ("large", &["latest"]),
            ("multiarch", &["latest"]),
        ] {
            let (status, body) = http_get(&format!("/v2/{name}/tags/list")).unwrap();
            assert_eq!(status, 200, "{name}: {body}");
            let list: serde_json::Value = serde_json::from_str(&body).unwrap();
            for tag in tags {
                assert!(
                    list["tags"].as_array().unwrap().iter().any(|t| t == tag),
                    "{name}:{tag} not pushed: {body}"
                );
            }
        }
        let (_, body) = http_get("/v2/multilayer/manifests/latest").unwrap();
        let manifest: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(manifest["layers"].as_array().unwrap().len(), 3, "{body}");
        let (_, body) = http_get("/v2/multiarch/manifests/latest").unwrap();
        let index: serde_json::Value = serde_json::from_str(&body).unwrap();
        let archs: Vec<&str> = index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["platform"]["architecture"].as_str())
            .collect();
        assert_eq!(archs, ["amd64", "arm64"], "{body}");
        assert_eq!(http_get("/v2/nosuchimage/manifests/latest").unwrap().0, 404);
    }

    #[test]
    fn listing_normalises_stat_and_find_output() {
        let stat = "0 0 755 directory /m/data\n\
                    1000 1000 644 regular file /m/data/b\n\
                    0 0 644 regular empty file /m/data/a b\n\
                    0 0 777 symbolic link /m/data/l\n";
        let find = "# comment\n0 0 755 d /data\n0 0 644 f /data/a b\n\n\
                    1000 1000 644 f /data/b\n0 0 777 l /data/l\n";
        assert_eq!(listing(stat, "/m"), listing(find, ""));
        assert_eq!(listing(find, "")[1], "0 0 644 f /data/a b");
        assert_ne!(listing(stat, ""), listing(find, ""));
    }

    #[test]
    fn expected_multilayer_lists_no_device_and_no_whiteouts() {
        let rows = expected_multilayer();
        assert!(rows.iter().any(|r| r == "0 0 4755 f /fixture/setuid"));
        assert!(rows.iter().all(|r| !r.contains("/dev-fixture/null")));
        assert!(rows
            .iter()
            .all(|r| !r.contains(".wh.") && !r.contains("remove-me")));
    }
}
