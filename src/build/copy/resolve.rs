//! Source words to trees read on the host: globs expanded per path component
//! as Go's `filepath.Glob` does, the context's borders and ignore file
//! enforced, contents hashed.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::untar;
use super::{CopyError, Entry, EntryKind, HashCache, Source, SourceKind, SourceRoot};
use crate::base::digest::HashingReader;
use crate::build::ignore::{self, filepath_match, has_meta, Ignore};
use crate::inroot::walk_components;

/// Symlinks followed in one path before giving up, as the kernel's limit.
const MAX_HOPS: usize = 40;

/// The sources one word names (several for a glob, none for a glob that
/// matches nothing).
pub(super) fn resolve(
    op: &'static str,
    root: &SourceRoot,
    word: &str,
    add: bool,
    hashes: Option<&HashCache>,
) -> Result<Vec<Source>, CopyError> {
    // Absolute words are relative to the context (or the other root), and
    // their `..` stop at it as at `/`.
    let rel = ignore::clean(word).trim_start_matches('/').to_string();
    let rel = if rel.is_empty() { ".".to_string() } else { rel };
    match root {
        SourceRoot::Context { dir, ignore } => {
            if rel == ".." || rel.starts_with("../") {
                return Err(CopyError::Outside {
                    op,
                    path: word.to_string(),
                });
            }
            let ctx = fs::canonicalize(dir).map_err(|source| CopyError::Read {
                op,
                path: dir.clone(),
                source,
            })?;
            let matches = if has_meta(&rel) {
                glob(
                    op,
                    &rel,
                    |d| list(&ctx.join(d)),
                    |m| visible(ignore, m, &ctx.join(m)),
                )?
            } else {
                vec![rel]
            };
            matches
                .iter()
                .map(|m| from_context(op, &ctx, ignore, word, m, add, hashes))
                .collect()
        }
        SourceRoot::Rootfs { dir } => {
            let rel = ignore::clean(&format!("/{rel}"))
                .trim_start_matches('/')
                .to_string();
            let rel = if rel.is_empty() { ".".to_string() } else { rel };
            let matches = if has_meta(&rel) {
                glob(
                    op,
                    &rel,
                    |d| scoped(dir, d).ok().and_then(|p| list(&p)),
                    |m| scoped(dir, m).is_ok(),
                )?
            } else {
                vec![rel]
            };
            matches
                .iter()
                .map(|m| {
                    let host = scoped(dir, m).map_err(|e| missing_or_read(op, word, dir, e))?;
                    let entries = walk(op, &host, None, hashes)?;
                    make_source(word, m, entries, add)
                })
                .collect()
        }
    }
}

fn from_context(
    op: &'static str,
    ctx: &Path,
    ignore: &Ignore,
    word: &str,
    rel: &str,
    add: bool,
    hashes: Option<&HashCache>,
) -> Result<Source, CopyError> {
    let host = ctx.join(rel);
    host.symlink_metadata()
        .map_err(|e| missing_or_read(op, word, &host, e))?;
    let hidden = |r: &str, p: &Path| !visible(ignore, r, p);
    let excluded = || CopyError::Missing {
        op,
        path: word.to_string(),
        hint: format!(
            " (excluded by {})",
            ignore.source().and_then(Path::file_name).map_or_else(
                || "the ignore file".to_string(),
                |n| n.to_string_lossy().into_owned()
            )
        ),
    };
    if hidden(rel, &host) {
        return Err(excluded());
    }
    let canon = fs::canonicalize(&host).map_err(|e| missing_or_read(op, word, &host, e))?;
    let crel = match canon.strip_prefix(ctx) {
        Ok(r) if r.as_os_str().is_empty() => ".".to_string(),
        Ok(r) => r.to_string_lossy().into_owned(),
        Err(_) => {
            return Err(CopyError::Outside {
                op,
                path: word.to_string(),
            })
        }
    };
    if crel != rel && hidden(&crel, &canon) {
        return Err(excluded());
    }
    let entries = walk(op, &canon, Some((ignore, &crel)), hashes)?;
    make_source(word, rel, entries, add)
}

