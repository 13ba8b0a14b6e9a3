//! Every DKIM rule fires where it must and stays quiet where it must not, run as the real
//! binary against the fixture zones (`fixtures/zones/dkim.test.zone`, `provider.test.zone`,
//! `good.test.zone`) served by the in-process DNS server; plus what the human and JSON output
//! say about the keys found.

mod support;

use std::collections::BTreeSet;

use mailcheck::finding::Section;
use serde_json::Value;
use support::{assert_fixtures_both_ways, findings, findings_of, has_finding, mailcheck_fixtures};

/// `(rule, domain, --selector values, severity, text the subject must contain)`.
const FIRES: &[(&str, &str, &[&str], &str, &str)] = &[
    (
        "dkim-no-key-found",
        "nokey.dkim.test",
        &[],
        "warning",
        "_domainkey.nokey.dkim.test",
    ),
    (
        "dkim-selectors-not-probed",
        "hidden.dkim.test",
        &[],
        "info",
        "_domainkey.hidden.dkim.test",
    ),
    (
        "dkim-selectors-not-probed",
        "wildcardonly.dkim.test",
        &[],
        "info",
        "_domainkey.wildcardonly.dkim.test",
    ),
    (
        "dkim-selectors-not-probed",
        "wildcarda.dkim.test",
        &[],
        "info",
        "_domainkey.wildcarda.dkim.test",
    ),
    (
        "dkim-no-key-found",
        "nodatacname.dkim.test",
        &[],
        "warning",
        "selector2._domainkey.nodatacname.dkim.test",
    ),
    (
        "dkim-no-key-found",
        "dangling.dkim.test",
        &["selector1"],
        "error",
        "selector1._domainkey.dangling.dkim.test",
    ),
    (
        "dkim-no-key-found",
        "good.test",
        &["nosuch"],
        "error",
        "nosuch._domainkey.good.test",
    ),
    (
        "dkim-syntax",
        "syntax.dkim.test",
        &[],
        "error",
        "google._domainkey.syntax.dkim.test",
    ),
    (
        "dkim-multiple-records",
        "multiple.dkim.test",
        &[],
        "error",
        "default._domainkey.multiple.dkim.test",
    ),
    (
        "dkim-key-invalid",
        "truncated.dkim.test",
        &[],
        "error",
        "mail._domainkey.truncated.dkim.test",
    ),
    (
        "dkim-key-invalid",
        "mismatch.dkim.test",
        &[],
        "error",
        "google._domainkey.mismatch.dkim.test",
    ),
    (
        "dkim-key-invalid",
        "pkcs1.dkim.test",
        &[],
        "warning",
        "dkim._domainkey.pkcs1.dkim.test",
    ),
    (
        "dkim-unknown-key-type",
        "unknown.dkim.test",
        &[],
        "error",
        "google._domainkey.unknown.dkim.test",
    ),
    (
        "dkim-key-revoked",
        "revoked.dkim.test",
        &[],
        "info",
        "s2._domainkey.revoked.dkim.test",
    ),
    (
        "dkim-key-revoked",
        "revoked.dkim.test",
        &["s2"],
        "error",
        "s2._domainkey.revoked.dkim.test",
    ),
    (
        "dkim-key-too-short",
        "rsa512.dkim.test",
        &[],
        "error",
        "default._domainkey.rsa512.dkim.test",
    ),
    (
        "dkim-key-weak",
        "rsa1024.dkim.test",
        &[],
        "warning",
        "selector1._domainkey.rsa1024.dkim.test",
    ),
    (
        "dkim-key-weak",
        "weakcname.dkim.test",
        &[],
        "warning",
        "k1._domainkey.weakcname.dkim.test",
    ),
    (
        "dkim-key-weak",
        "wildcardkey.dkim.test",
        &[],
        "warning",
        "*._domainkey.wildcardkey.dkim.test",
    ),
    (
        "dkim-testing-mode",
        "testing.dkim.test",
        &[],
        "warning",
        "google._domainkey.testing.dkim.test",
    ),
    (
        "dkim-sha1-only",
        "sha1.dkim.test",
        &[],
        "warning",
        "google._domainkey.sha1.dkim.test",
    ),
    (
        "dns-lookup-failed",
        "dkimfail.dkim.test",
        &[],
        "warning",
        "_domainkey.dkimfail.dkim.test",
    ),
    (
        "dns-lookup-failed",
        "dkimfail.dkim.test",
        &["google"],
        "warning",
        "google._domainkey.dkimfail.dkim.test",
    ),
];

