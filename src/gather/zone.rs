//! The `--zone` files an audit used: no lookup of its own, only which file answered which of
//! the audit's questions, read from its query log once every family is gathered.

use std::sync::Arc;

use crate::dns::cache::QueryLogEntry;
use crate::dns::zone::ZoneSet;
use crate::facts::zone::ZoneFacts;

/// The files of `zones` that answered one of `queries`, and those that cannot answer at all,
/// in the order they were given.
pub(super) fn zones_used(zones: &ZoneSet, queries: &[QueryLogEntry]) -> Vec<ZoneFacts> {
    zones
        .files()
        .iter()
        .filter(|zone| {
            zone.origin.is_none()
                || queries
                    .iter()
                    .any(|query| zones.file_for(&query.name) == Some(&*zone.file))
        })
        .map(|zone| ZoneFacts {
            zone: Arc::clone(zone),
        })
        .collect()
}
