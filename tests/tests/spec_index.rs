//! The rule index at the end of `docs/SPEC.md` maps each rule to the files that implement and
//! test it. An index that names a file moved or deleted sends a reader nowhere, so this test
//! fails when an indexed path no longer exists, when a rule of §3 has no row, or when a row
//! names no implementing or no testing file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const INDEX_HEADING: &str = "## 10. Rule index";

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the repository")
        .to_path_buf()
}

/// The rule ids §3 defines: the `R<n>` of each `- **R<n> Title.**` bullet.
fn defined_rules(spec: &str) -> BTreeSet<String> {
    spec.lines()
        .filter_map(|line| line.strip_prefix("- **R"))
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            (!digits.is_empty()).then(|| format!("R{digits}"))
        })
        .collect()
}

/// The text between backticks in one table cell.
fn quoted_paths(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

struct IndexRow<'a> {
    rule: String,
    implemented_in: Vec<&'a str>,
    tested_in: Vec<&'a str>,
}

fn index_rows(spec: &str) -> Vec<IndexRow<'_>> {
    let index = spec
        .split_once(INDEX_HEADING)
        .map(|(_, index)| index)
        .unwrap_or_else(|| panic!("docs/SPEC.md has no \"{INDEX_HEADING}\" section"));
    index
        .lines()
        .filter(|line| {
            let rule = line
                .trim_start_matches("| ")
                .split_whitespace()
                .next()
                .unwrap_or_default();
            rule.strip_prefix('R').is_some_and(|digits| {
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
            })
        })
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').collect();
            assert_eq!(cells.len(), 3, "an index row has three cells: {line}");
            let rule = cells[0].split_whitespace().next().unwrap_or_default();
            IndexRow {
                rule: rule.to_owned(),
                implemented_in: quoted_paths(cells[1]),
                tested_in: quoted_paths(cells[2]),
            }
        })
        .collect()
}

#[test]
fn every_rule_is_indexed_to_files_that_exist() {
    let root = repository_root();
    let spec =
        std::fs::read_to_string(root.join("docs/SPEC.md")).expect("docs/SPEC.md is readable");
    let rows = index_rows(&spec);

    let indexed: BTreeSet<String> = rows.iter().map(|row| row.rule.clone()).collect();
    assert_eq!(
        indexed.len(),
        rows.len(),
        "a rule has more than one index row"
    );
    let defined = defined_rules(&spec);
    assert!(
        defined.len() >= 22,
        "§3 defines the rules R1–R22 at least: {defined:?}"
    );
    assert_eq!(indexed, defined, "the index and §3 name different rules");

    let mut missing = Vec::new();
    for row in &rows {
        assert!(
            !row.implemented_in.is_empty(),
            "{} names no implementing file",
            row.rule
        );
        assert!(!row.tested_in.is_empty(), "{} names no test file", row.rule);
        for path in row.implemented_in.iter().chain(&row.tested_in) {
            if !root.join(path).is_file() {
                missing.push(format!("{}: {path}", row.rule));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "indexed files that do not exist:\n{}",
        missing.join("\n")
    );
}