/// `(rule, domain, --selector values, why)`: the rule must not fire.
const QUIET: &[(&str, &str, &[&str], &str)] = &[
    ("dkim-no-key-found", "good.test", &[], "google has a key"),
    (
        "dkim-no-key-found",
        "hidden.dkim.test",
        &[],
        "_domainkey is NODATA: the selectors are not among those probed",
    ),
    (
        "dkim-no-key-found",
        "wildcardonly.dkim.test",
        &[],
        "under a wildcard, probing cannot tell",
    ),
    (
        "dkim-selectors-not-probed",
        "nokey.dkim.test",
        &[],
        "_domainkey is NXDOMAIN: no selector of any name exists",
    ),
    (
        "dkim-selectors-not-probed",
        "good.test",
        &[],
        "google has a key",
    ),
    (
        "dkim-selectors-not-probed",
        "hidden.dkim.test",
        &["2026q4"],
        "the selector is named",
    ),
    (
        "dkim-no-key-found",
        "nullmx.test",
        &[],
        "v=spf1 -all: the domain says it sends no mail",
    ),
    (
        "dkim-no-key-found",
        "hidden.dkim.test",
        &["2026q4"],
        "the named selector has a key",
    ),
    (
        "dkim-no-key-found",
        "cname.dkim.test",
        &[],
        "the key behind the CNAME is found",
    ),
    (
        "dkim-no-key-found",
        "wildcardkey.dkim.test",
        &[],
        "a wildcard key serves every selector",
    ),
    (
        "dkim-no-key-found",
        "dkimfail.dkim.test",
        &[],
        "a SERVFAIL is not a missing key",
    ),
    (
        "dkim-no-key-found",
        "timeout.failing.test",
        &[],
        "timeouts are not missing keys",
    ),
    (
        "dkim-no-key-found",
        "doesnotexist.dkim.test",
        &[],
        "a domain that does not exist is reported by mx-missing alone",
    ),
    ("dkim-syntax", "good.test", &[], "a plain, correct record"),
    (
        "dkim-syntax",
        "wildcard.dkim.test",
        &[],
        "the wildcard's v=spf1 answer to every probe is not taken for a key",
    ),
    (
        "dkim-syntax",
        "ed25519.dkim.test",
        &[],
        "every optional tag, correctly written",
    ),
    (
        "dkim-multiple-records",
        "revoked.dkim.test",
        &[],
        "two selectors with one record each",
    ),
    ("dkim-key-invalid", "good.test", &[], "a 2048-bit SPKI key"),
    (
        "dkim-key-invalid",
        "ed25519.dkim.test",
        &[],
        "a raw 32-byte ed25519 key",
    ),
    (
        "dkim-key-invalid",
        "rsa4096.dkim.test",
        &[],
        "4096 bits split over three strings",
    ),
    (
        "dkim-unknown-key-type",
        "ed25519.dkim.test",
        &[],
        "ed25519 is a known type",
    ),
    ("dkim-key-revoked", "good.test", &[], "the key has a p="),
    (
        "dkim-key-too-short",
        "rsa1024.dkim.test",
        &[],
        "1024 bits is weak, not too short",
    ),
    ("dkim-key-too-short", "good.test", &[], "2048 bits"),
    ("dkim-key-weak", "good.test", &[], "2048 bits"),
    ("dkim-key-weak", "rsa4096.dkim.test", &[], "4096 bits"),
    (
        "dkim-key-weak",
        "rsa512.dkim.test",
        &[],
        "reported once, as too short",
    ),
    (
        "dkim-key-weak",
        "cname.dkim.test",
        &[],
        "the provider's key is 2048 bits",
    ),
    ("dkim-testing-mode", "good.test", &[], "no t="),
    (
        "dkim-testing-mode",
        "revoked.dkim.test",
        &[],
        "t=y of a revoked key does not matter",
    ),
    ("dkim-sha1-only", "good.test", &[], "no h="),
    (
        "dkim-sha1-only",
        "ed25519.dkim.test",
        &[],
        "h=sha1:sha256 allows sha256",
    ),
    (
        "dns-lookup-failed",
        "hidden.dkim.test",
        &[],
        "every probe is answered (NXDOMAIN)",
    ),
];

