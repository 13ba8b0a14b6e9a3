//! The report: one serde model that both renderers read.
//!
//! The JSON form is a contract (`schema_version` 1); see README.md, "JSON output". Adding a
//! field is compatible; renaming or removing one is a breaking change.

pub mod expect;
pub mod policy;

use serde::Serialize;

use crate::domain::DomainName;
use crate::finding::{Finding, Section, Severity};

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
    pub input_errors: Vec<crate::batch::InputLineError>,
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
    /// `complete`, or `incomplete` when some lookups failed.
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

    /// Adds findings and overview lines found outside the audit (the problems of a `--zone`
    /// file), keeping the sections in display order and the counts right.
    pub fn add(&mut self, findings: Vec<Finding>, overview: Vec<OverviewLine>) {
        self.findings.extend(findings);
        // Stable: within a section, the order they were produced in.
        self.findings.sort_by_key(|finding| finding.section);
        self.overview.extend(overview);
        self.overview.sort_by_key(|line| line.section);
        self.summary = Summary::count(&self.findings, &self.dns);
    }
}

/// Whether every lookup of an audit completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditStatus {
    /// Every lookup got an answer (records, NODATA or NXDOMAIN).
    Complete,
    /// Some lookups failed; the checks that needed them were not verified.
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
        }
    }
}

/// One line of a section's overview in human output, e.g. `10 mx1.example.com: 192.0.2.1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverviewLine {
    /// The section it belongs to.
    pub section: Section,
    /// How far it is indented under the section (0 = directly under the heading).
    pub depth: usize,
    /// The text; it may hold DNS data and is escaped when printed.
    pub text: String,
}

/// The records found, as structured data (JSON `records`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Records {
    /// MX records with their hosts' addresses and reverse DNS.
    pub mx: Vec<MxReport>,
    /// The DMARC record that applies, how it was found, and what it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dmarc: Option<policy::DmarcReport>,
    /// The MTA-STS record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mta_sts: Option<policy::SingleRecordReport<crate::policy::mta_sts::MtaStsRecord>>,
    /// The TLS-RPT record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_rpt: Option<policy::SingleRecordReport<crate::policy::tls_rpt::TlsRptRecord>>,
    /// The BIMI record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bimi: Option<policy::SingleRecordReport<crate::policy::bimi::BimiRecord>>,
    /// DKIM selectors and their keys.
    pub dkim: DkimRecordsReport,
    /// The SPF record and its include/redirect tree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spf: Option<SpfReport>,
    /// `--expect`: each expected record and whether it is published.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expected: Vec<expect::ExpectedRecordReport>,
}

/// The DKIM selectors checked and what they publish (JSON `records.dkim`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct DkimRecordsReport {
    /// `discovery` (the built-in list was probed) or `named` (`--selector`).
    pub mode: &'static str,
    /// How many selectors were looked up.
    pub selectors_checked: usize,
    /// The outcome of the TXT lookup of `_domainkey.<domain>`: `nxdomain` means no selector
    /// of any name exists (RFC 8020), `nodata` or `records` that names exist below it.
    pub domainkey: &'static str,
    /// Whether a wildcard TXT record answers every name under `_domainkey` (discovery then
    /// ignores the selectors that got only the wildcard's records).
    pub wildcard: bool,
    /// The selectors found with discovery, or every selector named.
    pub selectors: Vec<DkimSelectorReport>,
}

/// One selector.
#[derive(Clone, Debug, Serialize)]
pub struct DkimSelectorReport {
    /// The selector.
    pub selector: String,
    /// `selector._domainkey.domain`.
    pub name: String,
    /// `found`, `nxdomain`, `nodata` or `failed`.
    pub status: &'static str,
    /// The CNAME targets the name led to, in order (the key is published at the last one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cname_chain: Vec<String>,
    /// The key records found (more than one is an error).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<DkimKeyReport>,
}

/// One DKIM key record.
#[derive(Clone, Debug, Serialize)]
pub struct DkimKeyReport {
    /// The record's text (character-strings joined).
    pub record: String,
    /// `valid`, `revoked` or `invalid` (an error makes signatures with it fail).
    pub status: &'static str,
    /// The key type in effect (`rsa` unless k= says otherwise).
    pub key_type: String,
    /// RSA modulus size in bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bits: Option<usize>,
    /// RSA public exponent, when it fits 64 bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exponent: Option<u64>,
    /// How an RSA key is wrapped: `spki` or `pkcs1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    /// Whether t=y (testing mode) is set.
    pub testing: bool,
    /// The h= algorithms, when h= is present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hashes: Option<Vec<String>>,
    /// The s= service types, when s= is present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<String>>,
}

