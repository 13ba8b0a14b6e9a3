//! Writing a run's results as domains finish: human output in input order, one JSON document,
//! or NDJSON (a line per domain as soon as it is done, then a summary line).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::dns::network::buffers::NetworkSummary;
use crate::finding::Severity;
use crate::render;
use crate::report::{AuditStatus, DomainReport, InputErrors, Report, SCHEMA_VERSION, ToolError};

/// Where finished domain reports go.
pub trait ReportSink {
    /// Domain number `index` (input order) is done.
    fn domain_done(&mut self, index: usize, report: DomainReport) -> io::Result<()>;
    /// Every domain is done. `error` is a problem of the tool found at the end (a
    /// `--save-dns` file that could not be written), which a JSON document or the NDJSON run
    /// line carries beside the results, so that the output stays well-formed.
    fn finish(&mut self, input_errors: &InputErrors, error: Option<&ToolError>) -> io::Result<()>;
    /// What the network lost and was given over the run (`None` when no name server was
    /// asked), told before [`finish`](ReportSink::finish) for the formats that say it.
    fn set_network(&mut self, _network: Option<NetworkSummary>) {}
}

/// What decides the exit code, tallied as results stream past.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    /// Domains done.
    pub domains: usize,
    /// The highest severity seen.
    pub worst: Option<Severity>,
    /// Findings of each severity, over all domains.
    pub errors: usize,
    /// Warnings over all domains.
    pub warnings: usize,
    /// Info findings over all domains.
    pub info: usize,
    /// Domains whose audit is incomplete.
    pub incomplete: usize,
    /// Of those, the ones incomplete only because `--offline` left names outside the domain
    /// unasked.
    pub incomplete_offline: usize,
}

impl Tally {
    /// Counts one domain's report.
    pub fn add(&mut self, report: &DomainReport) {
        self.domains += 1;
        self.worst = self.worst.max(report.worst());
        self.errors += report.summary.errors;
        self.warnings += report.summary.warnings;
        self.info += report.summary.info;
        if report.status == AuditStatus::Incomplete {
            self.incomplete += 1;
            if report.offline_only {
                self.incomplete_offline += 1;
            }
        }
    }

    /// Findings of every severity.
    pub fn findings(&self) -> usize {
        self.errors + self.warnings + self.info
    }

    /// Counts `other`'s domains too (those of an earlier run, under `--resume`).
    pub fn absorb(&mut self, other: &Tally) {
        self.domains += other.domains;
        self.worst = self.worst.max(other.worst);
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.info += other.info;
        self.incomplete += other.incomplete;
        self.incomplete_offline += other.incomplete_offline;
    }
}

/// The line that ends a batch run of several domains in the formats for people: `Total: 300
/// domains, 12 errors, 40 warnings, 7 info; 2 incomplete`.
pub fn totals_line(tally: &Tally) -> String {
    let plural = |count: usize, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    let mut line = format!(
        "Total: {}, {}, {}, {} info",
        plural(tally.domains, "domain", "domains"),
        plural(tally.errors, "error", "errors"),
        plural(tally.warnings, "warning", "warnings"),
        tally.info
    );
    if tally.incomplete > 0 {
        line = format!("{line}; {} incomplete", tally.incomplete);
    }
    line
}

/// How a format for people writes one domain's report.
#[derive(Clone, Copy, Debug)]
pub enum PeopleFormat {
    /// Sections, findings and fixes ([`render::human`]).
    Human(render::human::HumanOptions),
    /// One line per finding ([`render::short`]).
    Short,
}

/// Output for people (human or short), each domain printed as soon as every domain before it
/// is done, and for several domains the run's totals at the end.
pub struct HumanSink<'w> {
    out: &'w mut dyn Write,
    format: PeopleFormat,
    order: InOrder<DomainReport>,
    printed: usize,
    tally: Tally,
    nameservers: Vec<String>,
    network: Option<NetworkSummary>,
}

impl<'w> HumanSink<'w> {
    /// Writes to `out` in `format`.
    pub fn new(out: &'w mut dyn Write, format: PeopleFormat) -> Self {
        HumanSink {
            out,
            format,
            order: InOrder::default(),
            printed: 0,
            tally: Tally::default(),
            nameservers: Vec::new(),
            network: None,
        }
    }

