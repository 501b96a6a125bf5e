//! `--change`/`-c` instructions (`CMD`, `ENV`, `EXPOSE`, …) applied to an
//! image's runtime config, as `import` and `commit` take them.

use serde_json::{Map, Value};
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ChangeError {
    #[error("invalid change {0:?}: use INSTRUCTION ARGS, e.g. CMD [\"sh\"] or ENV A=b")]
    Syntax(String),
    #[error("invalid change {change:?}: {instruction} cannot be applied to an image config; use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR")]
    Unsupported { change: String, instruction: String },
}

/// Applies one change to `config` (the `config` object of an image config).
pub fn apply(config: &mut Map<String, Value>, change: &str) -> Result<(), ChangeError> {
    let change = change.trim();
    let (instr, rest) = change
        .split_once(char::is_whitespace)
        .map(|(i, r)| (i, r.trim()))
        .unwrap_or((change, ""));
    let syntax = || ChangeError::Syntax(change.to_string());
    if instr.is_empty() {
        return Err(syntax());
    }
    match instr.to_ascii_uppercase().as_str() {
        "CMD" => {
            config.insert("Cmd".into(), command(rest));
        }
        "ENTRYPOINT" => {
            config.insert("Entrypoint".into(), command(rest));
        }
        "USER" => set_string(config, "User", rest, syntax)?,
        "WORKDIR" => set_string(config, "WorkingDir", rest, syntax)?,
        "STOPSIGNAL" => set_string(config, "StopSignal", rest, syntax)?,
        "ENV" => {
            let new = pairs(rest).ok_or_else(syntax)?;
            let mut env = take_array(config, "Env");
            for (k, v) in new {
                let prefix = format!("{k}=");
                env.retain(|e| !e.as_str().is_some_and(|s| s.starts_with(&prefix)));
                env.push(Value::String(format!("{k}={v}")));
            }
            config.insert("Env".into(), Value::Array(env));
        }
        "LABEL" => {
            let new = pairs(rest).ok_or_else(syntax)?;
            let mut labels = take_object(config, "Labels");
            for (k, v) in new {
                labels.insert(k, Value::String(v));
            }
            config.insert("Labels".into(), Value::Object(labels));
        }
        "EXPOSE" => {
            if rest.is_empty() {
                return Err(syntax());
            }
            let mut ports = take_object(config, "ExposedPorts");
            for p in rest.split_whitespace() {
                let p = if p.contains('/') {
                    p.to_string()
                } else {
                    format!("{p}/tcp")
                };
                ports.insert(p, Value::Object(Map::new()));
            }
            config.insert("ExposedPorts".into(), Value::Object(ports));
        }
        "VOLUME" => {
            let list = match serde_json::from_str::<Vec<String>>(rest) {
                Ok(list) => list,
                Err(_) => rest.split_whitespace().map(str::to_string).collect(),
            };
            if list.is_empty() {
                return Err(syntax());
            }
            let mut vols = take_object(config, "Volumes");
            for v in list {
                vols.insert(v, Value::Object(Map::new()));
            }
            config.insert("Volumes".into(), Value::Object(vols));
        }
        "ONBUILD" => {
            if rest.is_empty() {
                return Err(syntax());
            }
            let mut list = take_array(config, "OnBuild");
            list.push(Value::String(rest.to_string()));
            config.insert("OnBuild".into(), Value::Array(list));
        }
        other => {
            return Err(ChangeError::Unsupported {
                change: change.to_string(),
                instruction: other.to_string(),
            })
        }
    }
    Ok(())
}

/// JSON array form as is; shell form runs under `/bin/sh -c`.
fn command(rest: &str) -> Value {
    match serde_json::from_str::<Vec<String>>(rest) {
        Ok(list) => Value::from(list),
        Err(_) => Value::from(vec!["/bin/sh".to_string(), "-c".into(), rest.to_string()]),
    }
}

fn set_string(
    config: &mut Map<String, Value>,
    key: &str,
    value: &str,
    err: impl Fn() -> ChangeError,
) -> Result<(), ChangeError> {
    if value.is_empty() {
        return Err(err());
    }
    config.insert(key.into(), Value::String(value.to_string()));
    Ok(())
}

fn take_array(config: &mut Map<String, Value>, key: &str) -> Vec<Value> {
    match config.remove(key) {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    }
}

fn take_object(config: &mut Map<String, Value>, key: &str) -> Map<String, Value> {
    match config.remove(key) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// `k=v k2="v 2"`, or the legacy `k v with spaces`.
fn pairs(rest: &str) -> Option<Vec<(String, String)>> {
    if rest.is_empty() {
        return None;
    }
    let first = rest.split_whitespace().next()?;
    if !first.contains('=') {
        let (k, v) = rest.split_once(char::is_whitespace)?;
        return Some(vec![(k.to_string(), v.trim().to_string())]);
    }
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let key: String = chars.by_ref().take_while(|&c| c != '=').collect();
        let mut value = String::new();
        let mut quote = None;
        while let Some(&c) = chars.peek() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, c) if c.is_whitespace() => break,
                (_, '\\') => {
                    chars.next();
                    if let Some(n) = chars.next() {
                        value.push(n);
                    }
                    continue;
                }
                (_, c) => value.push(c),
            }
            chars.next();
        }
        if key.is_empty() || quote.is_some() {
            return None;
        }
        out.push((key, value));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn common_changes() {
        let mut c = Map::new();
        for ch in [
            r#"CMD ["/bin/sh", "-c", "echo hi"]"#,
            "ENTRYPOINT top -b",
            "ENV A=1 B=\"two words\"",
            "ENV A=3",
            "env LEGACY some value",
            "LABEL org.x=y",
            "EXPOSE 80 53/udp",
            "USER 1000:1000",
            "WORKDIR /srv",
            "VOLUME /data",
        ] {
            apply(&mut c, ch).unwrap();
        }
        assert_eq!(c["Cmd"], json!(["/bin/sh", "-c", "echo hi"]));
        assert_eq!(c["Entrypoint"], json!(["/bin/sh", "-c", "top -b"]));
        assert_eq!(c["Env"], json!(["B=two words", "A=3", "LEGACY=some value"]));
        assert_eq!(c["Labels"], json!({"org.x": "y"}));
        assert_eq!(c["ExposedPorts"], json!({"80/tcp": {}, "53/udp": {}}));
        assert_eq!(c["User"], "1000:1000");
        assert_eq!(c["WorkingDir"], "/srv");
        assert_eq!(c["Volumes"], json!({"/data": {}}));
    }

    #[test]
    fn bad_changes() {
        let mut c = Map::new();
        assert!(matches!(
            apply(&mut c, "RUN rm -rf /"),
            Err(ChangeError::Unsupported { .. })
        ));
        assert!(matches!(apply(&mut c, "ENV"), Err(ChangeError::Syntax(_))));
        assert!(matches!(
            apply(&mut c, "ENV A=\"open"),
            Err(ChangeError::Syntax(_))
        ));
        assert!(matches!(apply(&mut c, ""), Err(ChangeError::Syntax(_))));
    }
}
