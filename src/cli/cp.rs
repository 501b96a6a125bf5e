//! `rpod cp`: copy files between a container and the host.

use anyhow::Result;

use super::Context;
use crate::container::copy::{self, rules::Direction, Request};
use crate::userns::IdMap;

/// Copy files/folders between a container and the local filesystem
///
/// One of SRC and DEST is CONTAINER:PATH (a name or ID; the path is relative to the
/// container's root), the other a local path, or - for a tar archive read from stdin
/// (DEST must then be a directory) or written to stdout. The container may be running
/// or stopped; symlinks inside it resolve inside it.
///
/// A file replaces a file and goes into a directory under its own name; a directory
/// is created when DEST does not exist and copied into DEST when it does (DIR/. copies
/// its content instead). Files copied out belong to the calling user; files copied in
/// belong to the container's user (see --archive). Modes, times, symlinks and hard
/// links are kept.
#[derive(Debug, clap::Args)]
pub struct CpArgs {
    /// Give files copied into the container to its user and group; with
    /// --archive=false keep the owners of the source (as seen in the user namespace)
    #[arg(short, long, value_name = "BOOL", default_value_t = true,
          action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true")]
    pub archive: bool,

    /// Allow directories to be replaced by non-directories and the other way round
    #[arg(long)]
    pub overwrite: bool,

    /// What to copy: [CONTAINER:]PATH or -
    #[arg(value_name = "SRC", allow_hyphen_values = true)]
    pub src: String,

    /// Where to copy it: [CONTAINER:]PATH or -
    #[arg(value_name = "DEST", allow_hyphen_values = true)]
    pub dest: String,
}

pub fn run(ctx: &Context, args: &CpArgs) -> Result<u8> {
    let req = Request {
        direction: Direction::of(&args.src, &args.dest)?,
        archive: args.archive,
        overwrite: args.overwrite,
    };
    let store = super::container::open(ctx)?;
    copy::copy(&store, &IdMap::for_current_user(), &req)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: CpArgs,
    }

    fn parse(argv: &[&str]) -> CpArgs {
        Cli::try_parse_from(std::iter::once("cp").chain(argv.iter().copied()))
            .unwrap()
            .args
    }

    #[test]
    fn archive_defaults_to_true_and_takes_a_value() {
        let a = parse(&["f", "c:/x"]);
        assert!(a.archive && !a.overwrite);
        assert!(!parse(&["--archive=false", "f", "c:/x"]).archive);
        assert!(parse(&["-a", "f", "c:/x"]).archive);
        let a = parse(&["--overwrite", "-", "c:/x"]);
        assert!(a.overwrite);
        assert_eq!(a.src, "-");
        assert_eq!(parse(&["c:/x", "-"]).dest, "-");
    }
}
