//! DMARC: discovery (RFC 9989 §4.10; RFC 7489 §6.6.3), the record (RFC 9989 §4.7, §4.8; RFC
//! 7489 §6.3, §6.4), its policy and reporting, and the authorization of external report
//! destinations (RFC 9990 "Verifying External Destinations"; RFC 7489 §7.1).
//!
//! The policy is judged under both standards in use ([`Standard`]): RFC 9989 first, and
//! RFC 7489 where its receivers do something else (`pct`, `t`, `np`), saying which do what.
//!
//! What can be judged from DNS alone: whether a record applies and which, what it asks
//! receivers to do, and whether report destinations accept the reports. Whether the domain's
//! own mail passes DMARC (aligned SPF or DKIM) is only visible in the aggregate reports.

use std::fmt::Write as _;

use super::findings::Findings;
use crate::dns::Name;
use crate::facts::dkim::SelectorMode;
use crate::facts::dmarc::{AppliedRecord, Discovery, DomainPolicy};
use crate::facts::{Facts, Lookup, TxtAt};
use crate::finding::Rule;
use crate::finding::{Finding, Section, Severity};
use crate::policy::dmarc::{self, DmarcRecord, IssueKind, Policy, Standard};
use crate::policy::org::organizational_domain;

/// No DMARC record applies to the domain.
pub static DMARC_MISSING: Rule = Rule {
    id: "dmarc-missing",
    section: Section::Dmarc,
    severity: Severity::Warning,
    summary: "No DMARC record applies to the domain: none at _dmarc.<domain>, and none at its \
              organizational domain.",
    rationale: "Without DMARC, receivers have no instruction for mail that claims to come from \
                the domain but fails SPF and DKIM, so spoofed mail is judged by content filters \
                alone, and the domain owner gets no report of who sends as the domain. Large \
                mailbox providers (Gmail, Yahoo, Microsoft) require a DMARC record from bulk \
                senders since 2024. Receivers look at _dmarc.<domain> first; when it holds no \
                DMARC record, those that follow RFC 9989 walk up the DNS tree to the \
                organizational or public suffix domain's record (§4.10.1), and those still on \
                RFC 7489 look at _dmarc.<organizational domain> from the Public Suffix List \
                (§6.6.3). This fires when neither finds a record (when only RFC 9989 does, \
                dmarc-discovery-differs says so); a lookup that failed is reported as not \
                verified, never as missing.",
    fix: "Publish a monitoring record first, then step up: `_dmarc.example.com. 3600 IN TXT \
          \"v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com\"`.",
    references: &[
        "RFC 9989 §4.10.1",
        "RFC 9989 §5.1.4",
        "RFC 7489 §6.1",
        "RFC 7489 §6.6.3",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@       TXT  \"v=spf1 mx -all\"",
        good: "@       TXT  \"v=spf1 mx -all\"\n\
               _dmarc  TXT  \"v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com\"",
    },
};

/// RFC 9989 and RFC 7489 discover a different record, organizational domain or policy.
pub static DMARC_DISCOVERY_DIFFERS: Rule = Rule {
    id: "dmarc-discovery-differs",
    section: Section::Dmarc,
    severity: Severity::Warning,
    summary: "Receivers that follow RFC 9989 (the DNS tree walk) and receivers still on RFC 7489 \
              (the Public Suffix List) apply a different DMARC record, organizational domain or \
              policy to the domain.",
    rationale: "RFC 9989 obsoletes RFC 7489 and finds the policy and the organizational domain \
                by walking up the DNS: the domain's own _dmarc record, else that of its \
                organizational domain, which the walk decides from the records it meets \
                (psd=n marks an organizational domain, psd=y a public suffix operator, \
                otherwise the record with the fewest labels wins), else that of the public \
                suffix domain (RFC 9989 §4.10, §4.10.1, §4.10.2). RFC 7489 takes the \
                organizational domain from the Public Suffix List and falls back to it alone \
                (RFC 7489 §3.2, §6.6.3). Receivers move from one to the other over time, so \
                where the two disagree the same message is judged by different records, or \
                aligned under one standard and not under the other (relaxed alignment compares \
                organizational domains).",
    fix: "Make both standards agree: publish the organizational domain's record with psd=n \
          (it is then the organizational domain for itself and its subdomains under RFC 9989 \
          too), and give a domain that needs its own policy its own _dmarc record.",
    references: &[
        "RFC 9989 §4.10",
        "RFC 9989 §4.10.1",
        "RFC 9989 §4.10.2",
        "RFC 7489 §3.2",
        "RFC 7489 §6.6.3",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@            TXT  \"v=spf1 mx -all\"\n\
              _dmarc.com.  TXT  \"v=DMARC1; p=reject; psd=y\"",
        good: "@            TXT  \"v=spf1 mx -all\"\n\
               _dmarc.com.  TXT  \"v=DMARC1; p=reject; psd=y\"\n\
               _dmarc       TXT  \"v=DMARC1; p=reject; psd=n; rua=mailto:dmarc@example.com\"",
    },
};

/// More than one DMARC record at the name.
pub static DMARC_MULTIPLE_RECORDS: Rule = Rule {
    id: "dmarc-multiple-records",
    section: Section::Dmarc,
    severity: Severity::Error,
    summary: "More than one DMARC record is published at the same _dmarc name.",
    rationale: "When more than one TXT record starting with v=DMARC1 is found, receivers \
                discard them all: those that follow RFC 9989 walk on up the DNS tree as if \
                there were none (§4.10 steps 2 and 6), so a parent's or a public suffix's \
                policy applies instead; those still on RFC 7489 stop and apply no DMARC at all \
                (§6.6.3 step 5). Either way the record you meant is not the one applied, and \
                its reports are not sent.",
    fix: "Merge the records into one TXT record and delete the others.",
    references: &["RFC 9989 §4.10", "RFC 7489 §6.6.3"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "_dmarc  TXT  \"v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com\"\n\
              _dmarc  TXT  \"v=DMARC1; p=quarantine\"",
        good: "_dmarc  TXT  \"v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@example.com\"",
    },
};

