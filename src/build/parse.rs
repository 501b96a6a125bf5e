//! Containerfile/Dockerfile text → [`Containerfile`], with Docker's rules.
//!
//! Two passes, as buildkit's `parser` and `instructions` packages: the first
//! reads lines (parser directives, comments, continuations, here-document
//! bodies) into raw instruction nodes; the second checks each instruction's
//! flags and arguments and builds its typed form. Words that Docker expands
//! at build time stay raw here (see `instruction.rs`).

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;
use thiserror::Error;

use super::instruction::{
    ArgDecl, Command, Containerfile, CopySpec, Healthcheck, Heredoc, Instruction, Kind, Run, Stage,
};
use super::words::Lexer;
pub use crate::base::timestamp::parse_duration;

/// Why a Containerfile was refused, with the file and (usually) the line:
/// `Containerfile:7: unknown instruction: FOOBAR`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}{}: {}", .file, location(.line), .message)]
pub struct ParseError {
    file: String,
    line: Option<usize>,
    message: String,
}

fn location(line: &Option<usize>) -> String {
    line.map(|l| format!(":{l}")).unwrap_or_default()
}

impl ParseError {
    /// An error about a place in a Containerfile found after parsing (for
    /// example a word that does not expand while the build runs), shaped
    /// like the parser's own.
    pub fn new(file: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        ParseError {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }

    /// The 1-based line the error is about, when there is one.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The file name as given to [`parse`].
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The message without file and line.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// A message and the line it belongs to, before the file name is known.
struct Fail {
    line: Option<usize>,
    message: String,
}

impl Fail {
    fn at(line: usize, message: impl Into<String>) -> Self {
        Fail {
            line: Some(line),
            message: message.into(),
        }
    }

    fn named(self, file: &str) -> ParseError {
        ParseError {
            file: file.to_string(),
            line: self.line,
            message: self.message,
        }
    }
}

/// Parses a whole Containerfile. `name` is how errors name the file.
pub fn parse(text: &str, name: &str) -> Result<Containerfile, ParseError> {
    parse_file(text).map_err(|f| f.named(name)).map(|mut file| {
        file.name = name.to_string();
        file
    })
}

/// Parses one `ONBUILD` trigger as stored in an image config (the text after
/// `ONBUILD`, here-document bodies included), for a build that uses that
/// image as its base. `name` is how errors name the source (the base image).
pub fn parse_trigger(trigger: &str, name: &str) -> Result<Instruction, ParseError> {
    let fail = |message: String| {
        Fail {
            line: None,
            message: format!("ONBUILD trigger {trigger:?}: {message}"),
        }
        .named(name)
    };
    let (nodes, _) = read_nodes(trigger).map_err(|f| fail(f.message))?;
    let [node] = nodes.as_slice() else {
        return Err(fail("expected exactly one instruction".into()));
    };
    check_trigger(node).map_err(fail)?;
    instruction(node).map_err(|f| fail(f.message))
}

fn parse_file(text: &str) -> Result<Containerfile, Fail> {
    let (nodes, directives) = read_nodes(text)?;
    let Some(first) = nodes.first() else {
        return Err(Fail {
            line: None,
            message: "file with no instructions".into(),
        });
    };
    let has_from = nodes.iter().any(|n| n.command() == "FROM");
    let mut file = Containerfile {
        name: String::new(),
        escape: directives.escape,
        syntax: directives.syntax,
        global_args: Vec::new(),
        stages: Vec::new(),
    };
    for node in &nodes {
        let command = node.command();
        if command == "FROM" {
            let stage = stage(node, file.stages.len())?;
            file.stages.push(stage);
            continue;
        }
        let parsed = instruction(node)?;
        match file.stages.last_mut() {
            Some(stage) => stage.instructions.push(parsed),
            None => match parsed.kind {
                Kind::Arg(args) => file.global_args.extend(args),
                _ if !has_from => return Err(Fail::at(node.line, "no FROM instruction")),
                _ => {
                    return Err(Fail::at(
                        node.line,
                        format!("{command} before the first FROM: only ARG may come before FROM"),
                    ))
                }
            },
        }
    }
    if file.stages.is_empty() {
        return Err(Fail::at(first.line, "no FROM instruction"));
    }
    Ok(file)
}

// ---------------------------------------------------------------------------
// First pass: lines into nodes.

/// The parser directives found at the top of the file.
struct Directives {
    escape: char,
    syntax: Option<String>,
    seen: Vec<String>,
    /// Directives end at the first line that is not one.
    done: bool,
}

impl Directives {
    /// Looks at one line (already left-trimmed); true when it was a
    /// directive.
    fn check(&mut self, line: &str, number: usize) -> Result<bool, Fail> {
        if self.done {
            return Ok(false);
        }
        let Some(rest) = line.strip_prefix('#') else {
            self.done = true;
            return Ok(false);
        };
        let Some(caps) = DIRECTIVE.captures(rest.trim_start()) else {
            self.done = true;
            return Ok(false);
        };
        let key = caps[1].to_ascii_lowercase();
        if !matches!(key.as_str(), "syntax" | "escape" | "check") {
            self.done = true;
            return Ok(false);
        }
        if self.seen.contains(&key) {
            return Err(Fail::at(
                number,
                format!("only one {key} parser directive can be used"),
            ));
        }
        self.seen.push(key.clone());
        let value = caps[2].to_string();
        match key.as_str() {
            "escape" => {
                self.escape = match value.as_str() {
                    "\\" => '\\',
                    "`" => '`',
                    _ => {
                        return Err(Fail::at(
                            number,
                            format!("invalid escape token '{value}' does not match ` or \\"),
                        ))
                    }
                }
            }
            "syntax" => self.syntax = Some(value),
            _ => {}
        }
        Ok(true)
    }
}

/// Compiles one of this module's fixed patterns, valid by construction.
fn fixed(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("fixed pattern {pattern}: {e}"))
}

static DIRECTIVE: LazyLock<Regex> =
    LazyLock::new(|| fixed(r"^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$"));
static HEREDOC: LazyLock<Regex> = LazyLock::new(|| fixed(r"^(\d*)<<(-?)\s*([^<]*)$"));
static STAGE_NAME: LazyLock<Regex> = LazyLock::new(|| fixed(r"^[a-z][a-z0-9_.-]*$"));

/// One instruction as read from the file, before its arguments are checked.
#[derive(Debug)]
struct Node {
    /// 1-based line where it starts.
    line: usize,
    /// The instruction word as written.
    word: String,
    /// `--flag[=value]` words before the arguments, quotes removed.
    flags: Vec<String>,
    /// The arguments after the flags, trimmed.
    rest: String,
    /// The joined line, trimmed.
    original: String,
    heredocs: Vec<RawHeredoc>,
    /// The trigger of an `ONBUILD`.
    child: Option<Box<Node>>,
    /// The file's escape character.
    escape: char,
}

#[derive(Debug, Clone)]
struct RawHeredoc {
    name: String,
    /// The body lines as in the file, each with its line ending.
    content: String,
    expand: bool,
    chomp: bool,
}

impl RawHeredoc {
    fn to_heredoc(&self) -> Heredoc {
        Heredoc {
            name: self.name.clone(),
            body: if self.chomp {
                strip_leading_tabs(&self.content)
            } else {
                self.content.clone()
            },
            expand: self.expand,
        }
    }
}

impl Node {
    fn command(&self) -> String {
        self.word.to_ascii_uppercase()
    }

    /// The instruction as written, here-document bodies appended as Docker
    /// records ONBUILD expressions.
    fn text(&self) -> String {
        let mut text = self.original.clone();
        for doc in &self.heredocs {
            text.push('\n');
            text.push_str(&doc.content);
            text.push_str(&doc.name);
        }
        text
    }

    /// Whether here-documents on this line are read (RUN, COPY, ADD in
    /// shell form, also as an ONBUILD trigger).
    fn takes_heredocs(&self) -> bool {
        let node = match (&self.child, self.command().as_str()) {
            (Some(child), "ONBUILD") => child,
            _ => self,
        };
        matches!(node.command().as_str(), "RUN" | "COPY" | "ADD")
            && !matches!(json_array(&node.rest), Ok(Some(_)))
    }
}

/// Reads the file's lines into nodes, the way buildkit's `parser.Parse`
/// does: directives first, `#` lines skipped (also inside continuations),
/// blank lines inside continuations skipped, here-document bodies attached.
fn read_nodes(text: &str) -> Result<(Vec<Node>, Directives), Fail> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut directives = Directives {
        escape: '\\',
        syntax: None,
        seen: Vec::new(),
        done: false,
    };
    let mut nodes = Vec::new();
    let mut next = 0;
    while next < lines.len() {
        let number = next + 1;
        let line = trim_newline(lines[next]).trim_start();
        next += 1;
        if directives.check(line, number)? || is_comment(line) {
            continue;
        }
        let (first, mut ended) = trim_continuation(line, directives.escape);
        if ended && first.is_empty() {
            continue;
        }
        let mut joined = first.to_string();
        while !ended && next < lines.len() {
            let raw = trim_newline(lines[next]);
            next += 1;
            if is_comment(raw) || raw.trim_start().is_empty() {
                continue;
            }
            let (part, end) = trim_continuation(raw, directives.escape);
            joined.push_str(part);
            ended = end;
        }
        let mut node = new_node(&joined, directives.escape, number)?;
        if node.takes_heredocs() && joined.contains("<<") {
            let docs = heredocs_in_line(&joined).map_err(|m| Fail::at(number, m))?;
            for (name, expand, chomp) in docs {
                let mut content = String::new();
                let mut terminated = false;
                while next < lines.len() {
                    let body_line = lines[next];
                    next += 1;
                    let mut candidate = trim_newline(body_line);
                    if chomp {
                        candidate = candidate.trim_start_matches('\t');
                    }
                    if candidate == name {
                        terminated = true;
                        break;
                    }
                    content.push_str(body_line);
                }
                if !terminated {
                    return Err(Fail::at(
                        number,
                        format!(
                            "{}: unterminated heredoc: no line {name} closes <<{name}",
                            node.command()
                        ),
                    ));
                }
                let doc = RawHeredoc {
                    name,
                    content,
                    expand,
                    chomp,
                };
                if let Some(child) = node.child.as_mut() {
                    child.heredocs.push(doc.clone());
                }
                node.heredocs.push(doc);
            }
        }
        nodes.push(node);
    }
    Ok((nodes, directives))
}

