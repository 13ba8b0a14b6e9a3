//! The DMARC, MTA-STS, TLS-RPT and BIMI rules fire where they must and stay quiet where they
//! must not, run as the real binary against the fixture zones (`fixtures/zones/dmarc.test.zone`,
//! `reports.test.zone`, `example.co.uk.zone`, `other.co.uk.zone`; the tags of RFC 9989 and
//! RFC 7489 side by side in `tags.dmarc.test.zone` and `tagsreports.test.zone`).

mod support;

use mailcheck::finding::Section;
use serde_json::Value;
use support::{assert_fixtures_both_ways, findings, findings_of, has_finding, mailcheck_fixtures};

/// The sections this file covers; `tests/rules.rs` covers the others.
const SECTIONS: &[Section] = &[
    Section::Dmarc,
    Section::MtaSts,
    Section::TlsRpt,
    Section::Bimi,
];

/// `(rule, domain, severity, text the subject must contain)`: the rule must fire like this.
const FIRES: &[(&str, &str, &str, &str)] = &[
    // RFC 9989's tree walk finds mid.walkmid.test's record; RFC 7489 none.
    (
        "dmarc-discovery-differs",
        "a.b.mid.walkmid.test",
        "warning",
        "a.b.mid.walkmid.test",
    ),
    // A PSD record (psd=y): the organizational domain is shop.walkpsd.test under RFC 9989.
    (
        "dmarc-discovery-differs",
        "shop.walkpsd.test",
        "warning",
        "shop.walkpsd.test",
    ),
    // psd=n at an intermediate level.
    (
        "dmarc-discovery-differs",
        "team.dept.walkpsdn.test",
        "warning",
        "team.dept.walkpsdn.test",
    ),
    // Two records: RFC 7489 applies none, RFC 9989 walks on to walkagree.test's.
    (
        "dmarc-discovery-differs",
        "multi.walkagree.test",
        "warning",
        "multi.walkagree.test",
    ),
    // A private suffix of the list (github.io) whose operator publishes no psd=y.
    (
        "dmarc-discovery-differs",
        "walkteam.github.io",
        "warning",
        "walkteam.github.io",
    ),
    (
        "dmarc-testing-mode",
        "testing.tags.dmarc.test",
        "warning",
        "_dmarc.testing.tags.dmarc.test",
    ),
    (
        "dmarc-tag-removed",
        "pct.tags.dmarc.test",
        "info",
        "_dmarc.pct.tags.dmarc.test",
    ),
    (
        "dmarc-tag-removed",
        "rfri.tags.dmarc.test",
        "info",
        "_dmarc.rfri.tags.dmarc.test",
    ),
    (
        "dmarc-report-size-obsolete",
        "size.tags.dmarc.test",
        "info",
        "_dmarc.size.tags.dmarc.test",
    ),
    (
        "dmarc-subdomain-policy-weaker",
        "np.tags.dmarc.test",
        "warning",
        "_dmarc.np.tags.dmarc.test",
    ),
    (
        "dmarc-subdomain-policy-weaker",
        "npweak.tags.dmarc.test",
        "warning",
        "_dmarc.npweak.tags.dmarc.test",
    ),
    (
        "dmarc-pct-partial",
        "pct.tags.dmarc.test",
        "warning",
        "_dmarc.pct.tags.dmarc.test",
    ),
    (
        "dmarc-syntax",
        "nop.tags.dmarc.test",
        "warning",
        "_dmarc.nop.tags.dmarc.test",
    ),
    (
        "dmarc-syntax",
        "nopnorua.tags.dmarc.test",
        "error",
        "_dmarc.nopnorua.tags.dmarc.test",
    ),
    (
        "dmarc-syntax",
        "unknown.tags.dmarc.test",
        "warning",
        "_dmarc.unknown.tags.dmarc.test",
    ),
    (
        "dmarc-report-destination-unauthorized",
        "override.tags.dmarc.test",
        "warning",
        "agg@tagsreports.test",
    ),
    (
        "dmarc-report-destination-unauthorized",
        LONG,
        "warning",
        "tagsreports.test",
    ),
    (
        "dmarc-enforced-without-authentication",
        "testing.tags.dmarc.test",
        "warning",
        "testing.tags.dmarc.test",
    ),
    (
        "bimi-requires-dmarc-enforcement",
        "bimitesting.tags.dmarc.test",
        "warning",
        "bimitesting.tags.dmarc.test",
    ),
    (
        "dmarc-enforced-without-authentication",
        "norua.dmarc.test",
        "warning",
        "norua.dmarc.test",
    ),
    (
        "dmarc-missing",
        "missing.dmarc.test",
        "warning",
        "missing.dmarc.test",
    ),
    (
        "dmarc-multiple-records",
        "multiple.dmarc.test",
        "error",
        "_dmarc.multiple.dmarc.test",
    ),
    (
        "dmarc-syntax",
        "syntax.dmarc.test",
        "error",
        "_dmarc.syntax.dmarc.test",
    ),
    (
        "dmarc-syntax",
        "lowercase.dmarc.test",
        "error",
        "_dmarc.lowercase.dmarc.test",
    ),
    (
        "dmarc-syntax",
        "lookalike.dmarc.test",
        "error",
        "_dmarc.lookalike.dmarc.test",
    ),
    (
        "dmarc-syntax",
        "nop.dmarc.test",
        "warning",
        "_dmarc.nop.dmarc.test",
    ),
    (
        "dmarc-policy-none",
        "none.dmarc.test",
        "warning",
        "_dmarc.none.dmarc.test",
    ),
    (
        "dmarc-policy-none",
        "nop.dmarc.test",
        "warning",
        "_dmarc.nop.dmarc.test",
    ),
    // Inherited: example.co.uk's record has p=reject but sp=none, which applies to sub.
    (
        "dmarc-policy-none",
        "sub.example.co.uk",
        "warning",
        "_dmarc.example.co.uk",
    ),
    (
        "dmarc-subdomain-policy-weaker",
        "weaksp.dmarc.test",
        "warning",
        "_dmarc.weaksp.dmarc.test",
    ),
    (
        "dmarc-pct-partial",
        "pct.dmarc.test",
        "warning",
        "_dmarc.pct.dmarc.test",
    ),
    (
        "dmarc-no-reporting",
        "norua.dmarc.test",
        "info",
        "_dmarc.norua.dmarc.test",
    ),
    (
        "dmarc-report-uri-invalid",
        "baduri.dmarc.test",
        "error",
        "_dmarc.baduri.dmarc.test",
    ),
    (
        "dmarc-report-destination-unauthorized",
        "unauthorized.dmarc.test",
        "warning",
        "agg@reports.test",
    ),
    (
        "dmarc-report-destination-unauthorized",
        "unauthorized.dmarc.test",
        "warning",
        "agg@elsewhere.reports.test",
    ),
    (
        "mta-sts-record-invalid",
        "stsbad.dmarc.test",
        "error",
        "_mta-sts.stsbad.dmarc.test",
    ),
    (
        "mta-sts-multiple-records",
        "stsmulti.dmarc.test",
        "error",
        "_mta-sts.stsmulti.dmarc.test",
    ),
    (
        "tls-rpt-invalid",
        "tlsbad.dmarc.test",
        "error",
        "_smtp._tls.tlsbad.dmarc.test",
    ),
    (
        "tls-rpt-missing",
        "stsbad.dmarc.test",
        "info",
        "_smtp._tls.stsbad.dmarc.test",
    ),
    (
        "bimi-record-invalid",
        "bimibad.dmarc.test",
        "error",
        "default._bimi.bimibad.dmarc.test",
    ),
    (
        "bimi-requires-dmarc-enforcement",
        "bimiweak.dmarc.test",
        "warning",
        "default._bimi.bimiweak.dmarc.test",
    ),
    (
        "bimi-requires-dmarc-enforcement",
        "bimi.dmarc.test",
        "warning",
        "default._bimi.bimi.dmarc.test",
    ),
    (
        "bimi-requires-dmarc-enforcement",
        "quarantinepct.bimi.test",
        "warning",
        "default._bimi.quarantinepct.bimi.test",
    ),
    (
        "bimi-requires-dmarc-enforcement",
        "bimi-weaksp.test",
        "warning",
        "default._bimi.bimi-weaksp.test",
    ),
    (
        "bimi-requires-dmarc-enforcement",
        "sub.bimi-weaksp.test",
        "warning",
        "default._bimi.sub.bimi-weaksp.test",
    ),
    (
        "bimi-requires-dmarc-enforcement",
        "own.bimi-weaksp.test",
        "warning",
        "default._bimi.own.bimi-weaksp.test",
    ),
    (
        "bimi-requires-dmarc-enforcement",
        "sub.bimi-noneorg.test",
        "warning",
        "default._bimi.sub.bimi-noneorg.test",
    ),
    (
        "bimi-requires-dmarc-enforcement",
        "inherit.bimi-noneorg.test",
        "warning",
        "default._bimi.inherit.bimi-noneorg.test",
    ),
    (
        "bimi-no-mark-certificate",
        "selfasserted.bimi.test",
        "info",
        "default._bimi.selfasserted.bimi.test",
    ),
    (
        "bimi-no-mark-certificate",
        "emptya.bimi.test",
        "info",
        "default._bimi.emptya.bimi.test",
    ),
    (
        "dns-lookup-failed",
        "notverified.dmarc.test",
        "warning",
        "_dmarc.notverified.dmarc.test",
    ),
];

