//! Image references (`alpine`, `nginx:1.27`, `127.0.0.1:5000/x@sha256:…`), parsed and
//! normalised by the rules of the distribution reference grammar, as Docker and podman do:
//! `alpine` is `docker.io/library/alpine:latest`.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::base::digest::Digest;

/// The registry short names fall back to.
pub const DEFAULT_REGISTRY: &str = "docker.io";
/// The tag meant when a reference names neither tag nor digest.
pub const DEFAULT_TAG: &str = "latest";
/// Longest `registry/repository` the grammar allows.
const NAME_TOTAL_LENGTH_MAX: usize = 255;
const TAG_LENGTH_MAX: usize = 128;

#[derive(Debug, Error, PartialEq, Eq, Clone)]
#[error("invalid reference format {input:?}: {reason}")]
pub struct ReferenceError {
    pub input: String,
    pub reason: String,
}

fn invalid(input: &str, reason: impl Into<String>) -> ReferenceError {
    ReferenceError {
        input: input.to_string(),
        reason: reason.into(),
    }
}

/// A fully qualified image reference. `tag` and `digest` may both be set
/// (`name:tag@sha256:…`); the digest is what gets pulled then.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    /// `docker.io`, `quay.io`, `localhost`, `127.0.0.1:5000`, `[::1]:5000`.
    pub registry: String,
    /// `library/alpine`, `ns/name`.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

impl Reference {
    /// Parses and normalises a reference. Names without a registry get `docker.io`
    /// (and `library/` when they have one component); the tag defaults to `latest`
    /// only when there is no digest.
    pub fn parse(input: &str) -> Result<Reference, ReferenceError> {
        if input.is_empty() {
            return Err(invalid(input, "the image name is empty"));
        }
        if is_image_id(input) {
            return Err(invalid(
                input,
                "a 64-digit hexadecimal string is an image id, not a repository name",
            ));
        }
        let (rest, digest) = match input.split_once('@') {
            Some((rest, digest)) => (rest, Some(parse_digest(input, digest)?)),
            None => (input, None),
        };
        let (name, tag) = split_tag(rest);
        if let Some(tag) = tag {
            check_tag(input, tag)?;
        }
        if name.is_empty() {
            return Err(invalid(input, "the image name is empty"));
        }
        let (registry, path) = split_registry(name);
        if path.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(invalid(input, "repository name must be lowercase"));
        }
        let registry = match registry {
            Some(r) => {
                check_registry(input, r)?;
                if r == "index.docker.io" {
                    DEFAULT_REGISTRY
                } else {
                    r
                }
            }
            None => DEFAULT_REGISTRY,
        };
        check_path(input, path)?;
        let repository = if registry == DEFAULT_REGISTRY && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_string()
        };
        if registry.len() + 1 + repository.len() > NAME_TOTAL_LENGTH_MAX {
            return Err(invalid(
                input,
                format!("the repository name is longer than {NAME_TOTAL_LENGTH_MAX} characters"),
            ));
        }
        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_string()),
            (None, None) => Some(DEFAULT_TAG.to_string()),
            (None, Some(_)) => None,
        };
        Ok(Reference {
            registry: registry.to_string(),
            repository,
            tag,
            digest,
        })
    }

    /// True when `input` names no registry (`alpine`, `library/alpine:3`), so that
    /// `unqualified-search-registries` decide where it comes from.
    pub fn is_short_name(input: &str) -> bool {
        let name = input.split_once('@').map_or(input, |(n, _)| n);
        split_registry(name).0.is_none()
    }

    /// The name part of `input` as typed: without `:tag` and `@digest`.
    pub fn strip_tag_and_digest(input: &str) -> &str {
        let name = input.split_once('@').map_or(input, |(n, _)| n);
        split_tag(name).0
    }

    /// `registry/repository`, without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// What to ask the registry for: the digest when there is one, else the tag.
    pub fn tag_or_digest(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => DEFAULT_TAG.to_string(),
        }
    }

    /// The short form Docker prints: `alpine:latest`, `ns/name:tag`, `quay.io/x/y:tag`.
    pub fn familiar(&self) -> String {
        let mut out = if self.registry == DEFAULT_REGISTRY {
            self.repository
                .strip_prefix("library/")
                .filter(|r| !r.contains('/'))
                .unwrap_or(&self.repository)
                .to_string()
        } else {
            self.name()
        };
        push_suffix(&mut out, self.tag.as_deref(), self.digest.as_ref());
        out
    }

    /// The same repository path on another registry (for mirrors and `localhost/`).
    pub fn with_registry(&self, registry: &str) -> Reference {
        Reference {
            registry: registry.to_string(),
            ..self.clone()
        }
    }

    /// This name with `tag` and no digest.
    pub fn with_tag(&self, tag: &str) -> Reference {
        Reference {
            tag: Some(tag.to_string()),
            digest: None,
            ..self.clone()
        }
    }

    /// This name pinned to `digest`, keeping the tag for display.
    pub fn with_digest(&self, digest: Digest) -> Reference {
        Reference {
            digest: Some(digest),
            ..self.clone()
        }
    }
}

