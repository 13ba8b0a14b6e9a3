//! SPF (RFC 7208): the published record, the include/redirect tree and its limits.
//!
//! The audit reads the tree gathered in `gather::spf`; record mode (`mailcheck record spf`)
//! runs the rules that need no lookup on a record's text alone.

use super::findings::Findings;
use crate::dns::Name;
use crate::facts::spf::{SpfNode, TermDns, TermFacts, WalkStep};
use crate::facts::{Absence, Facts, Lookup};
use crate::finding::Rule;
use crate::finding::{Finding, Section, Severity};
use crate::spf::eval::{LOOKUP_LIMIT, NAME_LIMIT, VOID_LIMIT};
use crate::spf::record::{Mechanism, Modifier, Qualifier, Record, TermKind, closest};
use crate::txt::TxtRecord;

/// No SPF record.
pub static SPF_MISSING: Rule = Rule {
    id: "spf-missing",
    section: Section::Spf,
    severity: Severity::Warning,
    summary: "The domain publishes no SPF record.",
    rationale: "Without an SPF record (a TXT record starting with v=spf1), receivers cannot tell \
                which hosts may send mail for the domain: the SPF result is none, anyone can use \
                the domain in MAIL FROM, and DMARC can only rely on DKIM. Many receivers treat \
                mail from domains without SPF as more likely to be spam.",
    fix: "Publish one TXT record at the domain listing the hosts that send its mail, for \
          example `v=spf1 mx include:_spf.provider.example -all`; a domain that sends no mail \
          publishes `v=spf1 -all`.",
    references: &["RFC 7208 §4.5", "RFC 7208 §2.6.1", "RFC 7208 §3"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@     MX   10 mail.example.com.\n\
              mail  A    93.184.216.34",
        good: "@     MX   10 mail.example.com.\n\
               @     TXT  \"v=spf1 mx -all\"\n\
               mail  A    93.184.216.34",
    },
};

/// More than one SPF record.
pub static SPF_MULTIPLE_RECORDS: Rule = Rule {
    id: "spf-multiple-records",
    section: Section::Spf,
    severity: Severity::Error,
    summary: "A domain publishes more than one SPF record.",
    rationale: "A domain may have only one TXT record starting with v=spf1. With two or more, \
                every receiver returns permerror (RFC 7208 §4.5), which DMARC counts as a \
                failure: the domain's mail is treated as unauthenticated.",
    fix: "Merge the records into one: keep a single v=spf1 record holding every mechanism, and \
          delete the others.",
    references: &["RFC 7208 §4.5", "RFC 7208 §3.2"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@  TXT  \"v=spf1 mx -all\"\n\
              @  TXT  \"v=spf1 include:_spf.google.com ~all\"",
        good: "@  TXT  \"v=spf1 mx include:_spf.google.com -all\"",
    },
};

/// A syntax error.
pub static SPF_SYNTAX: Rule = Rule {
    id: "spf-syntax",
    section: Section::Spf,
    severity: Severity::Error,
    summary: "An SPF record has a syntax error.",
    rationale: "A syntax error anywhere in the record makes every evaluation a permerror \
                (RFC 7208 §4.6), whatever the client address: the record stops working as a \
                whole, not just the broken term.",
    fix: "Correct the term shown; the grammar is in RFC 7208 §12 (mechanisms all, include, a, \
          mx, ptr, ip4, ip6, exists; modifiers redirect= and exp=).",
    references: &["RFC 7208 §4.6", "RFC 7208 §12"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Spf),
        bad: "v=spf1 mx ipv4:192.0.2.10 -all",
        good: "v=spf1 mx ip4:192.0.2.10 -all",
    },
};

/// Over 10 lookups.
pub static SPF_TOO_MANY_LOOKUPS: Rule = Rule {
    id: "spf-too-many-lookups",
    section: Section::Spf,
    severity: Severity::Error,
    summary: "Evaluating the SPF record takes more than 10 DNS lookups.",
    rationale: "Receivers stop at 10 terms that cause DNS lookups (include, a, mx, ptr, exists, \
                redirect, counted through every include) and return permerror (RFC 7208 \
                §4.6.4). Which mail fails depends on where the 11th lookup falls: mail from \
                hosts listed after it never passes, and DMARC treats the permerror as a fail.",
    fix: "Bring the count to 10 or fewer: replace a, mx and include terms whose addresses are \
          stable with ip4:/ip6: ranges, drop includes of services no longer used, or ask a \
          provider for a narrower include.",
    references: &["RFC 7208 §4.6.4"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Spf),
        bad: "v=spf1 a mx include:_spf.google.com include:spf.protection.outlook.com \
              include:sendgrid.net include:mailgun.org include:servers.mcsv.net \
              include:amazonses.com include:spf.mandrillapp.com include:_spf.salesforce.com \
              include:mail.zendesk.com -all",
        good: "v=spf1 ip4:192.0.2.10 include:_spf.google.com include:spf.protection.outlook.com \
               include:sendgrid.net include:mailgun.org include:servers.mcsv.net \
               include:amazonses.com include:spf.mandrillapp.com include:_spf.salesforce.com \
               include:mail.zendesk.com -all",
    },
};

