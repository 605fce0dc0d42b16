//! The crate's groups stay layered (`lib.rs`): each group uses only the groups before it, and
//! only `aws/` calls the AWS SDK. Read from the source, so a new back-edge fails here.

use std::fs;
use std::path::Path;

/// The groups in order: each may use itself and those before it.
const ORDER: [&str; 6] = ["domain", "engine", "views", "aws", "app", "edge"];

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = fs::read_to_string(&p).unwrap_or_default();
            out.push((p.display().to_string(), text));
        }
    }
}

fn group_sources(group: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(group),
        &mut out,
    );
    out
}

/// `crate::<group>` paths a source uses (comments included: a doc link to a later group is a
/// back-edge in the reader's map too).
fn uses(text: &str) -> Vec<&str> {
    ORDER
        .iter()
        .copied()
        .filter(|g| text.contains(&format!("crate::{g}")))
        .collect()
}

#[test]
fn every_group_uses_only_the_groups_before_it() {
    let mut back_edges = Vec::new();
    for (i, group) in ORDER.iter().enumerate() {
        let files = group_sources(group);
        assert!(!files.is_empty(), "no sources under src/{group}");
        for (path, text) in &files {
            for used in uses(text) {
                let j = ORDER.iter().position(|g| *g == used).unwrap_or(0);
                if j > i {
                    back_edges.push(format!("{path} uses crate::{used}"));
                }
            }
            if text.contains("crate::config") && *group != "edge" {
                back_edges.push(format!("{path} uses crate::config"));
            }
        }
    }
    assert!(
        back_edges.is_empty(),
        "back-edges:\n{}",
        back_edges.join("\n")
    );
}

#[test]
fn only_the_aws_group_calls_the_sdk() {
    let mut callers = Vec::new();
    for group in ORDER.iter().filter(|g| **g != "aws") {
        for (path, text) in group_sources(group) {
            if text.contains("aws_sdk_") || text.contains("aws_config") {
                callers.push(path);
            }
        }
    }
    assert!(callers.is_empty(), "SDK calls outside aws/: {callers:?}");
}
