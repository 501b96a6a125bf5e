//! Manifests as registries serve them: OCI image manifests and indexes, Docker
//! schema 2 manifests and manifest lists; platform choice in an index.
//!
//! Docker schema 2 and OCI share one shape, so one set of types reads both and
//! [`Format`] remembers which it was. Schema 1 is refused with a clear message.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use super::compression::Compression;
use crate::base::digest::Digest;

/// Media types rpod reads or sends.
pub mod media_type {
    pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
    pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
    pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
    pub const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+json";
    pub const DOCKER_SCHEMA1_SIGNED: &str =
        "application/vnd.docker.distribution.manifest.v1+prettyjws";
    pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
    pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";

    pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
    pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
    pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
    pub const OCI_LAYER_NONDIST: &str = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    pub const OCI_LAYER_NONDIST_GZIP: &str =
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    pub const OCI_LAYER_NONDIST_ZSTD: &str =
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
    pub const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar";
    pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    pub const DOCKER_LAYER_FOREIGN_GZIP: &str =
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    pub const DOCKER_LAYER_FOREIGN: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar";

    use super::{Compression, Format};

    /// The type of a layer written into a manifest of `format`. Docker's schema has
    /// no zstd type, so a zstd layer keeps OCI's (callers that must not mix refuse
    /// the pair before).
    pub fn layer(format: Format, compression: Compression) -> &'static str {
        match (format, compression) {
            (Format::Oci, Compression::None) => OCI_LAYER,
            (Format::Oci, Compression::Gzip) => OCI_LAYER_GZIP,
            (_, Compression::Zstd) => OCI_LAYER_ZSTD,
            (Format::Docker, Compression::None) => DOCKER_LAYER,
            (Format::Docker, Compression::Gzip) => DOCKER_LAYER_GZIP,
        }
    }

    /// The type of a manifest of `format`.
    pub fn manifest(format: Format) -> &'static str {
        match format {
            Format::Oci => OCI_MANIFEST,
            Format::Docker => DOCKER_MANIFEST,
        }
    }

    /// The type of an image config listed in a manifest of `format`.
    pub fn config(format: Format) -> &'static str {
        match format {
            Format::Oci => OCI_CONFIG,
            Format::Docker => DOCKER_CONFIG,
        }
    }
}

/// The `Accept` header for manifest requests: every kind rpod can read.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.docker.distribution.manifest.v2+json";

/// Registries refuse bigger manifests; so does rpod (the bytes are held in memory).
pub const MAX_MANIFEST_SIZE: u64 = 4 << 20;
/// Image configs are small JSON documents; anything larger is hostile.
pub const MAX_CONFIG_SIZE: u64 = 8 << 20;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error(
        "unsupported manifest schema 1 ({0}): it is obsolete; ask the publisher to push a \
         schema 2 or OCI image"
    )]
    Schema1(String),
    #[error("unsupported manifest media type {0:?}: not a container image manifest or index")]
    UnknownMediaType(String),
    #[error("malformed {kind}: {message}")]
    Malformed { kind: &'static str, message: String },
    #[error("not a container image: its config has media type {0:?}")]
    NotAnImage(String),
    #[error("unsupported layer media type {0:?}")]
    UnknownLayerType(String),
    #[error("invalid platform {input:?}: {reason}")]
    BadPlatform { input: String, reason: String },
    #[error("no image for platform {wanted} in the manifest list; it has: {}", available.join(", "))]
    NoMatchingPlatform {
        wanted: Platform,
        available: Vec<String>,
    },
}

/// Which family a manifest came from or is written as; decides its media types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Oci,
    Docker,
}

/// A pointer to content: a layer, a config or a manifest in an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
}

/// An image manifest: a config and ordered layers (OCI or Docker schema 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageManifest {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub config: Descriptor,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(skip)]
    pub format: Format,
}

/// A list of per-platform manifests (OCI index or Docker manifest list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageIndex {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub manifests: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(skip)]
    pub format: Format,
}

/// What a manifest request returned.
// A handful exist per pull; boxing the larger variant would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manifest {
    Image(ImageManifest),
    Index(ImageIndex),
}

