//! TLS-RPT: the record at `_smtp._tls.<domain>` (RFC 8460 §3), parsed once when gathered.

use super::single::SingleRecordFacts;
use crate::policy::tls_rpt::TlsRptRecord;

/// The TLS-RPT lookup and its record.
pub type TlsRptFacts = SingleRecordFacts<TlsRptRecord>;
