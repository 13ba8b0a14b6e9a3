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
    assert_eq!(rules(&json), Vec::<String>::new(), "{json:#}");
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
