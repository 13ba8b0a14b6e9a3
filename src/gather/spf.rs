//! The SPF tree: the domain's TXT (and type-99 SPF) records, then every record its `include`
//! and `redirect` terms lead to, with the lookups of its `a`, `mx` and `exists` terms.
//!
//! Each level of the tree is gathered at once: every domain's TXT lookup, then all its term
//! lookups together, while the TXT lookups of the next level's targets already start (they
//! land in the single-flight cache). Each distinct domain is looked up once; the tree is then
//! assembled from those results, depth first, which finds loops. Depth and width are capped,
//! so a hostile zone cannot make an audit run forever: beyond 10 levels every path already
//! holds more than 10 lookups (each level costs one), and past [`MAX_NODES`] records the
//! count is over the limit many times.

use std::collections::{HashMap, HashSet};

use super::lookup::{ask, join_all, lookup_v4, lookup_v6};
use crate::dns::{DnsSource, Name, Outcome, RecordData, RecordType};
use crate::facts::spf::{MAX_DEPTH, MAX_NODES, SpfFacts, SpfNode, Target, TermDns, TermFacts};
use crate::facts::{Absence, Lookup};
use crate::spf::eval::valid_domain;
use crate::spf::macros::{
    MacroContext, MacroLetter, MacroString, MacroValues, expand, truncate_domain,
};
use crate::spf::record::{Mechanism, Modifier, Record, TermKind, parse_record, reachable_terms};
use crate::spf::select::{Selection, select_records};
use crate::txt::TxtRecord;

/// One domain's record and term lookups, before the tree is assembled.
#[derive(Clone, Debug)]
struct Gathered {
    records: Lookup<Vec<TxtRecord>>,
    txt_count: usize,
    record: Option<Record>,
    /// Per term: whether reachable, its target, and its DNS facts (children not yet linked).
    terms: Vec<(bool, Target, TermDns)>,
}

pub(super) async fn gather_spf(source: &dyn DnsSource, domain: &Name) -> SpfFacts {
    let (tree, spf_rr) = tokio::join!(gather_tree(source, domain), async {
        let outcome = ask(source, domain, RecordType::Spf).await;
        Lookup::from_outcome(domain, RecordType::Spf, &outcome, |outcome| {
            let records: Vec<Vec<Vec<u8>>> = outcome
                .data_of(RecordType::Spf)
                .filter_map(|data| match data {
                    RecordData::Spf(strings) => Some(strings.clone()),
                    _ => None,
                })
                .collect();
            (!records.is_empty()).then_some(records)
        })
    });
    SpfFacts { root: tree, spf_rr }
}

pub(super) async fn gather_tree(source: &dyn DnsSource, domain: &Name) -> SpfNode {
    let mut gathered: HashMap<Name, Gathered> = HashMap::new();
    let mut level = vec![domain.clone()];
    let mut seen: HashSet<Name> = HashSet::from([domain.clone()]);
    for depth in 0..=MAX_DEPTH {
        if level.is_empty() {
            break;
        }
        let results = join_all(level.iter().map(|name| gather_domain(source, name))).await;
        let mut next = Vec::new();
        for (name, result) in level.iter().zip(results) {
            if depth < MAX_DEPTH {
                for (reachable, target, _) in &result.terms {
                    if let (true, Target::Name(child)) = (reachable, target)
                        && is_follow_target(&result, child)
                        && seen.len() < MAX_NODES
                        && seen.insert(child.clone())
                    {
                        next.push(child.clone());
                    }
                }
            }
            gathered.insert(name.clone(), result);
        }
        level = next;
    }
    assemble(domain, &gathered)
}

/// Whether `child` is the target of one of the include/redirect terms of `result`.
fn is_follow_target(result: &Gathered, child: &Name) -> bool {
    let Some(record) = &result.record else {
        return false;
    };
    record
        .terms
        .iter()
        .zip(&result.terms)
        .any(|(term, (_, target, _))| follows(&term.kind) && target.name() == Some(child))
}

