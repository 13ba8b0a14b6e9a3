//! CNAME chains followed above the single-flight cache (`src/dns/chase.rs`), end to end: the
//! real binary against an authoritative test server that answers a CNAME into another zone
//! with the first link only, as hickory-server (and any authoritative server) does.
//!
//! Each link is a question of its own: sent once per run, whoever else asks it; shown in the
//! query log of the audit that caused it; and a loop is a failed lookup, quickly.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use mailcheck::dns::network::{NetworkSource, ResolverSettings};
use mailcheck::dns::{DnsSource, Name, Outcome, RecordData, RecordType};
use serde_json::Value;
use support::mailcheck;
use support::server::{Behaviour, ReceivedQuery, TestServer, fixture_zones};

/// `mailcheck` against `server`, patient enough for a loaded machine, with no retries (so a
/// question sent twice is a question asked twice).
fn against(server: &TestServer) -> Command {
    let mut command = mailcheck();
    command
        .arg("--nameserver")
        .arg(server.addr.to_string())
        .args(["--timeout", "5", "--retries", "0", "--format", "json"]);
    command
}

/// Runs `command`, failing the test if it has not ended after `limit` (a hang).
fn output_within(mut command: Command, limit: Duration) -> Output {
    use std::process::Stdio;
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mailcheck runs");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let Ok(output) = rx.recv_timeout(limit) else {
        if cfg!(unix) {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
        panic!("mailcheck still running after {limit:?}");
    };
    output.expect("mailcheck's output")
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

/// The type mnemonic as the report writes it (hickory has no name for SPF, type 99).
fn report_type(received: &ReceivedQuery) -> String {
    match received.rtype.as_str() {
        "Unknown" | "Unknown(99)" | "TYPE99" => "SPF".to_owned(),
        other => other.to_owned(),
    }
}

/// How many times the server received each `(name, type)`.
fn sent_counts(server: &TestServer) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    for query in server.received() {
        assert!(!query.tcp, "no answer here needs TCP: {query:?}");
        *counts
            .entry((query.name.clone(), report_type(&query)))
            .or_insert(0) += 1;
    }
    counts
}

