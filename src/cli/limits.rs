//! The resource flags of `run`/`create` handed to the cgroup module, which checks
//! them and turns them into the spec's `linux.resources`.

use anyhow::Result;
use oci_spec::runtime::LinuxResources;

use super::args::RunArgs;
use crate::cgroup::limits::{self, LimitFlags};

/// The spec's resources from the flags; `None` when no flag asks for a limit.
pub fn resources(args: &RunArgs) -> Result<Option<LinuxResources>> {
    Ok(limits::resources(&LimitFlags {
        memory: args.memory,
        memory_swap: args.memory_swap,
        cpus: args.cpus,
        cpu_shares: args.cpu_shares,
        pids_limit: args.pids_limit,
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    #[command(disable_help_flag = true)]
    struct Cmd {
        #[command(flatten)]
        run: RunArgs,
    }

    #[test]
    fn flags_reach_the_limits() {
        let a = Cmd::try_parse_from(["x", "-m", "64m", "--pids-limit", "5", "img"])
            .unwrap()
            .run;
        let r = resources(&a).unwrap().unwrap();
        assert_eq!(r.memory().unwrap().limit(), Some(64 << 20));
        assert_eq!(r.pids().unwrap().limit(), 5);
        assert!(Cmd::try_parse_from(["x", "--cpu-shares", "1", "img"]).is_err());
    }
}
