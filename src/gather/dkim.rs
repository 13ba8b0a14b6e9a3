//! DKIM keys: `selector._domainkey.domain` TXT for every selector at once (RFC 6376 §3.6.2).
//!
//! With no `--selector`, every name of [`COMMON_SELECTORS`] is probed, together with
//! `_domainkey.domain` itself, all in one round trip: discovery costs one RTT, whatever the
//! length of the list. A TXT answer carries the CNAME chain it followed, which is recorded; when
//! an alias points to a name without a key the answer loses the chain (NODATA or NXDOMAIN
//! about the target), so a CNAME lookup is made as well: at once for named selectors, and after
//! a NODATA answer for probed ones (most probes are NXDOMAIN and need no second query).

use futures_util::future::join_all;

use super::ask;
use crate::dkim::selectors::COMMON_SELECTORS;
use crate::dns::{DnsSource, Name, Outcome, RecordData, RecordType};
use crate::facts::{Absence, DkimFacts, DkimSelector, DkimTxt, Lookup, SelectorMode};

/// The longest CNAME chain followed inside one answer (resolvers stop well before this).
const MAX_CHAIN: usize = 16;

pub(super) async fn gather_dkim(
    source: &dyn DnsSource,
    domain: &Name,
    named: &[String],
) -> DkimFacts {
    let (mode, selectors): (SelectorMode, Vec<&str>) = if named.is_empty() {
        (
            SelectorMode::Discovery,
            COMMON_SELECTORS.iter().map(|known| known.name).collect(),
        )
    } else {
        (
            SelectorMode::Named,
            named.iter().map(String::as_str).collect(),
        )
    };
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
    let (domainkey, selectors) = tokio::join!(domainkey, probes);
    DkimFacts {
        mode,
        domainkey,
        selectors,
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
    if cname.is_none() && matches!(txt, Lookup::Absent(Absence::NoData)) {
        cname = Some(cname_lookup(source, &name).await);
    }
    DkimSelector {
        selector: selector.to_owned(),
        name,
        txt,
        cname_chain,
        cname,
    }
}

/// The TXT records of an answer with the CNAME chain that led to them.
fn txt_lookup(name: &Name, outcome: &Outcome) -> (Lookup<Vec<DkimTxt>>, Vec<Name>) {
    let chain = cname_chain(name, outcome);
    let end = chain.last().unwrap_or(name).clone();
    let lookup = Lookup::from_outcome(name, RecordType::Txt, outcome, |outcome| {
        let txt_of = |owner: Option<&Name>| -> Vec<DkimTxt> {
            outcome
                .records()
                .iter()
                .filter(|record| owner.is_none_or(|owner| record.name == *owner))
                .filter_map(|record| match &record.data {
                    RecordData::Txt(strings) => Some(DkimTxt::new(strings.clone())),
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

    #[test]
    fn a_chain_that_ends_nowhere_is_nodata_and_loops_stop() {
        let name = Name::new("a.test");
        let outcome = Outcome::Records(vec![
            record("a.test", RecordData::Cname(Name::new("b.test"))),
            record("b.test", RecordData::Cname(Name::new("a.test"))),
        ]);
        let (lookup, chain) = txt_lookup(&name, &outcome);
        assert_eq!(lookup, Lookup::Absent(Absence::NoData));
        assert_eq!(chain, [Name::new("b.test")]);
    }
}
