//! What gathering found: plain data, no I/O. Rules and describers read it; neither computes
//! anything two of them need (a parsed record, a key's status, the DMARC record that applies):
//! that is done once, when the facts are gathered, and stored here.
//!
//! Every looked-up fact is a [`Lookup`], which keeps the three verdicts apart: found, absent
//! (the DNS said there is nothing) and failed (we could not find out). One file per family, as
//! in every layer.

pub mod bimi;
pub mod dkim;
pub mod dmarc;
pub mod expect;
pub mod lookup;
pub mod mta_sts;
pub mod mx;
pub mod reverse;
pub mod single;
pub mod spf;
pub mod tls_rpt;
pub mod zone;

pub use lookup::{Absence, AuditLimit, Failure, LimitReached, ListLookup, Lookup, TxtAt};

use crate::dns::cache::QueryLogEntry;
use crate::domain::DomainName;

/// Everything known about one domain after gathering.
#[derive(Clone, Debug)]
pub struct Facts {
    /// The domain audited.
    pub domain: DomainName,
    /// MX records, their hosts, addresses and reverse DNS.
    pub mx: mx::MxFacts,
    /// DMARC discovery and report authorization.
    pub dmarc: dmarc::DmarcFacts,
    /// The MTA-STS record.
    pub mta_sts: mta_sts::MtaStsFacts,
    /// The TLS-RPT record.
    pub tls_rpt: tls_rpt::TlsRptFacts,
    /// The BIMI record.
    pub bimi: bimi::BimiFacts,
    /// DKIM selectors probed or named, and the key records found.
    pub dkim: dkim::DkimFacts,
    /// The SPF record and the include/redirect tree below it.
    pub spf: spf::SpfFacts,
    /// `--expect`: the records expected and what was found for them (`None` without it).
    pub expected: Option<expect::ExpectFacts>,
    /// The `--zone` files that answered the audit (or cannot answer at all).
    pub zones: Vec<zone::ZoneFacts>,
    /// Every distinct DNS question asked, in asking order.
    pub queries: Vec<QueryLogEntry>,
    /// The audit's limits that were reached (lookups not made or not finished).
    pub limits: Vec<LimitReached>,
}

impl Facts {
    /// Whether the domain does not exist: its MX lookup, asked first at the apex, was answered
    /// NXDOMAIN. A timeout or SERVFAIL is not this (nothing is known then: not verified), and
    /// neither is NODATA (the name exists without MX records).
    pub fn domain_does_not_exist(&self) -> bool {
        matches!(self.mx.records, Lookup::Absent(Absence::NxDomain))
    }

    /// The sections that do not apply to the audit because the domain does not exist: the
    /// records a domain publishes under its name (SPF, DKIM, DMARC, MTA-STS, TLS-RPT, BIMI).
    /// MX says once that the domain does not exist; zone files, `--expect` and failed lookups
    /// are reported as always. Empty when the domain exists.
    pub fn sections_not_applicable(&self) -> &'static [crate::finding::Section] {
        use crate::finding::Section;
        if self.domain_does_not_exist() {
            &[
                Section::Spf,
                Section::Dkim,
                Section::Dmarc,
                Section::MtaSts,
                Section::TlsRpt,
                Section::Bimi,
            ]
        } else {
            &[]
        }
    }

    /// Whether any lookup failed, or was not made because of an audit limit: either makes the
    /// audit incomplete.
    pub fn any_lookup_failed(&self) -> bool {
        !self.limits.is_empty() || self.queries.iter().any(|query| query.outcome.is_failure())
    }
}