fn trim_newline(line: &str) -> &str {
    line.trim_end_matches(['\r', '\n'])
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Strips a trailing escape (and blanks after it) that continues the line;
/// an escaped escape at the end does not continue. True when the line ends
/// the instruction.
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let body = line.trim_end_matches([' ', '\t']);
    if let Some(before) = body.strip_suffix(escape) {
        if before.is_empty() || !before.ends_with(escape) {
            return (before, false);
        }
    }
    (line, true)
}

fn is_blank(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

/// Splits off the first word at a run of blanks.
fn split_word(text: &str) -> (&str, &str) {
    match text.find(is_blank) {
        Some(at) => (&text[..at], text[at..].trim_start_matches(is_blank)),
        None => (text, ""),
    }
}

fn blank_split(text: &str) -> Vec<String> {
    text.split(is_blank)
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn new_node(line: &str, escape: char, number: usize) -> Result<Node, Fail> {
    let original = line.trim().to_string();
    let (word, tail) = split_word(&original);
    let (rest, flags) = builder_flags(tail, escape);
    let rest = rest.trim().to_string();
    let mut node = Node {
        line: number,
        word: word.to_string(),
        flags,
        rest,
        original: original.clone(),
        heredocs: Vec::new(),
        child: None,
        escape,
    };
    if node.command() == "ONBUILD" && !node.rest.is_empty() {
        node.child = Some(Box::new(new_node(&node.rest, escape, number)?));
    }
    Ok(node)
}

/// Takes the leading `--name[=value]` words off an instruction's arguments
/// (quotes removed, escapes honoured); a bare `--` ends them.
fn builder_flags(line: &str, escape: char) -> (&str, Vec<String>) {
    let mut flags = Vec::new();
    let mut word = String::new();
    let mut chars = line.char_indices().peekable();
    loop {
        // Between words.
        while let Some(&(_, c)) = chars.peek() {
            if !c.is_whitespace() {
                break;
            }
            chars.next();
        }
        let Some(&(start, _)) = chars.peek() else {
            return ("", flags);
        };
        if !line[start..].starts_with("--") {
            return (&line[start..], flags);
        }
        word.clear();
        let mut quote: Option<char> = None;
        let mut quoted = false;
        let mut end = line.len();
        while let Some((at, c)) = chars.next() {
            match quote {
                None if c.is_whitespace() => {
                    end = at;
                    break;
                }
                None if c == '\'' || c == '"' => {
                    quote = Some(c);
                    quoted = true;
                }
                Some(q) if c == q => quote = None,
                _ if c == escape => match chars.next() {
                    Some((_, escaped)) => word.push(escaped),
                    None => quote = None,
                },
                _ => word.push(c),
            }
        }
        if word == "--" {
            return (&line[end..], flags);
        }
        if quoted || !word.is_empty() {
            flags.push(word.clone());
        }
    }
}

/// Splits on blanks keeping quotes and escapes in the words (buildkit's
/// `parseWords`, used for ENV, LABEL and ARG).
fn quoted_words(rest: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut blank_ok = false;
    let mut quote: Option<char> = None;
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            None => {
                if c.is_whitespace() {
                    if in_word && (blank_ok || !word.is_empty()) {
                        words.push(std::mem::take(&mut word));
                    }
                    in_word = false;
                    blank_ok = false;
                    continue;
                }
                in_word = true;
                if c == '\'' || c == '"' {
                    quote = Some(c);
                    blank_ok = true;
                }
                if c == escape {
                    match chars.next() {
                        Some(next) => {
                            word.push(c);
                            word.push(next);
                        }
                        None => continue,
                    }
                    continue;
                }
                word.push(c);
            }
            Some(q) => {
                if c == q {
                    quote = None;
                }
                if c == escape && q != '\'' {
                    match chars.next() {
                        Some(next) => {
                            word.push(c);
                            word.push(next);
                        }
                        None => quote = None,
                    }
                    continue;
                }
                word.push(c);
            }
        }
    }
    if in_word && (blank_ok || !word.is_empty()) {
        words.push(word);
    }
    words
}

const NOT_STRINGS: &str = "when using JSON array syntax, arrays must be comprised of strings only";

