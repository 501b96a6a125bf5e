//! rpod: a daemonless, rootless container tool.
//!
//! Every invocation does its own work and exits. The modules below own one
//! concern each; `cli` is the thin layer that turns command lines into calls.

pub mod base;
pub mod build;
pub mod cgroup;
pub mod cli;
pub mod config;
pub mod container;
pub mod error;
pub mod format;
pub mod host;
pub mod image;
pub mod inroot;
pub mod logging;
pub mod monitor;
pub mod network;
pub mod rootfs;
pub mod runtime;
pub mod store;
pub mod sys;
pub mod userns;
pub mod volume;
