//! DKIM keys: `selector._domainkey.domain` TXT for every selector at once (RFC 6376 §3.6.2).
//!
//! With no `--selector`, every name of [`COMMON_SELECTORS`] is probed, together with
//! `_domainkey.domain` itself and a name no one uses (to recognise a wildcard), all in one
//! round trip: discovery costs one RTT, whatever the
//! length of the list. A TXT answer carries the CNAME chain it followed, which is recorded; when
//! an alias points to a name without a key the answer loses the chain (NODATA or NXDOMAIN
//! about the target), so a CNAME lookup is made as well: at once for named selectors, and after
//! a NODATA answer for probed ones (most probes are NXDOMAIN and need no second query).

use super::lookup::{ask, cname_lookup, join_all};
use crate::dkim::selectors::{COMMON_SELECTORS, WILDCARD_PROBE};
use crate::dns::{DnsSource, Name, Outcome, RecordData, RecordType};
use crate::facts::dkim::{DkimFacts, DkimRecord, DkimSelector, SelectorMode};
use crate::facts::{Absence, Lookup};
use crate::txt::TxtRecord;

/// The longest CNAME chain followed inside one answer (resolvers stop well before this).
const MAX_CHAIN: usize = 16;

pub(super) async fn gather_dkim(
    source: &dyn DnsSource,
    domain: &Name,
    named: &[String],
    all_selectors: bool,
) -> DkimFacts {
    // `--selector` replaces the built-in list: the user knows the names, and probing sixty
    // others would only add noise and queries.
    let (mode, selectors): (SelectorMode, Vec<&str>) = if named.is_empty() {
        (
            SelectorMode::Discovery,
            COMMON_SELECTORS
                .iter()
                .filter(|known| all_selectors || known.by_default)
                .map(|known| known.name)
                .collect(),
        )
    } else {
        // DNS names are compared without regard to case (RFC 4343): `S1` and `s1` are one
        // selector, asked once and shown as first written.
        let mut unique: Vec<&str> = Vec::new();
        for selector in named {
            if !unique
                .iter()
                .any(|seen| seen.eq_ignore_ascii_case(selector))
            {
                unique.push(selector);
            }
        }
        (SelectorMode::Named, unique)
    };
    // `_domainkey.<domain>` tells NXDOMAIN (nothing below it: no selector of any name, RFC
    // 8020) from NODATA (names below it exist, perhaps selectors that were not probed).
    let domainkey_name = domain.prepend("_domainkey");
    let domainkey = async {
        let outcome = ask(source, &domainkey_name, RecordType::Txt).await;
        txt_lookup(&domainkey_name, &outcome).0
    };
    let probes = join_all(
        selectors
            .iter()
            .map(|selector| probe(source, domain, selector, mode == SelectorMode::Named)),
    );
    let wildcard = async {
        if mode == SelectorMode::Discovery {
            let name = domain.prepend(&format!("{WILDCARD_PROBE}._domainkey"));
            let outcome = ask(source, &name, RecordType::Txt).await;
            Some(key_records(txt_lookup(&name, &outcome).0))
        } else {
            None
        }
    };
    let (domainkey, selectors, wildcard) = tokio::join!(domainkey, probes, wildcard);
    DkimFacts {
        mode,
        domainkey,
        selectors,
        wildcard,
    }
}

async fn probe(source: &dyn DnsSource, domain: &Name, selector: &str, named: bool) -> DkimSelector {
    let name = domain.prepend(&format!("{selector}._domainkey"));
    let txt = ask(source, &name, RecordType::Txt);
    let cname = async {
        if named {
            Some(cname_lookup(source, &name).await)
        } else {
            None
        }
    };
    let (outcome, mut cname) = tokio::join!(txt, cname);
    let (txt, cname_chain) = txt_lookup(&name, &outcome);
    // NODATA for a probe: the name exists, so it may be an alias whose target has no key (the
    // TXT answer does not show the chain then). NXDOMAIN, the usual answer, needs no follow-up.
    if cname.is_none() && matches!(txt, Lookup::Absent(Absence::NoData)) {
        cname = Some(cname_lookup(source, &name).await);
    }
    DkimSelector {
        selector: selector.to_owned(),
        name,
        txt: key_records(txt),
        cname_chain,
        cname,
    }
}

/// Each TXT record read as a DKIM key record, once.
fn key_records(txt: Lookup<Vec<TxtRecord>>) -> Lookup<Vec<DkimRecord>> {
    txt.map(|records| records.into_iter().map(DkimRecord::new).collect())
}

/// The TXT records of an answer with the CNAME chain that led to them.
fn txt_lookup(name: &Name, outcome: &Outcome) -> (Lookup<Vec<TxtRecord>>, Vec<Name>) {
    let chain = cname_chain(name, outcome);
    let end = chain.last().unwrap_or(name).clone();
    let lookup = Lookup::from_outcome(name, RecordType::Txt, outcome, |outcome| {
        let txt_of = |owner: Option<&Name>| -> Vec<TxtRecord> {
            outcome
                .records()
                .iter()
                .filter(|record| owner.is_none_or(|owner| record.name == *owner))
                .filter_map(|record| match &record.data {
                    RecordData::Txt(strings) => Some(TxtRecord::new(strings.clone())),
                    _ => None,
                })
                .collect()
        };
        // The records owned by the end of the chain; any TXT in the answer if the server
        // named them otherwise (it should not).
        let mut records = txt_of(Some(&end));
        if records.is_empty() {
            records = txt_of(None);
        }
        records.sort();
        (!records.is_empty()).then_some(records)
    });
    (lookup, chain)
}

