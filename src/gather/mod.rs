//! Gathering: the only part of an audit that does I/O.
//!
//! Every independent lookup starts at once and every dependent one starts as soon as its input
//! arrives: each family's gatherer is a tree of `join`s, so an audit's wall time is the longest
//! chain of dependent lookups times the round trip, not the number of lookups. Identical
//! questions are answered once by the single-flight cache underneath.

mod bimi;
mod dkim;
mod dmarc;
pub(crate) mod expect;
mod lookup;
mod mta_sts;
mod mx;
mod reverse;
mod spf;
mod tls_rpt;
mod zone;

use crate::dns::cache::RecordingSource;
use crate::dns::guard::AuditGuard;
use crate::dns::{DnsSource, Name};
use crate::domain::DomainName;
use crate::facts::Facts;

/// What to look for besides the defaults.
#[derive(Clone, Debug, Default)]
pub struct GatherOptions {
    /// DKIM selectors to check (`--selector`); empty means probe the common ones.
    pub dkim_selectors: Vec<String>,
    /// Probe every known DKIM selector, not only the most widespread (`--all-selectors`).
    pub all_selectors: bool,
    /// Most queries of this audit in flight at once (its share of `--concurrency` in a batch;
    /// `None` for no limit of its own).
    pub max_in_flight: Option<usize>,
    /// Stop asking about a domain whose name servers never answer (see
    /// [`AuditGuard`]). Off under `--save-dns` and `--replay`: which questions are skipped
    /// depends on timing, and a replay must see exactly the questions the saved run asked.
    pub skip_dead_servers: bool,
    /// `--expect`: the records to look for; at most one file without a domain (checked for
    /// every audited domain) and one per domain given with `DOMAIN=FILE`, which wins.
    pub expect: Vec<std::sync::Arc<crate::expect::ExpectFile>>,
    /// `--zone`: the zone files of the run, to report the ones that answered the audit.
    pub zones: Option<std::sync::Arc<crate::dns::zone::ZoneSet>>,
    /// The most distinct questions of the audit; `None` for
    /// [`crate::dns::guard::MAX_QUESTIONS_PER_AUDIT`].
    pub question_limit: Option<usize>,
    /// `--audit-timeout`: how long the audit may take; a lookup not answered by then is not
    /// verified. `None` for no limit.
    pub time_limit: Option<std::time::Duration>,
}

impl GatherOptions {
    /// The `--expect` file for `domain`: the one given for it, else the one for every domain.
    pub fn expect_file(&self, domain: &Name) -> Option<&crate::expect::ExpectFile> {
        self.expect
            .iter()
            .find(|file| file.domain() == Some(domain))
            .or_else(|| self.expect.iter().find(|file| file.domain().is_none()))
            .map(std::sync::Arc::as_ref)
    }
}

/// Gathers every fact about `domain` through `source`.
pub async fn gather(domain: &DomainName, source: &dyn DnsSource) -> Facts {
    gather_with(domain, source, &GatherOptions::default()).await
}

/// Gathers every fact about `domain` through `source`, as `options` say. The families run
/// at once.
pub async fn gather_with(
    domain: &DomainName,
    source: &dyn DnsSource,
    options: &GatherOptions,
) -> Facts {
    let deadline = options
        .time_limit
        .and_then(|limit| tokio::time::Instant::now().checked_add(limit));
    let question_limit = options
        .question_limit
        .unwrap_or(crate::dns::guard::MAX_QUESTIONS_PER_AUDIT);
    let guard = AuditGuard::new(
        source,
        &domain.ascii,
        options.max_in_flight.unwrap_or(usize::MAX),
        options.skip_dead_servers,
    )
    .with_limits(question_limit, deadline);
    let recorder = RecordingSource::new(&guard);
    // The families are independent: all of them start at once (each one's first lookups go
    // out on the first poll).
    // BIMI needs the organizational domain's DMARC policy too (the BIMI draft §7.1): asked as
    // soon as both are known, only when a BIMI record that shows a logo is published.
    let dmarc_and_bimi = async {
        let (mut dmarc, bimi) = tokio::join!(
            dmarc::gather_dmarc(&recorder, &domain.ascii),
            bimi::gather_bimi(&recorder, &domain.ascii),
        );
        if bimi::needs_organization_policy(&bimi) {
            dmarc::gather_organization_policy(&recorder, &mut dmarc).await;
        }
        (dmarc, bimi)
    };
    let (mx, dkim, spf, (dmarc, bimi), mta_sts, tls_rpt, expected) = tokio::join!(
        mx::gather_mx(&recorder, &domain.ascii),
        dkim::gather_dkim(
            &recorder,
            &domain.ascii,
            &options.dkim_selectors,
            options.all_selectors,
        ),
        spf::gather_spf(&recorder, &domain.ascii),
        dmarc_and_bimi,
        mta_sts::gather_mta_sts(&recorder, &domain.ascii),
        tls_rpt::gather_tls_rpt(&recorder, &domain.ascii),
        expect::gather_expected(&recorder, &domain.ascii, options.expect_file(&domain.ascii)),
    );
    let mut facts = Facts {
        domain: domain.clone(),
        mx,
        dkim,
        spf,
        dmarc,
        mta_sts,
        tls_rpt,
        bimi,
        expected: None,
        zones: Vec::new(),
        queries: recorder.into_log(),
        limits: Vec::new(),
    };
    if let Some(zones) = &options.zones {
        facts.zones = zone::zones_used(zones, &facts.domain.ascii, &facts.queries);
    }
    // The verdicts on the expected records read what every family found.
    facts.expected = expected.map(|(file, lookups)| expect::judge(&facts, file, lookups));
    facts.limits = lookup::limits_reached(&facts, question_limit, options.time_limit);
    facts
}
