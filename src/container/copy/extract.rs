//! Unpacking a `cp` tar stream into a directory under a container's (or the
//! host's) root fd, through [`crate::inroot`]: a leading `/` in an entry means
//! the target, `..` is refused, and neither the archive nor symlinks already at
//! the destination can lead a write outside that root. A directory and a
//! non-directory replace each other only with `--overwrite`.

use std::io::{self, Read};
use std::os::fd::BorrowedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::CopyError;
use crate::inroot::tree::{Policy, Replace, Unmapped, Whiteouts, Xattrs};
use crate::inroot::untar::Unobserved;
use crate::inroot::{extract_tar, DotDot, InRootError, Op, Root, TreeWriter};

pub use crate::inroot::tree::Owners;

/// How to unpack.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub owners: Owners,
    /// Let a directory replace a non-directory and the other way round.
    pub overwrite: bool,
}

/// Unpacks `archive` into `base` (a directory path under `root`, canonical). `shown`
/// is how the destination is named in messages.
pub fn extract(
    archive: impl Read,
    root: BorrowedFd<'_>,
    base: &Path,
    opts: Options,
    shown: &str,
) -> Result<(), CopyError> {
    let at = |rel: &str| format!("{}/{rel}", shown.trim_end_matches('/'));
    let root = root
        .try_clone_to_owned()
        .map_err(|source| CopyError::Write {
            path: shown.to_string(),
            what: "open",
            source,
        })?;
    let base: Vec<&[u8]> = base
        .as_os_str()
        .as_bytes()
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    let policy = Policy {
        dotdot: DotDot::Refuse,
        whiteouts: Whiteouts::Plain,
        owners: opts.owners,
        // An id this user namespace does not map: the file stays the creator's.
        unmapped: Unmapped::Keep,
        parents_owned: matches!(opts.owners, Owners::All(..)),
        through_dangling: false,
        replace: if opts.overwrite {
            Replace::Any
        } else {
            Replace::NoSwap
        },
        devices: true,
        xattrs: Xattrs::Skip,
        pax_times: false,
        strict_times: false,
        search_only: true,
        root_meta: false,
    };
    let mut writer = TreeWriter::new(Root::from_fd(root), &base, policy);
    extract_tar(archive, &mut writer, &mut Unobserved).map_err(|e| match e {
        InRootError::Escape { entry } => CopyError::Escape(entry),
        InRootError::LinkEscape { target, .. } => CopyError::Escape(target),
        InRootError::Archive(e) => CopyError::Archive(e),
        InRootError::Io {
            rel, op, source, ..
        } => CopyError::Write {
            path: at(&rel),
            what: words(op),
            source,
        },
        InRootError::Unmapped { rel, .. } => CopyError::Write {
            path: at(&rel),
            what: "set the owner of",
            source: io::Error::from_raw_os_error(libc::EINVAL),
        },
        InRootError::Overwrite {
            rel, existing, new, ..
        } => CopyError::Overwrite {
            path: at(&rel),
            existing,
            new,
        },
    })
}

