//! The SPF tree: the domain's TXT (and type-99 SPF) records, then every record its `include`
//! and `redirect` terms lead to, with the lookups of its `a`, `mx` and `exists` terms, as far
//! as evaluation can go.
//!
//! Receivers stop at the 11th lookup with permerror (RFC 7208 §4.6.4), so what comes after it
//! cannot change any verdict: the tree is gathered in evaluation order up to the 11th lookup
//! and no further. Terms past it are not looked up, and includes past it not followed
//! ([`TermDns::PastLimit`]); a record's own terms are still counted from its text. Gathering
//! every term of every record cost a record with 200 `include:` and 200 `a:` terms 51,263
//! queries; now a tree costs at most about 11 lookups per level.
//!
//! It goes a level at a time, every lookup of a level at once: the records of the targets
//! decided so far, together with the term lookups of the records already in. After each
//! level, the tree known so far is walked in evaluation order, counting an include whose
//! record is not in yet as its one lookup: the terms among the first 11 lookups of that walk
//! are the ones to look up, and the includes among them the records to fetch next. Counts only
//! grow as records come in, so a term past the limit never comes back within it (a term found
//! within it and then pushed out was looked up for nothing, which the bound above allows for).
//! Each distinct domain is fetched once; the tree is then assembled depth first, which finds
//! loops. Depth and width are capped as well ([`MAX_DEPTH`], [`MAX_NODES`]).

use std::collections::{HashMap, HashSet};

use super::lookup::{ask, join_all, lookup_v4, lookup_v6};
use crate::dns::{DnsSource, Name, Outcome, RecordData, RecordType};
use crate::facts::spf::{
    MAX_DEPTH, MAX_NODES, SpfFacts, SpfNode, Target, TermDns, TermFacts, leads_to_record,
};
use crate::facts::{Absence, Lookup};
use crate::spf::eval::{LOOKUP_LIMIT, valid_domain};
use crate::spf::macros::{
    MacroContext, MacroLetter, MacroString, MacroValues, expand, truncate_domain,
};
use crate::spf::record::{Mechanism, Modifier, Record, TermKind, parse_record, reachable_terms};
use crate::spf::select::{Selection, select_records};
use crate::txt::TxtRecord;

/// One domain's record and what is known of its terms, before the tree is assembled.
#[derive(Clone, Debug)]
struct Gathered {
    records: Lookup<Vec<TxtRecord>>,
    txt_count: usize,
    record: Option<Record>,
    /// How far below the domain's own record (0) this record is.
    depth: usize,
    /// Per term, in record order.
    terms: Vec<TermState>,
}

/// What is known of one term while the tree is gathered.
#[derive(Clone, Debug)]
struct TermState {
    reachable: bool,
    target: Target,
    /// Whether a walk found it among the first 11 lookups: looked up (or followed) then.
    within_limit: bool,
    /// What its lookups found, once they are in.
    dns: Option<TermDns>,
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
    let mut seen: HashSet<Name> = HashSet::from([domain.clone()]);
    let mut fetch: Vec<(Name, usize)> = vec![(domain.clone(), 0)];
    let mut look: Vec<TermAt> = Vec::new();
    // Each level fetches records one level deeper, so this ends after MAX_DEPTH + 1 levels;
    // the bound is a second guard.
    for _ in 0..=MAX_DEPTH + 1 {
        if fetch.is_empty() && look.is_empty() {
            break;
        }
        let (fetched, looked) = tokio::join!(
            join_all(
                fetch
                    .iter()
                    .map(|(name, depth)| fetch_record(source, name, *depth))
            ),
            join_all(look.iter().map(|(name, index)| {
                let term = gathered.get(name).and_then(|found| term_of(found, *index));
                async move {
                    match term {
                        Some((kind, target)) => term_dns(source, kind, target).await,
                        None => TermDns::None,
                    }
                }
            })),
        );
        for ((name, index), dns) in look.iter().zip(looked) {
            if let Some(state) = gathered
                .get_mut(name)
                .and_then(|found| found.terms.get_mut(*index))
            {
                state.dns = Some(dns);
            }
        }
        for ((name, _), found) in fetch.iter().zip(fetched) {
            gathered.insert(name.clone(), found);
        }
        (fetch, look) = next_level(domain, &mut gathered, &mut seen);
    }
    // The tree holds what evaluation reaches within the limit, counted on the whole tree: a
    // record fetched for an include that later records pushed past the limit is left out.
    let reached: HashSet<TermAt> = within_limit(domain, &gathered).into_iter().collect();
    assemble(domain, &gathered, &reached)
}

