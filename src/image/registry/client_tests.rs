//! Client tests against tiny handwritten HTTP/1.1 servers on 127.0.0.1.

use super::super::error::reason_from_body;
use super::*;
use std::fs;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;

/// A request as the test server saw it (header names lowercased).
#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

enum Reply {
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Announces `announced` bytes, sends `body`, then hangs up.
    Truncated { announced: usize, body: Vec<u8> },
}

fn reply(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Reply {
    Reply::Full {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.into(),
    }
}

type Handler = Arc<dyn Fn(&Req, SocketAddr) -> Reply + Send + Sync>;

struct Server {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Req>>>,
}

impl Server {
    /// Serves up to 64 connections, one request each, on a background thread.
    fn start(handler: impl Fn(&Req, SocketAddr) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let log2 = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(64) {
                let Ok(stream) = stream else { continue };
                let handler = handler.clone();
                let log = log2.clone();
                std::thread::spawn(move || serve_one(stream, addr, &*handler, &log));
            }
        });
        Server { addr, log }
    }

    fn registry(&self) -> String {
        self.addr.to_string()
    }

    fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }

    fn count(&self, path_prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path.starts_with(path_prefix))
            .count()
    }
}

fn serve_one(
    mut stream: TcpStream,
    addr: SocketAddr,
    handler: &dyn Fn(&Req, SocketAddr) -> Reply,
    log: &Mutex<Vec<Req>>,
) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        // A TLS ClientHello: this server only speaks plain HTTP.
        if buf.is_empty() && chunk[0] == 0x16 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.len() > 65536 {
            break;
        }
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_string();
    let path = first.next().unwrap_or_default().to_string();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let req = Req {
        method,
        path,
        headers,
    };
    log.lock().unwrap().push(req.clone());
    let head = req.method == "HEAD";
    match handler(&req, addr) {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut out = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            let _ = stream.write_all(out.as_bytes());
            if !head {
                let _ = stream.write_all(&body);
            }
        }
        Reply::Truncated { announced, body } => {
            let out = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {announced}\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(out.as_bytes());
            let _ = stream.write_all(&body);
        }
    }
    let _ = stream.flush();
}

fn options() -> ClientOptions {
    ClientOptions {
        backoff: Duration::from_millis(10),
        cert_dirs: Vec::new(),
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        ..ClientOptions::default()
    }
}

fn client(server: &Server, creds: Credentials) -> Client {
    Client::new(&server.registry(), false, creds, &options()).unwrap()
}

const MANIFEST: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0},"layers":[]}"#;

