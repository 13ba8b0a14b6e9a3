//! mailcheck audits the DNS records a domain needs for email and says, record by record, what
//! is wrong, why it matters and how to fix it.
//!
//! The pipeline (see `DESIGN.md`): [`gather`] does all the I/O through a [`dns::DnsSource`] and
//! returns plain [`facts::Facts`]; [`rules`] are pure functions from facts to
//! [`finding::Finding`]s; [`render`] turns the [`report::Report`] into human or JSON output.

pub mod address;
pub mod audit;
pub mod batch;
pub mod cli;
pub mod describe;
pub mod diagnostic;
pub mod dkim;
pub mod dns;
pub mod domain;
pub mod escape;
pub mod expect;
pub mod facts;
pub mod finding;
#[doc(hidden)]
pub mod fuzzing;
pub mod gather;
pub mod output;
pub mod policy;
pub mod progress;
pub mod providers;
pub mod record;
pub mod render;
pub mod report;
pub mod rr;
pub mod rules;
pub mod sources;
pub mod spf;
pub mod tagvalue;
pub mod txt;
pub mod zonefile;
