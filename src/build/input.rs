//! What `rpod build` reads before it builds: the context, the Containerfile (from a file, standard
//! input or the context), `--build-arg`, `--label` and `--tag` values, the host's proxy
//! variables, the steps' network; and the `--iidfile` it writes after.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};

use super::stage::PROXY_ARGS;
use crate::base::digest::Digest;
use crate::network::NetworkMode;
use crate::store::names;

/// The context directory, absolute (default: the current directory).
pub fn context_dir(arg: Option<&Path>) -> Result<PathBuf> {
    let arg = arg.unwrap_or(Path::new("."));
    let context = std::fs::canonicalize(arg)
        .with_context(|| format!("the build context {}", arg.display()))?;
    if !context.is_dir() {
        bail!("the build context {} is not a directory", context.display());
    }
    Ok(context)
}

/// The network of RUN steps: `--network`, else the config's default; a step cannot
/// join another container's.
pub fn step_network(flag: Option<&NetworkMode>, default: &str) -> Result<NetworkMode> {
    match flag {
        Some(NetworkMode::Container(_)) => {
            bail!(
                "--network container:… is not available to build steps: use private, none or host"
            )
        }
        Some(m) => Ok(m.clone()),
        None => NetworkMode::parse(default)
            .map_err(|e| anyhow!("invalid default_network in the config: {e}")),
    }
}

/// The Containerfile's text and the name errors give it.
pub fn read_containerfile(file: Option<&str>, context: &Path) -> Result<(String, String)> {
    match file {
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the Containerfile from standard input")?;
            Ok((text, "-".into()))
        }
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the Containerfile {path}"))?;
            Ok((text, path.to_string()))
        }
        None => {
            for name in ["Containerfile", "Dockerfile"] {
                let p = context.join(name);
                if p.is_file() {
                    let text = std::fs::read_to_string(&p)
                        .with_context(|| format!("reading {}", p.display()))?;
                    return Ok((text, p.display().to_string()));
                }
            }
            bail!(
                "no Containerfile or Dockerfile specified or found in context directory, {}: give one with -f",
                context.display()
            )
        }
    }
}

/// `--build-arg NAME=VALUE`, or `NAME` alone taking the value from the
/// environment (skipped when unset, as podman does).
pub fn build_args(
    list: &[String],
    env: impl Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for a in list {
        let (k, v) = match a.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (a.as_str(), env(a)),
        };
        if k.is_empty() {
            bail!("invalid --build-arg {a:?}: use NAME=VALUE or NAME");
        }
        if let Some(v) = v {
            out.insert(k.to_string(), v);
        }
    }
    Ok(out)
}

/// `--tag` values as stored names; a digest cannot be a build's name.
pub fn tags(list: &[String]) -> Result<Vec<String>> {
    let mut tags = Vec::new();
    for t in list {
        let full = names::normalize(t)?;
        if full.contains('@') {
            bail!("{t}: an image cannot be tagged by digest: give it a tag");
        }
        tags.push(full);
    }
    Ok(tags)
}

/// `--label KEY=VALUE` (`KEY` alone: an empty value).
pub fn labels(list: &[String]) -> Result<Vec<(String, String)>> {
    let mut labels = Vec::new();
    for l in list {
        let (k, v) = l.split_once('=').unwrap_or((l.as_str(), ""));
        if k.is_empty() {
            bail!("invalid --label {l:?}: use KEY=VALUE");
        }
        labels.push((k.to_string(), v.to_string()));
    }
    Ok(labels)
}

/// The host's proxy variables that are set, for RUN steps.
pub fn host_proxy_env() -> Vec<(String, String)> {
    PROXY_ARGS
        .iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
        .collect()
}

/// `--iidfile`: written in place, as podman does: the file's directory need not be ours.
pub fn write_iidfile(path: &Path, id: &Digest) -> Result<()> {
    std::fs::write(path, id.to_string().as_bytes())
        .with_context(|| format!("writing the image id to {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_args_from_flags_and_environment() {
        let env = |k: &str| (k == "FROM_ENV").then(|| "e".to_string());
        let got = build_args(
            &[
                "A=1".into(),
                "B=x=y".into(),
                "FROM_ENV".into(),
                "UNSET".into(),
            ],
            env,
        )
        .unwrap();
        assert_eq!(got.get("A").map(String::as_str), Some("1"));
        assert_eq!(got.get("B").map(String::as_str), Some("x=y"));
        assert_eq!(got.get("FROM_ENV").map(String::as_str), Some("e"));
        assert!(!got.contains_key("UNSET"));
        assert!(build_args(&["=v".into()], env).is_err());
    }

    #[test]
    fn containerfile_then_dockerfile() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_containerfile(None, dir.path()).is_err());
        std::fs::write(dir.path().join("Dockerfile"), "FROM d\n").unwrap();
        assert_eq!(read_containerfile(None, dir.path()).unwrap().0, "FROM d\n");
        std::fs::write(dir.path().join("Containerfile"), "FROM c\n").unwrap();
        assert_eq!(read_containerfile(None, dir.path()).unwrap().0, "FROM c\n");
    }
}