/// The fields every kind has, read first to tell the kinds apart.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Probe {
    schema_version: Option<u32>,
    media_type: Option<String>,
    manifests: Option<serde_json::Value>,
    config: Option<serde_json::Value>,
}

#[derive(Clone, Copy)]
enum Kind {
    Image(Format),
    Index(Format),
}

fn kind_of_media_type(mt: &str) -> Result<Option<Kind>, ManifestError> {
    // Parameters (`; charset=utf-8`) are not part of the type.
    let mt = mt.split(';').next().unwrap_or("").trim();
    Ok(Some(match mt {
        media_type::OCI_MANIFEST => Kind::Image(Format::Oci),
        media_type::DOCKER_MANIFEST => Kind::Image(Format::Docker),
        media_type::OCI_INDEX => Kind::Index(Format::Oci),
        media_type::DOCKER_LIST => Kind::Index(Format::Docker),
        media_type::DOCKER_SCHEMA1 | media_type::DOCKER_SCHEMA1_SIGNED => {
            return Err(ManifestError::Schema1(mt.to_string()))
        }
        // Old registries and plain file servers send these for any JSON.
        "" | "application/json" | "text/plain" | "application/octet-stream" => return Ok(None),
        other => return Err(ManifestError::UnknownMediaType(other.to_string())),
    }))
}

impl Manifest {
    /// Parses a manifest, by the body's own `mediaType` when it has one, else by the
    /// response's media type, else by its shape (`manifests` means an index).
    pub fn parse(bytes: &[u8], media_type: &str) -> Result<Manifest, ManifestError> {
        let probe: Probe = serde_json::from_slice(bytes).map_err(|e| ManifestError::Malformed {
            kind: "manifest",
            message: e.to_string(),
        })?;
        if probe.schema_version == Some(1) {
            return Err(ManifestError::Schema1(format!(
                "schemaVersion 1, {media_type}"
            )));
        }
        let from_body = match &probe.media_type {
            Some(mt) => kind_of_media_type(mt)?,
            None => None,
        };
        let kind = match from_body {
            Some(k) => k,
            None => match kind_of_media_type(media_type)? {
                Some(k) => k,
                None if probe.manifests.is_some() => Kind::Index(Format::Oci),
                None if probe.config.is_some() => Kind::Image(Format::Oci),
                None => {
                    return Err(ManifestError::Malformed {
                        kind: "manifest",
                        message: "it has neither `config` nor `manifests`".into(),
                    })
                }
            },
        };
        if probe.schema_version != Some(2) {
            return Err(ManifestError::Malformed {
                kind: "manifest",
                message: format!("schemaVersion is {:?}, expected 2", probe.schema_version),
            });
        }
        match kind {
            Kind::Image(format) => {
                let mut m: ImageManifest =
                    serde_json::from_slice(bytes).map_err(|e| ManifestError::Malformed {
                        kind: "image manifest",
                        message: e.to_string(),
                    })?;
                m.format = format;
                m.check_is_image()?;
                Ok(Manifest::Image(m))
            }
            Kind::Index(format) => {
                let mut i: ImageIndex =
                    serde_json::from_slice(bytes).map_err(|e| ManifestError::Malformed {
                        kind: "image index",
                        message: e.to_string(),
                    })?;
                i.format = format;
                Ok(Manifest::Index(i))
            }
        }
    }

    /// True for media types that name an index or manifest list.
    pub fn is_index_media_type(mt: &str) -> bool {
        matches!(kind_of_media_type(mt), Ok(Some(Kind::Index(_))))
    }
}

impl Descriptor {
    /// A plain descriptor: no URLs, annotations or platform.
    pub fn new(media_type: &str, digest: Digest, size: u64) -> Descriptor {
        Descriptor {
            media_type: media_type.to_string(),
            digest,
            size,
            urls: Vec::new(),
            annotations: BTreeMap::new(),
            platform: None,
            artifact_type: None,
        }
    }
}

