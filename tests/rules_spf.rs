//! Every SPF rule fires where it must and stays quiet where it must not: audits run as the
//! real binary against the fixture zones (`fixtures/zones/spf.test.zone`) served by the
//! in-process DNS server, and record mode (`mailcheck record spf`) on texts.

mod support;

use mailcheck::finding::Section;
use serde_json::Value;
use support::{assert_fixtures_both_ways, findings, findings_of, mailcheck, mailcheck_fixtures};

/// `(rule, domain, severity, text the subject must contain, text the message must contain)`.
const FIRES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "spf-missing",
        "nospf.spf.test",
        "warning",
        "nospf.spf.test",
        "none of the 1 TXT",
    ),
    (
        "spf-missing",
        "notxt.spf.test",
        "warning",
        "notxt.spf.test",
        "has no TXT record",
    ),
    (
        "spf-multiple-records",
        "multiple.spf.test",
        "error",
        "multiple.spf.test",
        "2 SPF records",
    ),
    (
        "spf-syntax",
        "syntax.spf.test",
        "error",
        "syntax.spf.test",
        "not an IPv4 address",
    ),
    (
        "spf-syntax",
        "syntax.spf.test",
        "error",
        "syntax.spf.test",
        "did you mean include?",
    ),
    (
        "spf-all-pass",
        "syntaxpass.spf.test",
        "error",
        "syntaxpass.spf.test",
        "ends in `+all`",
    ),
    (
        "spf-syntax",
        "syntaxptr.spf.test",
        "error",
        "syntaxptr.spf.test",
        "unknown mechanism \"bogus\"",
    ),
    (
        "spf-ptr-mechanism",
        "syntaxptr.spf.test",
        "warning",
        "syntaxptr.spf.test",
        "uses `ptr`",
    ),
    (
        "spf-all-neutral",
        "syntaxptr.spf.test",
        "warning",
        "syntaxptr.spf.test",
        "ends in `?all`",
    ),
    (
        "spf-too-many-lookups",
        "deep.spf.test",
        "error",
        "deep.spf.test",
        "takes 11 DNS lookups",
    ),
    (
        "spf-too-many-lookups",
        "deep.spf.test",
        "error",
        "deep.spf.test",
        "the 11th, which is `a:out5.spf.test` in the record of _inner.deep.spf.test, reached \
         through `include:_spf.deep.spf.test` → `include:_inner.deep.spf.test`",
    ),
    (
        "spf-too-many-void-lookups",
        "void.spf.test",
        "error",
        "void.spf.test",
        "`mx:gone3.spf.test` in the record of void.spf.test",
    ),
    (
        "spf-include-loop",
        "loop.spf.test",
        "error",
        "_loop.loop.spf.test",
        "leads back to loop.spf.test",
    ),
    (
        "spf-include-missing-record",
        "include-missing.spf.test",
        "error",
        "gone.spf.test",
        "does not exist (NXDOMAIN)",
    ),
    (
        "spf-include-missing-record",
        "redirect-missing.spf.test",
        "error",
        "nospf.spf.test",
        "none is an SPF record",
    ),
    (
        "spf-mx-too-many-names",
        "mxmany.spf.test",
        "error",
        "mxmany.spf.test",
        "11 MX records",
    ),
    (
        "spf-all-pass",
        "allpass.spf.test",
        "error",
        "allpass.spf.test",
        "ends in `+all`",
    ),
    (
        "spf-all-pass",
        "incpass.spf.test",
        "error",
        "allpass.spf.test",
        "includes allpass.spf.test",
    ),
    (
        "spf-all-neutral",
        "allneutral.spf.test",
        "warning",
        "allneutral.spf.test",
        "`?all`",
    ),
    (
        "spf-no-all",
        "noall.spf.test",
        "warning",
        "noall.spf.test",
        "neither all nor redirect",
    ),
    (
        "spf-redirect-ignored",
        "redirectignored.spf.test",
        "warning",
        "redirectignored.spf.test",
        "`redirect=good.spf.test`",
    ),
    (
        "spf-ptr-mechanism",
        "ptr.spf.test",
        "warning",
        "ptr.spf.test",
        "uses `ptr`",
    ),
    (
        "spf-unknown-modifier",
        "unknownmod.spf.test",
        "warning",
        "unknownmod.spf.test",
        "did you mean redirect=?",
    ),
    (
        "spf-deprecated-rr-type",
        "type99.spf.test",
        "info",
        "type99.spf.test",
        "type-99",
    ),
    (
        "spf-record-too-long",
        "long.spf.test",
        "warning",
        "long.spf.test",
        "over the 512 that RFC 7208 §3.4 asks",
    ),
];

