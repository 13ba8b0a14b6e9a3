//! The checks of the `zonefile_include` fuzz target (`fuzz/fuzz_targets/zonefile_include.rs`),
//! here so that the regression test (`tests/file_fuzz_regressions.rs`) runs exactly the same
//! ones on the committed inputs. Not an API.
//!
//! The input is a tree of zone files, written to a scratch directory and read from disk the way
//! `--zone` reads them, `$INCLUDE` confined to the zone's directory: the files include each
//! other, themselves, paths with `..`, symbolic links that lead out of the directory, a file
//! outside it holding a marker, `/dev/zero`, whatever the fuzzer writes. The promises checked:
//! no panic; every path an `$INCLUDE` resolves to is under the zone's directory; nothing of the
//! file outside reaches the zone (records or messages); the caps hold; every message is free of
//! control characters and short.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::{IncludeLoader, IncludeScope, Limits, SourceFile, Zone, read_text};
use crate::files::FileError;
use crate::zonefile::DiskIncludes;

/// Written in the file outside the zone's directory: it must never be read.
const MARKER: &str = "q7outsidemarkerz9";

/// How many files an input describes at most: the top-level file and those it may include.
const FILES: usize = 8;

/// Small caps, so that a fan-out the fuzzer writes costs milliseconds, not seconds.
const LIMITS: Limits = Limits {
    bytes: 1 << 20,
    entries: 20_000,
    includes: 200,
    depth: 8,
    problems: 100,
};

/// Reads the tree of zone files that `data` describes; panics when a promise is broken.
///
/// `data` is split at NUL bytes into at most 8 texts: the first is the `--zone` file
/// (`zones/f0.zone`), the others `zones/f1.zone`, `zones/sub/f2.zone`, … (odd ones in `zones/`,
/// even ones in `zones/sub/`). The lines of the last text are also resolved as `$INCLUDE` paths
/// directly, from the `--zone` file.
pub fn include_target(data: &[u8]) {
    let Some(root) = scratch() else {
        return;
    };
    let texts: Vec<&[u8]> = data.splitn(FILES, |&b| b == 0).collect();
    let paths: Vec<PathBuf> = (0..FILES).map(|index| file_path(root, index)).collect();
    for (index, path) in paths.iter().enumerate() {
        match texts.get(index) {
            Some(text) => std::fs::write(path, text).expect("write a fuzz file"),
            None => {
                let _ = std::fs::remove_file(path);
            }
        }
    }
    let zones = root.join("zones");
    let top = paths.first().expect("a top-level file");
    let (file, disk) = DiskIncludes::for_zone(top, IncludeScope::ZoneDirectory)
        .expect("the scratch zone resolves");
    let mut loader = Checked {
        inner: disk,
        root: std::fs::canonicalize(&zones).expect("the zone directory resolves"),
    };
    let text = crate::files::read_capped(top, LIMITS.bytes).expect("the top file reads");
    let zone = read_text(&file, &text, None, Some(&mut loader), false, LIMITS);
    check_zone(&zone, data);
    if let Some(last) = texts.last() {
        for line in last.split(|&b| b == b'\n').take(16) {
            if let Ok(written) = std::str::from_utf8(line) {
                let _ = loader.resolve(&file, written);
            }
        }
    }
}

/// The promises about what was read.
fn check_zone(zone: &Zone, data: &[u8]) {
    assert!(
        zone.errors.len() <= LIMITS.problems + 1,
        "{}",
        zone.errors.len()
    );
    assert!(zone.records.len() + zone.unreadable.len() <= LIMITS.entries);
    for error in &zone.errors {
        let message = &error.message;
        assert!(
            !message.chars().any(char::is_control),
            "a control character in {message:?}"
        );
        assert!(message.chars().count() < 10_000, "{}", message.len());
        assert!(
            !error.location.file.chars().any(char::is_control),
            "{:?}",
            error.location.file
        );
    }
    // The fuzzer may write the marker or the path itself (or spell them with escapes); only
    // then may they appear. The paths read are checked in any case (`Checked`).
    let written = String::from_utf8_lossy(data).to_ascii_lowercase();
    if !written.contains(MARKER) && !written.contains("outside") && !written.contains('\\') {
        let read = format!("{zone:?}").to_ascii_lowercase();
        assert!(!read.contains(MARKER), "the file outside was read");
        assert!(
            !read.contains("outside/secret"),
            "the file outside was named"
        );
    }
}

/// A loader that checks every path the disk loader resolves.
struct Checked {
    inner: DiskIncludes,
    /// The zone's directory, canonical.
    root: PathBuf,
}

impl IncludeLoader for Checked {
    fn resolve(&mut self, from: &SourceFile, written: &str) -> Result<SourceFile, String> {
        let file = self.inner.resolve(from, written)?;
        assert!(
            file.id.starts_with(&self.root),
            "{written:?} resolved to {} outside {}",
            file.id.display(),
            self.root.display()
        );
        Ok(file)
    }

    fn read(&mut self, file: &SourceFile, limit: u64) -> Result<Vec<u8>, FileError> {
        self.inner.read(file, limit)
    }
}

/// Where the file of `index` is written.
fn file_path(root: &Path, index: usize) -> PathBuf {
    if index.is_multiple_of(2) && index > 0 {
        root.join(format!("zones/sub/f{index}.zone"))
    } else {
        root.join(format!("zones/f{index}.zone"))
    }
}

/// The scratch directory of this process, made once: `zones/` (with `sub/`, a link `out` to
/// `../outside`, a link `secret.txt` to the file outside, a link that loops, and one to
/// `/dev/zero`) and `outside/secret.txt`, which holds the marker. `None` where it cannot be
/// made (the target then checks nothing).
fn scratch() -> Option<&'static Path> {
    static ROOT: OnceLock<Option<PathBuf>> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = std::env::temp_dir().join(format!(
            "mailcheck-fuzz-include-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("zones/sub")).ok()?;
        std::fs::create_dir_all(root.join("outside")).ok()?;
        std::fs::write(
            root.join("outside/secret.txt"),
            format!("{MARKER} TXT \"{MARKER}\"\n{MARKER}-line is not a record\n$INCLUDE ../zones/f0.zone\n"),
        )
        .ok()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink("../outside", root.join("zones/out")).ok()?;
            symlink("../outside/secret.txt", root.join("zones/secret.txt")).ok()?;
            symlink("loop.txt", root.join("zones/loop.txt")).ok()?;
            symlink("/dev/zero", root.join("zones/zero")).ok()?;
        }
        Some(root)
    })
    .as_deref()
}
