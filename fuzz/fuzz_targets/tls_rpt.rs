//! The tls_rpt parser never panics, and every span it reports lies on character boundaries
//! inside the record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailcheck::policy::tls_rpt;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let record = tls_rpt::parse(&text);
    for issue in &record.issues {
        assert!(text.get(issue.span.start..issue.span.end).is_some(), "{issue:?} in {text:?}");
    }
    for tag in &record.tags {
        assert!(text.get(tag.span.start..tag.span.end).is_some());
    }
    let _ = tls_rpt::is_lookalike(&text);
});
