//! What the families of rules add their findings to, and the wording they share.

use std::collections::HashSet;

use crate::dns::{Name, RecordType};
use crate::finding::Finding;

/// The findings of one audit as the families add them, with the failed lookups reported so
/// far (each is reported once, where it was first needed).
#[derive(Default)]
pub(super) struct Findings {
    pub(super) list: Vec<Finding>,
    pub(super) reported_failures: HashSet<(Name, RecordType)>,
}

impl Findings {
    /// Adds a finding.
    pub(super) fn push(&mut self, finding: Finding) {
        self.list.push(finding);
    }
}

/// `"a", "b"`.
pub(super) fn quoted(texts: &[impl AsRef<str>]) -> String {
    texts
        .iter()
        .map(|text| format!("\"{}\"", text.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
