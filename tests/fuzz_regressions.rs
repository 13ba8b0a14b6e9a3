//! The committed fuzz corpus of the policy-record parsers (`tests/corpus/<target>/`): seeds
//! and every input the fuzzers found a problem with, fed to the parsers with the same checks
//! as the fuzz targets in `fuzz/fuzz_targets/`, so `cargo test` guards against regressions
//! with no fuzzer installed.

use std::path::Path;

use mailcheck::diagnostic::Span;
use mailcheck::policy::{bimi, dmarc, mta_sts, tls_rpt};

/// Every file of `tests/corpus/<target>`, as the fuzz targets read it (lossy UTF-8).
fn corpus(target: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(target);
    let mut inputs: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("corpus entry").path();
            let bytes = std::fs::read(&path).expect("corpus file");
            (
                path.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "{} is empty", dir.display());
    inputs
}

fn in_bounds(text: &str, span: Span, file: &str) {
    assert!(
        text.get(span.start..span.end).is_some(),
        "{file}: span {span:?} is not inside the text"
    );
}

#[test]
fn dmarc_corpus() {
    for (file, text) in corpus("dmarc") {
        let record = dmarc::parse(&text);
        for issue in &record.issues {
            in_bounds(&text, issue.issue.span, &file);
        }
        for tag in &record.tags {
            in_bounds(&text, tag.span, &file);
        }
        for uri in record.rua.iter().chain(&record.ruf) {
            in_bounds(&text, uri.span, &file);
        }
        let _ = record.effective();
        let _ = dmarc::step_record(&record, dmarc::Policy::Reject, "dmarc@example.com");
    }
}

#[test]
fn mta_sts_corpus() {
    for (file, text) in corpus("mta_sts") {
        let record = mta_sts::parse(&text);
        for issue in &record.issues {
            in_bounds(&text, issue.span, &file);
        }
    }
}

#[test]
fn tls_rpt_corpus() {
    for (file, text) in corpus("tls_rpt") {
        let record = tls_rpt::parse(&text);
        for issue in &record.issues {
            in_bounds(&text, issue.span, &file);
        }
    }
}

#[test]
fn bimi_corpus() {
    for (file, text) in corpus("bimi") {
        let record = bimi::parse(&text);
        for issue in &record.issues {
            in_bounds(&text, issue.span, &file);
        }
    }
}
