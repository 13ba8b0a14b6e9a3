//! One audit, end to end: gather, judge, describe.

use crate::describe;
use crate::dns::DnsSource;
use crate::domain::DomainName;
use crate::gather::{GatherOptions, gather_with};
use crate::providers::{self, Evidence};
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
    let mut findings = rules::check(&facts);
    let providers = providers::detect(&Evidence::of(&facts));
    // A detected provider's documented setup makes the fix concrete.
    providers::add_hints(&providers, &mut findings);
    let mut report = DomainReport::new(
        domain,
        findings,
        describe::records(&facts),
        describe::overview(&facts),
        describe::lookup::queries(&facts.queries, &facts.dmarc.walk.not_needed),
    )
    .with_limits_reached(facts.limits.len());
    report.providers = providers;
    report.not_applicable = describe::not_applicable(&facts);
    report
}
