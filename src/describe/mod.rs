//! What was found, described: the structured records of JSON `records` and the overview lines
//! of human output. Findings say what is wrong; this says what is there.
//!
//! Each family's file reads that family's facts only and defines the JSON shape of its records;
//! [`records`] and [`overview()`] put them together for one audit.

pub mod bimi;
pub mod dkim;
pub mod dmarc;
pub mod expect;
pub mod lookup;
pub mod mta_sts;
pub mod mx;
pub mod overview;
pub mod reverse;
pub mod single;
pub mod spf;
pub mod tls_rpt;
pub mod zone;

use serde::Serialize;

pub use overview::OverviewLine;

use crate::facts::Facts;
use crate::policy::bimi::BimiRecord;
use crate::policy::mta_sts::MtaStsRecord;
use crate::policy::tls_rpt::TlsRptRecord;
use single::SingleRecordReport;

/// What a section that does not apply says (the domain does not exist).
pub const NOT_APPLICABLE: &str = "not checked: the domain does not exist";

/// JSON `not_applicable`: the sections that do not apply and why, when the domain does not
/// exist (NXDOMAIN at the apex). `records` keeps every family, with its lookups, so the
/// document's shape does not change; this says not to read them as "missing".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct NotApplicable {
    /// Why: `domain-does-not-exist`.
    pub reason: &'static str,
    /// The same, for people.
    pub message: &'static str,
    /// The sections that do not apply.
    pub sections: Vec<crate::finding::Section>,
}

/// [`NotApplicable`] for `facts`, or `None` when every section applies.
pub fn not_applicable(facts: &Facts) -> Option<NotApplicable> {
    let sections = facts.sections_not_applicable();
    (!sections.is_empty()).then(|| NotApplicable {
        reason: "domain-does-not-exist",
        message: "the domain does not exist (NXDOMAIN): the records under its name do not apply",
        sections: sections.to_vec(),
    })
}

/// The structured records of `facts` (JSON `records`).
pub fn records(facts: &Facts) -> Records {
    Records {
        mx: mx::records(&facts.mx),
        dmarc: Some(dmarc::records(&facts.dmarc)),
        mta_sts: Some(mta_sts::records(&facts.mta_sts)),
        tls_rpt: Some(tls_rpt::records(&facts.tls_rpt)),
        bimi: Some(bimi::records(&facts.bimi)),
        dkim: dkim::records(&facts.dkim),
        spf: Some(spf::records(&facts.spf)),
        expected: expect::records(facts.expected.as_ref()),
        zones: zone::records(&facts.zones),
    }
}

/// The overview lines of every section, in section order.
pub fn overview(facts: &Facts) -> Vec<OverviewLine> {
    let mut lines = zone::overview(&facts.zones);
    lines.extend(mx::overview(&facts.mx));
    lines.extend(reverse::overview(&facts.mx));
    let not_applicable = facts.sections_not_applicable();
    if not_applicable.is_empty() {
        lines.extend(spf::overview(&facts.spf));
        lines.extend(dkim::overview(&facts.dkim, &facts.domain.ascii));
        lines.extend(dmarc::overview(&facts.dmarc));
        lines.extend(mta_sts::overview(&facts.mta_sts));
        lines.extend(tls_rpt::overview(&facts.tls_rpt));
        lines.extend(bimi::overview(&facts.bimi));
    } else {
        // One line each, instead of what each family would say about records that cannot be
        // there.
        lines.extend(
            not_applicable
                .iter()
                .map(|section| OverviewLine::new(*section, 0, NOT_APPLICABLE.to_owned())),
        );
    }
    lines.extend(expect::overview(facts.expected.as_ref()));
    lines
}

/// The records found, as structured data (JSON `records`).
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Records {
    /// MX records with their hosts' addresses and reverse DNS.
    pub mx: Vec<mx::MxReport>,
    /// The DMARC record that applies, how it was found, and what it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dmarc: Option<dmarc::DmarcReport>,
    /// The MTA-STS record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mta_sts: Option<SingleRecordReport<MtaStsRecord>>,
    /// The TLS-RPT record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_rpt: Option<SingleRecordReport<TlsRptRecord>>,
    /// The BIMI record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bimi: Option<SingleRecordReport<BimiRecord>>,
    /// DKIM selectors and their keys.
    pub dkim: dkim::DkimRecordsReport,
    /// The SPF record and its include/redirect tree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spf: Option<spf::SpfReport>,
    /// `--expect`: each expected record and whether it is published.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expected: Vec<expect::ExpectedRecordReport>,
    /// `--zone`: each file that took part, its zone, and where that zone's name came from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<zone::ZoneFileReport>,
}
