//! A recorded container's monitor (conmon's role): the parent of the container's
//! init for as long as the container lives, in the foreground (`run`) or detached
//! (rpod re-executed by [`super::detach`]). Detached, it holds the container's stdio,
//! writes its log and serves the attach socket; in both modes it relays the signals
//! it gets, records every exit, restarts the command as `--restart` says (with a
//! growing pause), and removes the container at the end with `--rm`. Then it exits:
//! it belongs to one container.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::Signal;
use oci_spec::runtime::Spec;

use super::attach::hub::Hub;
use super::foreground;
use super::log_writer::LogWriter;
use super::signals::Signals;
use super::trim;
use crate::container::launch::{self, Running, Served};
use crate::container::logs::Stream;
use crate::container::record::Record;
use crate::container::store::{ContainerError, ContainerLock, ContainerStore, LookupError};
use crate::error;
use crate::runtime::{Started, Stdio};
use crate::sys::proc::{self, ProcId};
use crate::userns::IdMap;

/// The monitor's ends of the container's stdio. The other ends are the monitor's
/// own fds 0–2, so each restart of the command inherits them again.
struct Io {
    out: Option<OwnedFd>,
    err: Option<OwnedFd>,
    /// With `-i` (no `-t`): the write end of the container's stdin, kept open so
    /// the command waits for input instead of reading end-of-file; it goes to the
    /// attach hub, which writes what attached clients send.
    stdin: Option<OwnedFd>,
}

impl Io {
    fn none() -> Io {
        Io {
            out: None,
            err: None,
            stdin: None,
        }
    }

    fn setup(record: &Record) -> Result<Io> {
        let mut io = Io::none();
        // Also with `--log-driver none`: attached clients still see the output.
        if !record.tty {
            let (out_r, out_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).context("creating a pipe")?;
            let (err_r, err_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).context("creating a pipe")?;
            nix::unistd::dup2_stdout(&out_w).context("connecting the container's stdout")?;
            nix::unistd::dup2_stderr(&err_w).context("connecting the container's stderr")?;
            set_nonblocking(out_r.as_fd());
            set_nonblocking(err_r.as_fd());
            io.out = Some(out_r);
            io.err = Some(err_r);
        }
        if record.interactive && !record.tty {
            let (in_r, in_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).context("creating a pipe")?;
            nix::unistd::dup2_stdin(&in_r).context("connecting the container's stdin")?;
            io.stdin = Some(in_w);
        }
        Ok(io)
    }
}

/// A descriptor the poll loop reads or writes must never block it; a failure is
/// logged, and the loop then merely waits longer on that descriptor.
fn set_nonblocking(fd: BorrowedFd<'_>) {
    if let Err(e) = crate::sys::fd::set_nonblocking(fd) {
        log::warn!("making a descriptor non-blocking: {e}");
    }
}

/// Where the container's stdio goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// To the log (or nowhere with `--log-driver none`): a detached monitor.
    Detached,
    /// Through the invoking terminal: `run` and `start -a` in the foreground.
    Foreground { interactive: bool },
}

/// A container's monitor: its init's parent until the container is done.
pub struct Monitor {
    store: ContainerStore,
    record: Record,
    spec: Spec,
    map: IdMap,
    mode: Mode,
    signals: Signals,
    io: Io,
    log: Option<LogWriter>,
    started: Option<Started>,
    /// What the running command's start set up (network, cgroup), undone at its end.
    served: Option<Served>,
    /// Detached: the attach socket and its clients.
    hub: Option<Hub>,
    pid: i32,
    /// This process, as the state names its monitor.
    me: ProcId,
    buf: Vec<u8>,
}

/// How one attempt to run the command ended.
enum Outcome {
    Ran(Started),
    Failed(i32),
}

