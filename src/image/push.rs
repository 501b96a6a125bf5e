//! Pushing: a stored image to a registry, blobs first and the manifest last.
//!
//! Layers are stored unpacked, so each one is rebuilt byte for byte from its
//! tree and tar journal (`pack::replay`, checked against its diff id) and
//! compressed while it streams to the registry; the compressed digest is
//! computed on the way and given when the upload ends. Before that, what the
//! registry may already have is tried: a compressed form the layer's record
//! knows (from the pull that brought it, or an earlier push) found by `HEAD`
//! in the destination, or mounted from another repository of the same
//! registry that the image came from. Runs as root of the user namespace (the
//! caller arranges it) so that every layer file is readable.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

use anyhow::{anyhow, bail, Context as _, Result};

use super::blob_locations::BlobLocations;
use super::compression::{Compression, LayerCompression};
use super::gzip::GzipWriter;
use super::manifest::{media_type, Descriptor, Format, ImageManifest};
use super::pack;
use super::progress::{BlobProgress, Progress};
use super::reference::Reference;
use super::registry::auth::{AuthEnv, AuthFiles, Credentials};
use super::registry::client::{Client, ClientOptions, Mount};
use super::registry::conf::RegistriesConf;
use super::registry::error::RegistryError;
use crate::base::digest::{Digest, HashingWriter};
use crate::base::paths::Paths;
use crate::store::images::ImageRecord;
use crate::store::layers::{BlobInfo, LayerRecord};
use crate::store::{names, Lease, Store};

/// What `push` needs besides the names.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// `--tls-verify`: see [`ClientOptions::tls_verify`].
    pub tls_verify: Option<bool>,
    pub creds: Option<Credentials>,
    pub authfile: Option<PathBuf>,
    pub quiet: bool,
    pub format: Format,
    /// `--compression-format`; gzip when not given.
    pub compression: Option<LayerCompression>,
    /// `--compression-level`; each format's default when not given.
    pub compression_level: Option<i32>,
    /// `--force-compression`: compress again even when the registry has a blob.
    pub force_compression: bool,
    /// Layers uploaded at once.
    pub parallel: usize,
    /// Replaces the registries.conf search (rpod.toml `registries_conf`).
    pub registries_conf: Option<PathBuf>,
}

/// What a push did.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub destination: Reference,
    /// The digest of the manifest as stored in the registry.
    pub digest: Digest,
}

/// Layers smaller than this (uncompressed) are compressed in memory and sent
/// in one request, after a `HEAD` for the digest that gives.
const SMALL_LAYER: u64 = 1 << 20;
/// Chunks handed from the compressor to the upload.
const CHUNK: usize = 256 << 10;
/// Chunks in flight between them (bounds memory per layer).
const CHUNKS_IN_FLIGHT: usize = 8;
/// Attempts per layer upload, counting the first.
const UPLOAD_TRIES: u32 = 3;

/// The destination as typed: `docker://` allowed, other transports refused.
pub fn parse_destination(input: &str) -> Result<Reference> {
    let name = input.strip_prefix("docker://").unwrap_or(input);
    if let Some((transport, _)) = name.split_once(':') {
        if matches!(
            transport,
            "oci"
                | "dir"
                | "docker-archive"
                | "oci-archive"
                | "containers-storage"
                | "docker-daemon"
        ) {
            bail!(
                "cannot push to {input:?}: only registries (docker://) are supported; \
                 use `rpod save` for archives"
            );
        }
    }
    let reference =
        Reference::parse(name).map_err(|e| anyhow!("invalid destination {input:?}: {e}"))?;
    if reference.digest.is_some() {
        bail!(
            "cannot push to {input:?}: a destination names a tag, not a digest (the registry \
             computes the digest)"
        );
    }
    Ok(reference)
}

/// One layer as the push sees it.
struct LayerJob {
    record: LayerRecord,
    root: PathBuf,
    journal: Option<PathBuf>,
}

