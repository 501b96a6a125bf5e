//! The pure rules of `cp`: which side of `SRC DEST` is a container, what a path's
//! spelling asks for (`dir/.`, a trailing `/`), and where the copy lands given what
//! exists at the destination — podman's and Docker's semantics.

use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};

use super::CopyError;

/// One side of `rpod cp` as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `-`: a tar stream on stdin (source) or stdout (destination).
    Stream,
    /// A path on the host, relative to the working directory.
    Host(String),
    /// `CONTAINER:PATH`; the path is relative to the container's root.
    Container { container: String, path: String },
}

impl Location {
    /// podman's reading: a leading `.` or `/` is a local path (so `./a:b` is a file);
    /// otherwise text before the first `:` names a container.
    pub fn parse(arg: &str) -> Location {
        if arg == "-" {
            return Location::Stream;
        }
        if arg.starts_with(['.', '/']) {
            return Location::Host(arg.to_string());
        }
        match arg.split_once(':') {
            Some((container, path)) => Location::Container {
                container: container.to_string(),
                path: path.to_string(),
            },
            None => Location::Host(arg.to_string()),
        }
    }
}

/// The two shapes a copy can take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Direction {
    /// Host path or stdin into the container.
    In {
        src: Option<String>,
        container: String,
        dest: String,
    },
    /// The container into a host path or stdout.
    Out {
        container: String,
        src: String,
        dest: Option<String>,
    },
}

impl Direction {
    /// Exactly one side must be a container (`-` counts as local).
    pub fn of(src: &str, dest: &str) -> Result<Direction, CopyError> {
        match (Location::parse(src), Location::parse(dest)) {
            (Location::Container { container, path }, d) => Ok(Direction::Out {
                container: named(container)?,
                src: path,
                dest: local(d)?,
            }),
            (s, Location::Container { container, path }) => Ok(Direction::In {
                src: local(s)?,
                container: named(container)?,
                dest: path,
            }),
            _ => Err(CopyError::NoContainer {
                src: src.to_string(),
                dest: dest.to_string(),
            }),
        }
    }

    pub fn container(&self) -> &str {
        match self {
            Direction::In { container, .. } | Direction::Out { container, .. } => container,
        }
    }
}

fn named(container: String) -> Result<String, CopyError> {
    if container.is_empty() {
        return Err(CopyError::EmptyContainer);
    }
    Ok(container)
}

/// The local side: a host path, or `None` for `-`.
fn local(l: Location) -> Result<Option<String>, CopyError> {
    match l {
        Location::Stream => Ok(None),
        Location::Host(p) if p.is_empty() => Err(CopyError::EmptyPath),
        Location::Host(p) => Ok(Some(p)),
        Location::Container { .. } => Err(CopyError::BetweenContainers),
    }
}

/// What a path's spelling says, apart from where it leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spelling {
    /// The path to resolve, components only (no trailing `/` or `/.`).
    pub path: PathBuf,
    /// It ends with `/` or `/.`: it must be a directory.
    pub dir_only: bool,
    /// It ends with `/.` (or is `.`): a source directory's content, not the directory.
    pub contents: bool,
    /// The last component as written, for naming the copy; `None` for `/`, `.` or `..`.
    pub name: Option<OsString>,
}

impl Spelling {
    pub fn of(text: &str) -> Spelling {
        let trimmed = text.trim_end_matches('/');
        let contents = trimmed == "." || trimmed.ends_with("/.");
        let dir_only = contents || (text.ends_with('/') && !trimmed.is_empty());
        let path = PathBuf::from(text);
        let name = match path.components().next_back() {
            Some(Component::Normal(n)) => Some(n.to_os_string()),
            _ => None,
        };
        Spelling {
            path,
            dir_only,
            contents,
            name,
        }
    }
}

/// A source once resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dir,
    NonDir,
}

/// What is at the destination path (its last symlink followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DestState {
    Dir,
    NonDir,
    /// Nothing, but its parent is a directory.
    Missing,
    /// Its parent does not exist or is not a directory.
    NoParent,
}

/// Where the copy goes: into the destination directory itself, or into its parent
/// under the destination's name; `top` is the name the source gets there (`None`: the
/// source directory's content goes straight in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub into_parent: bool,
    pub top: Option<OsString>,
}

/// podman's table: a file onto a file replaces it, into a directory lands under its
/// own name; a directory into a missing path creates it, into a directory lands inside
/// (or spills its content with `dir/.`), onto a file is an error; a missing
/// destination needs its parent, and a file needs a trailing-`/` destination to exist.
pub fn place(
    kind: Kind,
    src: &Spelling,
    dest: DestState,
    dest_spelling: &Spelling,
) -> Result<Placement, PlaceError> {
    let src_name = || src.name.clone().unwrap_or_else(|| OsStr::new(".").into());
    match dest {
        DestState::NoParent => Err(PlaceError::NotFound),
        DestState::Dir => Ok(Placement {
            into_parent: false,
            top: match (kind, src.contents || src.name.is_none()) {
                (Kind::Dir, true) => None,
                _ => Some(src_name()),
            },
        }),
        DestState::NonDir if dest_spelling.dir_only => Err(PlaceError::NotADirectory),
        DestState::NonDir if kind == Kind::Dir => Err(PlaceError::DirOntoFile),
        DestState::Missing if kind == Kind::NonDir && dest_spelling.dir_only => {
            Err(PlaceError::NotFound)
        }
        DestState::NonDir | DestState::Missing => match &dest_spelling.name {
            Some(name) => Ok(Placement {
                into_parent: true,
                top: Some(name.clone()),
            }),
            // `..` or `/` that is not a directory: nothing sensible to name.
            None => Err(PlaceError::NotFound),
        },
    }
}