/// Over 2 void lookups.
pub static SPF_TOO_MANY_VOID_LOOKUPS: Rule = Rule {
    id: "spf-too-many-void-lookups",
    section: Section::Spf,
    severity: Severity::Error,
    summary: "More than 2 terms of the SPF record look up names that do not exist or have no records.",
    rationale: "Receivers limit void lookups (NXDOMAIN or no answer) to 2 and return permerror \
                after that (RFC 7208 §4.6.4), to stop records from being used to flood DNS. \
                Void lookups usually come from terms naming hosts or services that are gone.",
    fix: "Remove the terms that name hosts without addresses, domains without MX records, or \
          includes of domains that no longer exist.",
    references: &["RFC 7208 §4.6.4", "RFC 7208 §11.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@     MX   10 mail.example.com.\n\
              @     TXT  \"v=spf1 mx a:relay1.example.com a:relay2.example.com a:relay3.example.com -all\"\n\
              mail  A    93.184.216.34",
        good: "@     MX   10 mail.example.com.\n\
               @     TXT  \"v=spf1 mx -all\"\n\
               mail  A    93.184.216.34",
    },
};

/// An include or redirect loop.
pub static SPF_INCLUDE_LOOP: Rule = Rule {
    id: "spf-include-loop",
    section: Section::Spf,
    severity: Severity::Error,
    summary: "An include or redirect leads back to a record already being evaluated.",
    rationale: "A loop can never finish: receivers run into the limit of 10 lookups and return \
                permerror for every message (RFC 7208 §4.6.4).",
    fix: "Remove the include or redirect that points back up the chain.",
    references: &["RFC 7208 §4.6.4", "RFC 7208 §5.2"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@     TXT  \"v=spf1 include:_spf.example.com -all\"\n\
              _spf  TXT  \"v=spf1 ip4:192.0.2.0/24 include:example.com -all\"",
        good: "@     TXT  \"v=spf1 include:_spf.example.com -all\"\n\
               _spf  TXT  \"v=spf1 ip4:192.0.2.0/24 -all\"",
    },
};

/// An include/redirect target without an SPF record.
pub static SPF_INCLUDE_MISSING_RECORD: Rule = Rule {
    id: "spf-include-missing-record",
    section: Section::Spf,
    severity: Severity::Error,
    summary: "An include or redirect names a domain that has no SPF record.",
    rationale: "When the target of include or redirect has no SPF record, evaluation is a \
                permerror (RFC 7208 §5.2, §6.1), for every message. It usually means a provider \
                was dropped or the name is misspelt.",
    fix: "Correct the domain name, or remove the include/redirect if the service is no longer \
          used.",
    references: &["RFC 7208 §5.2", "RFC 7208 §6.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@     TXT  \"v=spf1 include:spf.example.com -all\"\n\
              _spf  TXT  \"v=spf1 ip4:192.0.2.0/24 -all\"",
        good: "@     TXT  \"v=spf1 include:_spf.example.com -all\"\n\
               _spf  TXT  \"v=spf1 ip4:192.0.2.0/24 -all\"",
    },
};

/// An mx term with more than 10 MX names.
pub static SPF_MX_TOO_MANY_NAMES: Rule = Rule {
    id: "spf-mx-too-many-names",
    section: Section::Spf,
    severity: Severity::Error,
    summary: "An mx term names a domain with more than 10 MX records.",
    rationale: "Evaluating mx may look up at most 10 MX names; a receiver that needs the 11th \
                returns permerror (RFC 7208 §4.6.4), so mail from the hosts listed last fails.",
    fix: "Replace the mx term with ip4:/ip6: ranges of the hosts that send mail, or with `a` terms \
          for a few of them.",
    references: &["RFC 7208 §4.6.4", "RFC 7208 §5.4"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@  TXT  \"v=spf1 mx -all\"\n\
              @  MX   10 mx1.example.com.\n\
              @  MX   10 mx2.example.com.\n\
              @  MX   10 mx3.example.com.\n\
              @  MX   10 mx4.example.com.\n\
              @  MX   10 mx5.example.com.\n\
              @  MX   10 mx6.example.com.\n\
              @  MX   10 mx7.example.com.\n\
              @  MX   10 mx8.example.com.\n\
              @  MX   10 mx9.example.com.\n\
              @  MX   10 mx10.example.com.\n\
              @  MX   10 mx11.example.com.",
        good: "@  TXT  \"v=spf1 ip4:93.184.216.0/24 -all\"\n\
               @  MX   10 mx1.example.com.\n\
               @  MX   10 mx2.example.com.\n\
               @  MX   10 mx3.example.com.\n\
               @  MX   10 mx4.example.com.\n\
               @  MX   10 mx5.example.com.\n\
               @  MX   10 mx6.example.com.\n\
               @  MX   10 mx7.example.com.\n\
               @  MX   10 mx8.example.com.\n\
               @  MX   10 mx9.example.com.\n\
               @  MX   10 mx10.example.com.\n\
               @  MX   10 mx11.example.com.",
    },
};

