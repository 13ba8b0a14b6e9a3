//! BIMI (draft-brand-indicators-for-message-identification): the record at
//! `default._bimi.<domain>`, and the DMARC policy BIMI needs. The logo and certificate
//! themselves are not fetched.

use super::findings::Findings;
use super::findings::quoted;
use crate::dns::Name;
use crate::facts::dmarc::{Discovery, DomainPolicy};
use crate::facts::single::Published;
use crate::facts::{Facts, Lookup};
use crate::finding::Rule;
use crate::finding::{Finding, Section, Severity};
use crate::policy::bimi;
use crate::policy::dmarc::{Policy, Standard};

/// The record is invalid.
pub static BIMI_RECORD_INVALID: Rule = Rule {
    id: "bimi-record-invalid",
    section: Section::Bimi,
    severity: Severity::Error,
    summary: "The BIMI record at default._bimi.<domain> is invalid, or there is more than one.",
    rationale: "Receivers ignore a BIMI record that does not start with exactly v=BIMI1, whose \
                l= (the logo) is not a single https: URL, or whose a= (the mark certificate) \
                is not an https: URL; then no logo is shown. Warnings (same rule): a logo URL \
                that does not end in .svg, a certificate URL that does not end in .pem, \
                unknown tags (ignored). A record without a= is valid (a self-asserted logo): \
                bimi-no-mark-certificate says what that means.",
    fix: "Publish `default._bimi.example.com. IN TXT \"v=BIMI1; \
          l=https://example.com/brand/logo.svg; a=https://example.com/brand/vmc.pem\"`, with \
          the logo in SVG Tiny PS.",
    references: &[
        "draft-brand-indicators-for-message-identification-10 §4.3 (Assertion Record Definition)",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Bimi),
        bad: "v=BIMI1; l=http://example.com/logo.svg; a=https://example.com/vmc.pem",
        good: "v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem",
    },
};

/// A logo with no mark certificate: valid, shown by some receivers only.
pub static BIMI_NO_MARK_CERTIFICATE: Rule = Rule {
    id: "bimi-no-mark-certificate",
    section: Section::Bimi,
    severity: Severity::Info,
    summary: "The BIMI record names a logo but no mark certificate (a= is missing or empty): a \
              self-asserted logo, which Gmail and Apple Mail do not show.",
    rationale: "The draft makes a= optional and treats a missing a= as an empty one (§4.3): \
                such a record asks receivers to show the logo on the strength of DMARC alone \
                (§7.5, Indicator Discovery Without Evidence), and some do (Yahoo Mail). Gmail \
                and Apple Mail show a BIMI logo only when a= points to a Verified Mark \
                Certificate (VMC) or a Common Mark Certificate (CMC). Information, not a \
                warning: the record is valid and works where self-asserted logos are shown, \
                and a certificate (bought from a certificate authority, for a registered \
                trademark or a logo in use for a year) is the owner's choice, not a mistake \
                to fix.",
    fix: "To have the logo shown by Gmail and Apple Mail too, get a VMC or CMC for it and add \
          its URL: `default._bimi.example.com. IN TXT \"v=BIMI1; \
          l=https://example.com/brand/logo.svg; a=https://example.com/brand/vmc.pem\"`.",
    references: &["draft-brand-indicators-for-message-identification-10 §4.3 (a= tag), §7.5"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Bimi),
        bad: "v=BIMI1; l=https://example.com/logo.svg",
        good: "v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem",
    },
};

