//! The rule registry cannot drift: the registry (`RULES`), `mailcheck explain` (human and JSON)
//! and the README's rule table list the same rules with the same default severities, and every
//! rule is documented well enough to explain.
//!
//! Everything is read from the real binary (`mailcheck explain --format json`, the form users
//! and scripts see) and from `README.md`. Only [`registry`] names a library path: `src/` is
//! being reorganised, and a move should cost this file one line.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output};

use serde_json::Value;

/// A rule as one listing gives it: its id and, where the listing shows one, its default
/// severity (lower case, as in JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    id: String,
    severity: Option<String>,
}

/// The registry, in its order. The one place this file names the library.
fn registry() -> Vec<Listed> {
    mailcheck::rules::RULES
        .iter()
        .map(|rule| Listed {
            id: rule.id.to_owned(),
            severity: Some(rule.severity.to_string()),
        })
        .collect()
}

/// Runs the real binary with `args`, without colour (so the text can be parsed) and without
/// the environment variables that would turn it back on.
fn mailcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailcheck"))
        .args(["--color", "never"])
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("the mailcheck binary runs")
}

/// The rules as `mailcheck explain --format json` prints them: one object per rule.
fn explain_json() -> Vec<Value> {
    let output = mailcheck(&["explain", "--format", "json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "explain --format json failed"
    );
    let json: Value = serde_json::from_slice(&output.stdout).expect("explain prints JSON");
    json.as_array().expect("a list of rules").clone()
}

/// The text field `key` of a rule's JSON, or "" when it is missing (reported as empty).
fn text<'a>(rule: &'a Value, key: &str) -> &'a str {
    rule[key].as_str().unwrap_or_default()
}

/// What is wrong with `listed` (from `source`) against the registry `expected`: ids missing,
/// extra or listed twice, severities that differ, and with `in_order`, the first id out of
/// the registry's order. One line per problem, naming the id.
fn drift(source: &str, listed: &[Listed], expected: &[Listed], in_order: bool) -> Vec<String> {
    let wanted: BTreeMap<&str, &Option<String>> = expected
        .iter()
        .map(|rule| (rule.id.as_str(), &rule.severity))
        .collect();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for rule in listed {
        if !seen.insert(rule.id.as_str()) {
            problems.push(format!("{source}: {} is listed more than once", rule.id));
            continue;
        }
        match wanted.get(rule.id.as_str()) {
            None => problems.push(format!("{source}: {} is not in the registry", rule.id)),
            // A listing without severities (None) has nothing to compare.
            Some(Some(severity)) if rule.severity.as_ref().is_some_and(|s| s != severity) => {
                problems.push(format!(
                    "{source}: {} has severity {}, the registry says {severity}",
                    rule.id,
                    rule.severity.as_deref().unwrap_or_default()
                ));
            }
            Some(_) => {}
        }
    }
    for id in wanted.keys().filter(|id| !seen.contains(*id)) {
        problems.push(format!("{source}: {id} is missing"));
    }
    if in_order && problems.is_empty() {
        let out_of_order = listed
            .iter()
            .zip(expected)
            .find(|(got, want)| got.id != want.id);
        if let Some((got, want)) = out_of_order {
            problems.push(format!(
                "{source}: {} is listed where the registry has {} (not in registry order)",
                got.id, want.id
            ));
        }
    }
    problems
}

/// Fails with every problem, one per line, if there is any.
fn assert_none(problems: &[String]) {
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn explain_json_lists_the_registry_in_order() {
    let listed: Vec<Listed> = explain_json()
        .iter()
        .map(|rule| Listed {
            id: text(rule, "id").to_owned(),
            severity: Some(text(rule, "severity").to_owned()),
        })
        .collect();
    assert_none(&drift("explain --format json", &listed, &registry(), true));
}

/// The rules of the human list: each indented line is `SEVERITY  ID  SUMMARY`; section titles
/// and the closing hint are not indented.
fn human_list(text: &str) -> Vec<Listed> {
    text.lines()
        .filter(|line| line.starts_with(char::is_whitespace))
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let severity = words.next()?.to_owned();
            let id = words.next()?.to_owned();
            Some(Listed {
                id,
                severity: Some(severity),
            })
        })
        .collect()
}