/// `+all`.
pub static SPF_ALL_PASS: Rule = Rule {
    id: "spf-all-pass",
    section: Section::Spf,
    severity: Severity::Error,
    summary: "The SPF policy ends in +all (or a bare all), which authorises every host on the internet.",
    rationale: "`all` matches every address; with the + qualifier (the default) anyone can send \
                mail that passes SPF for the domain, which is worse than publishing nothing.",
    fix: "End the record with -all (or ~all while testing), after the mechanisms that list the \
          real senders.",
    references: &["RFC 7208 §5.1", "RFC 7208 §4.6.2"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Spf),
        bad: "v=spf1 mx +all",
        good: "v=spf1 mx -all",
    },
};

/// `?all`.
pub static SPF_ALL_NEUTRAL: Rule = Rule {
    id: "spf-all-neutral",
    section: Section::Spf,
    severity: Severity::Warning,
    summary: "The SPF policy ends in ?all: hosts it does not list are neutral, not failed.",
    rationale: "A neutral result says nothing (RFC 7208 §8.2): receivers treat unlisted hosts \
                like hosts of a domain without SPF, so the record protects little.",
    fix: "Once every sending host is listed, end the record with -all (or ~all).",
    references: &["RFC 7208 §5.1", "RFC 7208 §8.2"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Spf),
        bad: "v=spf1 mx ?all",
        good: "v=spf1 mx -all",
    },
};

/// No `all` and no `redirect`.
pub static SPF_NO_ALL: Rule = Rule {
    id: "spf-no-all",
    section: Section::Spf,
    severity: Severity::Warning,
    summary: "The SPF policy has neither all nor redirect, so hosts it does not list get neutral.",
    rationale: "When no mechanism matches and there is no redirect, the result is neutral \
                (RFC 7208 §4.7), which says nothing about unlisted hosts.",
    fix: "End the record with -all (or ~all while testing).",
    references: &["RFC 7208 §4.7", "RFC 7208 §5.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Spf),
        bad: "v=spf1 mx include:_spf.google.com",
        good: "v=spf1 mx include:_spf.google.com -all",
    },
};

/// `redirect` beside `all`.
pub static SPF_REDIRECT_IGNORED: Rule = Rule {
    id: "spf-redirect-ignored",
    section: Section::Spf,
    severity: Severity::Warning,
    summary: "An SPF record has both redirect= and all, so the redirect is never used.",
    rationale: "A redirect applies only when no mechanism matches, and all always matches; RFC \
                7208 §6.1 says to ignore redirect when all is present. The record probably does \
                not do what its author meant.",
    fix: "Keep either the all mechanism or the redirect= modifier: to use the other domain's \
          policy, remove all; otherwise remove redirect=.",
    references: &["RFC 7208 §6.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Spf),
        bad: "v=spf1 mx redirect=_spf.example.com -all",
        good: "v=spf1 mx redirect=_spf.example.com",
    },
};

/// `ptr`.
pub static SPF_PTR_MECHANISM: Rule = Rule {
    id: "spf-ptr-mechanism",
    section: Section::Spf,
    severity: Severity::Warning,
    summary: "An SPF record uses the ptr mechanism, which RFC 7208 says not to use.",
    rationale: "ptr is slow, puts load on the .arpa name servers, and is unreliable when reverse \
                DNS fails (RFC 7208 §5.5: \"This mechanism SHOULD NOT be published\"); some \
                receivers skip it, so mail that depends on it may fail.",
    fix: "Replace ptr with ip4:/ip6: ranges or a/mx terms for the sending hosts.",
    references: &["RFC 7208 §5.5"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Spf),
        bad: "v=spf1 mx ptr -all",
        good: "v=spf1 mx ip4:192.0.2.0/24 -all",
    },
};

/// An unknown modifier.
pub static SPF_UNKNOWN_MODIFIER: Rule = Rule {
    id: "spf-unknown-modifier",
    section: Section::Spf,
    severity: Severity::Warning,
    summary: "An SPF record has a modifier other than redirect= and exp=, which receivers ignore.",
    rationale: "Unknown modifiers are ignored (RFC 7208 §6), so a misspelt redirect= (such as \
                redirct=) silently does nothing.",
    fix: "Correct the modifier's name, or remove it.",
    references: &["RFC 7208 §6"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Spf),
        bad: "v=spf1 redirct=_spf.example.com",
        good: "v=spf1 redirect=_spf.example.com",
    },
};

