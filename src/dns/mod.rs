//! The one seam between mailcheck and DNS.
//!
//! Everything above this module (gathering, rules, renderers) speaks in the plain types defined
//! here: [`Name`], [`RecordType`], [`Record`], [`Outcome`]. Only [`network`] knows the wire
//! library. The three verdicts the rest of the tool must keep apart start here: an answer with
//! records, an authoritative "nothing here" (NODATA or NXDOMAIN), and a lookup that failed
//! (timeout, SERVFAIL, REFUSED), which means "could not verify", never "missing". A question
//! that no server was asked (`--offline`, or a `--replay` file without it) is a failure too,
//! with its typed reason ([`NotAsked`]).
//!
//! A run stacks the sources (`sources.rs`): [`chase`] over the single-flight [`cache`] over
//! `--save-dns` ([`replay`]) over `--zone` files ([`zone`]) over the [`network`] (or
//! `--offline`, or a `--replay` file); each audit puts its [`guard`] and its query log
//! ([`cache::RecordingSource`]) on top. Everything below the cache answers a question the way
//! a server does, which for an authoritative server is the first links of a CNAME chain that
//! leaves its zones, and only that. The chain is followed above the cache, one link per
//! question, so that each link is asked once per run, saved and replayed as an answer of its
//! own, and shown in the log of the audit that caused it; the chase layer tells that log about
//! the links through [`DnsSource::query_observed`].

pub mod cache;
pub mod chase;
pub mod guard;
pub mod memory;
pub mod network;
pub mod replay;
pub mod zone;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

pub use crate::domain::Name;
pub use crate::rr::{Record, RecordData, RecordType};

/// A boxed, sendable future, so that [`DnsSource`] stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Anything that can answer a DNS question: the live resolver, a cache in front of it, or (in
/// tests and conformance runs) an in-memory zone.
pub trait DnsSource: Send + Sync {
    /// Asks for the records of `rtype` at `name`. Never fails: every failure is an [`Outcome`].
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome>;

    /// Asks like [`query`](Self::query), and tells `observer` about every further question
    /// asked on the way: the links of a CNAME chain that [`chase::ChasingSource`] follows.
    /// An audit's query log ([`cache::RecordingSource`]) passes itself here, so that the links
    /// its questions caused are in its log.
    ///
    /// A source that asks nothing further needs nothing more than this default; a layer that
    /// passes questions on to another source (the audit guard) passes the observer on too.
    fn query_observed<'a>(
        &'a self,
        name: &'a Name,
        rtype: RecordType,
        observer: &'a dyn QueryObserver,
    ) -> BoxFuture<'a, Outcome> {
        let _ = observer;
        self.query(name, rtype)
    }

    /// [`query_observed`](Self::query_observed) when there is an observer, else
    /// [`query`](Self::query): for a layer that passes questions on.
    fn query_maybe_observed<'a>(
        &'a self,
        name: &'a Name,
        rtype: RecordType,
        observer: Option<&'a dyn QueryObserver>,
    ) -> BoxFuture<'a, Outcome> {
        match observer {
            Some(observer) => self.query_observed(name, rtype, observer),
            None => self.query(name, rtype),
        }
    }
}

/// Told about the questions a source asks on its caller's behalf (see
/// [`DnsSource::query_observed`]).
pub trait QueryObserver: Send + Sync {
    /// `name`/`rtype` was asked from `started` until now, and `outcome` came back (the
    /// answer to that question alone: for a chain's link, its own records).
    fn link_asked(&self, name: &Name, rtype: RecordType, outcome: &Outcome, started: Instant);
}

// Sources are layered (a cache over a recorder over zone files over the resolver), and the
// layers are chosen at run time, so a boxed or shared source is a source too.
impl<T: DnsSource + ?Sized> DnsSource for Box<T> {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        (**self).query(name, rtype)
    }

    fn query_observed<'a>(
        &'a self,
        name: &'a Name,
        rtype: RecordType,
        observer: &'a dyn QueryObserver,
    ) -> BoxFuture<'a, Outcome> {
        (**self).query_observed(name, rtype, observer)
    }
}

