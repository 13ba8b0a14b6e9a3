//! The `expect_compare` fuzz target: comparing an expected TXT record with a published one.

/// Runs every comparison of two TXT texts both ways that DNS data can reach them: no input may
/// panic. Returns a number that depends on all the results, so nothing is optimized away.
pub fn fuzz_txt(expected: &[u8], found: &[u8]) -> usize {
    crate::gather::expect::fuzz_txt(expected, found)
}