/// A type-99 SPF record.
pub static SPF_DEPRECATED_RR_TYPE: Rule = Rule {
    id: "spf-deprecated-rr-type",
    section: Section::Spf,
    severity: Severity::Info,
    summary: "The domain publishes an SPF record of the obsolete DNS type SPF (99).",
    rationale: "RFC 7208 removed the SPF record type: receivers look only at TXT records \
                (§3.1, §14.1). A type-99 record is ignored; if it differs from the TXT record, it \
                misleads whoever reads it.",
    fix: "Delete the type-99 SPF record and keep the TXT record.",
    references: &["RFC 7208 §3.1", "RFC 7208 §14.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@  SPF  \"v=spf1 mx -all\"\n\
              @  TXT  \"v=spf1 mx -all\"",
        good: "@  TXT  \"v=spf1 mx -all\"",
    },
};

/// A long record.
pub static SPF_RECORD_TOO_LONG: Rule = Rule {
    id: "spf-record-too-long",
    section: Section::Spf,
    severity: Severity::Warning,
    summary: "The DNS answer holding the SPF record is over 512 octets, the UDP limit RFC 7208 \
              §3.4 asks it to fit.",
    rationale: "RFC 7208 §3.4: the published SPF record SHOULD remain small enough that the \
                answer to a query for it fits within 512 octets, the limit of DNS over UDP \
                (RFC 1035 §2.3.4), since a longer answer is truncated and must be asked again \
                over TCP, which some receivers do not do (their check ends in temperror). \
                mailcheck counts the answer holding the SPF record alone: 12 octets of header, \
                the question (the domain's name and 4 octets), and the record (12 octets with \
                a compressed owner name, then each character-string with its length octet); \
                over 512 is reported. Other TXT records at the name make the real answer \
                longer still (§3.4 asks for them to be counted too), and EDNS0 (RFC 6891) lets \
                most resolvers take more. In record mode the name is not known and counts for \
                nothing, so the record alone is judged: at most about 480 octets of text. A \
                record over 255 octets is not too long for that reason: it is published as \
                several strings (RFC 7208 §3.3).",
    fix: "Shorten the record: merge ip4/ip6 ranges, drop includes of services no longer used, \
          or move a group of mechanisms into an include of a record of its own \
          (include:_spf.example.com).",
    references: &["RFC 7208 §3.4", "RFC 1035 §2.3.4", "RFC 7208 §3.3"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Spf),
        bad: "v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 ip4:192.0.2.3 ip4:192.0.2.4 ip4:192.0.2.5 ip4:192.0.2.6 \
              ip4:192.0.2.7 ip4:192.0.2.8 ip4:192.0.2.9 ip4:192.0.2.10 ip4:192.0.2.11 ip4:192.0.2.12 \
              ip4:192.0.2.13 ip4:192.0.2.14 ip4:192.0.2.15 ip4:192.0.2.16 ip4:192.0.2.17 ip4:192.0.2.18 \
              ip4:192.0.2.19 ip4:192.0.2.20 ip4:192.0.2.21 ip4:192.0.2.22 ip4:192.0.2.23 ip4:192.0.2.24 \
              ip4:192.0.2.25 ip4:192.0.2.26 ip4:192.0.2.27 ip4:192.0.2.28 ip4:192.0.2.29 ip4:192.0.2.30 \
              ip4:192.0.2.31 ip4:192.0.2.32 ip4:192.0.2.33 ip4:192.0.2.34 ip4:192.0.2.35 ip4:192.0.2.36 -all",
        good: "v=spf1 ip4:192.0.2.0/26 -all",
    },
};

/// The largest DNS answer over UDP without EDNS0 (RFC 1035 §2.3.4), which RFC 7208 §3.4 asks
/// the answer holding an SPF record to fit.
const UDP_ANSWER: usize = 512;

/// Octets of a TXT answer holding only this record, for a question name of `name_octets`
/// (wire form): the header (12), the question (name, type and class: 4), and the record (a
/// compressed owner name 2, type, class, TTL and data length 10, then each character-string
/// as published with its length octet).
fn answer_octets(name_octets: usize, text: &TxtRecord) -> usize {
    let strings: usize = text.published_lengths().iter().map(|len| len + 1).sum();
    12 + name_octets + 4 + 12 + strings
}

