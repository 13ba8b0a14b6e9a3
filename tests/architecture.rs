//! The module graph of `src/` follows the pipeline.
//!
//! mailcheck is a pipeline: small value types and parsers at the bottom, then the DNS seam and
//! the record parsers, the facts, gathering, the judges (rules), the report, rendering, output,
//! the run, the command line, and the binary on top. [`LAYERS`] lists the top-level modules of
//! each layer. This test reads every `.rs` file under `src/`, builds the import graph of the
//! production code and fails, listing every problem at once (file, line, the path as written and
//! the rule it breaks), when:
//!
//! 1. **layers**: a module imports a module of a higher layer, or a module of its own layer where
//!    that layer forbids peer imports (files of one top-level module may import each other);
//! 2. **module cycles**: top-level modules import each other in a cycle (`dns` → `zonefile` →
//!    `dns`), even within a layer that allows peers;
//! 3. **file cycles**: files of one top-level module import each other in a cycle. A file and its
//!    private child (`mod x;`, no `pub`) count as one: they may import each other;
//! 4. **undeclared modules**: a top-level module of `src/` is missing from [`LAYERS`].
//!
//! # Fixing a failure
//!
//! - Layers: move what is imported down to a layer both sides may use (often a leaf type), or
//!   move the importing code up. Never import upwards, not even through a re-export.
//! - Cycles: the message gives one import (and the number of imports) per edge of the cycle;
//!   cut the edge with the fewest, by moving the item it names to the side that needs it or
//!   below both. A helper file only its parent uses can instead become a private child.
//! - Undeclared module: add it to its layer in [`LAYERS`] (a new module, or a renamed one).
//!
//! # What counts as an import
//!
//! Paths in production code: `use` trees (nested braces, `self`, `as`, globs) and paths inline in
//! code (`crate::x::f()`, `super::super::y`, `self::z::T`, `child::f()` where `child` is a module
//! declared in that scope, and names a `use` bound to a module, like `zonefile::is_within` after
//! `use crate::zonefile;`). `src/main.rs` names the library as `mailcheck::…`. A path counts as
//! an import of the longest module *file* it starts with: `crate::dns::network::udp::Foo` is
//! `src/dns/network/udp.rs`, an item re-exported by `dns` is `src/dns/mod.rs`. External crates,
//! comments (doc links included), string and char literals, items under `#[cfg(test)]` and files
//! of `#[cfg(test)] mod x;` do not count. Inline `mod x { … }` belongs to its file. `#[path]`
//! attributes and macros that build paths are not understood: the test reads tokens, it does not
//! expand or type-check anything.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::fs;
use std::path::Path;

/// The layers of the pipeline, bottom first. Every top-level module of `src/` is listed, and
/// every module listed exists (`the_layer_table_names_only_real_modules`).
///
/// A module of layer *i* may import a module of layer *j* when *j* < *i*, or when *j* == *i*
/// and the layer allows peer imports. `main` is the binary, `src/main.rs`.
#[rustfmt::skip]
const LAYERS: &[Layer] = &[
    layer("leaves",           Peers::Allowed,   &["diagnostic", "escape", "domain", "address",
                                                  "rr", "tagvalue", "txt", "finding", "files",
                                                  "lines"]),
    layer("seam and parsers", Peers::Allowed,   &["dns", "zonefile", "spf", "dkim", "policy", "expect"]),
    layer("facts",            Peers::Allowed,   &["facts"]),
    layer("gather",           Peers::Allowed,   &["gather"]),
    layer("judges",           Peers::Forbidden, &["rules", "describe", "providers"]),
    layer("report",           Peers::Allowed,   &["report", "selection"]),
    layer("render",           Peers::Allowed,   &["render"]),
    layer("output",           Peers::Allowed,   &["output", "progress", "resume"]),
    layer("run",              Peers::Allowed,   &["audit", "record", "sources", "batch", "fuzzing"]),
    layer("cli",              Peers::Allowed,   &["cli"]),
    layer("binary",           Peers::Allowed,   &["main"]),
];

/// The library's name, as `src/main.rs` writes it in paths (`mailcheck::cli::Cli`).
const LIBRARY: &str = "mailcheck";

/// One layer of [`LAYERS`].
#[derive(Debug)]
struct Layer {
    /// Shown in messages.
    name: &'static str,
    /// Whether its modules may import each other.
    peers: Peers,
    /// Its top-level modules (`src/x.rs` or `src/x/mod.rs` is `x`).
    modules: &'static [&'static str],
}

/// Whether the modules of one layer may import each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Peers {
    Allowed,
    Forbidden,
}

