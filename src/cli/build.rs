//! `rpod build`: an image from a Containerfile (or Dockerfile) and a context directory.

use std::path::PathBuf;

use anyhow::{anyhow, Result};

use super::image::open_store;
use super::pull::{pull_options, PlatformArgs, RegistryArgs};
use super::Context;
use crate::build::builder::{BuildOptions, Builder};
use crate::build::input;
use crate::build::parse;
use crate::image::compression::LayerCompression;
use crate::image::ensure::PullPolicy;
use crate::image::manifest::Format as ManifestFormat;
use crate::network::NetworkMode;

/// Build an image using instructions from Containerfiles
///
/// Each RUN step runs in a container on the image so far (private network by
/// default); each RUN, COPY and ADD becomes a layer. Steps are cached: a rebuild
/// reuses every step whose input has not changed, and rebuilds from the first one
/// that has (a changed file a COPY reads, a changed --build-arg a RUN sees).
/// The Containerfile is `-f FILE` (`-` for standard input), else `Containerfile`
/// or `Dockerfile` in the context directory.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Name of the resulting image (may be given several times)
    #[arg(short, long = "tag", value_name = "NAME")]
    pub tag: Vec<String>,

    /// The Containerfile to build (`-` reads it from standard input)
    #[arg(short, long, value_name = "FILE")]
    pub file: Option<String>,

    /// A build-time variable: NAME=VALUE, or NAME to take the value from the environment
    #[arg(long = "build-arg", value_name = "NAME[=VALUE]")]
    pub build_arg: Vec<String>,

    /// Build up to this stage (its name or index) and make it the image
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,

    /// Add a label to the image (KEY=VALUE)
    #[arg(long, value_name = "KEY=VALUE")]
    pub label: Vec<String>,

    /// Do not use cached steps
    #[arg(long)]
    pub no_cache: bool,

    /// Pull base images: always, missing, never (`--pull` alone: always)
    #[arg(long, value_name = "POLICY", num_args = 0..=1, require_equals = true,
          default_missing_value = "always", value_parser = PullPolicy::parse)]
    pub pull: Option<PullPolicy>,

    /// Print only the image id
    #[arg(short, long)]
    pub quiet: bool,

    /// Cache intermediate steps (`--layers=false` disables the cache)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_value = "true", default_missing_value = "true")]
    pub layers: bool,

    /// Write the image id to this file
    #[arg(long, value_name = "FILE")]
    pub iidfile: Option<PathBuf>,

    /// Compression of new layers
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = LayerCompression::Gzip)]
    pub compression_format: LayerCompression,

    /// Network of RUN steps: private, none or host
    #[arg(long, value_name = "MODE", value_parser = NetworkMode::parse)]
    pub network: Option<NetworkMode>,

    /// Ignore file to use instead of .containerignore/.dockerignore in the context
    #[arg(long, value_name = "FILE")]
    pub ignorefile: Option<PathBuf>,

    /// Pass the host's proxy variables (HTTP_PROXY, …) to RUN steps
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_value = "true", default_missing_value = "true")]
    pub http_proxy: bool,

    /// Format of the image manifest: oci or docker
    #[arg(long, value_enum, default_value_t = ManifestFormat::Oci)]
    pub format: ManifestFormat,

    #[command(flatten)]
    pub platform: PlatformArgs,

    #[command(flatten)]
    pub registry: RegistryArgs,

    /// The build context directory (default: the current directory)
    pub context: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: &BuildArgs) -> Result<u8> {
    let context = input::context_dir(args.context.as_deref())?;
    let (text, name) = input::read_containerfile(args.file.as_deref(), &context)?;
    let file = parse::parse(&text, &name).map_err(|e| anyhow!("{e}"))?;
    let tags = input::tags(&args.tag)?;
    let build_args = input::build_args(&args.build_arg, |k| std::env::var(k).ok())?;
    let labels = input::labels(&args.label)?;
    let network = input::step_network(args.network.as_ref(), &ctx.config.network.default_network)?;
    let opts = BuildOptions {
        context,
        file,
        tags,
        commit_name: args.tag.first().cloned().unwrap_or_default(),
        build_args,
        target: args.target.clone(),
        labels,
        no_cache: args.no_cache,
        pull: args.pull.unwrap_or_default(),
        quiet: args.quiet,
        layers: args.layers,
        compression: args.compression_format,
        network,
        ignorefile: args.ignorefile.clone(),
        pull_options: pull_options(ctx, &args.platform, &args.registry, args.quiet)?,
        dns_servers: ctx.config.network.dns_servers.clone(),
        proxy_env: if args.http_proxy {
            input::host_proxy_env()
        } else {
            Vec::new()
        },
        format: args.format,
    };
    let store = open_store(ctx)?;
    let image = Builder::new(&ctx.paths, &store, &opts)?.build()?;
    if let Some(path) = &args.iidfile {
        input::write_iidfile(path, &image.id)?;
    }
    println!("{}", image.id.hex());
    Ok(0)
}
