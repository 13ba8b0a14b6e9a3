//! Overview lines: what a section found, in a few lines for people ("10 mx1.example.com →
//! 192.0.2.1"), shown above the section's findings.

use crate::finding::Section;

/// One line of a section's overview in human output, e.g. `10 mx1.example.com: 192.0.2.1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverviewLine {
    /// The section it belongs to.
    pub section: Section,
    /// How far it is indented under the section (0 = directly under the heading).
    pub depth: usize,
    /// The text; it may hold DNS data and is escaped when printed.
    pub text: String,
}

/// Record mode's overview of `section` from a family's `(depth, text)` lines: one level less
/// deep than in an audit, where the record's text is the first line.
pub(super) fn record_mode_lines(
    section: Section,
    lines: Vec<(usize, String)>,
) -> Vec<OverviewLine> {
    lines
        .into_iter()
        .map(|(depth, text)| OverviewLine::new(section, depth.saturating_sub(1), text))
        .collect()
}

impl OverviewLine {
    /// A line of `section` at `depth` under its heading.
    pub fn new(section: Section, depth: usize, text: String) -> Self {
        OverviewLine {
            section,
            depth,
            text,
        }
    }
}