/// Keeps [`LAYERS`] one line per layer.
const fn layer(name: &'static str, peers: Peers, modules: &'static [&'static str]) -> Layer {
    Layer {
        name,
        peers,
        modules,
    }
}

/// A source file: its path from the crate root (`src/dns/mod.rs`, always with `/`) and text.
#[derive(Clone, Debug)]
struct SourceFile {
    path: String,
    text: String,
}

// ------------------------------------------------------------------------------------------
// The tests

#[test]
fn module_graph_follows_the_pipeline() {
    let problems = check(&read_src(), LAYERS);
    assert!(problems.is_empty(), "{}", report(&problems));
}

/// A module removed or renamed in `src/` leaves no stale entry behind in [`LAYERS`].
#[test]
fn the_layer_table_names_only_real_modules() {
    let graph = Graph::build(&read_src());
    let present: BTreeSet<&str> = graph.files.iter().map(|file| file.top.as_str()).collect();
    let stale: Vec<&str> = LAYERS
        .iter()
        .flat_map(|layer| layer.modules.iter().copied())
        .filter(|module| !present.contains(module))
        .collect();
    assert!(
        stale.is_empty(),
        "LAYERS lists modules that src/ does not have (remove them, or fix their names): {stale:?}"
    );
}

/// The issue's demonstration: an upward import added to the real `src/dns/mod.rs` is reported
/// with its file, line and path, as a layer violation.
#[test]
fn an_upward_import_into_the_real_dns_module_is_reported() {
    let mut sources = read_src();
    let dns = sources
        .iter_mut()
        .find(|file| file.path == "src/dns/mod.rs")
        .expect("src/dns/mod.rs exists");
    if !dns.text.ends_with('\n') {
        dns.text.push('\n');
    }
    let line = u32::try_from(dns.text.lines().count() + 1).expect("a sane line count");
    let before = layer_imports(&check(&read_src(), LAYERS));
    dns.text.push_str("use crate::cli::Cli;\n");

    let after = layer_imports(&check(&sources, LAYERS));
    let added: Vec<_> = after.difference(&before).collect();
    let expected = format!("src/dns/mod.rs:{line}: `crate::cli::Cli`: dns -> cli (upward)");
    assert_eq!(added, [&expected], "{}", report(&check(&sources, LAYERS)));
}

#[test]
fn upward_and_forbidden_peer_imports_are_reported() {
    let problems = check_synthetic(&[
        ("src/a.rs", "pub fn f() { crate::t::g(); }\n"),
        // A peer where the layer allows peers, and a lower layer: both fine.
        ("src/b.rs", "use crate::a::f;\n"),
        ("src/m.rs", "use crate::n::X;\nuse crate::a::f;\n"),
        ("src/n.rs", "pub struct X;\n"),
        ("src/t.rs", "pub fn g() {}\n"),
    ]);
    let found: Vec<_> = layer_imports(&problems).into_iter().collect();
    assert_eq!(
        found,
        [
            "src/a.rs:1: `crate::t::g`: a -> t (upward)",
            "src/m.rs:1: `crate::n::X`: m -> n (peer)",
        ],
        "{}",
        report(&problems)
    );
    assert!(report(&problems).contains("forbids peer imports"));
}

#[test]
fn a_cycle_between_peer_modules_is_reported() {
    let problems = check_synthetic(&[
        ("src/a.rs", "use crate::b::Y;\npub struct X;\n"),
        ("src/b.rs", "pub struct Y;\nfn f(_: crate::a::X) {}\n"),
    ]);
    let cycles: Vec<_> = problems
        .iter()
        .filter_map(|problem| match problem {
            Problem::ModuleCycle { modules, edges } => Some((modules, edges)),
            _ => None,
        })
        .collect();
    assert_eq!(cycles.len(), 1, "{}", report(&problems));
    let (modules, edges) = cycles[0];
    assert_eq!(modules, &["a", "b"]);
    let witnesses: Vec<_> = edges
        .iter()
        .map(|edge| (edge.first.file.as_str(), edge.first.line))
        .collect();
    assert_eq!(witnesses, [("src/a.rs", 1), ("src/b.rs", 2)]);
    assert_eq!(problems.len(), 1, "{}", report(&problems));
}

#[test]
fn a_private_child_and_its_parent_may_import_each_other() {
    let problems = check_synthetic(&[
        (
            "src/a/mod.rs",
            "mod inner;\npub struct Thing;\npub fn g() { inner::f(); }\n",
        ),
        (
            "src/a/inner.rs",
            "mod deep;\nuse super::Thing;\npub fn f() { deep::h(); }\n",
        ),
        // Private all the way down: a grandchild behind a private child is the parent's too.
        ("src/a/inner/deep.rs", "pub fn h() { crate::a::g(); }\n"),
    ]);
    assert_eq!(problems, [], "{}", report(&problems));
}

#[test]
fn a_public_child_and_its_parent_importing_each_other_is_a_cycle() {
    for visibility in ["pub", "pub(crate)", "pub(super)"] {
        let parent = format!("{visibility} mod inner;\npub struct Thing;\npub use inner::f;\n");
        let problems = check_synthetic(&[
            ("src/a/mod.rs", parent.as_str()),
            ("src/a/inner.rs", "pub fn f(_: super::Thing) {}\n"),
        ]);
        assert_eq!(
            file_cycles_of(&problems),
            [vec!["src/a/inner.rs", "src/a/mod.rs"]],
            "{visibility}: {}",
            report(&problems)
        );
    }
}

#[test]
fn a_cycle_between_sibling_files_is_reported() {
    let problems = check_synthetic(&[
        ("src/a/mod.rs", "mod x;\nmod y;\nmod z;\n"),
        ("src/a/x.rs", "use super::y::Y;\npub struct X;\n"),
        ("src/a/y.rs", "pub struct Y(super::z::Z);\n"),
        ("src/a/z.rs", "pub struct Z(Box<crate::a::x::X>);\n"),
    ]);
    assert_eq!(
        file_cycles_of(&problems),
        [vec!["src/a/x.rs", "src/a/y.rs", "src/a/z.rs"]],
        "{}",
        report(&problems)
    );
}

#[test]
fn test_code_comments_and_literals_are_not_imports() {
    let source = r##"
//! Module docs naming [`crate::t`] and crate::t::f.
/// An item whose doc links [`crate::t::T`].
pub fn f<'a>(text: &'a str) -> char {
    // crate::t::g();
    /* crate::t::g(); /* nested */ crate::t::g(); */
    let _ = "crate::t::g() \" crate::t::g()";
    let _ = r"crate::t::g()";
    let _ = r#"crate::t::g() " crate::t::g()"#;
    let _ = b"crate::t::g()";
    let _ = '"';
    let _ = '\'';
    let _ = text;
    'x'
}

#[cfg(test)]
mod tests {
    use crate::t::T;
    fn g() { crate::t::g(); }
}

#[cfg(test)]
mod more_tests;

#[cfg(all(test, unix))]
fn only_in_tests() { crate::t::g(); }

pub struct S;
impl S {
    #[cfg(test)]
    #[allow(dead_code)]
    fn helper() -> crate::t::T { crate::t::T }
    pub fn real(&self) {}
}
"##;
    let problems = check_synthetic(&[
        ("src/a.rs", source),
        ("src/a/more_tests.rs", "use crate::t::T;\n"),
        ("src/t.rs", "pub struct T;\npub fn g() {}\n"),
    ]);
    assert_eq!(problems, [], "{}", report(&problems));
}

#[test]
fn literals_and_lifetimes_do_not_hide_the_code_after_them() {
    let source = r##"
pub fn f<'a>(x: &'a str) -> (&'a str, char, char) {
    let _ = r#"a "quoted" word"#;
    let _ = "\\";
    (x, '"', '\\')
}
pub fn g() { crate::t::g(); }
"##;
    let found = edges(&[("src/a.rs", source), ("src/t.rs", "pub fn g() {}\n")]);
    assert_eq!(found, ["src/a.rs:7 -> src/t.rs"]);
}

#[test]
fn use_trees_and_relative_paths_resolve_to_module_files() {
    let found = edges(&[
        ("src/a/mod.rs", "pub mod b;\n"),
        ("src/a/b/mod.rs", "pub mod c;\n"),
        (
            "src/a/b/c.rs",
            "use crate::{\n    t::{u::{U, V as W}, X},\n    n::*,\n};\nfn f() { super::super::d::g(); self::h(); }\nfn h() {}\n",
        ),
        ("src/a/d.rs", "pub(crate) use crate::n::N;\npub fn g() {}\n"),
        ("src/t/mod.rs", "pub mod u;\npub struct X;\n"),
        ("src/t/u.rs", "pub struct U;\npub struct V;\n"),
        ("src/n.rs", "pub struct N;\n"),
    ]);
    assert_eq!(
        found,
        [
            "src/a/b/c.rs:5 -> src/a/d.rs",
            "src/a/b/c.rs:3 -> src/n.rs",
            "src/a/b/c.rs:2 -> src/t/mod.rs",
            "src/a/b/c.rs:2 -> src/t/u.rs",
            "src/a/d.rs:1 -> src/n.rs",
        ]
    );
}

#[test]
fn child_names_and_bound_module_names_start_paths() {
    let found = edges(&[
        (
            "src/rules/mod.rs",
            "mod mx;\nuse crate::report;\npub fn run() {\n    mx::check();\n    report::human::show();\n}\n",
        ),
        ("src/rules/mx.rs", "pub fn check() {}\n"),
        ("src/report/mod.rs", "pub mod human;\n"),
        ("src/report/human.rs", "pub fn show() {}\n"),
        // An inline module sees its parent's children only through `super`.
        (
            "src/x.rs",
            "pub mod y { pub use super::z::f; }\nmod z;\nfn g() { mx::check(); }\n",
        ),
        ("src/x/z.rs", "pub fn f() {}\n"),
    ]);
    assert_eq!(
        found,
        [
            "src/rules/mod.rs:5 -> src/report/human.rs",
            "src/rules/mod.rs:2 -> src/report/mod.rs",
            "src/rules/mod.rs:4 -> src/rules/mx.rs",
            "src/x.rs:1 -> src/x/z.rs",
        ]
    );
}

#[test]
fn the_binary_names_the_library_by_its_name() {
    let found = edges(&[
        (
            "src/main.rs",
            "use mailcheck::cli::{self, Cli};\nfn main() { cli::run(); }\n",
        ),
        ("src/lib.rs", "pub mod cli;\n"),
        ("src/cli.rs", "pub struct Cli;\npub fn run() {}\n"),
    ]);
    assert_eq!(found, ["src/main.rs:1 -> src/cli.rs"]);
}

#[test]
fn a_module_missing_from_the_layer_table_is_reported() {
    let problems = check_synthetic(&[
        ("src/lib.rs", "pub mod a;\npub mod stray;\n"),
        ("src/a.rs", ""),
        ("src/stray/mod.rs", "pub mod inner;\n"),
        ("src/stray/inner.rs", ""),
    ]);
    assert_eq!(
        problems,
        [Problem::Undeclared {
            module: "stray".to_owned(),
            file: "src/stray/mod.rs".to_owned(),
        }]
    );
    assert!(report(&problems).contains("declare its layer"));
}