/// Follows the CNAME records of an answer from `name`, in order.
fn cname_chain(name: &Name, outcome: &Outcome) -> Vec<Name> {
    let mut chain: Vec<Name> = Vec::new();
    let mut current = name.clone();
    while chain.len() < MAX_CHAIN {
        let next = outcome
            .records()
            .iter()
            .find_map(|record| match &record.data {
                RecordData::Cname(target) if record.name == current => Some(target.clone()),
                _ => None,
            });
        match next {
            Some(target) if target != *name && !chain.contains(&target) => {
                chain.push(target.clone());
                current = target;
            }
            _ => break,
        }
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::Record;

    fn record(name: &str, data: RecordData) -> Record {
        Record {
            name: Name::new(name),
            ttl: 300,
            data,
        }
    }

    #[test]
    fn follows_the_chain_to_the_records() {
        let name = Name::new("s1._domainkey.example.test");
        let outcome = Outcome::Records(vec![
            record(
                "s1._domainkey.example.test",
                RecordData::Cname(Name::new("s1.esp.test")),
            ),
            record("s1.esp.test", RecordData::Cname(Name::new("key.esp.test"))),
            record(
                "key.esp.test",
                RecordData::Txt(vec![b"v=DKIM1; ".to_vec(), b"p=".to_vec()]),
            ),
        ]);
        let (lookup, chain) = txt_lookup(&name, &outcome);
        assert_eq!(chain, [Name::new("s1.esp.test"), Name::new("key.esp.test")]);
        let records = lookup.found().unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].text, "v=DKIM1; p=");
        assert_eq!(records[0].strings.len(), 2);
    }

    /// Answers NXDOMAIN after a pause, counting how many questions were open at once.
    struct CountingSource {
        in_flight: std::sync::atomic::AtomicUsize,
        peak: std::sync::atomic::AtomicUsize,
        asked: std::sync::atomic::AtomicUsize,
    }

    impl DnsSource for CountingSource {
        fn query<'a>(
            &'a self,
            _name: &'a Name,
            _rtype: RecordType,
        ) -> crate::dns::BoxFuture<'a, Outcome> {
            use std::sync::atomic::Ordering::SeqCst;
            Box::pin(async move {
                let now = self.in_flight.fetch_add(1, SeqCst) + 1;
                self.peak.fetch_max(now, SeqCst);
                self.asked.fetch_add(1, SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                self.in_flight.fetch_sub(1, SeqCst);
                Outcome::NxDomain
            })
        }
    }

    #[tokio::test]
    async fn the_default_probes_are_the_widespread_selectors() {
        let source = CountingSource {
            in_flight: 0.into(),
            peak: 0.into(),
            asked: 0.into(),
        };
        let facts = gather_dkim(&source, &Name::new("example.test"), &[], false).await;
        let default = COMMON_SELECTORS.iter().filter(|s| s.by_default).count();
        assert_eq!(default, 24);
        assert_eq!(facts.selectors.len(), default);
        assert!(facts.selectors.iter().any(|s| s.selector == "google"));
        assert!(!facts.selectors.iter().any(|s| s.selector == "turbo-smtp"));
    }

    #[tokio::test]
    async fn every_probe_is_asked_at_once() {
        use std::sync::atomic::Ordering::SeqCst;
        let source = CountingSource {
            in_flight: 0.into(),
            peak: 0.into(),
            asked: 0.into(),
        };
        let facts = gather_dkim(&source, &Name::new("example.test"), &[], true).await;
        let expected = COMMON_SELECTORS.len() + 2;
        assert_eq!(facts.selectors.len(), COMMON_SELECTORS.len());
        assert_eq!(
            source.asked.load(SeqCst),
            expected,
            "NXDOMAIN needs no CNAME follow-up"
        );
        assert_eq!(
            source.peak.load(SeqCst),
            expected,
            "not all probes were in flight at once"
        );

        // Named selectors: TXT and CNAME of each, and _domainkey, all at once.
        let source = CountingSource {
            in_flight: 0.into(),
            peak: 0.into(),
            asked: 0.into(),
        };
        let named = vec!["a".to_owned(), "b".to_owned()];
        let facts = gather_dkim(&source, &Name::new("example.test"), &named, false).await;
        assert_eq!(facts.mode, SelectorMode::Named);
        assert_eq!(source.peak.load(SeqCst), 5);
        assert!(facts.selectors.iter().all(|s| s.cname.is_some()));
    }

    /// A chain with no key at its end (here a loop, which the chase layer reports before it
    /// gets here) proves nothing about the key: a failure, never an absent key.
    #[test]
    fn a_chain_that_ends_nowhere_is_a_failure_and_loops_stop() {
        let name = Name::new("a.test");
        let outcome = Outcome::Records(vec![
            record("a.test", RecordData::Cname(Name::new("b.test"))),
            record("b.test", RecordData::Cname(Name::new("a.test"))),
        ]);
        let (lookup, chain) = txt_lookup(&name, &outcome);
        assert!(lookup.failure().is_some(), "{lookup:?}");
        assert_eq!(chain, [Name::new("b.test")]);
    }
}
