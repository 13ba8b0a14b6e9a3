//! The human renderer: per domain, one block per section with what was found and what is
//! wrong, each finding with its fix, then a summary line.

use std::io::{self, Write};

use colored::{ColoredString, Colorize};

use super::wrap::wrap;
use crate::escape::escape;
use clap::ValueEnum;

use crate::report::{AuditStatus, DomainReport, LintReport, Report, SpfCheckReport};

use crate::finding::{Example, ExampleKind, Finding, Section, Severity};
use crate::spf::SpfResult;

/// What to show besides the findings.
#[derive(Clone, Copy, Debug, Default)]
pub struct HumanOptions {
    /// Show every DNS query with its outcome and time.
    pub verbose: bool,
}

/// Width that messages are wrapped to, indentation included.
const WIDTH: usize = 100;

/// Writes `report` for a person to read.
pub fn render(report: &Report, options: HumanOptions, out: &mut dyn Write) -> io::Result<()> {
    for (i, domain) in report.domains.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        render_domain(domain, options, out)?;
    }
    for (i, lint) in report.lints.iter().enumerate() {
        if i > 0 || !report.domains.is_empty() {
            writeln!(out)?;
        }
        render_lint(lint, out)?;
    }
    if let Some(check) = &report.spf_check {
        render_spf_check(check, out)?;
    }
    Ok(())
}

/// `mailcheck spf`: the result first, then what decided it, then the trace.
fn render_spf_check(check: &SpfCheckReport, out: &mut dyn Write) -> io::Result<()> {
    let evaluation = &check.evaluation;
    writeln!(
        out,
        "{}",
        format!("SPF check of {} for {}", escape(&check.domain), check.ip)
            .bold()
            .underline()
    )?;
    writeln!(
        out,
        "  sender {}, HELO {}",
        escape(&check.sender),
        escape(&check.helo)
    )?;
    let result = evaluation.result.as_str();
    let result = match evaluation.result {
        SpfResult::Pass => result.green().bold(),
        SpfResult::Fail | SpfResult::PermError | SpfResult::TempError => result.red().bold(),
        SpfResult::SoftFail => result.yellow().bold(),
        SpfResult::Neutral | SpfResult::None => result.bold(),
    };
    writeln!(out)?;
    writeln!(out, "  {} {result}", "Result:".bold())?;
    if !evaluation.decided_by.is_empty() {
        let chain: Vec<String> = evaluation
            .decided_by
            .iter()
            .map(|step| format!("{} (in {})", escape(&step.term), escape(&step.domain)))
            .collect();
        writeln!(out, "  {} {}", "Decided by:".bold(), chain.join(" → "))?;
    }
    for (i, line) in wrap(&escape(&evaluation.reason), WIDTH - 10)
        .into_iter()
        .enumerate()
    {
        if i == 0 {
            writeln!(out, "  {} {line}", "Reason:".bold())?;
        } else {
            writeln!(out, "          {line}")?;
        }
    }
    if let Some(explanation) = &evaluation.explanation {
        writeln!(out, "  {} {}", "Explanation:".bold(), escape(explanation))?;
    }
    writeln!(
        out,
        "  DNS lookups: {} of at most {}; void lookups: {} of at most {}",
        evaluation.lookups,
        crate::spf::eval::LOOKUP_LIMIT,
        evaluation.void_lookups,
        crate::spf::eval::VOID_LIMIT
    )?;
    writeln!(out)?;
    writeln!(out, "{}", "Trace".bold())?;
    let mut domain: Option<(&str, usize)> = None;
    for step in &evaluation.trace {
        if domain != Some((step.domain.as_str(), step.depth)) {
            writeln!(
                out,
                "  {}{}",
                "  ".repeat(step.depth),
                escape(&step.domain).bold()
            )?;
            domain = Some((step.domain.as_str(), step.depth));
        }
        writeln!(out, "  {}  {}", "  ".repeat(step.depth), escape(&step.text))?;
    }
    Ok(())
}

