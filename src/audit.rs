//! One audit, end to end: gather, judge, describe.

use crate::describe;
use crate::dns::DnsSource;
use crate::domain::DomainName;
use crate::facts::{Facts, Lookup};
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
    let providers = providers::detect(&evidence(&facts));
    // A detected provider's documented setup makes the fix concrete.
    providers::add_hints(&providers, &mut findings);
    let mut report = DomainReport::new(
        domain,
        findings,
        describe::records(&facts),
        describe::overview(&facts),
        describe::lookup::queries(&facts.queries),
    );
    report.providers = providers;
    report
}

/// The names the domain's records point to, for provider detection.
fn evidence(facts: &Facts) -> Evidence {
    let mx = facts
        .mx
        .records
        .found()
        .into_iter()
        .flatten()
        .filter(|record| !record.is_null())
        .map(|record| record.exchange.clone())
        .collect();
    let spf = facts
        .spf
        .root
        .nodes()
        .into_iter()
        .skip(1) // the domain's own record
        .map(|node| node.domain.clone())
        .collect();
    let dkim = facts
        .dkim
        .selectors
        .iter()
        .filter_map(|selector| {
            let target = selector
                .cname_chain
                .last()
                .or_else(|| selector.cname.as_ref().and_then(Lookup::found))?;
            Some((selector.selector.clone(), target.clone()))
        })
        .collect();
    Evidence { mx, spf, dkim }
}