fn make_source(word: &str, rel: &str, entries: Vec<Entry>, add: bool) -> Result<Source, CopyError> {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_string();
    let archive = match entries.first() {
        Some(Entry {
            kind: EntryKind::File { digest, .. },
            host,
            ..
        }) if add && untar::is_archive(host) => Some((host.clone(), digest.clone())),
        _ => None,
    };
    let kind = match archive {
        Some((path, digest)) => SourceKind::Archive { path, digest },
        None => SourceKind::Tree(entries),
    };
    Ok(Source {
        word: word.to_string(),
        name,
        kind,
    })
}

fn missing_or_read(op: &'static str, word: &str, path: &Path, e: io::Error) -> CopyError {
    if e.kind() == io::ErrorKind::NotFound {
        CopyError::Missing {
            op,
            path: word.to_string(),
            hint: String::new(),
        }
    } else {
        CopyError::Read {
            op,
            path: path.to_path_buf(),
            source: e,
        }
    }
}

/// Whether the context path `rel` is part of the context as the ignore file
/// leaves it: not ignored, or an ignored directory something below which a
/// `!` pattern brings back.
fn visible(ignore: &Ignore, rel: &str, host: &Path) -> bool {
    let Ok(meta) = host.symlink_metadata() else {
        return false;
    };
    let is_dir = meta.is_dir();
    if !ignore.is_ignored(Path::new(rel), is_dir) {
        return true;
    }
    if !is_dir || !ignore.may_include_below(Path::new(rel)) {
        return false;
    }
    list(host).is_some_and(|names| {
        names.iter().any(|n| {
            let name = n.to_string_lossy();
            visible(ignore, &join(rel, &name), &host.join(n))
        })
    })
}

