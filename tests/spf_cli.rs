//! `mailcheck spf DOMAIN --ip IP`: the evaluator through the real binary against the fixture
//! zones, and its exit codes (0 whenever the evaluation ran, 2 for bad input).

mod support;

use serde_json::Value;
use support::mailcheck_fixtures;

fn spf_json(args: &[&str]) -> (Value, Option<i32>) {
    let output = mailcheck_fixtures()
        .args(["--format", "json", "spf"])
        .args(args)
        .output()
        .expect("run mailcheck");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (json, output.status.code())
}

#[test]
fn results_with_the_deciding_term() {
    // (domain, ip, result, deciding terms, outermost first)
    let cases: &[(&str, &str, &str, &[&str])] = &[
        ("good.spf.test", "93.184.216.30", "pass", &["mx"]),
        (
            "good.spf.test",
            "93.184.216.31",
            "pass",
            &["a:out1.spf.test"],
        ),
        (
            "good.spf.test",
            "2606:2800:220:1::99",
            "pass",
            &["include:_spf.provider.spf.test", "ip6:2606:2800:220:1::/64"],
        ),
        ("good.spf.test", "198.51.100.7", "fail", &["-all"]),
        (
            "redirect.spf.test",
            "93.184.216.30",
            "pass",
            &["a:mail.spf.test"],
        ),
        ("redirect.spf.test", "198.51.100.7", "fail", &["-all"]),
        ("allneutral.spf.test", "198.51.100.7", "neutral", &["?all"]),
        ("noall.spf.test", "198.51.100.7", "neutral", &[]),
        ("nospf.spf.test", "198.51.100.7", "none", &[]),
        ("multiple.spf.test", "198.51.100.7", "permerror", &[]),
        ("syntax.spf.test", "198.51.100.7", "permerror", &[]),
        ("loop.spf.test", "198.51.100.7", "permerror", &[]),
        ("void.spf.test", "198.51.100.7", "permerror", &[]),
        ("deep.spf.test", "198.51.100.7", "permerror", &[]),
        ("atlimit.spf.test", "198.51.100.7", "fail", &["-all"]),
        ("include-timeout.spf.test", "198.51.100.7", "temperror", &[]),
    ];
    for (domain, ip, result, decided) in cases {
        let (json, code) = spf_json(&[domain, "--ip", ip]);
        assert_eq!(
            code,
            Some(0),
            "{domain} {ip}: the evaluation ran, so exit 0"
        );
        let check = &json["spf_check"];
        assert_eq!(check["result"], *result, "{domain} {ip}: {check:#}");
        let terms: Vec<&str> = check["decided_by"]
            .as_array()
            .expect("decided_by")
            .iter()
            .map(|step| step["term"].as_str().unwrap())
            .collect();
        assert_eq!(terms, *decided, "{domain} {ip}: {check:#}");
        assert!(!check["trace"].as_array().expect("trace").is_empty());
    }
}

#[test]
fn the_eleventh_lookup_is_named_in_the_reason() {
    let (json, _) = spf_json(&["deep.spf.test", "--ip", "198.51.100.7"]);
    let reason = json["spf_check"]["reason"].as_str().expect("reason");
    assert!(
        reason.contains(
            "a:out5.spf.test in the record of _inner.deep.spf.test is DNS lookup number 11"
        ),
        "{reason}"
    );
    assert_eq!(json["spf_check"]["lookups"], 11);
}

#[test]
fn macros_use_the_sender() {
    // exists:%{i}._spf.spf.test finds nothing; include:%{l}._u.spf.test does not exist either:
    // the include of a missing record is a permerror, for this sender.
    let (json, code) = spf_json(&[
        "macro.spf.test",
        "--ip",
        "198.51.100.7",
        "--sender",
        "someone@macro.spf.test",
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(json["spf_check"]["result"], "permerror", "{json:#}");
    assert!(
        json["spf_check"]["reason"]
            .as_str()
            .unwrap()
            .contains("someone._u.spf.test"),
        "{json:#}"
    );
}

#[test]
fn human_output_has_result_term_and_trace() {
    let output = mailcheck_fixtures()
        .args([
            "--color",
            "never",
            "spf",
            "good.spf.test",
            "--ip",
            "2606:2800:220:1::99",
            "--helo",
            "mail.example.org",
        ])
        .output()
        .expect("run mailcheck");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0));
    for expected in [
        "SPF check of good.spf.test for 2606:2800:220:1::99",
        "sender postmaster@good.spf.test, HELO mail.example.org",
        "Result: pass",
        "Decided by: include:_spf.provider.spf.test (in good.spf.test) → ip6:2606:2800:220:1::/64 (in _spf.provider.spf.test)",
        "Trace",
        "record: v=spf1 mx a:out1.spf.test include:_spf.provider.spf.test -all",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn bad_input_exits_2() {
    for args in [
        &["good.spf.test", "--ip", "not-an-ip"][..],
        &["not a domain", "--ip", "192.0.2.1"],
        &[
            "good.spf.test",
            "--ip",
            "192.0.2.1",
            "--sender",
            "a b@example.com",
        ],
        &["good.spf.test", "--ip", "192.0.2.1", "--sender", "user@"],
        &["good.spf.test", "--ip", "192.0.2.1", "--helo", ""],
        &["good.spf.test"],
    ] {
        let output = mailcheck_fixtures()
            .args(["spf"])
            .args(args)
            .output()
            .expect("run mailcheck");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn the_spf_command_reads_zone_files_offline() {
    let output = support::mailcheck()
        .args([
            "--offline",
            "--zone",
            "fixtures/zones/spf.test.zone",
            "--format",
            "json",
            "spf",
            "deep.spf.test",
            "--ip",
            "93.184.216.34",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["spf_check"]["result"], "pass", "{json:#}");
}
