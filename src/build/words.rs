//! Shell-word processing at build time, as Docker does it: quote removal and
//! variable substitution in one pass over a word, aware of the file's escape
//! character (`\` or a backtick).
//!
//! The rules follow buildkit's `shell/lex.go` so a Containerfile means the
//! same here as under `docker build` or `podman build`: single quotes are
//! literal, double quotes expand `$`, unknown variables expand to nothing,
//! `${VAR:-default}`, `${VAR:+alt}`, `${VAR:?msg}` and their forms without
//! `:`, `${VAR#pat}`/`${VAR%pat}` (and the greedy `##`/`%%`), and
//! `${VAR/pat/repl}` (`//` for every match).

use regex::{NoExpand, Regex};
use thiserror::Error;

/// A word that could not be processed: unbalanced quotes, a malformed
/// `${...}`, or a `${VAR?message}` whose variable is unset.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("failed to process {word:?}: {reason}")]
pub struct WordError {
    word: String,
    reason: String,
}

impl WordError {
    /// What was wrong, without the word.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// The looked-up value of a variable: `None` when unset, `Some("")` when set
/// to the empty string (the `:` forms of `${...}` treat both alike).
pub type Vars<'a> = &'a dyn Fn(&str) -> Option<String>;

/// One word with quotes removed and variables substituted (`ENV`, `WORKDIR`,
/// `COPY` paths, ...). Whitespace inside the word is kept.
pub fn expand(word: &str, escape: char, vars: Vars) -> Result<String, WordError> {
    Lexer::new(escape).process(word, vars).map(|(word, _)| word)
}

/// Like [`expand`], then split on whitespace that was neither quoted nor
/// escaped (Docker splits after substitution, so a variable holding `a b`
/// yields two words unless quoted).
pub fn expand_words(text: &str, escape: char, vars: Vars) -> Result<Vec<String>, WordError> {
    Lexer::new(escape)
        .process(text, vars)
        .map(|(_, words)| words)
}

/// The body of a `COPY`/`ADD` here-document whose delimiter was not quoted,
/// as Docker expands it: `$VAR` and `${...}` substituted and `\` escapes
/// applied, quotes left as they are (always `\`, whatever the file's escape
/// character). RUN here-documents are not expanded here: the shell does it.
pub fn expand_heredoc(body: &str, vars: Vars) -> Result<String, WordError> {
    let mut lexer = Lexer::new('\\');
    lexer.keep_quotes = true;
    lexer.process(body, vars).map(|(word, _)| word)
}

/// The lexer's switches, as buildkit's `Lex`. The parser needs the raw modes
/// to recognise here-document words.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lexer {
    pub escape: char,
    /// Keep quote characters in the result.
    pub raw_quotes: bool,
    /// Keep escape characters in the result.
    pub raw_escapes: bool,
    /// Leave `$VAR` of unset variables as written.
    pub skip_unset: bool,
    /// Treat quotes as ordinary characters (no quote removal, `$` expanded
    /// inside them too).
    pub keep_quotes: bool,
}

impl Lexer {
    /// A lexer that keeps the words as written (quotes, escapes, unset
    /// variables): for finding what a line names without expanding it.
    pub fn raw(escape: char) -> Self {
        Lexer {
            escape,
            raw_quotes: true,
            raw_escapes: true,
            skip_unset: true,
            keep_quotes: false,
        }
    }

    pub fn new(escape: char) -> Self {
        Lexer {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_unset: false,
            keep_quotes: false,
        }
    }

    /// The processed word and its whitespace-split words.
    pub fn process(&self, word: &str, vars: Vars) -> Result<(String, Vec<String>), WordError> {
        let mut scan = Scan {
            lexer: self,
            chars: word.chars().collect(),
            pos: 0,
            vars,
            raw_escapes: self.raw_escapes,
        };
        scan.stop_on(None, self.raw_escapes)
            .map_err(|reason| WordError {
                word: word.to_string(),
                reason,
            })
    }
}

/// Words being collected while scanning: characters from quotes, escapes and
/// here-document markers never split; those from substitutions and plain
/// text split on whitespace.
#[derive(Default)]
struct Words {
    buf: String,
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    fn add(&mut self, ch: char) {
        if ch.is_whitespace() {
            if self.in_word && !self.buf.is_empty() {
                self.words.push(std::mem::take(&mut self.buf));
                self.in_word = false;
            }
        } else {
            self.add_raw(ch);
        }
    }

    fn add_raw(&mut self, ch: char) {
        self.buf.push(ch);
        self.in_word = true;
    }

    fn add_str(&mut self, s: &str) {
        s.chars().for_each(|c| self.add(c));
    }

    fn add_raw_str(&mut self, s: &str) {
        self.buf.push_str(s);
        self.in_word = true;
    }

    fn finish(mut self) -> Vec<String> {
        if !self.buf.is_empty() {
            self.words.push(std::mem::take(&mut self.buf));
        }
        self.words
    }
}