impl Monitor {
    /// Starts the command and records it running, under `lock` (the container's,
    /// taken by the caller or passed down by a starter).
    pub fn start(
        store: ContainerStore,
        id: &str,
        lock: ContainerLock,
        mode: Mode,
    ) -> Result<Monitor> {
        let record = store
            .record(id)?
            .ok_or_else(|| anyhow::anyhow!("container {id} was removed before it started"))?;
        let spec = store.spec(id)?;
        let map = IdMap::for_current_user();
        let signals = Signals::block()?;
        let (mut io, log) = match mode {
            Mode::Detached => {
                let log = LogWriter::open(&store.log_path(id), &record.log)
                    .with_context(|| format!("opening the log {}", store.log_path(id).display()))?;
                (Io::setup(&record)?, log)
            }
            Mode::Foreground { .. } => (Io::none(), None),
        };
        let t0 = Instant::now();
        let Running {
            started,
            served,
            ports,
        } = launch::start(&store, &record, &spec, stdio(&record, mode), &map)?;
        log::debug!("container started after {:?}", t0.elapsed());
        let hub = match mode {
            Mode::Detached => attach_hub(&store, &record, &mut io),
            Mode::Foreground { .. } => None,
        };
        let pid = started.child.pid.as_raw();
        let mut state = store.raw_state(id);
        state.restart_count = 0;
        state.stop_requested = false;
        let me = ProcId::current();
        state.mark_running(init_id(pid), me);
        state.ports = ports;
        state.cgroup = served.cgroup_dir();
        store.save_state(&lock, id, &state)?;
        drop(lock);
        // For a `Type=forking` unit (`rpod generate systemd`): systemd reads the main
        // pid from here once the starter has exited.
        let pid_file = store.monitor_pid_path(id);
        if let Err(e) =
            crate::base::atomic::write_unsynced(&pid_file, me.pid.to_string().as_bytes())
        {
            log::warn!("writing {}: {e}", pid_file.display());
        }
        crate::container::notify::monitor_started(record.sdnotify);
        Ok(Monitor {
            store,
            record,
            spec,
            map,
            mode,
            signals,
            io,
            log,
            started: Some(started),
            served: Some(served),
            hub,
            pid,
            me,
            buf: Vec::new(),
        })
    }

    /// Takes a connected attach socket as a client from the first byte of output.
    pub fn adopt(&mut self, fd: OwnedFd) {
        if let Some(hub) = self.hub.as_mut() {
            hub.adopt(fd);
        }
    }

    /// The container's init (host pid).
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Keeps the state in the container dir too (see [`ContainerStore::keep_state`]).
    pub fn keep_state(&self) {
        let id = &self.record.id;
        if let Some(lock) = self.lock("keeping its state") {
            let state = self.store.raw_state(id);
            if let Err(e) = self
                .store
                .keep_state(&lock, id, &state, !self.record.auto_remove)
            {
                log::error!("container {id}: keeping its state: {e:#}");
            }
        }
    }

    /// The container's lock, to record something (`what`); `None`, logged, when it
    /// cannot be had. A container removed meanwhile has nothing left to record.
    fn lock(&self, what: &str) -> Option<ContainerLock> {
        let id = &self.record.id;
        match self.store.lock(id) {
            Ok(lock) => Some(lock),
            Err(ContainerError::Lookup(LookupError::NotFound(_))) => {
                log::debug!("container {id} was removed: not {what}");
                None
            }
            Err(e) => {
                log::error!("container {id}: {what}: {e:#}");
                None
            }
        }
    }

    /// Watches, records and restarts until the container is done for good; returns
    /// the last exit status.
    pub fn run(&mut self) -> i32 {
        let mut outcome = match self.started.take() {
            Some(s) => Outcome::Ran(s),
            None => return error::EXIT_RPOD as i32,
        };
        let mut code;
        loop {
            code = match outcome {
                Outcome::Ran(started) => match self.mode {
                    Mode::Detached => self.watch(started),
                    Mode::Foreground { interactive } => self.relay(started, interactive),
                },
                Outcome::Failed(code) => code,
            };
            if let Some(served) = self.served.take() {
                served.stop();
            }
            let again = self.record_exit(code);
            if let Some(hub) = self.hub.as_mut() {
                hub.exit(code, Instant::now() + Duration::from_secs(2));
                // Sessions end with the command; after a restart clients attach anew.
                if again.is_some() {
                    hub.disconnect_all();
                }
            }
            let Some(delay) = again else {
                break;
            };
            if !self.pause(delay) {
                if let Some(lock) = self.lock("recording the stop") {
                    let id = &self.record.id;
                    let mut state = self.store.state(id);
                    state.stop_requested = true;
                    if let Err(e) = self.store.save_state(&lock, id, &state) {
                        log::error!("container {id}: recording the stop: {e:#}");
                    }
                }
                self.keep_state();
                break;
            }
            outcome = match self.relaunch() {
                Some(o) => o,
                None => break,
            };
            if self.mode == Mode::Detached {
                trim::shed();
            }
        }
        if self.record.auto_remove {
            let anonymous = crate::volume::users::Anonymous::of_container(
                &self.store.dir(&self.record.id),
                &self.spec,
            );
            match self.store.remove(&self.record.id, |_| Ok(())) {
                Ok(true) => anonymous.remove(),
                Ok(false) => {}
                Err(e) => log::error!("removing container {}: {e:#}", self.record.id),
            }
        }
        code
    }

    /// The foreground watch: the terminal passes through (see [`foreground::wait`]).
    fn relay(&mut self, mut started: Started, interactive: bool) -> i32 {
        match foreground::wait_exit(&mut started, &self.signals, interactive) {
            Ok(code) => i32::from(code),
            Err(e) => {
                log::error!("container {}: {e:#}", self.record.id);
                error::EXIT_RPOD as i32
            }
        }
    }

