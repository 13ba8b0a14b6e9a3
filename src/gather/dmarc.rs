//! DMARC discovery (RFC 7489 §6.6.3) and report authorization (§7.1).
//!
//! Dependency chain: `_dmarc.<domain>` → (only when it holds no DMARC record)
//! `_dmarc.<organizational domain>` → one `<policy domain>._report._dmarc.<destination>`
//! per external report destination, all at once. Which record applies, and the policy it sets
//! for the domain, are decided here once and stored in the facts.

use super::lookup::{join_all, txt};
use crate::dns::{DnsSource, Name};
use crate::facts::dmarc::{
    AppliedRecord, Authorization, Discovery, DmarcFacts, DomainPolicy, OrganizationPolicy,
};
use crate::facts::lookup::{Absence, Lookup, MAX_REPORT_DESTINATIONS, TxtAt, not_looked_up};
use crate::policy::dmarc;
use crate::policy::org::{organizational_domain, same_organization};

/// DMARC discovery, then the authorization of the external report destinations (the first
/// [`MAX_REPORT_DESTINATIONS`] in name order).
pub(super) async fn gather_dmarc(source: &dyn DnsSource, domain: &Name) -> DmarcFacts {
    let organizational = organizational_domain(domain);
    let at_domain = txt(source, domain.prepend("_dmarc")).await;
    // §6.6.3 step 3: fall back only on an answer without DMARC records, never on a failure
    // (a timeout says nothing about the record), and only when there is somewhere to go.
    let needs_fallback = organizational != *domain
        && match &at_domain.txt {
            Lookup::Found(_) => at_domain.texts(dmarc::is_dmarc_record).is_empty(),
            Lookup::Absent(_) => true,
            Lookup::Failed(_) => false,
        };
    let at_organization = if needs_fallback {
        Some(txt(source, organizational.prepend("_dmarc")).await)
    } else {
        None
    };
    let discovery = discover(domain, &at_domain, at_organization.as_ref());
    let mut facts = DmarcFacts {
        domain: domain.clone(),
        organizational_domain: organizational,
        at_domain,
        at_organization,
        policy_for_domain: policy_for_domain(&discovery),
        discovery,
        authorizations: Vec::new(),
        organization_policy: None,
    };
    facts.organization_policy = organization_policy_from_discovery(&facts);
    if let Discovery::Found(applied) = &facts.discovery {
        let mut destinations = external_destinations(applied);
        // Past the limit, in name order: listed, not looked up (not verified).
        let skipped = destinations.split_off(destinations.len().min(MAX_REPORT_DESTINATIONS));
        let authorization_name = |destination: &Name| {
            destination.prepend(&format!("{}._report._dmarc", applied.policy_domain))
        };
        facts.authorizations = join_all(destinations.into_iter().map(|destination| {
            let policy_domain = applied.policy_domain.clone();
            async move {
                let name = authorization_name(&destination);
                Authorization {
                    at: txt(source, name).await,
                    policy_domain,
                    destination,
                }
            }
        }))
        .await;
        facts
            .authorizations
            .extend(skipped.into_iter().map(|destination| {
                let name = authorization_name(&destination);
                Authorization {
                    at: TxtAt {
                        txt: Lookup::Failed(not_looked_up(&name, crate::dns::RecordType::Txt)),
                        name,
                    },
                    policy_domain: applied.policy_domain.clone(),
                    destination,
                }
            }));
    }
    facts
}

/// The organizational domain's policy when discovery already read its record: the domain is
/// its own organizational domain, or fell back to it. `None` when it was not read.
fn organization_policy_from_discovery(facts: &DmarcFacts) -> Option<Lookup<OrganizationPolicy>> {
    if facts.domain != facts.organizational_domain && facts.at_organization.is_none() {
        return None;
    }
    Some(match &facts.discovery {
        Discovery::Found(applied) => OrganizationPolicy::of(&applied.name, &applied.record),
        Discovery::Multiple { .. } | Discovery::Missing => Lookup::Absent(Absence::NoData),
        Discovery::NotVerified(failure) => Lookup::Failed(failure.clone()),
    })
}

/// Asks for the organizational domain's record when discovery did not (the domain has a
/// record of its own): BIMI needs both at enforcement (the BIMI draft §7.1 steps 7-9). Nothing
/// to do when it is known already, or when the domain's own lookup failed (nothing is known
/// about BIMI's DMARC requirement then).
pub(super) async fn gather_organization_policy(source: &dyn DnsSource, facts: &mut DmarcFacts) {
    if facts.organization_policy.is_some() || matches!(facts.discovery, Discovery::NotVerified(_)) {
        return;
    }
    let at = txt(source, facts.organizational_domain.prepend("_dmarc")).await;
    facts.organization_policy = Some(match &at.txt {
        Lookup::Failed(failure) => Lookup::Failed(failure.clone()),
        _ => match at.texts(dmarc::is_dmarc_record).as_slice() {
            [one] => OrganizationPolicy::of(&at.name, &dmarc::parse(one)),
            _ => Lookup::Absent(Absence::NoData),
        },
    });
}

