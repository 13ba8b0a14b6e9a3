//! The lookups every gatherer shares: one query, the addresses and CNAME of a name, the TXT
//! records at a name, and turning an answer into a [`Lookup`] of the records wanted.

use std::future::Future;
use std::net::{Ipv4Addr, Ipv6Addr};

use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;

use crate::dns::{DnsSource, Name, NotAsked, Outcome, RecordData, RecordType};
#[cfg(doc)]
use crate::facts::lookup::{
    MAX_ADDRESSES_PER_HOST, MAX_MX_HOSTS, MAX_PTR_NAMES, MAX_REPORT_DESTINATIONS,
};
use crate::facts::{AuditLimit, Facts, LimitReached, Lookup, TxtAt};
use crate::txt::TxtRecord;

/// Awaits every future of `futures`, giving their outputs in order.
///
/// Unlike `futures_util::future::join_all` below 31 futures (or `tokio::join!`), which poll
/// every unfinished future each time any one of them is woken, this polls only the future that
/// was woken. An audit is one task with dozens of lookups in flight (24 DKIM probes alone), and
/// each answer would otherwise re-poll all of them through every layer of the DNS stack: that
/// was a fifth of a batch run's CPU time.
pub(super) async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    futures
        .into_iter()
        .collect::<FuturesOrdered<F>>()
        .collect()
        .await
}

/// One query, as the gatherers ask it.
pub(super) async fn ask(source: &dyn DnsSource, name: &Name, rtype: RecordType) -> Outcome {
    source.query(name, rtype).await
}

/// The IPv4 addresses of `name`, sorted (MX hosts, PTR names, SPF `a` and `exists` terms).
pub(super) async fn lookup_v4(source: &dyn DnsSource, name: &Name) -> Lookup<Vec<Ipv4Addr>> {
    let outcome = ask(source, name, RecordType::A).await;
    Lookup::from_outcome(
        name,
        RecordType::A,
        &outcome,
        extract_sorted(RecordType::A, |data| match data {
            RecordData::A(ip) => Some(*ip),
            _ => None,
        }),
    )
}

/// The IPv6 addresses of `name`, sorted.
pub(super) async fn lookup_v6(source: &dyn DnsSource, name: &Name) -> Lookup<Vec<Ipv6Addr>> {
    let outcome = ask(source, name, RecordType::Aaaa).await;
    Lookup::from_outcome(
        name,
        RecordType::Aaaa,
        &outcome,
        extract_sorted(RecordType::Aaaa, |data| match data {
            RecordData::Aaaa(ip) => Some(*ip),
            _ => None,
        }),
    )
}

/// The CNAME target of `name` itself (an MX host or a DKIM selector that is an alias). Only a
/// CNAME owned by `name` counts, not one further along a chain.
pub(super) async fn cname_lookup(source: &dyn DnsSource, name: &Name) -> Lookup<Name> {
    let outcome = ask(source, name, RecordType::Cname).await;
    Lookup::from_outcome(name, RecordType::Cname, &outcome, |outcome| {
        outcome
            .records()
            .iter()
            .find_map(|record| match &record.data {
                RecordData::Cname(target) if record.name == *name => Some(target.clone()),
                _ => None,
            })
    })
}

/// Looks up the TXT records at `name`.
pub(super) async fn txt(source: &dyn DnsSource, name: Name) -> TxtAt {
    let outcome = ask(source, &name, RecordType::Txt).await;
    let txt = Lookup::from_outcome(
        &name,
        RecordType::Txt,
        &outcome,
        extract_sorted(RecordType::Txt, |data| match data {
            RecordData::Txt(strings) => Some(TxtRecord::new(strings.clone())),
            _ => None,
        }),
    );
    TxtAt { name, txt }
}

