//! The human renderer: per domain, one block per section with what was found and what is
//! wrong, each finding with its fix, then a summary line.
//!
//! Everything is written through `Term`: a line is made of our own words, numbers and
//! `Piece::text`, which escapes whatever it is given, so no text of a report (DNS data,
//! error texts, file contents) reaches the terminal raw (see `render/term.rs`).

use std::io::{self, Write};

use super::term::{Piece, Term, emit, wrapped};
use crate::escape::escape;
use clap::ValueEnum;

use crate::describe::OverviewLine;
use crate::report::{AuditStatus, DomainReport, LintReport, Report, SpfCheckReport};

use crate::finding::{Example, ExampleKind, Finding, Section, Severity};
use crate::spf::SpfResult;

/// What to show besides the findings.
#[derive(Clone, Copy, Debug, Default)]
pub struct HumanOptions {
    /// Show every DNS query with its outcome and time.
    pub verbose: bool,
}

/// The width output is wrapped to when it is not told otherwise (not a terminal, no
/// `COLUMNS`).
pub const DEFAULT_WIDTH: usize = 100;

/// The narrowest and widest widths used: below 40 columns nothing reads well anyway, and a
/// 1,000-column line is no longer wrapping.
pub const WIDTH_RANGE: (usize, usize) = (40, 1000);

/// The width messages are wrapped to, indentation included: decided once by the caller
/// ([`set_width`]), as colour is.
static WIDTH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(DEFAULT_WIDTH);

/// Sets the width human output is wrapped to (clamped to [`WIDTH_RANGE`]).
pub fn set_width(width: usize) {
    let width = width.clamp(WIDTH_RANGE.0, WIDTH_RANGE.1);
    WIDTH.store(width, std::sync::atomic::Ordering::Relaxed);
}

fn width() -> usize {
    WIDTH.load(std::sync::atomic::Ordering::Relaxed)
}

/// Sets whether the marks and symbols of human output are plain ASCII (the terminal cannot
/// show Unicode).
pub fn set_ascii(ascii: bool) {
    super::term::set_ascii(ascii);
}

/// A mark: its Unicode form, or its ASCII form when the terminal cannot show Unicode.
fn mark(unicode: &'static str, ascii: &'static str) -> &'static str {
    if super::term::is_ascii() {
        ascii
    } else {
        unicode
    }
}

/// Writes `report` for a person to read.
pub fn render(report: &Report, options: HumanOptions, out: &mut dyn Write) -> io::Result<()> {
    let term = &mut Term::new(out);
    for (i, domain) in report.domains.iter().enumerate() {
        if i > 0 {
            term.blank()?;
        }
        domain_block(domain, options, term)?;
    }
    for (i, lint) in report.lints.iter().enumerate() {
        if i > 0 || !report.domains.is_empty() {
            term.blank()?;
        }
        render_lint(lint, term)?;
    }
    if let Some(check) = &report.spf_check {
        render_spf_check(check, term)?;
    }
    Ok(())
}

/// Writes a problem of the run on one line (stderr): `error: ` and `message`, escaped, since
/// it may quote a file's line, a path or a server's error text.
pub fn render_error(message: &str, out: &mut dyn Write) -> io::Result<()> {
    emit!(
        Term::new(out),
        Piece::from("error:").red().bold(),
        " ",
        Piece::text(message)
    )
}

