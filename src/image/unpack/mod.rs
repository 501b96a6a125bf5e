//! Extracting a layer (a tar, gzip/zstd or plain) into a directory, with its
//! whiteouts turned into what kernel overlayfs honours in a user namespace.
//!
//! Run as root of the user namespace, so that owners, devices and
//! `security.capability` come out as the image says.
//!
//! Layer tars are hostile input: the entries are written by
//! [`crate::inroot`], which keeps every write inside the layer root (a
//! symlink the layer planted, `evil -> /etc`, is resolved as if the root
//! were `/`) and writes whiteouts as overlayfs reads them. This module adds
//! what is a layer's own: decompression, the diff id, and the tar journal
//! that lets `pack` rebuild the exact stream.

use std::cell::RefCell;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use thiserror::Error;

use super::compression::{self, Compression};
use super::tarsplit::JournalWriter;
use crate::base::digest::{Digest, HashingReader};
use crate::inroot::tree::{Policy, Unmapped, Whiteouts};
use crate::inroot::untar::Observer;
use crate::inroot::{extract_tar, InRootError, Root, TreeWriter};

pub use crate::inroot::tree::{
    Counts, OPAQUE_MARKER, WHITEOUT_PREFIX, XATTR_OPAQUE, XATTR_WHITEOUT, XATTR_WHITEOUTS,
};

/// Buffer for the decompressed stream.
const BUFFER: usize = 1 << 20;

#[derive(Debug, Error)]
pub enum UnpackError {
    #[error("cannot open {path} to extract into: {source}")]
    Target {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot read the layer: {0}")]
    Read(#[source] io::Error),
    #[error("layer entry {path:?} points outside the layer")]
    Escape { path: String },
    #[error("layer entry {path:?} is a hard link to {target:?}, outside the layer")]
    LinkEscape { path: String, target: String },
    #[error("layer entry {path:?}: cannot {what}: {source}")]
    Entry {
        path: String,
        what: &'static str,
        #[source]
        source: io::Error,
    },
    #[error(
        "layer entry {path:?} is owned by {uid}:{gid}, which the user namespace does not map: \
         give the user more subordinate ids (usermod --add-subuids … --add-subgids …)"
    )]
    Unmapped { path: String, uid: u64, gid: u64 },
    #[error("cannot write the tar journal {path}: {source}")]
    Journal {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// How to unpack.
#[derive(Debug, Clone, Default)]
pub struct UnpackOptions {
    /// The layer's media type, if known; the data's first bytes decide when they disagree.
    pub media_type: Option<String>,
    /// Where to write the tar journal that lets `pack` rebuild the exact stream.
    pub journal: Option<PathBuf>,
    /// Write whiteouts as xattr-marked files even where 0:0 devices can be made.
    pub xattr_whiteouts: bool,
}

/// What an extraction did; `diff_id` and `size` describe the uncompressed tar.
/// Serializable, so an extraction run in a user-namespace child can report it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnpackStats {
    pub diff_id: Digest,
    pub size: u64,
    pub compression: Compression,
    pub counts: Counts,
}

/// Extracts the layer read from `reader` (compressed or not) into `dest`, an
/// existing directory, and hashes the uncompressed stream.
///
/// The whole stream is read, so a caller verifying the compressed digest can
/// pass `&mut verifying_reader` and call its `finish` afterwards. Nothing is
/// written outside `dest` whatever the tar holds; on error `dest` is left
/// half-filled for the caller to discard.
pub fn unpack<R: Read>(
    reader: R,
    dest: &Path,
    opts: &UnpackOptions,
) -> Result<UnpackStats, UnpackError> {
    let root = Root::open(dest).map_err(|source| UnpackError::Target {
        path: dest.to_path_buf(),
        source,
    })?;
    let (decoder, compression) =
        compression::decompress(reader, opts.media_type.as_deref()).map_err(UnpackError::Read)?;
    let journal = match &opts.journal {
        Some(path) => Some(
            JournalWriter::create(path).map_err(|source| UnpackError::Journal {
                path: path.clone(),
                source,
            })?,
        ),
        None => None,
    };
    let tap = Rc::new(RefCell::new(Tap {
        journal,
        recording: true,
    }));
    let mut recorder = Recorder {
        inner: BufReader::with_capacity(BUFFER, HashingReader::new(decoder)),
        tap: tap.clone(),
    };
    let policy = Policy {
        whiteouts: Whiteouts::Overlay {
            xattr_form: opts.xattr_whiteouts,
        },
        // Entries of unmapped owners go to root instead of failing (see
        // [`Counts::squashed_owners`]).
        unmapped: if maps_root_alone() {
            Unmapped::Squash
        } else {
            Unmapped::Fail
        },
        ..Policy::layer()
    };
    let mut writer = TreeWriter::new(root, &[], policy);
    extract_tar(&mut recorder, &mut writer, &mut JournalTap(tap.clone())).map_err(layer_error)?;

    // The digest covers the stream to its end, padding after the archive included.
    io::copy(&mut recorder, &mut io::sink()).map_err(UnpackError::Read)?;
    let Recorder { inner, .. } = recorder;
    let (diff_id, size) = inner.into_inner().finish().map_err(UnpackError::Read)?;
    let journal = tap.borrow_mut().journal.take();
    if let (Some(j), Some(path)) = (journal, &opts.journal) {
        j.finish().map_err(|source| UnpackError::Journal {
            path: path.clone(),
            source,
        })?;
    }
    Ok(UnpackStats {
        diff_id,
        size,
        compression,
        counts: writer.counts,
    })
}

/// Whether the stream bytes currently read go to the journal.
struct Tap {
    journal: Option<JournalWriter>,
    recording: bool,
}

/// Passes the uncompressed stream to the tar reader, copying what the journal keeps.
struct Recorder<R> {
    inner: R,
    tap: Rc<RefCell<Tap>>,
}

impl<R: Read> Read for Recorder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut tap = self.tap.borrow_mut();
        if tap.recording {
            if let Some(j) = tap.journal.as_mut() {
                j.raw(&buf[..n])?;
            }
        }
        Ok(n)
    }
}

