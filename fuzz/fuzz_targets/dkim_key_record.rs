//! DKIM key records: the parser, the key validation and record mode must never panic, and
//! every span they report must lie inside the text on character boundaries (the checks are in
//! `mailcheck::dkim::fuzzing`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mailcheck::dkim::fuzzing::key_record_target(data));