/// The layers of the synthetic tests: `a`, `b` (peers allowed) < `m`, `n` (peers forbidden) < `t`.
const TEST_LAYERS: &[Layer] = &[
    layer("low", Peers::Allowed, &["a", "b", "x"]),
    layer("judges", Peers::Forbidden, &["m", "n", "rules", "report"]),
    layer("top", Peers::Allowed, &["t", "cli", "main"]),
];

/// [`check`] on in-memory files, against [`TEST_LAYERS`].
fn check_synthetic(files: &[(&str, &str)]) -> Vec<Problem> {
    check(&synthetic(files), TEST_LAYERS)
}

fn synthetic(files: &[(&str, &str)]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|&(path, text)| SourceFile {
            path: path.to_owned(),
            text: text.to_owned(),
        })
        .collect()
}

/// The imports between files of in-memory sources, `from:first line -> to` once per pair of
/// files, sorted.
fn edges(files: &[(&str, &str)]) -> Vec<String> {
    let graph = Graph::build(&synthetic(files));
    let mut first: BTreeMap<(&str, &str), u32> = BTreeMap::new();
    for import in &graph.imports {
        let key = (
            graph.files[import.from].path.as_str(),
            graph.files[import.to].path.as_str(),
        );
        first.entry(key).or_insert(import.line);
    }
    first
        .into_iter()
        .map(|((from, to), line)| format!("{from}:{line} -> {to}"))
        .collect()
}

/// The layer violations among `problems`, as `file:line: `path`: from -> to (upward|peer)`.
fn layer_imports(problems: &[Problem]) -> BTreeSet<String> {
    problems
        .iter()
        .filter_map(|problem| match problem {
            Problem::Layer {
                import, from, to, ..
            } => {
                let kind = if from.layer == to.layer {
                    "peer"
                } else {
                    "upward"
                };
                Some(format!(
                    "{import}: {} -> {} ({kind})",
                    from.module, to.module
                ))
            }
            _ => None,
        })
        .collect()
}

/// The files of each file cycle among `problems`.
fn file_cycles_of(problems: &[Problem]) -> Vec<Vec<&str>> {
    problems
        .iter()
        .filter_map(|problem| match problem {
            Problem::FileCycle { files, .. } => Some(files.iter().map(String::as_str).collect()),
            _ => None,
        })
        .collect()
}

/// Every `.rs` file under `src/`, sorted by path.
fn read_src() -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect_rust_files(root, &root.join("src"), &mut files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn collect_rust_files(root: &Path, dir: &Path, files: &mut Vec<SourceFile>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect_rust_files(root, &path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
            let relative = path.strip_prefix(root).expect("under the crate root");
            let parts: Vec<_> = relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy())
                .collect();
            files.push(SourceFile {
                path: parts.join("/"),
                text,
            });
        }
    }
}

// ------------------------------------------------------------------------------------------
// The checker

/// Checks `sources` (paths from the crate root, `src/…`) against `layers`: every problem, in a
/// stable order.
fn check(sources: &[SourceFile], layers: &[Layer]) -> Vec<Problem> {
    let graph = Graph::build(sources);
    let mut problems = undeclared_modules(&graph, layers);
    problems.extend(layer_violations(&graph, layers));
    problems.extend(module_cycles(&graph, layers));
    problems.extend(file_cycles(&graph));
    problems
}

/// A problem [`check`] found.
#[derive(Debug, PartialEq, Eq)]
enum Problem {
    /// A top-level module of `src/` that the layer table does not list.
    Undeclared { module: String, file: String },
    /// An import of a higher layer, or of a peer where the layer forbids peers. One per pair
    /// of files: the first import, and the lines of the others.
    Layer {
        import: Located,
        from: Placed,
        to: Placed,
        more_lines: Vec<u32>,
    },
    /// Top-level modules that import each other in a cycle (a strongly connected component).
    ModuleCycle {
        modules: Vec<String>,
        edges: Vec<Edge>,
    },
    /// Files of one top-level module that import each other in a cycle.
    FileCycle {
        module: String,
        files: Vec<String>,
        edges: Vec<Edge>,
    },
}

/// One import, as the report shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Located {
    file: String,
    line: u32,
    /// The path as written (a `use` tree's leaf with its prefix: `crate::a::b` for
    /// `use crate::{a::{b}}`).
    path: String,
}

/// A top-level module and the name of its layer.
#[derive(Debug, PartialEq, Eq)]
struct Placed {
    module: String,
    layer: &'static str,
}

/// An edge of a cycle: its first import and how many there are.
#[derive(Debug, PartialEq, Eq)]
struct Edge {
    from: String,
    to: String,
    first: Located,
    count: usize,
    /// Whether the layers forbid it (always `false` inside one top-level module): the edges to
    /// cut first.
    forbidden: bool,
}

/// The index in `layers` of the layer listing `module`.
fn layer_of(layers: &[Layer], module: &str) -> Option<usize> {
    layers
        .iter()
        .position(|layer| layer.modules.contains(&module))
}

/// Rule 4: every top-level module has a layer. Reported once per module, with its own file.
fn undeclared_modules(graph: &Graph, layers: &[Layer]) -> Vec<Problem> {
    // The module's own file (`src/x.rs`, `src/x/mod.rs`): the shallowest of its files.
    let mut shallowest: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for file in &graph.files {
        if layer_of(layers, &file.top).is_none() {
            let candidate = (file.module.len(), file.path.as_str());
            let entry = shallowest.entry(&file.top).or_insert(candidate);
            *entry = (*entry).min(candidate);
        }
    }
    shallowest
        .into_iter()
        .map(|(module, (_, file))| Problem::Undeclared {
            module: module.to_owned(),
            file: file.to_owned(),
        })
        .collect()
}

/// Rule 1: imports go down the layers, or sideways where the layer allows peers.
fn layer_violations(graph: &Graph, layers: &[Layer]) -> Vec<Problem> {
    let mut by_files: BTreeMap<(&str, &str), Vec<&Import>> = BTreeMap::new();
    for import in &graph.imports {
        let (from, to) = (&graph.files[import.from], &graph.files[import.to]);
        if !is_forbidden(layers, &from.top, &to.top) {
            continue;
        }
        by_files
            .entry((&from.path, &to.path))
            .or_default()
            .push(import);
    }
    let mut groups: Vec<Vec<&Import>> = by_files.into_values().collect();
    let key = |imports: &Vec<&Import>| (&graph.files[imports[0].from].path, imports[0].line);
    groups.sort_by(|a, b| key(a).cmp(&key(b)));
    let place = |file: usize| {
        let module = graph.files[file].top.clone();
        let layer = layer_of(layers, &module).map_or("", |index| layers[index].name);
        Placed { module, layer }
    };
    groups
        .into_iter()
        .map(|imports| Problem::Layer {
            import: graph.locate(imports[0]),
            from: place(imports[0].from),
            to: place(imports[0].to),
            more_lines: other_lines(&imports),
        })
        .collect()
}

/// The lines of `imports` after the first one's, once each.
fn other_lines(imports: &[&Import]) -> Vec<u32> {
    let lines: BTreeSet<u32> = imports.iter().map(|import| import.line).collect();
    lines
        .into_iter()
        .filter(|&line| line != imports[0].line)
        .collect()
}

/// Whether the layers forbid top-level module `from` to import `to` (`false` when either is in
/// no layer: rule 4 reports that).
fn is_forbidden(layers: &[Layer], from: &str, to: &str) -> bool {
    let (Some(i), Some(j)) = (layer_of(layers, from), layer_of(layers, to)) else {
        return false;
    };
    from != to && (j > i || (j == i && layers[i].peers == Peers::Forbidden))
}

