//! The MTA-STS section: the record at its name (JSON `records.mta_sts`) and what it says.

use super::overview::OverviewLine;
use super::single::{self, SingleRecordReport};
use crate::facts::mta_sts::MtaStsFacts;
use crate::finding::Section;
use crate::policy::mta_sts::MtaStsRecord;

/// JSON `records.mta_sts`.
pub fn records(facts: &MtaStsFacts) -> SingleRecordReport<MtaStsRecord> {
    single::records(facts)
}

/// Record mode: what a record says.
pub fn record_overview(record: &MtaStsRecord) -> Vec<OverviewLine> {
    super::overview::record_mode_lines(Section::MtaSts, mta_sts_lines(record))
}

/// The section's overview: the record and what it says.
pub fn overview(facts: &MtaStsFacts) -> Vec<OverviewLine> {
    single::overview(Section::MtaSts, facts, |record| &record.text, mta_sts_lines)
}

/// What an MTA-STS record says.
pub fn mta_sts_lines(record: &MtaStsRecord) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    match &record.id {
        Some(id) => lines.push((
            1,
            format!("policy id {id} (the policy file itself is not checked)"),
        )),
        None => lines.push((1, "no valid id".to_owned())),
    }
    if !record.is_valid() {
        lines.push((1, "senders ignore this record: it is invalid".to_owned()));
    }
    lines
}
