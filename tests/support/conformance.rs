//! Where the third-party conformance data lives, and what a conformance test does without it.
//!
//! The data is not ours to copy, so it lives beside the clone (`../shared/conformance`) or
//! wherever `MAILCHECK_CONFORMANCE_DIR` points. A fresh clone anywhere else must still pass
//! `cargo test`, so where the data is absent a conformance test says in one line that it
//! skipped its suite, and passes. CI must never pass without the suites, so where `CI=true`
//! or `MAILCHECK_REQUIRE_CONFORMANCE=1` the absence fails the test instead. [`suite_data`]
//! makes that decision for every conformance test.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Names the conformance folder; `.ci/run` sets it when it finds the data beside the clone.
const DIR_VAR: &str = "MAILCHECK_CONFORMANCE_DIR";
/// `1` makes missing data a failure, as `CI=true` does.
const REQUIRE_VAR: &str = "MAILCHECK_REQUIRE_CONFORMANCE";
/// The folder used when [`DIR_VAR`] is not set, relative to the crate's root.
const DEFAULT_DIR: &str = "../shared/conformance";

/// What a conformance test does about its data.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    /// The data is there: run the suite.
    Run,
    /// The data is absent and nothing requires it: skip, saying why in this line.
    Skip(String),
    /// The data is absent and required: fail with this message.
    Fail(String),
}

/// The conformance folder: `MAILCHECK_CONFORMANCE_DIR` when set, else `../shared/conformance`
/// beside the crate.
fn conformance_root() -> PathBuf {
    std::env::var_os(DIR_VAR).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_DIR),
        PathBuf::from,
    )
}

/// The data of one suite: `relative` (a file or folder) under the conformance folder.
///
/// Returns the path when it exists. Otherwise prints one line saying the suite (`suite`, e.g.
/// "SPF") was skipped and returns `None`, or panics where the data is required (see the
/// module docs). The caller returns early on `None`, which passes the test.
pub fn suite_data(suite: &str, relative: &str) -> Option<PathBuf> {
    let path = conformance_root().join(relative);
    let env = |name: &str| std::env::var(name).ok();
    match decide(suite, &path, path.exists(), requirement(env)) {
        Decision::Run => Some(path),
        Decision::Skip(line) => {
            // Straight to the process's stderr: libtest captures `eprintln!` of a passing
            // test, and a skip nobody sees would read as a conformance that was checked.
            let _ = writeln!(std::io::stderr().lock(), "{line}");
            None
        }
        Decision::Fail(message) => panic!("{message}"),
    }
}

/// Why the data is required, if it is: `CI=true` (any case) or `MAILCHECK_REQUIRE_CONFORMANCE=1`.
fn requirement(env: impl Fn(&str) -> Option<String>) -> Option<String> {
    if env("CI").is_some_and(|value| value.eq_ignore_ascii_case("true")) {
        Some("CI=true".to_owned())
    } else if env(REQUIRE_VAR).is_some_and(|value| value == "1") {
        Some(format!("{REQUIRE_VAR}=1"))
    } else {
        None
    }
}

/// The decision for the data at `path`, which `exists` or not, given why it is `required`.
fn decide(suite: &str, path: &Path, exists: bool, required: Option<String>) -> Decision {
    if exists {
        return Decision::Run;
    }
    let provide = format!(
        "set {DIR_VAR} to the conformance data folder, or put that folder at {DEFAULT_DIR} \
         beside the clone"
    );
    match required {
        None => Decision::Skip(format!(
            "SKIPPED the {suite} conformance suite: {} not found. To run it, {provide}.",
            path.display()
        )),
        Some(why) => Decision::Fail(format!(
            "the {suite} conformance data is missing: {} not found, and {why} requires it (a run \
             without it would claim a conformance it never checked). To provide it, {provide}.",
            path.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn ci_or_the_variable_requires_the_data() {
        assert_eq!(requirement(env(&[])), None);
        assert_eq!(requirement(env(&[("CI", "false")])), None);
        assert_eq!(requirement(env(&[(REQUIRE_VAR, "0")])), None);
        assert_eq!(
            requirement(env(&[("CI", "TRUE")])).as_deref(),
            Some("CI=true")
        );
        assert!(requirement(env(&[(REQUIRE_VAR, "1")])).is_some());
    }

    #[test]
    fn absent_data_skips_in_one_line_or_fails_when_required() {
        let path = Path::new("../shared/conformance/spf");
        assert_eq!(
            decide("SPF", path, true, Some("CI=true".into())),
            Decision::Run
        );
        let Decision::Skip(line) = decide("SPF", path, false, None) else {
            panic!("absent data skips unless required");
        };
        assert!(
            !line.contains('\n') && line.contains("../shared/conformance/spf"),
            "{line}"
        );
        assert!(line.contains(DIR_VAR), "{line}");
        let Decision::Fail(message) = decide("SPF", path, false, Some("CI=true".into())) else {
            panic!("absent data fails where required");
        };
        assert!(message.contains("CI=true"), "{message}");
    }
}
