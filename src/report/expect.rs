//! The JSON shape of `--expect` (`records.expected`): one entry per expected record, in the
//! order of the file.

use serde::Serialize;

use crate::expect::{Status, TermVerdict};

/// One expected record and what was found.
#[derive(Clone, Debug, Serialize)]
pub struct ExpectedRecordReport {
    /// The owner name, absolute (relative names of the file are under the audited domain).
    pub name: String,
    /// The record type (`MX`, `TXT`, `CNAME`…).
    #[serde(rename = "type")]
    pub rtype: String,
    /// The expected data in zone-file form; `null` for a type mailcheck does not look up.
    pub expected: Option<String>,
    /// `present`, `missing`, `different`, `not-verified` or `not-checked`.
    pub status: Status,
    /// The records found that the status is about, in zone-file form: the match when
    /// present, what stands in its place when different, the published SPF record.
    pub found: Vec<String>,
    /// What was found, in one sentence, when not present as written.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// Where the record is written in the file (`FILE:LINE`).
    pub source: String,
    /// For an expected SPF record: each include:, ip4: and ip6: term and whether the published
    /// policy authorizes it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<TermVerdict>,
}
