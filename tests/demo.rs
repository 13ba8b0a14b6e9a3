//! The README's first command, run as a new user would run it: no network, the demo zone.
//! The command is read from README.md itself, so the README cannot drift from what works.

mod support;

use insta_cmd::assert_cmd_snapshot;
use support::mailcheck;

/// The first `mailcheck …` line of the README's first code block that runs one.
fn readme_first_command() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let line = readme
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("mailcheck --offline"))
        .expect("the README's first command is an offline demo run");
    line.split_whitespace().skip(1).map(str::to_owned).collect()
}

#[test]
fn the_readme_first_command_works_offline() {
    let args = readme_first_command();
    assert!(
        args.iter()
            .any(|arg| arg == "fixtures/demo/acme-shop.example.zone")
    );
    let output = mailcheck()
        .args(["--color", "never"])
        .args(&args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let rules: Vec<&str> = json["domains"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|finding| finding["rule"].as_str())
        .collect();
    // A typical mistake in every family.
    for rule in [
        "zone-cname-with-other-data",
        "mx-target-cname",
        "mx-target-non-public-address",
        "spf-ptr-mechanism",
        "spf-unknown-modifier",
        "spf-all-neutral",
        "dkim-key-weak",
        "dkim-testing-mode",
        "dmarc-policy-none",
        "mta-sts-record-invalid",
        "tls-rpt-missing",
        "bimi-requires-dmarc-enforcement",
    ] {
        assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
    }
    // Errors were found: exit 1, whatever could not be verified offline.
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn the_demo_output() {
    assert_cmd_snapshot!(
        mailcheck()
            .args(["--color", "never"])
            .args(readme_first_command())
    );
}
