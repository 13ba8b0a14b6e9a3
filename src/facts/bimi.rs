//! BIMI: the record at `default._bimi.<domain>` (draft-brand-indicators-for-message-identification §4), parsed once when gathered.

use super::single::SingleRecordFacts;
use crate::policy::bimi::BimiRecord;

/// The BIMI lookup and its record.
pub type BimiFacts = SingleRecordFacts<BimiRecord>;
