//! Pulling: resolve the name, fetch and verify the manifest and config, then
//! download, verify and unpack the missing layers in parallel.
//!
//! Runs as root of the user namespace (the caller arranges it), so layer files
//! get their real owners. Nothing from the registry is committed before its
//! digest has been checked: each layer is unpacked into a private staging dir
//! and renamed into the store only after both its compressed digest (and size)
//! and its uncompressed diff id match.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use anyhow::{anyhow, bail, Context as _, Result};

use super::local::new_image;
use super::manifest::{self, Descriptor, ImageManifest, Manifest, Platform, MAX_CONFIG_SIZE};
use super::oci_config::ImageConfig;
use super::progress::Progress;
use super::reference::Reference;
use super::registry::auth::{AuthEnv, AuthFiles, Credentials};
use super::registry::client::{Client, ClientOptions};
use super::registry::conf::{RegistriesConf, ShortNameMode};
use super::registry::error::RegistryError;
use super::unpack::{unpack, UnpackOptions};
use crate::base::digest::{Digest, VerifyingReader};
use crate::base::paths::Paths;
use crate::store::images::ImageRecord;
use crate::store::layers::{BlobInfo, LayerInfo};
use crate::store::{Lease, Store};

/// What `pull` needs besides the name.
#[derive(Debug, Clone)]
pub struct PullOptions {
    pub platform: Platform,
    /// `--tls-verify`: see [`ClientOptions::tls_verify`].
    pub tls_verify: Option<bool>,
    /// `--creds user:pass`, overriding the auth files.
    pub creds: Option<Credentials>,
    /// `--authfile`.
    pub authfile: Option<PathBuf>,
    pub quiet: bool,
    /// Layers downloaded at once.
    pub parallel: usize,
    /// Replaces the registries.conf search (rpod.toml `registries_conf`).
    pub registries_conf: Option<PathBuf>,
}

/// A manifest resolved down to one image for the wanted platform.
struct Resolved {
    client: Client,
    repository: String,
    /// The name the image gets in the store.
    name: Reference,
    manifest_bytes: Vec<u8>,
    manifest: ImageManifest,
}

/// Pulls `input` into `store` and returns the stored image.
pub fn pull(paths: &Paths, store: &Store, input: &str, opts: &PullOptions) -> Result<ImageRecord> {
    let config_home = paths.config_home();
    let conf = RegistriesConf::load(&config_home, opts.registries_conf.as_deref())?;
    let candidates = conf
        .resolve_short_name(input)
        .map_err(|e| anyhow!("invalid image name {input:?}: {e}"))?;
    if candidates.len() > 1
        && conf.short_name_mode == ShortNameMode::Enforcing
        && Reference::is_short_name(input)
    {
        bail!(
            "short-name {input:?} resolves to several registries ({}) and short-name-mode is \
             \"enforcing\": use a fully qualified name",
            candidates
                .iter()
                .map(|c| c.registry.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let progress = Progress::new(opts.quiet);
    let mut client_opts = ClientOptions::new(&config_home);
    client_opts.tls_verify = opts.tls_verify;
    let auth = AuthEnv::from_process(opts.authfile.as_deref(), &paths.home, paths.uid);

    let mut errors = Vec::new();
    let mut resolved = None;
    'candidates: for candidate in &candidates {
        progress.say(&format!("Trying to pull {candidate}..."));
        for endpoint in conf.endpoints(candidate)? {
            let creds = match &opts.creds {
                Some(c) => c.clone(),
                None => AuthFiles::find(&auth)?
                    .lookup(&endpoint.reference.registry, &endpoint.reference.repository)?,
            };
            let client = Client::for_endpoint(&endpoint, creds, &client_opts)?;
            match resolve(&client, &endpoint.reference, candidate, &opts.platform) {
                Ok(r) => {
                    resolved = Some(r);
                    break 'candidates;
                }
                Err(e) => {
                    let retry_elsewhere = matches!(
                        e.downcast_ref::<RegistryError>(),
                        Some(RegistryError::NotFound { .. } | RegistryError::Unreachable { .. })
                    );
                    if !retry_elsewhere && !endpoint.mirror {
                        return Err(e);
                    }
                    errors.push(e);
                }
            }
        }
    }
    let Some(resolved) = resolved else {
        return Err(match errors.len() {
            0 => anyhow!("no registry to pull {input} from"),
            1 => errors.remove(0),
            _ => anyhow!(
                "pulling {input} failed everywhere: {}",
                errors
                    .iter()
                    .map(crate::error::one_line)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    };
    fetch_image(store, &resolved, opts, &progress)
}

/// Fetches the manifest for `reference` at the endpoint, following an index to the platform's image.
fn resolve(
    client: &Client,
    at: &Reference,
    name: &Reference,
    platform: &Platform,
) -> Result<Resolved> {
    let repo = at.repository.clone();
    let fetched = client.get_manifest(&repo, &at.tag_or_digest())?;
    let (bytes, manifest) = match Manifest::parse(&fetched.bytes, &fetched.media_type)? {
        Manifest::Image(m) => (fetched.bytes, m),
        Manifest::Index(index) => {
            let chosen: &Descriptor = manifest::select(&index, platform)
                .with_context(|| format!("choosing the image for {platform} in {name}"))?;
            if Manifest::is_index_media_type(&chosen.media_type) {
                bail!("{name}: nested image indexes are not supported");
            }
            let inner = client.get_manifest(&repo, &chosen.digest.to_string())?;
            match Manifest::parse(&inner.bytes, &inner.media_type)? {
                Manifest::Image(m) => (inner.bytes, m),
                Manifest::Index(_) => bail!("{name}: nested image indexes are not supported"),
            }
        }
    };
    Ok(Resolved {
        client: client.clone(),
        repository: repo,
        name: name.clone(),
        manifest_bytes: bytes,
        manifest,
    })
}

/// One layer still to download.
struct Job<'a> {
    blob: &'a Descriptor,
    diff_id: &'a Digest,
}

fn fetch_image(
    store: &Store,
    r: &Resolved,
    opts: &PullOptions,
    progress: &Progress,
) -> Result<ImageRecord> {
    let m = &r.manifest;
    let config_bytes = r
        .client
        .get_blob_bytes(&r.repository, &m.config.digest, MAX_CONFIG_SIZE)?;
    let config = ImageConfig::parse(&config_bytes)
        .with_context(|| format!("the image config {} is not valid JSON", m.config.digest))?;
    if config.rootfs.diff_ids.len() != m.layers.len() {
        bail!(
            "{}: the manifest lists {} layers but the config {}",
            r.name,
            m.layers.len(),
            config.rootfs.diff_ids.len()
        );
    }
    m.layer_types()?;
    progress.say("Getting image source signatures");

    let lease = store.lease()?;
    let mut jobs = VecDeque::new();
    for (blob, diff_id) in m.layers.iter().zip(&config.rootfs.diff_ids) {
        if store.layers().hold(&lease, diff_id)?.is_some() {
            progress.skipped(&blob.digest);
        } else if !jobs.iter().any(|j: &Job| j.diff_id == diff_id) {
            jobs.push_back(Job { blob, diff_id });
        }
    }
    if let Err(e) = download_layers(store, &lease, r, jobs, opts.parallel.max(1), progress) {
        // Layers that finished before the failure belong to no image: a failed
        // pull keeps nothing (layers other pulls need are held by their leases).
        drop(lease);
        if let Err(gc) = store.write().and_then(|mut w| w.gc()) {
            log::warn!(
                "could not remove the layers of the failed pull (the next removal will): {gc}"
            );
        }
        return Err(e);
    }

    progress.say(&format!("Copying config {}", m.config.digest));
    progress.say("Writing manifest to image destination");
    let record = store.add_image(new_image(
        &config_bytes,
        &r.manifest_bytes,
        &[r.name.to_string()],
    )?)?;
    drop(lease);
    Ok(record)
}

/// Downloads the jobs on up to `parallel` threads; the first failure stops the
/// others, in-flight downloads included.
fn download_layers(
    store: &Store,
    lease: &Lease,
    r: &Resolved,
    jobs: VecDeque<Job<'_>>,
    parallel: usize,
    progress: &Progress,
) -> Result<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let threads = parallel.min(jobs.len());
    let queue = Mutex::new(jobs);
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let job = match queue.lock() {
                    Ok(mut q) => q.pop_front(),
                    Err(_) => return,
                };
                let Some(job) = job else { return };
                if let Err(e) = fetch_layer(store, lease, r, &job, progress, &stop) {
                    // The first error is the cause; the ones it provokes are not.
                    if let Ok(mut f) = failure.lock() {
                        f.get_or_insert(e);
                    }
                    stop.store(true, Ordering::Relaxed);
                    return;
                }
            });
        }
    });
    match failure.into_inner() {
        Ok(Some(e)) => Err(e),
        Ok(None) => Ok(()),
        Err(_) => Err(anyhow!("a download thread panicked")),
    }
}

