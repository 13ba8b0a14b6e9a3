//! The checks the `dkim_key_record` fuzz target runs (`fuzz/fuzz_targets/dkim_key_record.rs`),
//! here so that the regression test (`tests/dkim_fuzz_regressions.rs`) runs exactly the same
//! ones on the committed inputs. Panics if the parser, the key validation or record mode
//! breaks a promise: a panic, or a span outside the text or off a character boundary.

use crate::dkim::{key, parse};
use crate::finding::RecordKind;
use crate::txt::TxtRecord;

/// The key-record parser, key validation and record mode on `data`.
pub fn key_record_target(data: &[u8]) {
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
    let output = crate::record::check(RecordKind::Dkim, &TxtRecord::from_input(&text));
    for finding in &output.findings {
        if let Some(excerpt) = &finding.excerpt {
            assert!(
                excerpt
                    .text
                    .get(excerpt.span.start..excerpt.span.end)
                    .is_some()
            );
        }
    }
}
