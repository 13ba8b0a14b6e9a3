//! CNAME chains that an answer leaves unfinished, followed above the single-flight cache.
//!
//! A recursive resolver answers with the whole chain: `mail.example.com CNAME mx.provider.net`,
//! then `mx.provider.net A 192.0.2.1`. An authoritative server answers only for its own zones,
//! so when the target is elsewhere it gives the first link and stops (hickory-server does, and
//! so does `--zone` when a chain leaves the files). The sources below the cache return such an
//! answer as it came; [`ChasingSource`], above the cache, asks for the rest, one link at a time,
//! each link through the cache: the same link asked by two lookups (or asked directly later,
//! as forward confirmation asks an MX host's target) is sent once, `--save-dns` writes each
//! link as the answer to its own question, and a `--replay` follows the same links again.
//!
//! The outcome is what a recursive resolver would give: the chain's records then the final
//! records, in one answer. A link that ends the chain decides for the whole lookup: NXDOMAIN
//! or NODATA there is NXDOMAIN or NODATA (the chain dropped, as a stub resolver reports it),
//! and a failed link is a failure of the whole lookup, never an absence.
//! A chain that comes back to a name already on it is a loop, and one that needs more than
//! [`MAX_CNAME_QUERIES`] queries is too long: both end with an error. The names already on
//! the chain are checked before each query, so a loop never asks for (and never waits on the
//! single-flight cell of) a question it is itself answering.

use std::time::Instant;

use super::{BoxFuture, DnsSource, Name, Outcome, QueryObserver, Record, RecordData, RecordType};

/// How many queries one lookup may send along a chain, its own included; resolvers use
/// similar limits (BIND 16, Unbound 11, hickory 8), and mail records never need more.
pub const MAX_CNAME_QUERIES: usize = 8;

/// Follows the CNAME chains that `inner`'s answers leave unfinished, asking `inner` for each
/// further link (see the module documentation).
pub struct ChasingSource<S> {
    inner: S,
}

/// Where a chain goes inside one answer.
#[derive(Debug, PartialEq, Eq)]
enum Walk {
    /// Records of the type asked for are at the end of the chain.
    Complete,
    /// Nothing in the answer is about the name asked: no records there, no CNAME from it.
    Nothing,
    /// The chain stops at this name, which has no records of the type in the answer.
    Unfinished(Name),
    /// The chain comes back to this name.
    Loop(Name),
}

impl<S: DnsSource> ChasingSource<S> {
    /// Follows chains over `inner` (the single-flight cache, in a run).
    pub fn new(inner: S) -> Self {
        ChasingSource { inner }
    }

    /// The source below.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    async fn resolve(
        &self,
        name: &Name,
        rtype: RecordType,
        observer: Option<&dyn QueryObserver>,
    ) -> Outcome {
        let first = self.inner.query_maybe_observed(name, rtype, observer).await;
        // Asked for the CNAME itself, the first link is the answer.
        if rtype == RecordType::Cname {
            return first;
        }
        let Outcome::Records(records) = first else {
            return first;
        };
        // Nearly every answer has no CNAME at all: nothing to follow, nothing to allocate.
        if !records
            .iter()
            .any(|record| matches!(record.data, RecordData::Cname(_)))
        {
            return Outcome::Records(records);
        }
        let mut visited = vec![name.clone()];
        let mut current = match walk(&records, name, rtype, &mut visited) {
            // A whole chain, as a recursive resolver gives it.
            Walk::Complete | Walk::Nothing => return Outcome::Records(records),
            Walk::Loop(at) => return Outcome::cname_loop(&at),
            Walk::Unfinished(end) => end,
        };
        let mut chain = records;
        let mut sent = 1;
        loop {
            if sent == MAX_CNAME_QUERIES {
                return Outcome::cname_chain_too_long(name, MAX_CNAME_QUERIES);
            }
            let started = Instant::now();
            let outcome = self
                .inner
                .query_maybe_observed(&current, rtype, observer)
                .await;
            sent += 1;
            if let Some(observer) = observer {
                observer.link_asked(&current, rtype, &outcome, started);
            }
            // NXDOMAIN or NODATA at the end of the chain, or a failure on the way, is the
            // outcome of the whole lookup.
            let Outcome::Records(records) = outcome else {
                return outcome;
            };
            let walked = walk(&records, &current, rtype, &mut visited);
            chain.extend(records);
            match walked {
                Walk::Complete => return Outcome::Records(chain),
                // A link that says nothing about its name: the chain ends at no record of
                // the type.
                Walk::Nothing => return Outcome::NoData,
                Walk::Loop(at) => return Outcome::cname_loop(&at),
                Walk::Unfinished(end) => current = end,
            }
        }
    }
}

impl<S: DnsSource> DnsSource for ChasingSource<S> {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        Box::pin(self.resolve(name, rtype, None))
    }

    fn query_observed<'a>(
        &'a self,
        name: &'a Name,
        rtype: RecordType,
        observer: &'a dyn QueryObserver,
    ) -> BoxFuture<'a, Outcome> {
        Box::pin(self.resolve(name, rtype, Some(observer)))
    }
}

