//! Gathering: the only part of an audit that does I/O.
//!
//! Every independent lookup starts at once and every dependent one starts as soon as its input
//! arrives: each family's gatherer is a tree of `join`s, so an audit's wall time is the longest
//! chain of dependent lookups times the round trip, not the number of lookups. Identical
//! questions are answered once by the single-flight cache underneath.

mod dkim;
mod dmarc;
mod expect;
mod mail;
mod spf;

pub use mail::reverse_name;
pub use spf::MAX_DEPTH as SPF_MAX_DEPTH;

use std::future::Future;
use std::net::{Ipv4Addr, Ipv6Addr};

use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;

use crate::dns::cache::RecordingSource;
use crate::dns::guard::AuditGuard;
use crate::dns::{DnsSource, Name, Outcome, RecordData, RecordType};
use crate::domain::DomainName;
use crate::facts::{Facts, Lookup, extract_sorted};

pub use dmarc::external_destinations;

/// What to look for besides the defaults.
#[derive(Clone, Debug, Default)]
pub struct GatherOptions {
    /// DKIM selectors to check (`--selector`); empty means probe the common ones.
    pub dkim_selectors: Vec<String>,
    /// Probe every known DKIM selector, not only the most widespread (`--all-selectors`).
    pub all_selectors: bool,
    /// Most queries of this audit in flight at once (its share of `--concurrency` in a batch;
    /// `None` for no limit of its own).
    pub max_in_flight: Option<usize>,
    /// Stop asking about a domain whose name servers never answer (see
    /// [`AuditGuard`]). Off under `--save-dns` and `--replay`: which questions are skipped
    /// depends on timing, and a replay must see exactly the questions the saved run asked.
    pub skip_dead_servers: bool,
    /// `--expect`: the records to look for, checked for every audited domain.
    pub expect: Option<std::sync::Arc<crate::expect::ExpectFile>>,
}

/// Gathers every fact about `domain` through `source`.
pub async fn gather(domain: &DomainName, source: &dyn DnsSource) -> Facts {
    gather_with(domain, source, &GatherOptions::default()).await
}

/// Gathers every fact about `domain` through `source`, as `options` say. The families run
/// at once.
pub async fn gather_with(
    domain: &DomainName,
    source: &dyn DnsSource,
    options: &GatherOptions,
) -> Facts {
    let guard = AuditGuard::new(
        source,
        &domain.ascii,
        options.max_in_flight.unwrap_or(usize::MAX),
        options.skip_dead_servers,
    );
    let recorder = RecordingSource::new(&guard);
    // The families are independent: all of them start at once (each one's first lookups go
    // out on the first poll).
    let (mail, dkim, spf, dmarc, policies, expected) = tokio::join!(
        mail::gather_mail(&recorder, &domain.ascii),
        dkim::gather_dkim(
            &recorder,
            &domain.ascii,
            &options.dkim_selectors,
            options.all_selectors,
        ),
        spf::gather_spf(&recorder, &domain.ascii),
        dmarc::gather_dmarc(&recorder, &domain.ascii),
        dmarc::gather_policy_records(&recorder, &domain.ascii),
        expect::gather_expected(&recorder, &domain.ascii, options.expect.as_deref()),
    );
    Facts {
        domain: domain.clone(),
        mail,
        dkim,
        spf,
        dmarc,
        policies,
        expected,
        queries: recorder.into_log(),
    }
}

/// One query, as the gatherers ask it.
/// Awaits every future of `futures`, giving their outputs in order.
///
/// Unlike `futures_util::future::join_all` below 31 futures (or `tokio::join!`), which poll
/// every unfinished future each time any one of them is woken, this polls only the future that
/// was woken. An audit is one task with dozens of lookups in flight (24 DKIM probes alone), and
/// each answer would otherwise re-poll all of them through every layer of the DNS stack: that
/// was a fifth of a batch run's CPU time.
async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    futures
        .into_iter()
        .collect::<FuturesOrdered<F>>()
        .collect()
        .await
}

async fn ask(source: &dyn DnsSource, name: &Name, rtype: RecordType) -> Outcome {
    source.query(name, rtype).await
}

/// The IPv4 addresses of `name`, sorted (MX hosts, PTR names, SPF `a` and `exists` terms).
async fn lookup_v4(source: &dyn DnsSource, name: &Name) -> Lookup<Vec<Ipv4Addr>> {
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
async fn lookup_v6(source: &dyn DnsSource, name: &Name) -> Lookup<Vec<Ipv6Addr>> {
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
async fn cname_lookup(source: &dyn DnsSource, name: &Name) -> Lookup<Name> {
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
