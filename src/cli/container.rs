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
    /// Attach to a running container
    Attach(super::attach::AttachArgs),
    /// Copy files/folders between a container and the local filesystem
    Cp(super::cp::CpArgs),
    /// Create but do not start a container
    Create(Box<super::create::CreateCommand>),
    /// Run a process in a running container
    Exec(super::exec::ExecArgs),
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
    /// Pause all the processes in one or more containers
    Pause(super::pause::PauseArgs),
    /// List port mappings or a specific mapping for the container
    Port(super::port::PortArgs),
    /// Remove all non running containers
    Prune(super::container_prune::ContainerPruneArgs),
    /// Rename an existing container
    Rename(super::rename::RenameArgs),
    /// Restart one or more containers
    Restart(super::restart::RestartArgs),
    /// Remove one or more containers
    Rm(super::rm::RmArgs),
    /// Run a command in a new container
    Run(Box<super::run::RunCommand>),
    /// Start one or more containers
    Start(super::start::StartArgs),
    /// Display a live stream of container resource usage statistics
    Stats(super::pause::StatsArgs),
    /// Stop one or more containers
    Stop(super::stop::StopArgs),
    /// Display the running processes of a container
    Top(super::top::TopArgs),
    /// Unpause the processes in one or more containers
    Unpause(super::pause::PauseArgs),
    /// Block on one or more containers
    Wait(super::wait::WaitArgs),
}

pub fn run(ctx: &Context, args: ContainerArgs) -> Result<u8> {
    match args.command {
        ContainerCommand::Attach(a) => super::attach::run(ctx, &a),
        ContainerCommand::Cp(a) => super::cp::run(ctx, &a),
        ContainerCommand::Create(a) => super::create::run(ctx, &a),
        ContainerCommand::Exec(a) => super::exec::run(ctx, &a),
        ContainerCommand::Exists(a) => exists(ctx, &a),
        ContainerCommand::Inspect(mut a) => {
            a.kind = super::inspect::Kind::Container;
            super::inspect::run(ctx, &a)
        }
        ContainerCommand::Kill(a) => super::kill::run(ctx, &a),
        ContainerCommand::List(a) => super::ps::run(ctx, &a),
        ContainerCommand::Logs(a) => super::logs::run(ctx, &a),
        ContainerCommand::Pause(a) => super::pause::pause(ctx, &a),
        ContainerCommand::Stats(a) => super::pause::stats(ctx, &a),
        ContainerCommand::Unpause(a) => super::pause::unpause(ctx, &a),
        ContainerCommand::Port(a) => super::port::run(ctx, &a),
        ContainerCommand::Prune(a) => super::container_prune::run(ctx, &a),
        ContainerCommand::Rename(a) => super::rename::run(ctx, &a),
        ContainerCommand::Restart(a) => super::restart::run(ctx, &a),
        ContainerCommand::Rm(a) => super::rm::run(ctx, &a),
        ContainerCommand::Run(a) => super::run::run(ctx, &a),
        ContainerCommand::Start(a) => super::start::run(ctx, &a),
        ContainerCommand::Stop(a) => super::stop::run(ctx, &a),
        ContainerCommand::Top(a) => super::top::run(ctx, &a),
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

/// `--cidfile` of the verbs that act on existing containers.
#[derive(Debug, clap::Args)]
pub struct Cidfiles {
    /// Read the container ID from FILE (repeatable)
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<std::path::PathBuf>,
}

impl Cidfiles {
    /// The containers named on the command line, then those the files name.
    pub fn with_named(&self, named: &[String], ignore: bool) -> Result<Vec<String>> {
        let mut all = named.to_vec();
        all.extend(crate::container::cidfile::read_all(&self.cidfile, ignore)?);
        Ok(all)
    }
}

/// Opens the container store of this invocation.
pub fn open(ctx: &Context) -> Result<ContainerStore> {
    ContainerStore::open(&ctx.paths).context("opening the container store")
}

/// The containers a verb acts on: those named, or with `--all` every container
/// that `keep` accepts (by id).
pub fn targets(
    store: &ContainerStore,
    all: bool,
    named: &[String],
    keep: impl Fn(&crate::container::store::Container) -> bool,
) -> Result<Vec<String>> {
    if !all {
        return Ok(named.to_vec());
    }
    Ok(store
        .list()?
        .into_iter()
        .filter(|c| keep(c))
        .map(|c| c.record.id)
        .collect())
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
