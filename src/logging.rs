//! A small stderr logger behind the `log` facade, driven by `--log-level`.

use log::{Level, LevelFilter, Log, Metadata, Record};

struct StderrLogger;

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let tag = level_tag(record.level());
        eprintln!("{tag}[0000] {}", record.args());
    }

    fn flush(&self) {}
}

static LOGGER: StderrLogger = StderrLogger;

/// podman's four-letter tag for a level, as it starts each log line.
pub fn level_tag(level: Level) -> &'static str {
    match level {
        Level::Error => "ERRO",
        Level::Warn => "WARN",
        Level::Info => "INFO",
        Level::Debug => "DEBU",
        Level::Trace => "TRAC",
    }
}

/// Parses podman's level names (`debug`, `info`, `warn`, `error`, `fatal`, `panic`, plus `trace`).
pub fn parse_level(name: &str) -> Result<LevelFilter, String> {
    match name.to_ascii_lowercase().as_str() {
        "trace" => Ok(LevelFilter::Trace),
        "debug" => Ok(LevelFilter::Debug),
        "info" => Ok(LevelFilter::Info),
        "warn" | "warning" => Ok(LevelFilter::Warn),
        "error" | "fatal" | "panic" => Ok(LevelFilter::Error),
        other => Err(format!(
            "invalid log level {other:?}: choose one of trace, debug, info, warn, error, fatal, panic"
        )),
    }
}

pub fn init(level: LevelFilter) {
    // A second init (tests in one process) keeps the first logger; the level still applies.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podman_names_parse() {
        assert_eq!(parse_level("WARN"), Ok(LevelFilter::Warn));
        assert_eq!(parse_level("fatal"), Ok(LevelFilter::Error));
        assert!(parse_level("loud").is_err());
    }
}
