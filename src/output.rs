//! Writing a run's results as domains finish: human output in input order, one JSON document,
//! or NDJSON (a line per domain as soon as it is done, then a summary line).

use std::io::{self, Write};

use serde::Serialize;

use crate::batch::{InOrder, InputLineError};
use crate::render;
use crate::report::{AuditStatus, DomainReport, Report, SCHEMA_VERSION, Severity};

/// Where finished domain reports go.
pub trait ReportSink {
    /// Domain number `index` (input order) is done.
    fn domain_done(&mut self, index: usize, report: DomainReport) -> io::Result<()>;
    /// Every domain is done.
    fn finish(&mut self, input_errors: &[InputLineError]) -> io::Result<()>;
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
        }
    }

    /// Findings of every severity.
    pub fn findings(&self) -> usize {
        self.errors + self.warnings + self.info
    }
}

/// Human output, each domain printed as soon as every domain before it is done.
pub struct HumanSink<'w> {
    out: &'w mut dyn Write,
    options: render::human::HumanOptions,
    order: InOrder<DomainReport>,
    printed: usize,
}

impl<'w> HumanSink<'w> {
    /// Writes to `out`.
    pub fn new(out: &'w mut dyn Write, options: render::human::HumanOptions) -> Self {
        HumanSink {
            out,
            options,
            order: InOrder::default(),
            printed: 0,
        }
    }
}

impl ReportSink for HumanSink<'_> {
    fn domain_done(&mut self, index: usize, report: DomainReport) -> io::Result<()> {
        for report in self.order.push(index, report) {
            if self.printed > 0 {
                writeln!(self.out)?;
            }
            render::human::render_domain(&report, self.options, self.out)?;
            self.printed += 1;
        }
        self.out.flush()
    }

    fn finish(&mut self, _input_errors: &[InputLineError]) -> io::Result<()> {
        // Invalid input lines were reported on stderr as they were read.
        self.out.flush()
    }
}

/// One JSON document: every report is kept until the end, in input order.
pub struct JsonSink<'w> {
    out: &'w mut dyn Write,
    reports: Vec<Option<DomainReport>>,
}

impl<'w> JsonSink<'w> {
    /// Writes to `out`; `count` is the number of domains.
    pub fn new(out: &'w mut dyn Write, count: usize) -> Self {
        JsonSink {
            out,
            reports: vec![None; count],
        }
    }
}

impl ReportSink for JsonSink<'_> {
    fn domain_done(&mut self, index: usize, report: DomainReport) -> io::Result<()> {
        if let Some(slot) = self.reports.get_mut(index) {
            *slot = Some(report);
        }
        Ok(())
    }

    fn finish(&mut self, input_errors: &[InputLineError]) -> io::Result<()> {
        let mut report = Report::of_domains(self.reports.drain(..).flatten().collect());
        report.input_errors = input_errors.to_vec();
        render::json::render(&report, self.out)
    }
}

/// NDJSON: one line per domain, as soon as it is done (completion order; each line names its
/// domain), then one summary line. Nothing is kept, so memory does not grow with the list.
pub struct NdjsonSink<'w> {
    out: &'w mut dyn Write,
    tally: Tally,
}

impl<'w> NdjsonSink<'w> {
    /// Writes to `out`.
    pub fn new(out: &'w mut dyn Write) -> Self {
        NdjsonSink {
            out,
            tally: Tally::default(),
        }
    }
}

/// The last line of NDJSON output.
#[derive(Serialize)]
struct RunLine<'a> {
    run: RunSummary<'a>,
}

#[derive(Serialize)]
struct RunSummary<'a> {
    schema_version: u32,
    domains: usize,
    errors: usize,
    warnings: usize,
    info: usize,
    incomplete: usize,
    input_errors: &'a [InputLineError],
}

impl ReportSink for NdjsonSink<'_> {
    fn domain_done(&mut self, _index: usize, report: DomainReport) -> io::Result<()> {
        self.tally.add(&report);
        serde_json::to_writer(&mut *self.out, &report)?;
        writeln!(self.out)?;
        // A consumer reading the stream sees each domain when it is done.
        self.out.flush()
    }

    fn finish(&mut self, input_errors: &[InputLineError]) -> io::Result<()> {
        let tally = self.tally;
        let line = RunLine {
            run: RunSummary {
                schema_version: SCHEMA_VERSION,
                domains: tally.domains,
                errors: tally.errors,
                warnings: tally.warnings,
                info: tally.info,
                incomplete: tally.incomplete,
                input_errors,
            },
        };
        serde_json::to_writer(&mut *self.out, &line)?;
        writeln!(self.out)?;
        self.out.flush()
    }
}
