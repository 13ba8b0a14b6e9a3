//! `--expect` files: `mailcheck::expect::ExpectFile::read` (zone-file syntax read as a record
//! list, names relative to the audited domain, records outside it reported). No panic, no
//! hang, bounded memory, on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailcheck::dns::Name;
use mailcheck::expect::ExpectFile;
use mailcheck::zonefile::is_within;

fuzz_target!(|data: &[u8]| {
    let file = ExpectFile::from_text("fuzz.zone", data);
    let domain = Name::new("fuzz.test");
    let read = file.read(&domain);
    let (records, problems) = (read.records, read.problems);
    let lines = data.split(|&b| b == b'\n').count();
    // Every record kept is under the domain, every problem is at a real line, and a record
    // is never both kept and reported.
    for record in &records {
        assert!(is_within(&record.name, &domain), "{} outside", record.name);
        assert!(record.location.line >= 1 && record.location.line <= lines, "{record:?}");
        let _ = record.spf_text();
    }
    for problem in &problems {
        assert!(problem.location.line >= 1 && problem.location.line <= lines, "{problem:?}");
    }
});
