//! The Zone file section: which `--zone` file answered the audit, with how many records, or
//! that a file could not be used.

use serde::Serialize;

use super::overview::OverviewLine;
use crate::facts::zone::ZoneFacts;
use crate::finding::Section;
use crate::zonefile::OriginFrom;

/// One `--zone` file in JSON `records.zones`.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ZoneFileReport {
    /// The file, as named on the command line.
    pub file: String,
    /// The zone's name (its apex), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Where the origin came from: `given`, `directive` ($ORIGIN), `soa`, `audited-domain`,
    /// `file-name`, or `unknown`.
    pub origin_from: OriginFrom,
    /// How many records were read.
    pub records: usize,
    /// Whether part of the file was not read, so absent names are not verified.
    pub incomplete: bool,
}

/// The `--zone` files of the audit, for JSON.
pub fn records(zones: &[ZoneFacts]) -> Vec<ZoneFileReport> {
    zones
        .iter()
        .map(|facts| ZoneFileReport {
            file: facts.zone.file.to_string(),
            origin: facts.zone.origin.as_ref().map(ToString::to_string),
            origin_from: facts.zone.origin_from,
            records: facts.zone.records.len(),
            incomplete: facts.zone.incomplete,
        })
        .collect()
}

/// One line per zone file that took part in the audit.
pub fn overview(zones: &[ZoneFacts]) -> Vec<OverviewLine> {
    zones
        .iter()
        .map(|facts| {
            let zone = &facts.zone;
            let text = match &zone.origin {
                Some(origin) => format!(
                    "{origin} answered from {} ({} records; zone name from {})",
                    zone.file,
                    zone.records.len(),
                    zone.origin_from.describe()
                ),
                None => format!("{} not used: its zone is unknown", zone.file),
            };
            OverviewLine::new(Section::Zone, 0, text)
        })
        .collect()
}
