//! `rpod container …`: the container verbs grouped as podman groups them, and what
//! the container commands share.

use anyhow::{Context as _, Result};
use clap::Subcommand;

use super::Context;
use crate::container::ContainerStore;
use crate::error;

/// Manage containers
#[derive(Debug, clap::Args)]
pub struct ContainerArgs {
    #[command(subcommand)]
    pub command: ContainerCommand,
}

#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    /// Create but do not start a container
    Create(Box<super::create::CreateCommand>),
    /// Check if a container exists in local storage
    Exists(ExistsArgs),
    /// Display the configuration of a container
    Inspect(super::inspect::InspectArgs),
    /// Kill one or more running containers with a specific signal
    Kill(super::kill::KillArgs),
    /// List containers
    #[command(visible_aliases = ["ls", "ps"])]
    List(super::ps::PsArgs),
    /// Fetch the logs of one or more containers
    Logs(super::logs::LogsArgs),
    /// Restart one or more containers
    Restart(super::restart::RestartArgs),
    /// Remove one or more containers
    Rm(super::rm::RmArgs),
    /// Run a command in a new container
    Run(Box<super::run::RunCommand>),
    /// Start one or more containers
    Start(super::start::StartArgs),
    /// Stop one or more containers
    Stop(super::stop::StopArgs),
    /// Block on one or more containers
    Wait(super::wait::WaitArgs),
}

pub fn run(ctx: &Context, args: ContainerArgs) -> Result<u8> {
    match args.command {
        ContainerCommand::Create(a) => super::create::run(ctx, &a),
        ContainerCommand::Exists(a) => exists(ctx, &a),
        ContainerCommand::Inspect(mut a) => {
            a.kind = super::inspect::Kind::Container;
            super::inspect::run(ctx, &a)
        }
        ContainerCommand::Kill(a) => super::kill::run(ctx, &a),
        ContainerCommand::List(a) => super::ps::run(ctx, &a),
        ContainerCommand::Logs(a) => super::logs::run(ctx, &a),
        ContainerCommand::Restart(a) => super::restart::run(ctx, &a),
        ContainerCommand::Rm(a) => super::rm::run(ctx, &a),
        ContainerCommand::Run(a) => super::run::run(ctx, &a),
        ContainerCommand::Start(a) => super::start::run(ctx, &a),
        ContainerCommand::Stop(a) => super::stop::run(ctx, &a),
        ContainerCommand::Wait(a) => super::wait::run(ctx, &a),
    }
}

/// Check if a container exists in local storage
#[derive(Debug, clap::Args)]
pub struct ExistsArgs {
    /// Container name or ID
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

/// Exit 0 if the container exists, 1 if not (podman's contract).
fn exists(ctx: &Context, args: &ExistsArgs) -> Result<u8> {
    let store = open(ctx)?;
    match store.lookup(&args.container) {
        Ok(_) => Ok(0),
        Err(crate::container::store::ContainerError::Lookup(
            crate::container::LookupError::NotFound(_),
        )) => Ok(1),
        Err(e) => Err(e.into()),
    }
}

/// Opens the container store of this invocation.
pub fn open(ctx: &Context) -> Result<ContainerStore> {
    ContainerStore::open(&ctx.paths).context("opening the container store")
}

/// Applies `f` to each query, as podman does for commands taking several containers:
/// every failure is reported, the command goes on with the next one, and the exit
/// status is that of the last failure.
pub fn each(queries: &[String], mut f: impl FnMut(&str) -> Result<()>) -> Result<u8> {
    let mut last: Option<anyhow::Error> = None;
    for q in queries {
        if let Err(e) = f(q) {
            if let Some(prev) = last.take() {
                eprintln!("Error: {}", error::one_line(&prev));
            }
            last = Some(e);
        }
    }
    match last {
        Some(e) => Err(e),
        None => Ok(0),
    }
}
