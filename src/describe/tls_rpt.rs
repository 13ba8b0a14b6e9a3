//! The TLS-RPT section: the record at its name (JSON `records.tls_rpt`) and what it says.

use super::overview::OverviewLine;
use super::single::{self, SingleRecordReport};
use crate::facts::tls_rpt::TlsRptFacts;
use crate::finding::Section;
use crate::policy::tls_rpt::TlsRptRecord;

/// JSON `records.tls_rpt`.
pub fn records(facts: &TlsRptFacts) -> SingleRecordReport<TlsRptRecord> {
    single::records(facts)
}

/// Record mode: what a record says.
pub fn record_overview(record: &TlsRptRecord) -> Vec<OverviewLine> {
    super::overview::record_mode_lines(Section::TlsRpt, tls_rpt_lines(record))
}

/// The section's overview: the record and what it says.
pub fn overview(facts: &TlsRptFacts) -> Vec<OverviewLine> {
    single::overview(Section::TlsRpt, facts, |record| &record.text, tls_rpt_lines)
}

/// What a TLS-RPT record says.
pub fn tls_rpt_lines(record: &TlsRptRecord) -> Vec<(usize, String)> {
    let list: Vec<String> = record
        .rua
        .iter()
        .map(|uri| {
            if uri.valid {
                uri.text.clone()
            } else {
                format!("{} (invalid)", uri.text)
            }
        })
        .collect();
    let mut lines = Vec::new();
    if !list.is_empty() {
        lines.push((1, format!("TLS reports → {}", list.join(", "))));
    }
    if !record.is_valid() {
        lines.push((1, "senders ignore this record: it is invalid".to_owned()));
    }
    lines
}