/// Picks the data of every record of `rtype` (whatever its owner, so a CNAME chain's target
/// counts), sorted so that output does not depend on the server's rotation.
pub(super) fn extract_sorted<T: Ord>(
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

/// How many of the left-out items a [`LimitReached`] names.
const EXAMPLES: usize = 3;

/// The audit's limits that were reached, read from what was gathered: the lookups each
/// family left out ([`NotAsked::FanOutLimit`]: past [`MAX_MX_HOSTS`],
/// [`MAX_ADDRESSES_PER_HOST`], [`MAX_PTR_NAMES`], [`MAX_REPORT_DESTINATIONS`]), and the
/// questions the guard did not ask or stopped waiting for ([`NotAsked::QuestionLimit`],
/// [`NotAsked::TimeLimit`]).
pub(super) fn limits_reached(
    facts: &Facts,
    question_limit: usize,
    time_limit: Option<std::time::Duration>,
) -> Vec<LimitReached> {
    let mut limits = Vec::new();
    mx_limits(facts, &mut limits);
    dmarc_limits(facts, &mut limits);
    for (reason, limit) in [
        (
            NotAsked::QuestionLimit,
            Some(AuditLimit::Questions(question_limit)),
        ),
        (NotAsked::TimeLimit, time_limit.map(AuditLimit::Time)),
    ] {
        let skipped: Vec<String> = facts
            .queries
            .iter()
            .filter(|query| query.outcome == Outcome::NotAsked(reason))
            .map(|query| format!("{} {}", query.name, query.rtype))
            .collect();
        if let (false, Some(limit)) = (skipped.is_empty(), limit) {
            limits.push(reached(limit, &facts.domain.ascii, skipped.len(), &skipped));
        }
    }
    limits
}

/// Whether a lookup was left out by a family's limit.
fn left_out<T>(lookup: &Lookup<T>) -> bool {
    lookup
        .failure()
        .is_some_and(|failure| failure.outcome == Outcome::NotAsked(NotAsked::FanOutLimit))
}

/// The MX hosts, addresses and PTR names left out.
fn mx_limits(facts: &Facts, limits: &mut Vec<LimitReached>) {
    let hosts = &facts.mx.hosts;
    let skipped: Vec<String> = hosts
        .iter()
        .filter(|host| left_out(&host.a))
        .map(|host| host.name.to_string())
        .collect();
    if !skipped.is_empty() {
        let domain = &facts.domain.ascii;
        limits.push(reached(AuditLimit::MxHosts, domain, hosts.len(), &skipped));
    }
    for host in hosts {
        for ipv6 in [false, true] {
            let addresses: Vec<_> = host
                .addresses
                .iter()
                .filter(|address| address.ip.is_ipv6() == ipv6)
                .collect();
            let skipped: Vec<String> = addresses
                .iter()
                .filter(|address| address.ptr.as_ref().is_some_and(left_out))
                .map(|address| address.ip.to_string())
                .collect();
            if !skipped.is_empty() {
                let limit = AuditLimit::AddressesPerHost { ipv6 };
                limits.push(reached(limit, &host.name, addresses.len(), &skipped));
            }
        }
        for address in &host.addresses {
            let Some(Lookup::Found(names)) = &address.ptr else {
                continue;
            };
            let skipped: Vec<String> = names
                .iter()
                .filter(|ptr| left_out(&ptr.forward))
                .map(|ptr| ptr.name.to_string())
                .collect();
            if !skipped.is_empty() {
                limits.push(reached(
                    AuditLimit::PtrNames,
                    &address.ip,
                    names.len(),
                    &skipped,
                ));
            }
        }
    }
}

/// The DMARC report destinations left out.
fn dmarc_limits(facts: &Facts, limits: &mut Vec<LimitReached>) {
    let authorizations = &facts.dmarc.authorizations;
    let skipped: Vec<String> = authorizations
        .iter()
        .filter(|authorization| left_out(&authorization.at.txt))
        .map(|authorization| authorization.destination.to_string())
        .collect();
    if let (false, crate::facts::dmarc::Discovery::Found(applied)) =
        (skipped.is_empty(), &facts.dmarc.discovery)
    {
        let limit = AuditLimit::ReportDestinations;
        limits.push(reached(
            limit,
            &applied.name,
            authorizations.len(),
            &skipped,
        ));
    }
}

/// A limit reached about `subject`, with `count` things counted and `skipped` left out.
fn reached(
    limit: AuditLimit,
    subject: &dyn std::fmt::Display,
    count: usize,
    skipped: &[String],
) -> LimitReached {
    LimitReached {
        limit,
        subject: subject.to_string(),
        count,
        examples: skipped.iter().take(EXAMPLES).cloned().collect(),
    }
}
