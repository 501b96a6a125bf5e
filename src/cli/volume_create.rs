//! `rpod volume create`: a new, empty volume.

use std::path::Path;

use anyhow::Result;

use super::Context;
use crate::base::timestamp::Timestamp;
use crate::userns::IdMap;
use crate::volume::record::{parse_labels, parse_options, validate_driver};
use crate::volume::store::OwnerHook;
use crate::volume::{validate_name, Volume, VolumeError, VolumeStore};

/// Create a new volume
///
/// The volume is a directory in rpod's store; it starts empty, and the first
/// container that mounts it copies in the image's content at its mount point.
/// Without NAME it gets a random 64-hex name. Prints the volume's name.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// Volume driver (only "local")
    #[arg(long, default_value = "local", value_name = "DRIVER")]
    pub driver: String,

    /// Set metadata on the volume: KEY[=VALUE]
    #[arg(short, long, value_name = "LABEL")]
    pub label: Vec<String>,

    /// Driver options: uid=UID and gid=GID (owner of the volume's root, as ids in the
    /// container), copy or nocopy (whether the first container copies its image's content in)
    #[arg(short, long, value_name = "OPT")]
    pub opt: Vec<String>,

    /// Succeed without changing anything if the volume exists
    #[arg(long)]
    pub ignore: bool,

    /// Name of the volume
    pub name: Option<String>,
}

pub fn run(ctx: &Context, args: &CreateArgs) -> Result<u8> {
    validate_driver(&args.driver)?;
    let labels = parse_labels(&args.label)?;
    let options = parse_options(&args.opt)?;
    let name = match &args.name {
        Some(n) => {
            validate_name(n)?;
            n.clone()
        }
        None => crate::runtime::bundle::new_id()?,
    };
    let store = VolumeStore::open(&ctx.paths);
    let mut volume = Volume::new(&name, Timestamp::now().rfc3339_nanos(), labels, options);
    let (uid, gid) = volume.owner();
    if uid.is_some() || gid.is_some() {
        // The owner is set now: the first container must not change it.
        volume.needs_chown = false;
    }
    let map = IdMap::for_current_user();
    let set_owner = move |data: &Path| -> Result<()> {
        let data = data.to_path_buf();
        crate::userns::as_root(&map, move || {
            nix::unistd::chown(
                &data,
                uid.map(nix::unistd::Uid::from_raw),
                gid.map(nix::unistd::Gid::from_raw),
            )
            .map_err(|e| {
                anyhow::anyhow!(
                    "{e}: the ids must be mapped in rpod's user namespace (see `rpod info`)"
                )
            })
        })
    };
    let owner: Option<OwnerHook<'_>> = if uid.is_some() || gid.is_some() {
        Some(&set_owner)
    } else {
        None
    };
    match store.create(volume, owner) {
        Ok(v) => println!("{}", v.name),
        Err(VolumeError::Exists(n)) if args.ignore => println!("{n}"),
        Err(e) => return Err(e.into()),
    }
    Ok(0)
}