fn manifest_reply() -> Reply {
    reply(
        200,
        &[("Content-Type", "application/vnd.oci.image.manifest.v1+json")],
        MANIFEST,
    )
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn bearer_flow_fetches_and_caches_a_token() {
    let tokens = Arc::new(AtomicUsize::new(0));
    let t2 = tokens.clone();
    let server = Server::start(move |req, addr| {
        let challenge = format!(
            "Bearer realm=\"http://{addr}/token\",service=\"test-registry\",scope=\"repository:ns/app:pull\""
        );
        if req.path == "/v2/" {
            return reply(401, &[("WWW-Authenticate", &challenge)], "");
        }
        if req.path.starts_with("/token") {
            t2.fetch_add(1, Ordering::SeqCst);
            let ok = req.header("authorization") == Some(&format!("Basic {}", b64("u:p")));
            let scoped = req.path.contains("scope=repository%3Ans%2Fapp%3Apull")
                && req.path.contains("service=test-registry");
            if !ok || !scoped {
                return reply(
                    401,
                    &[],
                    r#"{"errors":[{"code":"UNAUTHORIZED","message":"bad creds"}]}"#,
                );
            }
            return reply(200, &[], r#"{"token":"T1","expires_in":300}"#);
        }
        if req.header("authorization") == Some("Bearer T1") {
            manifest_reply()
        } else {
            reply(401, &[("WWW-Authenticate", &challenge)], "")
        }
    });
    let c = client(&server, Credentials::parse_creds("u:p").unwrap());
    let m = c.get_manifest("ns/app", "latest").unwrap();
    assert_eq!(m.bytes, MANIFEST.as_bytes());
    assert_eq!(m.media_type, "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(m.digest, Digest::of(MANIFEST.as_bytes()));
    c.get_manifest("ns/app", "latest").unwrap();
    assert_eq!(tokens.load(Ordering::SeqCst), 1, "the token is cached");
    assert_eq!(server.count("/v2/ns/app/manifests/latest"), 2);
    let accept = server
        .requests()
        .into_iter()
        .find(|r| r.path.contains("/manifests/"))
        .and_then(|r| r.header("accept").map(str::to_string))
        .unwrap();
    for mt in [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ] {
        assert!(accept.contains(mt), "{accept}");
    }

    // Wrong password: the token server refuses.
    let bad = client(&server, Credentials::parse_creds("u:wrong").unwrap());
    let e = bad.get_manifest("ns/app", "latest").unwrap_err();
    assert!(matches!(e, RegistryError::Unauthorized { .. }), "{e}");
    assert!(e.to_string().contains("bad creds"), "{e}");
}

#[test]
fn anonymous_token_and_renewal_after_401() {
    let served = Arc::new(AtomicUsize::new(0));
    let s2 = served.clone();
    let server = Server::start(move |req, addr| {
        let challenge = format!("Bearer realm=\"http://{addr}/token\",service=\"s\"");
        if req.path == "/v2/" {
            return reply(401, &[("WWW-Authenticate", &challenge)], "");
        }
        if req.path.starts_with("/token") {
            assert!(req.header("authorization").is_none());
            let n = s2.fetch_add(1, Ordering::SeqCst);
            return reply(200, &[], format!(r#"{{"access_token":"A{n}"}}"#));
        }
        // Only the second token is accepted, as if the first had expired.
        if req.header("authorization") == Some("Bearer A1") {
            manifest_reply()
        } else {
            reply(401, &[("WWW-Authenticate", &challenge)], "")
        }
    });
    let c = client(&server, Credentials::Anonymous);
    c.get_manifest("x", "v1").unwrap();
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[test]
fn basic_auth_header_is_sent() {
    let server = Server::start(|req, _| {
        let want = format!("Basic {}", b64("alice:s3cret"));
        if req.header("authorization") == Some(&want) {
            return manifest_reply();
        }
        reply(
            401,
            &[("WWW-Authenticate", "Basic realm=\"Registry\"")],
            r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
        )
    });
    let c = client(&server, Credentials::parse_creds("alice:s3cret").unwrap());
    c.get_manifest("app", "1").unwrap();

    let anon = client(&server, Credentials::Anonymous);
    let e = anon.get_manifest("app", "1").unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, RegistryError::Unauthorized { .. }), "{text}");
    assert!(
        text.contains("authentication required") && text.contains("rpod login"),
        "{text}"
    );
}

#[test]
fn not_found_carries_the_registry_reason() {
    let server = Server::start(|req, _| {
        if req.path == "/v2/" {
            return reply(200, &[], "{}");
        }
        reply(
            404,
            &[("Content-Type", "application/json")],
            r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"nope"}}]}"#,
        )
    });
    let c = client(&server, Credentials::Anonymous);
    let e = c.get_manifest("team/app", "nope").unwrap_err();
    assert!(matches!(e, RegistryError::NotFound { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "{}/team/app:nope not found: manifest unknown",
            server.registry()
        )
    );
    let d = Digest::of(b"x");
    assert!(!c.blob_exists("team/app", &d).unwrap());
    let e = c.get_blob("team/app", &d).err().unwrap().to_string();
    assert!(
        e.contains(&d.to_string()) && e.contains("manifest unknown"),
        "{e}"
    );
}

#[test]
fn retries_5xx_then_succeeds() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h2 = hits.clone();
    let server = Server::start(move |req, _| {
        if req.path == "/v2/" {
            return reply(200, &[], "{}");
        }
        if h2.fetch_add(1, Ordering::SeqCst) < 2 {
            reply(503, &[], "busy")
        } else {
            manifest_reply()
        }
    });
    let c = client(&server, Credentials::Anonymous);
    c.get_manifest("app", "latest").unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[test]
fn gives_up_after_the_last_try_and_does_not_retry_4xx() {
    let server = Server::start(|req, _| match req.path.as_str() {
        "/v2/" => reply(200, &[], "{}"),
        p if p.contains("/manifests/") => reply(
            500,
            &[],
            r#"{"errors":[{"code":"UNKNOWN","message":"disk on fire"}]}"#,
        ),
        _ => reply(400, &[], "bad"),
    });
    let c = client(&server, Credentials::Anonymous);
    let e = c.get_manifest("app", "latest").unwrap_err();
    assert!(
        matches!(e, RegistryError::Status { status: 500, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("disk on fire"), "{e}");
    assert_eq!(server.count("/v2/app/manifests/"), 3);
    assert!(c.blob_exists("app", &Digest::of(b"")).is_err());
    assert_eq!(server.count("/v2/app/blobs/"), 1);
}

#[test]
fn connection_refused_is_unreachable() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let registry = format!("127.0.0.1:{port}");
    let c = Client::new(&registry, false, Credentials::Anonymous, &options()).unwrap();
    let e = c.get_manifest("app", "latest").unwrap_err();
    assert!(matches!(e, RegistryError::Unreachable { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!("cannot reach registry {registry}: connection refused — is it running?")
    );
}

#[test]
fn manifest_by_digest_is_verified() {
    let server = Server::start(|req, _| {
        if req.path == "/v2/" {
            return reply(200, &[], "{}");
        }
        manifest_reply()
    });
    let c = client(&server, Credentials::Anonymous);
    let right = Digest::of(MANIFEST.as_bytes());
    let m = c.get_manifest("app", &right.to_string()).unwrap();
    assert_eq!(m.digest, right);
    let wrong = Digest::of(b"something else");
    let e = c.get_manifest("app", &wrong.to_string()).unwrap_err();
    assert!(matches!(e, RegistryError::Digest { .. }), "{e}");
    assert!(e.to_string().contains(&wrong.to_string()), "{e}");
}

#[test]
fn blobs_stream_follow_redirects_and_verify() {
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let digest = Digest::of(&data);
    let d2 = digest.clone();
    let data2 = data.clone();
    let server = Server::start(move |req, _| match req.path.as_str() {
        "/v2/" => reply(200, &[], "{}"),
        p if p == format!("/v2/app/blobs/{d2}") => {
            reply(307, &[("Location", "/storage/blob-data")], "")
        }
        "/storage/blob-data" => reply(200, &[], data2.clone()),
        _ => reply(
            404,
            &[],
            r#"{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}"#,
        ),
    });
    let c = client(&server, Credentials::Anonymous);
    let blob = c.get_blob("app", &digest).unwrap();
    assert_eq!(blob.size(), Some(data.len() as u64));
    let mut v =
        crate::base::digest::VerifyingReader::new(blob, digest.clone(), Some(data.len() as u64));
    let mut got = Vec::new();
    v.read_to_end(&mut got).unwrap();
    assert_eq!(v.finish().unwrap(), digest);
    assert_eq!(got, data);

    assert_eq!(c.get_blob_bytes("app", &digest, 1 << 20).unwrap(), data);
    let e = c.get_blob_bytes("app", &digest, 1000).unwrap_err();
    assert!(matches!(e, RegistryError::TooLarge { .. }), "{e}");
    // Bytes that do not hash to the digest asked for are refused.
    let lie = Digest::of(b"other");
    let server2 = Server::start(|req, _| {
        if req.path == "/v2/" {
            return reply(200, &[], "{}");
        }
        reply(200, &[], "not the other")
    });
    let c2 = client(&server2, Credentials::Anonymous);
    let e = c2.get_blob_bytes("app", &lie, 1000).unwrap_err();
    assert!(matches!(e, RegistryError::Digest { .. }), "{e}");
}

#[test]
fn blob_download_resumes_after_a_drop() {
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let digest = Digest::of(&data);
    let data2 = data.clone();
    let server = Server::start(move |req, _| {
        if req.path == "/v2/" {
            return reply(200, &[], "{}");
        }
        match req.header("range") {
            None => Reply::Truncated {
                announced: data2.len(),
                body: data2[..30_000].to_vec(),
            },
            Some(r) => {
                let from: usize = r
                    .trim_start_matches("bytes=")
                    .trim_end_matches('-')
                    .parse()
                    .unwrap();
                let range = format!("bytes {from}-{}/{}", data2.len() - 1, data2.len());
                reply(206, &[("Content-Range", &range)], data2[from..].to_vec())
            }
        }
    });
    let c = client(&server, Credentials::Anonymous);
    let mut got = Vec::new();
    c.get_blob("app", &digest)
        .unwrap()
        .read_to_end(&mut got)
        .unwrap();
    assert_eq!(got.len(), data.len());
    assert_eq!(Digest::of(&got), digest);
    let ranged: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.header("range").map(str::to_string))
        .collect();
    assert_eq!(ranged.len(), 1);
    assert!(ranged[0].starts_with("bytes="), "{ranged:?}");
}

#[test]
fn blob_that_keeps_breaking_fails() {
    let server = Server::start(|req, _| {
        if req.path == "/v2/" {
            return reply(200, &[], "{}");
        }
        Reply::Truncated {
            announced: 1000,
            body: vec![1; 10],
        }
    });
    let mut o = options();
    o.blob_resumes = 2;
    let c = Client::new(&server.registry(), false, Credentials::Anonymous, &o).unwrap();
    let mut got = Vec::new();
    let e = c
        .get_blob("app", &Digest::of(b"y"))
        .unwrap()
        .read_to_end(&mut got)
        .unwrap_err();
    assert!(!e.to_string().is_empty());
    assert_eq!(server.count("/v2/app/blobs/"), 3);
}

#[test]
fn pings_once_and_falls_back_to_http_on_loopback() {
    let server = Server::start(|req, _| {
        if req.path == "/v2/" {
            return reply(200, &[], "{}");
        }
        manifest_reply()
    });
    let c = client(&server, Credentials::Anonymous);
    assert_eq!(c.ping().unwrap(), format!("http://{}", server.registry()));
    // Concurrent first use from several threads: still one ping.
    let c2 = client(&server, Credentials::Anonymous);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let c = c2.clone();
            std::thread::spawn(move || c.get_manifest("app", "t").map(|m| m.digest))
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    assert_eq!(server.count("/v2/app/"), 4);
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.path == "/v2/")
            .count(),
        2,
        "one ping per client"
    );
}

#[test]
fn plain_http_only_where_allowed() {
    // No connection is made here: only the decision is checked.
    let secure = Client::new("quay.io", false, Credentials::Anonymous, &options()).unwrap();
    assert!(!secure.inner.insecure);
    let marked = Client::new("quay.io", true, Credentials::Anonymous, &options()).unwrap();
    assert!(marked.inner.insecure);
    let mut no_verify = options();
    no_verify.tls_verify = Some(false);
    let flag = Client::new("quay.io", false, Credentials::Anonymous, &no_verify).unwrap();
    assert!(flag.inner.insecure);
    let local = Client::new("localhost:5000", false, Credentials::Anonymous, &options()).unwrap();
    assert!(local.inner.insecure);
    // An explicit --tls-verify=true wins over registries.conf and loopback.
    let mut verify = options();
    verify.tls_verify = Some(true);
    let forced = Client::new("127.0.0.1:5000", true, Credentials::Anonymous, &verify).unwrap();
    assert!(!forced.inner.insecure);
    let hub = Client::new("docker.io", false, Credentials::Anonymous, &options()).unwrap();
    assert_eq!(hub.inner.host, "registry-1.docker.io");
    assert_eq!(hub.registry(), "docker.io");
}

#[test]
fn token_realm_over_plain_http_keeps_passwords_local() {
    // A secure registry whose token server is plain HTTP must not get the password.
    let server = Server::start(|_, _| reply(200, &[], r#"{"token":"x"}"#));
    let realm = format!("http://{}/token", server.registry());
    let c = Client::new(
        "registry.invalid",
        false,
        Credentials::parse_creds("u:p").unwrap(),
        &options(),
    )
    .unwrap();
    let e = c.fetch_token(&realm, None, None).err().unwrap();
    assert!(e.to_string().contains("refusing"), "{e}");
    assert!(server.requests().is_empty());
}

#[test]
fn helpers() {
    assert!(is_loopback("127.0.0.1:5000"));
    assert!(is_loopback("127.1.2.3"));
    assert!(is_loopback("localhost"));
    assert!(is_loopback("localhost:5000"));
    assert!(is_loopback("[::1]:5000"));
    assert!(!is_loopback("10.0.0.1:5000"));
    assert!(!is_loopback("quay.io"));
    assert!(!is_loopback("localhost.evil.com"));
    assert_eq!(
        form_encode("repository:a/b:pull"),
        "repository%3Aa%2Fb%3Apull"
    );
    assert_eq!(content_range_start("bytes 100-199/200"), Some(100));
    assert_eq!(content_range_start("items 1-2"), None);
    assert_eq!(
        reason_from_body(br#"{"errors":[{"code":"A","message":"one"},{"code":"B"}]}"#).as_deref(),
        Some("one; B")
    );
    assert_eq!(reason_from_body(b"<html>no</html>"), None);
    assert_eq!(
        reason_from_body(b"  plain\n text "),
        Some("plain text".into())
    );
    assert!(retryable_status(503) && retryable_status(429) && !retryable_status(501));
    assert!(!retryable_status(404) && !retryable_status(401));
}

#[test]
fn certs_d_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path().join("myreg.example:5000");
    fs::create_dir_all(&host).unwrap();
    fs::write(host.join("ca.crt"), "not a certificate").unwrap();
    let mut o = options();
    o.cert_dirs = vec![dir.path().to_path_buf()];
    let e = Client::new("myreg.example:5000", false, Credentials::Anonymous, &o)
        .err()
        .unwrap();
    assert!(matches!(e, RegistryError::Tls { .. }), "{e}");
    assert!(e.to_string().contains("ca.crt"), "{e}");
    // Other registries are not affected by that directory.
    assert!(Client::new("other.example", false, Credentials::Anonymous, &o).is_ok());
}

#[test]
fn blob_is_send() {
    fn assert_send<T: Send + 'static>() {}
    assert_send::<Blob>();
    assert_send::<Client>();
    fn assert_sync<T: Sync>() {}
    assert_sync::<Client>();
}

#[test]
fn mount_asks_for_push_and_source_pull_scopes() {
    let server = Server::start(move |req, addr| {
        let challenge = format!("Bearer realm=\"http://{addr}/token\",service=\"reg\"");
        if req.path == "/v2/" {
            return reply(401, &[("WWW-Authenticate", &challenge)], "");
        }
        if req.path.starts_with("/token") {
            let both = req.path.contains("scope=repository%3Adst%3Apull%2Cpush")
                && req.path.contains("scope=repository%3Asrc%3Apull");
            let token = if both { "MOUNT" } else { "OTHER" };
            return reply(200, &[], format!(r#"{{"token":"{token}"}}"#));
        }
        if req.method == "POST"
            && req
                .path
                .starts_with("/v2/dst/blobs/uploads/?mount=sha256%3A")
        {
            if req.header("authorization") == Some("Bearer MOUNT") && req.path.ends_with("from=src")
            {
                return reply(201, &[("Location", "/v2/dst/blobs/x")], "");
            }
            return reply(
                202,
                &[("Location", "/v2/dst/blobs/uploads/u1?_state=s")],
                "",
            );
        }
        if req.method == "PUT"
            && req
                .path
                .starts_with("/v2/dst/blobs/uploads/u1?_state=s&digest=sha256%3A")
        {
            return reply(201, &[], "");
        }
        reply(404, &[], "")
    });
    let c = client(&server, Credentials::Anonymous);
    let d = Digest::of(b"layer");
    assert_eq!(c.mount_blob("dst", &d, "src").unwrap(), Mount::Mounted);
    let Mount::Upload(location) = c.mount_blob("dst", &d, "elsewhere").unwrap() else {
        panic!("not mounted from a repository without the blob")
    };
    assert_eq!(
        location,
        format!(
            "http://{}/v2/dst/blobs/uploads/u1?_state=s",
            server.registry()
        )
    );
    c.finish_upload("dst", &location, &d, b"layer").unwrap();
    // A registry that offers no upload there: an error, not a hang or a retry loop.
    let e = c.start_upload("dst").unwrap_err();
    assert!(matches!(e, RegistryError::NotFound { .. }), "{e}");
}
