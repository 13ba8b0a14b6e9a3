//! `$INCLUDE` resolution: a tree of zone files written to a scratch directory and read from
//! disk as `--zone` reads them, includes confined to the zone's directory. No panic, no hang,
//! no path resolved outside the directory, nothing of the file outside it read, the caps held
//! (the checks are in `mailcheck::zonefile::fuzzing`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mailcheck::zonefile::fuzzing::include_target(data));
