//! Rules that read several records at once.

use super::findings::Findings;
use crate::facts::dkim::SelectorMode;
use crate::facts::{Facts, Lookup};
use crate::finding::Rule;
use crate::finding::{Finding, Section, Severity};

/// DMARC asks receivers to quarantine or reject mail that the domain cannot authenticate.
pub static DMARC_ENFORCED_WITHOUT_AUTHENTICATION: Rule = Rule {
    id: "dmarc-enforced-without-authentication",
    section: Section::Dmarc,
    severity: Severity::Warning,
    summary: "DMARC asks receivers to quarantine or reject failing mail, but the domain has no \
              valid SPF record and no DKIM key was found, so its own mail fails DMARC.",
    rationale: "Mail passes DMARC only through an aligned SPF pass or an aligned DKIM \
                signature (RFC 7489 §4.2). With p=quarantine or p=reject and neither an SPF \
                record that receivers can evaluate nor a DKIM key, every message the domain \
                sends fails and is sent to spam or rejected: the policy protects the domain by \
                silencing it. This is an error when the selectors were named with --selector \
                (the keys are known to be missing), and a warning when they were only probed, \
                since discovery cannot see every selector. A domain whose SPF record is \
                exactly `v=spf1 -all` says it sends no mail, which is the right setup for a \
                parked domain with p=reject, and is not reported. What DNS alone cannot tell: \
                whether the hosts that really send the mail are the ones SPF lists, whether \
                the envelope sender's domain aligns with the From domain (mail sent through a \
                provider often uses the provider's own bounce domain), and whether the signer \
                uses a selector under a name mailcheck did not probe.",
    fix: "Before enforcing DMARC, authenticate the domain's mail: publish an SPF record \
          listing the hosts that send it and turn on DKIM signing with a published key, then \
          watch the aggregate reports at p=none until legitimate mail passes. If the domain \
          sends no mail at all, publish `v=spf1 -all` to say so.",
    references: &[
        "RFC 7489 §4.2",
        "RFC 7489 §6.6.2",
        "RFC 7208 §2.6",
        "RFC 6376 §6.1",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@       MX   10 mail.example.com.\n\
              mail    A    93.184.216.34\n\
              _dmarc  TXT  \"v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com\"",
        good: "@       MX   10 mail.example.com.\n\
               @       TXT  \"v=spf1 mx -all\"\n\
               mail    A    93.184.216.34\n\
               _dmarc  TXT  \"v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com\"",
    },
};

pub(super) fn check(facts: &Facts, findings: &mut Findings) {
    let Lookup::Found(policy) = &facts.dmarc.policy_for_domain else {
        return;
    };
    if !policy.policy.is_enforcing() {
        return;
    }
    let spf = &facts.spf;
    // Judged only on what is known: a failed SPF or DKIM lookup leaves it unverified.
    let spf_valid = match &spf.root.records {
        Lookup::Found(records) => {
            records.len() == 1
                && spf
                    .root
                    .record
                    .as_ref()
                    .is_some_and(crate::spf::record::Record::is_valid)
        }
        Lookup::Absent(_) => false,
        Lookup::Failed(_) => return,
    };
    if spf_valid {
        return;
    }
    let dkim = &facts.dkim;
    let dkim_unknown = dkim.domainkey.failure().is_some()
        || dkim
            .selectors
            .iter()
            .any(|selector| selector.txt.failure().is_some());
    let key_found = dkim
        .selectors
        .iter()
        .any(|selector| dkim.key_records(selector).is_some())
        || dkim.wildcard_key().is_some();
    if dkim_unknown || key_found {
        return;
    }
    let domain = &facts.domain.ascii;
    let (severity, selectors) = match dkim.mode {
        SelectorMode::Named => (
            Severity::Error,
            format!(
                "the selector{} named ({}) publish no key",
                if dkim.selectors.len() == 1 { "" } else { "s" },
                dkim.selectors
                    .iter()
                    .map(|selector| selector.selector.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        SelectorMode::Discovery => (
            Severity::Warning,
            format!(
                "none of the {} common DKIM selectors has a key",
                dkim.selectors.len()
            ),
        ),
    };
    let spf_state = match &spf.root.records {
        Lookup::Found(records) if records.len() > 1 => "publishes several SPF records",
        Lookup::Found(_) => "has an SPF record with errors (a permerror for receivers)",
        _ => "has no SPF record",
    };
    findings.push(
        Finding::new(
            &DMARC_ENFORCED_WITHOUT_AUTHENTICATION,
            domain,
            format!(
                "DMARC asks receivers to {} mail from {domain} that fails, but {domain} \
                 {spf_state} and {selectors}: its own mail fails DMARC",
                match policy.policy.as_str() {
                    "reject" => "reject",
                    _ => "quarantine",
                },
            ),
        )
        .with_severity(severity)
        .with_fix(format!(
            "Authenticate {domain}'s mail before enforcing: publish an SPF record listing the \
             hosts that send it (e.g. `{domain}. IN TXT \"v=spf1 mx -all\"`) and a DKIM key \
             for its signer, or set `p=none` at _dmarc.{domain} until they pass. If {domain} \
             sends no mail, publish `{domain}. IN TXT \"v=spf1 -all\"`."
        )),
    );
}