#[test]
fn explain_lists_the_registry_in_order() {
    let output = mailcheck(&["explain"]);
    assert_eq!(output.status.code(), Some(0), "explain failed");
    let listed = human_list(&String::from_utf8_lossy(&output.stdout));
    assert_none(&drift("explain", &listed, &registry(), true));
}

#[test]
fn explain_explains_every_rule() {
    let mut problems = Vec::new();
    for rule in registry() {
        let output = mailcheck(&["explain", &rule.id]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        // The page starts with the rule's id: `ID (SECTION, default severity S)`.
        if output.status.code() != Some(0) || !stdout.starts_with(&format!("{} ", rule.id)) {
            problems.push(format!(
                "explain {}: exit {:?}, {:?}",
                rule.id,
                output.status.code(),
                stdout.lines().next().unwrap_or("no output")
            ));
        }
    }
    assert_none(&problems);
}

#[test]
fn explain_rejects_an_unknown_rule() {
    let output = mailcheck(&["explain", "no-such-rule"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Exit 2 is the input-error code, with one clear line, as for every other bad input.
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("unknown rule \"no-such-rule\""), "{stderr}");
    assert!(output.stdout.is_empty());
}

/// Whether `id` is kebab-case: lower-case ASCII words of letters and digits, joined by single
/// hyphens.
fn is_kebab_case(id: &str) -> bool {
    id.split('-').all(|word| {
        !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}

/// What is wrong with one rule's documentation, as `explain` prints it.
fn documentation_problems(rule: &Value) -> Vec<String> {
    let id = text(rule, "id");
    let mut problems = Vec::new();
    if !is_kebab_case(id) {
        problems.push(format!("{id:?} is not kebab-case"));
    }
    if !matches!(text(rule, "severity"), "error" | "warning" | "info") {
        problems.push(format!(
            "{id}: severity {:?} is not a level",
            rule["severity"]
        ));
    }
    for field in ["summary", "rationale", "fix"] {
        let value = text(rule, field).trim();
        if value.is_empty() {
            problems.push(format!("{id}: empty {field}"));
        } else if !value.ends_with('.') {
            problems.push(format!("{id}: {field} does not end with a full stop"));
        }
    }
    if !text(rule, "summary").starts_with(char::is_uppercase) {
        problems.push(format!("{id}: summary does not start with a capital"));
    }
    let references = rule["references"].as_array().map_or(&[][..], Vec::as_slice);
    let blank = |reference: &Value| reference.as_str().unwrap_or_default().trim().is_empty();
    if references.is_empty() || references.iter().any(blank) {
        problems.push(format!("{id}: no references, or an empty one"));
    }
    problems
}

#[test]
fn every_rule_is_unique_and_documented() {
    // The JSON lists the registry (explain_json_lists_the_registry_in_order), so checking it
    // checks the registry as users read it.
    let rules = explain_json();
    let mut problems: Vec<String> = rules.iter().flat_map(documentation_problems).collect();
    let mut ids = BTreeSet::new();
    for rule in &rules {
        if !ids.insert(text(rule, "id")) {
            problems.push(format!(
                "{} is used by more than one rule",
                text(rule, "id")
            ));
        }
    }
    assert_none(&problems);
}

/// The lines of the README section titled `title`, up to the next heading of the same or a
/// higher level; `#` lines inside code blocks are not headings.
fn readme_section<'a>(readme: &'a str, title: &str) -> Vec<&'a str> {
    let mut lines = Vec::new();
    let mut level = None;
    let mut in_code = false;
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        let depth = line.chars().take_while(|&c| c == '#').count();
        let heading = !in_code && depth > 0 && line[depth..].starts_with(' ');
        match level {
            Some(open) if heading && depth <= open => break,
            Some(_) => lines.push(line),
            None if heading && line[depth..].trim() == title => level = Some(depth),
            None => {}
        }
    }
    assert!(level.is_some(), "README.md has no section titled {title:?}");
    lines
}

/// The cells of a Markdown table row. A `|` inside backticks or escaped as `\|` is text.
fn cells(row: &str) -> Vec<String> {
    let row = row.trim();
    let row = row.strip_prefix('|').unwrap_or(row);
    let row = row.strip_suffix('|').unwrap_or(row);
    let mut cells = vec![String::new()];
    let (mut in_code, mut escaped) = (false, false);
    for c in row.chars() {
        let cell = cells.last_mut().expect("one cell at least");
        match c {
            '|' if !in_code && !escaped => cells.push(String::new()),
            _ => {
                in_code ^= c == '`';
                cell.push(c);
            }
        }
        escaped = c == '\\';
    }
    cells.iter().map(|cell| cell.trim().to_owned()).collect()
}

/// The rules of the first table in `section`: the ids of its "Rule" or "Rules" column (comma
/// separated, backticks dropped), each with the row's "Severity" if the table has that
/// column. Any other text in the column comes out as an id, so it fails as an unknown one
/// rather than being skipped.
fn readme_rules(section: &[&str]) -> Vec<Listed> {
    let table: Vec<Vec<String>> = section
        .iter()
        .skip_while(|line| !line.trim_start().starts_with('|'))
        .take_while(|line| line.trim_start().starts_with('|'))
        .map(|line| cells(line))
        .collect();
    let (header, rows) = table.split_first().expect("the section has a table");
    let column = |names: &[&str]| {
        header
            .iter()
            .position(|cell| names.contains(&cell.to_lowercase().as_str()))
    };
    let rules = column(&["rule", "rules"]).expect("the table has a Rule or Rules column");
    let severity = column(&["severity", "default severity"]);
    // The first row under the header is the delimiter (`|---|---|`).
    rows.iter()
        .skip(1)
        .flat_map(|row| {
            let cell = |index: usize| row.get(index).map_or("", String::as_str);
            let severity = severity
                .map(|index| cell(index).trim_matches(['*', '`', ' ']).to_lowercase())
                .filter(|severity| !severity.is_empty());
            cell(rules)
                .replace('`', "")
                .split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(|id| Listed {
                    id: id.to_owned(),
                    severity: severity.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn readme_table_lists_every_rule() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let listed = readme_rules(&readme_section(&readme, "What it checks"));
    // The table groups rules by section, not in registry order.
    assert_none(&drift("README.md", &listed, &registry(), false));
}

#[test]
fn the_readme_reader_sees_columns_ids_and_severities() {
    let section = [
        "Intro with a `|` in code.",
        "",
        "| Rule | Severity | Note |",
        "|:---|---|---|",
        "| `a-b` | **Error** | x \\| y |",
        "| `c`, `d-e` |  | `p|q` |",
        "",
        "| Other | Table |",
    ];
    let listed = readme_rules(&section);
    let severity = |id: &str| {
        listed
            .iter()
            .find(|rule| rule.id == id)
            .unwrap()
            .severity
            .clone()
    };
    assert_eq!(
        listed
            .iter()
            .map(|rule| rule.id.as_str())
            .collect::<Vec<_>>(),
        ["a-b", "c", "d-e"]
    );
    assert_eq!(severity("a-b").as_deref(), Some("error"));
    assert_eq!(severity("c"), None);
    assert_eq!(cells("| `p|q` | x \\| y |"), ["`p|q`", "x \\| y"]);
}

#[test]
fn drift_names_each_missing_extra_repeated_and_mismatched_id() {
    let rule = |id: &str, severity: Option<&str>| Listed {
        id: id.to_owned(),
        severity: severity.map(str::to_owned),
    };
    let expected = [
        rule("a", Some("error")),
        rule("b", Some("info")),
        rule("c", Some("info")),
    ];
    let listed = [
        rule("a", Some("warning")),
        rule("x", None),
        rule("x", None),
        rule("c", None),
    ];
    assert_eq!(
        drift("T", &listed, &expected, true),
        [
            "T: a has severity warning, the registry says error",
            "T: x is not in the registry",
            "T: x is listed more than once",
            "T: b is missing",
        ]
    );
    let swapped = [rule("b", None), rule("a", None), rule("c", None)];
    assert_eq!(
        drift("T", &swapped, &expected, true),
        ["T: b is listed where the registry has a (not in registry order)"]
    );
    assert!(drift("T", &swapped, &expected, false).is_empty());
}
