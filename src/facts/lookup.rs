//! The result of a lookup, which keeps the three verdicts apart: found, absent (the DNS said
//! there is nothing) and failed (we could not find out). Every looked-up fact is one.

use crate::dns::{Name, Outcome, RecordType};
use crate::txt::TxtRecord;

/// The result of looking something up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup<T> {
    /// The DNS answered with data.
    Found(T),
    /// The DNS said there is nothing: the name has no such record, or does not exist.
    Absent(Absence),
    /// The lookup failed; nothing is known.
    Failed(Failure),
}

/// Why a lookup found nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Absence {
    /// The name exists but has no record of the type asked for.
    NoData,
    /// The name does not exist.
    NxDomain,
}

/// A lookup that could not be completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The name asked for.
    pub name: Name,
    /// The type asked for.
    pub rtype: RecordType,
    /// The failed outcome (timeout, SERVFAIL, REFUSED or another error).
    pub outcome: Outcome,
}

impl<T> Lookup<T> {
    /// Builds a lookup from a query's outcome, keeping the records `extract` picks.
    ///
    /// An answer with records of the type but none that `extract` wants (TXT records none of
    /// which is SPF, say) is NODATA: the name was answered, and has nothing of the kind. An
    /// answer with records but none of the type at all is a failure, never an absence: it is
    /// a CNAME chain that ends nowhere (a link missing, or not followed), and the chain's end
    /// was never asked. The chase layer follows every chain it is given, so in a run this
    /// cannot happen; a source stacked without it must not turn its chains into absences.
    pub fn from_outcome(
        name: &Name,
        rtype: RecordType,
        outcome: &Outcome,
        extract: impl FnOnce(&Outcome) -> Option<T>,
    ) -> Self {
        match outcome {
            Outcome::Records(records)
                if !records.is_empty() && outcome.data_of(rtype).next().is_none() =>
            {
                Lookup::Failed(Failure {
                    name: name.clone(),
                    rtype,
                    outcome: Outcome::Error(format!(
                        "the answer holds no {rtype} record, and no CNAME chain that leads to one"
                    )),
                })
            }
            Outcome::Records(_) => match extract(outcome) {
                Some(value) => Lookup::Found(value),
                None => Lookup::Absent(Absence::NoData),
            },
            Outcome::NoData => Lookup::Absent(Absence::NoData),
            Outcome::NxDomain => Lookup::Absent(Absence::NxDomain),
            failure => Lookup::Failed(Failure {
                name: name.clone(),
                rtype,
                outcome: failure.clone(),
            }),
        }
    }

    /// Converts the found data, keeping an absence or a failure as it is.
    pub fn map<U>(self, convert: impl FnOnce(T) -> U) -> Lookup<U> {
        match self {
            Lookup::Found(value) => Lookup::Found(convert(value)),
            Lookup::Absent(absence) => Lookup::Absent(absence),
            Lookup::Failed(failure) => Lookup::Failed(failure),
        }
    }

    /// The data, if found.
    pub fn found(&self) -> Option<&T> {
        match self {
            Lookup::Found(value) => Some(value),
            _ => None,
        }
    }

    /// Whether the DNS said there is nothing.
    pub fn is_absent(&self) -> bool {
        matches!(self, Lookup::Absent(_))
    }

    /// The failure, if the lookup failed.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Lookup::Failed(failure) => Some(failure),
            _ => None,
        }
    }
}

/// A non-empty list lookup: `Found` always holds at least one item.
pub type ListLookup<T> = Lookup<Vec<T>>;

/// The TXT records at one name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxtAt {
    /// The name asked for, e.g. `_dmarc.example.com`.
    pub name: Name,
    /// What came back.
    pub txt: ListLookup<TxtRecord>,
}

impl TxtAt {
    /// The texts of the TXT records that `pick` keeps (empty when none, absent or failed).
    pub fn texts(&self, pick: impl Fn(&str) -> bool) -> Vec<&str> {
        self.txt
            .found()
            .into_iter()
            .flatten()
            .map(|record| record.text.as_str())
            .filter(|text| pick(text))
            .collect()
    }

    /// The texts of the other TXT records (neither of the type nor look-alikes).
    pub fn others(
        &self,
        is_type: impl Fn(&str) -> bool,
        lookalike: impl Fn(&str) -> bool,
    ) -> Vec<&str> {
        self.texts(|text| !is_type(text) && !lookalike(text))
    }
}

/// The most MX hosts whose addresses (and their reverse DNS) an audit looks up: the most
/// preferred first. Providers publish one to five; past 10, an SPF `mx` term already fails
/// (RFC 7208 §4.6.4, `spf-mx-too-many-names`), and 16 leaves room to audit such a domain whole.
/// 1,000 MX hosts cost 7,060 queries.
pub const MAX_MX_HOSTS: usize = 16;
/// The most public addresses of each family (IPv4, IPv6) per MX host whose reverse DNS is
/// looked up, in address order. Large providers' hosts have one to four; 50 hosts of 100
/// addresses with 5 PTR names each cost 30,259 queries. Every address is still
/// checked for being public: that needs no lookup.
pub const MAX_ADDRESSES_PER_HOST: usize = 8;
/// The most PTR names per address whose forward lookup is made (forward confirmation), in
/// name order. An address should have one (`ptr-multiple` warns at two).
pub const MAX_PTR_NAMES: usize = 4;
/// The most external DMARC report destinations whose authorization is looked up, in name
/// order. RFC 7489 §6.2 lets receivers send to as few as two URIs; 1,000 destinations cost
/// 1,000 queries.
pub const MAX_REPORT_DESTINATIONS: usize = 10;

/// An audit's limit, reached: some lookups were not made (or not finished), so the checks that
/// needed them were not verified (the `audit-limit-reached` rule; the audit is incomplete).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitReached {
    /// Which limit.
    pub limit: AuditLimit,
    /// What it is about: the domain, an MX host, an address, a `_dmarc` name.
    pub subject: String,
    /// How many there were of what the limit counts (hosts, addresses, names, destinations),
    /// or for [`AuditLimit::Questions`] and [`AuditLimit::Time`] how many lookups were not
    /// made or not finished.
    pub count: usize,
    /// A few of those left out, for the message.
    pub examples: Vec<String>,
}

/// The limits of one audit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditLimit {
    /// [`MAX_MX_HOSTS`].
    MxHosts,
    /// [`MAX_ADDRESSES_PER_HOST`] of IPv4 addresses (`true`: of IPv6).
    AddressesPerHost {
        /// Whether the addresses are IPv6.
        ipv6: bool,
    },
    /// [`MAX_PTR_NAMES`].
    PtrNames,
    /// [`MAX_REPORT_DESTINATIONS`].
    ReportDestinations,
    /// The most distinct questions of the audit
    /// ([`crate::dns::guard::MAX_QUESTIONS_PER_AUDIT`] unless the library caller chose).
    Questions(usize),
    /// The deadline of the audit (`--audit-timeout`).
    Time(std::time::Duration),
}

/// The failure of a lookup an audit limit left out: not verified, never absent.
pub fn not_looked_up(name: &Name, rtype: RecordType) -> Failure {
    Failure {
        name: name.clone(),
        rtype,
        outcome: Outcome::NotAsked(crate::dns::NotAsked::FanOutLimit),
    }
}
