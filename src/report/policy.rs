//! The JSON shape of the policy records (`records.dmarc`, `records.mta_sts`,
//! `records.tls_rpt`, `records.bimi`). Parsed records are included whole: every tag as
//! written with whether it is valid, the values understood, and every problem with its span.

use serde::Serialize;

use crate::policy::dmarc::{DmarcRecord, Effective, Policy};

/// Whether a record type is published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordStatus {
    /// Exactly one record applies.
    Found,
    /// None is published.
    Missing,
    /// More than one is published, so none applies.
    Multiple,
    /// A lookup failed: unknown.
    NotVerified,
}

/// DMARC: which record applies, why, and what it says.
#[derive(Clone, Debug, Serialize)]
pub struct DmarcReport {
    /// `found`, `missing`, `multiple` or `not-verified`.
    pub status: RecordStatus,
    /// The `_dmarc` names asked, in discovery order.
    pub queried: Vec<String>,
    /// The domain's organizational domain (RFC 7489 §3.2, Public Suffix List).
    pub organizational_domain: String,
    /// Where the applicable record (or the several records) is published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The domain that published the applicable record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_domain: Option<String>,
    /// Whether the record came from the organizational domain.
    pub inherited: bool,
    /// Which record applies and why, in one sentence.
    pub why: String,
    /// The applicable record, parsed: every tag, the values, every problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<DmarcRecord>,
    /// The texts of every DMARC record when there are several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
    /// What receivers apply (absent when they ignore the record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective: Option<Effective>,
    /// The policy for the audited domain's own mail (`sp` when inherited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_for_domain: Option<Policy>,
    /// Every valid report address with its authorization state.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub report_destinations: Vec<DestinationReport>,
}

/// One report address of `rua` or `ruf`.
#[derive(Clone, Debug, Serialize)]
pub struct DestinationReport {
    /// `rua` or `ruf`.
    pub tag: &'static str,
    /// The URI as written.
    pub uri: String,
    /// The destination host.
    pub host: String,
    /// Whether it is outside the policy domain's organization.
    pub external: bool,
    /// For an external destination: whether it publishes the authorization record (absent
    /// when the lookup failed or was not needed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorized: Option<bool>,
}

/// MTA-STS, TLS-RPT or BIMI: the single record at its name.
#[derive(Clone, Debug, Serialize)]
pub struct SingleRecordReport<T> {
    /// The name asked, e.g. `_mta-sts.example.com`.
    pub name: String,
    /// `found`, `missing`, `multiple` or `not-verified`.
    pub status: RecordStatus,
    /// The record, parsed, when exactly one is published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<T>,
    /// The texts when several are published.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
}