impl<T: DnsSource + ?Sized> DnsSource for std::sync::Arc<T> {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        (**self).query(name, rtype)
    }

    fn query_observed<'a>(
        &'a self,
        name: &'a Name,
        rtype: RecordType,
        observer: &'a dyn QueryObserver,
    ) -> BoxFuture<'a, Outcome> {
        (**self).query_observed(name, rtype, observer)
    }
}

/// How a query ended. The variants are the verdicts DNS can give and must never be merged:
/// [`Outcome::NoData`] and [`Outcome::NxDomain`] say "there is nothing", the failure variants
/// say "we could not find out".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The answer section (it may hold a CNAME chain before the records asked for). Below the
    /// chase layer ([`chase`]) it may also be the first links of a chain only, with no record
    /// of the type asked for: what an authoritative server answers for a chain leaving its
    /// zones.
    Records(Vec<Record>),
    /// The name exists but has no record of this type.
    NoData,
    /// The name does not exist.
    NxDomain,
    /// The server answered SERVFAIL.
    ServFail,
    /// The server answered REFUSED (it will not answer for this name).
    Refused,
    /// No answer came back in time, after every retry.
    Timeout,
    /// Any other failure (a network error, an answer that could not be decoded).
    Error(String),
    /// No server was asked (`--offline`, `--replay`): a failure, never an absence. Written
    /// (JSON, `--save-dns`) and shown as an error with the reason's message, like
    /// [`Outcome::Error`].
    NotAsked(NotAsked),
}

/// Why a question was not asked of any server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NotAsked {
    /// `--offline`, and no `--zone` file holds the name.
    Offline,
    /// `--replay`, and the file holds no answer to the question.
    NotInReplay,
    /// The audit had already asked [`guard::MAX_QUESTIONS_PER_AUDIT`] questions.
    QuestionLimit,
    /// The audit's time limit (`--audit-timeout`) ran out before the answer came.
    TimeLimit,
    /// Over one of the audit's limits on what it follows (MX hosts, addresses per host, PTR
    /// names per address, DMARC report destinations): the lookup was not made. Gathering
    /// gives this reason to the lookups it skips; no source answers it.
    FanOutLimit,
}

impl NotAsked {
    /// Every reason.
    pub const ALL: [NotAsked; 5] = [
        NotAsked::Offline,
        NotAsked::NotInReplay,
        NotAsked::QuestionLimit,
        NotAsked::TimeLimit,
        NotAsked::FanOutLimit,
    ];

    /// The message shown and written for it (the `error` of the JSON report and of a saved
    /// file).
    pub fn message(self) -> &'static str {
        match self {
            NotAsked::Offline => "offline: not in any --zone file",
            NotAsked::NotInReplay => "not in replay file",
            NotAsked::QuestionLimit => "not asked: the audit reached its limit of questions",
            NotAsked::TimeLimit => "no answer before the audit's time limit (--audit-timeout)",
            NotAsked::FanOutLimit => "not looked up: over one of the audit's limits",
        }
    }

    /// Whether the question was left out by one of the audit's own limits (reported by
    /// `audit-limit-reached`), not by the way the run answers questions.
    pub fn is_audit_limit(self) -> bool {
        matches!(
            self,
            NotAsked::QuestionLimit | NotAsked::TimeLimit | NotAsked::FanOutLimit
        )
    }

    /// The reason whose [`message`](Self::message) is `message`, if any: how a saved file's
    /// `error` text is read back.
    pub fn from_message(message: &str) -> Option<NotAsked> {
        NotAsked::ALL
            .into_iter()
            .find(|reason| reason.message() == message)
    }
}

impl fmt::Display for NotAsked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl Outcome {
    /// The failure of a lookup whose CNAME chain comes back to `at`, a name already on it.
    ///
    /// A loop is a failed lookup, never an absence: whatever the answer around it says (an
    /// empty NOERROR, NXDOMAIN), the chain ends at no name whose records could be read. Every
    /// place that sees one (the network source in one answer, `--zone` inside the files, the
    /// chase layer across answers and in `--replay` answers) says so in these words, so that
    /// the three give the same report.
    pub fn cname_loop(at: &Name) -> Outcome {
        Outcome::Error(format!("a CNAME loop at {at}."))
    }

