//! The checks the fuzz targets run (`fuzz/fuzz_targets/*.rs`) that reach across layers (record
//! mode, the `--expect` comparison, the `--replay` reader), here so that the regression tests
//! run exactly the same ones on the committed inputs. The targets that exercise one parser have
//! their checks beside it (`spf::fuzzing`, `dns::network::fuzzing`, `zonefile::fuzzing`). Not
//! an API.

pub mod dkim;
pub mod expect;
pub mod replay;
