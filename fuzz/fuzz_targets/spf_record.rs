//! The SPF record parser and record selection: no panic, every span inside the text and on
//! character boundaries, on any input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailcheck::spf::record::parse_record;
use mailcheck::spf::select::select_records;

fuzz_target!(|data: &[u8]| {
    // Selection sees the raw character-strings (split where a 0xff byte is, for variety).
    let strings: Vec<Vec<u8>> = data.split(|&b| b == 0xff).map(<[u8]>::to_vec).collect();
    let _ = select_records([strings].iter());
    let text = String::from_utf8_lossy(data);
    let record = parse_record(&text);
    for problem in &record.problems {
        assert!(problem.span.start <= problem.span.end);
        assert!(text.get(problem.span.start..problem.span.end).is_some());
    }
    for term in &record.terms {
        assert_eq!(text.get(term.span.start..term.span.end), Some(term.text.as_str()));
    }
});
