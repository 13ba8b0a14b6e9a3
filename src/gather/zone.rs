//! The `--zone` files an audit used: no lookup of its own, only which file answered which of
//! the audit's questions, read from its query log once every family is gathered. A file's
//! problems go to the audits of domains inside its zone only.

use std::sync::Arc;

use crate::dns::cache::QueryLogEntry;
use crate::dns::zone::ZoneSet;
use crate::domain::Name;
use crate::facts::zone::ZoneFacts;
use crate::zonefile::is_within;

/// The files of `zones` whose zone holds `domain` and that answered one of `queries`, and
/// those that cannot answer at all, in the order they were given. A file that only answered
/// for a name the domain points to (another audited domain's zone, a provider's) is that
/// domain's business: its problems are not this domain's.
pub(super) fn zones_used(
    zones: &ZoneSet,
    domain: &Name,
    queries: &[QueryLogEntry],
) -> Vec<ZoneFacts> {
    zones
        .files()
        .iter()
        .filter(|zone| match &zone.origin {
            None => true,
            Some(apex) => {
                is_within(domain, apex)
                    && queries
                        .iter()
                        .any(|query| zones.file_for(&query.name) == Some(&*zone.file))
            }
        })
        .map(|zone| ZoneFacts {
            zone: Arc::clone(zone),
        })
        .collect()
}
