//! Containers that outlive the command that started them, with no daemon.
//!
//! # On disk
//! ```text
//! <root>/containers/containers.lock    flock: the set of containers and the name index
//! <root>/containers/names.json         name → id (derived from the records; rebuilt if lost)
//! <root>/containers/<id>/container.json  the record: what the container is (see `record`)
//! <root>/containers/<id>/config.json   its OCI runtime spec, built once at create
//! <root>/containers/<id>/state.json    last state worth keeping across a reboot
//! <root>/containers/<id>/lock          flock: this container's state transitions
//! <root>/containers/<id>/upper, work/  its writable layer
//! <root>/containers/<id>/ctr.log       its output, podman's k8s-file format
//! <root>/containers/<id>/monitor.log   the detached monitor's own messages, if any
//! <runroot>/containers/<id>/state.json the live state (pids, times, exit code)
//! <runroot>/containers/<id>/hosts …    the bundle files bound into it
//! <runroot>/containers/<id>/monitor.pid  the running monitor's pid (systemd's PIDFile=)
//! ```
//! A container dir appears by `rename` from `.tmp-<id>` and disappears by `rename` to
//! `.removed-<id>`, so readers never see half a container and need no lock; every
//! file in it is replaced atomically.
//!
//! # Lock order
//! When an invocation needs more than one lock it takes them in this order, and
//! never the other way round:
//! 1. the image store's `storage.lock` (e.g. `create` keeps the image from being
//!    removed until the container that uses it is recorded; `rmi` asks which images
//!    containers use);
//! 2. `containers.lock` (create, remove);
//! 3. one container's `lock` (state changes), one container at a time.
//!
//! Nobody waits for a process while holding lock 1 or 2. The one wait under lock 3 is
//! a starter waiting for the monitor's report, and the monitor shares that very lock
//! (it inherits the locked file), takes no other lock before reporting, and closes it
//! once the container runs.
//!
//! # The truth
//! A state that says "running" is believed only while its monitor lives: the same pid
//! with the same start time, in the same boot. Otherwise (`kill -9`, a reboot, a wiped
//! runtime dir) the container is shown as exited; its processes died with the monitor
//! (the init has SIGKILL as its parent-death signal).

pub mod cidfile;
pub mod copy;
pub mod create;
pub mod freeze;
pub mod image_users;
pub mod info;
pub mod inspect;
pub mod launch;
pub mod list;
pub mod logs;
pub mod logview;
pub mod logwatch;
pub mod names;
pub mod notify;
pub mod ops;
pub mod ports;
pub mod ps;
pub mod record;
pub mod restart;
pub mod state;
pub mod stats;
pub mod store;
pub mod top;
pub mod unit;

pub use record::Record;
pub use state::{State, Status};
pub use store::{Container, ContainerStore, LookupError};