/// A term, by the domain whose record holds it and its index in the record.
type TermAt = (Name, usize);

/// The term at `index` of a gathered record, with its target.
fn term_of(found: &Gathered, index: usize) -> Option<(&TermKind, &Target)> {
    let term = found.record.as_ref()?.terms.get(index)?;
    Some((&term.kind, &found.terms.get(index)?.target))
}

/// After a level: the terms newly among the first 11 lookups, marked so; the records their
/// includes and redirects lead to, to fetch (once each, within the caps); and their other
/// lookups, to make.
fn next_level(
    root: &Name,
    gathered: &mut HashMap<Name, Gathered>,
    seen: &mut HashSet<Name>,
) -> (Vec<(Name, usize)>, Vec<TermAt>) {
    let mut fetch = Vec::new();
    let mut look = Vec::new();
    for (name, index) in within_limit(root, gathered) {
        let Some(found) = gathered.get_mut(&name) else {
            continue;
        };
        let depth = found.depth;
        let Some(kind) = found
            .record
            .as_ref()
            .and_then(|record| record.terms.get(index))
            .map(|term| term.kind.clone())
        else {
            continue;
        };
        let Some(state) = found.terms.get_mut(index) else {
            continue;
        };
        if state.within_limit {
            continue;
        }
        state.within_limit = true;
        match (leads_to_record(&kind), state.target.name()) {
            (true, Some(child)) => {
                if depth < MAX_DEPTH && seen.len() < MAX_NODES && seen.insert(child.clone()) {
                    fetch.push((child.clone(), depth + 1));
                }
            }
            (false, Some(_)) => look.push((name, index)),
            (_, None) => state.dns = Some(TermDns::None),
        }
    }
    (fetch, look)
}

/// The reachable terms among the first 11 lookups of the tree gathered so far, walked in
/// evaluation order as [`SpfNode::walk`] walks the assembled tree (the same descent rules as
/// [`build`]): an include whose record is not in counts as its own lookup only. The walk stops
/// at the 12th lookup, so it costs little however big the records.
fn within_limit(root: &Name, gathered: &HashMap<Name, Gathered>) -> Vec<TermAt> {
    let limit = usize::try_from(LOOKUP_LIMIT).unwrap_or(usize::MAX) + 1;
    let mut found = Vec::new();
    let mut lookups = 0;
    let mut budget = MAX_NODES;
    // (domain, its record's evaluation order, the position reached in it)
    let mut stack: Vec<(&Name, Vec<usize>, usize)> = Vec::new();
    let mut ancestors: Vec<&Name> = Vec::new();
    if let Some(record) = gathered.get(root) {
        budget -= 1;
        stack.push((root, evaluation_order(record), 0));
        ancestors.push(root);
    }
    while let Some((domain, order, position)) = stack.pop() {
        let Some(&index) = order.get(position) else {
            ancestors.pop();
            continue;
        };
        stack.push((domain, order, position + 1));
        let Some(node) = gathered.get(domain) else {
            continue;
        };
        let (Some(state), Some(term)) = (
            node.terms.get(index),
            node.record
                .as_ref()
                .and_then(|record| record.terms.get(index)),
        ) else {
            continue;
        };
        if !state.reachable || !term.costs_lookup() {
            continue;
        }
        lookups += 1;
        if lookups > limit {
            break;
        }
        found.push((domain.clone(), index));
        let child = state
            .target
            .name()
            .filter(|_| leads_to_record(&term.kind))
            .and_then(|name| gathered.get_key_value(name));
        if let Some((child, record)) = child
            && !ancestors.contains(&child)
            && ancestors.len() <= MAX_DEPTH
            && budget > 0
        {
            budget -= 1;
            ancestors.push(child);
            stack.push((child, evaluation_order(record), 0));
        }
    }
    found
}

