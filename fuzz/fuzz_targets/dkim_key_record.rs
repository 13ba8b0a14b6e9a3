//! DKIM key records: the parser, the key validation and record mode must never panic, and
//! every span they report must lie inside the text on character boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailcheck::dkim::{key, parse};
use mailcheck::lint::{RecordKind, RecordText, lint};

fuzz_target!(|data: &[u8]| {
    // TXT data is bytes; mailcheck reads it as (lossy) UTF-8, as the gatherer does.
    let text = String::from_utf8_lossy(data);
    let record = parse(&text);
    for problem in record.errors.iter().chain(&record.warnings) {
        assert!(
            text.get(problem.span.start..problem.span.end).is_some(),
            "span {:?} does not fit {text:?}",
            problem.span
        );
    }
    let analysis = key::analyze(&record);
    for problem in &analysis.problems {
        assert!(text.get(problem.span.start..problem.span.end).is_some());
    }
    // The whole of record mode: findings, fixes and the overview.
    let output = lint(RecordKind::Dkim, &RecordText::parse(&text)).expect("dkim is supported");
    for finding in &output.findings {
        if let Some(excerpt) = &finding.excerpt {
            assert!(excerpt.text.get(excerpt.span.start..excerpt.span.end).is_some());
        }
    }
});
