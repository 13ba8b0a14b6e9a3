//! Zone-file rules: what cannot be published as written. They judge a `--zone` file itself,
//! before any of its data is audited, and their findings are shown in the Zone section of
//! every audited domain that the file answered for.

use std::collections::{BTreeMap, HashMap};

use super::findings::Findings;
use crate::dns::Name;
use crate::facts::Facts;
use crate::finding::Rule;
use crate::finding::{Finding, Section, Severity};
use crate::zonefile::{Location, ParseError, Zone, type_name};

/// A name has a CNAME record and other data.
pub static ZONE_CNAME_WITH_OTHER_DATA: Rule = Rule {
    id: "zone-cname-with-other-data",
    section: Section::Zone,
    severity: Severity::Error,
    summary: "A name has a CNAME record and other records, or more than one CNAME record.",
    rationale: "An alias has no data of its own: a name with a CNAME record must have no other \
                records (RFC 1034 §3.6.2), and only one CNAME (RFC 2181 §10.1). Name servers \
                refuse to load such a zone or drop records from it, and resolvers that see \
                the CNAME ignore the other records, so an MX or TXT record next to a CNAME is \
                as good as missing. It most often happens at the apex (a CNAME next to the \
                SOA and NS records) or when a provider's CNAME is added next to a TXT record.",
    fix: "Keep either the CNAME or the other records at that name. At the apex, replace the \
          CNAME by A/AAAA records (or your provider's ALIAS/flattening feature).",
    references: &["RFC 1034 §3.6.2", "RFC 2181 §10.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::ZoneFile,
        bad: "www  CNAME  shops.myshopify.com.\n\
              www  TXT    \"google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ\"",
        good: "@    TXT    \"google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ\"\n\
               www  CNAME  shops.myshopify.com.",
    },
};

/// A character-string is over 255 octets.
pub static ZONE_TXT_STRING_TOO_LONG: Rule = Rule {
    id: "zone-txt-string-too-long",
    section: Section::Zone,
    severity: Severity::Error,
    summary: "A TXT (or SPF) record has a character-string longer than 255 octets.",
    rationale: "Each character-string of a TXT record starts with one length octet, so it holds \
                at most 255 octets (RFC 1035 §3.3). A longer quoted string cannot be sent: \
                name servers refuse the zone or the record, and some answer nothing at all, \
                which resolvers see as a timeout. Long DKIM keys (2048-bit RSA) are the usual \
                case: they must be split into several quoted strings, which receivers join \
                with nothing in between (RFC 6376 §3.6.2.2, RFC 7208 §3.3).",
    fix: "Split the text into several quoted strings of at most 255 octets each, in one \
          record: \"first part\" \"second part\". Do not split it into several records.",
    references: &["RFC 1035 §3.3", "RFC 7208 §3.3", "RFC 6376 §3.6.2.2"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::ZoneFile,
        bad: "google._domainkey  TXT  \"v=DKIM1; k=rsa; p=<2048-bit RSA key>\"",
        good: "google._domainkey  TXT  \"v=DKIM1; k=rsa; p=<2048-bit RSA key (1/2)>\" \"<2048-bit RSA key (2/2)>\"",
    },
};

/// A part of the zone file could not be read.
pub static ZONE_PARSE_ERROR: Rule = Rule {
    id: "zone-parse-error",
    section: Section::Zone,
    severity: Severity::Error,
    summary: "A line of the zone file could not be read.",
    rationale: "What cannot be read cannot be published: a name server refuses the zone, or \
                loads it without the record. mailcheck reads the rest of the file and audits \
                it, and a query for a record that could not be read is reported as not \
                verified rather than missing. Zone-file syntax is RFC 1035 §5.1 ($ORIGIN, \
                $TTL, $INCLUDE, parentheses, quotes, escapes).",
    fix: "Fix the line as the message says (the file and line are given), then run mailcheck \
          again. `named-checkzone ZONE FILE` gives a second opinion.",
    references: &["RFC 1035 §5.1", "RFC 2308 §4 ($TTL)"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::ZoneFile,
        bad: "@     MX   mail.example.com.\n\
              mail  A    93.184.216.34",
        good: "@     MX   10 mail.example.com.\n\
               mail  A    93.184.216.34",
    },
};

/// Types that may share a name with a CNAME (RFC 4035 §2.5: DNSSEC's own records).
const ALLOWED_WITH_CNAME: &[u16] = &[46, 47];
const CNAME: u16 = 5;

