//! The committed completions and man pages must be what the generator makes now.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use rpod::cli::docs::{self, COMPLETIONS_DIR, MAN_DIR};

const FIX: &str = "run `cargo run --bin gen-docs` and commit the result";

/// Files under `dir` relative to `base`, one level deep (both trees are flat),
/// that the generator could have made: in `man/` only `rpod*.1`.
fn ours(base: &Path, dir: &str) -> BTreeSet<PathBuf> {
    let Ok(entries) = fs::read_dir(base.join(dir)) else {
        return BTreeSet::new();
    };
    entries
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            dir != MAN_DIR || (name.starts_with("rpod") && name.ends_with(".1"))
        })
        .map(|e| Path::new(dir).join(e.file_name()))
        .collect()
}

#[test]
fn committed_docs_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fresh = tempfile::tempdir().unwrap();
    let written = docs::generate(fresh.path()).unwrap();
    assert!(!written.is_empty(), "the generator wrote nothing");

    let mut problems = Vec::new();
    let mut expected = BTreeSet::new();
    for path in &written {
        let rel = path.strip_prefix(fresh.path()).unwrap().to_path_buf();
        let want = fs::read(path).unwrap();
        match fs::read(root.join(&rel)) {
            Ok(have) if have == want => {}
            Ok(_) => problems.push(format!("{} differs", rel.display())),
            Err(_) => problems.push(format!("{} is missing", rel.display())),
        }
        expected.insert(rel);
    }
    for dir in [COMPLETIONS_DIR, MAN_DIR] {
        for rel in ours(root, dir).difference(&expected) {
            problems.push(format!("{} is stale (its command is gone)", rel.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "generated docs out of date: {}; {FIX}",
        problems.join(", ")
    );
}
