//! SPF (RFC 7208): the record parser, macro expansion, record selection and the
//! `check_host()` evaluator.
//!
//! Two engines read the same parsed [`record::Record`]: the static analysis of an audit
//! (the include/redirect tree, lookup counts; see `gather::spf` and `rules::spf`) and the
//! evaluator ([`eval::check_host`]) that decides a result for one client address.

pub mod eval;
#[doc(hidden)]
pub mod fuzzing;
pub mod macros;
pub mod record;
pub mod select;

pub use eval::{CheckHost, EvalOptions, Evaluation, SpfResult, check_host};
pub use record::{Record, parse_record};