/// Records, instead of a file's bytes, where they went: `pack` reads them back
/// from the tree. Sparse files keep their stream bytes in the journal.
struct JournalTap(Rc<RefCell<Tap>>);

impl Observer for JournalTap {
    fn file(&mut self, rel: &[&[u8]], size: u64, expanded: bool) -> io::Result<()> {
        let mut tap = self.0.borrow_mut();
        if expanded {
            return Ok(());
        }
        if let Some(j) = tap.journal.as_mut() {
            j.file(size, &rel.join(&b'/'))?;
            tap.recording = false;
        }
        Ok(())
    }

    fn file_done(&mut self) {
        self.0.borrow_mut().recording = true;
    }
}

fn layer_error(e: InRootError) -> UnpackError {
    match e {
        InRootError::Escape { entry } => UnpackError::Escape { path: entry },
        InRootError::LinkEscape { entry, target } => UnpackError::LinkEscape {
            path: entry,
            target,
        },
        InRootError::Archive(e) => UnpackError::Read(e),
        InRootError::Io {
            entry, op, source, ..
        } => UnpackError::Entry {
            path: entry,
            what: op.words(),
            source,
        },
        InRootError::Unmapped {
            entry, uid, gid, ..
        } => UnpackError::Unmapped {
            path: entry,
            uid,
            gid,
        },
        // Layers replace whatever is in the way.
        e @ InRootError::Overwrite { .. } => UnpackError::Entry {
            path: String::new(),
            what: "replace",
            source: io::Error::other(e.to_string()),
        },
    }
}

/// Whether this process's user namespace maps exactly one uid and one gid (to
/// its root): rootless without subordinate ids.
fn maps_root_alone() -> bool {
    let single = |file: &str| {
        std::fs::read_to_string(file).is_ok_and(|text| {
            let rows: Vec<Vec<&str>> = text
                .lines()
                .map(|l| l.split_whitespace().collect())
                .collect();
            matches!(rows.as_slice(), [row] if row.first() == Some(&"0") && row.get(2) == Some(&"1"))
        })
    };
    single("/proc/self/uid_map") && single("/proc/self/gid_map")
}

#[cfg(test)]
pub(crate) mod tests;
