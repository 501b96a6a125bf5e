//! The optional `rpod.toml`: defaults that commands fall back to.
//!
//! Looked up at `$RPOD_CONFIG` (which must exist when set), else
//! `<config dir>/rpod.toml`. Unknown keys are errors, so a typo is reported with
//! its file and line instead of being silently ignored.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error(
        "config file {path} does not exist (set by $RPOD_CONFIG): create it or unset the variable"
    )]
    Missing { path: PathBuf },
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("config file {path} line {line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Which root filesystem driver to use; `auto` picks the best that works.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageDriver {
    #[default]
    Auto,
    Overlay,
    Fuse,
    Copy,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    pub driver: StorageDriver,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
    /// `private`, `none` or `host`.
    pub default_network: String,
    /// Resolvers the container's DNS forwarder uses instead of the host's `/etc/resolv.conf`.
    pub dns_servers: Vec<String>,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            default_network: "private".into(),
            dns_servers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegistriesConfig {
    /// Layers fetched at once during a pull.
    pub max_parallel_downloads: usize,
    /// Replaces the `registries.conf` search path when non-empty.
    pub registries_conf: Option<PathBuf>,
}

impl Default for RegistriesConfig {
    fn default() -> Self {
        RegistriesConfig {
            max_parallel_downloads: 6,
            registries_conf: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub storage: StorageConfig,
    pub network: NetworkConfig,
    pub registries: RegistriesConfig,
    /// Where the config came from, if a file was read.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

impl Config {
    /// Loads `$RPOD_CONFIG` or `<config_dir>/rpod.toml`; absent default file means defaults.
    pub fn load(config_dir: &Path) -> Result<Config, ConfigError> {
        match std::env::var_os("RPOD_CONFIG").filter(|v| !v.is_empty()) {
            Some(explicit) => {
                let path = PathBuf::from(explicit);
                if !path.exists() {
                    return Err(ConfigError::Missing { path });
                }
                Config::from_file(&path)
            }
            None => {
                let path = config_dir.join("rpod.toml");
                if path.exists() {
                    Config::from_file(&path)
                } else {
                    Ok(Config::default())
                }
            }
        }
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Config::parse(&text).map_err(|(line, message)| ConfigError::Parse {
            path: path.to_path_buf(),
            line,
            message,
        })?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses TOML text; on failure returns the 1-based line and the parser's message.
    pub fn parse(text: &str) -> Result<Config, (usize, String)> {
        toml::from_str::<Config>(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(1);
            (line, e.message().trim().to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_default() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn values_read() {
        let c = Config::parse(
            "[storage]\ndriver = \"fuse\"\n[network]\ndns_servers = [\"127.0.0.53\"]\n[registries]\nmax_parallel_downloads = 2\n",
        )
        .unwrap();
        assert_eq!(c.storage.driver, StorageDriver::Fuse);
        assert_eq!(c.network.dns_servers, vec!["127.0.0.53".to_string()]);
        assert_eq!(c.network.default_network, "private");
        assert_eq!(c.registries.max_parallel_downloads, 2);
    }

    #[test]
    fn unknown_key_names_its_line() {
        let (line, msg) = Config::parse("[storage]\n\ndrivr = \"overlay\"\n").unwrap_err();
        assert_eq!(line, 3);
        assert!(msg.contains("drivr"), "{msg}");
    }

    #[test]
    fn syntax_error_names_its_line() {
        let (line, _) = Config::parse("[network]\ndefault_network = \n").unwrap_err();
        assert_eq!(line, 2);
    }

    #[test]
    fn bad_driver_rejected() {
        assert!(Config::parse("[storage]\ndriver = \"zfs\"\n").is_err());
    }
}
