//! An in-memory [`DnsSource`] answering from zone files, as their authoritative server and a
//! recursive resolver in front of it would (`--zone`, tests, benchmarks).
//!
//! The outcomes are those of RFC 1034 §4.3.2: the records asked for; NODATA when the name
//! exists without them (an empty non-terminal such as `_domainkey.example.com` exists too,
//! RFC 8020); NXDOMAIN when it does not; a CNAME followed inside the loaded zones, with the
//! chain at the head of the answer; wildcards (RFC 4592). Names outside every zone, and names
//! at or under a delegation (NS records below the apex) to a zone not loaded, go to the
//! fallback source: the live resolver, or [`OfflineSource`] under `--offline`.
//!
//! A chain that leaves the loaded zones ends there, with the links so far and no records of
//! the type, as an authoritative server answers: the rest is asked for by
//! [`ChasingSource`](super::chase::ChasingSource) above the single-flight cache, so that the
//! target is one question (sent, saved and replayed once), not a query hidden inside this one.
//!
//! Where the chain ends in NODATA or NXDOMAIN, the outcome is that alone, without the chain:
//! that is what a stub resolver reports for a live lookup too, and the rules must see the same
//! thing either way.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::{BoxFuture, DnsSource, Name, NotAsked, Outcome, Record, RecordData, RecordType};
use crate::zonefile::{ANY_TYPE, Zone, is_within, type_code, type_name};

/// The longest CNAME chain followed, as resolvers bound it (BIND and Unbound stop near here).
const MAX_CHAIN: usize = 16;

/// The type code of NS, which marks a zone cut below the apex (RFC 1034 §4.2.1).
const NS: u16 = 2;

/// Answers every query with a failure: under `--offline`, a name outside the zone files is
/// not verified, never absent.
#[derive(Clone, Copy, Debug, Default)]
pub struct OfflineSource;

impl DnsSource for OfflineSource {
    fn query<'a>(&'a self, _name: &'a Name, _rtype: RecordType) -> BoxFuture<'a, Outcome> {
        Box::pin(async { Outcome::NotAsked(NotAsked::Offline) })
    }
}

/// Answers from loaded zones; everything else goes to `fallback`.
pub struct ZoneSource<F> {
    set: Arc<ZoneSet>,
    fallback: F,
}

/// The zone files of a run (`--zone`), indexed to be answered from. Shared by the source that
/// answers from them and by the audits, which report the files that answered them.
pub struct ZoneSet {
    /// Every file, in the order given (those that cannot answer too).
    files: Vec<Arc<Zone>>,
    /// The files that can answer: one per origin, the first given.
    zones: Vec<IndexedZone>,
}

struct IndexedZone {
    apex: Name,
    file: Arc<str>,
    /// Every owner, and every empty non-terminal between an owner and the apex.
    nodes: HashMap<Name, Node>,
    /// Names below the apex with NS records: the zone ends there.
    cuts: HashSet<Name>,
    /// Whether part of the file was not read (a refused `$INCLUDE`, a cap).
    incomplete: bool,
}

#[derive(Default)]
struct Node {
    /// The records mailcheck models.
    records: Vec<Record>,
    /// Records that could not be read: `(type code, why)`.
    unreadable: Vec<(u16, String)>,
}

/// What one zone says about one name.
enum Local {
    /// No loaded zone answers for the name.
    Outside,
    /// The answer.
    Final(Outcome),
    /// The name is an alias: the CNAME record, and its target.
    Alias(Record, Name),
}

impl<F: DnsSource> ZoneSource<F> {
    /// A source over `zones` (those without a known origin are skipped; when two have the
    /// same origin, the first one answers).
    pub fn new(zones: &[Zone], fallback: F) -> Self {
        ZoneSource::over(Arc::new(ZoneSet::new(zones.to_vec())), fallback)
    }

    /// A source over the zones of `set`.
    pub fn over(set: Arc<ZoneSet>, fallback: F) -> Self {
        ZoneSource { set, fallback }
    }
}

impl std::fmt::Debug for ZoneSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The indexes are large and say nothing the file names do not.
        let files: Vec<&str> = self.files.iter().map(|zone| &*zone.file).collect();
        f.debug_struct("ZoneSet")
            .field("files", &files)
            .finish_non_exhaustive()
    }
}

