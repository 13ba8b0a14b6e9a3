//! Renderers: they take a finished [`Report`](crate::report::Report) and a writer, and never
//! look at rule ids. Colour is decided once, by the caller, through `colored`'s override.

pub mod human;
pub mod json;
mod wrap;
