//! `--filter` for `volume ls` and `volume prune`, with podman's keys: `name` (a
//! regular expression), `label` / `label!` (`KEY` or `KEY=VALUE`), `driver`, `scope`,
//! `opt`, `dangling` (`true`: no container uses it), `until` (created before a time
//! or a duration ago). Values of one key are alternatives; labels must all match;
//! different keys must all match.

use regex::Regex;
use thiserror::Error;

use super::record::Volume;
use crate::base::timestamp::{parse_duration, Timestamp};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum FilterError {
    #[error("invalid filter {0:?}: expected KEY=VALUE")]
    Shape(String),
    #[error("{0:?} is an invalid volume filter (use name, label, label!, driver, scope, opt, dangling or until)")]
    Key(String),
    #[error("{0:?} is not a valid value for the \"dangling\" filter - must be true or false")]
    Dangling(String),
    #[error("invalid name filter {value:?}: {why}")]
    Regex { value: String, why: String },
    #[error("invalid until filter {0:?}: expected a timestamp (2006-01-02T15:04:05Z, Unix seconds) or a duration (10m, 2h30m)")]
    Until(String),
}

#[derive(Debug, Clone)]
enum Test {
    Name(Regex),
    Label {
        key: String,
        value: Option<String>,
        negate: bool,
    },
    Driver(String),
    Scope(String),
    Opt(String, Option<String>),
    Dangling(bool),
    Until(Timestamp),
}

/// Parsed filters, grouped by key.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    groups: Vec<(String, Vec<Test>)>,
}

impl Filters {
    /// Parses `KEY=VALUE` strings; `now` anchors `until=DURATION`.
    pub fn parse(filters: &[String], now: Timestamp) -> Result<Filters, FilterError> {
        let mut out = Filters::default();
        for f in filters {
            let (key, value) = f
                .split_once('=')
                .ok_or_else(|| FilterError::Shape(f.clone()))?;
            let test = match key {
                "name" => Test::Name(Regex::new(value).map_err(|e| {
                    FilterError::Regex {
                        value: value.to_string(),
                        why: e
                            .to_string()
                            .lines()
                            .last()
                            .unwrap_or("")
                            .trim()
                            .to_string(),
                    }
                })?),
                "label" | "label!" => {
                    let (k, v) = match value.split_once('=') {
                        Some((k, v)) => (k, Some(v.to_string())),
                        None => (value, None),
                    };
                    Test::Label {
                        key: k.to_string(),
                        value: v,
                        negate: key == "label!",
                    }
                }
                "driver" => Test::Driver(value.to_string()),
                "scope" => Test::Scope(value.to_string()),
                "opt" => match value.split_once('=') {
                    Some((k, v)) => Test::Opt(k.to_string(), Some(v.to_string())),
                    None => Test::Opt(value.to_string(), None),
                },
                "dangling" => Test::Dangling(match value.to_ascii_lowercase().as_str() {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => return Err(FilterError::Dangling(value.to_string())),
                }),
                "until" => Test::Until(
                    parse_until(value, now).ok_or_else(|| FilterError::Until(value.to_string()))?,
                ),
                other => return Err(FilterError::Key(other.to_string())),
            };
            let group = key.trim_end_matches('!').to_string();
            match out.groups.iter_mut().find(|(k, _)| *k == group) {
                Some((_, tests)) => tests.push(test),
                None => out.groups.push((group, vec![test])),
            }
        }
        Ok(out)
    }

    /// Whether `volume` passes; `in_use` says whether a container uses it.
    pub fn matches(&self, volume: &Volume, in_use: bool) -> bool {
        self.groups.iter().all(|(key, tests)| {
            let one = |t: &Test| test(t, volume, in_use);
            if key == "label" {
                tests.iter().all(one)
            } else {
                tests.iter().any(one)
            }
        })
    }
}

