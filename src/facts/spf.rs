//! The static view of a domain's SPF policy: its record, and the records its `include` and
//! `redirect` terms lead to, as a tree with the DNS facts of every term. Gathering builds it
//! (`gather::spf`); rules and describers read it.
//!
//! Counting follows evaluation order (RFC 7208 §4.6): directives left to right, each
//! `include` evaluated where it stands, `redirect` last. Terms after an `all` are never
//! evaluated, and a `redirect` beside an `all` is ignored (RFC 7208 §6.1), so they cost
//! nothing. Every walk here is iterative over an explicit stack; the tree's depth is capped
//! when it is built.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::lookup::{Failure, ListLookup};
use crate::diagnostic::Span;
use crate::domain::Name;
use crate::spf::record::{Mechanism, Modifier, Record, TermKind};
use crate::txt::TxtRecord;

/// Include/redirect levels followed below the domain's own record: the tree is never deeper.
pub const MAX_DEPTH: usize = 10;
/// Records gathered per audit, at most.
pub const MAX_NODES: usize = 64;

/// Everything an audit found about a domain's SPF policy.
#[derive(Clone, Debug)]
pub struct SpfFacts {
    /// The domain's record and everything it leads to.
    pub root: SpfNode,
    /// Obsolete type-99 SPF records at the domain (RFC 7208 §3.1), as character-strings.
    pub spf_rr: ListLookup<Vec<Vec<u8>>>,
}

impl SpfFacts {
    /// Whether the domain's SPF record says it sends no mail at all: exactly `v=spf1 -all`
    /// (RFC 7208 §10.1.2; RFC 7505 §4.2 pairs it with a null MX). Such a domain needs no DKIM
    /// key.
    pub fn sends_no_mail(&self) -> bool {
        let Some(record) = &self.root.record else {
            return false;
        };
        record.is_valid()
            && matches!(
                record.terms.as_slice(),
                [term] if term.directive().is_some_and(|directive| {
                    directive.qualifier == crate::spf::record::Qualifier::Fail
                        && directive.mechanism == crate::spf::record::Mechanism::All
                })
            )
    }
}

/// One domain's SPF record in the tree.
#[derive(Clone, Debug)]
pub struct SpfNode {
    /// The domain.
    pub domain: Name,
    /// The SPF records among the domain's TXT records (`Found` holds at least one).
    /// `Absent` when the domain has no TXT record, or none that is an SPF record.
    pub records: ListLookup<TxtRecord>,
    /// How many TXT records the domain has (SPF or not).
    pub txt_count: usize,
    /// The parsed record, when there is exactly one.
    pub record: Option<Record>,
    /// What was found for each term of the record, in record order.
    pub terms: Vec<TermFacts>,
}

/// What is known about one term.
#[derive(Clone, Debug)]
pub struct TermFacts {
    /// The term as written.
    pub text: String,
    /// Where it is in the record.
    pub span: Span,
    /// Whether evaluation can reach it: not after an `all`, and no `redirect` beside `all`.
    pub reachable: bool,
    /// Whether it costs one of the 10 DNS lookups (when reachable).
    pub costs_lookup: bool,
    /// The name it looks up.
    pub target: Target,
    /// What the lookups found.
    pub dns: TermDns,
}

/// The name a term looks up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The term looks nothing up by name (`all`, `ip4`, `ip6`, `exp`, unknown modifiers).
    None,
    /// A name known without the connection (macros of the current domain expanded).
    Name(Name),
    /// A name that depends on the sender or the connection (`%{l}`, `%{i}`, …): known only
    /// at evaluation time.
    Macro(String),
    /// A name that cannot exist (too long, empty labels).
    Invalid(String),
}

impl Target {
    /// The name, when known.
    pub fn name(&self) -> Option<&Name> {
        match self {
            Target::Name(name) => Some(name),
            _ => None,
        }
    }
}

