//! Prints a JSON value as the block YAML that `podman info` shows.

use serde_json::Value;

pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    emit(value, 0, &mut out);
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) if s.is_empty() => "\"\"".into(),
        Value::String(s)
            if s.contains(": ")
                || s.starts_with(['-', '{', '[', '*', '&', '!', '#', '\'', '"'])
                || s.ends_with(':') =>
        {
            format!("{s:?}")
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn is_empty_container(v: &Value) -> bool {
    matches!(v, Value::Array(a) if a.is_empty()) || matches!(v, Value::Object(o) if o.is_empty())
}

fn emit(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::Object(_) | Value::Array(_) if !is_empty_container(v) => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        let child = if v.is_array() { indent } else { indent + 2 };
                        emit(v, child, out);
                    }
                    Value::Array(_) => out.push_str(&format!("{pad}{k}: []\n")),
                    Value::Object(_) => out.push_str(&format!("{pad}{k}: {{}}\n")),
                    _ => out.push_str(&format!("{pad}{k}: {}\n", scalar(v))),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(_) if !is_empty_container(item) => {
                        let mut sub = String::new();
                        emit(item, indent + 2, &mut sub);
                        // The first key shares the dash's line.
                        let body = sub.strip_prefix(&" ".repeat(indent + 2)).unwrap_or(&sub);
                        out.push_str(&format!("{pad}- {body}"));
                    }
                    _ => out.push_str(&format!("{pad}- {}\n", scalar(item))),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_maps_and_lists() {
        let v =
            json!({"host": {"arch": "amd64", "ids": [{"a": 1, "b": 2}], "empty": []}, "x": "a: b"});
        assert_eq!(
            to_yaml(&v),
            "host:\n  arch: amd64\n  empty: []\n  ids:\n  - a: 1\n    b: 2\nx: \"a: b\"\n"
        );
    }
}
