//! `rpod info`: what this machine lets rpod do, probed rather than assumed.

use anyhow::Result;

use super::Context;

/// Display rpod related system information
#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// Output format: `json`, or a Go-template style string such as `{{.Host.Kernel}}`
    #[arg(short, long)]
    pub format: Option<String>,
}

pub fn run(ctx: &Context, args: &InfoArgs) -> Result<u8> {
    let info = crate::container::info::system(&ctx.paths, &ctx.config)?;
    match args.format.as_deref() {
        Some("json") => println!("{}", serde_json::to_string_pretty(&info)?),
        Some(t) => println!("{}", crate::format::template::render(t, &info)?),
        None => print!("{}", crate::format::yaml::to_yaml(&info)),
    }
    Ok(0)
}