pub(super) fn check(facts: &Facts, findings: &mut Findings) {
    let spf = &facts.spf;
    let root = &spf.root;
    let domain = &facts.domain.ascii;
    // The TXT and type-99 lookups of one name: one finding when they fail together.
    findings.lookups_failed(
        Section::Spf,
        &[&root.records, &spf.spf_rr],
        "the SPF checks were",
    );
    if let Some(records) = spf.spf_rr.found() {
        let texts: Vec<String> = records
            .iter()
            .map(|strings| String::from_utf8_lossy(&strings.concat()).into_owned())
            .collect();
        findings.push(
            Finding::new(
                &SPF_DEPRECATED_RR_TYPE,
                domain,
                format!(
                    "{domain} publishes a type-99 SPF record ({}), which receivers ignore",
                    texts.join("; ")
                ),
            )
            .with_fix(format!(
                "Delete the SPF (type 99) record at {domain}; receivers read only the TXT record."
            )),
        );
    }

    match &root.records {
        Lookup::Absent(absence) => {
            missing(
                domain,
                *absence,
                root.txt_count,
                spf.spf_rr.found().is_some(),
                findings,
            );
            return;
        }
        Lookup::Failed(_) => return,
        Lookup::Found(_) => {}
    }
    if let (Some(record), Some([text])) = (&root.record, root.records.found().map(Vec::as_slice)) {
        // The name in wire form: a length octet per label, and the root's.
        let name_octets = domain.as_str().len() + 2;
        let answer = answer_octets(name_octets, text);
        if answer > UDP_ANSWER {
            findings.push(
                Finding::new(
                    &SPF_RECORD_TOO_LONG,
                    domain,
                    format!(
                        "the SPF record of {domain} is {} octets, so the DNS answer holding it \
                         is {answer} octets, over the {UDP_ANSWER} that RFC 7208 §3.4 asks it \
                         to fit: receivers that do not retry over TCP fail to read it",
                        text.text.len()
                    ),
                )
                .with_excerpt(
                    &record.text,
                    crate::diagnostic::Span::new(0, record.text.len()),
                )
                .with_fix(format!(
                    "Shorten the record: merge ip4/ip6 ranges, drop includes of services no \
                     longer used, or move a group of mechanisms into a record of its own at \
                     _spf.{domain} and replace them with include:_spf.{domain}."
                )),
            );
        }
    }

    for node in root.nodes() {
        check_node(node, node.domain == *domain, findings);
    }
    check_policy(root, findings);
    check_counts(root, findings);
}

fn missing(
    domain: &Name,
    absence: Absence,
    txt_count: usize,
    has_type99: bool,
    findings: &mut Findings,
) {
    let why = match (absence, txt_count) {
        (Absence::NxDomain, _) => {
            format!("{domain} does not exist (NXDOMAIN), so it has no SPF record")
        }
        (_, 0) => format!("{domain} has no TXT record, so no SPF record"),
        (_, n) => format!(
            "none of the {n} TXT record{} of {domain} is an SPF record (starting with v=spf1)",
            if n == 1 { "" } else { "s" }
        ),
    };
    let also = if has_type99 {
        "; its type-99 SPF record does not count, receivers read only TXT"
    } else {
        ""
    };
    findings.push(
        Finding::new(&SPF_MISSING, domain, format!("{why}{also}")).with_fix(format!(
            "Publish a TXT record at {domain} listing the hosts that send its mail, for example \
             `{domain}. IN TXT \"v=spf1 mx -all\"`; if {domain} sends no mail, publish \
             `{domain}. IN TXT \"v=spf1 -all\"`."
        )),
    );
}

/// Rules about one record of the tree, whoever publishes it.
fn check_node(node: &SpfNode, is_root: bool, findings: &mut Findings) {
    let domain = &node.domain;
    if !is_root {
        findings.lookups_failed(
            Section::Spf,
            &[&node.records],
            "the included SPF record was",
        );
    }
    if let Some(records) = node.records.found()
        && records.len() > 1
    {
        let texts: Vec<String> = records
            .iter()
            .map(|text| format!("\"{}\"", text.text))
            .collect();
        findings.push(
            Finding::new(
                &SPF_MULTIPLE_RECORDS,
                domain,
                format!(
                    "{domain} publishes {} SPF records ({}): every check of it is a permerror",
                    records.len(),
                    texts.join(", ")
                ),
            )
            .with_fix(format!(
                "Merge them into one TXT record at {domain} and delete the others."
            )),
        );
    }
    let Some(record) = &node.record else {
        return;
    };
    let role = if is_root {
        String::new()
    } else {
        " (included by the policy of the audited domain)".to_owned()
    };
    record_rules(
        record,
        &domain.to_string(),
        &format!("the SPF record of {domain}{role}"),
        findings,
    );
    for (term, kind) in node.terms_with_record() {
        check_term(node, record, term, kind, findings);
    }
}

