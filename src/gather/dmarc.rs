//! DMARC discovery (RFC 9989 §4.10 and RFC 7489 §6.6.3) and report authorization (§7.1).
//!
//! Dependency chain: every `_dmarc` name of the RFC 9989 tree walk at once (RFC 7489's two
//! names are among them) → one `<policy domain>._report._dmarc.<destination>` per external
//! report destination, all at once. Which record applies, and the policy it sets
//! for the domain, are decided here once and stored in the facts.

use super::lookup::{ask, join_all, txt};
use crate::dns::{DnsSource, Name, Outcome, RecordType};
use crate::facts::dmarc::{
    AppliedRecord, Authorization, Discovery, DmarcFacts, DomainPolicy, OrganizationPolicy, TreeWalk,
};
use crate::facts::lookup::{
    Absence, Failure, Lookup, MAX_REPORT_DESTINATIONS, TxtAt, not_looked_up,
};
use crate::policy::dmarc::{self, DmarcRecord, Psd};
use crate::policy::org::{
    OrgReason, WalkAnswer, WalkDecision, decide_walk, organizational_domain, same_organization,
    tree_walk_names,
};

/// DMARC discovery under both standards, then the authorization of the external report
/// destinations (the first [`MAX_REPORT_DESTINATIONS`] in name order).
///
/// Every name of the RFC 9989 tree walk (§4.10) is asked at once, with the domain's MX (for
/// whether the domain exists, asked once through the cache with the MX checks): the walk costs
/// one round trip. RFC 7489 reads the same answers: `_dmarc.<domain>` is the walk's first name
/// and `_dmarc.<organizational domain>` is one of the others, unless the domain has more than
/// eight labels and the walk jumps over it; only then is it asked after the first answer.
pub(super) async fn gather_dmarc(source: &dyn DnsSource, domain: &Name) -> DmarcFacts {
    let organizational = organizational_domain(domain);
    let names = tree_walk_names(domain);
    let (steps, mx) = futures_util::join!(
        join_all(names.iter().map(|name| txt(source, name.prepend("_dmarc")))),
        ask(source, domain, RecordType::Mx),
    );
    let at_domain = steps[0].clone();
    // §6.6.3 step 3: fall back only on an answer without DMARC records, never on a failure
    // (a timeout says nothing about the record), and only when there is somewhere to go.
    let needs_fallback = organizational != *domain
        && match &at_domain.txt {
            Lookup::Found(_) => at_domain.texts(dmarc::is_dmarc_record).is_empty(),
            Lookup::Absent(_) => true,
            Lookup::Failed(_) => false,
        };
    let at_organization = if needs_fallback {
        match names.iter().position(|name| *name == organizational) {
            Some(index) => Some(steps[index].clone()),
            None => Some(txt(source, organizational.prepend("_dmarc")).await),
        }
    } else {
        None
    };
    let discovery = discover(domain, &at_domain, at_organization.as_ref());
    let walk = tree_walk(domain, &names, steps, &mx, at_organization.as_ref());
    // The organizational domain's own record, which BIMI needs: read from the walk when it
    // asked for it (it nearly always did), so that BIMI asks nothing more.
    let organization_policy = names
        .iter()
        .position(|name| *name == organizational)
        .map(|index| organization_policy_at(&walk.steps[index]));
    let mut facts = DmarcFacts {
        domain: domain.clone(),
        organizational_domain: organizational,
        at_domain,
        at_organization,
        policy_for_domain: policy_for_domain(&discovery),
        discovery,
        authorizations: Vec::new(),
        organization_policy,
        walk,
    };
    if facts.organization_policy.is_none() {
        facts.organization_policy = organization_policy_from_discovery(&facts);
    }
    // The RFC 9989 view of the domain's policy is the walk's (its record, read as RFC 9989
    // reads it, with `np` for a domain that does not exist), wherever the checks that compare
    // the two standards read it: a record the walk could not settle keeps the reading of RFC
    // 7489's record.
    if let Lookup::Found(policy) = &mut facts.policy_for_domain {
        match &facts.walk.policy_for_domain {
            Lookup::Found(walked) => policy.rfc9989 = walked.rfc9989,
            Lookup::Absent(_) => policy.rfc9989 = None,
            Lookup::Failed(_) => {}
        }
    }
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
    facts.organization_policy = Some(organization_policy_at(&at));
}

