//! The mount flags of `run`/`create` as values: `-v`, `--mount` and `--tmpfs`, each
//! either a bind of a host path, a tmpfs or a volume.

use std::path::PathBuf;

use super::VolumeMount;
use crate::runtime::spec::{BindMount, TmpfsMount};

/// A `--mount` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountArg {
    Bind(BindMount),
    Tmpfs(TmpfsMount),
    Volume(VolumeMount),
}

/// A `-v` value: a host path bound in, or a volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeArg {
    Bind(BindMount),
    Volume(VolumeMount),
}

/// podman's rule: a source starting with `/` or `.` is a host path, anything else
/// names a volume.
fn is_host_path(s: &str) -> bool {
    s.starts_with('/') || s.starts_with('.')
}

fn host_path(s: &str) -> Result<PathBuf, String> {
    if is_host_path(s) {
        Ok(PathBuf::from(s))
    } else {
        Err(format!(
            "{s:?} is not a host path: use an absolute path or one starting with ./"
        ))
    }
}

fn volume_name(s: &str) -> Result<String, String> {
    crate::volume::validate_name(s)
        .map(|()| s.to_string())
        .map_err(|e| e.to_string())
}

fn container_path(s: &str) -> Result<PathBuf, String> {
    if s.starts_with('/') {
        Ok(PathBuf::from(s))
    } else {
        Err(format!("container path {s:?} must be absolute"))
    }
}

/// `HOST:CONTAINER[:OPTIONS]` with options ro, rw, z, Z (SELinux relabels are no-ops
/// here); `NAME:CONTAINER[:OPTIONS]`, a named volume, which also takes U, copy and
/// nocopy; `CONTAINER`, an anonymous volume.
pub fn parse_volume(s: &str) -> Result<VolumeArg, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let (src, dst, opts) = match parts.as_slice() {
        [dst] => (None, *dst, ""),
        [src, dst] => (Some(*src), *dst, ""),
        [src, dst, opts] => (Some(*src), *dst, *opts),
        _ => return Err("expected [SOURCE:]CONTAINER-PATH[:OPTIONS]".into()),
    };
    let destination = container_path(dst)?;
    let mut readonly = false;
    let mut chown = false;
    let mut copy = None;
    for o in opts.split(',').filter(|o| !o.is_empty()) {
        match o {
            "ro" => readonly = true,
            "rw" => readonly = false,
            "z" | "Z" => {}
            "U" => chown = true,
            "copy" => copy = Some(true),
            "nocopy" => copy = Some(false),
            other => {
                return Err(format!(
                    "unsupported volume option {other:?} (use ro, rw, U, copy, nocopy, z or Z)"
                ))
            }
        }
    }
    match src {
        Some(src) if is_host_path(src) => {
            if chown || copy.is_some() {
                return Err(format!(
                    "the U, copy and nocopy options apply to volumes, not to the host path {src}"
                ));
            }
            Ok(VolumeArg::Bind(BindMount {
                source: host_path(src)?,
                destination,
                readonly,
                recursive: true,
            }))
        }
        src => Ok(VolumeArg::Volume(VolumeMount {
            name: src.map(volume_name).transpose()?,
            destination,
            readonly,
            chown,
            copy,
        })),
    }
}

/// A boolean mount or security option: bare `KEY` is true, else `KEY=true|1|false|0`.
pub fn bool_value(key: &str, v: Option<&str>) -> Result<bool, String> {
    match v {
        None | Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(other) => Err(format!("{key}={other}: expected true or false")),
    }
}

/// `type=bind,source=…,destination=…[,ro]` or `type=tmpfs,destination=…[,tmpfs-size=…][,tmpfs-mode=…]`.
pub fn parse_mount(s: &str) -> Result<MountArg, String> {
    let mut typ = None;
    let mut source = None;
    let mut dest = None;
    let mut readonly = false;
    let mut recursive = true;
    let mut chown = false;
    let mut copy = None;
    let mut tmpfs_opts = Vec::new();
    for field in s.split(',').filter(|f| !f.is_empty()) {
        let (k, v) = match field.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (field, None),
        };
        match (k, v) {
            ("type", Some(t)) => typ = Some(t),
            ("source" | "src", Some(p)) => source = Some(p),
            ("destination" | "dst" | "target", Some(p)) => dest = Some(container_path(p)?),
            ("ro" | "readonly", v) => readonly = bool_value(k, v)?,
            ("rw", v) => readonly = !bool_value(k, v)?,
            ("bind-nonrecursive", v) => recursive = !bool_value(k, v)?,
            ("bind-propagation", Some("private" | "rprivate")) => {}
            ("z" | "Z" | "relabel", _) => {}
            ("U" | "chown", v) => chown = bool_value(k, v)?,
            ("volume-nocopy" | "nocopy", v) => copy = Some(!bool_value(k, v)?),
            ("tmpfs-size", Some(size)) => tmpfs_opts.push(format!("size={size}")),
            ("tmpfs-mode", Some(mode)) => {
                u32::from_str_radix(mode, 8)
                    .map_err(|_| format!("tmpfs-mode={mode}: expected an octal mode"))?;
                tmpfs_opts.push(format!("mode={mode}"));
            }
            _ => return Err(format!("unsupported mount option {field:?}")),
        }
    }
    let dest = dest.ok_or("the mount needs destination=PATH")?;
    if typ != Some("volume") && (chown || copy.is_some()) {
        return Err("the U and volume-nocopy options apply to volume mounts only".into());
    }
    match typ {
        Some("bind") => Ok(MountArg::Bind(BindMount {
            source: host_path(source.ok_or("a bind mount needs source=PATH")?)?,
            destination: dest,
            readonly,
            recursive,
        })),
        Some("volume") => Ok(MountArg::Volume(VolumeMount {
            name: source.map(volume_name).transpose()?,
            destination: dest,
            readonly,
            chown,
            copy,
        })),
        Some("tmpfs") if source.is_some() => Err("a tmpfs mount takes no source".into()),
        Some("tmpfs") => {
            let mut options = vec!["rw".to_string(), "noexec".to_string()];
            if readonly {
                options.push("ro".into());
            }
            options.extend(tmpfs_opts);
            Ok(MountArg::Tmpfs(TmpfsMount {
                destination: dest,
                options,
            }))
        }
        Some(other) => Err(format!(
            "mount type {other:?} is not supported (use bind, volume or tmpfs)"
        )),
        None => Err("the mount needs type=bind, type=volume or type=tmpfs".into()),
    }
}

