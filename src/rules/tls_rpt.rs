//! SMTP TLS Reporting (RFC 8460): the record at `_smtp._tls.<domain>`.

use super::findings::Findings;
use super::findings::quoted;
use crate::facts::Facts;
use crate::facts::single::Published;
use crate::finding::Rule;
use crate::finding::{Finding, Section, Severity};
use crate::policy::tls_rpt;

/// The record is invalid.
pub static TLS_RPT_INVALID: Rule = Rule {
    id: "tls-rpt-invalid",
    section: Section::TlsRpt,
    severity: Severity::Error,
    summary: "The TLS-RPT record at _smtp._tls.<domain> is invalid, or there is more than one.",
    rationale: "Senders that cannot parse the record, or find more than one, assume the domain \
                does not want TLS reports (RFC 8460 §3), so failures to deliver over TLS (an \
                expired certificate, a broken MTA-STS policy, a downgrade attack) go unreported. \
                The grammar: exactly v=TLSRPTv1 first (case-sensitive), then rua= with one or \
                more mailto: or https: URIs separated by commas.",
    fix: "Publish exactly one record: `_smtp._tls.example.com. IN TXT \"v=TLSRPTv1; \
          rua=mailto:tls-reports@example.com\"`.",
    references: &["RFC 8460 §3"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::TlsRpt),
        bad: "v=TLSRPTv1; rua=tls-reports@example.com",
        good: "v=TLSRPTv1; rua=mailto:tls-reports@example.com",
    },
};

/// MTA-STS is published without TLS-RPT.
pub static TLS_RPT_MISSING: Rule = Rule {
    id: "tls-rpt-missing",
    section: Section::TlsRpt,
    severity: Severity::Info,
    summary: "The domain publishes MTA-STS but no TLS-RPT record.",
    rationale: "With MTA-STS, senders refuse to deliver when the TLS connection or certificate \
                does not match the policy. TLS-RPT is how the domain learns that this is \
                happening (an expired certificate, a policy that names the wrong MX) before \
                mail is bounced for days; without it such failures are silent.",
    fix: "Publish `_smtp._tls.example.com. IN TXT \"v=TLSRPTv1; \
          rua=mailto:tls-reports@example.com\"`.",
    references: &["RFC 8460 §1", "RFC 8460 §3", "RFC 8461 §7"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "_mta-sts    TXT  \"v=STSv1; id=20260101\"",
        good: "_mta-sts    TXT  \"v=STSv1; id=20260101\"\n\
               _smtp._tls  TXT  \"v=TLSRPTv1; rua=mailto:tls-reports@example.com\"",
    },
};

pub(super) fn check(facts: &Facts, findings: &mut Findings) {
    let at = &facts.tls_rpt.at;
    let domain = &facts.domain.ascii;
    findings.lookups_failed(Section::TlsRpt, &[&at.txt], "the TLS-RPT record was");
    let published = &facts.tls_rpt.published;
    let fix = format!(
        "Publish exactly one record: `{}. IN TXT \"v=TLSRPTv1; \
         rua=mailto:tls-reports@{domain}\"`.",
        at.name
    );
    match published {
        Published::One(record) => record_rules(record, &at.name, Some(&fix), findings),
        Published::Several(texts) => findings.push(
            Finding::new(
                &TLS_RPT_INVALID,
                &at.name,
                format!(
                    "{} holds {} TLS-RPT records ({}); senders then use none (RFC 8460 §3)",
                    at.name,
                    texts.len(),
                    quoted(texts)
                ),
            )
            .with_fix(fix.clone()),
        ),
        Published::None | Published::NotVerified(_) => {}
    }
    let lookalikes = at.texts(tls_rpt::is_lookalike);
    for text in &lookalikes {
        findings.push(
            Finding::new(
                &TLS_RPT_INVALID,
                &at.name,
                format!("\"{text}\" does not start with v=TLSRPTv1, so senders skip it"),
            )
            .with_fix(fix.clone()),
        );
    }
    let has_mta_sts = matches!(
        facts.mta_sts.published,
        Published::One(_) | Published::Several(_)
    );
    if has_mta_sts && matches!(published, Published::None) && lookalikes.is_empty() {
        findings.push(
            Finding::new(
                &TLS_RPT_MISSING,
                &at.name,
                format!(
                    "{domain} publishes MTA-STS but no TLS-RPT record at {}: nobody hears \
                     about senders that fail to deliver over TLS",
                    at.name
                ),
            )
            .with_fix(format!(
                "Publish `{}. IN TXT \"v=TLSRPTv1; rua=mailto:tls-reports@{domain}\"`.",
                at.name
            )),
        );
    }
}

/// Record mode: the record's problems, with no DNS.
pub fn check_record(record: &tls_rpt::TlsRptRecord) -> Vec<Finding> {
    let mut findings = Findings::default();
    record_rules(record, &"the record", None, &mut findings);
    findings.into_list()
}

/// The record's problems; `fix` names the audited domain (record mode has none: the rule's
/// own fix).
pub(super) fn record_rules(
    record: &tls_rpt::TlsRptRecord,
    subject: &dyn std::fmt::Display,
    fix: Option<&str>,
    findings: &mut Findings,
) {
    for issue in &record.issues {
        findings.push(
            Finding::new(&TLS_RPT_INVALID, subject, issue.message.clone())
                .with_severity(issue.severity)
                .with_excerpt(&record.text, issue.span)
                .with_fix(fix.unwrap_or(TLS_RPT_INVALID.fix)),
        );
    }
}
