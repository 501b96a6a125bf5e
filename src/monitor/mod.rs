//! A container's monitor: the process that is its init's parent from the start of
//! its command to its end. It starts the command (through
//! [`crate::container::launch`], the one way a container's command starts), relays
//! signals, the terminal or the output, records every exit, restarts as the
//! container's policy says, and with `--rm` removes the container at the end.
//!
//! - [`start`]: starting a recorded container detached or in the foreground;
//! - [`detach`]: the detached monitor process, spawned by a double fork and a
//!   re-exec of rpod ([`detach::entry`]), and its report to the starter;
//! - [`supervise`]: the monitor loop itself, exit recording and restarts;
//! - [`foreground`] and [`signals`]: relaying to a process in the foreground (also
//!   for `exec` and a build's `RUN`);
//! - [`log_writer`]: the container's log; [`own_log`]: the detached monitor's own;
//! - [`attach`]: the attach socket (the monitor's hub, the clients' end);
//! - [`trim`]: keeping an idle monitor small.
//!
//! The monitor depends on `crate::container` (records, state, the store, launch),
//! never the other way round. What the record and the commands need without a
//! monitor stays there: the log format and its reading for `rpod logs` (and
//! `logs -f`'s watch), and the restart policy as recorded.

pub mod attach;
pub mod detach;
pub mod foreground;
pub mod log_writer;
pub mod own_log;
pub mod signals;
pub mod start;
pub mod supervise;
pub mod trim;