/// `mailcheck spf`: the result first, then what decided it, then the trace.
fn render_spf_check(check: &SpfCheckReport, term: &mut Term) -> io::Result<()> {
    let evaluation = &check.evaluation;
    let title = Piece::concat([
        "SPF check of ".into(),
        Piece::text(&check.domain),
        " for ".into(),
        Piece::text(&check.ip),
    ]);
    emit!(term, title.bold().underline())?;
    emit!(
        term,
        "  sender ",
        Piece::text(&check.sender),
        ", HELO ",
        Piece::text(&check.helo)
    )?;
    let result = Piece::from(evaluation.result.as_str());
    let result = match evaluation.result {
        SpfResult::Pass => result.green().bold(),
        SpfResult::Fail | SpfResult::PermError | SpfResult::TempError => result.red().bold(),
        SpfResult::SoftFail => result.yellow().bold(),
        SpfResult::Neutral | SpfResult::None => result.bold(),
    };
    term.blank()?;
    emit!(term, "  ", Piece::from("Result:").bold(), " ", result)?;
    if !evaluation.decided_by.is_empty() {
        let mut line = vec!["  ".into(), Piece::from("Decided by:").bold(), " ".into()];
        for (i, step) in evaluation.decided_by.iter().enumerate() {
            if i > 0 {
                line.push(" → ".into());
            }
            line.extend([
                Piece::text(&step.term),
                " (in ".into(),
                Piece::text(&step.domain),
                ")".into(),
            ]);
        }
        term.line(line)?;
    }
    for (i, line) in wrapped(&evaluation.reason, width() - 10)
        .into_iter()
        .enumerate()
    {
        if i == 0 {
            emit!(term, "  ", Piece::from("Reason:").bold(), " ", line)?;
        } else {
            emit!(term, "          ", line)?;
        }
    }
    if let Some(explanation) = &evaluation.explanation {
        emit!(
            term,
            "  ",
            Piece::from("Explanation:").bold(),
            " ",
            Piece::text(explanation)
        )?;
    }
    emit!(
        term,
        "  DNS lookups: ",
        evaluation.lookups,
        " of at most ",
        crate::spf::eval::LOOKUP_LIMIT,
        "; void lookups: ",
        evaluation.void_lookups,
        " of at most ",
        crate::spf::eval::VOID_LIMIT
    )?;
    term.blank()?;
    emit!(term, Piece::from("Trace").bold())?;
    let mut domain: Option<(&str, usize)> = None;
    for step in &evaluation.trace {
        let indent = Piece::repeat("  ", step.depth);
        if domain != Some((step.domain.as_str(), step.depth)) {
            emit!(term, "  ", indent.clone(), Piece::text(&step.domain).bold())?;
            domain = Some((step.domain.as_str(), step.depth));
        }
        emit!(term, "  ", indent, "  ", Piece::text(&step.text))?;
    }
    Ok(())
}

fn render_lint(lint: &LintReport, term: &mut Term) -> io::Result<()> {
    let kind = lint
        .kind
        .to_possible_value()
        .map_or_else(String::new, |value| value.get_name().to_uppercase());
    let title = Piece::concat([Piece::text(kind), " record".into()]);
    emit!(term, title.bold().underline())?;
    emit!(term, "  ", Piece::text(&lint.text))?;
    overview_lines(&lint.overview, term)?;
    if lint.findings.is_empty() {
        no_problems(term)?;
    }
    let mut findings: Vec<&Finding> = lint.findings.iter().collect();
    findings.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    for finding in findings {
        render_finding(finding, term)?;
    }
    term.blank()?;
    emit!(term, "Summary: ", counts(&lint.summary))
}

/// Writes the line that says which name servers the run asked: `via 127.0.0.1:5353`.
pub fn render_via(nameservers: &[String], out: &mut dyn Write) -> io::Result<()> {
    let term = &mut Term::new(out);
    emit!(
        term,
        Piece::concat(["via ".into(), Piece::text(nameservers.join(", "))]).dimmed()
    )?;
    term.blank()
}

/// Writes one domain's report.
pub fn render_domain(
    domain: &DomainReport,
    options: HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    domain_block(domain, options, &mut Term::new(out))
}

fn domain_block(domain: &DomainReport, options: HumanOptions, term: &mut Term) -> io::Result<()> {
    let title = match &domain.domain_unicode {
        Some(unicode) => Piece::concat([
            Piece::text(unicode),
            " (".into(),
            Piece::text(&domain.domain),
            ")".into(),
        ]),
        None => Piece::text(&domain.domain),
    };
    emit!(term, title.bold().underline())?;
    for provider in &domain.providers {
        emit!(
            term,
            "Mail provider: ",
            Piece::text(&provider.name).bold(),
            " (",
            Piece::text(provider.evidence.join("; ")),
            ")"
        )?;
    }
    verdict_block(domain, term)?;
    for &section in Section::ALL {
        render_section(domain, section, term)?;
    }
    term.blank()?;
    emit!(term, summary_line(domain))?;
    if domain.worst().is_some() {
        emit!(
            term,
            Piece::from("Run `mailcheck explain RULE` to see why a rule matters.").dimmed()
        )?;
    }
    if options.verbose {
        render_queries(domain, term)?;
    }
    Ok(())
}

