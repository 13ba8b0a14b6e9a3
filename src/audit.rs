//! One audit, end to end: gather, judge, describe.

use crate::describe;
use crate::dns::DnsSource;
use crate::domain::DomainName;
use crate::gather::gather;
use crate::report::DomainReport;
use crate::rules;

/// Audits `domain` through `source` and builds its report entry.
pub async fn audit(domain: &DomainName, source: &dyn DnsSource) -> DomainReport {
    let facts = gather(domain, source).await;
    let findings = rules::check(&facts);
    DomainReport::new(
        domain,
        findings,
        describe::records(&facts),
        describe::overview(&facts),
        describe::queries(&facts.queries),
    )
}
