//! `/etc/subuid` and `/etc/subgid`: the subordinate id ranges a user may map.

use std::fs;
use std::io;
use std::path::Path;

/// One `owner:start:count` line that applies to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SubRange {
    pub start: u32,
    pub count: u32,
}

/// Ranges for the user, matched by login name or by numeric uid, in file order.
pub fn parse(text: &str, name: Option<&str>, uid: u32) -> Vec<SubRange> {
    let uid_text = uid.to_string();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let owner = parts.next()?;
            let start = parts.next()?.trim().parse::<u32>().ok()?;
            let count = parts.next()?.trim().parse::<u32>().ok()?;
            let matches = owner == uid_text || name.is_some_and(|n| n == owner);
            (matches && count > 0).then_some(SubRange { start, count })
        })
        .collect()
}

/// Reads `path` (missing file → no ranges).
pub fn read(path: &Path, name: Option<&str>, uid: u32) -> io::Result<Vec<SubRange>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(parse(&text, name, uid)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
# comment
alice:100000:65536
1001:200000:1000
bob:300000:65536
alice:400000:10
broken:line
alice:x:5
";

    #[test]
    fn by_name_keeps_every_range_in_order() {
        let r = parse(FILE, Some("alice"), 1000);
        assert_eq!(
            r,
            vec![
                SubRange {
                    start: 100000,
                    count: 65536
                },
                SubRange {
                    start: 400000,
                    count: 10
                }
            ]
        );
    }

    #[test]
    fn by_numeric_uid() {
        let r = parse(FILE, Some("carol"), 1001);
        assert_eq!(
            r,
            vec![SubRange {
                start: 200000,
                count: 1000
            }]
        );
    }

    #[test]
    fn none_for_strangers_and_junk() {
        assert!(parse(FILE, Some("mallory"), 4242).is_empty());
        assert!(parse(FILE, None, 4242).is_empty());
        assert!(parse("alice:1:0\n", Some("alice"), 1).is_empty());
    }
}