/// Everything the layer uploads share.
struct Target<'a> {
    client: &'a Client,
    repository: &'a str,
    registry: &'a str,
    /// Other repositories of the destination registry the image has names in.
    mount_from: Vec<String>,
    /// Where earlier pushes left blobs.
    locations: &'a BlobLocations,
    compression: Compression,
    level: Option<i32>,
    reuse: bool,
    format: Format,
    progress: &'a Progress,
    stop: &'a AtomicBool,
}

/// Pushes the stored image `source` to `destination` (or to the name it was
/// asked for by, when no destination is given).
pub fn push(
    paths: &Paths,
    store: &Store,
    source: &str,
    destination: Option<&str>,
    opts: &PushOptions,
) -> Result<Pushed> {
    let compression = opts.compression.unwrap_or_default().compression();
    if opts.format == Format::Docker && compression == Compression::Zstd {
        bail!("zstd-compressed layers need an OCI manifest: use --format oci, or gzip");
    }
    let lease = store.lease()?;
    let (image, config, jobs) = hold_image(store, &lease, source)?;
    let dest = match destination {
        Some(d) => parse_destination(d)?,
        None => default_destination(&image, source)?,
    };

    let config_home = paths.config_home();
    let conf = RegistriesConf::load(&config_home, opts.registries_conf.as_deref())?;
    let insecure = match conf.find_registry(&dest) {
        Some((r, _)) if r.blocked => bail!(
            "registry {} is blocked in {}",
            dest.registry,
            r.source.display()
        ),
        Some((r, _)) => r.insecure,
        None => false,
    };
    let creds = match &opts.creds {
        Some(c) => c.clone(),
        None => {
            let auth = AuthEnv::from_process(opts.authfile.as_deref(), &paths.home, paths.uid);
            AuthFiles::find(&auth)?.lookup(&dest.registry, &dest.repository)?
        }
    };
    let mut client_opts = ClientOptions::new(&config_home);
    client_opts.tls_verify = opts.tls_verify;
    let client = Client::new(&dest.registry, insecure, creds, &client_opts)?;
    client.ping()?;

    // Asked first: a registry that refuses this push says so before any output.
    let config_digest = Digest::of(&config);
    let config_present = client.blob_exists_for_push(&dest.repository, &config_digest)?;

    let progress = Progress::new(opts.quiet);
    progress.say("Getting image source signatures");
    let stop = AtomicBool::new(false);
    let locations = BlobLocations::open(store.dir());
    let target = Target {
        client: &client,
        repository: &dest.repository,
        registry: &dest.registry,
        mount_from: mount_sources(&image, &dest),
        locations: &locations,
        compression,
        level: opts.compression_level,
        reuse: !opts.force_compression,
        format: opts.format,
        progress: &progress,
        stop: &stop,
    };
    let blobs = push_layers(store, &target, &jobs, opts.parallel.max(1))?;

    if config_digest != image.id {
        bail!(
            "the stored config of image {} hashes to {config_digest}: the store is damaged; \
             pull or build the image again",
            image.id.short()
        );
    }
    progress.say(&format!("Copying config {config_digest}"));
    if !config_present {
        client.put_blob(&dest.repository, &config_digest, &config)?;
    }
    progress.say("Writing manifest to image destination");
    let manifest = ImageManifest::new(opts.format, &config, blobs);
    let media_type = manifest.media_type();
    let blobs = &manifest.layers;
    let manifest = serde_json::to_vec_pretty(&manifest)?;
    let tag = dest.tag.clone().unwrap_or_else(|| "latest".to_string());
    let digest = client.put_manifest(&dest.repository, &tag, media_type, &manifest)?;
    let mut pushed: Vec<Digest> = blobs.iter().map(|b| b.digest.clone()).collect();
    pushed.push(config_digest);
    locations.record(&dest.registry, &dest.repository, &pushed);
    drop(lease);
    Ok(Pushed {
        destination: dest,
        digest,
    })
}

