//! Registry credentials: `--creds`, auth.json / Docker config.json lookup, and the
//! `WWW-Authenticate` challenges registries answer with.
//!
//! Files are searched as podman does: `--authfile` or `$REGISTRY_AUTH_FILE` alone
//! when given; otherwise `$XDG_RUNTIME_DIR/containers/auth.json`,
//! `$XDG_CONFIG_HOME/containers/auth.json`, then `$DOCKER_CONFIG/config.json` or
//! `~/.docker/config.json`. Within a file, an entry for `host/ns/repo` beats
//! `host/ns`, which beats `host`. Secrets never appear in `Debug` output.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum AuthError {
    #[error("auth file {path} (from {origin}) does not exist: fix the path, or create it with `rpod login`")]
    Missing { path: PathBuf, origin: &'static str },
    #[error("cannot read auth file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("auth file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "auth file {path}: the entry {key:?} has an invalid `auth` value (it must be base64 of \
         USERNAME:PASSWORD); log in again with `rpod login`"
    )]
    BadEntry { path: PathBuf, key: String },
    #[error(
        "auth file {path} keeps the credentials for {registry} in {helper}, and credential \
         helpers are not supported yet: log in with `rpod login {registry}` (which stores them \
         in auth.json) or pass --creds USERNAME:PASSWORD"
    )]
    Helper {
        path: PathBuf,
        registry: String,
        helper: String,
    },
    #[error(
        "auth file {path}: the entry {key:?} holds an identity token, which is not supported \
         yet: log in with a username and password (`rpod login`) or pass --creds"
    )]
    IdentityToken { path: PathBuf, key: String },
    #[error("invalid --creds value: {0}; expected USERNAME:PASSWORD")]
    BadCreds(&'static str),
}

/// What to authenticate with.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum Credentials {
    #[default]
    Anonymous,
    Basic {
        username: String,
        password: String,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
        }
    }
}

impl Credentials {
    /// Parses `--creds USERNAME:PASSWORD` (the password may contain `:`).
    pub fn parse_creds(value: &str) -> Result<Credentials, AuthError> {
        let (username, password) = value
            .split_once(':')
            .ok_or(AuthError::BadCreds("no ':' between username and password"))?;
        if username.is_empty() {
            return Err(AuthError::BadCreds("the username is empty"));
        }
        if password.is_empty() {
            return Err(AuthError::BadCreds("the password is empty"));
        }
        Ok(Credentials::Basic {
            username: username.to_string(),
            password: password.to_string(),
        })
    }

    /// The `Authorization` header value for HTTP basic auth, if there are credentials.
    pub fn basic_header(&self) -> Option<String> {
        match self {
            Credentials::Anonymous => None,
            Credentials::Basic { username, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            )),
        }
    }

    pub fn is_anonymous(&self) -> bool {
        matches!(self, Credentials::Anonymous)
    }
}

/// What the file search reads from the environment, gathered so tests can supply it.
#[derive(Debug, Clone, Default)]
pub struct AuthEnv {
    /// `--authfile`.
    pub authfile: Option<PathBuf>,
    /// `$REGISTRY_AUTH_FILE`.
    pub registry_auth_file: Option<PathBuf>,
    pub xdg_runtime_dir: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
    pub docker_config: Option<PathBuf>,
    pub home: PathBuf,
    pub uid: u32,
}

impl AuthEnv {
    /// Reads the variables of this process; `authfile` is the `--authfile` flag.
    pub fn from_process(authfile: Option<&Path>, home: &Path, uid: u32) -> AuthEnv {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        AuthEnv {
            authfile: authfile.map(Path::to_path_buf),
            registry_auth_file: var("REGISTRY_AUTH_FILE"),
            xdg_runtime_dir: var("XDG_RUNTIME_DIR"),
            xdg_config_home: var("XDG_CONFIG_HOME"),
            docker_config: var("DOCKER_CONFIG"),
            home: home.to_path_buf(),
            uid,
        }
    }
}

/// The credential files to search, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFiles {
    pub files: Vec<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AuthFileJson {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default)]
    creds_store: Option<String>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

