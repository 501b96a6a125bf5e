//! The command line: global flags, one subcommand per file, one dispatch `match`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};

use crate::base::paths::{Env, Paths};
use crate::config::Config;
use crate::error;

pub mod args;
pub mod attach;
pub mod build;
pub mod commit;
pub mod container;
pub mod container_prune;
pub mod cp;
pub mod create;
pub mod docs;
pub mod exec;
pub mod generate;
pub mod history;
pub mod image;
pub mod image_exists;
pub mod image_inspect;
pub mod image_prune;
pub mod images;
pub mod import;
pub mod info;
pub mod inspect;
pub mod kill;
pub mod load;
pub mod login;
pub mod logout;
pub mod logs;
pub mod pause;
pub mod port;
pub mod prompt;
pub mod ps;
pub mod pull;
pub mod push;
pub mod rename;
pub mod restart;
pub mod rm;
pub mod rmi;
pub mod run;
pub mod save;
pub mod start;
pub mod stats;
pub mod stop;
pub mod tag;
pub mod top;
pub mod unshare;
pub mod untag;
pub mod version;
pub mod volume;
pub mod volume_create;
pub mod volume_exists;
pub mod volume_inspect;
pub mod volume_ls;
pub mod volume_prune;
pub mod volume_rm;
pub mod wait;

/// Manage containers, images and volumes without a daemon and without root.
#[derive(Debug, Parser)]
#[command(
    name = "rpod",
    about = "Manage pods, containers and images without root and without a daemon",
    version = concat!("version ", env!("CARGO_PKG_VERSION")),
    disable_version_flag = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand accepts.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Log messages at and above this level: trace, debug, info, warn, error, fatal, panic
    #[arg(long, global = true, default_value = "warn", value_name = "LEVEL",
          value_parser = crate::logging::parse_level)]
    pub log_level: log::LevelFilter,

    /// Path to the storage root directory (images, containers, volumes)
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Path to the runtime state directory (pids, sockets, locks)
    #[arg(long, global = true, value_name = "DIR")]
    pub runroot: Option<PathBuf>,

    /// Print the version and exit
    #[arg(short = 'v', long = "version", action = clap::ArgAction::Version)]
    pub version: (),
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Info(info::InfoArgs),
    Run(Box<run::RunCommand>),
    /// Build an image using instructions from Containerfiles
    Build(build::BuildArgs),
    /// Create a new image from a container's changes
    Commit(commit::CommitArgs),
    Exec(exec::ExecArgs),
    Attach(attach::AttachArgs),
    /// Manage containers
    Container(container::ContainerArgs),
    Cp(cp::CpArgs),
    /// Create but do not start a container
    Create(Box<create::CreateCommand>),
    /// Display the configuration of containers or images
    Inspect(inspect::InspectArgs),
    /// Kill one or more running containers with a specific signal
    Kill(kill::KillArgs),
    /// Log in to a container registry
    Login(login::LoginArgs),
    /// Log out of a container registry
    Logout(logout::LogoutArgs),
    /// Fetch the logs of one or more containers
    Logs(logs::LogsArgs),
    /// Pause all the processes in one or more containers
    Pause(pause::PauseArgs),
    /// List port mappings or a specific mapping for the container
    Port(port::PortArgs),
    /// List containers
    Ps(ps::PsArgs),
    /// Rename an existing container
    Rename(rename::RenameArgs),
    /// Restart one or more containers
    Restart(restart::RestartArgs),
    /// Remove one or more containers
    Rm(rm::RmArgs),
    /// Start one or more containers
    Start(start::StartArgs),
    /// Display a live stream of container resource usage statistics
    Stats(pause::StatsArgs),
    /// Stop one or more containers
    Stop(stop::StopArgs),
    Generate(generate::GenerateArgs),
    /// Display the running processes of a container
    Top(top::TopArgs),
    /// Unpause the processes in one or more containers
    Unpause(pause::PauseArgs),
    /// Block on one or more containers
    Wait(wait::WaitArgs),
    Unshare(unshare::UnshareArgs),
    /// Show history of a specified image
    History(history::HistoryArgs),
    /// Manage images
    Image(image::ImageArgs),
    /// List images in local storage
    Images(images::ImagesArgs),
    /// Import a tarball to create a filesystem image
    Import(import::ImportArgs),
    /// Load image(s) from a tar archive
    Load(load::LoadArgs),
    /// Pull an image from a registry
    Pull(pull::PullArgs),
    /// Push an image to a specified destination
    Push(push::PushArgs),
    /// Remove one or more images from local storage
    Rmi(rmi::RmiArgs),
    /// Save image(s) to an archive
    Save(save::SaveArgs),
    /// Add an additional name to a local image
    Tag(tag::TagArgs),
    /// Remove a name from a local image
    Untag(untag::UntagArgs),
    Version(version::VersionArgs),
    /// Manage volumes
    Volume(volume::VolumeArgs),
}

/// What every command gets: resolved paths and the loaded config.
#[derive(Debug, Clone)]
pub struct Context {
    pub paths: Paths,
    pub config: Config,
}

impl Context {
    pub fn load(global: &GlobalArgs) -> Result<Context> {
        let paths = Paths::resolve(
            &Env::from_process(),
            global.root.clone(),
            global.runroot.clone(),
        )?;
        let config = Config::load(&paths.config_dir)?;
        Ok(Context { paths, config })
    }
}

