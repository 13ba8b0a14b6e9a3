//! Renderers: they take a finished [`Report`](crate::report::Report) and a writer, and never
//! look at rule ids. Colour is decided once, by the caller, through `colored`'s override.
//! Human output is written through `term` only, which escapes every string that is not the
//! program's own words; JSON is escaped by serde and keeps the real text.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
pub mod short;
mod term;
