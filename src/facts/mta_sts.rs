//! MTA-STS: the record at `_mta-sts.<domain>` (RFC 8461 §3.1), parsed once when gathered.

use super::single::SingleRecordFacts;
use crate::policy::mta_sts::MtaStsRecord;

/// The MTA-STS lookup and its record.
pub type MtaStsFacts = SingleRecordFacts<MtaStsRecord>;
