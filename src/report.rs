//! The report: one serde model that both renderers read.
//!
//! The JSON form is a contract (`schema_version` 1); see README.md, "JSON output". Adding a
//! field is compatible; renaming or removing one is a breaking change.

use serde::Serialize;

use crate::describe::lookup::QueryReport;
use crate::describe::{OverviewLine, Records};
use crate::domain::DomainName;
use crate::finding::{Finding, Severity};

/// The version of the JSON document's shape.
pub const SCHEMA_VERSION: u32 = 1;

/// A whole run: one entry per domain.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Report {
    /// The version of this document's shape.
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: ToolInfo,
    /// The name servers the run asked (`127.0.0.1:5353`, or the system's by address); absent
    /// when it asked none (`--offline`, `--replay`, `record`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nameservers: Vec<String>,
    /// One entry per domain, in the order given.
    pub domains: Vec<DomainReport>,
    /// Record mode (`mailcheck record`): one entry per record text checked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lints: Vec<LintReport>,
    /// `mailcheck spf`: one SPF evaluation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spf_check: Option<SpfCheckReport>,
    /// Lines of `--input` that are not domains (the others were audited): `input_errors`,
    /// at most [`MAX_INPUT_ERRORS`] of them, and `input_errors_omitted`, how many more.
    #[serde(flatten)]
    pub input_errors: InputErrors,
    /// A problem of the tool itself that came after the domains were written (a `--save-dns`
    /// file that could not be written): the run exits 2, and the document stays one document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ToolError>,
    /// What the network lost and was given over the run: tries and lookups that timed out,
    /// answers the kernel dropped, the UDP sockets' receive buffer. Absent when the run
    /// asked no name server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<crate::dns::network::buffers::NetworkSummary>,
}

/// One `check_host()` run (`mailcheck spf`).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SpfCheckReport {
    /// The client address.
    pub ip: String,
    /// The domain checked.
    pub domain: String,
    /// The sender (MAIL FROM) used.
    pub sender: String,
    /// The HELO name used.
    pub helo: String,
    /// The evaluation.
    #[serde(flatten)]
    pub evaluation: crate::spf::Evaluation,
}

impl Report {
    /// A report of audits.
    pub fn of_domains(domains: Vec<DomainReport>) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo::default(),
            nameservers: Vec::new(),
            domains,
            lints: Vec::new(),
            spf_check: None,
            input_errors: InputErrors::default(),
            error: None,
            network: None,
        }
    }

    /// Every finding with the name it is about: each domain's (its A-label form), then each
    /// record checked on its own (`spf record`), in order. For the formats of one line per
    /// finding (short, github, sarif).
    pub fn named_findings(&self) -> impl Iterator<Item = (String, &Finding)> {
        let domains = self.domains.iter().flat_map(|domain| {
            domain
                .findings
                .iter()
                .map(|finding| (domain.domain.clone(), finding))
        });
        let lints = self.lints.iter().flat_map(|lint| {
            let name = format!("{} record", lint.kind.name());
            lint.findings
                .iter()
                .map(move |finding| (name.clone(), finding))
        });
        domains.chain(lints)
    }

    /// The highest severity of any finding in the report.
    pub fn worst(&self) -> Option<Severity> {
        let domains = self.domains.iter().flat_map(|domain| &domain.findings);
        let lints = self.lints.iter().flat_map(|lint| &lint.findings);
        domains.chain(lints).map(|finding| finding.severity).max()
    }

    /// Whether some lookups failed, so the report is incomplete.
    pub fn incomplete(&self) -> bool {
        self.domains
            .iter()
            .any(|domain| domain.status == AuditStatus::Incomplete)
    }
}

/// One record's text checked on its own, with no DNS.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct LintReport {
    /// What kind of record it is (`spf`, `dkim`, `dmarc`, …).
    pub kind: crate::finding::RecordKind,
    /// The record text (character-strings joined).
    pub text: String,
    /// Counts of findings by severity.
    pub summary: Summary,
    /// Every finding.
    pub findings: Vec<Finding>,
    /// What the record says, for human output.
    #[serde(skip)]
    pub overview: Vec<OverviewLine>,
}

