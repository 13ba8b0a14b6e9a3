//! The SPF section: the record and its include/redirect tree with lookup counts (JSON
//! `records.spf`), the section's overview with the lookup tree, and what a record says before
//! it is published (record mode).

use serde::Serialize;

use super::overview::OverviewLine;
use crate::facts::spf::{SpfFacts, SpfNode, Target, TermDns, TermFacts, WalkStep, leads_to_record};
use crate::facts::{Absence, Lookup};
use crate::finding::Section;
use crate::spf::eval::{LOOKUP_LIMIT, NAME_LIMIT, VOID_LIMIT};
use crate::spf::record::Record;
use crate::spf::record::reachable_terms;
use crate::txt::TxtRecord;

/// JSON `records.spf`: the record, the counts, and the tree.
pub fn records(spf: &SpfFacts) -> SpfReport {
    let walk = spf.root.walk();
    let lookups = walk.last().map_or(0, |step| step.lookups);
    let voids = walk.last().map_or(0, |step| step.voids);
    let eleventh = walk
        .iter()
        .find(|step| step.lookups == LOOKUP_LIMIT + 1)
        .map(|step| {
            step.path
                .iter()
                .map(|p| SpfPathReport {
                    domain: p.domain.to_string(),
                    term: p.term.text.clone(),
                })
                .collect()
        });
    SpfReport {
        lookups,
        lookups_at_least: spf.root.counts_are_lower_bounds(),
        lookup_limit: LOOKUP_LIMIT,
        void_lookups: voids,
        void_lookup_limit: VOID_LIMIT,
        eleventh_lookup: eleventh,
        type99_records: spf
            .spf_rr
            .found()
            .into_iter()
            .flatten()
            .map(|strings| String::from_utf8_lossy(&strings.concat()).into_owned())
            .collect(),
        tree: spf_node_report(&spf.root),
    }
}

fn spf_status(node: &SpfNode) -> &'static str {
    match &node.records {
        Lookup::Found(records) if records.len() > 1 => "multiple",
        Lookup::Found(_) => "found",
        Lookup::Absent(Absence::NxDomain) => "nxdomain",
        Lookup::Absent(Absence::NoData) => "missing",
        Lookup::Failed(_) => "not-verified",
    }
}

/// The nested report of a node. The recursion follows the tree, whose depth is capped at
/// gathering (`gather::SPF_MAX_DEPTH`).
fn spf_node_report(node: &SpfNode) -> SpfNodeReport {
    let records: Vec<String> = node
        .records
        .found()
        .into_iter()
        .flatten()
        .map(|text| text.text.clone())
        .collect();
    SpfNodeReport {
        domain: node.domain.to_string(),
        status: spf_status(node),
        record: node.record.as_ref().map(|record| record.text.clone()),
        records: if records.len() > 1 {
            records
        } else {
            Vec::new()
        },
        own_lookups: node.own_lookups(),
        cumulative_lookups: node.cumulative_lookups(),
        own_void_lookups: node.own_voids(),
        cumulative_void_lookups: node.cumulative_voids(),
        terms: node
            .terms
            .iter()
            .map(|term| SpfTermReport {
                term: term.text.clone(),
                lookups: u32::from(term.reachable && term.costs_lookup),
                reachable: term.reachable,
                target: match &term.target {
                    Target::Name(name) => Some(name.to_string()),
                    Target::Macro(text) | Target::Invalid(text) => Some(text.clone()),
                    Target::None => None,
                },
                target_depends_on_sender: matches!(term.target, Target::Macro(_)),
                void: term.reachable && term.is_void(),
                not_verified: !term.failures().is_empty()
                    || term
                        .child()
                        .is_some_and(|child| child.records.failure().is_some()),
                mx_names: match &term.dns {
                    TermDns::Mx(Lookup::Found(names)) => Some(names.len()),
                    TermDns::Mx(Lookup::Absent(_)) => Some(0),
                    _ => None,
                },
                is_loop: matches!(term.dns, TermDns::Loop),
                past_limit: matches!(term.dns, TermDns::PastLimit),
                child: term.child().map(|child| Box::new(spf_node_report(child))),
            })
            .collect(),
    }
}

