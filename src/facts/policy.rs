//! Facts about the policy records: DMARC (with organizational-domain fallback and external
//! report authorization), MTA-STS, TLS-RPT and BIMI. Plain data; the parsers are pure, so
//! the records are parsed here once and read by rules and renderers alike.

use super::lookup::{Absence, Failure, Lookup, TxtAt};
use crate::dns::Name;
use crate::policy::dmarc::{self, DmarcRecord, Effective, Policy};
use crate::policy::{bimi, mta_sts, tls_rpt};

/// DMARC facts: the lookups of policy discovery (RFC 7489 §6.6.3) and of report
/// authorization (§7.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DmarcFacts {
    /// The domain audited.
    pub domain: Name,
    /// Its organizational domain (RFC 7489 §3.2), from the Public Suffix List.
    pub organizational_domain: Name,
    /// `_dmarc.<domain>`.
    pub at_domain: TxtAt,
    /// `_dmarc.<organizational domain>`, asked only when the domain has no DMARC record and
    /// is not itself the organizational domain.
    pub at_organization: Option<TxtAt>,
    /// One authorization check per external report destination of the applicable record.
    pub authorizations: Vec<Authorization>,
}

/// Which DMARC record applies to the domain, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Discovery {
    /// Exactly one DMARC record applies.
    Found(AppliedRecord),
    /// More than one DMARC record at `name`: receivers apply no DMARC (§6.6.3 step 5).
    Multiple {
        /// The `_dmarc` name holding them.
        name: Name,
        /// Each record, parsed.
        records: Vec<DmarcRecord>,
    },
    /// Neither the domain nor its organizational domain publishes a DMARC record.
    Missing,
    /// A lookup that discovery needed failed: whether a record applies is unknown.
    NotVerified(Failure),
}

/// The DMARC record that applies to the domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedRecord {
    /// Where it was found, e.g. `_dmarc.example.co.uk`.
    pub name: Name,
    /// The domain that published it (the policy domain of RFC 7489 §7.1).
    pub policy_domain: Name,
    /// Whether it came from the organizational domain because the domain has none.
    pub inherited: bool,
    /// The record, parsed.
    pub record: DmarcRecord,
}

/// The DMARC policy that applies to the audited domain's own mail, as receivers see it. This
/// is what cross-record rules read ("is DMARC enforced?").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DomainPolicy {
    /// The policy for the domain: `p`, or the subdomain policy when inherited.
    pub policy: Policy,
    /// The share of failing mail it applies to.
    pub percent: u8,
    /// The record's full effective policy.
    pub effective: Effective,
    /// Whether the record came from the organizational domain.
    pub inherited: bool,
}

impl DomainPolicy {
    /// Whether receivers are asked to quarantine or reject all failing mail.
    pub fn is_enforced(&self) -> bool {
        self.policy.is_enforcing() && self.percent == 100
    }
}

impl DmarcFacts {
    /// Which record applies and why (RFC 7489 §6.6.3).
    pub fn discovery(&self) -> Discovery {
        let fallback = match &self.at_organization {
            Some(org) => org,
            None => &self.at_domain,
        };
        for at in [&self.at_domain, fallback] {
            if let Lookup::Failed(failure) = &at.txt {
                return Discovery::NotVerified(failure.clone());
            }
            let records = at.texts(dmarc::is_dmarc_record);
            match records.as_slice() {
                [] => {}
                [one] => {
                    let policy_domain = policy_domain(&at.name);
                    return Discovery::Found(AppliedRecord {
                        name: at.name.clone(),
                        inherited: policy_domain != self.domain,
                        policy_domain,
                        record: dmarc::parse(one),
                    });
                }
                many => {
                    return Discovery::Multiple {
                        name: at.name.clone(),
                        records: many.iter().map(|text| dmarc::parse(text)).collect(),
                    };
                }
            }
        }
        Discovery::Missing
    }

