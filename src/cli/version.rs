//! `rpod version`: the version block podman users know.

use anyhow::Result;

/// Display the rpod version information
#[derive(Debug, clap::Args)]
pub struct VersionArgs {
    /// Output format: `json`, or a Go-template style string such as `{{.Version}}`
    #[arg(short, long)]
    pub format: Option<String>,
}

pub fn run(args: &VersionArgs) -> Result<u8> {
    let v = crate::container::info::version();
    match args.format.as_deref() {
        Some("json") => println!("{}", serde_json::to_string_pretty(&v)?),
        Some(template) => {
            let value = serde_json::to_value(&v)?;
            println!("{}", crate::format::template::render(template, &value)?);
        }
        None => {
            println!("Version:      {}", v.version);
            println!("Rust Version: {}", v.rust_version);
            println!("Git Commit:   {}", v.git_commit);
            println!("OS/Arch:      {}", v.os_arch);
        }
    }
    Ok(0)
}