impl AuthFiles {
    /// The search list; a file named by `--authfile` or `$REGISTRY_AUTH_FILE` must exist.
    pub fn find(env: &AuthEnv) -> Result<AuthFiles, AuthError> {
        let explicit = env.authfile.as_ref().map(|p| (p, "--authfile")).or(env
            .registry_auth_file
            .as_ref()
            .map(|p| (p, "$REGISTRY_AUTH_FILE")));
        if let Some((path, origin)) = explicit {
            if !path.exists() {
                return Err(AuthError::Missing {
                    path: path.clone(),
                    origin,
                });
            }
            return Ok(AuthFiles {
                files: vec![path.clone()],
            });
        }
        let runtime = match &env.xdg_runtime_dir {
            Some(dir) => dir.join("containers/auth.json"),
            None => PathBuf::from(format!("/run/containers/{}/auth.json", env.uid)),
        };
        let config = env
            .xdg_config_home
            .clone()
            .unwrap_or_else(|| env.home.join(".config"))
            .join("containers/auth.json");
        let docker = match &env.docker_config {
            Some(dir) => dir.join("config.json"),
            None => env.home.join(".docker/config.json"),
        };
        Ok(AuthFiles {
            files: vec![runtime, config, docker],
        })
    }

    /// The credentials for `registry` (the host, e.g. `docker.io` or `127.0.0.1:5000`)
    /// and `repository` (`library/alpine`); anonymous when no file has any.
    pub fn lookup(&self, registry: &str, repository: &str) -> Result<Credentials, AuthError> {
        for path in &self.files {
            let text = match fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(AuthError::Read {
                        path: path.clone(),
                        source,
                    })
                }
            };
            if let Some(found) = lookup_in(&text, path, registry, repository)? {
                return Ok(found);
            }
        }
        Ok(Credentials::Anonymous)
    }
}

/// `index.docker.io` and the like all mean `docker.io`.
fn normalise_registry(host: &str) -> &str {
    match host {
        "index.docker.io" | "registry-1.docker.io" => "docker.io",
        other => other,
    }
}

/// Docker writes keys as URLs (`https://index.docker.io/v1/`); those name only a host.
fn normalise_key(key: &str) -> &str {
    let stripped = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"));
    match stripped {
        Some(s) => normalise_registry(s.split('/').next().unwrap_or(s)),
        None => normalise_registry(key),
    }
}

fn lookup_in(
    text: &str,
    path: &Path,
    registry: &str,
    repository: &str,
) -> Result<Option<Credentials>, AuthError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let json: AuthFileJson = serde_json::from_str(text).map_err(|e| AuthError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let registry = normalise_registry(registry);
    if let Some((_, helper)) = json
        .cred_helpers
        .iter()
        .find(|(k, _)| normalise_key(k) == registry)
    {
        return Err(AuthError::Helper {
            path: path.to_path_buf(),
            registry: registry.to_string(),
            helper: format!("the credential helper docker-credential-{helper}"),
        });
    }
    // `registry/a/b/c`, then `registry/a/b`, `registry/a`, `registry`.
    let full = format!("{registry}/{repository}");
    let mut keys = vec![full.as_str()];
    let mut rest = full.as_str();
    while let Some((head, _)) = rest.rsplit_once('/') {
        keys.push(head);
        rest = head;
    }
    let mut found = keys.iter().find_map(|k| json.auths.get_key_value(*k));
    if found.is_none() {
        found = json
            .auths
            .iter()
            .find(|(k, _)| normalise_key(k) == registry);
    }
    let Some((key, entry)) = found else {
        return Ok(None);
    };
    match entry.auth.as_deref().filter(|a| !a.is_empty()) {
        Some(auth) => decode_auth(auth)
            .map(Some)
            .ok_or_else(|| AuthError::BadEntry {
                path: path.to_path_buf(),
                key: key.clone(),
            }),
        None if entry
            .identitytoken
            .as_deref()
            .is_some_and(|t| !t.is_empty()) =>
        {
            Err(AuthError::IdentityToken {
                path: path.to_path_buf(),
                key: key.clone(),
            })
        }
        // An empty entry next to a credsStore means "the store has it".
        None => match &json.creds_store {
            Some(store) => Err(AuthError::Helper {
                path: path.to_path_buf(),
                registry: registry.to_string(),
                helper: format!("the credential store docker-credential-{store}"),
            }),
            None => Ok(None),
        },
    }
}