/// Rules about one term of a record: failed lookups, loops, missing targets, MX names,
/// includes of `+all`.
fn check_term(
    node: &SpfNode,
    record: &Record,
    term: &TermFacts,
    kind: &TermKind,
    findings: &mut Findings,
) {
    let domain = &node.domain;
    findings.lookups_failed(
        Section::Spf,
        &term
            .failures()
            .iter()
            .map(|f| *f as &dyn super::lookup::AsFailure)
            .collect::<Vec<_>>(),
        &format!("the lookups of `{}` were", term.text),
    );
    match &term.dns {
        TermDns::Loop => findings.push(
            Finding::new(
                &SPF_INCLUDE_LOOP,
                domain,
                format!(
                    "`{}` in the record of {domain} leads back to {}, which is already being \
                     evaluated: a loop, so every check ends in permerror",
                    term.text,
                    term.target
                        .name()
                        .map_or_else(String::new, ToString::to_string)
                ),
            )
            .with_excerpt(&record.text, term.span)
            .with_fix(format!(
                "Remove `{}` from the record of {domain}.",
                term.text
            )),
        ),
        TermDns::Child(child) if child.records.is_absent() => {
            let why = match (&child.records, child.txt_count) {
                (Lookup::Absent(Absence::NxDomain), _) => "does not exist (NXDOMAIN)".to_owned(),
                (_, 0) => "has no TXT record".to_owned(),
                _ => "has TXT records but none is an SPF record".to_owned(),
            };
            findings.push(
                Finding::new(
                    &SPF_INCLUDE_MISSING_RECORD,
                    &child.domain,
                    format!(
                        "`{}` in the record of {domain} names {}, which {why}: every check \
                         that reaches it is a permerror",
                        term.text, child.domain
                    ),
                )
                .with_excerpt(&record.text, term.span)
                .with_fix(format!(
                    "Correct the name in `{}`, or remove the term if the service is no \
                     longer used.",
                    term.text
                )),
            );
        }
        TermDns::Mx(Lookup::Found(names)) if term.reachable && names.len() > NAME_LIMIT => {
            findings.push(
                Finding::new(
                    &SPF_MX_TOO_MANY_NAMES,
                    domain,
                    format!(
                        "`{}` in the record of {domain} names {}, which has {} MX records; \
                         at most {NAME_LIMIT} are looked up, then the check is a permerror",
                        term.text,
                        term.target
                            .name()
                            .map_or_else(String::new, ToString::to_string),
                        names.len()
                    ),
                )
                .with_excerpt(&record.text, term.span),
            );
        }
        _ => {}
    }
    // `+include:x` where x ends in +all authorises everyone too.
    if let (TermKind::Directive(directive), Some(child)) = (kind, term.child())
        && directive.qualifier == Qualifier::Pass
        && matches!(directive.mechanism, Mechanism::Include(_))
        && term.reachable
        && let Some(all) = child.record.as_ref().and_then(|r| r.all())
        && all.1.qualifier == Qualifier::Pass
    {
        findings.push(
            Finding::new(
                &SPF_ALL_PASS,
                &child.domain,
                format!(
                    "`{}` in the record of {domain} includes {}, whose record ends in `{}`: \
                     the include matches every host, so every host passes",
                    term.text, child.domain, all.0.text
                ),
            )
            .with_excerpt(&record.text, term.span)
            .with_fix(format!(
                "Remove `{}`, or ask the owner of {} to end its record with -all or ~all.",
                term.text, child.domain
            )),
        );
    }
}

/// Rules that need only the record's text: syntax, ptr, unknown modifiers, redirect beside
/// all. `whose` names the record in messages ("the SPF record of example.com").
fn record_rules(record: &Record, subject: &str, whose: &str, findings: &mut Findings) {
    for problem in &record.problems {
        findings.push(
            Finding::new(
                &SPF_SYNTAX,
                subject,
                format!("{whose} has a syntax error: {}", problem.message),
            )
            .with_excerpt(&record.text, problem.span),
        );
    }
    for term in &record.terms {
        match &term.kind {
            TermKind::Directive(directive) if matches!(directive.mechanism, Mechanism::Ptr(_)) => {
                findings.push(
                    Finding::new(
                        &SPF_PTR_MECHANISM,
                        subject,
                        format!("{whose} uses `{}`", term.text),
                    )
                    .with_excerpt(&record.text, term.span),
                );
            }
            TermKind::Modifier(Modifier::Unknown { name, .. }) => {
                let lower = name.to_ascii_lowercase();
                let hint = match closest(&lower, &["redirect", "exp"]) {
                    Some(known) => format!(" (did you mean {known}=?)"),
                    None => String::new(),
                };
                findings.push(
                    Finding::new(
                        &SPF_UNKNOWN_MODIFIER,
                        subject,
                        format!(
                            "{whose} has the unknown modifier `{name}=`, \
                             which receivers ignore{hint}"
                        ),
                    )
                    .with_excerpt(&record.text, term.span),
                );
            }
            _ => {}
        }
    }
    if let (Some((all, _)), Some((redirect, _))) = (record.all(), record.redirect()) {
        findings.push(
            Finding::new(
                &SPF_REDIRECT_IGNORED,
                subject,
                format!(
                    "{whose} has both `{}` and `{}`: all always \
                     matches, so the redirect is never used",
                    all.text, redirect.text
                ),
            )
            .with_excerpt(&record.text, redirect.span),
        );
    }
}