/// The SPF section of human output: the record, the counts, and the lookup tree with each
/// record's own and cumulative count. Only terms that lead somewhere or need attention get
/// a line, so the branch with the 11th lookup stands out.
pub fn overview(spf: &SpfFacts) -> Vec<OverviewLine> {
    let mut lines = Vec::new();
    spf_overview(spf, &mut |section, depth, text| {
        lines.push(OverviewLine::new(section, depth, text));
    });
    lines
}

fn spf_overview(spf: &SpfFacts, line: &mut impl FnMut(Section, usize, String)) {
    let root = &spf.root;
    match &root.records {
        Lookup::Failed(_) => {
            line(
                Section::Spf,
                0,
                "SPF record not verified (the TXT lookup failed)".to_owned(),
            );
            return;
        }
        Lookup::Absent(_) => {
            line(Section::Spf, 0, "no SPF record".to_owned());
            return;
        }
        Lookup::Found(records) => {
            for record in records {
                line(Section::Spf, 0, record.text.clone());
            }
        }
    }
    if root.record.is_none() {
        return;
    }
    spf_tree_lines(root, line);
}

/// The counts and the lookup tree of a domain with one SPF record.
fn spf_tree_lines(root: &SpfNode, line: &mut impl FnMut(Section, usize, String)) {
    let walk = root.walk();
    let lookups = walk.last().map_or(0, |step| step.lookups);
    let voids = walk.last().map_or(0, |step| step.voids);
    let at_least = if root.counts_are_lower_bounds() {
        "at least "
    } else {
        ""
    };
    line(
        Section::Spf,
        0,
        format!(
            "DNS lookups: {at_least}{lookups} of at most {LOOKUP_LIMIT}{}; void lookups: {voids} \
             of at most {VOID_LIMIT}",
            if lookups > LOOKUP_LIMIT {
                " (over the limit)"
            } else {
                ""
            }
        ),
    );
    let eleventh = walk.iter().find(|step| step.lookups == LOOKUP_LIMIT + 1);
    let mark = |node: &SpfNode| -> Option<String> {
        let step = eleventh?;
        let last = step.term()?;
        node.terms
            .iter()
            .any(|term| std::ptr::eq(term, last.term))
            .then(|| format!("  ← the 11th lookup is here: {}", last.term.text))
    };
    // The tree is worth showing when something leads somewhere or needs attention.
    let worth_showing = root.nodes().len() > 1
        || eleventh.is_some()
        || root
            .terms
            .iter()
            .any(|term| term.reachable && term_remark(term).is_some());
    if !worth_showing {
        return;
    }
    line(
        Section::Spf,
        0,
        "lookup tree (own / cumulative):".to_owned(),
    );
    // Depth-first with an explicit stack; a record's entries are pushed in reverse so they
    // come out in evaluation order.
    let mut stack = vec![TreeEntry::Record(root, 1, root.domain.to_string())];
    while let Some(entry) = stack.pop() {
        let (node, depth, label) = match entry {
            TreeEntry::Remark(depth, text) => {
                line(Section::Spf, depth, text);
                continue;
            }
            TreeEntry::Record(node, depth, label) => (node, depth, label),
        };
        let mut text = format!(
            "{label}  {} / {}",
            node.own_lookups(),
            node.cumulative_lookups()
        );
        if let Some(marker) = mark(node) {
            text.push_str(&marker);
        }
        line(Section::Spf, depth, text);
        let mut entries = Vec::new();
        let mut past_limit: Vec<&str> = Vec::new();
        for index in node.evaluation_order() {
            let Some(term) = node.terms.get(index).filter(|term| term.reachable) else {
                continue;
            };
            let kind = node
                .record
                .as_ref()
                .and_then(|record| record.terms.get(index))
                .map(|term| &term.kind);
            if matches!(term.dns, TermDns::PastLimit) && kind.is_some_and(leads_to_record) {
                past_limit.push(&term.text);
            }
            if let Some(child) = term.child().filter(|child| {
                child
                    .records
                    .found()
                    .is_some_and(|records| records.len() == 1)
            }) {
                entries.push(TreeEntry::Record(child, depth + 1, term.text.clone()));
            } else if let Some(mut remark) = term_remark(term) {
                if eleventh
                    .and_then(WalkStep::term)
                    .is_some_and(|last| std::ptr::eq(last.term, term))
                {
                    remark.push_str("  ← the 11th lookup");
                }
                entries.push(TreeEntry::Remark(depth + 1, remark));
            }
        }
        if let Some(remark) = past_limit_remark(&past_limit) {
            entries.push(TreeEntry::Remark(depth + 1, remark));
        }
        stack.extend(entries.into_iter().rev());
    }
}

