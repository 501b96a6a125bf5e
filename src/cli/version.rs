//! `rpod version`: the version block podman users know.

use anyhow::Result;

use crate::image::manifest::Platform;

/// Display the rpod version information
#[derive(Debug, clap::Args)]
pub struct VersionArgs {
    /// Output format: `json`, or a Go-template style string such as `{{.Version}}`
    #[arg(short, long)]
    pub format: Option<String>,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct VersionInfo {
    version: &'static str,
    rust_version: &'static str,
    git_commit: &'static str,
    os_arch: String,
}

fn info() -> VersionInfo {
    VersionInfo {
        version: env!("CARGO_PKG_VERSION"),
        rust_version: option_env!("RPOD_RUSTC_VERSION").unwrap_or("unknown"),
        git_commit: option_env!("RPOD_GIT_COMMIT").unwrap_or("unknown"),
        os_arch: format!("{}/{}", std::env::consts::OS, Platform::host_arch()),
    }
}

pub fn run(args: &VersionArgs) -> Result<u8> {
    let v = info();
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
