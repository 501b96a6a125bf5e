//! TLS trust for registries: the system CA bundle plus per-registry `certs.d`
//! directories (`HOST[:PORT]/*.crt` CAs, `*.cert` + `*.key` client certificates),
//! and which hosts count as loopback.

use std::fs;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};

use super::error::RegistryError;

/// `localhost`, 127.0.0.0/8 and ::1, with or without a port.
pub(super) fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    name == "localhost" || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// System CA bundle, read once per process.
fn system_roots() -> &'static [Certificate<'static>] {
    static ROOTS: OnceLock<Vec<Certificate<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let env = std::env::var_os("SSL_CERT_FILE").map(PathBuf::from);
        let known = [
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/ca-bundle.pem",
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
            "/etc/ssl/cert.pem",
        ];
        env.into_iter()
            .chain(known.iter().map(PathBuf::from))
            .find_map(|p| {
                let certs = parse_certs(&fs::read(&p).ok()?);
                (!certs.is_empty()).then_some(certs)
            })
            .unwrap_or_default()
    })
}

fn parse_certs(pem: &[u8]) -> Vec<Certificate<'static>> {
    ureq::tls::parse_pem(pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect()
}

/// TLS settings for one registry: system roots plus its `certs.d` CAs, and a client
/// certificate if one is there.
pub(super) fn tls_config(
    registry: &str,
    host: &str,
    insecure: bool,
    cert_dirs: &[PathBuf],
) -> Result<TlsConfig, RegistryError> {
    let tls_error = |reason: String| RegistryError::Tls {
        registry: registry.to_string(),
        reason,
    };
    let mut extra = Vec::new();
    let mut client_cert = None;
    let names: Vec<&str> = if registry == host {
        vec![registry]
    } else {
        vec![registry, host]
    };
    for dir in cert_dirs {
        for name in &names {
            let d = dir.join(name);
            let Ok(entries) = fs::read_dir(&d) else {
                continue;
            };
            let mut files: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            files.sort();
            for f in &files {
                let ext = f.extension().and_then(|x| x.to_str()).unwrap_or_default();
                match ext {
                    "crt" => {
                        let pem = fs::read(f)
                            .map_err(|e| tls_error(format!("cannot read {}: {e}", f.display())))?;
                        let certs = parse_certs(&pem);
                        if certs.is_empty() {
                            return Err(tls_error(format!(
                                "{} holds no PEM certificate",
                                f.display()
                            )));
                        }
                        extra.extend(certs);
                    }
                    "cert" if client_cert.is_none() => {
                        let key_path = f.with_extension("key");
                        let cert_pem = fs::read(f)
                            .map_err(|e| tls_error(format!("cannot read {}: {e}", f.display())))?;
                        let key_pem = fs::read(&key_path).map_err(|e| {
                            tls_error(format!(
                                "client certificate {} needs its key {}: {e}",
                                f.display(),
                                key_path.display()
                            ))
                        })?;
                        let key = PrivateKey::from_pem(&key_pem)
                            .map_err(|e| tls_error(format!("{}: {e}", key_path.display())))?;
                        client_cert =
                            Some(ClientCert::new_with_certs(&parse_certs(&cert_pem), key));
                    }
                    _ => {}
                }
            }
        }
    }
    let system = system_roots();
    let roots = if system.is_empty() && extra.is_empty() {
        RootCerts::WebPki
    } else {
        RootCerts::new_with_certs(&system.iter().cloned().chain(extra).collect::<Vec<_>>())
    };
    Ok(TlsConfig::builder()
        .root_certs(roots)
        .client_cert(client_cert)
        .disable_verification(insecure)
        .build())
}