/// The organizational domain's policy from the answer at `_dmarc.<organizational domain>`.
fn organization_policy_at(at: &TxtAt) -> Lookup<OrganizationPolicy> {
    match &at.txt {
        Lookup::Failed(failure) => Lookup::Failed(failure.clone()),
        _ => match at.texts(dmarc::is_dmarc_record).as_slice() {
            [one] => OrganizationPolicy::of(&at.name, &dmarc::parse(one)),
            _ => Lookup::Absent(Absence::NoData),
        },
    }
}

/// RFC 9989 discovery from the answers of every name of the walk (`steps[i]` for
/// `names[i]`), decided by [`decide_walk`].
fn tree_walk(
    domain: &Name,
    names: &[Name],
    steps: Vec<TxtAt>,
    mx: &Outcome,
    at_organization: Option<&TxtAt>,
) -> TreeWalk {
    let records: Vec<Option<DmarcRecord>> = steps
        .iter()
        .map(|at| match at.texts(dmarc::is_dmarc_record).as_slice() {
            [one] => Some(dmarc::parse(one)),
            _ => None, // none, or several: all discarded (§4.10 steps 2 and 6)
        })
        .collect();
    let answers: Vec<WalkAnswer> = steps
        .iter()
        .zip(&records)
        .map(|(at, record)| match (&at.txt, record) {
            (Lookup::Failed(_), _) => WalkAnswer::Failed,
            (_, Some(record)) => WalkAnswer::Record(record.psd),
            (_, None) => WalkAnswer::Nothing,
        })
        .collect();
    let decision = decide_walk(domain, names, &answers);
    let failure = |index: &usize| steps[*index].txt.failure().cloned();
    let organizational_domain = match decision.needed_for_org.iter().find_map(failure) {
        Some(failure) => Lookup::Failed(failure),
        None => Lookup::Found(decision.organizational_domain.clone()),
    };
    let domain_exists = domain_exists(&steps[0], domain, mx);
    let discovery = if let Some(failure) = decision.needed_for_policy.iter().find_map(failure) {
        Discovery::NotVerified(failure)
    } else if let Some((index, Some(record))) = decision
        .applied
        .map(|index| (index, records[index].clone()))
    {
        Discovery::Found(AppliedRecord {
            name: steps[index].name.clone(),
            policy_domain: names[index].clone(),
            inherited: index != 0,
            record,
        })
    } else {
        Discovery::Missing
    };
    let policy_for_domain = match &discovery {
        Discovery::Found(applied) => policy_9989(applied, &domain_exists),
        Discovery::Multiple { .. } | Discovery::Missing => Lookup::Absent(Absence::NoData),
        Discovery::NotVerified(failure) => Lookup::Failed(failure.clone()),
    };
    // A failure neither view needed: above the record that decided the walk, and not one of
    // the RFC 7489 lookups.
    let needed_by_7489 =
        |name: &Name| *name == steps[0].name || at_organization.is_some_and(|at| at.name == *name);
    let not_needed = (0..steps.len())
        .filter(|index| {
            !decision.needed_for_org.contains(index)
                && !decision.needed_for_policy.contains(index)
                && !needed_by_7489(&steps[*index].name)
        })
        .filter_map(|index| failure(&index))
        .collect();
    let psd_records = (0..steps.len())
        .filter(|&index| {
            records[index]
                .as_ref()
                .is_some_and(|r| r.psd == Some(Psd::Yes))
        })
        .filter(|&index| index <= decision_stop(&decision))
        .map(|index| steps[index].name.clone())
        .collect();
    TreeWalk {
        steps,
        discovery,
        organizational_domain,
        reason: decision.reason,
        psd_records,
        not_needed,
        domain_exists,
        policy_for_domain,
    }
}

/// The last index the walk reached: where a `psd` tag stopped it, else the end.
fn decision_stop(decision: &WalkDecision) -> usize {
    match decision.reason {
        OrgReason::PsdNo(index) | OrgReason::PsdYes(index) => index,
        OrgReason::Shortest(_) | OrgReason::NoRecord => usize::MAX,
    }
}

/// Whether `domain` exists (RFC 9989 §3.2.13, RFC 8020): `_dmarc.<domain>` answered without
/// NXDOMAIN (a name below it exists, so it does), else the domain's own MX answer.
fn domain_exists(at_domain: &TxtAt, domain: &Name, mx: &Outcome) -> Lookup<bool> {
    if matches!(
        at_domain.txt,
        Lookup::Found(_) | Lookup::Absent(Absence::NoData)
    ) {
        return Lookup::Found(true);
    }
    match mx {
        Outcome::Records(_) | Outcome::NoData => Lookup::Found(true),
        Outcome::NxDomain => Lookup::Found(false),
        _ => Lookup::Failed(Failure {
            name: domain.clone(),
            rtype: RecordType::Mx,
            outcome: mx.clone(),
        }),
    }
}