fn audit(domain: &str, selectors: &[&str]) -> (Value, Option<i32>) {
    audit_with(domain, selectors, &[])
}

/// `audit` with extra command-line arguments.
fn audit_with(domain: &str, selectors: &[&str], extra: &[&str]) -> (Value, Option<i32>) {
    let mut command = mailcheck_fixtures();
    command.args(["--format", "json", domain]);
    command.args(extra);
    for selector in selectors {
        command.args(["--selector", selector]);
    }
    let output = command.output().expect("run mailcheck");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{domain}: not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (json, output.status.code())
}

fn human(domain: &str, selectors: &[&str]) -> String {
    let mut command = mailcheck_fixtures();
    // Lines are checked whole: no wrapping.
    command.env("COLUMNS", "1000");
    command.args(["--color", "never", domain]);
    for selector in selectors {
        command.args(["--selector", selector]);
    }
    let output = command.output().expect("run mailcheck");
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn dkim_findings(json: &Value) -> Vec<&Value> {
    findings(json)
        .iter()
        .filter(|finding| finding["section"] == "dkim")
        .collect()
}

#[test]
fn every_dkim_rule_fires_where_it_must() {
    for (rule, domain, selectors, severity, subject) in FIRES {
        let (json, _) = audit(domain, selectors);
        assert!(
            has_finding(&json, rule, severity, subject),
            "{rule} ({severity}, subject containing {subject}) did not fire for {domain} \
             {selectors:?}: {:#}",
            json["domains"][0]["findings"]
        );
    }
}

#[test]
fn every_dkim_rule_stays_quiet_where_it_must() {
    for (rule, domain, selectors, why) in QUIET {
        let (json, _) = audit(domain, selectors);
        let fired = findings_of(&json, rule);
        assert!(
            fired.is_empty(),
            "{rule} fired for {domain} {selectors:?} ({why}): {fired:#?}"
        );
    }
}

#[test]
fn every_dkim_rule_has_a_firing_and_a_quiet_fixture() {
    let fired: Vec<&str> = FIRES.iter().map(|(rule, ..)| *rule).collect();
    let quiet: Vec<&str> = QUIET.iter().map(|(rule, ..)| *rule).collect();
    let family = assert_fixtures_both_ways(|rule| rule.section == Section::Dkim, &fired, &quiet);
    assert_eq!(
        family.len(),
        11,
        "the ten rules of issue 4 and dkim-selectors-not-probed"
    );
}

#[test]
fn clean_dkim_setups_have_no_dkim_findings() {
    for (domain, selectors) in [
        ("good.test", &[][..]),
        ("rsa4096.dkim.test", &[]),
        ("ed25519.dkim.test", &[]),
        ("cname.dkim.test", &[]),
        ("hidden.dkim.test", &["2026q4"]),
        ("good.test", &["google", "GOOGLE"]),
    ] {
        let (json, _) = audit(domain, selectors);
        let dkim = dkim_findings(&json);
        assert!(dkim.is_empty(), "{domain} {selectors:?}: {dkim:#?}");
    }
}

#[test]
fn json_records_describe_every_key() {
    let (json, _) = audit("ed25519.dkim.test", &[]);
    let dkim = &json["domains"][0]["records"]["dkim"];
    assert_eq!(dkim["mode"], "discovery");
    let by_default = mailcheck::dkim::selectors::COMMON_SELECTORS
        .iter()
        .filter(|known| known.by_default)
        .count();
    assert_eq!(
        dkim["selectors_checked"].as_u64().unwrap(),
        by_default as u64
    );
    assert_eq!(dkim["domainkey"], "nodata");
    let selectors = dkim["selectors"].as_array().unwrap();
    let found: Vec<&str> = selectors
        .iter()
        .map(|s| s["selector"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["google", "s1"]);
    let google = &selectors[0]["keys"][0];
    assert_eq!(google["key_type"], "rsa");
    assert_eq!(google["bits"], 2048);
    assert_eq!(google["exponent"], 65537);
    assert_eq!(google["encoding"], "spki");
    assert_eq!(google["status"], "valid");
    let ed = &selectors[1]["keys"][0];
    assert_eq!(ed["key_type"], "ed25519");
    assert_eq!(ed["hashes"], serde_json::json!(["sha1", "sha256"]));
    assert_eq!(ed["services"], serde_json::json!(["email"]));

    let (json, _) = audit("cname.dkim.test", &[]);
    let selector = &json["domains"][0]["records"]["dkim"]["selectors"][0];
    assert_eq!(
        selector["cname_chain"],
        serde_json::json!(["selector1-cname-dkim-test._domainkey.provider.test"])
    );
    assert_eq!(selector["keys"][0]["bits"], 2048);

    let (json, _) = audit("revoked.dkim.test", &["s2", "s9"]);
    let dkim = &json["domains"][0]["records"]["dkim"];
    assert_eq!(dkim["mode"], "named");
    assert_eq!(dkim["selectors"][0]["keys"][0]["status"], "revoked");
    assert_eq!(dkim["selectors"][1]["status"], "nxdomain");

    let (json, _) = audit("nokey.dkim.test", &[]);
    assert_eq!(
        json["domains"][0]["records"]["dkim"]["domainkey"],
        "nxdomain"
    );
}

#[test]
fn human_output_says_which_key_is_weak_by_how_much_and_what_to_publish() {
    let text = human("rsa1024.dkim.test", &[]);
    assert!(
        text.contains("selector1._domainkey: rsa 1024-bit key"),
        "overview line missing:\n{text}"
    );
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for wanted in [
        "selector1._domainkey.rsa1024.dkim.test publishes an rsa 1024-bit key: 1024 bits short \
         of the 2048 bits",
        "openssl genrsa -out new.key 2048",
        "selector1-rsa2048._domainkey.rsa1024.dkim.test. TXT \"v=DKIM1; k=rsa; \" \"p=…\"",
        "revoke it with `selector1._domainkey.rsa1024.dkim.test. TXT \"v=DKIM1; k=rsa; p=\"`",
    ] {
        assert!(flat.contains(wanted), "missing {wanted:?} in:\n{text}");
    }

    let text = human("rsa512.dkim.test", &[]);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("rsa 512-bit key: verifiers must reject"),
        "{text}"
    );
    assert!(
        flat.contains("1536 bits short of the 2048 recommended"),
        "{text}"
    );

    // A provider's key: the fix says whose it is.
    let text = human("weakcname.dkim.test", &[]);
    assert!(
        text.contains(
            "k1._domainkey → k1-weakcname._domainkey.provider.test (CNAME): rsa 1024-bit key"
        ),
        "{text}"
    );
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("published by your email provider at k1-weakcname._domainkey.provider.test"),
        "{text}"
    );
}