/// The record has syntax errors or invalid tag values.
pub static DMARC_SYNTAX: Rule = Rule {
    id: "dmarc-syntax",
    section: Section::Dmarc,
    severity: Severity::Error,
    summary: "The DMARC record has a syntax error or an invalid tag value.",
    rationale: "Receivers ignore a record that does not start with v=DMARC1 (RFC 9989 §4.7) \
                or that repeats a tag (RFC 6376 §3.2), act as p=none when p, sp or np is \
                missing or invalid but rua is valid and apply no DMARC otherwise (RFC 9989 \
                §4.10.1; RFC 7489 §6.6.3 says the same for p and sp, and does not know np), \
                and replace any other invalid value by its default (RFC 9989 §4.8); strict \
                receivers also drop a record with any invalid tag value. Errors are reported \
                as errors; these are warnings: p not right after v (RFC 9989 allows any order, \
                but the RFC 7489 grammar puts it second and strict receivers such as mox \
                reject the record otherwise); unknown tags (receivers MUST ignore them and \
                still use the record, RFC 9989 §4.7 and §4.8, RFC 7489 §6.3, so whatever they \
                meant is lost; never an error); an rf format other than afrf; a missing p with \
                a valid rua (RFC 9989 receivers treat the record as p=none, §4.7; RFC 7489 \
                §6.3 requires p and its receivers only SHOULD do so, §6.6.3); in a report \
                authorization record (mailcheck record dmarc-report-auth), any tag other than \
                v, rua and ruf. The version must be DMARC1 in capitals (case sensitive, RFC \
                9989 §4.7), so v=dmarc1 is an error. Every tag is still shown, valid or not.",
    fix: "Correct the tag the finding points at; a minimal valid record is \
          `v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com`.",
    references: &[
        "RFC 9989 §4.7",
        "RFC 9989 §4.8",
        "RFC 9989 §4.10.1",
        "RFC 7489 §6.3",
        "RFC 7489 §6.6.3",
        "RFC 6376 §3.2",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dmarc),
        bad: "v=DMARC1; p=rejected; rua=mailto:dmarc-reports@example.com",
        good: "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com",
    },
};

/// The policy is p=none.
pub static DMARC_POLICY_NONE: Rule = Rule {
    id: "dmarc-policy-none",
    section: Section::Dmarc,
    severity: Severity::Warning,
    summary: "The DMARC policy that applies to the domain is none: monitoring only.",
    rationale: "With p=none receivers take no action on mail that fails DMARC: anyone can still \
                send mail as the domain, and it is delivered as if there were no DMARC. p=none \
                is the right first step, to collect aggregate reports and find every service \
                that sends as the domain, but it protects nothing until the policy steps up to \
                quarantine and then reject.",
    fix: "Step up in three stages, reading the aggregate (rua) reports at each: keep p=none \
          until every service that sends as the domain passes SPF or DKIM with alignment; \
          then publish p=quarantine (failing mail goes to spam); after a few weeks without \
          legitimate failures, publish p=reject (failing mail is refused).",
    references: &["RFC 9989 §4.7", "RFC 9989 §5.1.7", "RFC 7489 §6.3"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dmarc),
        bad: "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com",
        good: "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@example.com",
    },
};

/// sp is weaker than p.
pub static DMARC_SUBDOMAIN_POLICY_WEAKER: Rule = Rule {
    id: "dmarc-subdomain-policy-weaker",
    section: Section::Dmarc,
    severity: Severity::Warning,
    summary: "The subdomain policy (sp) or the non-existent subdomain policy (np) is weaker \
              than the domain's policy (p).",
    rationale: "sp applies to every existing subdomain without a DMARC record of its own, \
                and np to the names below the domain that do not exist, which anyone can put in \
                a From: header (billing.example.com); without np, sp applies to those too \
                (RFC 9989 §4.7). RFC 7489 receivers do not know np and apply sp (or p) to \
                every subdomain, existing or not (RFC 7489 §6.3). A weaker sp or np leaves \
                exactly those names open to spoofing while the domain itself looks protected; \
                the finding says which receivers apply what when np is set.",
    fix: "Remove sp (and np) so that subdomains follow p, or set them to the same value as p; \
          publish a separate _dmarc record at any subdomain that needs a weaker policy.",
    references: &["RFC 9989 §4.7", "RFC 9989 §4.10.1", "RFC 7489 §6.3"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dmarc),
        bad: "v=DMARC1; p=reject; sp=none; rua=mailto:dmarc-reports@example.com",
        good: "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com",
    },
};

/// pct is under 100.
pub static DMARC_PCT_PARTIAL: Rule = Rule {
    id: "dmarc-pct-partial",
    section: Section::Dmarc,
    severity: Severity::Warning,
    summary: "The policy applies to only part of the failing mail (pct under 100).",
    rationale: "The two standards in use disagree on pct. RFC 9989 removed it (Appendix A.6, \
                C.5.2): its receivers ignore pct and apply the policy to all failing mail (t=y \
                is its replacement for a trial). RFC 7489 receivers apply the policy to that \
                share of failing mail and the next weaker policy to the rest: with p=reject \
                the rest is quarantined, with p=quarantine it is delivered normally (RFC 7489 \
                §6.6.4); pct=0 turns enforcement off for them in practice. So one record means \
                full enforcement to some receivers and partial to others: pct was a tool for a \
                gradual rollout, not an end state.",
    fix: "When the aggregate reports show no legitimate failures, remove pct (the default is \
          100 under RFC 7489, and RFC 9989 ignores it); for a trial that both standards \
          understand alike, keep the weaker policy until you are ready.",
    references: &[
        "RFC 9989 Appendix A.6",
        "RFC 9989 Appendix C.5.2",
        "RFC 7489 §6.6.4",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dmarc),
        bad: "v=DMARC1; p=quarantine; pct=25; rua=mailto:dmarc-reports@example.com",
        good: "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@example.com",
    },
};

