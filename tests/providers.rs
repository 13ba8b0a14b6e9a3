//! Provider detection: the providers a domain's records point to are named at the top of the
//! report, and their documented setup is added to the fixes.

mod support;

use serde_json::Value;
use support::mailcheck_fixtures;

#[test]
fn google_workspace_is_detected_and_its_setup_is_in_the_fix() {
    let output = mailcheck_fixtures()
        .args(["--format", "json", "gsuite.test"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let domain = &json["domains"][0];
    assert_eq!(
        domain["providers"][0]["name"], "Google Workspace",
        "{domain:#}"
    );
    let evidence: Vec<&str> = domain["providers"][0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        evidence,
        ["MX aspmx.l.google.com", "SPF include:_spf.google.com"]
    );
    let dkim = domain["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == "dkim-no-key-found")
        .expect("no DKIM key yet");
    assert!(
        dkim["fix"].as_str().unwrap().contains("google._domainkey"),
        "{dkim:#}"
    );

    let human = mailcheck_fixtures()
        .args(["--color", "never", "gsuite.test"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.lines()
            .skip_while(|line| !line.starts_with("gsuite.test"))
            .nth(1)
            .is_some_and(|line| line.starts_with("Mail provider: Google Workspace")),
        "{text}"
    );
}

#[test]
fn no_provider_is_claimed_without_evidence() {
    let output = mailcheck_fixtures()
        .args(["--format", "json", "good.test"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(json["domains"][0].get("providers").is_none());
}
