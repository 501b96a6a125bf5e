//! Image names as the local store keeps and matches them.
//!
//! Stored names are always complete (`docker.io/library/busybox:latest`,
//! `localhost/x:1`). What a user types is matched the way podman matches local
//! images: the full name, then a short name against the ends of stored names
//! (`busybox` finds `docker.io/library/busybox:latest`), then an id prefix.

use thiserror::Error;

use crate::base::digest::Digest;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum NameError {
    #[error("invalid image name {0:?}: use [registry/]name[:tag] in lowercase letters, digits and . _ - /")]
    Invalid(String),
}

/// Completes a name for storing, as `podman tag`/`import` do: a name without a
/// registry goes under `localhost/`, `docker.io/x` becomes `docker.io/library/x`,
/// and a missing tag becomes `:latest`. A `@sha256:` digest is kept instead of a tag.
pub fn normalize(name: &str) -> Result<String, NameError> {
    let invalid = || NameError::Invalid(name.to_string());
    let (repo, suffix) = split_suffix(name);
    if repo.is_empty() || repo.starts_with('/') || repo.ends_with('/') || repo.contains("//") {
        return Err(invalid());
    }
    let mut parts: Vec<&str> = repo.split('/').collect();
    let has_domain = parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost");
    let domain = if has_domain {
        let d = parts.remove(0);
        if d == "index.docker.io" {
            "docker.io"
        } else {
            d
        }
    } else {
        "localhost"
    };
    if !domain
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
    {
        return Err(invalid());
    }
    for p in &parts {
        if p.is_empty()
            || !p
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
            || !p.as_bytes()[0].is_ascii_alphanumeric()
        {
            return Err(invalid());
        }
    }
    if domain == "docker.io" && parts.len() == 1 {
        parts.insert(0, "library");
    }
    let path = parts.join("/");
    let suffix = match suffix {
        Suffix::None => ":latest".to_string(),
        Suffix::Tag(t) => {
            if t.is_empty()
                || t.len() > 128
                || !t
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
                || t.starts_with(['.', '-'])
            {
                return Err(invalid());
            }
            format!(":{t}")
        }
        Suffix::Digest(d) => {
            let d: Digest = d.parse().map_err(|_| invalid())?;
            format!("@{d}")
        }
    };
    Ok(format!("{domain}/{path}{suffix}"))
}

/// Completes a name as Docker does (for names from docker archives): a name
/// without a registry is on `docker.io`, `library/` for a single component.
pub fn normalize_docker(name: &str) -> Result<String, NameError> {
    let first = name.split('/').next().unwrap_or("");
    let has_domain = name.contains('/') && (first.contains(['.', ':']) || first == "localhost");
    if has_domain {
        normalize(name)
    } else {
        normalize(&format!("docker.io/{name}"))
    }
}

enum Suffix<'a> {
    None,
    Tag(&'a str),
    Digest(&'a str),
}

/// Splits `repo[:tag][@digest]`; a `:` before the last `/` belongs to a registry port.
fn split_suffix(name: &str) -> (&str, Suffix<'_>) {
    if let Some((repo, digest)) = name.split_once('@') {
        // `repo:tag@digest`: the digest pins the content, the tag is noise.
        let repo = strip_tag(repo).0;
        return (repo, Suffix::Digest(digest));
    }
    match strip_tag(name) {
        (repo, Some(tag)) => (repo, Suffix::Tag(tag)),
        (repo, None) => (repo, Suffix::None),
    }
}

fn strip_tag(name: &str) -> (&str, Option<&str>) {
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    }
}

/// The repository of a stored name (`docker.io/library/busybox:latest` → `docker.io/library/busybox`).
pub fn repository(stored: &str) -> &str {
    match stored.split_once('@') {
        Some((repo, _)) => repo,
        None => strip_tag(stored).0,
    }
}

/// The tag of a stored name, if it has one.
pub fn tag(stored: &str) -> Option<&str> {
    if stored.contains('@') {
        return None;
    }
    strip_tag(stored).1
}

/// How well a stored name matches what the user typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Match {
    /// Only the end of the name matches (`busybox` vs `quay.io/x/busybox:latest`).
    Suffix,
    /// `localhost/NAME` or `docker.io/library/NAME`: what podman resolves a short name to first.
    Preferred,
    Exact,
}