/// Rule 2: no cycle between top-level modules.
fn module_cycles(graph: &Graph, layers: &[Layer]) -> Vec<Problem> {
    let modules: Vec<&str> = graph
        .files
        .iter()
        .map(|file| file.top.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let node = |file: usize| {
        modules
            .binary_search(&graph.files[file].top.as_str())
            .expect("every file's module is listed")
    };
    let imports = graph
        .imports
        .iter()
        .map(|import| (node(import.from), node(import.to), import));
    let edges = group_edges(imports);
    cycles(modules.len(), &edges)
        .into_iter()
        .map(|component| Problem::ModuleCycle {
            modules: component.iter().map(|&m| modules[m].to_owned()).collect(),
            edges: cycle_edges(graph, &component, &edges, |m| modules[m].to_owned())
                .into_iter()
                .map(|edge| Edge {
                    forbidden: is_forbidden(layers, &edge.from, &edge.to),
                    ..edge
                })
                .collect(),
        })
        .collect()
}

/// Rule 3: no cycle between the files of one top-level module, a private child counting as
/// part of its parent.
fn file_cycles(graph: &Graph) -> Vec<Problem> {
    let imports = graph.imports.iter().filter_map(|import| {
        let (from, to) = (&graph.files[import.from], &graph.files[import.to]);
        let inside = from.top == to.top && !graph.is_private_within(&from.module, &to.module);
        inside.then_some((import.from, import.to, import))
    });
    let edges = group_edges(imports);
    cycles(graph.files.len(), &edges)
        .into_iter()
        .map(|component| Problem::FileCycle {
            module: graph.files[component[0]].top.clone(),
            files: component
                .iter()
                .map(|&file| graph.files[file].path.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            edges: cycle_edges(graph, &component, &edges, |file| {
                graph.files[file].path.clone()
            }),
        })
        .collect()
}

/// Imports grouped by the (from, to) nodes they join, self-edges left out, in first-seen order.
fn group_edges<'g>(
    imports: impl Iterator<Item = (usize, usize, &'g Import)>,
) -> BTreeMap<(usize, usize), Vec<&'g Import>> {
    let mut edges: BTreeMap<(usize, usize), Vec<&Import>> = BTreeMap::new();
    for (from, to, import) in imports {
        if from != to {
            edges.entry((from, to)).or_default().push(import);
        }
    }
    edges
}

/// The strongly connected components of more than one node, each sorted, in node order.
fn cycles(nodes: usize, edges: &BTreeMap<(usize, usize), Vec<&Import>>) -> Vec<Vec<usize>> {
    let mut adjacency = vec![Vec::new(); nodes];
    for &(from, to) in edges.keys() {
        adjacency[from].push(to);
    }
    let mut components: Vec<Vec<usize>> = strongly_connected(&adjacency)
        .into_iter()
        .filter(|component| component.len() > 1)
        .collect();
    for component in &mut components {
        component.sort_unstable();
    }
    components.sort();
    components
}

/// The edges inside one component, each with its first import.
fn cycle_edges(
    graph: &Graph,
    component: &[usize],
    edges: &BTreeMap<(usize, usize), Vec<&Import>>,
    name: impl Fn(usize) -> String,
) -> Vec<Edge> {
    let mut inside: Vec<Edge> = edges
        .iter()
        .filter(|((from, to), _)| component.contains(from) && component.contains(to))
        .map(|(&(from, to), imports)| Edge {
            from: name(from),
            to: name(to),
            first: graph.locate(imports[0]),
            count: imports.len(),
            forbidden: false,
        })
        .collect();
    inside.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
    inside
}

/// Tarjan's algorithm: the strongly connected components of a directed graph.
fn strongly_connected(adjacency: &[Vec<usize>]) -> Vec<Vec<usize>> {
    /// The walk's state: discovery order, lowest reachable order, and the open stack.
    struct Tarjan<'a> {
        adjacency: &'a [Vec<usize>],
        order: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        components: Vec<Vec<usize>>,
    }

    impl Tarjan<'_> {
        fn visit(&mut self, node: usize) {
            self.order[node] = Some(self.next);
            self.low[node] = self.next;
            self.next += 1;
            self.stack.push(node);
            self.on_stack[node] = true;
            for &next in &self.adjacency[node] {
                match self.order[next] {
                    None => {
                        self.visit(next);
                        self.low[node] = self.low[node].min(self.low[next]);
                    }
                    Some(order) if self.on_stack[next] => {
                        self.low[node] = self.low[node].min(order);
                    }
                    Some(_) => {}
                }
            }
            if Some(self.low[node]) == self.order[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                self.components.push(component);
            }
        }
    }

    let nodes = adjacency.len();
    let mut tarjan = Tarjan {
        adjacency,
        order: vec![None; nodes],
        low: vec![0; nodes],
        on_stack: vec![false; nodes],
        stack: Vec::new(),
        next: 0,
        components: Vec::new(),
    };
    for node in 0..nodes {
        if tarjan.order[node].is_none() {
            tarjan.visit(node);
        }
    }
    tarjan.components
}

// ------------------------------------------------------------------------------------------
// The report

/// The report's sections, one per rule, in the order of [`Problem::section`].
const SECTIONS: [&str; 4] = [
    "Top-level modules missing from LAYERS",
    "Imports against the layers (a module may import lower layers, and its own layer's modules \
     where that layer allows peers)",
    "Cycles between top-level modules (one import per edge, and how many imports the edge has; \
     cut the edges against the layers first)",
    "Cycles between the files of one module (a file and its private child may import each \
     other; any other cycle is a knot)",
];

impl Problem {
    /// Its section of the report: the rule it breaks.
    fn section(&self) -> usize {
        match self {
            Problem::Undeclared { .. } => 0,
            Problem::Layer { .. } => 1,
            Problem::ModuleCycle { .. } => 2,
            Problem::FileCycle { .. } => 3,
        }
    }
}

/// The failure message: every problem, grouped by rule, each rule explained once.
fn report(problems: &[Problem]) -> String {
    let mut out = format!(
        "The module graph breaks the pipeline's rules: {} problem(s). The doc comment of \
         tests/architecture.rs explains the rules and how to fix a failure; LAYERS lists the \
         layers.\n",
        problems.len()
    );
    for (section, title) in SECTIONS.iter().enumerate() {
        let members: Vec<&Problem> = problems.iter().filter(|p| p.section() == section).collect();
        if !members.is_empty() {
            let _ = writeln!(out, "\n{title}: {}", members.len());
            for problem in members {
                let _ = write!(out, "{problem}");
            }
        }
    }
    out
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Undeclared { module, file } => writeln!(
                f,
                "  {file}: module `{module}` is in no layer: declare its layer in LAYERS"
            ),
            Problem::Layer {
                import,
                from,
                to,
                more_lines,
            } => {
                write!(f, "  {import}: ")?;
                let (from_layer, to_layer) = (from.layer, to.layer);
                if from_layer == to_layer {
                    write!(
                        f,
                        "`{}` imports its peer `{}`, and layer \"{from_layer}\" forbids peer imports",
                        from.module, to.module
                    )?;
                } else {
                    write!(
                        f,
                        "`{}` (layer \"{from_layer}\") imports `{}` of the higher layer \"{to_layer}\"",
                        from.module, to.module
                    )?;
                }
                if !more_lines.is_empty() {
                    let lines: Vec<String> = more_lines.iter().map(u32::to_string).collect();
                    write!(f, " (again on lines {})", lines.join(", "))?;
                }
                writeln!(f)
            }
            Problem::ModuleCycle { modules, edges } => {
                writeln!(f, "  {}:", modules.join(", "))?;
                edges.iter().try_for_each(|edge| {
                    let mark = if edge.forbidden {
                        " [against the layers]"
                    } else {
                        ""
                    };
                    writeln!(
                        f,
                        "    {} -> {}: {}{}{mark}",
                        edge.from,
                        edge.to,
                        edge.first,
                        Count(edge.count)
                    )
                })
            }
            Problem::FileCycle {
                module,
                files,
                edges,
            } => {
                writeln!(f, "  in `{module}`: {}", files.join(", "))?;
                edges.iter().try_for_each(|edge| {
                    writeln!(f, "    {} -> {}{}", edge.first, edge.to, Count(edge.count))
                })
            }
        }
    }
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: `{}`", self.file, self.line, self.path)
    }
}