/// A domain whose report authorization name (`<domain>._report._dmarc.<destination>`) is
/// longer than DNS allows (RFC 9990, Verifying External Destinations, step 4).
const LONG: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.\
                    bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.\
                    cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.long.tags.dmarc.test";

/// `(rule, domain, why)`: the rule must not fire for this domain.
const QUIET: &[(&str, &str, &str)] = &[
    (
        "dmarc-testing-mode",
        "testingnone.tags.dmarc.test",
        "t=y has no effect on a policy of none (RFC 9989 §4.7)",
    ),
    ("dmarc-testing-mode", "clean.tags.dmarc.test", "no t"),
    (
        "dmarc-tag-removed",
        "clean.tags.dmarc.test",
        "no pct, rf or ri",
    ),
    (
        "dmarc-report-size-obsolete",
        "clean.tags.dmarc.test",
        "no !size suffix",
    ),
    (
        "dmarc-pct-partial",
        "pct100.tags.dmarc.test",
        "pct=100 is full enforcement in both standards (only dmarc-tag-removed)",
    ),
    (
        "dmarc-subdomain-policy-weaker",
        "clean.tags.dmarc.test",
        "no sp, no np",
    ),
    (
        "dmarc-syntax",
        "np.tags.dmarc.test",
        "np is an RFC 9989 tag, not an unknown one",
    ),
    (
        "dmarc-syntax",
        "testing.tags.dmarc.test",
        "t is an RFC 9989 tag, not an unknown one",
    ),
    (
        "dmarc-policy-none",
        "unknown.tags.dmarc.test",
        "an unknown tag is ignored and the record still used (RFC 9989 §4.7)",
    ),
    (
        "dmarc-report-destination-unauthorized",
        "overrideok.tags.dmarc.test",
        "the authorization overrides the destination with an address on the same host",
    ),
    (
        "dmarc-discovery-differs",
        "sub.walkagree.test",
        "both standards apply walkagree.test's record",
    ),
    (
        "dmarc-discovery-differs",
        "a.b.c.d.e.f.g.h.walklong.test",
        "the walk jumps over b.c.d.e.f.g.h.walklong.test and agrees with the list",
    ),
    (
        "dmarc-discovery-differs",
        "good.test",
        "its own record, psd absent",
    ),
    (
        "dmarc-discovery-differs",
        "x.fail.walkagree.test",
        "the walk could not be verified: nothing is said",
    ),
    (
        "dmarc-missing",
        "a.b.mid.walkmid.test",
        "RFC 9989 receivers apply mid.walkmid.test's record (dmarc-discovery-differs says so)",
    ),
    (
        "dmarc-enforced-without-authentication",
        "good.test",
        "SPF and a DKIM key authenticate its mail",
    ),
    (
        "dmarc-enforced-without-authentication",
        "nullmx.test",
        "v=spf1 -all: a parked domain that sends no mail, rightly at p=reject",
    ),
    (
        "dmarc-enforced-without-authentication",
        "none.dmarc.test",
        "p=none enforces nothing",
    ),
    (
        "dmarc-enforced-without-authentication",
        "notverified.dmarc.test",
        "the DMARC lookup failed: nothing is known",
    ),
    (
        "dmarc-missing",
        "good.test",
        "the domain has its own record",
    ),
    (
        "dmarc-missing",
        "sub.example.co.uk",
        "falls back to the organizational domain example.co.uk (not co.uk)",
    ),
    (
        "dmarc-missing",
        "notverified.dmarc.test",
        "a timed-out _dmarc lookup is not a missing record",
    ),
    ("dmarc-multiple-records", "good.test", "one record"),
    (
        "dmarc-multiple-records",
        "missing.dmarc.test",
        "an SPF record at _dmarc is not a DMARC record",
    ),
    ("dmarc-syntax", "good.test", "a valid record"),
    (
        "dmarc-syntax",
        "example.co.uk",
        "a valid record with sp and ruf",
    ),
    ("dmarc-policy-none", "good.test", "p=reject"),
    (
        "dmarc-policy-none",
        "example.co.uk",
        "sp=none applies only to subdomains; example.co.uk itself has p=reject",
    ),
    (
        "dmarc-policy-none",
        "syntax.dmarc.test",
        "an invalid adkim does not change p=reject",
    ),
    ("dmarc-subdomain-policy-weaker", "good.test", "no sp"),
    ("dmarc-subdomain-policy-weaker", "none.dmarc.test", "no sp"),
    ("dmarc-pct-partial", "good.test", "no pct"),
    ("dmarc-no-reporting", "good.test", "rua is set"),
    (
        "dmarc-no-reporting",
        "baduri.dmarc.test",
        "rua is there, only invalid",
    ),
    ("dmarc-report-uri-invalid", "good.test", "a valid mailto:"),
    (
        "dmarc-report-destination-unauthorized",
        "authorized.dmarc.test",
        "reports.test publishes authorized.dmarc.test._report._dmarc",
    ),
    (
        "dmarc-report-destination-unauthorized",
        "sameorg.dmarc.test",
        "reports.dmarc.test is in the same organization (dmarc.test) as the policy domain",
    ),
    (
        "dmarc-report-destination-unauthorized",
        "sub.example.co.uk",
        "reports.example.co.uk is the same organization; other.co.uk authorizes",
    ),
    (
        "dmarc-report-destination-unauthorized",
        "good.test",
        "own domain",
    ),
    ("mta-sts-record-invalid", "sts.dmarc.test", "a valid record"),
    ("mta-sts-record-invalid", "good.test", "no MTA-STS at all"),
    ("mta-sts-multiple-records", "sts.dmarc.test", "one record"),
    (
        "tls-rpt-invalid",
        "sts.dmarc.test",
        "a valid record with mailto: and https:",
    ),
    ("tls-rpt-missing", "sts.dmarc.test", "TLS-RPT is published"),
    (
        "tls-rpt-missing",
        "good.test",
        "no MTA-STS, so TLS-RPT is not expected",
    ),
    ("bimi-record-invalid", "bimi.dmarc.test", "a valid record"),
    (
        "bimi-record-invalid",
        "bimidecline.dmarc.test",
        "a declination record is valid",
    ),
    (
        "bimi-record-invalid",
        "selfasserted.bimi.test",
        "a record without a= is valid (a self-asserted logo)",
    ),
    (
        "bimi-record-invalid",
        "emptya.bimi.test",
        "an empty a= is valid (the same as none)",
    ),
    (
        "bimi-no-mark-certificate",
        "bimi.test",
        "a= names a certificate",
    ),
    (
        "bimi-no-mark-certificate",
        "bimidecline.dmarc.test",
        "a declination shows no logo",
    ),
    (
        "bimi-no-mark-certificate",
        "bimibad.dmarc.test",
        "an invalid record is bimi-record-invalid's",
    ),
    (
        "bimi-requires-dmarc-enforcement",
        "bimi.test",
        "p=reject on the organizational domain itself",
    ),
    (
        "bimi-requires-dmarc-enforcement",
        "selfasserted.bimi.test",
        "p=reject on the domain and on bimi.test",
    ),
    (
        "bimi-requires-dmarc-enforcement",
        "rejectpct.bimi.test",
        "p=reject with pct=50: the rest is quarantined",
    ),
    (
        "bimi-requires-dmarc-enforcement",
        "inherit.bimi.test",
        "no record of its own; bimi.test's p=reject applies",
    ),
    (
        "bimi-requires-dmarc-enforcement",
        "bimidecline.dmarc.test",
        "declining to show a logo needs no enforcement",
    ),
    ("bimi-requires-dmarc-enforcement", "good.test", "no BIMI"),
];

