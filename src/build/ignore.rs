//! `.containerignore` / `.dockerignore`: which paths of the build context a
//! build may not see, with Docker's pattern rules (moby `patternmatcher` and
//! its `ignorefile` reader) so that a context ignores exactly what it ignores
//! under podman and Docker.
//!
//! Rules, as Docker's: lines starting with `#` are comments, blank lines are
//! skipped, each pattern is trimmed and cleaned like Go's `filepath.Clean`
//! (a leading `/` dropped); `*` and `?` never cross a `/`, `**` spans any
//! number of directories, `[...]` classes and `\` escapes follow Go's
//! `filepath.Match`; a pattern starting with `!` re-includes; later patterns
//! win; a pattern matching a parent directory matches everything under it.
//!
//! This module also holds the two pieces of Go's `path/filepath` that Docker's
//! COPY semantics are written in terms of: [`clean`] and [`filepath_match`].

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use regex::Regex;
use thiserror::Error;

pub use crate::base::glob::{filepath_match, has_meta, BadPattern};

/// The files looked for at the context root, in podman's order.
pub const IGNORE_FILES: [&str; 2] = [".containerignore", ".dockerignore"];

#[derive(Debug, Error)]
pub enum IgnoreError {
    #[error("cannot read ignore file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("ignore file {path}, line {line}: syntax error in pattern {pattern:?}")]
    Pattern {
        path: PathBuf,
        line: usize,
        pattern: String,
    },
    #[error("ignore file {path}, line {line}: illegal exclusion pattern \"!\"")]
    LoneBang { path: PathBuf, line: usize },
}

/// The parsed patterns of an ignore file.
#[derive(Debug, Clone, Default)]
pub struct Ignore {
    patterns: Vec<Pattern>,
    /// Where the patterns came from, for messages.
    source: Option<PathBuf>,
}

#[derive(Debug, Clone)]
struct Pattern {
    exclusion: bool,
    /// The cleaned pattern, `!` removed.
    cleaned: String,
    kind: MatchKind,
}

#[derive(Debug, Clone)]
enum MatchKind {
    Exact,
    /// `dir/**`: everything starting with `dir/`.
    Prefix(String),
    /// `**/name`, `**name`: everything ending so.
    Suffix(String),
    Regexp(Regex),
    /// Malformed: matches nothing (reported by [`Ignore::load`]).
    Never,
}

/// One line of an ignore file that failed to parse: its 1-based number and text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BadLine {
    line: usize,
    pattern: String,
    lone_bang: bool,
}

impl Ignore {
    /// Ignores nothing.
    pub fn none() -> Ignore {
        Ignore::default()
    }

