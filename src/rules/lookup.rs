//! Lookups that failed. A failed lookup proves nothing either way: the checks that needed it
//! are reported as not verified, never as missing.

use std::collections::{BTreeMap, BTreeSet};

use super::findings::Findings;
use crate::dns::{Name, NotAsked, Outcome, RecordType};
use crate::facts::lookup::{
    MAX_ADDRESSES_PER_HOST, MAX_MX_HOSTS, MAX_PTR_NAMES, MAX_REPORT_DESTINATIONS,
};
use crate::facts::{AuditLimit, Facts, Failure, LimitReached, Lookup};
use crate::finding::Rule;
use crate::finding::{Finding, Section, Severity};

/// A lookup timed out, or the server answered SERVFAIL or REFUSED.
pub static DNS_LOOKUP_FAILED: Rule = Rule {
    id: "dns-lookup-failed",
    section: Section::Dns,
    severity: Severity::Warning,
    summary: "A DNS lookup failed (timeout, SERVFAIL or REFUSED), so the checks that needed it were not verified.",
    rationale: "A lookup that fails says nothing about the record: it may exist or not. Reporting \
                it as missing would be wrong, and passing the check would be wrong too, so the \
                check is reported as not verified and the audit as incomplete (exit code 3). \
                Persistent SERVFAIL usually means a broken delegation or a DNSSEC failure; \
                persistent timeouts mean the name servers are unreachable or drop the query \
                type, which also hurts the mail servers that need the answer.",
    fix: "Check that the domain's name servers answer the query (for example `dig NAME TYPE`), \
          fix the delegation or server if they do not, and run mailcheck again. For a slow \
          network, --timeout and --retries give each query more time.",
    references: &["RFC 1035 §4.1.1 (RCODE)", "RFC 8499 §3 (SERVFAIL, REFUSED)"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::ZoneFile,
        bad: "@     MX   10 mail.example.com.\n\
              mail  A    93.184.216.34",
        good: "@     MX   10 mail.example.com.\n\
               mail  A    93.184.216.34\n\
               _dmarc TXT \"v=DMARC1; p=none\"\n\
               $ORIGIN 216.184.93.in-addr.arpa.\n\
               34    PTR  mail.example.com.",
    },
};

/// An audit limit was reached: some lookups were not made.
pub static AUDIT_LIMIT_REACHED: Rule = Rule {
    id: "audit-limit-reached",
    section: Section::Dns,
    severity: Severity::Warning,
    summary: "The audit reached one of its limits, so some lookups were not made and the checks \
              that needed them were not verified.",
    rationale: "A domain's records decide how much DNS an audit would ask: 1,000 MX hosts, \
                hosts with a hundred addresses, a thousand report destinations, name servers \
                that answer slowly. mailcheck bounds each audit (at most 16 MX hosts, 8 \
                addresses of each family per host, 4 PTR names per address, 10 external DMARC \
                report destinations, 2,000 questions, and the time of --audit-timeout) so that \
                no domain can make it run or grow without end. What lies past a limit is not \
                verified, never reported as missing, and the audit is incomplete (exit code 3). \
                A warning, like a failed lookup: part of the domain was not checked, and a \
                domain that needs this much DNS is fragile itself (every sender and receiver \
                has to do the same work).",
    fix: "Trim what the message names (MX hosts or addresses nobody uses, extra PTR records, \
          report destinations), or, for the time limit, make the name servers answer faster or \
          give the audit more time with --audit-timeout.",
    references: &[
        "RFC 7208 §4.6.4 (the same reasoning, for SPF)",
        "RFC 7489 §6.2",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@                            MX   10 mail.example.com.\n\
              mail                         A    93.184.216.34\n\
              34.216.184.93.in-addr.arpa.  PTR  mail.example.com.\n\
              34.216.184.93.in-addr.arpa.  PTR  mx1.example.com.\n\
              34.216.184.93.in-addr.arpa.  PTR  mx2.example.com.\n\
              34.216.184.93.in-addr.arpa.  PTR  mx3.example.com.\n\
              34.216.184.93.in-addr.arpa.  PTR  mx4.example.com.",
        good: "@                            MX   10 mail.example.com.\n\
               mail                         A    93.184.216.34\n\
               34.216.184.93.in-addr.arpa.  PTR  mail.example.com.",
    },
};

