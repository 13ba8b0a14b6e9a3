//! SPF macro strings: parsing in both contexts and expansion with values taken from the
//! input; no panic, spans inside the text, output bounded (checks in
//! `mailcheck::spf::fuzzing`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mailcheck::spf::fuzzing::macro_target(data));