#[test]
fn human_overview_shows_selectors_found_and_why_none_was() {
    let text = human("ed25519.dkim.test", &[]);
    assert!(text.contains("with keys"), "{text}");
    assert!(
        text.contains("google._domainkey: rsa 2048-bit key"),
        "{text}"
    );
    assert!(
        text.contains("s1._domainkey: ed25519 key, strict (t=s), h=sha1:sha256, s=email"),
        "{text}"
    );
    let text = human("nokey.dkim.test", &[]);
    assert!(
        text.contains("_domainkey.nokey.dkim.test does not exist (NXDOMAIN)"),
        "{text}"
    );
    let text = human("hidden.dkim.test", &[]);
    assert!(text.contains("(name them with --selector)"), "{text}");
    let text = human("dangling.dkim.test", &["selector1"]);
    assert!(
        text.contains(
            "selector1._domainkey → selector1-dangling._domainkey.provider.test (CNAME): no key \
             at the target"
        ),
        "{text}"
    );
}

#[test]
fn discovery_probes_every_common_selector_and_named_selectors_replace_them() {
    let txt_names = |json: &Value| -> BTreeSet<String> {
        json["domains"][0]["dns"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|query| query["type"] == "TXT")
            .map(|query| query["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (json, _) = audit("good.test", &[]);
    let asked = txt_names(&json);
    let (json, _) = audit_with("good.test", &[], &["--all-selectors"]);
    let asked_all = txt_names(&json);
    for selector in mailcheck::dkim::selectors::COMMON_SELECTORS {
        let name = format!("{}._domainkey.good.test", selector.name);
        assert_eq!(
            asked.contains(&name),
            selector.by_default,
            "{name}: probed by default only when listed so"
        );
        assert!(
            asked_all.contains(&name),
            "{name}: not probed with --all-selectors"
        );
    }
    assert!(asked.contains("_domainkey.good.test"));

    let (json, _) = audit("good.test", &["google"]);
    let dkim_queries: Vec<&str> = json["domains"][0]["dns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|query| query["name"].as_str().unwrap())
        .filter(|name| name.contains("_domainkey"))
        .collect();
    assert_eq!(
        dkim_queries,
        [
            "_domainkey.good.test",
            "google._domainkey.good.test",
            "google._domainkey.good.test"
        ],
        "TXT and CNAME of the named selector, and _domainkey, nothing else"
    );
}

#[test]
fn a_wildcard_under_domainkey_is_not_a_key_per_selector() {
    let (json, _) = audit("wildcard.dkim.test", &[]);
    let dkim = &json["domains"][0]["records"]["dkim"];
    assert_eq!(dkim["wildcard"], true);
    let found: Vec<&str> = dkim["selectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["selector"].as_str().unwrap())
        .collect();
    assert_eq!(
        found,
        ["google"],
        "only the selector with a record of its own"
    );
    assert!(
        dkim_findings(&json).is_empty(),
        "{:#?}",
        dkim_findings(&json)
    );
    let text = human("wildcard.dkim.test", &[]);
    assert!(
        text.contains(
            "a wildcard TXT record answers every name under _domainkey.wildcard.dkim.test"
        ),
        "{text}"
    );
    // A selector named on purpose is checked, wildcard or not.
    let (json, _) = audit("wildcard.dkim.test", &["s1"]);
    assert!(
        dkim_findings(&json)
            .iter()
            .any(|finding| finding["rule"] == "dkim-syntax"),
        "{json:#}"
    );
    let (json, _) = audit("good.test", &[]);
    assert_eq!(json["domains"][0]["records"]["dkim"]["wildcard"], false);
    // A wildcard that is a key is shown (and checked) once.
    let text = human("wildcardkey.dkim.test", &[]);
    assert!(
        text.contains("*._domainkey (a wildcard, for every selector): rsa 1024-bit key"),
        "{text}"
    );
    let (json, _) = audit("wildcardkey.dkim.test", &[]);
    let weak = dkim_findings(&json)
        .iter()
        .filter(|finding| finding["rule"] == "dkim-key-weak")
        .count();
    assert_eq!(weak, 1, "{json:#}");
}

#[test]
fn bad_selectors_are_input_errors() {
    let output = mailcheck_fixtures()
        .args(["good.test", "--selector", "s1._domainkey.good.test"])
        .output()
        .expect("run mailcheck");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("give the selector alone"), "{stderr}");
}

#[test]
fn named_selector_errors_fail_the_run() {
    let (_, code) = audit("revoked.dkim.test", &["s2"]);
    assert_eq!(
        code,
        Some(1),
        "a revoked key named with --selector is an error"
    );
    let (_, code) = audit("revoked.dkim.test", &["s1"]);
    assert_eq!(code, Some(0));
}

/// A selector is shown as the user wrote it; DNS compares names without regard to case
/// (RFC 4343), so `K1` finds the key published at `k1._domainkey`, and `K1` with `k1` is one
/// selector, asked once.
#[test]
fn selectors_keep_the_case_they_were_written_in() {
    let (json, _) = audit("rsa4096.dkim.test", &["K1", "k1"]);
    let dkim = &json["domains"][0]["records"]["dkim"];
    let selectors = dkim["selectors"].as_array().expect("selectors");
    assert_eq!(selectors.len(), 1, "{dkim:#}");
    assert_eq!(selectors[0]["selector"], "K1");
    assert_eq!(selectors[0]["name"], "K1._domainkey.rsa4096.dkim.test");
    assert_eq!(selectors[0]["status"], "found", "{dkim:#}");
    let text = human("rsa4096.dkim.test", &["K1"]);
    assert!(text.contains("K1._domainkey"), "{text}");
    // A finding about a named selector names it as written.
    let (json, _) = audit("nokey.dkim.test", &["Sel2024"]);
    let subjects: Vec<&str> = dkim_findings(&json)
        .iter()
        .filter(|finding| finding["rule"] == "dkim-no-key-found")
        .filter_map(|finding| finding["subject"].as_str())
        .collect();
    assert_eq!(subjects, ["Sel2024._domainkey.nokey.dkim.test"]);
}

/// Discovery that finds no key where selectors exist says how to name one, and under a
/// wildcard claims nothing about keys being published.
#[test]
fn selectors_outside_the_probed_list_are_information() {
    let message = |domain: &str| -> String {
        let (json, _) = audit(domain, &[]);
        let found = findings_of(&json, "dkim-selectors-not-probed");
        assert_eq!(found.len(), 1, "{domain}: {found:#?}");
        assert_eq!(found[0]["severity"], "info");
        assert!(
            found[0]["fix"]
                .as_str()
                .is_some_and(|fix| fix.contains("--selector") && fix.contains("s= tag")),
            "{found:#?}"
        );
        found[0]["message"].as_str().unwrap_or_default().to_owned()
    };
    let hidden = message("hidden.dkim.test");
    assert!(hidden.contains("NODATA"), "{hidden}");
    let text = message("wildcardonly.dkim.test");
    assert!(text.contains("a wildcard answers every name"), "{text}");
    assert!(!text.contains("may be published"), "{text}");
    let text = human("wildcardonly.dkim.test", &[]);
    assert!(!text.contains("may be published"), "{text}");
    // A wildcard of another type makes every probe NODATA (RFC 4592; the test server
    // answers NXDOMAIN there, so the zone file is read directly, as BIND and NSD answer).
    let output = support::mailcheck()
        .args(["--offline", "--zone"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/zones/dkim.test.zone"
        ))
        .args(["--format", "json", "wildcarda.dkim.test"])
        .output()
        .expect("run mailcheck");
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let found = findings_of(&json, "dkim-selectors-not-probed");
    assert_eq!(found.len(), 1, "{found:#?}");
    let text = found[0]["message"].as_str().unwrap_or_default();
    assert!(text.contains("a wildcard answers every name"), "{text}");
    assert!(findings_of(&json, "dkim-no-key-found").is_empty());
}