/// The image, its config and its layers, held in `lease` so that no removal
/// takes them while they stream.
fn hold_image(
    store: &Store,
    lease: &Lease,
    source: &str,
) -> Result<(ImageRecord, Vec<u8>, Vec<LayerJob>)> {
    let guard = store.read()?;
    let image = guard.lookup(source)?;
    let config = guard.config(&image.id)?;
    let mut jobs = Vec::new();
    for d in &image.layers {
        let record = guard.hold_layer(lease, d)?.ok_or_else(|| {
            anyhow!(
                "layer {d} of image {} is missing from the store: pull or build the image again",
                image.id.short()
            )
        })?;
        jobs.push(LayerJob {
            record,
            root: guard.layer_path(d),
            journal: guard.layer_journal(d),
        });
    }
    Ok((image, config, jobs))
}

/// Without a destination the image goes where its name says: the stored name
/// `source` matches (podman refuses an id here too).
fn default_destination(image: &ImageRecord, source: &str) -> Result<Reference> {
    let by_name = image
        .names
        .iter()
        .filter_map(|n| names::matches(n, source).map(|m| (m, n)))
        .max_by_key(|(m, _)| *m)
        .map(|(_, n)| n);
    match by_name {
        Some(name) => Reference::parse(name)
            .map_err(|e| anyhow!("the image name {name:?} is not a registry reference: {e}")),
        None => bail!(
            "{source:?} names the image by id: give a destination (rpod push {source} \
             REGISTRY/NAME:TAG)"
        ),
    }
}

/// Repositories of the destination's registry the image is known in (besides
/// the destination itself): candidates to mount blobs from.
fn mount_sources(image: &ImageRecord, dest: &Reference) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in &image.names {
        let Ok(r) = Reference::parse(name) else {
            continue;
        };
        if r.registry == dest.registry
            && r.repository != dest.repository
            && !out.contains(&r.repository)
        {
            out.push(r.repository);
        }
    }
    out
}

/// Pushes the layers on up to `parallel` threads; returns their manifest
/// entries in order. The first failure stops the others.
fn push_layers(
    store: &Store,
    target: &Target<'_>,
    jobs: &[LayerJob],
    parallel: usize,
) -> Result<Vec<Descriptor>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<Descriptor>>> = Mutex::new(vec![None; jobs.len()]);
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..parallel.min(jobs.len()) {
            s.spawn(|| loop {
                if target.stop.load(Ordering::Relaxed) {
                    return;
                }
                let i = {
                    let Ok(mut n) = next.lock() else { return };
                    let i = *n;
                    *n += 1;
                    i
                };
                let Some(job) = jobs.get(i) else { return };
                match push_layer(store, target, job) {
                    Ok(blob) => {
                        if let Ok(mut r) = results.lock() {
                            r[i] = Some(blob);
                        }
                    }
                    Err(e) => {
                        if let Ok(mut f) = failure.lock() {
                            f.get_or_insert(e);
                        }
                        target.stop.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            });
        }
    });
    if let Some(e) = failure
        .into_inner()
        .map_err(|_| anyhow!("an upload thread panicked"))?
    {
        return Err(e);
    }
    results
        .into_inner()
        .map_err(|_| anyhow!("an upload thread panicked"))?
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| anyhow!("an upload thread ended without its layer"))
}

