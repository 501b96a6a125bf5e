//! The one way to get an image for use: from the store, or pulled as the pull policy
//! says. `run`/`create` and build's `FROM` both go through [`ensure`].

use std::path::PathBuf;

use thiserror::Error;

use super::manifest::{ManifestError, Platform};
use super::pull::{pull, PullOptions};
use super::registry::auth::AuthError;
use super::registry::Credentials;
use crate::base::paths::Paths;
use crate::store::images::{ImageRecord, LookupError};
use crate::store::{Store, StoreError};
use crate::userns::{self, IdMap};

/// When to pull the image before using it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PullPolicy {
    /// Pull only when the image is not in the store
    #[default]
    Missing,
    /// Always pull
    Always,
    /// Never pull; fail when the image is not in the store
    Never,
    /// Pull when the registry has a newer image
    Newer,
}

impl PullPolicy {
    /// build's `--pull` values, which also take booleans (`true` is `always`).
    pub fn parse(s: &str) -> Result<PullPolicy, String> {
        match s.to_ascii_lowercase().as_str() {
            "always" | "true" => Ok(PullPolicy::Always),
            "missing" | "false" | "ifmissing" => Ok(PullPolicy::Missing),
            "never" => Ok(PullPolicy::Never),
            _ => Err(format!(
                "invalid pull policy {s:?}: use always, missing, never, true or false"
            )),
        }
    }
}

/// How to pull, as given on the command line: parsed only when a pull happens, so a
/// flag that is never needed cannot fail the command.
#[derive(Debug, Clone, Default)]
pub struct PullFlags {
    /// `--platform OS/ARCH[/VARIANT]`.
    pub platform: Option<String>,
    /// `--arch`, `--os`, `--variant` (when `--platform` is absent).
    pub arch: Option<String>,
    pub os: Option<String>,
    pub variant: Option<String>,
    pub tls_verify: Option<bool>,
    /// `--creds USER:PASSWORD`.
    pub creds: Option<String>,
    pub authfile: Option<PathBuf>,
    pub quiet: bool,
    /// Layers downloaded at once.
    pub parallel: usize,
    pub registries_conf: Option<PathBuf>,
}

impl PullFlags {
    /// The platform asked for; the host's when none is.
    pub fn platform(&self) -> Result<Platform, ManifestError> {
        if let Some(p) = &self.platform {
            return Platform::parse(p);
        }
        let mut platform = match &self.arch {
            Some(arch) => Platform::host_with_arch(arch),
            None => Platform::host(),
        };
        if let Some(os) = &self.os {
            platform.os = os.clone();
        }
        if let Some(v) = &self.variant {
            platform.variant = Some(v.clone());
        }
        Ok(platform)
    }

    pub fn options(&self) -> Result<PullOptions, EnsureError> {
        Ok(PullOptions {
            platform: self.platform()?,
            tls_verify: self.tls_verify,
            creds: self
                .creds
                .as_deref()
                .map(Credentials::parse_creds)
                .transpose()?,
            authfile: self.authfile.clone(),
            quiet: self.quiet,
            parallel: self.parallel,
            registries_conf: self.registries_conf.clone(),
        })
    }
}

#[derive(Debug, Error)]
pub enum EnsureError {
    /// `--pull=never` and the store does not have it; callers word it for their verb.
    #[error("{name}: image not known, and --pull=never forbids pulling it: pull it first (rpod pull {name})")]
    NeverPull { name: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Platform(#[from] ManifestError),
    #[error(transparent)]
    Creds(#[from] AuthError),
    /// The pull itself failed.
    #[error(transparent)]
    Pull(anyhow::Error),
}

/// Image `name` from `store`, pulled first when `policy` says so (`Always` and
/// `Newer` pull every time; the registry answers cheaply when nothing changed).
/// `options` is asked for only when a pull happens. Pulls run as root of the user
/// namespace `map`, which owns the store's files.
pub fn ensure(
    paths: &Paths,
    store: &Store,
    name: &str,
    policy: PullPolicy,
    map: &IdMap,
    options: impl FnOnce() -> Result<PullOptions, EnsureError>,
) -> Result<ImageRecord, EnsureError> {
    let local = match store.read()?.lookup(name) {
        Ok(record) => Some(record),
        Err(StoreError::Lookup(LookupError::NotFound(_))) => None,
        Err(e) => return Err(e.into()),
    };
    let must_pull = match (policy, &local) {
        (PullPolicy::Always | PullPolicy::Newer, _) => true,
        (PullPolicy::Missing, None) => true,
        (PullPolicy::Missing, Some(_)) => false,
        (PullPolicy::Never, None) => {
            return Err(EnsureError::NeverPull {
                name: name.to_string(),
            })
        }
        (PullPolicy::Never, Some(_)) => false,
    };
    match local {
        Some(record) if !must_pull => Ok(record),
        _ => {
            let opts = options()?;
            userns::as_root(map, || pull(paths, store, name, &opts)).map_err(EnsureError::Pull)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_policies_take_booleans() {
        assert_eq!(PullPolicy::parse("true"), Ok(PullPolicy::Always));
        assert_eq!(PullPolicy::parse("Always"), Ok(PullPolicy::Always));
        assert_eq!(PullPolicy::parse("false"), Ok(PullPolicy::Missing));
        assert_eq!(PullPolicy::parse("never"), Ok(PullPolicy::Never));
        assert!(PullPolicy::parse("sometimes").is_err());
        assert!(PullPolicy::parse("newer").is_err());
    }

    #[test]
    fn flags_parse_only_what_they_hold() {
        let flags = PullFlags {
            arch: Some("ARM64".into()),
            os: Some("freebsd".into()),
            ..Default::default()
        };
        let p = flags.platform().unwrap();
        assert_eq!(
            (p.os.as_str(), p.architecture.as_str()),
            ("freebsd", "arm64")
        );
        let bad = PullFlags {
            platform: Some("nope".into()),
            ..Default::default()
        };
        assert!(bad.options().is_err());
        let creds = PullFlags {
            creds: Some("nocolon".into()),
            ..Default::default()
        };
        assert!(matches!(creds.options(), Err(EnsureError::Creds(_))));
    }

    #[test]
    fn pull_options_are_asked_for_only_when_pulling() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            root: dir.path().into(),
            runroot: dir.path().join("run"),
            config_dir: "/nonexistent".into(),
            home: "/nonexistent".into(),
            uid: 1,
            gid: 1,
            rootless: true,
        };
        let store = Store::open_dir(
            &dir.path().join("storage"),
            std::sync::Arc::new(crate::base::remove::DirectRemover),
        )
        .unwrap();
        let map = IdMap::for_current_user();
        let never = ensure(&paths, &store, "absent", PullPolicy::Never, &map, || {
            panic!("--pull=never must not prepare a pull")
        });
        let e = never.unwrap_err();
        assert!(matches!(e, EnsureError::NeverPull { .. }), "{e}");
        assert!(e.to_string().contains("--pull=never"), "{e}");
        // A missing image is pulled: the options are asked for, and their failure is
        // the answer.
        let missing = ensure(&paths, &store, "absent", PullPolicy::Missing, &map, || {
            PullFlags {
                creds: Some("nocolon".into()),
                ..Default::default()
            }
            .options()
        });
        assert!(matches!(missing, Err(EnsureError::Creds(_))));
    }
}