    /// Reads `explicit` if given (`--ignorefile`), else the first of
    /// `.containerignore` and `.dockerignore` found at `context`'s root. No file
    /// means nothing is ignored. The ignore file itself stays visible to the
    /// build when it lives in the context, as Docker keeps it.
    pub fn load(context: &Path, explicit: Option<&Path>) -> Result<Ignore, IgnoreError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let found = IGNORE_FILES
                    .iter()
                    .map(|name| context.join(name))
                    .find(|p| p.symlink_metadata().is_ok());
                match found {
                    Some(p) => p,
                    None => return Ok(Ignore::none()),
                }
            }
        };
        let bytes = fs::read(&path).map_err(|source| IgnoreError::Read {
            path: path.clone(),
            source,
        })?;
        let text = String::from_utf8_lossy(&bytes);
        let (mut ignore, bad) = Ignore::parse_lines(&text);
        if let Some(b) = bad.first() {
            return Err(if b.lone_bang {
                IgnoreError::LoneBang { path, line: b.line }
            } else {
                IgnoreError::Pattern {
                    path,
                    line: b.line,
                    pattern: b.pattern.clone(),
                }
            });
        }
        if let Ok(rel) = path.strip_prefix(context) {
            ignore.keep(rel);
        }
        ignore.source = Some(path);
        Ok(ignore)
    }

    /// Parses ignore-file text. Malformed patterns match nothing ([`load`](Self::load)
    /// reports them instead).
    pub fn parse(text: &str) -> Ignore {
        Ignore::parse_lines(text).0
    }

    fn parse_lines(text: &str) -> (Ignore, Vec<BadLine>) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut ignore = Ignore::none();
        let mut bad = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let Some(pattern) = normalize_line(raw) else {
                continue;
            };
            match Pattern::new(&pattern) {
                Ok(p) => ignore.patterns.push(p),
                Err(lone_bang) => {
                    bad.push(BadLine {
                        line: i + 1,
                        pattern: pattern.clone(),
                        lone_bang,
                    });
                    if !lone_bang {
                        ignore.patterns.push(Pattern {
                            exclusion: pattern.starts_with('!'),
                            cleaned: pattern,
                            kind: MatchKind::Never,
                        });
                    }
                }
            }
        }
        (ignore, bad)
    }

    /// Re-includes `rel` whatever the patterns say (Docker does this for the
    /// Containerfile and the ignore file: the builder may always read them).
    pub fn keep(&mut self, rel: &Path) {
        let rel = clean(&rel.to_string_lossy());
        if rel == "." || rel.starts_with("../") || rel == ".." {
            return;
        }
        if self.is_ignored(Path::new(&rel), false) {
            if let Ok(p) = Pattern::new(&format!("!{rel}")) {
                self.patterns.push(p);
            }
        }
    }

    /// Whether the path `rel` (relative to the context root, `/`-separated)
    /// is ignored. An ignored directory ignores everything under it unless a
    /// later `!` pattern re-includes it (a walk asks
    /// [`may_include_below`](Self::may_include_below) before skipping it).
    /// Docker's rules do not depend on whether `rel` is a directory (`foo/`
    /// is cleaned to `foo`): `is_dir` is accepted and has no effect.
    pub fn is_ignored(&self, rel: &Path, is_dir: bool) -> bool {
        let _ = is_dir;
        let file = clean(&rel.to_string_lossy());
        let file = file.trim_start_matches('/');
        if file.is_empty() || file == "." {
            // Don't let them exclude everything, as Docker says.
            return false;
        }
        self.matches_or_parent_matches(file)
    }

    /// Whether something below the ignored directory `rel` could still be
    /// re-included by a `!` pattern, so a walk must look inside it: some
    /// exception's leading components match `rel`'s and it names something
    /// deeper, or it holds a `**`.
    pub fn may_include_below(&self, rel: &Path) -> bool {
        let rel = clean(&rel.to_string_lossy());
        let comps: Vec<&str> = rel
            .trim_start_matches('/')
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        self.patterns.iter().filter(|p| p.exclusion).any(|p| {
            let dirs: Vec<&str> = p.cleaned.split('/').collect();
            if dirs.iter().any(|d| d.contains("**")) {
                return true;
            }
            dirs.len() > comps.len()
                && comps
                    .iter()
                    .zip(&dirs)
                    .all(|(c, d)| filepath_match(d, c).unwrap_or(false))
        })
    }

    /// True when no pattern was given.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The file the patterns came from, if any.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// moby's `MatchesOrParentMatches`.
    fn matches_or_parent_matches(&self, file: &str) -> bool {
        let parent = go_dir(file);
        let parent_dirs: Vec<&str> = parent.split('/').collect();
        let mut matched = false;
        for pattern in &self.patterns {
            // An inclusion cannot change an already ignored path, nor an
            // exclusion a path not ignored yet.
            if pattern.exclusion != matched {
                continue;
            }
            let mut hit = pattern.matches(file);
            if !hit && parent != "." {
                for i in 0..parent_dirs.len() {
                    if pattern.matches(&parent_dirs[..=i].join("/")) {
                        hit = true;
                        break;
                    }
                }
            }
            if hit {
                matched = !pattern.exclusion;
            }
        }
        matched
    }
}

