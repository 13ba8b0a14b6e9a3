//! What gathering found: plain data, no I/O. Rules read it; renderers show parts of it.
//!
//! Every looked-up fact is a [`Lookup`], which keeps the three verdicts apart: found, absent
//! (the DNS said there is nothing) and failed (we could not find out).

pub mod policy;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::dns::cache::QueryLogEntry;
use crate::dns::{Name, Outcome, RecordData, RecordType};
use crate::domain::DomainName;
use crate::txt::TxtRecord;

/// Everything known about one domain after gathering.
#[derive(Clone, Debug)]
pub struct Facts {
    /// The domain audited.
    pub domain: DomainName,
    /// MX records, their hosts, addresses and reverse DNS.
    pub mail: MailFacts,
    /// DMARC discovery and report authorization.
    pub dmarc: policy::DmarcFacts,
    /// The MTA-STS, TLS-RPT and BIMI records.
    pub policies: policy::PolicyRecordFacts,
    /// DKIM selectors probed or named, and the key records found.
    pub dkim: DkimFacts,
    /// The SPF record and the include/redirect tree below it.
    pub spf: crate::spf::tree::SpfFacts,
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
    /// Builds a lookup from a query's outcome, keeping the records `extract` picks. An answer
    /// with records but none that `extract` wants (a CNAME chain that ends nowhere) is NODATA.
    pub fn from_outcome(
        name: &Name,
        rtype: RecordType,
        outcome: &Outcome,
        extract: impl FnOnce(&Outcome) -> Option<T>,
    ) -> Self {
        match outcome {
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

/// Picks the data of every record of `rtype` (whatever its owner, so a CNAME chain's target
/// counts), sorted so that output does not depend on the server's rotation.
pub fn extract_sorted<T: Ord>(
    rtype: RecordType,
    pick: impl Fn(&RecordData) -> Option<T>,
) -> impl FnOnce(&Outcome) -> Option<Vec<T>> {
    move |outcome| {
        let mut items: Vec<T> = outcome.data_of(rtype).filter_map(pick).collect();
        items.sort();
        items.dedup();
        (!items.is_empty()).then_some(items)
    }
}

/// The mail-routing facts: MX records, the hosts they name, and their reverse DNS.
#[derive(Clone, Debug)]
pub struct MailFacts {
    /// The domain's MX records, sorted by preference then name.
    pub mx: ListLookup<MxRecord>,
    /// The domain's own IPv4 addresses (mail falls back to them when there is no MX).
    pub domain_a: ListLookup<Ipv4Addr>,
    /// The domain's own IPv6 addresses.
    pub domain_aaaa: ListLookup<Ipv6Addr>,
    /// One entry per distinct MX host name (not the null MX, not an IP literal).
    pub hosts: Vec<MxHost>,
}

/// One MX record.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MxRecord {
    /// Lower is preferred.
    pub preference: u16,
    /// The mail host; the root for a null MX.
    pub exchange: Name,
}

impl MxRecord {
    /// Whether this is a null MX (RFC 7505): the target is the root.
    pub fn is_null(&self) -> bool {
        self.exchange.is_root()
    }

    /// The address the target spells, if it is an IP literal rather than a host name
    /// (`192.0.2.1`, or `[192.0.2.1]` as some people write it).
    pub fn ip_literal(&self) -> Option<IpAddr> {
        let text = self.exchange.as_str();
        let text = text
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
            .unwrap_or(text);
        text.parse().ok()
    }
}

/// What was found about one MX host.
#[derive(Clone, Debug)]
pub struct MxHost {
    /// The host name from the MX record.
    pub name: Name,
    /// The name's CNAME target, if the name is an alias.
    pub cname: Lookup<Name>,
    /// IPv4 addresses.
    pub a: ListLookup<Ipv4Addr>,
    /// IPv6 addresses.
    pub aaaa: ListLookup<Ipv6Addr>,
    /// Reverse DNS of every address, IPv4 first.
    pub addresses: Vec<AddressFacts>,
}

impl MxHost {
    /// Every address found, IPv4 first.
    pub fn ips(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.addresses.iter().map(|address| address.ip)
    }
}

/// Reverse DNS of one address.
#[derive(Clone, Debug)]
pub struct AddressFacts {
    /// The address.
    pub ip: IpAddr,
    /// Its PTR names and whether each resolves back to it; `None` when the address is not
    /// public, so that public DNS has nothing to say about it and it is not looked up.
    pub ptr: Option<ListLookup<PtrName>>,
}

/// One PTR name of an address, with its forward lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PtrName {
    /// The name the PTR record gives.
    pub name: Name,
    /// The addresses of that name, of the same family as the address.
    pub forward: ListLookup<IpAddr>,
}

impl PtrName {
    /// Whether this name resolves back to `ip` (forward-confirmed reverse DNS).
    pub fn confirms(&self, ip: IpAddr) -> bool {
        self.forward.found().is_some_and(|ips| ips.contains(&ip))
    }
}

/// How the DKIM selectors to check were chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectorMode {
    /// The built-in list of common selectors was probed ([`crate::dkim::selectors`]).
    Discovery,
    /// The user named the selectors (`--selector`).
    Named,
}

