//! DKIM key records: the parser, the key validation and record mode must never panic, and
//! every span they report must lie inside the text on character boundaries (the checks are in
//! `mailcheck::fuzzing::dkim`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mailcheck::fuzzing::dkim::key_record_target(data));
