//! A blocking client for the OCI distribution API (`/v2/`), on `ureq`.
//!
//! One [`Client`] talks to one registry host. On first use it pings `/v2/` to learn
//! the scheme and the auth challenge; bearer tokens are then fetched once per scope
//! and kept for the client's life. Plain HTTP is used only for loopback hosts,
//! registries marked insecure, or with `tls_verify` off — and then only after HTTPS
//! failed, as podman does. Transient failures (connection errors, timeouts, 5xx,
//! 429) are retried with exponential backoff; blob downloads resume with `Range`
//! when the connection drops. Nothing is trusted by digest here except what is
//! verified: manifests fetched by digest and [`Client::get_blob_bytes`]; streamed
//! blobs are for the caller to wrap in a `VerifyingReader`.

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Deserialize;
use ureq::http::Response;
use ureq::{Body, BodyReader};

use super::auth::{parse_www_authenticate, Challenge, Credentials};
use super::conf::Endpoint;
use super::error::{error_reason, RegistryError};
use super::tls::{is_loopback, tls_config};
use crate::base::digest::Digest;
use crate::image::manifest::{MANIFEST_ACCEPT, MAX_MANIFEST_SIZE};

/// How the client behaves; [`ClientOptions::new`] has podman's defaults.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// `--tls-verify`: `Some(false)` skips TLS verification and allows plain HTTP
    /// for every registry; `Some(true)` insists on verified HTTPS even for
    /// registries marked insecure and loopback ones; `None` decides per registry.
    pub tls_verify: Option<bool>,
    /// `certs.d` directories searched for `HOST[:PORT]/*.crt` (extra CAs) and
    /// `*.cert` + `*.key` (a client certificate).
    pub cert_dirs: Vec<PathBuf>,
    pub user_agent: String,
    /// Attempts per request, counting the first.
    pub tries: u32,
    /// Wait before the first retry; doubled each time.
    pub backoff: Duration,
    pub connect_timeout: Duration,
    /// Longest silence while waiting for a response or reading a body.
    pub read_timeout: Duration,
    /// How often a blob download may resume after its connection fails.
    pub blob_resumes: u32,
}

impl ClientOptions {
    /// Defaults, with the user's `certs.d` under `config_home` (`$XDG_CONFIG_HOME`).
    pub fn new(config_home: &Path) -> ClientOptions {
        let mut o = ClientOptions::default();
        o.cert_dirs
            .insert(0, config_home.join("containers/certs.d"));
        o
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            tls_verify: None,
            cert_dirs: vec![
                PathBuf::from("/etc/containers/certs.d"),
                PathBuf::from("/etc/docker/certs.d"),
            ],
            user_agent: format!("rpod/{}", env!("CARGO_PKG_VERSION")),
            tries: 3,
            backoff: Duration::from_millis(200),
            connect_timeout: Duration::from_secs(15),
            read_timeout: Duration::from_secs(60),
            blob_resumes: 3,
        }
    }
}

/// A manifest as served, with the digest of its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedManifest {
    pub bytes: Vec<u8>,
    /// The `Content-Type` the registry sent (may be generic; `Manifest::parse` copes).
    pub media_type: String,
    /// Computed from `bytes`, never taken from the registry.
    pub digest: Digest,
    /// What the registry claimed in `Docker-Content-Digest`, for diagnostics.
    pub header_digest: Option<String>,
}

/// A client for one registry host; cheap to clone and safe to share across threads.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    /// As written in references (`docker.io`), for messages and cert dirs.
    registry: String,
    /// Where to connect (`registry-1.docker.io` for `docker.io`).
    host: String,
    /// Plain HTTP allowed after HTTPS fails, and TLS not verified.
    insecure: bool,
    loopback: bool,
    credentials: Credentials,
    options: ClientOptions,
    agent: ureq::Agent,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// `https://host` or `http://host`, once the ping found which works.
    base: Option<String>,
    challenge: Option<Challenge>,
    tokens: HashMap<String, Token>,
}

#[derive(Clone)]
struct Token {
    value: String,
    expires: Instant,
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Head,
}

const HINT_LOGIN: &str = "if the image is private, log in with `rpod login` or pass --creds";
const HINT_CREDS: &str = "check the username and password (`rpod login` or --creds)";
const MAX_TOKEN_BODY: u64 = 1 << 20;
/// An HTTPS probe of a loopback registry that speaks plain HTTP fails in
/// milliseconds; one that hangs is not worth waiting for.
const LOOPBACK_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

