//! The shared vocabulary of checks: how serious a finding is ([`Severity`]), where it is shown
//! ([`Section`]), the finding itself ([`Finding`]), the documentation of the rule that raised it
//! ([`Rule`]), and the kinds of record that record mode checks ([`RecordKind`]). A leaf: parsers,
//! rules, the report and the renderers all speak in these.

use std::fmt;

use clap::ValueEnum;
use serde::Serialize;

pub use crate::diagnostic::Severity;
use crate::diagnostic::Span;

/// The part of the report a finding belongs to, in display order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    /// Problems of a zone file given with `--zone`.
    Zone,
    /// MX records and their hosts.
    Mx,
    /// PTR records and forward confirmation of the mail hosts' addresses.
    ReverseDns,
    /// The SPF record and its include tree.
    Spf,
    /// DKIM keys.
    Dkim,
    /// The DMARC policy.
    Dmarc,
    /// The MTA-STS record.
    MtaSts,
    /// The TLS-RPT record.
    TlsRpt,
    /// The BIMI record.
    Bimi,
    /// Records someone was told to publish (`--expect`).
    Expected,
    /// Lookups that failed and belong to no other section.
    Dns,
}

impl Section {
    /// Every section, in display order.
    pub const ALL: &'static [Section] = &[
        Section::Zone,
        Section::Mx,
        Section::ReverseDns,
        Section::Spf,
        Section::Dkim,
        Section::Dmarc,
        Section::MtaSts,
        Section::TlsRpt,
        Section::Bimi,
        Section::Expected,
        Section::Dns,
    ];

    /// The heading shown in human output.
    pub fn title(self) -> &'static str {
        match self {
            Section::Zone => "Zone file",
            Section::Mx => "MX",
            Section::ReverseDns => "Reverse DNS",
            Section::Spf => "SPF",
            Section::Dkim => "DKIM",
            Section::Dmarc => "DMARC",
            Section::MtaSts => "MTA-STS",
            Section::TlsRpt => "TLS-RPT",
            Section::Bimi => "BIMI",
            Section::Expected => "Expected records",
            Section::Dns => "Other DNS lookups",
        }
    }
}

/// One problem found, about one subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's id, e.g. `mx-target-cname`.
    pub rule: &'static str,
    /// How serious it is here (a rule may raise or lower its default for a case).
    pub severity: Severity,
    /// The part of the report it belongs to.
    pub section: Section,
    /// What it is about: a name, a record, an address.
    pub subject: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it.
    pub fix: String,
    /// The record text the finding points into, with the span it is about (syntax problems).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<Excerpt>,
}

/// A record's text and the part of it a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Excerpt {
    /// The whole record text, as published (character-strings joined).
    pub text: String,
    /// Byte offsets of the part in question.
    pub span: Span,
}

impl Finding {
    /// A finding of `rule` with its default severity, section and fix.
    pub fn new(
        rule: &'static Rule,
        subject: impl fmt::Display,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule: rule.id,
            severity: rule.severity,
            section: rule.section,
            subject: subject.to_string(),
            message: message.into(),
            fix: rule.fix.to_owned(),
            excerpt: None,
        }
    }

    /// The same finding pointing at `span` of the record `text`.
    #[must_use]
    pub fn with_excerpt(mut self, text: impl Into<String>, span: Span) -> Self {
        self.excerpt = Some(Excerpt {
            text: text.into(),
            span,
        });
        self
    }

    /// The same finding with another severity.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The same finding in another section (a failed lookup is shown where it was needed).
    #[must_use]
    pub fn in_section(mut self, section: Section) -> Self {
        self.section = section;
        self
    }

    /// The same finding with a fix made for this case.
    #[must_use]
    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self
    }
}

/// The documentation and default severity of one rule.
#[derive(Debug, Serialize)]
pub struct Rule {
    /// Kebab-case name of the problem, e.g. `mx-target-cname`. Never reused.
    pub id: &'static str,
    /// The section its findings appear in.
    pub section: Section,
    /// The default severity (a rule may raise or lower it for a case it documents).
    pub severity: Severity,
    /// What the rule finds, in one sentence.
    pub summary: &'static str,
    /// Why it matters.
    pub rationale: &'static str,
    /// How to fix it, in general; findings often carry a fix made for their case.
    pub fix: &'static str,
    /// Where the requirement comes from, e.g. `RFC 7505 §3`.
    pub references: &'static [&'static str],
}

/// The kinds of record that can be checked on their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordKind {
    /// An SPF record (`v=spf1 …`), published as TXT at the domain.
    Spf,
    /// A DKIM key record (`v=DKIM1; k=…; p=…`), published as TXT at `selector._domainkey`.
    Dkim,
    /// A DMARC record (`v=DMARC1; p=…`), published as TXT at `_dmarc`.
    Dmarc,
    /// An MTA-STS record (`v=STSv1; id=…`), published as TXT at `_mta-sts`.
    MtaSts,
    /// A TLS-RPT record (`v=TLSRPTv1; rua=…`), published as TXT at `_smtp._tls`.
    TlsRpt,
    /// A BIMI record (`v=BIMI1; l=…; a=…`), published as TXT at `default._bimi`.
    Bimi,
}
