//! Every zone-file rule fires where it must and stays quiet where it must not, run as the real
//! binary on the zone files of `fixtures/zonefiles` with `--offline` (no DNS at all).

mod support;

use mailcheck::finding::Section;
use serde_json::Value;
use support::{assert_fixtures_both_ways, findings, findings_of, mailcheck};

/// `(rule, zone file, domain, severity, text the subject must contain)`.
const FIRES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "zone-cname-with-other-data",
        "broken.test.zone",
        "broken.test",
        "error",
        "alias.broken.test",
    ),
    (
        "zone-cname-with-other-data",
        "broken.test.zone",
        "broken.test",
        "error",
        "double.broken.test",
    ),
    (
        "zone-txt-string-too-long",
        "broken.test.zone",
        "broken.test",
        "error",
        "big._domainkey.broken.test",
    ),
    (
        "zone-parse-error",
        "broken.test.zone",
        "broken.test",
        "error",
        "fixtures/zonefiles/broken.test.zone:19",
    ),
    (
        "zone-parse-error",
        "broken.test.zone",
        "broken.test",
        "error",
        "fixtures/zonefiles/broken.test.zone:21",
    ),
    (
        "zone-parse-error",
        "dyna.test.zone",
        "dyna.test",
        "error",
        "fixtures/zonefiles/dyna.test.zone:11",
    ),
];

/// `(rule, zone file, domain, why)`: the rule must not fire.
const QUIET: &[(&str, &str, &str, &str)] = &[
    (
        "zone-parse-error",
        "noorigin.zone",
        "shop.test",
        "no $ORIGIN: one domain is audited with one --zone, so the domain is the origin",
    ),
    (
        "zone-parse-error",
        "midorigin.test.zone",
        "midorigin.test",
        "a later $ORIGIN into mail.midorigin.test. only changes how names are read",
    ),
    (
        "zone-parse-error",
        "generate.test.zone",
        "generate.test",
        "$GENERATE is read as BIND reads it",
    ),
    (
        "zone-cname-with-other-data",
        "shop.test.zone",
        "shop.test",
        "every CNAME stands alone",
    ),
    (
        "zone-cname-with-other-data",
        "signed.test.zone",
        "signed.test",
        "RRSIG and NSEC may share a name with a CNAME",
    ),
    (
        "zone-txt-string-too-long",
        "shop.test.zone",
        "shop.test",
        "the 2048-bit DKIM key is split into strings of at most 255 octets",
    ),
    (
        "zone-txt-string-too-long",
        "export.test.zone",
        "export.test",
        "two strings on one line",
    ),
    (
        "zone-parse-error",
        "shop.test.zone",
        "shop.test",
        "parentheses, comments, escapes, blank owners and TTL units are all read",
    ),
    (
        "zone-parse-error",
        "export.test.zone",
        "export.test",
        "absolute names and tabs, as providers export them",
    ),
    (
        "zone-parse-error",
        "include.test.zone",
        "include.test",
        "$INCLUDE of opendkim-genkey's output is read",
    ),
];

fn audit(zone: &str, domain: &str) -> Value {
    let output = mailcheck()
        .args(["--offline", "--format", "json", "--zone"])
        .arg(format!("fixtures/zonefiles/{zone}"))
        .arg(domain)
        .output()
        .expect("run mailcheck");
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{zone}: not JSON ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn every_zone_rule_fires_where_it_must() {
    for (rule, zone, domain, severity, subject) in FIRES {
        let json = audit(zone, domain);
        let hit = findings(&json).iter().any(|finding| {
            finding["rule"] == *rule
                && finding["severity"] == *severity
                && finding["section"] == "zone"
                && finding["subject"]
                    .as_str()
                    .is_some_and(|text| text.contains(subject))
        });
        assert!(
            hit,
            "{rule} ({severity}, subject containing {subject}) did not fire for {zone}: {:#}",
            json["domains"][0]["findings"]
        );
    }
}

#[test]
fn every_zone_rule_stays_quiet_where_it_must() {
    for (rule, zone, domain, why) in QUIET {
        let json = audit(zone, domain);
        let fired = findings_of(&json, rule);
        assert!(
            fired.is_empty(),
            "{rule} fired for {zone} ({why}): {fired:#?}"
        );
    }
}

#[test]
fn the_rest_of_a_broken_file_is_still_audited() {
    // The MX record and its host's address come from the lines around the broken ones.
    let json = audit("broken.test.zone", "broken.test");
    let mx = &json["domains"][0]["records"]["mx"][0];
    assert_eq!(mx["target"], "mail.broken.test", "{json:#}");
    assert_eq!(mx["addresses"][0]["ip"], "93.184.216.30");
    // Each problem once, in file order within its rule.
    let parse_errors: Vec<&str> = findings(&json)
        .iter()
        .filter(|finding| finding["rule"] == "zone-parse-error")
        .filter_map(|finding| finding["subject"].as_str())
        .collect();
    assert_eq!(
        parse_errors,
        vec![
            "fixtures/zonefiles/broken.test.zone:19",
            "fixtures/zonefiles/broken.test.zone:20",
            "fixtures/zonefiles/broken.test.zone:21",
        ]
    );
}

#[test]
fn every_zone_rule_has_a_firing_and_a_quiet_fixture() {
    let fired: Vec<&str> = FIRES.iter().map(|(rule, ..)| *rule).collect();
    let quiet: Vec<&str> = QUIET.iter().map(|(rule, ..)| *rule).collect();
    assert_fixtures_both_ways(|rule| rule.section == Section::Zone, &fired, &quiet);
}
