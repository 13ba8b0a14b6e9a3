//! The committed fuzz inputs (`fuzz/regressions/spf_*`): seeds, and anything the fuzzers
//! found, fed to the same checks the fuzz targets run, with no fuzzer needed.

use std::path::Path;

use mailcheck::spf::fuzzing::{macro_target, record_target};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("entry").path();
            let name = path.display().to_string();
            (name, std::fs::read(&path).expect("input"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn spf_record_regressions() {
    let files = inputs("spf_record");
    assert!(files.len() >= 10, "the corpus is missing: {}", files.len());
    for (name, data) in files {
        let result = std::panic::catch_unwind(|| record_target(&data));
        assert!(result.is_ok(), "{name} fails the record checks");
    }
}

#[test]
fn spf_macro_regressions() {
    let files = inputs("spf_macro");
    assert!(files.len() >= 5, "the corpus is missing: {}", files.len());
    for (name, data) in files {
        let result = std::panic::catch_unwind(|| macro_target(&data));
        assert!(result.is_ok(), "{name} fails the macro checks");
    }
}
