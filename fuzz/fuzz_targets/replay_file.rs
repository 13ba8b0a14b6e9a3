//! The `--replay` reader given a path: a regular file holding the input, a link, a directory, a
//! device, a FIFO, a file over the cap. No panic, no hang, everything but a regular file under
//! the cap refused, a file that reads written back the same (the checks are in
//! `mailcheck::fuzzing::replay`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mailcheck::fuzzing::replay::replay_file_target(data));
