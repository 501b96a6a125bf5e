//! `rpod container prune`: remove every container that is not running.

use std::io::{self, BufRead, Write};

use anyhow::{anyhow, bail, Result};

use super::container::open;
use super::Context;
use crate::base::timestamp::Timestamp;
use crate::container::{ops, Container};

/// Remove all non running containers
#[derive(Debug, clap::Args)]
pub struct ContainerPruneArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub force: bool,

    /// Only containers matching: until=TIME (created before), label=KEY[=VALUE], label!=KEY[=VALUE]
    #[arg(long = "filter", value_name = "FILTER")]
    pub filter: Vec<String>,
}

/// Which containers a prune may take.
#[derive(Debug, Default)]
pub struct PruneFilter {
    until: Option<Timestamp>,
    label: Vec<(String, Option<String>)>,
    not_label: Vec<(String, Option<String>)>,
}

impl PruneFilter {
    pub fn parse(filters: &[String], now: Timestamp) -> Result<PruneFilter> {
        let mut f = PruneFilter::default();
        for spec in filters {
            let label = |v: &str| match v.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (v.to_string(), None),
            };
            if let Some(v) = spec.strip_prefix("label!=") {
                f.not_label.push(label(v));
            } else if let Some(v) = spec.strip_prefix("label=") {
                f.label.push(label(v));
            } else if let Some(v) = spec.strip_prefix("until=") {
                f.until =
                    Some(crate::base::timestamp::parse_time(v, now).map_err(anyhow::Error::msg)?);
            } else {
                return Err(anyhow!(
                    "invalid filter {spec:?}: supported filters are until, label and label!"
                ));
            }
        }
        Ok(f)
    }

    pub fn keep(&self, c: &Container) -> bool {
        let has = |(k, v): &(String, Option<String>)| match (c.record.labels.get(k), v) {
            (Some(_), None) => true,
            (Some(have), Some(want)) => have == want,
            (None, _) => false,
        };
        self.until.is_none_or(|u| c.record.created_at() < u)
            && self.label.iter().all(has)
            && !self.not_label.iter().any(has)
    }
}

pub fn run(ctx: &Context, args: &ContainerPruneArgs) -> Result<u8> {
    let filter = PruneFilter::parse(&args.filter, Timestamp::now())?;
    if !args.force {
        print!("WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] ");
        io::stdout().flush()?;
        let mut answer = String::new();
        if io::stdin().lock().read_line(&mut answer)? == 0 {
            bail!("no answer on standard input: use --force to prune without asking");
        }
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
            return Ok(0);
        }
    }
    let store = open(ctx)?;
    let mut last = None;
    for c in store.list()? {
        // A monitor waiting to restart its container still owns it.
        let restarting = c.state.monitor.alive() && !c.state.stop_requested;
        if c.state.running() || restarting || !filter.keep(&c) {
            continue;
        }
        match ops::remove(&store, &c, false, 0) {
            Ok(()) => println!("{}", c.record.id),
            // Started meanwhile: no longer a candidate.
            Err(_) if store.state(&c.record.id).running() => {}
            Err(e) => {
                if let Some(prev) = last.replace(e) {
                    eprintln!("Error: {}", crate::error::one_line(&prev));
                }
            }
        }
    }
    match last {
        Some(e) => Err(e),
        None => Ok(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(created: &str, labels: &[(&str, &str)]) -> Container {
        let json = format!(
            r#"{{"id":"ab","name":"n","created":"{created}","rootfs":{{"dir":"/r"}},"command":["sh"]}}"#
        );
        let mut record: crate::container::Record = serde_json::from_str(&json).unwrap();
        for (k, v) in labels {
            record.labels.insert(k.to_string(), v.to_string());
        }
        Container {
            record,
            state: Default::default(),
        }
    }

    #[test]
    fn filters_select() {
        let now = Timestamp::parse("2024-01-02T00:00:00Z").unwrap();
        let f = |s: &[&str]| {
            let v: Vec<String> = s.iter().map(|x| x.to_string()).collect();
            PruneFilter::parse(&v, now).unwrap()
        };
        let old = container("2024-01-01T00:00:00Z", &[("tier", "web")]);
        let new = container("2024-01-01T23:30:00Z", &[]);
        assert!(f(&[]).keep(&old) && f(&[]).keep(&new));
        assert!(f(&["until=1h"]).keep(&old));
        assert!(!f(&["until=1h"]).keep(&new));
        assert!(f(&["label=tier"]).keep(&old) && !f(&["label=tier"]).keep(&new));
        assert!(!f(&["label=tier=db"]).keep(&old));
        assert!(!f(&["label!=tier"]).keep(&old) && f(&["label!=tier"]).keep(&new));
        assert!(PruneFilter::parse(&["name=x".into()], now).is_err());
        assert!(PruneFilter::parse(&["until=soon".into()], now).is_err());
    }
}
