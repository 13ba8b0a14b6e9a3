//! The comparison of expected records with what was found: pure, over [`Facts`], run once
//! when every family is gathered (the domain's own SPF tree is the SPF family's).
//!
//! Each expected record gets one [`Verdict`]:
//! - **present**: a record of the same name and type with the same data was found. TTLs are
//!   not compared. Records at the end of a CNAME chain count (a DKIM key published through
//!   a CNAME to the provider is what verifiers see).
//! - **different**: no such record, but one that stands in its place: for MX, A, AAAA, PTR and
//!   CNAME any record of the type not matched by another expected record (an MX with the same
//!   host first); for a TXT verification token one with the same `name=` prefix; for a DKIM
//!   key record (`v=DKIM1`, or a `p=` tag under `_domainkey`) another key record; for another
//!   `v=…` tag list (DMARC) one with the same version.
//! - **missing**: nothing that stands in its place.
//! - **not verified**: the lookup failed (never missing).
//! - **not checked**: a type mailcheck does not look up.
//!
//! Expected SPF records are not compared whole: see [`spf_verdict`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::Arc;

use crate::dns::{Name, Outcome, RecordData, RecordType};
use crate::expect::{abbreviate, plain, zone_line};
use crate::facts::expect::{
    ExpectFacts, ExpectedLookup, ExpectedRecordFacts, RangeCheck, Status, TermVerdict, Verdict,
};
use crate::facts::spf::{SpfNode, Target, TermDns};
use crate::facts::{Facts, Failure};
use crate::spf::SpfResult;
use crate::spf::eval::LOOKUP_LIMIT;
use crate::spf::record::{Mechanism, Modifier, Qualifier, TermKind, parse_record};
use crate::spf::select::{Selection, select_records};

/// A verdict with no records, fix or terms yet.
fn new_verdict(status: Status, detail: impl Into<String>) -> Verdict {
    Verdict {
        status,
        found: Vec::new(),
        detail: detail.into(),
        fix: String::new(),
        terms: Vec::new(),
        failures: Vec::new(),
    }
}

/// The verdicts on every expected record of `file`, in file order, against everything the
/// audit gathered.
pub(super) fn judge(facts: &Facts, file: Arc<str>, lookups: Vec<ExpectedLookup>) -> ExpectFacts {
    let peers = Peers::of(&lookups);
    let mut unaccounted = HashMap::new();
    let verdicts: Vec<Verdict> = lookups
        .iter()
        .map(|lookup| verdict(facts, &peers, &mut unaccounted, lookup))
        .collect();
    ExpectFacts {
        file,
        records: lookups
            .into_iter()
            .zip(verdicts)
            .map(|(lookup, verdict)| ExpectedRecordFacts { lookup, verdict })
            .collect(),
    }
}

/// The data of the expected records that are compared as records (not SPF), by name and type:
/// the records that account for found ones. Built once, so that each expected record finds its
/// peers without going through every other (quadratic in the records expected).
struct Peers<'l>(HashMap<(&'l Name, RecordType), Vec<&'l RecordData>>);

impl<'l> Peers<'l> {
    fn of(lookups: &'l [ExpectedLookup]) -> Self {
        let mut by_question: HashMap<(&Name, RecordType), Vec<&RecordData>> = HashMap::new();
        for lookup in lookups {
            let record = &lookup.record;
            if let Some(data) = record.data.as_ref().filter(|_| record.spf_text().is_none()) {
                by_question
                    .entry((&record.name, data.record_type()))
                    .or_default()
                    .push(data);
            }
        }
        Peers(by_question)
    }

    fn get(&self, name: &'l Name, rtype: RecordType) -> &[&'l RecordData] {
        self.0.get(&(name, rtype)).map_or(&[], Vec::as_slice)
    }
}

/// The records found at a name and type that no expected record of that name and type
/// accounts for, computed once per question (with the answer it was computed from: the
/// expected records of one question share one answer, through the single-flight cache).
type Unaccounted<'o> = HashMap<(Name, RecordType), (&'o Outcome, Vec<&'o RecordData>)>;

fn unaccounted<'o>(
    memo: &mut Unaccounted<'o>,
    peers: &[&RecordData],
    outcome: &'o Outcome,
    name: &Name,
    rtype: RecordType,
) -> Vec<&'o RecordData> {
    if let Some((answer, found)) = memo.get(&(name.clone(), rtype))
        && *answer == outcome
    {
        return found.clone();
    }
    let found: Vec<&RecordData> = found_data(outcome, name, rtype)
        .into_iter()
        .filter(|f| !peers.iter().any(|peer| equivalent(peer, f, name)))
        .collect();
    memo.insert((name.clone(), rtype), (outcome, found.clone()));
    found
}

