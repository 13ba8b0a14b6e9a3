//! The BIMI section: the record at its name (JSON `records.bimi`) and what it says.

use super::overview::OverviewLine;
use super::single::{self, SingleRecordReport};
use crate::facts::bimi::BimiFacts;
use crate::finding::Section;
use crate::policy::bimi::BimiRecord;

/// JSON `records.bimi`.
pub fn records(facts: &BimiFacts) -> SingleRecordReport<BimiRecord> {
    single::records(facts)
}

/// Record mode: what a record says.
pub fn record_overview(record: &BimiRecord) -> Vec<OverviewLine> {
    super::overview::record_mode_lines(Section::Bimi, bimi_lines(record))
}

/// The section's overview: the record and what it says.
pub fn overview(facts: &BimiFacts) -> Vec<OverviewLine> {
    single::overview(Section::Bimi, facts, |record| &record.text, bimi_lines)
}

/// What a BIMI record says.
pub fn bimi_lines(record: &BimiRecord) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    if record.declines() {
        lines.push((1, "declines to publish a logo (l= is empty)".to_owned()));
    } else if let Some(location) = &record.location {
        lines.push((1, format!("logo: {location}")));
    }
    match record.authority.as_deref() {
        Some("") | None => {}
        Some(authority) => lines.push((1, format!("certificate: {authority}"))),
    }
    lines
}