/// " (N imports)" when an edge has more than one.
struct Count(usize);

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 > 1 {
            write!(f, " ({} imports)", self.0)?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------
// The graph: production files and the imports between them

/// The production files of a crate (not `src/lib.rs`, not test modules) and their imports.
struct Graph {
    files: Vec<FileNode>,
    imports: Vec<Import>,
    /// Modules declared private (`mod x;`, `mod x { … }`, or `pub(self)`), by path.
    private: HashSet<Vec<String>>,
}

/// One production file.
#[derive(Debug)]
struct FileNode {
    path: String,
    /// Its module path (`["dns", "network"]`); `["main"]` for the binary.
    module: Vec<String>,
    /// Its top-level module: the first segment of `module`.
    top: String,
}

/// One path in a file that names another file's module.
#[derive(Debug)]
struct Import {
    from: usize,
    to: usize,
    line: u32,
    written: String,
}

/// A parsed source file, before it is known whether it is production code.
struct Unit {
    path: String,
    /// `[]` for `src/lib.rs`, `["main"]` for the binary.
    module: Vec<String>,
    binary: bool,
    parsed: parse::Parsed,
}

impl Unit {
    /// Reads `src/…/x.rs`; other paths are not part of the crate's module tree.
    fn new(source: &SourceFile) -> Option<Unit> {
        let relative = source.path.strip_prefix("src/")?.strip_suffix(".rs")?;
        let mut module: Vec<String> = relative.split('/').map(str::to_owned).collect();
        let binary = module == ["main"];
        if module == ["lib"] || module.last().is_some_and(|last| last == "mod") {
            module.pop();
        }
        let parsed = parse::parse(&source.text, &module);
        Some(Unit {
            path: source.path.clone(),
            module,
            binary,
            parsed,
        })
    }
}

impl Graph {
    fn build(sources: &[SourceFile]) -> Graph {
        let units: Vec<Unit> = sources.iter().filter_map(Unit::new).collect();
        let modules = Modules::new(&units);
        let production: Vec<&Unit> = units
            .iter()
            .filter(|unit| !unit.module.is_empty() && !modules.is_test_only(&unit.module))
            .collect();
        let resolver = Resolver::new(&production, &modules);
        let mut imports = Vec::new();
        for (from, unit) in production.iter().enumerate() {
            for path in &unit.parsed.paths {
                match resolver.import_target(&path.scope, unit.binary, &path.segments) {
                    Some(to) if to != from => imports.push(Import {
                        from,
                        to,
                        line: path.line,
                        written: path.written.clone(),
                    }),
                    _ => {}
                }
            }
        }
        let files = production
            .iter()
            .map(|unit| FileNode {
                path: unit.path.clone(),
                module: unit.module.clone(),
                top: unit.module[0].clone(),
            })
            .collect();
        Graph {
            files,
            imports,
            private: modules.private,
        }
    }

    fn locate(&self, import: &Import) -> Located {
        Located {
            file: self.files[import.from].path.clone(),
            line: import.line,
            path: import.written.clone(),
        }
    }

    /// Whether `module` lies under `ancestor` through private declarations only: it is then
    /// an implementation detail of `ancestor`, and may import it.
    fn is_private_within(&self, module: &[String], ancestor: &[String]) -> bool {
        module.len() > ancestor.len()
            && module.starts_with(ancestor)
            && (ancestor.len() + 1..=module.len()).all(|end| self.private.contains(&module[..end]))
    }
}

/// What the `mod` declarations of all files say.
struct Modules {
    /// Production modules declared in each scope, by scope.
    children: HashMap<Vec<String>, HashSet<String>>,
    /// Modules declared under `#[cfg(test)]` (or with `#![cfg(test)]` inside).
    test_only: HashSet<Vec<String>>,
    private: HashSet<Vec<String>>,
}

impl Modules {
    fn new(units: &[Unit]) -> Modules {
        let mut modules = Modules {
            children: HashMap::new(),
            test_only: HashSet::new(),
            private: HashSet::new(),
        };
        for unit in units {
            for declared in &unit.parsed.modules {
                let (name, scope) = declared.path.split_last().expect("a module has a name");
                if declared.test_only {
                    modules.test_only.insert(declared.path.clone());
                } else {
                    let children = modules.children.entry(scope.to_vec()).or_default();
                    children.insert(name.clone());
                }
                if declared.private {
                    modules.private.insert(declared.path.clone());
                }
            }
            let inner = unit.parsed.test_scopes.iter().cloned();
            modules.test_only.extend(inner);
        }
        modules
    }

    /// Whether `module` or one of its ancestors is compiled for tests only.
    fn is_test_only(&self, module: &[String]) -> bool {
        (1..=module.len()).any(|end| self.test_only.contains(&module[..end]))
    }
}

/// Turns paths as written into module paths from the crate root, and those into files.
struct Resolver<'u> {
    /// The library's production files by module path (the binary cannot be imported).
    files: HashMap<&'u [String], usize>,
    modules: &'u Modules,
    /// Names bound by `use`, by scope: `use crate::zonefile::{self};` binds `zonefile`.
    aliases: HashMap<&'u [String], HashMap<&'u str, &'u [String]>>,
}

impl<'u> Resolver<'u> {
    /// `production` is in file order: a file's index is its node in the graph.
    fn new(production: &[&'u Unit], modules: &'u Modules) -> Resolver<'u> {
        let files = production
            .iter()
            .enumerate()
            .filter(|(_, unit)| !unit.binary)
            .map(|(index, unit)| (unit.module.as_slice(), index))
            .collect();
        let mut aliases: HashMap<&[String], HashMap<&str, &[String]>> = HashMap::new();
        for unit in production {
            for alias in &unit.parsed.aliases {
                let names = aliases.entry(alias.scope.as_slice()).or_default();
                names.insert(alias.name.as_str(), alias.target.as_slice());
            }
        }
        Resolver {
            files,
            modules,
            aliases,
        }
    }

    /// `path`, written in module `scope`, from the crate root; `None` when it names something
    /// outside the crate (another crate, a local item, a generic).
    fn absolute(
        &self,
        scope: &[String],
        binary: bool,
        path: &[String],
        depth: usize,
    ) -> Option<Vec<String>> {
        let (first, mut rest) = path.split_first()?;
        let mut resolved = match first.as_str() {
            // The binary's own crate has no modules: only `mailcheck::…` reaches the library.
            "crate" | "self" | "super" if binary => return None,
            LIBRARY if binary => Vec::new(),
            "crate" => Vec::new(),
            "self" => scope.to_vec(),
            "super" => scope.split_last()?.1.to_vec(),
            name if self.is_child(scope, name) => {
                let mut child = scope.to_vec();
                child.push(name.to_owned());
                child
            }
            name => return self.through_alias(scope, binary, name, rest, depth),
        };
        if first == "super" {
            while let Some((next, tail)) = rest.split_first()
                && next == "super"
            {
                resolved.pop()?;
                rest = tail;
            }
        }
        resolved.extend(rest.iter().cloned());
        Some(resolved)
    }

    /// The file `path` (written in `scope`) imports, if it names one.
    fn import_target(&self, scope: &[String], binary: bool, path: &[String]) -> Option<usize> {
        let file = self.file_of(&self.absolute(scope, binary, path, 0)?)?;
        // A path through a name bound by `use` counts only where it reaches further than that
        // `use` (which counts already): `render::human::f` after `use crate::render;`, but not
        // every `Severity::Error` after `use crate::report::Severity;`.
        if self.is_alias(scope, binary, &path[0]) {
            let bound = self.absolute(scope, binary, &path[..1], 0)?;
            if self.file_of(&bound) == Some(file) {
                return None;
            }
        }
        Some(file)
    }