/// `(rule, domain, why)`: the rule must not fire for this domain.
const QUIET: &[(&str, &str, &str)] = &[
    (
        "spf-missing",
        "gone.spf.test",
        "the domain does not exist: mx-missing says so once, the SPF checks do not apply",
    ),
    (
        "spf-missing",
        "good.spf.test",
        "a TXT record starts with v=spf1",
    ),
    (
        "spf-missing",
        "timeout.failing.test",
        "a timed-out TXT lookup is not a missing record",
    ),
    (
        "spf-multiple-records",
        "good.spf.test",
        "one SPF record among the TXT records",
    ),
    (
        "spf-syntax",
        "split.spf.test",
        "the strings are joined with no separator",
    ),
    ("spf-syntax", "macro.spf.test", "macros are valid syntax"),
    (
        "spf-too-many-lookups",
        "atlimit.spf.test",
        "exactly 10 lookups",
    ),
    ("spf-too-many-lookups", "good.spf.test", "3 lookups"),
    (
        "spf-too-many-void-lookups",
        "void2.spf.test",
        "exactly 2 void lookups",
    ),
    (
        "spf-include-loop",
        "deep.spf.test",
        "the same hosts in several records are no loop",
    ),
    (
        "spf-include-missing-record",
        "redirect.spf.test",
        "every target has a record",
    ),
    (
        "spf-include-missing-record",
        "include-timeout.spf.test",
        "a timed-out lookup is not verified, never missing",
    ),
    (
        "spf-include-missing-record",
        "macro.spf.test",
        "a target that depends on the sender is not looked up",
    ),
    ("spf-mx-too-many-names", "good.spf.test", "one MX name"),
    ("spf-all-pass", "good.spf.test", "-all"),
    ("spf-all-neutral", "good.spf.test", "-all"),
    (
        "spf-no-all",
        "redirect.spf.test",
        "the redirect chain ends in -all",
    ),
    (
        "spf-no-all",
        "syntaxend.spf.test",
        "the unparsed `-all.` is probably the all",
    ),
    (
        "spf-all-pass",
        "syntaxend.spf.test",
        "a misparsed term is no finding",
    ),
    (
        "spf-redirect-ignored",
        "redirect.spf.test",
        "no all beside the redirects",
    ),
    ("spf-ptr-mechanism", "good.spf.test", "no ptr"),
    (
        "spf-unknown-modifier",
        "redirect.spf.test",
        "only redirect=",
    ),
    ("spf-deprecated-rr-type", "good.spf.test", "TXT only"),
    (
        "spf-record-too-long",
        "split.spf.test",
        "short, even in three strings",
    ),
];

/// Record mode: `(rule, record text, severity)`: the rule must fire on this text.
const RECORD_FIRES: &[(&str, &str, &str)] = &[
    ("spf-syntax", "v=spf1 ip4:192.0.2.300 -all", "error"),
    ("spf-all-pass", "v=spf1 all", "error"),
    ("spf-all-neutral", "v=spf1 mx ?all", "warning"),
    ("spf-no-all", "v=spf1 mx", "warning"),
    (
        "txt-record-over-255-octets",
        "v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 ip4:192.0.2.3 ip4:192.0.2.4 ip4:192.0.2.5 \
         ip4:192.0.2.6 ip4:192.0.2.7 ip4:192.0.2.8 ip4:192.0.2.9 ip4:192.0.2.10 \
         ip4:192.0.2.11 ip4:192.0.2.12 ip4:192.0.2.13 ip4:192.0.2.14 ip4:192.0.2.15 \
         ip4:192.0.2.16 ip4:192.0.2.17 ip4:192.0.2.18 ip4:192.0.2.19 -all",
        "info",
    ),
    (
        "spf-redirect-ignored",
        "v=spf1 redirect=example.com -all",
        "warning",
    ),
    (
        "spf-ptr-mechanism",
        "v=spf1 ptr:example.com -all",
        "warning",
    ),
    (
        "spf-unknown-modifier",
        "v=spf1 -all exq=x.example.com",
        "warning",
    ),
    (
        "spf-too-many-lookups",
        "v=spf1 a mx a mx a mx a mx a mx a -all",
        "error",
    ),
];

