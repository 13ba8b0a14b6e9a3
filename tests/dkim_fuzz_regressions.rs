//! The committed regression corpus of the `dkim_key_record` fuzz target
//! (`fuzz/regressions/dkim_key_record/`), run with no fuzzer: every input must parse, validate
//! and lint without panicking, with every span inside the text. Crashes the fuzzer found are
//! kept here once fixed, with a sample of its minimised corpus.

use std::path::Path;

use mailcheck::fuzzing::dkim::key_record_target;

#[test]
fn dkim_key_record_regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/dkim_key_record");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        let data = std::fs::read(&path).expect("corpus file");
        let result = std::panic::catch_unwind(|| key_record_target(&data));
        assert!(result.is_ok(), "{} panicked", path.display());
        count += 1;
    }
    assert!(count >= 20, "the corpus has only {count} inputs");
}
