//! Talking to registries: `registries.conf`, credentials, and the HTTP client for
//! the OCI distribution API.

pub mod auth;
pub mod authfile;
pub mod client;
pub mod conf;
pub mod error;
pub mod login;
mod tls;

pub use auth::{AuthEnv, AuthFiles, Credentials};
pub use client::{Blob, Client, ClientOptions, FetchedManifest};
pub use conf::{Endpoint, RegistriesConf};
pub use error::RegistryError;
