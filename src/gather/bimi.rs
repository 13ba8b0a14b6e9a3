//! BIMI: the TXT lookup of `default._bimi.<domain>` (the BIMI draft §4). It depends on nothing and starts
//! with the audit's first lookups.

use super::lookup::txt;
use crate::dns::{DnsSource, Name};
use crate::facts::bimi::BimiFacts;
use crate::facts::single::{Published, SingleRecordFacts};
use crate::policy::bimi;

/// The BIMI record of `domain`, parsed when exactly one is published.
pub(super) async fn gather_bimi(source: &dyn DnsSource, domain: &Name) -> BimiFacts {
    let at = txt(source, domain.prepend("default._bimi")).await;
    SingleRecordFacts::new(at, bimi::is_bimi_record, bimi::parse)
}

/// Whether the BIMI record asks for a logo, so that its DMARC requirement is judged (a
/// declination needs no DMARC enforcement).
pub(super) fn needs_organization_policy(facts: &BimiFacts) -> bool {
    matches!(&facts.published, Published::One(record) if !record.declines())
}