/// One line for the includes and redirects of a record that come after the 11th lookup: a
/// hostile record may have hundreds.
fn past_limit_remark(terms: &[&str]) -> Option<String> {
    let (first, rest) = terms.split_first()?;
    let more = match rest.len() {
        0 => String::new(),
        1 => " and 1 more".to_owned(),
        n => format!(" and {n} more"),
    };
    Some(format!(
        "{first}{more} → not followed: past the {LOOKUP_LIMIT}-lookup limit"
    ))
}

/// A line of the SPF lookup tree: a record, or a remark about a term.
enum TreeEntry<'a> {
    Record(&'a SpfNode, usize, String),
    Remark(usize, String),
}

/// What the tree says about a term that is not an included record: only what needs
/// attention (a problem, or a target known only when mail arrives).
fn term_remark(term: &TermFacts) -> Option<String> {
    let text = &term.text;
    match &term.dns {
        TermDns::Child(child) => match &child.records {
            Lookup::Found(records) if records.len() > 1 => Some(format!(
                "{text} → {} SPF records (permerror)",
                records.len()
            )),
            Lookup::Found(_) => None,
            Lookup::Absent(_) => Some(format!("{text} → no SPF record (permerror)")),
            Lookup::Failed(_) => Some(format!("{text} → not verified (the TXT lookup failed)")),
        },
        TermDns::Loop => Some(format!(
            "{text} → loop back to {}",
            term.target
                .name()
                .map_or_else(String::new, ToString::to_string)
        )),
        TermDns::NotFollowed => Some(format!(
            "{text} → not followed (the tree is too deep or wide)"
        )),
        // Said once per record, for all of them (`past_limit_remark`).
        TermDns::PastLimit => None,
        TermDns::Mx(Lookup::Found(names)) if names.len() > NAME_LIMIT => Some(format!(
            "{text} → {} MX names (at most {NAME_LIMIT})",
            names.len()
        )),
        _ if !term.failures().is_empty() => Some(format!("{text} → not verified (lookup failed)")),
        _ if term.is_void() => Some(format!("{text} → void lookup (no records)")),
        _ if matches!(term.target, Target::Macro(_)) && term.costs_lookup => Some(format!(
            "{text} → depends on the sender (macro), known only when mail arrives"
        )),
        _ => None,
    }
}

/// Record mode: what a record says, before publishing it (`record` is `text` parsed).
pub fn record_overview(text: &TxtRecord, record: &Record) -> Vec<OverviewLine> {
    let reachable = reachable_terms(record);
    let lookups = record
        .terms
        .iter()
        .zip(&reachable)
        .filter(|(term, reachable)| **reachable && term.costs_lookup())
        .count();
    let mut lines = vec![OverviewLine::new(
        Section::Spf,
        0,
        format!(
            "{}; {lookups} term{} causing DNS lookups in the record itself (includes add \
             theirs; at most {LOOKUP_LIMIT} in all)",
            strings(text),
            if lookups == 1 { "" } else { "s" },
        ),
    )];
    let unreachable: Vec<&str> = record
        .terms
        .iter()
        .zip(&reachable)
        .filter(|(_, reachable)| !**reachable)
        .map(|(term, _)| term.text.as_str())
        .collect();
    if !unreachable.is_empty() {
        lines.push(OverviewLine::new(
            Section::Spf,
            0,
            format!("never evaluated (after all): {}", unreachable.join(" ")),
        ));
    }
    lines
}

