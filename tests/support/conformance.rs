//! Where the third-party conformance data lives, for the conformance tests.

use std::path::{Path, PathBuf};

/// The conformance folder: `MAILCHECK_CONFORMANCE_DIR` when set (`.ci/run` sets it wherever
/// the clone is), else the shared checkout beside the crate (`../shared/conformance`).
pub fn conformance_root() -> PathBuf {
    std::env::var_os("MAILCHECK_CONFORMANCE_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"),
        PathBuf::from,
    )
}