    /// Says first, in human output, which name servers were asked (`via 127.0.0.1:5353`).
    #[must_use]
    pub fn with_nameservers(mut self, nameservers: Vec<String>) -> Self {
        self.nameservers = nameservers;
        self
    }
}

impl ReportSink for HumanSink<'_> {
    fn domain_done(&mut self, index: usize, report: DomainReport) -> io::Result<()> {
        self.tally.add(&report);
        for report in self.order.push(index, report) {
            match self.format {
                PeopleFormat::Human(options) => {
                    if self.printed > 0 {
                        writeln!(self.out)?;
                    } else if !self.nameservers.is_empty() {
                        render::human::render_via(&self.nameservers, self.out)?;
                    }
                    render::human::render_domain(&report, options, self.out)?;
                }
                PeopleFormat::Short => render::short::render_domain(&report, self.out)?,
            }
            self.printed += 1;
        }
        self.out.flush()
    }

    fn finish(&mut self, _: &InputErrors, _: Option<&ToolError>) -> io::Result<()> {
        // Invalid input lines and the error were reported on stderr. One domain's report ends
        // with its own summary; a batch ends with the run's.
        if self.tally.domains > 1 {
            if matches!(self.format, PeopleFormat::Human(_)) {
                writeln!(self.out)?;
            }
            writeln!(self.out, "{}", totals_line(&self.tally))?;
            // Lost answers, and receive buffers smaller than the concurrency needs: what a
            // batch's speed and completeness depend on, with what to do about it.
            let notes = self.network.as_ref().map(|network| {
                [network.advice(), network.capped_note()]
                    .into_iter()
                    .flatten()
            });
            for note in notes.into_iter().flatten() {
                writeln!(self.out, "{note}")?;
            }
        }
        self.out.flush()
    }

    fn set_network(&mut self, network: Option<NetworkSummary>) {
        self.network = network;
    }
}

/// `--format github`: a workflow command per finding as domains finish (input order), and at
/// the end the Markdown summary appended to the job's summary file (`$GITHUB_STEP_SUMMARY`),
/// when there is one.
pub struct GithubSink<'w> {
    out: &'w mut dyn Write,
    summary_file: Option<std::path::PathBuf>,
    order: InOrder<DomainReport>,
    rows: Vec<render::github::SummaryRow>,
    more: usize,
}

impl<'w> GithubSink<'w> {
    /// Writes commands to `out`, and the summary to `summary_file` if given.
    pub fn new(out: &'w mut dyn Write, summary_file: Option<std::path::PathBuf>) -> Self {
        GithubSink {
            out,
            summary_file,
            order: InOrder::default(),
            rows: Vec::new(),
            more: 0,
        }
    }
}

impl ReportSink for GithubSink<'_> {
    fn domain_done(&mut self, index: usize, report: DomainReport) -> io::Result<()> {
        for report in self.order.push(index, report) {
            render::github::render_domain(&report, self.out)?;
            if self.rows.len() < render::github::SUMMARY_DOMAINS {
                self.rows.push(render::github::SummaryRow::of(&report));
            } else {
                self.more += 1;
            }
        }
        self.out.flush()
    }

    fn finish(&mut self, _: &InputErrors, error: Option<&ToolError>) -> io::Result<()> {
        if let Some(error) = error {
            writeln!(
                self.out,
                "::error title=mailcheck::{}",
                render::github::data(&error.message)
            )?;
        }
        if let Some(path) = &self.summary_file {
            let text = render::github::summary(&self.rows, self.more);
            // Appended, as GitHub asks: other steps write to the same file. A summary that
            // cannot be written is said in the log, and the run's verdict stands.
            let written = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
                .and_then(|mut file| file.write_all(text.as_bytes()));
            if let Err(problem) = written {
                writeln!(
                    self.out,
                    "::warning title=mailcheck::{}",
                    render::github::data(&format!(
                        "the job summary could not be written to $GITHUB_STEP_SUMMARY: {problem}"
                    ))
                )?;
            }
        }
        self.out.flush()
    }
}