/// The DNS facts of a term.
#[derive(Clone, Debug)]
pub enum TermDns {
    /// Nothing looked up (no target, a macro target, `ptr`, or an unreachable term).
    None,
    /// `a`: the target's addresses.
    Addresses {
        /// IPv4 addresses.
        a: ListLookup<Ipv4Addr>,
        /// IPv6 addresses.
        aaaa: ListLookup<Ipv6Addr>,
    },
    /// `exists`: the target's A records.
    Exists(ListLookup<Ipv4Addr>),
    /// `mx`: the target's MX host names, by preference (null MX left out).
    Mx(ListLookup<Name>),
    /// `include` or `redirect`: the target's record.
    Child(Box<SpfNode>),
    /// `include` or `redirect` back to a domain already on the way here: a loop.
    Loop,
    /// `include` or `redirect` not followed: the tree is deep or wide enough already.
    NotFollowed,
    /// Not looked up, and for `include` or `redirect` not followed: evaluation reaches the
    /// term only after its 11th lookup, where every receiver has stopped with permerror (RFC
    /// 7208 §4.6.4). What lies past the limit cannot change the verdict, and gathering it all
    /// cost a hostile record tens of thousands of queries.
    PastLimit,
}

/// Whether a term leads to another record: `include` and `redirect`.
pub fn leads_to_record(kind: &TermKind) -> bool {
    matches!(
        kind,
        TermKind::Directive(directive) if matches!(directive.mechanism, Mechanism::Include(_))
    ) || matches!(kind, TermKind::Modifier(Modifier::Redirect(_)))
}

impl TermFacts {
    /// Whether its lookup found nothing (NXDOMAIN or NODATA): a void lookup (RFC 7208
    /// §4.6.4). For `a`, void means neither A nor AAAA records, so void for every client.
    pub fn is_void(&self) -> bool {
        match &self.dns {
            TermDns::Addresses { a, aaaa } => a.is_absent() && aaaa.is_absent(),
            TermDns::Exists(lookup) => lookup.is_absent(),
            TermDns::Mx(lookup) => lookup.is_absent(),
            TermDns::Child(node) => node.records.is_absent() && node.txt_count == 0,
            TermDns::None | TermDns::Loop | TermDns::NotFollowed | TermDns::PastLimit => false,
        }
    }

    /// The included or redirected-to record.
    pub fn child(&self) -> Option<&SpfNode> {
        match &self.dns {
            TermDns::Child(node) => Some(node),
            _ => None,
        }
    }

    /// The failed lookups of this term (not of its child).
    pub fn failures(&self) -> Vec<&Failure> {
        match &self.dns {
            TermDns::Addresses { a, aaaa } => [a.failure(), aaaa.failure()]
                .into_iter()
                .flatten()
                .collect(),
            TermDns::Exists(lookup) => lookup.failure().into_iter().collect(),
            TermDns::Mx(lookup) => lookup.failure().into_iter().collect(),
            _ => Vec::new(),
        }
    }
}

impl SpfNode {
    /// The term facts with the record's terms, in record order.
    pub fn terms_with_record(&self) -> impl Iterator<Item = (&TermFacts, &TermKind)> {
        self.terms.iter().zip(
            self.record
                .iter()
                .flat_map(|record| record.terms.iter().map(|term| &term.kind)),
        )
    }

    /// The term indexes in evaluation order: directives left to right, then `redirect`.
    pub fn evaluation_order(&self) -> Vec<usize> {
        self.record
            .as_ref()
            .map_or_else(Vec::new, Record::evaluation_order)
    }

    /// Reachable terms of this record that cost a lookup.
    pub fn own_lookups(&self) -> u32 {
        count(self.terms.iter().filter(|t| t.reachable && t.costs_lookup))
    }

    /// Reachable terms of this record whose lookup found nothing.
    pub fn own_voids(&self) -> u32 {
        count(self.terms.iter().filter(|t| t.reachable && t.is_void()))
    }

