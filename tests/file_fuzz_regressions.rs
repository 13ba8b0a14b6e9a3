//! A sample of the corpora of the fuzz targets that read files from disk
//! (`fuzz/regressions/zonefile_include/`, `fuzz/regressions/replay_file/`), run with no fuzzer
//! and the same checks: `$INCLUDE` never resolves outside the zone's directory and the caps
//! hold; the `--replay` reader refuses what is not a regular file under its cap and reads the
//! rest back the same. Each target writes to a scratch directory of its own, so the inputs of
//! one target run one after the other.

use std::path::{Path, PathBuf};

/// Every file of `fuzz/regressions/<target>`, sorted.
fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 10,
        "{} has only {} inputs",
        dir.display(),
        paths.len()
    );
    paths
}

fn run_all(target: &str, check: fn(&[u8])) {
    for path in inputs(target) {
        let data = std::fs::read(&path).expect("corpus file");
        let result = std::panic::catch_unwind(|| check(&data));
        assert!(result.is_ok(), "{} failed", path.display());
    }
}

#[test]
fn zonefile_include_regressions() {
    run_all(
        "zonefile_include",
        mailcheck::zonefile::fuzzing::include_target,
    );
}

#[test]
fn replay_file_regressions() {
    run_all(
        "replay_file",
        mailcheck::fuzzing::replay::replay_file_target,
    );
}