/// The verdict first: one line per family the report covers, with its mark, its counts and
/// the message of its worst finding, before the details. A family whose checks do not apply
/// (the domain does not exist) says so.
fn verdict_block(domain: &DomainReport, term: &mut Term) -> io::Result<()> {
    let not_applicable = |section: Section| {
        domain
            .not_applicable
            .as_ref()
            .is_some_and(|not_applicable| not_applicable.sections.contains(&section))
    };
    let sections: Vec<Section> = Section::ALL
        .iter()
        .copied()
        .filter(|&section| {
            domain.overview.iter().any(|line| line.section == section)
                || domain
                    .findings
                    .iter()
                    .any(|finding| finding.section == section)
        })
        .collect();
    if sections.is_empty() {
        return Ok(());
    }
    let title_width = sections
        .iter()
        .map(|section| section.title().chars().count())
        .max()
        .unwrap_or(0);
    term.blank()?;
    for section in sections {
        let findings = in_severity_order(domain, section);
        let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
        let (errors, warnings, info) = (
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info),
        );
        let mark = if errors > 0 {
            Piece::from(mark("✖", "x")).red().bold()
        } else if warnings > 0 {
            Piece::from(mark("▲", "!")).yellow().bold()
        } else if not_applicable(section) {
            Piece::from(mark("–", "-")).dimmed()
        } else {
            Piece::from(mark("✔", "+")).green()
        };
        let mut counted = Vec::new();
        for (number, one, many) in [
            (errors, "error", "errors"),
            (warnings, "warning", "warnings"),
            (info, "info", "info"),
        ] {
            if number > 0 {
                counted.push(format!("{number} {}", if number == 1 { one } else { many }));
            }
        }
        let counts = if counted.is_empty() {
            if not_applicable(section) {
                "does not apply".to_owned()
            } else {
                "ok".to_owned()
            }
        } else {
            counted.join(", ")
        };
        let head = format!("{:<title_width$}  {counts}", section.title());
        let worst = findings.first().map(|finding| {
            // Cut to fit, so that each family stays on one line (the details follow).
            let room = width().saturating_sub(head.chars().count() + 7);
            Piece::text(crate::escape::excerpt(&finding.message, room.max(20))).dimmed()
        });
        match worst {
            Some(message) => emit!(term, "  ", mark, " ", Piece::text(head), ": ", message)?,
            None => emit!(term, "  ", mark, " ", Piece::text(head))?,
        }
    }
    Ok(())
}

/// A section's findings, errors first, then warnings, then info, each in the order the rules
/// gave them.
fn in_severity_order(domain: &DomainReport, section: Section) -> Vec<&Finding> {
    let mut findings: Vec<&Finding> = domain
        .findings
        .iter()
        .filter(|finding| finding.section == section)
        .collect();
    findings.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    findings
}

fn render_section(domain: &DomainReport, section: Section, term: &mut Term) -> io::Result<()> {
    let overview: Vec<_> = domain
        .overview
        .iter()
        .filter(|line| line.section == section)
        .collect();
    let findings = in_severity_order(domain, section);
    if overview.is_empty() && findings.is_empty() {
        return Ok(());
    }
    term.blank()?;
    emit!(term, Piece::from(section.title()).bold())?;
    overview_lines(overview, term)?;
    let not_applicable = domain
        .not_applicable
        .as_ref()
        .is_some_and(|not_applicable| not_applicable.sections.contains(&section));
    if findings.is_empty() && !not_applicable {
        no_problems(term)?;
    }
    for finding in findings {
        render_finding(finding, term)?;
    }
    Ok(())
}

/// What was found, line by line, wrapped like the rest (a continued line is indented two
/// more), except a record: one shown as published (`v=…`) or to publish (zone-file syntax,
/// with its quoted strings) stays whole on its line, to be read or pasted as it is.
fn overview_lines<'a>(
    lines: impl IntoIterator<Item = &'a OverviewLine>,
    term: &mut Term,
) -> io::Result<()> {
    for line in lines {
        let indent = 2 + 2 * line.depth;
        let is_record = line.text.starts_with("v=") || line.text.contains('"');
        let room = if is_record {
            usize::MAX
        } else {
            width().saturating_sub(indent + 2)
        };
        for (i, part) in wrapped(&line.text, room).into_iter().enumerate() {
            let extra = usize::from(i != 0);
            emit!(term, Piece::repeat("  ", 1 + line.depth + extra), part)?;
        }
    }
    Ok(())
}

/// The line of a section or record without findings.
fn no_problems(term: &mut Term) -> io::Result<()> {
    emit!(
        term,
        "  ",
        Piece::from(mark("✔", "ok")).green(),
        " no problems found"
    )
}

