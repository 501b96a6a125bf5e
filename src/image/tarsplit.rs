//! The tar journal of a layer: every byte of the original uncompressed tar
//! stream except regular files' contents, which are referenced by path.
//!
//! With it, `pack` rebuilds the layer's tar byte for byte from the unpacked
//! tree, so its sha256 is still the diff id in the image config: `save` and
//! `push` keep image ids without storing each layer twice. (containers/storage
//! keeps a "tar-split" for the same reason.) The file is zstd-compressed:
//!
//! ```text
//! "RPODTS1\n" then records:  'R' u32le len, bytes        raw stream bytes
//!                            'F' u64le size, u32le len, path   file content
//!                            'E'                          end
//! ```

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"RPODTS1\n";
/// Raw bytes are buffered up to this much before becoming a record.
const SEGMENT: usize = 1 << 20;

/// Writes a journal while a layer is read.
pub struct JournalWriter {
    enc: zstd::stream::write::Encoder<'static, BufWriter<File>>,
    pending: Vec<u8>,
}

impl JournalWriter {
    pub fn create(path: &Path) -> io::Result<JournalWriter> {
        let file = File::create(path)?;
        let mut enc = zstd::stream::write::Encoder::new(BufWriter::new(file), 3)?;
        enc.write_all(MAGIC)?;
        Ok(JournalWriter {
            enc,
            pending: Vec::new(),
        })
    }

    /// Bytes of the stream kept verbatim.
    pub fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= SEGMENT {
            self.flush_raw()?;
        }
        Ok(())
    }

    /// `size` bytes of the stream that are the content of the file at `path`
    /// (relative to the layer root).
    pub fn file(&mut self, size: u64, path: &[u8]) -> io::Result<()> {
        self.flush_raw()?;
        let len = u32::try_from(path.len()).map_err(io::Error::other)?;
        self.enc.write_all(b"F")?;
        self.enc.write_all(&size.to_le_bytes())?;
        self.enc.write_all(&len.to_le_bytes())?;
        self.enc.write_all(path)
    }

    fn flush_raw(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.enc.write_all(b"R")?;
        self.enc
            .write_all(&(self.pending.len() as u32).to_le_bytes())?;
        self.enc.write_all(&self.pending)?;
        self.pending.clear();
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.flush_raw()?;
        self.enc.write_all(b"E")?;
        let mut w = self.enc.finish()?;
        w.flush()?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()
    }
}

/// One step of a journal.
#[derive(Debug, PartialEq, Eq)]
pub enum Record {
    Raw(Vec<u8>),
    File { size: u64, path: Vec<u8> },
}

/// Reads a journal record by record.
pub struct JournalReader {
    dec: zstd::stream::read::Decoder<'static, BufReader<BufReader<File>>>,
    done: bool,
}

impl JournalReader {
    pub fn open(path: &Path) -> io::Result<JournalReader> {
        let file = BufReader::new(File::open(path)?);
        let mut dec = zstd::stream::read::Decoder::new(file)?;
        let mut magic = [0u8; 8];
        dec.read_exact(&mut magic)?;
        if &magic != MAGIC {
            return Err(corrupt("bad magic"));
        }
        Ok(JournalReader { dec, done: false })
    }

    /// The next record; `None` at the end.
    pub fn next_record(&mut self) -> io::Result<Option<Record>> {
        if self.done {
            return Ok(None);
        }
        let mut tag = [0u8; 1];
        self.dec.read_exact(&mut tag)?;
        match tag[0] {
            b'R' => {
                let len = self.u32()? as usize;
                let mut bytes = vec![0u8; len];
                self.dec.read_exact(&mut bytes)?;
                Ok(Some(Record::Raw(bytes)))
            }
            b'F' => {
                let mut size = [0u8; 8];
                self.dec.read_exact(&mut size)?;
                let len = self.u32()? as usize;
                let mut path = vec![0u8; len];
                self.dec.read_exact(&mut path)?;
                Ok(Some(Record::File {
                    size: u64::from_le_bytes(size),
                    path,
                }))
            }
            b'E' => {
                self.done = true;
                Ok(None)
            }
            _ => Err(corrupt("unknown record")),
        }
    }

    fn u32(&mut self) -> io::Result<u32> {
        let mut b = [0u8; 4];
        self.dec.read_exact(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("corrupt tar journal: {what}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_roundtrip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j");
        let mut w = JournalWriter::create(&p).unwrap();
        w.raw(b"head").unwrap();
        w.raw(b"er").unwrap();
        w.file(5, b"etc/passwd").unwrap();
        w.raw(b"pad").unwrap();
        w.finish().unwrap();
        let mut r = JournalReader::open(&p).unwrap();
        assert_eq!(
            r.next_record().unwrap(),
            Some(Record::Raw(b"header".to_vec()))
        );
        assert_eq!(
            r.next_record().unwrap(),
            Some(Record::File {
                size: 5,
                path: b"etc/passwd".to_vec()
            })
        );
        assert_eq!(r.next_record().unwrap(), Some(Record::Raw(b"pad".to_vec())));
        assert_eq!(r.next_record().unwrap(), None);
        assert_eq!(r.next_record().unwrap(), None);
    }

    #[test]
    fn truncated_journal_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j");
        std::fs::write(
            &p,
            zstd::encode_all(&b"RPODTS1\nR\x05\x00\x00\x00ab"[..], 3).unwrap(),
        )
        .unwrap();
        let mut r = JournalReader::open(&p).unwrap();
        assert!(r.next_record().is_err());
    }
}
