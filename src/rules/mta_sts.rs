//! The MTA-STS TXT record (RFC 8461 §3.1). The HTTPS policy it announces is not fetched.

use super::findings::{Findings, quoted};
use crate::facts::Facts;
use crate::facts::TxtAt;
use crate::facts::single::Published;
use crate::finding::Rule;
use crate::finding::{Finding, Section, Severity};
use crate::policy::mta_sts;

/// The record is invalid.
pub static MTA_STS_RECORD_INVALID: Rule = Rule {
    id: "mta-sts-record-invalid",
    section: Section::MtaSts,
    severity: Severity::Error,
    summary: "The MTA-STS record at _mta-sts.<domain> is invalid.",
    rationale: "Senders that cannot parse the record assume the domain has no MTA-STS policy \
                (RFC 8461 §3.1), so mail to it can again be downgraded to plain text or sent to \
                a forged MX by an attacker on the path. The grammar is strict: exactly \
                v=STSv1 first (case-sensitive), then id= with 1 to 32 letters and digits, \
                fields separated by ';' and no white space around '='.",
    fix: "Publish exactly `_mta-sts.example.com. IN TXT \"v=STSv1; id=20260101T000000\"`, and \
          change the id whenever the policy file at \
          https://mta-sts.example.com/.well-known/mta-sts.txt changes.",
    references: &["RFC 8461 §3.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::MtaSts),
        bad: "v=STSv1; id=2026-01-01",
        good: "v=STSv1; id=20260101",
    },
};

/// More than one record.
pub static MTA_STS_MULTIPLE_RECORDS: Rule = Rule {
    id: "mta-sts-multiple-records",
    section: Section::MtaSts,
    severity: Severity::Error,
    summary: "More than one MTA-STS record is published at _mta-sts.<domain>.",
    rationale: "When the number of TXT records starting with v=STSv1 is not exactly one, senders \
                assume the domain has no MTA-STS policy (RFC 8461 §3.1): the policy is off.",
    fix: "Keep one record (with the current id) and delete the others.",
    references: &["RFC 8461 §3.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "_mta-sts  TXT  \"v=STSv1; id=20250101\"\n\
              _mta-sts  TXT  \"v=STSv1; id=20260101\"",
        good: "_mta-sts  TXT  \"v=STSv1; id=20260101\"",
    },
};

pub(super) fn check(facts: &Facts, findings: &mut Findings) {
    let at = &facts.mta_sts.at;
    findings.lookups_failed(Section::MtaSts, &[&at.txt], "the MTA-STS record was");
    match &facts.mta_sts.published {
        Published::One(record) => record_rules(record, &at.name, Some(&fix(at)), findings),
        Published::Several(texts) => findings.push(Finding::new(
            &MTA_STS_MULTIPLE_RECORDS,
            &at.name,
            format!(
                "{} holds {} MTA-STS records ({}); senders then use none (RFC 8461 §3.1)",
                at.name,
                texts.len(),
                quoted(texts)
            ),
        )),
        Published::None | Published::NotVerified(_) => {}
    }
    lookalikes(at, findings);
}

/// The fix of an invalid record, naming the audited domain's record and policy file (`at` is
/// `_mta-sts.<domain>`).
fn fix(at: &TxtAt) -> String {
    let domain = at
        .name
        .as_str()
        .strip_prefix("_mta-sts.")
        .unwrap_or(at.name.as_str());
    format!(
        "Publish exactly `{}. IN TXT \"v=STSv1; id=20260101T000000\"`, and change the id \
         whenever the policy file at https://mta-sts.{domain}/.well-known/mta-sts.txt changes.",
        at.name
    )
}

/// Records that try to be MTA-STS records but senders skip.
fn lookalikes(at: &TxtAt, findings: &mut Findings) {
    for text in at.texts(mta_sts::is_lookalike) {
        findings.push(
            Finding::new(
                &MTA_STS_RECORD_INVALID,
                &at.name,
                format!("\"{text}\" does not start with v=STSv1, so senders skip it"),
            )
            .with_fix(fix(at)),
        );
    }
}

/// Record mode: the record's problems, with no DNS.
pub fn check_record(record: &mta_sts::MtaStsRecord) -> Vec<Finding> {
    let mut findings = Findings::default();
    record_rules(record, &"the record", None, &mut findings);
    findings.into_list()
}

/// The record's problems; `fix` names the audited domain (record mode has none: the rule's
/// own fix).
pub(super) fn record_rules(
    record: &mta_sts::MtaStsRecord,
    subject: &dyn std::fmt::Display,
    fix: Option<&str>,
    findings: &mut Findings,
) {
    for issue in &record.issues {
        findings.push(
            Finding::new(&MTA_STS_RECORD_INVALID, subject, issue.message.clone())
                .with_severity(issue.severity)
                .with_excerpt(&record.text, issue.span)
                .with_fix(fix.unwrap_or(MTA_STS_RECORD_INVALID.fix)),
        );
    }
}