fn marker(severity: Severity) -> Piece<'static> {
    match severity {
        Severity::Error => Piece::from(mark("✖ error", "x error")).red().bold(),
        Severity::Warning => Piece::from(mark("▲ warning", "! warning")).yellow().bold(),
        Severity::Info => Piece::from(mark("ℹ info", "i info")).blue().bold(),
    }
}

fn render_finding(finding: &Finding, term: &mut Term) -> io::Result<()> {
    let rule = Piece::concat(["[".into(), finding.rule.into(), "]".into()]);
    // The marker's width as printed ("✖ error"), without its colour codes.
    let marker_width = match finding.severity {
        Severity::Error => 7,
        Severity::Warning => 9,
        Severity::Info => 6,
    };
    let subject = Piece::text(&finding.subject);
    let heading =
        2 + marker_width + 1 + subject.to_string().chars().count() + 3 + finding.rule.len();
    if heading <= width() {
        emit!(
            term,
            "  ",
            marker(finding.severity),
            " ",
            subject.bold(),
            " ",
            rule.dimmed()
        )?;
    } else {
        // Too long for one line: the rule id goes on the next, whole.
        emit!(term, "  ", marker(finding.severity), " ", subject.bold())?;
        emit!(term, "    ", rule.dimmed())?;
    }
    for line in wrapped(&finding.message, width() - 4) {
        emit!(term, "    ", line)?;
    }
    if let Some(excerpt) = &finding.excerpt {
        render_excerpt(excerpt, term)?;
    }
    for (i, line) in wrapped(&finding.fix, width() - 9).into_iter().enumerate() {
        if i == 0 {
            emit!(term, "    ", Piece::from("fix:").cyan().bold(), " ", line)?;
        } else {
            emit!(term, "         ", line)?;
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
fn render_excerpt(excerpt: &crate::finding::Excerpt, term: &mut Term) -> io::Result<()> {
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
    // Made of escaped text only: `Piece::text` leaves it as it is.
    let line: String = before.iter().chain(&marked).chain(after).collect();
    emit!(
        term,
        "      ",
        lead,
        Piece::text(line),
        if cut_after { "…" } else { "" }
    )?;
    let pad = before.len() + lead.chars().count();
    let carets = Piece::repeat("^", marked.len().max(1));
    emit!(term, "      ", Piece::repeat(" ", pad), carets.red().bold())
}

/// The largest char boundary at or below `index`.
fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn plural(count: usize, one: &'static str, many: &'static str) -> Piece<'static> {
    Piece::concat([
        count.into(),
        " ".into(),
        if count == 1 { one } else { many }.into(),
    ])
}

fn counts(summary: &crate::report::Summary) -> Piece<'static> {
    let counts = Piece::concat([
        plural(summary.errors, "error", "errors"),
        ", ".into(),
        plural(summary.warnings, "warning", "warnings"),
        ", ".into(),
        plural(summary.info, "info", "info"),
    ]);
    if summary.errors > 0 {
        counts.red().bold()
    } else if summary.warnings > 0 {
        counts.yellow().bold()
    } else {
        counts.green().bold()
    }
}

fn summary_line(domain: &DomainReport) -> Piece<'static> {
    let summary = &domain.summary;
    let lookups = match domain.status {
        AuditStatus::Complete => Piece::concat([
            plural(summary.lookups, "lookup", "lookups"),
            " answered".into(),
        ]),
        AuditStatus::Incomplete if summary.limits_reached > 0 => Piece::concat([
            summary.lookups_failed.into(),
            " of ".into(),
            plural(summary.lookups, "lookup", "lookups"),
            " failed, ".into(),
            plural(summary.limits_reached, "audit limit", "audit limits"),
            " reached: audit incomplete".into(),
        ]),
        AuditStatus::Incomplete => Piece::concat([
            summary.lookups_failed.into(),
            " of ".into(),
            plural(summary.lookups, "lookup", "lookups"),
            " failed: audit incomplete".into(),
        ]),
    };
    let ignored = if domain.ignored.is_empty() {
        Piece::from("")
    } else {
        Piece::concat([
            "; ".into(),
            plural(domain.ignored.len(), "finding", "findings"),
            " left out by --ignore/--select".into(),
        ])
    };
    Piece::concat([
        "Summary: ".into(),
        counts(summary),
        "; ".into(),
        lookups,
        ignored,
    ])
}