fn render_lint(lint: &LintReport, out: &mut dyn Write) -> io::Result<()> {
    let kind = lint
        .kind
        .to_possible_value()
        .map_or_else(String::new, |value| value.get_name().to_uppercase());
    writeln!(out, "{}", format!("{kind} record").bold().underline())?;
    writeln!(out, "  {}", escape(&lint.text))?;
    for line in &lint.overview {
        writeln!(out, "  {}{}", "  ".repeat(line.depth), escape(&line.text))?;
    }
    if lint.findings.is_empty() {
        writeln!(out, "  {} no problems found", "✔".green())?;
    }
    for finding in &lint.findings {
        render_finding(finding, out)?;
    }
    writeln!(out)?;
    writeln!(out, "Summary: {}", counts(&lint.summary))
}

/// Writes one domain's report.
pub fn render_domain(
    domain: &DomainReport,
    options: HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let title = match &domain.domain_unicode {
        Some(unicode) => format!("{} ({})", escape(unicode), domain.domain),
        None => domain.domain.clone(),
    };
    writeln!(out, "{}", title.bold().underline())?;
    for provider in &domain.providers {
        writeln!(
            out,
            "Mail provider: {} ({})",
            escape(&provider.name).bold(),
            escape(&provider.evidence.join("; "))
        )?;
    }
    for &section in Section::ALL {
        render_section(domain, section, out)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", summary_line(domain))?;
    if domain.worst().is_some() {
        writeln!(
            out,
            "{}",
            "Run `mailcheck explain RULE` to see why a rule matters.".dimmed()
        )?;
    }
    if options.verbose {
        render_queries(domain, out)?;
    }
    Ok(())
}

fn render_section(domain: &DomainReport, section: Section, out: &mut dyn Write) -> io::Result<()> {
    let overview: Vec<_> = domain
        .overview
        .iter()
        .filter(|line| line.section == section)
        .collect();
    let findings: Vec<&Finding> = domain
        .findings
        .iter()
        .filter(|finding| finding.section == section)
        .collect();
    if overview.is_empty() && findings.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{}", section.title().bold())?;
    for line in overview {
        writeln!(out, "  {}{}", "  ".repeat(line.depth), escape(&line.text))?;
    }
    if findings.is_empty() {
        writeln!(out, "  {} no problems found", "✔".green())?;
    }
    for finding in findings {
        render_finding(finding, out)?;
    }
    Ok(())
}

fn marker(severity: Severity) -> ColoredString {
    match severity {
        Severity::Error => "✖ error".red().bold(),
        Severity::Warning => "▲ warning".yellow().bold(),
        Severity::Info => "ℹ info".blue().bold(),
    }
}

fn render_finding(finding: &Finding, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "  {} {} {}",
        marker(finding.severity),
        escape(&finding.subject).bold(),
        format!("[{}]", finding.rule).dimmed()
    )?;
    for line in wrap(&escape(&finding.message), WIDTH - 4) {
        writeln!(out, "    {line}")?;
    }
    if let Some(excerpt) = &finding.excerpt {
        render_excerpt(excerpt, out)?;
    }
    let fix = escape(&finding.fix);
    for (i, line) in wrap(&fix, WIDTH - 9).into_iter().enumerate() {
        if i == 0 {
            writeln!(out, "    {} {line}", "fix:".cyan().bold())?;
        } else {
            writeln!(out, "         {line}")?;
        }
    }
    Ok(())
}

/// Characters of context shown on each side of an excerpt's span (the excerpt keeps twice as
/// many, [`crate::finding::EXCERPT_CONTEXT`]).
const EXCERPT_CONTEXT: usize = 40;
/// The most characters of an excerpt's span shown; longer spans are cut in the middle.
const MARKED_MAX: usize = 60;
/// Characters kept from the end of a span that is cut.
const MARKED_TAIL: usize = 12;