/// One line of an ignore file as moby's `ignorefile.ReadAll` turns it into a
/// pattern: comments and blanks dropped, trimmed, cleaned, leading `/` removed.
fn normalize_line(raw: &str) -> Option<String> {
    if raw.starts_with('#') {
        return None;
    }
    let mut pattern = raw.trim();
    if pattern.is_empty() {
        return None;
    }
    let invert = pattern.starts_with('!');
    if invert {
        pattern = pattern[1..].trim();
    }
    let mut out = String::new();
    if !pattern.is_empty() {
        let mut p = clean(pattern);
        if p.len() > 1 && p.starts_with('/') {
            p.remove(0);
        }
        out = p;
    }
    if invert {
        out.insert(0, '!');
    }
    Some(out)
}

impl Pattern {
    /// moby's `patternmatcher.New` for one pattern and its `compile`. `Err(true)`
    /// for a lone `!`, `Err(false)` for a syntax error.
    fn new(raw: &str) -> Result<Pattern, bool> {
        let mut p = clean(raw.trim());
        let exclusion = p.starts_with('!');
        if exclusion {
            if p.len() == 1 {
                return Err(true);
            }
            p.remove(0);
        }
        if filepath_match(&p, ".").is_err() {
            return Err(false);
        }
        let kind = compile(&p).map_err(|_| false)?;
        Ok(Pattern {
            exclusion,
            cleaned: p,
            kind,
        })
    }

    fn matches(&self, path: &str) -> bool {
        match &self.kind {
            MatchKind::Exact => path == self.cleaned,
            MatchKind::Prefix(prefix) => path.starts_with(prefix.as_str()),
            MatchKind::Suffix(suffix) => {
                // `**/foo` matches `foo` itself too.
                path.ends_with(suffix.as_str()) || suffix.strip_prefix('/') == Some(path)
            }
            MatchKind::Regexp(re) => re.is_match(path),
            MatchKind::Never => false,
        }
    }
}

/// Regex characters with no meaning in `filepath.Match` that must be escaped.
fn should_escape(c: char) -> bool {
    ".+()|{}$".contains(c)
}

/// Translates a cleaned pattern as moby's `Pattern.compile` does.
fn compile(pattern: &str) -> Result<MatchKind, regex::Error> {
    #[derive(PartialEq)]
    enum T {
        Exact,
        Prefix,
        Suffix,
        Regexp,
    }
    let mut re = String::from("^");
    let mut detected = T::Exact;
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut index = 0;
    while i < chars.len() {
        let ch = chars[i];
        i += 1;
        if ch == '*' {
            if chars.get(i) == Some(&'*') {
                i += 1;
                // `**/` is `**`.
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i >= chars.len() {
                    // Trailing `**` accepts everything, as .gitignore.
                    if detected == T::Exact {
                        detected = T::Prefix;
                    } else {
                        re.push_str(".*");
                        detected = T::Regexp;
                    }
                } else {
                    // Any number of directories, none included.
                    re.push_str("(.*/)?");
                    detected = T::Regexp;
                }
                if index == 0 {
                    detected = T::Suffix;
                }
            } else {
                re.push_str("[^/]*");
                detected = T::Regexp;
            }
        } else if ch == '?' {
            re.push_str("[^/]");
            detected = T::Regexp;
        } else if should_escape(ch) {
            re.push('\\');
            re.push(ch);
        } else if ch == '\\' {
            match chars.get(i) {
                Some(&next) => {
                    i += 1;
                    re.push('\\');
                    re.push(next);
                    detected = T::Regexp;
                }
                None => re.push('\\'),
            }
        } else if ch == '[' || ch == ']' {
            re.push(ch);
            detected = T::Regexp;
        } else {
            re.push(ch);
        }
        index += 1;
    }
    Ok(match detected {
        T::Exact => MatchKind::Exact,
        T::Prefix => MatchKind::Prefix(pattern[..pattern.len() - 2].to_string()),
        T::Suffix => MatchKind::Suffix(pattern[2..].to_string()),
        T::Regexp => {
            re.push('$');
            MatchKind::Regexp(Regex::new(&re)?)
        }
    })
}

/// Go's `path.Clean` (`filepath.Clean` on Unix): the shortest equivalent path,
/// `.` for an empty one.
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|c| *c != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            c => out.push(c),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Dir` for a cleaned relative path.
fn go_dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => clean(&path[..=i]),
        None => ".".into(),
    }
}

#[cfg(test)]
mod tests;
