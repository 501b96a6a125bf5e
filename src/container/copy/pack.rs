//! Writing a file or directory tree as a tar stream: modes, owners (as this process
//! sees them), mtimes, symlinks, hard links within the tree, fifos and device nodes.
//! The walk goes through directory fds and never follows a symlink.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::fcntl::{openat, readlinkat, AtFlags, OFlag};
use nix::sys::stat::{fstat, fstatat, FileStat, Mode};
use tar::EntryType;

use super::resolve::is_dir;
use crate::inroot::walk::{header, sorted_names, Links};

/// A tar writer for one copy.
pub struct Packer<W: Write> {
    tar: tar::Builder<W>,
    /// Files with several links → their first name in the archive.
    links: Links,
    /// Entries left out because they could not be read (or are sockets).
    pub skipped: u64,
    /// Leave out what cannot be read instead of failing.
    skip_unreadable: bool,
}

impl<W: Write> Packer<W> {
    pub fn new(out: W) -> Packer<W> {
        let mut tar = tar::Builder::new(out);
        tar.mode(tar::HeaderMode::Complete);
        tar.follow_symlinks(false);
        Packer {
            tar,
            links: Links::default(),
            skipped: 0,
            skip_unreadable: false,
        }
    }

    /// Leaves out what cannot be read, with a warning: what a rootless container
    /// holds but its user namespace may not read (the host's files bound into it,
    /// its terminal, kernel files), as podman does.
    pub fn skip_unreadable(mut self) -> Packer<W> {
        self.skip_unreadable = true;
        self
    }

    /// Adds `fd` (a directory opened for reading, a regular file opened for reading,
    /// or anything else opened `O_PATH`) under the name `top`; a directory with `top`
    /// `None` contributes its content only.
    pub fn add(&mut self, fd: &OwnedFd, top: Option<&OsStr>) -> io::Result<()> {
        let st = fstat(fd.as_fd())?;
        let name = top.map(PathBuf::from).unwrap_or_default();
        if is_dir(&st) {
            if top.is_some() {
                self.header_only(&st, EntryType::Directory, &name)?;
            }
            return self.walk(fd.as_fd(), &name);
        }
        let Some(top) = top else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "only a directory can be copied without a name",
            ));
        };
        match st.st_mode & libc::S_IFMT {
            libc::S_IFREG => {
                let file = File::from(fd.try_clone()?);
                self.file(&st, file, Path::new(top))
            }
            _ => self.special(fd.as_fd(), OsStr::new(""), &st, Path::new(top)),
        }
    }

    /// Ends the archive and hands back the writer.
    pub fn finish(self) -> io::Result<W> {
        self.tar.into_inner()
    }

    fn walk(&mut self, dir: BorrowedFd<'_>, prefix: &Path) -> io::Result<()> {
        let dev = fstat(dir)?.st_dev;
        for name in sorted_names(dir)? {
            let path = prefix.join(&name);
            match self.entry(dir, dev, &name, &path) {
                Ok(()) => {}
                Err(e)
                    if self.skip_unreadable
                        && matches!(e.raw_os_error(), Some(libc::EACCES | libc::EPERM)) =>
                {
                    log::warn!("skipping {}: {e}", path.display());
                    self.skipped += 1;
                }
                Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
            }
        }
        Ok(())
    }

    fn entry(
        &mut self,
        dir: BorrowedFd<'_>,
        dev: u64,
        name: &OsStr,
        path: &Path,
    ) -> io::Result<()> {
        let st = fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW)?;
        match st.st_mode & libc::S_IFMT {
            libc::S_IFDIR => {
                let sub = openat(
                    dir,
                    name,
                    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )?;
                self.header_only(&st, EntryType::Directory, path)?;
                // A running container's /proc, /sys, /dev/pts …: the mount point comes
                // along, the kernel's view behind it does not.
                if st.st_dev != dev && is_kernel_fs(sub.as_fd()) {
                    return Ok(());
                }
                self.walk(sub.as_fd(), path)
            }
            libc::S_IFREG => {
                if let Some(first) = self.links.seen(&st, path) {
                    let mut h = header(&st, EntryType::Link);
                    return self.tar.append_link(&mut h, path, first);
                }
                let fd = openat(
                    dir,
                    name,
                    OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC | OFlag::O_NOCTTY,
                    Mode::empty(),
                )?;
                self.file(&st, File::from(fd), path)
            }
            libc::S_IFSOCK => {
                log::debug!("skipping socket {}", path.display());
                self.skipped += 1;
                Ok(())
            }
            _ => self.special(dir, name, &st, path),
        }
    }

    fn file(&mut self, st: &FileStat, file: File, path: &Path) -> io::Result<()> {
        let size = st.st_size.max(0) as u64;
        let mut h = header(st, EntryType::Regular);
        h.set_size(size);
        // Exactly `size` bytes, whatever the file does meanwhile in a running
        // container: cut when it grows, zeros when it shrinks.
        let data = file.take(size).chain(io::repeat(0)).take(size);
        self.tar.append_data(&mut h, path, data)
    }

    /// Symlinks, fifos and device nodes: `name` in `dir` (empty: `dir` itself).
    fn special(
        &mut self,
        dir: BorrowedFd<'_>,
        name: &OsStr,
        st: &FileStat,
        path: &Path,
    ) -> io::Result<()> {
        match st.st_mode & libc::S_IFMT {
            libc::S_IFLNK => {
                let target = readlinkat(dir, name)?;
                let mut h = header(st, EntryType::Symlink);
                self.tar.append_link(&mut h, path, target)
            }
            libc::S_IFIFO => self.header_only(st, EntryType::Fifo, path),
            kind @ (libc::S_IFCHR | libc::S_IFBLK) => {
                let mut h = header(
                    st,
                    if kind == libc::S_IFCHR {
                        EntryType::Char
                    } else {
                        EntryType::Block
                    },
                );
                h.set_device_major(libc::major(st.st_rdev))?;
                h.set_device_minor(libc::minor(st.st_rdev))?;
                self.tar.append_data(&mut h, path, io::empty())
            }
            _ => {
                self.skipped += 1;
                Ok(())
            }
        }
    }

    fn header_only(&mut self, st: &FileStat, kind: EntryType, path: &Path) -> io::Result<()> {
        let mut h = header(st, kind);
        self.tar.append_data(&mut h, path, io::empty())
    }
}

