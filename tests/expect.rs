//! `--expect`, run as the real binary: against the fixture server and against the same zones
//! given with `--zone --offline`. The expect file `fixtures/expect/provider.zone` lists what an
//! email provider (`mailer.test`) asks for; `fixtures/zones/expect.test.zone` has one domain
//! per case: `ok` (all present), `nested` (present through a nested SPF include and a DKIM
//! CNAME), `wrong` (all different, SPF terms missing), `bare` (all missing), `almost` (some of
//! each) and `down` (every lookup answered SERVFAIL by the test server).

mod support;

use std::collections::BTreeSet;
use std::process::Command;

use mailcheck::finding::Section;
use mailcheck::rules::RULES;
use serde_json::Value;
use support::{mailcheck, mailcheck_fixtures};

const PROVIDER: &str = "fixtures/expect/provider.zone";
const EXTRAS: &str = "fixtures/expect/extras.zone";
const ZONES: [&str; 3] = [
    "fixtures/zones/expect.test.zone",
    "fixtures/zones/mailer.test.zone",
    "fixtures/zones/good.test.zone",
];

/// Where the answers come from.
#[derive(Clone, Copy, Debug)]
enum Via {
    /// The in-process DNS server.
    Server,
    /// `--offline --zone` on the same zone files.
    Zone,
}

fn command(via: Via) -> Command {
    match via {
        Via::Server => mailcheck_fixtures(),
        Via::Zone => {
            let mut command = mailcheck();
            command.arg("--offline");
            for zone in ZONES {
                command.args(["--zone", zone]);
            }
            command
        }
    }
}

fn json_of(command: &mut Command) -> (Value, Option<i32>, String) {
    let output = command.output().expect("run mailcheck");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{stderr}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (json, output.status.code(), stderr)
}

fn audit(via: Via, expect: &str, domains: &[&str]) -> (Value, Option<i32>) {
    let (json, code, _) = json_of(
        command(via)
            .args(["--format", "json", "--expect", expect])
            .args(domains),
    );
    (json, code)
}

/// The seven records of the provider's file, as `(name prefix, type, text in expected)`.
const RECORDS: [(&str, &str, &str); 7] = [
    ("", "MX", "mx.mailer.test"),
    ("", "TXT", "mailer-verification"),
    ("", "TXT", "v=spf1"),
    ("s1._domainkey.", "CNAME", ""),
    ("m1._domainkey.", "TXT", "DKIM1"),
    ("em.", "CNAME", ""),
    ("track.", "A", ""),
];

/// The status of each of [`RECORDS`], per domain.
const STATUSES: &[(&str, [&str; 7])] = &[
    ("ok.expect.test", ["present"; 7]),
    ("nested.expect.test", ["present"; 7]),
    (
        "wrong.expect.test",
        [
            "different",
            "different",
            "missing",
            "different",
            "different",
            "different",
            "different",
        ],
    ),
    ("bare.expect.test", ["missing"; 7]),
    (
        "almost.expect.test",
        [
            "different",
            "present",
            "missing",
            "present",
            "different",
            "present",
            "present",
        ],
    ),
];

/// The `records.expected` entry of one record of the provider's file.
fn entry(domain: &Value, index: usize) -> &Value {
    let (prefix, rtype, needle) = RECORDS[index];
    let name = format!("{prefix}{}", domain["domain"].as_str().unwrap());
    domain["records"]["expected"]
        .as_array()
        .expect("records.expected")
        .iter()
        .find(|entry| {
            entry["name"] == name.as_str()
                && entry["type"] == rtype
                && entry["expected"]
                    .as_str()
                    .is_some_and(|text| text.contains(needle))
        })
        .unwrap_or_else(|| panic!("no {name} {rtype} {needle}: {:#}", domain["records"]))
}

fn findings(domain: &Value) -> &Vec<Value> {
    domain["findings"].as_array().expect("findings")
}