impl LintReport {
    /// Builds the entry; counts are derived from the findings.
    pub fn new(
        kind: crate::finding::RecordKind,
        text: String,
        findings: Vec<Finding>,
        overview: Vec<OverviewLine>,
    ) -> Self {
        LintReport {
            kind,
            text,
            summary: Summary::count(&findings, &[]),
            findings,
            overview,
        }
    }
}

/// The JSON document of a run that stopped before it began (a usage or input error): the
/// version of the shape, the tool, and the error.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ErrorDocument {
    /// The version of this document's shape.
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: ToolInfo,
    /// What went wrong.
    pub error: ToolError,
}

/// Name and version of the tool.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ToolInfo {
    /// Always `mailcheck`.
    pub name: &'static str,
    /// The crate version.
    pub version: &'static str,
}

impl Default for ToolInfo {
    fn default() -> Self {
        ToolInfo {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// Everything about one domain.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DomainReport {
    /// The domain, in A-label form.
    pub domain: String,
    /// Its Unicode form, when it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_unicode: Option<String>,
    /// `complete`, or `incomplete` when some lookups failed or were not made (an audit limit).
    pub status: AuditStatus,
    /// Counts of findings by severity.
    pub summary: Summary,
    /// The mail providers the domain's records point to, and why mailcheck thinks so.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<crate::providers::DetectedProvider>,
    /// Every finding, grouped by section, in a stable order.
    pub findings: Vec<Finding>,
    /// The findings `--ignore` or `--select` left out, and which option did; absent when none
    /// was.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<IgnoredFinding>,
    /// The sections that do not apply, and why (the domain does not exist); absent when every
    /// section applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<crate::describe::NotApplicable>,
    /// The records found, as structured data.
    pub records: Records,
    /// Per-section lines for human output ("what was found").
    #[serde(skip)]
    pub overview: Vec<OverviewLine>,
    /// Every distinct DNS question asked, in asking order.
    pub dns: Vec<QueryReport>,
    /// Whether the audit is incomplete only because `--offline` left names outside the domain
    /// unasked (a provider's SPF include, an MX host at a provider): `--offline-ok` then does
    /// not make it exit 3. Any other failure, or an unasked name of the domain itself, does.
    #[serde(skip)]
    pub offline_only: bool,
}

impl DomainReport {
    /// Builds the report entry for `domain`; counts and status are derived from the findings.
    pub fn new(
        domain: &DomainName,
        findings: Vec<Finding>,
        records: Records,
        overview: Vec<OverviewLine>,
        dns: Vec<QueryReport>,
    ) -> Self {
        let summary = Summary::count(&findings, &dns);
        let status = if summary.lookups_failed > 0 {
            AuditStatus::Incomplete
        } else {
            AuditStatus::Complete
        };
        let apex = domain.ascii.as_str();
        let own = |name: &str| {
            let name = name.trim_end_matches('.');
            name.eq_ignore_ascii_case(apex)
                || name
                    .len()
                    .checked_sub(apex.len() + 1)
                    .and_then(|at| name.get(at..))
                    .is_some_and(|tail| {
                        tail.starts_with('.') && tail[1..].eq_ignore_ascii_case(apex)
                    })
        };
        let offline_only = summary.lookups_failed > 0
            && dns
                .iter()
                .filter(|query| query.failed)
                .all(|query| query.offline && !own(&query.name));
        DomainReport {
            domain: domain.ascii.to_string(),
            domain_unicode: domain.unicode.clone(),
            status,
            summary,
            providers: Vec::new(),
            findings,
            ignored: Vec::new(),
            not_applicable: None,
            records,
            overview,
            dns,
            offline_only,
        }
    }

    /// The highest severity among the findings, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|finding| finding.severity).max()
    }

    /// The same report of an audit that reached `limits` of its limits: when any, some lookups
    /// were not made, and the audit is incomplete.
    #[must_use]
    pub fn with_limits_reached(mut self, limits: usize) -> Self {
        self.summary.limits_reached = limits;
        if limits > 0 {
            self.status = AuditStatus::Incomplete;
        }
        self
    }
}

/// A finding left out of a report by `--ignore` or `--select`, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct IgnoredFinding {
    /// The rule's id.
    pub rule: &'static str,
    /// What it was about.
    pub subject: String,
    /// The option that left it out: `--ignore bimi`, or `--select` when no `--select` named
    /// its rule.
    pub by: String,
}