/// A gathered record's term indexes in evaluation order (as [`SpfNode::evaluation_order`]).
fn evaluation_order(found: &Gathered) -> Vec<usize> {
    found
        .record
        .as_ref()
        .map_or_else(Vec::new, Record::evaluation_order)
}

/// Builds the tree depth first from the gathered records: loops are found on the way down,
/// depth and size are capped as in gathering, and only the includes `reached` (among the first
/// 11 lookups) are followed.
fn assemble(root: &Name, gathered: &HashMap<Name, Gathered>, reached: &HashSet<TermAt>) -> SpfNode {
    let mut budget = MAX_NODES;
    let mut ancestors = Vec::new();
    let tree = Tree { gathered, reached };
    build(root, &tree, &mut ancestors, &mut budget)
}

/// What [`build`] reads.
struct Tree<'g> {
    gathered: &'g HashMap<Name, Gathered>,
    reached: &'g HashSet<TermAt>,
}

fn build(domain: &Name, tree: &Tree<'_>, ancestors: &mut Vec<Name>, budget: &mut usize) -> SpfNode {
    let gathered = tree.gathered;
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
        for (index, (term, state)) in record.terms.iter().zip(&found.terms).enumerate() {
            let dns = if leads_to_record(&term.kind) && state.reachable {
                let reached = tree.reached.contains(&(domain.clone(), index));
                match state.target.name() {
                    // The recursion is bounded by MAX_DEPTH, whatever the DNS data says.
                    Some(child) if ancestors.contains(child) => TermDns::Loop,
                    Some(child)
                        if reached
                            && ancestors.len() <= MAX_DEPTH
                            && *budget > 0
                            && gathered.contains_key(child) =>
                    {
                        TermDns::Child(Box::new(build(child, tree, ancestors, budget)))
                    }
                    Some(_) if reached => TermDns::NotFollowed,
                    Some(_) => TermDns::PastLimit,
                    None => TermDns::None,
                }
            } else {
                settled_dns(term, state)
            };
            terms.push(TermFacts {
                text: term.text.clone(),
                span: term.span,
                reachable: state.reachable,
                costs_lookup: term.costs_lookup(),
                target: state.target.clone(),
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

/// What the tree says about a term that does not lead to a record: its lookups' results, or
/// past the limit when it would have been looked up but evaluation never gets there.
fn settled_dns(term: &crate::spf::record::Term, state: &TermState) -> TermDns {
    match &state.dns {
        Some(dns) => dns.clone(),
        None if state.reachable && term.costs_lookup() && state.target.name().is_some() => {
            TermDns::PastLimit
        }
        None => TermDns::None,
    }
}

/// One domain's TXT records, parsed; its terms not looked up yet.
async fn fetch_record(source: &dyn DnsSource, domain: &Name, depth: usize) -> Gathered {
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
    let terms = match &record {
        Some(parsed) => parsed
            .terms
            .iter()
            .zip(reachable_terms(parsed))
            .map(|(term, reachable)| TermState {
                reachable,
                target: term_target(&term.kind, domain),
                within_limit: false,
                dns: None,
            })
            .collect(),
        None => Vec::new(),
    };
    Gathered {
        records,
        txt_count,
        record,
        depth,
        terms,
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

/// The lookups of one term that does not lead to a record (`a`, `mx`, `exists`).
async fn term_dns(source: &dyn DnsSource, kind: &TermKind, target: &Target) -> TermDns {
    let (TermKind::Directive(directive), Some(name)) = (kind, target.name()) else {
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
        Mechanism::Include(_)
        | Mechanism::All
        | Mechanism::Ptr(_)
        | Mechanism::Ip4 { .. }
        | Mechanism::Ip6 { .. } => TermDns::None,
    }
}