/// One finding per limit reached, in the section of what it left out.
pub(super) fn check(facts: &Facts, findings: &mut Findings) {
    for limit in &facts.limits {
        let (section, message) = describe_limit(limit);
        findings.push(
            Finding::new(&AUDIT_LIMIT_REACHED, &limit.subject, message)
                .in_section(section)
                .with_fix(limit_fix(limit)),
        );
    }
}

/// Where a limit's finding goes, and what it says.
fn describe_limit(limit: &LimitReached) -> (Section, String) {
    let LimitReached {
        subject,
        count,
        examples,
        ..
    } = limit;
    let left_out = count.saturating_sub(match limit.limit {
        AuditLimit::MxHosts => MAX_MX_HOSTS,
        AuditLimit::PtrNames => MAX_PTR_NAMES,
        AuditLimit::ReportDestinations => MAX_REPORT_DESTINATIONS,
        _ => 0,
    });
    let first = examples.join(", ");
    match limit.limit {
        AuditLimit::MxHosts => (
            Section::Mx,
            format!(
                "{subject} has {count} MX hosts; only the {MAX_MX_HOSTS} most preferred were \
                 looked up (mailcheck's limit per audit), so the addresses and reverse DNS of \
                 the other {left_out} ({first}, …) were not verified"
            ),
        ),
        AuditLimit::AddressesPerHost { ipv6 } => (
            Section::ReverseDns,
            format!(
                "the MX host {subject} has {count} {} addresses; the reverse DNS of only the \
                 first {MAX_ADDRESSES_PER_HOST} public ones was looked up (mailcheck's limit \
                 per host), so that of the others ({first}, …) was not verified",
                if ipv6 { "IPv6" } else { "IPv4" }
            ),
        ),
        AuditLimit::PtrNames => (
            Section::ReverseDns,
            format!(
                "{subject} has {count} PTR names; only the first {MAX_PTR_NAMES} were looked up \
                 (mailcheck's limit per address), so whether the other {left_out} ({first}) \
                 resolve back to it was not verified"
            ),
        ),
        AuditLimit::ReportDestinations => (
            Section::Dmarc,
            format!(
                "the DMARC record at {subject} sends reports to {count} external destinations; \
                 the authorization of only the first {MAX_REPORT_DESTINATIONS} was looked up \
                 (mailcheck's limit per audit), so that of the other {left_out} ({first}, …) \
                 was not verified"
            ),
        ),
        AuditLimit::Questions(limit) => (
            Section::Dns,
            format!(
                "the audit of {subject} reached its limit of {limit} DNS questions: {count} \
                 more were not asked ({first}, …), so the checks that needed them were not \
                 verified"
            ),
        ),
        AuditLimit::Time(limit) => (
            Section::Dns,
            format!(
                "the audit of {subject} ran out of time ({} s, --audit-timeout): {count} \
                 lookups were not answered by then ({first}, …), so the checks that needed \
                 them were not verified",
                limit.as_secs_f64()
            ),
        ),
    }
}

/// The fix for a limit reached.
fn limit_fix(limit: &LimitReached) -> String {
    let subject = &limit.subject;
    match limit.limit {
        AuditLimit::MxHosts => format!(
            "Remove the MX records of {subject} that name hosts no longer used; a handful of \
             hosts is all a domain needs."
        ),
        AuditLimit::AddressesPerHost { .. } => format!(
            "Remove the addresses of {subject} that do not receive mail, or check them with a \
             tool made for large address sets."
        ),
        AuditLimit::PtrNames => format!(
            "Keep one PTR record for {subject}, naming the mail host that uses the address."
        ),
        AuditLimit::ReportDestinations => format!(
            "Send the reports of {subject} to a few destinations (RFC 7489 §6.2 lets receivers \
             use as few as two)."
        ),
        AuditLimit::Questions(_) => format!(
            "Audit the records of {subject} a part at a time (--selector, a smaller --expect \
             file), or remove what makes its DNS fan out."
        ),
        AuditLimit::Time(_) => format!(
            "Check that the name servers of {subject} answer quickly (`dig`), or give the audit \
             more time with --audit-timeout."
        ),
    }
}

impl Findings {
    /// Reports the failures among `lookups`, all about one name, as one finding in `section`
    /// saying what was `not_verified` (e.g. "this host's addresses were"). Failures reported
    /// before are not reported again, and lookups left out by an audit limit are reported by
    /// `audit-limit-reached`, once for all of them.
    pub(super) fn lookups_failed(
        &mut self,
        section: Section,
        lookups: &[&dyn AsFailure],
        not_verified: &str,
    ) {
        let failures: Vec<&Failure> = lookups
            .iter()
            .filter_map(|lookup| lookup.as_failure())
            .filter(|failure| !by_audit_limit(&failure.outcome))
            .filter(|failure| {
                self.reported_failures
                    .insert((failure.name.clone(), failure.rtype))
            })
            .collect();
        if let Some(finding) = failure_finding(section, &failures, not_verified) {
            self.push(finding);
        }
    }

