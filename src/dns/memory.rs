//! An in-memory [`DnsSource`]: zone data held in a map, for tests and the conformance suites.
//!
//! It answers like a recursive resolver would: records in the order they were added, CNAME
//! chains followed (with the CNAME records kept in the answer), NODATA for a name that exists
//! without the type asked for, NXDOMAIN for a name it does not know, and chosen failures
//! (timeout, SERVFAIL) per name.

use std::collections::HashMap;

use super::{BoxFuture, DnsSource, Name, Outcome, Record, RecordData, RecordType};

/// How many CNAME hops are followed before the answer is a failure (a loop, most likely).
const MAX_CNAME_HOPS: usize = 8;

/// What a name does besides holding records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct NameEntry {
    records: Vec<RecordData>,
    /// Queries for a type with no record here fail this way instead of NODATA.
    failure_for_other_types: Option<Outcome>,
    /// Every query fails this way.
    failure: Option<Outcome>,
}

/// Zone data in memory.
#[derive(Clone, Debug, Default)]
pub struct MemorySource {
    names: HashMap<Name, NameEntry>,
}

impl MemorySource {
    /// An empty source: every name is NXDOMAIN.
    pub fn new() -> Self {
        MemorySource::default()
    }

    /// Adds a record at `name` (after the ones already there).
    pub fn add(&mut self, name: &Name, data: RecordData) {
        self.names
            .entry(name.clone())
            .or_default()
            .records
            .push(data);
    }

    /// Replaces every record of `data`'s type at `name` with `data` (a list may be empty: the
    /// name then exists with no record of that type).
    pub fn set(&mut self, name: &Name, rtype: RecordType, data: Vec<RecordData>) {
        let entry = self.names.entry(name.clone()).or_default();
        entry.records.retain(|record| record.record_type() != rtype);
        entry.records.extend(data);
    }

    /// Makes `name` exist with no records (so queries answer NODATA).
    pub fn touch(&mut self, name: &Name) {
        self.names.entry(name.clone()).or_default();
    }

    /// Makes every query at `name` for a type it has no record of fail with `outcome`.
    pub fn fail_other_types(&mut self, name: &Name, outcome: Outcome) {
        self.names
            .entry(name.clone())
            .or_default()
            .failure_for_other_types = Some(outcome);
    }

    /// Makes every query at `name` fail with `outcome`.
    pub fn fail(&mut self, name: &Name, outcome: Outcome) {
        self.names.entry(name.clone()).or_default().failure = Some(outcome);
    }

    /// The answer to `(name, rtype)`, following CNAMEs.
    pub fn answer(&self, name: &Name, rtype: RecordType) -> Outcome {
        let mut answer = Vec::new();
        let mut current = name.clone();
        for _ in 0..=MAX_CNAME_HOPS {
            let Some(entry) = self.names.get(&current) else {
                // Also for a chain into a name that does not exist: resolvers say NXDOMAIN.
                return Outcome::NxDomain;
            };
            if let Some(failure) = &entry.failure {
                return failure.clone();
            }
            let matching: Vec<&RecordData> = entry
                .records
                .iter()
                .filter(|data| data.record_type() == rtype)
                .collect();
            if !matching.is_empty() {
                answer.extend(matching.into_iter().map(|data| Record {
                    name: current.clone(),
                    ttl: 300,
                    data: data.clone(),
                }));
                return Outcome::Records(answer);
            }
            let cname = entry.records.iter().find_map(|data| match data {
                RecordData::Cname(target) if rtype != RecordType::Cname => Some(target.clone()),
                _ => None,
            });
            let Some(target) = cname else {
                if let Some(failure) = &entry.failure_for_other_types {
                    return failure.clone();
                }
                return if answer.is_empty() {
                    Outcome::NoData
                } else {
                    Outcome::Records(answer)
                };
            };
            answer.push(Record {
                name: current.clone(),
                ttl: 300,
                data: RecordData::Cname(target.clone()),
            });
            current = target;
        }
        // Too many hops: a loop. Resolvers answer SERVFAIL.
        Outcome::ServFail
    }
}

impl DnsSource for MemorySource {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        let outcome = self.answer(name, rtype);
        Box::pin(async move { outcome })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_like_a_resolver() {
        let mut source = MemorySource::new();
        let name = Name::new("a.test");
        source.add(&name, RecordData::A("192.0.2.1".parse().unwrap()));
        source.add(&Name::new("alias.test"), RecordData::Cname(name.clone()));
        source.add(
            &Name::new("loop.test"),
            RecordData::Cname(Name::new("loop.test")),
        );
        source.fail_other_types(&Name::new("slow.test"), Outcome::Timeout);
        assert_eq!(source.answer(&name, RecordType::A).records().len(), 1);
        assert_eq!(source.answer(&name, RecordType::Txt), Outcome::NoData);
        assert_eq!(
            source.answer(&Name::new("b.test"), RecordType::A),
            Outcome::NxDomain
        );
        let via_alias = source.answer(&Name::new("alias.test"), RecordType::A);
        assert_eq!(via_alias.records().len(), 2);
        assert_eq!(via_alias.data_of(RecordType::A).count(), 1);
        assert_eq!(
            source.answer(&Name::new("loop.test"), RecordType::A),
            Outcome::ServFail
        );
        assert_eq!(
            source.answer(&Name::new("slow.test"), RecordType::A),
            Outcome::Timeout
        );
    }
}