/// The finding of `rule` whose subject (`NAME TYPE DATA`) starts with `subject`.
fn finding<'j>(domain: &'j Value, rule: &str, subject: &str) -> Option<&'j Value> {
    findings(domain).iter().find(|finding| {
        finding["rule"] == rule
            && finding["subject"]
                .as_str()
                .is_some_and(|text| text.starts_with(subject))
    })
}

fn check_statuses(via: Via) {
    for (domain, statuses) in STATUSES {
        let (json, code) = audit(via, PROVIDER, &[domain]);
        let report = &json["domains"][0];
        assert_eq!(
            report["records"]["expected"].as_array().map(Vec::len),
            Some(7),
            "{via:?} {domain}"
        );
        for (index, status) in statuses.iter().enumerate() {
            let entry = entry(report, index);
            assert_eq!(entry["status"], *status, "{via:?} {domain}: {entry:#}");
            let subject = format!(
                "{} {} ",
                entry["name"].as_str().unwrap(),
                entry["type"].as_str().unwrap()
            );
            let needle = RECORDS[index].2;
            let about = |rule: &str| {
                findings(report).iter().find(|finding| {
                    finding["rule"] == rule
                        && finding["subject"]
                            .as_str()
                            .is_some_and(|text| text.starts_with(&subject) && text.contains(needle))
                })
            };
            let found = entry["found"].as_array().unwrap();
            match *status {
                "present" => {
                    assert!(!found.is_empty(), "{via:?}: {entry:#}");
                    for rule in ["expected-record-missing", "expected-record-different"] {
                        assert!(about(rule).is_none(), "{via:?}: {rule} for {subject}");
                    }
                }
                "different" => {
                    assert!(!found.is_empty(), "{via:?}: {entry:#}");
                    let hit = about("expected-record-different");
                    assert!(
                        hit.is_some_and(|f| f["severity"] == "error"),
                        "{via:?}: {subject}"
                    );
                }
                _ => {
                    let hit = about("expected-record-missing");
                    assert!(
                        hit.is_some_and(|f| f["severity"] == "error"),
                        "{via:?}: {subject}"
                    );
                }
            }
        }
        let worst_is_error = statuses.iter().any(|status| *status != "present");
        if worst_is_error {
            assert_eq!(code, Some(1), "{via:?} {domain}");
        }
    }
}

#[test]
fn every_record_is_present_missing_or_different_against_the_server() {
    check_statuses(Via::Server);
}

#[test]
fn every_record_is_present_missing_or_different_against_zone_files() {
    check_statuses(Via::Zone);
}

#[test]
fn differences_are_shown() {
    let (json, _) = audit(
        Via::Server,
        PROVIDER,
        &[
            "wrong.expect.test",
            "almost.expect.test",
            "bare.expect.test",
        ],
    );
    let (wrong, almost, bare) = (
        &json["domains"][0],
        &json["domains"][1],
        &json["domains"][2],
    );
    let detail =
        |domain: &Value, index| entry(domain, index)["detail"].as_str().unwrap().to_owned();
    assert_eq!(
        detail(wrong, 0),
        "expected MX 10 mx.mailer.test, found MX 10 mx1.good.test"
    );
    assert_eq!(
        detail(almost, 0),
        "expected MX 10 mx.mailer.test, found MX 20 mx.mailer.test"
    );
    assert!(
        detail(wrong, 1).ends_with(
            "the value after mailer-verification= differs (expected abc123, found zzz999)"
        ),
        "{}",
        detail(wrong, 1)
    );
    assert_eq!(
        detail(wrong, 3),
        "expected CNAME s1.dkim.mailer.test, found CNAME s1.dkim.other-mailer.test"
    );
    assert!(
        detail(wrong, 4).contains("p= (the public key) differs from character 45"),
        "{}",
        detail(wrong, 4)
    );
    assert!(detail(almost, 4).ends_with("t= differs: expected no t=, found t=y"));
    assert_eq!(
        detail(wrong, 5),
        "expected CNAME u123.wl.mailer.test, found CNAME u999.wl.mailer.test"
    );
    assert_eq!(
        detail(wrong, 6),
        "expected A 93.184.216.80, found A 93.184.216.81"
    );
    assert_eq!(entry(wrong, 6)["found"][0], "93.184.216.81");
    // Missing: what is there instead of the record.
    assert!(detail(bare, 0).ends_with("bare.expect.test has no MX record"));
    assert!(detail(bare, 3).ends_with("s1._domainkey.bare.expect.test does not exist (NXDOMAIN)"));
    // The finding carries the record to publish, in zone-file form.
    let missing = finding(bare, "expected-record-missing", "track.bare.expect.test A").unwrap();
    assert_eq!(
        missing["fix"],
        "Publish this record at your DNS host: track.bare.expect.test. A 93.184.216.80"
    );
    let different = finding(
        wrong,
        "expected-record-different",
        "em.wrong.expect.test CNAME",
    )
    .unwrap();
    assert_eq!(
        different["fix"],
        "Replace em.wrong.expect.test. CNAME u999.wl.mailer.test. with em.wrong.expect.test. \
         CNAME u123.wl.mailer.test. at your DNS host."
    );
}

