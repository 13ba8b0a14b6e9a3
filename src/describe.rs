//! What was found, described for the report: structured records for JSON and overview lines
//! for human output. Findings say what is wrong; this says what is there.

pub mod expect;
pub mod policy;

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::dkim::key::{Exponent, KeyMaterial, RsaEncoding, analyze};
use crate::dkim::{self, KeyType};
use crate::dns::cache::QueryLogEntry;
use crate::facts::{Absence, DkimFacts, DkimSelector, Facts, Lookup, MxHost, SelectorMode};
use crate::finding::Section;
use crate::report::{
    AddressReport, DkimKeyReport, DkimRecordsReport, DkimSelectorReport, MxReport, OverviewLine,
    PtrReport, QueryReport, Records, SpfNodeReport, SpfPathReport, SpfReport, SpfTermReport,
};
use crate::rules::dkim::{KeyContext, Verdict, check_record};
use crate::spf::eval::{LOOKUP_LIMIT, NAME_LIMIT, VOID_LIMIT};
use crate::spf::record::parse_record;
use crate::spf::tree::{SpfFacts, SpfNode, Target, TermDns, WalkStep, reachable_terms};
use crate::txt::TxtRecord;

/// The structured records of `facts`.
pub fn records(facts: &Facts) -> Records {
    let mx = facts
        .mail
        .mx
        .found()
        .into_iter()
        .flatten()
        .map(|record| {
            let host = host(facts, &record.exchange);
            MxReport {
                preference: record.preference,
                target: record.exchange.to_string(),
                cname: host
                    .and_then(|host| host.cname.found())
                    .map(ToString::to_string),
                addresses: host
                    .into_iter()
                    .flat_map(|host| &host.addresses)
                    .map(|address| AddressReport {
                        ip: address.ip.to_string(),
                        ptr: address
                            .ptr
                            .iter()
                            .filter_map(Lookup::found)
                            .flatten()
                            .map(|ptr| PtrReport {
                                name: ptr.name.to_string(),
                                forward_confirmed: ptr.confirms(address.ip),
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect();
    let mut records = Records {
        mx,
        spf: Some(spf_report(&facts.spf)),
        dkim: dkim_records(facts),
        ..Records::default()
    };
    policy::fill_records(facts, &mut records);
    records.expected = expect::records(facts);
    records
}

/// JSON `records.dkim`: the selectors found (discovery) or named, with their keys.
fn dkim_records(facts: &Facts) -> DkimRecordsReport {
    let dkim = &facts.dkim;
    let selectors = dkim
        .selectors
        .iter()
        .filter(|selector| shown(selector, dkim))
        .map(|selector| DkimSelectorReport {
            selector: selector.selector.clone(),
            name: selector.name.to_string(),
            status: lookup_status(&selector.txt),
            cname_chain: alias_chain(selector)
                .iter()
                .map(ToString::to_string)
                .collect(),
            keys: selector
                .txt
                .found()
                .into_iter()
                .flatten()
                .map(|record| dkim_key_report(&record.text))
                .collect(),
        })
        .collect();
    DkimRecordsReport {
        mode: match dkim.mode {
            SelectorMode::Discovery => "discovery",
            SelectorMode::Named => "named",
        },
        selectors_checked: dkim.selectors.len(),
        domainkey: lookup_status(&dkim.domainkey),
        wildcard: dkim.wildcard_records().is_some(),
        selectors,
    }
}

/// Whether a selector is worth showing: every named one; a probed one only if it has
/// something (a key of its own, not a wildcard's answer; or an alias to a name without one).
fn shown(selector: &DkimSelector, dkim: &DkimFacts) -> bool {
    dkim.mode == SelectorMode::Named
        || dkim.key_records(selector).is_some()
        || selector.cname.as_ref().and_then(Lookup::found).is_some()
}

/// The alias chain of a selector: from its TXT answer, or from the CNAME lookup when the
/// TXT answer lost it (an alias of a name without a key).
fn alias_chain(selector: &DkimSelector) -> Vec<crate::dns::Name> {
    if selector.cname_chain.is_empty() {
        selector
            .cname
            .as_ref()
            .and_then(Lookup::found)
            .into_iter()
            .cloned()
            .collect()
    } else {
        selector.cname_chain.clone()
    }
}

fn lookup_status<T>(lookup: &Lookup<T>) -> &'static str {
    match lookup {
        Lookup::Found(_) => "found",
        Lookup::Absent(Absence::NxDomain) => "nxdomain",
        Lookup::Absent(Absence::NoData) => "nodata",
        Lookup::Failed(_) => "failed",
    }
}

/// What one DKIM key record holds, as structured data.
pub fn dkim_key_report(text: &str) -> DkimKeyReport {
    let record = dkim::parse(text);
    let analysis = analyze(&record);
    let findings = check_record(text, &KeyContext::record_mode());
    let (bits, exponent, encoding) = match analysis.material {
        KeyMaterial::Rsa {
            bits,
            exponent,
            encoding,
        } => (
            Some(bits),
            match exponent {
                Exponent::Value(value) => Some(value),
                Exponent::Huge(_) => None,
            },
            Some(encoding.as_str()),
        ),
        _ => (None, None, None),
    };
    DkimKeyReport {
        record: text.to_owned(),
        status: Verdict::of(&findings).as_str(),
        key_type: record.key_type().as_str().to_owned(),
        bits,
        exponent,
        encoding,
        testing: record.is_testing(),
        hashes: record.hashes.as_ref().map(|hashes| {
            hashes
                .iter()
                .map(|hash| match &hash.value {
                    dkim::HashAlgorithm::Sha1 => "sha1".to_owned(),
                    dkim::HashAlgorithm::Sha256 => "sha256".to_owned(),
                    dkim::HashAlgorithm::Unknown(name) => name.clone(),
                })
                .collect()
        }),
        services: record.services.as_ref().map(|services| {
            services
                .iter()
                .map(|service| match &service.value {
                    dkim::Service::Any => "*".to_owned(),
                    dkim::Service::Email => "email".to_owned(),
                    dkim::Service::TlsRpt => "tlsrpt".to_owned(),
                    dkim::Service::Unknown(name) => name.clone(),
                })
                .collect()
        }),
    }
}

/// One line saying what a DKIM key record holds: `rsa 2048-bit key`, `ed25519 key, testing
/// mode (t=y)`, `revoked (empty p=)`.
pub fn describe_dkim_key(text: &str) -> String {
    let record = dkim::parse(text);
    let analysis = analyze(&record);
    let mut description = match (&analysis.material, record.key_type()) {
        (
            KeyMaterial::Rsa {
                bits,
                exponent,
                encoding,
            },
            _,
        ) => {
            let mut text = format!("rsa {bits}-bit key");
            match exponent {
                Exponent::Value(65537) => {}
                Exponent::Value(value) => {
                    let _ = write!(text, ", exponent {value}");
                }
                Exponent::Huge(bits) => {
                    let _ = write!(text, ", {bits}-bit exponent");
                }
            }
            if *encoding == RsaEncoding::Pkcs1 {
                text.push_str(", bare PKCS#1");
            }
            text
        }
        (KeyMaterial::Ed25519, _) => "ed25519 key".to_owned(),
        (KeyMaterial::Revoked, _) => "revoked key (empty p=)".to_owned(),
        (KeyMaterial::Missing, _) => "no p= tag: not a usable key record".to_owned(),
        (KeyMaterial::Unchecked, key_type) => {
            format!("key of unknown type \"{}\"", key_type.as_str())
        }
        (KeyMaterial::Invalid, KeyType::Unknown(name)) => format!("invalid key (k={name})"),
        (KeyMaterial::Invalid, key_type) => format!("invalid {} key", key_type.as_str()),
    };
    if !record.errors.is_empty() {
        description.push_str(", record syntax broken");
    }
    if record.is_testing() {
        description.push_str(", testing mode (t=y)");
    }
    if record.is_strict() {
        description.push_str(", strict (t=s)");
    }
    if let Some(hashes) = record.hashes_span {
        let _ = write!(description, ", {}", hashes.slice(text));
    }
    if let Some(services) = record.services_span {
        let _ = write!(description, ", {}", services.slice(text));
    }
    description
}

/// The DKIM section's overview: which selectors were checked and what each publishes.
fn dkim_overview(facts: &Facts, line: &mut impl FnMut(Section, usize, String)) {
    let dkim = &facts.dkim;
    let domain = &facts.domain.ascii;
    let with_keys: Vec<&DkimSelector> = dkim
        .selectors
        .iter()
        .filter(|selector| dkim.key_records(selector).is_some())
        .collect();
    match dkim.mode {
        SelectorMode::Discovery => {
            let failed = dkim
                .selectors
                .iter()
                .filter(|selector| selector.txt.failure().is_some())
                .count();
            let mut text = format!(
                "probed {} common selectors at once: {}",
                dkim.selectors.len(),
                match with_keys.len() {
                    0 => "no key found".to_owned(),
                    1 => "1 with a key".to_owned(),
                    n => format!("{n} with keys"),
                }
            );
            if failed > 0 {
                let _ = write!(text, " ({failed} not verified: lookup failed)");
            }
            line(Section::Dkim, 0, text);
        }
        SelectorMode::Named => {
            let names: Vec<&str> = dkim
                .selectors
                .iter()
                .map(|selector| selector.selector.as_str())
                .collect();
            line(
                Section::Dkim,
                0,
                format!("checked the selectors named: {}", names.join(", ")),
            );
        }
    }
    for selector in dkim
        .selectors
        .iter()
        .filter(|selector| shown(selector, dkim))
    {
        selector_lines(selector, line);
    }
    if let Some(records) = dkim.wildcard_key() {
        for record in records {
            line(
                Section::Dkim,
                1,
                format!(
                    "*._domainkey (a wildcard, for every selector): {}",
                    describe_dkim_key(&record.text)
                ),
            );
        }
    } else if let Some(records) = dkim.wildcard_records() {
        let texts: Vec<String> = records
            .iter()
            .map(|record| format!("\"{}\"", record.text))
            .collect();
        line(
            Section::Dkim,
            1,
            format!(
                "a wildcard TXT record answers every name under _domainkey.{domain} ({}): \
                 selectors that got only that answer were ignored",
                texts.join(", ")
            ),
        );
    }
    if with_keys.is_empty() && dkim.wildcard_key().is_none() {
        match dkim.domainkey {
            Lookup::Absent(Absence::NxDomain) => line(
                Section::Dkim,
                1,
                format!(
                    "_domainkey.{domain} does not exist (NXDOMAIN): no selector of any name \
                     is published"
                ),
            ),
            Lookup::Absent(Absence::NoData) | Lookup::Found(_) => line(
                Section::Dkim,
                1,
                match dkim.mode {
                    SelectorMode::Discovery => format!(
                        "_domainkey.{domain} exists: keys may be published under selectors \
                         not probed (use --selector)"
                    ),
                    SelectorMode::Named => format!(
                        "_domainkey.{domain} exists: other selectors may be published under it"
                    ),
                },
            ),
            Lookup::Failed(_) => {}
        }
    }
}

/// The overview lines of one selector: what it publishes, and where (a CNAME chain).
fn selector_lines(selector: &DkimSelector, line: &mut impl FnMut(Section, usize, String)) {
    let chain = alias_chain(selector);
    let mut label = format!("{}._domainkey", selector.selector);
    for target in &chain {
        let _ = write!(label, " → {target}");
    }
    if !chain.is_empty() {
        label.push_str(" (CNAME)");
    }
    let text = match &selector.txt {
        Lookup::Found(records) if records.len() == 1 => {
            format!("{label}: {}", describe_dkim_key(&records[0].text))
        }
        Lookup::Found(records) => {
            line(
                Section::Dkim,
                1,
                format!("{label}: {} TXT records", records.len()),
            );
            for record in records {
                line(Section::Dkim, 2, describe_dkim_key(&record.text));
            }
            return;
        }
        Lookup::Absent(_) if !chain.is_empty() => format!("{label}: no key at the target"),
        Lookup::Absent(Absence::NxDomain) => format!("{label}: no key (NXDOMAIN)"),
        Lookup::Absent(Absence::NoData) => format!("{label}: no key (no TXT record)"),
        Lookup::Failed(_) => format!("{label}: not verified"),
    };
    line(Section::Dkim, 1, text);
}

/// The overview of one DKIM key record checked on its own (record mode).
pub fn dkim_record_overview(text: &crate::txt::TxtRecord) -> Vec<OverviewLine> {
    let mut lines = vec![OverviewLine {
        section: Section::Dkim,
        depth: 0,
        text: describe_dkim_key(&text.text),
    }];
    let longest = text.strings.iter().map(Vec::len).max().unwrap_or(0);
    if longest > 255 {
        let needed = text.text.len().div_ceil(255);
        lines.push(OverviewLine {
            section: Section::Dkim,
            depth: 0,
            text: format!(
                "a TXT character-string holds at most 255 bytes and this record is {} bytes: \
                 publish it as at least {needed} quoted strings in one TXT record \
                 (\"part 1\" \"part 2\"), which verifiers join with nothing between them",
                text.text.len()
            ),
        });
    }
    lines
}

fn host<'f>(facts: &'f Facts, name: &crate::dns::Name) -> Option<&'f MxHost> {
    facts.mail.hosts.iter().find(|host| host.name == *name)
}

/// The overview lines of every section.
pub fn overview(facts: &Facts) -> Vec<OverviewLine> {
    let mut lines = Vec::new();
    let mut line = |section, depth, text: String| {
        lines.push(OverviewLine {
            section,
            depth,
            text,
        });
    };
    spf_overview(&facts.spf, &mut line);
    let mail = &facts.mail;
    match &mail.mx {
        Lookup::Found(records) => {
            for record in records {
                if record.is_null() {
                    line(
                        Section::Mx,
                        0,
                        format!("{} . (null MX: no mail accepted)", record.preference),
                    );
                    continue;
                }
                let mut text = format!("{} {}", record.preference, record.exchange);
                if let Some(host) = host(facts, &record.exchange) {
                    if let Some(target) = host.cname.found() {
                        let _ = write!(text, " (alias of {target})");
                    }
                    let ips: Vec<String> = host.ips().map(|ip| ip.to_string()).collect();
                    if !ips.is_empty() {
                        let _ = write!(text, " → {}", ips.join(", "));
                    }
                }
                line(Section::Mx, 0, text);
            }
        }
        Lookup::Absent(Absence::NxDomain) => {
            line(Section::Mx, 0, "the domain does not exist".to_owned());
        }
        Lookup::Absent(Absence::NoData) => line(Section::Mx, 0, "no MX records".to_owned()),
        Lookup::Failed(_) => line(Section::Mx, 0, "MX records not verified".to_owned()),
    }

    dkim_overview(facts, &mut line);

    let mut seen = Vec::new();
    for host in &mail.hosts {
        for address in &host.addresses {
            if seen.contains(&address.ip) {
                continue;
            }
            seen.push(address.ip);
            if let Some(ptr) = &address.ptr {
                line(Section::ReverseDns, 0, describe_ptr(address.ip, ptr));
            }
        }
    }
    policy::overview(facts, &mut lines);
    expect::overview(facts, &mut lines);
    lines
}

fn describe_ptr(ip: IpAddr, ptr: &Lookup<Vec<crate::facts::PtrName>>) -> String {
    match ptr {
        Lookup::Found(names) => {
            let described: Vec<String> = names
                .iter()
                .map(|name| {
                    let mark = if name.confirms(ip) {
                        "forward-confirmed"
                    } else {
                        "not forward-confirmed"
                    };
                    format!("{} ({mark})", name.name)
                })
                .collect();
            format!("{ip} → {}", described.join(", "))
        }
        Lookup::Absent(_) => format!("{ip} → no PTR record"),
        Lookup::Failed(_) => format!("{ip} → not verified"),
    }
}

/// The query log as the report shows it, sorted by name and type: concurrent lookups finish
/// in no fixed order, and a report must not change from run to run.
pub fn queries(log: &[QueryLogEntry]) -> Vec<QueryReport> {
    let mut log: Vec<&QueryLogEntry> = log.iter().collect();
    log.sort_by(|a, b| (&a.name, a.rtype).cmp(&(&b.name, b.rtype)));
    log.into_iter()
        .map(|entry| QueryReport {
            name: entry.name.to_string(),
            rtype: entry.rtype.to_string(),
            outcome: entry.outcome.kind(),
            failed: entry.outcome.is_failure(),
            error: entry.outcome.error_message().map(str::to_owned),
            ms: u64::try_from(entry.elapsed.as_millis()).unwrap_or(u64::MAX),
            answers: entry
                .outcome
                .records()
                .iter()
                .map(|record| {
                    format!(
                        "{}. {} {} {}",
                        record.name,
                        record.ttl,
                        record.data.record_type(),
                        record.data
                    )
                })
                .collect(),
        })
        .collect()
}

/// The SPF tree as JSON shows it.
fn spf_report(spf: &SpfFacts) -> SpfReport {
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
                child: term.child().map(|child| Box::new(spf_node_report(child))),
            })
            .collect(),
    }
}

/// The SPF section of human output: the record, the counts, and the lookup tree with each
/// record's own and cumulative count. Only terms that lead somewhere or need attention get
/// a line, so the branch with the 11th lookup stands out.
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
        for index in node.evaluation_order() {
            let Some(term) = node.terms.get(index).filter(|term| term.reachable) else {
                continue;
            };
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
        stack.extend(entries.into_iter().rev());
    }
}