/// Follows the chain from `start` inside one answer's `records`, adding each name it reaches
/// to `visited`.
fn walk(records: &[Record], start: &Name, rtype: RecordType, visited: &mut Vec<Name>) -> Walk {
    let mut end = start;
    // Each step moves one link and adds a name to `visited`, so this ends; the bound is a
    // second guard.
    for _ in 0..=records.len() {
        let here = || records.iter().filter(|record| record.name == *end);
        if here().any(|record| record.data.record_type() == rtype) {
            return Walk::Complete;
        }
        let target = here().find_map(|record| match &record.data {
            RecordData::Cname(target) => Some(target),
            _ => None,
        });
        match target {
            Some(target) if visited.contains(target) => return Walk::Loop(target.clone()),
            Some(target) => {
                visited.push(target.clone());
                end = target;
            }
            None if end == start => return Walk::Nothing,
            None => return Walk::Unfinished(end.clone()),
        }
    }
    Walk::Loop(end.clone())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;
    use crate::dns::NotAsked;
    use crate::dns::cache::CachingSource;

    /// Answers like an authoritative server for every zone at once that never follows a CNAME:
    /// each name's own records, or the chosen outcome; counts the questions.
    #[derive(Default)]
    struct Authoritative {
        names: HashMap<Name, Vec<RecordData>>,
        outcomes: HashMap<Name, Outcome>,
        asked: Mutex<Vec<(Name, RecordType)>>,
    }

    impl Authoritative {
        fn cname(mut self, from: &str, to: &str) -> Self {
            self.names
                .entry(Name::new(from))
                .or_default()
                .push(RecordData::Cname(Name::new(to)));
            self
        }

        fn a(mut self, at: &str, address: &str) -> Self {
            self.names
                .entry(Name::new(at))
                .or_default()
                .push(RecordData::A(address.parse().unwrap()));
            self
        }

        fn outcome(mut self, at: &str, outcome: Outcome) -> Self {
            self.outcomes.insert(Name::new(at), outcome);
            self
        }

        fn asked(&self) -> Vec<(Name, RecordType)> {
            self.asked.lock().unwrap().clone()
        }
    }

    impl DnsSource for Authoritative {
        fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
            Box::pin(async move {
                self.asked.lock().unwrap().push((name.clone(), rtype));
                // Answers overlap, so that single flight matters.
                tokio::time::sleep(Duration::from_millis(5)).await;
                if let Some(outcome) = self.outcomes.get(name) {
                    return outcome.clone();
                }
                let Some(data) = self.names.get(name) else {
                    return Outcome::NxDomain;
                };
                let of_type: Vec<&RecordData> = data
                    .iter()
                    .filter(|data| data.record_type() == rtype)
                    .collect();
                let answer: Vec<&RecordData> = if of_type.is_empty() {
                    data.iter()
                        .filter(|data| matches!(data, RecordData::Cname(_)))
                        .collect()
                } else {
                    of_type
                };
                if answer.is_empty() {
                    return Outcome::NoData;
                }
                Outcome::Records(
                    answer
                        .into_iter()
                        .map(|data| Record {
                            name: name.clone(),
                            ttl: 60,
                            data: data.clone(),
                        })
                        .collect(),
                )
            })
        }
    }

    fn shown(outcome: &Outcome) -> Vec<String> {
        outcome
            .records()
            .iter()
            .map(|record| format!("{} {}", record.name, record.data))
            .collect()
    }

    fn chaser(zone: Authoritative) -> ChasingSource<CachingSource<Authoritative>> {
        ChasingSource::new(CachingSource::new(zone))
    }

    #[tokio::test]
    async fn splices_the_links_and_asks_each_question_once() {
        let source = chaser(
            Authoritative::default()
                .cname("mail.a.test", "mx.b.test")
                .cname("mx.b.test", "host.c.test")
                .a("host.c.test", "192.0.2.1"),
        );
        let (name, host) = (Name::new("mail.a.test"), Name::new("host.c.test"));
        let (chased, again, direct) = tokio::join!(
            source.query(&name, RecordType::A),
            source.query(&name, RecordType::A),
            source.query(&host, RecordType::A),
        );
        assert_eq!(
            shown(&chased),
            vec![
                "mail.a.test mx.b.test.",
                "mx.b.test host.c.test.",
                "host.c.test 192.0.2.1"
            ]
        );
        assert_eq!(again, chased);
        assert_eq!(shown(&direct), vec!["host.c.test 192.0.2.1"]);
        let mut asked = source.inner().inner().asked();
        asked.sort();
        assert_eq!(
            asked,
            vec![
                (host, RecordType::A),
                (name.clone(), RecordType::A),
                (Name::new("mx.b.test"), RecordType::A),
            ]
        );
        // Asked for the CNAME, the first link is the answer.
        assert_eq!(
            shown(&source.query(&name, RecordType::Cname).await),
            vec!["mail.a.test mx.b.test."]
        );
    }

    #[tokio::test]
    async fn the_end_of_the_chain_decides_the_outcome() {
        let source = chaser(
            Authoritative::default()
                .cname("dangling.a.test", "nowhere.b.test")
                .cname("keyless.a.test", "host.b.test")
                .a("host.b.test", "192.0.2.1")
                .cname("slow.a.test", "slow.b.test")
                .outcome("slow.b.test", Outcome::Timeout)
                .cname("offline.a.test", "offline.b.test")
                .outcome("offline.b.test", Outcome::NotAsked(NotAsked::Offline))
                .cname("empty.a.test", "empty.b.test")
                .outcome("empty.b.test", Outcome::Records(Vec::new())),
        );
        let ask = |name: &str, rtype| {
            let name = Name::new(name);
            let source = &source;
            async move { source.query(&name, rtype).await }
        };
        assert_eq!(
            ask("dangling.a.test", RecordType::A).await,
            Outcome::NxDomain
        );
        assert_eq!(
            ask("keyless.a.test", RecordType::Txt).await,
            Outcome::NoData
        );
        assert_eq!(ask("slow.a.test", RecordType::A).await, Outcome::Timeout);
        let offline = ask("offline.a.test", RecordType::A).await;
        assert_eq!(offline, Outcome::NotAsked(NotAsked::Offline));
        assert!(offline.is_failure(), "never absent");
        assert_eq!(ask("empty.a.test", RecordType::A).await, Outcome::NoData);
        assert_eq!(ask("nope.a.test", RecordType::A).await, Outcome::NxDomain);
    }

    #[tokio::test]
    async fn loops_and_long_chains_end_with_an_error() {
        let mut zone = Authoritative::default()
            .cname("loop.a.test", "loop.b.test")
            .cname("loop.b.test", "loop.a.test")
            .cname("self.a.test", "self.a.test");
        for n in 0..12 {
            zone = zone.cname(&format!("hop{n}.test"), &format!("hop{}.test", n + 1));
        }
        let source = chaser(zone);
        let looped = tokio::time::timeout(
            Duration::from_secs(5),
            source.query(&Name::new("loop.a.test"), RecordType::Txt),
        )
        .await
        .expect("a loop ends");
        assert_eq!(
            looped,
            Outcome::Error("a CNAME loop at loop.a.test.".to_owned())
        );
        assert!(looped.is_failure());
        // Entering the same loop from its other end, and at the same time.
        let (b, a) = (Name::new("loop.b.test"), Name::new("loop.a.test"));
        let (from_b, from_a) = tokio::join!(
            source.query(&b, RecordType::Txt),
            source.query(&a, RecordType::Txt),
        );
        assert_eq!(
            from_b,
            Outcome::Error("a CNAME loop at loop.b.test.".to_owned())
        );
        assert_eq!(from_a, looped);
        assert_eq!(
            source.query(&Name::new("self.a.test"), RecordType::A).await,
            Outcome::Error("a CNAME loop at self.a.test.".to_owned())
        );
        source.inner().inner().asked.lock().unwrap().clear();
        let long = source.query(&Name::new("hop0.test"), RecordType::A).await;
        assert_eq!(
            long,
            Outcome::Error("a CNAME chain longer than 8 links at hop0.test.".to_owned())
        );
        assert_eq!(source.inner().inner().asked().len(), MAX_CNAME_QUERIES);
    }

    #[test]
    fn a_loop_inside_one_answer_is_seen_without_asking() {
        let record = |from: &str, to: &str| Record {
            name: Name::new(from),
            ttl: 60,
            data: RecordData::Cname(Name::new(to)),
        };
        let records = [record("a.test", "b.test"), record("b.test", "a.test")];
        let start = Name::new("a.test");
        assert_eq!(
            walk(&records, &start, RecordType::Txt, &mut vec![start.clone()]),
            Walk::Loop(start.clone())
        );
        assert_eq!(
            walk(
                &records[..1],
                &start,
                RecordType::Txt,
                &mut vec![start.clone()]
            ),
            Walk::Unfinished(Name::new("b.test"))
        );
        assert_eq!(
            walk(
                &records[1..],
                &start,
                RecordType::Txt,
                &mut vec![start.clone()]
            ),
            Walk::Nothing
        );
    }

    /// Records what an observer is told.
    #[derive(Default)]
    struct Links(Mutex<Vec<(Name, Outcome)>>);

    impl QueryObserver for Links {
        fn link_asked(&self, name: &Name, _rtype: RecordType, outcome: &Outcome, _: Instant) {
            self.0.lock().unwrap().push((name.clone(), outcome.clone()));
        }
    }

    #[tokio::test]
    async fn an_observer_is_told_each_link_with_its_own_answer() {
        let source = chaser(
            Authoritative::default()
                .cname("mail.a.test", "mx.b.test")
                .a("mx.b.test", "192.0.2.1"),
        );
        let links = Links::default();
        let outcome = source
            .query_observed(&Name::new("mail.a.test"), RecordType::A, &links)
            .await;
        assert_eq!(outcome.records().len(), 2);
        let told = links.0.into_inner().unwrap();
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].0, Name::new("mx.b.test"));
        assert_eq!(shown(&told[0].1), vec!["mx.b.test 192.0.2.1"]);
    }
}
