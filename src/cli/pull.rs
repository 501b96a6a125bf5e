//! `rpod pull`: copy an image from a registry into local storage.

use std::path::PathBuf;

use anyhow::Result;

use super::Context;
use crate::image::ensure::PullFlags;
use crate::image::pull::{pull, PullOptions};
use crate::store::Store;

/// Registry access flags shared by pull and the commands that pull on demand.
#[derive(Debug, Clone, clap::Args)]
pub struct RegistryArgs {
    /// Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_missing_value = "true")]
    pub tls_verify: Option<bool>,

    /// Credentials (USERNAME:PASSWORD) for the registry
    #[arg(long, value_name = "USERNAME:PASSWORD")]
    pub creds: Option<String>,

    /// Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)
    #[arg(long, value_name = "PATH")]
    pub authfile: Option<PathBuf>,
}

/// Platform selection flags shared by pull and run.
#[derive(Debug, Clone, clap::Args)]
pub struct PlatformArgs {
    /// Pull the image for this platform (OS/ARCH[/VARIANT]) instead of the host's
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", conflicts_with_all = ["arch", "os", "variant"])]
    pub platform: Option<String>,

    /// Pull the image for this architecture instead of the host's
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,

    /// Pull the image for this operating system instead of the host's
    #[arg(long, value_name = "OS")]
    pub os: Option<String>,

    /// Use this architecture variant (e.g. v7 for arm)
    #[arg(long, value_name = "VARIANT")]
    pub variant: Option<String>,
}

/// Pull an image from a registry
#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// Suppress output information when pulling images
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub platform: PlatformArgs,

    #[command(flatten)]
    pub registry: RegistryArgs,

    /// The image to pull (NAME[:TAG|@DIGEST])
    pub image: String,
}

/// The options for pulling, from the flags and the config.
pub fn pull_options(
    ctx: &Context,
    platform: &PlatformArgs,
    registry: &RegistryArgs,
    quiet: bool,
) -> Result<PullOptions> {
    Ok(pull_flags(ctx, platform, registry, quiet).options()?)
}

/// The pull flags as given, parsed only if a pull happens.
pub fn pull_flags(
    ctx: &Context,
    platform: &PlatformArgs,
    registry: &RegistryArgs,
    quiet: bool,
) -> PullFlags {
    PullFlags {
        platform: platform.platform.clone(),
        arch: platform.arch.clone(),
        os: platform.os.clone(),
        variant: platform.variant.clone(),
        tls_verify: registry.tls_verify,
        creds: registry.creds.clone(),
        authfile: registry.authfile.clone(),
        quiet,
        parallel: ctx.config.registries.max_parallel_downloads,
        registries_conf: ctx.config.registries.registries_conf.clone(),
    }
}

pub fn run(ctx: &Context, args: &PullArgs) -> Result<u8> {
    let opts = pull_options(ctx, &args.platform, &args.registry, args.quiet)?;
    let store = Store::open(&ctx.paths)?;
    let image = pull(&ctx.paths, &store, &args.image, &opts)?;
    println!("{}", image.id.hex());
    Ok(0)
}