/// How a record's policy ends for hosts it does not list, as far as its parsed terms tell.
///
/// A record with a syntax error is a permerror when evaluated (RFC 7208 §4.6), but its lint
/// goes on over the terms that parsed, so that every problem is reported at once. A term that
/// could not be parsed may be the `all` or the `redirect=` its author meant, so the end is
/// `Unknown` (and nothing is said about it) whenever an unparsed term could change it.
enum PolicyEnd<'r> {
    /// The first `all`, with its qualifier.
    All(&'r crate::spf::record::Term, Qualifier),
    /// No `all`: the `redirect=` decides.
    Redirect(&'r crate::spf::record::Term),
    /// Neither `all` nor `redirect=`, and every term parsed.
    NoAll,
    /// An unparsed term may be the end: nothing to say.
    Unknown,
}

fn policy_end(record: &Record) -> PolicyEnd<'_> {
    let mut invalid = false;
    for term in &record.terms {
        if term.may_be_all() {
            return PolicyEnd::Unknown;
        }
        invalid |= matches!(term.kind, TermKind::Invalid);
        if let TermKind::Directive(directive) = &term.kind
            && directive.mechanism == Mechanism::All
        {
            return PolicyEnd::All(term, directive.qualifier);
        }
    }
    match record.redirect() {
        Some((term, _)) => PolicyEnd::Redirect(term),
        None if invalid => PolicyEnd::Unknown,
        None => PolicyEnd::NoAll,
    }
}

/// The all/no-all rules on the policy in effect: the domain's record, or the end of its
/// redirect chain.
fn check_policy(root: &SpfNode, findings: &mut Findings) {
    let mut node = root;
    let mut via: Vec<String> = Vec::new();
    // The chain is at most as deep as the tree (capped when gathered).
    for _ in 0..=crate::facts::spf::MAX_DEPTH {
        let Some(record) = &node.record else { return };
        let through = if via.is_empty() {
            String::new()
        } else {
            format!(
                " (reached from {} through {})",
                root.domain,
                via.join(" → ")
            )
        };
        let whose = format!("the SPF record of {}{through}", node.domain);
        match policy_end(record) {
            PolicyEnd::All(term, qualifier) => {
                all_rules(record, &node.domain, term, qualifier, &whose, findings);
                return;
            }
            PolicyEnd::Redirect(redirect) => {
                let Some(child) = node
                    .terms
                    .iter()
                    .find(|term| term.span == redirect.span)
                    .and_then(|term| term.child())
                else {
                    return;
                };
                via.push(redirect.text.clone());
                node = child;
            }
            PolicyEnd::NoAll => {
                no_all(record, &node.domain, &whose, findings);
                return;
            }
            PolicyEnd::Unknown => return,
        }
    }
}

fn all_rules(
    record: &Record,
    domain: &dyn std::fmt::Display,
    term: &crate::spf::record::Term,
    qualifier: Qualifier,
    whose: &str,
    findings: &mut Findings,
) {
    match qualifier {
        Qualifier::Pass => findings.push(
            Finding::new(
                &SPF_ALL_PASS,
                domain,
                format!(
                    "{whose} ends in `{}`: every host on the internet \
                     passes",
                    term.text
                ),
            )
            .with_excerpt(&record.text, term.span)
            .with_fix(format!(
                "Replace `{}` with -all (or ~all while testing) once every sending host is listed.",
                term.text
            )),
        ),
        Qualifier::Neutral => findings.push(
            Finding::new(
                &SPF_ALL_NEUTRAL,
                domain,
                format!(
                    "{whose} ends in `{}`: unlisted hosts get neutral, \
                     which protects little",
                    term.text
                ),
            )
            .with_excerpt(&record.text, term.span)
            .with_fix(format!(
                "Replace `{}` with -all (or ~all) once every sending host is listed.",
                term.text
            )),
        ),
        Qualifier::Fail | Qualifier::SoftFail => {}
    }
}

fn no_all(record: &Record, domain: &dyn std::fmt::Display, whose: &str, findings: &mut Findings) {
    findings.push(
        Finding::new(
            &SPF_NO_ALL,
            domain,
            format!(
                "{whose} has neither all nor redirect=: hosts it does \
                 not list get neutral"
            ),
        )
        .with_excerpt(
            &record.text,
            crate::diagnostic::Span::new(record.text.len(), record.text.len()),
        )
        .with_fix(format!(
            "Add -all (or ~all while testing) at the end: \"{} -all\".",
            record.text.trim_end()
        )),
    );
}

