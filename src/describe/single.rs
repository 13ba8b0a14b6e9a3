//! The record types that live at one name (MTA-STS, TLS-RPT, BIMI): whether exactly one is
//! published, and its overview. Each family's file says what its record holds.

use serde::Serialize;

use super::overview::OverviewLine;
use crate::facts::single::{Published, SingleRecordFacts};
use crate::finding::Section;

/// The JSON form of a single-record lookup.
pub(super) fn records<T: Clone>(facts: &SingleRecordFacts<T>) -> SingleRecordReport<T> {
    let (status, record, records) = match &facts.published {
        Published::One(record) => (RecordStatus::Found, Some(record.clone()), Vec::new()),
        Published::Several(texts) => (RecordStatus::Multiple, None, texts.clone()),
        Published::None => (RecordStatus::Missing, None, Vec::new()),
        Published::NotVerified(_) => (RecordStatus::NotVerified, None, Vec::new()),
    };
    SingleRecordReport {
        name: facts.at.name.to_string(),
        status,
        record,
        records,
    }
}

/// The overview of a single-record lookup in `section`: the record's text (`text`), then what
/// it holds (`describe`).
pub(super) fn overview<T>(
    section: Section,
    facts: &SingleRecordFacts<T>,
    text: impl Fn(&T) -> &str,
    describe: impl Fn(&T) -> Vec<(usize, String)>,
) -> Vec<OverviewLine> {
    let name = &facts.at.name;
    let lines: Vec<(usize, String)> = match &facts.published {
        Published::One(record) => {
            let mut lines = vec![(0, format!("{name}: {}", text(record)))];
            lines.extend(describe(record));
            lines
        }
        Published::Several(texts) => texts
            .iter()
            .map(|text| (0, format!("{name}: {text}")))
            .collect(),
        Published::None => vec![(0, format!("no record at {name}"))],
        Published::NotVerified(_) => vec![(0, format!("{name}: not verified"))],
    };
    lines
        .into_iter()
        .map(|(depth, text)| OverviewLine::new(section, depth, text))
        .collect()
}

/// Whether a record type is published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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

/// MTA-STS, TLS-RPT or BIMI: the single record at its name.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
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
