//! Where rpod keeps its state, and how writes to it stay atomic.

pub mod atomic;
pub mod images;
pub mod layers;
pub mod lock;
pub mod names;
pub mod paths;
pub mod remove;
#[allow(clippy::module_inception)]
pub mod store;
pub mod timestamp;

pub use store::{LayerStore, Lease, NewImage, Store, StoreError, StoreRead, StoreWrite, View};
