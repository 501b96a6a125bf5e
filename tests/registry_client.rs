//! The registry client, in process, against the real test registries: the plain
//! one with the fixtures (127.0.0.1:5000) and the TLS one with htpasswd auth
//! (127.0.0.1:5443, `tests/registry.sh start tls`).

use std::io::Read;
use std::path::{Path, PathBuf};

use rpod::base::digest::{Digest, VerifyingReader};
use rpod::image::manifest::{select, Format, Manifest, Platform, MAX_CONFIG_SIZE};
use rpod::image::reference::Reference;
use rpod::image::registry::conf::RegistriesConf;
use rpod::image::registry::{Client, ClientOptions, Credentials, RegistryError};

use crate::common::registry;

const TLS_REGISTRY: &str = "127.0.0.1:5443";
const TLS_CREDS: &str = "rpodtest:rpod-secret";

fn options() -> ClientOptions {
    ClientOptions {
        cert_dirs: Vec::new(),
        ..ClientOptions::default()
    }
}

#[test]
fn client_against_the_fixture_registry() {
    let registry = registry();
    let conf = RegistriesConf::default();
    let reference = Reference::parse(&format!("{registry}/multiarch:latest")).unwrap();
    let endpoints = conf.endpoints(&reference).unwrap();
    assert_eq!(endpoints.len(), 1);
    let c = Client::for_endpoint(&endpoints[0], Credentials::Anonymous, &options()).unwrap();
    assert!(c.ping().unwrap().starts_with("http://"));

    let top = c
        .get_manifest(&reference.repository, &reference.tag_or_digest())
        .unwrap();
    let Manifest::Index(index) = Manifest::parse(&top.bytes, &top.media_type).unwrap() else {
        panic!("expected an index, got {}", top.media_type)
    };
    for (platform, arch) in [("linux/amd64", "amd64"), ("linux/arm64/v8", "arm64")] {
        let chosen = select(&index, &Platform::parse(platform).unwrap()).unwrap();
        let fetched = c
            .get_manifest(&reference.repository, &chosen.digest.to_string())
            .unwrap();
        assert_eq!(fetched.digest, chosen.digest);
        let Manifest::Image(image) = Manifest::parse(&fetched.bytes, &fetched.media_type).unwrap()
        else {
            panic!("expected an image")
        };
        let config = c
            .get_blob_bytes(&reference.repository, &image.config.digest, MAX_CONFIG_SIZE)
            .unwrap();
        let config: serde_json::Value = serde_json::from_slice(&config).unwrap();
        assert_eq!(config["architecture"], arch);

        // The last layer adds /platform.
        let layer = image.layers.last().unwrap();
        assert!(c.blob_exists(&reference.repository, &layer.digest).unwrap());
        let blob = c.get_blob(&reference.repository, &layer.digest).unwrap();
        assert_eq!(blob.size(), Some(layer.size));
        let mut verified = VerifyingReader::new(blob, layer.digest.clone(), Some(layer.size));
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&mut verified));
        let mut found = String::new();
        for entry in tar.entries().unwrap() {
            let mut entry = entry.unwrap();
            if entry.path().unwrap().to_str() == Some("platform") {
                entry.read_to_string(&mut found).unwrap();
            }
        }
        assert_eq!(found, format!("{arch}\n"));
        verified.finish().unwrap();
    }

    let busybox = c.get_manifest("busybox", "latest").unwrap();
    let Manifest::Image(image) = Manifest::parse(&busybox.bytes, &busybox.media_type).unwrap()
    else {
        panic!("expected an image")
    };
    assert_eq!(image.format, Format::Oci);

    // A mirror from registries.conf stands in for docker.io; only it is contacted.
    let mirrored = RegistriesConf::parse(
        &format!(
            "[[registry]]\nprefix = \"docker.io/library\"\n\
             [[registry.mirror]]\nlocation = \"{registry}\"\n"
        ),
        Path::new("/test/registries.conf"),
    )
    .unwrap();
    let candidates = mirrored.resolve_short_name("busybox:latest").unwrap();
    let endpoints = mirrored.endpoints(&candidates[0]).unwrap();
    assert!(endpoints[0].mirror);
    assert_eq!(
        endpoints[0].reference.to_string(),
        format!("{registry}/busybox:latest")
    );
    let m = Client::for_endpoint(&endpoints[0], Credentials::Anonymous, &options())
        .unwrap()
        .get_manifest(&endpoints[0].reference.repository, "latest")
        .unwrap();
    assert_eq!(m.digest, busybox.digest);

    let e = c.get_manifest("rpod-test/nope", "1").unwrap_err();
    assert!(matches!(e, RegistryError::NotFound { .. }), "{e}");
    let e = c.get_manifest("busybox", "nope").unwrap_err();
    assert!(e.to_string().contains("manifest unknown"), "{e}");
}

#[test]
fn client_against_the_tls_registry_with_basic_auth() {
    let creds = Credentials::parse_creds(TLS_CREDS).unwrap();
    let c = Client::new(TLS_REGISTRY, false, creds, &options()).unwrap();
    let pinged = c.ping().unwrap_or_else(|e| {
        panic!(
            "the TLS test registry on {TLS_REGISTRY} does not answer ({e}): start it with \
             tests/registry.sh start tls (tests/run.sh does)"
        )
    });
    assert_eq!(pinged, format!("https://{TLS_REGISTRY}"));
    assert!(
        c.check_login().unwrap(),
        "the registry asks for credentials"
    );

    // What the rest reads is pushed with the client itself.
    let repo = "priv/app";
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let config_digest = Digest::of(config);
    c.put_blob(repo, &config_digest, config).unwrap();
    assert!(c.blob_exists_for_push(repo, &config_digest).unwrap());
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config_digest.to_string(),
            "size": config.len(),
        },
        "layers": [],
    }))
    .unwrap();
    let pushed = c
        .put_manifest(
            repo,
            "1",
            "application/vnd.oci.image.manifest.v1+json",
            &manifest,
        )
        .unwrap();
    let m = c.get_manifest(repo, "1").unwrap();
    assert_eq!(m.digest, pushed);
    assert_eq!(m.bytes, manifest);

    let anon = Client::new(TLS_REGISTRY, false, Credentials::Anonymous, &options()).unwrap();
    let e = anon.get_manifest(repo, "1").unwrap_err();
    assert!(matches!(e, RegistryError::Unauthorized { .. }), "{e}");
    assert!(e.to_string().contains("authentication required"), "{e}");

    let wrong = Client::new(
        TLS_REGISTRY,
        false,
        Credentials::parse_creds("rpodtest:wrong").unwrap(),
        &options(),
    )
    .unwrap();
    let e = wrong.get_manifest(repo, "1").unwrap_err();
    assert!(
        e.to_string().contains("check the username and password"),
        "{e}"
    );
    assert!(matches!(
        wrong.check_login(),
        Err(RegistryError::Unauthorized { .. })
    ));

    // Verified TLS: fails without the registry's CA, works with it in certs.d.
    let mut verify = options();
    verify.tls_verify = Some(true);
    let e = Client::new(TLS_REGISTRY, false, Credentials::Anonymous, &verify)
        .unwrap()
        .ping()
        .unwrap_err();
    assert!(matches!(e, RegistryError::Tls { .. }), "{e}");
    verify.cert_dirs = vec![PathBuf::from("/etc/containers/certs.d")];
    let c = Client::new(TLS_REGISTRY, false, Credentials::Anonymous, &verify).unwrap();
    assert_eq!(c.ping().unwrap(), format!("https://{TLS_REGISTRY}"));
}
