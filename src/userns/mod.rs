//! Entering the user namespace with the fixed map (container 0 → the user, 1..N → subordinate ids).

pub mod map;
pub mod spawn;
pub mod subid;

pub use map::{IdMap, IdRange, SubIds};
pub use spawn::{
    as_root, exit_status, run, run_in, spawn, spawn_in, spawn_joined, spawn_joined_in, Child,
};