    /// Whether `first`, the first segment of a path, is resolved as a name bound by `use`.
    fn is_alias(&self, scope: &[String], binary: bool, first: &str) -> bool {
        let special = match first {
            "crate" | "self" | "super" => true,
            LIBRARY => binary,
            name => self.is_child(scope, name),
        };
        !special
            && self
                .aliases
                .get(scope)
                .is_some_and(|names| names.contains_key(first))
    }

    fn is_child(&self, scope: &[String], name: &str) -> bool {
        self.modules
            .children
            .get(scope)
            .is_some_and(|children| children.contains(name))
    }

    /// `name::rest` where `use` bound `name` in `scope`.
    fn through_alias(
        &self,
        scope: &[String],
        binary: bool,
        name: &str,
        rest: &[String],
        depth: usize,
    ) -> Option<Vec<String>> {
        // Bounded: `use` declarations can name each other in a loop in code that does not build.
        if depth > 8 {
            return None;
        }
        let target = self.aliases.get(scope)?.get(name)?;
        let mut resolved = self.absolute(scope, binary, target, depth + 1)?;
        resolved.extend(rest.iter().cloned());
        Some(resolved)
    }

    /// The file of the longest module path `path` starts with.
    fn file_of(&self, path: &[String]) -> Option<usize> {
        (1..=path.len())
            .rev()
            .find_map(|end| self.files.get(&path[..end]).copied())
    }
}

// ------------------------------------------------------------------------------------------
// Reading one file: tokens, then declarations and paths

mod parse {
    //! Finds the `mod` declarations, `use` bindings and paths of one file, leaving out
    //! `#[cfg(test)]` items.

    use super::lex::{Token, tokenize};

    /// What one file declares and names.
    #[derive(Debug, Default)]
    pub struct Parsed {
        /// Modules declared in the file, with their own file (`mod x;`) or inline.
        pub modules: Vec<ModuleDecl>,
        /// Module scopes that say `#![cfg(test)]`.
        pub test_scopes: Vec<Vec<String>>,
        /// Names bound by `use`, to resolve the paths that start with them.
        pub aliases: Vec<Alias>,
        /// Every path of two or more segments outside test code, and every `use` leaf.
        pub paths: Vec<RawPath>,
    }

    #[derive(Debug)]
    pub struct ModuleDecl {
        /// From the crate root.
        pub path: Vec<String>,
        /// No visibility, or `pub(self)`.
        pub private: bool,
        pub test_only: bool,
    }

    #[derive(Debug)]
    pub struct Alias {
        pub scope: Vec<String>,
        pub name: String,
        /// As written, relative to `scope`.
        pub target: Vec<String>,
    }

    #[derive(Debug)]
    pub struct RawPath {
        /// The module it is written in.
        pub scope: Vec<String>,
        pub segments: Vec<String>,
        pub line: u32,
        pub written: String,
    }

    /// Parses the file of module `module` (`[]` for the crate root).
    pub fn parse(text: &str, module: &[String]) -> Parsed {
        let tokens = tokenize(text);
        let mut walker = Walker {
            tokens: &tokens,
            pos: 0,
            out: Parsed::default(),
        };
        walker.block(module, true);
        walker.out
    }

