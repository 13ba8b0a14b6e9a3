//! What the families of rules add their findings to, and the wording they share.

use std::collections::{HashMap, HashSet};

use crate::dns::{Name, RecordType};
use crate::finding::Finding;

/// The most findings of one rule about one subject (for the problems of a record: the
/// record's name, so per record). A 60 KB SPF record can hold thousands of bad terms, and a
/// finding for each made one domain's report a gigabyte; the twenty first say
/// what is wrong, and one more finding says how many more there are.
pub const MAX_FINDINGS_PER_RULE_AND_SUBJECT: usize = 20;

/// The findings of one audit as the families add them, with the failed lookups reported so
/// far (each is reported once, where it was first needed).
#[derive(Default)]
pub(super) struct Findings {
    list: Vec<Finding>,
    pub(super) reported_failures: HashSet<(Name, RecordType)>,
    /// Per rule and subject: how many findings were pushed, and where the "and N more"
    /// finding is once there are more than [`MAX_FINDINGS_PER_RULE_AND_SUBJECT`].
    counts: HashMap<(&'static str, String), Count>,
}

/// The findings of one rule about one subject.
#[derive(Default)]
struct Count {
    pushed: usize,
    /// Index in the list of the finding that stands for those left out.
    more: Option<usize>,
}

impl Findings {
    /// Adds a finding; past [`MAX_FINDINGS_PER_RULE_AND_SUBJECT`] of its rule about its
    /// subject, counts it in one last finding instead ([`Findings::into_list`] words it).
    pub(super) fn push(&mut self, finding: Finding) {
        let count = self
            .counts
            .entry((finding.rule, finding.subject.clone()))
            .or_default();
        count.pushed += 1;
        if count.pushed <= MAX_FINDINGS_PER_RULE_AND_SUBJECT {
            self.list.push(finding);
            return;
        }
        // The most serious of those left out decides the summary's severity.
        if let Some(index) = count.more {
            let more = &mut self.list[index];
            more.severity = more.severity.max(finding.severity);
        } else {
            count.more = Some(self.list.len());
            self.list.push(Finding {
                excerpt: None,
                ..finding
            });
        }
    }

    /// The findings in the order they were added, the "and N more" findings worded.
    pub(super) fn into_list(self) -> Vec<Finding> {
        let mut list = self.list;
        for ((rule, subject), count) in self.counts {
            let Some(index) = count.more else { continue };
            let more = count.pushed - MAX_FINDINGS_PER_RULE_AND_SUBJECT;
            let finding = &mut list[index];
            finding.message = format!(
                "and {more} more {rule} finding{} about {subject}, not shown: at most \
                 {MAX_FINDINGS_PER_RULE_AND_SUBJECT} of one rule are reported about one subject",
                if more == 1 { "" } else { "s" }
            );
            finding.fix = format!(
                "Fix the {MAX_FINDINGS_PER_RULE_AND_SUBJECT} findings above, then run mailcheck \
                 again to see the rest."
            );
        }
        list
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