fn verdict<'o>(
    facts: &Facts,
    peers: &Peers<'_>,
    memo: &mut Unaccounted<'o>,
    lookup: &'o ExpectedLookup,
) -> Verdict {
    let record = &lookup.record;
    let name = &record.name;
    let (Some(data), Some(outcome)) = (&record.data, &lookup.outcome) else {
        return new_verdict(
            Status::NotChecked,
            format!(
                "mailcheck does not look up {} records, so this one was not checked",
                record.type_name()
            ),
        );
    };
    let rtype = data.record_type();
    if outcome.is_failure() {
        let mut verdict = new_verdict(
            Status::NotVerified,
            format!("the {rtype} lookup of {name} failed ({outcome}), so it was not verified"),
        );
        verdict.failures.push(Failure {
            name: name.clone(),
            rtype,
            outcome: outcome.clone(),
        });
        return verdict;
    }
    if let Some(text) = record.spf_text() {
        return spf_verdict(facts, lookup, &text, outcome);
    }
    let found = found_data(outcome, name, rtype);
    if let Some(same) = found.iter().find(|f| equivalent(data, f, name)) {
        let mut verdict = new_verdict(Status::Present, String::new());
        verdict.found.push(same.to_string());
        return verdict;
    }
    // The records found that no other expected record of this name and type accounts for.
    let mut candidates: Vec<&RecordData> =
        unaccounted(memo, peers.get(name, rtype), outcome, name, rtype)
            .into_iter()
            .filter(|f| comparable(data, f, name))
            .collect();
    // For MX, the record with the same host is the one that differs (in preference).
    if let RecordData::Mx { exchange, .. } = data {
        candidates
            .sort_by_key(|f| !matches!(f, RecordData::Mx { exchange: e, .. } if e == exchange));
    }
    if let Some(first) = candidates.first() {
        let mut verdict = new_verdict(Status::Different, difference(data, first, name));
        verdict.found = candidates.iter().map(ToString::to_string).collect();
        verdict.fix = different_fix(name, data, &candidates);
        return verdict;
    }
    let mut verdict = new_verdict(
        Status::Missing,
        format!(
            "expected {rtype} {} at {name}, but {}",
            plain(data),
            absence(outcome, name, rtype, found.len())
        ),
    );
    verdict.fix = format!(
        "Publish this record at your DNS host: {}",
        zone_line(name, data)
    );
    verdict
}

/// The data of the records of `rtype` the answer holds for `name`: those at the end of a
/// CNAME chain too, except for a CNAME query, whose answer is the alias itself.
fn found_data<'o>(outcome: &'o Outcome, name: &Name, rtype: RecordType) -> Vec<&'o RecordData> {
    outcome
        .records()
        .iter()
        .filter(|record| rtype != RecordType::Cname || record.name == *name)
        .map(|record| &record.data)
        .filter(|data| data.record_type() == rtype)
        .collect()
}

/// Why nothing stands in the expected record's place.
fn absence(outcome: &Outcome, name: &Name, rtype: RecordType, found: usize) -> String {
    match outcome {
        Outcome::NxDomain => format!("{name} does not exist (NXDOMAIN)"),
        _ if found == 0 => format!("{name} has no {rtype} record"),
        _ if rtype == RecordType::Txt => format!(
            "none of its {} the one expected",
            if found == 1 {
                "1 TXT record is".to_owned()
            } else {
                format!("{found} TXT records is")
            }
        ),
        _ => format!(
            "its {rtype} records are the other ones the file expects, and this one is not among them"
        ),
    }
}

/// What kind of TXT record an expected text is, which decides how it is compared.
#[derive(Clone, Debug, PartialEq, Eq)]
enum TxtKind {
    /// A DKIM key record: compared tag by tag, `p=` ignoring white space.
    Dkim,
    /// Another `v=…` tag list (DMARC, MTA-STS, TLS-RPT, BIMI): the expected tags must match.
    TagList(String),
    /// A `name=value` token (`google-site-verification=…`, `MS=ms12345`): equal text; another
    /// token with the same `name=` stands in its place.
    Token(String),
    /// Any other text: equal text only.
    Plain,
}

fn txt_kind(text: &str, name: &Name) -> TxtKind {
    let list = crate::tagvalue::parse(text);
    let version = list
        .tags
        .first()
        .filter(|tag| tag.name.eq_ignore_ascii_case("v"))
        .map(|tag| tag.value.to_owned());
    let is_key = crate::dkim::looks_like_key_record(text);
    if is_key && (version.as_deref() == Some("DKIM1") || name.labels().any(|l| l == "_domainkey")) {
        return TxtKind::Dkim;
    }
    if let Some(version) = version.filter(|_| list.problems.is_empty()) {
        return TxtKind::TagList(version);
    }
    match text.find('=') {
        Some(at) if at > 0 => TxtKind::Token(text[..=at].to_owned()),
        _ => TxtKind::Plain,
    }
}

