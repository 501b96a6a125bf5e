//! `ADD` of a local archive: a tar, plain or compressed (gzip, zstd, bzip2,
//! xz), is extracted into the destination directory as Docker does, which
//! treats that directory as the archive's `/`: entry paths are cleaned (`..`
//! may not climb out, that fails the `ADD`), parents are opened with
//! `RESOLVE_IN_ROOT` from the destination's fd, so a symlink the archive (or
//! the image) planted is followed only inside it, and last components are
//! never followed. Entries keep the archive's owners unless `--chown` is
//! given, and `.wh.*` names are plain files here, as in Docker's `ADD`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::os::fd::OwnedFd;
use std::path::Path;

use super::write::{copy_error, policy};
use super::CopyError;
use crate::image::compression;
use crate::inroot::tree::{Owners, Unmapped};
use crate::inroot::untar::Unobserved;
use crate::inroot::{extract_tar, InRootError, Root, TreeWriter};

const BZIP2_MAGIC: &[u8] = b"BZh";
const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0];

/// The archive at `path`, decompressed as its first bytes say: gzip, zstd,
/// bzip2, xz or none, the formats Docker's `ADD` knows.
fn open_archive(path: &Path) -> io::Result<Box<dyn Read>> {
    let mut file = BufReader::new(File::open(path)?);
    let head = file.fill_buf()?;
    if head.starts_with(BZIP2_MAGIC) {
        return Ok(Box::new(bzip2::bufread::MultiBzDecoder::new(file)));
    }
    if head.starts_with(XZ_MAGIC) {
        return Ok(Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(
            file,
        )));
    }
    Ok(compression::decompress(file, None)?.0)
}

/// Whether `path` is an archive `ADD` extracts: a tar once decompressed.
pub(super) fn is_archive(path: &Path) -> bool {
    let Ok(reader) = open_archive(path) else {
        return false;
    };
    let mut archive = tar::Archive::new(reader);
    let Ok(mut entries) = archive.entries() else {
        return false;
    };
    matches!(entries.next(), Some(Ok(_)))
}

/// Extracts the archive at `path` into the directory `dest`. With `owner`
/// (`--chown`) every entry gets it, else the archive's own ids.
pub(super) fn extract(
    op: &'static str,
    word: &str,
    path: &Path,
    dest: OwnedFd,
    owner: Option<(u32, u32)>,
) -> Result<(), CopyError> {
    let fail = |reason: String| CopyError::Archive {
        op,
        archive: word.to_string(),
        reason,
    };
    let reader = open_archive(path).map_err(|e| fail(e.to_string()))?;
    let policy = match owner {
        Some((u, g)) => policy(Owners::All(u, g), Unmapped::Fail),
        // Owners the user namespace cannot map are left to its root.
        None => policy(Owners::Archive, Unmapped::Keep),
    };
    let mut writer = TreeWriter::new(Root::from_fd(dest), &[], policy);
    extract_tar(reader, &mut writer, &mut Unobserved).map_err(|e| match e {
        InRootError::Escape { entry } | InRootError::LinkEscape { entry, .. } => {
            fail(format!("entry {entry:?} points outside the destination"))
        }
        InRootError::Archive(e) => fail(e.to_string()),
        other => copy_error(op, other),
    })
}
