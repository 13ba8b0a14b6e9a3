//! The Zone file section: which `--zone` file answered the audit, with how many records, or
//! that a file could not be used.

use super::overview::OverviewLine;
use crate::facts::zone::ZoneFacts;
use crate::finding::Section;

/// One line per zone file that took part in the audit.
pub fn overview(zones: &[ZoneFacts]) -> Vec<OverviewLine> {
    zones
        .iter()
        .map(|facts| {
            let zone = &facts.zone;
            let text = match &zone.origin {
                Some(origin) => format!(
                    "{origin} answered from {} ({} records)",
                    zone.file,
                    zone.records.len()
                ),
                None => format!("{} not used: its zone is unknown", zone.file),
            };
            OverviewLine::new(Section::Zone, 0, text)
        })
        .collect()
}
