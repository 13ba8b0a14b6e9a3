//! DMARC: the lookups of policy discovery under RFC 9989 (the DNS tree walk, §4.10) and RFC
//! 7489 (§6.6.3), and of report authorization (RFC 7489 §7.1), with the applicable record
//! parsed and the policy for the domain decided once, when gathered (`gather::dmarc`).

use super::lookup::{Failure, Lookup, TxtAt};
use crate::dns::Name;
use crate::policy::dmarc::{self, DmarcRecord, Effective, Policy, Standard};
use crate::policy::org::OrgReason;

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
    /// Which record applies and why (RFC 7489 §6.6.3), decided when gathered.
    pub discovery: Discovery,
    /// The policy receivers apply to the domain's own mail: `Found` with the policy, `Absent`
    /// when no usable DMARC record applies (none, several, or one receivers ignore), `Failed`
    /// when discovery could not complete. This is what cross-record rules read ("is DMARC
    /// enforced?").
    pub policy_for_domain: Lookup<DomainPolicy>,
    /// One authorization check per external report destination of the applicable record.
    pub authorizations: Vec<Authorization>,
    /// The organizational domain's own DMARC record, which BIMI needs at enforcement as well
    /// as the domain's (draft-brand-indicators-for-message-identification §7.1 steps 7-9).
    /// Read from the RFC 9989 tree walk, which asks `_dmarc.<organizational domain>` with its
    /// other names (unless the domain has more than eight labels and the walk jumps over it:
    /// then from RFC 7489's fallback, or asked separately only when the domain publishes a
    /// BIMI record, so that no audit without BIMI asks one more question). `None` when not
    /// known.
    pub organization_policy: Option<Lookup<OrganizationPolicy>>,
    /// The same discovery as RFC 9989 defines it: the DNS tree walk (§4.10). The fields above
    /// are the RFC 7489 view (Public Suffix List), kept for receivers not yet updated.
    pub walk: TreeWalk,
}

/// RFC 9989 policy discovery (§4.10.1) and organizational domain (§4.10.2) by the DNS tree
/// walk. Every name of the walk is asked at once; the decision is made on all the answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeWalk {
    /// `_dmarc.<name>` for every name of the walk, the domain's own first (at most eight,
    /// `policy::org::tree_walk_names`).
    pub steps: Vec<TxtAt>,
    /// Which record applies (the domain's own, else its organizational domain's, else its
    /// public suffix domain's), or why none does or it is unknown.
    pub discovery: Discovery,
    /// The organizational domain; `Failed` when a lookup below the record that decides it
    /// failed.
    pub organizational_domain: Lookup<Name>,
    /// Why the organizational domain is what it is (indexes into `steps`).
    pub reason: OrgReason,
    /// The names of the walk that publish a public suffix operator's record (`psd=y`) the walk
    /// reached.
    pub psd_records: Vec<Name>,
    /// Failed lookups of the walk that the decision did not need (above the record that
    /// decided it): shown, but they leave the audit complete.
    pub not_needed: Vec<Failure>,
    /// Whether the domain exists (RFC 9989 §3.2.13: no NXDOMAIN, RFC 8020), which decides
    /// between `sp` and `np` for an inherited record: known from `_dmarc.<domain>` when it is
    /// not NXDOMAIN (its parent exists then), else from the domain's MX lookup (the one the MX
    /// checks make, asked once through the cache).
    pub domain_exists: Lookup<bool>,
    /// The policy for the domain's own mail under RFC 9989, as
    /// [`DmarcFacts::policy_for_domain`] is under RFC 7489.
    pub policy_for_domain: Lookup<DomainPolicy>,
}

/// The DMARC record of the organizational domain, as BIMI reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationPolicy {
    /// Where it was found: `_dmarc.<organizational domain>`.
    pub name: Name,
    /// The policy RFC 7489 receivers apply after reading it.
    pub effective: Effective,
    /// The policy RFC 9989 receivers apply after reading it (`None` when they ignore the
    /// record, e.g. for an invalid `np` without `rua`).
    pub effective_9989: Option<Effective>,
    /// Its `sp` as written, when valid: BIMI refuses an explicit `sp=none` even where `p`
    /// is enforcing (§7.1 step 8).
    pub subdomain_policy: Option<Policy>,
}

impl OrganizationPolicy {
    /// The record's policy, or `Absent` when receivers ignore it.
    pub fn of(name: &Name, record: &DmarcRecord) -> Lookup<OrganizationPolicy> {
        match record.effective() {
            Ok(effective) => Lookup::Found(OrganizationPolicy {
                name: name.clone(),
                effective,
                effective_9989: record.effective_9989().ok(),
                subdomain_policy: record.subdomain_policy,
            }),
            Err(_) => Lookup::Absent(super::lookup::Absence::NoData),
        }
    }
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
    /// What RFC 9989 receivers apply (`policy`, `percent` and `effective` are the RFC 7489
    /// view); `None` when they ignore the record (an invalid `np` without a valid `rua`).
    pub rfc9989: Option<Effective>,
}

impl DomainPolicy {
    /// The RFC 7489 policy, the RFC 9989 view alongside, from a record's effective policies.
    pub fn new(record: &DmarcRecord, effective: Effective, inherited: bool) -> DomainPolicy {
        DomainPolicy {
            policy: effective.for_domain(!inherited),
            percent: effective.percent,
            effective,
            inherited,
            rfc9989: record.effective_9989().ok(),
        }
    }

    /// Whether RFC 7489 receivers are asked to quarantine or reject all failing mail.
    pub fn is_enforced(&self) -> bool {
        self.policy.is_enforcing() && self.percent == 100
    }

    /// The policy for the domain's own mail under `standard` (`None`: no DMARC applied).
    pub fn policy_for(&self, standard: Standard) -> Option<Policy> {
        match standard {
            Standard::Rfc7489 => Some(self.policy),
            Standard::Rfc9989 => self
                .rfc9989
                .map(|effective| effective.for_domain(!self.inherited)),
        }
    }

    /// The share of failing mail the policy applies to under `standard` (100 under RFC 9989,
    /// which removed `pct`).
    pub fn percent_for(&self, standard: Standard) -> u8 {
        match standard {
            Standard::Rfc7489 => self.percent,
            Standard::Rfc9989 => 100,
        }
    }
}

impl DmarcFacts {
    /// The authorization check of a destination, if one was made.
    pub fn authorization(&self, destination: &Name) -> Option<&Authorization> {
        self.authorizations
            .iter()
            .find(|authorization| authorization.destination == *destination)
    }
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
