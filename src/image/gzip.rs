//! A gzip writer for layers that stores what does not compress instead of
//! compressing it.
//!
//! Layers often hold data that is compressed already (archives, media, other
//! images' blobs); deflating it costs the full CPU price and saves nothing.
//! The input is deflated in 1 MiB blocks, each ended with a sync flush so its
//! output size is known: after a block that shrinks by less than 1%, the next
//! blocks are written as stored deflate blocks (copy speed), and every 9th is
//! compressed again, by a reset compressor, to see whether the data has become
//! compressible. The result is an ordinary gzip member (RFC 1952) that any
//! decoder reads.

use std::io::{self, Write};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// Input deflated (and measured) at a time.
const BLOCK: usize = 1 << 20;
/// Blocks stored between two probes at the asked level.
const PROBE_EVERY: u32 = 8;

/// gzip header: magic, deflate, no flags, mtime 0, no extra flags, OS unknown
/// (fixed, so the same input always gives the same bytes).
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

pub struct GzipWriter<W: Write> {
    out: Option<W>,
    deflate: Compress,
    crc: Crc,
    level: u32,
    /// Blocks go out stored (level 0) while this is set.
    storing: bool,
    stored_since_probe: u32,
    input: Vec<u8>,
    output: Vec<u8>,
    header_written: bool,
}

impl<W: Write> GzipWriter<W> {
    /// A writer compressing at `level` (0–9) where the data allows.
    pub fn new(out: W, level: u32) -> GzipWriter<W> {
        let level = level.min(9);
        GzipWriter {
            out: Some(out),
            deflate: Compress::new(Compression::new(level), false),
            crc: Crc::new(),
            level,
            storing: false,
            stored_since_probe: 0,
            input: Vec::with_capacity(BLOCK),
            output: Vec::with_capacity(BLOCK + BLOCK / 8),
            header_written: false,
        }
    }

    fn sink(&mut self) -> io::Result<&mut W> {
        self.out
            .as_mut()
            .ok_or_else(|| io::Error::other("gzip stream already finished"))
    }

    /// Deflates the buffered input, or stores it while the data does not
    /// compress, then adapts to what the block gave.
    fn deflate_block(&mut self, flush: FlushCompress) -> io::Result<()> {
        if !self.header_written {
            self.sink()?.write_all(&HEADER)?;
            self.header_written = true;
        }
        self.crc.update(&self.input);
        let finishing = flush == FlushCompress::Finish;
        if self.storing && !finishing && self.stored_since_probe < PROBE_EVERY {
            self.write_stored()?;
            self.stored_since_probe += 1;
            return Ok(());
        }
        let probing = self.storing && !finishing;
        if self.storing {
            // Blocks were stored behind the compressor's back: its window no
            // longer matches the output, so it starts afresh (a sync flush left
            // the stream byte-aligned, so its next block follows ours).
            self.deflate.reset();
        }
        let before = self.deflate.total_out();
        let mut consumed = 0;
        loop {
            self.output.clear();
            let in_before = self.deflate.total_in();
            let status = self
                .deflate
                .compress_vec(&self.input[consumed..], &mut self.output, flush)
                .map_err(io::Error::other)?;
            consumed += (self.deflate.total_in() - in_before) as usize;
            let produced = std::mem::take(&mut self.output);
            self.sink()?.write_all(&produced)?;
            self.output = produced;
            let room_left = self.output.len() < self.output.capacity();
            if status == Status::StreamEnd
                || (!finishing && consumed == self.input.len() && room_left)
            {
                break;
            }
        }
        let written = self.deflate.total_out() - before;
        let size = self.input.len() as u64;
        self.input.clear();
        if finishing || self.level == 0 {
            return Ok(());
        }
        // Less than 1% saved: not worth the CPU.
        let incompressible = written * 100 > size * 99;
        self.storing = incompressible;
        if probing || incompressible {
            self.stored_since_probe = 0;
        }
        Ok(())
    }

    /// The buffered input as stored deflate blocks (not final).
    fn write_stored(&mut self) -> io::Result<()> {
        let input = std::mem::take(&mut self.input);
        let out = self.sink()?;
        for piece in input.chunks(usize::from(u16::MAX)) {
            let len = piece.len() as u16;
            let mut head = [0u8; 5];
            head[1..3].copy_from_slice(&len.to_le_bytes());
            head[3..5].copy_from_slice(&(!len).to_le_bytes());
            out.write_all(&head)?;
            out.write_all(piece)?;
        }
        self.input = input;
        self.input.clear();
        Ok(())
    }

    /// Ends the gzip member (trailer: CRC-32 and size) and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.deflate_block(FlushCompress::Finish)?;
        let mut trailer = [0u8; 8];
        trailer[..4].copy_from_slice(&self.crc.sum().to_le_bytes());
        trailer[4..].copy_from_slice(&self.crc.amount().to_le_bytes());
        let mut out = self
            .out
            .take()
            .ok_or_else(|| io::Error::other("gzip stream already finished"))?;
        out.write_all(&trailer)?;
        out.flush()?;
        Ok(out)
    }
}

impl<W: Write> Write for GzipWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = (BLOCK - self.input.len()).min(data.len());
        self.input.extend_from_slice(&data[..n]);
        if self.input.len() == BLOCK {
            self.deflate_block(FlushCompress::Sync)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sink()?.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Deterministic bytes that deflate cannot shrink.
    fn noise(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn gzip(data: &[u8], level: u32, chunk: usize) -> Vec<u8> {
        let mut w = GzipWriter::new(Vec::new(), level);
        for piece in data.chunks(chunk) {
            w.write_all(piece).unwrap();
        }
        w.finish().unwrap()
    }

    #[test]
    fn round_trips_and_is_deterministic() {
        let mut data = b"hello layer ".repeat(300_000);
        data.extend(noise(5 * BLOCK + 123, 7));
        data.extend(b"compressible again ".repeat(800_000));
        let z = gzip(&data, 6, 70_001);
        assert!(gunzip(&z) == data);
        assert!(
            z == gzip(&data, 6, 4096),
            "same bytes whatever the write sizes"
        );
        assert!(
            z.len() < data.len() / 2,
            "text parts still compress: {}",
            z.len()
        );
    }

    #[test]
    fn incompressible_data_is_stored_and_text_after_it_compresses_again() {
        let random = noise(20 * BLOCK, 3);
        let z = gzip(&random, 6, BLOCK);
        assert!(gunzip(&z) == random);
        // Stored blocks cost 5 bytes per 64 KiB; the probes cost nothing either.
        assert!(z.len() < random.len() + random.len() / 1000, "{}", z.len());

        let mut w = GzipWriter::new(Vec::new(), 6);
        w.write_all(&random).unwrap();
        assert!(w.storing, "random data switches to stored blocks");
        let text = b"the same words over and over ".repeat(40 * BLOCK / 29);
        w.write_all(&text).unwrap();
        assert!(!w.storing, "a probe finds compressible data again");
        let z = w.finish().unwrap();
        // At most the blocks until the next probe go out stored.
        let stored_text = (PROBE_EVERY as usize + 1) * BLOCK;
        assert!(
            z.len() < random.len() + stored_text + text.len() / 100,
            "{}",
            z.len()
        );
        let mut both = random.clone();
        both.extend_from_slice(&text);
        assert!(gunzip(&z) == both);
    }

    #[test]
    fn empty_and_level_zero() {
        assert!(gunzip(&gzip(b"", 6, 1)).is_empty());
        let data = noise(3000, 9);
        assert!(gunzip(&gzip(&data, 0, 100)) == data);
    }
}
