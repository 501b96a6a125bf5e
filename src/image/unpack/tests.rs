//! Extraction tests: every entry type, whiteouts, and hostile tars.

use super::*;
use nix::sys::stat::makedev;
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use tar::{EntryType, Header};

pub(crate) fn me() -> (u64, u64) {
    (
        u64::from(nix::unistd::geteuid().as_raw()),
        u64::from(nix::unistd::getegid().as_raw()),
    )
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Builds tars entry by entry, writing names raw so hostile paths survive.
pub(crate) struct Tar {
    b: tar::Builder<Vec<u8>>,
}

impl Tar {
    pub(crate) fn new() -> Tar {
        Tar {
            b: tar::Builder::new(Vec::new()),
        }
    }

    fn header(path: &str, kind: EntryType, size: u64, mode: u32) -> Header {
        let mut h = Header::new_gnu();
        let name = &mut h.as_gnu_mut().unwrap().name;
        name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(mode);
        let (uid, gid) = me();
        h.set_uid(uid);
        h.set_gid(gid);
        h.set_mtime(1_600_000_000);
        h
    }

    fn link(mut h: Header, target: &str) -> Header {
        let l = &mut h.as_gnu_mut().unwrap().linkname;
        l[..target.len()].copy_from_slice(target.as_bytes());
        h
    }

    fn put(&mut self, mut h: Header, data: &[u8]) -> &mut Tar {
        h.set_cksum();
        self.b.append(&h, data).unwrap();
        self
    }

    pub(crate) fn file(&mut self, path: &str, data: &[u8]) -> &mut Tar {
        if path.len() > 100 {
            // Needs a GNU long-name entry, which only the checked path setter writes.
            let mut h = Self::header("", EntryType::Regular, data.len() as u64, 0o644);
            self.b.append_data(&mut h, path, data).unwrap();
            return self;
        }
        self.put(
            Self::header(path, EntryType::Regular, data.len() as u64, 0o644),
            data,
        )
    }

    pub(crate) fn file_full(
        &mut self,
        path: &str,
        data: &[u8],
        mode: u32,
        uid: u64,
        gid: u64,
        mtime: u64,
    ) -> &mut Tar {
        let mut h = Self::header(path, EntryType::Regular, data.len() as u64, mode);
        h.set_uid(uid);
        h.set_gid(gid);
        h.set_mtime(mtime);
        self.put(h, data)
    }

    pub(crate) fn dir(&mut self, path: &str, mode: u32) -> &mut Tar {
        self.put(Self::header(path, EntryType::Directory, 0, mode), b"")
    }

    pub(crate) fn symlink(&mut self, path: &str, target: &str) -> &mut Tar {
        self.put(
            Self::link(Self::header(path, EntryType::Symlink, 0, 0o777), target),
            b"",
        )
    }

    pub(crate) fn hardlink(&mut self, path: &str, target: &str) -> &mut Tar {
        self.put(
            Self::link(Self::header(path, EntryType::Link, 0, 0o644), target),
            b"",
        )
    }

    fn special(&mut self, path: &str, kind: EntryType, major: u32, minor: u32) -> &mut Tar {
        let mut h = Self::header(path, kind, 0, 0o640);
        h.set_device_major(major).unwrap();
        h.set_device_minor(minor).unwrap();
        self.put(h, b"")
    }

    pub(crate) fn pax(&mut self, items: &[(&str, &[u8])]) -> &mut Tar {
        self.b.append_pax_extensions(items.iter().copied()).unwrap();
        self
    }

    pub(crate) fn bytes(self) -> Vec<u8> {
        self.b.into_inner().unwrap()
    }
}

/// A scratch area: `dest/` to extract into, `outside/` holding a sentinel.
pub(crate) struct Scene {
    pub(crate) _tmp: tempfile::TempDir,
    pub(crate) base: PathBuf,
    pub(crate) dest: PathBuf,
}

impl Scene {
    pub(crate) fn new() -> Scene {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().to_path_buf();
        fs::create_dir(base.join("dest")).unwrap();
        fs::create_dir(base.join("outside")).unwrap();
        fs::write(base.join("outside/keep"), "sentinel").unwrap();
        Scene {
            dest: base.join("dest"),
            base,
            _tmp: tmp,
        }
    }

    /// Everything outside `dest/`: path → (kind, size, mode, content).
    fn outside(&self) -> BTreeMap<PathBuf, String> {
        fn walk(dir: &Path, skip: &Path, out: &mut BTreeMap<PathBuf, String>) {
            for e in fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p == skip {
                    continue;
                }
                let m = fs::symlink_metadata(&p).unwrap();
                let content = if m.is_file() {
                    fs::read_to_string(&p).unwrap_or_default()
                } else {
                    String::new()
                };
                out.insert(
                    p.clone(),
                    format!("{:?} {} {:o} {content}", m.file_type(), m.nlink(), m.mode()),
                );
                if m.is_dir() {
                    walk(&p, skip, out);
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(&self.base, &self.dest, &mut out);
        out
    }

    /// Unpacks `tar`, asserting that nothing outside `dest/` changed.
    pub(crate) fn unpack(&self, tar: &[u8]) -> Result<UnpackStats, UnpackError> {
        let before = self.outside();
        let r = unpack(tar, &self.dest, &UnpackOptions::default());
        assert_eq!(before, self.outside(), "something outside dest changed");
        r
    }
}

fn host_probe() -> PathBuf {
    PathBuf::from(format!("/tmp/rpod-escape-probe-{}", std::process::id()))
}

#[test]
fn every_entry_type() {
    let s = Scene::new();
    let (uid, gid) = if is_root() { (1000, 1001) } else { me() };
    let mut t = Tar::new();
    t.dir("./", 0o755)
        .dir("etc/", 0o750)
        .file_full("etc/suid", b"#!/bin/sh\n", 0o4755, uid, gid, 1_500_000_000)
        .file_full("etc/sticky-dir-file", b"", 0o644, uid, gid, 1_500_000_000)
        .symlink("etc/link", "suid")
        .hardlink("etc/hard", "etc/suid")
        .file("deep/missing/parents/f", b"x")
        .special("pipe", EntryType::Fifo, 0, 0);
    if is_root() {
        t.special("null", EntryType::Char, 1, 3);
    }
    t.dir("tmp", 0o1777);
    let data = t.bytes();
    let stats = s.unpack(&data).unwrap();
    assert_eq!(stats.diff_id, Digest::of(&data));
    assert_eq!(stats.size, data.len() as u64);
    assert_eq!(stats.compression, Compression::None);

    let d = &s.dest;
    let suid = fs::metadata(d.join("etc/suid")).unwrap();
    assert_eq!(suid.mode() & 0o7777, 0o4755, "setuid survives chown");
    assert_eq!((u64::from(suid.uid()), u64::from(suid.gid())), (uid, gid));
    assert_eq!(suid.mtime(), 1_500_000_000);
    assert_eq!(
        fs::read_link(d.join("etc/link")).unwrap(),
        Path::new("suid")
    );
    assert_eq!(suid.nlink(), 2);
    assert_eq!(fs::metadata(d.join("etc/hard")).unwrap().ino(), suid.ino());
    assert_eq!(fs::read(d.join("deep/missing/parents/f")).unwrap(), b"x");
    assert!(fs::symlink_metadata(d.join("pipe"))
        .unwrap()
        .file_type()
        .is_fifo());
    assert_eq!(fs::metadata(d.join("tmp")).unwrap().mode() & 0o7777, 0o1777);
    let etc = fs::metadata(d.join("etc")).unwrap();
    assert_eq!(etc.mode() & 0o777, 0o750);
    assert_eq!(etc.mtime(), 1_600_000_000, "dir time set after its content");
    assert_eq!(fs::metadata(d).unwrap().mtime(), 1_600_000_000);
    if is_root() {
        let null = fs::symlink_metadata(d.join("null")).unwrap();
        assert!(null.file_type().is_char_device());
        assert_eq!(null.rdev(), makedev(1, 3));
        assert_eq!(stats.counts.devices, 1);
    }
    assert_eq!(stats.counts.files, 3);
    assert_eq!(stats.counts.hardlinks, 1);
    assert_eq!(stats.counts.symlinks, 1);
    assert_eq!(stats.counts.fifos, 1);
}

#[test]
fn xattrs_and_pax_times() {
    let s = Scene::new();
    // A v2 file capability: cap_net_bind_service in permitted+effective.
    let mut cap = vec![0u8; 20];
    cap[0..4].copy_from_slice(&0x0200_0001u32.to_le_bytes());
    cap[4..8].copy_from_slice(&(1u32 << 10).to_le_bytes());
    let mut t = Tar::new();
    t.pax(&[
        ("SCHILY.xattr.user.note", b"hello"),
        ("SCHILY.xattr.trusted.overlay.opaque", b"y"),
        ("SCHILY.xattr.user.overlay.redirect", b"/etc"),
        ("mtime", b"1600000000.25"),
    ])
    .file("f", b"data");
    if is_root() {
        t.pax(&[("SCHILY.xattr.security.capability", &cap)])
            .file("ping", b"elf");
    }
    let stats = s.unpack(&t.bytes()).unwrap();
    assert_eq!(
        crate::image::xattrs::get(&s.dest.join("f"), "user.note").unwrap(),
        Some(b"hello".to_vec())
    );
    assert_eq!(
        crate::image::xattrs::get(&s.dest.join("f"), "user.overlay.redirect").unwrap(),
        None
    );
    assert_eq!(stats.counts.skipped_xattrs, 2);
    let m = fs::metadata(s.dest.join("f")).unwrap();
    assert_eq!((m.mtime(), m.mtime_nsec()), (1_600_000_000, 250_000_000));
    if is_root() {
        let got = crate::image::xattrs::get(&s.dest.join("ping"), "security.capability")
            .unwrap()
            .unwrap();
        assert_eq!(&got[4..8], &cap[4..8]);
    }
}

#[test]
fn whiteouts_and_opaque_dirs() {
    let s = Scene::new();
    let mut t = Tar::new();
    t.file("a/gone", b"in this layer")
        .file("a/.wh.gone", b"")
        .file("a/.wh.lower-only", b"")
        .dir("o", 0o755)
        .file("o/.wh..wh..opq", b"")
        .file("o/kept", b"k")
        .file(".wh..wh.plnk", b"");
    let stats = s.unpack(&t.bytes()).unwrap();
    for name in ["a/gone", "a/lower-only"] {
        let m = fs::symlink_metadata(s.dest.join(name)).unwrap();
        let is_device_whiteout = m.file_type().is_char_device() && m.rdev() == 0;
        let is_xattr_whiteout = m.is_file()
            && crate::image::xattrs::get(&s.dest.join(name), XATTR_WHITEOUT)
                .unwrap()
                .is_some();
        assert!(
            is_device_whiteout || is_xattr_whiteout,
            "{name} is no whiteout"
        );
    }
    assert!(!s.dest.join("a/.wh.gone").exists());
    assert_eq!(
        crate::image::xattrs::get(&s.dest.join("o"), XATTR_OPAQUE).unwrap(),
        Some(b"y".to_vec())
    );
    assert_eq!(fs::read(s.dest.join("o/kept")).unwrap(), b"k");
    assert!(!s.dest.join(".wh..wh.plnk").exists());
    assert_eq!(stats.counts.whiteouts, 2);
    assert_eq!(stats.counts.opaque_dirs, 1);
}

#[test]
fn xattr_whiteouts_hide_lower_files_in_overlay() {
    let lower = Scene::new();
    let mut t = Tar::new();
    t.file("a/x", b"x")
        .file("a/y", b"y")
        .file("o/old", b"old")
        .file("p/old", b"old");
    lower.unpack(&t.bytes()).unwrap();
    let upper = Scene::new();
    let mut t = Tar::new();
    t.file("a/.wh.x", b"")
        .dir("o", 0o755)
        .file("o/.wh..wh..opq", b"")
        .file("o/.wh.old", b"")
        .file("o/new", b"n")
        .file("p/.wh.old", b"")
        .file("p/.wh..wh..opq", b"");
    let opts = UnpackOptions {
        xattr_whiteouts: true,
        ..UnpackOptions::default()
    };
    let stats = unpack(&t.bytes()[..], &upper.dest, &opts).unwrap();
    // a/x and p/old (the latter dropped again when p turns opaque).
    assert_eq!(stats.counts.xattr_whiteouts, 2);
    assert!(!upper.dest.join("p/old").exists());
    assert!(!upper.dest.join("o/old").exists());
    let get = |p: &str, n: &str| crate::image::xattrs::get(&upper.dest.join(p), n).unwrap();
    assert_eq!(get("a/x", XATTR_WHITEOUT), Some(b"y".to_vec()));
    assert_eq!(get("a", XATTR_OPAQUE), Some(b"x".to_vec()));
    assert_eq!(
        get("o", XATTR_OPAQUE),
        Some(b"y".to_vec()),
        "a real opaque dir stays opaque"
    );
    if !is_root() {
        return;
    }
    // What the kernel makes of it: mount in a private mount namespace.
    let mnt = lower.base.join("mnt");
    fs::create_dir(&mnt).unwrap();
    let script = format!(
        "mount -t overlay overlay -o userxattr,lowerdir={}:{} {} && cd {} && find . | sort",
        upper.dest.display(),
        lower.dest.display(),
        mnt.display(),
        mnt.display()
    );
    let out = std::process::Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .output()
        .unwrap();
    if !out.status.success() {
        eprintln!(
            "overlay not available: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let listing = String::from_utf8_lossy(&out.stdout);
    assert_eq!(listing, ".\n./a\n./a/y\n./o\n./o/new\n./p\n");
}

#[test]
fn replacing_entries() {
    let s = Scene::new();
    let mut t = Tar::new();
    t.dir("x", 0o755)
        .file("x/inner", b"1")
        .file("x", b"now a file")
        .file("y", b"file")
        .dir("y", 0o700)
        .file("z", b"old")
        .file("z", b"new");
    s.unpack(&t.bytes()).unwrap();
    assert_eq!(fs::read(s.dest.join("x")).unwrap(), b"now a file");
    assert!(fs::metadata(s.dest.join("y")).unwrap().is_dir());
    assert_eq!(fs::read(s.dest.join("z")).unwrap(), b"new");
}

#[test]
fn dot_dot_cannot_escape() {
    let s = Scene::new();
    let mut t = Tar::new();
    t.file("../outside/keep", b"overwritten");
    let err = s.unpack(&t.bytes()).unwrap_err();
    assert!(
        matches!(&err, UnpackError::Escape { path } if path == "../outside/keep"),
        "{err}"
    );

    let mut t = Tar::new();
    t.file("a/../../escape", b"x");
    assert!(matches!(
        s.unpack(&t.bytes()),
        Err(UnpackError::Escape { .. })
    ));
    assert!(!s.base.join("escape").exists());

    // Climbing and coming back down inside is fine.
    let mut t = Tar::new();
    t.file("a/../b", b"ok");
    s.unpack(&t.bytes()).unwrap();
    assert_eq!(fs::read(s.dest.join("b")).unwrap(), b"ok");
}

#[test]
fn absolute_paths_are_relative_to_the_root() {
    let s = Scene::new();
    let probe = host_probe();
    let mut t = Tar::new();
    t.file(probe.to_str().unwrap(), b"abs");
    s.unpack(&t.bytes()).unwrap();
    assert!(!probe.exists());
    let inside = s.dest.join(probe.strip_prefix("/").unwrap());
    assert_eq!(fs::read(inside).unwrap(), b"abs");
}

#[test]
fn symlink_to_absolute_dir_then_write_through_it() {
    let s = Scene::new();
    let outside = s.base.join("outside");
    let mut t = Tar::new();
    t.symlink("evil", outside.to_str().unwrap())
        .file("evil/keep", b"pwned");
    // The link resolves to <dest><outside>, which does not exist: the entry fails.
    let err = s.unpack(&t.bytes()).unwrap_err();
    assert!(matches!(err, UnpackError::Entry { .. }), "{err}");
    assert_eq!(
        fs::read_to_string(outside.join("keep")).unwrap(),
        "sentinel"
    );

    // With the same path present inside the layer, the write lands there.
    let s = Scene::new();
    let outside = s.base.join("outside");
    let inner = outside
        .to_str()
        .unwrap()
        .trim_start_matches('/')
        .to_string();
    let mut t = Tar::new();
    t.dir(&inner, 0o755)
        .symlink("evil", outside.to_str().unwrap())
        .file("evil/keep", b"contained");
    s.unpack(&t.bytes()).unwrap();
    assert_eq!(
        fs::read(s.dest.join(&inner).join("keep")).unwrap(),
        b"contained"
    );
}

#[test]
fn symlink_climbing_out_is_clamped_to_the_root() {
    let s = Scene::new();
    let mut t = Tar::new();
    t.symlink("up", "../../")
        .file("up/outside/keep", b"pwned")
        .symlink("dotdot", "..")
        .file("dotdot/x", b"x");
    s.unpack(&t.bytes()).unwrap();
    assert_eq!(fs::read(s.dest.join("outside/keep")).unwrap(), b"pwned");
    assert_eq!(fs::read(s.dest.join("x")).unwrap(), b"x");
}

#[test]
fn symlink_replacing_a_dir_then_write_through_it() {
    let s = Scene::new();
    let outside = s.base.join("outside");
    let mut t = Tar::new();
    t.dir("d", 0o755)
        .file("d/f", b"1")
        .symlink("d", outside.to_str().unwrap())
        .file("d/keep", b"pwned");
    assert!(s.unpack(&t.bytes()).is_err());
    assert_eq!(
        fs::read_to_string(outside.join("keep")).unwrap(),
        "sentinel"
    );
    assert!(fs::symlink_metadata(s.dest.join("d"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn hard_links_must_stay_inside() {
    let s = Scene::new();
    let before = fs::metadata("/etc/passwd").unwrap().nlink();
    let mut t = Tar::new();
    t.hardlink("pw", "/etc/passwd");
    let err = s.unpack(&t.bytes()).unwrap_err();
    assert!(
        matches!(
            err,
            UnpackError::Entry {
                what: "create hard link",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(fs::metadata("/etc/passwd").unwrap().nlink(), before);

    let mut t = Tar::new();
    t.hardlink("out", "../outside/keep");
    let err = s.unpack(&t.bytes()).unwrap_err();
    assert!(matches!(err, UnpackError::LinkEscape { .. }), "{err}");

    // Through a planted symlink: resolved inside, so it finds nothing.
    let mut t = Tar::new();
    t.symlink("sl", s.base.join("outside").to_str().unwrap())
        .hardlink("h", "sl/keep");
    assert!(s.unpack(&t.bytes()).is_err());
    assert_eq!(
        fs::metadata(s.base.join("outside/keep")).unwrap().nlink(),
        1
    );
}

#[test]
fn whiteout_names_cannot_escape() {
    let s = Scene::new();
    let mut t = Tar::new();
    t.file("../.wh.keep", b"");
    assert!(matches!(
        s.unpack(&t.bytes()),
        Err(UnpackError::Escape { .. })
    ));
    let mut t = Tar::new();
    t.file("a/.wh...", b"");
    assert!(matches!(
        s.unpack(&t.bytes()),
        Err(UnpackError::Escape { .. })
    ));
    assert!(s.base.join("outside/keep").exists());
}

#[test]
fn compressed_layers_hash_the_uncompressed_stream() {
    let mut t = Tar::new();
    t.file("hello", b"world");
    let data = t.bytes();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&data).unwrap();
    let gz = gz.finish().unwrap();
    let zst = zstd::encode_all(&data[..], 3).unwrap();
    for (blob, want) in [(gz, Compression::Gzip), (zst, Compression::Zstd)] {
        let s = Scene::new();
        let stats = s.unpack(&blob).unwrap();
        assert_eq!(stats.compression, want);
        assert_eq!(stats.diff_id, Digest::of(&data));
        assert_eq!(fs::read(s.dest.join("hello")).unwrap(), b"world");
    }
}

#[test]
fn truncated_layer_is_an_error() {
    let mut t = Tar::new();
    t.file("big", &vec![7u8; 100_000]);
    let data = t.bytes();
    let s = Scene::new();
    let err = s.unpack(&data[..50_000]).unwrap_err();
    assert!(
        matches!(err, UnpackError::Entry { .. } | UnpackError::Read(_)),
        "{err}"
    );
}

#[test]
fn unpack_into_missing_dest_fails_cleanly() {
    let err = unpack(
        &b""[..],
        Path::new("/nonexistent/rpod/dest"),
        &UnpackOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, UnpackError::Target { .. }));
    let _ = fs::Permissions::from_mode(0o755);
}
