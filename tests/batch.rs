//! Many domains in one run: list input, output order, NDJSON, and a dead name server for one
//! domain while the others finish.

mod support;

use std::io::Write;
use std::process::Stdio;

use serde_json::Value;
use support::mailcheck_fixtures;

fn ndjson_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[test]
fn a_list_with_bad_lines_audits_the_rest_and_exits_2() {
    let dir = std::env::temp_dir().join(format!("mailcheck-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("domains.txt");
    std::fs::write(
        &list,
        "# audited every night\ngood.test\n\nexa mple.test\nnullmx.test  # parked\n192.0.2.1\n",
    )
    .unwrap();
    let output = mailcheck_fixtures()
        .args(["--color", "never", "--input"])
        .arg(&list)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("domains.txt:4:") && stderr.contains("exa mple.test"),
        "{stderr}"
    );
    assert!(
        stderr.contains("domains.txt:6:") && stderr.contains("IP address"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert!(
        stdout.contains("good.test") && stdout.contains("nullmx.test"),
        "{stdout}"
    );

    // The same under JSON: the bad lines are in the document.
    let output = mailcheck_fixtures()
        .args(["--json", "--input"])
        .arg(&list)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["domains"].as_array().unwrap().len(), 2);
    assert_eq!(json["input_errors"][0]["line"], 4);
    assert_eq!(json["input_errors"][1]["line"], 6);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn domains_can_come_from_stdin() {
    let mut child = mailcheck_fixtures()
        .args(["--json", "--input", "-", "mx-cname.test"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"good.test\nnullmx.test\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let domains: Vec<&str> = json["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|domain| domain["domain"].as_str().unwrap())
        .collect();
    // Command-line domains first, then the list, in order.
    assert_eq!(domains, ["mx-cname.test", "good.test", "nullmx.test"]);
}

#[test]
fn human_output_keeps_input_order() {
    // slow.failing.test answers 300 ms late, so it finishes last; it must still print first.
    let output = mailcheck_fixtures()
        .args([
            "--color",
            "never",
            "slow.failing.test",
            "good.test",
            "nullmx.test",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let position = |name: &str| {
        stdout
            .lines()
            .position(|line| line == name)
            .unwrap_or_else(|| panic!("{name} missing: {stdout}"))
    };
    assert!(position("slow.failing.test") < position("good.test"));
    assert!(position("good.test") < position("nullmx.test"));
}

#[test]
fn ndjson_streams_each_domain_then_a_summary() {
    let output = mailcheck_fixtures()
        .args([
            "--format",
            "ndjson",
            "slow.failing.test",
            "good.test",
            "mx-cname.test",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let lines = ndjson_lines(&output.stdout);
    assert_eq!(lines.len(), 4);
    // Completion order: the slow domain comes after the others.
    assert_eq!(lines[2]["domain"], "slow.failing.test");
    let run = &lines[3]["run"];
    assert_eq!(run["schema_version"], 1);
    assert_eq!(run["domains"], 3);
    assert_eq!(run["errors"], 1);
    assert_eq!(run["incomplete"], 0);

    // Each domain line has exactly the shape of a domain entry of the JSON document.
    let document = mailcheck_fixtures()
        .args(["--json", "mx-cname.test"])
        .output()
        .unwrap();
    let document: Value = serde_json::from_slice(&document.stdout).unwrap();
    let entry = &document["domains"][0];
    let line = lines
        .iter()
        .find(|line| line["domain"] == "mx-cname.test")
        .unwrap();
    let keys =
        |value: &Value| -> Vec<String> { value.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(keys(line), keys(entry));
    assert_eq!(line["findings"], entry["findings"]);
}

#[test]
fn a_dead_name_server_does_not_stall_the_others() {
    // timeout.failing.test never gets an answer; with a small concurrency limit its queries
    // hold some permits until they time out, and the other domains must finish meanwhile.
    // Its audit asks 5 questions at once (MX, A, AAAA, and the SPF TXT and type-99 lookups),
    // so the limit leaves the others a fair share.
    let output = mailcheck_fixtures()
        .args([
            "--format",
            "ndjson",
            "--concurrency",
            "16",
            "timeout.failing.test",
            "good.test",
            "nullmx.test",
            "mx-cname.test",
            "missing.ptr.test",
        ])
        .output()
        .unwrap();
    let lines = ndjson_lines(&output.stdout);
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[4]["domain"], "timeout.failing.test", "{lines:#?}");
    assert_eq!(lines[4]["status"], "incomplete");
    assert_eq!(lines[5]["run"]["incomplete"], 1);
    // An error finding (mx-cname.test) wins over the incomplete audit: exit 1.
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn bad_concurrency_is_a_usage_error() {
    for value in ["0", "-3", "many"] {
        let output = mailcheck_fixtures()
            .arg(format!("--concurrency={value}"))
            .arg("good.test")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{value}");
    }
}

#[test]
fn an_unreadable_list_is_an_input_error() {
    let output = mailcheck_fixtures()
        .args(["--input", "/nonexistent/domains.txt"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read --input"));
}
