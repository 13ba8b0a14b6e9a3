//! The JSON Schema of mailcheck's output (`schema/`): generated from the types that are
//! written, checked in, and every kind of JSON document and NDJSON line validates against it.
//!
//! After a change to the output's types, regenerate the files with
//! `MAILCHECK_UPDATE_SCHEMA=1 cargo test --test schema`, and look at the diff.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{mailcheck, mailcheck_fixtures};

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema")
}

/// `schema` as it is checked in: pretty JSON and a final newline.
fn text_of(schema: &schemars::Schema) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(schema).expect("a schema is JSON")
    )
}

#[test]
fn the_checked_in_schemas_are_the_types_schemas() {
    let update = std::env::var_os("MAILCHECK_UPDATE_SCHEMA").is_some_and(|value| value == "1");
    for (file, schema) in [
        (
            "mailcheck.schema.json",
            mailcheck::output::document_schema(),
        ),
        (
            "mailcheck-ndjson.schema.json",
            mailcheck::output::ndjson_line_schema(),
        ),
    ] {
        let path = schema_dir().join(file);
        let generated = text_of(&schema);
        if update {
            std::fs::create_dir_all(schema_dir()).unwrap();
            std::fs::write(&path, &generated).unwrap();
            continue;
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == generated,
            "schema/{file} is not the schema of the output's types: regenerate it with \
             `MAILCHECK_UPDATE_SCHEMA=1 cargo test --test schema` and look at the diff"
        );
    }
}

fn validator(file: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(schema_dir().join(file)).expect("the checked-in schema");
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn problems(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .take(5)
        .collect()
}

/// Every fixture zone's domain (the file names are the zones' names).
fn fixture_domains() -> Vec<String> {
    let mut domains: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/zones"))
            .unwrap()
            .filter_map(|entry| {
                let name = entry.ok()?.file_name().to_string_lossy().into_owned();
                let domain = name.strip_suffix(".zone")?.to_owned();
                // Reverse zones, and the `_dmarc.<suffix>` zones of the public suffixes, are
                // no audited domains.
                (!domain.ends_with("arpa") && !domain.starts_with('_')).then_some(domain)
            })
            .collect();
    domains.sort();
    domains
}

#[test]
fn every_json_document_validates() {
    let document = validator("mailcheck.schema.json");
    let domains = fixture_domains();
    assert!(domains.len() > 30, "{domains:?}");
    let mut runs: Vec<(String, std::process::Output)> = Vec::new();
    let output = mailcheck_fixtures()
        .args(["--json", "-v"])
        .args(&domains)
        .output()
        .unwrap();
    assert_ne!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    runs.push(("every fixture domain".to_owned(), output));
    for arguments in [
        vec!["--json", "record", "spf", "v=spf1 +all"],
        vec!["--json", "record", "dmarc", "v=DMARC1; p=none; pct=50"],
        vec!["--json", "record", "dkim", "v=DKIM1; p="],
        vec!["--json", "explain"],
        vec!["--json", "bad..domain"],
        vec![
            "--json",
            "--offline",
            "--zone",
            "fixtures/zonefiles/dyna.test.zone",
            "dyna.test",
        ],
        vec!["--json", "--offline", "--ignore", "dns", "example.com"],
    ] {
        runs.push((
            format!("{arguments:?}"),
            mailcheck().args(&arguments).output().unwrap(),
        ));
    }
    let output = mailcheck_fixtures()
        .args(["--json", "spf", "good.test", "--ip", "192.0.2.1"])
        .output()
        .unwrap();
    runs.push(("spf".to_owned(), output));
    for (what, output) in runs {
        let value: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{what}: not JSON ({e})"));
        let found = problems(&document, &value);
        assert!(found.is_empty(), "{what}: {found:#?}");
    }
    // The validator can fail: a report whose domain has no status is refused.
    let output = mailcheck_fixtures()
        .args(["--json", "good.test"])
        .output()
        .unwrap();
    let mut value: Value = serde_json::from_slice(&output.stdout).unwrap();
    value["domains"][0]
        .as_object_mut()
        .unwrap()
        .remove("status");
    assert!(!problems(&document, &value).is_empty());
}

#[test]
fn every_ndjson_line_validates() {
    let line = validator("mailcheck-ndjson.schema.json");
    let output = mailcheck_fixtures()
        .args(["--format", "ndjson"])
        .args(fixture_domains())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let mut count = 0;
    for row in text.lines() {
        let value: Value = serde_json::from_str(row).unwrap_or_else(|e| panic!("{e}: {row}"));
        let found = problems(&line, &value);
        assert!(found.is_empty(), "{row}: {found:#?}");
        count += 1;
    }
    assert!(count > 30, "{count} lines");
}
