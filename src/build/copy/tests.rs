use super::*;
use std::fs;
use std::io::{Read as _, Write as _};
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;

fn write(path: &Path, data: &str) {
    if let Some(p) = path.parent() {
        fs::create_dir_all(p).unwrap();
    }
    fs::write(path, data).unwrap();
}

/// A context: a.txt b.txt c.md dir/c.txt dir/sub/d.txt .hidden
fn context() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(&p.join("a.txt"), "a\n");
    write(&p.join("b.txt"), "bb\n");
    write(&p.join("c.md"), "c\n");
    write(&p.join("dir/c.txt"), "c\n");
    write(&p.join("dir/sub/d.txt"), "d\n");
    write(&p.join(".hidden"), "h\n");
    d
}

fn ctx_root(dir: &Path, ignore: &str) -> SourceRoot {
    SourceRoot::Context {
        dir: dir.to_path_buf(),
        ignore: Ignore::parse(ignore),
    }
}

fn req(dir: &Path, sources: &[&str], dest: &str) -> CopyRequest {
    CopyRequest::new(
        ctx_root(dir, ""),
        sources.iter().map(|s| s.to_string()).collect(),
        dest,
    )
}

fn copy(r: &CopyRequest, root: &Path) -> Result<(), CopyError> {
    apply(&plan(r)?, root)
}