/// One layer: reuse a blob the registry has or can mount, else compress and upload.
fn push_layer(store: &Store, t: &Target<'_>, job: &LayerJob) -> Result<Descriptor> {
    let diff_id = &job.record.diff_id;
    let media_type = media_type::layer(t.format, t.compression).to_string();
    // A blob of the wanted compression that the record knows: perhaps already there.
    let known: Vec<&BlobInfo> = job
        .record
        .compressed
        .iter()
        .filter(|b| t.reuse && Compression::from_media_type(&b.media_type) == Some(t.compression))
        .collect();
    let mut session = None;
    for blob in &known {
        if t.client.blob_exists_for_push(t.repository, &blob.digest)? {
            t.progress.skipped(&blob.digest);
            return Ok(Descriptor::new(&media_type, blob.digest.clone(), blob.size));
        }
        let mut sources = t.mount_from.clone();
        for r in t.locations.get(t.registry, &blob.digest) {
            if r != t.repository && !sources.contains(&r) {
                sources.push(r);
            }
        }
        for from in &sources {
            match t.client.mount_blob(t.repository, &blob.digest, from) {
                Ok(Mount::Mounted) => {
                    t.progress.skipped(&blob.digest);
                    return Ok(Descriptor::new(&media_type, blob.digest.clone(), blob.size));
                }
                Ok(Mount::Upload(location)) => {
                    // Not mounted: the session the registry opened serves the upload.
                    if let Some(old) = session.replace(location) {
                        t.client.cancel_upload(t.repository, &old);
                    }
                }
                Err(e) => log::debug!("mounting {} from {from}: {e}", blob.digest),
            }
        }
    }

    let journal = job.journal.as_deref().ok_or_else(|| {
        anyhow!(
            "layer {diff_id} was stored without its tar journal and cannot be rebuilt byte \
             for byte: remove the image and pull it again"
        )
    })?;
    let bar = t.progress.blob(diff_id, job.record.size);
    let encoded = if job.record.size < SMALL_LAYER {
        let (encoded, bytes) = encode_in_memory(t, job, journal)?;
        if !t
            .client
            .blob_exists_for_push(t.repository, &encoded.digest)?
        {
            match session.take() {
                Some(loc) => t
                    .client
                    .finish_upload(t.repository, &loc, &encoded.digest, &bytes)?,
                None => t.client.put_blob(t.repository, &encoded.digest, &bytes)?,
            }
        }
        bar.inc(job.record.size);
        encoded
    } else {
        let mut attempt = 1;
        loop {
            let location = match session.take() {
                Some(l) => l,
                None => t.client.start_upload(t.repository)?,
            };
            match upload_streaming(t, job, journal, &location, &bar) {
                Ok(e) => break e,
                Err(e)
                    if attempt < UPLOAD_TRIES
                        && transient(&e)
                        && !t.stop.load(Ordering::Relaxed) =>
                {
                    log::debug!("uploading layer {diff_id}: {e:#}; starting again");
                    t.client.cancel_upload(t.repository, &location);
                    attempt += 1;
                }
                Err(e) => {
                    t.client.cancel_upload(t.repository, &location);
                    return Err(e);
                }
            }
        }
    };
    bar.done();
    let info = BlobInfo {
        digest: encoded.digest.clone(),
        size: encoded.size,
        media_type: media_type.clone(),
    };
    if let Err(e) = store.layers().add_blob(diff_id, info) {
        log::warn!("could not record the compressed digest of layer {diff_id}: {e:#}");
    }
    Ok(Descriptor::new(&media_type, encoded.digest, encoded.size))
}

/// Digest and size of a compressed layer.
struct Encoded {
    digest: Digest,
    size: u64,
}

fn transient(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<RegistryError>(),
            Some(
                RegistryError::Unreachable { .. }
                    | RegistryError::Timeout { .. }
                    | RegistryError::Io { .. }
            )
        ) || matches!(
            c.downcast_ref::<RegistryError>(),
            Some(RegistryError::Status { status, .. }) if *status >= 500
        )
    })
}

/// The layer's tar, compressed, into `out`; checks the tar against the diff id.
fn encode(
    t: &Target<'_>,
    job: &LayerJob,
    journal: &Path,
    out: impl Write,
    bar: Option<&BlobProgress>,
) -> Result<Encoded> {
    let hashed = HashingWriter::new(out);
    let diff_id = &job.record.diff_id;
    let (tar_digest, compressed) = match t.compression {
        Compression::Gzip => {
            let level = t.level.map_or(6, |l| l.clamp(0, 9) as u32);
            let mut tar = HashingWriter::new(GzipWriter::new(hashed, level));
            replay_checked(job, journal, &mut tar, t.stop, bar)?;
            let (d, _, enc) = tar.finish();
            (d, enc.finish().context("compressing the layer")?)
        }
        Compression::Zstd => {
            let enc = zstd::stream::write::Encoder::new(hashed, t.level.unwrap_or(3))
                .context("starting zstd")?;
            let mut tar = HashingWriter::new(enc);
            replay_checked(job, journal, &mut tar, t.stop, bar)?;
            let (d, _, enc) = tar.finish();
            (d, enc.finish().context("compressing the layer")?)
        }
        Compression::None => {
            let mut tar = HashingWriter::new(hashed);
            replay_checked(job, journal, &mut tar, t.stop, bar)?;
            let (d, _, inner) = tar.finish();
            (d, inner)
        }
    };
    if &tar_digest != diff_id {
        bail!(
            "layer {diff_id} rebuilds to {tar_digest}: its files changed in the store; remove \
             the image and pull it again"
        );
    }
    let (digest, size, mut out) = compressed.finish();
    out.flush().context("sending the layer")?;
    Ok(Encoded { digest, size })
}

