//! `--filter` for `volume ls` and `volume prune`, with podman's keys: `name` (a
//! regular expression), `label` / `label!` (`KEY` or `KEY=VALUE`), `driver`, `scope`,
//! `opt`, `dangling` (`true`: no container uses it), `until` (created before a time
//! or a duration ago). Values of one key are alternatives; labels must all match;
//! different keys must all match.

use regex::Regex;
use thiserror::Error;

use super::record::Volume;
use super::{users, VolumeError, VolumeStore};
use crate::base::filter::{self, Filters, Label};
use crate::base::timestamp::Timestamp;

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
    Label(Label),
    Driver(String),
    Scope(String),
    Opt(Label),
    Dangling(bool),
    Until(Timestamp),
}

/// Parsed volume filters.
#[derive(Debug, Clone, Default)]
pub struct VolumeFilter(Filters<Test>);

impl VolumeFilter {
    /// Parses `KEY=VALUE` strings; `now` anchors `until=DURATION`.
    pub fn parse(filters: &[String], now: Timestamp) -> Result<VolumeFilter, FilterError> {
        Filters::parse(
            filters,
            |item| FilterError::Shape(item.to_string()),
            |key, value| {
                Ok(match key {
                    "name" => {
                        Test::Name(filter::regex(value).map_err(|why| FilterError::Regex {
                            value: value.to_string(),
                            why,
                        })?)
                    }
                    "label" | "label!" => Test::Label(Label::parse(key, value)),
                    "driver" => Test::Driver(value.to_string()),
                    "scope" => Test::Scope(value.to_string()),
                    "opt" => Test::Opt(Label::parse(key, value)),
                    "dangling" => Test::Dangling(match value.to_ascii_lowercase().as_str() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => return Err(FilterError::Dangling(value.to_string())),
                    }),
                    "until" => Test::Until(
                        crate::base::timestamp::parse_time(value, now)
                            .map_err(|_| FilterError::Until(value.to_string()))?,
                    ),
                    other => return Err(FilterError::Key(other.to_string())),
                })
            },
        )
        .map(VolumeFilter)
    }

    /// Whether `volume` passes; `in_use` says whether a container uses it.
    pub fn matches(&self, volume: &Volume, in_use: bool) -> bool {
        self.0.matches(|t| test(t, volume, in_use))
    }
}

fn test(t: &Test, v: &Volume, in_use: bool) -> bool {
    match t {
        Test::Name(re) => re.is_match(&v.name),
        Test::Label(l) => l.matches(v.labels.get(&l.key).map(String::as_str)),
        Test::Driver(d) => v.driver == *d,
        Test::Scope(s) => v.scope == *s,
        Test::Opt(o) => o.matches(v.options.get(&o.key).map(String::as_str)),
        Test::Dangling(d) => in_use != *d,
        Test::Until(t) => Timestamp::parse(&v.created_at).is_some_and(|c| c < *t),
    }
}

/// The volumes that pass `filters`, by name.
pub fn select(store: &VolumeStore, filters: &[String]) -> anyhow::Result<Vec<Volume>> {
    let filter = VolumeFilter::parse(filters, Timestamp::now())?;
    let mut volumes = store.list()?;
    let used = users::containers_using(store);
    volumes.retain(|v| filter.matches(v, used.contains_key(&v.name)));
    Ok(volumes)
}

/// The check [`VolumeStore::remove`] runs under the volumes lock: refuses a
/// volume a container uses (one may have taken it up since it was listed).
pub fn unused(store: &VolumeStore, v: &Volume) -> anyhow::Result<()> {
    match users::containers_using(store).remove(&v.name) {
        Some(containers) => Err(VolumeError::InUse {
            name: v.name.clone(),
            containers,
        }
        .into()),
        None => Ok(()),
    }
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

    fn f(list: &[&str]) -> VolumeFilter {
        let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        VolumeFilter::parse(&list, Timestamp::parse("2024-06-01T00:00:00Z").unwrap()).unwrap()
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
        let parse = |s: &str| VolumeFilter::parse(&[s.to_string()], now).unwrap_err();
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