/// The names in directory `dir`, sorted; `None` if it cannot be listed.
fn list(dir: &Path) -> Option<Vec<OsString>> {
    let mut names: Vec<OsString> = fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names.sort();
    Some(names)
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() || dir == "." {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Go's `filepath.Glob` over a tree reached through `list`: each component
/// with wildcards is matched against the names of the directories matched so
/// far; `exists` keeps the final matches that are really there.
fn glob(
    op: &'static str,
    pattern: &str,
    list: impl Fn(&str) -> Option<Vec<OsString>>,
    exists: impl Fn(&str) -> bool,
) -> Result<Vec<String>, CopyError> {
    let bad = || CopyError::Pattern {
        op,
        pattern: pattern.to_string(),
    };
    // Syntax first, as Go does, so a bad pattern fails even with no match.
    filepath_match(pattern, "").map_err(|_| bad())?;
    let mut current = vec![String::new()];
    for comp in pattern.split('/') {
        let mut next = Vec::new();
        for dir in &current {
            if !has_meta(comp) {
                next.push(join(dir, comp));
                continue;
            }
            let Some(names) = list(if dir.is_empty() { "." } else { dir }) else {
                continue;
            };
            for name in names {
                let name = name.to_string_lossy();
                if filepath_match(comp, &name).map_err(|_| bad())? {
                    next.push(join(dir, &name));
                }
            }
        }
        current = next;
    }
    Ok(current.into_iter().filter(|m| exists(m)).collect())
}

/// `rel` inside `root` with every symlink resolved as if `root` were `/`
/// (absolute targets and `..` never leave it), the last component included.
pub(super) fn scoped(root: &Path, rel: &str) -> io::Result<PathBuf> {
    let mut resolved: Vec<OsString> = Vec::new();
    let mut pending: Vec<OsString> = walk_components(Path::new(rel));
    pending.reverse();
    let mut hops = 0;
    while let Some(c) = pending.pop() {
        if c == ".." {
            resolved.pop();
            continue;
        }
        let mut path = root.to_path_buf();
        path.extend(&resolved);
        path.push(&c);
        let meta = path.symlink_metadata()?;
        if meta.file_type().is_symlink() {
            hops += 1;
            if hops > MAX_HOPS {
                return Err(io::Error::from_raw_os_error(libc::ELOOP));
            }
            let target = fs::read_link(&path)?;
            if target.is_absolute() {
                resolved.clear();
            }
            let mut more = walk_components(&target);
            more.reverse();
            pending.extend(more);
        } else {
            resolved.push(c);
        }
    }
    let mut path = root.to_path_buf();
    path.extend(&resolved);
    Ok(path)
}

/// The source at `host` and, for a directory, everything below it in name
/// order. With `ignore`, paths are checked as `base/...` in the context.
fn walk(
    op: &'static str,
    host: &Path,
    ignore: Option<(&Ignore, &str)>,
    hashes: Option<&HashCache>,
) -> Result<Vec<Entry>, CopyError> {
    let mut w = Walker {
        op,
        hashes,
        entries: Vec::new(),
        links: HashMap::new(),
        ignore,
    };
    let meta = host.symlink_metadata().map_err(|source| CopyError::Read {
        op,
        path: host.to_path_buf(),
        source,
    })?;
    w.push(host, String::new(), &meta)?;
    if meta.is_dir() {
        let base = ignore.map(|(_, b)| b.to_string()).unwrap_or_default();
        w.dir(host, "", &base)?;
    }
    Ok(w.entries)
}

struct Walker<'a> {
    op: &'static str,
    entries: Vec<Entry>,
    /// First entry of each multiply linked inode, by (device, inode).
    links: HashMap<(u64, u64), usize>,
    ignore: Option<(&'a Ignore, &'a str)>,
    hashes: Option<&'a HashCache>,
}

impl Walker<'_> {
    fn read_err(&self, path: &Path) -> impl FnOnce(io::Error) -> CopyError {
        let op = self.op;
        let path = path.to_path_buf();
        move |source| CopyError::Read { op, path, source }
    }

    fn dir(&mut self, host: &Path, rel: &str, ctx_rel: &str) -> Result<(), CopyError> {
        let mut names: Vec<OsString> = fs::read_dir(host)
            .map_err(self.read_err(host))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()
            .map_err(self.read_err(host))?;
        names.sort();
        for name in names {
            let child = host.join(&name);
            let name = name.to_string_lossy();
            let child_rel = join(rel, &name);
            let child_ctx = join(ctx_rel, &name);
            let meta = child.symlink_metadata().map_err(self.read_err(&child))?;
            let ignored = self
                .ignore
                .is_some_and(|(ig, _)| ig.is_ignored(Path::new(&child_ctx), meta.is_dir()));
            if ignored {
                let descend = meta.is_dir()
                    && self
                        .ignore
                        .is_some_and(|(ig, _)| ig.may_include_below(Path::new(&child_ctx)));
                if descend {
                    // Kept only if something inside is brought back.
                    let mark = self.entries.len();
                    self.push(&child, child_rel.clone(), &meta)?;
                    self.dir(&child, &child_rel, &child_ctx)?;
                    if self.entries.len() == mark + 1 {
                        self.entries.truncate(mark);
                    }
                }
                continue;
            }
            self.push(&child, child_rel.clone(), &meta)?;
            if meta.is_dir() {
                self.dir(&child, &child_rel, &child_ctx)?;
            }
        }
        Ok(())
    }

    fn push(&mut self, host: &Path, rel: String, meta: &fs::Metadata) -> Result<(), CopyError> {
        let ft = meta.file_type();
        let kind = if ft.is_dir() {
            EntryKind::Dir
        } else if ft.is_file() {
            let key = (meta.dev(), meta.ino());
            match self.links.get(&key) {
                Some(&to) if meta.nlink() > 1 => EntryKind::HardLink { to },
                _ => {
                    if meta.nlink() > 1 {
                        self.links.insert(key, self.entries.len());
                    }
                    let hash = || HashingReader::new(File::open(host)?).finish();
                    let (digest, size) = match self.hashes {
                        Some(cache) => cache.digest(host, meta, hash),
                        None => hash(),
                    }
                    .map_err(self.read_err(host))?;
                    EntryKind::File { size, digest }
                }
            }
        } else if ft.is_symlink() {
            EntryKind::Symlink {
                target: fs::read_link(host).map_err(self.read_err(host))?,
            }
        } else if ft.is_fifo() {
            EntryKind::Fifo
        } else {
            log::debug!("not copying {}: a socket or device", host.display());
            return Ok(());
        };
        self.entries.push(Entry {
            rel,
            host: host.to_path_buf(),
            kind,
            mode: meta.mode() & 0o7777,
            mtime: (meta.mtime(), meta.mtime_nsec()),
        });
        Ok(())
    }
}
