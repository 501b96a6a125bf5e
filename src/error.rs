//! Exit codes and the one-line error shape shared by every command.
//!
//! Commands return `anyhow::Result`; a failure that must map to something
//! other than podman's generic 125 carries an [`Exit`] somewhere in its chain.

use std::fmt;

/// rpod's own failure (bad flag, missing image, store error, ...).
pub const EXIT_RPOD: u8 = 125;
/// The container's command exists but cannot be invoked.
pub const EXIT_CANNOT_INVOKE: u8 = 126;
/// The container's command was not found.
pub const EXIT_NOT_FOUND: u8 = 127;

/// Marks an error with the exit status the process should end with.
#[derive(Debug)]
pub struct Exit {
    pub code: u8,
    pub message: String,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Exit {}

/// Builds an error that ends the process with `code`.
pub fn exit_error(code: u8, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Exit {
        code,
        message: message.into(),
    })
}

/// The exit status for an error: the first [`Exit`] in its chain, else 125.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    err.chain()
        .find_map(|e| e.downcast_ref::<Exit>().map(|x| x.code))
        .unwrap_or(EXIT_RPOD)
}

/// Renders an error chain as the single line users see after `Error: `.
/// A cause whose text its parent already quotes (`"…: {source}"`) is not repeated.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause
            .to_string()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if text.is_empty() || parts.last().is_some_and(|prev| prev.contains(&text)) {
            continue;
        }
        parts.push(text);
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn default_code_is_125() {
        let err = anyhow::anyhow!("boom");
        assert_eq!(exit_code(&err), 125);
    }

    #[test]
    fn code_found_under_context() {
        let err = Err::<(), _>(exit_error(127, "not found"))
            .context("running container")
            .unwrap_err();
        assert_eq!(exit_code(&err), 127);
        assert_eq!(one_line(&err), "running container: not found");
    }

    #[test]
    fn quoted_source_not_repeated() {
        let io = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let inner = anyhow::Error::new(io);
        let text = format!("cannot create /x: {inner}");
        let err = inner.context(text.clone());
        assert_eq!(one_line(&err), text);
    }

    #[test]
    fn multi_line_messages_fold() {
        let err = anyhow::anyhow!("first\n  second\n");
        assert_eq!(one_line(&err), "first second");
    }
}