/// `t=y`: RFC 9989 receivers apply one level below the policy.
pub static DMARC_TESTING_MODE: Rule = Rule {
    id: "dmarc-testing-mode",
    section: Section::Dmarc,
    severity: Severity::Warning,
    summary: "The record is in test mode (t=y): RFC 9989 receivers apply one level below its \
              policy, RFC 7489 receivers apply it in full.",
    rationale: "t=y asks RFC 9989 receivers not to apply the policy as written but one level \
                below it: reject becomes quarantine, quarantine becomes none (RFC 9989 §4.7); \
                it replaces pct=0 (Appendix A.6) and has no effect on a policy of none. \
                RFC 7489 receivers do not know t, ignore it (RFC 7489 §6.3) and apply the \
                policy in full. Test mode is a step of the rollout, not an end state: while it \
                lasts, RFC 9989 receivers deliver or only quarantine mail that fails.",
    fix: "When the aggregate reports show no legitimate failures, remove t=y (the default is \
          t=n).",
    references: &["RFC 9989 §4.7", "RFC 9989 Appendix A.6", "RFC 7489 §6.3"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dmarc),
        bad: "v=DMARC1; p=reject; t=y; rua=mailto:dmarc-reports@example.com",
        good: "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com",
    },
};

/// `pct`, `rf` or `ri`: removed by RFC 9989.
pub static DMARC_TAG_REMOVED: Rule = Rule {
    id: "dmarc-tag-removed",
    section: Section::Dmarc,
    severity: Severity::Info,
    summary: "The record uses pct, rf or ri, which RFC 9989 removed: its receivers ignore \
              them, RFC 7489 receivers still honour them.",
    rationale: "RFC 9989 removed pct, rf and ri (Appendix C.5.2; historic in the DMARC tags \
                registry, §9.3). Its receivers ignore them: a pct under 100 no longer limits \
                the policy, which applies to all failing mail (t=y is the replacement for a \
                trial, Appendix A.6); failure reports have one format (RFC 9991) and \
                aggregate reports come at the receiver's pace (RFC 9990). RFC 7489 receivers \
                still read them (RFC 7489 §6.3, §6.6.4), so removing pct under 100 changes \
                what they do: dmarc-pct-partial says how.",
    fix: "Remove rf and ri, and pct once it is 100 (its default); for a trial, use t=y.",
    references: &[
        "RFC 9989 Appendix C.5.2",
        "RFC 9989 Appendix A.6",
        "RFC 7489 §6.3",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dmarc),
        bad: "v=DMARC1; p=reject; rf=afrf; ri=86400; rua=mailto:dmarc-reports@example.com",
        good: "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com",
    },
};

/// The obsolete `!size` suffix of a report URI.
pub static DMARC_REPORT_SIZE_OBSOLETE: Rule = Rule {
    id: "dmarc-report-size-obsolete",
    section: Section::Dmarc,
    severity: Severity::Info,
    summary: "A rua or ruf URI ends in a size limit (!10m), which RFC 9989 made obsolete.",
    rationale: "RFC 9989 removed the maximum report size from DMARC URIs (Appendix C.4): the \
                grammar keeps it only as obs-dmarc-report-size, which reporters ignore \
                (§4.8). RFC 7489 receivers still honour it (§6.2) and skip a report larger \
                than the limit, so a small limit loses reports there.",
    fix: "Remove the !size suffix from the URI.",
    references: &["RFC 9989 §4.8", "RFC 9989 Appendix C.4", "RFC 7489 §6.2"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dmarc),
        bad: "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com!10m",
        good: "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com",
    },
};

/// No rua.
pub static DMARC_NO_REPORTING: Rule = Rule {
    id: "dmarc-no-reporting",
    section: Section::Dmarc,
    severity: Severity::Info,
    summary: "The DMARC record asks for no aggregate reports (no rua).",
    rationale: "Aggregate reports are how a domain owner learns which servers send mail as the \
                domain and whether it passes SPF and DKIM: without them, stepping up the \
                policy is guesswork, and a broken sender goes unnoticed until its mail is \
                rejected. A missing rua also removes the p=none fallback receivers use for a \
                record with a missing or invalid p (RFC 9989 §4.10.1, RFC 7489 §6.6.3).",
    fix: "Add rua with an address that receives and processes the reports, e.g. \
          `rua=mailto:dmarc-reports@example.com` (or a DMARC reporting service's address).",
    references: &["RFC 9989 §4.7", "RFC 9990", "RFC 7489 §6.3"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dmarc),
        bad: "v=DMARC1; p=reject",
        good: "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com",
    },
};

/// A report URI is invalid.
pub static DMARC_REPORT_URI_INVALID: Rule = Rule {
    id: "dmarc-report-uri-invalid",
    section: Section::Dmarc,
    severity: Severity::Error,
    summary: "A rua or ruf report URI is invalid, so no reports reach it.",
    rationale: "Receivers that send reports must support mailto: URIs and ignore schemes they \
                do not support (RFC 9989 §4.7 rua, ruf), so in practice reports go by email \
                only (RFC 7489 §6.2 says so outright). A URI without a scheme, with another \
                scheme, with no usable address, with white space, or with a malformed !size \
                suffix is skipped, and a record whose only rua is invalid also loses the \
                p=none fallback for a missing or invalid p (RFC 9989 §4.10.1, RFC 7489 \
                §6.6.3).",
    fix: "Write each report address as mailto:name@domain, separated by commas with no spaces \
          inside a URI (a !size suffix is obsolete: leave it out).",
    references: &[
        "RFC 9989 §4.7",
        "RFC 9989 §4.8",
        "RFC 7489 §6.2",
        "RFC 6068 §2",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dmarc),
        bad: "v=DMARC1; p=reject; rua=dmarc-reports@example.com",
        good: "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com",
    },
};