impl Client {
    /// A client for `registry` (as written in references: `docker.io`,
    /// `127.0.0.1:5000`). `insecure` comes from `registries.conf`.
    pub fn new(
        registry: &str,
        insecure: bool,
        credentials: Credentials,
        options: &ClientOptions,
    ) -> Result<Client, RegistryError> {
        let host = if registry == "docker.io" {
            "registry-1.docker.io".to_string()
        } else {
            registry.to_string()
        };
        let loopback = is_loopback(&host);
        let insecure = match options.tls_verify {
            Some(verify) => !verify,
            // Docker treats loopback registries as insecure; so does rpod.
            None => insecure || loopback,
        };
        let tls = tls_config(registry, &host, insecure, &options.cert_dirs)?;
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(options.connect_timeout))
            .timeout_recv_response(Some(options.read_timeout))
            .timeout_per_read(Some(options.read_timeout))
            .user_agent(options.user_agent.as_str())
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::SameHost)
            .max_idle_connections_per_host(16)
            .tls_config(tls);
        if loopback {
            // As Go's HTTP client does: a proxy from the environment never
            // applies to loopback.
            config = config.proxy(None);
        }
        let config = config.build();
        Ok(Client {
            inner: Arc::new(Inner {
                registry: registry.to_string(),
                host,
                insecure,
                loopback,
                credentials,
                options: options.clone(),
                agent: config.into(),
                state: Mutex::new(State::default()),
            }),
        })
    }

    /// A client for one of the places `registries.conf` says to pull from.
    pub fn for_endpoint(
        endpoint: &Endpoint,
        credentials: Credentials,
        options: &ClientOptions,
    ) -> Result<Client, RegistryError> {
        Client::new(
            &endpoint.reference.registry,
            endpoint.insecure,
            credentials,
            options,
        )
    }

    pub fn registry(&self) -> &str {
        &self.inner.registry
    }

    /// Pings `/v2/` if not done yet and returns the base URL in use
    /// (`https://host` or `http://host`).
    pub fn ping(&self) -> Result<String, RegistryError> {
        self.base()
    }

    /// Fetches a manifest by tag or digest (`reference` is `latest` or `sha256:…`).
    /// A manifest asked for by digest is checked against it.
    pub fn get_manifest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<FetchedManifest, RegistryError> {
        let sep = if reference.contains(':') { '@' } else { ':' };
        let what = format!("{}/{repository}{sep}{reference}", self.inner.registry);
        let path = format!("/v2/{repository}/manifests/{reference}");
        let mut resp = self.request(
            Method::Get,
            &path,
            Some(repository),
            Some(MANIFEST_ACCEPT),
            None,
            &what,
        )?;
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(self.status_error(resp, &format!("manifest {what}"), &what));
        }
        let media_type = header(&resp, "content-type").unwrap_or_default();
        let header_digest = header(&resp, "docker-content-digest");
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(MAX_MANIFEST_SIZE)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => RegistryError::TooLarge {
                    registry: self.inner.registry.clone(),
                    what: format!("manifest {what}"),
                    limit: MAX_MANIFEST_SIZE,
                },
                other => self.transport_error(&format!("reading manifest {what} from"), other),
            })?;
        let digest = Digest::of(&bytes);
        if let Ok(wanted) = reference.parse::<Digest>() {
            wanted
                .verify(&bytes)
                .map_err(|error| RegistryError::Digest {
                    registry: self.inner.registry.clone(),
                    what: format!("manifest {what}"),
                    error,
                })?;
        }
        if let Some(h) = &header_digest {
            if *h != digest.to_string() {
                log::debug!("{what}: registry says {h}, the bytes hash to {digest}");
            }
        }
        Ok(FetchedManifest {
            bytes,
            media_type,
            digest,
            header_digest,
        })
    }

    /// Opens a blob for streaming (redirects are followed). The caller verifies it,
    /// e.g. through `VerifyingReader`.
    pub fn get_blob(&self, repository: &str, digest: &Digest) -> Result<Blob, RegistryError> {
        let what = format!("blob {digest} in {}/{repository}", self.inner.registry);
        let path = format!("/v2/{repository}/blobs/{digest}");
        let resp = self.request(Method::Get, &path, Some(repository), None, None, &what)?;
        if resp.status().as_u16() != 200 {
            return Err(self.status_error(resp, &what, &what));
        }
        let size = content_length(&resp);
        Ok(Blob {
            client: self.clone(),
            repository: repository.to_string(),
            digest: digest.clone(),
            body: resp.into_body().into_reader(),
            offset: 0,
            size,
            resumes_left: self.inner.options.blob_resumes,
        })
    }

    /// Reads a small blob (an image config) into memory, verified against `digest`.
    pub fn get_blob_bytes(
        &self,
        repository: &str,
        digest: &Digest,
        max: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        let what = format!("blob {digest}");
        let too_large = || RegistryError::TooLarge {
            registry: self.inner.registry.clone(),
            what: what.clone(),
            limit: max,
        };
        let blob = self.get_blob(repository, digest)?;
        if blob.size().is_some_and(|s| s > max) {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        blob.take(max.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|error| RegistryError::Io {
                registry: self.inner.registry.clone(),
                what: what.clone(),
                error,
            })?;
        if bytes.len() as u64 > max {
            return Err(too_large());
        }
        digest
            .verify(&bytes)
            .map_err(|error| RegistryError::Digest {
                registry: self.inner.registry.clone(),
                what: what.clone(),
                error,
            })?;
        Ok(bytes)
    }

    /// Whether the registry has the blob (`HEAD`).
    pub fn blob_exists(&self, repository: &str, digest: &Digest) -> Result<bool, RegistryError> {
        let what = format!("blob {digest} in {}/{repository}", self.inner.registry);
        let path = format!("/v2/{repository}/blobs/{digest}");
        let resp = self.request(Method::Head, &path, Some(repository), None, None, &what)?;
        match resp.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(self.status_error(resp, &what, &what)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a cache: a panic elsewhere leaves nothing half-written in it.
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The base URL, pinging first if needed. The lock is held meanwhile so that
    /// parallel first requests ping once.
    fn base(&self) -> Result<String, RegistryError> {
        let mut state = self.lock();
        if let Some(b) = &state.base {
            return Ok(b.clone());
        }
        let https = format!("https://{}", self.inner.host);
        let (base, resp) = if !self.inner.insecure {
            let resp = self.send_with_retries("pinging", || {
                self.inner.agent.get(format!("{https}/v2/")).call()
            })?;
            (https, resp)
        } else {
            let mut req = self.inner.agent.get(format!("{https}/v2/"));
            if self.inner.loopback {
                req = req
                    .config()
                    .timeout_global(Some(LOOPBACK_PROBE_TIMEOUT))
                    .build();
            }
            match req.call() {
                Ok(resp) => (https, resp),
                Err(https_err) => {
                    log::debug!("{https}: {https_err}; trying plain HTTP");
                    let https_err = self.transport_error("pinging", https_err);
                    let http = format!("http://{}", self.inner.host);
                    match self.send_with_retries("pinging", || {
                        self.inner.agent.get(format!("{http}/v2/")).call()
                    }) {
                        Ok(resp) => (http, resp),
                        // Refused over HTTP too: what HTTPS said is more telling,
                        // unless it was refused as well.
                        Err(e @ RegistryError::Unreachable { .. })
                            if !matches!(https_err, RegistryError::Unreachable { .. }) =>
                        {
                            log::debug!("plain HTTP: {e}");
                            return Err(https_err);
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        };
        let status = resp.status().as_u16();
        if retryable_status(status) {
            return Err(self.status_error(resp, "the ping (/v2/)", "/v2/"));
        }
        if status == 401 {
            state.challenge = pick_challenge(&resp);
        }
        log::debug!("registry {} at {base}", self.inner.registry);
        state.base = Some(base.clone());
        Ok(base)
    }

    /// After a 401: whether its challenge is worth one retry with fresh auth
    /// (a token, or credentials we have); the challenge is kept for
    /// [`Self::authorization`].
    pub(super) fn take_challenge(&self, resp: &Response<Body>) -> bool {
        let Some(challenge) = pick_challenge(resp) else {
            return false;
        };
        let usable = match &challenge {
            Challenge::Bearer { .. } => true,
            Challenge::Basic { .. } => !self.inner.credentials.is_anonymous(),
        };
        if usable {
            self.lock().challenge = Some(challenge);
        }
        usable
    }

    /// Sends a request with auth, retrying once with a fresh token or the
    /// credentials when the registry answers 401.
    fn request(
        &self,
        method: Method,
        path: &str,
        repository: Option<&str>,
        accept: Option<&str>,
        range_from: Option<u64>,
        what: &str,
    ) -> Result<Response<Body>, RegistryError> {
        let base = self.base()?;
        let url = format!("{base}{path}");
        let scope = repository.map(|r| format!("repository:{r}:pull"));
        let mut renewed = false;
        loop {
            let auth = self.authorization(scope.as_deref(), renewed)?;
            let resp = self.send_with_retries(&format!("fetching {what} from"), || {
                let mut req = match method {
                    Method::Get => self.inner.agent.get(&url),
                    Method::Head => self.inner.agent.head(&url),
                };
                if let Some(a) = accept {
                    req = req.header("Accept", a);
                }
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                if let Some(from) = range_from {
                    req = req.header("Range", format!("bytes={from}-"));
                }
                req.call()
            })?;
            if resp.status().as_u16() == 401 && !renewed && self.take_challenge(&resp) {
                renewed = true;
                continue;
            }
            return Ok(resp);
        }
    }

    /// The `Authorization` header for `scope`; `renew` skips the token cache and
    /// uses the scope the last challenge asked for.
    fn authorization(
        &self,
        scope: Option<&str>,
        renew: bool,
    ) -> Result<Option<String>, RegistryError> {
        let mut state = self.lock();
        match state.challenge.clone() {
            None => Ok(None),
            Some(Challenge::Basic { .. }) => Ok(self.inner.credentials.basic_header()),
            Some(Challenge::Bearer {
                realm,
                service,
                scope: asked,
                ..
            }) => {
                let scope = if renew {
                    asked.as_deref().or(scope)
                } else {
                    scope
                };
                let key = scope.unwrap_or_default().to_string();
                if !renew {
                    if let Some(t) = state.tokens.get(&key) {
                        if t.expires > Instant::now() {
                            return Ok(Some(format!("Bearer {}", t.value)));
                        }
                    }
                }
                let token = self.fetch_token(&realm, service.as_deref(), scope)?;
                let header = format!("Bearer {}", token.value);
                state.tokens.insert(key, token);
                Ok(Some(header))
            }
        }
    }

    fn fetch_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: Option<&str>,
    ) -> Result<Token, RegistryError> {
        let registry = &self.inner.registry;
        let protocol = |message: String| RegistryError::Protocol {
            registry: registry.clone(),
            message,
        };
        let plain = realm.starts_with("http://");
        if !plain && !realm.starts_with("https://") {
            return Err(protocol(format!(
                "token server {realm:?} is not an http(s) URL"
            )));
        }
        let basic = self.inner.credentials.basic_header();
        if plain && basic.is_some() && !self.inner.insecure {
            return Err(protocol(format!(
                "token server {realm} uses plain HTTP; refusing to send the password over it"
            )));
        }
        let mut url = realm.to_string();
        let mut sep = if url.contains('?') { '&' } else { '?' };
        // Several scopes (a push that mounts from another repository) are
        // space-separated here and one `scope=` parameter each on the wire.
        let scopes = scope.into_iter().flat_map(str::split_whitespace);
        let params = service
            .map(|s| ("service", s))
            .into_iter()
            .chain(scopes.map(|s| ("scope", s)));
        for (k, v) in params {
            url.push(sep);
            url.push_str(k);
            url.push('=');
            url.push_str(&form_encode(v));
            sep = '&';
        }
        let mut resp = self.send_with_retries("getting a token for", || {
            let mut req = self.inner.agent.get(&url);
            if let Some(b) = &basic {
                req = req.header("Authorization", b);
            }
            req.call()
        })?;
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(self.status_error(resp, "a token", "a token"));
        }
        #[derive(Deserialize)]
        struct TokenResponse {
            token: Option<String>,
            access_token: Option<String>,
            expires_in: Option<u64>,
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_TOKEN_BODY)
            .read_to_vec()
            .map_err(|e| self.transport_error("reading a token from", e))?;
        let parsed: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| protocol(format!("token server {realm} sent invalid JSON: {e}")))?;
        let value = parsed
            .token
            .filter(|t| !t.is_empty())
            .or(parsed.access_token.filter(|t| !t.is_empty()))
            .ok_or_else(|| protocol(format!("token server {realm} sent no token")))?;
        // The spec's default lifetime is 60 s; renew a little early.
        let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(60).max(60));
        Ok(Token {
            value,
            expires: Instant::now() + lifetime - Duration::from_secs(10),
        })
    }

    /// Runs `send` until it gives a final answer: transient transport errors and
    /// 5xx/429 answers are retried with exponential backoff.
    fn send_with_retries(
        &self,
        what: &str,
        send: impl Fn() -> Result<Response<Body>, ureq::Error>,
    ) -> Result<Response<Body>, RegistryError> {
        let tries = self.inner.options.tries.max(1);
        let mut delay = self.inner.options.backoff;
        let mut attempt = 1;
        loop {
            let last = attempt >= tries;
            match send() {
                Ok(resp) if !last && retryable_status(resp.status().as_u16()) => {
                    let wait = retry_after(&resp).map_or(delay, |ra| ra.max(delay));
                    log::debug!(
                        "{what} {}: HTTP {}, retrying in {wait:?}",
                        self.inner.registry,
                        resp.status()
                    );
                    std::thread::sleep(wait);
                }
                Ok(resp) => return Ok(resp),
                Err(e) if !last && transient(&e) => {
                    log::debug!("{what} {}: {e}, retrying in {delay:?}", self.inner.registry);
                    std::thread::sleep(delay);
                }
                Err(e) => return Err(self.transport_error(what, e)),
            }
            delay = delay.saturating_mul(2);
            attempt += 1;
        }
    }

    fn transport_error(&self, what: &str, e: ureq::Error) -> RegistryError {
        let registry = self.inner.registry.clone();
        match e {
            ureq::Error::Io(io) => match io.kind() {
                io::ErrorKind::ConnectionRefused => RegistryError::Unreachable {
                    registry,
                    reason: "connection refused".into(),
                },
                io::ErrorKind::TimedOut => RegistryError::Timeout {
                    registry,
                    what: what.to_string(),
                    reason: io.to_string(),
                },
                io::ErrorKind::InvalidData if looks_like_tls(&io.to_string()) => {
                    RegistryError::Tls {
                        registry,
                        reason: io.to_string(),
                    }
                }
                _ => RegistryError::Unreachable {
                    registry,
                    reason: io.to_string(),
                },
            },
            ureq::Error::Timeout(t) => RegistryError::Timeout {
                registry,
                what: what.to_string(),
                reason: format!("no answer within the {t} timeout"),
            },
            ureq::Error::HostNotFound => RegistryError::Unreachable {
                registry,
                reason: format!("host {} not found (DNS)", self.inner.host),
            },
            ureq::Error::ConnectionFailed => RegistryError::Unreachable {
                registry,
                reason: "connection failed".into(),
            },
            ureq::Error::Tls(m) => RegistryError::Tls {
                registry,
                reason: m.to_string(),
            },
            ureq::Error::Rustls(r) => RegistryError::Tls {
                registry,
                reason: r.to_string(),
            },
            ureq::Error::Pem(p) => RegistryError::Tls {
                registry,
                reason: p.to_string(),
            },
            other => RegistryError::Protocol {
                registry,
                message: format!("{what}: {other}"),
            },
        }
    }

    /// Turns a non-success answer into the error it means, with the registry's reason.
    fn status_error(&self, resp: Response<Body>, what: &str, reference: &str) -> RegistryError {
        let status = resp.status().as_u16();
        let registry = self.inner.registry.clone();
        let reason = error_reason(resp);
        match status {
            404 => RegistryError::NotFound {
                reference: reference.to_string(),
                reason,
            },
            401 | 403 => RegistryError::Unauthorized {
                registry,
                what: what.to_string(),
                reason,
                hint: if self.inner.credentials.is_anonymous() {
                    HINT_LOGIN
                } else {
                    HINT_CREDS
                },
            },
            _ => RegistryError::Status {
                registry,
                what: what.to_string(),
                status,
                reason,
            },
        }
    }

    /// Re-requests a blob from `offset` after its connection failed.
    fn reopen_blob(
        &self,
        repository: &str,
        digest: &Digest,
        offset: u64,
    ) -> Result<BodyReader<'static>, RegistryError> {
        let what = format!("blob {digest} in {}/{repository}", self.inner.registry);
        let path = format!("/v2/{repository}/blobs/{digest}");
        let range = (offset > 0).then_some(offset);
        let resp = self.request(Method::Get, &path, Some(repository), None, range, &what)?;
        let protocol = |message: String| RegistryError::Protocol {
            registry: self.inner.registry.clone(),
            message,
        };
        match resp.status().as_u16() {
            206 => {
                let from = header(&resp, "content-range")
                    .and_then(|r| content_range_start(&r))
                    .ok_or_else(|| protocol(format!("{what}: bad Content-Range when resuming")))?;
                if from != offset {
                    return Err(protocol(format!(
                        "{what}: asked to resume at byte {offset}, got {from}"
                    )));
                }
                Ok(resp.into_body().into_reader())
            }
            // Range not honoured: skip what was already read.
            200 => {
                let mut body = resp.into_body().into_reader();
                let skipped =
                    io::copy(&mut (&mut body).take(offset), &mut io::sink()).map_err(|error| {
                        RegistryError::Io {
                            registry: self.inner.registry.clone(),
                            what: what.clone(),
                            error,
                        }
                    })?;
                if skipped != offset {
                    return Err(protocol(format!("{what}: shorter on the second try")));
                }
                Ok(body)
            }
            _ => Err(self.status_error(resp, &what, &what)),
        }
    }
}

/// A blob being downloaded. Reads resume with HTTP `Range` when the connection
/// fails part-way (a bounded number of times).
pub struct Blob {
    client: Client,
    repository: String,
    digest: Digest,
    body: BodyReader<'static>,
    offset: u64,
    size: Option<u64>,
    resumes_left: u32,
}

impl Blob {
    /// The size the registry announced (`Content-Length`), if it did.
    pub fn size(&self) -> Option<u64> {
        self.size
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.offset
    }
}

impl Read for Blob {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.body.read(buf) {
                Ok(n) => {
                    self.offset += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if self.resumes_left > 0 => {
                    self.resumes_left -= 1;
                    log::debug!(
                        "blob {} broke at byte {}: {e}; resuming",
                        self.digest,
                        self.offset
                    );
                    std::thread::sleep(self.client.inner.options.backoff);
                    match self
                        .client
                        .reopen_blob(&self.repository, &self.digest, self.offset)
                    {
                        Ok(body) => self.body = body,
                        Err(again) => {
                            return Err(io::Error::other(format!("{e}; resuming failed: {again}")))
                        }
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }
}

fn header(resp: &Response<Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
}

fn content_length(resp: &Response<Body>) -> Option<u64> {
    header(resp, "content-length").and_then(|v| v.parse().ok())
}

/// `bytes 100-199/200` → 100.
fn content_range_start(value: &str) -> Option<u64> {
    value
        .strip_prefix("bytes ")?
        .split('-')
        .next()?
        .trim()
        .parse()
        .ok()
}

fn retry_after(resp: &Response<Body>) -> Option<Duration> {
    // Only the seconds form; a server asking for more than 10 s gets 10.
    let secs: u64 = header(resp, "retry-after")?.parse().ok()?;
    Some(Duration::from_secs(secs.min(10)))
}

fn retryable_status(status: u16) -> bool {
    status == 429
        || status == 408
        || (500..=599).contains(&status) && status != 501 && status != 505
}

fn transient(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::Io(io) => !matches!(
            io.kind(),
            io::ErrorKind::InvalidData
                | io::ErrorKind::InvalidInput
                | io::ErrorKind::PermissionDenied
        ),
        ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed => true,
        _ => false,
    }
}

fn looks_like_tls(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("tls")
        || m.contains("certificate")
        || m.contains("handshake")
        || m.contains("corrupt message")
}

/// The Bearer challenge if there is one, else Basic.
fn pick_challenge(resp: &Response<Body>) -> Option<Challenge> {
    let all: Vec<Challenge> = resp
        .headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse_www_authenticate)
        .collect();
    all.iter()
        .find(|c| matches!(c, Challenge::Bearer { .. }))
        .or(all.first())
        .cloned()
}

fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[path = "upload.rs"]
mod upload;
pub use upload::Mount;

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
