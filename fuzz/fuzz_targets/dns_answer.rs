//! DNS answers from a name server (untrusted bytes): decoding them and following their CNAME
//! chains must never panic or loop (the checks are in `mailcheck::dns::network::fuzzing`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mailcheck::dns::network::fuzzing::answer_target(data));