/// The findings of every zone file that took part in the audit, file by file.
pub(super) fn check(facts: &Facts, findings: &mut Findings) {
    for used in &facts.zones {
        for finding in check_zone(&used.zone) {
            findings.push(finding);
        }
    }
}

/// The findings of one zone file, in file order within each rule.
pub fn check_zone(zone: &Zone) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (first, message) in grouped_errors(zone) {
        findings.push(Finding::new(&ZONE_PARSE_ERROR, first, message).at(&first.file, first.line));
    }
    for long in &zone.long_strings {
        findings.push(Finding::new(
            &ZONE_TXT_STRING_TOO_LONG,
            &long.name,
            format!(
                "{}: character-string {} of the {} record at {} is {} octets long; at most 255 fit",
                long.location,
                long.index + 1,
                type_name(long.rtype),
                long.name,
                long.length
            ),
        )
        .at(&long.location.file, long.location.line));
    }
    cname_conflicts(zone, &mut findings);
    findings
}

/// How many line numbers a grouped `zone-parse-error` lists.
const LINES_SHOWN: usize = 5;

/// One message per cause (one problem, one finding): a line's own message when it is the
/// only one with its cause, else the count of lines, the first few, and the cause, at the
/// first of them. Causes keep the order of their first line.
fn grouped_errors(zone: &Zone) -> Vec<(&Location, String)> {
    let mut order: Vec<&str> = Vec::new();
    let mut groups: HashMap<&str, Vec<&ParseError>> = HashMap::new();
    for error in &zone.errors {
        let group = groups.entry(error.cause.as_str()).or_default();
        if group.is_empty() {
            order.push(error.cause.as_str());
        }
        group.push(error);
    }
    order
        .into_iter()
        .filter_map(|cause| {
            let group = groups.get(cause)?;
            let first = group.first()?;
            if group.len() == 1 {
                return Some((&first.location, first.message.clone()));
            }
            // Line numbers alone when every line is in one file; `FILE:LINE` when the cause
            // spans files (the same construct in several included files).
            let one_file = group
                .iter()
                .all(|error| error.location.file == first.location.file);
            let mut lines: Vec<String> = group
                .iter()
                .take(LINES_SHOWN)
                .map(|error| {
                    if one_file {
                        error.location.line.to_string()
                    } else {
                        error.location.to_string()
                    }
                })
                .collect();
            if group.len() > LINES_SHOWN {
                lines.push("…".to_owned());
            }
            let message = if one_file {
                format!(
                    "{}: {} lines could not be read (lines {}): {cause}",
                    first.location.file,
                    group.len(),
                    lines.join(", ")
                )
            } else {
                format!(
                    "{} lines in several files could not be read ({}): {cause}",
                    group.len(),
                    lines.join(", ")
                )
            };
            Some((&first.location, message))
        })
        .collect()
}

fn cname_conflicts(zone: &Zone, findings: &mut Vec<Finding>) {
    let mut by_name: BTreeMap<&Name, (Vec<&Location>, Vec<u16>)> = BTreeMap::new();
    for record in &zone.records {
        let entry = by_name.entry(&record.name).or_default();
        if record.rtype == CNAME {
            entry.0.push(&record.location);
        } else if !ALLOWED_WITH_CNAME.contains(&record.rtype) && !entry.1.contains(&record.rtype) {
            entry.1.push(record.rtype);
        }
    }
    let mut conflicts: Vec<(&Location, Finding)> = Vec::new();
    for (name, (cnames, others)) in by_name {
        let Some(first) = cnames.first() else {
            continue;
        };
        let message = match (cnames.len(), others.is_empty()) {
            (1, true) => continue,
            (count, true) => format!(
                "{first}: {name} has {count} CNAME records; a name can be an alias of one name only"
            ),
            (count, false) => {
                let types: Vec<String> = others.iter().map(|&code| type_name(code)).collect();
                let aliases = if count == 1 {
                    "an alias (CNAME)".to_owned()
                } else {
                    format!("an alias ({count} CNAME records)")
                };
                format!(
                    "{first}: {name} is {aliases} and also has {} records; an alias can have no other data",
                    types.join(", ")
                )
            }
        };
        conflicts.push((
            first,
            Finding::new(&ZONE_CNAME_WITH_OTHER_DATA, name, message).at(&first.file, first.line),
        ));
    }
    conflicts.sort_by(|a, b| a.0.cmp(b.0));
    findings.extend(conflicts.into_iter().map(|(_, finding)| finding));
}
