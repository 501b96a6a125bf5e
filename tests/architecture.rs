//! The module layering written in ARCHITECTURE.md holds in the source: every
//! `crate::X` path in a top-level module names a module on its own layer or below,
//! and the top-level modules import each other without a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const DOC: &str = "ARCHITECTURE.md";

/// The layers from the fenced block after the `## Layers` heading: one line per
/// layer, highest first, module names separated by spaces.
fn layers(doc: &str) -> Vec<Vec<String>> {
    let section = doc
        .split("\n## Layers")
        .nth(1)
        .unwrap_or_else(|| panic!("{DOC} has no `## Layers` section"));
    let block = section
        .split("```")
        .nth(1)
        .unwrap_or_else(|| panic!("the `## Layers` section of {DOC} has no fenced block"));
    block
        .lines()
        .skip(1) // the fence's info string
        .map(|l| l.split('#').next().unwrap_or("").split_whitespace())
        .map(|words| words.map(str::to_string).collect::<Vec<_>>())
        .filter(|l| !l.is_empty())
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/image/pull.rs` → image,
/// `src/error.rs` → error); `None` for the crate roots and the extra binaries.
fn owner(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" | "main.rs" | "bin" => None,
        f => Some(f.trim_end_matches(".rs").to_string()),
    }
}

/// Every module named as `crate::NAME` in `text`, comments included (a doc link
/// to a higher module is a dependency in the reader's head too).
fn crate_paths(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `rpod_crate::`, not ours
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut c = path[at..].to_vec();
            c.push(node.to_string());
            return Some(c);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn modules_import_only_their_own_layer_or_below() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = fs::read_to_string(root.join(DOC)).unwrap();
    let layers = layers(&doc);
    assert!(layers.len() > 3, "{DOC} lists too few layers: {layers:?}");
    // Highest layer first in the document, so a larger rank is a lower layer.
    let rank: BTreeMap<&str, usize> = layers
        .iter()
        .enumerate()
        .flat_map(|(i, l)| l.iter().map(move |m| (m.as_str(), i)))
        .collect();

    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for file in &files {
        let Some(module) = owner(&src, file) else {
            continue;
        };
        let Some(&own) = rank.get(module.as_str()) else {
            problems.push(format!("module `{module}` is in no layer of {DOC}"));
            continue;
        };
        let text = fs::read_to_string(file).unwrap();
        for used in crate_paths(&text) {
            if used == module {
                continue;
            }
            match rank.get(used.as_str()) {
                None => problems.push(format!(
                    "{}: `crate::{used}` is in no layer of {DOC}",
                    file.display()
                )),
                Some(&r) if r < own => problems.push(format!(
                    "{}: `{module}` imports `{used}`, a higher layer",
                    file.strip_prefix(root).unwrap().display()
                )),
                Some(_) => {}
            }
            graph.entry(module.clone()).or_default().insert(used);
        }
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
    if let Some(c) = cycle(&graph) {
        panic!("modules import each other in a cycle: {}", c.join(" → "));
    }
}

#[test]
fn crate_paths_are_found_in_code_and_docs() {
    let found = crate_paths("use crate::image::Digest;\n/// see [`crate::cli::run`]\nmy_crate::x");
    assert_eq!(found, BTreeSet::from(["cli".into(), "image".into()]));
}

#[test]
fn a_cycle_is_named() {
    let graph = BTreeMap::from([
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["a".to_string()])),
    ]);
    assert_eq!(
        cycle(&graph),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
    let tree = BTreeMap::from([("a".to_string(), BTreeSet::from(["b".to_string()]))]);
    assert_eq!(cycle(&tree), None);
}
