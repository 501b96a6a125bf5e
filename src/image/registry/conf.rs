//! `registries.conf` (containers-registries.conf(5), v2 TOML, v1 read too): where
//! short names are looked up, which registries are insecure or blocked, mirrors
//! and short-name aliases.
//!
//! The file is found as podman finds it: `$CONTAINERS_REGISTRIES_CONF`, else the
//! user's `$XDG_CONFIG_HOME/containers/registries.conf`, else
//! `/etc/containers/registries.conf`; then the `registries.conf.d/*.conf`
//! drop-ins, in name order, each overriding what came before.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;
use toml::Spanned;

use crate::image::reference::{Reference, ReferenceError, DEFAULT_REGISTRY};

#[derive(Debug, Error)]
pub enum ConfError {
    #[error("cannot read registries config {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("registries config {path} line {line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(
        "registry {registry} is blocked by {source_file} (prefix {prefix:?}); \
         remove `blocked = true` there to pull from it"
    )]
    Blocked {
        registry: String,
        prefix: String,
        source_file: PathBuf,
    },
    #[error(
        "{reference} rewritten to location {location:?} by {source_file} is not a valid \
         reference; fix that [[registry]] entry"
    )]
    Rewrite {
        reference: String,
        location: String,
        source_file: PathBuf,
    },
}

/// What to do with a short name that no alias covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShortNameMode {
    /// Ask which registry on a terminal; fail on ambiguity without one.
    #[default]
    Enforcing,
    /// Ask on a terminal; otherwise try the search registries in order.
    Permissive,
    /// Try the search registries in order.
    Disabled,
}

/// When a mirror may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PullFromMirror {
    #[default]
    All,
    DigestOnly,
    TagOnly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mirror {
    pub location: String,
    pub insecure: bool,
    pub pull_from_mirror: PullFromMirror,
}

/// One `[[registry]]` table, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// What references it applies to: `host[/path]` or `*.domain`.
    pub prefix: String,
    /// Where such references really live (the prefix is replaced by it).
    pub location: String,
    pub insecure: bool,
    pub blocked: bool,
    pub mirrors: Vec<Mirror>,
    pub mirror_by_digest_only: bool,
    /// The file it was read from, for messages.
    pub source: PathBuf,
}

/// A place to pull a reference from: a mirror or the primary location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The reference rewritten for this location (`registry` is the host to contact).
    pub reference: Reference,
    /// Plain HTTP and unverified TLS are allowed.
    pub insecure: bool,
    pub mirror: bool,
}

/// The merged configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistriesConf {
    pub unqualified_search_registries: Vec<String>,
    pub short_name_mode: ShortNameMode,
    /// Sorted by prefix.
    pub registries: Vec<Registry>,
    /// Short name (`alpine`) → fully qualified name (`docker.io/library/alpine`).
    pub aliases: BTreeMap<String, String>,
    /// Every file read, in order.
    pub sources: Vec<PathBuf>,
}

/// Which files make up the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfSources {
    /// The main file; a missing one counts as empty.
    pub main: PathBuf,
    /// Directories whose `*.conf` files are merged on top, in this order.
    pub dropin_dirs: Vec<PathBuf>,
}

impl ConfSources {
    /// podman's search: `explicit` (from `$CONTAINERS_REGISTRIES_CONF` or rpod.toml),
    /// else the user's file if it exists (then only the user's drop-ins), else the
    /// system file with system and user drop-ins.
    pub fn find(explicit: Option<&Path>, config_home: &Path, system_dir: &Path) -> ConfSources {
        let user_file = config_home.join("containers/registries.conf");
        let user_dir = config_home.join("containers/registries.conf.d");
        let system_dropins = system_dir.join("registries.conf.d");
        match explicit {
            Some(file) => ConfSources {
                main: file.to_path_buf(),
                dropin_dirs: vec![system_dropins, user_dir],
            },
            None if user_file.exists() => ConfSources {
                main: user_file,
                dropin_dirs: vec![user_dir],
            },
            None => ConfSources {
                main: system_dir.join("registries.conf"),
                dropin_dirs: vec![system_dropins, user_dir],
            },
        }
    }
}