/// `--format sarif`: one SARIF log, written when every domain is done (a SARIF log is one
/// document; the findings are kept until then, the rest of each report is not).
pub struct SarifSink<'w> {
    out: &'w mut dyn Write,
    order: InOrder<DomainReport>,
    results: Vec<(String, crate::finding::Finding)>,
}

impl<'w> SarifSink<'w> {
    /// Writes to `out`.
    pub fn new(out: &'w mut dyn Write) -> Self {
        SarifSink {
            out,
            order: InOrder::default(),
            results: Vec::new(),
        }
    }

    fn keep(&mut self, report: DomainReport) {
        let domain = report.domain;
        self.results.extend(
            report
                .findings
                .into_iter()
                .map(|finding| (domain.clone(), finding)),
        );
    }
}

impl ReportSink for SarifSink<'_> {
    fn domain_done(&mut self, index: usize, report: DomainReport) -> io::Result<()> {
        for report in self.order.push(index, report) {
            self.keep(report);
        }
        Ok(())
    }

    fn finish(&mut self, _: &InputErrors, _: Option<&ToolError>) -> io::Result<()> {
        for report in self.order.drain_rest() {
            self.keep(report);
        }
        render::sarif::render(&self.results, self.out)?;
        self.out.flush()
    }
}

/// One JSON document, written as it goes: each domain's entry as soon as every domain before it
/// is done (input order), so only the reports waiting for an earlier one are held, and the
/// document is nearly all written when the last domain finishes. The bytes are those of
/// [`render::json::render`] over the whole [`Report`].
pub struct JsonSink<'w> {
    out: &'w mut dyn Write,
    order: InOrder<DomainReport>,
    written: usize,
    nameservers: Vec<String>,
    network: Option<NetworkSummary>,
}

impl<'w> JsonSink<'w> {
    /// Writes to `out`.
    pub fn new(out: &'w mut dyn Write) -> Self {
        JsonSink {
            out,
            order: InOrder::default(),
            written: 0,
            nameservers: Vec::new(),
            network: None,
        }
    }

    /// Lists the name servers asked in the document (`nameservers`).
    #[must_use]
    pub fn with_nameservers(mut self, nameservers: Vec<String>) -> Self {
        self.nameservers = nameservers;
        self
    }

    /// Writes one entry of the `domains` array, opening the document before the first.
    fn write_domain(&mut self, report: &DomainReport) -> io::Result<()> {
        if self.written == 0 {
            // The run's end (`network` among it) comes after the domains: the head is the
            // same without it.
            let (head, _) =
                document_around_domains(&self.nameservers, &InputErrors::default(), None, None)?;
            self.out.write_all(head.as_bytes())?;
            self.out.write_all(b"[\n")?;
        } else {
            self.out.write_all(b",\n")?;
        }
        // The entry as serde_json pretty-prints it two levels down: every line indented by
        // four spaces (JSON strings hold no raw newline, so lines are the printer's own).
        let entry = render::json::to_pretty_string(report)?;
        for (number, line) in entry.lines().enumerate() {
            if number > 0 {
                self.out.write_all(b"\n")?;
            }
            self.out.write_all(b"    ")?;
            self.out.write_all(line.as_bytes())?;
        }
        self.written += 1;
        Ok(())
    }
}

/// The pretty-printed document with an empty `domains` array, split around that array: what
/// goes before it and what goes after it.
fn document_around_domains(
    nameservers: &[String],
    input_errors: &InputErrors,
    error: Option<&ToolError>,
    network: Option<&NetworkSummary>,
) -> io::Result<(String, String)> {
    let mut report = Report::of_domains(Vec::new());
    report.nameservers = nameservers.to_vec();
    report.input_errors = input_errors.clone();
    report.error = error.cloned();
    report.network = network.cloned();
    let text = render::json::to_pretty_string(&report)?;
    let marker = "\"domains\": []";
    let at = text
        .find(marker)
        .ok_or_else(|| io::Error::other("the report has no domains array"))?;
    let (head, tail) = text.split_at(at + marker.len() - 2);
    Ok((head.to_owned(), tail[2..].to_owned()))
}

