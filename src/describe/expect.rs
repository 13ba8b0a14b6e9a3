//! `--expect`: the Expected records section (one line per expected record, with its SPF
//! terms below it) and JSON `records.expected`.

use std::fmt::Write as _;

use serde::Serialize;

use super::overview::OverviewLine;
use crate::expect::{abbreviate, short_data};
use crate::facts::expect::{ExpectFacts, ExpectedRecordFacts, Status, TermVerdict};
use crate::finding::Section;

/// Characters of record data shown on a line; longer data (a DKIM key) is cut in the middle.
const SHOWN: usize = 72;

/// JSON `records.expected`: every expected record, in file order.
pub fn records(expected: Option<&ExpectFacts>) -> Vec<ExpectedRecordReport> {
    expected
        .into_iter()
        .flat_map(|expected| &expected.records)
        .map(|ExpectedRecordFacts { lookup, verdict }| {
            let record = &lookup.record;
            ExpectedRecordReport {
                name: record.name.to_string(),
                rtype: record.type_name(),
                expected: record.data.as_ref().map(ToString::to_string),
                status: verdict.status,
                found: verdict.found.clone(),
                detail: verdict.detail.clone(),
                source: record.location.to_string(),
                terms: verdict.terms.clone(),
            }
        })
        .collect()
}

/// The section's lines: a count, then each record with its status.
pub fn overview(expected: Option<&ExpectFacts>) -> Vec<OverviewLine> {
    let mut lines = Vec::new();
    let Some(expect) = expected else {
        return lines;
    };
    let judged = &expect.records;
    let mut line = |depth, text: String| {
        lines.push(OverviewLine::new(Section::Expected, depth, text));
    };
    let mut counts = Vec::new();
    for status in [
        Status::Present,
        Status::Different,
        Status::Missing,
        Status::NotVerified,
        Status::NotChecked,
    ] {
        let count = judged
            .iter()
            .filter(|judged| judged.verdict.status == status)
            .count();
        if count > 0 {
            counts.push(format!("{count} {}", status.as_str()));
        }
    }
    line(
        0,
        format!(
            "{} expected by {}: {}",
            match judged.len() {
                1 => "1 record".to_owned(),
                n => format!("{n} records"),
            },
            expect.file,
            counts.join(", ")
        ),
    );
    for ExpectedRecordFacts { lookup, verdict } in judged {
        let record = &lookup.record;
        let mut text = format!(
            "{} {:<12} {} {}",
            verdict.status.mark(),
            verdict.status.as_str(),
            record.name,
            record.type_name()
        );
        if let Some(data) = &record.data {
            let _ = write!(text, " {}", short_data(data, SHOWN));
        }
        match verdict.status {
            Status::Different => {
                let found: Vec<String> = verdict
                    .found
                    .iter()
                    .map(|found| abbreviate(found, SHOWN))
                    .collect();
                let _ = write!(text, " (found {})", found.join(", "));
            }
            Status::NotChecked => {
                let _ = write!(text, " (mailcheck does not look up this type)");
            }
            _ => {}
        }
        line(1, text);
        for term in &verdict.terms {
            let mut text = format!("{} {}", term.status.mark(), term.term);
            if !term.detail.is_empty() {
                let _ = write!(text, " ({})", term.detail);
            }
            line(2, text);
        }
    }
    lines
}

/// One expected record and what was found.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
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
