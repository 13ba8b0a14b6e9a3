//! A sample of the `dns_answer` fuzz target's corpus (`fuzz/regressions/dns_answer/`), run with
//! no fuzzer: reading each input as a name server's answer and following its CNAME chain must
//! not panic or loop.

use std::path::Path;

use mailcheck::dns::network::fuzzing::answer_target;

#[test]
fn dns_answer_regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/dns_answer");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        let data = std::fs::read(&path).expect("corpus file");
        let result = std::panic::catch_unwind(|| answer_target(&data));
        assert!(result.is_ok(), "{} panicked", path.display());
        count += 1;
    }
    assert!(count >= 20, "the corpus has only {count} inputs");
}
