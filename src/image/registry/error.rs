//! What can go wrong talking to a registry, each as one line a user can act on,
//! and the registry's own reason read from an error body.

use std::io::{self, Read};

use serde::Deserialize;
use thiserror::Error;
use ureq::http::Response;
use ureq::Body;

use crate::base::digest::DigestError;

/// Error bodies are read for their message only.
const MAX_ERROR_BODY: u64 = 64 << 10;

#[derive(Debug, Error)]
pub enum RegistryError {
    #[error("{reference} not found: {reason}")]
    NotFound { reference: String, reason: String },
    #[error("registry {registry} denied access to {what}: {reason}; {hint}")]
    Unauthorized {
        registry: String,
        what: String,
        reason: String,
        hint: &'static str,
    },
    #[error("cannot reach registry {registry}: {reason} — is it running?")]
    Unreachable { registry: String, reason: String },
    #[error("timed out {what} registry {registry}: {reason}")]
    Timeout {
        registry: String,
        what: String,
        reason: String,
    },
    #[error(
        "TLS with registry {registry} failed: {reason}; if it uses its own CA, put the CA \
         certificate in ~/.config/containers/certs.d/{registry}/ca.crt, or pass --tls-verify=false \
         for a registry you trust"
    )]
    Tls { registry: String, reason: String },
    #[error("registry {registry} answered HTTP {status} to {what}: {reason}")]
    Status {
        registry: String,
        what: String,
        status: u16,
        reason: String,
    },
    #[error("{what} from registry {registry} does not match its digest: {error}")]
    Digest {
        registry: String,
        what: String,
        error: DigestError,
    },
    #[error("{what} from registry {registry} is larger than the {limit}-byte limit")]
    TooLarge {
        registry: String,
        what: String,
        limit: u64,
    },
    #[error("reading {what} from registry {registry}: {error}")]
    Io {
        registry: String,
        what: String,
        error: io::Error,
    },
    #[error("registry {registry}: {message}")]
    Protocol { registry: String, message: String },
}

/// The registry's own words from an error body (`{"errors": [{"message": …}]}`),
/// else a short excerpt of the body, else the status text.
pub(super) fn error_reason(resp: Response<Body>) -> String {
    let status = resp.status();
    let mut body = Vec::new();
    // A body that cannot be read just leaves the status text.
    let _ = resp
        .into_body()
        .into_reader()
        .take(MAX_ERROR_BODY)
        .read_to_end(&mut body);
    reason_from_body(&body).unwrap_or_else(|| {
        status
            .canonical_reason()
            .unwrap_or("unexpected status")
            .to_ascii_lowercase()
    })
}

pub(super) fn reason_from_body(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Errors {
        errors: Vec<ErrorEntry>,
    }
    #[derive(Deserialize)]
    struct ErrorEntry {
        code: Option<String>,
        message: Option<String>,
    }
    if let Ok(e) = serde_json::from_slice::<Errors>(body) {
        let parts: Vec<String> = e
            .errors
            .into_iter()
            .filter_map(|x| x.message.filter(|m| !m.is_empty()).or(x.code))
            .collect();
        if !parts.is_empty() {
            return Some(parts.join("; "));
        }
    }
    let text = String::from_utf8_lossy(body);
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() || line.starts_with('<') {
        return None;
    }
    Some(line.chars().take(200).collect())
}
