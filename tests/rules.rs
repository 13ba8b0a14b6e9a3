//! Every rule fires where it must and stays quiet where it must not, run as the real binary
//! against the fixture zones served by the in-process DNS server.

mod support;

use mailcheck::finding::Section;
use serde_json::Value;
use support::{assert_fixtures_both_ways, findings, findings_of, has_finding, mailcheck_fixtures};

/// `(rule, domain, severity, text the subject must contain)`: the rule must fire like this.
const FIRES: &[(&str, &str, &str, &str)] = &[
    (
        "mx-missing",
        "nomx-fallback.test",
        "warning",
        "nomx-fallback.test",
    ),
    (
        "mx-missing",
        "nomx-noaddr.test",
        "error",
        "nomx-noaddr.test",
    ),
    ("mx-null", "nullmx.test", "info", "nullmx.test"),
    (
        "mx-null-mixed",
        "nullmx-mixed.test",
        "error",
        "nullmx-mixed.test",
    ),
    (
        "mx-target-cname",
        "mx-cname.test",
        "error",
        "mail.mx-cname.test",
    ),
    (
        "mx-target-ip-literal",
        "mx-ip.test",
        "error",
        "93.184.216.10",
    ),
    (
        "mx-target-unresolvable",
        "mx-unresolvable.test",
        "error",
        "nowhere.mx-unresolvable.test",
    ),
    (
        "mx-target-unresolvable",
        "mx-unresolvable.test",
        "error",
        "noaddr.mx-unresolvable.test",
    ),
    (
        "mx-target-non-public-address",
        "mx-private.test",
        "error",
        "10.0.0.25",
    ),
    (
        "mx-target-non-public-address",
        "mx-private.test",
        "error",
        "fd00::25",
    ),
    (
        "mx-target-duplicate",
        "mx-duplicate.test",
        "warning",
        "mx1.good.test",
    ),
    (
        "ptr-missing",
        "missing.ptr.test",
        "warning",
        "93.184.216.20",
    ),
    (
        "ptr-not-forward-confirmed",
        "unconfirmed.ptr.test",
        "error",
        "93.184.216.21",
    ),
    (
        "ptr-multiple",
        "multiple.ptr.test",
        "warning",
        "93.184.216.22",
    ),
    (
        "dns-lookup-failed",
        "timeout.failing.test",
        "warning",
        "timeout.failing.test",
    ),
    (
        "dns-lookup-failed",
        "servfail.failing.test",
        "warning",
        "mx.servfail.failing.test",
    ),
    (
        "audit-limit-reached",
        "many.ptr.test",
        "warning",
        "93.184.216.23",
    ),
];

/// `(rule, domain, why)`: the rule must not fire for this domain.
const QUIET: &[(&str, &str, &str)] = &[
    ("mx-missing", "good.test", "MX records exist"),
    (
        "mx-missing",
        "nullmx.test",
        "a null MX is an MX record, not a missing one",
    ),
    (
        "mx-missing",
        "timeout.failing.test",
        "a timed-out MX lookup is not a missing MX",
    ),
    ("mx-null", "good.test", "no null MX"),
    (
        "mx-null",
        "nullmx-mixed.test",
        "mixed is reported as mx-null-mixed instead",
    ),
    ("mx-null-mixed", "nullmx.test", "the null MX stands alone"),
    (
        "mx-target-cname",
        "good.test",
        "the hosts have A/AAAA records of their own",
    ),
    ("mx-target-ip-literal", "good.test", "host names only"),
    (
        "mx-target-unresolvable",
        "mx-cname.test",
        "the alias resolves",
    ),
    (
        "mx-target-unresolvable",
        "servfail.failing.test",
        "SERVFAIL is not a missing address",
    ),
    (
        "mx-target-unresolvable",
        "mx-ip.test",
        "an IP literal is reported as such, not looked up",
    ),
    (
        "mx-target-non-public-address",
        "good.test",
        "public addresses",
    ),
    ("mx-target-duplicate", "good.test", "two different hosts"),
    ("ptr-missing", "good.test", "every address has a PTR"),
    (
        "ptr-missing",
        "mx-private.test",
        "private addresses are an error of their own",
    ),
    (
        "ptr-missing",
        "servfail.failing.test",
        "the addresses could not be looked up",
    ),
    (
        "ptr-not-forward-confirmed",
        "good.test",
        "every PTR name resolves back",
    ),
    (
        "ptr-not-forward-confirmed",
        "multiple.ptr.test",
        "both PTR names resolve back",
    ),
    ("ptr-multiple", "good.test", "one PTR per address"),
    ("dns-lookup-failed", "good.test", "every lookup is answered"),
    (
        "dns-lookup-failed",
        "nomx-noaddr.test",
        "NODATA is an answer, not a failure",
    ),
    (
        "audit-limit-reached",
        "multiple.ptr.test",
        "two PTR names, within the limit of four",
    ),
];

fn audit(domain: &str) -> (Value, Option<i32>) {
    let output = mailcheck_fixtures()
        .args(["--format", "json", domain])
        .output()
        .expect("run mailcheck");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{domain}: not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (json, output.status.code())
}

#[test]
fn every_rule_fires_where_it_must() {
    for (rule, domain, severity, subject) in FIRES {
        let (json, _) = audit(domain);
        assert!(
            has_finding(&json, rule, severity, subject),
            "{rule} ({severity}, subject containing {subject}) did not fire for {domain}: {:#}",
            json["domains"][0]["findings"]
        );
    }
}

#[test]
fn every_rule_stays_quiet_where_it_must() {
    for (rule, domain, why) in QUIET {
        let (json, _) = audit(domain);
        let fired = findings_of(&json, rule);
        assert!(
            fired.is_empty(),
            "{rule} fired for {domain} ({why}): {fired:#?}"
        );
    }
}

#[test]
fn the_good_domain_is_clean() {
    let (json, code) = audit("good.test");
    assert_eq!(findings(&json).len(), 0, "{json:#}");
    assert_eq!(json["domains"][0]["status"], "complete");
    assert_eq!(code, Some(0));
}

#[test]
fn every_rule_has_a_firing_and_a_quiet_fixture() {
    let fired: Vec<&str> = FIRES.iter().map(|(rule, ..)| *rule).collect();
    let quiet: Vec<&str> = QUIET.iter().map(|(rule, ..)| *rule).collect();
    // Families with tables of their own: SPF in tests/rules_spf.rs, DKIM in
    // tests/rules_dkim.rs, zone-file rules (which judge --zone files) in tests/rules_zone.rs,
    // DMARC, MTA-STS, TLS-RPT and BIMI in tests/rules_dmarc.rs, --expect in tests/expect.rs.
    assert_fixtures_both_ways(
        |rule| {
            !matches!(
                rule.section,
                Section::Spf
                    | Section::Dkim
                    | Section::Zone
                    | Section::Dmarc
                    | Section::MtaSts
                    | Section::TlsRpt
                    | Section::Bimi
                    | Section::Expected
            )
        },
        &fired,
        &quiet,
    );
}