/// What was found about DKIM keys (RFC 6376 §3.6.2: `selector._domainkey.domain` TXT).
#[derive(Clone, Debug)]
pub struct DkimFacts {
    /// How the selectors were chosen.
    pub mode: SelectorMode,
    /// The TXT lookup of `_domainkey.<domain>` itself. NXDOMAIN there means no name at all
    /// exists below it, so no selector of any name has a key (RFC 8020); NODATA means names
    /// exist below it, possibly selectors that were not probed.
    pub domainkey: Lookup<Vec<TxtRecord>>,
    /// Every selector asked for, in the order probed.
    pub selectors: Vec<DkimSelector>,
    /// Discovery only: the TXT lookup of a selector name no one uses
    /// ([`crate::dkim::selectors::WILDCARD_PROBE`]). Records there come from a wildcard, and a
    /// probed selector that gets the same records has no key of its own.
    pub wildcard: Option<Lookup<Vec<TxtRecord>>>,
}

impl DkimFacts {
    /// The records a wildcard gives every name, if the wildcard probe found some.
    pub fn wildcard_records(&self) -> Option<&Vec<TxtRecord>> {
        self.wildcard.as_ref().and_then(Lookup::found)
    }

    /// The key records of a selector: its TXT records, unless they are only what a wildcard
    /// answers for any name (in discovery).
    pub fn key_records<'f>(&'f self, selector: &'f DkimSelector) -> Option<&'f Vec<TxtRecord>> {
        let records = selector.txt.found()?;
        if self.mode == SelectorMode::Discovery && self.wildcard_records() == Some(records) {
            None
        } else {
            Some(records)
        }
    }

    /// The wildcard's records when they are DKIM key records: a key published for every
    /// selector name at once (`*._domainkey.example.com TXT "v=DKIM1; p=…"`).
    pub fn wildcard_key(&self) -> Option<&Vec<TxtRecord>> {
        self.wildcard_records().filter(|records| {
            records
                .iter()
                .any(|record| crate::dkim::looks_like_key_record(&record.text))
        })
    }

    /// Whether a probed selector's records are only the wildcard's.
    pub fn is_wildcard_answer(&self, selector: &DkimSelector) -> bool {
        selector.txt.found().is_some() && self.key_records(selector).is_none()
    }
}

/// One selector's lookups.
#[derive(Clone, Debug)]
pub struct DkimSelector {
    /// The selector (`google`, `s1`, …).
    pub selector: String,
    /// `selector._domainkey.domain`.
    pub name: Name,
    /// Its TXT records (after following any CNAME chain).
    pub txt: Lookup<Vec<TxtRecord>>,
    /// The CNAME chain the TXT answer followed: each alias target in order (empty when the
    /// name holds the records itself).
    pub cname_chain: Vec<Name>,
    /// An explicit CNAME lookup of the name: made for named selectors, and for probed ones
    /// whose TXT lookup found nothing although the name exists (NODATA), to show a CNAME
    /// whose target has no key (the TXT answer loses the chain then).
    pub cname: Option<Lookup<Name>>,
}

impl DkimSelector {
    /// The name the records are published at: the end of the CNAME chain.
    pub fn target(&self) -> &Name {
        self.cname_chain.last().unwrap_or(&self.name)
    }
}
