//! `COPY` and `ADD` with Docker's semantics, in two halves.
//!
//! [`plan`] runs on the host as the invoking user: it expands globs (Go's
//! `filepath.Match`, as Docker), keeps every source inside the build context
//! (`..`, absolute paths and symlinks are checked, an ignored file is as if
//! absent), downloads `ADD` URLs, and hashes everything that decides the
//! result into [`CopyPlan::digest`], the builder's cache key (mtimes left out,
//! so a touched but unchanged file keeps the cache).
//!
//! [`apply`] runs inside the user namespace as the container's root, with the
//! stage's root filesystem as `root`: it places the sources by Docker's
//! destination rules, owned by `--chown` (resolved in the image's own
//! `/etc/passwd` and `/etc/group`) or 0:0. Every path in the image is resolved
//! with `openat2(RESOLVE_IN_ROOT)` from `root`'s fd and every last component
//! is created without following symlinks, so a symlink planted in the image
//! (`/app -> /../../etc`) cannot lead a write out of `root`.

mod fetch;
mod hashes;
mod resolve;
mod untar;
mod write;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::ignore::{self, Ignore};
use crate::base::digest::Digest;
use crate::runtime::user::UserError;

pub use fetch::Download;
pub use hashes::HashCache;

/// Where the source words of one `COPY`/`ADD` are looked up.
#[derive(Debug, Clone)]
pub enum SourceRoot {
    /// The build context: words are relative to it (a leading `/` too),
    /// nothing outside it may be read, and what `ignore` ignores is absent.
    Context { dir: PathBuf, ignore: Ignore },
    /// Another stage's or an image's root filesystem (`--from`): words are
    /// resolved as if `dir` were `/`, symlinks included; nothing is ignored.
    Rootfs { dir: PathBuf },
}

/// One `COPY`/`ADD` with its words already expanded by the builder.
#[derive(Debug, Clone)]
pub struct CopyRequest {
    pub source: SourceRoot,
    /// Source words: paths or globs, `http(s)://` URLs for `ADD`.
    pub sources: Vec<String>,
    /// Destination word; relative ones are relative to `workdir`.
    pub dest: String,
    /// The stage's `WORKDIR` (absolute), `/` by default.
    pub workdir: String,
    /// `--chown=user[:group]`, names or numbers.
    pub chown: Option<String>,
    /// `--chmod` already parsed (see [`parse_chmod`]).
    pub chmod: Option<u32>,
    /// `ADD`: URLs are downloaded and local archives extracted.
    pub add: bool,
    /// Here-document sources: (file name, contents).
    pub heredocs: Vec<(String, Vec<u8>)>,
    /// Where `ADD` keeps downloads until the plan is dropped (the system
    /// temp dir when `None`).
    pub temp_dir: Option<PathBuf>,
    /// `ADD --checksum=sha256:…`: what every downloaded source must hash to.
    pub checksum: Option<String>,
    /// Digests of files hashed before, to skip reading unchanged ones.
    pub hashes: Option<Arc<HashCache>>,
}

impl CopyRequest {
    /// A `COPY` of `sources` to `dest` with every option at its default.
    pub fn new(source: SourceRoot, sources: Vec<String>, dest: impl Into<String>) -> CopyRequest {
        CopyRequest {
            source,
            sources,
            dest: dest.into(),
            workdir: "/".into(),
            chown: None,
            chmod: None,
            add: false,
            heredocs: Vec::new(),
            temp_dir: None,
            checksum: None,
            hashes: None,
        }
    }

    fn op(&self) -> &'static str {
        if self.add {
            "ADD"
        } else {
            "COPY"
        }
    }
}