/// BIMI without DMARC enforcement.
pub static BIMI_REQUIRES_DMARC_ENFORCEMENT: Rule = Rule {
    id: "bimi-requires-dmarc-enforcement",
    section: Section::Bimi,
    severity: Severity::Warning,
    summary: "A BIMI record is published, but DMARC is not at enforcement for both the domain \
              and its organizational domain (p=reject, or p=quarantine on 100% of mail, and \
              no sp=none).",
    rationale: "Receivers process BIMI only when the DMARC policy that applies to the domain \
                (its own p, or the organizational domain's sp when it has no record) and the \
                organizational domain's own policy are quarantine or reject, when neither \
                record sets sp=none, and when a quarantine policy covers all mail (pct=100) \
                (the BIMI draft §7.1 steps 7-9): otherwise anyone could send mail that shows \
                the brand's logo. p=reject with a pct below 100 is enough: the mail not \
                sampled for rejection is quarantined instead (RFC 7489 §6.6.4), so all \
                failing mail is at least quarantined. Until then the BIMI record does nothing. \
                The policy is judged as receivers of both DMARC standards apply it: RFC 9989 \
                receivers ignore pct but apply one level below the policy under t=y (so \
                p=quarantine with t=y is none for them, RFC 9989 §4.7), RFC 7489 receivers \
                honour pct and ignore t; where the two differ, the finding says which \
                receivers fall short.",
    fix: "Step the DMARC policy up to p=quarantine or p=reject (at p=quarantine, without pct \
          or with pct=100) on the domain and on its organizational domain, and remove \
          sp=none; the dmarc-policy-none, dmarc-pct-partial and dmarc-subdomain-policy-weaker \
          findings say how.",
    references: &[
        "draft-brand-indicators-for-message-identification-10 §7.1 (Authentication \
         Requirements, steps 7-9)",
        "RFC 9989 §4.7",
        "RFC 7489 §6.3",
        "RFC 7489 §6.6.4",
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
            record_rules(record, &at.name, Some(&publish_fix(domain)), findings);
            certificate_rule(record, &at.name, domain, findings);
            Some(record)
        }
        Published::Several(texts) => {
            findings.push(
                Finding::new(
                    &BIMI_RECORD_INVALID,
                    &at.name,
                    format!(
                        "{} holds {} BIMI records ({}); receivers cannot tell which applies",
                        at.name,
                        texts.len(),
                        quoted(texts)
                    ),
                )
                .with_fix(format!(
                    "Keep one BIMI record at {}: remove the others.",
                    at.name
                )),
            );
            None
        }
        Published::None | Published::NotVerified(_) => None,
    };
    for text in at.texts(bimi::is_lookalike) {
        findings.push(
            Finding::new(
                &BIMI_RECORD_INVALID,
                &at.name,
                format!("\"{text}\" does not start with v=BIMI1, so receivers skip it"),
            )
            .with_fix(publish_fix(domain)),
        );
    }
    let Some(record) = record.filter(|record| !record.declines()) else {
        return;
    };
    let Some(problems) = enforcement_problems(facts, findings) else {
        return;
    };
    if problems.is_empty() {
        return;
    }
    findings.push(
        Finding::new(
            &BIMI_REQUIRES_DMARC_ENFORCEMENT,
            &at.name,
            format!(
                "{domain} publishes a BIMI record, but {}: receivers show the logo only when \
                 DMARC is at enforcement for {domain} and its organizational domain",
                problems.join("; ")
            ),
        )
        .with_excerpt(
            &record.text,
            crate::diagnostic::Span::new(0, record.text.len()),
        )
        .with_fix(enforcement_fix(facts)),
    );
}

/// The fix of bimi-requires-dmarc-enforcement, naming the records to change.
fn enforcement_fix(facts: &Facts) -> String {
    let domain = &facts.dmarc.domain;
    let organization = &facts.dmarc.organizational_domain;
    let records = if domain == organization {
        format!("_dmarc.{domain}")
    } else {
        format!(
            "_dmarc.{domain} (or, without it, _dmarc.{organization}'s sp) and _dmarc.{organization}"
        )
    };
    format!(
        "Step the DMARC policy in {records} up to p=reject, or p=quarantine without pct (or \
         with pct=100), and remove sp=none; the dmarc-policy-none, dmarc-pct-partial and \
         dmarc-subdomain-policy-weaker findings say how."
    )
}

/// The fix of an invalid record, naming the audited domain.
fn publish_fix(domain: &Name) -> String {
    format!(
        "Publish `default._bimi.{domain}. IN TXT \"v=BIMI1; l=https://{domain}/brand/logo.svg; \
         a=https://{domain}/brand/vmc.pem\"`, with the logo in SVG Tiny PS."
    )
}

/// bimi-no-mark-certificate: a valid record that asks for a logo with no certificate.
fn certificate_rule(
    record: &bimi::BimiRecord,
    subject: &dyn std::fmt::Display,
    domain: &dyn std::fmt::Display,
    findings: &mut Findings,
) {
    if record.has_errors() || !record.shows_logo_without_certificate() {
        return;
    }
    let logo = record.location.as_deref().unwrap_or_default();
    findings.push(
        Finding::new(
            &BIMI_NO_MARK_CERTIFICATE,
            subject,
            "the record names a logo but no mark certificate (a= is missing or empty): Yahoo \
             Mail can show this self-asserted logo, Gmail and Apple Mail show BIMI logos only \
             with a Verified Mark Certificate or Common Mark Certificate",
        )
        .with_excerpt(
            &record.text,
            crate::diagnostic::Span::new(0, record.text.len()),
        )
        .with_fix(format!(
            "To have the logo shown by Gmail and Apple Mail too, get a VMC or CMC for it and \
             add its URL: `default._bimi.{domain}. IN TXT \"v=BIMI1; l={logo}; \
             a=https://{domain}/brand/vmc.pem\"`."
        )),
    );
}