/// Whether `stored` is what `query` names; `query` as the user typed it.
pub fn matches(stored: &str, query: &str) -> Option<Match> {
    if stored == query {
        return Some(Match::Exact);
    }
    let (q_repo, q_suffix) = split_suffix(query);
    let (s_repo, s_suffix) = split_suffix(stored);
    let suffix_ok = match (&q_suffix, &s_suffix) {
        (Suffix::None, Suffix::Tag(t)) => *t == "latest",
        (Suffix::Tag(a), Suffix::Tag(b)) => a == b,
        (Suffix::Digest(a), Suffix::Digest(b)) => a == b,
        _ => false,
    };
    if !suffix_ok || q_repo.is_empty() {
        return None;
    }
    if s_repo == q_repo {
        return Some(Match::Exact);
    }
    if let Ok(full) = normalize(query) {
        if repository(&full) == s_repo {
            return Some(Match::Preferred);
        }
    }
    let docker_library = format!("docker.io/library/{q_repo}");
    if s_repo == docker_library {
        return Some(Match::Preferred);
    }
    if s_repo.len() > q_repo.len()
        && s_repo.ends_with(q_repo)
        && s_repo.as_bytes()[s_repo.len() - q_repo.len() - 1] == b'/'
    {
        return Some(Match::Suffix);
    }
    None
}

/// Whether `query` matches a digest reference `name@sha256:…` of an image with
/// `digests`, whose stored names include the same repository.
pub fn matches_digest(names: &[String], digests: &[Digest], query: &str) -> bool {
    let Some((repo, digest)) = query.split_once('@') else {
        return false;
    };
    let Ok(digest) = digest.parse::<Digest>() else {
        return false;
    };
    if !digests.contains(&digest) {
        return false;
    }
    let repo = strip_tag(repo).0;
    names.iter().any(|n| {
        let probe = format!("{}:latest", repository(n));
        matches(&probe, repo).is_some()
    })
}

/// The hex digits of an id query (`sha256:` prefix allowed), or `None` if it is not one.
pub fn id_prefix(query: &str) -> Option<&str> {
    let hex = query.strip_prefix("sha256:").unwrap_or(query);
    (!hex.is_empty()
        && hex.len() <= 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then_some(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_like_podman_tag() {
        let n = |s: &str| normalize(s).unwrap();
        assert_eq!(n("x"), "localhost/x:latest");
        assert_eq!(n("x:3"), "localhost/x:3");
        assert_eq!(n("foo/bar"), "localhost/foo/bar:latest");
        assert_eq!(n("quay.io/foo/bar:v2"), "quay.io/foo/bar:v2");
        assert_eq!(n("docker.io/busybox"), "docker.io/library/busybox:latest");
        assert_eq!(n("127.0.0.1:5000/a/b:1.0"), "127.0.0.1:5000/a/b:1.0");
        assert_eq!(n("localhost:5000/x"), "localhost:5000/x:latest");
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(n(&format!("r:tag@{d}")), format!("localhost/r@{d}"));
        for bad in [
            "",
            "UPPER",
            "a//b",
            "x:",
            "x:-bad",
            "/x",
            "a@sha256:12",
            "a b",
        ] {
            assert!(normalize(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn docker_style_names() {
        let n = |s: &str| normalize_docker(s).unwrap();
        assert_eq!(n("busybox"), "docker.io/library/busybox:latest");
        assert_eq!(n("me/app:1"), "docker.io/me/app:1");
        assert_eq!(n("localhost/x:1"), "localhost/x:1");
        assert_eq!(n("quay.io/a/b"), "quay.io/a/b:latest");
    }

    #[test]
    fn short_names_match_stored_names() {
        let s = "docker.io/library/busybox:latest";
        assert_eq!(matches(s, s), Some(Match::Exact));
        assert_eq!(matches(s, "busybox"), Some(Match::Preferred));
        assert_eq!(matches(s, "busybox:latest"), Some(Match::Preferred));
        assert_eq!(matches(s, "library/busybox"), Some(Match::Suffix));
        assert_eq!(matches(s, "docker.io/library/busybox"), Some(Match::Exact));
        assert_eq!(matches(s, "busybox:1.36"), None);
        assert_eq!(matches(s, "box"), None);
        assert_eq!(matches("localhost/x:1", "x:1"), Some(Match::Preferred));
        assert_eq!(
            matches("quay.io/foo/busybox:latest", "busybox"),
            Some(Match::Suffix)
        );
    }

    #[test]
    fn digest_queries() {
        let d = Digest::of(b"m");
        let names = vec!["docker.io/library/busybox:latest".to_string()];
        assert!(matches_digest(
            &names,
            std::slice::from_ref(&d),
            &format!("busybox@{d}")
        ));
        assert!(!matches_digest(
            &names,
            std::slice::from_ref(&d),
            &format!("alpine@{d}")
        ));
        assert!(!matches_digest(&names, &[], &format!("busybox@{d}")));
    }

    #[test]
    fn repository_and_tag() {
        assert_eq!(repository("127.0.0.1:5000/a:1"), "127.0.0.1:5000/a");
        assert_eq!(tag("127.0.0.1:5000/a:1"), Some("1"));
        assert_eq!(tag("127.0.0.1:5000/a"), None);
        assert_eq!(id_prefix("sha256:ab12"), Some("ab12"));
        assert_eq!(id_prefix("busybox"), None);
    }
}
