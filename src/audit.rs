//! One audit, end to end: gather, judge, describe.

use crate::describe;
use crate::dns::DnsSource;
use crate::domain::DomainName;
use crate::gather::{GatherOptions, gather_with};
use crate::report::DomainReport;
use crate::rules;

/// Audits `domain` through `source` and builds its report entry.
pub async fn audit(domain: &DomainName, source: &dyn DnsSource) -> DomainReport {
    audit_with(domain, source, &GatherOptions::default()).await
}

/// Audits `domain` through `source` with `options` (e.g. the DKIM selectors to check).
pub async fn audit_with(
    domain: &DomainName,
    source: &dyn DnsSource,
    options: &GatherOptions,
) -> DomainReport {
    let facts = gather_with(domain, source, options).await;
    let findings = rules::check(&facts);
    DomainReport::new(
        domain,
        findings,
        describe::records(&facts),
        describe::overview(&facts),
        describe::queries(&facts.queries),
    )
}
