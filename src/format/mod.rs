//! How rpod prints what it knows, shared by every verb: Go-style `--format`
//! templates, podman's aligned tables, human sizes and ages, JSON and YAML.
//!
//! It sits beside `base` and imports nothing above it, so that any module may
//! render its own data the way podman shows it.

pub mod humanize;
pub mod json;
pub mod table;
pub mod template;
pub mod yaml;