/// Every `(name, type)` in the query logs of the report's domains.
fn logged(json: &Value) -> BTreeSet<(String, String)> {
    json["domains"]
        .as_array()
        .expect("domains")
        .iter()
        .flat_map(|domain| domain["dns"].as_array().expect("a query log"))
        .map(|query| {
            (
                query["name"].as_str().unwrap().to_owned(),
                query["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The report of `domain` in a report of several.
fn domain<'j>(json: &'j Value, name: &str) -> &'j Value {
    json["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|domain| domain["domain"] == name)
        .unwrap_or_else(|| panic!("no report for {name}"))
}

/// The query log entry of `name`/`rtype` in one domain's report.
fn log_entry<'j>(domain: &'j Value, name: &str, rtype: &str) -> &'j Value {
    domain["dns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|query| query["name"] == name && query["type"] == rtype)
        .unwrap_or_else(|| panic!("{rtype} {name} not in the query log: {domain:#}"))
}

fn rules_of(domain: &Value) -> Vec<&str> {
    domain["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|finding| finding["rule"].as_str())
        .collect()
}

/// `mail.mx-cname.test` (the MX host of `mx-cname.test`) is an alias for `mx1.good.test`, in
/// another zone; `selector1._domainkey.cname.dkim.test` is an alias for a key in
/// `provider.test`. The server answers each with the first link only. The audits follow both
/// chains, and forward confirmation then asks `mx1.good.test` directly: every question
/// reaches the server once, and every question sent is in the query log of an audit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_zone_alias_is_followed_through_the_cache_each_question_sent_once() {
    let server = TestServer::start(&fixture_zones(), Behaviour::default());
    // What the server gives: the first link, nothing more.
    let live = NetworkSource::new(&ResolverSettings {
        nameservers: vec![server.addr],
        timeout: Duration::from_secs(5),
        retries: 0,
        max_qps: None,
    })
    .unwrap();
    let first = live
        .query(&Name::new("mail.mx-cname.test"), RecordType::A)
        .await;
    let Outcome::Records(records) = &first else {
        panic!("{first:?}")
    };
    assert_eq!(
        records.iter().map(|r| &r.data).collect::<Vec<_>>(),
        vec![&RecordData::Cname(Name::new("mx1.good.test"))],
        "the test server answers an out-of-zone CNAME with the first link only"
    );
    server.clear_received();

    let mut command = against(&server);
    command.args(["mx-cname.test", "cname.dkim.test"]);
    let output =
        tokio::task::spawn_blocking(move || output_within(command, Duration::from_secs(120)))
            .await
            .unwrap();
    let json = json_of(&output);

    let sent = sent_counts(&server);
    let twice: Vec<_> = sent.iter().filter(|(_, count)| **count > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    for link in [
        ("mx1.good.test", "A"),
        ("mx1.good.test", "AAAA"),
        ("selector1-cname-dkim-test._domainkey.provider.test", "TXT"),
    ] {
        assert_eq!(
            sent.get(&(link.0.to_owned(), link.1.to_owned())),
            Some(&1),
            "{link:?}"
        );
    }
    // The query logs hold exactly the questions sent: the links a chain led to included.
    let sent_questions: BTreeSet<(String, String)> = sent.keys().cloned().collect();
    assert_eq!(logged(&json), sent_questions);

    // The MX host: the alias, spliced with its target's address as a resolver gives it.
    let mx_cname = domain(&json, "mx-cname.test");
    assert_eq!(
        log_entry(mx_cname, "mail.mx-cname.test", "A")["answers"],
        serde_json::json!([
            "mail.mx-cname.test. 3600 CNAME mx1.good.test.",
            "mx1.good.test. 3600 A 93.184.216.10"
        ])
    );
    assert_eq!(
        log_entry(mx_cname, "mx1.good.test", "A")["answers"],
        serde_json::json!(["mx1.good.test. 3600 A 93.184.216.10"])
    );
    let rules = rules_of(mx_cname);
    assert!(rules.contains(&"mx-target-cname"), "{rules:?}");
    assert!(!rules.contains(&"dns-lookup-failed"), "{rules:?}");
    assert_eq!(mx_cname["status"], "complete", "{mx_cname:#}");

    // The DKIM selector: the alias spliced with the provider's key, and the provider's name,
    // which this audit asked only as a link, in its log with its own answer.
    let dkim = domain(&json, "cname.dkim.test");
    let selector = log_entry(dkim, "selector1._domainkey.cname.dkim.test", "TXT");
    let answers = selector["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 2, "{selector:#}");
    assert!(
        answers[0]
            .as_str()
            .unwrap()
            .contains("CNAME selector1-cname-dkim-test._domainkey.provider.test."),
        "{selector:#}"
    );
    let link = log_entry(
        dkim,
        "selector1-cname-dkim-test._domainkey.provider.test",
        "TXT",
    );
    assert_eq!(link["outcome"], "records");
    assert_eq!(link["answers"].as_array().unwrap().len(), 1, "{link:#}");
    let rules = rules_of(dkim);
    assert!(!rules.contains(&"dkim-no-key-found"), "{rules:?}");
}

/// `loop.chain-a.test` is an alias for `loop.chain-b.test`, an alias for `loop.chain-a.test`,
/// in two zones: every lookup of the domain's own name goes round. The audit ends promptly,
/// the lookups are failures (not verified, never missing), and each link was asked once.
#[test]
fn a_cname_loop_across_zones_is_a_failed_lookup_not_a_hang() {
    let server = TestServer::start(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/network"),
        Behaviour::default(),
    );
    let mut command = against(&server);
    command.arg("loop.chain-a.test");
    let output = output_within(command, Duration::from_secs(60));
    let json = json_of(&output);
    let report = &json["domains"][0];
    assert_eq!(report["status"], "incomplete", "{report:#}");
    assert_eq!(output.status.code(), Some(3), "{report:#}");

    let mx = log_entry(report, "loop.chain-a.test", "MX");
    assert_eq!(mx["outcome"], "error");
    assert_eq!(mx["error"], "a CNAME loop at loop.chain-a.test.");
    // The link the loop went through, with the answer that query got.
    let link = log_entry(report, "loop.chain-b.test", "MX");
    assert_eq!(
        link["answers"],
        serde_json::json!(["loop.chain-b.test. 3600 CNAME loop.chain-a.test."])
    );
    let failed: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == "dns-lookup-failed")
        .collect();
    assert!(
        failed.iter().any(|finding| finding["message"]
            .as_str()
            .is_some_and(|message| message.contains("CNAME loop"))),
        "{failed:#?}"
    );
    let rules = rules_of(report);
    assert!(
        !rules.contains(&"mx-missing"),
        "a loop is not a missing record: {rules:?}"
    );

    let sent = sent_counts(&server);
    let twice: Vec<_> = sent.iter().filter(|(_, count)| **count > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    assert_eq!(logged(&json), sent.keys().cloned().collect::<BTreeSet<_>>());
}