impl ZoneSet {
    /// Indexes `zones` (those without a known origin cannot answer; when two have the same
    /// origin, the first one answers).
    pub fn new(zones: Vec<Zone>) -> Self {
        let mut indexed: Vec<IndexedZone> = Vec::new();
        for zone in &zones {
            let Some(apex) = zone.origin.clone() else {
                continue;
            };
            if indexed.iter().any(|other| other.apex == apex) {
                continue;
            }
            indexed.push(IndexedZone::new(apex, zone));
        }
        ZoneSet {
            files: zones.into_iter().map(Arc::new).collect(),
            zones: indexed,
        }
    }

    /// Every file, in the order given.
    pub fn files(&self) -> &[Arc<Zone>] {
        &self.files
    }

    /// The file of the zone that answers for `name`, if one does (not outside every zone and
    /// not delegated away from it).
    pub fn file_for(&self, name: &Name) -> Option<&str> {
        self.zone_for(name).map(|zone| &*zone.file)
    }

    /// The deepest zone holding `name`, unless the name is delegated from it.
    fn zone_for(&self, name: &Name) -> Option<&IndexedZone> {
        self.zones
            .iter()
            .filter(|zone| is_within(name, &zone.apex))
            .max_by_key(|zone| zone.apex.labels().count())
            .filter(|zone| !zone.delegated(name))
    }

    fn answer_local(&self, name: &Name, rtype: RecordType) -> Local {
        match self.zone_for(name) {
            Some(zone) => zone.answer(name, rtype),
            None => Local::Outside,
        }
    }
}

impl<F: DnsSource> DnsSource for ZoneSource<F> {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let mut chain: Vec<Record> = Vec::new();
            let mut current = name.clone();
            let mut seen = HashSet::from([name.clone()]);
            for _ in 0..MAX_CHAIN {
                match self.set.answer_local(&current, rtype) {
                    // The chain leaves the zones: the links so far (the chase layer asks on).
                    Local::Outside if !chain.is_empty() => return Outcome::Records(chain),
                    Local::Outside => return self.fallback.query(&current, rtype).await,
                    Local::Final(outcome) => return with_chain(chain, outcome),
                    Local::Alias(record, target) => {
                        chain.push(record);
                        if !seen.insert(target.clone()) {
                            // A recursive resolver answers SERVFAIL here; say why instead,
                            // in the words of the network source and the chase layer.
                            return Outcome::cname_loop(&target);
                        }
                        current = target;
                    }
                }
            }
            Outcome::cname_chain_too_long(name, MAX_CHAIN)
        })
    }
}

/// The answer with the CNAME chain in front, when it has records; NODATA, NXDOMAIN and
/// failures as they are.
fn with_chain(mut chain: Vec<Record>, outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::Records(records) => {
            chain.extend(records);
            Outcome::Records(chain)
        }
        other => other,
    }
}

impl IndexedZone {
    fn new(apex: Name, zone: &Zone) -> Self {
        let mut nodes: HashMap<Name, Node> = HashMap::new();
        let mut cuts = HashSet::new();
        let mut add_node = |name: &Name| -> () {
            // The owner and every name between it and the apex exist (RFC 8020).
            let mut current = Some(name.clone());
            while let Some(name) = current {
                if nodes.contains_key(&name) {
                    break;
                }
                nodes.insert(name.clone(), Node::default());
                current = (name != apex).then(|| parent(&name)).flatten();
            }
        };
        for record in &zone.records {
            add_node(&record.name);
            if record.rtype == NS && record.name != apex {
                cuts.insert(record.name.clone());
            }
        }
        for record in &zone.unreadable {
            add_node(&record.name);
        }
        for record in &zone.records {
            if let (Some(data), Some(node)) = (&record.data, nodes.get_mut(&record.name)) {
                node.records.push(Record {
                    name: record.name.clone(),
                    ttl: record.ttl,
                    data: data.clone(),
                });
            }
        }
        for record in &zone.unreadable {
            if let Some(node) = nodes.get_mut(&record.name) {
                node.unreadable.push((
                    record.rtype,
                    format!("{}: {}", record.location, record.message),
                ));
            }
        }
        IndexedZone {
            apex,
            file: Arc::clone(&zone.file),
            nodes,
            cuts,
            incomplete: zone.incomplete,
        }
    }

    /// Whether `name` is at or under a zone cut of this zone (so another zone answers).
    fn delegated(&self, name: &Name) -> bool {
        let mut current = Some(name.clone());
        while let Some(name) = current {
            if name == self.apex {
                return false;
            }
            if self.cuts.contains(&name) {
                return true;
            }
            current = parent(&name);
        }
        false
    }

    fn answer(&self, name: &Name, rtype: RecordType) -> Local {
        match self.answer_read(name, rtype) {
            // What was not read may hold the name: its absence is not known.
            Local::Final(Outcome::NoData | Outcome::NxDomain) if self.incomplete => {
                Local::Final(Outcome::Error(format!(
                    "{} was not read completely (see its zone-parse-error findings), so the \
                     record may be in the part not read",
                    self.file
                )))
            }
            local => local,
        }
    }

