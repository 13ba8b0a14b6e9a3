//! `--zone` and `--offline`, run as the real binary on the zone files of `fixtures/zonefiles`
//! (real-world shapes that hickory's zone parser reads wrongly; `fixtures/zones` is what the
//! test server serves). Also checks that those files read as written, through the library.

mod support;

use std::path::Path;

use mailcheck::dns::{Name, RecordData};
use mailcheck::zonefile;
use serde_json::Value;
use support::{fixture_server, mailcheck, mailcheck_fixtures};

const DIR: &str = "fixtures/zonefiles";

fn zone_arg(file: &str) -> [String; 2] {
    ["--zone".to_owned(), format!("{DIR}/{file}")]
}

fn run(command: &mut std::process::Command) -> (Value, Option<i32>, String) {
    let output = command.output().expect("run mailcheck");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (
        json,
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn offline(zones: &[&str], domain: &str) -> (Value, Option<i32>) {
    let mut command = mailcheck();
    command.args(["--offline", "--format", "json"]);
    for zone in zones {
        command.args(zone_arg(zone));
    }
    let (json, code, _) = run(command.arg(domain));
    (json, code)
}

fn rules(json: &Value) -> Vec<String> {
    json["domains"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| finding["rule"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn outcome(json: &Value, name: &str, rtype: &str) -> String {
    json["domains"][0]["dns"]
        .as_array()
        .expect("dns")
        .iter()
        .find(|query| query["name"] == name && query["type"] == rtype)
        .map_or_else(
            || panic!("no {name} {rtype} query: {:#}", json["domains"][0]["dns"]),
            |query| query["outcome"].as_str().unwrap_or_default().to_owned(),
        )
}

fn txt_at(zone: &zonefile::Zone, name: &str) -> Vec<Vec<Vec<u8>>> {
    zone.records
        .iter()
        .filter(|record| record.name.as_str() == name)
        .filter_map(|record| match &record.data {
            Some(RecordData::Txt(strings)) => Some(strings.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn real_world_files_read_as_written() {
    let shop = zonefile::load(Path::new("fixtures/zonefiles/shop.test.zone")).unwrap();
    assert_eq!(shop.errors, vec![]);
    assert_eq!(shop.origin, Some(Name::new("shop.test")));
    // Three quoted strings over three lines in parentheses, a comment with quotes after them.
    let dkim = txt_at(&shop, "mail._domainkey.shop.test");
    assert_eq!(dkim.len(), 1);
    let strings = &dkim[0];
    assert_eq!(strings.len(), 3);
    assert_eq!(strings[0], b"v=DKIM1; h=sha256; k=rsa; ");
    assert!(strings[1].starts_with(b"p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"));
    assert_eq!((strings[1].len(), strings[2].len()), (202, 192));
    // \059 and \; are both ';'.
    assert_eq!(
        txt_at(&shop, "_dmarc.shop.test"),
        vec![vec![
            b"v=DMARC1; p=quarantine; rua=mailto:dmarc@shop.test; pct=100".to_vec()
        ]]
    );
    // TTL units: $TTL 1h for the apex, an explicit 300 for mail2.
    let ttl = |name: &str, rtype: u16| {
        shop.records
            .iter()
            .find(|r| r.name.as_str() == name && r.rtype == rtype)
            .map(|r| r.ttl)
    };
    assert_eq!(ttl("shop.test", 15), Some(3600));
    assert_eq!(ttl("mail2.shop.test", 1), Some(300));
    // Blank owner: the AAAA record belongs to mail.
    assert!(ttl("mail.shop.test", 28).is_some());

    // The same key through $INCLUDE of opendkim-genkey's file.
    let include = zonefile::load(Path::new("fixtures/zonefiles/include.test.zone")).unwrap();
    assert_eq!(include.errors, vec![]);
    assert_eq!(txt_at(&include, "mail._domainkey.include.test"), dkim);

    // A provider export: absolute names, tabs, two strings on one line.
    let export = zonefile::load(Path::new("fixtures/zonefiles/export.test.zone")).unwrap();
    assert_eq!(export.errors, vec![]);
    let key = txt_at(&export, "google._domainkey.export.test");
    assert_eq!(key.len(), 1);
    assert_eq!(key[0].len(), 2);
    assert!(key[0][0].starts_with(b"v=DKIM1; k=rsa; p=MIGf"));
}

#[test]
fn offline_audit_from_zone_files_is_complete() {
    let (json, code) = offline(
        &[
            "shop.test.zone",
            "mail-provider.test.zone",
            "reverse-93.184.216.zone",
            "reverse-2606-2800-220-1.zone",
        ],
        "shop.test",
    );
    // Only the info that RFC 9989 removed the record's pct=100 (its escapes are the point).
    assert_eq!(
        rules(&json),
        vec!["dmarc-tag-removed".to_owned()],
        "{json:#}"
    );
    assert_eq!(json["domains"][0]["status"], "complete");
    assert_eq!(code, Some(0));
    let mx: Vec<&str> = json["domains"][0]["records"]["mx"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|mx| mx["target"].as_str())
        .collect();
    assert_eq!(mx, vec!["mail.shop.test", "mail2.shop.test"]);
    assert_eq!(
        json["domains"][0]["records"]["mx"][0]["addresses"][1]["ptr"][0]["forward_confirmed"],
        true
    );
}

#[test]
fn names_outside_the_zones_go_to_the_network() {
    let server = fixture_server();
    let (json, code, _) = run(mailcheck_fixtures()
        .args(["--format", "json"])
        .args(zone_arg("relay.test.zone"))
        .arg("relay.test"));
    assert_eq!(rules(&json), Vec::<String>::new(), "{json:#}");
    assert_eq!(code, Some(0));
    assert_eq!(
        json["domains"][0]["records"]["mx"][0]["addresses"][0]["ip"],
        "93.184.216.10"
    );
    let received = server.received();
    assert!(received.iter().any(|query| query.name == "mx1.good.test"));
    assert!(
        !received
            .iter()
            .any(|query| query.name.ends_with("relay.test")),
        "a name inside --zone reached the network: {received:?}"
    );
}

#[test]
fn offline_reports_names_outside_the_zones_as_not_verified() {
    let (json, code) = offline(&["relay.test.zone"], "relay.test");
    assert_eq!(code, Some(3), "{json:#}");
    assert_eq!(json["domains"][0]["status"], "incomplete");
    let found = rules(&json);
    assert!(found.contains(&"dns-lookup-failed".to_owned()), "{found:?}");
    assert!(
        !found.contains(&"mx-target-unresolvable".to_owned()),
        "{found:?}"
    );
    let query = json["domains"][0]["dns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|query| query["name"] == "mx1.good.test" && query["type"] == "A")
        .cloned()
        .unwrap();
    assert_eq!(query["outcome"], "error");
    assert_eq!(query["error"], "offline: not in any --zone file");
    let failed = json["domains"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == "dns-lookup-failed")
        .unwrap();
    assert!(
        failed["fix"]
            .as_str()
            .unwrap()
            .contains("without --offline"),
        "{failed:#}"
    );
}

#[test]
fn zones_answer_nxdomain_nodata_and_follow_cname_chains() {
    let zones = ["shop.test.zone"];
    let (json, _) = offline(&zones, "nope.shop.test");
    assert_eq!(outcome(&json, "nope.shop.test", "MX"), "nxdomain");
    assert!(rules(&json).contains(&"mx-missing".to_owned()));
    let (json, _) = offline(&zones, "www.shop.test");
    assert_eq!(outcome(&json, "www.shop.test", "MX"), "nodata");
    assert_eq!(outcome(&json, "www.shop.test", "A"), "records");

    // Every rule runs unchanged on top: an MX target that is an alias is found in the file.
    let (json, _) = offline(&["alias.test.zone"], "alias.test");
    assert!(
        rules(&json).contains(&"mx-target-cname".to_owned()),
        "{json:#}"
    );
    assert_eq!(
        json["domains"][0]["records"]["mx"][0]["addresses"][0]["ip"],
        "93.184.216.25"
    );
}

#[test]
fn a_record_that_cannot_be_read_is_not_verified_rather_than_missing() {
    let (json, code) = offline(&["unreadable.test.zone"], "unreadable.test");
    let found = rules(&json);
    assert!(found.contains(&"zone-parse-error".to_owned()), "{found:?}");
    assert!(found.contains(&"dns-lookup-failed".to_owned()), "{found:?}");
    assert!(!found.contains(&"mx-missing".to_owned()), "{found:?}");
    assert_eq!(outcome(&json, "unreadable.test", "MX"), "error");
    assert_eq!(code, Some(1));
}

#[test]
fn human_output_shows_the_zone_section_with_file_and_line() {
    let output = mailcheck()
        .args(["--offline", "--color", "never"])
        .args(zone_arg("broken.test.zone"))
        .arg("broken.test")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Zone file\n"), "{text}");
    assert!(text.contains("broken.test answered from fixtures/zonefiles/broken.test.zone"));
    assert!(
        text.contains("fixtures/zonefiles/broken.test.zone:19 [zone-parse-error]"),
        "{text}"
    );
    assert!(text.contains("[zone-txt-string-too-long]"));
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_zone_file_that_cannot_be_read_is_an_input_error() {
    let output = mailcheck()
        .args([
            "--offline",
            "--format",
            "json",
            "--zone",
            "fixtures/zonefiles/missing.zone",
            "x.test",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        json["error"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("fixtures/zonefiles/missing.zone")),
        "{json:#}"
    );
    let output = mailcheck()
        .args(["--offline", "--nameserver", "127.0.0.1", "x.test"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "--offline and --nameserver conflict"
    );
}

/// The in-memory zone source gives the outcomes a real server and resolver give: every name
/// of the fixture zones (owners, names under them, empty non-terminals), every type, asked
/// of the hickory test server through the live resolver (with the chase layer, which asks for
/// the links of a chain that leaves the server's zone) and of a `ZoneSource` over the same
/// files, must come back the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_zone_source_answers_like_the_server() {
    use mailcheck::dns::chase::ChasingSource;
    use mailcheck::dns::network::{NetworkSource, ResolverSettings};
    use mailcheck::dns::zone::{OfflineSource, ZoneSource};
    use mailcheck::dns::{DnsSource, Outcome, RecordType};
    use std::collections::BTreeSet;

    let server = fixture_server();
    let live = ChasingSource::new(
        NetworkSource::new(&ResolverSettings {
            nameservers: vec![server.addr],
            timeout: std::time::Duration::from_secs(2),
            retries: 0,
            max_qps: None,
        })
        .unwrap(),
    );
    let mut zones = Vec::new();
    for entry in std::fs::read_dir("fixtures/zones").unwrap() {
        let path = entry.unwrap().path();
        let zone = zonefile::load(&path).unwrap();
        assert_eq!(zone.errors, vec![], "{}", path.display());
        zones.push(zone);
    }
    let memory = ZoneSource::new(&zones, OfflineSource);
    let mut names = BTreeSet::new();
    for zone in &zones {
        for record in &zone.records {
            names.insert(record.name.clone());
            names.insert(record.name.prepend("nope"));
            if let Some((_, parent)) = record.name.as_str().split_once('.') {
                names.insert(Name::new(parent));
            }
        }
    }
    // The test server mistreats these on purpose (tests/support/server.rs).
    let mistreated = support::server::Behaviour::fixtures().rules;
    names.retain(|name| {
        // Below a wildcard's own owner name (`nope.*.example`), RFC 4592 §2.2.1 gives
        // NXDOMAIN (the closest encloser is `*.example`, and `*.*.example` does not exist);
        // hickory-server synthesises from the wildcard instead. Not a question mailcheck asks.
        // hickory-server also answers names under an existing name (`nope.google._domainkey`)
        // from a wildcard higher up, against RFC 4592 §2.2.1; wildcard.dkim.test has both.
        !name.labels().skip(1).any(|label| label == "*")
            && !name.as_str().ends_with("wildcard.dkim.test")
            && !mistreated.iter().any(|(under, _)| {
                name.as_str() == under || name.as_str().ends_with(&format!(".{under}"))
            })
    });
    let types = [
        RecordType::A,
        RecordType::Aaaa,
        RecordType::Cname,
        RecordType::Mx,
        RecordType::Ptr,
        RecordType::Txt,
    ];
    let sorted = |outcome: Outcome| match outcome {
        Outcome::Records(records) => {
            let mut shown: Vec<String> = records
                .iter()
                .map(|r| format!("{} {} {} {}", r.name, r.ttl, r.data.record_type(), r.data))
                .collect();
            shown.sort();
            Ok(shown)
        }
        other => Err(other),
    };
    let mut compared = 0;
    for name in &names {
        for rtype in types {
            let (from_server, from_memory) =
                tokio::join!(live.query(name, rtype), memory.query(name, rtype));
            let from_server = sorted(from_server);
            // Names outside every fixture zone are REFUSED by the server and offline here.
            if from_server == Err(Outcome::Refused) {
                continue;
            }
            assert_eq!(sorted(from_memory), from_server, "{name} {rtype}");
            compared += 1;
        }
    }
    assert!(compared > 300, "only {compared} answers compared");
}

fn findings_of<'j>(json: &'j Value, domain: &str) -> Vec<&'j Value> {
    json["domains"]
        .as_array()
        .expect("domains")
        .iter()
        .find(|report| report["domain"] == domain)
        .and_then(|report| report["findings"].as_array())
        .expect("findings")
        .iter()
        .collect()
}

fn offline_with(args: &[&str]) -> (Value, Option<i32>) {
    let mut command = mailcheck();
    command.args(["--offline", "--format", "json"]).args(args);
    let (json, code, _) = run(&mut command);
    (json, code)
}

/// The same records as `named-compilezone -o - clean.test fixtures/zonefiles/db.clean.test`.
#[test]
fn a_bind_file_without_origin_takes_the_audited_domain_the_given_origin_or_its_name() {
    let file = format!("{DIR}/db.clean.test");
    // One domain, one file: the audited domain.
    let (json, code) = offline_with(&["--zone", &file, "clean.test"]);
    // Only the provider's names are not verified (offline).
    assert!(
        rules(&json).iter().all(|rule| rule == "dns-lookup-failed"),
        "{json:#}"
    );
    assert_eq!(code, Some(3));
    let zones = &json["domains"][0]["records"]["zones"];
    assert_eq!(zones[0]["origin"], "clean.test", "{json:#}");
    assert_eq!(zones[0]["origin_from"], "audited-domain");
    assert_eq!(zones[0]["records"], 11);
    // Given with the file.
    let given = format!("clean.test={file}");
    let (json, _) = offline_with(&["--zone", &given, "clean.test"]);
    assert_eq!(
        json["domains"][0]["records"]["zones"][0]["origin_from"],
        "given"
    );
    // Two domains: the file's name.
    let (json, _) = offline_with(&["--zone", &file, "clean.test", "other.test"]);
    assert_eq!(
        json["domains"][0]["records"]["zones"][0]["origin_from"],
        "file-name"
    );
    assert_eq!(outcome(&json, "_dmarc.clean.test", "TXT"), "records");
    // The human output says where the name came from.
    let output = mailcheck()
        .args([
            "--offline",
            "--color",
            "never",
            "--zone",
            &file,
            "clean.test",
        ])
        // The line is checked whole: no wrapping.
        .env("COLUMNS", "1000")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("clean.test answered from fixtures/zonefiles/db.clean.test (11 records; zone name from the audited domain"),
        "{text}"
    );
}

#[test]
fn an_origin_argument_is_split_only_when_no_file_has_the_whole_name() {
    use mailcheck::sources::{file_name_origin, zone_argument};
    let (origin, path) = zone_argument(Path::new("example.com=db.zone"));
    assert_eq!(origin, Some(Name::new("example.com")));
    assert_eq!(path, Path::new("db.zone"));
    let (origin, path) = zone_argument(Path::new("not a name=db.zone"));
    assert_eq!((origin, path.to_str()), (None, Some("not a name=db.zone")));
    for (file, domain) in [
        ("db.example.com", Some("example.com")),
        ("example.com.zone", Some("example.com")),
        ("example.com.db", Some("example.com")),
        ("zones/example.com", Some("example.com")),
        ("records.txt", None),
        ("zonefile", None),
    ] {
        assert_eq!(
            file_name_origin(Path::new(file)).map(|name| name.as_str().to_owned()),
            domain.map(str::to_owned),
            "{file}"
        );
    }
}

/// `named-compilezone -o - midorigin.test FILE` keeps the zone midorigin.test and puts smtp
/// and imap under mail.midorigin.test.
#[test]
fn a_later_origin_does_not_move_the_zone() {
    let (json, code) = offline_with(&[
        "--zone",
        &format!("{DIR}/midorigin.test.zone"),
        "midorigin.test",
    ]);
    assert_eq!(
        json["domains"][0]["records"]["zones"][0]["origin"], "midorigin.test",
        "{json:#}"
    );
    assert_eq!(outcome(&json, "smtp.mail.midorigin.test", "A"), "records");
    assert!(
        !rules(&json).contains(&"zone-parse-error".to_owned()),
        "{json:#}"
    );
    assert!(!rules(&json).contains(&"mx-missing".to_owned()));
    assert!(!rules(&json).contains(&"mx-target-unresolvable".to_owned()));
    assert_ne!(code, Some(2), "{json:#}");
}

/// The records `named-compilezone` makes of the same `$GENERATE` lines.
#[test]
fn generated_mx_hosts_and_ptrs_are_read() {
    let (json, code) = offline(
        &["generate.test.zone", "reverse-generate.zone"],
        "generate.test",
    );
    let mx: Vec<(&str, u64)> = json["domains"][0]["records"]["mx"]
        .as_array()
        .unwrap()
        .iter()
        .map(|mx| {
            (
                mx["target"].as_str().unwrap(),
                mx["preference"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        mx,
        [("mx1.generate.test", 10), ("mx2.generate.test", 20)],
        "{json:#}"
    );
    assert_eq!(
        json["domains"][0]["records"]["mx"][1]["addresses"][0]["ptr"][0]["forward_confirmed"], true,
        "{json:#}"
    );
    assert_eq!(code, Some(0), "{json:#}");
}

#[test]
fn unknown_types_are_one_finding_and_their_names_are_not_verified() {
    let (json, _) = offline(&["dyna.test.zone"], "dyna.test");
    let parse_errors: Vec<&str> = findings_of(&json, "dyna.test")
        .into_iter()
        .filter(|finding| finding["rule"] == "zone-parse-error")
        .filter_map(|finding| finding["message"].as_str())
        .collect();
    assert_eq!(
        parse_errors,
        [
            "fixtures/zonefiles/dyna.test.zone: 3 lines could not be read (lines 11, 12, 13): \
          unknown record type DYNA"
        ],
        "{json:#}"
    );
    assert_eq!(outcome(&json, "mx1.dyna.test", "A"), "error");
    assert_eq!(outcome(&json, "mx1.dyna.test", "AAAA"), "error");
    let found = rules(&json);
    assert!(
        !found.contains(&"mx-target-unresolvable".to_owned()),
        "{found:?}"
    );
    assert!(!found.contains(&"spf-void-lookup".to_owned()), "{found:?}");
}

#[test]
fn an_unknown_directive_or_a_template_makes_no_record_missing() {
    let (json, _) = offline(&["directive.test.zone"], "directive.test");
    let found = rules(&json);
    assert!(found.contains(&"zone-parse-error".to_owned()), "{found:?}");
    assert!(!found.contains(&"dmarc-missing".to_owned()), "{found:?}");
    assert_eq!(outcome(&json, "_dmarc.directive.test", "TXT"), "error");
    // What was read is still used.
    assert_eq!(outcome(&json, "mail.directive.test", "A"), "records");
}

#[test]
fn each_file_reports_to_the_domains_of_its_zone_only() {
    let (json, code) = offline_with(&[
        "--offline-ok",
        "--zone",
        &format!("{DIR}/db.clean.test"),
        "--zone",
        &format!("{DIR}/dyna.test.zone"),
        "clean.test",
        "dyna.test",
    ]);
    let zone_rules = |domain: &str| -> Vec<String> {
        findings_of(&json, domain)
            .into_iter()
            .filter_map(|finding| finding["rule"].as_str())
            .filter(|rule| rule.starts_with("zone-"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(zone_rules("clean.test"), Vec::<String>::new(), "{json:#}");
    assert_eq!(zone_rules("dyna.test"), ["zone-parse-error"]);
    assert_eq!(code, Some(1));
}

#[test]
fn offline_ok_lets_a_correct_zone_pass_but_not_an_unasked_name_of_the_domain() {
    let file = format!("{DIR}/db.clean.test");
    let (json, code) = offline_with(&["--offline-ok", "--zone", &file, "clean.test"]);
    assert_eq!(code, Some(0), "{json:#}");
    // Still said in the report: the provider's names were not verified.
    assert_eq!(json["domains"][0]["status"], "incomplete");
    // Without --offline-ok, exit 3 as before.
    let (_, code) = offline_with(&["--zone", &file, "clean.test"]);
    assert_eq!(code, Some(3));
    // A domain in no --zone file: its own names were not asked, so it is still exit 3.
    let (_, code) = offline_with(&["--offline-ok", "uncovered.test"]);
    assert_eq!(code, Some(3));
    // --offline-ok needs --offline.
    let output = mailcheck()
        .args(["--offline-ok", "clean.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
