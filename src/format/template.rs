//! Go-template style `--format` strings, the subset podman users type:
//! `{{.Field}}`, nested `{{.State.Status}}`, `{{json .Config}}`, `{{upper .X}}`,
//! `{{lower .X}}`, `{{join .List ","}}`, literal `\t`/`\n`, and a leading `table`.

use serde_json::Value;
use thiserror::Error;

/// Why a `--format` template could not be rendered; the text is podman's.
#[derive(Debug, Error)]
pub enum TemplateError {
    #[error("invalid format {template:?}: missing closing }}}}")]
    Unclosed { template: String },
    #[error("invalid format {template:?}: unknown function {func:?}")]
    UnknownFunction { template: String, func: String },
    #[error("invalid format {template:?}: cannot evaluate {{{{{expr}}}}}")]
    CannotEvaluate { template: String, expr: String },
    #[error("invalid format {template:?}: can't evaluate field {field}")]
    NoField { template: String, field: String },
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

type Result<T, E = TemplateError> = std::result::Result<T, E>;

/// Renders `template` against one JSON value (field names as in the JSON).
pub fn render(template: &str, value: &Value) -> Result<String> {
    let template = template.strip_prefix("table ").unwrap_or(template);
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&unescape(&rest[..start]));
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| TemplateError::Unclosed {
            template: template.to_string(),
        })?;
        out.push_str(&action(after[..end].trim(), value, template)?);
        rest = &after[end + 2..];
    }
    out.push_str(&unescape(rest));
    Ok(out)
}

/// Whether a `--format` value asks for a table header (podman's `table` prefix).
pub fn is_table(template: &str) -> bool {
    template.starts_with("table ")
}

fn unescape(s: &str) -> String {
    s.replace("\\t", "\t").replace("\\n", "\n")
}

fn action(expr: &str, value: &Value, template: &str) -> Result<String> {
    let words = split_words(expr);
    match words.as_slice() {
        [field] if field.starts_with('.') => Ok(plain(lookup(value, field, template)?)),
        [func, field] if field.starts_with('.') => {
            let v = lookup(value, field, template)?;
            match *func {
                "json" => Ok(serde_json::to_string(v)?),
                "upper" => Ok(plain(v).to_uppercase()),
                "lower" => Ok(plain(v).to_lowercase()),
                "len" => Ok(match v {
                    Value::Array(a) => a.len(),
                    Value::Object(o) => o.len(),
                    Value::String(s) => s.len(),
                    _ => 0,
                }
                .to_string()),
                other => Err(TemplateError::UnknownFunction {
                    template: template.to_string(),
                    func: other.to_string(),
                }),
            }
        }
        ["join", field, sep] if field.starts_with('.') => {
            let sep = sep.trim_matches('"');
            let v = lookup(value, field, template)?;
            Ok(match v {
                Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(sep),
                other => plain(other),
            })
        }
        _ => Err(TemplateError::CannotEvaluate {
            template: template.to_string(),
            expr: expr.to_string(),
        }),
    }
}

fn split_words(expr: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut rest = expr.trim();
    while !rest.is_empty() {
        if let Some(q) = rest.strip_prefix('"') {
            let end = q.find('"').map(|i| i + 2).unwrap_or(rest.len());
            words.push(&rest[..end]);
            rest = rest[end..].trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            words.push(&rest[..end]);
            rest = rest[end..].trim_start();
        }
    }
    words
}

fn lookup<'a>(value: &'a Value, path: &str, template: &str) -> Result<&'a Value> {
    let mut v = value;
    for part in path
        .trim_start_matches('.')
        .split('.')
        .filter(|p| !p.is_empty())
    {
        v = match v {
            Value::Object(map) => map
                .get(part)
                .or_else(|| {
                    map.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(part))
                        .map(|(_, v)| v)
                })
                .ok_or_else(|| no_field(template, part))?,
            _ => return Err(no_field(template, part)),
        };
    }
    Ok(v)
}

fn no_field(template: &str, field: &str) -> TemplateError {
    TemplateError::NoField {
        template: template.to_string(),
        field: field.to_string(),
    }
}

/// A value as Go's template prints it: strings bare, null empty, the rest as JSON.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(plain).collect::<Vec<_>>().join(" ")
        ),
        // Go prints a map as `map[k:v k2:v2]`, keys sorted.
        Value::Object(map) => format!(
            "map[{}]",
            map.iter()
                .map(|(k, v)| format!("{k}:{}", plain(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_and_nesting() {
        let v = json!({"ID": "abc", "State": {"Status": "running"}, "N": 3});
        assert_eq!(
            render("{{.ID}}\\t{{.State.Status}} {{.N}}", &v).unwrap(),
            "abc\trunning 3"
        );
    }

    #[test]
    fn functions() {
        let v = json!({"Names": ["a", "b"], "Cfg": {"x": 1}, "S": "Hi"});
        assert_eq!(render("{{join .Names \",\"}}", &v).unwrap(), "a,b");
        assert_eq!(render("{{json .Cfg}}", &v).unwrap(), "{\"x\":1}");
        assert_eq!(render("{{upper .S}} {{len .Names}}", &v).unwrap(), "HI 2");
        let labels = json!({"L": {"b": "2", "a": "1"}, "E": {}});
        assert_eq!(
            render("{{.L}} {{.E}}", &labels).unwrap(),
            "map[a:1 b:2] map[]"
        );
    }

    #[test]
    fn case_insensitive_field_and_table_prefix() {
        let v = json!({"Repository": "r"});
        assert_eq!(render("table {{.repository}}", &v).unwrap(), "r");
        assert!(is_table("table {{.X}}"));
    }

    #[test]
    fn errors_name_the_field() {
        let v = json!({"A": 1});
        let e = render("{{.Nope}}", &v).unwrap_err().to_string();
        assert!(e.contains("Nope"), "{e}");
        assert!(render("{{.A", &v).is_err());
    }
}