fn push_suffix(out: &mut String, tag: Option<&str>, digest: Option<&Digest>) {
    if let Some(t) = tag {
        out.push(':');
        out.push_str(t);
    }
    if let Some(d) = digest {
        out.push('@');
        out.push_str(&d.to_string());
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = self.name();
        push_suffix(&mut out, self.tag.as_deref(), self.digest.as_ref());
        f.write_str(&out)
    }
}

impl fmt::Debug for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reference({self})")
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;
    fn from_str(s: &str) -> Result<Reference, ReferenceError> {
        Reference::parse(s)
    }
}

impl serde::Serialize for Reference {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Reference {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Reference, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

fn is_image_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn parse_digest(input: &str, digest: &str) -> Result<Digest, ReferenceError> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(invalid(
            input,
            format!("bad digest {digest:?}: expected sha256:<64 hex digits>"),
        ));
    };
    let algorithm_ok = !algorithm.is_empty()
        && algorithm.split(['+', '.', '_', '-']).all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if !algorithm_ok || hex.is_empty() {
        return Err(invalid(
            input,
            format!("bad digest {digest:?}: expected sha256:<64 hex digits>"),
        ));
    }
    if algorithm != "sha256" {
        return Err(invalid(
            input,
            format!("unsupported digest algorithm {algorithm:?}: only sha256 is supported"),
        ));
    }
    Digest::from_hex(hex).map_err(|_| {
        invalid(
            input,
            format!("bad digest {digest:?}: expected sha256:<64 lowercase hex digits>"),
        )
    })
}

/// Splits `name[:tag]`; a `:` before the last `/` belongs to a port.
fn split_tag(s: &str) -> (&str, Option<&str>) {
    match s.rfind(':') {
        Some(i) if s[i..].find('/').is_none() => (&s[..i], Some(&s[i + 1..])),
        _ => (s, None),
    }
}

/// Docker's rule: the first component is a registry when it contains `.` or `:`,
/// is `localhost`, or has an uppercase letter (a repository never does).
fn split_registry(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn check_tag(input: &str, tag: &str) -> Result<(), ReferenceError> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let ok = match tag.as_bytes() {
        [first, rest @ ..] => {
            word(*first)
                && rest.iter().all(|&b| word(b) || b == b'.' || b == b'-')
                && tag.len() <= TAG_LENGTH_MAX
        }
        [] => false,
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(
            input,
            format!(
                "bad tag {tag:?}: a tag is up to {TAG_LENGTH_MAX} letters, digits, '_', '.' \
                 or '-', not starting with '.' or '-'"
            ),
        ))
    }
}

fn check_registry(input: &str, registry: &str) -> Result<(), ReferenceError> {
    let bad = || invalid(input, format!("bad registry host {registry:?}"));
    let (host, port) = if let Some(rest) = registry.strip_prefix('[') {
        let (v6, after) = rest.split_once(']').ok_or_else(bad)?;
        if v6.is_empty() || !v6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return Err(bad());
        }
        match after {
            "" => (None, None),
            p => (None, Some(p.strip_prefix(':').ok_or_else(bad)?)),
        }
    } else {
        match registry.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(registry), None),
        }
    };
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(input, format!("bad port in registry {registry:?}")));
        }
    }
    if let Some(host) = host {
        let component_ok = |c: &str| {
            let b = c.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
        };
        if !host.split('.').all(component_ok) {
            return Err(bad());
        }
    }
    Ok(())
}