/// Why [`place`] refused; the caller words it with the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceError {
    NotFound,
    NotADirectory,
    DirOntoFile,
}

/// Cleans a container path lexically, as podman does: relative to `/`, `.` dropped,
/// `..` never above the root.
pub fn clean_container_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_as_podman_reads_them() {
        assert_eq!(Location::parse("-"), Location::Stream);
        assert_eq!(
            Location::parse("box:/etc/passwd"),
            Location::Container {
                container: "box".into(),
                path: "/etc/passwd".into()
            }
        );
        assert_eq!(
            Location::parse("./a:b"),
            Location::Host("./a:b".into()),
            "a leading ./ is local"
        );
        assert_eq!(Location::parse("/x:y"), Location::Host("/x:y".into()));
        assert_eq!(Location::parse("file"), Location::Host("file".into()));
    }

    #[test]
    fn exactly_one_side_is_a_container() {
        assert!(matches!(
            Direction::of("a", "b"),
            Err(CopyError::NoContainer { .. })
        ));
        assert!(matches!(
            Direction::of("-", "-"),
            Err(CopyError::NoContainer { .. })
        ));
        assert!(matches!(
            Direction::of("c1:/a", "c2:/b"),
            Err(CopyError::BetweenContainers)
        ));
        assert!(matches!(
            Direction::of(":/a", "b"),
            Err(CopyError::EmptyContainer)
        ));
        assert_eq!(
            Direction::of("-", "c:/tmp").unwrap(),
            Direction::In {
                src: None,
                container: "c".into(),
                dest: "/tmp".into()
            }
        );
        assert_eq!(
            Direction::of("c:tmp/x", "out").unwrap(),
            Direction::Out {
                container: "c".into(),
                src: "tmp/x".into(),
                dest: Some("out".into())
            }
        );
    }

    #[test]
    fn spellings() {
        let s = Spelling::of("dir/.");
        assert!(s.contents && s.dir_only);
        assert_eq!(s.name.as_deref(), Some(OsStr::new("dir")));
        let s = Spelling::of("dir/");
        assert!(!s.contents && s.dir_only);
        assert_eq!(s.name.as_deref(), Some(OsStr::new("dir")));
        let s = Spelling::of("a/b");
        assert!(!s.contents && !s.dir_only);
        assert_eq!(s.name.as_deref(), Some(OsStr::new("b")));
        assert!(Spelling::of(".").contents);
        assert_eq!(Spelling::of("/").name, None);
        assert!(!Spelling::of("/").dir_only, "the root is no trailing slash");
        assert_eq!(Spelling::of("a/..").name, None);
    }

    fn p(kind: Kind, src: &str, dest: DestState, d: &str) -> Result<Placement, PlaceError> {
        place(kind, &Spelling::of(src), dest, &Spelling::of(d))
    }

    fn into(top: Option<&str>) -> Result<Placement, PlaceError> {
        Ok(Placement {
            into_parent: false,
            top: top.map(OsString::from),
        })
    }

    fn beside(name: &str) -> Result<Placement, PlaceError> {
        Ok(Placement {
            into_parent: true,
            top: Some(name.into()),
        })
    }

    #[test]
    fn a_file() {
        use DestState::*;
        assert_eq!(p(Kind::NonDir, "/a/f", Missing, "/x/g"), beside("g"));
        assert_eq!(
            p(Kind::NonDir, "/a/f", Missing, "/x/g/"),
            Err(PlaceError::NotFound),
            "a missing dir/ destination must exist for a file"
        );
        assert_eq!(p(Kind::NonDir, "/a/f", NonDir, "/x/g"), beside("g"));
        assert_eq!(
            p(Kind::NonDir, "/a/f", NonDir, "/x/g/"),
            Err(PlaceError::NotADirectory)
        );
        assert_eq!(p(Kind::NonDir, "/a/f", Dir, "/x"), into(Some("f")));
        assert_eq!(
            p(Kind::NonDir, "/a/f", NoParent, "/nope/g"),
            Err(PlaceError::NotFound)
        );
    }

    #[test]
    fn a_directory() {
        use DestState::*;
        assert_eq!(p(Kind::Dir, "/a/d", Missing, "/x/e"), beside("e"));
        assert_eq!(p(Kind::Dir, "/a/d", Missing, "/x/e/"), beside("e"));
        assert_eq!(p(Kind::Dir, "/a/d/.", Missing, "/x/e"), beside("e"));
        assert_eq!(p(Kind::Dir, "/a/d", Dir, "/x"), into(Some("d")));
        assert_eq!(p(Kind::Dir, "/a/d/", Dir, "/x"), into(Some("d")));
        assert_eq!(p(Kind::Dir, "/a/d/.", Dir, "/x"), into(None));
        assert_eq!(p(Kind::Dir, "/", Dir, "/x"), into(None));
        assert_eq!(
            p(Kind::Dir, "/a/d", NonDir, "/x/f"),
            Err(PlaceError::DirOntoFile)
        );
    }

    #[test]
    fn container_paths_stay_under_the_root() {
        assert_eq!(
            clean_container_path(Path::new("/../../etc/./x")),
            Path::new("etc/x")
        );
        assert_eq!(
            clean_container_path(Path::new("tmp/a/../b")),
            Path::new("tmp/b")
        );
        assert_eq!(clean_container_path(Path::new("/")), Path::new(""));
    }
}