impl ReportSink for JsonSink<'_> {
    fn domain_done(&mut self, index: usize, report: DomainReport) -> io::Result<()> {
        let due = self.order.push(index, report);
        if due.is_empty() {
            return Ok(());
        }
        for report in due {
            self.write_domain(&report)?;
        }
        // Flushed as written, like the other formats: a reader sees the document grow, and a
        // closed stdout is found at once (the run then stops).
        self.out.flush()
    }

    fn finish(&mut self, input_errors: &InputErrors, error: Option<&ToolError>) -> io::Result<()> {
        for report in self.order.drain_rest() {
            self.write_domain(&report)?;
        }
        let (head, tail) = document_around_domains(
            &self.nameservers,
            input_errors,
            error,
            self.network.as_ref(),
        )?;
        if self.written == 0 {
            self.out.write_all(head.as_bytes())?;
            self.out.write_all(b"[]")?;
        } else {
            self.out.write_all(b"\n  ]")?;
        }
        self.out.write_all(tail.as_bytes())?;
        writeln!(self.out)?;
        self.out.flush()
    }

    fn set_network(&mut self, network: Option<NetworkSummary>) {
        self.network = network;
    }
}

/// NDJSON: one line per domain, as soon as it is done (completion order; each line names its
/// domain), then one summary line. Nothing is kept, so memory does not grow with the list.
///
/// Each line is serialised whole before it is written, then written with one `write_all`:
/// into a file opened for appending (`--resume`) that is one `write(2)`, so a process killed
/// at any moment leaves whole lines and at most one partial last line, never two lines mixed.
pub struct NdjsonSink<'w> {
    out: &'w mut dyn Write,
    tally: Tally,
    network: Option<NetworkSummary>,
    line: Vec<u8>,
}

impl<'w> NdjsonSink<'w> {
    /// Writes to `out`.
    pub fn new(out: &'w mut dyn Write) -> Self {
        NdjsonSink {
            out,
            tally: Tally::default(),
            network: None,
            line: Vec::new(),
        }
    }

    /// Counts in the run line the domains of `earlier` runs too (the lines already in a
    /// `--resume` file), so that it covers every domain line of the output.
    #[must_use]
    pub fn with_earlier(mut self, earlier: &Tally) -> Self {
        self.tally.absorb(earlier);
        self
    }

    /// Writes `value` as one line, in one write.
    fn write_line(&mut self, value: &impl Serialize) -> io::Result<()> {
        self.line.clear();
        render::json::write_compact(value, &mut self.line)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        // A consumer reading the stream sees each line when it is written.
        self.out.flush()
    }
}

/// The last line of NDJSON output.
#[derive(Serialize, schemars::JsonSchema)]
struct RunLine<'a> {
    run: RunSummary<'a>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct RunSummary<'a> {
    schema_version: u32,
    domains: usize,
    errors: usize,
    warnings: usize,
    info: usize,
    incomplete: usize,
    /// Always present, unlike in the JSON document (an empty list is `[]`).
    input_errors: &'a [crate::report::InputLineError],
    #[serde(skip_serializing_if = "Option::is_none")]
    input_errors_omitted: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a ToolError>,
    /// Timeouts, answers dropped by the kernel and the sockets' receive buffer; absent when
    /// the run asked no name server (`--offline`, `--replay`). Of this process only: a
    /// `--resume`d run's earlier processes left no count of their own network behind.
    #[serde(skip_serializing_if = "Option::is_none")]
    network: Option<&'a NetworkSummary>,
}

impl ReportSink for NdjsonSink<'_> {
    fn domain_done(&mut self, _index: usize, report: DomainReport) -> io::Result<()> {
        self.tally.add(&report);
        self.write_line(&report)
    }

    fn finish(&mut self, input_errors: &InputErrors, error: Option<&ToolError>) -> io::Result<()> {
        let tally = self.tally;
        let network = self.network.take();
        let line = RunLine {
            run: RunSummary {
                schema_version: SCHEMA_VERSION,
                domains: tally.domains,
                errors: tally.errors,
                warnings: tally.warnings,
                info: tally.info,
                incomplete: tally.incomplete,
                input_errors: &input_errors.listed,
                input_errors_omitted: (input_errors.omitted > 0).then_some(input_errors.omitted),
                error,
                network: network.as_ref(),
            },
        };
        self.write_line(&line)
    }

    fn set_network(&mut self, network: Option<NetworkSummary>) {
        self.network = network;
    }
}