fn terms(domain: &Value) -> Vec<(String, String, String)> {
    entry(domain, 2)["terms"]
        .as_array()
        .expect("terms")
        .iter()
        .map(|term| {
            (
                term["term"].as_str().unwrap().to_owned(),
                term["status"].as_str().unwrap().to_owned(),
                term["detail"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn spf_terms_are_authorized_through_the_published_tree() {
    for via in [Via::Server, Via::Zone] {
        let (json, _) = audit(
            via,
            PROVIDER,
            &[
                "ok.expect.test",
                "nested.expect.test",
                "wrong.expect.test",
                "almost.expect.test",
            ],
        );
        let domains = json["domains"].as_array().unwrap();
        let [ok, nested, wrong, almost] = [&domains[0], &domains[1], &domains[2], &domains[3]];

        // Included directly; the /28 through a wider /27.
        let ok_terms = terms(ok);
        assert_eq!(
            ok_terms[0],
            (
                "include:spf.mailer.test".into(),
                "present".into(),
                String::new()
            )
        );
        assert_eq!(ok_terms[1].1, "present");
        assert!(
            ok_terms[1].2.contains("ip4:93.184.216.96/27"),
            "{ok_terms:?}"
        );
        assert_eq!(ok_terms[2].1, "present");
        assert_eq!(
            entry(ok, 2)["found"][0],
            "\"v=spf1 include:spf.mailer.test ip4:93.184.216.96/27 ip6:2606:2800:220:1::90/124 -all\""
        );

        // Only through a nested include; the ranges through a:/28 and a wider ip6 in it.
        let nested_terms = terms(nested);
        assert_eq!(
            nested_terms[0],
            (
                "include:spf.mailer.test".into(),
                "present".into(),
                "through include:_spf.nested.expect.test".into()
            )
        );
        assert!(
            nested_terms[1].2.contains("a:out.nested.expect.test/28"),
            "{nested_terms:?}"
        );
        assert_eq!(nested_terms[2].1, "present");

        // Missing: each term named, and the record as it should read.
        let wrong_terms = terms(wrong);
        assert!(
            wrong_terms.iter().all(|(_, status, _)| status == "missing"),
            "{wrong_terms:?}"
        );
        assert!(wrong_terms[1].2.contains("softfail"), "{wrong_terms:?}");
        let fix = finding(
            wrong,
            "expected-record-missing",
            "wrong.expect.test TXT \"v=spf1 ",
        )
        .unwrap()["fix"]
            .clone();
        assert_eq!(
            fix,
            "Add include:spf.mailer.test ip4:93.184.216.96/28 ip6:2606:2800:220:1::90/124 before \
             ~all in wrong.expect.test's SPF record: v=spf1 include:_spf.other.wrong.expect.test \
             include:spf.mailer.test ip4:93.184.216.96/28 ip6:2606:2800:220:1::90/124 ~all."
        );

        // Half the range: the first address passes, the last does not.
        let almost_terms = terms(almost);
        assert_eq!(almost_terms[0].1, "present");
        assert_eq!(almost_terms[1].1, "missing");
        assert!(
            almost_terms[1].2.contains("93.184.216.111 gets softfail")
                && almost_terms[1].2.contains("only part of the range"),
            "{almost_terms:?}"
        );
        assert_eq!(almost_terms[2].1, "present");
        let message = finding(
            almost,
            "expected-record-missing",
            "almost.expect.test TXT \"v=spf1 ",
        )
        .unwrap()["message"]
            .clone();
        assert!(
            message.as_str().unwrap().starts_with(
                "the SPF record of almost.expect.test does not authorize ip4:93.184.216.96/28"
            ),
            "{message}"
        );
    }
}

#[test]
fn no_spf_record_at_all_is_missing_with_the_whole_record_to_publish() {
    let (json, _) = audit(Via::Zone, PROVIDER, &["bare.expect.test"]);
    let bare = &json["domains"][0];
    assert!(terms(bare).iter().all(|(_, status, _)| status == "missing"));
    assert_eq!(
        finding(
            bare,
            "expected-record-missing",
            "bare.expect.test TXT \"v=spf1 "
        )
        .unwrap()["fix"],
        "Publish this record at your DNS host: bare.expect.test. TXT \"v=spf1 \
         include:spf.mailer.test ip4:93.184.216.96/28 ip6:2606:2800:220:1::90/124 ~all\""
    );
}

#[test]
fn a_failed_lookup_is_not_verified_never_missing() {
    let (json, code) = audit(Via::Server, PROVIDER, &["down.expect.test"]);
    let down = &json["domains"][0];
    for index in 0..RECORDS.len() {
        assert_eq!(
            entry(down, index)["status"],
            "not-verified",
            "{:#}",
            entry(down, index)
        );
    }
    let rules: Vec<&str> = findings(down)
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        !rules.iter().any(|rule| rule.starts_with("expected-record")),
        "{rules:?}"
    );
    assert!(rules.contains(&"dns-lookup-failed"), "{rules:?}");
    // The expected names that no other check asks for are reported in the Expected section.
    assert!(
        findings(down)
            .iter()
            .any(|f| f["rule"] == "dns-lookup-failed"
                && f["section"] == "expected"
                && f["subject"] == "track.down.expect.test"),
        "{:#}",
        down["findings"]
    );
    assert_eq!(down["status"], "incomplete");
    assert_eq!(code, Some(3));
}

#[test]
fn offline_names_outside_the_zones_are_not_verified() {
    // Without the provider's zone, the published policy cannot be evaluated past its include
    // of spf.mailer.test: the ranges are not verified, the include itself is seen.
    let (json, code, _) = json_of(
        mailcheck()
            .args([
                "--offline",
                "--zone",
                ZONES[0],
                "--format",
                "json",
                "--expect",
                PROVIDER,
            ])
            .arg("ok.expect.test"),
    );
    let ok = &json["domains"][0];
    assert_eq!(entry(ok, 2)["status"], "not-verified", "{:#}", entry(ok, 2));
    let ok_terms = terms(ok);
    assert_eq!(ok_terms[0].1, "present");
    assert_eq!(ok_terms[1].1, "not-verified");
    assert!(ok_terms[1].2.contains("temperror"), "{ok_terms:?}");
    for index in [0, 1, 3, 4, 5, 6] {
        assert_eq!(
            entry(ok, index)["status"],
            "present",
            "{:#}",
            entry(ok, index)
        );
    }
    assert!(
        !findings(ok)
            .iter()
            .any(|f| f["rule"] == "expected-record-missing")
    );
    assert_eq!(code, Some(3));
}

#[test]
fn other_kinds_of_records() {
    let (json, _) = audit(
        Via::Server,
        EXTRAS,
        &["ok.expect.test", "wrong.expect.test"],
    );
    let (ok, wrong) = (&json["domains"][0], &json["domains"][1]);
    let find = |domain: &Value, rtype: &str| -> Value {
        domain["records"]["expected"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["type"] == rtype)
            .cloned()
            .unwrap()
    };
    // A type mailcheck does not look up: listed, never a finding.
    let srv = find(ok, "SRV");
    assert_eq!(srv["status"], "not-checked");
    assert_eq!(srv["name"], "_sip._tls.ok.expect.test");
    assert_eq!(srv["expected"], Value::Null);
    assert_eq!(srv["source"], "fixtures/expect/extras.zone:3");
    // DMARC: the tags given must match; a rua= added is fine, another p= is not.
    assert_eq!(find(ok, "TXT")["status"], "present");
    let dmarc = find(wrong, "TXT");
    assert_eq!(dmarc["status"], "different");
    assert!(
        dmarc["detail"]
            .as_str()
            .unwrap()
            .ends_with("p= differs: expected p=quarantine, found p=none"),
        "{dmarc:#}"
    );
    assert!(
        !findings(ok).iter().any(|f| f["section"] == "expected"),
        "{:#}",
        ok["findings"]
    );
}

#[test]
fn human_output_lists_each_record() {
    let output = mailcheck_fixtures()
        .args([
            "--color",
            "never",
            "--expect",
            PROVIDER,
            "almost.expect.test",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let section = stdout
        .split("\nExpected records\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no Expected records section: {stdout}"));
    for line in [
        "  7 records expected by fixtures/expect/provider.zone: 4 present, 2 different, 1 missing",
        "    ✖ different    almost.expect.test MX 10 mx.mailer.test. (found 20 mx.mailer.test.)",
        "    ✔ present      almost.expect.test TXT \"mailer-verification=abc123\"",
        "      ✔ include:spf.mailer.test",
        "    ✔ present      track.almost.expect.test A 93.184.216.80",
        "  ✖ error almost.expect.test MX 10 mx.mailer.test. [expected-record-different]",
    ] {
        assert!(
            section.contains(&format!("{line}\n")),
            "missing {line:?} in:\n{section}"
        );
    }
    let output = mailcheck_fixtures()
        .args(["--color", "never", "--expect", PROVIDER, "bare.expect.test"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("    ✖ missing      em.bare.expect.test CNAME u123.wl.mailer.test.\n"),
        "{stdout}"
    );
}

#[test]
fn a_bad_expect_file_exits_2_with_file_and_line() {
    let output = mailcheck_fixtures()
        .args(["--expect", "fixtures/expect/bad.zone", "ok.expect.test"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty());
    for at in [
        "bad.zone:3: ok.expect.test MX",
        "bad.zone:4: em.ok.expect.test CNAME",
        "bad.zone:5: $INCLUDE",
    ] {
        assert!(stderr.contains(at), "{at} not in {stderr}");
    }
    assert!(!stderr.contains("bad.zone:2"), "{stderr}");
    // Under JSON, the error is a JSON document.
    let (json, code, _) = json_of(mailcheck_fixtures().args([
        "--json",
        "--expect",
        "fixtures/expect/bad.zone",
        "ok.expect.test",
    ]));
    assert_eq!(code, Some(2));
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("fixtures/expect/bad.zone:3:")
    );
    // A file that is not there.
    let output = mailcheck()
        .args([
            "--offline",
            "--expect",
            "fixtures/expect/none.zone",
            "ok.expect.test",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("cannot read --expect fixtures/expect/none.zone")
    );
}

#[test]
fn batch_runs_apply_the_file_to_every_domain() {
    let (json, code) = audit(
        Via::Zone,
        PROVIDER,
        &["ok.expect.test", "wrong.expect.test"],
    );
    assert_eq!(code, Some(1));
    for (domain, report) in ["ok.expect.test", "wrong.expect.test"]
        .iter()
        .zip(json["domains"].as_array().unwrap())
    {
        assert_eq!(report["domain"], *domain);
        let names: Vec<&str> = report["records"]["expected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["name"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 7);
        assert!(names.iter().all(|name| name.ends_with(domain)), "{names:?}");
    }
    // A file for one domain ($ORIGIN) names records outside the other: input error, before
    // any query.
    let output = command(Via::Zone)
        .args([
            "--expect",
            "fixtures/expect/absolute.zone",
            "ok.expect.test",
            "wrong.expect.test",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "absolute.zone:3: ok.expect.test is not wrong.expect.test or a name under it"
        ),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    // The same file for its own domain.
    let (json, code) = audit(
        Via::Zone,
        "fixtures/expect/absolute.zone",
        &["ok.expect.test"],
    );
    let statuses: Vec<&str> = json["domains"][0]["records"]["expected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["present", "present"]);
    assert_ne!(code, Some(2));
}

/// `--expect DOMAIN=FILE`: each file is checked against its own domain only, relative names
/// under it; a domain not audited, or two files for one domain, is an input error.
#[test]
fn a_file_given_for_a_domain_is_checked_against_that_domain_only() {
    let (json, code, stderr) = json_of(command(Via::Zone).args([
        "--format",
        "json",
        "--expect",
        &format!("wrong.expect.test={PROVIDER}"),
        "--expect",
        "ok.expect.test=fixtures/expect/absolute.zone",
        "ok.expect.test",
        "wrong.expect.test",
        "bare.expect.test",
    ]));
    assert_eq!(code, Some(1), "{stderr}");
    let expected = |index: usize| -> Vec<(String, String)> {
        json["domains"][index]["records"]["expected"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|entry| {
                        (
                            entry["name"].as_str().unwrap().to_owned(),
                            entry["status"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    // The file with $ORIGIN ok.expect.test, for its own domain: both records present.
    let ok = expected(0);
    assert_eq!(ok.len(), 2, "{ok:?}");
    assert!(
        ok.iter()
            .all(|(name, status)| name.ends_with("ok.expect.test") && status == "present")
    );
    // The provider's file, under wrong.expect.test only.
    let wrong = expected(1);
    assert_eq!(wrong.len(), 7, "{wrong:?}");
    assert!(
        wrong
            .iter()
            .all(|(name, _)| name.ends_with("wrong.expect.test"))
    );
    // No file names bare.expect.test: nothing is expected of it.
    assert!(expected(2).is_empty(), "{:?}", expected(2));

    for (arguments, message) in [
        (
            vec![format!("other.expect.test={PROVIDER}")],
            "--expect other.expect.test=FILE: other.expect.test is not audited in this run",
        ),
        (
            vec![
                format!("ok.expect.test={PROVIDER}"),
                format!("ok.expect.test={PROVIDER}"),
            ],
            "two --expect files for ok.expect.test",
        ),
        (
            vec![PROVIDER.to_owned(), PROVIDER.to_owned()],
            "two --expect files for every domain",
        ),
    ] {
        let mut command = command(Via::Zone);
        for argument in &arguments {
            command.args(["--expect", argument]);
        }
        let output = command.arg("ok.expect.test").output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}: {stderr}");
        assert!(stderr.contains(message), "{arguments:?}: {stderr}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_replayed_run_checks_the_same_records() {
    let dir = std::env::temp_dir().join(format!("mailcheck-expect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = dir.join("answers.json");
    let domains = ["nested.expect.test", "wrong.expect.test"];
    let (first, _, _) = json_of(
        mailcheck_fixtures()
            .args(["--format", "json", "--expect", PROVIDER, "--save-dns"])
            .arg(&saved)
            .args(domains),
    );
    let text = std::fs::read_to_string(&saved).unwrap();
    // The expect lookups went through the same stack as the audit's.
    assert!(text.contains("\"em.wrong.expect.test\""), "{text}");
    let (second, _, _) = json_of(
        mailcheck()
            .args(["--format", "json", "--expect", PROVIDER, "--replay"])
            .arg(&saved)
            .args(domains),
    );
    for index in 0..domains.len() {
        assert_eq!(
            first["domains"][index]["records"]["expected"],
            second["domains"][index]["records"]["expected"]
        );
        assert_eq!(
            first["domains"][index]["findings"],
            second["domains"][index]["findings"]
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Through the library: the expected records are asked through the audit's source, so the
/// single-flight cache answers what the audit asks anyway (the apex MX and TXT, the DKIM
/// selector the file names): each question reaches the zones once.
#[tokio::test]
async fn nothing_is_asked_twice() {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use mailcheck::dns::cache::CachingSource;
    use mailcheck::dns::zone::{OfflineSource, ZoneSource};
    use mailcheck::dns::{BoxFuture, DnsSource, Name, Outcome, RecordType};
    use mailcheck::expect::ExpectFile;
    use mailcheck::gather::GatherOptions;

    struct Counting<S> {
        inner: S,
        asked: Mutex<HashMap<(Name, RecordType), usize>>,
    }
    impl<S: DnsSource> DnsSource for Counting<S> {
        fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
            *self
                .asked
                .lock()
                .unwrap()
                .entry((name.clone(), rtype))
                .or_default() += 1;
            self.inner.query(name, rtype)
        }
    }

    let zones: Vec<_> = ZONES
        .iter()
        .map(|path| mailcheck::zonefile::load(std::path::Path::new(path)).unwrap())
        .collect();
    let cache = CachingSource::new(Counting {
        inner: ZoneSource::new(&zones, OfflineSource),
        asked: Mutex::new(HashMap::new()),
    });
    let domain = mailcheck::domain::parse_domain("nested.expect.test").unwrap();
    let options = GatherOptions {
        expect: vec![Arc::new(
            ExpectFile::load(
                std::path::Path::new(PROVIDER),
                std::slice::from_ref(&domain),
            )
            .unwrap(),
        )],
        ..GatherOptions::default()
    };
    let report = mailcheck::audit::audit_with(&domain, &cache, &options).await;
    let asked = cache.inner().asked.lock().unwrap().clone();
    let twice: Vec<_> = asked.iter().filter(|(_, count)| **count > 1).collect();
    assert!(twice.is_empty(), "asked more than once: {twice:?}");
    // The audit and the expect check both asked the apex's TXT and MX records: one query each.
    let stats = cache.stats();
    assert!(stats.requests > stats.sent, "{stats:?}");
    for (name, rtype) in [
        ("nested.expect.test", RecordType::Txt),
        ("nested.expect.test", RecordType::Mx),
        ("m1._domainkey.nested.expect.test", RecordType::Txt),
    ] {
        assert_eq!(
            asked.get(&(Name::new(name), rtype)),
            Some(&1),
            "{name} {rtype}"
        );
    }
    // And the expect lookups are in the audit's own query log.
    assert!(
        report
            .dns
            .iter()
            .any(|query| query.name == "em.nested.expect.test" && query.rtype == "CNAME")
    );
    assert!(
        report
            .records
            .expected
            .iter()
            .all(|entry| entry.status == mailcheck::facts::expect::Status::Present)
    );
}

/// `(rule, domain, subject)`: the rule must fire like this (with the provider's file).
const FIRES: &[(&str, &str, &str)] = &[
    (
        "expected-record-missing",
        "bare.expect.test",
        "bare.expect.test MX 10 mx.mailer.test.",
    ),
    (
        "expected-record-missing",
        "bare.expect.test",
        "s1._domainkey.bare.expect.test CNAME",
    ),
    (
        "expected-record-missing",
        "wrong.expect.test",
        "wrong.expect.test TXT \"v=spf1 ",
    ),
    (
        "expected-record-missing",
        "almost.expect.test",
        "almost.expect.test TXT \"v=spf1 ",
    ),
    (
        "expected-record-different",
        "wrong.expect.test",
        "wrong.expect.test MX 10 mx.mailer.test.",
    ),
    (
        "expected-record-different",
        "wrong.expect.test",
        "wrong.expect.test TXT \"mailer-verification=abc123\"",
    ),
    (
        "expected-record-different",
        "wrong.expect.test",
        "m1._domainkey.wrong.expect.test TXT \"v=DKIM1; k=rsa; p=MIIB",
    ),
    (
        "expected-record-different",
        "almost.expect.test",
        "m1._domainkey.almost.expect.test TXT \"v=DKIM1; k=rsa; p=MIIB",
    ),
];

/// `(rule, domain, why)`: the rule must not fire for this domain.
const QUIET: &[(&str, &str, &str)] = &[
    (
        "expected-record-missing",
        "ok.expect.test",
        "everything is published",
    ),
    (
        "expected-record-missing",
        "nested.expect.test",
        "the include is nested, the key behind a CNAME",
    ),
    (
        "expected-record-missing",
        "down.expect.test",
        "a failed lookup is not a missing record",
    ),
    (
        "expected-record-different",
        "ok.expect.test",
        "everything is published as written",
    ),
    (
        "expected-record-different",
        "bare.expect.test",
        "nothing stands in the records' place",
    ),
    (
        "expected-record-different",
        "down.expect.test",
        "a failed lookup proves nothing",
    ),
];

#[test]
fn every_expect_rule_fires_where_it_must_and_only_there() {
    for (rule, domain, subject) in FIRES {
        let (json, _) = audit(Via::Server, PROVIDER, &[domain]);
        let report = &json["domains"][0];
        let hit = finding(report, rule, subject);
        assert!(
            hit.is_some_and(|f| f["section"] == "expected"),
            "{rule} did not fire for {subject}: {:#}",
            report["findings"]
        );
    }
    for (rule, domain, why) in QUIET {
        let (json, _) = audit(Via::Server, PROVIDER, &[domain]);
        let fired: Vec<&Value> = findings(&json["domains"][0])
            .iter()
            .filter(|finding| finding["rule"] == *rule)
            .collect();
        assert!(
            fired.is_empty(),
            "{rule} fired for {domain} ({why}): {fired:#?}"
        );
    }
    // Without --expect, no rule of the section runs and there is no section.
    let (json, _, _) = json_of(mailcheck_fixtures().args(["--json", "wrong.expect.test"]));
    assert!(
        !findings(&json["domains"][0])
            .iter()
            .any(|f| f["section"] == "expected")
    );
    assert_eq!(json["domains"][0]["records"].get("expected"), None);
}

#[test]
fn every_expect_rule_has_a_firing_and_a_quiet_fixture() {
    let fired: BTreeSet<&str> = FIRES.iter().map(|(rule, ..)| *rule).collect();
    let quiet: BTreeSet<&str> = QUIET.iter().map(|(rule, ..)| *rule).collect();
    let section: Vec<&str> = RULES
        .iter()
        .filter(|rule| rule.section == Section::Expected)
        .map(|rule| rule.id)
        .collect();
    assert_eq!(
        section,
        ["expected-record-missing", "expected-record-different"]
    );
    for id in &section {
        assert!(fired.contains(id), "no fixture fires {id}");
        assert!(quiet.contains(id), "no fixture keeps {id} quiet");
    }
    for rule in fired.union(&quiet) {
        assert!(
            section.contains(rule),
            "{rule} is not an Expected rule in RULES"
        );
    }
    for rule in RULES
        .iter()
        .filter(|rule| rule.section == Section::Expected)
    {
        assert!(
            rule.references.iter().any(|r| r.starts_with("RFC")),
            "{}",
            rule.id
        );
        assert!(
            rule.rationale.len() > 200 && rule.fix.len() > 80,
            "{}",
            rule.id
        );
    }
}