/// An external report destination has not authorized the reports.
pub static DMARC_REPORT_DESTINATION_UNAUTHORIZED: Rule = Rule {
    id: "dmarc-report-destination-unauthorized",
    section: Section::Dmarc,
    severity: Severity::Warning,
    summary: "Reports go to an address outside the policy's organization that has not agreed \
              to receive them.",
    rationale: "So that nobody can flood a third party with reports, receivers send reports to \
                an address whose organizational domain differs from the policy domain's only \
                if the destination publishes <policy domain>._report._dmarc.<destination host> \
                TXT \"v=DMARC1\" (RFC 9990, Verifying External Destinations, for rua; RFC \
                9991 applies the same to ruf; RFC 7489 §7.1 is the same procedure). Without \
                it those reports are silently dropped. RFC 9990 adds one step RFC 7489 lacked: \
                when that name is longer than DNS allows (255 octets), no authorization can \
                exist and the reports are dropped. An authorization record that overrides the \
                destination with a URI on another host makes receivers send to neither (RFC \
                9990 step 9, as RFC 7489). Destinations in the policy's own organization need \
                no authorization and are never reported.",
    fix: "Ask the destination's operator to publish the authorization record (reporting \
          services do this on sign-up, often as a wildcard *._report._dmarc.<host>), or send \
          the reports to an address in your own domain.",
    references: &["RFC 9990", "RFC 9991", "RFC 9989 §11.6", "RFC 7489 §7.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "_dmarc  TXT  \"v=DMARC1; p=reject; rua=mailto:dmarc@reports.example.net\"",
        good: "_dmarc  TXT  \"v=DMARC1; p=reject; rua=mailto:dmarc@reports.example.net\"\n\
               example.com._report._dmarc.reports.example.net.  TXT  \"v=DMARC1\"",
    },
};

pub(super) fn check(facts: &Facts, findings: &mut Findings) {
    let dmarc = &facts.dmarc;
    let mut lookups: Vec<&dyn super::lookup::AsFailure> = vec![&dmarc.at_domain.txt];
    if let Some(org) = &dmarc.at_organization {
        lookups.push(&org.txt);
    }
    findings.lookups_failed(Section::Dmarc, &lookups, "the DMARC policy was");
    // The tree walk's other lookups: a failure the RFC 9989 verdict needed.
    let walk_failures: Vec<&dyn super::lookup::AsFailure> = dmarc
        .walk
        .steps
        .iter()
        .map(|at| &at.txt)
        .filter(|txt| {
            txt.failure().is_some_and(|failure| {
                !dmarc
                    .walk
                    .not_needed
                    .iter()
                    .any(|other| other.name == failure.name)
            })
        })
        .map(|txt| txt as &dyn super::lookup::AsFailure)
        .collect();
    findings.lookups_failed(
        Section::Dmarc,
        &walk_failures,
        "the RFC 9989 DMARC policy was",
    );
    if let Lookup::Failed(failure) = &dmarc.walk.domain_exists
        && dmarc.walk.policy_for_domain.failure().is_some()
    {
        findings.lookups_failed(
            Section::Dmarc,
            &[failure],
            "whether the domain exists (np or sp, RFC 9989 §4.10.1) was",
        );
    }
    for at in std::iter::once(&dmarc.at_domain).chain(&dmarc.at_organization) {
        report_lookalikes(at, findings);
    }
    discovery_differs(facts, findings);
    // A record only RFC 9989 receivers apply is checked as well.
    if let Discovery::Found(walked) = &dmarc.walk.discovery
        && !matches!(&dmarc.discovery, Discovery::Found(applied) if applied.name == walked.name)
    {
        let context = Context {
            domain: Some(&facts.domain.ascii),
            applied: Some(walked),
        };
        record_rules(&walked.record, &walked.name, &context, findings);
    }
    match &dmarc.discovery {
        Discovery::NotVerified(_) => {}
        // Missing under RFC 7489 only: the RFC 9989 record applies (dmarc-discovery-differs).
        Discovery::Missing if matches!(dmarc.walk.discovery, Discovery::Found(_)) => {}
        Discovery::Missing => missing(facts, findings),
        Discovery::Multiple { name, records } => {
            let texts: Vec<String> = records
                .iter()
                .map(|record| format!("\"{}\"", record.text))
                .collect();
            findings.push(
                Finding::new(
                    &DMARC_MULTIPLE_RECORDS,
                    name,
                    format!(
                        "{name} holds {} DMARC records ({}); receivers apply none of them \
                     (RFC 7489 §6.6.3)",
                        records.len(),
                        texts.join(", ")
                    ),
                )
                .with_fix(format!(
                    "Keep one TXT record at {name} that says everything you mean, and delete the \
                 others."
                )),
            );
        }
        Discovery::Found(applied) => {
            let context = Context {
                domain: Some(&facts.domain.ascii),
                applied: Some(applied),
            };
            record_rules(&applied.record, &applied.name, &context, findings);
            check_authorizations(facts, applied, findings);
        }
    }
}

/// The failed lookups of the tree walk that no verdict needed: marked as reported, so that
/// they are not reported as failures of the audit (see `TreeWalk::not_needed`).
pub(super) fn mark_not_needed(facts: &Facts, findings: &mut Findings) {
    for failure in &facts.dmarc.walk.not_needed {
        findings
            .reported_failures
            .insert((failure.name.clone(), failure.rtype));
    }
}

/// What one standard's discovery decided, for comparing and showing.
struct View {
    record: Option<Name>,
    organizational_domain: Option<Name>,
    policy: Option<Policy>,
}

impl View {
    fn describe(&self) -> String {
        let org = self
            .organizational_domain
            .as_ref()
            .map_or_else(|| "not verified".to_owned(), ToString::to_string);
        match (&self.record, self.policy) {
            (Some(record), Some(policy)) => {
                format!("p={policy} from {record} (organizational domain {org})")
            }
            (Some(record), None) => {
                format!(
                    "no policy: they ignore the record at {record} (organizational domain {org})"
                )
            }
            (None, _) => {
                format!("no DMARC at all: no record applies (organizational domain {org})")
            }
        }
    }
}

/// The RFC 9989 policy of the domain's mail: the walk's record read as RFC 9989 reads it
/// (`t=y`, no `pct`, a missing `p`), with `np` for a domain that does not exist (computed by
/// `gather::dmarc::policy_9989`).
fn policy_9989(facts: &Facts) -> Option<Policy> {
    facts
        .dmarc
        .walk
        .policy_for_domain
        .found()
        .map(|policy| policy.policy)
}