/// Which record applies to `domain` and why (RFC 7489 §6.6.3): its own `_dmarc` record, else
/// the organizational domain's (when that was asked).
fn discover(domain: &Name, at_domain: &TxtAt, at_organization: Option<&TxtAt>) -> Discovery {
    let fallback = at_organization.unwrap_or(at_domain);
    for at in [at_domain, fallback] {
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
                    inherited: policy_domain != *domain,
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

/// The policy receivers apply to the domain's mail (see [`DmarcFacts::policy_for_domain`]).
fn policy_for_domain(discovery: &Discovery) -> Lookup<DomainPolicy> {
    match discovery {
        Discovery::Found(applied) => match applied.record.effective() {
            Ok(effective) => Lookup::Found(DomainPolicy::new(
                &applied.record,
                effective,
                applied.inherited,
            )),
            Err(_) => Lookup::Absent(Absence::NoData),
        },
        Discovery::Multiple { .. } | Discovery::Missing => Lookup::Absent(Absence::NoData),
        Discovery::NotVerified(failure) => Lookup::Failed(failure.clone()),
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

/// The hosts of the valid `rua`/`ruf` URIs whose organizational domain differs from the
/// policy domain's (§7.1: only those need to authorize; the same organization never does),
/// sorted and without repeats.
fn external_destinations(applied: &AppliedRecord) -> Vec<Name> {
    let mut hosts: Vec<Name> = applied
        .record
        .rua
        .iter()
        .chain(&applied.record.ruf)
        .filter(|uri| uri.valid)
        .filter_map(|uri| uri.host.clone())
        .filter(|host| !same_organization(host, &applied.policy_domain))
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use crate::dns::{BoxFuture, DnsSource, Name, Outcome, Record, RecordData, RecordType};
    use crate::domain::parse_domain;
    use crate::facts::dmarc::Discovery;

    /// Answers from a table after a fixed delay, NXDOMAIN for anything else.
    struct Slow {
        answers: HashMap<(Name, RecordType), Outcome>,
        delay: Duration,
    }

    impl DnsSource for Slow {
        fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
            Box::pin(async move {
                tokio::time::sleep(self.delay).await;
                self.answers
                    .get(&(name.clone(), rtype))
                    .cloned()
                    .unwrap_or(Outcome::NxDomain)
            })
        }
    }

    fn txt(name: &str, text: &str) -> ((Name, RecordType), Outcome) {
        let name = Name::new(name);
        let record = Record {
            name: name.clone(),
            ttl: 300,
            data: RecordData::Txt(vec![text.as_bytes().to_vec()]),
        };
        ((name, RecordType::Txt), Outcome::Records(vec![record]))
    }

    /// The four policy lookups start at once; the fallback waits only for `_dmarc.<domain>`,
    /// and the authorization only for the record that names the destination.
    #[tokio::test]
    async fn independent_lookups_start_at_once_and_chains_follow_their_inputs() {
        let delay = Duration::from_millis(150);
        let source = Slow {
            answers: [
                txt(
                    "_dmarc.example.co.uk",
                    "v=DMARC1; p=reject; rua=mailto:a@other.co.uk",
                ),
                txt("example.co.uk._report._dmarc.other.co.uk", "v=DMARC1"),
            ]
            .into_iter()
            .collect(),
            delay,
        };
        let domain = parse_domain("sub.example.co.uk").unwrap();
        let facts = crate::gather::gather(&domain, &source).await;
        let started = |name: &str| {
            facts
                .queries
                .iter()
                .find(|query| query.name.as_str() == name && query.rtype == RecordType::Txt)
                .unwrap_or_else(|| panic!("{name} was not asked"))
                .started
        };
        for name in [
            "_dmarc.sub.example.co.uk",
            "_mta-sts.sub.example.co.uk",
            "_smtp._tls.sub.example.co.uk",
            "default._bimi.sub.example.co.uk",
        ] {
            assert!(
                started(name) < delay / 2,
                "{name} waited for another lookup"
            );
        }
        let fallback = started("_dmarc.example.co.uk");
        assert!(fallback >= delay && fallback < delay * 2, "{fallback:?}");
        let authorization = started("example.co.uk._report._dmarc.other.co.uk");
        assert!(
            authorization >= delay * 2 && authorization < delay * 3,
            "{authorization:?}"
        );
        assert!(matches!(&facts.dmarc.discovery, Discovery::Found(applied) if applied.inherited));
        assert_eq!(facts.dmarc.authorizations.len(), 1);
        assert_eq!(
            facts.dmarc.authorizations[0].authorized(),
            crate::facts::Lookup::Found(true)
        );
    }

    /// A failed `_dmarc` lookup is not a missing record: no fallback, discovery not verified.
    #[tokio::test]
    async fn a_failed_lookup_does_not_fall_back() {
        let source = Slow {
            answers: [(
                (Name::new("_dmarc.sub.example.co.uk"), RecordType::Txt),
                Outcome::Timeout,
            )]
            .into_iter()
            .collect(),
            delay: Duration::ZERO,
        };
        let domain = parse_domain("sub.example.co.uk").unwrap();
        let facts = crate::gather::gather(&domain, &source).await;
        assert!(facts.dmarc.at_organization.is_none());
        assert!(matches!(&facts.dmarc.discovery, Discovery::NotVerified(_)));
        assert!(facts.dmarc.policy_for_domain.failure().is_some());
    }
}
