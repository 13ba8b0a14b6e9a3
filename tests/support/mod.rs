//! Shared test helpers: the in-process DNS server and running the binary against it.

#![allow(dead_code)] // each test crate uses a different part of it

pub mod hostile;
pub mod server;

use std::process::Command;
use std::sync::OnceLock;

use server::{Behaviour, TestServer, fixture_zones};

/// The server every CLI test shares: the fixture zones with the fixture behaviour.
pub fn fixture_server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(|| TestServer::start(&fixture_zones(), Behaviour::fixtures()))
}

/// The `mailcheck` binary with a clean environment: no colour variables, and pointed at the
/// fixture server with short timeouts.
pub fn mailcheck() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mailcheck"));
    command
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        // Human output is wrapped to COLUMNS when it is set: the snapshots are at 100.
        .env_remove("COLUMNS")
        // The marks are Unicode unless the terminal or the locale says otherwise.
        .env_remove("TERM")
        .env_remove("LC_ALL")
        .env_remove("LC_CTYPE")
        .env_remove("LANG")
        // A mailcheck.toml in a directory above the clone must not change the tests.
        .env("MAILCHECK_NO_CONFIG", "1")
        .env_remove("RUST_BACKTRACE")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// `mailcheck` against the fixture server, with a short timeout and no retries. The timeout
/// leaves room for a loaded machine: DKIM discovery asks some sixty questions per audit at
/// once, and a debug-built server on a busy 2-core machine can take longer than 0.4 s.
pub fn mailcheck_fixtures() -> Command {
    let server = fixture_server();
    let mut command = mailcheck();
    command
        .arg("--nameserver")
        .arg(server.addr.to_string())
        .args(["--timeout", "1.5", "--retries", "0"]);
    command
}

/// The findings of the first (or only) domain of a JSON report.
pub fn findings(json: &serde_json::Value) -> &Vec<serde_json::Value> {
    json["domains"][0]["findings"]
        .as_array()
        .expect("a JSON report with findings")
}

/// Whether the report's first domain has a finding of `rule` at `severity` whose subject
/// contains `subject`.
pub fn has_finding(json: &serde_json::Value, rule: &str, severity: &str, subject: &str) -> bool {
    findings(json).iter().any(|finding| {
        finding["rule"] == rule
            && finding["severity"] == severity
            && finding["subject"]
                .as_str()
                .is_some_and(|text| text.contains(subject))
    })
}

/// The findings of `rule` in the report's first domain.
pub fn findings_of<'j>(json: &'j serde_json::Value, rule: &str) -> Vec<&'j serde_json::Value> {
    findings(json)
        .iter()
        .filter(|finding| finding["rule"] == rule)
        .collect()
}

/// Checks a rule family's fixture tables against the registry: every rule of the family
/// (those `in_family` selects) is fired by some fixture and kept quiet by another, and every
/// id in the tables names a rule. Returns the family's rules for further checks.
pub fn assert_fixtures_both_ways(
    in_family: impl Fn(&mailcheck::finding::Rule) -> bool,
    fired: &[&str],
    quiet: &[&str],
) -> Vec<&'static mailcheck::finding::Rule> {
    let family: Vec<&'static mailcheck::finding::Rule> = mailcheck::rules::RULES
        .iter()
        .copied()
        .filter(|rule| in_family(rule))
        .collect();
    assert!(!family.is_empty(), "no rule in this family");
    for rule in &family {
        assert!(fired.contains(&rule.id), "no fixture fires {}", rule.id);
        assert!(
            quiet.contains(&rule.id),
            "no fixture keeps {} quiet",
            rule.id
        );
    }
    // A table may also pin a rule of another family (dns-lookup-failed for a DKIM probe,
    // say), but every id must be a rule.
    for id in fired.iter().chain(quiet) {
        assert!(
            mailcheck::rules::find_rule(id).is_some(),
            "{id} is in a fixture table but not in RULES"
        );
    }
    family
}
