//! `login`'s side of the registry: which registry a login is for, whether credentials
//! are accepted there, and storing them in podman's auth.json.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::auth::{AuthEnv, AuthError, Credentials};
use super::authfile::{self, AuthFileError};
use super::client::{Client, ClientOptions};
use super::conf::{ConfError, RegistriesConf};
use super::error::RegistryError;
use crate::base::paths::Paths;
use crate::image::reference::Reference;

#[derive(Debug, Error)]
pub enum LoginError {
    #[error(transparent)]
    Key(#[from] AuthFileError),
    #[error(transparent)]
    Conf(#[from] ConfError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Client(#[from] RegistryError),
    #[error("no registry given and registries.conf lists no search registries: name one")]
    NoRegistry,
    #[error("invalid registry {host:?}: {reason}")]
    BadRegistry { host: String, reason: String },
    /// The registry's answer is in the message, not a cause: it was always shown so.
    #[error("logging in to {key:?}: {reason}")]
    Check { key: String, reason: String },
    #[error("logging in to {key:?}: invalid username/password")]
    Unauthorized { key: String },
}

/// A registry to log in to or out of, as its auth.json key.
pub struct LoginTarget {
    /// `HOST[:PORT][/NAMESPACE…]`.
    pub key: String,
    config_home: PathBuf,
    registries_conf: Option<PathBuf>,
}

impl LoginTarget {
    /// The registry given, or the first `unqualified-search-registries` entry.
    pub fn resolve(
        paths: &Paths,
        registries_conf: Option<&Path>,
        given: Option<&str>,
    ) -> Result<LoginTarget, LoginError> {
        let config_home = paths.config_home();
        let key = match given {
            Some(r) => authfile::normalize_key(r)?,
            None => {
                let conf = RegistriesConf::load(&config_home, registries_conf)?;
                let first = conf
                    .unqualified_search_registries
                    .first()
                    .ok_or(LoginError::NoRegistry)?;
                authfile::normalize_key(first)?
            }
        };
        Ok(LoginTarget {
            key,
            config_home,
            registries_conf: registries_conf.map(Path::to_path_buf),
        })
    }

    pub fn host(&self) -> &str {
        authfile::key_host(&self.key)
    }

    /// The credentials already stored for this registry, if any.
    pub fn stored(&self, env: &AuthEnv) -> Result<Credentials, LoginError> {
        Ok(authfile::stored_credentials(env, &self.key)?)
    }

    /// Whether the registry accepts `creds` (`Ok(false)`: it said they are wrong).
    pub fn accepts(
        &self,
        creds: Credentials,
        tls_verify: Option<bool>,
    ) -> Result<bool, LoginError> {
        let host = self.host();
        let conf = RegistriesConf::load(&self.config_home, self.registries_conf.as_deref())?;
        let probe =
            Reference::parse(&format!("{host}/probe")).map_err(|e| LoginError::BadRegistry {
                host: host.to_string(),
                reason: e.to_string(),
            })?;
        let insecure = conf.find_registry(&probe).is_some_and(|(r, _)| r.insecure);
        let mut opts = ClientOptions::new(&self.config_home);
        opts.tls_verify = tls_verify;
        let client = Client::new(host, insecure, creds, &opts)?;
        match client.check_login() {
            Ok(_) => Ok(true),
            Err(RegistryError::Unauthorized { .. }) => Ok(false),
            Err(e) => Err(LoginError::Check {
                key: self.key.clone(),
                reason: e.to_string(),
            }),
        }
    }

    /// Checks the credentials with the registry, then stores them in the auth file
    /// rpod writes.
    pub fn log_in(
        &self,
        env: &AuthEnv,
        username: &str,
        password: &str,
        tls_verify: Option<bool>,
    ) -> Result<(), LoginError> {
        let creds = Credentials::Basic {
            username: username.to_string(),
            password: password.to_string(),
        };
        if !self.accepts(creds, tls_verify)? {
            return Err(LoginError::Unauthorized {
                key: self.key.clone(),
            });
        }
        authfile::store(&authfile::write_path(env), &self.key, username, password)?;
        Ok(())
    }
}
