//! `--restart`: the policy a container is created with, and whether it says to
//! start the command again after an exit. The pause before a restart is the
//! monitor's own.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A restart policy as podman spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RestartPolicy {
    #[default]
    No,
    /// Restart after a non-zero exit, at most `max` times (0: no limit).
    OnFailure {
        max: u32,
    },
    Always,
    UnlessStopped,
}

impl RestartPolicy {
    pub fn parse(s: &str) -> Result<RestartPolicy, String> {
        let (name, count) = match s.split_once(':') {
            Some((n, c)) => (n, Some(c)),
            None => (s, None),
        };
        let policy = match name {
            "" | "no" => RestartPolicy::No,
            "on-failure" => {
                let max = match count {
                    None => 0,
                    Some(c) => c.parse::<u32>().map_err(|_| {
                        format!("invalid restart policy {s:?}: the retry count must be a number")
                    })?,
                };
                return Ok(RestartPolicy::OnFailure { max });
            }
            "always" => RestartPolicy::Always,
            "unless-stopped" => RestartPolicy::UnlessStopped,
            _ => {
                return Err(format!(
                "invalid restart policy {s:?}: use no, on-failure[:MAX], always or unless-stopped"
            ))
            }
        };
        if count.is_some() {
            return Err(format!(
                "invalid restart policy {s:?}: a retry count goes with on-failure only"
            ));
        }
        Ok(policy)
    }

    /// podman's `RestartPolicy.Name` (`""` for none).
    pub fn name(&self) -> &'static str {
        match self {
            RestartPolicy::No => "",
            RestartPolicy::OnFailure { .. } => "on-failure",
            RestartPolicy::Always => "always",
            RestartPolicy::UnlessStopped => "unless-stopped",
        }
    }

    /// podman's `RestartPolicy.MaximumRetryCount`.
    pub fn max_retries(&self) -> u32 {
        match self {
            RestartPolicy::OnFailure { max } => *max,
            _ => 0,
        }
    }

    /// Whether the command runs again after exiting with `code`, having been
    /// restarted `restarts` times; a container someone stopped never restarts.
    pub fn should_restart(&self, code: i32, restarts: u32, stopped_by_user: bool) -> bool {
        if stopped_by_user {
            return false;
        }
        match self {
            RestartPolicy::No => false,
            RestartPolicy::OnFailure { max } => code != 0 && (*max == 0 || restarts < *max),
            RestartPolicy::Always | RestartPolicy::UnlessStopped => true,
        }
    }
}

impl fmt::Display for RestartPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestartPolicy::No => f.write_str("no"),
            RestartPolicy::OnFailure { max: 0 } => f.write_str("on-failure"),
            RestartPolicy::OnFailure { max } => write!(f, "on-failure:{max}"),
            RestartPolicy::Always => f.write_str("always"),
            RestartPolicy::UnlessStopped => f.write_str("unless-stopped"),
        }
    }
}

impl Serialize for RestartPolicy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RestartPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RestartPolicy::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        for s in [
            "no",
            "on-failure",
            "on-failure:3",
            "always",
            "unless-stopped",
        ] {
            assert_eq!(RestartPolicy::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(RestartPolicy::parse("").unwrap(), RestartPolicy::No);
        assert!(RestartPolicy::parse("on-failure:x").is_err());
        assert!(RestartPolicy::parse("always:2").is_err());
        assert!(RestartPolicy::parse("sometimes").is_err());
        let json = serde_json::to_string(&RestartPolicy::OnFailure { max: 2 }).unwrap();
        assert_eq!(json, "\"on-failure:2\"");
        let back: RestartPolicy = serde_json::from_str(&json).unwrap();
        assert_eq!(back, RestartPolicy::OnFailure { max: 2 });
    }

    #[test]
    fn decisions() {
        let p = RestartPolicy::OnFailure { max: 2 };
        assert!(p.should_restart(1, 0, false));
        assert!(p.should_restart(1, 1, false));
        assert!(!p.should_restart(1, 2, false));
        assert!(!p.should_restart(0, 0, false));
        assert!(RestartPolicy::OnFailure { max: 0 }.should_restart(3, 100, false));
        assert!(RestartPolicy::Always.should_restart(0, 5, false));
        assert!(!RestartPolicy::Always.should_restart(0, 5, true));
        assert!(!RestartPolicy::No.should_restart(1, 0, false));
        assert!(RestartPolicy::UnlessStopped.should_restart(0, 0, false));
    }
}
