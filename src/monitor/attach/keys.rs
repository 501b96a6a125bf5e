//! The detach key sequence (`--detach-keys`, default `ctrl-p,ctrl-q`): parsed as
//! Docker and podman do, and watched for in the input an attached client forwards.

use std::fmt;
use std::str::FromStr;

/// podman's default.
pub const DEFAULT: &str = "ctrl-p,ctrl-q";

/// A parsed key sequence; empty means detaching by keys is off (`--detach-keys=""`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetachKeys(Vec<u8>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidKeys(String);

impl fmt::Display for InvalidKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid detach keys {:?}: use a single character or `ctrl-<value>` (value one of a-z, @, [, \\, ], ^, _), comma separated",
            self.0
        )
    }
}

impl std::error::Error for InvalidKeys {}

/// The byte `ctrl-<c>` sends.
fn ctrl(c: char) -> Option<u8> {
    match c.to_ascii_lowercase() {
        c @ 'a'..='z' => Some(c as u8 - b'a' + 1),
        '@' => Some(0),
        '[' => Some(27),
        '\\' => Some(28),
        ']' => Some(29),
        '^' => Some(30),
        '_' => Some(31),
        _ => None,
    }
}

impl FromStr for DetachKeys {
    type Err = InvalidKeys;

    fn from_str(s: &str) -> Result<DetachKeys, InvalidKeys> {
        if s.is_empty() {
            return Ok(DetachKeys(Vec::new()));
        }
        let bad = || InvalidKeys(s.to_string());
        let mut bytes = Vec::new();
        for key in s.split(',') {
            let mut chars = key.chars();
            let byte = match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii() && !c.is_ascii_control() => c as u8,
                _ => {
                    let rest = key.strip_prefix("ctrl-").ok_or_else(bad)?;
                    let mut chars = rest.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c), None) => ctrl(c).ok_or_else(bad)?,
                        _ => return Err(bad()),
                    }
                }
            };
            bytes.push(byte);
        }
        Ok(DetachKeys(bytes))
    }
}

impl DetachKeys {
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Watches a byte stream for the sequence. Bytes that may start it are held back
/// until it is clear whether they do; the rest pass through.
#[derive(Debug, Clone)]
pub struct Watch {
    keys: Vec<u8>,
    matched: usize,
}

impl Watch {
    pub fn new(keys: &DetachKeys) -> Watch {
        Watch {
            keys: keys.0.clone(),
            matched: 0,
        }
    }

    /// Appends to `out` what of `input` goes on to the container; `true` once the
    /// whole sequence has been typed (what follows it is dropped).
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> bool {
        if self.keys.is_empty() {
            out.extend_from_slice(input);
            return false;
        }
        for &b in input {
            if b == self.keys[self.matched] {
                self.matched += 1;
                if self.matched == self.keys.len() {
                    self.matched = 0;
                    return true;
                }
                continue;
            }
            // Not the sequence after all: what was held back goes through, and this
            // byte may start it afresh.
            out.extend_from_slice(&self.keys[..self.matched]);
            self.matched = 0;
            if b == self.keys[0] {
                self.matched = 1;
                if self.keys.len() == 1 {
                    return true;
                }
            } else {
                out.push(b);
            }
        }
        false
    }

    /// At the end of input: what was held back.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.keys[..self.matched]);
        self.matched = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(s: &str) -> Vec<u8> {
        s.parse::<DetachKeys>().unwrap().0
    }

    #[test]
    fn parses_as_podman() {
        assert_eq!(keys(DEFAULT), [16, 17]);
        assert_eq!(keys("ctrl-a"), [1]);
        assert_eq!(keys("ctrl-Z"), [26]);
        assert_eq!(
            keys("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_"),
            [0, 27, 28, 29, 30, 31]
        );
        assert_eq!(keys("a,b,ctrl-c"), [b'a', b'b', 3]);
        assert!(keys("").is_empty());
    }

    #[test]
    fn refuses_what_podman_refuses() {
        for bad in [
            "ctrl-", "ctrl-1", "ctrl-ab", "ab", "alt-x", "a,,b", ",", "é", "ctrl-p,",
        ] {
            let err = bad.parse::<DetachKeys>().unwrap_err();
            assert!(err.to_string().contains("invalid detach keys"), "{bad}");
        }
    }

    fn run(keys: &str, chunks: &[&[u8]]) -> (Vec<u8>, Option<usize>) {
        let mut w = Watch::new(&keys.parse().unwrap());
        let mut out = Vec::new();
        for (i, c) in chunks.iter().enumerate() {
            if w.feed(c, &mut out) {
                return (out, Some(i));
            }
        }
        w.finish(&mut out);
        (out, None)
    }

    #[test]
    fn detects_the_sequence_across_reads() {
        assert_eq!(
            run(DEFAULT, &[b"ls\r\x10", b"\x11tail"]),
            (b"ls\r".to_vec(), Some(1))
        );
        assert_eq!(run(DEFAULT, &[b"\x10\x11"]), (Vec::new(), Some(0)));
    }

    #[test]
    fn a_broken_sequence_passes_through() {
        assert_eq!(run(DEFAULT, &[b"a\x10b"]), (b"a\x10b".to_vec(), None));
        // A repeated first key: the first goes through, the second starts the sequence.
        assert_eq!(
            run(DEFAULT, &[b"\x10\x10\x11"]),
            (b"\x10".to_vec(), Some(0))
        );
        // Held back at the end of input, then given up.
        assert_eq!(run(DEFAULT, &[b"x\x10"]), (b"x\x10".to_vec(), None));
    }

    #[test]
    fn single_key_and_no_keys() {
        assert_eq!(run("ctrl-a", &[b"ab\x01c"]), (b"ab".to_vec(), Some(0)));
        assert_eq!(run("", &[b"\x10\x11"]), (b"\x10\x11".to_vec(), None));
    }
}