/// Whether a term leads to another record.
fn follows(kind: &TermKind) -> bool {
    matches!(
        kind,
        TermKind::Directive(directive) if matches!(directive.mechanism, Mechanism::Include(_))
    ) || matches!(kind, TermKind::Modifier(Modifier::Redirect(_)))
}

/// Builds the tree depth first from the gathered records: loops are found on the way down,
/// and depth and size are capped as in gathering.
fn assemble(root: &Name, gathered: &HashMap<Name, Gathered>) -> SpfNode {
    let mut budget = MAX_NODES;
    let mut ancestors = Vec::new();
    build(root, gathered, &mut ancestors, &mut budget)
}

fn build(
    domain: &Name,
    gathered: &HashMap<Name, Gathered>,
    ancestors: &mut Vec<Name>,
    budget: &mut usize,
) -> SpfNode {
    *budget = budget.saturating_sub(1);
    let Some(found) = gathered.get(domain) else {
        return SpfNode {
            domain: domain.clone(),
            records: Lookup::Absent(Absence::NoData),
            txt_count: 0,
            record: None,
            terms: Vec::new(),
        };
    };
    ancestors.push(domain.clone());
    let mut terms = Vec::new();
    if let Some(record) = &found.record {
        for (term, (reachable, target, dns)) in record.terms.iter().zip(&found.terms) {
            let dns = if follows(&term.kind) && *reachable {
                match target.name() {
                    // The recursion is bounded by MAX_DEPTH, whatever the DNS data says.
                    Some(child) if ancestors.contains(child) => TermDns::Loop,
                    Some(child)
                        if ancestors.len() <= MAX_DEPTH
                            && *budget > 0
                            && gathered.contains_key(child) =>
                    {
                        TermDns::Child(Box::new(build(child, gathered, ancestors, budget)))
                    }
                    Some(_) => TermDns::NotFollowed,
                    None => TermDns::None,
                }
            } else {
                dns.clone()
            };
            terms.push(TermFacts {
                text: term.text.clone(),
                span: term.span,
                reachable: *reachable,
                costs_lookup: term.costs_lookup(),
                target: target.clone(),
                dns,
            });
        }
    }
    ancestors.pop();
    SpfNode {
        domain: domain.clone(),
        records: found.records.clone(),
        txt_count: found.txt_count,
        record: found.record.clone(),
        terms,
    }
}

/// One domain: its TXT records, then the lookups of its terms, all at once.
async fn gather_domain(source: &dyn DnsSource, domain: &Name) -> Gathered {
    let outcome = ask(source, domain, RecordType::Txt).await;
    let txt_count = outcome.txt_strings().count();
    let records: Lookup<Vec<TxtRecord>> = match (&outcome, select_records(outcome.txt_strings())) {
        (Outcome::Records(_), Selection::One(one)) => Lookup::Found(vec![one]),
        (Outcome::Records(_), Selection::Multiple(many)) => Lookup::Found(many),
        // TXT records, none of them SPF: the domain has no SPF record.
        (Outcome::Records(_), Selection::None) if txt_count > 0 => Lookup::Absent(Absence::NoData),
        // No TXT record at all (a chain that ends nowhere is a failure there, not an absence).
        (other, _) => Lookup::from_outcome(domain, RecordType::Txt, other, |_| None),
    };
    let record = match records.found().map(Vec::as_slice) {
        Some([one]) => Some(parse_record(&one.text)),
        _ => None,
    };
    let Some(parsed) = &record else {
        return Gathered {
            records,
            txt_count,
            record,
            terms: Vec::new(),
        };
    };
    let reachable = reachable_terms(parsed);
    let targets: Vec<Target> = parsed
        .terms
        .iter()
        .map(|term| term_target(&term.kind, domain))
        .collect();
    let lookups = parsed
        .terms
        .iter()
        .zip(&targets)
        .zip(&reachable)
        .map(|((term, target), reachable)| term_dns(source, &term.kind, target, *reachable));
    let terms = join_all(lookups).await;
    Gathered {
        records,
        txt_count,
        record,
        terms: reachable
            .into_iter()
            .zip(targets)
            .zip(terms)
            .map(|((reachable, target), dns)| (reachable, target, dns))
            .collect(),
    }
}

