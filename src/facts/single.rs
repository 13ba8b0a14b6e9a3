//! The record types that live at one name (MTA-STS at `_mta-sts`, TLS-RPT at `_smtp._tls`,
//! BIMI at `default._bimi`): the TXT lookup, and whether exactly one record of the type is
//! published, parsed once when gathered.

use super::lookup::{Failure, Lookup, TxtAt};

/// The lookup of a record type that lives at one name, with what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SingleRecordFacts<T> {
    /// The TXT lookup.
    pub at: TxtAt,
    /// The records of the type among the answer's TXT records.
    pub published: Published<T>,
}

/// What a single-record lookup holds, for one record type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Published<T> {
    /// Exactly one record of the type, parsed.
    One(T),
    /// More than one (their texts): the receivers of the type use none of them.
    Several(Vec<String>),
    /// None (the name has no TXT, or none of the type).
    None,
    /// The lookup failed.
    NotVerified(Failure),
}

impl<T> SingleRecordFacts<T> {
    /// Reads the records of the type (`is_type`) among `at`'s TXT records, parsing one that
    /// stands alone with `parse`.
    pub fn new(at: TxtAt, is_type: impl Fn(&str) -> bool, parse: impl Fn(&str) -> T) -> Self {
        let published = if let Lookup::Failed(failure) = &at.txt {
            Published::NotVerified(failure.clone())
        } else {
            let texts = at.texts(is_type);
            match texts.as_slice() {
                [] => Published::None,
                [one] => Published::One(parse(one)),
                _ => Published::Several(texts.into_iter().map(ToOwned::to_owned).collect()),
            }
        };
        SingleRecordFacts { at, published }
    }

    /// The record, when exactly one is published.
    pub fn record(&self) -> Option<&T> {
        match &self.published {
            Published::One(record) => Some(record),
            _ => None,
        }
    }
}
