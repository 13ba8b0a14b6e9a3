//! `--save-dns` and `--replay`, run as the real binary: a run against the fixture server is
//! saved, then replayed with no name server at all, and the two reports must be the same.

mod support;

use std::path::PathBuf;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use support::{mailcheck, mailcheck_fixtures};

/// Domains whose answers cover every outcome: records, NODATA, NXDOMAIN, SERVFAIL, timeout;
/// and CNAME chains into other zones, which the server answers with the first link only.
const DOMAINS: &[&str] = &[
    "good.test",
    "mx-cname.test",
    "cname.dkim.test",
    "mx-unresolvable.test",
    "nullmx.test",
    "nomx-noaddr.test",
    "missing.ptr.test",
    "servfail.failing.test",
    "timeout.failing.test",
];

fn temp_file(stem: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{stem}-{}-{n}.json", std::process::id()))
}

/// The report without what legitimately changes from run to run: the timings, and the name
/// servers asked (a replay asks none).
fn without_timings(mut json: Value) -> Value {
    if let Some(report) = json.as_object_mut() {
        report.remove("nameservers");
        // What the network lost: a replay sends nothing, so it has none.
        report.remove("network");
    }
    if let Some(domains) = json["domains"].as_array_mut() {
        for domain in domains {
            if let Some(queries) = domain["dns"].as_array_mut() {
                for query in queries {
                    if let Some(query) = query.as_object_mut() {
                        query.remove("ms");
                    }
                }
            }
        }
    }
    json
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn a_replayed_run_gives_the_same_report_with_no_network() {
    let saved = temp_file("save");
    let live = mailcheck_fixtures()
        .args(["--format", "json", "--save-dns"])
        .arg(&saved)
        .args(DOMAINS)
        .output()
        .unwrap();
    // No --nameserver: a replay that reached for DNS would fail or differ.
    let replayed = mailcheck()
        .args(["--format", "json", "--replay"])
        .arg(&saved)
        .args(DOMAINS)
        .output()
        .unwrap();
    assert_eq!(
        without_timings(json_of(&replayed)),
        without_timings(json_of(&live))
    );
    assert_eq!(replayed.status.code(), live.status.code());
    // The failures replay as failures: the audit is as incomplete as it was.
    assert_eq!(live.status.code(), Some(1));
    assert!(
        json_of(&replayed)["domains"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["status"] == "incomplete")
    );

    // Human output has no timings: it is the same byte for byte, but for the line that names
    // the server the live run asked (a replay asks none).
    let human = |command: &mut std::process::Command| {
        command
            .args(["--color", "never"])
            .args(DOMAINS)
            .output()
            .unwrap()
            .stdout
    };
    let live_human = human(mailcheck_fixtures().arg("--save-dns").arg(&saved));
    let replayed_human = human(mailcheck().arg("--replay").arg(&saved));
    let live_human = String::from_utf8_lossy(&live_human);
    let (via, live_report) = live_human.split_once("\n\n").expect("a via line");
    assert!(via.starts_with("via 127.0.0.1:"), "{via}");
    // And for what the network lost, after the totals (a replay sends nothing).
    let (live_report, lost) = live_report.split_once("\nTotal: ").expect("totals");
    let (totals, lost) = lost.split_once('\n').expect("a line");
    assert!(lost.contains("queries timed out"), "{lost}");
    let live_report = format!("{live_report}\nTotal: {totals}\n");
    assert_eq!(String::from_utf8_lossy(&replayed_human), live_report);
}

#[test]
fn the_saved_file_holds_every_outcome() {
    let saved = temp_file("outcomes");
    let output = mailcheck_fixtures()
        .args(["--format", "json", "--save-dns"])
        .arg(&saved)
        .args(DOMAINS)
        .output()
        .unwrap();
    let report = json_of(&output);
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(file["format"], "mailcheck-dns");
    assert_eq!(file["version"], 1);
    let answers = file["answers"].as_array().unwrap();
    let kinds: std::collections::BTreeSet<&str> = answers
        .iter()
        .filter_map(|answer| answer["outcome"].as_str())
        .collect();
    for kind in ["records", "nodata", "nxdomain", "servfail", "timeout"] {
        assert!(kinds.contains(kind), "no {kind} answer saved: {kinds:?}");
    }
    // One entry per distinct question of the run, sorted: the questions in the audits' query
    // logs, which include the links of the CNAME chains followed for them.
    let mut asked: Vec<(String, String)> = report["domains"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|domain| domain["dns"].as_array().unwrap().iter())
        .map(|query| {
            (
                query["name"].as_str().unwrap().to_owned(),
                query["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    asked.sort();
    asked.dedup();
    let saved_questions: Vec<(String, String)> = answers
        .iter()
        .map(|answer| {
            (
                answer["name"].as_str().unwrap().to_owned(),
                answer["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let only_saved: Vec<_> = saved_questions
        .iter()
        .filter(|q| !asked.contains(q))
        .collect();
    let only_asked: Vec<_> = asked
        .iter()
        .filter(|q| !saved_questions.contains(q))
        .collect();
    assert!(
        only_saved.is_empty() && only_asked.is_empty(),
        "saved but not asked: {only_saved:?}; asked but not saved: {only_asked:?}"
    );
    let good_mx = answers
        .iter()
        .find(|answer| answer["name"] == "good.test" && answer["type"] == "MX")
        .unwrap();
    let data: Vec<&str> = good_mx["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["data"].as_str())
        .collect();
    assert_eq!(data.len(), 2);
    assert!(data.contains(&"10 mx1.good.test."), "{data:?}");
}

/// A CNAME chain that the server leaves at its first link (the MX host of `mx-cname.test`, a
/// DKIM selector of `cname.dkim.test`, both aliases into other zones) is followed above the
/// cache, link by link: the file holds each link as the answer to its own question, and a
/// replay follows the same links to the same report and the same query log.
#[test]
fn cross_zone_chains_are_saved_link_by_link_and_replayed_the_same() {
    let domains = ["mx-cname.test", "cname.dkim.test"];
    let saved = temp_file("chains");
    let live = mailcheck_fixtures()
        .args(["--format", "json", "--save-dns"])
        .arg(&saved)
        .args(domains)
        .output()
        .unwrap();
    let replayed = mailcheck()
        .args(["--format", "json", "--replay"])
        .arg(&saved)
        .args(domains)
        .output()
        .unwrap();
    let live_json = json_of(&live);
    assert_eq!(
        without_timings(json_of(&replayed)),
        without_timings(live_json.clone())
    );
    assert_eq!(replayed.status.code(), live.status.code());
    assert_eq!(live.status.code(), Some(1), "mx-target-cname is an error");

    let file: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    let answer = |name: &str, rtype: &str| -> Vec<String> {
        let answer = file["answers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|answer| answer["name"] == name && answer["type"] == rtype)
            .unwrap_or_else(|| panic!("{rtype} {name} not saved"));
        answer["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|record| format!("{} {} {}", record["name"], record["type"], record["data"]))
            .collect()
    };
    // Each question's own answer: the alias's first link alone, its target on its own.
    assert_eq!(
        answer("mail.mx-cname.test", "A"),
        vec![r#""mail.mx-cname.test" "CNAME" "mx1.good.test.""#]
    );
    assert_eq!(
        answer("mx1.good.test", "A"),
        vec![r#""mx1.good.test" "A" "93.184.216.10""#]
    );
    assert_eq!(
        answer("selector1._domainkey.cname.dkim.test", "TXT").len(),
        1,
        "the CNAME alone"
    );
    assert_eq!(
        answer("selector1-cname-dkim-test._domainkey.provider.test", "TXT").len(),
        1
    );
    // The report shows what the audit got: the whole chain.
    let mx_cname = &live_json["domains"][0];
    let host_a = mx_cname["dns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|query| query["name"] == "mail.mx-cname.test" && query["type"] == "A")
        .unwrap();
    assert_eq!(host_a["answers"].as_array().unwrap().len(), 2, "{host_a:#}");
}

#[test]
fn a_question_not_in_the_replay_file_is_not_verified() {
    let saved = temp_file("partial");
    let saving = mailcheck_fixtures()
        .args(["--format", "json", "--save-dns"])
        .arg(&saved)
        .arg("good.test")
        .output()
        .unwrap();
    assert_eq!(saving.status.code(), Some(0));
    let output = mailcheck()
        .args(["--format", "json", "--replay"])
        .arg(&saved)
        .arg("nullmx.test")
        .output()
        .unwrap();
    let json = json_of(&output);
    assert_eq!(output.status.code(), Some(3), "{json:#}");
    let domain = &json["domains"][0];
    assert_eq!(domain["status"], "incomplete");
    let rules: Vec<&str> = domain["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(
        !rules.contains(&"mx-missing"),
        "a missing answer is not a missing record: {rules:?}"
    );
    assert!(rules.contains(&"dns-lookup-failed"));
    let failed = domain["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == "dns-lookup-failed")
        .unwrap();
    assert!(
        failed["fix"].as_str().unwrap().contains("--save-dns"),
        "{failed:#}"
    );
    let mx = domain["dns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["type"] == "MX")
        .unwrap();
    assert_eq!(mx["error"], "not in replay file");
}

#[test]
fn zone_answers_are_saved_and_replayed_too() {
    let saved = temp_file("zone");
    let zone = ["--zone", "fixtures/zonefiles/relay.test.zone"];
    let live = mailcheck_fixtures()
        .args(["--format", "json"])
        .args(zone)
        .arg("--save-dns")
        .arg(&saved)
        .arg("relay.test")
        .output()
        .unwrap();
    let replayed = mailcheck()
        .args(["--format", "json"])
        .args(zone)
        .arg("--replay")
        .arg(&saved)
        .arg("relay.test")
        .output()
        .unwrap();
    assert_eq!(
        without_timings(json_of(&replayed)),
        without_timings(json_of(&live))
    );
    assert_eq!(live.status.code(), Some(0));
    // The zone's own answer is in the file, so a replay without --zone answers it as well.
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(text.contains("\"name\": \"relay.test\""), "{text}");
}

#[test]
fn a_file_that_is_not_a_saved_run_is_an_input_error() {
    let bad = temp_file("bad");
    std::fs::write(
        &bad,
        r#"{"format": "mailcheck-dns", "version": 99, "answers": []}"#,
    )
    .unwrap();
    let output = mailcheck()
        .arg("--replay")
        .arg(&bad)
        .arg("good.test")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("version 99"));
    let output = mailcheck()
        .args(["--replay", "fixtures/zonefiles/shop.test.zone", "good.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = mailcheck()
        .args([
            "--replay",
            "x.json",
            "--nameserver",
            "127.0.0.1",
            "good.test",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "--replay and --nameserver conflict"
    );
}
