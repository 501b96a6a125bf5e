//! Pull progress on stderr: bars on a terminal, podman's plain lines elsewhere, nothing with `-q`.

use std::io::{IsTerminal, Read};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::base::digest::Digest;

#[derive(Clone)]
pub enum Progress {
    Quiet,
    Lines,
    Bars(MultiProgress),
}

impl Progress {
    /// Bars when stderr is a terminal, else plain lines; `quiet` silences both.
    pub fn new(quiet: bool) -> Progress {
        if quiet {
            Progress::Quiet
        } else if std::io::stderr().is_terminal() {
            Progress::Bars(MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
        } else {
            Progress::Lines
        }
    }

    /// A line of text (e.g. `Trying to pull …`).
    pub fn say(&self, line: &str) {
        match self {
            Progress::Quiet => {}
            Progress::Lines => eprintln!("{line}"),
            Progress::Bars(m) => {
                let _ = m.println(line);
            }
        }
    }

    /// A blob that is already in the store.
    pub fn skipped(&self, digest: &Digest) {
        self.say(&format!(
            "Copying blob {} skipped: already exists",
            short(digest)
        ));
    }

    /// Starts showing the download of one blob; the reader wrapper counts bytes.
    pub fn blob(&self, digest: &Digest, size: u64) -> BlobProgress {
        match self {
            Progress::Quiet => BlobProgress(None),
            Progress::Lines => {
                eprintln!("Copying blob {digest}");
                BlobProgress(None)
            }
            Progress::Bars(m) => {
                let bar = m.add(ProgressBar::new(size));
                bar.set_style(
                    ProgressStyle::with_template(
                        "Copying blob {msg} [{bar:30}] {binary_bytes} / {binary_total_bytes} | {binary_bytes_per_sec}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar.set_message(short(digest));
                BlobProgress(Some(bar))
            }
        }
    }
}

fn short(d: &Digest) -> String {
    d.hex()[..12].to_string()
}

/// One blob's bar (or nothing).
pub struct BlobProgress(Option<ProgressBar>);

impl BlobProgress {
    pub fn wrap<R: Read + Send + 'static>(&self, reader: R) -> Box<dyn Read + Send + '_> {
        match &self.0 {
            Some(bar) => Box::new(bar.wrap_read(reader)),
            None => Box::new(reader),
        }
    }

    /// Counts `n` more bytes (for data that is written rather than read).
    pub fn inc(&self, n: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(n);
        }
    }

    pub fn done(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_with_message(format!("{} done", bar.message()));
        }
    }
}