/// One MX record and what its target resolves to.
#[derive(Clone, Debug, Serialize)]
pub struct MxReport {
    /// Lower is preferred.
    pub preference: u16,
    /// The target host (`.` for a null MX).
    pub target: String,
    /// The CNAME target, when the host is an alias (it should not be).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cname: Option<String>,
    /// The host's addresses with their reverse DNS.
    pub addresses: Vec<AddressReport>,
}

/// One address of an MX host.
#[derive(Clone, Debug, Serialize)]
pub struct AddressReport {
    /// The address.
    pub ip: String,
    /// Its PTR names.
    pub ptr: Vec<PtrReport>,
}

/// One PTR name of an address.
#[derive(Clone, Debug, Serialize)]
pub struct PtrReport {
    /// The name.
    pub name: String,
    /// Whether the name resolves back to the address.
    pub forward_confirmed: bool,
}

/// One DNS question as JSON shows it (and `--verbose` prints).
#[derive(Clone, Debug, Serialize)]
pub struct QueryReport {
    /// The name asked for.
    pub name: String,
    /// The type asked for.
    #[serde(rename = "type")]
    pub rtype: String,
    /// `records`, `nodata`, `nxdomain`, `servfail`, `refused`, `timeout` or `error`.
    pub outcome: &'static str,
    /// Whether the outcome is a failure (the audit is then incomplete).
    #[serde(skip)]
    pub failed: bool,
    /// The error text for `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Milliseconds the audit waited for the answer.
    pub ms: u64,
    /// The answer's records, in zone-file form (`name TTL TYPE data`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<String>,
}

/// The domain's SPF policy as JSON shows it.
#[derive(Clone, Debug, Serialize)]
pub struct SpfReport {
    /// Terms that cause DNS lookups, counted in evaluation order through every include.
    pub lookups: u32,
    /// Whether `lookups` is a lower bound (an include could not be followed).
    pub lookups_at_least: bool,
    /// The limit, 10 (RFC 7208 §4.6.4).
    pub lookup_limit: u32,
    /// Lookups that found nothing.
    pub void_lookups: u32,
    /// The limit, 2 (RFC 7208 §4.6.4).
    pub void_lookup_limit: u32,
    /// When over the limit: the path to the 11th lookup, outermost term first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eleventh_lookup: Option<Vec<SpfPathReport>>,
    /// Obsolete type-99 SPF records at the domain.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub type99_records: Vec<String>,
    /// The domain's record and what it leads to.
    pub tree: SpfNodeReport,
}

/// One term on the way to a lookup.
#[derive(Clone, Debug, Serialize)]
pub struct SpfPathReport {
    /// The domain whose record holds the term.
    pub domain: String,
    /// The term.
    pub term: String,
}

/// One domain's SPF record in the tree.
#[derive(Clone, Debug, Serialize)]
pub struct SpfNodeReport {
    /// The domain.
    pub domain: String,
    /// `found`, `missing` (no SPF record), `multiple`, `nxdomain` or `not-verified`.
    pub status: &'static str,
    /// The record's text, when there is exactly one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Every SPF record's text, when there are several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
    /// Lookups caused by this record's own terms.
    pub own_lookups: u32,
    /// Lookups of this record and everything below it.
    pub cumulative_lookups: u32,
    /// Void lookups of this record's own terms.
    pub own_void_lookups: u32,
    /// Void lookups of this record and everything below it.
    pub cumulative_void_lookups: u32,
    /// The record's terms.
    pub terms: Vec<SpfTermReport>,
}

/// One term of an SPF record.
#[derive(Clone, Debug, Serialize)]
#[allow(clippy::struct_excessive_bools)] // independent JSON flags, each omitted when false
pub struct SpfTermReport {
    /// The term as written.
    pub term: String,
    /// Lookups it costs (0 or 1; 0 when evaluation never reaches it).
    pub lookups: u32,
    /// False for terms after `all`, and `redirect` beside `all`: never evaluated.
    pub reachable: bool,
    /// The name it looks up, when known without a client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The target holds macros that depend on the sender or client (`%{l}`, `%{i}`…).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub target_depends_on_sender: bool,
    /// Its lookup found nothing (NXDOMAIN or NODATA).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub void: bool,
    /// Its lookup failed (timeout, SERVFAIL): not verified.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_verified: bool,
    /// For `mx`: how many MX names the target has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mx_names: Option<usize>,
    /// The target is already being evaluated higher up: a loop.
    #[serde(rename = "loop", skip_serializing_if = "std::ops::Not::not")]
    pub is_loop: bool,
    /// For `include` and `redirect`: the target's record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child: Option<Box<SpfNodeReport>>,
}
