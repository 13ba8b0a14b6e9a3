//! `--expect`: the records expected at the audited domain, what was found for each, and the
//! verdict on each (present, missing, different, not verified, not checked), decided once when
//! every family is gathered (`gather::expect`).

use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;

use super::lookup::Failure;
use super::spf::SpfNode;
use crate::dns::Outcome;
use crate::expect::ExpectedRecord;
use crate::spf::eval::{DecidingTerm, SpfResult};

/// What an audit found for the expected records (gathered by `gather::expect`).
#[derive(Clone, Debug)]
pub struct ExpectFacts {
    /// The file, as the user named it.
    pub file: Arc<str>,
    /// One entry per expected record, in file order.
    pub records: Vec<ExpectedRecordFacts>,
}

/// One expected record: its lookups, and the verdict on it.
#[derive(Clone, Debug)]
pub struct ExpectedRecordFacts {
    /// The record and its lookups.
    pub lookup: ExpectedLookup,
    /// Whether it is published.
    pub verdict: Verdict,
}

/// One expected record and the lookups made for it.
#[derive(Clone, Debug)]
pub struct ExpectedLookup {
    /// The record expected.
    pub record: ExpectedRecord,
    /// The answer to the query for its name and type; `None` for a type not looked up.
    pub outcome: Option<Outcome>,
    /// For an expected SPF record with `include:` terms at a name other than the audited
    /// domain: that name's SPF tree (the audited domain's own is in [`super::Facts`]).
    pub spf_tree: Option<SpfNode>,
    /// For an expected SPF record: how the published policy treats each `ip4:`/`ip6:` range.
    pub ranges: Vec<RangeCheck>,
}

/// How the published SPF policy treats one expected `ip4:` or `ip6:` range: `check_host()`
/// run for its first and its last address (one address for a single host).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeCheck {
    /// The expected term, as written.
    pub term: String,
    /// The evaluations, first address first.
    pub addresses: Vec<AddressCheck>,
}

/// The evaluation of one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressCheck {
    /// The client address evaluated.
    pub ip: IpAddr,
    /// The result.
    pub result: SpfResult,
    /// Why, in one sentence.
    pub reason: String,
    /// The terms that decided it, outermost first.
    pub decided_by: Vec<DecidingTerm>,
}

/// Whether an expected record is published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Published as expected.
    Present,
    /// Not published (for SPF: a term the published policy does not authorize).
    Missing,
    /// Published with other data.
    Different,
    /// A lookup failed: unknown.
    NotVerified,
    /// A record type mailcheck does not look up.
    NotChecked,
}

impl Status {
    /// The name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Present => "present",
            Status::Missing => "missing",
            Status::Different => "different",
            Status::NotVerified => "not verified",
            Status::NotChecked => "not checked",
        }
    }

    /// The mark shown before it in human output.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Present => "✔",
            Status::Missing | Status::Different => "✖",
            Status::NotVerified => "?",
            Status::NotChecked => "–",
        }
    }
}

/// The verdict on one expected record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Present, missing, different, not verified or not checked.
    pub status: Status,
    /// The records found that the verdict is about (the match, or what stands in its place),
    /// in zone-file form.
    pub found: Vec<String>,
    /// What was found, in one sentence (empty when present as written).
    pub detail: String,
    /// The fix, for missing and different.
    pub fix: String,
    /// For an expected SPF record: each `include:`, `ip4:` and `ip6:` term.
    pub terms: Vec<TermVerdict>,
    /// The failed lookups behind a "not verified".
    pub failures: Vec<Failure>,
}

/// The verdict on one term of an expected SPF record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct TermVerdict {
    /// The term, as written in the expect file.
    pub term: String,
    /// Present (authorized), missing or not verified.
    pub status: Status,
    /// How it is authorized, or why not.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}