/// `dmarc-discovery-differs`: the two standards pick a different record, organizational
/// domain or policy. Nothing is said when either could not be verified, or when they agree.
fn discovery_differs(facts: &Facts, findings: &mut Findings) {
    let dmarc = &facts.dmarc;
    let walk = &dmarc.walk;
    if matches!(walk.discovery, Discovery::NotVerified(_))
        || matches!(dmarc.discovery, Discovery::NotVerified(_))
    {
        return;
    }
    let found = |discovery: &Discovery| match discovery {
        Discovery::Found(applied) => Some(applied.name.clone()),
        _ => None,
    };
    let new = View {
        record: found(&walk.discovery),
        organizational_domain: walk.organizational_domain.found().cloned(),
        policy: policy_9989(facts),
    };
    let old = View {
        record: found(&dmarc.discovery),
        organizational_domain: Some(dmarc.organizational_domain.clone()),
        policy: dmarc.policy_for_domain.found().map(|policy| policy.policy),
    };
    // No record under either standard: no DMARC, so no alignment either (RFC 9989 §4.10.2
    // needs none then), and the organizational domains do not matter.
    if new.record.is_none() && old.record.is_none() {
        return;
    }
    let mut what = Vec::new();
    if new.record != old.record {
        what.push("record");
    }
    if new.organizational_domain.is_some() && new.organizational_domain != old.organizational_domain
    {
        what.push("organizational domain");
    }
    if new.policy != old.policy {
        what.push("policy");
    }
    if what.is_empty() {
        return;
    }
    let domain = &facts.domain.ascii;
    let mut message = format!(
        "the two DMARC standards disagree about {domain} (the {}): receivers that follow \
         RFC 9989 (the DNS tree walk, §4.10) apply {}; receivers still on RFC 7489 (the Public \
         Suffix List, §6.6.3) apply {}",
        join_and(&what),
        new.describe(),
        old.describe()
    );
    if !walk.psd_records.is_empty() {
        let names: Vec<String> = walk.psd_records.iter().map(ToString::to_string).collect();
        let _ = write!(
            message,
            "; a public suffix operator's record (psd=y) is published at {}",
            names.join(", ")
        );
    }
    if what.contains(&"organizational domain") {
        message.push_str(
            "; relaxed alignment compares organizational domains, so an SPF or DKIM domain \
             aligned under one standard may not be under the other",
        );
    }
    let org = &dmarc.organizational_domain;
    findings.push(
        Finding::new(&DMARC_DISCOVERY_DIFFERS, domain, message).with_fix(format!(
            "Make both standards agree: publish the organizational domain's record at \
             _dmarc.{org} with psd=n (RFC 9989 §4.7: it is then the organizational domain for \
             itself and its subdomains under both), e.g. `_dmarc.{org}. 3600 IN TXT \
             \"v=DMARC1; p=reject; psd=n; rua=mailto:dmarc-reports@{org}\"`, and give {domain} \
             its own _dmarc record if it needs a policy of its own."
        )),
    );
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// TXT records at a `_dmarc` name that try to be DMARC records but are skipped by receivers.
fn report_lookalikes(at: &TxtAt, findings: &mut Findings) {
    for text in at.texts(dmarc::is_lookalike) {
        let record = dmarc::parse(text);
        let span = record
            .tags
            .first()
            .map_or_else(Default::default, |tag| tag.span);
        findings.push(
            Finding::new(
                &DMARC_SYNTAX,
                &at.name,
                format!(
                    "\"{text}\" at {} does not start with v=DMARC1, so receivers skip it as \
                     if it were not there (RFC 7489 §6.6.3)",
                    at.name
                ),
            )
            .with_excerpt(text, span)
            .with_fix(
                "Start the record with exactly `v=DMARC1;` (version DMARC1, then a semicolon).",
            ),
        );
    }
}

fn missing(facts: &Facts, findings: &mut Findings) {
    let dmarc = &facts.dmarc;
    let domain = &facts.domain.ascii;
    let mut asked = vec![dmarc.at_domain.name.to_string()];
    if let Some(org) = &dmarc.at_organization {
        asked.push(org.name.to_string());
    }
    let others: Vec<String> = std::iter::once(&dmarc.at_domain)
        .chain(&dmarc.at_organization)
        .flat_map(|at| at.others(dmarc::is_dmarc_record, dmarc::is_lookalike))
        .map(|text| format!("\"{text}\""))
        .collect();
    let mut message = format!(
        "no DMARC record applies to {domain}: {} {} no TXT record starting with v=DMARC1",
        asked.join(" and "),
        if asked.len() == 1 { "has" } else { "have" },
    );
    if asked.len() == 1 && dmarc.organizational_domain == *domain {
        let _ = write!(
            message,
            " ({domain} is its own organizational domain, so there is nothing to fall back to)"
        );
    }
    if !others.is_empty() {
        let _ = write!(
            message,
            "; other TXT records there are not DMARC records: {}",
            others.join(", ")
        );
    }
    let policy_domain = &dmarc.organizational_domain;
    findings.push(
        Finding::new(&DMARC_MISSING, domain, message).with_fix(format!(
            "Publish a monitoring record at the organizational domain, which also covers its \
         subdomains: `_dmarc.{policy_domain}. 3600 IN TXT \"v=DMARC1; p=none; \
         rua=mailto:dmarc-reports@{policy_domain}\"`; read the reports, then step up to \
         p=quarantine and p=reject."
        )),
    );
}

/// What a record is checked against: the audited domain and where the record was found, when
/// it came from DNS (record mode has neither).
pub(crate) struct Context<'a> {
    /// The domain audited.
    pub domain: Option<&'a Name>,
    /// The applicable record's discovery.
    pub applied: Option<&'a AppliedRecord>,
}

/// Record mode: the rules that judge a record on its own, with no DNS.
pub fn check_record(record: &DmarcRecord) -> Vec<Finding> {
    let mut findings = Findings::default();
    let context = Context {
        domain: None,
        applied: None,
    };
    record_rules(record, &"the record", &context, &mut findings);
    findings.into_list()
}