impl ImageManifest {
    /// The manifest of an image made or stored here: `config` is the config blob
    /// and `layers` its layer blobs in order.
    pub fn new(format: Format, config: &[u8], layers: Vec<Descriptor>) -> ImageManifest {
        ImageManifest {
            schema_version: 2,
            media_type: Some(media_type::manifest(format).to_string()),
            config: Descriptor::new(
                media_type::config(format),
                Digest::of(config),
                config.len() as u64,
            ),
            layers,
            annotations: BTreeMap::new(),
            format,
        }
    }

    /// The manifest of a local image whose layers are kept uncompressed: each
    /// layer blob is the tar itself, named by its diff id.
    pub fn uncompressed(config: &[u8], layers: &[(Digest, u64)]) -> ImageManifest {
        let layers = layers
            .iter()
            .map(|(d, size)| Descriptor::new(media_type::OCI_LAYER, d.clone(), *size))
            .collect();
        ImageManifest::new(Format::Oci, config, layers)
    }

    /// The media type this manifest is stored and served under.
    pub fn media_type(&self) -> &str {
        media_type::manifest(self.format)
    }

    fn check_is_image(&self) -> Result<(), ManifestError> {
        match self.config.media_type.as_str() {
            media_type::OCI_CONFIG | media_type::DOCKER_CONFIG => Ok(()),
            other => Err(ManifestError::NotAnImage(other.to_string())),
        }
    }

    /// Each layer's type, in order; fails on the first layer rpod cannot unpack.
    pub fn layer_types(&self) -> Result<Vec<LayerType>, ManifestError> {
        self.layers
            .iter()
            .map(|l| LayerType::parse(&l.media_type))
            .collect()
    }
}

impl ImageIndex {
    pub fn media_type(&self) -> &str {
        match self.format {
            Format::Oci => media_type::OCI_INDEX,
            Format::Docker => media_type::DOCKER_LIST,
        }
    }
}

/// A layer's media type, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerType {
    pub compression: Compression,
    /// Docker "foreign" / OCI "non-distributable" layers: publishers may keep them
    /// off the registry (the descriptor's `urls` say where). Registries that do hold
    /// them serve them like any other blob.
    pub foreign: bool,
}

impl LayerType {
    pub fn parse(mt: &str) -> Result<LayerType, ManifestError> {
        use media_type::*;
        let (compression, foreign) = match mt {
            OCI_LAYER | DOCKER_LAYER => (Compression::None, false),
            OCI_LAYER_GZIP | DOCKER_LAYER_GZIP => (Compression::Gzip, false),
            OCI_LAYER_ZSTD => (Compression::Zstd, false),
            OCI_LAYER_NONDIST | DOCKER_LAYER_FOREIGN => (Compression::None, true),
            OCI_LAYER_NONDIST_GZIP | DOCKER_LAYER_FOREIGN_GZIP => (Compression::Gzip, true),
            OCI_LAYER_NONDIST_ZSTD => (Compression::Zstd, true),
            other => return Err(ManifestError::UnknownLayerType(other.to_string())),
        };
        Ok(LayerType {
            compression,
            foreign,
        })
    }
}

/// An OS/architecture pair with Go's names (`linux/arm64/v8`), as images label them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Platform {
    pub architecture: String,
    pub os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub os_version: Option<String>,
}

/// Variants from most capable to most compatible: a CPU runs its own and every later one.
fn compatible_variants(arch: &str) -> &'static [&'static str] {
    match arch {
        "arm" => &["v7", "v6", "v5"],
        "arm64" => &["v8"],
        _ => &[],
    }
}

/// A variant every machine of the architecture supports.
fn base_variant(arch: &str) -> Option<&'static str> {
    match arch {
        "arm64" => Some("v8"),
        _ => None,
    }
}

/// Go's architecture names for the aliases people type.
fn normalise_arch(arch: &str, variant: Option<&str>) -> (String, Option<String>) {
    let variant = variant.filter(|v| !v.is_empty()).map(|v| {
        if v.bytes().all(|b| b.is_ascii_digit()) {
            format!("v{v}")
        } else {
            v.to_string()
        }
    });
    match arch {
        "x86_64" | "x86-64" | "amd64" => ("amd64".into(), variant),
        "aarch64" | "arm64" => ("arm64".into(), variant),
        "armhf" => ("arm".into(), Some("v7".into())),
        "armel" => ("arm".into(), Some("v6".into())),
        "i386" | "i686" | "x86" | "386" => ("386".into(), variant),
        other => (other.to_string(), variant),
    }
}

