//! The lookups every gatherer shares: one query, the addresses and CNAME of a name, the TXT
//! records at a name, and turning an answer into a [`Lookup`] of the records wanted.

use std::future::Future;
use std::net::{Ipv4Addr, Ipv6Addr};

use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;

use crate::dns::{DnsSource, Name, Outcome, RecordData, RecordType};
use crate::facts::{Lookup, TxtAt};
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