impl RegistriesConf {
    /// Loads the configuration as podman would for this user. `config_home` is
    /// `$XDG_CONFIG_HOME` (`~/.config`); `explicit` overrides the main file and
    /// otherwise `$CONTAINERS_REGISTRIES_CONF` does.
    pub fn load(config_home: &Path, explicit: Option<&Path>) -> Result<RegistriesConf, ConfError> {
        let env = std::env::var_os("CONTAINERS_REGISTRIES_CONF")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let explicit = explicit.or(env.as_deref());
        let sources = ConfSources::find(explicit, config_home, Path::new("/etc/containers"));
        RegistriesConf::load_from(&sources)
    }

    pub fn load_from(sources: &ConfSources) -> Result<RegistriesConf, ConfError> {
        let mut conf = RegistriesConf::default();
        let mut files = vec![sources.main.clone()];
        for dir in &sources.dropin_dirs {
            let mut found: Vec<PathBuf> = match fs::read_dir(dir) {
                Ok(entries) => entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "conf") && p.is_file())
                    .collect(),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
                Err(source) => {
                    return Err(ConfError::Read {
                        path: dir.clone(),
                        source,
                    })
                }
            };
            found.sort();
            files.extend(found);
        }
        for path in files {
            let text = match fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(source) => return Err(ConfError::Read { path, source }),
            };
            let part = parse_file(&text, &path).map_err(|(line, message)| ConfError::Parse {
                path: path.clone(),
                line,
                message,
            })?;
            conf.merge(part);
            conf.sources.push(path);
        }
        Ok(conf)
    }

    /// Parses one file's text (no drop-ins); errors carry the 1-based line.
    pub fn parse(text: &str, path: &Path) -> Result<RegistriesConf, ConfError> {
        let part = parse_file(text, path).map_err(|(line, message)| ConfError::Parse {
            path: path.to_path_buf(),
            line,
            message,
        })?;
        let mut conf = RegistriesConf::default();
        conf.merge(part);
        conf.sources.push(path.to_path_buf());
        Ok(conf)
    }

    /// Later files replace registries with the same prefix, the search list and the
    /// mode when they set them, and add aliases.
    fn merge(&mut self, part: Part) {
        if let Some(search) = part.search {
            self.unqualified_search_registries = search;
        }
        if let Some(mode) = part.mode {
            self.short_name_mode = mode;
        }
        for reg in part.registries {
            self.registries.retain(|r| r.prefix != reg.prefix);
            self.registries.push(reg);
        }
        self.registries.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        self.aliases.extend(part.aliases);
    }

    /// The references to try for what the user typed, in order. A qualified name is
    /// its own single candidate; a short name resolves through `[aliases]`, else
    /// through `unqualified-search-registries` (`docker.io` when there are none).
    /// Prompting under [`ShortNameMode::Enforcing`] is the caller's business.
    pub fn resolve_short_name(&self, input: &str) -> Result<Vec<Reference>, ReferenceError> {
        let parsed = Reference::parse(input)?;
        if !Reference::is_short_name(input) {
            return Ok(vec![parsed]);
        }
        let name = Reference::strip_tag_and_digest(input);
        if let Some(target) = self.aliases.get(name) {
            let alias = Reference::parse(target)?;
            return Ok(vec![Reference {
                registry: alias.registry,
                repository: alias.repository,
                tag: parsed.tag,
                digest: parsed.digest,
            }]);
        }
        let default = [DEFAULT_REGISTRY.to_string()];
        let search: &[String] = if self.unqualified_search_registries.is_empty() {
            &default
        } else {
            &self.unqualified_search_registries
        };
        search
            .iter()
            .map(|registry| Reference::parse(&format!("{registry}/{input}")))
            .collect()
    }

    /// The `[[registry]]` entry with the longest prefix matching `reference`, and
    /// where in its text the prefix ends.
    pub fn find_registry(&self, reference: &Reference) -> Option<(&Registry, usize)> {
        let text = reference.to_string();
        self.registries
            .iter()
            .filter_map(|r| prefix_match(&text, &r.prefix).map(|len| (r, len)))
            .max_by_key(|(r, _)| r.prefix.len())
    }

    pub fn is_blocked(&self, reference: &Reference) -> bool {
        self.find_registry(reference)
            .is_some_and(|(r, _)| r.blocked)
    }

    /// Where to pull `reference` from: the usable mirrors in order, then the primary
    /// location. Fails if its registry is blocked.
    pub fn endpoints(&self, reference: &Reference) -> Result<Vec<Endpoint>, ConfError> {
        let Some((registry, matched)) = self.find_registry(reference) else {
            return Ok(vec![Endpoint {
                reference: reference.clone(),
                insecure: false,
                mirror: false,
            }]);
        };
        if registry.blocked {
            return Err(ConfError::Blocked {
                registry: reference.registry.clone(),
                prefix: registry.prefix.clone(),
                source_file: registry.source.clone(),
            });
        }
        let text = reference.to_string();
        let rest = &text[matched..];
        // A rewritten name that does not parse is skipped, as containers/image does.
        let rewrite = |location: &str| Reference::parse(&format!("{location}{rest}")).ok();
        let by_digest = reference.digest.is_some();
        let mut out = Vec::new();
        for m in &registry.mirrors {
            let allowed = match m.pull_from_mirror {
                PullFromMirror::All => true,
                PullFromMirror::DigestOnly => by_digest,
                PullFromMirror::TagOnly => !by_digest,
            } && (!registry.mirror_by_digest_only || by_digest);
            if let Some(r) = allowed.then(|| rewrite(&m.location)).flatten() {
                out.push(Endpoint {
                    reference: r,
                    insecure: m.insecure,
                    mirror: true,
                });
            }
        }
        let primary = if registry.prefix.starts_with("*.") {
            reference.clone()
        } else {
            rewrite(&registry.location).ok_or_else(|| ConfError::Rewrite {
                reference: reference.to_string(),
                location: registry.location.clone(),
                source_file: registry.source.clone(),
            })?
        };
        out.push(Endpoint {
            reference: primary,
            insecure: registry.insecure,
            mirror: false,
        });
        Ok(out)
    }
}