/// Puts results that finish in any order back into input order: each result is held until
/// every earlier one has been released.
#[derive(Debug)]
pub struct InOrder<T> {
    next: usize,
    pending: BTreeMap<usize, T>,
}

impl<T> Default for InOrder<T> {
    fn default() -> Self {
        InOrder {
            next: 0,
            pending: BTreeMap::new(),
        }
    }
}

impl<T> InOrder<T> {
    /// Adds result `index` and returns every result that is now due, in order.
    pub fn push(&mut self, index: usize, item: T) -> Vec<T> {
        self.pending.insert(index, item);
        let mut due = Vec::new();
        while let Some(item) = self.pending.remove(&self.next) {
            due.push(item);
            self.next += 1;
        }
        due
    }

    /// Everything still held, in order (for the end of a run where some result never came).
    pub fn drain_rest(&mut self) -> Vec<T> {
        std::mem::take(&mut self.pending).into_values().collect()
    }
}

/// The JSON Schema of `--format json` (and of `explain --json`): a report, the document of a
/// run that stopped before it began, or the list of rules; generated from the types that are
/// written, and checked in as `schema/mailcheck.schema.json` (a test fails when they differ).
pub fn document_schema() -> schemars::Schema {
    #[derive(schemars::JsonSchema)]
    #[schemars(untagged)]
    #[allow(dead_code, clippy::large_enum_variant)] // only its schema is used
    enum Document {
        Report(Report),
        Error(crate::report::ErrorDocument),
        Rules(Vec<crate::finding::Rule>),
    }
    schema_of::<Document>()
}