/// "2 character-strings, 306 octets", or for plain text "306 octets (published as 2
/// character-strings)": what will be published.
fn strings(text: &TxtRecord) -> String {
    let octets: usize = text.strings.iter().map(Vec::len).sum();
    let count = text.published_lengths().len();
    let plural = if count == 1 { "" } else { "s" };
    if text.plain && count > 1 {
        format!("{octets} octets (published as {count} character-string{plural})")
    } else {
        format!("{count} character-string{plural}, {octets} octets")
    }
}

/// The domain's SPF policy as JSON shows it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SpfReport {
    /// Terms that cause DNS lookups, counted in evaluation order through every include.
    pub lookups: u32,
    /// Whether `lookups` is a lower bound (an include could not be followed).
    pub lookups_at_least: bool,
    /// The limit, 10 (RFC 7208 §4.6.4).
    pub lookup_limit: u32,
    /// Lookups that found nothing.
    pub void_lookups: u32,
    /// The limit, 2 (RFC 7208 §4.6.4).
    pub void_lookup_limit: u32,
    /// When over the limit: the path to the 11th lookup, outermost term first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eleventh_lookup: Option<Vec<SpfPathReport>>,
    /// Obsolete type-99 SPF records at the domain.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub type99_records: Vec<String>,
    /// The domain's record and what it leads to.
    pub tree: SpfNodeReport,
}

/// One term on the way to a lookup.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SpfPathReport {
    /// The domain whose record holds the term.
    pub domain: String,
    /// The term.
    pub term: String,
}

/// One domain's SPF record in the tree.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SpfNodeReport {
    /// The domain.
    pub domain: String,
    /// `found`, `missing` (no SPF record), `multiple`, `nxdomain` or `not-verified`.
    pub status: &'static str,
    /// The record's text, when there is exactly one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Every SPF record's text, when there are several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
    /// Lookups caused by this record's own terms.
    pub own_lookups: u32,
    /// Lookups of this record and everything below it.
    pub cumulative_lookups: u32,
    /// Void lookups of this record's own terms.
    pub own_void_lookups: u32,
    /// Void lookups of this record and everything below it.
    pub cumulative_void_lookups: u32,
    /// The record's terms.
    pub terms: Vec<SpfTermReport>,
}

/// One term of an SPF record.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[allow(clippy::struct_excessive_bools)] // independent JSON flags, each omitted when false
pub struct SpfTermReport {
    /// The term as written.
    pub term: String,
    /// Lookups it costs (0 or 1; 0 when evaluation never reaches it).
    pub lookups: u32,
    /// False for terms after `all`, and `redirect` beside `all`: never evaluated.
    pub reachable: bool,
    /// The name it looks up, when known without a client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The target holds macros that depend on the sender or client (`%{l}`, `%{i}`…).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub target_depends_on_sender: bool,
    /// Its lookup found nothing (NXDOMAIN or NODATA).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub void: bool,
    /// Its lookup failed (timeout, SERVFAIL): not verified.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_verified: bool,
    /// For `mx`: how many MX names the target has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mx_names: Option<usize>,
    /// The target is already being evaluated higher up: a loop.
    #[serde(rename = "loop", skip_serializing_if = "std::ops::Not::not")]
    pub is_loop: bool,
    /// Evaluation reaches it only after the 11th lookup, where receivers have stopped: it
    /// was not looked up (and an include or redirect not followed).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub past_limit: bool,
    /// For `include` and `redirect`: the target's record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child: Option<Box<SpfNodeReport>>,
}