/// Record mode: `(rule, record text, why)`: the rule must not fire.
const RECORD_QUIET: &[(&str, &str, &str)] = &[
    (
        "spf-syntax",
        "\"v=spf1 ip4:192.0.2.0/24 \" \"-all\"",
        "two strings, joined",
    ),
    (
        "spf-no-all",
        "v=spf1 redirect=_spf.example.com",
        "the redirect decides",
    ),
    (
        "spf-too-many-lookups",
        "v=spf1 a mx a mx a mx a mx a mx -all a",
        "the 11th is after all",
    ),
    ("spf-record-too-long", "v=spf1 -all", "short"),
    (
        "txt-record-over-255-octets",
        "\"v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 ip4:192.0.2.3 ip4:192.0.2.4 ip4:192.0.2.5 \
         ip4:192.0.2.6 ip4:192.0.2.7 ip4:192.0.2.8 ip4:192.0.2.9 ip4:192.0.2.10 \" \
         \"ip4:192.0.2.11 ip4:192.0.2.12 ip4:192.0.2.13 ip4:192.0.2.14 ip4:192.0.2.15 \
         ip4:192.0.2.16 ip4:192.0.2.17 ip4:192.0.2.18 ip4:192.0.2.19 -all\"",
        "written as strings of at most 255 octets",
    ),
    (
        "txt-record-over-255-octets",
        "v=spf1 ip4:192.0.2.0/24 -all",
        "one string holds it",
    ),
    (
        "spf-no-all",
        "v=spf1 mx -all.",
        "the unparsed term is probably the all",
    ),
    (
        "spf-all-pass",
        "v=spf1 -all:x +all",
        "the unparsed `-all:x` may be the end meant",
    ),
    (
        "spf-no-all",
        "v=spf1 mx redirect=x..example",
        "the unparsed term may be the redirect",
    ),
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

fn lint(text: &str) -> (Value, Option<i32>) {
    let output = mailcheck()
        .args(["--format", "json", "record", "spf", text])
        .output()
        .expect("run mailcheck");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{text}: not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (json, output.status.code())
}

#[test]
fn every_spf_rule_fires_where_it_must() {
    for (rule, domain, severity, subject, message) in FIRES {
        let json = audit(domain);
        let hit = findings(&json).iter().any(|finding| {
            finding["rule"] == *rule
                && finding["severity"] == *severity
                && finding["subject"]
                    .as_str()
                    .is_some_and(|text| text.contains(subject))
                && finding["message"]
                    .as_str()
                    .is_some_and(|text| text.contains(message))
        });
        assert!(
            hit,
            "{rule} ({severity}, subject ~ {subject}, message ~ {message:?}) did not fire for \
             {domain}: {:#}",
            json["domains"][0]["findings"]
        );
    }
}

#[test]
fn every_spf_rule_stays_quiet_where_it_must() {
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
fn record_mode_runs_the_rules_that_need_no_lookup() {
    for (rule, text, severity) in RECORD_FIRES {
        let (json, code) = lint(text);
        let found = json["lints"][0]["findings"].as_array().expect("findings");
        assert!(
            found
                .iter()
                .any(|finding| finding["rule"] == *rule && finding["severity"] == *severity),
            "{rule} ({severity}) did not fire on {text:?}: {found:#?}"
        );
        let expected = i32::from(*severity == "error");
        assert_eq!(code, Some(expected), "{text:?}: exit code");
    }
    for (rule, text, why) in RECORD_QUIET {
        let (json, _) = lint(text);
        let found = json["lints"][0]["findings"].as_array().expect("findings");
        assert!(
            !found.iter().any(|finding| finding["rule"] == *rule),
            "{rule} fired on {text:?} ({why}): {found:#?}"
        );
    }
}

/// A syntax error makes the record a permerror, but the lint goes on over the terms that
/// parsed: every problem is reported at once. A term that did not parse says nothing.
#[test]
fn record_mode_lints_past_a_syntax_error() {
    let rules = |text: &str| -> Vec<String> {
        let (json, code) = lint(text);
        assert_eq!(code, Some(1), "{text:?}: a syntax error is an error");
        json["lints"][0]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|finding| finding["rule"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        rules("v=spf1 ip4:45.33.20.300 +all"),
        ["spf-syntax", "spf-all-pass"]
    );
    assert_eq!(
        rules("v=spf1 bogus ptr ?all"),
        ["spf-syntax", "spf-ptr-mechanism", "spf-all-neutral"]
    );
    assert_eq!(
        rules("v=spf1 bogus mx redirct=x.example mx mx mx mx mx mx mx mx mx mx"),
        ["spf-syntax", "spf-unknown-modifier", "spf-too-many-lookups"]
    );
    for quiet in ["v=spf1 mx -all.", "v=spf1 -al +all", "v=spf1 mx ~alll"] {
        assert_eq!(rules(quiet), ["spf-syntax"], "{quiet:?}");
    }
}

/// The rules of a record-mode run, in order, with their severities.
fn rules_of(kind: &str, text: &str) -> Vec<(String, String)> {
    let output = mailcheck()
        .args(["--format", "json", "record", kind, text])
        .output()
        .expect("run mailcheck");
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    json["lints"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap_or_default().to_owned(),
                finding["severity"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_string_over_255_octets_cannot_be_published() {
    let text = format!("v=spf1 {}-all", "ip4:192.0.2.1 ".repeat(20));
    assert!(text.len() > 255 && text.len() < 300);
    // Quoted (zone-file syntax): published as written, so it cannot be.
    let (json, code) = lint(&format!("\"{text}\""));
    let found = json["lints"][0]["findings"].as_array().expect("findings");
    assert!(
        found
            .iter()
            .any(|finding| finding["rule"] == "zone-txt-string-too-long"
                && finding["severity"] == "error"
                && finding["section"] == "spf"),
        "{found:#?}"
    );
    assert_eq!(code, Some(1));
    // Plain text: every DNS tool cuts it into strings, which receivers join: information.
    let (json, code) = lint(&text);
    let found = json["lints"][0]["findings"].as_array().expect("findings");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["rule"], "txt-record-over-255-octets");
    assert_eq!(found[0]["severity"], "info");
    assert!(
        found[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("published as 2 strings")),
        "{found:#?}"
    );
    assert_eq!(code, Some(0));
    // The same text in strings of at most 255 octets: nothing to say about its strings.
    let split = format!(
        "\"v=spf1 {}\" \"{}-all\"",
        "ip4:192.0.2.1 ".repeat(10),
        "ip4:192.0.2.1 ".repeat(10)
    );
    assert_eq!(rules_of("spf", &split), []);
}

/// RFC 7208 §3.4: the answer holding the record should fit 512 octets. In record mode the
/// name is unknown and counts for nothing, so only a record that cannot fit with any name is
/// reported; a real 306-octet record is fine.
#[test]
fn spf_record_too_long_follows_the_512_octet_answer() {
    let long = format!("v=spf1 {}-all", "ip4:192.0.2.1 ".repeat(34));
    assert!(long.len() > 480, "{}", long.len());
    assert!(
        rules_of("spf", &long).contains(&("spf-record-too-long".into(), "warning".into())),
        "{:?}",
        rules_of("spf", &long)
    );
    let real = format!("v=spf1 {}-all", "ip4:192.0.2.1 ".repeat(21));
    assert!(real.len() > 300);
    assert!(
        !rules_of("spf", &real)
            .iter()
            .any(|(rule, _)| rule == "spf-record-too-long")
    );
}

/// `record spf` and `record dkim` judge the same input the same way: a long plain text is
/// information, a quoted string over 255 octets an error, in either family.
#[test]
fn record_spf_and_record_dkim_judge_strings_alike() {
    let key = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/dkim-keys/rsa2048.spki.b64"
    ))
    .expect("the 2048-bit key");
    let dkim = format!("v=DKIM1; k=rsa; p={}", key.trim());
    let spf = format!("v=spf1 {}-all", "ip4:192.0.2.1 ".repeat(25));
    for (kind, text) in [("dkim", &dkim), ("spf", &spf)] {
        assert!(text.len() > 255, "{kind}");
        let strings = |found: Vec<(String, String)>| -> Vec<(String, String)> {
            found
                .into_iter()
                .filter(|(rule, _)| rule.starts_with("txt-") || rule.starts_with("zone-"))
                .collect()
        };
        assert_eq!(
            strings(rules_of(kind, text)),
            [("txt-record-over-255-octets".into(), "info".into())],
            "{kind} plain"
        );
        assert_eq!(
            strings(rules_of(kind, &format!("\"{text}\""))),
            [("zone-txt-string-too-long".into(), "error".into())],
            "{kind} quoted"
        );
    }
}

#[test]
fn syntax_findings_point_at_the_problem() {
    let json = audit("syntax.spf.test");
    let spans: Vec<(String, &str)> = findings(&json)
        .iter()
        .filter(|finding| finding["rule"] == "spf-syntax")
        .map(|finding| {
            let text = finding["excerpt"]["text"].as_str().expect("excerpt text");
            let start =
                usize::try_from(finding["excerpt"]["span"]["start"].as_u64().unwrap()).unwrap();
            let end = usize::try_from(finding["excerpt"]["span"]["end"].as_u64().unwrap()).unwrap();
            (text[start..end].to_owned(), text)
        })
        .collect();
    let marked: Vec<&str> = spans.iter().map(|(marked, _)| marked.as_str()).collect();
    assert_eq!(marked, ["93.184.216.300", "inclde"]);
}

#[test]
fn the_good_spf_domain_is_clean() {
    let json = audit("good.spf.test");
    let spf: Vec<&Value> = findings(&json)
        .iter()
        .filter(|finding| finding["section"] == "spf")
        .collect();
    assert!(spf.is_empty(), "{spf:#?}");
    let tree = &json["domains"][0]["records"]["spf"];
    assert_eq!(tree["lookups"], 3, "{tree:#}");
    assert_eq!(tree["tree"]["own_lookups"], 3);
    assert_eq!(
        tree["tree"]["terms"][2]["child"]["domain"],
        "_spf.provider.spf.test"
    );
}

#[test]
fn the_tree_counts_own_and_cumulative_lookups() {
    let json = audit("deep.spf.test");
    let spf = &json["domains"][0]["records"]["spf"];
    assert_eq!(spf["lookups"], 11);
    assert_eq!(spf["lookups_at_least"], false);
    let root = &spf["tree"];
    assert_eq!(
        (
            root["own_lookups"].as_u64(),
            root["cumulative_lookups"].as_u64()
        ),
        (Some(3), Some(11))
    );
    let first = &root["terms"][2]["child"];
    assert_eq!(first["domain"], "_spf.deep.spf.test");
    assert_eq!(
        (
            first["own_lookups"].as_u64(),
            first["cumulative_lookups"].as_u64()
        ),
        (Some(3), Some(8))
    );
    let inner = &first["terms"][2]["child"];
    assert_eq!(
        (
            inner["own_lookups"].as_u64(),
            inner["cumulative_lookups"].as_u64()
        ),
        (Some(5), Some(5))
    );
    let path: Vec<&str> = spf["eleventh_lookup"]
        .as_array()
        .expect("path")
        .iter()
        .map(|step| step["term"].as_str().unwrap())
        .collect();
    assert_eq!(
        path,
        [
            "include:_spf.deep.spf.test",
            "include:_inner.deep.spf.test",
            "a:out5.spf.test"
        ]
    );
}

#[test]
fn human_output_shows_where_the_eleventh_lookup_is() {
    let output = mailcheck_fixtures()
        .args(["--color", "never", "deep.spf.test"])
        .output()
        .expect("run mailcheck");
    let text = String::from_utf8_lossy(&output.stdout);
    let section: Vec<&str> = text
        .lines()
        .skip_while(|line| *line != "SPF")
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .collect();
    let marked: Vec<&&str> = section
        .iter()
        .filter(|line| line.contains("11th lookup"))
        .collect();
    assert_eq!(marked.len(), 1, "{text}");
    assert!(
        marked[0]
            .trim_start()
            .starts_with("include:_inner.deep.spf.test  5 / 5"),
        "{text}"
    );
    // The marked line is nested under the include that leads to it.
    assert!(
        section.contains(&"      include:_spf.deep.spf.test  3 / 8"),
        "{text}"
    );
}

#[test]
fn every_spf_rule_has_fixtures_both_ways() {
    // Record-mode texts are fixtures too: txt-record-over-255-octets judges only what a user
    // writes (a record from DNS is always in strings of at most 255 octets).
    let fired: Vec<&str> = FIRES
        .iter()
        .map(|(rule, ..)| *rule)
        .chain(RECORD_FIRES.iter().map(|(rule, ..)| *rule))
        .collect();
    let quiet: Vec<&str> = QUIET
        .iter()
        .map(|(rule, ..)| *rule)
        .chain(RECORD_QUIET.iter().map(|(rule, ..)| *rule))
        .collect();
    let family = assert_fixtures_both_ways(|rule| rule.section == Section::Spf, &fired, &quiet);
    for rule in &family {
        assert!(
            rule.references
                .iter()
                .any(|reference| reference.starts_with("RFC")),
            "{} cites no RFC section",
            rule.id
        );
    }
    for id in RECORD_FIRES
        .iter()
        .map(|(rule, ..)| rule)
        .chain(RECORD_QUIET.iter().map(|(rule, ..)| rule))
    {
        assert!(
            family.iter().any(|rule| rule.id == *id),
            "{id} is in a record-mode table but is not an SPF rule in RULES"
        );
    }
}