#[derive(Debug, Error)]
pub enum CopyError {
    #[error("{op} failed: forbidden path outside the build context: {path}")]
    Outside { op: &'static str, path: String },
    #[error("{op} failed: no source files were specified")]
    NoSources { op: &'static str },
    #[error("{op} failed: {path}: no such file or directory{hint}")]
    Missing {
        op: &'static str,
        path: String,
        /// Says when the path exists but an ignore file hides it.
        hint: String,
    },
    #[error("{op} failed: syntax error in pattern {pattern:?}")]
    Pattern { op: &'static str, pattern: String },
    #[error("{op} failed: cannot read {path}: {source}")]
    Read {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("invalid --chmod value {0:?}: expected an octal mode such as 755")]
    Chmod(String),
    #[error("{op} failed: --chown={spec}: {source}")]
    Chown {
        op: &'static str,
        spec: String,
        #[source]
        source: UserError,
    },
    #[error("{op} failed: cannot download {url}: {reason}")]
    Download {
        op: &'static str,
        url: String,
        reason: String,
    },
    #[error("ADD failed: invalid --checksum {0:?}: expected sha256:<64 hex digits>")]
    ChecksumSyntax(String),
    #[error("ADD failed: --checksum is only supported for http(s) sources, not {word}")]
    ChecksumSource { word: String },
    #[error("ADD failed: {url} has checksum {actual}, not {expected}")]
    ChecksumMismatch {
        url: String,
        expected: Digest,
        actual: Digest,
    },
    #[error("{op} failed: cannot open the root filesystem {path}: {source}")]
    Root {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{op} failed: {path}: cannot {what}: {source}")]
    Write {
        op: &'static str,
        path: String,
        what: &'static str,
        #[source]
        source: io::Error,
    },
    #[error(
        "{op} failed: owner {uid}:{gid} is not mapped in the user namespace: give the user \
         more subordinate ids (usermod --add-subuids … --add-subgids …)"
    )]
    Unmapped {
        op: &'static str,
        uid: u32,
        gid: u32,
    },
    #[error("{op} failed: {path} exists in the image and is not a directory")]
    NotDir { op: &'static str, path: String },
    #[error("{op} failed: cannot extract {archive}: {reason}")]
    Archive {
        op: &'static str,
        archive: String,
        reason: String,
    },
}

/// Everything one `COPY`/`ADD` will write, resolved and hashed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CopyPlan {
    /// `ADD` rather than `COPY` (for messages).
    pub add: bool,
    /// The destination, absolute and cleaned.
    pub dest: String,
    /// The destination word named a directory (`/`, `.` at its end).
    pub dest_dir: bool,
    pub chown: Option<String>,
    pub chmod: Option<u32>,
    pub sources: Vec<Source>,
    /// Downloaded files live as long as the plan (and its clones).
    #[serde(skip)]
    _downloads: Vec<Arc<Download>>,
}

/// One resolved source: a glob match, a here-document, a download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The word it came from, for messages.
    pub word: String,
    /// The name it takes inside a destination directory.
    pub name: String,
    pub kind: SourceKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceKind {
    /// A file or a directory tree on the host; `entries[0]` is the source
    /// itself (of a directory, the contents are copied).
    Tree(Vec<Entry>),
    /// A here-document: a file of these bytes, mode 0644.
    Heredoc(Vec<u8>),
    /// An `ADD` URL, downloaded: a file of mode 0600 (or `--chmod`), never extracted.
    Url {
        path: PathBuf,
        digest: Digest,
        /// From `Last-Modified`, when the server sent one.
        mtime: Option<i64>,
    },
    /// A local archive `ADD` extracts into the destination.
    Archive { path: PathBuf, digest: Digest },
}

/// One file, directory or symlink of a tree source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Path below the source, `/`-separated; empty for the source itself.
    pub rel: String,
    /// Where it is read on the host.
    pub host: PathBuf,
    pub kind: EntryKind,
    /// Permission bits, setuid/setgid/sticky included.
    pub mode: u32,
    pub mtime: (i64, i64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    Dir,
    File {
        size: u64,
        digest: Digest,
    },
    Symlink {
        target: PathBuf,
    },
    /// A hard link to the entry at this index of the same tree.
    HardLink {
        to: usize,
    },
    Fifo,
}

/// Parses a `--chmod` value: octal digits, at most `7777`.
pub fn parse_chmod(value: &str) -> Result<u32, CopyError> {
    let v = value.trim();
    if v.is_empty() || v.len() > 5 || !v.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return Err(CopyError::Chmod(value.to_string()));
    }
    u32::from_str_radix(v, 8)
        .ok()
        .filter(|m| *m <= 0o7777)
        .ok_or_else(|| CopyError::Chmod(value.to_string()))
}

/// Resolves a `COPY`/`ADD` on the host: globs expanded, sources checked and
/// hashed, URLs downloaded.
pub fn plan(req: &CopyRequest) -> Result<CopyPlan, CopyError> {
    let op = req.op();
    let checksum: Option<Digest> = match &req.checksum {
        Some(c) => Some(
            c.parse()
                .map_err(|_| CopyError::ChecksumSyntax(c.clone()))?,
        ),
        None => None,
    };
    let (dest, dest_dir) = destination(&req.dest, &req.workdir);
    // A download is named after its URL only when it goes into a directory.
    let into_dir = dest_dir || req.sources.len() + req.heredocs.len() > 1;
    let mut sources = Vec::new();
    let mut downloads = Vec::new();
    for word in &req.sources {
        if req.add && fetch::is_url(word) {
            let (source, download) = fetch::download(op, word, req.temp_dir.as_deref(), into_dir)?;
            if let (Some(expected), SourceKind::Url { digest, .. }) = (&checksum, &source.kind) {
                if digest != expected {
                    return Err(CopyError::ChecksumMismatch {
                        url: word.clone(),
                        expected: expected.clone(),
                        actual: digest.clone(),
                    });
                }
            }
            sources.push(source);
            downloads.push(Arc::new(download));
            continue;
        }
        if checksum.is_some() {
            return Err(CopyError::ChecksumSource { word: word.clone() });
        }
        sources.extend(resolve::resolve(
            op,
            &req.source,
            word,
            req.add,
            req.hashes.as_deref(),
        )?);
    }
    for (name, bytes) in &req.heredocs {
        sources.push(Source {
            word: format!("<<{name}"),
            name: name.clone(),
            kind: SourceKind::Heredoc(bytes.clone()),
        });
    }
    if sources.is_empty() {
        return Err(CopyError::NoSources { op });
    }
    Ok(CopyPlan {
        add: req.add,
        dest,
        dest_dir,
        chown: req.chown.clone().filter(|s| !s.is_empty()),
        chmod: req.chmod,
        sources,
        _downloads: downloads,
    })
}

/// The destination made absolute against `workdir` and cleaned, and whether
/// the word itself says "directory" (a trailing `/`, `.` or `..`).
fn destination(dest: &str, workdir: &str) -> (String, bool) {
    let says_dir = dest.is_empty()
        || dest.ends_with('/')
        || dest == "."
        || dest == ".."
        || dest.ends_with("/.")
        || dest.ends_with("/..");
    let joined = if dest.starts_with('/') {
        dest.to_string()
    } else {
        let wd = if workdir.is_empty() { "/" } else { workdir };
        format!("/{wd}/{dest}")
    };
    (ignore::clean(&joined), says_dir)
}

/// Writes the plan into `root`, the stage's root filesystem; to be run as
/// root of the build's user namespace.
pub fn apply(plan: &CopyPlan, root: &Path) -> Result<(), CopyError> {
    write::apply(plan, root)
}

impl CopyPlan {
    fn op(&self) -> &'static str {
        if self.add {
            "ADD"
        } else {
            "COPY"
        }
    }

