//! TLS-RPT: the TXT lookup of `_smtp._tls.<domain>` (RFC 8460 §3). It depends on nothing and starts
//! with the audit's first lookups.

use super::lookup::txt;
use crate::dns::{DnsSource, Name};
use crate::facts::single::SingleRecordFacts;
use crate::facts::tls_rpt::TlsRptFacts;
use crate::policy::tls_rpt;

/// The TLS-RPT record of `domain`, parsed when exactly one is published.
pub(super) async fn gather_tls_rpt(source: &dyn DnsSource, domain: &Name) -> TlsRptFacts {
    let at = txt(source, domain.prepend("_smtp._tls")).await;
    SingleRecordFacts::new(at, tls_rpt::is_tls_rpt_record, tls_rpt::parse)
}
