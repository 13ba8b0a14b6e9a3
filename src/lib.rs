//! mailcheck audits the DNS records a domain needs for email and says, record by record, what
//! is wrong, why it matters and how to fix it.
//!
//! # The pipeline
//!
//! ```text
//! DOMAIN ─► gather ─► facts ─┬─► rules ─────┐
//!                            ├─► describe ──┼─► report ─► render / output ─► cli ─► main
//!                            └─► providers ─┘
//!             │
//!             └─ dns::DnsSource: chase ─ cache ─ save ─ zone files ─ network | offline | replay
//! ```
//!
//! - [`gather`] is the only I/O of an audit: every lookup goes through a [`dns::DnsSource`],
//!   and what it finds becomes plain [`facts::Facts`]. What more than one reader needs (a
//!   parsed record, a DKIM key's status, the DMARC record that applies, the verdict on an
//!   expected record) is computed there once and stored.
//! - [`rules`] turn facts into [`finding::Finding`]s; [`describe`] says what was found (the JSON
//!   `records` and the overview lines); [`providers`] recognises mail providers. Each reads
//!   facts only, never the others.
//! - [`report`] is the one serde model; [`render`] and [`output`] write it for people, as JSON
//!   or as NDJSON; [`cli`] reads the command line and runs [`audit`], [`record`] (record mode)
//!   or `spf`; `main` maps the result to an exit code.
//!
//! # Layers
//!
//! Bottom to top; a module imports only lower layers (and its own layer where peers may),
//! never in a circle. `tests/architecture.rs` declares the layers and enforces them.
//!
//! 1. Leaves, the shared vocabulary: [`finding`] (severity, section, finding, rule metadata),
//!    [`diagnostic`] (spans), [`domain`] (names), [`rr`] (record types and data), [`address`],
//!    [`tagvalue`], [`txt`], [`escape`], [`files`] (reading a file the user named, with a
//!    size cap).
//! 2. The DNS seam [`dns`] and the pure parsers: [`spf`], [`dkim`], [`policy`] (DMARC,
//!    MTA-STS, TLS-RPT, BIMI), [`zonefile`], [`expect`] (the `--expect` file).
//! 3. [`facts`], then [`gather`].
//! 4. [`rules`], [`describe`], [`providers`].
//! 5. [`report`], [`render`], [`output`], [`progress`] and [`resume`] (the `--resume` file),
//!    then the run ([`audit`], [`record`], [`sources`], [`batch`], `fuzzing`), then [`cli`].
//!
//! A family of records has the same file name in every layer where it has something:
//! `gather/spf.rs`, `facts/spf.rs`, `rules/spf.rs`, `describe/spf.rs` (the families: mx,
//! reverse, spf, dkim, dmarc, mta_sts, tls_rpt, bimi, zone, expect, lookup).

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
pub mod files;
pub mod finding;
#[doc(hidden)]
pub mod fuzzing;
pub mod gather;
pub mod lines;
pub mod output;
pub mod policy;
pub mod progress;
pub mod providers;
pub mod record;
pub mod render;
pub mod report;
pub mod resume;
pub mod rr;
pub mod rules;
pub mod selection;
pub mod sources;
pub mod spf;
pub mod tagvalue;
pub mod txt;
pub mod zonefile;