/// Whether every lookup of an audit completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuditStatus {
    /// Every lookup got an answer (records, NODATA or NXDOMAIN).
    Complete,
    /// Some lookups failed, or were not made because the audit reached one of its limits;
    /// the checks that needed them were not verified.
    Incomplete,
}

/// Counts for one domain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Summary {
    /// Findings of severity error.
    pub errors: usize,
    /// Findings of severity warning.
    pub warnings: usize,
    /// Findings of severity info.
    pub info: usize,
    /// Distinct DNS questions asked.
    pub lookups: usize,
    /// Of those, how many failed (timeout, SERVFAIL, REFUSED, other errors).
    pub lookups_failed: usize,
    /// How many of the audit's limits were reached (`audit-limit-reached`); left out when
    /// none was.
    #[serde(skip_serializing_if = "is_zero")]
    pub limits_reached: usize,
}

// serde's skip_serializing_if passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(count: &usize) -> bool {
    *count == 0
}

impl Summary {
    pub(crate) fn count(findings: &[Finding], dns: &[QueryReport]) -> Self {
        let of = |severity| {
            findings
                .iter()
                .filter(|finding| finding.severity == severity)
                .count()
        };
        Summary {
            errors: of(Severity::Error),
            warnings: of(Severity::Warning),
            info: of(Severity::Info),
            lookups: dns.len(),
            lookups_failed: dns.iter().filter(|query| query.failed).count(),
            limits_reached: 0,
        }
    }
}

/// A line of a domain list that is not a domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct InputLineError {
    /// 1-based line number.
    pub line: usize,
    /// The line as given (trimmed, without its comment), cut to its first
    /// [`QUOTED_CHARS`] characters and `…`: a line may be megabytes long.
    pub text: String,
    /// Why it is not a domain (quoting the line as short as `text`).
    pub message: String,
}

/// Characters of an invalid input line that its error quotes.
pub const QUOTED_CHARS: usize = 60;

/// The most invalid input lines a report lists one by one; the others are only counted, so
/// that a list of a million bad lines gives a report of a bounded size.
pub const MAX_INPUT_ERRORS: usize = 100;

/// The invalid lines of a domain list: the first [`MAX_INPUT_ERRORS`], and a count of the
/// rest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct InputErrors {
    /// The first invalid lines, in input order.
    #[serde(rename = "input_errors", skip_serializing_if = "Vec::is_empty")]
    pub listed: Vec<InputLineError>,
    /// How many more there were.
    #[serde(rename = "input_errors_omitted", skip_serializing_if = "is_zero")]
    pub omitted: usize,
}

impl InputErrors {
    /// Adds an invalid line: listed while there is room, else counted.
    pub fn push(&mut self, error: InputLineError) {
        if self.listed.len() < MAX_INPUT_ERRORS {
            self.listed.push(error);
        } else {
            self.omitted += 1;
        }
    }

    /// Whether every line was valid.
    pub fn is_empty(&self) -> bool {
        self.listed.is_empty() && self.omitted == 0
    }
}

/// An error of the tool itself, as JSON shows it (`error`): on its own in a document when the
/// run could not start, beside the results when it came at the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ToolError {
    /// `input`: a usage or input error, exit code 2; `interrupted`: Ctrl-C, exit code 130.
    pub kind: &'static str,
    /// What went wrong.
    pub message: String,
}

impl ToolError {
    /// A usage or input error (exit 2).
    pub fn input(message: impl Into<String>) -> Self {
        ToolError {
            kind: "input",
            message: message.into(),
        }
    }

    /// The run was interrupted (Ctrl-C, exit 130): the document holds the domains done by
    /// then, and says so.
    pub fn interrupted(message: impl Into<String>) -> Self {
        ToolError {
            kind: "interrupted",
            message: message.into(),
        }
    }
}
