//! `--filter KEY=VALUE` as podman combines them, for every listing and prune:
//! values of one key are alternatives (any may match), different keys must all
//! match, and `label` / `label!` are the exception: every one must hold. Each
//! command parses a value into its own test; this module groups the tests and
//! decides, and holds the parts several commands share (labels, `until`).

use regex::Regex;

/// Parsed filters, grouped by key in the order the keys first appear.
#[derive(Debug, Clone)]
pub struct Filters<T> {
    groups: Vec<(String, Vec<T>)>,
}

impl<T> Default for Filters<T> {
    fn default() -> Self {
        Filters { groups: Vec::new() }
    }
}

/// `KEY=VALUE` split at its first `=`; `None` when it has none.
pub fn split(item: &str) -> Option<(&str, &str)> {
    item.split_once('=')
}

impl<T> Filters<T> {
    /// Parses each `KEY=VALUE` of `raw` with `test`; `shape` makes the error for
    /// an item without `=`.
    pub fn parse<E>(
        raw: &[String],
        shape: impl Fn(&str) -> E,
        mut test: impl FnMut(&str, &str) -> Result<T, E>,
    ) -> Result<Filters<T>, E> {
        let mut out = Filters::default();
        for item in raw {
            let (key, value) = split(item).ok_or_else(|| shape(item))?;
            let t = test(key, value)?;
            out.push(key, t);
        }
        Ok(out)
    }

    /// Adds a test under `key` (`label!` counts as `label`).
    pub fn push(&mut self, key: &str, test: T) {
        let group = key.trim_end_matches('!');
        match self.groups.iter_mut().find(|(k, _)| k == group) {
            Some((_, tests)) => tests.push(test),
            None => self.groups.push((group.to_string(), vec![test])),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Whether an item passes, `pass` telling whether it passes one test.
    pub fn matches(&self, pass: impl Fn(&T) -> bool) -> bool {
        self.groups.iter().all(|(key, tests)| {
            if key == "label" {
                tests.iter().all(&pass)
            } else {
                tests.iter().any(&pass)
            }
        })
    }
}

/// `label=KEY[=VALUE]` or `label!=KEY[=VALUE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub key: String,
    pub value: Option<String>,
    pub negate: bool,
}

impl Label {
    /// The label test for filter key `key` (`label` or `label!`) and its value.
    pub fn parse(key: &str, value: &str) -> Label {
        let (k, v) = match value.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (value, None),
        };
        Label {
            key: k.to_string(),
            value: v,
            negate: key.ends_with('!'),
        }
    }

    /// Whether an item whose label `self.key` is `have` (`None`: unset) passes.
    pub fn matches(&self, have: Option<&str>) -> bool {
        let has = match (have, &self.value) {
            (Some(have), Some(want)) => have == want,
            (Some(_), None) => true,
            (None, _) => false,
        };
        has != self.negate
    }
}

/// A `name=` value as the regular expression podman takes it; the error is the
/// reason alone (the last line of the regex crate's report).
pub fn regex(value: &str) -> Result<Regex, String> {
    Regex::new(value).map_err(|e| {
        e.to_string()
            .lines()
            .last()
            .unwrap_or("")
            .trim()
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[&str]) -> Filters<(String, String)> {
        let raw: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
        Filters::parse(
            &raw,
            |item| item.to_string(),
            |k, v| Ok::<_, String>((k.to_string(), v.to_string())),
        )
        .unwrap()
    }

    #[test]
    fn same_key_any_other_keys_all_labels_all() {
        let has = |f: &Filters<(String, String)>, items: &[(&str, &str)]| {
            f.matches(|(k, v)| {
                items
                    .iter()
                    .any(|(a, b)| *a == k.trim_end_matches('!') && b == v)
            })
        };
        let f = parse(&["name=a", "name=b", "id=1"]);
        assert!(has(&f, &[("name", "b"), ("id", "1")]));
        assert!(!has(&f, &[("name", "b")]));
        let f = parse(&["label=x", "label=y"]);
        assert!(!has(&f, &[("label", "x")]));
        assert!(has(&f, &[("label", "x"), ("label", "y")]));
        assert!(Filters::<()>::parse(&["bare".into()], |i| i.to_string(), |_, _| Ok(())).is_err());
    }

    #[test]
    fn labels() {
        let l = Label::parse("label", "tier=web");
        assert!(l.matches(Some("web")) && !l.matches(Some("db")) && !l.matches(None));
        let l = Label::parse("label!", "tier");
        assert!(!l.matches(Some("web")) && l.matches(None));
    }
}