/// Record mode for a report authorization record (`v=DMARC1;` at
/// `<domain>._report._dmarc.<destination>`): its syntax only, since `p` does not apply and no
/// policy is set (RFC 9989 §4.7 `p`; RFC 9990, Verifying External Destinations).
pub fn check_report_authorization(record: &DmarcRecord) -> Vec<Finding> {
    let mut findings = Findings::default();
    for issue in &record.issues {
        let rule = match issue.kind {
            IssueKind::ReportUri => &DMARC_REPORT_URI_INVALID,
            IssueKind::ObsoleteSize => &DMARC_REPORT_SIZE_OBSOLETE,
            IssueKind::Syntax | IssueKind::Removed => &DMARC_SYNTAX,
        };
        let mut finding = Finding::new(rule, "the record", issue.issue.message.clone())
            .with_severity(issue.issue.severity)
            .with_excerpt(&record.text, issue.issue.span);
        if issue.kind == IssueKind::Syntax {
            finding = finding.with_fix(
                "A report authorization record needs only `v=DMARC1;`: remove the other tags \
                 (keep rua or ruf only to redirect the reports to another address on this same \
                 host).",
            );
        }
        findings.push(finding);
    }
    findings.into_list()
}

/// The rules that judge a record on its own.
#[allow(clippy::too_many_lines)] // one block per rule, in the order of RULES
pub(super) fn record_rules(
    record: &DmarcRecord,
    subject: &dyn std::fmt::Display,
    context: &Context<'_>,
    findings: &mut Findings,
) {
    let inherited = context.applied.is_some_and(|applied| applied.inherited);
    let policy_domain = context
        .applied
        .map(|applied| applied.policy_domain.clone())
        .or_else(|| context.domain.cloned());
    let example_domain = policy_domain
        .as_ref()
        .map_or_else(|| "example.com".to_owned(), ToString::to_string);
    for issue in &record.issues {
        let rule = match issue.kind {
            IssueKind::Syntax => &DMARC_SYNTAX,
            IssueKind::ReportUri => &DMARC_REPORT_URI_INVALID,
            IssueKind::Removed => &DMARC_TAG_REMOVED,
            IssueKind::ObsoleteSize => &DMARC_REPORT_SIZE_OBSOLETE,
        };
        let mut finding = Finding::new(rule, subject, issue.issue.message.clone())
            .with_severity(issue.issue.severity)
            .with_excerpt(&record.text, issue.issue.span);
        // The rule's fix names example.com; an audit names the policy domain.
        if policy_domain.is_some() {
            finding = finding.with_fix(rule.fix.replace("example.com", &example_domain));
        }
        findings.push(finding);
    }
    let report_address = format!("dmarc-reports@{example_domain}");
    let Ok(effective) = record.effective() else {
        return;
    };
    let policy = effective.for_domain(!inherited);
    if policy == Policy::None {
        let message = match (context.domain, inherited) {
            (Some(domain), true) => format!(
                "{domain} has no DMARC record of its own; the one of {example_domain} applies, \
                 and its subdomain policy is none{}: receivers take no action on mail that \
                 fails DMARC, so anyone can still send as {domain}",
                if record.subdomain_policy.is_some() {
                    " (sp=none)"
                } else {
                    ""
                }
            ),
            _ if effective.assumed_none => "the record has no valid p (or an invalid sp), so \
                receivers treat it as p=none (RFC 9989 §4.10.1, RFC 7489 §6.6.3): they take no \
                action on mail that fails DMARC"
                .to_owned(),
            (domain, _) => format!(
                "p=none asks receivers to take no action on mail that fails DMARC: it only \
                 monitors, and anyone can still send as {}",
                domain.map_or_else(|| "the domain".to_owned(), ToString::to_string)
            ),
        };
        let next = dmarc::step_record(record, Policy::Quarantine, &report_address);
        findings.push(
            // The whole path, with the record of each step, is shown once, with the DMARC
            // record (the step-up path); the fix gives the next step only.
            Finding::new(&DMARC_POLICY_NONE, subject, message).with_fix(format!(
                "Follow the step-up path shown with the record, reading the aggregate reports \
                 at each stage. Next, once every service that sends as {example_domain} passes \
                 SPF or DKIM with alignment: `_dmarc.{example_domain}. IN TXT \"{next}\"`; \
                 then, after a few more weeks without legitimate failures, p=reject."
            )),
        );
    }
    subdomain_weaker(
        record,
        subject,
        &example_domain,
        effective.assumed_none,
        findings,
    );
    let enforcing = policy.is_enforcing() || effective.subdomain_policy.is_enforcing();
    if effective.percent < 100 && enforcing {
        let span = record
            .tag("pct")
            .map_or_else(Default::default, |tag| tag.span);
        let strongest = policy.max(effective.subdomain_policy);
        let rest = match strongest {
            Policy::Reject => "quarantined",
            _ => "delivered as usual",
        };
        let rfc9989 = match record.effective_9989() {
            Ok(view) if view.testing => format!(
                "RFC 9989 receivers ignore pct but honour t=y, so they apply {} to all of it \
                 (RFC 9989 §4.7)",
                view.for_domain(!inherited).max(view.subdomain_policy)
            ),
            Ok(_) => format!(
                "RFC 9989 receivers ignore pct and apply {strongest} to all of it (RFC 9989 \
                 Appendix A.6)"
            ),
            Err(_) => {
                "RFC 9989 receivers apply no DMARC to it (see the syntax findings)".to_owned()
            }
        };
        findings.push(
            Finding::new(
                &DMARC_PCT_PARTIAL,
                subject,
                format!(
                    "pct={}: RFC 7489 receivers apply {strongest} to only {}% of failing mail \
                     and the rest is {rest} (RFC 7489 §6.6.4){}; {rfc9989}",
                    effective.percent,
                    effective.percent,
                    if effective.percent == 0 {
                        ", so pct=0 turns enforcement off for them in practice"
                    } else {
                        ""
                    }
                ),
            )
            .with_excerpt(&record.text, span)
            .with_fix(format!(
                "When the reports show no legitimate failures, remove pct, so that receivers \
                 of both standards apply the same policy: `{}`.",
                dmarc::step_record(record, strongest, &report_address)
            )),
        );
    }
    let testing_applies = record.testing_can_apply();
    if record.testing == Some(true) && testing_applies && record.effective_9989().is_ok() {
        let span = record
            .tag("t")
            .map_or_else(Default::default, |tag| tag.span);
        let written = record
            .policy
            .unwrap_or(Policy::None)
            .max(effective.subdomain_policy);
        findings.push(
            Finding::new(
                &DMARC_TESTING_MODE,
                subject,
                format!(
                    "t=y (test mode): RFC 9989 receivers apply one level below the policy \
                     written ({}; RFC 9989 §4.7); RFC 7489 receivers ignore t and apply the \
                     policy in full",
                    policy_steps(record),
                ),
            )
            .with_excerpt(&record.text, span)
            .with_fix(format!(
                "When the reports show no legitimate failures, remove t=y: `{}`.",
                dmarc::step_record(record, written, &report_address)
            )),
        );
    }
    if record.tag("rua").is_none() {
        findings.push(
            Finding::new(
                &DMARC_NO_REPORTING,
                subject,
                "the record has no rua, so nobody receives aggregate reports about mail sent \
                 as the domain",
            )
            .with_fix(format!(
                "Add `rua=mailto:{report_address}` (an address that receives and processes \
                 the reports, or a reporting service's) after the p tag."
            )),
        );
    }
}

