//! What gathering found: plain data, no I/O. Rules read it; renderers show parts of it.
//!
//! Every looked-up fact is a [`Lookup`], which keeps the three verdicts apart: found, absent
//! (the DNS said there is nothing) and failed (we could not find out).

pub mod dkim;
pub mod lookup;
pub mod mx;
pub mod policy;
pub mod reverse;
pub mod spf;

pub use lookup::{Absence, Failure, ListLookup, Lookup, TxtAt};

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
    pub dmarc: policy::DmarcFacts,
    /// The MTA-STS, TLS-RPT and BIMI records.
    pub policies: policy::PolicyRecordFacts,
    /// DKIM selectors probed or named, and the key records found.
    pub dkim: dkim::DkimFacts,
    /// The SPF record and the include/redirect tree below it.
    pub spf: spf::SpfFacts,
    /// `--expect`: the records expected and what was found for them (`None` without it).
    pub expected: Option<crate::expect::ExpectFacts>,
    /// Every distinct DNS question asked, in asking order.
    pub queries: Vec<QueryLogEntry>,
}

impl Facts {
    /// Whether any lookup failed, which makes the audit incomplete.
    pub fn any_lookup_failed(&self) -> bool {
        self.queries.iter().any(|query| query.outcome.is_failure())
    }
}
