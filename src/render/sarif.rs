//! `--format sarif`: SARIF 2.1.0 (OASIS), the format code-scanning tools read (GitHub code
//! scanning, GitLab, Azure DevOps). One result per finding, with the rule id, level, message
//! and fix; a finding from a zone or `--expect` file has a physical location (the file as a
//! relative URI, and the line), so a pull request's changed line is annotated; the other
//! findings name the domain as a logical location. Every rule is described in the tool's
//! driver with its summary, its rationale and its fix (what `mailcheck explain` says).

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::diagnostic::Severity;
use crate::finding::Finding;
use crate::rules::RULES;

/// The schema a SARIF 2.1.0 log names.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Writes one SARIF log of `results`: each finding with the name it is about (a domain, or
/// `spf record` in record mode).
pub fn render(results: &[(String, Finding)], out: &mut dyn Write) -> io::Result<()> {
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver()},
            "results": results.iter().map(|(name, finding)| result(name, finding)).collect::<Vec<_>>(),
            "columnKind": "unicodeCodePoints",
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::other)?;
    writeln!(out)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The tool and every rule it has.
fn driver() -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            let references = rule.references.join(", ");
            let mut described = json!({
                "id": rule.id,
                "name": rule.id,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.rationale},
                "help": {
                    "text": format!("{}\n\nFix: {}\n\nReferences: {references}", rule.rationale, rule.fix),
                },
                "defaultConfiguration": {"level": level(rule.severity)},
                "properties": {"references": rule.references, "section": rule.section},
            });
            if let Some(uri) = help_uri() {
                described["helpUri"] = json!(uri);
            }
            described
        })
        .collect();
    json!({
        "name": "mailcheck",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    })
}

/// Where a rule is documented: the README's list of rules in the project's repository (the
/// `repository` of Cargo.toml). None (left out of the rule) while the project has none: a
/// help URI must be absolute, and no address is invented.
fn help_uri() -> Option<String> {
    let repository = env!("CARGO_PKG_REPOSITORY");
    (!repository.is_empty()).then(|| format!("{repository}#what-it-checks"))
}

/// One finding as a SARIF result.
fn result(name: &str, finding: &Finding) -> Value {
    let index = RULES.iter().position(|rule| rule.id == finding.rule);
    let mut result = json!({
        "ruleId": finding.rule,
        "level": level(finding.severity),
        "message": {"text": format!("{name}: {}: {}\nFix: {}", finding.subject, finding.message, finding.fix)},
        "properties": {"domain": name, "subject": finding.subject, "fix": finding.fix},
    });
    if let Some(index) = index {
        result["ruleIndex"] = json!(index);
    }
    let mut location = json!({
        "logicalLocations": [{"name": name, "kind": "namespace"}],
    });
    if let Some(at) = &finding.location {
        let mut region = json!({"startLine": at.line});
        if let Some(column) = at.column {
            region["startColumn"] = json!(column);
        }
        location["physicalLocation"] = json!({
            "artifactLocation": {"uri": relative_uri(&at.file)},
            "region": region,
        });
    }
    result["locations"] = json!([location]);
    result
}

/// A file as a URI relative to the current directory (where code scanning runs: the
/// repository's root): `/` separators, and every byte other than unreserved characters and
/// `/` percent-encoded (RFC 3986 §2).
fn relative_uri(file: &str) -> String {
    let here = std::env::current_dir().ok();
    let path = std::path::Path::new(file);
    let relative = here
        .as_deref()
        .and_then(|here| path.strip_prefix(here).ok())
        .unwrap_or(path);
    let text = relative.to_string_lossy();
    let text = text.strip_prefix("./").unwrap_or(&text);
    let mut uri = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            uri.push(char::from(byte));
        } else {
            let _ = write!(uri, "%{byte:02X}");
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_relative_percent_encoded_uris() {
        assert_eq!(
            relative_uri("./zones/db.example.com"),
            "zones/db.example.com"
        );
        assert_eq!(relative_uri("zones/my zone%.txt"), "zones/my%20zone%25.txt");
    }
}
