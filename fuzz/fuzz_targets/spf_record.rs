//! The SPF record parser and record selection: no panic, every span inside the text and on
//! character boundaries, on any input (the checks are in `mailcheck::spf::fuzzing`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mailcheck::spf::fuzzing::record_target(data));