/// How `cp` words a failed step: "cannot {what} {path}".
fn words(op: Op) -> &'static str {
    match op {
        Op::Inspect => "inspect",
        Op::Remove | Op::ReplaceDir => "remove",
        Op::CreateFile | Op::CreateNode => "create",
        Op::WriteFile => "write",
        Op::CreateDir | Op::MakeParent => "create directory",
        Op::OpenDir | Op::OpenParent => "open",
        Op::CreateSymlink => "create the symlink",
        Op::CreateHardLink => "create the hard link",
        Op::SetOwner => "set the owner of",
        Op::SetMode => "set the mode of",
        Op::SetTimes => "set the times of",
        Op::SetXattr => "set an xattr of",
        Op::MarkOpaque | Op::CreateWhiteout => "create",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::copy::pack::Packer;
    use crate::inroot::open_dir;
    use nix::sys::stat::{utimensat, UtimensatFlags};
    use nix::sys::time::TimeSpec;
    use std::ffi::OsStr;
    use std::fs;
    use std::os::fd::AsFd;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use tar::EntryType;

    const CREATOR: Options = Options {
        owners: Owners::Creator,
        overwrite: false,
    };

    /// A tar entry whose name is written as is, `..` included (the tar writer refuses it).
    fn raw_entry(
        b: &mut tar::Builder<Vec<u8>>,
        name: &[u8],
        kind: EntryType,
        link: &[u8],
        data: &[u8],
    ) {
        let mut h = tar::Header::new_old();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.as_old_mut().linkname[..link.len()].copy_from_slice(link);
        h.set_entry_type(kind);
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_cksum();
        b.append(&h, data).unwrap();
    }

    #[test]
    fn planted_symlinks_and_dotdot_never_leave_the_root() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        fs::create_dir_all(root.join("dest")).unwrap();
        let mut b = tar::Builder::new(Vec::new());
        raw_entry(&mut b, b"link", EntryType::Symlink, b"/", b"");
        raw_entry(&mut b, b"link/etc/evil", EntryType::Regular, b"", b"x");
        raw_entry(&mut b, b"/abs", EntryType::Regular, b"", b"y");
        let bytes = b.into_inner().unwrap();
        let fd = open_dir(root).unwrap();
        extract(&bytes[..], fd.as_fd(), Path::new("dest"), CREATOR, "dest").unwrap();
        // Through the planted link to "/": the root given, not the host's.
        assert_eq!(fs::read_to_string(root.join("etc/evil")).unwrap(), "x");
        assert!(!Path::new("/etc/evil").exists());
        // A leading "/" means the destination.
        assert_eq!(fs::read_to_string(root.join("dest/abs")).unwrap(), "y");

        for (name, kind, link) in [
            (&b"../up"[..], EntryType::Regular, &b""[..]),
            (b"ok", EntryType::Link, b"../../etc/passwd"),
        ] {
            let mut b = tar::Builder::new(Vec::new());
            raw_entry(&mut b, name, kind, link, b"");
            let bytes = b.into_inner().unwrap();
            let err =
                extract(&bytes[..], fd.as_fd(), Path::new("dest"), CREATOR, "dest").unwrap_err();
            assert!(matches!(err, CopyError::Escape(_)), "{err}");
        }
        assert!(!root.join("up").exists());
    }

    #[test]
    fn a_packed_tree_comes_back_the_same() {
        let t = tempfile::tempdir().unwrap();
        let src = t.path().join("src");
        fs::create_dir_all(src.join("sub")).unwrap();
        fs::write(src.join("sub/f"), "hello").unwrap();
        fs::set_permissions(src.join("sub/f"), fs::Permissions::from_mode(0o4751)).unwrap();
        fs::hard_link(src.join("sub/f"), src.join("g")).unwrap();
        std::os::unix::fs::symlink("sub/f", src.join("l")).unwrap();
        fs::set_permissions(src.join("sub"), fs::Permissions::from_mode(0o750)).unwrap();
        let old = TimeSpec::new(1_000_000, 0);
        utimensat(
            nix::fcntl::AT_FDCWD,
            &src.join("sub/f"),
            &old,
            &old,
            UtimensatFlags::NoFollowSymlink,
        )
        .unwrap();
        utimensat(
            nix::fcntl::AT_FDCWD,
            &src.join("sub"),
            &old,
            &old,
            UtimensatFlags::NoFollowSymlink,
        )
        .unwrap();

        let mut p = Packer::new(Vec::new());
        p.add(&open_dir(&src).unwrap(), Some(OsStr::new("copy")))
            .unwrap();
        let bytes = p.finish().unwrap();
        let dest = t.path().join("dest");
        fs::create_dir(&dest).unwrap();
        extract(
            &bytes[..],
            open_dir(&dest).unwrap().as_fd(),
            Path::new(""),
            CREATOR,
            "dest",
        )
        .unwrap();
        let c = dest.join("copy");
        let m = |p: &str| fs::symlink_metadata(c.join(p)).unwrap();
        assert_eq!(m("sub/f").mode() & 0o7777, 0o4751);
        assert_eq!(m("sub").mode() & 0o7777, 0o750);
        assert_eq!(m("sub/f").mtime(), 1_000_000);
        assert_eq!(m("sub").mtime(), 1_000_000, "directory times are set last");
        assert_eq!(m("g").ino(), m("sub/f").ino());
        assert_eq!(fs::read_link(c.join("l")).unwrap(), Path::new("sub/f"));
        assert_eq!(fs::read_to_string(c.join("g")).unwrap(), "hello");
    }

    #[test]
    fn directories_and_files_replace_each_other_only_with_overwrite() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        fs::create_dir_all(root.join("d/inner")).unwrap();
        fs::write(root.join("f"), "old").unwrap();
        let mut b = tar::Builder::new(Vec::new());
        raw_entry(&mut b, b"d", EntryType::Regular, b"", b"file now");
        let file_over_dir = b.into_inner().unwrap();
        let mut b = tar::Builder::new(Vec::new());
        raw_entry(&mut b, b"f", EntryType::Directory, b"", b"");
        let dir_over_file = b.into_inner().unwrap();
        let fd = open_dir(root).unwrap();
        for bytes in [&file_over_dir, &dir_over_file] {
            let err = extract(&bytes[..], fd.as_fd(), Path::new(""), CREATOR, ".").unwrap_err();
            assert!(matches!(err, CopyError::Overwrite { .. }), "{err}");
        }
        assert!(root.join("d/inner").is_dir());
        assert_eq!(fs::read_to_string(root.join("f")).unwrap(), "old");
        let over = Options {
            overwrite: true,
            ..CREATOR
        };
        for bytes in [&file_over_dir, &dir_over_file] {
            extract(&bytes[..], fd.as_fd(), Path::new(""), over, ".").unwrap();
        }
        assert_eq!(fs::read_to_string(root.join("d")).unwrap(), "file now");
        assert!(root.join("f").is_dir());
        // A file onto a file needs nothing.
        let mut b = tar::Builder::new(Vec::new());
        raw_entry(&mut b, b"d", EntryType::Regular, b"", b"again");
        let bytes = b.into_inner().unwrap();
        extract(&bytes[..], fd.as_fd(), Path::new(""), CREATOR, ".").unwrap();
        assert_eq!(fs::read_to_string(root.join("d")).unwrap(), "again");
    }
}