/// The clap command tree, for the docs generator and completions.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Parses `argv`, runs the command and maps the outcome to podman's exit codes.
pub fn main() -> ExitCode {
    // A container's monitor is rpod re-executed: it takes no command line.
    if let Some(code) = crate::monitor::detach::entry() {
        return ExitCode::from(code);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return clap_failure(err),
    };
    crate::logging::init(cli.global.log_level);
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("Error: {}", error::one_line(&err));
            ExitCode::from(error::exit_code(&err))
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    let ctx = || Context::load(&cli.global);
    match cli.command {
        Command::Info(args) => info::run(&ctx()?, &args),
        Command::Run(args) => run::run(&ctx()?, &args),
        Command::Build(a) => build::run(&ctx()?, &a),
        Command::Commit(a) => commit::run(&ctx()?, &a),
        Command::Exec(args) => exec::run(&ctx()?, &args),
        Command::Attach(a) => attach::run(&ctx()?, &a),
        Command::Container(a) => container::run(&ctx()?, a),
        Command::Cp(a) => cp::run(&ctx()?, &a),
        Command::Create(a) => create::run(&ctx()?, &a),
        Command::Inspect(a) => inspect::run(&ctx()?, &a),
        Command::Kill(a) => kill::run(&ctx()?, &a),
        Command::Login(a) => login::run(&ctx()?, &a),
        Command::Logout(a) => logout::run(&ctx()?, &a),
        Command::Logs(a) => logs::run(&ctx()?, &a),
        Command::Pause(a) => pause::pause(&ctx()?, &a),
        Command::Stats(a) => pause::stats(&ctx()?, &a),
        Command::Unpause(a) => pause::unpause(&ctx()?, &a),
        Command::Port(a) => port::run(&ctx()?, &a),
        Command::Ps(a) => ps::run(&ctx()?, &a),
        Command::Rename(a) => rename::run(&ctx()?, &a),
        Command::Restart(a) => restart::run(&ctx()?, &a),
        Command::Rm(a) => rm::run(&ctx()?, &a),
        Command::Start(a) => start::run(&ctx()?, &a),
        Command::Stop(a) => stop::run(&ctx()?, &a),
        Command::Generate(a) => generate::run(&ctx()?, a),
        Command::Top(a) => top::run(&ctx()?, &a),
        Command::Wait(a) => wait::run(&ctx()?, &a),
        Command::Unshare(args) => unshare::run(&ctx()?, &args),
        Command::Version(args) => version::run(&args),
        Command::History(a) => history::run(&ctx()?, &a),
        Command::Image(a) => image::run(&ctx()?, a),
        Command::Images(a) => images::run(&ctx()?, &a),
        // The context is resolved before entering the user namespace: inside it
        // the uid is 0, which would select root's store.
        Command::Import(a) => {
            let ctx = ctx()?;
            as_store_root(|| import::run(&ctx, &a))
        }
        Command::Load(a) => {
            let ctx = ctx()?;
            as_store_root(|| load::run(&ctx, &a))
        }
        Command::Pull(a) => {
            let ctx = ctx()?;
            as_store_root(|| pull::run(&ctx, &a))
        }
        // Layer files of subordinate owners may be unreadable to the user alone.
        Command::Push(a) => {
            let ctx = ctx()?;
            as_store_root(|| push::run(&ctx, &a))
        }
        Command::Rmi(a) => rmi::run(&ctx()?, &a),
        // Layer files of subordinate owners may be unreadable to the user alone.
        Command::Save(a) => {
            let ctx = ctx()?;
            as_store_root(|| save::run(&ctx, &a))
        }
        Command::Tag(a) => tag::run(&ctx()?, &a),
        Command::Untag(a) => untag::run(&ctx()?, &a),
        Command::Volume(a) => volume::run(&ctx()?, a),
    }
}

/// Runs a command that writes layers as root of the user namespace, so that
/// file owners from the image land on the subordinate ids they map to. The
/// caller resolves its [`Context`] first: inside, the process is uid 0 and
/// would take root's paths.
pub fn as_store_root(f: impl FnOnce() -> Result<u8>) -> Result<u8> {
    crate::userns::as_root(&crate::userns::IdMap::for_current_user(), f)
}

/// Help and `--version` go to stdout with status 0; every usage error is one line and 125.
fn clap_failure(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = err.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            ExitCode::from(error::EXIT_RPOD)
        }
        _ => {
            eprintln!("Error: {}", usage_line(&err));
            ExitCode::from(error::EXIT_RPOD)
        }
    }
}

/// Condenses clap's multi-line message into podman's single-line shape.
fn usage_line(err: &clap::Error) -> String {
    let rendered = err.render().to_string();
    let first = rendered
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid command line");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // "the following required arguments were not provided:" lists them on the next lines.
    let listed: Vec<&str> = if first.ends_with(':') {
        rendered
            .lines()
            .skip_while(|l| !l.contains(first))
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .map(str::trim)
            .collect()
    } else {
        Vec::new()
    };
    if listed.is_empty() {
        format!("{first} (see 'rpod --help')")
    } else {
        format!("{first} {} (see 'rpod --help')", listed.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn unknown_flag_is_one_line() {
        let err = Cli::try_parse_from(["rpod", "--bogus", "version"]).unwrap_err();
        let line = usage_line(&err);
        assert!(line.contains("--bogus"), "{line}");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn missing_required_arguments_are_named() {
        let err = Cli::try_parse_from(["rpod", "pull"]).unwrap_err();
        let line = usage_line(&err);
        assert!(line.contains("<IMAGE>"), "{line}");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn global_flags_after_subcommand() {
        let cli = Cli::try_parse_from(["rpod", "version", "--root", "/x", "--log-level", "debug"])
            .unwrap();
        assert_eq!(cli.global.root, Some(PathBuf::from("/x")));
        assert_eq!(cli.global.log_level, log::LevelFilter::Debug);
    }
}