/// A line of the SPF lookup tree: a record, or a remark about a term.
enum TreeEntry<'a> {
    Record(&'a SpfNode, usize, String),
    Remark(usize, String),
}

/// What the tree says about a term that is not an included record: only what needs
/// attention (a problem, or a target known only when mail arrives).
fn term_remark(term: &crate::spf::tree::TermFacts) -> Option<String> {
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

/// Record mode: what a record says, before publishing it.
pub fn spf_record_overview(text: &TxtRecord) -> Vec<OverviewLine> {
    let record = parse_record(&text.text);
    let reachable = reachable_terms(&record);
    let lookups = record
        .terms
        .iter()
        .zip(&reachable)
        .filter(|(term, reachable)| **reachable && term.costs_lookup())
        .count();
    let mut lines = vec![OverviewLine {
        section: Section::Spf,
        depth: 0,
        text: format!(
            "{} character-string{}, {} octets; {lookups} term{} causing DNS lookups in the record \
             itself (includes add theirs; at most {LOOKUP_LIMIT} in all)",
            text.strings.len(),
            if text.strings.len() == 1 { "" } else { "s" },
            text.strings.iter().map(Vec::len).sum::<usize>(),
            if lookups == 1 { "" } else { "s" },
        ),
    }];
    let unreachable: Vec<&str> = record
        .terms
        .iter()
        .zip(&reachable)
        .filter(|(_, reachable)| !**reachable)
        .map(|(term, _)| term.text.as_str())
        .collect();
    if !unreachable.is_empty() {
        lines.push(OverviewLine {
            section: Section::Spf,
            depth: 0,
            text: format!("never evaluated (after all): {}", unreachable.join(" ")),
        });
    }
    lines
}