fn test(t: &Test, v: &Volume, in_use: bool) -> bool {
    match t {
        Test::Name(re) => re.is_match(&v.name),
        Test::Label { key, value, negate } => {
            let has = match (v.labels.get(key), value) {
                (Some(have), Some(want)) => have == want,
                (Some(_), None) => true,
                (None, _) => false,
            };
            has != *negate
        }
        Test::Driver(d) => v.driver == *d,
        Test::Scope(s) => v.scope == *s,
        Test::Opt(k, want) => match (v.options.get(k), want) {
            (Some(have), Some(want)) => have == want,
            (Some(_), None) => true,
            (None, _) => false,
        },
        Test::Dangling(d) => in_use != *d,
        Test::Until(t) => Timestamp::parse(&v.created_at).is_some_and(|c| c < *t),
    }
}

/// A timestamp, Unix seconds, or a Go duration back from `now`.
fn parse_until(value: &str, now: Timestamp) -> Option<Timestamp> {
    if let Some(t) = Timestamp::parse(value) {
        return Some(t);
    }
    if let Ok(secs) = value.parse::<f64>() {
        return Some(Timestamp::from_secs(secs as i64));
    }
    let ago = parse_duration(value).ok()?.as_secs() as i64;
    Some(Timestamp::from_secs(now.secs - ago))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn vol(name: &str, labels: &[(&str, &str)], created: &str) -> Volume {
        let labels: BTreeMap<_, _> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut options = BTreeMap::new();
        options.insert("uid".to_string(), "1000".to_string());
        Volume::new(name, created.into(), labels, options)
    }

    fn f(list: &[&str]) -> Filters {
        let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        Filters::parse(&list, Timestamp::parse("2024-06-01T00:00:00Z").unwrap()).unwrap()
    }

    #[test]
    fn names_labels_and_dangling() {
        let web = vol(
            "web-data",
            &[("app", "web"), ("tier", "front")],
            "2024-01-01T00:00:00Z",
        );
        let db = vol("db", &[("app", "db")], "2024-05-31T23:00:00Z");
        assert!(f(&[]).matches(&web, true));
        assert!(f(&["name=web"]).matches(&web, false));
        assert!(!f(&["name=^data"]).matches(&web, false));
        assert!(
            f(&["name=^db$", "name=web"]).matches(&db, false),
            "same key: any"
        );
        assert!(f(&["label=app"]).matches(&db, false));
        assert!(f(&["label=app=web", "label=tier"]).matches(&web, false));
        assert!(
            !f(&["label=app=web", "label=tier"]).matches(&db, false),
            "labels: all"
        );
        assert!(f(&["label!=tier"]).matches(&db, false));
        assert!(!f(&["label!=tier"]).matches(&web, false));
        assert!(f(&["dangling=true"]).matches(&web, false));
        assert!(!f(&["dangling=true"]).matches(&web, true));
        assert!(f(&["dangling=false"]).matches(&web, true));
        assert!(
            !f(&["name=web", "dangling=false"]).matches(&web, false),
            "keys: all"
        );
        assert!(f(&["driver=local", "scope=local", "opt=uid=1000", "opt=uid"]).matches(&db, false));
        assert!(!f(&["opt=gid"]).matches(&db, false));
        assert!(f(&["until=2h"]).matches(&web, false));
        assert!(!f(&["until=2h"]).matches(&db, false));
        assert!(f(&["until=2024-03-01T00:00:00Z"]).matches(&web, false));
        assert!(f(&["until=1709251200"]).matches(&web, false));
    }

    #[test]
    fn bad_filters() {
        let now = Timestamp::now();
        let parse = |s: &str| Filters::parse(&[s.to_string()], now).unwrap_err();
        assert_eq!(
            parse("dangling=maybe"),
            FilterError::Dangling("maybe".into())
        );
        assert_eq!(parse("bogus=1"), FilterError::Key("bogus".into()));
        assert_eq!(parse("name"), FilterError::Shape("name".into()));
        assert!(matches!(parse("name=("), FilterError::Regex { .. }));
        assert!(matches!(parse("until=soon"), FilterError::Until(_)));
    }
}