struct Scan<'a> {
    lexer: &'a Lexer,
    chars: Vec<char>,
    pos: usize,
    vars: Vars<'a>,
    raw_escapes: bool,
}

type Step<T> = Result<T, String>;

impl Scan<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let ch = self.peek();
        if ch.is_some() {
            self.pos += 1;
        }
        ch
    }

    fn lookup(&self, name: &str) -> Option<String> {
        (self.vars)(name)
    }

    /// Scans up to `stop` (consumed) or the end; reaching the end while
    /// looking for `stop` is an error.
    fn stop_on(&mut self, stop: Option<char>, raw_escapes: bool) -> Step<(String, Vec<String>)> {
        let saved = std::mem::replace(&mut self.raw_escapes, raw_escapes);
        let result = self.stop_on_inner(stop);
        self.raw_escapes = saved;
        result
    }

    fn stop_on_inner(&mut self, stop: Option<char>) -> Step<(String, Vec<String>)> {
        let mut result = String::new();
        let mut words = Words::default();
        while let Some(ch) = self.peek() {
            if Some(ch) == stop {
                self.pos += 1;
                return Ok((result, words.finish()));
            }
            match ch {
                '$' => {
                    let value = self.dollar()?;
                    result.push_str(&value);
                    words.add_str(&value);
                }
                '<' => {
                    let marker = self.possible_heredoc();
                    result.push_str(&marker);
                    words.add_raw_str(&marker);
                }
                '\'' if !self.lexer.keep_quotes => {
                    let quoted = self.single_quote()?;
                    result.push_str(&quoted);
                    words.add_raw_str(&quoted);
                }
                '"' if !self.lexer.keep_quotes => {
                    let quoted = self.double_quote()?;
                    result.push_str(&quoted);
                    words.add_raw_str(&quoted);
                }
                _ => {
                    self.pos += 1;
                    if ch == self.lexer.escape {
                        if self.raw_escapes {
                            words.add_raw(ch);
                            result.push(ch);
                        }
                        // An escape at the very end is dropped.
                        let Some(escaped) = self.next() else { break };
                        words.add_raw(escaped);
                        result.push(escaped);
                    } else {
                        words.add(ch);
                        result.push(ch);
                    }
                }
            }
        }
        match stop {
            Some(stop) => Err(format!(
                "unexpected end of statement while looking for matching {stop}"
            )),
            None => Ok((result, words.finish())),
        }
    }

    /// Everything up to the next `'` is literal; nothing escapes inside.
    fn single_quote(&mut self) -> Step<String> {
        let mut out = String::new();
        self.pos += 1;
        if self.lexer.raw_quotes {
            out.push('\'');
        }
        loop {
            match self.next() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching single-quote"
                            .into(),
                    )
                }
                Some('\'') => {
                    if self.lexer.raw_quotes {
                        out.push('\'');
                    }
                    return Ok(out);
                }
                Some(ch) => out.push(ch),
            }
        }
    }

    /// Literal up to the next `"` except `$` substitutions; the escape
    /// character escapes only `"`, `$` and itself, elsewhere it stays.
    fn double_quote(&mut self) -> Step<String> {
        let mut out = String::new();
        self.pos += 1;
        if self.lexer.raw_quotes {
            out.push('"');
        }
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    )
                }
                Some('"') => {
                    self.pos += 1;
                    if self.lexer.raw_quotes {
                        out.push('"');
                    }
                    return Ok(out);
                }
                Some('$') => out.push_str(&self.dollar()?),
                Some(mut ch) => {
                    self.pos += 1;
                    if ch == self.lexer.escape {
                        if self.raw_escapes {
                            out.push(ch);
                        }
                        match self.peek() {
                            None => continue,
                            Some(next)
                                if next == '"' || next == '$' || next == self.lexer.escape =>
                            {
                                ch = next;
                                self.pos += 1;
                            }
                            Some(_) => {}
                        }
                    }
                    out.push(ch);
                }
            }
        }
    }

    /// `<<` and the blanks after it stay glued to the delimiter word, so a
    /// here-document marker is one word.
    fn possible_heredoc(&mut self) -> String {
        self.pos += 1;
        if self.peek() != Some('<') {
            return "<".into();
        }
        self.pos += 1;
        let mut out = String::from("<<");
        while let Some(ch @ ('\t' | '\r' | ' ')) = self.peek() {
            out.push(ch);
            self.pos += 1;
        }
        out
    }

    /// A variable name: letters, digits and `_`; or all the digits of a
    /// positional parameter; or one special parameter character.
    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && ch.is_ascii_digit() {
                while let Some(d) = self.peek().filter(char::is_ascii_digit) {
                    name.push(d);
                    self.pos += 1;
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.pos += 1;
                return ch.to_string();
            }
            if !ch.is_alphanumeric() && ch != '_' {
                break;
            }
            name.push(ch);
            self.pos += 1;
        }
        name
    }

    fn dollar(&mut self) -> Step<String> {
        self.pos += 1;
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                return Ok("$".into());
            }
            return Ok(match self.lookup(&name) {
                Some(value) => value,
                None if self.lexer.skip_unset => format!("${name}"),
                None => String::new(),
            });
        }
        self.pos += 1;
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            Some(_) => {}
        }
        let name = self.name();
        let Some(ch) = self.next() else {
            return Err("syntax error: missing '}'".into());
        };
        match ch {
            '}' => Ok(match self.lookup(&name) {
                Some(value) => value,
                None if self.lexer.skip_unset => format!("${{{name}}}"),
                None => String::new(),
            }),
            ':' | '+' | '-' | '?' | '#' | '%' => self.modifier(name, ch),
            '/' => self.replace(name),
            _ => Err(format!("unsupported modifier ({ch}) in substitution")),
        }
    }

    /// `${name<op>word}` for `-`, `+`, `?`, `#`, `%` and their `:` forms.
    fn modifier(&mut self, name: String, first: char) -> Step<String> {
        let mut op = first;
        let mut spelled = first.to_string();
        let null_is_unset = first == ':';
        if null_is_unset {
            op = self
                .next()
                .ok_or_else(|| "syntax error: missing '}'".to_string())?;
            spelled.push(op);
        }
        let pattern = op == '#' || op == '%';
        if null_is_unset && pattern {
            return Err(format!("unsupported modifier ({spelled}) in substitution"));
        }
        let word = self.word_until('}', pattern, "syntax error: missing '}'")?;
        let value = self.lookup(&name);
        if value.is_none() && self.lexer.skip_unset {
            return Ok(format!("${{{name}{spelled}{word}}}"));
        }
        let empty = match &value {
            None => true,
            Some(v) => null_is_unset && v.is_empty(),
        };
        match op {
            '-' => Ok(if empty {
                word
            } else {
                value.unwrap_or_default()
            }),
            '+' => Ok(if empty { String::new() } else { word }),
            '?' => match value {
                None => Err(format!(
                    "{name}: {}",
                    or(word, "is not allowed to be unset")
                )),
                Some(v) if null_is_unset && v.is_empty() => Err(format!(
                    "{name}: {}",
                    or(word, "is not allowed to be empty")
                )),
                Some(v) => Ok(v),
            },
            '#' | '%' => {
                // `#`/`%` remove the shortest match, `##`/`%%` the longest.
                let (greedy, word) = match word.strip_prefix(op) {
                    Some(rest) => (true, rest.to_string()),
                    None => (false, word),
                };
                let value = value.unwrap_or_default();
                if op == '%' {
                    trim_suffix(&word, &value, greedy)
                } else {
                    trim_prefix(&word, &value, greedy)
                }
            }
            _ => Err(format!("unsupported modifier ({spelled}) in substitution")),
        }
    }

    /// `${name/pattern/replacement}`, `${name//pattern/replacement}`.
    fn replace(&mut self, name: String) -> Step<String> {
        let all = self.peek() == Some('/');
        if all {
            self.pos += 1;
        }
        let pattern = self.word_until('/', true, "syntax error: missing '/' in ${}")?;
        let replacement = self.word_until('}', true, "syntax error: missing '}'")?;
        let value = self.lookup(&name);
        let Some(value) = value else {
            if self.lexer.skip_unset {
                return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
            }
            return Ok(String::new());
        };
        let re = pattern_regex(&pattern, true, false)
            .map_err(|e| format!("invalid pattern ({pattern}) in substitution: {e}"))?;
        Ok(if all {
            re.replace_all(&value, NoExpand(&replacement)).into_owned()
        } else {
            re.replace(&value, NoExpand(&replacement)).into_owned()
        })
    }

    /// The word inside `${...}` up to `stop`; running off the end reports
    /// `missing` (a nested error stands as is).
    fn word_until(&mut self, stop: char, raw_escapes: bool, missing: &str) -> Step<String> {
        match self.stop_on(Some(stop), raw_escapes) {
            Ok((word, _)) => Ok(word),
            Err(_) if self.peek().is_none() => Err(missing.to_string()),
            Err(e) => Err(e),
        }
    }
}