fn replay_checked(
    job: &LayerJob,
    journal: &Path,
    out: impl Write,
    stop: &AtomicBool,
    bar: Option<&BlobProgress>,
) -> Result<()> {
    let out = Stoppable {
        inner: Counting { inner: out, bar },
        stop,
    };
    let n = pack::replay(&job.root, journal, out)
        .with_context(|| format!("rebuilding layer {}", job.record.diff_id))?;
    if n != job.record.size {
        bail!(
            "layer {} rebuilds to {n} bytes where {} were stored: remove the image and pull it \
             again",
            job.record.diff_id,
            job.record.size
        );
    }
    Ok(())
}

fn encode_in_memory(t: &Target<'_>, job: &LayerJob, journal: &Path) -> Result<(Encoded, Vec<u8>)> {
    let mut bytes = Vec::new();
    let e = encode(t, job, journal, &mut bytes, None)?;
    Ok((e, bytes))
}

/// Compresses on this thread while another sends the stream; ends the upload
/// with the digest found.
fn upload_streaming(
    t: &Target<'_>,
    job: &LayerJob,
    journal: &Path,
    location: &str,
    bar: &BlobProgress,
) -> Result<Encoded> {
    let (tx, rx) = sync_channel(CHUNKS_IN_FLIGHT);
    let reader = ChannelReader {
        rx,
        buf: Vec::new(),
        pos: 0,
    };
    let client = t.client.clone();
    let repository = t.repository.to_string();
    let location = location.to_string();
    let sender = std::thread::spawn(move || client.upload_stream(&repository, &location, reader));
    let mut writer = ChannelWriter {
        tx: Some(tx),
        buf: Vec::with_capacity(CHUNK),
    };
    let encoded = encode(t, job, journal, &mut writer, Some(bar));
    match &encoded {
        Ok(_) => writer.close(),
        Err(e) => writer.fail(format!("{e:#}")),
    }
    let sent = sender
        .join()
        .map_err(|_| anyhow!("the upload thread panicked"))?;
    // The upload's own failure explains a broken pipe on the compressing side.
    let next = match (sent, encoded) {
        (Ok(next), Ok(enc)) => (next, enc),
        (Err(e), Ok(_)) => return Err(e.into()),
        (Err(e), Err(enc_err)) if is_broken_pipe(&enc_err) => return Err(e.into()),
        (_, Err(enc_err)) => return Err(enc_err),
    };
    let (next, encoded) = next;
    t.client
        .finish_upload(t.repository, &next, &encoded.digest, &[])?;
    Ok(encoded)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Counts the tar bytes on the progress bar (its total is the uncompressed size).
struct Counting<'a, W> {
    inner: W,
    bar: Option<&'a BlobProgress>,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(bar) = self.bar {
            bar.inc(n as u64);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A writer another thread's failure can cut short.
struct Stoppable<'a, W> {
    inner: W,
    stop: &'a AtomicBool,
}

impl<W: Write> Write for Stoppable<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(io::Error::other(
                "stopped: another layer of this push failed",
            ));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

type Chunk = Result<Vec<u8>, String>;