    /// A digest of everything that decides what [`apply`] writes: paths,
    /// types, modes, contents, symlink targets, owner flags and destination;
    /// never mtimes.
    pub fn digest(&self) -> Digest {
        let mut k = Key::default();
        k.str(if self.add { "ADD" } else { "COPY" });
        k.str(&self.dest);
        k.flag(self.dest_dir);
        k.opt(self.chown.as_deref());
        k.opt(self.chmod.map(|m| format!("{m:o}")).as_deref());
        k.num(self.sources.len() as u64);
        for s in &self.sources {
            k.str(&s.name);
            match &s.kind {
                SourceKind::Tree(entries) => {
                    k.str("tree");
                    k.num(entries.len() as u64);
                    for e in entries {
                        k.str(&e.rel);
                        k.num(u64::from(e.mode));
                        match &e.kind {
                            EntryKind::Dir => k.str("dir"),
                            EntryKind::File { size, digest } => {
                                k.str("file");
                                k.num(*size);
                                k.str(digest.hex());
                            }
                            EntryKind::Symlink { target } => {
                                k.str("symlink");
                                k.bytes(target.as_os_str().as_encoded_bytes());
                            }
                            EntryKind::HardLink { to } => {
                                k.str("hardlink");
                                k.num(*to as u64);
                            }
                            EntryKind::Fifo => k.str("fifo"),
                        }
                    }
                }
                SourceKind::Heredoc(bytes) => {
                    k.str("heredoc");
                    k.bytes(bytes);
                }
                SourceKind::Url { digest, .. } => {
                    k.str("url");
                    k.str(digest.hex());
                }
                SourceKind::Archive { digest, .. } => {
                    k.str("archive");
                    k.str(digest.hex());
                }
            }
        }
        Digest::of(&k.0)
    }
}

/// Length-prefixed fields, so no two different plans serialize alike.
#[derive(Default)]
struct Key(Vec<u8>);

impl Key {
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(&(b.len() as u64).to_le_bytes());
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn num(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }
    fn flag(&mut self, b: bool) {
        self.0.push(u8::from(b));
    }
    fn opt(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.flag(true);
                self.str(s);
            }
            None => self.flag(false),
        }
    }
}

#[cfg(test)]
mod tests;
