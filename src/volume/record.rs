//! A volume's record (`volume.json`), kept in the shape `podman volume inspect` prints,
//! and the rules for names and driver options.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The only driver: a directory under the store.
pub const DRIVER: &str = "local";

#[derive(Debug, Error, PartialEq, Eq)]
pub enum RecordError {
    #[error("invalid volume name {0:?}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*")]
    BadName(String),
    #[error("invalid option {0:?}: expected KEY=VALUE")]
    BadOption(String),
    #[error("invalid mount option {0} for driver 'local': the local driver takes uid, gid, copy and nocopy")]
    UnknownOption(String),
    #[error("invalid volume option {key}={value}: {why}")]
    BadValue {
        key: String,
        value: String,
        why: &'static str,
    },
    #[error("volume driver {0:?} is not available: rpod has only the local driver")]
    Driver(String),
}

/// podman's `volume inspect` entry, which is also what is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Volume {
    pub name: String,
    pub driver: String,
    /// The `_data` directory; set from where the volume lies when it is read.
    pub mountpoint: String,
    /// RFC 3339 with nanoseconds.
    pub created_at: String,
    pub labels: BTreeMap<String, String>,
    pub scope: String,
    pub options: BTreeMap<String, String>,
    /// Mounts the driver holds; the local driver binds and holds none.
    #[serde(default)]
    pub mount_count: u32,
    /// Not used by a container yet: the first one copies its image's content in.
    #[serde(default, skip_serializing_if = "is_false")]
    pub needs_copy_up: bool,
    /// Not used by a container yet: the first one gives the volume's root its owner.
    #[serde(default, skip_serializing_if = "is_false")]
    pub needs_chown: bool,
    /// Made for one container (`-v /path`, an image's VOLUME); removed with it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub anonymous: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Volume {
    /// A fresh record: empty content that the first user fills and owns.
    pub fn new(
        name: &str,
        created_at: String,
        labels: BTreeMap<String, String>,
        options: BTreeMap<String, String>,
    ) -> Volume {
        Volume {
            name: name.to_string(),
            driver: DRIVER.to_string(),
            mountpoint: String::new(),
            created_at,
            labels,
            scope: "local".to_string(),
            options,
            mount_count: 0,
            needs_copy_up: true,
            needs_chown: true,
            anonymous: false,
        }
    }

    /// `uid=`/`gid=` options: the owner the volume's root gets at creation.
    pub fn owner(&self) -> (Option<u32>, Option<u32>) {
        let id = |k: &str| self.options.get(k).and_then(|v| v.parse().ok());
        (id("uid"), id("gid"))
    }

    /// The fields a `--format` template sees: every one, false flags included (the
    /// JSON leaves those out, as podman's does).
    pub fn template_value(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = v.as_object_mut() {
            map.insert("NeedsCopyUp".into(), self.needs_copy_up.into());
            map.insert("NeedsChown".into(), self.needs_chown.into());
            map.insert("Anonymous".into(), self.anonymous.into());
        }
        v
    }

    /// Whether the `nocopy` option turns copy-up off for every mount of the volume.
    pub fn no_copy(&self) -> bool {
        self.options.contains_key("nocopy")
    }
}

/// Names as podman allows them.
pub fn validate_name(name: &str) -> Result<(), RecordError> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(RecordError::BadName(name.to_string()))
    }
}

/// `--driver`: only `local` exists.
pub fn validate_driver(driver: &str) -> Result<(), RecordError> {
    if driver == DRIVER {
        Ok(())
    } else {
        Err(RecordError::Driver(driver.to_string()))
    }
}

