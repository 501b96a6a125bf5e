//! The integration test binary: runs the real `rpod` as an unprivileged user.

mod architecture;
mod attach;
mod build;
mod cgroups;
mod cli;
mod common;
mod containers;
mod cp;
mod docs;
mod exec;
mod images;
mod layers;
mod lifecycle;
mod network;
mod network_join;
mod push;
mod registry_client;
mod run;
mod run_image;
mod systemd;
mod userns;
mod volumes;