/// Whether `dir` is on a filesystem the kernel makes up (proc, sysfs, cgroup …).
fn is_kernel_fs(dir: BorrowedFd<'_>) -> bool {
    use nix::sys::statfs::{self, fstatfs};
    const MQUEUE_MAGIC: i64 = 0x1980_0202;
    const DEBUGFS_MAGIC: i64 = 0x6462_6720;
    const TRACEFS_MAGIC: i64 = 0x7472_6163;
    const SECURITYFS_MAGIC: i64 = 0x7363_6673;
    const BPF_FS_MAGIC: i64 = 0xcafe_4a11;
    let Ok(fs) = fstatfs(dir) else {
        return false;
    };
    let t = fs.filesystem_type();
    // The magic's integer type differs between architectures.
    #[allow(clippy::unnecessary_cast)]
    let raw = t.0 as i64;
    [
        statfs::PROC_SUPER_MAGIC,
        statfs::SYSFS_MAGIC,
        statfs::CGROUP_SUPER_MAGIC,
        statfs::CGROUP2_SUPER_MAGIC,
        statfs::DEVPTS_SUPER_MAGIC,
    ]
    .contains(&t)
        || [
            MQUEUE_MAGIC,
            DEBUGFS_MAGIC,
            TRACEFS_MAGIC,
            SECURITYFS_MAGIC,
            BPF_FS_MAGIC,
        ]
        .contains(&raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::{symlink, PermissionsExt};

    #[test]
    fn a_tree_becomes_entries_with_links_and_modes() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("d");
        fs::create_dir_all(d.join("sub")).unwrap();
        fs::write(d.join("sub/f"), "hello").unwrap();
        fs::set_permissions(d.join("sub/f"), fs::Permissions::from_mode(0o640)).unwrap();
        fs::hard_link(d.join("sub/f"), d.join("g")).unwrap();
        symlink("/etc/passwd", d.join("abs")).unwrap();
        nix::unistd::mkfifo(&d.join("fifo"), Mode::from_bits_truncate(0o600)).unwrap();

        let fd = crate::inroot::open_dir(&d).unwrap();
        let mut p = Packer::new(Vec::new());
        p.add(&fd, Some(OsStr::new("top"))).unwrap();
        let bytes = p.finish().unwrap();

        let mut seen = Vec::new();
        let mut ar = tar::Archive::new(&bytes[..]);
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let path = e.path().unwrap().into_owned();
            let kind = e.header().entry_type();
            let link = e.link_name().unwrap().map(|l| l.into_owned());
            let mode = e.header().mode().unwrap();
            let mut body = String::new();
            e.read_to_string(&mut body).unwrap();
            seen.push((path, kind, link, mode, body));
        }
        let names: Vec<_> = seen.iter().map(|s| s.0.to_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "top",
                "top/abs",
                "top/fifo",
                "top/g",
                "top/sub",
                "top/sub/f"
            ]
        );
        assert_eq!(seen[1].1, EntryType::Symlink);
        assert_eq!(seen[1].2.as_deref(), Some(Path::new("/etc/passwd")));
        assert_eq!(seen[2].1, EntryType::Fifo);
        // The first name of the file carries the data, the second links to it.
        assert_eq!(seen[3].1, EntryType::Regular);
        assert_eq!(seen[3].4, "hello");
        assert_eq!(seen[3].3, 0o640);
        assert_eq!(seen[5].1, EntryType::Link);
        assert_eq!(seen[5].2.as_deref(), Some(Path::new("top/g")));

        // Content only: no top entry, names relative.
        let mut p = Packer::new(Vec::new());
        p.add(&fd, None).unwrap();
        let bytes = p.finish().unwrap();
        let mut ar = tar::Archive::new(&bytes[..]);
        let first = ar.entries().unwrap().next().unwrap().unwrap();
        assert_eq!(first.path().unwrap(), Path::new("abs"));
    }
}