    /// The policy receivers apply to the domain's mail: `Found` with the policy, `Absent` when
    /// no usable DMARC record applies (none, several, or one receivers ignore), `Failed` when
    /// discovery could not complete.
    pub fn policy_for_domain(&self) -> Lookup<DomainPolicy> {
        match self.discovery() {
            Discovery::Found(applied) => match applied.record.effective() {
                Ok(effective) => Lookup::Found(DomainPolicy {
                    policy: effective.for_domain(!applied.inherited),
                    percent: effective.percent,
                    effective,
                    inherited: applied.inherited,
                }),
                Err(_) => Lookup::Absent(Absence::NoData),
            },
            Discovery::Multiple { .. } | Discovery::Missing => Lookup::Absent(Absence::NoData),
            Discovery::NotVerified(failure) => Lookup::Failed(failure),
        }
    }

    /// The authorization check of a destination, if one was made.
    pub fn authorization(&self, destination: &Name) -> Option<&Authorization> {
        self.authorizations
            .iter()
            .find(|authorization| authorization.destination == *destination)
    }
}

/// The domain a `_dmarc.<domain>` name is about.
fn policy_domain(name: &Name) -> Name {
    Name::new(
        name.as_str()
            .strip_prefix("_dmarc.")
            .unwrap_or(name.as_str()),
    )
}

/// An external report destination's authorization record (RFC 7489 §7.1):
/// `<policy domain>._report._dmarc.<destination host>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// The domain that published the policy.
    pub policy_domain: Name,
    /// The destination host (the domain of a `mailto:` address).
    pub destination: Name,
    /// The lookup.
    pub at: TxtAt,
}

impl Authorization {
    /// `Found(true)` when a record starting with `v=DMARC1` is published (§7.1 step 5),
    /// `Found(false)` when the name has none, `Failed` when the lookup failed.
    pub fn authorized(&self) -> Lookup<bool> {
        match &self.at.txt {
            Lookup::Failed(failure) => Lookup::Failed(failure.clone()),
            _ => Lookup::Found(!self.at.texts(dmarc::is_dmarc_record).is_empty()),
        }
    }
}

/// The lookup of a record type that lives at one name (MTA-STS, TLS-RPT, BIMI).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SingleRecordFacts {
    /// The TXT lookup.
    pub at: TxtAt,
}

/// What a single-record lookup holds, for one record type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Published<'a> {
    /// Exactly one record of the type.
    One(&'a str),
    /// More than one: the receivers of the type use none of them.
    Several(Vec<&'a str>),
    /// None (the name has no TXT, or none of the type).
    None,
    /// The lookup failed.
    NotVerified(&'a Failure),
}

impl SingleRecordFacts {
    /// The records picked by `is_type`.
    pub fn published(&self, is_type: impl Fn(&str) -> bool) -> Published<'_> {
        if let Lookup::Failed(failure) = &self.at.txt {
            return Published::NotVerified(failure);
        }
        let texts = self.at.texts(is_type);
        match texts.as_slice() {
            [] => Published::None,
            [one] => Published::One(one),
            _ => Published::Several(texts),
        }
    }
}

/// The MTA-STS, TLS-RPT and BIMI lookups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyRecordFacts {
    /// `_mta-sts.<domain>` (RFC 8461 §3.1).
    pub mta_sts: SingleRecordFacts,
    /// `_smtp._tls.<domain>` (RFC 8460 §3).
    pub tls_rpt: SingleRecordFacts,
    /// `default._bimi.<domain>`.
    pub bimi: SingleRecordFacts,
}

impl PolicyRecordFacts {
    /// The MTA-STS record, when exactly one is published.
    pub fn mta_sts_record(&self) -> Option<mta_sts::MtaStsRecord> {
        match self.mta_sts.published(mta_sts::is_mta_sts_record) {
            Published::One(text) => Some(mta_sts::parse(text)),
            _ => None,
        }
    }

    /// The TLS-RPT record, when exactly one is published.
    pub fn tls_rpt_record(&self) -> Option<tls_rpt::TlsRptRecord> {
        match self.tls_rpt.published(tls_rpt::is_tls_rpt_record) {
            Published::One(text) => Some(tls_rpt::parse(text)),
            _ => None,
        }
    }

    /// The BIMI record, when exactly one is published.
    pub fn bimi_record(&self) -> Option<bimi::BimiRecord> {
        match self.bimi.published(bimi::is_bimi_record) {
            Published::One(text) => Some(bimi::parse(text)),
            _ => None,
        }
    }
}
