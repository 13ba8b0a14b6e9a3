//! The `dns` list of a report: every distinct question an audit asked, with its outcome.

use serde::Serialize;

use crate::dns::cache::QueryLogEntry;
use crate::dns::{NotAsked, Outcome};
use crate::facts::lookup::Failure;

/// The query log as the report shows it, sorted by name and type: concurrent lookups finish
/// in no fixed order, and a report must not change from run to run. A failed question in
/// `not_needed` (asked at once with the others, but not needed by the verdict, such as a name
/// of the DMARC tree walk above the record that decided it) is shown as it went, but does not
/// make the audit incomplete.
pub fn queries(log: &[QueryLogEntry], not_needed: &[Failure]) -> Vec<QueryReport> {
    let mut log: Vec<&QueryLogEntry> = log.iter().collect();
    log.sort_by(|a, b| (&a.name, a.rtype).cmp(&(&b.name, b.rtype)));
    log.into_iter()
        .map(|entry| QueryReport {
            name: entry.name.to_string(),
            rtype: entry.rtype.to_string(),
            outcome: entry.outcome.kind(),
            failed: entry.outcome.is_failure()
                && !not_needed
                    .iter()
                    .any(|failure| failure.name == entry.name && failure.rtype == entry.rtype),
            offline: matches!(entry.outcome, Outcome::NotAsked(NotAsked::Offline)),
            error: entry.outcome.error_message().map(str::to_owned),
            ms: u64::try_from(entry.elapsed.as_millis()).unwrap_or(u64::MAX),
            answers: entry
                .outcome
                .records()
                .iter()
                .map(|record| {
                    format!(
                        "{}. {} {} {}",
                        record.name,
                        record.ttl,
                        record.data.record_type(),
                        record.data
                    )
                })
                .collect(),
        })
        .collect()
}

/// One DNS question as JSON shows it (and `--verbose` prints).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
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
    /// Whether it failed only because `--offline` forbade asking (the name is in no `--zone`
    /// file).
    #[serde(skip)]
    pub offline: bool,
    /// The error text for `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Milliseconds the audit waited for the answer.
    pub ms: u64,
    /// The answer's records, in zone-file form (`name TTL TYPE data`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<String>,
}