/// containers/image's prefix rule: `prefix` must be followed in `text` by the end,
/// `/`, `:` or `@`; `*.domain` matches any subdomain of the host.
fn prefix_match(text: &str, prefix: &str) -> Option<usize> {
    let boundary = |i: usize| i == text.len() || matches!(text.as_bytes()[i], b'/' | b':' | b'@');
    if let Some(domain) = prefix.strip_prefix('*') {
        // `domain` is `.example.com`; it must sit inside the host part.
        let index = text.find(domain)?;
        if text[..index].contains('/') {
            return None;
        }
        let end = index + domain.len();
        return boundary(end).then_some(end);
    }
    (text.starts_with(prefix) && boundary(prefix.len())).then_some(prefix.len())
}

/// One file's contribution.
struct Part {
    search: Option<Vec<String>>,
    mode: Option<ShortNameMode>,
    registries: Vec<Registry>,
    aliases: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawFile {
    unqualified_search_registries: Option<Spanned<Vec<String>>>,
    short_name_mode: Option<Spanned<String>>,
    #[serde(default)]
    registry: Vec<Spanned<RawRegistry>>,
    aliases: Option<BTreeMap<String, Spanned<String>>>,
    /// Version 1 of the format.
    registries: Option<Spanned<RawV1>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawRegistry {
    prefix: Option<Spanned<String>>,
    location: Option<Spanned<String>>,
    #[serde(default)]
    insecure: bool,
    #[serde(default)]
    blocked: bool,
    #[serde(default)]
    mirror_by_digest_only: bool,
    #[serde(default)]
    mirror: Vec<RawMirror>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawMirror {
    location: Spanned<String>,
    #[serde(default)]
    insecure: bool,
    pull_from_mirror: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
struct RawV1 {
    #[serde(default)]
    search: RawV1List,
    #[serde(default)]
    insecure: RawV1List,
    #[serde(default)]
    block: RawV1List,
}

#[derive(Deserialize, Default)]
struct RawV1List {
    #[serde(default)]
    registries: Vec<String>,
}

type LineError = (usize, String);

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn parse_file(text: &str, path: &Path) -> Result<Part, LineError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
        (line, e.message().trim().to_string())
    })?;
    let at = |span: std::ops::Range<usize>, msg: String| (line_of(text, span.start), msg);

    if let Some(v1) = raw.registries {
        let v2_used = raw.unqualified_search_registries.is_some()
            || raw.short_name_mode.is_some()
            || !raw.registry.is_empty()
            || raw.aliases.is_some();
        if v2_used {
            return Err(at(
                v1.span(),
                "mixes the version 1 `[registries.*]` tables with version 2 keys; use only \
                 version 2"
                    .into(),
            ));
        }
        return Ok(from_v1(v1.into_inner(), path));
    }

    let search = match raw.unqualified_search_registries {
        Some(s) => {
            let span = s.span();
            let list = s.into_inner();
            for r in &list {
                if r.is_empty() || r.contains('/') || r.contains("://") {
                    return Err(at(
                        span,
                        format!(
                            "unqualified-search-registries entry {r:?} must be a registry host, \
                             e.g. \"quay.io\""
                        ),
                    ));
                }
            }
            Some(list)
        }
        None => None,
    };
    let mode = match raw.short_name_mode {
        Some(m) => Some(match m.get_ref().as_str() {
            "enforcing" => ShortNameMode::Enforcing,
            "permissive" => ShortNameMode::Permissive,
            "disabled" => ShortNameMode::Disabled,
            other => {
                return Err(at(
                    m.span(),
                    format!(
                        "short-name-mode {other:?} is not one of \"enforcing\", \"permissive\", \
                         \"disabled\""
                    ),
                ))
            }
        }),
        None => None,
    };

    let mut registries: Vec<Registry> = Vec::new();
    for raw_reg in raw.registry {
        let table = raw_reg.span();
        let reg = registry_from_raw(raw_reg.into_inner(), path).map_err(|(span, msg)| {
            // A message about the table as a whole points at its start.
            at(if span.is_empty() { table.clone() } else { span }, msg)
        })?;
        if registries.iter().any(|r| r.prefix == reg.prefix) {
            return Err(at(
                table,
                format!("registry prefix {:?} is defined more than once", reg.prefix),
            ));
        }
        registries.push(reg);
    }

    let mut aliases = BTreeMap::new();
    for (name, target) in raw.aliases.unwrap_or_default() {
        let span = target.span();
        let target = target.into_inner();
        check_alias(&name, &target).map_err(|msg| at(span, msg))?;
        aliases.insert(name, target);
    }
    Ok(Part {
        search,
        mode,
        registries,
        aliases,
    })
}

fn from_v1(v1: RawV1, path: &Path) -> Part {
    let mut registries: Vec<Registry> = Vec::new();
    let mut entry = |host: &str| -> usize {
        match registries.iter().position(|r| r.prefix == host) {
            Some(i) => i,
            None => {
                registries.push(Registry {
                    prefix: host.to_string(),
                    location: host.to_string(),
                    insecure: false,
                    blocked: false,
                    mirrors: Vec::new(),
                    mirror_by_digest_only: false,
                    source: path.to_path_buf(),
                });
                registries.len() - 1
            }
        }
    };
    let mut flags = Vec::new();
    for h in &v1.insecure.registries {
        flags.push((entry(h), true, false));
    }
    for h in &v1.block.registries {
        flags.push((entry(h), false, true));
    }
    for (i, insecure, blocked) in flags {
        registries[i].insecure |= insecure;
        registries[i].blocked |= blocked;
    }
    Part {
        search: Some(v1.search.registries),
        mode: None,
        registries,
        aliases: BTreeMap::new(),
    }
}

type SpanError = (std::ops::Range<usize>, String);

/// Trims a trailing `/` and refuses URL schemes, as containers/image does.
fn clean_location(
    value: Spanned<String>,
    what: &str,
) -> Result<(String, std::ops::Range<usize>), SpanError> {
    let span = value.span();
    let v = value.into_inner();
    if v.contains("://") {
        return Err((
            span,
            format!("{what} {v:?}: URL schemes are not supported; write only host[:port][/path]"),
        ));
    }
    let v = v.trim_end_matches('/').to_string();
    // The location replaces the start of a reference, so it must be one's beginning.
    if !v.is_empty() && !v.starts_with("*.") && Reference::parse(&format!("{v}/x")).is_err() {
        return Err((
            span,
            format!("{what} {v:?} is not a registry host[:port][/path]"),
        ));
    }
    Ok((v, span))
}

fn registry_from_raw(raw: RawRegistry, path: &Path) -> Result<Registry, SpanError> {
    let location = raw
        .location
        .map(|l| clean_location(l, "location"))
        .transpose()?;
    let prefix = raw
        .prefix
        .map(|p| clean_location(p, "prefix"))
        .transpose()?;
    let (prefix, location) = match (prefix, location) {
        (None, None) => {
            return Err((
                0..0,
                "a [[registry]] table needs `location` or `prefix`".into(),
            ))
        }
        (None, Some((l, span))) => {
            if l.is_empty() {
                return Err((span, "location is empty".into()));
            }
            (l.clone(), l)
        }
        (Some((p, span)), loc) => {
            if let Some(domain) = p.strip_prefix("*.") {
                if domain.is_empty() || domain.contains(['/', '*', ':', '@']) {
                    return Err((
                        span,
                        format!("wildcard prefix {p:?} must look like \"*.example.com\""),
                    ));
                }
                if loc.as_ref().is_some_and(|(l, _)| !l.is_empty()) {
                    return Err((
                        span,
                        format!("a registry with wildcard prefix {p:?} cannot have a location"),
                    ));
                }
                (p.clone(), String::new())
            } else {
                if p.is_empty() || p.contains('*') {
                    return Err((span, format!("invalid prefix {p:?}")));
                }
                match loc {
                    Some((l, _)) if !l.is_empty() => (p, l),
                    _ => (p.clone(), p),
                }
            }
        }
    };
    let mut mirrors = Vec::new();
    for m in raw.mirror {
        let (location, span) = clean_location(m.location, "mirror location")?;
        if location.is_empty() {
            return Err((span, "mirror location is empty".into()));
        }
        let pull_from_mirror = match &m.pull_from_mirror {
            None => PullFromMirror::All,
            Some(v) => match v.get_ref().as_str() {
                "all" | "" => PullFromMirror::All,
                "digest-only" => PullFromMirror::DigestOnly,
                "tag-only" => PullFromMirror::TagOnly,
                other => {
                    return Err((
                        v.span(),
                        format!(
                            "pull-from-mirror {other:?} is not one of \"all\", \"digest-only\", \
                             \"tag-only\""
                        ),
                    ))
                }
            },
        };
        mirrors.push(Mirror {
            location,
            insecure: m.insecure,
            pull_from_mirror,
        });
    }
    Ok(Registry {
        prefix,
        location,
        insecure: raw.insecure,
        blocked: raw.blocked,
        mirrors,
        mirror_by_digest_only: raw.mirror_by_digest_only,
        source: path.to_path_buf(),
    })
}

fn check_alias(name: &str, target: &str) -> Result<(), String> {
    if !Reference::is_short_name(name) || Reference::strip_tag_and_digest(name) != name {
        return Err(format!(
            "alias {name:?} must be a short name without tag or digest"
        ));
    }
    Reference::parse(name).map_err(|e| format!("alias {name:?}: {e}"))?;
    if Reference::is_short_name(target) || Reference::strip_tag_and_digest(target) != target {
        return Err(format!(
            "alias {name:?} = {target:?}: the value must be a fully qualified name \
             (registry/repository) without tag or digest"
        ));
    }
    Reference::parse(target).map_err(|e| format!("alias {name:?}: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(text: &str) -> RegistriesConf {
        RegistriesConf::parse(text, Path::new("/t/registries.conf"))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn err(text: &str) -> (usize, String) {
        match RegistriesConf::parse(text, Path::new("/t/r.conf")) {
            Err(ConfError::Parse { line, message, .. }) => (line, message),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    fn strings(refs: &[Reference]) -> Vec<String> {
        refs.iter().map(|r| r.to_string()).collect()
    }

    fn endpoints(c: &RegistriesConf, r: &str) -> Vec<(String, bool, bool)> {
        c.endpoints(&Reference::parse(r).unwrap())
            .unwrap()
            .into_iter()
            .map(|e| (e.reference.to_string(), e.insecure, e.mirror))
            .collect()
    }

    const HEX: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn empty_config_defaults_to_docker_io() {
        let c = conf("");
        assert_eq!(
            strings(&c.resolve_short_name("alpine").unwrap()),
            ["docker.io/library/alpine:latest"]
        );
        assert_eq!(c.short_name_mode, ShortNameMode::Enforcing);
        assert_eq!(
            endpoints(&c, "quay.io/a/b"),
            [("quay.io/a/b:latest".to_string(), false, false)]
        );
    }

    #[test]
    fn search_registries_in_order() {
        let c = conf(
            "unqualified-search-registries = [\"quay.io\", \"docker.io\", \"127.0.0.1:5000\"]\n\
             short-name-mode = \"permissive\"\n",
        );
        assert_eq!(c.short_name_mode, ShortNameMode::Permissive);
        assert_eq!(
            strings(&c.resolve_short_name("alpine:3").unwrap()),
            [
                "quay.io/alpine:3",
                "docker.io/library/alpine:3",
                "127.0.0.1:5000/alpine:3"
            ]
        );
        // Qualified names are not searched.
        assert_eq!(
            strings(&c.resolve_short_name("localhost/x").unwrap()),
            ["localhost/x:latest"]
        );
        let by_digest = c.resolve_short_name(&format!("ns/x@sha256:{HEX}")).unwrap();
        assert_eq!(
            by_digest[0].to_string(),
            format!("quay.io/ns/x@sha256:{HEX}")
        );
        assert!(c.resolve_short_name("UPPER").is_err());
    }

    #[test]
    fn aliases_win_over_search() {
        let c = conf(
            "unqualified-search-registries = [\"quay.io\"]\n\
             [aliases]\n\"alpine\" = \"docker.io/library/alpine\"\n\"my/app\" = \"127.0.0.1:5000/team/app\"\n",
        );
        assert_eq!(
            strings(&c.resolve_short_name("alpine:edge").unwrap()),
            ["docker.io/library/alpine:edge"]
        );
        assert_eq!(
            strings(&c.resolve_short_name("my/app").unwrap()),
            ["127.0.0.1:5000/team/app:latest"]
        );
        assert_eq!(
            strings(&c.resolve_short_name("busybox").unwrap()),
            ["quay.io/busybox:latest"]
        );
    }

    #[test]
    fn registry_tables_and_mirrors() {
        let c = conf(
            r#"
[[registry]]
prefix = "docker.io"
location = "docker.io"

[[registry.mirror]]
location = "127.0.0.1:5000/hub"
insecure = true

[[registry.mirror]]
location = "mirror.example.com"
pull-from-mirror = "digest-only"

[[registry]]
location = "insecure.example.com:5000"
insecure = true

[[registry]]
prefix = "docker.io/library/busybox"
location = "127.0.0.1:5001/bb"

[[registry]]
prefix = "blocked.example.com"
blocked = true
"#,
        );
        assert_eq!(
            endpoints(&c, "alpine"),
            [
                (
                    "127.0.0.1:5000/hub/library/alpine:latest".to_string(),
                    true,
                    true
                ),
                ("docker.io/library/alpine:latest".to_string(), false, false),
            ]
        );
        let pinned = format!("alpine@sha256:{HEX}");
        assert_eq!(endpoints(&c, &pinned).len(), 3);
        assert_eq!(
            endpoints(&c, &pinned)[1].0,
            format!("mirror.example.com/library/alpine@sha256:{HEX}")
        );
        // The longest prefix wins, and must end at a boundary.
        assert_eq!(
            endpoints(&c, "busybox:1"),
            [("127.0.0.1:5001/bb:1".to_string(), false, false)]
        );
        assert_eq!(
            endpoints(&c, "busyboxer")[0].0,
            "127.0.0.1:5000/hub/library/busyboxer:latest"
        );
        assert_eq!(
            endpoints(&c, "insecure.example.com:5000/x"),
            [(
                "insecure.example.com:5000/x:latest".to_string(),
                true,
                false
            )]
        );
        assert!(!c.is_blocked(&Reference::parse("insecure.example.com:5000/x").unwrap()));
        let blocked = Reference::parse("blocked.example.com/x").unwrap();
        assert!(c.is_blocked(&blocked));
        let e = c.endpoints(&blocked).unwrap_err().to_string();
        assert!(
            e.contains("blocked") && e.contains("/t/registries.conf"),
            "{e}"
        );
        // `blocked.example.com.evil` is another host.
        assert!(!c.is_blocked(&Reference::parse("blocked.example.com.evil/x").unwrap()));
    }

    #[test]
    fn wildcard_prefixes() {
        let c = conf(
            "[[registry]]\nprefix = \"*.example.com\"\ninsecure = true\n\
             [[registry.mirror]]\nlocation = \"127.0.0.1:5000\"\n",
        );
        assert_eq!(
            endpoints(&c, "a.example.com/x/y:1"),
            [
                ("127.0.0.1:5000/x/y:1".to_string(), false, true),
                ("a.example.com/x/y:1".to_string(), true, false)
            ]
        );
        assert_eq!(
            endpoints(&c, "example.com/x"),
            [("example.com/x:latest".to_string(), false, false)]
        );
        assert!(
            !endpoints(&c, "quay.io/a.example.com/x")[0].1,
            "a path component is not a host"
        );
    }

    #[test]
    fn mirror_policies() {
        let c = conf(
            "[[registry]]\nprefix = \"q.io\"\nmirror-by-digest-only = true\n\
             [[registry.mirror]]\nlocation = \"m1.io\"\n\
             [[registry]]\nprefix = \"r.io\"\n\
             [[registry.mirror]]\nlocation = \"m2.io\"\npull-from-mirror = \"tag-only\"\n",
        );
        assert_eq!(endpoints(&c, "q.io/x:1").len(), 1);
        assert_eq!(endpoints(&c, &format!("q.io/x@sha256:{HEX}")).len(), 2);
        assert_eq!(endpoints(&c, "r.io/x:1")[0].0, "m2.io/x:1");
        assert_eq!(endpoints(&c, &format!("r.io/x@sha256:{HEX}")).len(), 1);
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            err("a = 1\nunqualified-search-registries = \"quay.io\"\n").0,
            2
        );
        let (line, msg) = err("\n\nshort-name-mode = \"loose\"\n");
        assert_eq!(line, 3);
        assert!(msg.contains("loose"), "{msg}");
        let (line, msg) = err("[[registry]]\nprefix = \"x.io\"\nlocation = \"https://x.io\"\n");
        assert_eq!(line, 3);
        assert!(msg.contains("URL schemes"), "{msg}");
        let (line, _) = err("[[registry]]\nprefix = \"*.x.io\"\nlocation = \"y.io\"\n");
        assert_eq!(line, 2);
        let (line, _) = err("[aliases]\n\"a\" = \"b\"\n");
        assert_eq!(line, 2);
        let (_, msg) = err("[aliases]\n\"a\" = \"q.io/b:1\"\n");
        assert!(msg.contains("without tag"), "{msg}");
        let (line, msg) = err("[[registry]]\nprefix = \"a.io\"\nlocation = \"Bad Host\"\n");
        assert_eq!(line, 3);
        assert!(msg.contains("not a registry"), "{msg}");
        let (line, _) =
            err("[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\nlocation = \"x y\"\n");
        assert_eq!(line, 4);
        let (line, _) = err("unqualified-search-registries = [\"quay.io/ns\"]\n");
        assert_eq!(line, 1);
        let (line, msg) = err("\n[[registry]]\ninsecure = true\n");
        assert!(msg.contains("location"), "{msg}");
        assert!(line == 2 || line == 3, "{line}");
        let (line, msg) =
            err("[[registry]]\nlocation = \"a.io\"\n[[registry]]\nlocation = \"a.io\"\n");
        assert!(msg.contains("more than once"), "{msg}");
        assert!(line >= 3, "{line}");
        let (line, _) = err("[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\nlocation = \"m\"\npull-from-mirror = \"some\"\n");
        assert_eq!(line, 5);
        let (_, msg) = err("unqualified-search-registries = [\"a.io\"]\n[registries.search]\nregistries = [\"b.io\"]\n");
        assert!(msg.contains("version 1"), "{msg}");
    }

    #[test]
    fn version_1_format() {
        let c = conf(
            "[registries.search]\nregistries = [\"quay.io\"]\n\
             [registries.insecure]\nregistries = [\"127.0.0.1:5000\"]\n\
             [registries.block]\nregistries = [\"bad.io\"]\n",
        );
        assert_eq!(c.unqualified_search_registries, ["quay.io"]);
        assert!(endpoints(&c, "127.0.0.1:5000/x")[0].1);
        assert!(c.is_blocked(&Reference::parse("bad.io/x").unwrap()));
    }

    #[test]
    fn finds_files_like_podman() {
        let home = Path::new("/h/.config");
        let sys = Path::new("/etc/containers");
        let s = ConfSources::find(Some(Path::new("/x.conf")), home, sys);
        assert_eq!(s.main, PathBuf::from("/x.conf"));
        assert_eq!(s.dropin_dirs.len(), 2);
        let s = ConfSources::find(None, home, sys);
        assert_eq!(s.main, PathBuf::from("/etc/containers/registries.conf"));
        assert_eq!(
            s.dropin_dirs,
            [
                PathBuf::from("/etc/containers/registries.conf.d"),
                PathBuf::from("/h/.config/containers/registries.conf.d")
            ]
        );
    }

    #[test]
    fn dropins_merge_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("cfg");
        let sys = dir.path().join("etc");
        fs::create_dir_all(sys.join("registries.conf.d")).unwrap();
        fs::create_dir_all(cfg.join("containers/registries.conf.d")).unwrap();
        fs::write(
            sys.join("registries.conf"),
            "unqualified-search-registries = [\"a.io\", \"b.io\"]\n\
             [[registry]]\nlocation = \"a.io\"\ninsecure = true\n",
        )
        .unwrap();
        fs::write(
            sys.join("registries.conf.d/10-x.conf"),
            "[aliases]\n\"app\" = \"a.io/team/app\"\n",
        )
        .unwrap();
        fs::write(
            sys.join("registries.conf.d/ignored.txt"),
            "this is not toml [",
        )
        .unwrap();
        fs::write(
            cfg.join("containers/registries.conf.d/20-y.conf"),
            "unqualified-search-registries = [\"c.io\"]\n\
             [[registry]]\nlocation = \"a.io\"\nblocked = true\n",
        )
        .unwrap();
        let c = RegistriesConf::load_from(&ConfSources::find(None, &cfg, &sys)).unwrap();
        assert_eq!(c.unqualified_search_registries, ["c.io"]);
        assert_eq!(c.registries.len(), 1);
        assert!(c.registries[0].blocked && !c.registries[0].insecure);
        assert_eq!(c.aliases["app"], "a.io/team/app");
        assert_eq!(c.sources.len(), 3);

        // A user registries.conf replaces the system file and its drop-ins.
        fs::write(
            cfg.join("containers/registries.conf"),
            "short-name-mode = \"disabled\"\n",
        )
        .unwrap();
        let c = RegistriesConf::load_from(&ConfSources::find(None, &cfg, &sys)).unwrap();
        assert_eq!(c.short_name_mode, ShortNameMode::Disabled);
        assert_eq!(c.unqualified_search_registries, ["c.io"]);
        assert!(c.aliases.is_empty());

        fs::write(sys.join("registries.conf.d/30-bad.conf"), "x = [\n").unwrap();
        let e = RegistriesConf::load_from(&ConfSources::find(
            Some(&sys.join("registries.conf")),
            &cfg,
            &sys,
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("30-bad.conf line"), "{e}");
    }

    #[test]
    fn reads_the_system_shortnames_shape() {
        let c = conf(
            "[aliases]\n  # docker\n  \"alpine\" = \"docker.io/library/alpine\"\n  \
             \"opensuse/leap\" = \"registry.opensuse.org/opensuse/leap\"\n",
        );
        assert_eq!(
            strings(&c.resolve_short_name("opensuse/leap:15").unwrap()),
            ["registry.opensuse.org/opensuse/leap:15"]
        );
    }
}