/// The lookup and void-lookup limits, counted in evaluation order through the tree.
fn check_counts(root: &SpfNode, findings: &mut Findings) {
    let walk = root.walk();
    let Some(last) = walk.last() else { return };
    let incomplete = root.counts_are_lower_bounds();
    let at_least = if incomplete { "at least " } else { "" };
    if last.lookups > LOOKUP_LIMIT
        && let Some(step) = walk.iter().find(|step| step.lookups == LOOKUP_LIMIT + 1)
    {
        let (term, branch) = describe_step(step);
        findings.push(
            Finding::new(
                &SPF_TOO_MANY_LOOKUPS,
                &root.domain,
                format!(
                    "evaluating the SPF record of {} takes {at_least}{} DNS lookups, more than \
                     the {LOOKUP_LIMIT} allowed: receivers stop with permerror at the 11th, \
                     which is {term}{branch}",
                    root.domain, last.lookups
                ),
            )
            .with_fix(match step.path.first() {
                Some(first) if step.path.len() > 1 => format!(
                    "Bring the count to {LOOKUP_LIMIT} or fewer: the branch `{}` alone takes {} \
                     lookups; replace its includes or a/mx terms with ip4:/ip6: ranges, or drop \
                     includes of services no longer used.",
                    first.term.text,
                    1 + first.term.child().map_or(0, SpfNode::cumulative_lookups)
                ),
                _ => SPF_TOO_MANY_LOOKUPS.fix.to_owned(),
            }),
        );
    }
    if last.voids > VOID_LIMIT
        && let Some(step) = walk
            .iter()
            .find(|step| step.voids == VOID_LIMIT + 1 && step.void)
    {
        let voids: Vec<String> = walk
            .iter()
            .filter(|step| step.void)
            .filter_map(|step| {
                step.term()
                    .map(|t| format!("`{}` in {}", t.term.text, t.domain))
            })
            .collect();
        let (term, branch) = describe_step(step);
        findings.push(Finding::new(
            &SPF_TOO_MANY_VOID_LOOKUPS,
            &root.domain,
            format!(
                "{} terms of the SPF policy of {} look up names with no records ({}); \
                     receivers stop with permerror at the 3rd, which is {term}{branch}",
                last.voids,
                root.domain,
                voids.join(", ")
            ),
        ));
    }
}

/// "`a:x` in the record of y" and ", reached through `include:a` → `include:b`".
fn describe_step(step: &WalkStep<'_>) -> (String, String) {
    let Some(last) = step.term() else {
        return (String::new(), String::new());
    };
    let term = format!("`{}` in the record of {}", last.term.text, last.domain);
    let branch = if step.path.len() > 1 {
        let includes: Vec<String> = step.path[..step.path.len() - 1]
            .iter()
            .map(|p| format!("`{}`", p.term.text))
            .collect();
        format!(", reached through {}", includes.join(" → "))
    } else {
        String::new()
    };
    (term, branch)
}

/// Record mode: the rules that need no lookup, on a record's text alone (`record` is `text`
/// parsed).
pub fn check_record(text: &TxtRecord, record: &Record) -> Vec<Finding> {
    let mut findings = Findings::default();
    let subject = "the record";
    super::txt::check_strings(text, Section::Spf, &mut findings);
    // The name is not known here: it counts for nothing, so the record alone is judged.
    let answer = answer_octets(0, text);
    if answer > UDP_ANSWER {
        findings.push(Finding::new(
            &SPF_RECORD_TOO_LONG,
            subject,
            format!(
                "the record is {} octets, so the DNS answer holding it is at least {answer} \
                 octets (with the domain's name, more), over the {UDP_ANSWER} that RFC 7208 \
                 §3.4 asks it to fit",
                text.text.len()
            ),
        ));
    }
    record_rules(record, subject, "the record", &mut findings);
    match policy_end(record) {
        PolicyEnd::All(term, qualifier) => all_rules(
            record,
            &"the record",
            term,
            qualifier,
            "the record",
            &mut findings,
        ),
        PolicyEnd::NoAll => no_all(record, &"the record", "the record", &mut findings),
        PolicyEnd::Redirect(_) | PolicyEnd::Unknown => {}
    }
    let own = record
        .terms
        .iter()
        .zip(crate::spf::record::reachable_terms(record))
        .filter(|(term, reachable)| *reachable && term.costs_lookup())
        .count();
    if own > LOOKUP_LIMIT as usize {
        findings.push(Finding::new(
            &SPF_TOO_MANY_LOOKUPS,
            subject,
            format!(
                "the record alone has {own} terms that cause DNS lookups (before counting what \
                 its includes add), more than the {LOOKUP_LIMIT} allowed"
            ),
        ));
    }
    findings.into_list()
}
