//! Gathering: the only part of an audit that does I/O.
//!
//! Every independent lookup starts at once and every dependent one starts as soon as its input
//! arrives: each family's gatherer is a tree of `join`s, so an audit's wall time is the longest
//! chain of dependent lookups times the round trip, not the number of lookups. Identical
//! questions are answered once by the single-flight cache underneath.

mod mail;
mod spf;

pub use mail::reverse_name;
pub use spf::MAX_DEPTH as SPF_MAX_DEPTH;

use crate::dns::cache::RecordingSource;
use crate::dns::{DnsSource, Name, Outcome, RecordType};
use crate::domain::DomainName;
use crate::facts::Facts;

/// Gathers every fact about `domain` through `source`.
pub async fn gather(domain: &DomainName, source: &dyn DnsSource) -> Facts {
    let recorder = RecordingSource::new(source);
    // The families are independent: all of them start at once.
    let (mail, spf) = tokio::join!(
        mail::gather_mail(&recorder, &domain.ascii),
        spf::gather_spf(&recorder, &domain.ascii)
    );
    Facts {
        domain: domain.clone(),
        mail,
        spf,
        queries: recorder.into_log(),
    }
}

/// One query, as the gatherers ask it.
async fn ask(source: &dyn DnsSource, name: &Name, rtype: RecordType) -> Outcome {
    source.query(name, rtype).await
}
