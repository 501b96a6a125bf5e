//! The confirmation the prunes ask for before removing anything.

use std::io::{self, BufRead, Write};

use anyhow::{bail, Result};

/// Prints `question` with podman's `[y/N]` and reads the answer: true for a yes.
/// No answer at all (standard input closed) is an error, so a script that
/// forgot `--force` fails instead of silently doing nothing.
pub fn confirm(question: &str) -> Result<bool> {
    print!("{question}\nAre you sure you want to continue? [y/N] ");
    io::stdout().flush()?;
    let mut answer = String::new();
    if io::stdin().lock().read_line(&mut answer)? == 0 {
        bail!("no answer on standard input: use --force to prune without asking");
    }
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}
