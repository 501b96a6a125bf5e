//! `rpod push`: copy a local image to a registry.

use std::path::PathBuf;

use anyhow::{Context as _, Result};

use super::pull::RegistryArgs;
use super::Context;
use crate::image::compression::LayerCompression;
use crate::image::manifest::Format;
use crate::image::push::{push, PushOptions};
use crate::image::registry::Credentials;
use crate::store::Store;

/// The manifest formats `--format` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ManifestFormat {
    /// OCI image manifest (the default, as podman's)
    Oci,
    /// Docker image manifest, schema 2
    V2s2,
}

impl From<ManifestFormat> for Format {
    fn from(f: ManifestFormat) -> Format {
        match f {
            ManifestFormat::Oci => Format::Oci,
            ManifestFormat::V2s2 => Format::Docker,
        }
    }
}

/// Push an image to a specified destination
#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// Suppress output information when pushing images
    #[arg(short, long)]
    pub quiet: bool,

    /// Manifest type to use when pushing: oci or v2s2 (Docker schema 2)
    #[arg(short, long, value_enum, default_value = "oci", value_name = "FORMAT")]
    pub format: ManifestFormat,

    /// Compression format for layers that are compressed for this push
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub compression_format: Option<LayerCompression>,

    /// Compression level (gzip 0-9, zstd 1-19)
    #[arg(long, value_name = "LEVEL")]
    pub compression_level: Option<i32>,

    /// Compress every layer again, even when the registry has a compressed form
    #[arg(long)]
    pub force_compression: bool,

    /// Write the digest of the pushed manifest to this file
    #[arg(long, value_name = "FILE")]
    pub digestfile: Option<PathBuf>,

    #[command(flatten)]
    pub registry: RegistryArgs,

    /// The local image to push (name or id)
    #[arg(value_name = "IMAGE")]
    pub image: String,

    /// Where to push it ([docker://]REGISTRY/NAME[:TAG]; default: the image's name)
    #[arg(value_name = "DESTINATION")]
    pub destination: Option<String>,
}

pub fn run(ctx: &Context, args: &PushArgs) -> Result<u8> {
    let opts = PushOptions {
        tls_verify: args.registry.tls_verify,
        creds: args
            .registry
            .creds
            .as_deref()
            .map(Credentials::parse_creds)
            .transpose()?,
        authfile: args.registry.authfile.clone(),
        quiet: args.quiet,
        format: args.format.into(),
        compression: args.compression_format,
        compression_level: args.compression_level,
        force_compression: args.force_compression,
        parallel: ctx.config.registries.max_parallel_downloads,
        registries_conf: ctx.config.registries.registries_conf.clone(),
    };
    let store = Store::open(&ctx.paths)?;
    let pushed = push(
        &ctx.paths,
        &store,
        &args.image,
        args.destination.as_deref(),
        &opts,
    )?;
    if let Some(path) = &args.digestfile {
        std::fs::write(path, pushed.digest.to_string())
            .with_context(|| format!("writing the digest to {}", path.display()))?;
    }
    Ok(0)
}
