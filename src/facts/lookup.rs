//! The result of a lookup, which keeps the three verdicts apart: found, absent (the DNS said
//! there is nothing) and failed (we could not find out). Every looked-up fact is one.

use crate::dns::{Name, Outcome, RecordType};
use crate::txt::TxtRecord;

/// The result of looking something up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup<T> {
    /// The DNS answered with data.
    Found(T),
    /// The DNS said there is nothing: the name has no such record, or does not exist.
    Absent(Absence),
    /// The lookup failed; nothing is known.
    Failed(Failure),
}

/// Why a lookup found nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Absence {
    /// The name exists but has no record of the type asked for.
    NoData,
    /// The name does not exist.
    NxDomain,
}

/// A lookup that could not be completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The name asked for.
    pub name: Name,
    /// The type asked for.
    pub rtype: RecordType,
    /// The failed outcome (timeout, SERVFAIL, REFUSED or another error).
    pub outcome: Outcome,
}

impl<T> Lookup<T> {
    /// Builds a lookup from a query's outcome, keeping the records `extract` picks.
    ///
    /// An answer with records of the type but none that `extract` wants (TXT records none of
    /// which is SPF, say) is NODATA: the name was answered, and has nothing of the kind. An
    /// answer with records but none of the type at all is a failure, never an absence: it is
    /// a CNAME chain that ends nowhere (a link missing, or not followed), and the chain's end
    /// was never asked. The chase layer follows every chain it is given, so in a run this
    /// cannot happen; a source stacked without it must not turn its chains into absences.
    pub fn from_outcome(
        name: &Name,
        rtype: RecordType,
        outcome: &Outcome,
        extract: impl FnOnce(&Outcome) -> Option<T>,
    ) -> Self {
        match outcome {
            Outcome::Records(records)
                if !records.is_empty() && outcome.data_of(rtype).next().is_none() =>
            {
                Lookup::Failed(Failure {
                    name: name.clone(),
                    rtype,
                    outcome: Outcome::Error(format!(
                        "the answer holds no {rtype} record, and no CNAME chain that leads to one"
                    )),
                })
            }
            Outcome::Records(_) => match extract(outcome) {
                Some(value) => Lookup::Found(value),
                None => Lookup::Absent(Absence::NoData),
            },
            Outcome::NoData => Lookup::Absent(Absence::NoData),
            Outcome::NxDomain => Lookup::Absent(Absence::NxDomain),
            failure => Lookup::Failed(Failure {
                name: name.clone(),
                rtype,
                outcome: failure.clone(),
            }),
        }
    }

    /// Converts the found data, keeping an absence or a failure as it is.
    pub fn map<U>(self, convert: impl FnOnce(T) -> U) -> Lookup<U> {
        match self {
            Lookup::Found(value) => Lookup::Found(convert(value)),
            Lookup::Absent(absence) => Lookup::Absent(absence),
            Lookup::Failed(failure) => Lookup::Failed(failure),
        }
    }

    /// The data, if found.
    pub fn found(&self) -> Option<&T> {
        match self {
            Lookup::Found(value) => Some(value),
            _ => None,
        }
    }

    /// Whether the DNS said there is nothing.
    pub fn is_absent(&self) -> bool {
        matches!(self, Lookup::Absent(_))
    }

    /// The failure, if the lookup failed.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Lookup::Failed(failure) => Some(failure),
            _ => None,
        }
    }
}

/// A non-empty list lookup: `Found` always holds at least one item.
pub type ListLookup<T> = Lookup<Vec<T>>;

/// The TXT records at one name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxtAt {
    /// The name asked for, e.g. `_dmarc.example.com`.
    pub name: Name,
    /// What came back.
    pub txt: ListLookup<TxtRecord>,
}

impl TxtAt {
    /// The texts of the TXT records that `pick` keeps (empty when none, absent or failed).
    pub fn texts(&self, pick: impl Fn(&str) -> bool) -> Vec<&str> {
        self.txt
            .found()
            .into_iter()
            .flatten()
            .map(|record| record.text.as_str())
            .filter(|text| pick(text))
            .collect()
    }

    /// The texts of the other TXT records (neither of the type nor look-alikes).
    pub fn others(
        &self,
        is_type: impl Fn(&str) -> bool,
        lookalike: impl Fn(&str) -> bool,
    ) -> Vec<&str> {
        self.texts(|text| !is_type(text) && !lookalike(text))
    }
}