/// The writing end of the stream handed to the upload thread.
struct ChannelWriter {
    tx: Option<SyncSender<Chunk>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self, chunk: Chunk) -> io::Result<()> {
        match &self.tx {
            Some(tx) => tx
                .send(chunk)
                .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the upload stopped")),
            None => Err(io::Error::new(io::ErrorKind::BrokenPipe, "stream closed")),
        }
    }

    /// Sends what is buffered and ends the stream.
    fn close(&mut self) {
        let _ = self.flush();
        self.tx = None;
    }

    /// Makes the reading side fail, so a half-made blob is never completed.
    fn fail(&mut self, why: String) {
        let _ = self.send(Err(why));
        self.tx = None;
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = room.min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
            self.send(Ok(chunk))?;
        }
        Ok(())
    }
}

/// The reading end: what the HTTP body is made of.
struct ChannelReader {
    rx: Receiver<Chunk>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.buf.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.buf = chunk;
                    self.pos = 0;
                }
                Ok(Err(why)) => return Err(io::Error::other(why)),
                // The writer closed the stream: the end of the blob.
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations() {
        let r = parse_destination("docker://127.0.0.1:5000/a/b:1").unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "a/b");
        assert_eq!(r.tag.as_deref(), Some("1"));
        let r = parse_destination("127.0.0.1:5000/x").unwrap();
        assert_eq!(r.tag.as_deref(), Some("latest"));
        let e = parse_destination("oci-archive:/tmp/x.tar").unwrap_err();
        assert!(e.to_string().contains("rpod save"), "{e}");
        let d = format!("127.0.0.1:5000/x@{}", Digest::of(b""));
        assert!(parse_destination(&d).is_err());
        assert!(parse_destination("no spaces allowed").is_err());
    }

    #[test]
    fn media_types_follow_format_and_compression() {
        assert_eq!(
            media_type::layer(Format::Oci, Compression::Zstd),
            "application/vnd.oci.image.layer.v1.tar+zstd"
        );
        assert_eq!(
            media_type::layer(Format::Docker, Compression::Gzip),
            "application/vnd.docker.image.rootfs.diff.tar.gzip"
        );
        for f in [Format::Oci, Format::Docker] {
            for c in [Compression::Gzip, Compression::None] {
                let mt = media_type::layer(f, c);
                assert_eq!(Compression::from_media_type(mt), Some(c), "{mt}");
            }
        }
    }

    #[test]
    fn channel_carries_bytes_and_failures() {
        let (tx, rx) = sync_channel(2);
        let mut reader = ChannelReader {
            rx,
            buf: Vec::new(),
            pos: 0,
        };
        let data: Vec<u8> = (0..(3 * CHUNK + 17)).map(|i| (i % 251) as u8).collect();
        let expect = data.clone();
        let t = std::thread::spawn(move || {
            let mut w = ChannelWriter {
                tx: Some(tx),
                buf: Vec::new(),
            };
            w.write_all(&data).unwrap();
            w.close();
        });
        let mut got = Vec::new();
        reader.read_to_end(&mut got).unwrap();
        t.join().unwrap();
        assert!(got == expect);

        let (tx, rx) = sync_channel(2);
        let mut reader = ChannelReader {
            rx,
            buf: Vec::new(),
            pos: 0,
        };
        let mut w = ChannelWriter {
            tx: Some(tx),
            buf: Vec::new(),
        };
        w.write_all(b"partial").unwrap();
        w.flush().unwrap();
        w.fail("replay failed".into());
        let e = reader.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("replay failed"), "{e}");
    }

    #[test]
    fn transient_errors_are_network_ones() {
        let unreachable = anyhow::Error::from(RegistryError::Unreachable {
            registry: "r".into(),
            reason: "x".into(),
        });
        assert!(transient(&unreachable.context("uploading")));
        let denied = anyhow::Error::from(RegistryError::Unauthorized {
            registry: "r".into(),
            what: "w".into(),
            reason: "no".into(),
            hint: "h",
        });
        assert!(!transient(&denied));
        let busy = anyhow::Error::from(RegistryError::Status {
            registry: "r".into(),
            what: "w".into(),
            status: 503,
            reason: "busy".into(),
        });
        assert!(transient(&busy));
    }
}
