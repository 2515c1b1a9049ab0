//! Inside each crate, the top-level modules must depend on one another without a circle: a
//! module that imports a module importing it cannot be read, tested or moved on its own. This
//! test reads every crate's sources, collects the `crate::<module>` paths each top-level module
//! uses (in code, not in comments or tests), and fails on any strongly connected group of two
//! modules or more, naming it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the repository")
        .to_path_buf()
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source directory is readable") {
        let path = entry.expect("a directory entry is readable").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a source file belongs to; `None` for the crate root and test files.
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    let is_test_file = file.file_stem().is_some_and(|stem| stem == "tests");
    (!matches!(name, "lib" | "main") && !is_test_file).then(|| name.to_owned())
}

/// The code of a file without its comments and without what follows its first `#[cfg(test)]`
/// (test modules sit at the end of a file here).
fn code_lines(text: &str) -> String {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    code.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

fn leading_identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The top-level modules named by the `crate::` paths of `code`, braced groups included.
fn referenced_modules(code: &str) -> BTreeSet<String> {
    let mut modules = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = true;
            for (index, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        item_start = false;
                        modules.insert(leading_identifier(&group[index..]).to_owned());
                    }
                    _ => {}
                }
            }
        } else {
            modules.insert(leading_identifier(rest).to_owned());
        }
    }
    modules.retain(|module| !module.is_empty() && module != "self");
    modules
}

fn module_graph(crate_dir: &Path) -> Graph {
    let src = crate_dir.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph = Graph::new();
    for file in files {
        let Some(module) = top_module(&src, &file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("a source file is readable");
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(
            referenced_modules(&code_lines(&text))
                .into_iter()
                .filter(|target| *target != module),
        );
    }
    graph
}

/// The strongly connected groups of two modules or more (Tarjan's algorithm).
fn circles(graph: &Graph) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        circles: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, node: &'a str) {
            let order = self.index.len();
            self.index.insert(node, order);
            self.low.insert(node, order);
            self.stack.push(node);
            for next in self.graph.get(node).into_iter().flatten() {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.stack.contains(&next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let at = self
                    .stack
                    .iter()
                    .rposition(|member| *member == node)
                    .expect("on the stack");
                let group: Vec<String> = self.stack.drain(at..).map(str::to_owned).collect();
                if group.len() > 1 {
                    self.circles.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        circles: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node.as_str()) {
            walk.visit(node);
        }
    }
    walk.circles
}

#[test]
fn braced_and_nested_imports_are_read() {
    let code = "use crate::{a::X, b, c::{d, e}};\nuse crate::f::g;\nlet x = crate::h::new();";
    let found: Vec<String> = referenced_modules(code).into_iter().collect();
    assert_eq!(found, ["a", "b", "c", "f", "h"]);
}

#[test]
fn a_circle_is_found() {
    let graph: Graph = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]
        .into_iter()
        .map(|(from, to)| (from.to_owned(), BTreeSet::from([to.to_owned()])))
        .collect();
    let mut found = circles(&graph);
    found.iter_mut().for_each(|group| group.sort());
    assert_eq!(
        found,
        [vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]
    );
}

#[test]
fn no_crate_has_an_import_circle_between_its_modules() {
    let root = repository_root();
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&root).expect("the repository is readable") {
        let crate_dir = entry.expect("a directory entry is readable").path();
        if !crate_dir.join("Cargo.toml").is_file() || !crate_dir.join("src").is_dir() {
            continue;
        }
        let name = crate_dir
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default()
            .to_owned();
        for group in circles(&module_graph(&crate_dir)) {
            found.push(format!("{name}: {}", group.join(" → ")));
        }
    }
    found.sort();
    assert!(
        found.is_empty(),
        "modules importing one another:\n{}",
        found.join("\n")
    );
}
