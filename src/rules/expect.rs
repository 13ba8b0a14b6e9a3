//! `--expect` rules: the records someone was told to publish, checked against what the audit
//! found. The comparison itself is [`crate::expect::judge`]; a lookup that failed makes a
//! record "not verified" (`dns-lookup-failed`), never missing.

use super::findings::Findings;
use super::lookup::AsFailure;
use crate::expect::short_data;
use crate::facts::Facts;
use crate::facts::expect::Status;
use crate::finding::Rule;
use crate::finding::{Finding, Section, Severity};

/// An expected record is not published.
pub static EXPECTED_RECORD_MISSING: Rule = Rule {
    id: "expected-record-missing",
    section: Section::Expected,
    severity: Severity::Error,
    summary: "A record listed in the --expect file is not published, or the SPF record does not \
              authorize an expected include:, ip4: or ip6: term.",
    rationale: "A provider verifies a domain, signs its mail and accepts or relays it only once \
                the records it asked for are published where it looks (RFC 1034 §3.6: a record \
                is its name, type and data). A verification TXT token that is not there keeps \
                the domain unverified; a missing DKIM key record or CNAME at \
                selector._domainkey (RFC 6376 §3.6.2.1) makes every signature fail; a missing \
                MX record sends mail elsewhere (RFC 5321 §5.1); an SPF record that does not \
                include the provider (RFC 7208 §5.2) or its addresses (§5.6) makes its mail \
                fail SPF, and so DMARC. mailcheck asks for each expected name and type as a \
                receiver would; a lookup that fails is reported as not verified \
                (dns-lookup-failed), never as missing. An expected SPF record is not compared \
                whole: each include: must appear in the published include/redirect tree, and \
                each ip4:/ip6: range must get pass from the published policy (RFC 7208 §4.6, \
                evaluated for its first and last address).",
    fix: "Publish the record as the finding gives it, in zone-file form, at your DNS host. For \
          SPF, add the missing terms to the one SPF record of the name as the finding shows, \
          before its all term; never publish a second SPF record (RFC 7208 §3.2). A new \
          record can take up to the TTL of the old answer to be seen.",
    references: &[
        "RFC 1034 §3.6",
        "RFC 7208 §5.2 (include)",
        "RFC 7208 §5.6 (ip4, ip6)",
        "RFC 6376 §3.6.2.1",
        "RFC 5321 §5.1",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Expect(
            "@  TXT  \"google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ\"",
        ),
        bad: "@  TXT  \"v=spf1 include:_spf.google.com ~all\"",
        good: "@  TXT  \"v=spf1 include:_spf.google.com ~all\"\n\
               @  TXT  \"google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ\"",
    },
};

/// An expected record is published with other data.
pub static EXPECTED_RECORD_DIFFERENT: Rule = Rule {
    id: "expected-record-different",
    section: Section::Expected,
    severity: Severity::Error,
    summary: "A record listed in the --expect file is published with other data than expected.",
    rationale: "The name has a record of that kind, but not the one the provider checks: a DKIM \
                key whose p= is not the provider's public key makes every signature fail \
                (RFC 6376 §6.1.3); an old or mistyped verification token keeps the domain \
                unverified; a CNAME that points to another account's target, an MX record with \
                another host or preference route mail or keys elsewhere. The finding shows the \
                expected and the found value: for a DKIM key record, which tags differ (p= is \
                compared ignoring white space, which a key may hold, RFC 6376 §3.6.1); for a \
                verification token (name=value), the two values after name=.",
    fix: "Replace the found record with the expected one as the finding shows. If the \
          provider's instructions changed (a rotated DKIM key, a new token), update the \
          --expect file instead.",
    references: &["RFC 1034 §3.6", "RFC 6376 §3.6.1", "RFC 6376 §6.1.3"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Expect(
            "selector1._domainkey  CNAME  selector1-example-com._domainkey.contoso.onmicrosoft.com.",
        ),
        bad: "selector1._domainkey  CNAME  selector1-contoso-com._domainkey.contoso.onmicrosoft.com.",
        good: "selector1._domainkey  CNAME  selector1-example-com._domainkey.contoso.onmicrosoft.com.",
    },
};

/// Characters of a record's data shown in a finding's subject (a DKIM key is cut short).
const SUBJECT_DATA: usize = 48;

/// Reports every expected record that is missing or different; failed lookups as not
/// verified.
pub(super) fn check(facts: &Facts, findings: &mut Findings) {
    let Some(expected) = &facts.expected else {
        return;
    };
    for judged in &expected.records {
        let record = &judged.lookup.record;
        let verdict = &judged.verdict;
        // The record itself: a name can have several records of a type (TXT at the apex).
        let subject = match &record.data {
            Some(data) => format!(
                "{} {} {}",
                record.name,
                record.type_name(),
                short_data(data, SUBJECT_DATA)
            ),
            None => format!("{} {}", record.name, record.type_name()),
        };
        match verdict.status {
            Status::Missing => findings.push(
                Finding::new(&EXPECTED_RECORD_MISSING, subject, verdict.detail.clone())
                    .at(&record.location.file, record.location.line)
                    .with_fix(verdict.fix.clone()),
            ),
            Status::Different => findings.push(
                Finding::new(&EXPECTED_RECORD_DIFFERENT, subject, verdict.detail.clone())
                    .at(&record.location.file, record.location.line)
                    .with_fix(verdict.fix.clone()),
            ),
            Status::NotVerified => {
                let failures: Vec<&dyn AsFailure> = verdict
                    .failures
                    .iter()
                    .map(|failure| failure as &dyn AsFailure)
                    .collect();
                findings.lookups_failed(
                    Section::Expected,
                    &failures,
                    &format!("the expected {} record was", record.type_name()),
                );
            }
            Status::Present | Status::NotChecked => {}
        }
    }
}