/// `--opt KEY=VALUE` values, checked as the local driver reads them. `copy` and
/// `nocopy` may stand alone.
pub fn parse_options(opts: &[String]) -> Result<BTreeMap<String, String>, RecordError> {
    let mut out = BTreeMap::new();
    for o in opts {
        let (key, value) = match o.split_once('=') {
            Some((k, v)) => (k, v),
            None if o == "copy" || o == "nocopy" => (o.as_str(), ""),
            None => return Err(RecordError::BadOption(o.clone())),
        };
        match key {
            "uid" | "gid" => {
                value.parse::<u32>().map_err(|_| RecordError::BadValue {
                    key: key.to_string(),
                    value: value.to_string(),
                    why: "expected a numeric id",
                })?;
            }
            "copy" | "nocopy" => {}
            "" => return Err(RecordError::BadOption(o.clone())),
            other => return Err(RecordError::UnknownOption(other.to_string())),
        }
        if key == "copy" {
            out.remove("nocopy");
        } else if key == "nocopy" {
            out.remove("copy");
        }
        out.insert(key.to_string(), value.to_string());
    }
    Ok(out)
}

/// `--label KEY[=VALUE]` values as a map (a bare key gets an empty value).
pub fn parse_labels(labels: &[String]) -> Result<BTreeMap<String, String>, RecordError> {
    let mut out = BTreeMap::new();
    for l in labels {
        let (k, v) = l.split_once('=').unwrap_or((l, ""));
        if k.is_empty() {
            return Err(RecordError::BadOption(l.clone()));
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_podman() {
        for ok in ["a", "web_1.data-x", "0abc", &"f".repeat(64)] {
            assert_eq!(validate_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "-a", ".a", "_a", "a b", "a/b", "a:b", "ä", "../x"] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
        let msg = validate_name("a b").unwrap_err().to_string();
        assert!(msg.contains("[a-zA-Z0-9][a-zA-Z0-9_.-]*"), "{msg}");
    }

    #[test]
    fn options_are_checked() {
        let o = parse_options(&["uid=1000".into(), "gid=5".into(), "nocopy".into()]).unwrap();
        assert_eq!(o.get("uid").map(String::as_str), Some("1000"));
        assert!(o.contains_key("nocopy"));
        let o = parse_options(&["nocopy".into(), "copy".into()]).unwrap();
        assert!(o.contains_key("copy") && !o.contains_key("nocopy"));
        assert!(matches!(
            parse_options(&["foo=bar".into()]),
            Err(RecordError::UnknownOption(k)) if k == "foo"
        ));
        assert!(parse_options(&["uid=x".into()]).is_err());
        assert!(parse_options(&["uid".into()]).is_err());
        assert!(parse_options(&["=1".into()]).is_err());
        assert!(validate_driver("local").is_ok());
        assert!(validate_driver("nfs").is_err());
    }

    #[test]
    fn labels_parse() {
        let l = parse_labels(&["a=b".into(), "c".into(), "d=e=f".into()]).unwrap();
        assert_eq!(l["a"], "b");
        assert_eq!(l["c"], "");
        assert_eq!(l["d"], "e=f");
        assert!(parse_labels(&["=x".into()]).is_err());
    }

    #[test]
    fn json_is_podmans_shape() {
        let mut labels = BTreeMap::new();
        labels.insert("a".to_string(), "b".to_string());
        let mut v = Volume::new(
            "v",
            "2024-01-02T03:04:05.5Z".into(),
            labels,
            BTreeMap::new(),
        );
        v.mountpoint = "/x/v/_data".into();
        let json = serde_json::to_value(&v).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        // serde_json's map is sorted; the struct order is checked on the text below.
        for k in [
            "Name",
            "Driver",
            "Mountpoint",
            "CreatedAt",
            "Labels",
            "Scope",
            "Options",
            "MountCount",
            "NeedsCopyUp",
            "NeedsChown",
        ] {
            assert!(keys.contains(&k), "{k} in {keys:?}");
        }
        assert!(!keys.contains(&"Anonymous"));
        let text = serde_json::to_string(&v).unwrap();
        assert!(text.starts_with(r#"{"Name":"v","Driver":"local","Mountpoint":"/x/v/_data","#));
        let back: Volume = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
        v.needs_copy_up = false;
        v.needs_chown = false;
        let text = serde_json::to_string(&v).unwrap();
        assert!(!text.contains("NeedsCopyUp") && !text.contains("NeedsChown"));
        let t = v.template_value();
        assert_eq!(t["NeedsCopyUp"], false);
        assert_eq!(t["Anonymous"], false);
        assert_eq!(t["Name"], "v");
        assert_eq!(v.owner(), (None, None));
    }
}