fn or(word: String, default: &str) -> String {
    if word.is_empty() {
        default.to_string()
    } else {
        word
    }
}

/// A shell pattern (`*`, `?`, `\` escaping `*`, `?`, `\`; no brackets) as a
/// regex, matching the shortest (non-greedy) or longest string.
fn pattern_regex(pattern: &str, greedy: bool, anchored: bool) -> Result<Regex, String> {
    let mut out = String::with_capacity(pattern.len() + 4);
    if anchored {
        out.push('^');
    }
    let star = if greedy { ".*" } else { ".*?" };
    let mut chars = pattern.chars().peekable();
    while let Some(tok) = chars.next() {
        match tok {
            '*' => out.push_str(star),
            '?' => out.push('.'),
            '\\' => {
                // `}` and `/` are escaped only to get past the `${...}`
                // scanner; the escape is not part of the pattern.
                if matches!(chars.peek(), Some('}' | '/')) {
                    continue;
                }
                match chars.next() {
                    Some(c @ ('*' | '?' | '\\')) => out.push_str(&regex::escape(&c.to_string())),
                    Some(c) => return Err(format!("invalid escape '\\{c}'")),
                    None => return Err("invalid escape '\\'".into()),
                }
            }
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    Regex::new(&out).map_err(|e| e.to_string())
}

fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> Step<String> {
    let re = pattern_regex(pattern, greedy, true)
        .map_err(|e| format!("invalid pattern ({pattern}) in substitution: {e}"))?;
    Ok(match re.find(value) {
        Some(m) => value[m.end()..].to_string(),
        None => value.to_string(),
    })
}

/// Reverses the pattern and the value so the rightmost shortest match
/// becomes a leftmost one.
fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Step<String> {
    let reversed: String = value.chars().rev().collect();
    let trimmed = trim_prefix(&reverse_pattern(pattern), &reversed, greedy)?;
    Ok(trimmed.chars().rev().collect())
}

/// Reverses a pattern keeping each `\x` escape pair in order (`a\*c` →
/// `c\*a`).
fn reverse_pattern(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut pieces: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' && i + 1 < chars.len() {
            pieces.push(chars[i..i + 2].iter().collect());
            i += 2;
        } else {
            pieces.push(chars[i].to_string());
            i += 1;
        }
    }
    pieces.reverse();
    pieces.concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A word, the variables set, the expected result.
    type Case = (
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
    );

    fn run(word: &str, vars: &HashMap<String, String>) -> Result<String, WordError> {
        expand(word, '\\', &|name| vars.get(name).cloned())
    }

    /// buildkit's `shell/envVarTest` (the lines for all platforms and Unix):
    /// `word | expected`, `error` when processing must fail.
    const ENV_VAR_TEST: &str = r##"
hello                    |     hello
he'll'o                  |     hello
he'llo                   |     error
he\'llo                  |     he'llo
he\\'llo                 |     error
abc\tdef                 |     abctdef
"abc\tdef"               |     abc\tdef
"abc\\tdef"              |     abc\tdef
'abc\tdef'               |     abc\tdef
hello\                   |     hello
hello\\                  |     hello\
"hello                   |     error
"hello\"                 |     error
"hel'lo"                 |     hel'lo
'hello                   |     error
'hello\'                 |     hello\
'hello\there'            |     hello\there
'hello\\there'           |     hello\\there
"''"                     |     ''
$.                       |     $.
he$1x                    |     hex
he$.x                    |     he$.x
he$pwd.                  |     he.
he$PWD                   |     he/home
he\$PWD                  |     he$PWD
he\\$PWD                 |     he\/home
"he\$PWD"                |     he$PWD
"he\\$PWD"               |     he\/home
\${}                     |     ${}
\${}aaa                  |     ${}aaa
he\${}                   |     he${}
he\${}xx                 |     he${}xx
${}                      |     error
${}aaa                   |     error
he${}                    |     error
he${}xx                  |     error
he${hi}                  |     he
he${hi}xx                |     hexx
he${PWD}                 |     he/home
he${.}                   |     error
he${XXX:-000}xx          |     he000xx
he${PWD:-000}xx          |     he/homexx
he${XXX:-$PWD}xx         |     he/homexx
he${XXX:-${PWD:-yyy}}xx  |     he/homexx
he${XXX:-${YYY:-yyy}}xx  |     heyyyxx
he${XXX:YYY}             |     error
he${XXX?}                |     error
he${XXX:?}               |     error
he${PWD?}                |     he/home
he${PWD:?}               |     he/home
he${NULL?}               |     he
he${NULL:?}              |     error
he${XXX:+${PWD}}xx       |     hexx
he${PWD:+${XXX}}xx       |     hexx
he${PWD:+${SHELL}}xx     |     hebashxx
he${XXX:+000}xx          |     hexx
he${PWD:+000}xx          |     he000xx
'he${XX}'                |     he${XX}
"he${PWD}"               |     he/home
"he'$PWD'"               |     he'/home'
"$PWD"                   |     /home
'$PWD'                   |     $PWD
'\$PWD'                  |     \$PWD
'"hello"'                |     "hello"
he\$PWD                  |     he$PWD
"he\$PWD"                |     he$PWD
'he\$PWD'                |     he\$PWD
he${PWD                  |     error
he${PWD:=000}xx          |     error
he${PWD:+${PWD}:}xx      |     he/home:xx
he${XXX:-\$PWD:}xx       |     he$PWD:xx
he${XXX:-\${PWD}z}xx     |     he${PWDz}xx
안녕하세요                 |     안녕하세요
안'녕'하세요               |     안녕하세요
안'녕하세요                |     error
안녕\'하세요               |     안녕'하세요
안\\'녕하세요              |     error
안녕\t하세요               |     안녕t하세요
"안녕\t하세요"             |     안녕\t하세요
'안녕\t하세요              |     error
안녕하세요\                |     안녕하세요
안녕하세요\\               |     안녕하세요\
"안녕하세요                |     error
"안녕하세요\"              |     error
"안녕'하세요"              |     안녕'하세요
'안녕하세요                |     error
'안녕하세요\'              |     안녕하세요\
안녕$1x                    |     안녕x
안녕$.x                    |     안녕$.x
안녕$pwd.                  |     안녕.
안녕$PWD                   |     안녕/home
안녕\$PWD                  |     안녕$PWD
안녕\\$PWD                 |     안녕\/home
안녕\${}                   |     안녕${}
안녕\${}xx                 |     안녕${}xx
안녕${}                    |     error
안녕${}xx                  |     error
안녕${hi}                  |     안녕
안녕${hi}xx                |     안녕xx
안녕${PWD}                 |     안녕/home
안녕${.}                   |     error
안녕${XXX:-000}xx          |     안녕000xx
안녕${PWD:-000}xx          |     안녕/homexx
안녕${XXX:-$PWD}xx         |     안녕/homexx
안녕${XXX:-${PWD:-yyy}}xx  |     안녕/homexx
안녕${XXX:-${YYY:-yyy}}xx  |     안녕yyyxx
안녕${XXX:YYY}             |     error
안녕${XXX:+${PWD}}xx       |     안녕xx
안녕${PWD:+${XXX}}xx       |     안녕xx
안녕${PWD:+${SHELL}}xx     |     안녕bashxx
안녕${XXX:+000}xx          |     안녕xx
안녕${PWD:+000}xx          |     안녕000xx
'안녕${XX}'                |     안녕${XX}
"안녕${PWD}"               |     안녕/home
"안녕'$PWD'"               |     안녕'/home'
'"안녕"'                   |     "안녕"
안녕\$PWD                  |     안녕$PWD
"안녕\$PWD"                |     안녕$PWD
'안녕\$PWD'                |     안녕\$PWD
안녕${PWD                  |     error
안녕${PWD:=000}xx          |     error
안녕${PWD:+${PWD}:}xx      |     안녕/home:xx
안녕${XXX:-\$PWD:}xx       |     안녕$PWD:xx
안녕${XXX:-\${PWD}z}xx     |     안녕${PWDz}xx
$KOREAN                    |     한국어
안녕$KOREAN                |     안녕한국어
${{aaa}                   |     error
${aaa}}                   |     }
${aaa                     |     error
${{aaa:-bbb}              |     error
${aaa:-bbb}}              |     bbb}
${aaa:-bbb                |     error
${aaa:-bbb}               |     bbb
${aaa:-${bbb:-ccc}}       |     ccc
${aaa:-bbb ${foo}         |     error
${aaa:-bbb {foo}          |     bbb {foo
${:}                      |     error
${:-bbb}                  |     error
${:+bbb}                  |     error
$1                        |
${1}                      |
${1:+bbb}                 |
${1:-bbb}                 |     bbb
$2                        |
${2}                      |
${2:+bbb}                 |
${2:-bbb}                 |     bbb
$3                        |
${3}                      |
${3:+bbb}                 |
${3:-bbb}                 |     bbb
$4                        |
${4}                      |
${4:+bbb}                 |
${4:-bbb}                 |     bbb
$5                        |
${5}                      |
${5:+bbb}                 |
${5:-bbb}                 |     bbb
$6                        |
${6}                      |
${6:+bbb}                 |
${6:-bbb}                 |     bbb
$7                        |
${7}                      |
${7:+bbb}                 |
${7:-bbb}                 |     bbb
$8                        |
${8}                      |
${8:+bbb}                 |
${8:-bbb}                 |     bbb
$9                        |
${9}                      |
${9:+bbb}                 |
${9:-bbb}                 |     bbb
$999                      |
${999}                    |
${999:+bbb}               |
${999:-bbb}               |     bbb
$999aaa                   |     aaa
${999}aaa                 |     aaa
${999:+bbb}aaa            |     aaa
${999:-bbb}aaa            |     bbbaaa
$001                      |
${001}                    |
${001:+bbb}               |
${001:-bbb}               |     bbb
$001aaa                   |     aaa
${001}aaa                 |     aaa
${001:+bbb}aaa            |     aaa
${001:-bbb}aaa            |     bbbaaa
$@                        |
${@}                      |
${@:+bbb}                 |
${@:-bbb}                 |     bbb
$@@@                      |     @@
$@aaa                     |     aaa
${@}aaa                   |     aaa
${@:+bbb}aaa              |     aaa
${@:-bbb}aaa              |     bbbaaa
$*                        |
${*}                      |
${*:+bbb}                 |
${*:-bbb}                 |     bbb
$#                        |
${#}                      |
${#:+bbb}                 |
${#:-bbb}                 |     bbb
$?                        |
${?}                      |
${?:+bbb}                 |
${?:-bbb}                 |     bbb
$-                        |
${-}                      |
${-:+bbb}                 |
${-:-bbb}                 |     bbb
$$                        |
${$}                      |
${$:+bbb}                 |
${$:-bbb}                 |     bbb
$!                        |
${!}                      |
${!:+bbb}                 |
${!:-bbb}                 |     bbb
$0                        |
${0}                      |
${0:+bbb}                 |
${0:-bbb}                 |     bbb
"##;

    #[test]
    fn buildkit_env_var_table() {
        let vars = env(&[
            ("PWD", "/home"),
            ("SHELL", "bash"),
            ("KOREAN", "한국어"),
            ("NULL", ""),
        ]);
        let mut checked = 0;
        for line in ENV_VAR_TEST.lines().filter(|l| !l.trim().is_empty()) {
            let (word, expected) = line.split_once('|').unwrap();
            let (word, expected) = (word.trim(), expected.trim());
            let got = run(word, &vars);
            if expected == "error" {
                assert!(got.is_err(), "{word:?} should fail, got {got:?}");
            } else {
                assert_eq!(got.as_deref(), Ok(expected), "word {word:?}");
            }
            checked += 1;
        }
        assert!(checked > 200);
    }

    /// buildkit's `shell/wordsTest`: `ENV k=v` lines set variables, then
    /// `text | word,word,...`.
    const WORDS_TEST: &str = "hello | hello
hello${hi}bye | hellobye
ENV hi=hi
hello${hi}bye | hellohibye
ENV space=abc  def
hello${space}bye | helloabc,defbye
hello\"${space}\"bye | helloabc  defbye
hello \"${space}\"bye | hello,abc  defbye
ENV leading=  ab c
hello${leading}def | hello,ab,cdef
hello\"${leading}\" def | hello  ab c,def
hello\"${leading}\" | hello  ab c
hello${leading} | hello,ab,c
ENV trailing=ab c   
hello${trailing} | helloab,c
hello${trailing}d | helloab,c,d
hello\"${trailing}\"d | helloab c   d
hel\"lo${trailing}\" | helloab c   
hello\" there  \" | hello there  
hello there     | hello,there
hello\\ there | hello there
hello\" there | error
hello\\\" there | hello\",there
hello\"\\\\there\" | hello\\there
hello\"\\there\" | hello\\there
hello'\\\\there' | hello\\\\there
hello'\\there' | hello\\there
hello'$there' | hello$there";

    #[test]
    fn buildkit_words_table() {
        let mut vars = HashMap::new();
        for line in WORDS_TEST.lines() {
            if let Some(kv) = line.strip_prefix("ENV ") {
                let (k, v) = kv.trim_start().split_once('=').unwrap();
                vars.insert(k.to_string(), v.to_string());
                continue;
            }
            let (text, expected) = line.split_once('|').unwrap();
            let expected: Vec<&str> = expected.trim_start().split(',').collect();
            let got = match expand_words(text.trim(), '\\', &|n| vars.get(n).cloned()) {
                Ok(words) => words,
                Err(_) => vec!["error".to_string()],
            };
            assert_eq!(got, expected, "text {text:?}");
        }
    }

    #[test]
    fn mandatory_variables_name_the_variable_and_message() {
        let set = env(&[("VAR", "plain"), ("ARG", "x")]);
        let empty = env(&[("VAR", ""), ("ARG", "x")]);
        let unset = env(&[("ARG", "x")]);
        let no_empty = "${VAR:?message here$ARG}";
        let no_unset = "${VAR?message here$ARG}";
        assert_eq!(run(no_empty, &set).unwrap(), "plain");
        let err = run(no_empty, &empty).unwrap_err();
        assert_eq!(err.reason(), "VAR: message herex");
        assert_eq!(
            err.to_string(),
            "failed to process \"${VAR:?message here$ARG}\": VAR: message herex"
        );
        assert!(run(no_empty, &unset)
            .unwrap_err()
            .reason()
            .contains("herex"));
        assert_eq!(run(no_unset, &set).unwrap(), "plain");
        assert_eq!(run(no_unset, &empty).unwrap(), "");
        assert!(run(no_unset, &unset)
            .unwrap_err()
            .reason()
            .contains("herex"));
        assert_eq!(
            run("${X:?}", &unset).unwrap_err().reason(),
            "X: is not allowed to be unset"
        );
        assert_eq!(
            run("${VAR:?}", &empty).unwrap_err().reason(),
            "VAR: is not allowed to be empty"
        );
    }

    #[test]
    fn modifiers_with_and_without_colon() {
        let vars = env(&[("FOO", "xxx"), ("BAR", "")]);
        let cases = [
            ("${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", "xxx  ccc"),
            ("${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", "xxx bbb ccc"),
            ("${FOO:-}", "xxx"),
            ("${BAZ:-}", ""),
            ("${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", "aaa bbb "),
            ("${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", "aaa  "),
            ("${FOO?aaa}", "xxx"),
            ("${BAR?bbb}", ""),
            ("${FOO:?aaa}", "xxx"),
            ("${X:-\"a  b\"}", "a  b"),
            ("${X:-'$FOO'}", "$FOO"),
        ];
        for (word, expected) in cases {
            assert_eq!(run(word, &vars).unwrap(), expected, "word {word:?}");
        }
        for word in [
            "${BAZ?ccc}",
            "${BAR:?bbb}",
            "${BAZ:?ccc}",
            "${BAZ:?}",
            "${FOO=aaa}",
            "${FOO=:aaa}",
            "${FOO=}",
            "${FOO:#}",
            "${FOO:##}",
            "${FOO:%}",
            "${FOO:%%}",
            "${FOO:",
        ] {
            assert!(run(word, &vars).is_err(), "{word:?} should fail");
        }
    }

    #[test]
    fn prefix_and_suffix_removal() {
        let cases: &[Case] = &[
            (
                "${FOO#()[]{\\}^$.\\*\\?|\\\\}",
                &[("FOO", "()[]{}^$.*?|\\x")],
                "x",
            ),
            ("${FOO%%\\**}", &[("FOO", "xx**")], "xx"),
            ("${FOO#*x*y}", &[("FOO", "xxyy")], "y"),
            ("${FOO#*}", &[("FOO", "xxyy")], "xxyy"),
            ("${FOO#$BAR}", &[("FOO", "xxyy"), ("BAR", "x")], "xyy"),
            ("${FOO#$BAR}", &[("FOO", "xxyy"), ("BAR", "")], "xxyy"),
            ("${FOO#}", &[("FOO", "xxyy")], "xxyy"),
            ("${FOO##*x}", &[("FOO", "xxyy")], "yy"),
            ("${FOO##}", &[("FOO", "xxyy")], "xxyy"),
            ("${FOO#?\\?}", &[("FOO", "???y")], "?y"),
            ("${ABC:-.}${FOO%x}${ABC:-.}", &[("FOO", "xxyy")], ".xxyy."),
            ("${FOO%%\\**\\*}", &[("FOO", "a***yy*")], "a"),
            ("${FOO%}", &[("FOO", "xxyy")], "xxyy"),
            ("${FOO%%$BAR}", &[("FOO", "xxyy"), ("BAR", "")], "xxyy"),
            ("${FOO%.*}", &[("FOO", "archive.tar.gz")], "archive.tar"),
            ("${FOO%%.*}", &[("FOO", "archive.tar.gz")], "archive"),
            ("${FOO#*/}", &[("FOO", "a/b/c")], "b/c"),
            ("${FOO##*/}", &[("FOO", "a/b/c")], "c"),
            ("${NONE#x}", &[], ""),
        ];
        for (word, vars, expected) in cases {
            assert_eq!(run(word, &env(vars)).unwrap(), *expected, "word {word:?}");
        }
    }

    #[test]
    fn pattern_replacement() {
        let cases: &[Case] = &[
            (
                "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
                &[("FOO", "/foo*/*/*.txt"), ("NEEDLE", "\\*/")],
                "/foo.*/*.txt - /foo..*.txt",
            ),
            (
                "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
                &[("FOO", "/tmp/tmp/bar.txt"), ("NEEDLE", "/tmp")],
                "/tmp/bar.txt - /bar.txt",
            ),
            (
                "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
                &[
                    ("FOO", "/a/foo/b/c.txt"),
                    ("NEEDLE", "/?/"),
                    ("REPLACEMENT", "/"),
                ],
                "/foo/b/c.txt - /foo/c.txt",
            ),
            (
                "${FOO/$NEEDLE/$REPLACEMENT}",
                &[
                    ("FOO", "http://google.de"),
                    ("NEEDLE", "http://"),
                    ("REPLACEMENT", "https://"),
                ],
                "https://google.de",
            ),
            (
                "${FOO//\\//\\/}",
                &[("FOO", "/tmp/foo.txt")],
                "\\/tmp\\/foo.txt",
            ),
            ("${FOO/$BAR/ww}", &[("FOO", "xxyy"), ("BAR", "")], "wwxxyy"),
            ("${FOO///}", &[("FOO", "xxyy")], "xxyy"),
            ("${FOO///}", &[], ""),
            ("${FOO/x/$}", &[("FOO", "axb")], "a$b"),
        ];
        for (word, vars, expected) in cases {
            assert_eq!(run(word, &env(vars)).unwrap(), *expected, "word {word:?}");
        }
        for word in ["${FOO//ww}", "${FOO//}"] {
            assert!(run(word, &env(&[("FOO", "xxyy")])).is_err(), "{word:?}");
        }
    }

    #[test]
    fn platform_style_release_names() {
        let release = "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz";
        let base = [("VERSION", "v1.2.3"), ("TARGETOS", "linux")];
        let with = |extra: &[(&str, &str)]| {
            let mut all = base.to_vec();
            all.extend_from_slice(extra);
            run(release, &env(&all)).unwrap()
        };
        assert_eq!(
            with(&[("TARGETARCH", "arm"), ("TARGETVARIANT", "v7")]),
            "something-v1.2.3.linux-arm-v7.tar.gz"
        );
        assert_eq!(
            with(&[("TARGETARCH", "arm64"), ("TARGETVARIANT", "")]),
            "something-v1.2.3.linux-arm64.tar.gz"
        );
        assert_eq!(
            with(&[("TARGETARCH", "arm64")]),
            "something-v1.2.3.linux-arm64.tar.gz"
        );
    }

    #[test]
    fn backtick_escape_leaves_backslashes_alone() {
        let vars = env(&[("DIR", "app")]);
        let get = |n: &str| vars.get(n).cloned();
        let cases = [
            ("c:\\windows\\$DIR", "c:\\windows\\app"),
            ("c:\\`$DIR", "c:\\$DIR"),
            ("\"a`\"b\"", "a\"b"),
            ("\"a\\b`$DIR\"", "a\\b$DIR"),
            ("x`", "x"),
            ("a` b", "a b"),
        ];
        for (word, expected) in cases {
            assert_eq!(expand(word, '`', &get).unwrap(), expected, "word {word:?}");
        }
        assert_eq!(
            expand_words("a` b c:\\x", '`', &get).unwrap(),
            vec!["a b", "c:\\x"]
        );
    }

    #[test]
    fn words_keep_quoted_and_escaped_blanks_and_heredoc_markers() {
        let vars = env(&[("P", "80 443")]);
        let get = |n: &str| vars.get(n).cloned();
        let cases: &[(&str, &[&str])] = &[
            ("$P 53/udp", &["80", "443", "53/udp"]),
            ("\"$P\"", &["80 443"]),
            ("a '' b", &["a", "b"]),
            ("cat <<  EOF > f", &["cat", "<<  EOF", ">", "f"]),
            ("  lead   trail  ", &["lead", "trail"]),
            ("", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(
                expand_words(text, '\\', &get).unwrap(),
                *expected,
                "{text:?}"
            );
        }
    }

    #[test]
    fn raw_modes_keep_quotes_escapes_and_unset_variables() {
        let lexer = Lexer::raw('\\');
        let (word, words) = lexer
            .process("RUN <<'EOF' \\$x ${Y:-z} $HOME \"q\"", &|_| None)
            .unwrap();
        assert_eq!(word, "RUN <<'EOF' \\$x ${Y:-z} $HOME \"q\"");
        assert_eq!(
            words,
            ["RUN", "<<'EOF'", "\\$x", "${Y:-z}", "$HOME", "\"q\""]
        );
    }

    #[test]
    fn pattern_helpers_match_buildkit() {
        let cases = [("*", "^.*"), ("?", "^."), ("\\*", "^\\*")];
        for (pattern, expected) in cases {
            assert_eq!(
                pattern_regex(pattern, true, true).unwrap().as_str(),
                expected
            );
        }
        for bad in ["\\", "\\x", "\\\\\\"] {
            assert!(pattern_regex(bad, true, true).is_err(), "{bad:?}");
        }
        let reversed = [
            ("a\\*c", "c\\*a"),
            ("\\\\\\ab", "b\\a\\\\"),
            ("ab\\", "\\ba"),
            ("\\\\b", "b\\\\"),
        ];
        for (pattern, expected) in reversed {
            assert_eq!(reverse_pattern(pattern), expected, "{pattern:?}");
        }
    }

    #[test]
    fn heredoc_bodies_keep_quotes_and_expand_inside_them() {
        let vars = env(&[("NAME", "world"), ("EMPTY", "")]);
        let get = |n: &str| vars.get(n).cloned();
        let cases = [
            ("hello $NAME\n", "hello world\n"),
            ("'$NAME' \"${NAME}\"\n", "'world' \"world\"\n"),
            ("it's ${EMPTY:-fine}\n", "it's fine\n"),
            ("cost: \\$5\n", "cost: $5\n"),
            // Docker's quirk: a backslash escape is applied, `\n` becomes `n`.
            ("printf 'a\\n'\n", "printf 'an'\n"),
            ("don't\n", "don't\n"),
        ];
        for (body, expected) in cases {
            assert_eq!(expand_heredoc(body, &get).unwrap(), expected, "{body:?}");
        }
        assert!(expand_heredoc("${NAME\n", &get).is_err());
    }

    #[test]
    fn arbitrary_words_never_panic() {
        let pieces = [
            "$", "{", "}", ":", "-", "+", "?", "#", "%", "/", "\\", "`", "'", "\"", "a", "A1", " ",
            "<", "<<", "*", "é", "☃", "V", "EMPTY", "\t",
        ];
        let vars = env(&[("V", "v*a/l é"), ("EMPTY", "")]);
        let get = |n: &str| vars.get(n).cloned();
        let mut state: u64 = 7;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as usize) % n
        };
        let mut failures = 0;
        for _ in 0..6000 {
            let len = 1 + next(12);
            let word: String = (0..len).map(|_| pieces[next(pieces.len())]).collect();
            let escape = if next(2) == 0 { '\\' } else { '`' };
            if let Err(e) = expand(&word, escape, &get) {
                assert!(!e.reason().is_empty());
                failures += 1;
            }
            let _ = expand_words(&word, escape, &get);
            let _ = expand_heredoc(&word, &get);
        }
        assert!(failures > 0 && failures < 6000);
    }
}
