//! The `--zone` files that took part in an audit: each file that answered one of its
//! questions, and each file that cannot answer at all (no SOA and no `$ORIGIN`), which every
//! audit reports, since nobody would see its problems otherwise.

use std::sync::Arc;

use crate::zonefile::Zone;

/// One zone file that took part in the audit.
#[derive(Clone, Debug)]
pub struct ZoneFacts {
    /// The file, as read (its records and everything that could not be read).
    pub zone: Arc<Zone>,
}