/// Each path component is `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-`.
fn check_path(input: &str, path: &str) -> Result<(), ReferenceError> {
    for component in path.split('/') {
        if !path_component_ok(component) {
            return Err(invalid(
                input,
                format!(
                    "bad repository name component {component:?}: use lowercase letters and \
                     digits separated by '.', '_', '__' or '-'"
                ),
            ));
        }
    }
    Ok(())
}

fn path_component_ok(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    let mut i = 0;
    let mut need_alnum = true;
    while i < b.len() {
        if alnum(b[i]) {
            need_alnum = false;
            i += 1;
            continue;
        }
        if need_alnum {
            return false;
        }
        // A separator: '.', '_', '__' or one or more '-'.
        let start = i;
        match b[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if i < b.len() && b[i] == b'_' {
                    i += 1;
                }
            }
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
        debug_assert!(i > start);
        need_alnum = true;
    }
    !need_alnum
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn full(s: &str) -> String {
        Reference::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .to_string()
    }

    #[test]
    fn normalises_like_docker() {
        let cases = [
            ("alpine", "docker.io/library/alpine:latest"),
            ("alpine:3.19", "docker.io/library/alpine:3.19"),
            ("library/alpine", "docker.io/library/alpine:latest"),
            ("docker.io/alpine", "docker.io/library/alpine:latest"),
            ("index.docker.io/alpine", "docker.io/library/alpine:latest"),
            (
                "docker.io/library/alpine:edge",
                "docker.io/library/alpine:edge",
            ),
            ("user/app", "docker.io/user/app:latest"),
            ("quay.io/podman/stable", "quay.io/podman/stable:latest"),
            ("quay.io/alpine", "quay.io/alpine:latest"),
            ("localhost/app", "localhost/app:latest"),
            ("localhost:5000/app:v1", "localhost:5000/app:v1"),
            ("127.0.0.1:5000/x/y/z:1", "127.0.0.1:5000/x/y/z:1"),
            ("[::1]:5000/app", "[::1]:5000/app:latest"),
            ("[::1]/app", "[::1]/app:latest"),
            ("localhost", "docker.io/library/localhost:latest"),
            ("foo:5000", "docker.io/library/foo:5000"),
            ("a_b__c.d-e---f", "docker.io/library/a_b__c.d-e---f:latest"),
            (
                "Registry.Example.com/app",
                "Registry.Example.com/app:latest",
            ),
            ("My-Host/app", "My-Host/app:latest"),
        ];
        for (input, want) in cases {
            assert_eq!(full(input), want, "{input}");
        }
    }

    #[test]
    fn digests_and_tags() {
        let d = format!("alpine@sha256:{HEX}");
        let r = Reference::parse(&d).unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_ref().unwrap().hex(), HEX);
        assert_eq!(
            r.to_string(),
            format!("docker.io/library/alpine@sha256:{HEX}")
        );
        assert_eq!(r.tag_or_digest(), format!("sha256:{HEX}"));

        let both = Reference::parse(&format!("127.0.0.1:5000/a:v2@sha256:{HEX}")).unwrap();
        assert_eq!(both.tag.as_deref(), Some("v2"));
        assert!(both.digest.is_some());
        assert_eq!(both.tag_or_digest(), format!("sha256:{HEX}"));
        assert_eq!(
            both.to_string(),
            format!("127.0.0.1:5000/a:v2@sha256:{HEX}")
        );

        let plain = Reference::parse("nginx:1.27").unwrap();
        assert_eq!(plain.tag_or_digest(), "1.27");
    }

    #[test]
    fn rejects_invalid() {
        let long_tag = format!("alpine:{}", "t".repeat(129));
        let long_name = format!("quay.io/{}", "a".repeat(250));
        let upper_digest = format!("alpine@sha256:{}", HEX.to_uppercase());
        let bad = [
            ("", "empty"),
            ("Alpine", "lowercase"),
            ("docker.io/Library/alpine", "lowercase"),
            ("a::b", "bad"),
            ("alpine:", "bad tag"),
            ("alpine:-x", "bad tag"),
            ("alpine:.x", "bad tag"),
            (long_tag.as_str(), "bad tag"),
            (long_name.as_str(), "longer than 255"),
            ("alpine@sha256:abc", "bad digest"),
            ("alpine@sha256:", "bad digest"),
            ("alpine@", "bad digest"),
            ("alpine@sha512:abcd", "unsupported digest algorithm"),
            (upper_digest.as_str(), "bad digest"),
            ("ab/_x", "component"),
            (HEX, "image id"),
            ("a//b", "component"),
            ("a/b/", "component"),
            ("/a", "component"),
            ("a.-b", "component"),
            ("a___b", "component"),
            ("-a", "component"),
            ("a-", "component"),
            ("a b", "component"),
            ("ex ample.com/a", "registry"),
            ("exa_mple.com/a", "registry"),
            ("example.com:port/a", "port"),
            ("example.com:/a", "port"),
            ("-example.com/a", "registry"),
            ("[zz]:5000/a", "registry"),
            ("[::1/a", "registry"),
            ("localhost:5000/", "component"),
            ("@sha256:", "bad digest"),
        ];
        for (input, reason) in bad {
            let err = match Reference::parse(input) {
                Ok(r) => panic!("{input:?} parsed as {r}"),
                Err(e) => e,
            };
            assert!(
                err.to_string().contains(reason),
                "{input:?}: {err} (want {reason:?})"
            );
        }
    }

    #[test]
    fn short_names() {
        assert!(Reference::is_short_name("alpine"));
        assert!(Reference::is_short_name("alpine:3"));
        assert!(Reference::is_short_name("library/alpine"));
        assert!(Reference::is_short_name(&format!("alpine@sha256:{HEX}")));
        assert!(!Reference::is_short_name("docker.io/alpine"));
        assert!(!Reference::is_short_name("localhost/x"));
        assert!(!Reference::is_short_name("127.0.0.1:5000/x"));
        assert!(!Reference::is_short_name("host:5000/x:tag"));
        assert_eq!(Reference::strip_tag_and_digest("a/b:1"), "a/b");
        assert_eq!(Reference::strip_tag_and_digest("h:5/b"), "h:5/b");
        assert_eq!(
            Reference::strip_tag_and_digest(&format!("h:5/b:t@sha256:{HEX}")),
            "h:5/b"
        );
    }

    #[test]
    fn familiar_and_helpers() {
        let r = Reference::parse("alpine").unwrap();
        assert_eq!(r.familiar(), "alpine:latest");
        assert_eq!(r.name(), "docker.io/library/alpine");
        assert_eq!(
            Reference::parse("user/app:1").unwrap().familiar(),
            "user/app:1"
        );
        assert_eq!(
            Reference::parse("docker.io/library/a/b")
                .unwrap()
                .familiar(),
            "library/a/b:latest"
        );
        assert_eq!(
            Reference::parse("quay.io/a/b").unwrap().familiar(),
            "quay.io/a/b:latest"
        );
        let moved = r.with_registry("127.0.0.1:5000");
        assert_eq!(moved.to_string(), "127.0.0.1:5000/library/alpine:latest");
        let d: Digest = format!("sha256:{HEX}").parse().unwrap();
        let pinned = r.with_digest(d.clone());
        assert_eq!(pinned.tag_or_digest(), d.to_string());
        assert_eq!(
            pinned.with_tag("3").to_string(),
            "docker.io/library/alpine:3"
        );
    }

    #[test]
    fn display_roundtrips_and_serde() {
        for input in ["alpine", "quay.io/a/b:c", "[::1]:5000/x", "localhost/y:z"] {
            let r = Reference::parse(input).unwrap();
            assert_eq!(Reference::parse(&r.to_string()).unwrap(), r);
            let j = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<Reference>(&j).unwrap(), r);
        }
        assert!(serde_json::from_str::<Reference>("\"UPPER\"").is_err());
    }

    #[test]
    fn path_components() {
        for ok in ["a", "a1", "a.b", "a_b", "a__b", "a-b", "a---b", "1.2.3"] {
            assert!(path_component_ok(ok), "{ok}");
        }
        for bad in ["", ".", "a.", "_a", "a__", "a___b", "a.-b", "a-_b", "A"] {
            assert!(!path_component_ok(bad), "{bad}");
        }
    }
}