/// "p=reject becomes quarantine, sp=quarantine becomes none": what `t=y` changes for RFC
/// 9989 receivers, for each policy written that is not none (`t` has no effect on none).
fn policy_steps(record: &DmarcRecord) -> String {
    let written = [
        ("p", record.policy),
        ("sp", record.subdomain_policy),
        ("np", record.nonexistent_policy),
    ];
    let steps: Vec<String> = written
        .into_iter()
        .filter_map(|(tag, policy)| Some((tag, policy?)))
        .filter(|(_, policy)| policy.is_enforcing())
        .map(|(tag, policy)| format!("{tag}={policy} becomes {}", policy.one_level_below()))
        .collect();
    steps.join(", ")
}

/// dmarc-subdomain-policy-weaker: `sp` or `np` weaker than `p`, with what receivers of each
/// standard apply to existing and to non-existent subdomains when `np` is set.
fn subdomain_weaker(
    record: &DmarcRecord,
    subject: &dyn std::fmt::Display,
    example_domain: &str,
    assumed_none: bool,
    findings: &mut Findings,
) {
    let Some(p) = record.policy else { return };
    if assumed_none {
        return;
    }
    let sp = record.subdomain_policy;
    let np = record.nonexistent_policy;
    if let Some(sp) = sp
        && sp < p
    {
        let span = record
            .tag("sp")
            .map_or_else(Default::default, |tag| tag.span);
        let made_up = match np {
            Some(np) if np != sp => format!(
                "; names below it that do not exist get np={np} from RFC 9989 receivers, but \
                 sp={sp} from RFC 7489 receivers, which ignore np"
            ),
            Some(_) => ", including made-up ones (np)".to_owned(),
            None => ", including made-up ones".to_owned(),
        };
        findings.push(
            Finding::new(
                &DMARC_SUBDOMAIN_POLICY_WEAKER,
                subject,
                format!(
                    "sp={sp} is weaker than p={p}: subdomains of {example_domain} without a \
                     record of their own get {sp}{made_up}"
                ),
            )
            .with_excerpt(&record.text, span)
            .with_fix(format!(
                "Remove sp={sp} from the record (subdomains then follow p={p}), or set \
                 sp={p}; give a subdomain that needs a weaker policy its own _dmarc record."
            )),
        );
    } else if let Some(np) = np
        && np < sp.unwrap_or(p)
    {
        let span = record
            .tag("np")
            .map_or_else(Default::default, |tag| tag.span);
        let existing = sp.unwrap_or(p);
        findings.push(
            Finding::new(
                &DMARC_SUBDOMAIN_POLICY_WEAKER,
                subject,
                format!(
                    "np={np} is weaker than {}: names below {example_domain} that do not exist, \
                     which anyone can make up, get {np} from RFC 9989 receivers (RFC 9989 \
                     §4.7); RFC 7489 receivers ignore np and apply {existing}",
                    if sp.is_some() {
                        format!("sp={existing}")
                    } else {
                        format!("p={p}")
                    }
                ),
            )
            .with_excerpt(&record.text, span)
            .with_fix(format!(
                "Remove np={np} from the record, so that non-existent subdomains get \
                 {existing} from receivers of both standards."
            )),
        );
    }
}