impl Platform {
    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Platform {
        let (architecture, variant) = normalise_arch(architecture, variant);
        Platform {
            architecture,
            os: os.to_string(),
            variant,
            os_version: None,
        }
    }

    /// Parses `--platform` values: `os/arch[/variant]`.
    pub fn parse(input: &str) -> Result<Platform, ManifestError> {
        let bad = |reason: &str| ManifestError::BadPlatform {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let parts: Vec<&str> = input.split('/').collect();
        let ok_part = |p: &&str| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        };
        if !(2..=3).contains(&parts.len()) || !parts.iter().all(ok_part) {
            return Err(bad("expected OS/ARCH[/VARIANT], e.g. linux/arm64"));
        }
        let os = parts[0].to_ascii_lowercase();
        let arch = parts[1].to_ascii_lowercase();
        let variant = parts.get(2).map(|v| v.to_ascii_lowercase());
        Ok(Platform::new(&os, &arch, variant.as_deref()))
    }

    /// The host's architecture under Go's name (`amd64`, `arm64`), as images and
    /// `version` label it.
    pub fn host_arch() -> &'static str {
        match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "arm" => "arm",
            "x86" => "386",
            "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
            "powerpc64" => "ppc64",
            "s390x" => "s390x",
            "riscv64" => "riscv64",
            "loongarch64" => "loong64",
            "mips64" if cfg!(target_endian = "little") => "mips64le",
            "mips64" => "mips64",
            other => other,
        }
    }

    /// The machine rpod runs on, with the variant Go's runtime would report.
    pub fn host() -> Platform {
        Platform::new("linux", Platform::host_arch(), host_variant())
    }

    /// `--arch ARCH` on the host's OS. As in podman, no variant is assumed then.
    pub fn host_with_arch(arch: &str) -> Platform {
        Platform::new("linux", &arch.to_ascii_lowercase(), None)
    }

    /// The platforms to look for, most preferred first (containers/image's order):
    /// a wanted variant and the ones it can run, then an image with no variant; with
    /// no wanted variant, an image with none, then the architecture's base variant.
    fn wanted(&self) -> Vec<Platform> {
        let variants: Vec<Option<&str>> = match self.variant.as_deref() {
            Some(v) => {
                let order = compatible_variants(&self.architecture);
                let mut out: Vec<Option<&str>> = match order.iter().position(|x| *x == v) {
                    Some(i) => order[i..].iter().map(|x| Some(*x)).collect(),
                    None => vec![Some(v)],
                };
                out.push(None);
                out
            }
            None => std::iter::once(None)
                .chain(base_variant(&self.architecture).map(Some))
                .collect(),
        };
        variants
            .into_iter()
            .map(|v| Platform {
                variant: v.map(str::to_string),
                ..self.clone()
            })
            .collect()
    }

    /// OS, architecture and variant equal, after normalising Go's aliases.
    fn matches(&self, wanted: &Platform) -> bool {
        let (arch, variant) = normalise_arch(&self.architecture, self.variant.as_deref());
        arch == wanted.architecture && self.os == wanted.os && variant == wanted.variant
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

fn host_variant() -> Option<&'static str> {
    match Platform::host_arch() {
        "arm64" => Some("v8"),
        "arm" => Some(arm_variant_from_cpuinfo()),
        _ => None,
    }
}

/// 32-bit ARM images are split by ISA level; the kernel reports the CPU's.
fn arm_variant_from_cpuinfo() -> &'static str {
    let text = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let level = text
        .lines()
        .find_map(|l| l.strip_prefix("CPU architecture"))
        .and_then(|rest| {
            rest.trim_start_matches([' ', '\t', ':'])
                .trim()
                .parse::<u32>()
                .ok()
        });
    match level {
        Some(8..) => "v8",
        Some(6) => "v6",
        Some(5) => "v5",
        _ => "v7",
    }
}