    /// How far an item skipped after `#[cfg(test)]` goes.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum End {
        /// `let`, `const`, `static`, `type`, `use`: up to `;` (`const X: T = { … };`).
        Semicolon,
        /// Other items: `;` or the end of their block.
        SemicolonOrBlock,
        /// Fields, variants, match arms, expressions: also a `,`.
        Any,
    }

    /// A cursor over the tokens of one file.
    struct Walker<'t> {
        tokens: &'t [Token],
        pos: usize,
        out: Parsed,
    }

    /// The segments of a `use` tree leaf.
    struct UseLeaf {
        segments: Vec<String>,
        glob: bool,
        /// The name it binds (`None` for a glob or `as _`).
        binding: Option<String>,
        line: u32,
    }

    impl<'t> Walker<'t> {
        fn at(&self, ahead: usize) -> Option<&'t Token> {
            self.tokens.get(self.pos + ahead)
        }

        fn punct_at(&self, ahead: usize, c: char) -> bool {
            self.at(ahead).is_some_and(|token| token.is_punct(c))
        }

        fn keyword_at(&self, ahead: usize, word: &str) -> bool {
            self.at(ahead).is_some_and(|token| token.is_keyword(word))
        }

        fn is_ident_at(&self, ahead: usize) -> bool {
            self.at(ahead).and_then(Token::ident).is_some()
        }

        fn ident_at(&self, ahead: usize) -> Option<String> {
            self.at(ahead).and_then(Token::ident).map(str::to_owned)
        }

        /// Walks a block (a module's, a function's, an `impl`'s…) up to its closing brace.
        fn block(&mut self, scope: &[String], module_block: bool) {
            while let Some(token) = self.at(0) {
                if token.is_punct('}') {
                    self.pos += 1;
                    return;
                } else if token.is_punct('#') {
                    if self.attribute(scope, module_block) {
                        return;
                    }
                } else if token.is_keyword("mod") {
                    self.module(scope, false);
                } else if token.is_keyword("use") {
                    self.use_declaration(scope);
                } else if token.is_punct('{') {
                    self.pos += 1;
                    self.block(scope, false);
                } else if self.at_restricted_visibility() {
                    // `pub(in crate::x)` names a module to restrict visibility, not to use it.
                    self.pos = self.matching(self.pos + 1) + 1;
                } else if self.at_path_start() {
                    self.inline_path(scope);
                } else {
                    self.pos += 1;
                }
            }
        }

        /// At `#`: skips what `#[cfg(test)]` marks and lets other attributes be walked as
        /// code. Returns whether the block ended (`#![cfg(test)]` marks the rest of it).
        fn attribute(&mut self, scope: &[String], module_block: bool) -> bool {
            let inner = self.punct_at(1, '!');
            let open = self.pos + 1 + usize::from(inner);
            if !self
                .tokens
                .get(open)
                .is_some_and(|token| token.is_punct('['))
            {
                self.pos += 1;
                return false;
            }
            let close = self.matching(open);
            if !is_cfg_test(&self.tokens[open + 1..close]) {
                self.pos += 1;
                return false;
            }
            self.pos = close + 1;
            if inner {
                if module_block {
                    self.out.test_scopes.push(scope.to_vec());
                }
                self.skip_to_block_end();
                return true;
            }
            self.skip_item(scope);
            false
        }

        /// At `pub(crate)`, `pub(self)`, `pub(super)` or `pub(in path)` (not at `pub (A, B)`,
        /// a public field of tuple type).
        fn at_restricted_visibility(&self) -> bool {
            let simple = ["crate", "self", "super"]
                .iter()
                .any(|word| self.keyword_at(2, word))
                && self.punct_at(3, ')');
            self.keyword_at(0, "pub")
                && self.punct_at(1, '(')
                && (simple || self.keyword_at(2, "in"))
        }

        /// At `mod`: `mod x;` declares a module with its own file, `mod x { … }` an inline one.
        fn module(&mut self, scope: &[String], test_only: bool) {
            let Some(name) = self.ident_at(1) else {
                self.pos += 1;
                return;
            };
            let (semicolon, brace) = (self.punct_at(2, ';'), self.punct_at(2, '{'));
            if !semicolon && !brace {
                self.pos += 1;
                return;
            }
            let mut path = scope.to_vec();
            path.push(name);
            self.out.modules.push(ModuleDecl {
                path: path.clone(),
                private: self.is_private(self.pos),
                test_only,
            });
            self.pos += 2;
            if semicolon {
                self.pos += 1;
            } else if test_only {
                self.pos = self.matching(self.pos) + 1;
            } else {
                self.pos += 1;
                self.block(&path, true);
            }
        }

        /// Whether the `mod` at `at` is private: no visibility before it, or `pub(self)`.
        fn is_private(&self, at: usize) -> bool {
            let before = &self.tokens[..at];
            match before.last() {
                Some(last) if last.is_keyword("pub") => false,
                Some(last) if last.is_punct(')') => {
                    // `pub(crate)`, `pub(super)`, `pub(in path)`, or `pub(self)`: private.
                    let Some(open) = before.iter().rposition(|token| token.is_punct('(')) else {
                        return true;
                    };
                    let restricted = open > 0 && before[open - 1].is_keyword("pub");
                    let inside = &before[open + 1..before.len() - 1];
                    !restricted || matches!(inside, [word] if word.is_keyword("self"))
                }
                _ => true,
            }
        }

        /// At `use`: records each leaf of the tree as a path, and the name it binds.
        fn use_declaration(&mut self, scope: &[String]) {
            self.pos += 1;
            // `use ::name::…` can only name another crate.
            let external = self.at(0).is_some_and(Token::is_path_sep);
            let mut leaves = Vec::new();
            self.use_tree(Vec::new(), &mut leaves);
            while let Some(token) = self.at(0) {
                self.pos += 1;
                if token.is_punct(';') {
                    break;
                }
            }
            if external {
                return;
            }
            for leaf in leaves {
                let mut written = leaf.segments.join("::");
                if leaf.glob {
                    written.push_str("::*");
                }
                if let Some(name) = leaf.binding {
                    self.out.aliases.push(Alias {
                        scope: scope.to_vec(),
                        name,
                        target: leaf.segments.clone(),
                    });
                }
                self.out.paths.push(RawPath {
                    scope: scope.to_vec(),
                    segments: leaf.segments,
                    line: leaf.line,
                    written,
                });
            }
        }

        /// One `use` tree: `a::b`, `a::b as c`, `a::*`, `a::{…}`, each after `prefix`.
        fn use_tree(&mut self, mut prefix: Vec<String>, leaves: &mut Vec<UseLeaf>) {
            loop {
                let Some(token) = self.at(0) else { return };
                let line = token.line;
                if token.is_punct('{') {
                    self.pos += 1;
                    self.use_group(&prefix, leaves);
                    return;
                }
                if token.is_punct('*') {
                    self.pos += 1;
                    let glob = true;
                    leaves.push(UseLeaf {
                        segments: prefix,
                        glob,
                        binding: None,
                        line,
                    });
                    return;
                }
                let Some(name) = token.ident() else { return };
                prefix.push(name.to_owned());
                self.pos += 1;
                if self.at(0).is_some_and(Token::is_path_sep) {
                    self.pos += 1;
                    continue;
                }
                // `self` in a group names the prefix itself: `use a::{self, b}` binds `a`.
                if prefix.last().is_some_and(|last| last == "self") {
                    prefix.pop();
                }
                let mut binding = prefix.last().cloned();
                if self.keyword_at(0, "as") {
                    binding = self.ident_at(1).filter(|name| name != "_");
                    self.pos += 2;
                }
                leaves.push(UseLeaf {
                    segments: prefix,
                    glob: false,
                    binding,
                    line,
                });
                return;
            }
        }

        /// The trees of `{ a, b::c, … }`, after the `{`.
        fn use_group(&mut self, prefix: &[String], leaves: &mut Vec<UseLeaf>) {
            while let Some(token) = self.at(0) {
                if token.is_punct('}') {
                    self.pos += 1;
                    return;
                }
                let before = self.pos;
                self.use_tree(prefix.to_vec(), leaves);
                if self.punct_at(0, ',') || self.pos == before {
                    self.pos += 1; // a comma, or a token no tree starts with
                }
            }
        }

        /// `a::b`, not preceded by `::` (that is the tail of a path already read, or a path
        /// to another crate: `::std::…`).
        fn at_path_start(&self) -> bool {
            self.is_ident_at(0)
                && self.at(1).is_some_and(Token::is_path_sep)
                && self.is_ident_at(2)
                && !(self.pos > 0 && self.tokens[self.pos - 1].is_path_sep())
        }

        /// Reads `a::b::c` (stopping at `::<`) as one path.
        fn inline_path(&mut self, scope: &[String]) {
            let line = self.at(0).map_or(0, |token| token.line);
            let mut segments = Vec::new();
            while let Some(name) = self.ident_at(0) {
                segments.push(name);
                self.pos += 1;
                if !(self.at(0).is_some_and(Token::is_path_sep) && self.is_ident_at(1)) {
                    break;
                }
                self.pos += 1;
            }
            self.out.paths.push(RawPath {
                scope: scope.to_vec(),
                written: segments.join("::"),
                segments,
                line,
            });
        }

        /// Skips the item after `#[cfg(test)]` (and its other attributes). A `mod` is still
        /// recorded, as test-only, so that its file is left out too.
        fn skip_item(&mut self, scope: &[String]) {
            while self.punct_at(0, '#') && self.punct_at(1, '[') {
                self.pos = self.matching(self.pos + 1) + 1;
            }
            if self.at_restricted_visibility() {
                self.pos = self.matching(self.pos + 1) + 1;
            } else if self.keyword_at(0, "pub") {
                self.pos += 1;
            }
            if self.keyword_at(0, "mod") {
                self.module(scope, true);
                return;
            }
            let end = item_end(&self.tokens[self.pos..]);
            let mut depth = 0usize;
            while let Some(token) = self.at(0) {
                if token.is_punct('(') || token.is_punct('[') || token.is_punct('{') {
                    depth += 1;
                } else if token.is_punct(')') || token.is_punct(']') || token.is_punct('}') {
                    if depth == 0 {
                        return; // the end of the enclosing group: not this item's
                    }
                    depth -= 1;
                    if depth == 0 && token.is_punct('}') && end != End::Semicolon {
                        self.pos += 1;
                        return;
                    }
                } else if depth == 0
                    && (token.is_punct(';') || (token.is_punct(',') && end == End::Any))
                {
                    self.pos += 1;
                    return;
                }
                self.pos += 1;
            }
        }

        /// Skips to the end of the enclosing block, its `}` included.
        fn skip_to_block_end(&mut self) {
            let mut depth = 0usize;
            while let Some(token) = self.at(0) {
                self.pos += 1;
                if token.is_punct('{') {
                    depth += 1;
                } else if token.is_punct('}') {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                }
            }
        }

        /// The index of the bracket closing the one at `open` (or the last token).
        fn matching(&self, open: usize) -> usize {
            let mut depth = 0usize;
            for (index, token) in self.tokens.iter().enumerate().skip(open) {
                if token.is_punct('(') || token.is_punct('[') || token.is_punct('{') {
                    depth += 1;
                } else if token.is_punct(')') || token.is_punct(']') || token.is_punct('}') {
                    depth -= 1;
                    if depth == 0 {
                        return index;
                    }
                }
            }
            self.tokens.len().saturating_sub(1)
        }
    }

    /// How the item that `tokens` start with ends.
    fn item_end(tokens: &[Token]) -> End {
        const SEMICOLON: &[&str] = &["let", "const", "static", "type", "use"];
        const ITEM: &[&str] = &[
            "fn",
            "struct",
            "enum",
            "union",
            "impl",
            "trait",
            "extern",
            "async",
            "unsafe",
            "macro_rules",
        ];
        let is_any = |token: Option<&Token>, words: &[&str]| {
            token.is_some_and(|token| words.iter().any(|word| token.is_keyword(word)))
        };
        // `const fn` (and `const unsafe fn`…) is a function, not a constant.
        if is_any(tokens.first(), SEMICOLON) && !is_any(tokens.get(1), ITEM) {
            End::Semicolon
        } else if is_any(tokens.first(), ITEM) || is_any(tokens.first(), SEMICOLON) {
            End::SemicolonOrBlock
        } else {
            End::Any
        }
    }

    /// Whether an attribute's contents are `cfg(test)`, or a `cfg(all(…))` with `test` in it.
    fn is_cfg_test(attribute: &[Token]) -> bool {
        match attribute {
            [cfg, open, predicate @ .., close]
                if cfg.is_keyword("cfg") && open.is_punct('(') && close.is_punct(')') =>
            {
                is_test_predicate(predicate)
            }
            _ => false,
        }
    }

    fn is_test_predicate(predicate: &[Token]) -> bool {
        match predicate {
            [test] => test.is_keyword("test"),
            [all, open, arguments @ .., close]
                if all.is_keyword("all") && open.is_punct('(') && close.is_punct(')') =>
            {
                split_arguments(arguments).any(is_test_predicate)
            }
            _ => false,
        }
    }

    /// The comma-separated arguments of a `cfg` predicate, nested parentheses kept whole.
    fn split_arguments(tokens: &[Token]) -> impl Iterator<Item = &[Token]> {
        let mut depth = 0usize;
        tokens.split(move |token| {
            if token.is_punct('(') {
                depth += 1;
            } else if token.is_punct(')') {
                depth = depth.saturating_sub(1);
            }
            depth == 0 && token.is_punct(',')
        })
    }
}