/// The record with a caret line under the span, cut to a window around the span for long
/// records (a DKIM key is hundreds of characters). Offsets are counted on the escaped text, so
/// the carets line up with what is printed. The excerpt is itself a window of the record: an
/// ellipsis says where the record goes on, whether this or the excerpt cut it.
fn render_excerpt(excerpt: &crate::finding::Excerpt, out: &mut dyn Write) -> io::Result<()> {
    let text = &excerpt.text;
    let start = floor_char_boundary(text, excerpt.span.start.min(text.len()));
    let end = floor_char_boundary(text, excerpt.span.end.clamp(start, text.len()));
    let before: Vec<char> = escape(&text[..start]).chars().collect();
    let marked: Vec<char> = escape(&text[start..end]).chars().collect();
    let after: Vec<char> = escape(&text[end..]).chars().collect();
    let (cut_before, before) = if before.len() > EXCERPT_CONTEXT {
        (true, &before[before.len() - EXCERPT_CONTEXT..])
    } else {
        (excerpt.cut_before(), &before[..])
    };
    let (cut_after, after) = if after.len() > EXCERPT_CONTEXT {
        (true, &after[..EXCERPT_CONTEXT])
    } else {
        (excerpt.cut_after(), &after[..])
    };
    // A long marked part (a whole DKIM key) keeps its start and end around an ellipsis.
    let marked: Vec<char> = if marked.len() > MARKED_MAX {
        let tail = &marked[marked.len() - MARKED_TAIL..];
        let mut cut = marked[..MARKED_MAX - MARKED_TAIL - 1].to_vec();
        cut.push('…');
        cut.extend_from_slice(tail);
        cut
    } else {
        marked
    };
    let lead = if cut_before { "…" } else { "" };
    let line: String = before.iter().chain(&marked).chain(after).collect();
    writeln!(
        out,
        "      {lead}{line}{}",
        if cut_after { "…" } else { "" }
    )?;
    let pad = " ".repeat(before.len() + lead.chars().count());
    let carets = "^".repeat(marked.len().max(1));
    writeln!(out, "      {pad}{}", carets.red().bold())
}

/// The largest char boundary at or below `index`.
fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

fn counts(summary: &crate::report::Summary) -> ColoredString {
    let counts = format!(
        "{}, {}, {}",
        plural(summary.errors, "error", "errors"),
        plural(summary.warnings, "warning", "warnings"),
        plural(summary.info, "info", "info"),
    );
    if summary.errors > 0 {
        counts.red().bold()
    } else if summary.warnings > 0 {
        counts.yellow().bold()
    } else {
        counts.green().bold()
    }
}

fn summary_line(domain: &DomainReport) -> String {
    let summary = &domain.summary;
    let counts = counts(summary);
    let lookups = match domain.status {
        AuditStatus::Complete => {
            format!("{} answered", plural(summary.lookups, "lookup", "lookups"))
        }
        AuditStatus::Incomplete if summary.limits_reached > 0 => format!(
            "{} of {} failed, {} reached: audit incomplete",
            summary.lookups_failed,
            plural(summary.lookups, "lookup", "lookups"),
            plural(summary.limits_reached, "audit limit", "audit limits")
        ),
        AuditStatus::Incomplete => format!(
            "{} of {} failed: audit incomplete",
            summary.lookups_failed,
            plural(summary.lookups, "lookup", "lookups")
        ),
    };
    format!("Summary: {counts}; {lookups}")
}

fn render_queries(domain: &DomainReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{}", "DNS queries".bold())?;
    for query in &domain.dns {
        let outcome = match (query.outcome, &query.error) {
            ("records", _) => plural(query.answers.len(), "record", "records"),
            (_, Some(error)) => format!("error: {error}"),
            (kind, None) => kind.to_uppercase(),
        };
        let outcome = if query.failed {
            outcome.red()
        } else {
            outcome.normal()
        };
        writeln!(
            out,
            "  {:>5} ms  {:<5} {}  {}",
            query.ms,
            query.rtype,
            escape(&query.name),
            outcome
        )?;
        for answer in &query.answers {
            writeln!(out, "             {}", escape(answer).dimmed())?;
        }
    }
    Ok(())
}

/// Writes one rule's documentation (`mailcheck explain RULE`).
pub fn render_rule(rule: &crate::finding::Rule, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{} ({}, default severity {})",
        rule.id.bold(),
        rule.section.title(),
        rule.severity
    )?;
    for line in wrap(rule.summary, WIDTH) {
        writeln!(out, "{line}")?;
    }
    for (heading, text) in [
        ("Why it matters", rule.rationale),
        ("How to fix it", rule.fix),
    ] {
        writeln!(out)?;
        writeln!(out, "{}", heading.bold())?;
        for line in wrap(text, WIDTH - 2) {
            writeln!(out, "  {line}")?;
        }
    }
    render_example(&rule.example, out)?;
    writeln!(out)?;
    writeln!(out, "{}", "References".bold())?;
    for reference in rule.references {
        writeln!(out, "  {reference}")?;
    }
    Ok(())
}

