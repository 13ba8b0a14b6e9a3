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
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The version of this document's shape.
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: ToolInfo,
    /// One entry per domain, in the order given.
    pub domains: Vec<DomainReport>,
    /// Record mode (`mailcheck record`): one entry per record text checked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lints: Vec<LintReport>,
    /// `mailcheck spf`: one SPF evaluation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spf_check: Option<SpfCheckReport>,
    /// Lines of `--input` that are not domains (the others were audited).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub input_errors: Vec<InputLineError>,
}

/// One `check_host()` run (`mailcheck spf`).
#[derive(Clone, Debug, Serialize)]
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
            domains,
            lints: Vec::new(),
            spf_check: None,
            input_errors: Vec::new(),
        }
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
#[derive(Clone, Debug, Serialize)]
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

/// Name and version of the tool.
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
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
    /// The records found, as structured data.
    pub records: Records,
    /// Per-section lines for human output ("what was found").
    #[serde(skip)]
    pub overview: Vec<OverviewLine>,
    /// Every distinct DNS question asked, in asking order.
    pub dns: Vec<QueryReport>,
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
        DomainReport {
            domain: domain.ascii.to_string(),
            domain_unicode: domain.unicode.clone(),
            status,
            summary,
            providers: Vec::new(),
            findings,
            records,
            overview,
            dns,
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

/// Whether every lookup of an audit completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditStatus {
    /// Every lookup got an answer (records, NODATA or NXDOMAIN).
    Complete,
    /// Some lookups failed, or were not made because the audit reached one of its limits;
    /// the checks that needed them were not verified.
    Incomplete,
}

/// Counts for one domain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputLineError {
    /// 1-based line number.
    pub line: usize,
    /// The line as given (trimmed).
    pub text: String,
    /// Why it is not a domain.
    pub message: String,
}