fn txt_text(data: &RecordData) -> Option<String> {
    match data {
        RecordData::Txt(strings) | RecordData::Spf(strings) => {
            Some(String::from_utf8_lossy(&strings.concat()).into_owned())
        }
        _ => None,
    }
}

/// Whether a found record is the expected one.
fn equivalent(expected: &RecordData, found: &RecordData, name: &Name) -> bool {
    match (expected, found) {
        (RecordData::Txt(e), RecordData::Txt(f)) => {
            let (e_text, f_text) = (
                String::from_utf8_lossy(&e.concat()).into_owned(),
                String::from_utf8_lossy(&f.concat()).into_owned(),
            );
            match txt_kind(&e_text, name) {
                TxtKind::Dkim => {
                    crate::dkim::looks_like_key_record(&f_text)
                        && tag_differences(&e_text, &f_text, true).is_empty()
                }
                TxtKind::TagList(version) => {
                    same_version(&f_text, &version)
                        && tag_differences(&e_text, &f_text, false).is_empty()
                }
                // RFC 7208 §3.3 and RFC 6376 §3.6.2.2: the strings mean their concatenation.
                TxtKind::Token(_) | TxtKind::Plain => e.concat() == f.concat(),
            }
        }
        (RecordData::Spf(e), RecordData::Spf(f)) => e.concat() == f.concat(),
        _ => expected == found,
    }
}

/// Whether a found record (not the expected one) stands in the expected one's place.
fn comparable(expected: &RecordData, found: &RecordData, name: &Name) -> bool {
    match (expected, found) {
        (RecordData::Txt(_), RecordData::Txt(_)) => {
            let (Some(e_text), Some(f_text)) = (txt_text(expected), txt_text(found)) else {
                return false;
            };
            match txt_kind(&e_text, name) {
                TxtKind::Dkim => crate::dkim::looks_like_key_record(&f_text),
                TxtKind::TagList(version) => same_version(&f_text, &version),
                TxtKind::Token(prefix) => f_text
                    .get(..prefix.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(&prefix)),
                TxtKind::Plain => false,
            }
        }
        _ => expected.record_type() == found.record_type(),
    }
}

fn same_version(text: &str, version: &str) -> bool {
    crate::tagvalue::parse(text)
        .tags
        .first()
        .is_some_and(|tag| tag.name.eq_ignore_ascii_case("v") && tag.value == version)
}

/// One tag that differs: its name, the expected value and the found one (`None`: absent).
#[derive(Clone, Debug, PartialEq, Eq)]
struct TagDifference {
    name: String,
    expected: Option<String>,
    found: Option<String>,
}