const TMPFS_FLAGS: [&str; 12] = [
    "ro", "rw", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "sync", "async", "noatime",
    "relatime",
];
const TMPFS_KEYS: [&str; 5] = ["size", "mode", "uid", "gid", "nr_inodes"];

/// `PATH[:OPTIONS]`; options are tmpfs mount options.
pub fn parse_tmpfs(s: &str) -> Result<TmpfsMount, String> {
    let (path, opts) = s.split_once(':').unwrap_or((s, ""));
    let mut options = vec!["rw".to_string(), "noexec".to_string()];
    for o in opts.split(',').filter(|o| !o.is_empty()) {
        let key = o.split_once('=').map(|(k, _)| k);
        let known = match key {
            Some(k) => TMPFS_KEYS.contains(&k),
            None => TMPFS_FLAGS.contains(&o),
        };
        if !known {
            return Err(format!("unsupported tmpfs option {o:?}"));
        }
        options.push(o.to_string());
    }
    Ok(TmpfsMount {
        destination: container_path(path)?,
        options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes() {
        let v = parse_volume("/a:/b:ro,z").unwrap();
        assert_eq!(
            v,
            VolumeArg::Bind(BindMount {
                source: "/a".into(),
                destination: "/b".into(),
                readonly: true,
                recursive: true
            })
        );
        assert!(matches!(parse_volume("./x:/y").unwrap(), VolumeArg::Bind(b) if !b.readonly));
        assert!(matches!(parse_volume(".:/y").unwrap(), VolumeArg::Bind(_)));
        assert_eq!(
            parse_volume("data:/y:ro,U,nocopy").unwrap(),
            VolumeArg::Volume(VolumeMount {
                name: Some("data".into()),
                destination: "/y".into(),
                readonly: true,
                chown: true,
                copy: Some(false),
            })
        );
        assert_eq!(
            parse_volume("/anon").unwrap(),
            VolumeArg::Volume(VolumeMount {
                name: None,
                destination: "/anon".into(),
                ..Default::default()
            })
        );
        let bad_name = parse_volume("-bad:/y").unwrap_err();
        assert!(
            bad_name.contains("[a-zA-Z0-9][a-zA-Z0-9_.-]*"),
            "{bad_name}"
        );
        assert!(parse_volume("/a:/b:U").is_err(), "U is for volumes");
        assert!(parse_volume("/a:b").is_err());
        assert!(parse_volume("v:b").is_err());
        assert!(parse_volume("/a:/b:bogus").is_err());
        assert!(parse_volume("anon").is_err());
        assert!(parse_volume("a:/b:ro:x").is_err());
    }

    #[test]
    fn mounts() {
        assert_eq!(
            parse_mount("type=bind,src=/a,target=/b,readonly").unwrap(),
            MountArg::Bind(BindMount {
                source: "/a".into(),
                destination: "/b".into(),
                readonly: true,
                recursive: true
            })
        );
        match parse_mount("type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=700").unwrap() {
            MountArg::Tmpfs(t) => {
                assert_eq!(t.destination, PathBuf::from("/t"));
                assert!(t.options.contains(&"size=1m".to_string()));
                assert!(t.options.contains(&"mode=700".to_string()));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse_mount("type=volume,src=x,dst=/y,readonly,U,volume-nocopy").unwrap(),
            MountArg::Volume(VolumeMount {
                name: Some("x".into()),
                destination: "/y".into(),
                readonly: true,
                chown: true,
                copy: Some(false),
            })
        );
        assert!(parse_mount("type=volume,src=/x,dst=/y").is_err());
        assert!(parse_mount("type=bind,src=x,dst=/y").is_err());
        assert!(parse_mount("type=bind,src=/x,dst=/y,U").is_err());
        assert!(parse_mount("type=tmpfs,src=/x,dst=/y").is_err());
        assert!(parse_mount("type=image,src=x,dst=/y").is_err());
        assert!(parse_mount("type=bind,dst=/y").is_err());
        assert!(parse_mount("type=tmpfs,tmpfs-mode=9z,dst=/y").is_err());
        assert!(parse_mount("src=/x,dst=/y").is_err());
        assert!(parse_mount("type=bind,src=/x,dst=/y,bogus=1").is_err());
    }

    #[test]
    fn tmpfs() {
        let t = parse_tmpfs("/run:size=64m,mode=1777,exec").unwrap();
        assert_eq!(t.destination, PathBuf::from("/run"));
        assert_eq!(t.options, ["rw", "noexec", "size=64m", "mode=1777", "exec"]);
        assert!(parse_tmpfs("run").is_err());
        assert!(parse_tmpfs("/run:bogus").is_err());
    }
}