/// Report destinations outside the policy's organization must authorize (RFC 9990, Verifying
/// External Destinations; RFC 7489 §7.1).
fn check_authorizations(facts: &Facts, applied: &AppliedRecord, findings: &mut Findings) {
    let dmarc = &facts.dmarc;
    let policy_domain = &applied.policy_domain;
    // A name longer than DNS allows has no answer to fail: it is reported below instead.
    for authorization in dmarc
        .authorizations
        .iter()
        .filter(|authorization| authorization.at.name.as_str().len() <= MAX_NAME_TEXT)
    {
        findings.lookups_failed(
            Section::Dmarc,
            &[&authorization.at.txt],
            "the authorization of this report destination was",
        );
    }
    for (tag, uris) in [("rua", &applied.record.rua), ("ruf", &applied.record.ruf)] {
        for uri in uris.iter().filter(|uri| uri.valid) {
            let Some(host) = &uri.host else { continue };
            let Some(authorization) = dmarc.authorization(host) else {
                continue; // same organization: nothing to authorize
            };
            let name = &authorization.at.name;
            let destination_org = organizational_domain(host);
            let address = uri.address.as_deref().unwrap_or(&uri.text);
            let too_long = name.as_str().len() > MAX_NAME_TEXT;
            let why = if too_long {
                // RFC 9990 step 4 (not in RFC 7489 §7.1): checked before any answer.
                format!(
                    "the authorization name {name} is {} characters long, more than DNS \
                     allows (253), so no authorization can exist and receivers drop these \
                     reports (RFC 9990, Verifying External Destinations, step 4)",
                    name.as_str().len()
                )
            } else if authorization.authorized() == Lookup::Found(false) {
                format!(
                    "{name} has no TXT record starting with v=DMARC1, so receivers drop these \
                     reports (RFC 9990, Verifying External Destinations; RFC 7489 §7.1)"
                )
            } else if let Some(other) = override_elsewhere(authorization, tag, host) {
                format!(
                    "{name} authorizes them but overrides the destination with {other}, on \
                     another host, so receivers send these reports to neither (RFC 9990, \
                     Verifying External Destinations, step 9; RFC 7489 §7.1)"
                )
            } else {
                continue;
            };
            findings.push(
                Finding::new(
                    &DMARC_REPORT_DESTINATION_UNAUTHORIZED,
                    address,
                    format!(
                        "{tag} sends reports for {policy_domain} to {address}, in \
                         {destination_org}, another organization; {why}"
                    ),
                )
                .with_excerpt(&applied.record.text, uri.span)
                .with_fix(if too_long {
                    format!(
                        "Send the reports to an address at {policy_domain}, or to a destination \
                         with a shorter name (RFC 9990 suggests asking the report consumer for \
                         one)."
                    )
                } else {
                    format!(
                        "Ask the operator of {host} to publish `{name}. IN TXT \"v=DMARC1\"` \
                         (or `*._report._dmarc.{host}. IN TXT \"v=DMARC1\"` for every \
                         customer) with no rua or ruf on another host, or send the reports to \
                         an address at {policy_domain}."
                    )
                }),
            );
        }
    }
}

/// Where receivers of RFC 9989 and of RFC 7489 apply a different policy to the domain's own
/// mail, in words ("enforced for RFC 9989 receivers, but RFC 7489 receivers …"); `None` when
/// they agree.
pub(super) fn policy_difference(policy: &DomainPolicy) -> Option<String> {
    let old = (policy.policy, policy.percent);
    let Some(new) = policy.rfc9989 else {
        return Some(format!(
            "RFC 7489 receivers apply {}, but RFC 9989 receivers apply no DMARC: the record \
             has an invalid np and no valid rua (RFC 9989 §4.10.1)",
            policy.policy
        ));
    };
    let new_policy = new.for_domain(!policy.inherited);
    if old == (new_policy, 100) {
        return None;
    }
    let why_new = if new.testing && new_policy != policy.policy {
        format!("t=y lowers {} by one level, RFC 9989 §4.7", policy.policy)
    } else if new.assumed_none && !policy.effective.assumed_none {
        "its np is invalid, so p=none is assumed, RFC 9989 §4.10.1".to_owned()
    } else {
        "RFC 9989 ignores pct".to_owned()
    };
    let old_text = if policy.percent < 100 && policy.policy.is_enforcing() {
        format!(
            "RFC 7489 receivers apply {} to {}% of failing mail only (pct={})",
            policy.policy, policy.percent, policy.percent
        )
    } else {
        format!("RFC 7489 receivers apply {}", policy.policy)
    };
    Some(format!(
        "RFC 9989 receivers apply {new_policy} to all failing mail ({why_new}); {old_text}"
    ))
}

/// The longest name DNS allows, as text without the final dot (255 octets on the wire).
const MAX_NAME_TEXT: usize = 253;

/// The URI of an authorization record's `rua` (or `ruf`) override whose host is not the
/// destination's, if any: receivers then send to neither (RFC 9990 step 9, RFC 9991).
fn override_elsewhere(
    authorization: &crate::facts::dmarc::Authorization,
    tag: &str,
    host: &Name,
) -> Option<String> {
    authorization
        .at
        .texts(dmarc::is_dmarc_record)
        .into_iter()
        .map(dmarc::parse_report_authorization)
        .flat_map(|record| if tag == "rua" { record.rua } else { record.ruf })
        .filter(|uri| uri.valid)
        .find(|uri| uri.host.as_ref().is_some_and(|other| other != host))
        .map(|uri| uri.text)
}

/// DMARC asks receivers to quarantine or reject mail that the domain cannot authenticate.
pub static DMARC_ENFORCED_WITHOUT_AUTHENTICATION: Rule = Rule {
    id: "dmarc-enforced-without-authentication",
    section: Section::Dmarc,
    severity: Severity::Warning,
    summary: "DMARC asks receivers to quarantine or reject failing mail, but the domain has no \
              valid SPF record and no DKIM key was found, so its own mail fails DMARC.",
    rationale: "Mail passes DMARC only through an aligned SPF pass or an aligned DKIM \
                signature (RFC 9989 §4.4, RFC 7489 §4.2). The policy is judged as receivers \
                of both standards apply it: RFC 9989 receivers apply one level below under \
                t=y, RFC 7489 receivers ignore t, and the finding says which do what when \
                they differ. With p=quarantine or p=reject and neither an SPF \
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
        "RFC 9989 §4.4",
        "RFC 9989 §4.7",
        "RFC 7489 §4.2",
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

/// dmarc-enforced-without-authentication: an enforcing policy over mail that cannot pass.
pub(super) fn check_enforced_without_authentication(facts: &Facts, findings: &mut Findings) {
    let Lookup::Found(policy) = &facts.dmarc.policy_for_domain else {
        return;
    };
    // Enforcing for the receivers of either standard: their mail fails there.
    let strongest = Standard::BOTH
        .into_iter()
        .filter_map(|standard| policy.policy_for(standard))
        .max()
        .unwrap_or(Policy::None);
    if !strongest.is_enforcing() {
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
                 {spf_state} and {selectors}: its own mail fails DMARC{}",
                match strongest {
                    Policy::Reject => "reject",
                    _ => "quarantine",
                },
                policy_difference(policy).map_or_else(String::new, |text| format!(
                    ". The standards differ: {text}"
                )),
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
