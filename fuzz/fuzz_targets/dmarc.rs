//! The DMARC parser never panics, and every span it reports lies on character boundaries
//! inside the record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailcheck::policy::dmarc;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let record = dmarc::parse(&text);
    for issue in &record.issues {
        let span = issue.issue.span;
        assert!(text.get(span.start..span.end).is_some(), "{span:?} in {text:?}");
    }
    for tag in &record.tags {
        assert!(text.get(tag.span.start..tag.span.end).is_some());
    }
    for uri in record.rua.iter().chain(&record.ruf) {
        assert!(text.get(uri.span.start..uri.span.end).is_some());
    }
    let _ = record.effective();
    let _ = dmarc::step_record(&record, dmarc::Policy::Reject, "dmarc@example.com");
    let _ = dmarc::is_dmarc_record(&text);
    let _ = dmarc::is_lookalike(&text);
});