/// Every path under `root` with type, mode and owner, sorted.
fn listing(root: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for p in names {
            let m = p.symlink_metadata().unwrap();
            let rel = p.strip_prefix(base).unwrap().display().to_string();
            let kind = if m.is_dir() {
                "d"
            } else if m.file_type().is_symlink() {
                "l"
            } else {
                "f"
            };
            out.push(format!(
                "{kind} {rel} {:o} {}:{}",
                m.mode() & 0o7777,
                m.uid(),
                m.gid()
            ));
            if m.is_dir() {
                walk(base, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

fn names(root: &Path) -> Vec<String> {
    listing(root)
        .iter()
        .map(|l| l.split(' ').nth(1).unwrap().to_string())
        .collect()
}

#[test]
fn chmod_values() {
    assert_eq!(parse_chmod("755").unwrap(), 0o755);
    assert_eq!(parse_chmod("0644").unwrap(), 0o644);
    assert_eq!(parse_chmod("4755").unwrap(), 0o4755);
    assert!(parse_chmod("8").is_err());
    assert!(parse_chmod("u+x").is_err());
    assert!(parse_chmod("").is_err());
    assert!(parse_chmod("17777").is_err());
}

#[test]
fn destination_rules() {
    let cases = [
        ("/x", "/", "/x", false),
        ("/x/", "/", "/x", true),
        ("x", "/app", "/app/x", false),
        (".", "/app", "/app", true),
        ("./", "/app", "/app", true),
        ("sub/.", "/app", "/app/sub", true),
        ("..", "/app/w", "/app", true),
        ("/", "/app", "/", true),
        ("a//b/../c", "/", "/a/c", false),
        ("x", "", "/x", false),
    ];
    for (dest, wd, want, dir) in cases {
        assert_eq!(
            destination(dest, wd),
            (want.to_string(), dir),
            "{dest} in {wd}"
        );
    }
}

#[test]
fn globs_follow_go_filepath_match() {
    let c = context();
    let root = tempfile::tempdir().unwrap();
    copy(&req(c.path(), &["*.txt"], "/g/"), root.path()).unwrap();
    copy(&req(c.path(), &["dir/*/d.txt"], "/h/"), root.path()).unwrap();
    copy(&req(c.path(), &["[ab].txt", "c.?d"], "/i/"), root.path()).unwrap();
    copy(&req(c.path(), &["*"], "/all/"), root.path()).unwrap();
    let got = names(root.path());
    for want in [
        "g/a.txt",
        "g/b.txt",
        "h/d.txt",
        "i/a.txt",
        "i/b.txt",
        "i/c.md",
        "all/.hidden",
        "all/c.txt",
        "all/sub/d.txt",
    ] {
        assert!(
            got.contains(&want.to_string()),
            "{want} missing from {got:?}"
        );
    }
    // `*` matches no `/` and a glob is not recursive.
    assert!(!got.contains(&"g/c.txt".to_string()), "{got:?}");
    let plan = plan(&req(c.path(), &["*.txt"], "/g/")).unwrap();
    let words: Vec<&str> = plan.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(words, ["a.txt", "b.txt"]);
}

#[test]
fn destination_placement() {
    let c = context();
    let root = tempfile::tempdir().unwrap();
    fs::create_dir(root.path().join("existing")).unwrap();
    let r = root.path();
    copy(&req(c.path(), &["a.txt"], "/newname"), r).unwrap();
    copy(&req(c.path(), &["a.txt"], "/existing"), r).unwrap();
    copy(&req(c.path(), &["a.txt", "b.txt"], "/multi"), r).unwrap();
    copy(&req(c.path(), &["dir"], "/contents"), r).unwrap();
    copy(&req(c.path(), &["dir/"], "/deep/er/"), r).unwrap();
    let mut wd = req(c.path(), &["a.txt"], "rel");
    wd.workdir = "/work".into();
    copy(&wd, r).unwrap();
    let mut dot = req(c.path(), &["b.txt"], ".");
    dot.workdir = "/work".into();
    copy(&dot, r).unwrap();
    assert!(r.join("newname").is_file());
    assert_eq!(fs::read_to_string(r.join("newname")).unwrap(), "a\n");
    assert!(r.join("existing/a.txt").is_file());
    assert!(r.join("multi/a.txt").is_file() && r.join("multi/b.txt").is_file());
    assert!(r.join("contents/c.txt").is_file());
    assert!(r.join("contents/sub/d.txt").is_file());
    assert!(!r.join("contents/dir").exists());
    assert!(r.join("deep/er/sub/d.txt").is_file());
    assert!(r.join("work/rel").is_file());
    assert!(r.join("work/b.txt").is_file());
    // A file over an existing file replaces it.
    copy(&req(c.path(), &["b.txt"], "/newname"), r).unwrap();
    assert_eq!(fs::read_to_string(r.join("newname")).unwrap(), "bb\n");
    // The whole context.
    copy(&req(c.path(), &["."], "/ctx"), r).unwrap();
    assert!(r.join("ctx/dir/sub/d.txt").is_file() && r.join("ctx/.hidden").is_file());
    // A file where the image has a directory it does not name as the target.
    fs::create_dir_all(r.join("busy/a.txt")).unwrap();
    let err = copy(&req(c.path(), &["a.txt"], "/busy/"), r).unwrap_err();
    assert!(err.to_string().contains("replace a directory"), "{err}");
    // A directory under an existing file.
    let err = copy(&req(c.path(), &["dir"], "/newname/x"), r).unwrap_err();
    assert!(matches!(err, CopyError::NotDir { .. }), "{err}");
}

#[test]
fn sources_outside_the_context_are_refused() {
    let outer = tempfile::tempdir().unwrap();
    let c = outer.path().join("ctx");
    fs::create_dir(&c).unwrap();
    write(&c.join("in.txt"), "in");
    write(&outer.path().join("secret"), "s");
    symlink("../secret", c.join("up")).unwrap();
    symlink("/etc", c.join("etc")).unwrap();
    symlink("in.txt", c.join("fine")).unwrap();
    for word in [
        "../secret",
        "a/../../secret",
        "up",
        "etc",
        "etc/passwd",
        "../*",
    ] {
        let err = plan(&req(&c, &[word], "/")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("COPY failed: forbidden path outside the build context: {word}"),
            "{word}"
        );
    }
    // Absolute words are relative to the context.
    for word in ["/in.txt", "/../in.txt", "./in.txt", "x/../in.txt"] {
        let p = plan(&req(&c, &[word], "/")).unwrap();
        assert_eq!(p.sources[0].name, "in.txt", "{word}");
    }
    let err = plan(&req(&c, &["/secret"], "/")).unwrap_err();
    assert!(matches!(err, CopyError::Missing { .. }), "{err}");
    // A symlink inside the context is followed, under its own name.
    let root = tempfile::tempdir().unwrap();
    copy(&req(&c, &["fine"], "/"), root.path()).unwrap();
    let m = root.path().join("fine").symlink_metadata().unwrap();
    assert!(m.is_file());
    let mut add = req(&c, &["up"], "/");
    add.add = true;
    assert!(plan(&add)
        .unwrap_err()
        .to_string()
        .starts_with("ADD failed: forbidden path"));
}

#[test]
fn missing_and_empty_sources() {
    let c = context();
    let err = plan(&req(c.path(), &["nope.txt"], "/")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "COPY failed: nope.txt: no such file or directory"
    );
    let err = plan(&req(c.path(), &["*.nothing"], "/")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "COPY failed: no source files were specified"
    );
    let err = plan(&req(c.path(), &[], "/")).unwrap_err();
    assert!(matches!(err, CopyError::NoSources { .. }));
    // A glob without matches beside one with matches is fine.
    assert_eq!(
        plan(&req(c.path(), &["*.nothing", "a.txt"], "/d/"))
            .unwrap()
            .sources
            .len(),
        1
    );
    let err = plan(&req(c.path(), &["[", "a.txt"], "/")).unwrap_err();
    assert!(matches!(err, CopyError::Pattern { .. }), "{err}");
    let dangling = c.path().join("dangling");
    symlink("nowhere", &dangling).unwrap();
    let err = plan(&req(c.path(), &["dangling"], "/")).unwrap_err();
    assert!(matches!(err, CopyError::Missing { .. }), "{err}");
}

#[test]
fn ignored_files_are_absent() {
    let c = context();
    write(&c.path().join("dir/sub/keep.txt"), "k");
    write(
        &c.path().join(".dockerignore"),
        "*.md\ndir\n!dir/sub/keep.txt\n",
    );
    let ignore = Ignore::load(c.path(), None).unwrap();
    let mk = |words: &[&str]| {
        CopyRequest::new(
            SourceRoot::Context {
                dir: c.path().to_path_buf(),
                ignore: ignore.clone(),
            },
            words.iter().map(|s| s.to_string()).collect(),
            "/out/",
        )
    };
    let err = plan(&mk(&["c.md"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "COPY failed: c.md: no such file or directory (excluded by .dockerignore)"
    );
    assert!(matches!(
        plan(&mk(&["*.md"])).unwrap_err(),
        CopyError::NoSources { .. }
    ));
    let root = tempfile::tempdir().unwrap();
    apply(&plan(&mk(&["."])).unwrap(), root.path()).unwrap();
    let got = names(root.path());
    assert_eq!(
        got,
        [
            "out",
            "out/.dockerignore",
            "out/.hidden",
            "out/a.txt",
            "out/b.txt",
            "out/dir",
            "out/dir/sub",
            "out/dir/sub/keep.txt",
        ]
    );
    // A path re-included under an ignored directory can be named.
    assert!(plan(&mk(&["dir/sub/keep.txt"])).is_ok());
    assert!(plan(&mk(&["dir/c.txt"])).is_err());
}

#[test]
fn digest_covers_content_mode_and_flags_but_not_mtimes() {
    let c = context();
    let d = |r: &CopyRequest| plan(r).unwrap().digest();
    let base = req(c.path(), &["."], "/app/");
    let first = d(&base);
    assert_eq!(first, d(&base));
    // Same tree elsewhere, other mtimes: same digest.
    let twin = tempfile::tempdir().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    for (rel, data) in [
        ("a.txt", "a\n"),
        ("b.txt", "bb\n"),
        ("c.md", "c\n"),
        ("dir/c.txt", "c\n"),
        ("dir/sub/d.txt", "d\n"),
        (".hidden", "h\n"),
    ] {
        write(&twin.path().join(rel), data);
    }
    assert_eq!(first, d(&req(twin.path(), &["."], "/app/")));
    let f = fs::File::options()
        .write(true)
        .open(c.path().join("a.txt"))
        .unwrap();
    f.set_modified(std::time::SystemTime::UNIX_EPOCH).unwrap();
    drop(f);
    assert_eq!(first, d(&base));

    write(&c.path().join("dir/sub/d.txt"), "D\n");
    let content = d(&base);
    assert_ne!(first, content);
    fs::set_permissions(c.path().join("a.txt"), fs::Permissions::from_mode(0o600)).unwrap();
    let mode = d(&base);
    assert_ne!(content, mode);
    let mut chown = base.clone();
    chown.chown = Some("1:1".into());
    assert_ne!(mode, d(&chown));
    let mut chmod = base.clone();
    chmod.chmod = Some(0o755);
    assert_ne!(mode, d(&chmod));
    assert_ne!(mode, d(&req(c.path(), &["."], "/other/")));
    let mut add = base.clone();
    add.add = true;
    assert_ne!(mode, d(&add));
    symlink("a.txt", c.path().join("ln")).unwrap();
    let link = d(&base);
    assert_ne!(mode, link);
    fs::remove_file(c.path().join("ln")).unwrap();
    symlink("b.txt", c.path().join("ln")).unwrap();
    assert_ne!(link, d(&base));
    // Renaming a file changes the key too.
    fs::rename(c.path().join("c.md"), c.path().join("e.md")).unwrap();
    assert_ne!(link, d(&base));
}

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\napp:x:1500:1600:App:/home/app:/bin/sh\n";
const GROUP: &str = "root:x:0:\nappgrp:x:1600:\nstaff:x:50:\n";

fn image_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    write(&root.path().join("etc/passwd"), PASSWD);
    write(&root.path().join("etc/group"), GROUP);
    root
}

#[test]
fn owners_modes_times_and_links() {
    let c = context();
    let p = c.path();
    std::os::unix::fs::chown(p.join("a.txt"), Some(1234), Some(4321)).unwrap();
    fs::set_permissions(p.join("a.txt"), fs::Permissions::from_mode(0o4751)).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    fs::File::options()
        .write(true)
        .open(p.join("dir/c.txt"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    symlink("../a.txt", p.join("dir/link")).unwrap();
    fs::hard_link(p.join("dir/c.txt"), p.join("dir/sub/hard")).unwrap();
    let root = image_root();
    let r = root.path();

    copy(&req(p, &["a.txt", "dir"], "/plain/"), r).unwrap();
    let a = r.join("plain/a.txt").metadata().unwrap();
    assert_eq!((a.uid(), a.gid(), a.mode() & 0o7777), (0, 0, 0o4751));
    let ct = r.join("plain/c.txt").metadata().unwrap();
    assert_eq!(ct.mtime(), 1_000_000);
    assert_eq!(
        fs::read_link(r.join("plain/link")).unwrap(),
        Path::new("../a.txt")
    );
    assert_eq!(
        ct.ino(),
        r.join("plain/sub/hard").metadata().unwrap().ino(),
        "hard links stay linked"
    );

    let mut by_name = req(p, &["dir"], "/named");
    by_name.chown = Some("app".into());
    copy(&by_name, r).unwrap();
    for l in listing(&r.join("named")) {
        assert!(l.ends_with(" 1500:1600"), "{l}");
    }
    let top = r.join("named").metadata().unwrap();
    assert_eq!((top.uid(), top.gid()), (1500, 1600));

    let mut with_group = req(p, &["b.txt"], "/deep/new/dirs/");
    with_group.chown = Some("app:staff".into());
    with_group.chmod = Some(0o640);
    copy(&with_group, r).unwrap();
    let b = r.join("deep/new/dirs/b.txt").metadata().unwrap();
    assert_eq!((b.uid(), b.gid(), b.mode() & 0o7777), (1500, 50, 0o640));
    // Missing parents are created 0755, owned as the copy.
    let parent = r.join("deep/new").metadata().unwrap();
    assert_eq!((parent.uid(), parent.mode() & 0o7777), (1500, 0o755));

    // A bare uid is the gid too, whatever passwd says of it.
    let mut bare = req(p, &["b.txt"], "/bare");
    bare.chown = Some("1500".into());
    copy(&bare, r).unwrap();
    let m = r.join("bare").metadata().unwrap();
    assert_eq!((m.uid(), m.gid()), (1500, 1500));
    // A directory the copy creates is 0755, not the source's mode; --chmod
    // applies to what is below it.
    fs::set_permissions(p.join("dir"), fs::Permissions::from_mode(0o750)).unwrap();
    let mut chmod = req(p, &["dir"], "/chmodded");
    chmod.chmod = Some(0o700);
    copy(&chmod, r).unwrap();
    let top = r.join("chmodded").metadata().unwrap();
    assert_eq!(top.mode() & 0o7777, 0o755);
    let sub = r.join("chmodded/sub").metadata().unwrap();
    assert_eq!(sub.mode() & 0o7777, 0o700);
    assert_eq!(
        r.join("chmodded/c.txt").metadata().unwrap().mode() & 0o7777,
        0o700
    );

    let mut numeric = req(p, &["b.txt"], "/num");
    numeric.chown = Some("7:8".into());
    copy(&numeric, r).unwrap();
    let n = r.join("num").metadata().unwrap();
    assert_eq!((n.uid(), n.gid()), (7, 8));

    let mut unknown = req(p, &["b.txt"], "/x");
    unknown.chown = Some("nobody".into());
    let err = copy(&unknown, r).unwrap_err();
    assert_eq!(
        err.to_string(),
        "COPY failed: --chown=nobody: unable to find user nobody: no matching entries in passwd file"
    );
}

#[test]
fn writes_never_leave_the_root() {
    let c = context();
    let root = image_root();
    let r = root.path();
    let outside = tempfile::tempdir().unwrap();
    let o = outside.path();
    write(&o.join("victim"), "original");
    // Symlinks the image planted, pointing at the host by absolute path and by `..`.
    symlink(o, r.join("abs")).unwrap();
    symlink("../../../../../../../..", r.join("up")).unwrap();
    symlink(o.join("victim"), r.join("etc/last")).unwrap();

    copy(&req(c.path(), &["a.txt"], "/abs/"), r).unwrap();
    copy(&req(c.path(), &["b.txt"], "/up/x/"), r).unwrap();
    copy(&req(c.path(), &["dir"], "/up/tree"), r).unwrap();
    copy(&req(c.path(), &["a.txt"], "/etc/last"), r).unwrap();
    assert!(!o.join("a.txt").exists());
    assert_eq!(fs::read_to_string(o.join("victim")).unwrap(), "original");
    // `/abs` led to the same path inside the root, `/up` to the root itself.
    assert!(r.join(o.strip_prefix("/").unwrap()).join("a.txt").is_file());
    assert!(r.join("x/b.txt").is_file());
    assert!(r.join("tree/sub/d.txt").is_file());
    // The last component is replaced, not followed.
    assert!(r.join("etc/last").symlink_metadata().unwrap().is_file());
    // The chown databases are read inside the root too.
    fs::remove_file(r.join("etc/passwd")).unwrap();
    let host_passwd = o.join("passwd");
    write(&host_passwd, "evil:x:4242:4242::/:/bin/sh\n");
    symlink(&host_passwd, r.join("etc/passwd")).unwrap();
    let mut evil = req(c.path(), &["a.txt"], "/e");
    evil.chown = Some("evil".into());
    assert!(matches!(
        copy(&evil, r).unwrap_err(),
        CopyError::Chown { .. }
    ));
}

#[test]
fn heredocs_become_files() {
    let c = context();
    let root = tempfile::tempdir().unwrap();
    let mut r = req(c.path(), &[], "/hd/");
    r.heredocs = vec![
        ("EOF".into(), b"hello\n".to_vec()),
        ("script.sh".into(), b"#!/bin/sh\n".to_vec()),
    ];
    copy(&r, root.path()).unwrap();
    assert_eq!(
        fs::read_to_string(root.path().join("hd/EOF")).unwrap(),
        "hello\n"
    );
    let m = root.path().join("hd/script.sh").metadata().unwrap();
    assert_eq!(m.mode() & 0o777, 0o644);
    let mut single = req(c.path(), &[], "/one");
    single.heredocs = vec![("EOF".into(), b"x".to_vec())];
    copy(&single, root.path()).unwrap();
    assert_eq!(fs::read(root.path().join("one")).unwrap(), b"x");
    let a = plan(&single).unwrap().digest();
    single.heredocs[0].1 = b"y".to_vec();
    assert_ne!(a, plan(&single).unwrap().digest());
}

#[test]
fn other_roots_resolve_symlinks_inside_themselves() {
    let stage = tempfile::tempdir().unwrap();
    let s = stage.path();
    write(&s.join("data/f"), "from stage");
    write(&s.join("data/g"), "g");
    symlink("/data", s.join("link")).unwrap();
    symlink("../../../../data/f", s.join("rel")).unwrap();
    let from = |words: &[&str]| {
        CopyRequest::new(
            SourceRoot::Rootfs {
                dir: s.to_path_buf(),
            },
            words.iter().map(|w| w.to_string()).collect(),
            "/out/",
        )
    };
    let root = tempfile::tempdir().unwrap();
    copy(&from(&["/link/f", "rel", "/data/*"]), root.path()).unwrap();
    let out = root.path().join("out");
    assert_eq!(fs::read_to_string(out.join("f")).unwrap(), "from stage");
    assert_eq!(fs::read_to_string(out.join("rel")).unwrap(), "from stage");
    assert!(out.join("g").is_file());
    let err = plan(&from(&["/nope"])).unwrap_err();
    assert!(matches!(err, CopyError::Missing { .. }), "{err}");
}

/// A tar with raw entry names (even hostile ones), compressed or not.
fn tarball(entries: &[(&str, tar::EntryType, &str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, kind, link, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_entry_type(*kind);
        h.set_size(data.len() as u64);
        h.set_mode(if kind.is_dir() { 0o750 } else { 0o640 });
        h.set_uid(1500);
        h.set_gid(1600);
        h.set_mtime(1_234_567);
        if !link.is_empty() {
            h.as_gnu_mut().unwrap().linkname[..link.len()].copy_from_slice(link.as_bytes());
        }
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

#[test]
fn add_extracts_local_archives_inside_the_destination() {
    use tar::EntryType as T;
    let c = context();
    let p = c.path();
    let plain = tarball(&[
        ("top/", T::Directory, "", b""),
        ("top/file", T::Regular, "", b"content"),
        ("top/ln", T::Symlink, "file", b""),
        ("top/hard", T::Link, "top/file", b""),
        ("top/.wh.kept", T::Regular, "", b""),
    ]);
    fs::write(p.join("plain.tar"), &plain).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).unwrap();
    fs::write(p.join("z.tar.gz"), gz.finish().unwrap()).unwrap();
    fs::write(
        p.join("z.tar.zst"),
        zstd::encode_all(&plain[..], 3).unwrap(),
    )
    .unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(&plain).unwrap();
    fs::write(p.join("z.tar.bz2"), bz.finish().unwrap()).unwrap();
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 1);
    xz.write_all(&plain).unwrap();
    fs::write(p.join("z.tar.xz"), xz.finish().unwrap()).unwrap();
    let mut not_tar = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    not_tar.write_all(b"just text").unwrap();
    fs::write(p.join("text.gz"), not_tar.finish().unwrap()).unwrap();

    let root = image_root();
    let r = root.path();
    let add = |words: &[&str], dest: &str| {
        let mut q = req(p, words, dest);
        q.add = true;
        q
    };
    copy(&add(&["plain.tar"], "/x"), r).unwrap();
    copy(&add(&["z.tar.gz"], "/y/"), r).unwrap();
    copy(&add(&["z.tar.zst", "text.gz"], "/z/"), r).unwrap();
    copy(&add(&["z.tar.bz2"], "/bz"), r).unwrap();
    copy(&add(&["z.tar.xz"], "/xz"), r).unwrap();
    for d in ["x", "y", "z", "bz", "xz"] {
        let top = r.join(d).join("top");
        assert_eq!(
            fs::read_to_string(top.join("file")).unwrap(),
            "content",
            "{d}"
        );
        assert_eq!(fs::read_link(top.join("ln")).unwrap(), Path::new("file"));
        let f = top.join("file").metadata().unwrap();
        assert_eq!(f.ino(), top.join("hard").metadata().unwrap().ino());
        assert_eq!((f.uid(), f.gid(), f.mode() & 0o777), (1500, 1600, 0o640));
        assert_eq!(f.mtime(), 1_234_567);
        let dm = top.metadata().unwrap();
        assert_eq!((dm.mode() & 0o777, dm.mtime()), (0o750, 1_234_567));
        assert!(
            top.join(".wh.kept").is_file(),
            "whiteouts are plain files in ADD"
        );
    }
    // Not a tar once decompressed: copied as it is.
    assert!(r.join("z/text.gz").is_file());
    // COPY never extracts; ADD with --chown owns everything.
    copy(&req(p, &["plain.tar"], "/copied/"), r).unwrap();
    assert!(r.join("copied/plain.tar").is_file());
    let mut owned = add(&["plain.tar"], "/owned/");
    owned.chown = Some("app:staff".into());
    copy(&owned, r).unwrap();
    for l in listing(&r.join("owned")) {
        assert!(l.ends_with(" 1500:50"), "{l}");
    }
    let digest = plan(&add(&["plain.tar"], "/x")).unwrap().digest();
    assert!(matches!(
        plan(&add(&["plain.tar"], "/x")).unwrap().sources[0].kind,
        SourceKind::Archive { .. }
    ));
    assert_ne!(digest, plan(&add(&["z.tar.gz"], "/x")).unwrap().digest());
}

#[test]
fn hostile_archives_stay_inside_the_destination() {
    use tar::EntryType as T;
    let c = context();
    let p = c.path();
    let outside = tempfile::tempdir().unwrap();
    let o = outside.path().to_string_lossy().into_owned();
    let root = image_root();
    let r = root.path();
    let add = |name: &str, dest: &str| {
        let mut q = req(p, &[name], dest);
        q.add = true;
        q
    };

    fs::write(
        p.join("dotdot.tar"),
        tarball(&[("../evil", T::Regular, "", b"x")]),
    )
    .unwrap();
    let err = copy(&add("dotdot.tar", "/d/"), r).unwrap_err();
    assert!(
        err.to_string().contains("points outside the destination"),
        "{err}"
    );

    // A symlink to the host, then a file through it.
    let link_tar = tarball(&[
        ("esc", T::Symlink, &o, b""),
        ("esc/planted", T::Regular, "", b"x"),
        ("up", T::Symlink, "../../../../../..", b""),
        ("up/planted2", T::Regular, "", b"y"),
        ("hl", T::Link, "../../../../etc/passwd", b""),
    ]);
    fs::write(p.join("links.tar"), link_tar).unwrap();
    let err = copy(&add("links.tar", "/dst/"), r).unwrap_err();
    // The hard link climbing out is refused; what came before stayed inside.
    assert!(err.to_string().contains("points outside"), "{err}");
    assert!(!outside.path().join("planted").exists());
    assert!(r
        .join("dst")
        .join(o.trim_start_matches('/'))
        .join("planted")
        .is_file());
    // `up` resolves to the destination itself, not above it.
    assert!(r.join("dst/planted2").is_file());
    assert!(!r.join("planted2").exists());
    // A symlink already in the image as the destination.
    symlink(&o, r.join("imglink")).unwrap();
    fs::write(p.join("f.tar"), tarball(&[("f", T::Regular, "", b"z")])).unwrap();
    copy(&add("f.tar", "/imglink/"), r).unwrap();
    assert!(!outside.path().join("f").exists());
    assert!(r.join(o.trim_start_matches('/')).join("f").is_file());
}

/// Serves `body` once per connection to `count` requests on 127.0.0.1.
fn serve(
    status: &'static str,
    body: &'static [u8],
    count: usize,
) -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        for _ in 0..count {
            let (mut s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
                .unwrap();
            let mut buf = [0u8; 4096];
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: close\r\n\r\n",
                body.len()
            );
            s.write_all(head.as_bytes()).unwrap();
            s.write_all(body).unwrap();
        }
    });
    (format!("http://{addr}"), handle)
}

#[test]
fn add_downloads_urls_without_extracting() {
    let c = context();
    let tmp = tempfile::tempdir().unwrap();
    let (base, server) = serve("200 OK", b"downloaded bytes", 2);
    let root = tempfile::tempdir().unwrap();
    let mut r = req(
        c.path(),
        &[&format!("{base}/files/tool.tar.gz?x=1")],
        "/opt/",
    );
    r.add = true;
    r.temp_dir = Some(tmp.path().to_path_buf());
    let p = plan(&r).unwrap();
    assert_eq!(p.sources[0].name, "tool.tar.gz");
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    apply(&p, root.path()).unwrap();
    let f = root.path().join("opt/tool.tar.gz");
    assert_eq!(fs::read(&f).unwrap(), b"downloaded bytes");
    let m = f.metadata().unwrap();
    assert_eq!(m.mode() & 0o7777, 0o600);
    assert_eq!(m.mtime(), 784_111_777);
    let d1 = p.digest();
    drop(p);
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "download removed"
    );
    // The same bytes again: the same key.
    assert_eq!(plan(&r).unwrap().digest(), d1);
    server.join().unwrap();

    // --checksum: a match passes, a mismatch fails and keeps nothing.
    let (base, server) = serve("200 OK", b"downloaded bytes", 2);
    let mut sum = req(c.path(), &[&format!("{base}/f")], "/");
    sum.add = true;
    sum.temp_dir = Some(tmp.path().to_path_buf());
    sum.checksum = Some(crate::base::digest::Digest::of(b"downloaded bytes").to_string());
    assert!(plan(&sum).is_ok());
    sum.checksum = Some(crate::base::digest::Digest::of(b"other").to_string());
    let err = plan(&sum).unwrap_err();
    assert!(matches!(err, CopyError::ChecksumMismatch { .. }), "{err}");
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
    server.join().unwrap();
    sum.checksum = Some("md5:abc".into());
    assert!(matches!(
        plan(&sum).unwrap_err(),
        CopyError::ChecksumSyntax(_)
    ));
    let mut local = req(c.path(), &["a.txt"], "/");
    local.add = true;
    local.checksum = Some(crate::base::digest::Digest::of(b"a\n").to_string());
    assert!(matches!(
        plan(&local).unwrap_err(),
        CopyError::ChecksumSource { .. }
    ));

    let (base, server) = serve("404 Not Found", b"no", 1);
    let mut missing = req(c.path(), &[&format!("{base}/gone")], "/");
    missing.add = true;
    missing.temp_dir = Some(tmp.path().to_path_buf());
    let err = plan(&missing).unwrap_err();
    assert!(matches!(err, CopyError::Download { .. }), "{err}");
    assert!(err.to_string().contains("404"), "{err}");
    server.join().unwrap();

    let mut dir_url = req(c.path(), &["http://127.0.0.1:9/dir/"], "/");
    dir_url.add = true;
    assert!(plan(&dir_url)
        .unwrap_err()
        .to_string()
        .contains("file name"));
    // A URL without a file name is fine when the destination names the file,
    // and refused when the destination is an existing directory.
    let (base, server) = serve("200 OK", b"unnamed", 2);
    let mut named = req(c.path(), &[&format!("{base}/")], "/opt/tool");
    named.add = true;
    named.temp_dir = Some(tmp.path().to_path_buf());
    let unnamed_root = tempfile::tempdir().unwrap();
    apply(&plan(&named).unwrap(), unnamed_root.path()).unwrap();
    assert_eq!(
        fs::read(unnamed_root.path().join("opt/tool")).unwrap(),
        b"unnamed"
    );
    named.dest = "/opt".into();
    let err = apply(&plan(&named).unwrap(), unnamed_root.path()).unwrap_err();
    assert!(
        err.to_string().contains("name the destination file"),
        "{err}"
    );
    server.join().unwrap();
    // COPY does not download: a URL is a (missing) path.
    let copy_url = req(c.path(), &["http://127.0.0.1:9/x"], "/");
    assert!(matches!(
        plan(&copy_url).unwrap_err(),
        CopyError::Missing { .. }
    ));
}

#[test]
fn url_names_and_dates() {
    assert_eq!(
        fetch::file_name("http://h/a/b.txt").as_deref(),
        Some("b.txt")
    );
    assert_eq!(
        fetch::file_name("https://h/a%20b?q=/x#f").as_deref(),
        Some("a b")
    );
    assert_eq!(fetch::file_name("http://h"), None);
    assert_eq!(fetch::file_name("http://h/"), None);
    assert_eq!(fetch::file_name("http://h/x/"), None);
    assert_eq!(
        fetch::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
        Some(784_111_777)
    );
    assert_eq!(
        fetch::parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"),
        Some(0)
    );
    assert_eq!(
        fetch::parse_http_date("Tue, 29 Feb 2000 12:00:00 GMT"),
        Some(951_825_600)
    );
    assert_eq!(fetch::parse_http_date("yesterday"), None);
}

#[test]
fn unmapped_owners_in_a_user_namespace() {
    use tar::EntryType as T;
    let c = context();
    let p = c.path().to_path_buf();
    fs::write(p.join("t.tar"), tarball(&[("f", T::Regular, "", b"x")])).unwrap();
    let root = tempfile::tempdir().unwrap();
    let r = root.path().to_path_buf();
    // Root of a namespace that maps nothing else, as a user without subordinate ids.
    let map = crate::userns::IdMap::build(
        nix::unistd::getuid().as_raw(),
        nix::unistd::getgid().as_raw(),
        &[],
        &[],
    );
    let mut owned = req(&p, &["a.txt"], "/owned");
    owned.chown = Some("1500".into());
    let owned = plan(&owned).unwrap();
    let mut tar = req(&p, &["t.tar"], "/t/");
    tar.add = true;
    let tar = plan(&tar).unwrap();
    let (refused, extracted) = crate::userns::run(&map, move || {
        let refused = apply(&owned, &r).map_err(|e| e.to_string());
        let extracted = apply(&tar, &r).map_err(|e| e.to_string());
        Ok((refused.err(), extracted.err()))
    })
    .unwrap();
    let refused = refused.unwrap_or_default();
    assert!(
        refused.contains("is not mapped in the user namespace"),
        "{refused}"
    );
    // An archive's own unmapped owners fall back to the namespace's root.
    assert_eq!(extracted, None);
    let f = root.path().join("t/f").metadata().unwrap();
    assert_eq!(f.uid(), nix::unistd::getuid().as_raw());
}

#[test]
fn remembered_digests_are_reused_until_the_file_changes() {
    let c = context();
    let store = tempfile::tempdir().unwrap();
    let saved = store.path().join("hashes.json");
    let digest_of = |cache: HashCache| {
        let cache = Arc::new(cache.trusting());
        let mut r = req(c.path(), &["a.txt"], "/");
        r.hashes = Some(cache.clone());
        let p = plan(&r).unwrap();
        cache.save().unwrap();
        match &p.sources[0].kind {
            SourceKind::Tree(e) => match &e[0].kind {
                EntryKind::File { digest, .. } => digest.clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    };
    let real = digest_of(HashCache::load(&saved));
    assert_eq!(real, crate::base::digest::Digest::of(b"a\n"));
    assert!(saved.is_file());
    // Doctor the saved digest: an unchanged file is not read again...
    let fake = crate::base::digest::Digest::of(b"remembered");
    let text = fs::read_to_string(&saved)
        .unwrap()
        .replace(real.hex(), fake.hex());
    fs::write(&saved, text).unwrap();
    assert_eq!(digest_of(HashCache::load(&saved)), fake);
    // ...a changed one is, even with the same size and mtime.
    let mtime = fs::metadata(c.path().join("a.txt"))
        .unwrap()
        .modified()
        .unwrap();
    write(&c.path().join("a.txt"), "A\n");
    fs::File::options()
        .write(true)
        .open(c.path().join("a.txt"))
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(
        digest_of(HashCache::load(&saved)),
        crate::base::digest::Digest::of(b"A\n")
    );
    // A corrupt cache file is an empty cache.
    fs::write(&saved, "{not json").unwrap();
    assert_eq!(
        digest_of(HashCache::load(&saved)),
        crate::base::digest::Digest::of(b"A\n")
    );
    // Without trust, a file changed a moment ago is not remembered.
    let fresh = Arc::new(HashCache::new());
    let mut r = req(c.path(), &["a.txt"], "/");
    r.hashes = Some(fresh.clone());
    plan(&r).unwrap();
    assert_eq!(fresh.remembered(), 0);
    let trusting = Arc::new(HashCache::new().trusting());
    r.hashes = Some(trusting.clone());
    plan(&r).unwrap();
    assert_eq!(trusting.remembered(), 1);
}
