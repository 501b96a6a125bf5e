//! Column output the way podman prints it, and `--format` for list commands.
//!
//! podman aligns with Go's tabwriter (minimum cell width 12, padding 2); the
//! last cell of a line is not padded.

use serde_json::{Map, Value};

use super::template::{self, TemplateError};

type Result<T, E = TemplateError> = std::result::Result<T, E>;

const MIN_WIDTH: usize = 12;
const PADDING: usize = 2;

/// Rows of cells, rendered aligned.
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            rows: vec![header.iter().map(|s| s.to_string()).collect()],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = Vec::new();
        for row in &self.rows {
            // Only cells followed by another cell form columns.
            for (i, cell) in row.iter().enumerate().take(row.len().saturating_sub(1)) {
                let w = (cell.chars().count() + PADDING).max(MIN_WIDTH);
                if widths.len() <= i {
                    widths.push(w);
                } else {
                    widths[i] = widths[i].max(w);
                }
            }
        }
        let mut out = String::new();
        for row in &self.rows {
            let last = row.len().saturating_sub(1);
            for (i, cell) in row.iter().enumerate() {
                out.push_str(cell);
                if i < last {
                    let pad = widths[i] - cell.chars().count();
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push('\n');
        }
        out
    }

    /// [`Table::render`], without the header line when the user asked for
    /// `--noheading`.
    pub fn render_noheading(&self, noheading: bool) -> String {
        let out = self.render();
        if !noheading {
            return out;
        }
        out.split_once('\n')
            .map(|(_, r)| r.to_string())
            .unwrap_or_default()
    }
}

/// Renders `rows` with a user's `--format` template. A `table` template gets a
/// header line (from `headers`, field name → title) and aligned columns, its
/// spaces acting as column breaks as in podman.
/// [`format_rows`], leaving out the header line of a `table` format when the
/// user asked for `--noheading`.
pub fn format_rows_noheading(
    format: &str,
    headers: &Value,
    rows: &[Value],
    noheading: bool,
) -> Result<String> {
    let out = format_rows(format, headers, rows)?;
    if noheading && is_table_format(format) {
        return Ok(out
            .split_once('\n')
            .map(|(_, r)| r.to_string())
            .unwrap_or_default());
    }
    Ok(out)
}

pub fn format_rows(format: &str, headers: &Value, rows: &[Value]) -> Result<String> {
    if let Some(rest) = format.strip_prefix("table") {
        let body = rest.strip_prefix(' ').unwrap_or(rest);
        let body = spaces_to_tabs(body);
        let mut table = Table::default();
        let split = |s: String| s.split('\t').map(str::to_string).collect::<Vec<_>>();
        table.rows.push(split(template::render(&body, headers)?));
        for row in rows {
            table.rows.push(split(template::render(&body, row)?));
        }
        return Ok(table.render());
    }
    let mut out = String::new();
    for row in rows {
        out.push_str(&template::render(format, row)?);
        out.push('\n');
    }
    Ok(out)
}

/// Whether a `--format` asks for a table (header and aligned columns).
pub fn is_table_format(format: &str) -> bool {
    format.starts_with("table")
}

/// Literal spaces between template actions become tab stops.
fn spaces_to_tabs(format: &str) -> String {
    let mut out = String::with_capacity(format.len());
    let mut rest = format;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start].replace(' ', "\t"));
        let end = rest[start..]
            .find("}}")
            .map_or(rest.len(), |e| start + e + 2);
        out.push_str(&rest[start..end]);
        rest = &rest[end..];
    }
    out.push_str(&rest.replace(' ', "\t"));
    out
}

/// Header titles for every field of `sample`: `overrides` first, else the field
/// name split at case changes and upper-cased (`CreatedAt` → `CREATED AT`).
pub fn headers(sample: &Value, overrides: &[(&str, &str)]) -> Value {
    let mut map = Map::new();
    if let Value::Object(fields) = sample {
        for key in fields.keys() {
            let title = overrides
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.to_string())
                .unwrap_or_else(|| split_camel(key).to_uppercase());
            map.insert(key.clone(), Value::String(title));
        }
    }
    Value::Object(map)
}

fn split_camel(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let starts_word = i > 0
            && c.is_uppercase()
            && (chars[i - 1].is_lowercase() || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if starts_word {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn aligns_like_tabwriter() {
        let mut t = Table::new(&["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]);
        let empty = t.render();
        assert_eq!(
            empty,
            "REPOSITORY  TAG         IMAGE ID    CREATED     SIZE\n"
        );
        t.row(
            [
                "localhost/x",
                "1",
                "6a9f6bda28f9",
                "Less than a second ago",
                "11.3 kB",
            ]
            .map(String::from)
            .to_vec(),
        );
        assert_eq!(
            t.render(),
            "REPOSITORY   TAG         IMAGE ID      CREATED                 SIZE\n\
             localhost/x  1           6a9f6bda28f9  Less than a second ago  11.3 kB\n"
        );
    }

    #[test]
    fn table_format_gets_header_and_columns() {
        let rows = vec![
            json!({"ID": "97d7bab8b156", "Repository": "localhost/x"}),
            json!({"ID": "0123456789ab", "Repository": "quay.io/some/longer"}),
        ];
        let h = headers(&rows[0], &[("ID", "IMAGE ID")]);
        let out = format_rows("table {{.ID}} {{.Repository}}", &h, &rows).unwrap();
        assert_eq!(
            out,
            "IMAGE ID      REPOSITORY\n97d7bab8b156  localhost/x\n0123456789ab  quay.io/some/longer\n"
        );
        let plain = format_rows("{{.ID}} {{.Repository}}", &h, &rows[..1]).unwrap();
        assert_eq!(plain, "97d7bab8b156 localhost/x\n");
    }

    #[test]
    fn camel_case_titles() {
        assert_eq!(split_camel("CreatedAt").to_uppercase(), "CREATED AT");
        assert_eq!(split_camel("ID"), "ID");
        assert_eq!(split_camel("VirtualSize"), "Virtual Size");
    }
}
