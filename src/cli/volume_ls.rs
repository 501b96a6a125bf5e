//! `rpod volume ls`: podman's volume table, JSON and templates.

use anyhow::Result;
use serde_json::Value;

use super::args::ListOutput;
use super::Context;
use crate::format::json::to_json;
use crate::format::table::{self, Table};
use crate::volume::{filter, Volume, VolumeStore};

/// List volumes
#[derive(Debug, clap::Args)]
pub struct LsArgs {
    /// Filter output: name=REGEX, label=KEY[=VALUE], label!=KEY[=VALUE], driver=,
    /// scope=, opt=, dangling=true|false, until=TIMESTAMP|DURATION
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,

    #[command(flatten)]
    pub output: ListOutput,

    /// Print volume names only
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(ctx: &Context, args: &LsArgs) -> Result<u8> {
    let store = VolumeStore::open(&ctx.paths);
    let volumes = filter::select(&store, &args.filter)?;
    print!("{}", render(&volumes, args)?);
    Ok(0)
}

fn render(volumes: &[Volume], args: &LsArgs) -> Result<String> {
    if args.quiet {
        return Ok(volumes.iter().map(|v| format!("{}\n", v.name)).collect());
    }
    match args.output.format.as_deref() {
        Some("json") => Ok(format!("{}\n", to_json(volumes, "  ")?)),
        Some(format) => {
            let values: Vec<Value> = volumes.iter().map(Volume::template_value).collect();
            let sample = match values.first() {
                Some(v) => v.clone(),
                None => Volume::new("", String::new(), Default::default(), Default::default())
                    .template_value(),
            };
            let headers = table::headers(&sample, &[("Name", "VOLUME NAME")]);
            let out =
                table::format_rows_noheading(format, &headers, &values, args.output.noheading)?;
            Ok(out)
        }
        None => {
            let mut t = Table::new(&["DRIVER", "VOLUME NAME"]);
            for v in volumes {
                t.row(vec![v.driver.clone(), v.name.clone()]);
            }
            Ok(t.render_noheading(args.output.noheading))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vols() -> Vec<Volume> {
        ["myvol", &"f".repeat(64)]
            .iter()
            .map(|n| {
                let mut v = Volume::new(
                    n,
                    "2024-01-01T00:00:00Z".into(),
                    Default::default(),
                    Default::default(),
                );
                v.mountpoint = format!("/r/volumes/{n}/_data");
                v
            })
            .collect()
    }

    fn args(format: Option<&str>) -> LsArgs {
        LsArgs {
            filter: vec![],
            output: ListOutput {
                format: format.map(String::from),
                noheading: false,
            },
            quiet: false,
        }
    }

    #[test]
    fn table_as_podman_prints_it() {
        let out = render(&vols(), &args(None)).unwrap();
        assert_eq!(
            out,
            format!(
                "DRIVER      VOLUME NAME\nlocal       myvol\nlocal       {}\n",
                "f".repeat(64)
            )
        );
        assert_eq!(
            render(&[], &args(None)).unwrap(),
            "DRIVER      VOLUME NAME\n"
        );
        let mut a = args(None);
        a.output.noheading = true;
        assert_eq!(render(&[], &a).unwrap(), "");
        a.quiet = true;
        assert_eq!(
            render(&vols(), &a).unwrap(),
            format!("myvol\n{}\n", "f".repeat(64))
        );
    }

    #[test]
    fn templates_and_json() {
        let out = render(
            &vols(),
            &args(Some("{{.Name}} {{.Driver}} {{.Mountpoint}}")),
        )
        .unwrap();
        assert_eq!(
            out.lines().next(),
            Some("myvol local /r/volumes/myvol/_data")
        );
        let out = render(&vols()[..1], &args(Some("table {{.Name}} {{.Driver}}"))).unwrap();
        assert_eq!(out, "VOLUME NAME  DRIVER\nmyvol        local\n");
        let out = render(&vols(), &args(Some("json"))).unwrap();
        let parsed: Vec<Volume> = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed, vols());
        assert!(out.starts_with("[\n  {\n    \"Name\": \"myvol\""), "{out}");
        assert!(render(&vols(), &args(Some("{{.Nope}}"))).is_err());
    }
}
