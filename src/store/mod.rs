//! Where rpod keeps its state, and how writes to it stay atomic.

pub mod images;
pub mod layers;
pub mod names;
pub mod removal;
#[allow(clippy::module_inception)]
pub mod store;

pub use store::{LayerStore, Lease, NewImage, Store, StoreError, StoreRead, StoreWrite, View};