fn audit(domain: &str) -> Value {
    let output = mailcheck_fixtures()
        .args(["--format", "json", domain])
        .output()
        .expect("run mailcheck");
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{domain}: not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[test]
fn every_rule_fires_where_it_must() {
    for (rule, domain, severity, subject) in FIRES {
        let json = audit(domain);
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
        let json = audit(domain);
        let fired = findings_of(&json, rule);
        assert!(
            fired.is_empty(),
            "{rule} fired for {domain} ({why}): {fired:#?}"
        );
    }
}

#[test]
fn every_rule_of_these_sections_has_a_firing_and_a_quiet_fixture() {
    let fired: Vec<&str> = FIRES.iter().map(|(rule, ..)| *rule).collect();
    let quiet: Vec<&str> = QUIET.iter().map(|(rule, ..)| *rule).collect();
    let family = assert_fixtures_both_ways(|rule| SECTIONS.contains(&rule.section), &fired, &quiet);
    for rule in &family {
        assert!(
            rule.references
                .iter()
                .any(|r| r.contains('§') || r.contains("draft-")),
            "{}: cite the RFC section",
            rule.id
        );
    }
    // The 15 rules of the issue, the cross-record dmarc-enforced-without-authentication,
    // bimi-no-mark-certificate, the three of RFC 9989's tags (dmarc-testing-mode,
    // dmarc-tag-removed, dmarc-report-size-obsolete) and dmarc-discovery-differs (issue 14).
    assert_eq!(family.len(), 21, "21 rules for these sections");
}

/// The org-domain fallback under a multi-label public suffix: the report says which record
/// applies and why, and that its subdomain policy is the one for the domain.
#[test]
fn enforcement_without_authentication_is_an_error_for_named_selectors() {
    let output = mailcheck_fixtures()
        .args([
            "--format",
            "json",
            "--selector",
            "google",
            "norua.dmarc.test",
        ])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let finding = findings(&json)
        .iter()
        .find(|finding| finding["rule"] == "dmarc-enforced-without-authentication")
        .expect("the rule fires");
    assert_eq!(finding["severity"], "error");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("the selector named (google) publish no key"),
        "{finding:#}"
    );
}