/// The exec form: a JSON array of strings. Text that is not valid JSON is
/// the shell form (`None`), as Docker falls back; valid JSON holding
/// something other than strings is an error.
fn json_array(rest: &str) -> Result<Option<Vec<String>>, String> {
    let text = rest.trim_start();
    if !text.starts_with('[') {
        return Ok(None);
    }
    let Ok(values) = serde_json::from_str::<Vec<Value>>(text) else {
        return Ok(None);
    };
    values
        .into_iter()
        .map(|v| match v {
            Value::String(s) => Ok(s),
            _ => Err(NOT_STRINGS.to_string()),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A here-document marker word (`<<EOF`, `<<-'EOF'`, `3<<EOF`): its name,
/// whether its body is expanded (no quotes in the delimiter) and whether
/// leading tabs are stripped (`<<-`).
fn heredoc_word(word: &str) -> Result<Option<(String, bool, bool)>, String> {
    let Some(caps) = HEREDOC.captures(word) else {
        return Ok(None);
    };
    let chomp = &caps[2] == "-";
    let rest = &caps[3];
    if rest.is_empty() {
        return Ok(None);
    }
    let mut lexer = Lexer::new('\\');
    lexer.skip_unset = true;
    let words = lexer.process(rest, &|_| None).map_err(|e| e.to_string())?.1;
    let [name] = words.as_slice() else {
        return Ok(None);
    };
    lexer.raw_quotes = true;
    let raw = lexer.process(rest, &|_| None).map_err(|e| e.to_string())?.1;
    let quotes = |s: &str| s.chars().filter(|c| *c == '\'' || *c == '"').count();
    let expand = raw.len() == 1 && quotes(name) == quotes(&raw[0]);
    Ok(Some((name.clone(), expand, chomp)))
}

/// The here-documents a line names, in order.
fn heredocs_in_line(line: &str) -> Result<Vec<(String, bool, bool)>, String> {
    let lexer = Lexer::raw('\\');
    // A line that does not lex (an open quote) names no here-document.
    let words = lexer
        .process(line, &|_| None)
        .map(|(_, w)| w)
        .unwrap_or_default();
    let mut docs = Vec::new();
    for word in words {
        if let Some(doc) = heredoc_word(&word)? {
            docs.push(doc);
        }
    }
    Ok(docs)
}

fn strip_leading_tabs(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|l| l.trim_start_matches('\t'))
        .collect()
}

// ---------------------------------------------------------------------------
// Second pass: nodes into instructions.

const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flag {
    Bool,
    Text,
    /// A flag Docker knows that rpod does not implement.
    Unsupported,
}

/// Checks the node's flags against those `known` to the instruction (as
/// buildkit's `BFlags.Parse`); the values of those given, bools as
/// `"true"`/`"false"`.
fn flags(
    node: &Node,
    known: &[(&'static str, Flag)],
) -> Result<HashMap<&'static str, String>, String> {
    let mut values = HashMap::new();
    for arg in &node.flags {
        if arg == "--" {
            break;
        }
        let Some(spec) = arg.strip_prefix("--") else {
            return Err(format!("arg should start with -- : {arg}"));
        };
        let (name, value) = match spec.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (spec, None),
        };
        let Some(&(key, kind)) = known.iter().find(|(k, _)| *k == name) else {
            return Err(format!("unknown flag: --{name}"));
        };
        if values.contains_key(key) {
            return Err(format!("duplicate flag specified: --{name}"));
        }
        let value = match (kind, value) {
            (Flag::Unsupported, _) => return Err(format!("--{name} is not supported")),
            (Flag::Bool, Some("")) | (Flag::Text, None) => {
                return Err(format!("missing a value on flag: --{name}"))
            }
            (Flag::Bool, None) => "true".to_string(),
            (Flag::Bool, Some(v)) => match v.to_ascii_lowercase().as_str() {
                "true" => "true".to_string(),
                "false" => "false".to_string(),
                _ => {
                    return Err(format!(
                        "expecting boolean value for flag --{name}, not: {v}"
                    ))
                }
            },
            (Flag::Text, Some(v)) => v.to_string(),
        };
        values.insert(key, value);
    }
    Ok(values)
}

fn stage(node: &Node, index: usize) -> Result<Stage, Fail> {
    let fail = |m: String| Fail::at(node.line, prefixed("FROM", m));
    let given = flags(node, &[("platform", Flag::Text)]).map_err(fail)?;
    let args = blank_split(&node.rest);
    let name = match args.as_slice() {
        [_] => None,
        [_, as_word, name] if as_word.eq_ignore_ascii_case("as") => {
            let lower = name.to_ascii_lowercase();
            if !STAGE_NAME.is_match(&lower) {
                return Err(fail(format!(
                    "invalid name for build stage: {name:?}, name can't start with a number or contain symbols"
                )));
            }
            Some(lower)
        }
        _ => return Err(fail("FROM requires either one or three arguments".into())),
    };
    Ok(Stage {
        index,
        name,
        base: args[0].clone(),
        platform: given.get("platform").cloned(),
        line: node.line,
        text: node.original.clone(),
        instructions: Vec::new(),
    })
}

/// Docker's messages mostly start with the instruction's name; those that
/// do not get it in front so every error names its instruction.
fn prefixed(command: &str, message: String) -> String {
    if message.starts_with(command) || !INSTRUCTIONS.contains(&command) {
        message
    } else {
        format!("{command}: {message}")
    }
}

fn instruction(node: &Node) -> Result<Instruction, Fail> {
    let command = node.command();
    let kind = kind(node, &command).map_err(|m| Fail::at(node.line, prefixed(&command, m)))?;
    Ok(Instruction {
        line: node.line,
        text: node.text(),
        kind,
    })
}

fn no_flags(node: &Node) -> Result<(), String> {
    flags(node, &[]).map(|_| ())
}

fn at_least_one(command: &str) -> String {
    format!("{command} requires at least one argument")
}

fn exactly_one(node: &Node, command: &str) -> Result<String, String> {
    no_flags(node)?;
    if node.rest.is_empty() {
        return Err(format!("{command} requires exactly one argument"));
    }
    Ok(node.rest.clone())
}

fn kind(node: &Node, command: &str) -> Result<Kind, String> {
    Ok(match command {
        "RUN" => Kind::Run(run(node)?),
        "COPY" => Kind::Copy(copy(node, command)?),
        "ADD" => Kind::Add(copy(node, command)?),
        "ENV" => {
            no_flags(node)?;
            Kind::Env(key_values(node, command)?)
        }
        "LABEL" => {
            no_flags(node)?;
            Kind::Label(key_values(node, command)?)
        }
        "ARG" => {
            no_flags(node)?;
            Kind::Arg(args(node)?)
        }
        "WORKDIR" => Kind::Workdir(exactly_one(node, command)?),
        "USER" => Kind::User(exactly_one(node, command)?),
        "STOPSIGNAL" => Kind::StopSignal(exactly_one(node, command)?),
        "MAINTAINER" => Kind::Maintainer(exactly_one(node, command)?),
        "CMD" => Kind::Cmd(shell_or_exec(node, command)?),
        "ENTRYPOINT" => Kind::Entrypoint(shell_or_exec(node, command)?),
        "SHELL" => {
            no_flags(node)?;
            match json_array(&node.rest)? {
                Some(list) if list.is_empty() => return Err(at_least_one(command)),
                Some(list) => Kind::Shell(list),
                None if node.rest.is_empty() => return Err(at_least_one(command)),
                None => return Err("SHELL requires the arguments to be in JSON form".into()),
            }
        }
        "EXPOSE" => {
            no_flags(node)?;
            let ports = blank_split(&node.rest);
            if ports.is_empty() {
                return Err(at_least_one(command));
            }
            Kind::Expose(ports)
        }
        "VOLUME" => {
            no_flags(node)?;
            let list = list_args(&node.rest)?;
            if list.is_empty() {
                return Err(at_least_one(command));
            }
            let mut volumes = Vec::new();
            for v in list {
                let v = v.trim();
                if v.is_empty() {
                    return Err("VOLUME specified can not be an empty string".into());
                }
                volumes.push(v.to_string());
            }
            Kind::Volume(volumes)
        }
        "HEALTHCHECK" => Kind::Healthcheck(healthcheck(node)?),
        "ONBUILD" => {
            no_flags(node)?;
            let Some(child) = &node.child else {
                return Err(at_least_one(command));
            };
            check_trigger(child)?;
            // The trigger must be a valid instruction now, not only when a
            // later build runs it.
            instruction(child).map_err(|f| f.message)?;
            Kind::Onbuild(child.text())
        }
        "FROM" => return Err("FROM is not allowed here".into()),
        _ => return Err(unknown_instruction(&node.word)),
    })
}

fn check_trigger(node: &Node) -> Result<(), String> {
    match node.command().as_str() {
        "ONBUILD" => Err("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into()),
        c @ ("MAINTAINER" | "FROM") => Err(format!("{c} isn't allowed as an ONBUILD trigger")),
        _ => Ok(()),
    }
}

fn unknown_instruction(word: &str) -> String {
    let upper = word.to_ascii_uppercase();
    let closest = INSTRUCTIONS
        .iter()
        .map(|i| (distance(&upper, i), *i))
        .min()
        .filter(|(d, _)| *d <= 2 && *d < upper.len());
    match closest {
        // Suggested in the case the word was written in, as Docker does.
        Some((_, name)) if word.chars().all(|c| !c.is_ascii_uppercase()) => format!(
            "unknown instruction: {word} (did you mean {}?)",
            name.to_ascii_lowercase()
        ),
        Some((_, name)) => format!("unknown instruction: {word} (did you mean {name}?)"),
        None => format!("unknown instruction: {word}"),
    }
}

/// Levenshtein distance, for suggesting the instruction meant.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// JSON list or blank-separated words (COPY, ADD, VOLUME).
fn list_args(rest: &str) -> Result<Vec<String>, String> {
    Ok(match json_array(rest)? {
        Some(list) => list,
        None => blank_split(rest),
    })
}

fn command_of(rest: &str) -> Result<Command, String> {
    Ok(match json_array(rest)? {
        Some(list) => Command::Exec(list),
        None => Command::Shell(rest.to_string()),
    })
}

fn shell_or_exec(node: &Node, command: &str) -> Result<Command, String> {
    no_flags(node)?;
    if node.rest.is_empty() {
        return Err(at_least_one(command));
    }
    command_of(&node.rest)
}

fn run(node: &Node) -> Result<Run, String> {
    let given = flags(
        node,
        &[
            ("network", Flag::Text),
            ("mount", Flag::Unsupported),
            ("security", Flag::Unsupported),
            ("device", Flag::Unsupported),
        ],
    )?;
    let network = given.get("network").cloned();
    if let Some(mode) = &network {
        if !matches!(mode.as_str(), "default" | "none" | "host") {
            return Err(format!("invalid network mode {mode:?}"));
        }
    }
    if node.rest.is_empty() {
        return Err(at_least_one("RUN"));
    }
    Ok(Run {
        command: command_of(&node.rest)?,
        heredocs: node.heredocs.iter().map(RawHeredoc::to_heredoc).collect(),
        network,
    })
}

fn copy(node: &Node, command: &str) -> Result<CopySpec, String> {
    let given = if command == "COPY" {
        flags(
            node,
            &[
                ("chown", Flag::Text),
                ("chmod", Flag::Text),
                ("from", Flag::Text),
                ("link", Flag::Bool),
                ("exclude", Flag::Unsupported),
                ("parents", Flag::Unsupported),
            ],
        )?
    } else {
        flags(
            node,
            &[
                ("chown", Flag::Text),
                ("chmod", Flag::Text),
                ("link", Flag::Bool),
                ("checksum", Flag::Text),
                ("keep-git-dir", Flag::Unsupported),
                ("unpack", Flag::Unsupported),
                ("exclude", Flag::Unsupported),
            ],
        )?
    };
    let mut args = list_args(&node.rest)?;
    if args.len() < 2 {
        let given = if args.is_empty() {
            "none were"
        } else {
            "only one was"
        };
        return Err(format!(
            "{command} requires at least two arguments, but {given} provided: the destination could not be determined"
        ));
    }
    let dest = args.pop().unwrap_or_default();
    if matches!(heredoc_word(&dest), Ok(Some(_))) {
        return Err(format!(
            "{command} cannot accept a heredoc as a destination"
        ));
    }
    let mut sources = Vec::new();
    let mut heredocs = Vec::new();
    for src in args {
        match heredoc_word(&src) {
            Ok(Some((name, expand, chomp))) => {
                let content = node
                    .heredocs
                    .iter()
                    .rev()
                    .find(|d| d.name == name)
                    .map(|d| d.content.clone())
                    .unwrap_or_default();
                heredocs.push(
                    RawHeredoc {
                        name,
                        content,
                        expand,
                        chomp,
                    }
                    .to_heredoc(),
                );
            }
            _ => sources.push(src),
        }
    }
    Ok(CopySpec {
        sources,
        dest,
        from: given.get("from").cloned(),
        chown: given.get("chown").cloned(),
        chmod: given.get("chmod").cloned(),
        link: given.get("link").is_some_and(|v| v == "true"),
        checksum: given.get("checksum").cloned(),
        heredocs,
    })
}

/// `ENV`/`LABEL`: `k=v ...`, or the legacy `k v` (everything after the key
/// is the value) when the first word has no `=`.
fn key_values(node: &Node, command: &str) -> Result<Vec<(String, String)>, String> {
    let words = quoted_words(&node.rest, node.escape);
    let Some(first) = words.first() else {
        return Err(at_least_one(command));
    };
    if !first.contains('=') {
        let (key, value) = split_word(&node.rest);
        if value.is_empty() {
            return Err(format!("{command} must have two arguments"));
        }
        return Ok(vec![(key.to_string(), value.to_string())]);
    }
    let mut pairs = Vec::new();
    for word in words {
        let Some((key, value)) = word.split_once('=') else {
            return Err(format!(
                "Syntax error - can't find = in {word:?}. Must be of the form: name=value"
            ));
        };
        if key.is_empty() {
            return Err(format!("{command} names can not be blank"));
        }
        pairs.push((key.to_string(), value.to_string()));
    }
    Ok(pairs)
}

fn args(node: &Node) -> Result<Vec<ArgDecl>, String> {
    let words = quoted_words(&node.rest, node.escape);
    if words.is_empty() {
        return Err(at_least_one("ARG"));
    }
    words
        .into_iter()
        .map(|word| match word.split_once('=') {
            Some(("", _)) => Err("ARG names can not be blank".to_string()),
            Some((name, value)) => Ok(ArgDecl {
                name: name.to_string(),
                default: Some(value.to_string()),
            }),
            None => Ok(ArgDecl {
                name: word,
                default: None,
            }),
        })
        .collect()
}

fn healthcheck(node: &Node) -> Result<Healthcheck, String> {
    if node.rest.is_empty() {
        return Err(at_least_one("HEALTHCHECK"));
    }
    let (kind, rest) = split_word(&node.rest);
    let kind = kind.to_ascii_uppercase();
    let given = flags(
        node,
        &[
            ("interval", Flag::Text),
            ("timeout", Flag::Text),
            ("start-period", Flag::Text),
            ("start-interval", Flag::Text),
            ("retries", Flag::Text),
        ],
    )?;
    if kind == "NONE" {
        // Docker ignores the check's flags here.
        if !rest.is_empty() {
            return Err("HEALTHCHECK NONE takes no arguments".into());
        }
        return Ok(Healthcheck::None);
    }
    if kind != "CMD" {
        return Err(format!("Unknown type {kind:?} in HEALTHCHECK (try CMD)"));
    }
    let test = match json_array(rest)? {
        Some(list) if !list.is_empty() => Command::Exec(list),
        None if !rest.is_empty() => Command::Shell(rest.to_string()),
        _ => return Err("Missing command after HEALTHCHECK CMD".into()),
    };
    let interval = |name: &'static str| -> Result<Option<String>, String> {
        let Some(text) = given.get(name) else {
            return Ok(None);
        };
        if text.is_empty() {
            return Ok(None);
        }
        let nanos = parse_duration(text)?.as_nanos();
        if nanos != 0 && nanos < 1_000_000 {
            return Err(format!("Interval {name:?} cannot be less than 1ms"));
        }
        Ok(Some(text.clone()))
    };
    let retries = match given.get("retries").filter(|r| !r.is_empty()) {
        None => None,
        Some(text) => {
            let n: i32 = text
                .parse()
                .map_err(|_| format!("invalid --retries value {text:?}: not a number"))?;
            if n < 0 {
                return Err(format!("--retries cannot be negative ({n})"));
            }
            Some(n.unsigned_abs())
        }
    };
    Ok(Healthcheck::Check {
        test,
        interval: interval("interval")?,
        timeout: interval("timeout")?,
        start_period: interval("start-period")?,
        start_interval: interval("start-interval")?,
        retries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Containerfile {
        parse(text, "Containerfile").unwrap_or_else(|e| panic!("{e}\n---\n{text}"))
    }

    fn err(text: &str) -> String {
        match parse(text, "Containerfile") {
            Ok(file) => panic!("should fail: {text:?}, got {file:?}"),
            Err(e) => e.to_string(),
        }
    }

    /// The kinds of the first stage's instructions.
    fn kinds(text: &str) -> Vec<Kind> {
        ok(text)
            .stages
            .remove(0)
            .instructions
            .into_iter()
            .map(|i| i.kind)
            .collect()
    }

    fn one(text: &str) -> Kind {
        let mut kinds = kinds(&format!("FROM scratch\n{text}"));
        assert_eq!(kinds.len(), 1, "{text:?}: {kinds:?}");
        kinds.remove(0)
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn shell(s: &str) -> Command {
        Command::Shell(s.to_string())
    }

    fn exec(list: &[&str]) -> Command {
        Command::Exec(strings(list))
    }

    #[test]
    fn stages_with_names_platforms_and_global_args() {
        let file = ok("ARG BASE=busybox\nARG TAG\nFROM --platform=$BUILDPLATFORM ${BASE}:${TAG} AS Build\nRUN true\nfrom scratch\nCOPY --from=build /a /b\n");
        assert_eq!(
            file.global_args,
            vec![
                ArgDecl {
                    name: "BASE".into(),
                    default: Some("busybox".into())
                },
                ArgDecl {
                    name: "TAG".into(),
                    default: None
                },
            ]
        );
        assert_eq!(file.stages.len(), 2);
        let build = &file.stages[0];
        assert_eq!(build.index, 0);
        assert_eq!(build.name.as_deref(), Some("build"));
        assert_eq!(build.base, "${BASE}:${TAG}");
        assert_eq!(build.platform.as_deref(), Some("$BUILDPLATFORM"));
        assert_eq!(build.line, 3);
        assert_eq!(
            build.text,
            "FROM --platform=$BUILDPLATFORM ${BASE}:${TAG} AS Build"
        );
        assert_eq!(build.instructions.len(), 1);
        let last = &file.stages[1];
        assert_eq!(
            (last.index, last.name.as_deref(), last.base.as_str()),
            (1, None, "scratch")
        );
        assert_eq!(last.line, 5);
        assert_eq!(file.stage_named("BUILD", 1).map(|s| s.index), Some(0));
        assert_eq!(file.escape, '\\');
        assert_eq!(file.name, "Containerfile");
    }

    #[test]
    fn every_instruction_in_shell_and_exec_forms() {
        let cases: Vec<(&str, Kind)> = vec![
            ("RUN echo hi", Kind::Run(Run { command: shell("echo hi"), heredocs: vec![], network: None })),
            ("run [\"echo\", \"hi\"]", Kind::Run(Run { command: exec(&["echo", "hi"]), heredocs: vec![], network: None })),
            ("RUN --network=none wget x", Kind::Run(Run { command: shell("wget x"), heredocs: vec![], network: Some("none".into()) })),
            ("CMD [\"sh\", \"-c\", \"echo $HOME\"]", Kind::Cmd(exec(&["sh", "-c", "echo $HOME"]))),
            ("CMD echo $HOME", Kind::Cmd(shell("echo $HOME"))),
            ("CMD []", Kind::Cmd(exec(&[]))),
            ("ENTRYPOINT [\"/bin/app\"]", Kind::Entrypoint(exec(&["/bin/app"]))),
            ("ENTRYPOINT exec app", Kind::Entrypoint(shell("exec app"))),
            ("SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]", Kind::Shell(strings(&["/bin/bash", "-o", "pipefail", "-c"]))),
            ("WORKDIR /app", Kind::Workdir("/app".into())),
            ("WORKDIR $HOME/my dir", Kind::Workdir("$HOME/my dir".into())),
            ("USER 1000:1000", Kind::User("1000:1000".into())),
            ("STOPSIGNAL SIGTERM", Kind::StopSignal("SIGTERM".into())),
            ("MAINTAINER Jane Doe <jane@example.com>", Kind::Maintainer("Jane Doe <jane@example.com>".into())),
            ("EXPOSE 80 53/udp $PORT", Kind::Expose(strings(&["80", "53/udp", "$PORT"]))),
            ("VOLUME /data /logs", Kind::Volume(strings(&["/data", "/logs"]))),
            ("VOLUME [\"/data\", \"/var/log\"]", Kind::Volume(strings(&["/data", "/var/log"]))),
            ("ENV A=1 B=\"two words\" C=three\\ words", Kind::Env(pairs(&[("A", "1"), ("B", "\"two words\""), ("C", "three\\ words")]))),
            ("ENV PATH /usr/local/bin:$PATH and more", Kind::Env(pairs(&[("PATH", "/usr/local/bin:$PATH and more")]))),
            ("ENV EMPTY=", Kind::Env(pairs(&[("EMPTY", "")]))),
            ("LABEL version=\"1.0\" \"com.example.key\"='a b'", Kind::Label(pairs(&[("version", "\"1.0\""), ("\"com.example.key\"", "'a b'")]))),
            ("LABEL legacy value here", Kind::Label(pairs(&[("legacy", "value here")]))),
            ("ARG A B=2 C=\"x y\"", Kind::Arg(vec![
                ArgDecl { name: "A".into(), default: None },
                ArgDecl { name: "B".into(), default: Some("2".into()) },
                ArgDecl { name: "C".into(), default: Some("\"x y\"".into()) },
            ])),
            ("ARG EMPTY=", Kind::Arg(vec![ArgDecl { name: "EMPTY".into(), default: Some(String::new()) }])),
            ("HEALTHCHECK NONE", Kind::Healthcheck(Healthcheck::None)),
            ("HEALTHCHECK --interval=5m --timeout=3s --start-period=1s --start-interval=500ms --retries=3 CMD curl -f http://localhost/", Kind::Healthcheck(Healthcheck::Check {
                test: shell("curl -f http://localhost/"),
                interval: Some("5m".into()),
                timeout: Some("3s".into()),
                start_period: Some("1s".into()),
                start_interval: Some("500ms".into()),
                retries: Some(3),
            })),
            ("healthcheck cmd [\"/bin/check\", \"-q\"]", Kind::Healthcheck(Healthcheck::Check {
                test: exec(&["/bin/check", "-q"]),
                interval: None, timeout: None, start_period: None, start_interval: None, retries: None,
            })),
            ("ONBUILD RUN make /src", Kind::Onbuild("RUN make /src".into())),
            ("onbuild   copy --chown=1:1 . /src", Kind::Onbuild("copy --chown=1:1 . /src".into())),
        ];
        for (text, expected) in cases {
            assert_eq!(one(text), expected, "{text}");
        }
    }

    #[test]
    fn copy_and_add_flags_and_sources() {
        let spec = |k: Kind| match k {
            Kind::Copy(s) => ("COPY", s),
            Kind::Add(s) => ("ADD", s),
            other => panic!("{other:?}"),
        };
        let (what, s) = spec(one(
            "COPY --from=build --chown=app:app --chmod=0755 --link a b* /dst/",
        ));
        assert_eq!(what, "COPY");
        assert_eq!(s.sources, strings(&["a", "b*"]));
        assert_eq!(s.dest, "/dst/");
        assert_eq!(s.from.as_deref(), Some("build"));
        assert_eq!(s.chown.as_deref(), Some("app:app"));
        assert_eq!(s.chmod.as_deref(), Some("0755"));
        assert!(s.link);
        assert!(s.heredocs.is_empty());

        let (what, s) = spec(one("ADD --chown=\"1:2\" --link=false [\"a b\", \"/c d/\"]"));
        assert_eq!(what, "ADD");
        assert_eq!(s.sources, strings(&["a b"]));
        assert_eq!(s.dest, "/c d/");
        assert_eq!(s.chown.as_deref(), Some("1:2"));
        assert!(!s.link);
        assert_eq!(s.from, None);
        assert_eq!(s.checksum, None);

        let (_, s) = spec(one("ADD --checksum=sha256:$SUM http://h/f /f"));
        assert_eq!(s.checksum.as_deref(), Some("sha256:$SUM"));

        // Not JSON: split on blanks, quotes kept as Docker does.
        let (_, s) = spec(one("COPY [\"a\", 'b'] /x"));
        assert_eq!(s.sources, strings(&["[\"a\",", "'b']"]));
        assert_eq!(s.dest, "/x");
    }

    #[test]
    fn continuations_comments_and_blank_lines() {
        let text = "FROM scratch\nRUN apt-get update \\\n    # a comment inside\n\n    && apt-get install -y \\\n\t  curl\n\n# between\nENV A=1 \\\n    B=2\n";
        let file = ok(text);
        let stage = &file.stages[0];
        assert_eq!(stage.instructions.len(), 2);
        let run = &stage.instructions[0];
        assert_eq!(run.line, 2);
        assert_eq!(
            run.text,
            "RUN apt-get update     && apt-get install -y \t  curl"
        );
        assert_eq!(
            run.kind,
            Kind::Run(Run {
                command: shell("apt-get update     && apt-get install -y \t  curl"),
                heredocs: vec![],
                network: None
            })
        );
        let env = &stage.instructions[1];
        assert_eq!(env.line, 9);
        assert_eq!(env.kind, Kind::Env(pairs(&[("A", "1"), ("B", "2")])));
    }

    #[test]
    fn continuation_at_end_of_file_and_escaped_escape() {
        let kinds = kinds("FROM scratch\nRUN echo \\\\\nRUN echo a \\");
        assert_eq!(
            kinds,
            vec![
                Kind::Run(Run {
                    command: shell("echo \\\\"),
                    heredocs: vec![],
                    network: None
                }),
                Kind::Run(Run {
                    command: shell("echo a"),
                    heredocs: vec![],
                    network: None
                }),
            ]
        );
    }

    #[test]
    fn error_messages_name_file_line_and_instruction() {
        let cases = [
            ("FROM scratch\nRUN true\n\n\n\n\nFOOBAR x\n", "Containerfile:7: unknown instruction: FOOBAR"),
            ("FROM scratch\nFORM x\n", "Containerfile:2: unknown instruction: FORM (did you mean FROM?)"),
            ("FROM scratch\n\nCOPY onlyone\n", "Containerfile:3: COPY requires at least two arguments, but only one was provided: the destination could not be determined"),
            ("ARG A\n", "Containerfile:1: no FROM instruction"),
            ("RUN true\n", "Containerfile:1: no FROM instruction"),
            ("ARG A\nRUN x\nFROM scratch\n", "Containerfile:2: RUN before the first FROM: only ARG may come before FROM"),
            ("", "Containerfile: file with no instructions"),
            ("# only a comment\n\n", "Containerfile: file with no instructions"),
            ("FROM scratch\nRUN <<EOF\necho\n", "Containerfile:2: RUN: unterminated heredoc: no line EOF closes <<EOF"),
            ("FROM scratch\nCOPY --foo=1 a b\n", "Containerfile:2: COPY: unknown flag: --foo"),
            ("FROM scratch\nCOPY --from a b\n", "Containerfile:2: COPY: missing a value on flag: --from"),
            ("FROM scratch\nCOPY --link=maybe a b\n", "Containerfile:2: COPY: expecting boolean value for flag --link, not: maybe"),
            ("FROM scratch\nCOPY --from=a --from=b a b\n", "Containerfile:2: COPY: duplicate flag specified: --from"),
            ("FROM scratch\nADD --from=x a b\n", "Containerfile:2: ADD: unknown flag: --from"),
            ("FROM scratch\nRUN --mount=type=cache,target=/x true\n", "Containerfile:2: RUN: --mount is not supported"),
            ("FROM scratch\nRUN --network=bridge true\n", "Containerfile:2: RUN: invalid network mode \"bridge\""),
            ("FROM --platform linux/amd64 scratch\n", "Containerfile:1: FROM: missing a value on flag: --platform"),
            ("FROM a b\n", "Containerfile:1: FROM requires either one or three arguments"),
            ("FROM a AS 1st\n", "Containerfile:1: FROM: invalid name for build stage: \"1st\", name can't start with a number or contain symbols"),
            ("FROM\n", "Containerfile:1: FROM requires either one or three arguments"),
            ("FROM scratch\nENV PATH\n", "Containerfile:2: ENV must have two arguments"),
            ("FROM scratch\nENV A=1 B\n", "Containerfile:2: ENV: Syntax error - can't find = in \"B\". Must be of the form: name=value"),
            ("FROM scratch\nENV =1\n", "Containerfile:2: ENV names can not be blank"),
            ("FROM scratch\nENV\n", "Containerfile:2: ENV requires at least one argument"),
            ("FROM scratch\nARG =x\n", "Containerfile:2: ARG names can not be blank"),
            ("FROM scratch\nARG\n", "Containerfile:2: ARG requires at least one argument"),
            ("FROM scratch\nSHELL /bin/sh -c\n", "Containerfile:2: SHELL requires the arguments to be in JSON form"),
            ("FROM scratch\nSHELL []\n", "Containerfile:2: SHELL requires at least one argument"),
            ("FROM scratch\nCMD [\"a\", 1]\n", "Containerfile:2: CMD: when using JSON array syntax, arrays must be comprised of strings only"),
            ("FROM scratch\nCMD [[\"nested\"]]\n", "Containerfile:2: CMD: when using JSON array syntax, arrays must be comprised of strings only"),
            ("FROM scratch\nUSER\n", "Containerfile:2: USER requires exactly one argument"),
            ("FROM scratch\nWORKDIR\n", "Containerfile:2: WORKDIR requires exactly one argument"),
            ("FROM scratch\nEXPOSE\n", "Containerfile:2: EXPOSE requires at least one argument"),
            ("FROM scratch\nVOLUME [\"\"]\n", "Containerfile:2: VOLUME specified can not be an empty string"),
            ("FROM scratch\nRUN\n", "Containerfile:2: RUN requires at least one argument"),
            ("FROM scratch\nHEALTHCHECK NONE x\n", "Containerfile:2: HEALTHCHECK NONE takes no arguments"),
            ("FROM scratch\nHEALTHCHECK CMD\n", "Containerfile:2: HEALTHCHECK: Missing command after HEALTHCHECK CMD"),
            ("FROM scratch\nHEALTHCHECK TEST x\n", "Containerfile:2: HEALTHCHECK: Unknown type \"TEST\" in HEALTHCHECK (try CMD)"),
            ("FROM scratch\nHEALTHCHECK --interval=5 CMD x\n", "Containerfile:2: HEALTHCHECK: time: missing unit in duration \"5\""),
            ("FROM scratch\nHEALTHCHECK --timeout=10us CMD x\n", "Containerfile:2: HEALTHCHECK: Interval \"timeout\" cannot be less than 1ms"),
            ("FROM scratch\nHEALTHCHECK --retries=-1 CMD x\n", "Containerfile:2: HEALTHCHECK: --retries cannot be negative (-1)"),
            ("FROM scratch\nONBUILD ONBUILD RUN x\n", "Containerfile:2: ONBUILD: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
            ("FROM scratch\nONBUILD FROM x\n", "Containerfile:2: ONBUILD: FROM isn't allowed as an ONBUILD trigger"),
            ("FROM scratch\nONBUILD maintainer x\n", "Containerfile:2: ONBUILD: MAINTAINER isn't allowed as an ONBUILD trigger"),
            ("FROM scratch\nONBUILD\n", "Containerfile:2: ONBUILD requires at least one argument"),
            ("FROM scratch\nONBUILD COPY x\n", "Containerfile:2: ONBUILD: COPY requires at least two arguments, but only one was provided: the destination could not be determined"),
            ("FROM scratch\nCOPY a <<EOF\nx\nEOF\n", "Containerfile:2: COPY cannot accept a heredoc as a destination"),
            ("FROM scratch\nENV --x=1 A=1\n", "Containerfile:2: ENV: unknown flag: --x"),
            ("# escape=x\nFROM scratch\n", "Containerfile:1: invalid escape token 'x' does not match ` or \\"),
            ("# syntax=a\n# syntax=b\nFROM scratch\n", "Containerfile:2: only one syntax parser directive can be used"),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .filter_map(|(text, expected)| {
                let got = err(text);
                (got != *expected).then(|| format!("{text:?}\n  got:  {got}\n  want: {expected}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        for (text, _) in cases {
            assert!(!err(text).contains('\n'), "one line for {text:?}");
        }
        let e = parse("FROM scratch\n\nNOTHINGLIKEIT\n", "-").unwrap_err();
        assert_eq!(e.line(), Some(3));
        assert_eq!(e.file(), "-");
        assert_eq!(e.message(), "unknown instruction: NOTHINGLIKEIT");
        assert_eq!(parse("", "x").unwrap_err().line(), None);
        assert_eq!(
            ParseError::new("Dockerfile", Some(4), "ENV: failed").to_string(),
            "Dockerfile:4: ENV: failed"
        );
        assert_eq!(ParseError::new("-", None, "empty").to_string(), "-: empty");
    }

    fn run_shell(s: &str) -> Kind {
        Kind::Run(Run {
            command: shell(s),
            heredocs: vec![],
            network: None,
        })
    }

    fn run_exec(list: &[&str]) -> Kind {
        Kind::Run(Run {
            command: exec(list),
            heredocs: vec![],
            network: None,
        })
    }

    fn env1(k: &str, v: &str) -> Kind {
        Kind::Env(pairs(&[(k, v)]))
    }

    #[test]
    fn escape_directive_with_backtick_for_windows_style_files() {
        // buildkit testfiles/escape, escape-nonewline, escape-with-syntax.
        let file =
            ok("#escape = `\n\nFROM image\nLABEL maintainer foo@bar.com\nENV GOPATH `\n\\go");
        assert_eq!(file.escape, '`');
        assert_eq!(
            file.stages[0]
                .instructions
                .iter()
                .map(|i| i.kind.clone())
                .collect::<Vec<_>>(),
            vec![
                Kind::Label(pairs(&[("maintainer", "foo@bar.com")])),
                env1("GOPATH", "\\go"),
            ]
        );
        let file = ok("# escape = `\n# There is no white space line after the directives.\nFROM image\nENV GOPATH `\n\\go\n");
        assert_eq!(file.escape, '`');
        assert_eq!(file.stages[0].instructions[0].kind, env1("GOPATH", "\\go"));
        let file = ok("# syntax = docker/dockerfile\n# escape = `\n\nFROM `\n    image\n");
        assert_eq!(file.syntax.as_deref(), Some("docker/dockerfile"));
        assert_eq!(file.stages[0].base, "image");
        // Backslashes are ordinary: paths and a trailing backslash stay.
        let file = ok("# escape=`\nFROM mcr.microsoft.com/windows/servercore\nCOPY c:\\src\\ c:\\dst\\\nRUN dir c:\\ `\n  && echo done\nENV A=x` y\n");
        let kinds: Vec<Kind> = file.stages[0]
            .instructions
            .iter()
            .map(|i| i.kind.clone())
            .collect();
        match &kinds[0] {
            Kind::Copy(spec) => {
                assert_eq!(spec.sources, strings(&["c:\\src\\"]));
                assert_eq!(spec.dest, "c:\\dst\\");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(kinds[1], run_shell("dir c:\\   && echo done"));
        assert_eq!(kinds[2], env1("A", "x` y"));
    }

    #[test]
    fn directives_only_at_the_top() {
        // buildkit testfiles/escape-after-comment: a comment ends directives.
        let file = ok("# Comment here.\n# escape = `\n\nFROM image\nENV GOPATH \\\n\\go");
        assert_eq!(file.escape, '\\');
        assert_eq!(file.stages[0].instructions[0].kind, env1("GOPATH", "\\go"));
        // After an instruction a directive is a plain comment.
        let file = ok("FROM image\n# escape=`\n# syntax=x\nRUN a \\\n b\n");
        assert_eq!((file.escape, file.syntax), ('\\', None));
        assert_eq!(file.stages[0].instructions[0].kind, run_shell("a  b"));
        // A blank line ends them too.
        let file = ok("\n# escape=`\nFROM image\n");
        assert_eq!(file.escape, '\\');
        // Case-insensitive keys, `check` accepted, unknown keys end them.
        let file = ok("# SYNTAX=docker/dockerfile:1.7\n# check=skip=all\n# escape=`\nFROM a\n");
        assert_eq!(file.syntax.as_deref(), Some("docker/dockerfile:1.7"));
        assert_eq!(file.escape, '`');
        let file = ok("# unknown=1\n# escape=`\nFROM a\n");
        assert_eq!(file.escape, '\\');
        // A byte-order mark does not hide a directive.
        let file = ok("\u{feff}# escape=`\nFROM a\n");
        assert_eq!(file.escape, '`');
    }

    #[test]
    fn buildkit_escapes_and_continue_indent_files() {
        let kinds = kinds(concat!(
            "FROM ubuntu:14.04\n",
            "LABEL maintainer Erik \\\\Hollensbe <erik@hollensbe.org>\\\"\n",
            "\n",
            "RUN apt-get \\update && \\\n",
            "  apt-get \\\"install znc -y\n",
            "ADD \\conf\\\\\" /.znc\n",
            "\n",
            "RUN foo \\\n",
            "\n",
            "bar \\\n",
            "\n",
            "baz\n",
            "\n",
            "CMD [ \"\\/usr\\\\\\\"/bin/znc\", \"-f\", \"-r\" ]\n",
        ));
        assert_eq!(
            kinds[0],
            Kind::Label(pairs(&[(
                "maintainer",
                "Erik \\\\Hollensbe <erik@hollensbe.org>\\\""
            )]))
        );
        assert_eq!(
            kinds[1],
            run_shell("apt-get \\update &&   apt-get \\\"install znc -y")
        );
        match &kinds[2] {
            Kind::Add(spec) => assert_eq!(
                (spec.sources.clone(), spec.dest.as_str()),
                (strings(&["\\conf\\\\\""]), "/.znc")
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(kinds[3], run_shell("foo bar baz"));
        assert_eq!(kinds[4], Kind::Cmd(exec(&["/usr\\\"/bin/znc", "-f", "-r"])));

        let kinds = kinds_of(concat!(
            "FROM ubuntu:14.04\n\n",
            "RUN echo hello\\\n  world\\\n  goodnight  \\\n  moon\\\n  light\\\nning\n",
            "RUN echo hello  \\\n  world\n",
            "RUN echo hello  \\\nworld\n",
            "RUN echo hello \\\ngoodbye\\\nfrog\n",
            "RUN echo hello  \\  \nworld\n",
            "RUN echo hi \\\n \\\n world \\\n\\\n good\\\n\\\nnight\n",
            "RUN echo goodbye\\\nfrog\n",
            "RUN echo good\\\nbye\\\nfrog\n\n",
            "RUN echo hello \\\n# this is a comment\n\n# this is a comment with a blank line surrounding it\n\nthis is some more useful stuff\n",
        ));
        let expected = [
            "echo hello  world  goodnight    moon  lightning",
            "echo hello    world",
            "echo hello  world",
            "echo hello goodbyefrog",
            "echo hello  world",
            "echo hi   world  goodnight",
            "echo goodbyefrog",
            "echo goodbyefrog",
            "echo hello this is some more useful stuff",
        ];
        assert_eq!(
            kinds,
            expected.iter().map(|s| run_shell(s)).collect::<Vec<_>>()
        );
    }

    fn kinds_of(text: &str) -> Vec<Kind> {
        kinds(text)
    }

    #[test]
    fn buildkit_env_and_trailing_backslash_files() {
        let kinds = kinds(concat!(
            "FROM ubuntu\n",
            "ENV name value\n",
            "ENV name=value\n",
            "ENV name=value name2=value2\n",
            "ENV name=\"value value1\"\n",
            "ENV name=value\\ value2\n",
            "ENV name=\"value'quote space'value2\"\n",
            "ENV name='value\"double quote\"value2'\n",
            "ENV name=value\\ value2 name2=value2\\ value3\n",
            "ENV name=\"a\\\"b\"\n",
            "ENV name=\"a\\'b\"\n",
            "ENV name='a\\'b'\n",
            "ENV name='a\\'b''\n",
            "ENV name='a\\\"b'\n",
            "ENV name=\"''\"\n",
            "ENV name=value \\\n",
            "    name1=value1 \\\n",
            "    name2=\"value2a \\\n",
            "           value2b\" \\\n",
            "    name3=\"value3a\\n\\\"value3b\\\"\" \\\n",
            "\tname4=\"value4a\\\\nvalue4b\" \\\n",
        ));
        let expected = vec![
            env1("name", "value"),
            env1("name", "value"),
            Kind::Env(pairs(&[("name", "value"), ("name2", "value2")])),
            env1("name", "\"value value1\""),
            env1("name", "value\\ value2"),
            env1("name", "\"value'quote space'value2\""),
            env1("name", "'value\"double quote\"value2'"),
            Kind::Env(pairs(&[
                ("name", "value\\ value2"),
                ("name2", "value2\\ value3"),
            ])),
            env1("name", "\"a\\\"b\""),
            env1("name", "\"a\\'b\""),
            env1("name", "'a\\'b'"),
            env1("name", "'a\\'b''"),
            env1("name", "'a\\\"b'"),
            env1("name", "\"''\""),
            Kind::Env(pairs(&[
                ("name", "value"),
                ("name1", "value1"),
                ("name2", "\"value2a            value2b\""),
                ("name3", "\"value3a\\n\\\"value3b\\\"\""),
                ("name4", "\"value4a\\\\nvalue4b\""),
            ])),
        ];
        assert_eq!(kinds, expected);

        let kinds = kinds_of(concat!(
            "FROM hello-world\n\n",
            "ENV A path\n",
            "ENV B another\\\\path\n",
            "ENV C trailing\\\\backslash\\\\\n",
            "ENV D This should not be appended to C\n",
            "ENV E hello\\\n\\\nworld\n",
            "ENV F hello\\\n \\\nworld\n",
            "ENV G hello \\\n\\\nworld\n",
        ));
        assert_eq!(
            kinds,
            vec![
                env1("A", "path"),
                env1("B", "another\\\\path"),
                env1("C", "trailing\\\\backslash\\\\"),
                env1("D", "This should not be appended to C"),
                env1("E", "helloworld"),
                env1("F", "hello world"),
                env1("G", "hello world"),
            ]
        );
    }

    #[test]
    fn json_form_falls_back_to_shell_form_like_docker() {
        // buildkit testfiles/jeztah-invalid-json-* and json.
        let cases = [
            ("CMD \"[\\\"echo\\\", \\\"Phew\\\"]\"", Kind::Cmd(shell("\"[\\\"echo\\\", \\\"Phew\\\"]\""))),
            ("CMD '[\"echo\", \"JSON in a string\"]'", Kind::Cmd(shell("'[\"echo\", \"JSON in a string\"]'"))),
            ("CMD ['echo','single quotes are invalid JSON']", Kind::Cmd(shell("['echo','single quotes are invalid JSON']"))),
            ("CMD [\"echo\", \"close the brackets\"", Kind::Cmd(shell("[\"echo\", \"close the brackets\""))),
            ("CMD [\"echo\", \"look ma, no quote!]", Kind::Cmd(shell("[\"echo\", \"look ma, no quote!]"))),
            ("ENTRYPOINT [\"a\"] trailing", Kind::Entrypoint(shell("[\"a\"] trailing"))),
            ("RUN [\"a\",]", run_shell("[\"a\",]")),
            ("CMD [\"\"]", Kind::Cmd(exec(&[""]))),
            ("CMD [ \"a\", \"b\" ]", Kind::Cmd(exec(&["a", "b"]))),
            ("CMD\t[\t\"a\",\t\"b\"\t]\t", Kind::Cmd(exec(&["a", "b"]))),
            ("CMD [\"abc 123\", \"♥\", \"\\u2603\", \"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000\"]", Kind::Cmd(exec(&["abc 123", "♥", "☃", "\" \\ / \u{8} \u{c} \n \r \t \0"]))),
            ("VOLUME [\"/a\" \"/b\"]", Kind::Volume(strings(&["[\"/a\"", "\"/b\"]"]))),
        ];
        for (text, expected) in cases {
            assert_eq!(one(text), expected, "{text}");
        }
    }

    #[test]
    fn buildkit_edge_case_generator_file() {
        let file = ok(concat!(
            "FROM busybox:buildroot-2014.02\n\n",
            "LABEL maintainer docker <docker@docker.io>\n\n",
            "ONBUILD RUN [\"echo\", \"test\"]\n",
            "ONBUILD RUN echo test\n",
            "ONBUILD COPY . /\n\n\n",
            "# RUN Commands \\\n",
            "# linebreak in comment \\\n",
            "RUN [\"ls\", \"-la\"]\n",
            "RUN [\"echo\", \"'1234'\"]\n",
            "RUN echo \"1234\"\n",
            "RUN echo '1234' && \\\n    echo \"456\" && \\\n    echo 789\n",
            "RUN    sh -c 'echo root:testpass \\\n        > /tmp/passwd'\n",
            "# ENV \\\n",
            "ENV SCUBA 1 DUBA 3\n",
            "ENV SCUBA \"1 DUBA 3\"\n",
            "CMD echo 'test' | wc -\n",
            "EXPOSE 9000 5000 6000\n",
            "USER docker:root\n",
            "VOLUME [\"/test\", \"/test2\"]\n",
            "VOLUME /test3\n",
            "WORKDIR /test\n",
        ));
        let lines: Vec<usize> = file.stages[0].instructions.iter().map(|i| i.line).collect();
        assert_eq!(
            lines,
            vec![3, 5, 6, 7, 12, 13, 14, 15, 18, 21, 22, 23, 24, 25, 26, 27, 28]
        );
        let kinds: Vec<Kind> = file.stages[0]
            .instructions
            .iter()
            .map(|i| i.kind.clone())
            .collect();
        assert_eq!(
            kinds,
            vec![
                Kind::Label(pairs(&[("maintainer", "docker <docker@docker.io>")])),
                Kind::Onbuild("RUN [\"echo\", \"test\"]".into()),
                Kind::Onbuild("RUN echo test".into()),
                Kind::Onbuild("COPY . /".into()),
                run_exec(&["ls", "-la"]),
                run_exec(&["echo", "'1234'"]),
                run_shell("echo \"1234\""),
                run_shell("echo '1234' &&     echo \"456\" &&     echo 789"),
                run_shell("sh -c 'echo root:testpass         > /tmp/passwd'"),
                env1("SCUBA", "1 DUBA 3"),
                env1("SCUBA", "\"1 DUBA 3\""),
                Kind::Cmd(shell("echo 'test' | wc -")),
                Kind::Expose(strings(&["9000", "5000", "6000"])),
                Kind::User("docker:root".into()),
                Kind::Volume(strings(&["/test", "/test2"])),
                Kind::Volume(strings(&["/test3"])),
                Kind::Workdir("/test".into()),
            ]
        );
    }

    #[test]
    fn tabs_separate_instruction_and_arguments() {
        // buildkit testfiles/ADD-COPY-with-JSON.
        let kinds = kinds("FROM\tubuntu:14.04\nLABEL\tmaintainer\tSeongyeol Lim <s@example.com>\nCOPY\t.\t/go/src\nADD\t\t[ \"vimrc\", \"/tmp\" ]\nCOPY\t[ \"test file\", \"/tmp\" ]\n");
        assert_eq!(
            kinds[0],
            Kind::Label(pairs(&[("maintainer", "Seongyeol Lim <s@example.com>")]))
        );
        let specs: Vec<(Vec<String>, String)> = kinds[1..]
            .iter()
            .map(|k| match k {
                Kind::Copy(s) | Kind::Add(s) => (s.sources.clone(), s.dest.clone()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            specs,
            vec![
                (strings(&["."]), "/go/src".to_string()),
                (strings(&["vimrc"]), "/tmp".to_string()),
                (strings(&["test file"]), "/tmp".to_string()),
            ]
        );
    }

    #[test]
    fn line_numbers_span_blank_lines_comments_and_continuations() {
        // buildkit testfile-line: instructions start on lines 5, 11 and 17.
        let text = "# ESCAPE=\\\n\n\n\nFROM brimstone/ubuntu:14.04\n\n\n# TORUN -v /var/run/docker.sock:/var/run/docker.sock\n\n\nENV GOPATH \\\n/go\n\n\n\n# Install the packages\nRUN apt-get update \\\n\t&& dpkg -l \\\n\n\n    && apt-get clean \\\n\t&& rm -rf $GOPATH\n\n\nUSER nobody\n";
        let file = ok(text);
        assert_eq!(file.stages[0].line, 5);
        let lines: Vec<usize> = file.stages[0].instructions.iter().map(|i| i.line).collect();
        assert_eq!(lines, vec![11, 17, 25]);
        assert_eq!(file.stages[0].instructions[0].kind, env1("GOPATH", "/go"));
    }

    #[test]
    fn heredocs_as_buildkit_reads_them() {
        let text = concat!(
            "FROM alpine\n",
            "RUN <<EMPTY\n",
            "EMPTY\n",
            "RUN 3<<EMPTY2\n",
            "EMPTY2\n",
            "RUN \"<<NOHEREDOC\"\n",
            "RUN <<INDENT\n\tfoo\n\tbar\nINDENT\n",
            "RUN <<-UNINDENT\n\tbaz\n\tquux\n\tUNINDENT\n",
            "RUN <<-'NOEXPAND'\n\tdon't expand $NAME\nNOEXPAND\n",
            "RUN <<COMMENT\n# internal comment\necho foo bar # trailing comment\n\nCOMMENT\n",
            "COPY <<FILE1 <<FILE2 /dest\ncontent 1\nFILE1\ncontent 2\nFILE2\n",
            "COPY <<X <<Y /dest\nY\nX\nX\nY\n",
            "RUN <<COMPLEX python3\nprint('hello world')\nCOMPLEX\n",
            "RUN <<eo'f'\necho foo\neof\n",
            "RUN <<eo\\'f\necho foo\neo'f\n",
            "RUN <<'e'o\\'f\necho foo\neo'f\n",
            "RUN <<'one two'\necho bar\none two\n",
            "RUN <<$EOF\n$EOF\n",
            "RUN <<  EOF  > foo\nEOF\n",
            "RUN [\"<<EOF\"]\n",
            "USER <<NOTHERE\n",
            "RUN cat <<A && cat <<-\"B\"\na $X\nA\n\t\tb $X\n\tB\n",
        );
        let file = ok(text);
        let doc = |name: &str, body: &str, expand: bool| Heredoc {
            name: name.into(),
            body: body.into(),
            expand,
        };
        let docs: Vec<(usize, Vec<Heredoc>)> = file.stages[0]
            .instructions
            .iter()
            .map(|i| {
                let docs = match &i.kind {
                    Kind::Run(r) => r.heredocs.clone(),
                    Kind::Copy(c) => c.heredocs.clone(),
                    _ => vec![],
                };
                (i.line, docs)
            })
            .collect();
        let expected: Vec<(usize, Vec<Heredoc>)> = vec![
            (2, vec![doc("EMPTY", "", true)]),
            (4, vec![doc("EMPTY2", "", true)]),
            (6, vec![]),
            (7, vec![doc("INDENT", "\tfoo\n\tbar\n", true)]),
            (11, vec![doc("UNINDENT", "baz\nquux\n", true)]),
            (15, vec![doc("NOEXPAND", "don't expand $NAME\n", false)]),
            (
                18,
                vec![doc(
                    "COMMENT",
                    "# internal comment\necho foo bar # trailing comment\n\n",
                    true,
                )],
            ),
            (
                23,
                vec![
                    doc("FILE1", "content 1\n", true),
                    doc("FILE2", "content 2\n", true),
                ],
            ),
            (28, vec![doc("X", "Y\n", true), doc("Y", "X\n", true)]),
            (33, vec![doc("COMPLEX", "print('hello world')\n", true)]),
            (36, vec![doc("eof", "echo foo\n", false)]),
            (39, vec![doc("eo'f", "echo foo\n", true)]),
            (42, vec![doc("eo'f", "echo foo\n", false)]),
            (45, vec![doc("one two", "echo bar\n", false)]),
            (48, vec![doc("$EOF", "", true)]),
            (50, vec![doc("EOF", "", true)]),
            (52, vec![]),
            (53, vec![]),
            (
                54,
                vec![doc("A", "a $X\n", true), doc("B", "b $X\n", false)],
            ),
        ];
        assert_eq!(docs, expected);
        let ins = &file.stages[0].instructions;
        assert_eq!(ins[16].kind, run_exec(&["<<EOF"]));
        assert_eq!(ins[17].kind, Kind::User("<<NOTHERE".into()));
        // COPY here-documents are not sources.
        match &ins[7].kind {
            Kind::Copy(spec) => {
                assert!(spec.sources.is_empty());
                assert_eq!(spec.dest, "/dest");
            }
            other => panic!("{other:?}"),
        }
        // The text keeps the bodies, as written, for history and cache.
        assert_eq!(ins[4].text, "RUN <<-UNINDENT\n\tbaz\n\tquux\nUNINDENT");
        match &ins[9].kind {
            Kind::Run(run) => assert_eq!(run.command, shell("<<COMPLEX python3")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn heredoc_marker_words() {
        for word in [
            "<<EOF",
            "<<'EOF'",
            "<<\"EOF\"",
            "<<-EOF",
            "<<-'EOF'",
            "<<-\"EOF\"",
            "<<EO\"F\"",
            "<< EOF",
            "<<- EOF",
        ] {
            let (name, _, _) = heredoc_word(word)
                .unwrap()
                .unwrap_or_else(|| panic!("{word}"));
            assert_eq!(name, "EOF", "{word}");
        }
        for word in ["<<'EOF", "<<\"EOF", "<<EOF'", "<<EOF\""] {
            assert!(heredoc_word(word).is_err(), "{word}");
        }
        for word in ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "<<EOF sh"] {
            assert_eq!(heredoc_word(word).unwrap(), None, "{word}");
        }
        let names = |line: &str| -> Vec<String> {
            heredocs_in_line(line)
                .unwrap()
                .into_iter()
                .map(|(n, _, _)| n)
                .collect()
        };
        // `<<-` followed by a blank is not a marker on an instruction line
        // (buildkit's lexer splits it off), though `<< EOF` is.
        assert!(names("RUN <<- EOF").is_empty());
        assert_eq!(names("RUN << EOF"), ["EOF"]);
        assert_eq!(names("RUN << -EOF"), ["-EOF"]);
        assert_eq!(names("RUN 4<<EOF"), ["EOF"]);
        assert_eq!(names("RUN <<EOF <<EOF2"), ["EOF", "EOF2"]);
        assert!(names("RUN '<<EOF'").is_empty());
        assert!(names("RUN \"<<EOF\"").is_empty());
    }

    #[test]
    fn onbuild_triggers_keep_their_text_and_parse_later() {
        let file =
            ok("FROM a\nONBUILD RUN <<EOF\necho $X\nEOF\nONBUILD ADD --chown=1 x \\\n  /y\n");
        let kinds: Vec<Kind> = file.stages[0]
            .instructions
            .iter()
            .map(|i| i.kind.clone())
            .collect();
        assert_eq!(
            kinds,
            vec![
                Kind::Onbuild("RUN <<EOF\necho $X\nEOF".into()),
                Kind::Onbuild("ADD --chown=1 x   /y".into()),
            ]
        );
        let trigger = parse_trigger("RUN <<EOF\necho $X\nEOF", "base").unwrap();
        assert_eq!(
            trigger.kind,
            Kind::Run(Run {
                command: shell("<<EOF"),
                heredocs: vec![Heredoc {
                    name: "EOF".into(),
                    body: "echo $X\n".into(),
                    expand: true
                }],
                network: None
            })
        );
        let trigger = parse_trigger("ADD --chown=1 x   /y", "base").unwrap();
        assert_eq!(trigger.text, "ADD --chown=1 x   /y");
        assert_eq!(
            parse_trigger("FROM x", "base").unwrap_err().to_string(),
            "base: ONBUILD trigger \"FROM x\": FROM isn't allowed as an ONBUILD trigger"
        );
        assert_eq!(
            parse_trigger("NOPE x", "base").unwrap_err().to_string(),
            "base: ONBUILD trigger \"NOPE x\": unknown instruction: NOPE (did you mean COPY?)"
        );
    }

    #[test]
    fn flags_with_quotes_escapes_and_double_dash() {
        match one("COPY --chown=\"my user\":'grp' --chmod=7\\55 -- --weird /dst") {
            Kind::Copy(spec) => {
                assert_eq!(spec.chown.as_deref(), Some("my user:grp"));
                assert_eq!(spec.chmod.as_deref(), Some("755"));
                assert_eq!(spec.sources, strings(&["--weird"]));
            }
            other => panic!("{other:?}"),
        }
        // Flag names are case-sensitive, as Docker's.
        assert_eq!(
            err("FROM a\nCOPY --LINK a b\n"),
            "Containerfile:2: COPY: unknown flag: --LINK"
        );
        assert_eq!(
            err("FROM a\nCMD --doit [\"a\"]\n"),
            "Containerfile:2: CMD: unknown flag: --doit"
        );
        assert_eq!(
            err("FROM a\nWORKDIR --x=1 /a\n"),
            "Containerfile:2: WORKDIR: unknown flag: --x"
        );
        // Flags only lead the arguments: later `--` words are arguments.
        assert_eq!(
            one("RUN echo --network=none"),
            run_shell("echo --network=none")
        );
    }

    #[test]
    fn windows_line_endings_and_instruction_text() {
        let file = ok("FROM a AS b-c_d.e\r\nRUN --network=host echo a \\\r\n  b\r\nCOPY <<EOF /x\r\nhi\r\nEOF\r\n");
        assert_eq!(file.stages[0].name.as_deref(), Some("b-c_d.e"));
        let ins = &file.stages[0].instructions;
        assert_eq!(ins[0].text, "RUN --network=host echo a   b");
        assert_eq!(
            ins[0].kind,
            Kind::Run(Run {
                command: shell("echo a   b"),
                heredocs: vec![],
                network: Some("host".into())
            })
        );
        assert_eq!(ins[1].text, "COPY <<EOF /x\nhi\r\nEOF");
        match &ins[1].kind {
            Kind::Copy(spec) => assert_eq!(
                spec.heredocs,
                vec![Heredoc {
                    name: "EOF".into(),
                    body: "hi\r\n".into(),
                    expand: true
                }]
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn healthcheck_none_ignores_check_flags_like_docker() {
        assert_eq!(
            one("HEALTHCHECK --interval=5s NONE"),
            Kind::Healthcheck(Healthcheck::None)
        );
        assert_eq!(
            err("FROM a\nHEALTHCHECK --bogus=1 NONE\n"),
            "Containerfile:2: HEALTHCHECK: unknown flag: --bogus"
        );
        assert_eq!(
            one("HEALTHCHECK --interval=0s --retries=0 CMD [\"x\"]"),
            Kind::Healthcheck(Healthcheck::Check {
                test: exec(&["x"]),
                interval: Some("0s".into()),
                timeout: None,
                start_period: None,
                start_interval: None,
                retries: Some(0),
            })
        );
    }

    #[test]
    fn copy_heredocs_mixed_with_paths_and_chomped() {
        match one("COPY --chmod=755 <<-\"run.sh\" conf/ /app/\n\t#!/bin/sh\n\techo $HOME\n\trun.sh")
        {
            Kind::Copy(spec) => {
                assert_eq!(spec.sources, strings(&["conf/"]));
                assert_eq!(spec.dest, "/app/");
                assert_eq!(spec.chmod.as_deref(), Some("755"));
                assert_eq!(
                    spec.heredocs,
                    vec![Heredoc {
                        name: "run.sh".into(),
                        body: "#!/bin/sh\necho $HOME\n".into(),
                        expand: false
                    }]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn buildkit_argument_count_errors() {
        for command in ["MAINTAINER", "WORKDIR", "USER", "STOPSIGNAL"] {
            assert_eq!(
                err(&format!("FROM a\n{command}\n")),
                format!("Containerfile:2: {command} requires exactly one argument")
            );
        }
        for command in [
            "ENV",
            "LABEL",
            "ONBUILD",
            "HEALTHCHECK",
            "EXPOSE",
            "VOLUME",
            "ARG",
            "CMD",
            "ENTRYPOINT",
            "SHELL",
            "RUN",
        ] {
            assert_eq!(
                err(&format!("FROM a\n{}\n", command.to_lowercase())),
                format!("Containerfile:2: {command} requires at least one argument")
            );
        }
        for command in ["ADD", "COPY"] {
            assert_eq!(
                err(&format!("FROM a\n{command} arg1\n")),
                format!("Containerfile:2: {command} requires at least two arguments, but only one was provided: the destination could not be determined")
            );
        }
        assert_eq!(
            err("FROM a\nCOPY\t\n\t\tquux \\\n      bar\n"),
            "Containerfile:2: COPY requires at least two arguments, but none were provided: the destination could not be determined"
        );
        assert_eq!(
            err("FROM a\nMAINTAINER --boo joe@example.com\n"),
            "Containerfile:2: MAINTAINER: unknown flag: --boo"
        );
        assert_eq!(
            err("FROM a\nfoo bar\n"),
            "Containerfile:2: unknown instruction: foo (did you mean from?)"
        );
    }

    #[test]
    fn args_before_and_after_from() {
        // buildkit testfiles/args.
        let file = ok("ARG foo bar=baz\nFROM ubuntu\nARG abc=\"123 456\" def\n");
        assert_eq!(
            file.global_args,
            vec![
                ArgDecl {
                    name: "foo".into(),
                    default: None
                },
                ArgDecl {
                    name: "bar".into(),
                    default: Some("baz".into())
                },
            ]
        );
        assert_eq!(
            file.stages[0].instructions[0].kind,
            Kind::Arg(vec![
                ArgDecl {
                    name: "abc".into(),
                    default: Some("\"123 456\"".into())
                },
                ArgDecl {
                    name: "def".into(),
                    default: None
                },
            ])
        );
    }

    /// A small deterministic generator, so the mixes below are the same on
    /// every run.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n
        }
    }

    #[test]
    fn arbitrary_token_soup_never_panics_and_errors_stay_one_line() {
        let tokens = [
            "FROM a",
            "FROM a AS b",
            "RUN",
            "run x",
            "COPY",
            "ADD",
            "ONBUILD",
            "HEALTHCHECK",
            "CMD",
            "ENV",
            "ARG",
            "LABEL",
            "SHELL",
            "<<EOF",
            "<<-'E'",
            "EOF",
            "E",
            "\\",
            "`",
            "\n",
            "\r\n",
            " ",
            "\t",
            "\"",
            "'",
            "[",
            "]",
            ",",
            "--from=x",
            "--",
            "--link",
            "#",
            "# escape=`",
            "# syntax=x",
            "$",
            "${",
            "}",
            "=",
            "é",
            "☃",
            "\u{feff}",
        ];
        let mut rng = Lcg(42);
        let mut accepted = 0;
        for _ in 0..4000 {
            let len = 1 + rng.below(14);
            let text: String = (0..len).map(|_| tokens[rng.below(tokens.len())]).collect();
            match parse(&text, "Containerfile") {
                Ok(file) => {
                    assert!(!file.stages.is_empty());
                    accepted += 1;
                }
                Err(e) => {
                    let shown = e.to_string();
                    assert!(!shown.contains('\n'), "{text:?} -> {shown:?}");
                    assert!(shown.starts_with("Containerfile"), "{shown}");
                }
            }
        }
        // The mix is meant to exercise both outcomes.
        assert!(accepted > 0);
    }
}