    /// The answer from the records that were read.
    fn answer_read(&self, name: &Name, rtype: RecordType) -> Local {
        if let Some(node) = self.nodes.get(name) {
            return answer_node(node, name, rtype);
        }
        // RFC 4592 §3.3.1: the closest existing ancestor, and a wildcard right under it.
        let mut current = parent(name);
        while let Some(ancestor) = current {
            if self.nodes.contains_key(&ancestor) {
                return match self.nodes.get(&ancestor.prepend("*")) {
                    Some(wildcard) => answer_node(wildcard, name, rtype),
                    None => Local::Final(Outcome::NxDomain),
                };
            }
            if ancestor == self.apex {
                break;
            }
            current = parent(&ancestor);
        }
        Local::Final(Outcome::NxDomain)
    }
}

/// The answer at one node, with the records' owner set to `name` (which differs from the
/// node's for a wildcard).
fn answer_node(node: &Node, name: &Name, rtype: RecordType) -> Local {
    let code = type_code(rtype);
    let cname = type_code(RecordType::Cname);
    if let Some((unreadable, why)) = node.unreadable.iter().find(|(unreadable, _)| {
        *unreadable == code || (*unreadable == cname && rtype != RecordType::Cname)
    }) {
        // A record that was written but could not be read is not a missing record.
        return Local::Final(Outcome::Error(format!(
            "the {} record could not be read from the zone file ({why})",
            type_name(*unreadable)
        )));
    }
    let owned = |record: &Record| Record {
        name: name.clone(),
        ..record.clone()
    };
    let alias = node.records.iter().find_map(|record| match &record.data {
        RecordData::Cname(target) if rtype != RecordType::Cname => Some((record, target)),
        _ => None,
    });
    if let Some((record, target)) = alias {
        return Local::Alias(owned(record), target.clone());
    }
    let records: Vec<Record> = node
        .records
        .iter()
        .filter(|record| record.data.record_type() == rtype)
        .map(owned)
        .collect();
    let unknown = node
        .unreadable
        .iter()
        .find(|(unreadable, _)| *unreadable == ANY_TYPE);
    if let (true, Some((_, why))) = (records.is_empty(), unknown) {
        // A line of an unknown type (gdnsd's DYNA, a template) may hold this type: its
        // absence is not known.
        Local::Final(Outcome::Error(format!(
            "a record of this name could not be read from the zone file ({why}), so the \
             {} record may be there",
            type_name(code)
        )))
    } else if records.is_empty() {
        Local::Final(Outcome::NoData)
    } else {
        Local::Final(Outcome::Records(records))
    }
}