/// The name a term looks up, with `%{d}` expanded (the only macro known without a client).
fn term_target(kind: &TermKind, domain: &Name) -> Target {
    let spec = match kind {
        TermKind::Directive(directive) => match &directive.mechanism {
            Mechanism::A { domain: None, .. }
            | Mechanism::Mx { domain: None, .. }
            | Mechanism::Ptr(None) => {
                return Target::Name(domain.clone());
            }
            mechanism => mechanism.domain_spec(),
        },
        TermKind::Modifier(Modifier::Redirect(spec)) => Some(spec),
        _ => None,
    };
    match spec {
        Some(spec) => static_target(spec, domain),
        None => Target::None,
    }
}

fn static_target(spec: &MacroString, domain: &Name) -> Target {
    if spec.letters().any(|letter| letter != MacroLetter::Domain) {
        return Target::Macro(spec.text.clone());
    }
    // Only %{d} (and %%, %_, %-): expand with the current domain; the other values are unused.
    let values = MacroValues {
        sender: "",
        local: "",
        sender_domain: "",
        domain: domain.as_str(),
        ip: std::net::Ipv4Addr::UNSPECIFIED.into(),
        helo: "",
        validated: None,
        receiver: "",
        timestamp: 0,
    };
    let expanded = expand(spec, &values, MacroContext::Domain);
    let name = truncate_domain(&expanded);
    if valid_domain(name) {
        Target::Name(Name::new(name))
    } else {
        Target::Invalid(expanded)
    }
}

/// The lookups of one term (`include` and `redirect` targets are gathered as the next level).
async fn term_dns(
    source: &dyn DnsSource,
    kind: &TermKind,
    target: &Target,
    reachable: bool,
) -> TermDns {
    let (TermKind::Directive(directive), Some(name), true) = (kind, target.name(), reachable)
    else {
        if let (true, Some(name)) = (reachable && follows(kind), target.name()) {
            // Start the next level's TXT lookup now; the cache keeps the answer.
            let _ = ask(source, name, RecordType::Txt).await;
        }
        return TermDns::None;
    };
    match &directive.mechanism {
        Mechanism::A { .. } => {
            let (a, aaaa) = tokio::join!(lookup_v4(source, name), lookup_v6(source, name));
            TermDns::Addresses { a, aaaa }
        }
        Mechanism::Exists(_) => TermDns::Exists(lookup_v4(source, name).await),
        Mechanism::Mx { .. } => {
            let outcome = ask(source, name, RecordType::Mx).await;
            TermDns::Mx(Lookup::from_outcome(
                name,
                RecordType::Mx,
                &outcome,
                |outcome| {
                    let mut exchanges: Vec<(u16, Name)> = outcome
                        .data_of(RecordType::Mx)
                        .filter_map(|data| match data {
                            RecordData::Mx {
                                preference,
                                exchange,
                            } if !exchange.is_root() => Some((*preference, exchange.clone())),
                            _ => None,
                        })
                        .collect();
                    exchanges.sort();
                    exchanges.dedup();
                    (!exchanges.is_empty())
                        .then(|| exchanges.into_iter().map(|(_, name)| name).collect())
                },
            ))
        }
        Mechanism::Include(_) => {
            let _ = ask(source, name, RecordType::Txt).await;
            TermDns::None
        }
        Mechanism::All | Mechanism::Ptr(_) | Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => {
            TermDns::None
        }
    }
}