/// The tags that differ between two tag lists, values compared without white space (a value
/// may be folded, RFC 6376 §3.2), case-insensitively except `p=` (base64). For a DKIM key
/// record (`whole`) every tag counts, absent `v=` and `k=` taking their defaults (RFC 6376
/// §3.6.1) and `n=` (notes) ignored; for other tag lists only the expected tags count.
fn tag_differences(expected: &str, found: &str, whole: bool) -> Vec<TagDifference> {
    let compact =
        |value: &str| -> String { value.chars().filter(|c| !c.is_whitespace()).collect() };
    let tags = |text: &str| -> Vec<(String, String)> {
        let mut tags: Vec<(String, String)> = Vec::new();
        for tag in crate::tagvalue::parse(text).tags {
            let name = if whole {
                tag.name.to_owned()
            } else {
                tag.name.to_ascii_lowercase()
            };
            // The first of a repeated tag is the one read (a repeat is a syntax error).
            if !tags.iter().any(|(known, _)| *known == name) {
                tags.push((name, compact(tag.value)));
            }
        }
        tags
    };
    let (expected, found) = (tags(expected), tags(found));
    let default = |name: &str| -> Option<String> {
        match (whole, name) {
            (true, "v") => Some("DKIM1".to_owned()),
            (true, "k") => Some("rsa".to_owned()),
            _ => None,
        }
    };
    let value = |tags: &[(String, String)], name: &str| -> Option<String> {
        tags.iter()
            .find(|(known, _)| known == name)
            .map(|(_, value)| value.clone())
            .or_else(|| default(name))
    };
    let mut names: Vec<&str> = expected.iter().map(|(name, _)| name.as_str()).collect();
    if whole {
        for (name, _) in &found {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names.retain(|name| *name != "n");
        // The key first: it is what matters most.
        names.sort_by_key(|name| *name != "p");
    }
    names
        .into_iter()
        .filter_map(|name| {
            let (e, f) = (value(&expected, name), value(&found, name));
            let same = match (&e, &f) {
                (Some(e), Some(f)) if name == "p" => e == f,
                (Some(e), Some(f)) => e.eq_ignore_ascii_case(f),
                (None, None) => true,
                _ => false,
            };
            (!same).then(|| TagDifference {
                name: name.to_owned(),
                expected: e,
                found: f,
            })
        })
        .collect()
}

/// Where two strings first differ, shown as a short window of each.
fn first_difference(expected: &str, found: &str) -> String {
    let e: Vec<char> = expected.chars().collect();
    let f: Vec<char> = found.chars().collect();
    let at = e.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let window = |chars: &[char]| -> String {
        let start = at.saturating_sub(6);
        let end = (at + 10).min(chars.len());
        let mut text = String::new();
        if start > 0 {
            text.push('…');
        }
        text.extend(chars.get(start..end).unwrap_or_default());
        if end < chars.len() {
            text.push('…');
        }
        text
    };
    let mut text = format!(
        "from character {}: expected {}, found {}",
        at + 1,
        window(&e),
        window(&f)
    );
    if e.len() != f.len() {
        let _ = write!(
            text,
            " ({} characters expected, {} found)",
            e.len(),
            f.len()
        );
    }
    text
}

fn describe_tag(difference: &TagDifference, dkim: bool) -> String {
    let name = &difference.name;
    let show = |value: &Option<String>| match value {
        Some(value) if value.chars().count() > 24 => {
            let head: String = value.chars().take(12).collect();
            let tail: String = value.chars().skip(value.chars().count() - 8).collect();
            format!("{name}={head}…{tail}")
        }
        Some(value) => format!("{name}={value}"),
        None => format!("no {name}="),
    };
    match (&difference.expected, &difference.found) {
        (Some(e), Some(f)) if dkim && name == "p" && f.is_empty() => format!(
            "p= (the public key) is empty, so the key is revoked (expected {})",
            show(&Some(e.clone()))
        ),
        (Some(e), Some(f)) if dkim && name == "p" => {
            format!("p= (the public key) differs {}", first_difference(e, f))
        }
        (expected, found) => format!(
            "{name}= differs: expected {}, found {}",
            show(expected),
            show(found)
        ),
    }
}

/// The difference between the expected record and the found one that stands in its place.
fn difference(expected: &RecordData, found: &RecordData, name: &Name) -> String {
    let rtype = expected.record_type();
    let head = format!(
        "expected {rtype} {}, found {rtype} {}",
        plain(expected),
        plain(found)
    );
    let (Some(e_text), Some(f_text)) = (txt_text(expected), txt_text(found)) else {
        return head;
    };
    match txt_kind(&e_text, name) {
        TxtKind::Dkim => {
            let tags: Vec<String> = tag_differences(&e_text, &f_text, true)
                .iter()
                .map(|difference| describe_tag(difference, true))
                .collect();
            format!(
                "the DKIM key record at {name} is not the one expected: {}",
                tags.join("; ")
            )
        }
        TxtKind::TagList(version) => {
            let tags: Vec<String> = tag_differences(&e_text, &f_text, false)
                .iter()
                .map(|difference| describe_tag(difference, false))
                .collect();
            format!(
                "the v={version} record at {name} is not the one expected: {}",
                tags.join("; ")
            )
        }
        TxtKind::Token(prefix) => {
            let value = |text: &str| text.get(prefix.len()..).unwrap_or_default().to_owned();
            format!(
                "{head}: the value after {prefix} differs (expected {}, found {})",
                value(&e_text),
                value(&f_text)
            )
        }
        TxtKind::Plain => head,
    }
}

fn different_fix(name: &Name, expected: &RecordData, found: &[&RecordData]) -> String {
    let wanted = zone_line(name, expected);
    match (expected, found) {
        (RecordData::Txt(_) | RecordData::Spf(_), [one]) => format!(
            "Replace the {} record {} at {name} with this one: {wanted}",
            one.record_type(),
            plain(one)
        ),
        (RecordData::Cname(_), [one]) => format!(
            "Replace {} with {wanted} at your DNS host.",
            zone_line(name, one)
        ),
        _ => {
            let others: Vec<String> = found.iter().map(|data| zone_line(name, data)).collect();
            format!(
                "Publish {wanted} at your DNS host, and remove {} if that is the record it replaces.",
                others.join(" and ")
            )
        }
    }
}

/// An expected SPF record. The whole record need not match: the expected `include:`, `ip4:`
/// and `ip6:` terms must be authorized by the published policy (RFC 7208 §5.2, §5.6).
/// - `include:D` is present when the published record, or a record it leads to through
///   `include` and `redirect` terms that evaluation reaches, has a pass (`+`, the default)
///   `include:D` or `redirect=D`. When the tree has a branch that could not be followed (a
///   failed lookup, a macro target), an include not found is not verified.
/// - `ip4:`/`ip6:` ranges are present when `check_host()` on the published policy gives
///   `pass` for the range's first and last address, so `a`, `mx`, wider ranges and nested
///   includes count as a receiver would see them. (A policy that excludes an address in the
///   middle of the range, before authorizing the rest, is not detected.)
///
/// Other terms (`a`, `mx`, `all`…) are the domain owner's choice and are not checked. An
/// expected record with no `include:`, `ip4:` or `ip6:` term is compared whole (terms in order,
/// case and spacing ignored).
fn spf_verdict(
    facts: &Facts,
    lookup: &ExpectedLookup,
    expected_text: &str,
    outcome: &Outcome,
) -> Verdict {
    let name = &lookup.record.name;
    let checked = checked_terms(expected_text);
    let published = match select_records(outcome.txt_strings()) {
        Selection::One(one) => one.text,
        other => return unpublished(lookup, outcome, &checked, expected_text, other),
    };
    if checked.is_empty() {
        return whole_record(name, &published, expected_text);
    }
    let tree = if *name == facts.domain.ascii {
        Some(&facts.spf.root)
    } else {
        lookup.spf_tree.as_ref()
    };
    let terms: Vec<TermVerdict> = checked
        .iter()
        .map(|(term, check)| match check {
            CheckedTerm::Include(target) => include_verdict(term, target, tree),
            CheckedTerm::Range => range_verdict(term, &lookup.ranges),
        })
        .collect();
    terms_verdict(name, &published, terms, tree)
}

/// The `include:`, `ip4:` and `ip6:` terms of an expected SPF record, as written.
fn checked_terms(expected_text: &str) -> Vec<(String, CheckedTerm)> {
    let expected = parse_record(expected_text);
    expected
        .directives()
        .filter_map(|(term, directive)| {
            let check = match &directive.mechanism {
                Mechanism::Include(spec) if spec.has_expansions() => {
                    CheckedTerm::Include(IncludeTarget::Text(spec.text.clone()))
                }
                Mechanism::Include(spec) => {
                    CheckedTerm::Include(IncludeTarget::Name(Name::new(&spec.text)))
                }
                Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => CheckedTerm::Range,
                _ => return None,
            };
            Some((term.text.clone(), check))
        })
        .collect()
}

/// No SPF record, or several (a permanent error, RFC 7208 §4.5): every term is missing.
fn unpublished(
    lookup: &ExpectedLookup,
    outcome: &Outcome,
    checked: &[(String, CheckedTerm)],
    expected_text: &str,
    selection: Selection,
) -> Verdict {
    let name = &lookup.record.name;
    let mut verdict = if let Selection::Multiple(records) = selection {
        let mut verdict = new_verdict(
            Status::Missing,
            format!(
                "{name} publishes {} SPF records, which receivers treat as a permanent \
                     error (RFC 7208 §4.5): nothing is authorized",
                records.len()
            ),
        );
        verdict.found = records.iter().map(|r| format!("\"{}\"", r.text)).collect();
        let terms: Vec<&str> = checked.iter().map(|(term, _)| term.as_str()).collect();
        verdict.fix = format!(
            "Merge the SPF records of {name} into one that holds {} (spf-multiple-records \
                 says how).",
            if terms.is_empty() {
                format!("\"{expected_text}\"")
            } else {
                terms.join(" ")
            }
        );
        verdict
    } else {
        let why = match outcome {
            Outcome::NxDomain => format!("{name} does not exist (NXDOMAIN)"),
            _ => format!("{name} publishes no SPF record"),
        };
        let mut verdict = new_verdict(
            Status::Missing,
            format!("expected an SPF record at {name}, but {why}"),
        );
        if let Some(data) = &lookup.record.data {
            verdict.fix = format!(
                "Publish this record at your DNS host: {}",
                zone_line(name, data)
            );
        }
        verdict
    };
    verdict.terms = checked
        .iter()
        .map(|(term, _)| TermVerdict {
            term: term.clone(),
            status: Status::Missing,
            detail: String::new(),
        })
        .collect();
    verdict
}

/// An expected SPF record with no `include:`, `ip4:` or `ip6:` term: compared whole, terms in
/// order, case and spacing ignored.
fn whole_record(name: &Name, published: &str, expected_text: &str) -> Verdict {
    let normal = |text: &str| {
        text.to_ascii_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut verdict = if normal(published) == normal(expected_text) {
        new_verdict(Status::Present, String::new())
    } else {
        let mut verdict = new_verdict(
            Status::Different,
            format!("expected the SPF record \"{expected_text}\" at {name}, found \"{published}\""),
        );
        verdict.fix =
            format!("Replace the SPF record of {name} with \"{expected_text}\" at your DNS host.");
        verdict
    };
    verdict.found = vec![format!("\"{published}\"")];
    verdict
}

/// The record's verdict from its terms': missing if one is, else not verified if one is.
fn terms_verdict(
    name: &Name,
    published: &str,
    terms: Vec<TermVerdict>,
    tree: Option<&SpfNode>,
) -> Verdict {
    let missing: Vec<&TermVerdict> = terms
        .iter()
        .filter(|term| term.status == Status::Missing)
        .collect();
    let status = if !missing.is_empty() {
        Status::Missing
    } else if terms.iter().any(|term| term.status == Status::NotVerified) {
        Status::NotVerified
    } else {
        Status::Present
    };
    let mut verdict = new_verdict(status, String::new());
    match status {
        Status::Missing => {
            let reasons: Vec<String> = missing
                .iter()
                .map(|term| {
                    if term.detail.is_empty() {
                        term.term.clone()
                    } else {
                        format!("{} ({})", term.term, term.detail)
                    }
                })
                .collect();
            verdict.detail = format!(
                "the SPF record of {name} does not authorize {}",
                join_and(&reasons)
            );
            let added: Vec<&str> = missing.iter().map(|term| term.term.as_str()).collect();
            verdict.fix = spf_fix(name, published, &added, tree);
        }
        Status::NotVerified => {
            let unknown: Vec<String> = terms
                .iter()
                .filter(|term| term.status == Status::NotVerified)
                .map(|term| format!("{} ({})", term.term, term.detail))
                .collect();
            verdict.detail = format!("not verified: {}", unknown.join("; "));
        }
        _ => {}
    }
    verdict.found = vec![format!("\"{published}\"")];
    verdict.terms = terms;
    verdict
}

/// A term of an expected SPF record that is checked.
enum CheckedTerm {
    Include(IncludeTarget),
    Range,
}

/// What an expected `include:` names: a domain, or a macro string compared as written.
enum IncludeTarget {
    Name(Name),
    Text(String),
}

/// Where an include was found in the published tree.
enum Reach {
    /// The pass terms leading to it, outermost first, the include itself last.
    Found(Vec<String>),
    /// Not found, but a branch could not be followed: why.
    Unknown(String),
    /// Not found anywhere.
    Absent,
}

/// Searches the published tree for a pass `include` or `redirect` of `target`, depth first
/// over an explicit stack (the tree's depth is capped when it is gathered).
fn find_include(root: &SpfNode, target: &IncludeTarget) -> Reach {
    let mut unknown: Option<String> = None;
    let mut stack: Vec<(&SpfNode, Vec<String>)> = vec![(root, Vec::new())];
    while let Some((node, path)) = stack.pop() {
        if node.records.failure().is_some() {
            unknown.get_or_insert_with(|| {
                format!("the SPF record of {} could not be looked up", node.domain)
            });
            continue;
        }
        for (term, kind) in node.terms_with_record() {
            let leads = match kind {
                TermKind::Directive(directive) => {
                    matches!(directive.mechanism, Mechanism::Include(_))
                        && directive.qualifier == Qualifier::Pass
                }
                TermKind::Modifier(Modifier::Redirect(_)) => true,
                _ => false,
            };
            if !term.reachable || !leads {
                continue;
            }
            let mut here = path.clone();
            here.push(term.text.clone());
            let matches = match (target, &term.target) {
                (IncludeTarget::Name(want), Target::Name(name)) => want == name,
                (IncludeTarget::Text(want), Target::Macro(text)) => want.eq_ignore_ascii_case(text),
                _ => false,
            };
            if matches {
                return Reach::Found(here);
            }
            match &term.dns {
                TermDns::Child(child) => stack.push((child, here)),
                TermDns::NotFollowed => {
                    unknown.get_or_insert_with(|| {
                        format!("{} in {} was not followed", term.text, node.domain)
                    });
                }
                TermDns::PastLimit => {
                    unknown.get_or_insert_with(|| {
                        format!(
                            "{} in {} was not followed: it comes after the {LOOKUP_LIMIT}-lookup \
                             limit",
                            term.text, node.domain
                        )
                    });
                }
                _ if matches!(term.target, Target::Macro(_)) => {
                    unknown.get_or_insert_with(|| {
                        format!("{} in {} depends on the sender", term.text, node.domain)
                    });
                }
                _ => {}
            }
        }
    }
    unknown.map_or(Reach::Absent, Reach::Unknown)
}

fn include_verdict(term: &str, target: &IncludeTarget, tree: Option<&SpfNode>) -> TermVerdict {
    let (status, detail) = match tree.map(|root| find_include(root, target)) {
        Some(Reach::Found(path)) if path.len() <= 1 => (Status::Present, String::new()),
        Some(Reach::Found(path)) => (
            Status::Present,
            format!("through {}", path[..path.len() - 1].join(" → ")),
        ),
        Some(Reach::Unknown(why)) => (Status::NotVerified, why),
        Some(Reach::Absent) => (Status::Missing, String::new()),
        None => (
            Status::NotVerified,
            "the published include tree was not gathered".to_owned(),
        ),
    };
    TermVerdict {
        term: term.to_owned(),
        status,
        detail,
    }
}

fn range_verdict(term: &str, ranges: &[RangeCheck]) -> TermVerdict {
    let checks = ranges
        .iter()
        .find(|range| range.term == term)
        .map(|range| range.addresses.as_slice())
        .unwrap_or_default();
    let (status, detail) = if checks.is_empty() {
        (Status::NotVerified, "not evaluated".to_owned())
    } else if let Some(failed) = checks
        .iter()
        .find(|check| check.result == SpfResult::TempError)
    {
        (
            Status::NotVerified,
            format!("{} gets temperror: {}", failed.ip, failed.reason),
        )
    } else if let Some(refused) = checks.iter().find(|check| check.result != SpfResult::Pass) {
        let passed: Vec<IpAddr> = checks
            .iter()
            .filter(|check| check.result == SpfResult::Pass)
            .map(|check| check.ip)
            .collect();
        let mut detail = format!("{} gets {}", refused.ip, refused.result);
        if !refused.decided_by.is_empty() {
            let terms: Vec<&str> = refused
                .decided_by
                .iter()
                .map(|step| step.term.as_str())
                .collect();
            let _ = write!(detail, " from {}", terms.join(" → "));
        }
        if let Some(ip) = passed.first() {
            let _ = write!(
                detail,
                " while {ip} passes: only part of the range is authorized"
            );
        }
        (Status::Missing, detail)
    } else {
        let decided: Vec<String> = checks
            .first()
            .map(|check| {
                check
                    .decided_by
                    .iter()
                    .map(|step| step.term.clone())
                    .collect()
            })
            .unwrap_or_default();
        let detail = match decided.as_slice() {
            [] => String::new(),
            [one] if one.eq_ignore_ascii_case(term) => String::new(),
            steps => format!("authorized by {}", steps.join(" → ")),
        };
        (Status::Present, detail)
    };
    TermVerdict {
        term: term.to_owned(),
        status,
        detail,
    }
}

/// The exact change: the missing terms added before `all` (or a `redirect`, or at the end)
/// of the published record, with the record as it would read.
fn spf_fix(name: &Name, published: &str, added: &[&str], tree: Option<&SpfNode>) -> String {
    let record = parse_record(published);
    let addition = added.join(" ");
    let before = record
        .all()
        .map(|(term, _)| term)
        .or_else(|| record.redirect().map(|(term, _)| term));
    let (place, updated) = match before.and_then(|term| {
        let start = term.span.start;
        Some((
            term.text.clone(),
            published.get(..start)?,
            published.get(start..)?,
        ))
    }) {
        Some((term, head, tail)) => (
            format!("before {term} in"),
            format!("{head}{addition} {tail}"),
        ),
        None => (
            "at the end of".to_owned(),
            format!("{} {addition}", published.trim_end()),
        ),
    };
    let mut fix = format!("Add {addition} {place} {name}'s SPF record: {updated}");
    let includes = u32::try_from(added.iter().filter(|t| is_include(t)).count()).unwrap_or(0);
    if let Some(tree) = tree
        && includes > 0
    {
        let total = tree.cumulative_lookups() + includes;
        if total > LOOKUP_LIMIT {
            let _ = write!(
                fix,
                ". That makes at least {total} DNS lookups, over the limit of {LOOKUP_LIMIT} \
                 (RFC 7208 §4.6.4): drop an include that is no longer used, or replace one \
                 by the ip4:/ip6: ranges it stands for"
            );
        }
    }
    fix.push('.');
    fix
}

fn is_include(term: &str) -> bool {
    let term = term.trim_start_matches(['+', '-', '~', '?']);
    term.get(..8)
        .is_some_and(|head| head.eq_ignore_ascii_case("include:"))
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Runs every comparison of two TXT texts both ways that DNS data can reach them, for the
/// fuzzer (`fuzz/fuzz_targets/expect_compare.rs`): no input may panic. Returns a number that
/// depends on all the results, so nothing is optimized away.
pub(super) fn fuzz_txt(expected: &[u8], found: &[u8]) -> usize {
    let mut total = 0;
    let e = RecordData::Txt(vec![expected.to_vec()]);
    let f = RecordData::Txt(found.chunks(255).map(<[u8]>::to_vec).collect());
    for name in [Name::new("fuzz.test"), Name::new("s1._domainkey.fuzz.test")] {
        total += usize::from(equivalent(&e, &f, &name)) + usize::from(comparable(&e, &f, &name));
        total += difference(&e, &f, &name).len() + different_fix(&name, &e, &[&f]).len();
    }
    let (e_text, f_text) = (
        String::from_utf8_lossy(expected),
        String::from_utf8_lossy(found),
    );
    let checked = checked_terms(&e_text);
    let added: Vec<&str> = checked.iter().map(|(term, _)| term.as_str()).collect();
    total += spf_fix(&Name::new("fuzz.test"), &f_text, &added, None).len();
    total += abbreviate(&f_text, expected.len() % 64).len();
    total += zone_line(&Name::new("fuzz.test"), &f).len();
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txt(text: &str) -> RecordData {
        RecordData::Txt(vec![text.as_bytes().to_vec()])
    }

    #[test]
    fn txt_records_are_classified_by_what_they_hold() {
        let apex = Name::new("shop.test");
        let selector = Name::new("s1._domainkey.shop.test");
        assert_eq!(txt_kind("v=DKIM1; k=rsa; p=AB", &apex), TxtKind::Dkim);
        assert_eq!(txt_kind("k=rsa; p=AB", &selector), TxtKind::Dkim);
        assert_eq!(
            txt_kind("v=DMARC1; p=none", &Name::new("_dmarc.shop.test")),
            TxtKind::TagList("DMARC1".to_owned())
        );
        assert_eq!(
            txt_kind("google-site-verification=abc", &apex),
            TxtKind::Token("google-site-verification=".to_owned())
        );
        assert_eq!(
            txt_kind("MS=ms12345", &apex),
            TxtKind::Token("MS=".to_owned())
        );
        assert_eq!(txt_kind("hello world", &apex), TxtKind::Plain);
        assert_eq!(txt_kind("=abc", &apex), TxtKind::Plain);
    }

    #[test]
    fn dkim_keys_compare_tags_with_the_key_ignoring_white_space() {
        let name = Name::new("s1._domainkey.shop.test");
        let expected = txt("v=DKIM1; k=rsa; p=MIGfMA0G CSqGSIb3 DQEB");
        assert!(equivalent(&expected, &txt("p=MIGfMA0GCSqGSIb3DQEB"), &name));
        assert!(equivalent(
            &expected,
            &txt("v=DKIM1;k=rsa;p=MIGfMA0GCSqGSIb3\tDQEB; n=notes"),
            &name
        ));
        let differences = tag_differences(
            "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEB",
            "v=DKIM1; k=rsa; t=y; p=MIGfMA0GCSqGSIb3DQEX",
            true,
        );
        let names: Vec<&str> = differences.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["p", "t"]);
        let shown = describe_tag(&differences[0], true);
        assert!(shown.contains("from character 20"), "{shown}");
        assert_eq!(
            describe_tag(&differences[1], true),
            "t= differs: expected no t=, found t=y"
        );
        // The key's letters are case-sensitive.
        assert!(!equivalent(
            &expected,
            &txt("p=migfma0gcsqgsib3dqeb"),
            &name
        ));
    }

    #[test]
    fn a_token_differs_from_another_with_the_same_prefix_only() {
        let name = Name::new("shop.test");
        let expected = txt("mailer-verification=abc123");
        assert!(comparable(
            &expected,
            &txt("Mailer-Verification=zzz"),
            &name
        ));
        assert!(!comparable(&expected, &txt("v=spf1 -all"), &name));
        assert!(!comparable(
            &expected,
            &txt("other-verification=abc123"),
            &name
        ));
        let text = difference(&expected, &txt("mailer-verification=zzz"), &name);
        assert!(
            text.contains(
                "the value after mailer-verification= differs (expected abc123, found zzz)"
            ),
            "{text}"
        );
    }

    #[test]
    fn fixes_insert_terms_before_all_or_redirect() {
        let name = Name::new("shop.test");
        assert_eq!(
            spf_fix(
                &name,
                "v=spf1 include:_spf.google.com ~all",
                &["include:sendgrid.net"],
                None
            ),
            "Add include:sendgrid.net before ~all in shop.test's SPF record: \
             v=spf1 include:_spf.google.com include:sendgrid.net ~all."
        );
        assert_eq!(
            spf_fix(
                &name,
                "v=spf1 redirect=_spf.shop.test",
                &["ip4:93.184.216.0/28"],
                None
            ),
            "Add ip4:93.184.216.0/28 before redirect=_spf.shop.test in shop.test's SPF record: \
             v=spf1 ip4:93.184.216.0/28 redirect=_spf.shop.test."
        );
        assert_eq!(
            spf_fix(
                &name,
                "v=spf1 mx",
                &["include:a.test", "ip6:2606:2800:220:1::/64"],
                None
            ),
            "Add include:a.test ip6:2606:2800:220:1::/64 at the end of shop.test's SPF record: \
             v=spf1 mx include:a.test ip6:2606:2800:220:1::/64."
        );
    }

    #[test]
    fn long_text_is_split_for_the_zone_line_and_abbreviated_for_people() {
        let key = format!("v=DKIM1; p={}", "A".repeat(400));
        let line = zone_line(&Name::new("s1._domainkey.shop.test"), &txt(&key));
        assert_eq!(line.matches('"').count(), 4, "{line}");
        assert_eq!(abbreviate(&key, 0), "…");
        assert_eq!(abbreviate(&key, 1).chars().count(), 1);
        let short = abbreviate(&key, 40);
        assert_eq!(short.chars().count(), 40);
        assert!(short.starts_with("v=DKIM1; p=AAA") && short.contains('…'));
    }
}
