//! BIMI (draft-brand-indicators-for-message-identification): the record at
//! `default._bimi.<domain>`, and the DMARC policy BIMI needs. The logo and certificate
//! themselves are not fetched.

use super::findings::Findings;
use super::findings::quoted;
use crate::facts::single::Published;
use crate::facts::{Facts, Lookup};
use crate::finding::Rule;
use crate::finding::{Finding, Section, Severity};
use crate::policy::bimi;

/// The record is invalid.
pub static BIMI_RECORD_INVALID: Rule = Rule {
    id: "bimi-record-invalid",
    section: Section::Bimi,
    severity: Severity::Error,
    summary: "The BIMI record at default._bimi.<domain> is invalid, or there is more than one.",
    rationale: "Receivers ignore a BIMI record that does not start with exactly v=BIMI1, whose \
                l= (the logo) is not a single https: URL, or whose a= (the Verified Mark \
                Certificate) is not an https: URL; then no logo is shown. Warnings (same rule): \
                a logo URL that does not end in .svg, a certificate URL that does not end in \
                .pem, no a= at all (the large mailbox providers show logos only with a \
                certificate), unknown tags (ignored).",
    fix: "Publish `default._bimi.example.com. IN TXT \"v=BIMI1; \
          l=https://example.com/brand/logo.svg; a=https://example.com/brand/vmc.pem\"`, with \
          the logo in SVG Tiny PS.",
    references: &[
        "draft-brand-indicators-for-message-identification, BIMI Assertion Record Definition",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Bimi),
        bad: "v=BIMI1; l=http://example.com/logo.svg; a=https://example.com/vmc.pem",
        good: "v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem",
    },
};

/// BIMI without DMARC enforcement.
pub static BIMI_REQUIRES_DMARC_ENFORCEMENT: Rule = Rule {
    id: "bimi-requires-dmarc-enforcement",
    section: Section::Bimi,
    severity: Severity::Warning,
    summary: "A BIMI record is published, but the domain's DMARC policy is not at enforcement \
              (p=quarantine or p=reject, on 100% of mail).",
    rationale: "Receivers show a BIMI logo only for mail from a domain whose DMARC policy is \
                quarantine or reject and applies to all failing mail (pct=100): otherwise \
                anyone could send mail that shows the brand's logo. Until then the BIMI record \
                does nothing.",
    fix: "Step the DMARC policy up to p=quarantine or p=reject without pct (or pct=100); the \
          dmarc-policy-none and dmarc-pct-partial findings say how.",
    references: &[
        "draft-brand-indicators-for-message-identification, BIMI and DMARC",
        "RFC 7489 §6.3",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "_dmarc         TXT  \"v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com\"\n\
              default._bimi  TXT  \"v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem\"",
        good: "_dmarc         TXT  \"v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@example.com\"\n\
               default._bimi  TXT  \"v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem\"",
    },
};

pub(super) fn check(facts: &Facts, findings: &mut Findings) {
    let at = &facts.bimi.at;
    let domain = &facts.domain.ascii;
    findings.lookups_failed(Section::Bimi, &[&at.txt], "the BIMI record was");
    let record = match &facts.bimi.published {
        Published::One(record) => {
            record_rules(record, &at.name, findings);
            Some(record)
        }
        Published::Several(texts) => {
            findings.push(Finding::new(
                &BIMI_RECORD_INVALID,
                &at.name,
                format!(
                    "{} holds {} BIMI records ({}); receivers cannot tell which applies",
                    at.name,
                    texts.len(),
                    quoted(texts)
                ),
            ));
            None
        }
        Published::None | Published::NotVerified(_) => None,
    };
    for text in at.texts(bimi::is_lookalike) {
        findings.push(Finding::new(
            &BIMI_RECORD_INVALID,
            &at.name,
            format!("\"{text}\" does not start with v=BIMI1, so receivers skip it"),
        ));
    }
    let Some(record) = record.filter(|record| !record.declines()) else {
        return;
    };
    let problem = match &facts.dmarc.policy_for_domain {
        Lookup::Failed(_) => return, // reported as not verified in the DMARC section
        Lookup::Absent(_) => format!("{domain} has no usable DMARC policy"),
        Lookup::Found(policy) if policy.is_enforced() => return,
        Lookup::Found(policy) if policy.policy.is_enforcing() => format!(
            "{domain}'s DMARC policy {} applies to only {}% of failing mail",
            policy.policy, policy.percent
        ),
        Lookup::Found(policy) => format!("{domain}'s DMARC policy is {}", policy.policy),
    };
    findings.push(
        Finding::new(
            &BIMI_REQUIRES_DMARC_ENFORCEMENT,
            &at.name,
            format!(
                "{domain} publishes a BIMI record, but {problem}: receivers show the logo only \
                 at p=quarantine or p=reject on all failing mail"
            ),
        )
        .with_excerpt(
            &record.text,
            crate::diagnostic::Span::new(0, record.text.len()),
        ),
    );
}

/// Record mode: the record's problems, with no DNS (the DMARC policy is not known here).
pub fn check_record(record: &bimi::BimiRecord) -> Vec<Finding> {
    let mut findings = Findings::default();
    record_rules(record, &"the record", &mut findings);
    findings.into_list()
}

/// The record's problems.
pub(super) fn record_rules(
    record: &bimi::BimiRecord,
    subject: &dyn std::fmt::Display,
    findings: &mut Findings,
) {
    for issue in &record.issues {
        findings.push(
            Finding::new(&BIMI_RECORD_INVALID, subject, issue.message.clone())
                .with_severity(issue.severity)
                .with_excerpt(&record.text, issue.span),
        );
    }
}
