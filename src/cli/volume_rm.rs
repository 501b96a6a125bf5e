//! `rpod volume rm`: remove volumes, refusing those containers use.

use anyhow::{bail, Result};

use super::Context;
use crate::base::remove::UsernsRemover;
use crate::container::list;
use crate::error::exit_error;
use crate::userns::IdMap;
use crate::volume::{prune, VolumeError, VolumeStore};

/// Exit status when a volume does not exist (and nothing worse happened).
pub const EXIT_NO_SUCH_VOLUME: u8 = 1;
/// Exit status when a container uses a volume.
pub const EXIT_VOLUME_IN_USE: u8 = 2;

/// Remove one or more volumes
///
/// A volume that a container uses (running or not) is refused unless --force is
/// given, which removes those containers first (stopping running ones). Exit status: 0 all removed, 1 a volume did not exist, 2 a volume is in
/// use, 125 any other failure.
#[derive(Debug, clap::Args)]
pub struct RmArgs {
    /// Remove all volumes
    #[arg(short, long)]
    pub all: bool,

    /// Remove volumes even when containers use them, and those containers with them
    #[arg(short, long)]
    pub force: bool,

    /// Seconds to wait for running containers to stop before killing them
    #[arg(short, long, value_name = "SECONDS")]
    pub time: Option<u32>,

    /// Volumes to remove
    #[arg(value_name = "VOLUME")]
    pub names: Vec<String>,
}

pub fn run(ctx: &Context, args: &RmArgs) -> Result<u8> {
    if args.all && !args.names.is_empty() {
        bail!("when using the --all flag, you may not pass any volume names");
    }
    if !args.all && args.names.is_empty() {
        bail!("choose either one or more volumes or all");
    }
    let store = VolumeStore::open(&ctx.paths);
    let names: Vec<String> = if args.all {
        store.list()?.into_iter().map(|v| v.name).collect()
    } else {
        args.names.clone()
    };
    let remover = UsernsRemover {
        map: IdMap::for_current_user(),
    };
    let mut failures: Vec<(u8, String)> = Vec::new();
    for name in &names {
        if args.force {
            if let Err(e) = list::remove_volume_users(&ctx.paths, &store, name, args.time) {
                failures.push((crate::error::EXIT_RPOD, crate::error::one_line(&e)));
                continue;
            }
        }
        match prune::remove(&store, name, args.force, &remover) {
            Ok(v) => println!("{}", v.name),
            Err(e) => failures.push((code_of(&e), crate::error::one_line(&e))),
        }
    }
    finish(failures)
}

/// podman's status for one failure.
fn code_of(e: &anyhow::Error) -> u8 {
    match e.downcast_ref::<VolumeError>() {
        Some(VolumeError::NotFound(_)) => EXIT_NO_SUCH_VOLUME,
        Some(VolumeError::InUse { .. }) => EXIT_VOLUME_IN_USE,
        _ => crate::error::EXIT_RPOD,
    }
}

/// Every failure but the last is printed here; the last becomes the command's error,
/// with the status of the worst: any other failure, then in use, then missing.
pub fn finish(failures: Vec<(u8, String)>) -> Result<u8> {
    let Some(worst) = failures.iter().map(|(c, _)| *c).max_by_key(|c| match *c {
        EXIT_NO_SUCH_VOLUME => 0,
        EXIT_VOLUME_IN_USE => 1,
        _ => 2,
    }) else {
        return Ok(0);
    };
    let mut failures = failures;
    let (_, last) = failures.pop().unwrap_or_default();
    for (_, msg) in &failures {
        eprintln!("Error: {msg}");
    }
    Err(exit_error(worst, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_failure_decides_the_status() {
        assert_eq!(finish(vec![]).unwrap(), 0);
        let code = |f: Vec<(u8, String)>| crate::error::exit_code(&finish(f).unwrap_err());
        assert_eq!(code(vec![(1, "a".into())]), 1);
        assert_eq!(code(vec![(1, "a".into()), (2, "b".into())]), 2);
        assert_eq!(code(vec![(2, "b".into()), (1, "a".into())]), 2);
        assert_eq!(code(vec![(125, "x".into()), (2, "b".into())]), 125);
        let e = finish(vec![(1, "a".into()), (2, "last".into())]).unwrap_err();
        assert_eq!(crate::error::one_line(&e), "last");
    }

    #[test]
    fn errors_map_to_podman_codes() {
        let e: anyhow::Error = VolumeError::NotFound("x".into()).into();
        assert_eq!(code_of(&e), 1);
        let e: anyhow::Error = VolumeError::InUse {
            name: "x".into(),
            containers: vec!["abc".into()],
        }
        .into();
        assert_eq!(code_of(&e), 2);
        assert_eq!(
            e.to_string(),
            "volume x is being used by the following container(s): abc: remove them first, or pass --force"
        );
        assert_eq!(code_of(&anyhow::anyhow!("other")), 125);
    }
}