mod lex {
    //! Rust source as the tokens the import parser needs: identifiers, `::` and punctuation.
    //! Comments, string and char literals, lifetimes and numbers are dropped, so nothing in
    //! them is read as code.

    /// One token and the line it starts on.
    #[derive(Debug)]
    pub struct Token {
        pub kind: Kind,
        pub line: u32,
    }

    #[derive(Debug, PartialEq, Eq)]
    pub enum Kind {
        /// An identifier or keyword. A raw identifier (`r#mod`) is never a keyword.
        Ident { name: String, raw: bool },
        /// `::`
        PathSep,
        /// Any other punctuation, one character at a time.
        Punct(char),
    }

    impl Token {
        pub fn ident(&self) -> Option<&str> {
            match &self.kind {
                Kind::Ident { name, .. } => Some(name),
                _ => None,
            }
        }

        pub fn is_keyword(&self, word: &str) -> bool {
            matches!(&self.kind, Kind::Ident { name, raw: false } if name == word)
        }

        pub fn is_punct(&self, c: char) -> bool {
            self.kind == Kind::Punct(c)
        }

        pub fn is_path_sep(&self) -> bool {
            self.kind == Kind::PathSep
        }
    }

    /// The tokens of `text`.
    pub fn tokenize(text: &str) -> Vec<Token> {
        let mut lexer = Lexer {
            chars: text.chars().collect(),
            pos: 0,
            line: 1,
            tokens: Vec::new(),
        };
        lexer.run();
        lexer.tokens
    }

    struct Lexer {
        chars: Vec<char>,
        pos: usize,
        line: u32,
        tokens: Vec<Token>,
    }

    fn is_ident_start(c: char) -> bool {
        c == '_' || c.is_alphabetic()
    }

    fn is_ident_continue(c: char) -> bool {
        c == '_' || c.is_alphanumeric()
    }

    impl Lexer {
        fn peek(&self, ahead: usize) -> Option<char> {
            self.chars.get(self.pos + ahead).copied()
        }

        fn bump(&mut self) {
            if self.peek(0) == Some('\n') {
                self.line += 1;
            }
            self.pos += 1;
        }

        fn push(&mut self, kind: Kind, line: u32) {
            self.tokens.push(Token { kind, line });
        }

        fn run(&mut self) {
            while let Some(c) = self.peek(0) {
                match (c, self.peek(1)) {
                    ('/', Some('/')) => self.line_comment(),
                    ('/', Some('*')) => self.block_comment(),
                    ('"', _) => self.string(),
                    ('\'', _) => self.quote(),
                    (':', Some(':')) => {
                        self.push(Kind::PathSep, self.line);
                        self.pos += 2;
                    }
                    _ if c.is_ascii_digit() => self.number(),
                    _ if is_ident_start(c) => self.word(),
                    _ if c.is_whitespace() => self.bump(),
                    _ => {
                        self.push(Kind::Punct(c), self.line);
                        self.pos += 1;
                    }
                }
            }
        }

        fn line_comment(&mut self) {
            while self.peek(0).is_some_and(|c| c != '\n') {
                self.bump();
            }
        }

        /// Block comments nest in Rust: `/* a /* b */ c */` is one comment.
        fn block_comment(&mut self) {
            let mut depth = 0usize;
            while let Some(c) = self.peek(0) {
                match (c, self.peek(1)) {
                    ('/', Some('*')) => {
                        depth += 1;
                        self.pos += 2;
                    }
                    ('*', Some('/')) => {
                        depth -= 1;
                        self.pos += 2;
                        if depth == 0 {
                            return;
                        }
                    }
                    _ => self.bump(),
                }
            }
        }

        /// A string with escapes, from its opening quote (a `b` or `c` prefix is a separate
        /// identifier token, which is harmless).
        fn string(&mut self) {
            self.bump();
            while let Some(c) = self.peek(0) {
                self.bump();
                match c {
                    '\\' => self.bump(),
                    '"' => return,
                    _ => {}
                }
            }
        }

        /// A raw string from its first `#` (or its quote when there is none): no escapes, it
        /// ends at a quote followed by as many `#` as it opened with.
        fn raw_string(&mut self) {
            let mut hashes = 0;
            while self.peek(0) == Some('#') {
                hashes += 1;
                self.pos += 1;
            }
            self.bump(); // the opening quote
            while let Some(c) = self.peek(0) {
                self.bump();
                if c == '"' && (0..hashes).all(|i| self.peek(i) == Some('#')) {
                    self.pos += hashes;
                    return;
                }
            }
        }

        /// A char literal (`'a'`, `'\''`, `'\u{e9}'`) or a lifetime or label (`'a`).
        fn quote(&mut self) {
            if self.peek(1) == Some('\\') {
                self.pos += 2;
                self.bump(); // the escaped character, which may be a quote
                while self.peek(0).is_some_and(|c| c != '\'') {
                    self.bump();
                }
                self.pos += 1;
            } else if self.peek(2) == Some('\'') {
                self.bump();
                self.bump();
                self.pos += 1;
            } else {
                self.pos += 1;
                while self.peek(0).is_some_and(is_ident_continue) {
                    self.pos += 1;
                }
            }
        }

        /// Digits, suffixes and the like (`0x1F`, `1_000u64`): nothing a path is made of.
        fn number(&mut self) {
            while self.peek(0).is_some_and(is_ident_continue) {
                self.pos += 1;
            }
        }

        /// An identifier, or the prefix of a raw string (`r"…"`, `br#"…"#`) or raw
        /// identifier (`r#type`).
        fn word(&mut self) {
            let (start, line) = (self.pos, self.line);
            while self.peek(0).is_some_and(is_ident_continue) {
                self.pos += 1;
            }
            let name: String = self.chars[start..self.pos].iter().collect();
            let raw_prefix = matches!(name.as_str(), "r" | "br" | "cr");
            if raw_prefix && self.raw_string_ahead() {
                self.raw_string();
            } else if name == "r"
                && self.peek(0) == Some('#')
                && self.peek(1).is_some_and(is_ident_start)
            {
                self.pos += 1;
                let start = self.pos;
                while self.peek(0).is_some_and(is_ident_continue) {
                    self.pos += 1;
                }
                let name = self.chars[start..self.pos].iter().collect();
                self.push(Kind::Ident { name, raw: true }, line);
            } else {
                self.push(Kind::Ident { name, raw: false }, line);
            }
        }

        /// Whether `#…#"` or `"` follows.
        fn raw_string_ahead(&self) -> bool {
            let hashes = self.chars[self.pos..]
                .iter()
                .take_while(|&&c| c == '#')
                .count();
            self.peek(hashes) == Some('"')
        }
    }
}
