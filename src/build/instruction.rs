//! A parsed Containerfile: the shape every later step of a build works on.
//!
//! Words are kept as written (quotes and `$VAR` intact) wherever Docker
//! substitutes variables at build time, because the values of `ARG` and `ENV`
//! are known only while the stage runs; the builder expands them with the
//! stage's variables. Exec-form lists (`["a", "b"]`) are already decoded.

/// A whole file: the `ARG`s before the first `FROM`, then its stages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Containerfile {
    /// How errors name the file (`Containerfile`, `-` for stdin, a path).
    pub name: String,
    /// The escape character from the `# escape=` directive (`\` by default).
    pub escape: char,
    /// The `# syntax=` directive, if present (recorded, not acted on).
    pub syntax: Option<String>,
    /// `ARG`s before the first `FROM`: usable only in `FROM` lines, and in a
    /// stage once it redeclares them without a value.
    pub global_args: Vec<ArgDecl>,
    pub stages: Vec<Stage>,
}

/// One `FROM` and the instructions up to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Position among the file's stages, from 0 (what `--from=0` names).
    pub index: usize,
    /// `AS name`, lowercased as Docker does.
    pub name: Option<String>,
    /// The base as written (`scratch`, an image reference, an earlier stage's
    /// name), before substitution of global `ARG`s.
    pub base: String,
    /// `--platform=` as written.
    pub platform: Option<String>,
    /// 1-based line of the `FROM`.
    pub line: usize,
    /// The `FROM` line as written, continuations joined.
    pub text: String,
    pub instructions: Vec<Instruction>,
}

/// One instruction with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// 1-based line where the instruction starts.
    pub line: usize,
    /// The instruction as written, continuation lines joined with the
    /// escape+newline removed and here-document bodies appended: the
    /// history's `created_by` and part of the cache key.
    pub text: String,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Run(Run),
    Copy(CopySpec),
    Add(CopySpec),
    /// `ENV k=v ...` or the legacy `ENV k v`; values raw.
    Env(Vec<(String, String)>),
    Arg(Vec<ArgDecl>),
    /// Raw word.
    Workdir(String),
    /// Raw word (`user[:group]`).
    User(String),
    Cmd(Command),
    Entrypoint(Command),
    /// Raw words (`80`, `53/udp`, `$PORT`).
    Expose(Vec<String>),
    /// Raw keys and values.
    Label(Vec<(String, String)>),
    /// Raw words (both the JSON and the plain form).
    Volume(Vec<String>),
    /// Raw word.
    StopSignal(String),
    /// Exec form only, as Docker requires.
    Shell(Vec<String>),
    Healthcheck(Healthcheck),
    /// The trigger instruction as written after `ONBUILD` (stored in the
    /// image config, run by builds that use this image as a base).
    Onbuild(String),
    /// `MAINTAINER name`: deprecated, sets the image author.
    Maintainer(String),
}

/// Shell form runs through the stage's `SHELL` (`/bin/sh -c` by default);
/// exec form runs the list as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Shell(String),
    Exec(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub command: Command,
    /// Here-documents named on the line (`RUN <<EOF` …). When the command is
    /// only a here-document, Docker runs its body as a script with the shell.
    pub heredocs: Vec<Heredoc>,
    /// `--network=none|host|default`, if given.
    pub network: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word (`EOF`), without quotes or `-`.
    pub name: String,
    /// The body, with a final newline; leading tabs already stripped for `<<-`.
    pub body: String,
    /// False when the delimiter was quoted (`<<"EOF"`): no expansion inside.
    pub expand: bool,
}

/// `COPY`/`ADD` after their flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySpec {
    /// Raw source words (paths or globs relative to the context, URLs for
    /// `ADD`); empty when all sources are here-documents.
    pub sources: Vec<String>,
    /// Raw destination word.
    pub dest: String,
    /// `--from=stage|index|image`.
    pub from: Option<String>,
    /// `--chown=user[:group]`, raw.
    pub chown: Option<String>,
    /// `--chmod=octal`, raw.
    pub chmod: Option<String>,
    /// `--link` (accepted; the layer is built the same way).
    pub link: bool,
    /// `ADD --checksum=sha256:…`, raw: what a downloaded source must hash to.
    pub checksum: Option<String>,
    /// Here-document sources (`COPY <<EOF /dest`): each becomes a file named
    /// after its delimiter.
    pub heredocs: Vec<Heredoc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgDecl {
    pub name: String,
    /// Raw default value, if any.
    pub default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Healthcheck {
    /// `HEALTHCHECK NONE`: disable any check inherited from the base.
    None,
    Check {
        /// `CMD` in shell form becomes `["CMD-SHELL", cmd]` in the config,
        /// exec form `["CMD", args...]`.
        test: Command,
        /// Durations as written (`30s`, `1m30s`).
        interval: Option<String>,
        timeout: Option<String>,
        start_period: Option<String>,
        start_interval: Option<String>,
        retries: Option<u32>,
    },
}

impl Containerfile {
    /// The stage a `--from=` or `FROM` word names: a stage name
    /// (case-insensitive) or an index, among the stages before `before`.
    pub fn stage_named(&self, word: &str, before: usize) -> Option<&Stage> {
        let lower = word.to_ascii_lowercase();
        self.stages[..before.min(self.stages.len())]
            .iter()
            .find(|s| s.name.as_deref() == Some(lower.as_str()))
            .or_else(|| {
                word.parse::<usize>()
                    .ok()
                    .filter(|i| *i < before)
                    .and_then(|i| self.stages.get(i))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(index: usize, name: Option<&str>) -> Stage {
        Stage {
            index,
            name: name.map(str::to_string),
            base: "scratch".into(),
            platform: None,
            line: index + 1,
            text: "FROM scratch".into(),
            instructions: Vec::new(),
        }
    }

    #[test]
    fn stages_are_found_by_name_or_index_only_before_the_current_one() {
        let file = Containerfile {
            name: "Containerfile".into(),
            escape: '\\',
            syntax: None,
            global_args: Vec::new(),
            stages: vec![
                stage(0, Some("builder")),
                stage(1, None),
                stage(2, Some("last")),
            ],
        };
        assert_eq!(file.stage_named("Builder", 2).map(|s| s.index), Some(0));
        assert_eq!(file.stage_named("1", 2).map(|s| s.index), Some(1));
        assert_eq!(file.stage_named("2", 2), None);
        assert_eq!(file.stage_named("last", 2), None);
        assert_eq!(file.stage_named("busybox", 3), None);
    }
}