    /// Records the exit; returns the pause before a restart, or `None` when the
    /// container stays exited (or is gone).
    fn record_exit(&self, code: i32) -> Option<Duration> {
        let id = &self.record.id;
        let lock = self.lock("recording its exit")?;
        let mut state = self.store.raw_state(id);
        if state.monitor != self.me {
            // Another monitor has taken the container over (a `start` while this one
            // waited to restart it): it records from now on.
            return None;
        }
        state.mark_exited(code);
        let again =
            self.record
                .restart
                .should_restart(code, state.restart_count, state.stop_requested);
        if let Err(e) = self.store.save_state(&lock, id, &state) {
            log::error!("container {id}: recording exit status {code}: {e:#}");
        }
        if again {
            Some(backoff(state.restart_count))
        } else {
            if let Err(e) = self
                .store
                .keep_state(&lock, id, &state, !self.record.auto_remove)
            {
                log::error!("container {id}: keeping exit status {code}: {e:#}");
            }
            None
        }
    }

    /// Starts the command again unless someone stopped the container meanwhile.
    fn relaunch(&mut self) -> Option<Outcome> {
        let id = self.record.id.clone();
        // Held through the start, so a `stop` either comes first (and is seen here)
        // or finds the container running.
        let lock = self.lock("restarting it")?;
        let mut state = self.store.raw_state(&id);
        if state.stop_requested || state.monitor != self.me {
            return None;
        }
        state.restart_count += 1;
        let stdio = stdio(&self.record, self.mode);
        let outcome = match launch::start(&self.store, &self.record, &self.spec, stdio, &self.map) {
            Ok(Running {
                started,
                served,
                ports,
            }) => {
                self.pid = started.child.pid.as_raw();
                state.mark_running(init_id(self.pid), self.me);
                state.ports = ports;
                state.cgroup = served.cgroup_dir();
                self.served = Some(served);
                Outcome::Ran(started)
            }
            Err(e) => {
                state.error = error::one_line(&e);
                Outcome::Failed(error::exit_code(&e) as i32)
            }
        };
        if let Err(e) = self.store.save_state(&lock, &id, &state) {
            log::error!("container {id}: recording its restart: {e:#}");
        }
        Some(outcome)
    }

    /// Waits `delay` before a restart; `false` if a stop signal came meanwhile.
    fn pause(&mut self, delay: Duration) -> bool {
        let end = Instant::now() + delay;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            let ms = left.as_millis().min(u16::MAX as u128) as u16;
            let mut fds = [PollFd::new(self.signals.fd(), PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::from(ms)) {
                Ok(0) | Err(Errno::EINTR) => {}
                Ok(_) => {
                    while let Some(sig) = self.signals.read() {
                        if sig != Signal::SIGWINCH as i32 {
                            return false;
                        }
                    }
                }
                Err(_) => return true,
            }
        }
    }

    /// Relays signals and copies output to the log until the command exits; returns
    /// its status (128+N for signal N).
    fn watch(&mut self, mut started: Started) -> i32 {
        if self.buf.is_empty() {
            self.buf = vec![0u8; 32 * 1024];
        }
        let mut pty = started.pty.take().map(|p| {
            // The container's end is not needed here (no input is ever relayed);
            // holding it would keep the master from reporting the end.
            drop(p.peer);
            set_nonblocking(p.master.as_fd());
            p.master
        });
        loop {
            let pidfd = started.child.pidfd.as_fd();
            // A client far behind holds the output back until it catches up.
            let congested = self.hub.as_ref().is_some_and(Hub::congested);
            let sources = if congested {
                Vec::new()
            } else {
                sources(&self.io, pty.as_ref())
            };
            let mut fds = vec![
                PollFd::new(self.signals.fd(), PollFlags::POLLIN),
                PollFd::new(pidfd, PollFlags::POLLIN),
            ];
            fds.extend(
                sources
                    .iter()
                    .map(|(fd, _, _)| PollFd::new(*fd, PollFlags::POLLIN)),
            );
            let hub_at = fds.len();
            if let Some(hub) = &self.hub {
                hub.poll_fds(pty.as_ref().map(|p| p.as_fd()), &mut fds);
            }
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
            let revents: Vec<PollFlags> = fds
                .iter()
                .map(|f| f.revents().unwrap_or(PollFlags::empty()))
                .collect();
            let ready: Vec<bool> = revents.iter().map(|r| !r.is_empty()).collect();
            drop(fds);
            if ready[0] {
                while let Some(sig) = self.signals.read() {
                    if sig != Signal::SIGWINCH as i32 {
                        // ESRCH: it is exiting already; the pidfd says so next.
                        let _ = proc::send_signal(pidfd, sig);
                    }
                }
            }
            let mut pty_closed = false;
            for (i, (fd, stream, is_pty)) in sources.iter().enumerate() {
                if ready[2 + i]
                    && copy_once(*fd, *stream, &mut self.log, &mut self.hub, &mut self.buf)
                        == Copied::Closed
                {
                    pty_closed |= *is_pty;
                }
            }
            if let Some(hub) = self.hub.as_mut() {
                if hub.on_ready(&revents[hub_at..], pty.as_ref().map(|p| p.as_fd())) {
                    // Back to idle: what the sessions used goes back to the system.
                    trim::shed();
                }
            }
            if pty_closed {
                pty = None;
            }
            if ready[1] {
                break;
            }
        }
        // Everything the command wrote is in the pipes (or the pty) by now.
        for (fd, stream, _) in sources(&self.io, pty.as_ref()) {
            while copy_once(fd, stream, &mut self.log, &mut self.hub, &mut self.buf) == Copied::Data
            {
            }
        }
        drop(pty);
        started
            .child
            .wait()
            .map(i32::from)
            .unwrap_or(error::EXIT_RPOD as i32)
    }
}

