//! MTA-STS: the TXT lookup of `_mta-sts.<domain>` (RFC 8461 §3.1). It depends on nothing and starts
//! with the audit's first lookups.

use super::lookup::txt;
use crate::dns::{DnsSource, Name};
use crate::facts::mta_sts::MtaStsFacts;
use crate::facts::single::SingleRecordFacts;
use crate::policy::mta_sts;

/// The MTA-STS record of `domain`, parsed when exactly one is published.
pub(super) async fn gather_mta_sts(source: &dyn DnsSource, domain: &Name) -> MtaStsFacts {
    let at = txt(source, domain.prepend("_mta-sts")).await;
    SingleRecordFacts::new(at, mta_sts::is_mta_sts_record, mta_sts::parse)
}
