//! Man pages and shell completions, generated from the clap definitions.
//!
//! The output is committed (`completions/`, `man/`) so that packagers need no
//! Rust toolchain; a test regenerates it and fails when the committed copy is
//! stale. Nothing here may depend on the date, the host or the commit, or that
//! test would fail on every machine but the one that ran the generator.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use clap_complete::Shell;
use clap_mangen::Man;

use crate::base::atomic;

/// The shells we ship completions for, with the file each one loads.
const COMPLETIONS: [(Shell, &str); 3] = [
    (Shell::Bash, "rpod.bash"),
    (Shell::Zsh, "_rpod"),
    (Shell::Fish, "rpod.fish"),
];

/// Subdirectory of the output holding the completion scripts.
pub const COMPLETIONS_DIR: &str = "completions";
/// Subdirectory of the output holding the man pages.
pub const MAN_DIR: &str = "man";

/// Writes every completion script and man page under `out`, removes man pages
/// of commands that no longer exist, and returns the files written.
pub fn generate(out: &Path) -> io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();

    let completions = out.join(COMPLETIONS_DIR);
    fs::create_dir_all(&completions)?;
    for (shell, file) in COMPLETIONS {
        let path = completions.join(file);
        atomic::write(&path, &completion(shell))?;
        written.push(path);
    }

    let man = out.join(MAN_DIR);
    fs::create_dir_all(&man)?;
    let mut pages = BTreeSet::new();
    for (name, text) in man_pages()? {
        let path = man.join(&name);
        atomic::write(&path, &text)?;
        pages.insert(name);
        written.push(path);
    }
    for stale in stale_pages(&man, &pages)? {
        fs::remove_file(stale)?;
    }
    Ok(written)
}

/// The completion script for one shell.
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut cmd = crate::cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "rpod", &mut buf);
    buf
}

/// Every man page as (file name, roff text): `rpod.1`, then one per visible
/// subcommand at any depth (`rpod-image-ls.1`), hidden ones left out.
pub fn man_pages() -> io::Result<Vec<(String, Vec<u8>)>> {
    // The CLI's version string reads "version X" for `rpod --version`; a man
    // page wants the bare number. `help` is clap's, not a command of ours.
    let mut root = crate::cli::command()
        .version(env!("CARGO_PKG_VERSION"))
        .disable_help_subcommand(true);
    // Building sets each subcommand's display name to its full path (rpod-image-ls).
    root.build();
    let mut pages = Vec::new();
    render_tree(&root, &mut pages)?;
    Ok(pages)
}

fn render_tree(cmd: &clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> io::Result<()> {
    let man = Man::new(cmd.clone())
        .source(concat!("rpod ", env!("CARGO_PKG_VERSION")))
        .manual("rpod Manual");
    let mut text = Vec::new();
    man.render(&mut text)?;
    pages.push((man.get_filename(), text));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        render_tree(sub, pages)?;
    }
    Ok(())
}

/// Man pages in `dir` named like ours (`rpod*.1`) that are not in `current`.
pub fn stale_pages(dir: &Path, current: &BTreeSet<String>) -> io::Result<Vec<PathBuf>> {
    let mut stale = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_page_name(name) && !current.contains(name) {
            stale.push(dir.join(name));
        }
    }
    stale.sort();
    Ok(stale)
}

fn is_page_name(name: &str) -> bool {
    name.starts_with("rpod") && name.ends_with(".1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_per_visible_subcommand_and_none_for_help() {
        let names: Vec<String> = man_pages().unwrap().into_iter().map(|p| p.0).collect();
        assert_eq!(names.first().map(String::as_str), Some("rpod.1"));
        assert!(names.iter().any(|n| n == "rpod-version.1"), "{names:?}");
        assert!(!names.iter().any(|n| n == "rpod-help.1"), "{names:?}");
        let visible = crate::cli::command()
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .count();
        assert!(names.len() > visible, "{names:?}");
    }

    #[test]
    fn hidden_and_nested_subcommands() {
        let root = clap::Command::new("rpod")
            .subcommand(clap::Command::new("image").subcommand(clap::Command::new("ls")))
            .subcommand(clap::Command::new("secret").hide(true))
            .disable_help_subcommand(true);
        let mut root = root;
        root.build();
        let mut pages = Vec::new();
        render_tree(&root, &mut pages).unwrap();
        let names: Vec<&str> = pages.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(names, ["rpod.1", "rpod-image.1", "rpod-image-ls.1"]);
    }

    #[test]
    fn title_line_has_no_date_and_a_fixed_source() {
        for (name, text) in man_pages().unwrap() {
            let text = String::from_utf8(text).unwrap();
            let th = text.lines().find(|l| l.starts_with(".TH")).unwrap();
            let stem = name.trim_end_matches(".1");
            // `.TH title section date source manual`, the date left empty.
            let want = format!(
                ".TH {stem} 1  \"rpod {}\" \"rpod Manual\"",
                env!("CARGO_PKG_VERSION")
            );
            assert_eq!(th, want, "{name}");
        }
    }

    #[test]
    fn completions_name_the_subcommands() {
        for (shell, _) in COMPLETIONS {
            let text = String::from_utf8(completion(shell)).unwrap();
            assert!(text.contains("version"), "{shell:?}");
            assert!(text.contains("rpod"), "{shell:?}");
        }
    }

    #[test]
    fn stale_pages_only_ours() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["rpod.1", "rpod-gone.1", "other.1", "rpod.txt"] {
            fs::write(dir.path().join(f), "").unwrap();
        }
        let current = BTreeSet::from(["rpod.1".to_string()]);
        let stale = stale_pages(dir.path(), &current).unwrap();
        assert_eq!(stale, [dir.path().join("rpod-gone.1")]);
    }

    #[test]
    fn generate_removes_stale_pages() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join(MAN_DIR)).unwrap();
        let old = dir.path().join(MAN_DIR).join("rpod-removed.1");
        fs::write(&old, "").unwrap();
        let written = generate(dir.path()).unwrap();
        assert!(!old.exists());
        assert!(written.contains(&dir.path().join("completions/_rpod")));
        assert!(written.contains(&dir.path().join("man/rpod.1")));
        assert_eq!(generate(dir.path()).unwrap(), written);
    }
}
