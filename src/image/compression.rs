//! Layer compression: gzip, zstd or none, told by media type and by the data's
//! first bytes. The bytes win when the two disagree, as containers/image does:
//! a mislabelled layer still unpacks, and a label can never make rpod feed
//! data to the wrong decoder.

use std::io::{self, BufReader, Read};

/// The compressions OCI and Docker layers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// How a layer made or pushed here is compressed (`--compression-format`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum LayerCompression {
    #[default]
    Gzip,
    Zstd,
}

impl LayerCompression {
    pub fn compression(self) -> Compression {
        match self {
            LayerCompression::Gzip => Compression::Gzip,
            LayerCompression::Zstd => Compression::Zstd,
        }
    }

    /// The OCI media type of a layer compressed this way.
    pub fn media_type(self) -> &'static str {
        super::manifest::media_type::layer(super::manifest::Format::Oci, self.compression())
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Buffer between the compressed source and the decoder.
const READ_BUFFER: usize = 256 * 1024;

impl Compression {
    /// What a layer media type says (`…tar+gzip`, `…tar.gzip`, `…tar+zstd`,
    /// `…tar`); `None` for a type that says nothing rpod knows.
    pub fn from_media_type(media_type: &str) -> Option<Compression> {
        let mt = media_type.trim();
        if mt.ends_with("+gzip") || mt.ends_with(".gzip") || mt.ends_with(".gz") {
            Some(Compression::Gzip)
        } else if mt.ends_with("+zstd") || mt.ends_with(".zstd") {
            Some(Compression::Zstd)
        } else if mt.ends_with(".tar") || mt.ends_with("tar") {
            Some(Compression::None)
        } else {
            None
        }
    }

    /// What the first bytes of the data say.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else if head.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// The name podman prints (`gzip`, `zstd`, `uncompressed`).
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// Wraps `reader` in the decoder its first bytes call for. Returns the decoder
/// and the compression found; `media_type`, when given, is only checked against it.
pub fn decompress<'a, R: Read + 'a>(
    mut reader: R,
    media_type: Option<&str>,
) -> io::Result<(Box<dyn Read + 'a>, Compression)> {
    let mut head = [0u8; ZSTD_MAGIC.len()];
    let got = read_full(&mut reader, &mut head)?;
    let found = Compression::sniff(&head[..got]);
    if let Some(said) = media_type.and_then(Compression::from_media_type) {
        if said != found {
            log::debug!(
                "layer labelled {} is {}; unpacking it as {}",
                said.name(),
                found.name(),
                found.name()
            );
        }
    }
    let source = io::Cursor::new(head[..got].to_vec()).chain(reader);
    let buffered = BufReader::with_capacity(READ_BUFFER, source);
    let decoder: Box<dyn Read + 'a> = match found {
        Compression::None => Box::new(buffered),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?),
    };
    Ok((decoder, found))
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
pub(crate) fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn roundtrip(data: &[u8], compressed: Vec<u8>, want: Compression) {
        let (mut r, found) = decompress(
            &compressed[..],
            Some("application/vnd.oci.image.layer.v1.tar"),
        )
        .unwrap();
        assert_eq!(found, want);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn magic_decides() {
        let data = b"some tar bytes, honestly".repeat(100);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&data).unwrap();
        roundtrip(&data, gz.finish().unwrap(), Compression::Gzip);
        roundtrip(
            &data,
            zstd::encode_all(&data[..], 3).unwrap(),
            Compression::Zstd,
        );
        roundtrip(&data, data.clone(), Compression::None);
        roundtrip(b"ab", b"ab".to_vec(), Compression::None);
        roundtrip(b"", Vec::new(), Compression::None);
    }

    #[test]
    fn media_types() {
        use Compression::*;
        let m = Compression::from_media_type;
        assert_eq!(m("application/vnd.oci.image.layer.v1.tar+gzip"), Some(Gzip));
        assert_eq!(
            m("application/vnd.docker.image.rootfs.diff.tar.gzip"),
            Some(Gzip)
        );
        assert_eq!(m("application/vnd.oci.image.layer.v1.tar+zstd"), Some(Zstd));
        assert_eq!(m("application/vnd.oci.image.layer.v1.tar"), Some(None));
        assert_eq!(m("application/json"), Option::None);
    }
}
