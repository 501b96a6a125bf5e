//! `rpod volume inspect`: podman-shaped JSON for volumes.

use anyhow::{bail, Result};

use super::Context;
use crate::format::json::to_json;
use crate::format::template;
use crate::volume::{Volume, VolumeError, VolumeStore};

/// Display detailed information on one or more volumes
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Inspect all volumes
    #[arg(short, long)]
    pub all: bool,

    /// Format the output as JSON (default) or with a Go template
    #[arg(short, long)]
    pub format: Option<String>,

    /// Volumes to inspect
    #[arg(value_name = "VOLUME")]
    pub names: Vec<String>,
}

pub fn run(ctx: &Context, args: &InspectArgs) -> Result<u8> {
    if args.all != args.names.is_empty() {
        bail!("provide one or more volume names or use --all");
    }
    let store = VolumeStore::open(&ctx.paths);
    let mut found = Vec::new();
    let mut missing = Vec::new();
    if args.all {
        found = store.list()?;
    } else {
        for name in &args.names {
            match store.get(name) {
                Ok(v) => found.push(v),
                Err(VolumeError::NotFound(_)) => missing.push(name.clone()),
                Err(e) => return Err(e.into()),
            }
        }
    }
    print!("{}", render(&found, args.format.as_deref())?);
    match missing.as_slice() {
        [] => Ok(0),
        [one] => bail!("inspecting object: no such volume {one}"),
        many => bail!("inspecting object: no such volumes {}", many.join(", ")),
    }
}

fn render(volumes: &[Volume], format: Option<&str>) -> Result<String> {
    match format {
        None | Some("json") => Ok(format!("{}\n", to_json(volumes, "     ")?)),
        Some(f) => {
            let mut out = String::new();
            for v in volumes {
                out.push_str(&template::render(f, &v.template_value())?);
                out.push('\n');
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_templates() {
        let mut labels = std::collections::BTreeMap::new();
        labels.insert("a".to_string(), "b".to_string());
        let v = Volume::new(
            "v1",
            "2024-01-01T00:00:00Z".into(),
            labels,
            Default::default(),
        );
        let out = render(std::slice::from_ref(&v), None).unwrap();
        assert!(
            out.starts_with(
                "[\n     {\n          \"Name\": \"v1\",\n          \"Driver\": \"local\""
            ),
            "{out}"
        );
        assert!(out.contains("\"NeedsCopyUp\": true"));
        let back: Vec<Volume> = serde_json::from_str(&out).unwrap();
        assert_eq!(back, vec![v.clone()]);
        assert_eq!(render(&[], None).unwrap(), "[]\n");
        let out = render(&[v], Some("{{.Name}} {{.Scope}} {{.Labels.a}}")).unwrap();
        assert_eq!(out, "v1 local b\n");
    }
}