#[test]
fn fallback_to_the_organizational_domain() {
    let json = audit("sub.example.co.uk");
    let dmarc = &json["domains"][0]["records"]["dmarc"];
    assert_eq!(dmarc["status"], "found", "{dmarc:#}");
    assert_eq!(dmarc["name"], "_dmarc.example.co.uk");
    assert_eq!(dmarc["policy_domain"], "example.co.uk");
    assert_eq!(dmarc["organizational_domain"], "example.co.uk");
    assert_eq!(dmarc["inherited"], true);
    assert_eq!(dmarc["policy_for_domain"], "none");
    assert_eq!(dmarc["effective"]["policy"], "reject");
    assert_eq!(
        dmarc["queried"],
        serde_json::json!(["_dmarc.sub.example.co.uk", "_dmarc.example.co.uk"])
    );
    assert!(
        dmarc["why"]
            .as_str()
            .unwrap()
            .contains("organizational domain example.co.uk")
    );
    let asked: Vec<&str> = json["domains"][0]["dns"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|query| query["name"].as_str())
        .collect();
    // RFC 9989's tree walk asks every name up to the top-level domain, at once.
    assert!(asked.contains(&"_dmarc.co.uk"), "{asked:?}");
    assert!(asked.contains(&"_dmarc.uk"), "{asked:?}");
    // other.co.uk is another organization: asked, and it authorizes. reports.example.co.uk is
    // the same organization: never asked.
    assert!(
        asked.contains(&"example.co.uk._report._dmarc.other.co.uk"),
        "{asked:?}"
    );
    assert!(
        !asked
            .iter()
            .any(|name| name.ends_with("._report._dmarc.reports.example.co.uk"))
    );
    let destinations = dmarc["report_destinations"].as_array().unwrap();
    let other = destinations
        .iter()
        .find(|d| d["host"] == "other.co.uk")
        .expect("other.co.uk destination");
    assert_eq!(other["external"], true);
    assert_eq!(other["authorized"], true);
}