    /// Reports every failed query of the audit that no family reported, so that no failure
    /// goes unexplained.
    pub(super) fn remaining_failures(&mut self, facts: &Facts) {
        let mut by_name: BTreeMap<Name, Vec<Failure>> = BTreeMap::new();
        for query in &facts.queries {
            if query.outcome.is_failure()
                && !by_audit_limit(&query.outcome)
                && !self
                    .reported_failures
                    .contains(&(query.name.clone(), query.rtype))
            {
                by_name
                    .entry(query.name.clone())
                    .or_default()
                    .push(Failure {
                        name: query.name.clone(),
                        rtype: query.rtype,
                        outcome: query.outcome.clone(),
                    });
            }
        }
        for failures in by_name.values() {
            let failures: Vec<&dyn AsFailure> = failures
                .iter()
                .map(|failure| failure as &dyn AsFailure)
                .collect();
            self.lookups_failed(Section::Dns, &failures, "the checks that needed it were");
        }
    }
}

/// Whether a lookup was left out by one of the audit's limits.
fn by_audit_limit(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::NotAsked(reason) if reason.is_audit_limit())
}

/// Anything that may hold a failed lookup: a [`Lookup`] or a bare [`Failure`].
pub(super) trait AsFailure {
    fn as_failure(&self) -> Option<&Failure>;
}

impl<T> AsFailure for Lookup<T> {
    fn as_failure(&self) -> Option<&Failure> {
        self.failure()
    }
}

impl AsFailure for Failure {
    fn as_failure(&self) -> Option<&Failure> {
        Some(self)
    }
}

/// One finding for several failed lookups of one name: "the A and AAAA lookups of X timed out".
fn failure_finding(section: Section, failures: &[&Failure], not_verified: &str) -> Option<Finding> {
    let first = failures.first()?;
    let name = &first.name;
    // Group the types by what happened to them, in a stable order.
    let mut by_outcome: BTreeMap<String, BTreeSet<RecordType>> = BTreeMap::new();
    for failure in failures {
        by_outcome
            .entry(describe(&failure.outcome))
            .or_default()
            .insert(failure.rtype);
    }
    let clauses: Vec<String> = by_outcome
        .iter()
        .map(|(what, types)| {
            let types: Vec<&str> = types.iter().map(|rtype| rtype.as_str()).collect();
            let lookups = if types.len() == 1 {
                "lookup"
            } else {
                "lookups"
            };
            let verb = if what.starts_with("answered") {
                let be = if types.len() == 1 { "was" } else { "were" };
                format!("{be} {what}")
            } else {
                what.clone()
            };
            format!("the {} {lookups} of {name} {verb}", join_and(&types))
        })
        .collect();
    Some(
        Finding::new(
            &DNS_LOOKUP_FAILED,
            name,
            format!("{}; {not_verified} not verified", clauses.join(", and ")),
        )
        .in_section(section)
        .with_fix(failure_fix(first)),
    )
}

/// The fix for a failed lookup: a DNS problem, or a name that `--offline` / `--replay` kept
/// off the network (`dns::zone`, `dns::replay`).
fn failure_fix(failure: &Failure) -> String {
    let name = &failure.name;
    match &failure.outcome {
        Outcome::NotAsked(NotAsked::Offline) => format!(
            "Add the zone file that holds {name} with another --zone, or run without --offline \
             to look it up in DNS."
        ),
        Outcome::NotAsked(NotAsked::NotInReplay) => format!(
            "The replay file has no answer for {name} {}: save a new one with --save-dns from a \
             run that asks it, or run without --replay.",
            failure.rtype
        ),
        _ => format!(
            "Check that the name servers answer `dig {name} {}`, fix them if they do not, and \
             run mailcheck again (--timeout and --retries give a slow network more time).",
            failure.rtype
        ),
    }
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Timeout => "timed out".to_owned(),
        Outcome::ServFail => "answered SERVFAIL".to_owned(),
        Outcome::Refused => "answered REFUSED".to_owned(),
        Outcome::Error(message) => format!("failed ({message})"),
        Outcome::NotAsked(reason) => format!("failed ({reason})"),
        other => format!("ended with {other}"),
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
