//! `rpod build`: an image from a Containerfile (or Dockerfile) and a context directory.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};

use super::image::open_store;
use super::pull::{pull_options, PlatformArgs, RegistryArgs};
use super::Context;
use crate::build::builder::{BuildOptions, Builder};
use crate::build::parse;
use crate::build::stage::PROXY_ARGS;
use crate::image::compression::LayerCompression;
use crate::image::ensure::PullPolicy;
use crate::image::manifest::Format as ManifestFormat;
use crate::network::NetworkMode;
use crate::store::names;

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
    #[arg(long, value_name = "MODE", value_parser = super::args::parse_network)]
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
    let context_arg = args.context.clone().unwrap_or_else(|| PathBuf::from("."));
    let context = std::fs::canonicalize(&context_arg)
        .with_context(|| format!("the build context {}", context_arg.display()))?;
    if !context.is_dir() {
        bail!("the build context {} is not a directory", context.display());
    }
    let (text, name) = read_containerfile(args.file.as_deref(), &context)?;
    let file = parse::parse(&text, &name).map_err(|e| anyhow!("{e}"))?;

    let mut tags = Vec::new();
    for t in &args.tag {
        let full = names::normalize(t)?;
        if full.contains('@') {
            bail!("{t}: an image cannot be tagged by digest: give it a tag");
        }
        tags.push(full);
    }
    let build_args = build_args(&args.build_arg, |k| std::env::var(k).ok())?;
    let mut labels = Vec::new();
    for l in &args.label {
        let (k, v) = l.split_once('=').unwrap_or((l.as_str(), ""));
        if k.is_empty() {
            bail!("invalid --label {l:?}: use KEY=VALUE");
        }
        labels.push((k.to_string(), v.to_string()));
    }
    let network = match &args.network {
        Some(NetworkMode::Container(_)) => {
            bail!(
                "--network container:… is not available to build steps: use private, none or host"
            )
        }
        Some(m) => m.clone(),
        None => super::args::parse_network(&ctx.config.network.default_network)
            .map_err(|e| anyhow!("invalid default_network in the config: {e}"))?,
    };
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
            PROXY_ARGS
                .iter()
                .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
                .collect()
        } else {
            Vec::new()
        },
        format: args.format,
    };
    let store = open_store(ctx)?;
    let image = Builder::new(&ctx.paths, &store, &opts)?.build()?;
    if let Some(path) = &args.iidfile {
        // Written in place, as podman does: the file's directory need not be ours.
        std::fs::write(path, image.id.to_string().as_bytes())
            .with_context(|| format!("writing the image id to {}", path.display()))?;
    }
    println!("{}", image.id.hex());
    Ok(0)
}

/// The Containerfile's text and the name errors give it.
fn read_containerfile(file: Option<&str>, context: &Path) -> Result<(String, String)> {
    match file {
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the Containerfile from standard input")?;
            Ok((text, "-".into()))
        }
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the Containerfile {path}"))?;
            Ok((text, path.to_string()))
        }
        None => {
            for name in ["Containerfile", "Dockerfile"] {
                let p = context.join(name);
                if p.is_file() {
                    let text = std::fs::read_to_string(&p)
                        .with_context(|| format!("reading {}", p.display()))?;
                    return Ok((text, p.display().to_string()));
                }
            }
            bail!(
                "no Containerfile or Dockerfile specified or found in context directory, {}: give one with -f",
                context.display()
            )
        }
    }
}

/// `--build-arg NAME=VALUE`, or `NAME` alone taking the value from the
/// environment (skipped when unset, as podman does).
fn build_args(
    list: &[String],
    env: impl Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for a in list {
        let (k, v) = match a.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (a.as_str(), env(a)),
        };
        if k.is_empty() {
            bail!("invalid --build-arg {a:?}: use NAME=VALUE or NAME");
        }
        if let Some(v) = v {
            out.insert(k.to_string(), v);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_args_from_flags_and_environment() {
        let env = |k: &str| (k == "FROM_ENV").then(|| "e".to_string());
        let got = build_args(
            &[
                "A=1".into(),
                "B=x=y".into(),
                "FROM_ENV".into(),
                "UNSET".into(),
            ],
            env,
        )
        .unwrap();
        assert_eq!(got.get("A").map(String::as_str), Some("1"));
        assert_eq!(got.get("B").map(String::as_str), Some("x=y"));
        assert_eq!(got.get("FROM_ENV").map(String::as_str), Some("e"));
        assert!(!got.contains_key("UNSET"));
        assert!(build_args(&["=v".into()], env).is_err());
    }

    #[test]
    fn containerfile_then_dockerfile() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_containerfile(None, dir.path()).is_err());
        std::fs::write(dir.path().join("Dockerfile"), "FROM d\n").unwrap();
        assert_eq!(read_containerfile(None, dir.path()).unwrap().0, "FROM d\n");
        std::fs::write(dir.path().join("Containerfile"), "FROM c\n").unwrap();
        assert_eq!(read_containerfile(None, dir.path()).unwrap().0, "FROM c\n");
    }
}
