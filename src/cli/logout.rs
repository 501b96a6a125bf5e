//! `rpod logout`: remove stored registry credentials from podman's auth.json.

use std::path::PathBuf;

use anyhow::{bail, Result};

use super::Context;
use crate::image::registry::auth::{AuthEnv, Credentials};
use crate::image::registry::authfile;
use crate::image::registry::login::LoginTarget;

/// Log out of a container registry
#[derive(Debug, clap::Args)]
pub struct LogoutArgs {
    /// Remove the credentials of every registry
    #[arg(short, long, conflicts_with = "registry")]
    pub all: bool,

    /// Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)
    #[arg(long, value_name = "PATH")]
    pub authfile: Option<PathBuf>,

    /// Registry to log out of (default: the first search registry)
    #[arg(value_name = "REGISTRY")]
    pub registry: Option<String>,
}

pub fn run(ctx: &Context, args: &LogoutArgs) -> Result<u8> {
    let env = AuthEnv::from_process(args.authfile.as_deref(), &ctx.paths.home, ctx.paths.uid);
    let path = authfile::write_path(&env);
    if args.all {
        authfile::remove_all(&path)?;
        println!("Removed login credentials for all registries");
        return Ok(0);
    }
    let key = LoginTarget::resolve(
        &ctx.paths,
        ctx.config.registries.registries_conf.as_deref(),
        args.registry.as_deref(),
    )?
    .key;
    if authfile::remove(&path, &key)? {
        println!("Removed login credentials for {key}");
        return Ok(0);
    }
    // Not in the file rpod writes: say where the credentials come from instead.
    if let Credentials::Basic { .. } = authfile::stored_credentials(&env, &key)? {
        bail!(
            "not logged into {key} with {}: the credentials in use come from another file \
             (~/.config/containers/auth.json or ~/.docker/config.json); remove them there",
            path.display()
        );
    }
    bail!("not logged into {key}")
}