    /// Lookups of this record and everything it includes or redirects to.
    pub fn cumulative_lookups(&self) -> u32 {
        self.nodes().iter().map(|node| node.own_lookups()).sum()
    }

    /// Void lookups of this record and everything below it.
    pub fn cumulative_voids(&self) -> u32 {
        self.nodes().iter().map(|node| node.own_voids()).sum()
    }

    /// Whether the counts are lower bounds: an `include` or `redirect` could not be followed
    /// (its target depends on the sender, its lookup failed, the tree was cut, or it comes
    /// after the 11th lookup).
    pub fn counts_are_lower_bounds(&self) -> bool {
        self.nodes().iter().any(|node| {
            node.terms_with_record().any(|(term, kind)| {
                term.reachable
                    && leads_to_record(kind)
                    && (matches!(term.dns, TermDns::NotFollowed | TermDns::PastLimit)
                        || matches!(term.target, Target::Macro(_))
                        || term
                            .child()
                            .is_some_and(|child| child.records.failure().is_some()))
            })
        })
    }

    /// This node and every node below it, in evaluation order.
    pub fn nodes(&self) -> Vec<&SpfNode> {
        let mut nodes = Vec::new();
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            nodes.push(node);
            let order = node.evaluation_order();
            for &i in order.iter().rev() {
                if let Some(child) = node.terms.get(i).and_then(TermFacts::child) {
                    stack.push(child);
                }
            }
        }
        nodes
    }

    /// Every reachable term that costs a lookup or found nothing, in evaluation order, with
    /// the path to it and the running counts: what a worst-case evaluation (nothing matches)
    /// would do.
    pub fn walk(&self) -> Vec<WalkStep<'_>> {
        let mut steps = Vec::new();
        let mut lookups = 0;
        let mut voids = 0;
        // (node, position in its evaluation order, path of include terms to it)
        let mut stack: Vec<(&SpfNode, Vec<usize>, usize, Vec<PathStep<'_>>)> =
            vec![(self, self.evaluation_order(), 0, Vec::new())];
        while let Some((node, order, position, path)) = stack.pop() {
            let Some(&index) = order.get(position) else {
                continue;
            };
            let Some(term) = node.terms.get(index) else {
                continue;
            };
            stack.push((node, order, position + 1, path.clone()));
            if !term.reachable {
                continue;
            }
            if term.costs_lookup {
                lookups += 1;
            }
            let void = term.is_void();
            if void {
                voids += 1;
            }
            let mut here = path.clone();
            here.push(PathStep {
                domain: &node.domain,
                term,
            });
            if term.costs_lookup || void {
                steps.push(WalkStep {
                    path: here.clone(),
                    lookups,
                    voids,
                    void,
                });
            }
            if let Some(child) = term.child() {
                stack.push((child, child.evaluation_order(), 0, here));
            }
        }
        steps
    }
}

fn count<'a>(terms: impl Iterator<Item = &'a TermFacts>) -> u32 {
    u32::try_from(terms.count()).unwrap_or(u32::MAX)
}

/// One term on the way down the tree.
#[derive(Clone, Copy, Debug)]
pub struct PathStep<'a> {
    /// The domain whose record holds the term.
    pub domain: &'a Name,
    /// The term.
    pub term: &'a TermFacts,
}

/// A term that costs a lookup or found nothing, in evaluation order.
#[derive(Clone, Debug)]
pub struct WalkStep<'a> {
    /// The include/redirect terms leading to it, then the term itself.
    pub path: Vec<PathStep<'a>>,
    /// Lookups counted so far, this term included.
    pub lookups: u32,
    /// Void lookups counted so far, this term included.
    pub voids: u32,
    /// Whether this term's lookup found nothing.
    pub void: bool,
}

impl WalkStep<'_> {
    /// The term itself.
    pub fn term(&self) -> Option<&PathStep<'_>> {
        self.path.last()
    }
}