/// A domain with a record of its own never asks for the organizational domain's.
#[test]
fn no_fallback_when_the_domain_has_a_record() {
    let json = audit("none.dmarc.test");
    let dmarc = &json["domains"][0]["records"]["dmarc"];
    assert_eq!(dmarc["inherited"], false);
    assert_eq!(
        dmarc["queried"],
        serde_json::json!(["_dmarc.none.dmarc.test"])
    );
}

/// Every tag is kept in the report, even when the record has errors.
#[test]
fn tags_survive_errors() {
    let json = audit("syntax.dmarc.test");
    let record = &json["domains"][0]["records"]["dmarc"]["record"];
    let tags: Vec<(&str, bool)> = record["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| {
            (
                tag["name"].as_str().unwrap(),
                tag["valid"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tags,
        [("v", true), ("p", true), ("adkim", false), ("rua", true)]
    );
    assert_eq!(record["policy"], "reject");
}

/// A newcomer with a weak policy is shown the step-up path with the exact records.
#[test]
fn weak_policy_shows_the_step_up_path() {
    let output = mailcheck_fixtures()
        .args(["--color", "never", "none.dmarc.test"])
        .output()
        .expect("run mailcheck");
    let text = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "none → quarantine → reject",
        "1. none: monitor",
        "← you are here",
        "_dmarc.none.dmarc.test. IN TXT \"v=DMARC1; p=quarantine; rua=mailto:d@dmarc.test\"",
        "_dmarc.none.dmarc.test. IN TXT \"v=DMARC1; p=reject; rua=mailto:d@dmarc.test\"",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let output = mailcheck_fixtures()
        .args(["--color", "never", "good.test"])
        .output()
        .expect("run mailcheck");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("Step-up path"), "{text}");
}

/// Record mode checks DMARC, MTA-STS, TLS-RPT and BIMI text with no DNS.
#[test]
fn record_mode() {
    for (kind, text, code, rule) in [
        (
            "dmarc",
            "v=DMARC1; p=reject; rua=mailto:d@example.com",
            0,
            None,
        ),
        (
            "dmarc",
            "v=DMARC1; p=reject; rua=reports@example.com",
            1,
            Some("dmarc-report-uri-invalid"),
        ),
        (
            "dmarc",
            "v=DMARC1; p=none; rua=mailto:d@example.com",
            0,
            Some("dmarc-policy-none"),
        ),
        ("mta-sts", "v=STSv1; id=abc123", 0, None),
        ("mta-sts", "v=STSv1; id=", 1, Some("mta-sts-record-invalid")),
        (
            "tls-rpt",
            "v=TLSRPTv1; rua=https://r.example.com/x",
            0,
            None,
        ),
        ("tls-rpt", "v=TLSRPTv1", 1, Some("tls-rpt-invalid")),
        (
            "bimi",
            "v=BIMI1; l=https://e.example/l.svg; a=https://e.example/c.pem",
            0,
            None,
        ),
        (
            "bimi",
            "v=BIMI1; l=ftp://e.example/l.svg",
            1,
            Some("bimi-record-invalid"),
        ),
        (
            "bimi",
            "v=BIMI1; l=https://e.example/l.svg",
            0,
            Some("bimi-no-mark-certificate"),
        ),
    ] {
        let output = support::mailcheck()
            .args(["record", kind, text, "--format", "json"])
            .output()
            .expect("run mailcheck");
        assert_eq!(output.status.code(), Some(code), "{kind} {text}");
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        let rules: Vec<&str> = json["lints"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|finding| finding["rule"].as_str())
            .collect();
        match rule {
            Some(rule) => assert!(rules.contains(&rule), "{kind} {text}: {rules:?}"),
            None => assert!(rules.is_empty(), "{kind} {text}: {rules:?}"),
        }
    }
}

/// The BIMI DMARC requirement names the record that falls short (the BIMI draft §7.1 steps
/// 7-9): the domain's own policy, the subdomain policy it inherits, or the organizational
/// domain's.
#[test]
fn bimi_enforcement_names_the_record_that_falls_short() {
    for (domain, expected) in [
        ("bimi.dmarc.test", "dmarc.test has no usable DMARC policy"),
        (
            "quarantinepct.bimi.test",
            "p=quarantine applies to only 50% of failing mail",
        ),
        (
            "bimi-weaksp.test",
            "bimi-weaksp.test's DMARC record sets sp=none",
        ),
        (
            "sub.bimi-weaksp.test",
            "the subdomain policy sp=none of bimi-weaksp.test applies",
        ),
        (
            "own.bimi-weaksp.test",
            "bimi-weaksp.test's DMARC record sets sp=none",
        ),
        (
            "sub.bimi-noneorg.test",
            "the organizational domain bimi-noneorg.test's DMARC policy is p=none",
        ),
        (
            "inherit.bimi-noneorg.test",
            "the organizational domain bimi-noneorg.test's DMARC policy is p=none",
        ),
    ] {
        let json = audit(domain);
        let fired = findings_of(&json, "bimi-requires-dmarc-enforcement");
        assert_eq!(fired.len(), 1, "{domain}: {fired:#?}");
        let message = fired[0]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{domain}: {message}");
    }
}

/// RFC 9989 and RFC 7489 side by side: each finding says which receivers do what where the
/// two standards differ, and JSON carries both effective policies.
#[test]
fn both_standards_side_by_side() {
    for (domain, rule, expected) in [
        (
            "np.tags.dmarc.test",
            "dmarc-subdomain-policy-weaker",
            "np=reject from RFC 9989 receivers, but sp=none from RFC 7489 receivers",
        ),
        (
            "pct.tags.dmarc.test",
            "dmarc-pct-partial",
            "RFC 9989 receivers ignore pct and apply reject to all of it",
        ),
        (
            "pct.tags.dmarc.test",
            "dmarc-tag-removed",
            "RFC 7489 receivers still apply it to 50% only",
        ),
        (
            "testing.tags.dmarc.test",
            "dmarc-testing-mode",
            "p=reject becomes quarantine",
        ),
        (
            "testing.tags.dmarc.test",
            "dmarc-enforced-without-authentication",
            "RFC 9989 receivers apply quarantine to all failing mail (t=y",
        ),
        (
            "bimitesting.tags.dmarc.test",
            "bimi-requires-dmarc-enforcement",
            "for RFC 9989 receivers",
        ),
        (
            "nop.tags.dmarc.test",
            "dmarc-syntax",
            "RFC 7489 requires p (§6.3)",
        ),
        (
            "rfri.tags.dmarc.test",
            "dmarc-tag-removed",
            "ri=3600 was removed by RFC 9989",
        ),
        (
            LONG,
            "dmarc-report-destination-unauthorized",
            "more than DNS allows",
        ),
        (
            "override.tags.dmarc.test",
            "dmarc-report-destination-unauthorized",
            "to neither",
        ),
    ] {
        let json = audit(domain);
        let fired = findings_of(&json, rule);
        assert!(
            fired
                .iter()
                .any(|finding| finding["message"].as_str().unwrap().contains(expected)),
            "{domain} {rule}: {fired:#?}"
        );
    }
    let json = audit("testing.tags.dmarc.test");
    let dmarc = &json["domains"][0]["records"]["dmarc"];
    assert_eq!(dmarc["effective"]["policy"], "reject", "{dmarc:#}");
    assert_eq!(
        dmarc["effective_rfc9989"]["policy"], "quarantine",
        "{dmarc:#}"
    );
    assert_eq!(dmarc["effective_rfc9989"]["testing"], true);
    assert_eq!(dmarc["record"]["testing"], true);
    assert_eq!(dmarc["policy_for_domain_rfc9989"], "quarantine");
    let json = audit("np.tags.dmarc.test");
    let dmarc = &json["domains"][0]["records"]["dmarc"];
    assert_eq!(dmarc["effective_rfc9989"]["nonexistent_policy"], "reject");
    assert_eq!(dmarc["effective"]["nonexistent_policy"], "none");
    // An unknown tag: the record is still used, its policy applies.
    let json = audit("unknown.tags.dmarc.test");
    assert_eq!(
        json["domains"][0]["records"]["dmarc"]["policy_for_domain_rfc9989"],
        "reject"
    );
}

/// Human output shows both views where they differ, and the step-up path marks both.
#[test]
fn human_output_shows_both_views() {
    let output = mailcheck_fixtures()
        // Lines are checked whole: no wrapping.
        .env("COLUMNS", "1000")
        .arg("testing.tags.dmarc.test")
        .output()
        .expect("run mailcheck");
    let text = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "(RFC 9989 receivers): quarantine",
        "(RFC 7489 receivers): reject",
        "test mode (t=y)",
        "you are here for RFC 9989 receivers",
        "you are here for RFC 7489 receivers",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
}

/// `record dmarc-report-auth`: `v=DMARC1;` alone is a complete authorization record, which
/// `record dmarc` rejects as a policy record.
#[test]
fn report_authorization_record_mode() {
    for (kind, text, code, rule) in [
        ("dmarc-report-auth", "v=DMARC1;", 0, None),
        ("dmarc-report-auth", "v=DMARC1", 0, None),
        (
            "dmarc-report-auth",
            "v=DMARC1; rua=mailto:r@example.net",
            0,
            None,
        ),
        ("dmarc-report-auth", "v=DMARC2", 1, Some("dmarc-syntax")),
        ("dmarc", "v=DMARC1;", 1, Some("dmarc-syntax")),
        (
            "dmarc",
            "v=DMARC1; p=reject; pct=50; rua=mailto:d@example.com",
            0,
            Some("dmarc-tag-removed"),
        ),
        (
            "dmarc",
            "v=DMARC1; p=reject; t=y; rua=mailto:d@example.com",
            0,
            Some("dmarc-testing-mode"),
        ),
        (
            "dmarc",
            "v=DMARC1; p=reject; pct=abc; rua=mailto:d@example.com",
            0,
            Some("dmarc-syntax"),
        ),
    ] {
        let output = support::mailcheck()
            .args(["record", kind, text, "--format", "json"])
            .output()
            .expect("run mailcheck");
        assert_eq!(output.status.code(), Some(code), "{kind} {text}");
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        let rules: Vec<&str> = json["lints"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|finding| finding["rule"].as_str())
            .collect();
        match rule {
            Some(rule) => assert!(rules.contains(&rule), "{kind} {text}: {rules:?}"),
            None => assert!(rules.is_empty(), "{kind} {text}: {rules:?}"),
        }
    }
}

/// The `_dmarc` names under `suffix` that `server` received, with how often each.
fn dmarc_questions(server: &support::server::TestServer, suffix: &str) -> Vec<(String, usize)> {
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for query in server.received() {
        if query.rtype == "TXT" && query.name.starts_with("_dmarc.") && query.name.ends_with(suffix)
        {
            *counts.entry(query.name).or_default() += 1;
        }
    }
    counts.into_iter().collect()
}

/// RFC 9989 §4.10: a ten-label name asks itself, then jumps to its last seven labels: eight
/// names, each once, and never the one the jump skips. Both standards agree here.
#[test]
fn the_walk_of_a_long_name_jumps_and_asks_each_name_once() {
    let domain = "a.b.c.d.e.f.g.h.walklong.test";
    // A server of its own: the shared one also answers the other tests' audits.
    let server = support::server::TestServer::start(
        &support::server::fixture_zones(),
        support::server::Behaviour::fixtures(),
    );
    let output = support::mailcheck()
        .arg("--nameserver")
        .arg(server.addr.to_string())
        .args([
            "--timeout",
            "1.5",
            "--retries",
            "0",
            "--format",
            "json",
            domain,
        ])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let walk = &json["domains"][0]["records"]["dmarc"]["discovery"]["rfc9989"];
    let queried: Vec<&str> = walk["queried"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        queried,
        [
            "_dmarc.a.b.c.d.e.f.g.h.walklong.test",
            "_dmarc.d.e.f.g.h.walklong.test",
            "_dmarc.e.f.g.h.walklong.test",
            "_dmarc.f.g.h.walklong.test",
            "_dmarc.g.h.walklong.test",
            "_dmarc.h.walklong.test",
            "_dmarc.walklong.test",
            "_dmarc.test",
        ]
    );
    assert_eq!(walk["name"], "_dmarc.walklong.test", "{walk:#}");
    assert_eq!(walk["organizational_domain"], "walklong.test");
    assert_eq!(walk["policy_for_domain"], "quarantine");
    let asked = dmarc_questions(&server, "walklong.test");
    assert!(
        !asked
            .iter()
            .any(|(name, _)| name == "_dmarc.b.c.d.e.f.g.h.walklong.test"),
        "{asked:?}"
    );
    // The walk's names and RFC 7489's fallback (_dmarc.walklong.test) share one question each.
    assert_eq!(asked.len(), 7, "{asked:?}");
    assert!(asked.iter().all(|(_, count)| *count == 1), "{asked:?}");
    assert!(!has_finding(
        &json,
        "dmarc-discovery-differs",
        "warning",
        domain
    ));
}

/// An intermediate record: RFC 9989 applies it, RFC 7489 finds nothing, the JSON shows both.
#[test]
fn an_intermediate_record_only_the_walk_finds() {
    let json = audit("a.b.mid.walkmid.test");
    let dmarc = &json["domains"][0]["records"]["dmarc"];
    let walk = &dmarc["discovery"]["rfc9989"];
    assert_eq!(walk["status"], "found", "{dmarc:#}");
    assert_eq!(walk["name"], "_dmarc.mid.walkmid.test");
    assert_eq!(walk["organizational_domain"], "mid.walkmid.test");
    assert_eq!(walk["organizational_domain_reason"], "fewest-labels");
    assert_eq!(walk["inherited"], true);
    assert_eq!(walk["policy_for_domain"], "reject");
    let list = &dmarc["discovery"]["rfc7489"];
    assert_eq!(list["status"], "missing");
    assert_eq!(list["organizational_domain"], "walkmid.test");
    // The top-level fields keep their RFC 7489 meaning.
    assert_eq!(dmarc["status"], "missing");
    let finding = findings_of(&json, "dmarc-discovery-differs");
    let message = finding[0]["message"].as_str().unwrap();
    assert!(message.contains("RFC 9989"), "{message}");
    assert!(
        message.contains("p=reject from _dmarc.mid.walkmid.test"),
        "{message}"
    );
    assert!(message.contains("no DMARC at all"), "{message}");
}

/// psd=y and psd=n decide the organizational domain; a private suffix without psd=y does not.
#[test]
fn psd_tags_and_private_suffixes() {
    let json = audit("shop.walkpsd.test");
    let walk = &json["domains"][0]["records"]["dmarc"]["discovery"]["rfc9989"];
    assert_eq!(
        walk["organizational_domain"], "shop.walkpsd.test",
        "{walk:#}"
    );
    assert_eq!(walk["organizational_domain_reason"], "psd=y");
    assert_eq!(
        walk["psd_records"],
        serde_json::json!(["_dmarc.walkpsd.test"])
    );
    assert_eq!(walk["name"], "_dmarc.walkpsd.test");
    assert_eq!(walk["policy_for_domain"], "reject");

    let json = audit("team.dept.walkpsdn.test");
    let dmarc = &json["domains"][0]["records"]["dmarc"]["discovery"];
    assert_eq!(
        dmarc["rfc9989"]["organizational_domain"],
        "dept.walkpsdn.test"
    );
    assert_eq!(dmarc["rfc9989"]["organizational_domain_reason"], "psd=n");
    assert_eq!(dmarc["rfc9989"]["policy_for_domain"], "reject");
    assert_eq!(dmarc["rfc7489"]["policy_for_domain"], "none");

    let json = audit("walkteam.github.io");
    let dmarc = &json["domains"][0]["records"]["dmarc"]["discovery"];
    assert_eq!(
        dmarc["rfc7489"]["organizational_domain"],
        "walkteam.github.io"
    );
    assert_eq!(dmarc["rfc7489"]["status"], "missing");
    assert_eq!(dmarc["rfc9989"]["organizational_domain"], "github.io");
    assert_eq!(dmarc["rfc9989"]["name"], "_dmarc.github.io");
}

/// A failed lookup below the record that decides the walk leaves RFC 9989 not verified (the
/// name could hold psd=n); the RFC 7489 view, which does not read it, is still found.
#[test]
fn a_failure_below_the_record_is_not_verified() {
    let output = mailcheck_fixtures()
        .args(["--format", "json", "x.fail.walkagree.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let dmarc = &json["domains"][0]["records"]["dmarc"]["discovery"];
    assert_eq!(dmarc["rfc9989"]["status"], "not-verified", "{dmarc:#}");
    assert_eq!(dmarc["rfc7489"]["status"], "found");
}

/// `--offline --zone`: `_dmarc.test` is outside the zone. Above the record found, it is not
/// needed (the audit is complete); with no record in the zone it is, so the audit is not.
#[test]
fn offline_zone_names_above_the_record_are_not_needed() {
    let output = support::mailcheck()
        .args([
            "--offline",
            "--zone",
            "fixtures/zones/walkagree.test.zone",
            // The MX host and its reverse zones, so that only _dmarc.test is outside.
            "--zone",
            "fixtures/zones/good.test.zone",
            "--zone",
            "fixtures/zones/216.184.93.in-addr.arpa.zone",
            "--zone",
            "fixtures/zones/1.0.0.0.0.2.2.0.0.0.8.2.6.0.6.2.ip6.arpa.zone",
            "--format",
            "json",
            "sub.walkagree.test",
        ])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let walk = &json["domains"][0]["records"]["dmarc"]["discovery"]["rfc9989"];
    assert_eq!(walk["status"], "found", "{json:#}");
    assert_eq!(walk["not_needed"], serde_json::json!(["_dmarc.test"]));
    let failed: Vec<&Value> = findings(&json)
        .iter()
        .filter(|finding| finding["rule"] == "dns-lookup-failed")
        .filter(|finding| finding["message"].as_str().unwrap().contains("_dmarc."))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(json["domains"][0]["status"], "complete", "{json:#}");

    // No DMARC record in the zone: _dmarc.test could hold one that applies, so the RFC 9989
    // view is not verified and the audit is incomplete (RFC 7489 says missing).
    let output = support::mailcheck()
        .args([
            "--offline",
            "--zone",
            "fixtures/zones/isp.test.zone",
            "--format",
            "json",
            "isp.test",
        ])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let dmarc = &json["domains"][0]["records"]["dmarc"]["discovery"];
    assert_eq!(dmarc["rfc9989"]["status"], "not-verified", "{json:#}");
    assert_eq!(dmarc["rfc7489"]["status"], "missing");
    assert_eq!(json["domains"][0]["status"], "incomplete");
}
