//! `--expect` comparisons of TXT records: an expected text (from the file) against a found one
//! (any bytes DNS can carry): token prefixes, DKIM and other tag lists, the SPF fix. The
//! input is split at its first newline. No panic on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (expected, found) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, data),
    };
    let _ = mailcheck::fuzzing::expect::fuzz_txt(expected, found);
});