    /// The failure of a lookup from `name` whose CNAME chain is longer than `limit` links.
    pub fn cname_chain_too_long(name: &Name, limit: usize) -> Outcome {
        Outcome::Error(format!(
            "a CNAME chain longer than {limit} links at {name}."
        ))
    }

    /// Whether the lookup failed, so that its absence of data proves nothing.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Outcome::ServFail
                | Outcome::Refused
                | Outcome::Timeout
                | Outcome::Error(_)
                | Outcome::NotAsked(_)
        )
    }

    /// A short machine-readable name of the outcome, as written in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Records(_) => "records",
            Outcome::NoData => "nodata",
            Outcome::NxDomain => "nxdomain",
            Outcome::ServFail => "servfail",
            Outcome::Refused => "refused",
            Outcome::Timeout => "timeout",
            Outcome::Error(_) | Outcome::NotAsked(_) => "error",
        }
    }

    /// The message of an error ([`Outcome::Error`], or the reason of [`Outcome::NotAsked`]), as
    /// JSON and saved files write it.
    pub fn error_message(&self) -> Option<&str> {
        match self {
            Outcome::Error(message) => Some(message),
            Outcome::NotAsked(reason) => Some(reason.message()),
            _ => None,
        }
    }

    /// The records of the answer (empty unless [`Outcome::Records`]).
    pub fn records(&self) -> &[Record] {
        match self {
            Outcome::Records(records) => records,
            _ => &[],
        }
    }

    /// The data of every record of type `rtype` in the answer, whatever its owner (so the
    /// records at the end of a CNAME chain are included).
    pub fn data_of(&self, rtype: RecordType) -> impl Iterator<Item = &RecordData> {
        self.records()
            .iter()
            .map(|record| &record.data)
            .filter(move |data| data.record_type() == rtype)
    }

    /// The character-strings of each TXT record answered, as published (not joined).
    pub fn txt_strings(&self) -> impl Iterator<Item = &Vec<Vec<u8>>> {
        self.records()
            .iter()
            .filter_map(|record| match &record.data {
                RecordData::Txt(strings) => Some(strings),
                _ => None,
            })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Records(records) if records.len() == 1 => f.write_str("1 record"),
            Outcome::Records(records) => write!(f, "{} records", records.len()),
            Outcome::NoData => f.write_str("no records of this type (NODATA)"),
            Outcome::NxDomain => f.write_str("name does not exist (NXDOMAIN)"),
            Outcome::ServFail => f.write_str("server failure (SERVFAIL)"),
            Outcome::Refused => f.write_str("query refused (REFUSED)"),
            Outcome::Timeout => f.write_str("timed out"),
            Outcome::Error(message) => write!(f, "error: {message}"),
            Outcome::NotAsked(reason) => write!(f, "error: {reason}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_asked_is_a_failure_shown_as_the_error_it_replaced() {
        for reason in NotAsked::ALL {
            let typed = Outcome::NotAsked(reason);
            let untyped = Outcome::Error(reason.message().to_owned());
            assert!(typed.is_failure());
            assert_eq!(typed.kind(), untyped.kind());
            assert_eq!(typed.to_string(), untyped.to_string());
            assert_eq!(typed.error_message(), untyped.error_message());
            assert_eq!(NotAsked::from_message(reason.message()), Some(reason));
        }
        assert_eq!(
            Outcome::NotAsked(NotAsked::Offline).to_string(),
            "error: offline: not in any --zone file"
        );
        assert_eq!(
            Outcome::NotAsked(NotAsked::NotInReplay).to_string(),
            "error: not in replay file"
        );
        assert_eq!(NotAsked::from_message("not in replay"), None);
        assert_eq!(Outcome::Timeout.error_message(), None);
    }
}
