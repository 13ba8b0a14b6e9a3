//! Record mode: `mailcheck record KIND 'TEXT'` checks a record's text before it is published,
//! with no DNS. Each family provides the rules that need no lookup.

use crate::finding::Finding;
use crate::finding::RecordKind;
use crate::report::OverviewLine;
use crate::txt::TxtRecord;

/// What checking one record's text found.
#[derive(Clone, Debug, Default)]
pub struct LintOutput {
    /// The problems.
    pub findings: Vec<Finding>,
    /// What the record says, for human output.
    pub overview: Vec<OverviewLine>,
}

/// Checks `text` as a record of `kind`; `None` when mailcheck cannot check that kind yet.
pub fn lint(kind: RecordKind, text: &TxtRecord) -> Option<LintOutput> {
    match kind {
        RecordKind::Dkim => Some(LintOutput {
            findings: crate::rules::dkim::check_record(
                &text.text,
                &crate::rules::dkim::KeyContext::record_mode(),
            ),
            overview: crate::describe::dkim_record_overview(text),
        }),
        RecordKind::Spf => Some(LintOutput {
            findings: crate::rules::check_spf_record(text),
            overview: crate::describe::spf_record_overview(text),
        }),
        RecordKind::Dmarc => Some(crate::rules::dmarc::lint(&text.text)),
        RecordKind::MtaSts => Some(crate::rules::mta_sts::lint(&text.text)),
        RecordKind::TlsRpt => Some(crate::rules::tls_rpt::lint(&text.text)),
        RecordKind::Bimi => Some(crate::rules::bimi::lint(&text.text)),
    }
}
