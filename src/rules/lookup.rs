//! Lookups that failed. A failed lookup proves nothing either way: the checks that needed it
//! are reported as not verified, never as missing.

use std::collections::{BTreeMap, BTreeSet};

use super::findings::Findings;
use crate::dns::{Name, NotAsked, Outcome, RecordType};
use crate::facts::{Facts, Failure, Lookup};
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
               $ORIGIN 216.184.93.in-addr.arpa.\n\
               34    PTR  mail.example.com.",
    },
};

impl Findings {
    /// Reports the failures among `lookups`, all about one name, as one finding in `section`
    /// saying what was `not_verified` (e.g. "this host's addresses were"). Failures reported
    /// before are not reported again.
    pub(super) fn lookups_failed(
        &mut self,
        section: Section,
        lookups: &[&dyn AsFailure],
        not_verified: &str,
    ) {
        let failures: Vec<&Failure> = lookups
            .iter()
            .filter_map(|lookup| lookup.as_failure())
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
