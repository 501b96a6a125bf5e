//! `rpod generate systemd`: a systemd service unit for a container, as podman writes it.

use anyhow::{bail, Context as _, Result};
use clap::{Parser, Subcommand};

use super::Context;
use crate::container::unit::{self, CreateCommand, UnitOptions};
use crate::container::ContainerStore;

/// Generate structured data based on containers
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub command: GenerateCommand,
}

#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    Systemd(SystemdArgs),
}

/// Generate a systemd unit file for a container
///
/// Without --new the unit starts and stops the existing container. With --new it
/// creates the container at each start from the command that created it (and
/// removes it at stop), so the unit works on a host where the container does not
/// exist: `rpod run --rm --replace --sdnotify=conmon -d --cidfile=%t/%n.ctr-id …`.
#[derive(Debug, clap::Args)]
pub struct SystemdArgs {
    /// Write the unit to ./container-NAME.service and print its path
    #[arg(short, long)]
    pub files: bool,

    /// Use the container's name instead of its ID in the unit
    #[arg(short, long)]
    pub name: bool,

    /// Create a new container at each start instead of starting an existing one
    #[arg(long)]
    pub new: bool,

    /// Skip the header with the rpod version and the date
    #[arg(long)]
    pub no_header: bool,

    /// systemd restart policy (Restart=)
    #[arg(long, value_name = "POLICY", default_value = "on-failure",
          value_parser = clap::builder::PossibleValuesParser::new(unit::RESTART_POLICIES))]
    pub restart_policy: String,

    /// Seconds systemd waits before restarting the container (RestartSec=)
    #[arg(long, value_name = "SECONDS")]
    pub restart_sec: Option<u32>,

    /// Seconds to wait for the container to stop before killing it (default: its --stop-timeout)
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u32>,

    /// Prefix of the unit's name
    #[arg(long, value_name = "PREFIX", default_value = "container")]
    pub container_prefix: String,

    /// Between the prefix and the name
    #[arg(long, value_name = "SEP", default_value = "-")]
    pub separator: String,

    /// The container (name or ID)
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

pub fn run(ctx: &Context, args: GenerateArgs) -> Result<u8> {
    match args.command {
        GenerateCommand::Systemd(a) => systemd(ctx, &a),
    }
}

fn systemd(ctx: &Context, args: &SystemdArgs) -> Result<u8> {
    let store = ContainerStore::open(&ctx.paths)?;
    let record = store.lookup(&args.container)?;
    let split = if args.new {
        split_create_command(&record.create_command).with_context(|| {
            format!(
                "container {}: its create command cannot be run again",
                record.name
            )
        })?
    } else {
        CreateCommand::default()
    };
    let opts = UnitOptions {
        new: args.new,
        use_name: args.name,
        restart_policy: args.restart_policy.clone(),
        restart_sec: args.restart_sec,
        stop_timeout: args.time.unwrap_or(record.stop_timeout),
        container_prefix: args.container_prefix.clone(),
        separator: args.separator.clone(),
        header: !args.no_header,
    };
    let unit = unit::for_container(&store, &ctx.paths.runroot, &record, &split, &opts)?;
    if args.files {
        let path = unit::write_in_current_dir(&unit)?;
        println!("{}", path.display());
    } else {
        print!("{}", unit.text);
    }
    Ok(0)
}

#[derive(Parser)]
#[command(no_binary_name = true, disable_help_flag = true)]
struct RunLine {
    #[command(flatten)]
    cmd: super::run::RunCommand,
}

#[derive(Parser)]
#[command(no_binary_name = true, disable_help_flag = true)]
struct CreateLine {
    #[command(flatten)]
    cmd: super::create::CreateCommand,
}

fn split_create_command(argv: &[String]) -> Result<CreateCommand> {
    let Some(verb) = argv
        .iter()
        .skip(1)
        .position(|a| a == "run" || a == "create")
        .map(|i| i + 1)
    else {
        bail!("no `run` or `create` in the recorded command {argv:?}");
    };
    let rest = &argv[verb + 1..];
    // Parsed again as it was at create time: where the flags end and the image begins.
    let count = if argv[verb] == "run" {
        RunLine::try_parse_from(rest).map(|l| l.cmd.run.positional.len())
    } else {
        CreateLine::try_parse_from(rest).map(|l| l.cmd.run.positional.len())
    }
    .map_err(|e| anyhow::anyhow!("{}", e.to_string().lines().next().unwrap_or_default()))?;
    let split = rest.len().saturating_sub(count);
    Ok(CreateCommand {
        global: argv[1..verb]
            .iter()
            .filter(|a| *a != "container")
            .cloned()
            .collect(),
        options: rest[..split].to_vec(),
        positional: rest[split..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn create_commands_split_at_the_image() {
        let c = split_create_command(&strings(&[
            "/usr/bin/rpod",
            "--root",
            "/r",
            "container",
            "run",
            "-d",
            "-e",
            "A=1",
            "--name",
            "web",
            "busybox",
            "sh",
            "-c",
            "echo -d",
        ]))
        .unwrap();
        assert_eq!(c.global, strings(&["--root", "/r"]));
        assert_eq!(c.options, strings(&["-d", "-e", "A=1", "--name", "web"]));
        assert_eq!(c.positional, strings(&["busybox", "sh", "-c", "echo -d"]));

        let c =
            split_create_command(&strings(&["rpod", "create", "--rootfs", "/x", "true"])).unwrap();
        assert_eq!(c.options, strings(&["--rootfs", "/x"]));
        assert_eq!(c.positional, strings(&["true"]));
        assert!(split_create_command(&strings(&["rpod", "start", "x"])).is_err());
    }
}