fn fetch_layer(
    store: &Store,
    lease: &Lease,
    r: &Resolved,
    job: &Job<'_>,
    progress: &Progress,
    stop: &AtomicBool,
) -> Result<()> {
    let digest = &job.blob.digest;
    let staging = store.layers().stage()?;
    let blob = r.client.get_blob(&r.repository, digest)?;
    let bar = progress.blob(digest, job.blob.size);
    let blob = Stoppable {
        inner: bar.wrap(blob),
        stop,
    };
    let mut verifying = VerifyingReader::new(blob, digest.clone(), Some(job.blob.size));
    let opts = UnpackOptions {
        media_type: Some(job.blob.media_type.clone()),
        journal: Some(staging.journal_path()),
        ..UnpackOptions::default()
    };
    let stats = unpack(&mut verifying, &staging.diff_path(), &opts)
        .with_context(|| format!("unpacking layer {digest}"));
    // The digest verdict comes first: a corrupt blob is a corrupt blob, whatever
    // the unpacker made of it.
    verifying
        .finish()
        .with_context(|| format!("layer {digest} from {}", r.name))?;
    let stats = stats?;
    if &stats.diff_id != job.diff_id {
        bail!(
            "layer {digest} of {} unpacks to {} but the image config says {}",
            r.name,
            stats.diff_id,
            job.diff_id
        );
    }
    bar.done();
    store.layers().commit(
        staging,
        lease,
        LayerInfo {
            diff_id: stats.diff_id,
            size: stats.size,
            compressed: Some(BlobInfo {
                digest: digest.clone(),
                size: job.blob.size,
                media_type: job.blob.media_type.clone(),
            }),
            skipped_devices: stats.counts.skipped_devices,
        },
    )?;
    Ok(())
}

/// A download another thread's failure can cut short.
struct Stoppable<'a, R> {
    inner: R,
    stop: &'a AtomicBool,
}

impl<R: Read> Read for Stoppable<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            // Not ErrorKind::Interrupted: readers retry those.
            return Err(io::Error::other(
                "stopped: another layer of this pull failed",
            ));
        }
        self.inner.read(buf)
    }
}