/// The RFC 9989 policy of the domain's mail under `applied` (the record the walk applies):
/// the record read as RFC 9989 reads it (`DmarcRecord::effective_9989`: `t=y`, no `pct`, a
/// missing `p`), and for an inherited record `np` when the domain does not exist (RFC 9989
/// §4.10.1; `np` absent: `sp`, then `p`), `sp` when it does. The effective policy kept is the
/// one that applies to this domain: its subdomain policy is the one chosen.
fn policy_9989(applied: &AppliedRecord, exists: &Lookup<bool>) -> Lookup<DomainPolicy> {
    let Ok(mut effective) = applied.record.effective_9989() else {
        return Lookup::Absent(Absence::NoData);
    };
    let policy = if applied.inherited {
        let subdomain = effective.subdomain_policy;
        let nonexistent = effective.nonexistent_policy;
        let chosen = match exists {
            Lookup::Found(false) => nonexistent,
            Lookup::Found(true) | Lookup::Absent(_) => subdomain,
            // Unknown whether np or sp applies: only a problem when they differ.
            Lookup::Failed(_) if nonexistent == subdomain => subdomain,
            Lookup::Failed(failure) => return Lookup::Failed(failure.clone()),
        };
        effective.subdomain_policy = chosen;
        chosen
    } else {
        effective.policy
    };
    Lookup::Found(DomainPolicy {
        policy,
        percent: effective.percent,
        effective,
        inherited: applied.inherited,
        rfc9989: Some(effective),
    })
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

    /// The policy lookups start at once, the whole tree walk with them (RFC 7489's fallback is
    /// one of its names), and the authorization waits only for the record that names the
    /// destination: discovery is one round trip deep.
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
            "_dmarc.example.co.uk",
            "_dmarc.co.uk",
            "_dmarc.uk",
        ] {
            assert!(
                started(name) < delay / 2,
                "{name} waited for another lookup"
            );
        }
        let authorization = started("example.co.uk._report._dmarc.other.co.uk");
        assert!(
            authorization >= delay && authorization < delay * 2,
            "{authorization:?}"
        );
        // Both standards pick the same record here.
        assert_eq!(facts.dmarc.walk.discovery, facts.dmarc.discovery);
        assert_eq!(
            facts.dmarc.walk.organizational_domain,
            crate::facts::Lookup::Found(Name::new("example.co.uk"))
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

    /// An inherited record gives `np` to a domain that does not exist (NXDOMAIN at the domain
    /// and at `_dmarc.<domain>`, RFC 9989 §3.2.13, §4.10.1) and `sp` to one that does.
    #[tokio::test]
    async fn np_for_a_domain_that_does_not_exist_sp_for_one_that_does() {
        let record = "v=DMARC1; p=quarantine; sp=none; np=reject";
        let mx = Record {
            name: Name::new("here.example.com"),
            ttl: 300,
            data: RecordData::Mx {
                preference: 10,
                exchange: Name::new("mx.example.com"),
            },
        };
        let source = Slow {
            answers: [
                txt("_dmarc.example.com", record),
                (
                    (Name::new("here.example.com"), RecordType::Mx),
                    Outcome::Records(vec![mx]),
                ),
            ]
            .into_iter()
            .collect(),
            delay: Duration::ZERO,
        };
        let gone = crate::gather::gather(&parse_domain("gone.example.com").unwrap(), &source).await;
        assert_eq!(
            gone.dmarc.walk.domain_exists,
            crate::facts::Lookup::Found(false)
        );
        let policy = gone.dmarc.walk.policy_for_domain.found().unwrap().policy;
        assert_eq!(policy, crate::policy::dmarc::Policy::Reject);
        // RFC 7489 knows no np: sp applies.
        let policy = gone.dmarc.policy_for_domain.found().unwrap().policy;
        assert_eq!(policy, crate::policy::dmarc::Policy::None);
        let here = crate::gather::gather(&parse_domain("here.example.com").unwrap(), &source).await;
        assert_eq!(
            here.dmarc.walk.domain_exists,
            crate::facts::Lookup::Found(true)
        );
        let policy = here.dmarc.walk.policy_for_domain.found().unwrap().policy;
        assert_eq!(policy, crate::policy::dmarc::Policy::None);
    }
}