/// Picks the manifest for `wanted` from an index, trying the compatible platforms
/// in order of preference; the first entry that matches one wins.
pub fn select<'a>(
    index: &'a ImageIndex,
    wanted: &Platform,
) -> Result<&'a Descriptor, ManifestError> {
    for candidate in wanted.wanted() {
        if let Some(d) = index
            .manifests
            .iter()
            .find(|d| d.platform.as_ref().is_some_and(|p| p.matches(&candidate)))
        {
            return Ok(d);
        }
    }
    let mut available: Vec<String> = index
        .manifests
        .iter()
        .filter_map(|d| d.platform.as_ref())
        .filter(|p| p.os != "unknown")
        .map(|p| p.to_string())
        .collect();
    available.dedup();
    if available.is_empty() {
        available.push("no platforms".into());
    }
    Err(ManifestError::NoMatchingPlatform {
        wanted: wanted.clone(),
        available,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    fn image_json(media_type: Option<&str>, config_type: &str, layer_type: &str) -> String {
        let mt = media_type
            .map(|m| format!("\"mediaType\": \"{m}\","))
            .unwrap_or_default();
        format!(
            r#"{{"schemaVersion": 2, {mt}
               "config": {{"mediaType": "{config_type}", "digest": "{D1}", "size": 7}},
               "layers": [{{"mediaType": "{layer_type}", "digest": "{D2}", "size": 42}}]}}"#
        )
    }

    fn entry(platform: &str, digest_char: char) -> String {
        let p: Vec<&str> = platform.split('/').collect();
        let variant = p
            .get(2)
            .map(|v| format!(r#", "variant": "{v}""#))
            .unwrap_or_default();
        let digest = format!("sha256:{}", digest_char.to_string().repeat(64));
        format!(
            r#"{{"mediaType": "{}", "digest": "{digest}", "size": 100,
                "platform": {{"os": "{}", "architecture": "{}"{variant}}}}}"#,
            media_type::OCI_MANIFEST,
            p[0],
            p[1]
        )
    }

    fn index(platforms: &[(&str, char)]) -> ImageIndex {
        let entries: Vec<String> = platforms.iter().map(|(p, c)| entry(p, *c)).collect();
        let json = format!(
            r#"{{"schemaVersion": 2, "mediaType": "{}", "manifests": [{}]}}"#,
            media_type::OCI_INDEX,
            entries.join(",")
        );
        match Manifest::parse(json.as_bytes(), media_type::OCI_INDEX).unwrap() {
            Manifest::Index(i) => i,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_oci_and_docker_images() {
        let oci = image_json(
            Some(media_type::OCI_MANIFEST),
            media_type::OCI_CONFIG,
            media_type::OCI_LAYER_ZSTD,
        );
        let Manifest::Image(m) = Manifest::parse(oci.as_bytes(), media_type::OCI_MANIFEST).unwrap()
        else {
            panic!("not an image")
        };
        assert_eq!(m.format, Format::Oci);
        assert_eq!(m.config.size, 7);
        assert_eq!(m.layers[0].digest.to_string(), D2);
        assert_eq!(m.layer_types().unwrap()[0].compression, Compression::Zstd);

        let docker = image_json(
            Some(media_type::DOCKER_MANIFEST),
            media_type::DOCKER_CONFIG,
            media_type::DOCKER_LAYER_GZIP,
        );
        // The body's own mediaType wins over a generic header.
        let Manifest::Image(m) = Manifest::parse(docker.as_bytes(), "application/json").unwrap()
        else {
            panic!("not an image")
        };
        assert_eq!(m.format, Format::Docker);
        assert_eq!(m.media_type(), media_type::DOCKER_MANIFEST);
        assert_eq!(m.layer_types().unwrap()[0].compression, Compression::Gzip);
    }

    #[test]
    fn detects_by_header_then_shape() {
        let bare = image_json(
            None,
            media_type::DOCKER_CONFIG,
            media_type::DOCKER_LAYER_GZIP,
        );
        let by_header = Manifest::parse(bare.as_bytes(), media_type::DOCKER_MANIFEST).unwrap();
        assert!(matches!(by_header, Manifest::Image(ref m) if m.format == Format::Docker));
        let by_shape = Manifest::parse(bare.as_bytes(), "").unwrap();
        assert!(matches!(by_shape, Manifest::Image(ref m) if m.format == Format::Oci));
        let idx = format!(
            r#"{{"schemaVersion": 2, "manifests": [{}]}}"#,
            entry("linux/amd64", 'a')
        );
        assert!(matches!(
            Manifest::parse(idx.as_bytes(), "application/octet-stream").unwrap(),
            Manifest::Index(_)
        ));
        let list = Manifest::parse(idx.as_bytes(), media_type::DOCKER_LIST).unwrap();
        assert!(
            matches!(list, Manifest::Index(ref i) if i.media_type() == media_type::DOCKER_LIST)
        );
    }

    #[test]
    fn refuses_schema1_and_junk() {
        let s1 = r#"{"schemaVersion": 1, "name": "x", "tag": "latest", "fsLayers": []}"#;
        let err = Manifest::parse(s1.as_bytes(), "application/json").unwrap_err();
        assert!(err.to_string().contains("schema 2 or OCI"), "{err}");
        let err = Manifest::parse(b"{}", media_type::DOCKER_SCHEMA1_SIGNED).unwrap_err();
        assert!(matches!(err, ManifestError::Schema1(_)));
        assert!(matches!(
            Manifest::parse(b"not json", media_type::OCI_MANIFEST).unwrap_err(),
            ManifestError::Malformed { .. }
        ));
        assert!(matches!(
            Manifest::parse(b"{\"schemaVersion\": 2}", "").unwrap_err(),
            ManifestError::Malformed { .. }
        ));
        assert!(matches!(
            Manifest::parse(b"{}", "application/vnd.example+json").unwrap_err(),
            ManifestError::UnknownMediaType(_)
        ));
        // A digest that is not sha256 cannot be verified, so it is refused.
        let bad =
            image_json(None, media_type::OCI_CONFIG, media_type::OCI_LAYER).replace(D2, "md5:abcd");
        assert!(Manifest::parse(bad.as_bytes(), media_type::OCI_MANIFEST).is_err());
        // schemaVersion 3 does not exist.
        let v3 = image_json(None, media_type::OCI_CONFIG, media_type::OCI_LAYER)
            .replace("\"schemaVersion\": 2", "\"schemaVersion\": 3");
        assert!(Manifest::parse(v3.as_bytes(), media_type::OCI_MANIFEST).is_err());
    }

    #[test]
    fn refuses_artifacts_and_unknown_layers() {
        let helm = image_json(
            None,
            "application/vnd.cncf.helm.config.v1+json",
            media_type::OCI_LAYER,
        );
        let err = Manifest::parse(helm.as_bytes(), media_type::OCI_MANIFEST).unwrap_err();
        assert!(matches!(err, ManifestError::NotAnImage(_)), "{err}");
        let wasm = image_json(None, media_type::OCI_CONFIG, "application/wasm");
        let Manifest::Image(m) =
            Manifest::parse(wasm.as_bytes(), media_type::OCI_MANIFEST).unwrap()
        else {
            panic!()
        };
        assert!(m.layer_types().is_err());
        let foreign = LayerType::parse(media_type::DOCKER_LAYER_FOREIGN_GZIP).unwrap();
        assert!(foreign.foreign);
        assert_eq!(foreign.compression, Compression::Gzip);
        assert_eq!(
            LayerType::parse(media_type::OCI_LAYER).unwrap().compression,
            Compression::None
        );
    }

    #[test]
    fn platform_parse_and_display() {
        let p = Platform::parse("linux/arm64/v8").unwrap();
        assert_eq!((p.os.as_str(), p.architecture.as_str()), ("linux", "arm64"));
        assert_eq!(p.variant.as_deref(), Some("v8"));
        assert_eq!(p.to_string(), "linux/arm64/v8");
        assert_eq!(
            Platform::parse("linux/aarch64").unwrap().to_string(),
            "linux/arm64"
        );
        assert_eq!(
            Platform::parse("linux/x86_64").unwrap().to_string(),
            "linux/amd64"
        );
        assert_eq!(
            Platform::parse("linux/arm/7").unwrap().to_string(),
            "linux/arm/v7"
        );
        assert_eq!(
            Platform::parse("Linux/AMD64").unwrap().to_string(),
            "linux/amd64"
        );
        for bad in ["", "linux", "linux/", "/amd64", "a/b/c/d", "linux/am d64"] {
            assert!(Platform::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn host_platform_uses_go_names() {
        let h = Platform::host();
        assert_eq!(h.os, "linux");
        let expected = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            _ => h.architecture.as_str(),
        };
        assert_eq!(h.architecture, expected);
        if h.architecture == "arm64" {
            assert_eq!(h.variant.as_deref(), Some("v8"));
        }
        let arm = Platform::host_with_arch("aarch64");
        assert_eq!(
            (arm.architecture.as_str(), arm.variant.as_deref()),
            ("arm64", None)
        );
        assert_eq!(Platform::host_with_arch("x86_64").architecture, "amd64");
    }

    fn pick(i: &ImageIndex, p: &str) -> Result<char, ManifestError> {
        select(i, &Platform::parse(p).unwrap()).map(|d| d.digest.hex().chars().next().unwrap())
    }

    #[test]
    fn select_prefers_exact_variant() {
        let i = index(&[
            ("linux/amd64", 'a'),
            ("linux/arm/v6", 'b'),
            ("linux/arm/v7", 'c'),
            ("linux/arm64", 'd'),
            ("linux/arm64/v8", 'e'),
            ("unknown/unknown", 'f'),
        ]);
        assert_eq!(pick(&i, "linux/amd64"), Ok('a'));
        assert_eq!(pick(&i, "linux/arm/v7"), Ok('c'));
        assert_eq!(pick(&i, "linux/arm/v6"), Ok('b'));
        assert_eq!(pick(&i, "linux/arm64/v8"), Ok('e'));
        // No variant wanted: an image without one first, then the base variant.
        assert_eq!(pick(&i, "linux/arm64"), Ok('d'));
        assert_eq!(pick(&i, "linux/aarch64"), Ok('d'));
        let only_v8 = index(&[("linux/amd64", 'a'), ("linux/arm64/v8", 'e')]);
        assert_eq!(pick(&only_v8, "linux/arm64"), Ok('e'));
    }

    #[test]
    fn select_falls_back_along_compatibility() {
        // A v7 CPU runs v6 images, and images that name no variant.
        let i = index(&[
            ("linux/arm/v5", 'a'),
            ("linux/arm/v6", 'b'),
            ("linux/arm64", 'd'),
        ]);
        assert_eq!(pick(&i, "linux/arm/v7"), Ok('b'));
        assert_eq!(pick(&i, "linux/arm64/v8"), Ok('d'));
        let plain = index(&[("linux/arm", 'c')]);
        assert_eq!(pick(&plain, "linux/arm/v7"), Ok('c'));
        // An image variant written as "8" is Go's "v8".
        let j = index(&[("linux/arm64/8", 'e')]);
        assert_eq!(pick(&j, "linux/arm64/v8"), Ok('e'));
        // A v6 CPU cannot run v7 images.
        let v7 = index(&[("linux/arm/v7", 'c')]);
        assert!(pick(&v7, "linux/arm/v6").is_err());
    }

    #[test]
    fn select_names_available_platforms() {
        let i = index(&[
            ("linux/amd64", 'a'),
            ("linux/arm/v7", 'c'),
            ("unknown/unknown", 'f'),
        ]);
        let err = select(&i, &Platform::parse("linux/s390x").unwrap()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("linux/s390x"), "{text}");
        assert!(text.contains("linux/amd64, linux/arm/v7"), "{text}");
        assert!(!text.contains("unknown"), "{text}");
        assert!(pick(&i, "windows/amd64").is_err());
        assert!(pick(&i, "linux/arm/v6").is_err());
    }

    #[test]
    fn descriptor_roundtrip_keeps_fields() {
        let i = index(&[("linux/arm64/v8", 'e')]);
        let j = serde_json::to_string(&i.manifests[0]).unwrap();
        let back: Descriptor = serde_json::from_str(&j).unwrap();
        assert_eq!(back, i.manifests[0]);
        assert!(j.contains("\"variant\":\"v8\""), "{j}");
        assert!(!j.contains("urls"), "{j}");
    }
}