/// Steps 7 and 9 for the domain: why the policy that applies to it is not at enforcement,
/// for the receivers of either standard (saying which, where they differ).
fn domain_problem(policy: &DomainPolicy, applied: &str, domain: &Name) -> Option<String> {
    let old_problem = if !policy.policy.is_enforcing() && policy.inherited {
        Some(format!("{applied} applies to {domain}"))
    } else if !policy.policy.is_enforcing() {
        Some(format!("{domain}'s DMARC policy is p={}", policy.policy))
    } else if policy.policy == Policy::Quarantine && policy.percent < 100 {
        Some(format!(
            "{applied} applies to only {}% of failing mail (pct)",
            policy.percent
        ))
    } else {
        None
    };
    // The receivers of both standards: where they differ, say which do what.
    let new_enforced = policy
        .policy_for(Standard::Rfc9989)
        .is_some_and(Policy::is_enforcing);
    let difference = super::dmarc::policy_difference(policy);
    match (old_problem, new_enforced, difference) {
        (Some(problem), true, Some(difference)) => {
            Some(format!("{problem} for RFC 7489 receivers ({difference})"))
        }
        (Some(problem), _, _) => Some(problem),
        (None, false, difference) => Some(format!(
            "DMARC is not at enforcement for {domain} for RFC 9989 receivers{}",
            difference.map_or_else(String::new, |text| format!(" ({text})"))
        )),
        (None, true, _) => None,
    }
}

/// Why DMARC is not at enforcement as BIMI requires (the BIMI draft §7.1 steps 7-9), read
/// from the DMARC facts: the policy for the domain, each record's `sp`, the organizational
/// domain's policy. Empty when it is; `None` when it could not be verified (a failed lookup,
/// reported here when the DMARC section does not report it).
fn enforcement_problems(facts: &Facts, findings: &mut Findings) -> Option<Vec<String>> {
    let dmarc = &facts.dmarc;
    let domain = &dmarc.domain;
    let organization = &dmarc.organizational_domain;
    let policy = match &dmarc.policy_for_domain {
        Lookup::Failed(_) => return None, // reported as not verified in the DMARC section
        Lookup::Absent(_) => return Some(vec![format!("{domain} has no usable DMARC policy")]),
        Lookup::Found(policy) => policy,
    };
    let mut problems = Vec::new();
    // Step 7 and 9 for the domain: the policy that applies to it.
    let applied = if policy.inherited {
        format!(
            "the subdomain policy sp={} of {organization}",
            policy.policy
        )
    } else {
        format!("{domain}'s DMARC policy p={}", policy.policy)
    };
    problems.extend(domain_problem(policy, &applied, domain));
    // Step 8: an explicit sp=none in the domain's own record.
    if let Discovery::Found(applied) = &dmarc.discovery
        && !applied.inherited
        && applied.record.subdomain_policy == Some(Policy::None)
    {
        problems.push(format!(
            "{}'s DMARC record sets sp=none",
            applied.policy_domain
        ));
    }
    if domain == organization {
        return Some(problems);
    }
    // Steps 7-9 for the organizational domain.
    match dmarc.organization_policy.as_ref()? {
        Lookup::Failed(failure) => {
            findings.lookups_failed(
                Section::Bimi,
                &[failure],
                "the organizational domain's DMARC policy, which BIMI needs, was",
            );
            return None;
        }
        Lookup::Absent(_) => {
            problems.push(format!("{organization} has no usable DMARC policy"));
        }
        Lookup::Found(org) => {
            let effective = &org.effective;
            if effective.policy.is_enforcing()
                && !org
                    .effective_9989
                    .is_some_and(|view| view.policy.is_enforcing())
            {
                problems.push(format!(
                    "the organizational domain {organization}'s DMARC policy p={} is not at \
                     enforcement for RFC 9989 receivers ({}), though it is for RFC 7489 \
                     receivers",
                    effective.policy,
                    match org.effective_9989 {
                        Some(view) if view.testing => "t=y lowers it by one level",
                        _ => "an invalid np",
                    }
                ));
            }
            if !effective.policy.is_enforcing() {
                problems.push(format!(
                    "the organizational domain {organization}'s DMARC policy is p={}",
                    effective.policy
                ));
            } else if effective.policy == Policy::Quarantine && effective.percent < 100 {
                problems.push(format!(
                    "the organizational domain {organization}'s DMARC policy p=quarantine \
                     applies to only {}% of failing mail (pct)",
                    effective.percent
                ));
            }
            // sp=none already said above when it is the policy applied to the domain.
            if org.subdomain_policy == Some(Policy::None) && !policy.inherited {
                problems.push(format!("{organization}'s DMARC record sets sp=none"));
            }
        }
    }
    Some(problems)
}

/// Record mode: the record's problems, with no DNS (the DMARC policy is not known here).
pub fn check_record(record: &bimi::BimiRecord) -> Vec<Finding> {
    let mut findings = Findings::default();
    record_rules(record, &"the record", None, &mut findings);
    certificate_rule(record, &"the record", &"example.com", &mut findings);
    findings.into_list()
}

/// The record's problems; `fix` names the audited domain (record mode has none: the rule's
/// own fix).
pub(super) fn record_rules(
    record: &bimi::BimiRecord,
    subject: &dyn std::fmt::Display,
    fix: Option<&str>,
    findings: &mut Findings,
) {
    for issue in &record.issues {
        findings.push(
            Finding::new(&BIMI_RECORD_INVALID, subject, issue.message.clone())
                .with_severity(issue.severity)
                .with_excerpt(&record.text, issue.span)
                .with_fix(fix.unwrap_or(BIMI_RECORD_INVALID.fix)),
        );
    }
}
