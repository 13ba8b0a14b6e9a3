//! Record mode: `mailcheck record KIND 'TEXT'` checks a record's text before it is published,
//! with no DNS. The one owner of record mode for every family: the text is parsed once, the
//! family's rules judge it ([`crate::rules`]) and its describer says what it holds
//! ([`crate::describe`]).

use crate::describe::OverviewLine;
use crate::facts::dkim::DkimRecord;
use crate::finding::{Finding, RecordKind};
use crate::policy::{bimi, dmarc, mta_sts, tls_rpt};
use crate::spf;
use crate::txt::TxtRecord;
use crate::{describe, rules};

/// What checking one record's text found.
#[derive(Clone, Debug, Default)]
pub struct RecordCheck {
    /// The problems.
    pub findings: Vec<Finding>,
    /// What the record says, for human output.
    pub overview: Vec<OverviewLine>,
}

/// Checks `text` as a record of `kind`.
pub fn check(kind: RecordKind, text: &TxtRecord) -> RecordCheck {
    match kind {
        RecordKind::Spf => {
            let record = spf::record::parse_record(&text.text);
            RecordCheck {
                findings: rules::spf::check_record(text, &record),
                overview: describe::spf::record_overview(text, &record),
            }
        }
        RecordKind::Dkim => {
            let key = DkimRecord::new(text.clone());
            RecordCheck {
                findings: rules::dkim::check_record(&key),
                overview: describe::dkim::record_overview(&key),
            }
        }
        RecordKind::Dmarc => {
            let record = dmarc::parse(&text.text);
            RecordCheck {
                findings: rules::dmarc::check_record(&record),
                overview: describe::dmarc::record_overview(&record),
            }
        }
        RecordKind::DmarcReportAuth => {
            let record = dmarc::parse_report_authorization(&text.text);
            RecordCheck {
                findings: rules::dmarc::check_report_authorization(&record),
                overview: describe::dmarc::report_authorization_overview(&record),
            }
        }
        RecordKind::MtaSts => {
            let record = mta_sts::parse(&text.text);
            RecordCheck {
                findings: rules::mta_sts::check_record(&record),
                overview: describe::mta_sts::record_overview(&record),
            }
        }
        RecordKind::TlsRpt => {
            let record = tls_rpt::parse(&text.text);
            RecordCheck {
                findings: rules::tls_rpt::check_record(&record),
                overview: describe::tls_rpt::record_overview(&record),
            }
        }
        RecordKind::Bimi => {
            let record = bimi::parse(&text.text);
            RecordCheck {
                findings: rules::bimi::check_record(&record),
                overview: describe::bimi::record_overview(&record),
            }
        }
    }
}
