//! `--format github`: GitHub Actions workflow commands, one per finding, so that a CI job
//! annotates the run (and, for a finding from a zone file, the file's line in the pull
//! request), and a Markdown summary for the job's page (`$GITHUB_STEP_SUMMARY`).
//!
//! Escaping follows GitHub's runner (`toolkit/packages/core/src/command.ts`): in the message
//! `%`, CR and LF become `%25`, `%0D`, `%0A`; in a property also `:` and `,` become `%3A` and
//! `%2C`. A line break can therefore never start a command of its own, and text from outside
//! (a TXT record holding `::set-env`) is shown, never run. Control characters are escaped
//! first, as everywhere else.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::escape::escape;
use crate::finding::{Finding, Severity};
use crate::report::{AuditStatus, DomainReport, Report};

/// Writes one workflow command per finding of every domain and every record of `report`.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (name, finding) in report.named_findings() {
        writeln!(out, "{}", command(&name, finding))?;
    }
    Ok(())
}

/// Writes one workflow command per finding of one domain.
pub fn render_domain(report: &DomainReport, out: &mut dyn Write) -> io::Result<()> {
    for finding in &report.findings {
        writeln!(out, "{}", command(&report.domain, finding))?;
    }
    Ok(())
}

/// `::error file=F,line=L,title=RULE::DOMAIN: SUBJECT: MESSAGE Fix: FIX`.
fn command(domain: &str, finding: &Finding) -> String {
    let level = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut properties = Vec::new();
    if let Some(location) = &finding.location {
        properties.push(format!("file={}", property(&location.file)));
        properties.push(format!("line={}", location.line));
        if let Some(column) = location.column {
            properties.push(format!("col={column}"));
        }
    }
    properties.push(format!(
        "title={}",
        property(&format!("{} ({domain})", finding.rule))
    ));
    let message = format!(
        "{domain}: {}: {}\nFix: {}",
        finding.subject, finding.message, finding.fix
    );
    format!("::{level} {}::{}", properties.join(","), data(&message))
}

/// A command's message, escaped as GitHub's runner reads it.
pub fn data(text: &str) -> String {
    escape(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value, escaped as GitHub's runner reads it.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Most domains listed in the job summary, and most errors listed per domain: GitHub limits a
/// step's summary to 1 MiB, and a 10,000-domain run's full list is what the annotations and
/// the JSON output are for.
pub const SUMMARY_DOMAINS: usize = 500;
/// Most errors listed per domain in the job summary.
pub const SUMMARY_ERRORS: usize = 10;

/// What the job summary keeps of one domain's report.
#[derive(Clone, Debug)]
pub struct SummaryRow {
    domain: String,
    status: &'static str,
    counts: [usize; 3],
    errors: Vec<(&'static str, String, String)>,
    more_errors: usize,
}

impl SummaryRow {
    /// The row of `report`: its status, counts and first errors.
    pub fn of(report: &DomainReport) -> Self {
        let status = match report.status {
            AuditStatus::Complete if report.summary.errors > 0 => "✖ errors",
            AuditStatus::Complete if report.summary.warnings > 0 => "▲ warnings",
            AuditStatus::Complete => "✔ ok",
            AuditStatus::Incomplete => "? incomplete",
        };
        let errors: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|finding| finding.severity == Severity::Error)
            .collect();
        SummaryRow {
            domain: report.domain.clone(),
            status,
            counts: [
                report.summary.errors,
                report.summary.warnings,
                report.summary.info,
            ],
            more_errors: errors.len().saturating_sub(SUMMARY_ERRORS),
            errors: errors
                .into_iter()
                .take(SUMMARY_ERRORS)
                .map(|finding| {
                    (
                        finding.rule,
                        finding.subject.clone(),
                        finding.message.clone(),
                    )
                })
                .collect(),
        }
    }
}

/// The Markdown summary of a run for the job's page: a table of the domains, then the errors
/// of each; `more` domains were left out past [`SUMMARY_DOMAINS`].
pub fn summary(rows: &[SummaryRow], more: usize) -> String {
    let mut text = String::from(
        "## mailcheck\n\n| Domain | Status | Errors | Warnings | Info |\n|---|---|---:|---:|---:|\n",
    );
    for row in rows {
        let [errors, warnings, info] = row.counts;
        let _ = writeln!(
            text,
            "| {} | {} | {errors} | {warnings} | {info} |",
            markdown(&row.domain),
            row.status,
        );
    }
    if more > 0 {
        let _ = writeln!(
            text,
            "\nand {more} more domains (see the annotations or the JSON output)"
        );
    }
    for row in rows.iter().filter(|row| !row.errors.is_empty()) {
        let _ = writeln!(text, "\n### {}\n", markdown(&row.domain));
        for (rule, subject, message) in &row.errors {
            let _ = writeln!(
                text,
                "- `{rule}` {}: {}",
                markdown(subject),
                markdown(message)
            );
        }
        if row.more_errors > 0 {
            let _ = writeln!(text, "- and {} more errors", row.more_errors);
        }
    }
    text
}

/// Text from outside as Markdown shows it literally: control characters escaped, the
/// characters that make a table cell, a link, HTML or emphasis backslash-escaped.
fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in escape(text).chars() {
        if matches!(
            character,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '(' | ')'
        ) {
            out.push('\\');
        }
        out.push(character);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::zone::ZONE_PARSE_ERROR;

    #[test]
    fn commands_are_escaped_as_the_runner_reads_them() {
        let finding = Finding::new(
            &ZONE_PARSE_ERROR,
            "db.x:3",
            "100% bad\n::set-env name=X::y, a:b",
        )
        .at("zones/db,x:1.zone", 3);
        let line = command("example.com", &finding);
        assert!(
            line.starts_with(
                "::error file=zones/db%2Cx%3A1.zone,line=3,title=zone-parse-error (example.com)::"
            ),
            "{line}"
        );
        assert!(line.contains("100%25 bad"), "{line}");
        // The line break inside the message cannot start a command of its own.
        assert_eq!(line.lines().count(), 1, "{line}");
        assert!(!line.contains("\n::"));
    }

    #[test]
    fn markdown_shows_text_literally() {
        assert_eq!(markdown("a|b <script>"), "a\\|b \\<script\\>");
    }
}