/// `-v`: every question with its outcome. A failed lookup's error text comes from the resolver
/// or a `--replay` file and may quote a hostile name byte for byte; it is escaped like the rest.
fn render_queries(domain: &DomainReport, term: &mut Term) -> io::Result<()> {
    term.blank()?;
    emit!(term, Piece::from("DNS queries").bold())?;
    for query in &domain.dns {
        let outcome = match (query.outcome, &query.error) {
            ("records", _) => plural(query.answers.len(), "record", "records"),
            (_, Some(error)) => Piece::concat(["error: ".into(), Piece::text(error)]),
            (kind, None) => Piece::text(kind.to_uppercase()),
        };
        let outcome = if query.failed { outcome.red() } else { outcome };
        emit!(
            term,
            "  ",
            Piece::from(query.ms).pad_left(5),
            " ms  ",
            Piece::text(&query.rtype).pad_right(5),
            " ",
            Piece::text(&query.name),
            "  ",
            outcome
        )?;
        for answer in &query.answers {
            emit!(term, "             ", Piece::text(answer).dimmed())?;
        }
    }
    Ok(())
}

/// Writes one rule's documentation (`mailcheck explain RULE`).
pub fn render_rule(rule: &crate::finding::Rule, out: &mut dyn Write) -> io::Result<()> {
    let term = &mut Term::new(out);
    emit!(
        term,
        Piece::from(rule.id).bold(),
        " (",
        rule.section.title(),
        ", default severity ",
        rule.severity.as_str(),
        ")"
    )?;
    for line in wrapped(rule.summary, width()) {
        emit!(term, line)?;
    }
    for (heading, text) in [
        ("Why it matters", rule.rationale),
        ("How to fix it", rule.fix),
    ] {
        term.blank()?;
        emit!(term, Piece::from(heading).bold())?;
        for line in wrapped(text, width() - 2) {
            emit!(term, "  ", line)?;
        }
    }
    render_example(&rule.example, term)?;
    term.blank()?;
    emit!(term, Piece::from("References").bold())?;
    for reference in rule.references {
        emit!(term, "  ", *reference)?;
    }
    Ok(())
}

/// A rule's example, as ruff and clippy show theirs: what makes the rule fire, then the fix
/// ("Use instead"); for `--expect`, the expected records first.
fn render_example(example: &Example, term: &mut Term) -> io::Result<()> {
    if let ExampleKind::Expect(expected) = example.kind {
        term.blank()?;
        emit!(
            term,
            Piece::from("Expected records (the --expect file)").bold()
        )?;
        render_example_text(expected, term)?;
    }
    term.blank()?;
    let kind = Piece::concat(["(".into(), Piece::text(example.describe()), ")".into()]);
    emit!(term, Piece::from("Example").bold(), " ", kind.dimmed())?;
    render_example_text(example.bad, term)?;
    term.blank()?;
    emit!(term, Piece::from("Use instead").bold())?;
    render_example_text(example.good, term)
}

/// An example's lines as written (zone-file columns keep their spaces); a line too long for
/// the width (a long record) is wrapped at spaces, its continuation indented further.
fn render_example_text(text: &'static str, term: &mut Term) -> io::Result<()> {
    for line in text.lines() {
        if line.chars().count() <= width() - 2 {
            emit!(term, "  ", line)?;
            continue;
        }
        for (i, part) in wrapped(line, width() - 4).into_iter().enumerate() {
            let indent = if i == 0 { "  " } else { "    " };
            emit!(term, indent, part)?;
        }
    }
    Ok(())
}

/// Writes every rule with its default severity (`mailcheck explain`).
pub fn render_rule_list(rules: &[&crate::finding::Rule], out: &mut dyn Write) -> io::Result<()> {
    let term = &mut Term::new(out);
    let width = rules.iter().map(|rule| rule.id.len()).max().unwrap_or(0);
    let mut section = None;
    for rule in rules {
        if section != Some(rule.section) {
            if section.is_some() {
                term.blank()?;
            }
            emit!(term, Piece::from(rule.section.title()).bold())?;
            section = Some(rule.section);
        }
        let severity = Piece::from(rule.severity.as_str()).pad_right(7);
        let severity = match rule.severity {
            Severity::Error => severity.red(),
            Severity::Warning => severity.yellow(),
            Severity::Info => severity.blue(),
        };
        emit!(
            term,
            "  ",
            severity,
            "  ",
            Piece::from(rule.id).pad_right(width),
            "  ",
            rule.summary
        )?;
    }
    term.blank()?;
    emit!(
        term,
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
        render_excerpt(excerpt, &mut Term::new(&mut out)).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// An excerpt keeps only a window of the record: what is printed, carets
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