fn decode_auth(auth: &str) -> Option<Credentials> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (username, password) = text.split_once(':')?;
    if username.is_empty() {
        return None;
    }
    Some(Credentials::Basic {
        username: username.to_string(),
        password: password.trim_end_matches('\n').to_string(),
    })
}

/// One challenge from a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// Get a token from `realm` (with `service` and `scope`), then send it as `Bearer`.
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
        /// `insufficient_scope`, `invalid_token`, … when the server says why.
        error: Option<String>,
    },
    /// Send the username and password.
    Basic { realm: Option<String> },
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~/".contains(&c)
}

/// Parses a `WWW-Authenticate` value (RFC 7235: several challenges, each a scheme and
/// comma-separated `name=value` or `name="quoted"` parameters). Unknown schemes and a
/// Bearer without `realm` are dropped.
pub fn parse_www_authenticate(value: &str) -> Vec<Challenge> {
    let b = value.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t') {
            *i += 1;
        }
    };
    let token = |i: &mut usize| -> String {
        let start = *i;
        while *i < b.len() && is_tchar(b[*i]) {
            *i += 1;
        }
        value[start..*i].to_string()
    };
    let mut out = Vec::new();
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t' || b[i] == b',') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let scheme = token(&mut i);
        if scheme.is_empty() {
            i += 1; // not a token character: skip it
            continue;
        }
        let mut params: BTreeMap<String, String> = BTreeMap::new();
        loop {
            skip_ws(&mut i);
            let save = i;
            let name = token(&mut i);
            skip_ws(&mut i);
            if name.is_empty() || i >= b.len() || b[i] != b'=' {
                i = save;
                break;
            }
            i += 1;
            skip_ws(&mut i);
            let v = if i < b.len() && b[i] == b'"' {
                i += 1;
                let mut s = Vec::new();
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    s.push(b[i]);
                    i += 1;
                }
                i += 1; // closing quote
                String::from_utf8_lossy(&s).into_owned()
            } else {
                // Unquoted values may carry `=` padding (token68).
                let start = i;
                while i < b.len() && (is_tchar(b[i]) || b[i] == b'=' || b[i] == b':') {
                    i += 1;
                }
                value[start..i].to_string()
            };
            params.insert(name.to_ascii_lowercase(), v);
            skip_ws(&mut i);
            if i < b.len() && b[i] == b',' {
                i += 1;
                continue;
            }
            break;
        }
        match scheme.to_ascii_lowercase().as_str() {
            "bearer" => {
                if let Some(realm) = params.remove("realm").filter(|r| !r.is_empty()) {
                    out.push(Challenge::Bearer {
                        realm,
                        service: params.remove("service"),
                        scope: params.remove("scope"),
                        error: params.remove("error"),
                    });
                }
            }
            "basic" => out.push(Challenge::Basic {
                realm: params.remove("realm"),
            }),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn basic(u: &str, p: &str) -> Credentials {
        Credentials::Basic {
            username: u.into(),
            password: p.into(),
        }
    }

    #[test]
    fn creds_flag() {
        assert_eq!(
            Credentials::parse_creds("me:s:cret").unwrap(),
            basic("me", "s:cret")
        );
        assert!(Credentials::parse_creds("me").is_err());
        assert!(Credentials::parse_creds(":pw").is_err());
        assert!(Credentials::parse_creds("me:").is_err());
    }

    #[test]
    fn debug_hides_secrets() {
        let c = basic("alice", "hunter2");
        let d = format!("{c:?}");
        assert!(d.contains("alice") && !d.contains("hunter2"), "{d}");
        assert!(!format!("{:?}", c.basic_header()).is_empty());
        assert_eq!(
            c.basic_header().unwrap(),
            format!("Basic {}", b64("alice:hunter2"))
        );
        assert_eq!(Credentials::Anonymous.basic_header(), None);
    }

    #[test]
    fn longest_namespace_wins() {
        let text = format!(
            r#"{{"auths": {{
                "quay.io": {{"auth": "{}"}},
                "quay.io/team": {{"auth": "{}"}},
                "quay.io/team/app": {{"auth": "{}"}}
            }}}}"#,
            b64("host:1"),
            b64("ns:2"),
            b64("repo:3")
        );
        let p = Path::new("/a.json");
        let get = |repo: &str| lookup_in(&text, p, "quay.io", repo).unwrap();
        assert_eq!(get("team/app"), Some(basic("repo", "3")));
        assert_eq!(get("team/app2"), Some(basic("ns", "2")));
        assert_eq!(get("team/app/sub"), Some(basic("repo", "3")));
        assert_eq!(get("other/x"), Some(basic("host", "1")));
        assert_eq!(
            lookup_in(&text, p, "quay.io.evil", "team/app").unwrap(),
            None
        );
    }

    #[test]
    fn docker_style_keys() {
        let text = format!(
            r#"{{"auths": {{"https://index.docker.io/v1/": {{"auth": "{}"}},
                 "http://127.0.0.1:5000/v2/": {{"auth": "{}"}}}}}}"#,
            b64("hub:pw"),
            b64("local:pw")
        );
        let p = Path::new("/c.json");
        assert_eq!(
            lookup_in(&text, p, "docker.io", "library/alpine").unwrap(),
            Some(basic("hub", "pw"))
        );
        assert_eq!(
            lookup_in(&text, p, "127.0.0.1:5000", "x").unwrap(),
            Some(basic("local", "pw"))
        );
    }

    #[test]
    fn helpers_are_refused_only_when_needed() {
        let p = Path::new("/d.json");
        let text = r#"{"auths": {"ghcr.io": {}}, "credsStore": "desktop",
                       "credHelpers": {"gcr.io": "gcloud"}}"#;
        let e = lookup_in(text, p, "gcr.io", "x/y").unwrap_err().to_string();
        assert!(
            e.contains("docker-credential-gcloud") && e.contains("rpod login gcr.io"),
            "{e}"
        );
        let e = lookup_in(text, p, "ghcr.io", "x/y")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("docker-credential-desktop") && e.contains("not supported yet"),
            "{e}"
        );
        // Nothing stored for this registry: pull anonymously.
        assert_eq!(lookup_in(text, p, "quay.io", "x/y").unwrap(), None);
    }

    #[test]
    fn bad_entries() {
        let p = Path::new("/e.json");
        assert!(matches!(
            lookup_in(r#"{"auths": {"q.io": {"auth": "!!!"}}}"#, p, "q.io", "x"),
            Err(AuthError::BadEntry { .. })
        ));
        let nocolon = format!(
            r#"{{"auths": {{"q.io": {{"auth": "{}"}}}}}}"#,
            b64("justuser")
        );
        assert!(lookup_in(&nocolon, p, "q.io", "x").is_err());
        assert!(matches!(
            lookup_in(
                r#"{"auths": {"q.io": {"identitytoken": "tok"}}}"#,
                p,
                "q.io",
                "x"
            ),
            Err(AuthError::IdentityToken { .. })
        ));
        assert!(matches!(
            lookup_in("{not json", p, "q.io", "x"),
            Err(AuthError::Parse { .. })
        ));
        assert_eq!(lookup_in("", p, "q.io", "x").unwrap(), None);
        assert_eq!(
            lookup_in(r#"{"auths": {"q.io": {}}}"#, p, "q.io", "x").unwrap(),
            None
        );
    }

    #[test]
    fn file_search_order() {
        let env = AuthEnv {
            xdg_runtime_dir: Some("/run/user/1000".into()),
            home: "/home/u".into(),
            uid: 1000,
            ..AuthEnv::default()
        };
        let f = AuthFiles::find(&env).unwrap();
        assert_eq!(
            f.files,
            [
                PathBuf::from("/run/user/1000/containers/auth.json"),
                PathBuf::from("/home/u/.config/containers/auth.json"),
                PathBuf::from("/home/u/.docker/config.json"),
            ]
        );
        let bare = AuthEnv {
            home: "/root".into(),
            docker_config: Some("/dc".into()),
            ..AuthEnv::default()
        };
        let f = AuthFiles::find(&bare).unwrap();
        assert_eq!(f.files[0], PathBuf::from("/run/containers/0/auth.json"));
        assert_eq!(f.files[2], PathBuf::from("/dc/config.json"));

        let missing = AuthEnv {
            registry_auth_file: Some("/nonexistent/auth.json".into()),
            ..AuthEnv::default()
        };
        let e = AuthFiles::find(&missing).unwrap_err().to_string();
        assert!(
            e.contains("REGISTRY_AUTH_FILE") && e.contains("/nonexistent"),
            "{e}"
        );
    }

    #[test]
    fn earlier_files_win_and_explicit_is_alone() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        let home = dir.path().join("home");
        fs::create_dir_all(run.join("containers")).unwrap();
        fs::create_dir_all(home.join(".docker")).unwrap();
        fs::write(
            run.join("containers/auth.json"),
            format!(
                r#"{{"auths": {{"a.io": {{"auth": "{}"}}}}}}"#,
                b64("first:1")
            ),
        )
        .unwrap();
        fs::write(
            home.join(".docker/config.json"),
            format!(
                r#"{{"auths": {{"a.io": {{"auth": "{}"}}, "b.io": {{"auth": "{}"}}}}}}"#,
                b64("second:2"),
                b64("docker:3")
            ),
        )
        .unwrap();
        let env = AuthEnv {
            xdg_runtime_dir: Some(run.clone()),
            home: home.clone(),
            ..AuthEnv::default()
        };
        let files = AuthFiles::find(&env).unwrap();
        assert_eq!(files.lookup("a.io", "x").unwrap(), basic("first", "1"));
        assert_eq!(files.lookup("b.io", "x").unwrap(), basic("docker", "3"));
        assert_eq!(files.lookup("c.io", "x").unwrap(), Credentials::Anonymous);

        let only = AuthEnv {
            authfile: Some(home.join(".docker/config.json")),
            registry_auth_file: Some(run.join("containers/auth.json")),
            ..env
        };
        let files = AuthFiles::find(&only).unwrap();
        assert_eq!(files.files.len(), 1);
        assert_eq!(files.lookup("a.io", "x").unwrap(), basic("second", "2"));
    }

    #[test]
    fn www_authenticate_bearer() {
        let h = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#;
        assert_eq!(
            parse_www_authenticate(h),
            [Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/alpine:pull".into()),
                error: None,
            }]
        );
        let spaced = r#"bearer   realm = "http://127.0.0.1:1/t" , error="insufficient_scope""#;
        assert_eq!(
            parse_www_authenticate(spaced),
            [Challenge::Bearer {
                realm: "http://127.0.0.1:1/t".into(),
                service: None,
                scope: None,
                error: Some("insufficient_scope".into()),
            }]
        );
    }

    #[test]
    fn www_authenticate_basic_and_several() {
        assert_eq!(
            parse_www_authenticate(r#"Basic realm="Registry Realm""#),
            [Challenge::Basic {
                realm: Some("Registry Realm".into())
            }]
        );
        assert_eq!(
            parse_www_authenticate("Basic"),
            [Challenge::Basic { realm: None }]
        );
        let both =
            r#"Negotiate abc==, Basic realm="a, \"b\"", Bearer realm=https://x/token,service=x"#;
        assert_eq!(
            parse_www_authenticate(both),
            [
                Challenge::Basic {
                    realm: Some("a, \"b\"".into())
                },
                Challenge::Bearer {
                    realm: "https://x/token".into(),
                    service: Some("x".into()),
                    scope: None,
                    error: None,
                }
            ]
        );
        assert!(parse_www_authenticate("Bearer service=x").is_empty());
        assert!(parse_www_authenticate("").is_empty());
        assert!(parse_www_authenticate("\"unterminated").is_empty());
    }
}