/// The attach socket of a detached monitor, taking the container's stdin pipe. A
/// socket that cannot be made leaves the container running, unattachable.
fn attach_hub(store: &ContainerStore, record: &Record, io: &mut Io) -> Option<Hub> {
    match Hub::listen(&store.run_dir(&record.id), record.interactive) {
        Ok(mut hub) => {
            if let Some(fd) = io.stdin.take() {
                hub.set_stdin(fd);
            }
            Some(hub)
        }
        Err(e) => {
            log::warn!("container {}: no attach socket: {e}", record.id);
            None
        }
    }
}

/// What the monitor reads the container's output from: `(fd, stream, is the pty)`.
fn sources<'a>(io: &'a Io, pty: Option<&'a OwnedFd>) -> Vec<(BorrowedFd<'a>, Stream, bool)> {
    [
        (io.out.as_ref(), Stream::Stdout, false),
        (io.err.as_ref(), Stream::Stderr, false),
        (pty, Stream::Stdout, true),
    ]
    .into_iter()
    .filter_map(|(fd, s, p)| fd.map(|f| (f.as_fd(), s, p)))
    .collect()
}

/// The pause before restart number `n` (0-based): 100 ms doubling, at most 10 s, as
/// Docker does, so a command that fails at once does not spin.
pub fn backoff(n: u32) -> Duration {
    Duration::from_millis(100u64.saturating_mul(1u64 << n.min(10))).min(Duration::from_secs(10))
}

/// The container's stdio as the runtime sets it up: the monitor's fds 0–2 (the pipes
/// or `/dev/null` when detached, the terminal in the foreground), stdin only with
/// `-i`, a pty with `-t`.
fn stdio(record: &Record, mode: Mode) -> Stdio {
    Stdio {
        interactive: match mode {
            Mode::Detached => record.interactive,
            Mode::Foreground { interactive } => interactive,
        },
        tty: record.tty,
    }
}

/// The init as recorded: pid and start time (readable even if it already exited,
/// as our unreaped child).
fn init_id(pid: i32) -> ProcId {
    ProcId::of(pid).unwrap_or(ProcId { pid, start: 0 })
}

/// What one read from the container's output gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copied {
    Data,
    /// Nothing to read just now.
    Empty,
    /// End of file, or the pty's end (EIO once the container's side is closed).
    Closed,
}

/// Copies one read into the log (dropped with the `none` driver) and to the
/// attached clients.
fn copy_once(
    fd: BorrowedFd<'_>,
    stream: Stream,
    log: &mut Option<LogWriter>,
    hub: &mut Option<Hub>,
    buf: &mut [u8],
) -> Copied {
    match nix::unistd::read(fd, buf) {
        Ok(0) => Copied::Closed,
        Ok(n) => {
            if let Some(w) = log.as_mut() {
                // A full disk must not stop the container: the output is dropped.
                let _ = w.write(stream, &buf[..n]);
            }
            if let Some(h) = hub.as_mut() {
                h.broadcast(stream, &buf[..n]);
            }
            Copied::Data
        }
        Err(Errno::EINTR) => Copied::Data,
        Err(Errno::EAGAIN) => Copied::Empty,
        Err(_) => Copied::Closed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stops_growing() {
        assert_eq!(backoff(0), Duration::from_millis(100));
        assert_eq!(backoff(1), Duration::from_millis(200));
        assert_eq!(backoff(30), Duration::from_secs(10));
    }
}