/// The name without its first label; `None` for the root.
fn parent(name: &Name) -> Option<Name> {
    if name.is_root() {
        return None;
    }
    Some(match name.as_str().split_once('.') {
        Some((_, rest)) => Name::new(rest),
        None => Name::root(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zonefile::parse;

    /// A fallback that says which name reached it.
    struct Network;

    impl DnsSource for Network {
        fn query<'a>(&'a self, name: &'a Name, _rtype: RecordType) -> BoxFuture<'a, Outcome> {
            Box::pin(async move {
                if name.as_str() == "mx.provider.test" {
                    Outcome::Records(vec![Record {
                        name: name.clone(),
                        ttl: 60,
                        data: RecordData::A("93.184.216.9".parse().unwrap()),
                    }])
                } else {
                    Outcome::Error(format!("network: {name}"))
                }
            })
        }
    }

    const ZONE: &str = r#"$ORIGIN z.test.
@ SOA ns h 1 2 3 4 5
  NS ns
  MX 10 mail
mail A 93.184.216.1
sel._domainkey TXT "v=DKIM1; p=AB"
www CNAME web
web CNAME mail
out CNAME mx.provider.test.
dangling CNAME nowhere
loop1 CNAME loop2
loop2 CNAME loop1
*.wild TXT "wildcard"
sub NS ns.elsewhere.test.
bad A 999.1.1.1
"#;

    fn source() -> ZoneSource<Network> {
        ZoneSource::new(&[parse("z.zone", ZONE.as_bytes())], Network)
    }

    fn ask(name: &str, rtype: RecordType) -> Outcome {
        let source = source();
        let name = Name::new(name);
        futures_util::FutureExt::now_or_never(source.query(&name, rtype))
            .expect("answers without waiting")
    }

    fn summary(outcome: &Outcome) -> Vec<String> {
        outcome
            .records()
            .iter()
            .map(|r| format!("{} {} {}", r.name, r.data.record_type(), r.data))
            .collect()
    }

    #[test]
    fn answers_records_nodata_and_nxdomain() {
        assert_eq!(
            summary(&ask("z.test", RecordType::Mx)),
            vec!["z.test MX 10 mail.z.test."]
        );
        assert_eq!(ask("z.test", RecordType::Txt), Outcome::NoData);
        assert_eq!(
            ask("_domainkey.z.test", RecordType::Txt),
            Outcome::NoData,
            "empty non-terminal"
        );
        assert_eq!(ask("nope.z.test", RecordType::A), Outcome::NxDomain);
        assert_eq!(ask("a.nope.z.test", RecordType::A), Outcome::NxDomain);
    }

    #[test]
    fn follows_cname_chains() {
        assert_eq!(
            summary(&ask("www.z.test", RecordType::A)),
            vec![
                "www.z.test CNAME web.z.test.",
                "web.z.test CNAME mail.z.test.",
                "mail.z.test A 93.184.216.1"
            ]
        );
        assert_eq!(
            summary(&ask("www.z.test", RecordType::Cname)),
            vec!["www.z.test CNAME web.z.test."]
        );
        assert_eq!(ask("www.z.test", RecordType::Txt), Outcome::NoData);
        assert_eq!(ask("dangling.z.test", RecordType::A), Outcome::NxDomain);
        assert!(
            matches!(ask("loop1.z.test", RecordType::A), Outcome::Error(m) if m.contains("loop"))
        );
        // Leaving the zones: the links so far, as an authoritative server gives them.
        assert_eq!(
            summary(&ask("out.z.test", RecordType::A)),
            vec!["out.z.test CNAME mx.provider.test."]
        );
        // The chase layer asks the fallback for the rest.
        let chasing = crate::dns::chase::ChasingSource::new(source());
        let name = Name::new("out.z.test");
        assert_eq!(
            summary(
                &futures_util::FutureExt::now_or_never(chasing.query(&name, RecordType::A))
                    .unwrap()
            ),
            vec![
                "out.z.test CNAME mx.provider.test.",
                "mx.provider.test A 93.184.216.9"
            ]
        );
    }

    #[test]
    fn wildcards_delegations_outside_names_and_unreadable_records() {
        assert_eq!(
            summary(&ask("x.wild.z.test", RecordType::Txt)),
            vec!["x.wild.z.test TXT \"wildcard\""]
        );
        assert_eq!(
            ask("wild.z.test", RecordType::Txt),
            Outcome::NoData,
            "the wildcard's parent exists"
        );
        assert_eq!(
            ask("www.sub.z.test", RecordType::A),
            Outcome::Error("network: www.sub.z.test".into())
        );
        assert_eq!(
            ask("other.test", RecordType::A),
            Outcome::Error("network: other.test".into())
        );
        assert!(
            matches!(ask("bad.z.test", RecordType::A), Outcome::Error(m) if m.contains("z.zone:15"))
        );
        assert_eq!(ask("bad.z.test", RecordType::Txt), Outcome::NoData);
        let source = source();
        assert_eq!(
            source.set.file_for(&Name::new("mail.z.test")),
            Some("z.zone")
        );
        assert_eq!(source.set.file_for(&Name::new("x.sub.z.test")), None);
    }

    #[test]
    fn an_incomplete_zone_cannot_say_a_name_is_missing() {
        let mut zone = parse("z.zone", ZONE.as_bytes());
        zone.incomplete = true;
        let source = ZoneSource::new(&[zone], Network);
        let ask = |name: &str, rtype| {
            let name = Name::new(name);
            futures_util::FutureExt::now_or_never(source.query(&name, rtype)).unwrap()
        };
        // What was read still answers.
        assert_eq!(
            summary(&ask("mail.z.test", RecordType::A)),
            vec!["mail.z.test A 93.184.216.1"]
        );
        for (name, rtype) in [("nope.z.test", RecordType::A), ("z.test", RecordType::Txt)] {
            assert!(
                matches!(ask(name, rtype), Outcome::Error(m) if m.contains("not read completely")),
                "{name}"
            );
        }
    }

    #[test]
    fn offline_is_a_failure() {
        let name = Name::new("x.test");
        let outcome =
            futures_util::FutureExt::now_or_never(OfflineSource.query(&name, RecordType::A))
                .unwrap();
        assert_eq!(outcome, Outcome::NotAsked(NotAsked::Offline));
        assert!(outcome.is_failure());
    }
}