/// A rule's example, as ruff and clippy show theirs: what makes the rule fire, then the fix
/// ("Use instead"); for `--expect`, the expected records first.
fn render_example(example: &Example, out: &mut dyn Write) -> io::Result<()> {
    if let ExampleKind::Expect(expected) = example.kind {
        writeln!(out)?;
        writeln!(out, "{}", "Expected records (the --expect file)".bold())?;
        render_example_text(expected, out)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{} {}",
        "Example".bold(),
        format!("({})", example.describe()).dimmed()
    )?;
    render_example_text(example.bad, out)?;
    writeln!(out)?;
    writeln!(out, "{}", "Use instead".bold())?;
    render_example_text(example.good, out)
}

/// An example's lines as written (zone-file columns keep their spaces); a line too long for
/// the width (a long record) is wrapped at spaces, its continuation indented further.
fn render_example_text(text: &str, out: &mut dyn Write) -> io::Result<()> {
    for line in text.lines() {
        if line.chars().count() <= WIDTH - 2 {
            writeln!(out, "  {line}")?;
            continue;
        }
        for (i, part) in wrap(line, WIDTH - 4).into_iter().enumerate() {
            let indent = if i == 0 { "  " } else { "    " };
            writeln!(out, "{indent}{part}")?;
        }
    }
    Ok(())
}

/// Writes every rule with its default severity (`mailcheck explain`).
pub fn render_rule_list(rules: &[&crate::finding::Rule], out: &mut dyn Write) -> io::Result<()> {
    let width = rules.iter().map(|rule| rule.id.len()).max().unwrap_or(0);
    let mut section = None;
    for rule in rules {
        if section != Some(rule.section) {
            if section.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "{}", rule.section.title().bold())?;
            section = Some(rule.section);
        }
        let severity = format!("{:<7}", rule.severity.as_str());
        let severity = match rule.severity {
            Severity::Error => severity.red(),
            Severity::Warning => severity.yellow(),
            Severity::Info => severity.blue(),
        };
        writeln!(out, "  {severity}  {:<width$}  {}", rule.id, rule.summary)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Run `mailcheck explain RULE` for why a rule matters and how to fix it."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;
    use crate::finding::Excerpt;

    fn rendered(excerpt: &Excerpt) -> String {
        let mut out = Vec::new();
        render_excerpt(excerpt, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// An excerpt keeps only a window of the record (issue 12): what is printed, carets
    /// included, is what the whole record printed, wherever the span is, with wide and
    /// escaped characters about.
    #[test]
    fn a_window_prints_as_the_whole_record_did() {
        colored::control::set_override(false);
        let record = format!(
            "v=spf1 {}ip4:192.0.2.300 é\u{1b}[31m {}mx {} -all",
            "a:x.example ".repeat(30),
            "ü".repeat(70),
            "include:y.example ".repeat(20)
        );
        for (at, len) in [(0, 6), (7, 11), (367, 16), (390, 5), (record.len() - 4, 4)] {
            let start = (0..=at)
                .rev()
                .find(|&i| record.is_char_boundary(i))
                .unwrap();
            let end = (start + len..=record.len())
                .find(|&i| record.is_char_boundary(i))
                .unwrap();
            let span = Span::new(start, end);
            let whole = Excerpt {
                text: record.clone(),
                span,
                window: None,
            };
            let window = Excerpt::around(&record, span);
            assert!(window.text.len() < record.len());
            assert_eq!(rendered(&window), rendered(&whole), "span {span:?}");
        }
        // A window cut where the renderer would not cut still shows that the record goes on.
        let short = Excerpt {
            text: "mx -all".to_owned(),
            span: Span::new(0, 2),
            window: Some(crate::finding::Window {
                offset: 4,
                record_length: 20,
            }),
        };
        assert_eq!(rendered(&short), "      …mx -all…\n       ^^\n");
    }
}