/// The JSON Schema of one line of `--format ndjson`: a domain's report, the run line that
/// ends the output, or the document of a run that stopped before it began; checked in as
/// `schema/mailcheck-ndjson.schema.json`.
pub fn ndjson_line_schema() -> schemars::Schema {
    #[derive(schemars::JsonSchema)]
    #[schemars(untagged)]
    #[allow(dead_code, clippy::large_enum_variant)] // only its schema is used
    enum Line {
        Domain(DomainReport),
        Run(RunLine<'static>),
        Error(crate::report::ErrorDocument),
    }
    schema_of::<Line>()
}

/// The schema of `T` as it is written (a field left out when empty is not required).
fn schema_of<T: schemars::JsonSchema>() -> schemars::Schema {
    schemars::generate::SchemaSettings::default()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::Records;
    use crate::domain::parse_domain;
    use crate::report::InputLineError;

    fn report_of(name: &str) -> DomainReport {
        let domain = parse_domain(name).unwrap();
        DomainReport::new(
            &domain,
            Vec::new(),
            Records::default(),
            Vec::new(),
            Vec::new(),
        )
    }

    /// What the streaming sink writes, for reports delivered in `order`.
    fn streamed(
        names: &[&str],
        order: &[usize],
        errors: &InputErrors,
        error: Option<&ToolError>,
    ) -> String {
        let mut out = Vec::new();
        let mut sink = JsonSink::new(&mut out);
        for &index in order {
            sink.domain_done(index, report_of(names[index])).unwrap();
        }
        sink.finish(errors, error).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// What rendering the whole report at once writes.
    fn whole(names: &[&str], errors: &InputErrors, error: Option<&ToolError>) -> String {
        let mut report = Report::of_domains(names.iter().map(|name| report_of(name)).collect());
        report.input_errors = errors.clone();
        report.error = error.cloned();
        let mut out = Vec::new();
        render::json::render(&report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn input_errors(count: usize) -> InputErrors {
        let mut errors = InputErrors::default();
        for line in 1..=count {
            errors.push(InputLineError {
                line,
                text: "not a domain!".to_owned(),
                message: "invalid".to_owned(),
            });
        }
        errors
    }

    #[test]
    fn the_streamed_document_is_the_whole_document_byte_for_byte() {
        let names = ["a.example", "b.example", "c.example"];
        let errors = input_errors(1);
        let none = InputErrors::default();
        let save = ToolError::input("cannot write --save-dns run.json: No space left on device");
        for (errors, error) in [
            (&errors, None),
            (&none, None),
            (&errors, Some(&save)),
            (&none, Some(&save)),
            (&input_errors(150), None),
        ] {
            assert_eq!(
                streamed(&names, &[2, 0, 1], errors, error),
                whole(&names, errors, error)
            );
            assert_eq!(
                streamed(&names[..1], &[0], errors, error),
                whole(&names[..1], errors, error)
            );
            assert_eq!(streamed(&[], &[], errors, error), whole(&[], errors, error));
        }
    }

    #[test]
    fn input_errors_are_listed_up_to_the_limit_and_counted_beyond() {
        let errors = input_errors(crate::report::MAX_INPUT_ERRORS + 7);
        let document: serde_json::Value = serde_json::from_str(&whole(&[], &errors, None)).unwrap();
        assert_eq!(
            document["input_errors"].as_array().map(Vec::len),
            Some(crate::report::MAX_INPUT_ERRORS)
        );
        assert_eq!(document["input_errors_omitted"], 7);

        let mut out = Vec::new();
        let mut sink = NdjsonSink::new(&mut out);
        sink.finish(&errors, None).unwrap();
        let line: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(line["run"]["input_errors_omitted"], 7);
        assert!(line["run"].get("error").is_none());
    }

    #[test]
    fn an_error_at_the_end_is_inside_the_one_document_and_the_run_line() {
        let save = ToolError::input("cannot write --save-dns run.json: disk full");
        let document: serde_json::Value = serde_json::from_str(&streamed(
            &["a.example"],
            &[0],
            &input_errors(0),
            Some(&save),
        ))
        .unwrap();
        assert_eq!(document["error"]["kind"], "input");
        assert_eq!(document["domains"][0]["domain"], "a.example");

        let mut out = Vec::new();
        let mut sink = NdjsonSink::new(&mut out);
        sink.domain_done(0, report_of("a.example")).unwrap();
        sink.finish(&InputErrors::default(), Some(&save)).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["run"]["error"]["message"], save.message);
        assert_eq!(lines[1]["run"]["input_errors"], serde_json::json!([]));
    }

    #[test]
    fn a_domain_is_written_as_soon_as_those_before_it_are_done() {
        let mut out = Vec::new();
        let mut sink = JsonSink::new(&mut out);
        sink.domain_done(1, report_of("b.example")).unwrap();
        sink.domain_done(0, report_of("a.example")).unwrap();
        sink.domain_done(3, report_of("d.example")).unwrap();
        drop(sink);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("a.example") && text.contains("b.example"));
        assert!(!text.contains("d.example"), "held until c.example is done");
    }

    /// Counts the `write` calls made on it.
    #[derive(Default)]
    struct Writes {
        calls: Vec<usize>,
    }

    impl Write for Writes {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.calls.push(buf.len());
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn each_ndjson_line_is_one_write_and_the_run_line_counts_earlier_runs() {
        // One write per line, newline included: in a file opened for appending, a process
        // killed at any moment leaves whole lines and at most one partial last line.
        let mut out = Writes::default();
        let earlier = Tally {
            domains: 2,
            errors: 3,
            ..Tally::default()
        };
        let mut sink = NdjsonSink::new(&mut out).with_earlier(&earlier);
        sink.domain_done(0, report_of("a.example")).unwrap();
        sink.domain_done(1, report_of("b.example")).unwrap();
        sink.finish(&InputErrors::default(), None).unwrap();
        assert_eq!(out.calls.len(), 3, "{:?}", out.calls);
        let mut check = Vec::new();
        let mut sink = NdjsonSink::new(&mut check).with_earlier(&earlier);
        sink.domain_done(0, report_of("a.example")).unwrap();
        sink.finish(&InputErrors::default(), None).unwrap();
        let text = String::from_utf8(check).unwrap();
        let run: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert_eq!(
            (&run["run"]["domains"], &run["run"]["errors"]),
            (&3.into(), &3.into())
        );
    }

    #[test]
    fn in_order_releases_in_input_order() {
        let mut order = InOrder::default();
        assert!(order.push(2, "c").is_empty());
        assert!(order.push(1, "b").is_empty());
        assert_eq!(order.push(0, "a"), ["a", "b", "c"]);
        assert_eq!(order.push(3, "d"), ["d"]);
    }
}
