//! Where rpod keeps its state, and how writes to it stay atomic.

pub mod atomic;
pub mod paths;
