//! `--save-dns` and `--replay`: every DNS answer of a run written to a file, and a run
//! answered from such a file with no network, for reproducible CI runs and bug reports.
//!
//! [`SavingSource`] sits under the single-flight cache, so it sees each distinct question once
//! and writes down the outcome as the source below gave it: records, NODATA, NXDOMAIN,
//! SERVFAIL, REFUSED, timeout or another error. A CNAME chain that a server left at its first
//! link is saved that way, link by link: the chase layer above the cache asks each further
//! link as a question of its own ([`super::chase`]), and follows the same links again when
//! the file is replayed. [`ReplaySource`] answers from the file; a
//! question the file does not hold is a failure ("not in replay file"), never a missing
//! record, so a replay can make an audit incomplete but never wrong.
//!
//! # Format (version 1)
//!
//! One JSON document:
//!
//! ```json
//! {
//!   "format": "mailcheck-dns",
//!   "version": 1,
//!   "tool": { "name": "mailcheck", "version": "0.1.0" },
//!   "answers": [
//!     { "name": "example.com", "type": "MX", "outcome": "records",
//!       "records": [ { "name": "example.com", "ttl": 300, "type": "MX",
//!                      "data": "10 mx.example.com." } ] },
//!     { "name": "_dmarc.example.com", "type": "TXT", "outcome": "nxdomain" },
//!     { "name": "slow.example.com", "type": "A", "outcome": "timeout" },
//!     { "name": "x.example.com", "type": "A", "outcome": "error", "error": "..." }
//!   ]
//! }
//! ```
//!
//! - `answers` is sorted by name, then type; one entry per distinct question.
//! - `outcome` is `records`, `nodata`, `nxdomain`, `servfail`, `refused`, `timeout` or `error`
//!   (the same words as the report's `dns[].outcome`); `error` carries the message. A question
//!   no server was asked ([`NotAsked`]: offline, not in a replay file) is an `error` with that
//!   reason's message, and is read back as the typed reason.
//! - `records` is the answer section in order (a CNAME chain comes first; it may be the
//!   chain's first links only, the rest being other entries). Names have no
//!   trailing dot; `data` is the zone-file form: an address, a name with its trailing dot,
//!   `PREFERENCE EXCHANGE` for MX, and for TXT and SPF every character-string in quotes with
//!   `\"`, `\\` and `\DDD` escapes, so any byte survives the round trip.
//! - `version` changes only when an old reader would misread a new file; readers refuse a
//!   `format` or `version` they do not know.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use super::{BoxFuture, DnsSource, Name, NotAsked, Outcome, Record, RecordData, RecordType};
use crate::zonefile::lexer;

/// The `format` field of a saved file.
pub const FORMAT: &str = "mailcheck-dns";

/// The `version` field this build writes and reads.
pub const VERSION: u32 = 1;

/// Every type mailcheck asks for, to read the `type` fields back.
const TYPES: &[RecordType] = &RecordType::ALL;

/// A saved file that cannot be replayed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// Not JSON, or not the shape of a saved file.
    #[error("not a mailcheck DNS file: {0}")]
    Json(#[from] serde_json::Error),
    /// Another format, or a version this build does not read.
    #[error(
        "unsupported file: format \"{format}\" version {version} (this mailcheck reads \"{FORMAT}\" version {VERSION})"
    )]
    Version {
        /// The `format` found.
        format: String,
        /// The `version` found.
        version: u32,
    },
    /// An entry that does not make sense.
    #[error("answer {index} ({name} {rtype}): {message}")]
    Entry {
        /// Its position in `answers`, 0-based.
        index: usize,
        /// Its name.
        name: String,
        /// Its type.
        rtype: String,
        /// What is wrong.
        message: String,
    },
}

/// The answers of a run, by question.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsAnswers {
    answers: BTreeMap<(Name, RecordType), Outcome>,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct FileDocument {
    format: String,
    version: u32,
    #[serde(default)]
    tool: FileTool,
    answers: Vec<FileAnswer>,
}

#[derive(Serialize, Deserialize, Default, schemars::JsonSchema)]
struct FileTool {
    name: String,
    version: String,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct FileAnswer {
    name: String,
    #[serde(rename = "type")]
    rtype: String,
    outcome: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    records: Vec<FileRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct FileRecord {
    name: String,
    ttl: u32,
    #[serde(rename = "type")]
    rtype: String,
    data: String,
}

impl DnsAnswers {
    /// Adds (or replaces) the answer to one question.
    pub fn insert(&mut self, name: Name, rtype: RecordType, outcome: Outcome) {
        self.answers.insert((name, rtype), outcome);
    }

    /// The answer to one question, if saved.
    pub fn get(&self, name: &Name, rtype: RecordType) -> Option<&Outcome> {
        self.answers.get(&(name.clone(), rtype))
    }

    /// How many questions are saved.
    pub fn len(&self) -> usize {
        self.answers.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }

    /// The file's JSON text (see the module documentation).
    pub fn to_json(&self) -> String {
        let document = FileDocument {
            format: FORMAT.to_owned(),
            version: VERSION,
            tool: FileTool {
                name: env!("CARGO_PKG_NAME").to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
            answers: self
                .answers
                .iter()
                .map(|((name, rtype), outcome)| FileAnswer {
                    name: name.as_str().to_owned(),
                    rtype: rtype.as_str().to_owned(),
                    outcome: outcome.kind().to_owned(),
                    records: outcome
                        .records()
                        .iter()
                        .map(|record| FileRecord {
                            name: record.name.as_str().to_owned(),
                            ttl: record.ttl,
                            rtype: record.data.record_type().as_str().to_owned(),
                            data: record.data.to_string(),
                        })
                        .collect(),
                    error: outcome.error_message().map(str::to_owned),
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a file's JSON text.
    pub fn from_json(text: &str) -> Result<Self, ReplayError> {
        let document: FileDocument = serde_json::from_str(text)?;
        if document.format != FORMAT || document.version != VERSION {
            return Err(ReplayError::Version {
                format: document.format,
                version: document.version,
            });
        }
        let mut answers = DnsAnswers::default();
        for (index, answer) in document.answers.into_iter().enumerate() {
            let fail = |message: String| ReplayError::Entry {
                index,
                name: answer.name.clone(),
                rtype: answer.rtype.clone(),
                message,
            };
            let rtype = parse_type(&answer.rtype).ok_or_else(|| fail("unknown type".to_owned()))?;
            let outcome = match answer.outcome.as_str() {
                "records" => Outcome::Records(
                    answer
                        .records
                        .iter()
                        .map(|record| {
                            let rtype = parse_type(&record.rtype).ok_or_else(|| {
                                format!("record of unknown type {}", record.rtype)
                            })?;
                            Ok(Record {
                                name: Name::new(&record.name),
                                ttl: record.ttl,
                                data: parse_data(rtype, &record.data)?,
                            })
                        })
                        .collect::<Result<Vec<Record>, String>>()
                        .map_err(&fail)?,
                ),
                "nodata" => Outcome::NoData,
                "nxdomain" => Outcome::NxDomain,
                "servfail" => Outcome::ServFail,
                "refused" => Outcome::Refused,
                "timeout" => Outcome::Timeout,
                // A reason for not asking is written as its message, and read back typed.
                "error" => {
                    let message = answer.error.clone().unwrap_or_default();
                    NotAsked::from_message(&message)
                        .map_or_else(|| Outcome::Error(message), Outcome::NotAsked)
                }
                other => return Err(fail(format!("unknown outcome \"{other}\""))),
            };
            answers.insert(Name::new(&answer.name), rtype, outcome);
        }
        Ok(answers)
    }
}

fn parse_type(text: &str) -> Option<RecordType> {
    TYPES
        .iter()
        .copied()
        .find(|rtype| rtype.as_str().eq_ignore_ascii_case(text))
}

/// Reads back what [`RecordData`]'s `Display` wrote.
fn parse_data(rtype: RecordType, text: &str) -> Result<RecordData, String> {
    let bad = |what: &str| format!("invalid {rtype} data \"{text}\": {what}");
    Ok(match rtype {
        RecordType::A => RecordData::A(
            text.parse::<Ipv4Addr>()
                .map_err(|_| bad("not an IPv4 address"))?,
        ),
        RecordType::Aaaa => RecordData::Aaaa(
            text.parse::<Ipv6Addr>()
                .map_err(|_| bad("not an IPv6 address"))?,
        ),
        RecordType::Cname => RecordData::Cname(parse_name(text)),
        RecordType::Ptr => RecordData::Ptr(parse_name(text)),
        RecordType::Mx => {
            let (preference, exchange) = text
                .split_once(' ')
                .ok_or_else(|| bad("expected PREFERENCE EXCHANGE"))?;
            RecordData::Mx {
                preference: preference.parse().map_err(|_| bad("bad preference"))?,
                exchange: parse_name(exchange),
            }
        }
        RecordType::Txt => {
            RecordData::Txt(parse_strings(text).ok_or_else(|| bad("expected quoted strings"))?)
        }
        RecordType::Spf => {
            RecordData::Spf(parse_strings(text).ok_or_else(|| bad("expected quoted strings"))?)
        }
    })
}

/// A name as `Display` writes it in record data: with a trailing dot; the root is `.`.
fn parse_name(text: &str) -> Name {
    let text = text.strip_suffix('.').unwrap_or(text);
    if text.is_empty() || text == "." {
        Name::root()
    } else {
        Name::new(text)
    }
}

/// Quoted character-strings with escapes; an empty text is a record with no strings.
fn parse_strings(text: &str) -> Option<Vec<Vec<u8>>> {
    let bytes = text.as_bytes();
    // Two entries are enough to tell that there is more than one.
    let entries: Vec<lexer::RawEntry> = lexer::entries(bytes).take(2).collect();
    match entries.as_slice() {
        [] => Some(Vec::new()),
        [entry] if entry.problem.is_none() => entry
            .tokens
            .iter()
            .map(|token| {
                token
                    .quoted
                    .then(|| lexer::unescape(token.content(bytes)))
                    .flatten()
            })
            .collect(),
        _ => None,
    }
}

/// Writes down every answer that passes through it.
pub struct SavingSource<S> {
    inner: S,
    answers: Mutex<DnsAnswers>,
}

impl<S: DnsSource> SavingSource<S> {
    /// Saves what `inner` answers.
    pub fn new(inner: S) -> Self {
        SavingSource {
            inner,
            answers: Mutex::new(DnsAnswers::default()),
        }
    }

    /// The answers so far.
    pub fn answers(&self) -> DnsAnswers {
        self.answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl<S: DnsSource> DnsSource for SavingSource<S> {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let outcome = self.inner.query(name, rtype).await;
            self.answers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(name.clone(), rtype, outcome.clone());
            outcome
        })
    }
}

/// Answers from saved answers only.
pub struct ReplaySource {
    answers: DnsAnswers,
}

impl ReplaySource {
    /// A source over `answers`.
    pub fn new(answers: DnsAnswers) -> Self {
        ReplaySource { answers }
    }
}

impl DnsSource for ReplaySource {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            self.answers
                .get(name, rtype)
                .cloned()
                .unwrap_or(Outcome::NotAsked(NotAsked::NotInReplay))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, data: RecordData) -> Record {
        Record {
            name: Name::new(name),
            ttl: 300,
            data,
        }
    }

    fn sample() -> DnsAnswers {
        let mut answers = DnsAnswers::default();
        answers.insert(
            Name::new("a.test"),
            RecordType::Mx,
            Outcome::Records(vec![
                record("a.test", RecordData::Cname(Name::new("b.test"))),
                record(
                    "b.test",
                    RecordData::Mx {
                        preference: 10,
                        exchange: Name::new("mx.b.test"),
                    },
                ),
                record(
                    "b.test",
                    RecordData::Mx {
                        preference: 0,
                        exchange: Name::root(),
                    },
                ),
            ]),
        );
        answers.insert(
            Name::new("a.test"),
            RecordType::Txt,
            Outcome::Records(vec![record(
                "a.test",
                RecordData::Txt(vec![
                    b"v=spf1 \"q\" \\ ; ( )".to_vec(),
                    vec![0, 10, 200, 255],
                    vec![],
                ]),
            )]),
        );
        answers.insert(
            Name::new("a.test"),
            RecordType::Spf,
            Outcome::Records(vec![record("a.test", RecordData::Spf(vec![]))]),
        );
        answers.insert(
            Name::new("a.test"),
            RecordType::A,
            Outcome::Records(vec![record(
                "a.test",
                RecordData::A("93.184.216.1".parse().unwrap()),
            )]),
        );
        answers.insert(
            Name::new("a.test"),
            RecordType::Aaaa,
            Outcome::Records(vec![record(
                "a.test",
                RecordData::Aaaa("2606:2800:220:1::1".parse().unwrap()),
            )]),
        );
        answers.insert(
            Name::new("1.test"),
            RecordType::Ptr,
            Outcome::Records(vec![record("1.test", RecordData::Ptr(Name::new("a.test")))]),
        );
        answers.insert(Name::new("n.test"), RecordType::A, Outcome::NoData);
        answers.insert(Name::new("x.test"), RecordType::A, Outcome::NxDomain);
        answers.insert(Name::new("s.test"), RecordType::A, Outcome::ServFail);
        answers.insert(Name::new("r.test"), RecordType::A, Outcome::Refused);
        answers.insert(Name::new("t.test"), RecordType::A, Outcome::Timeout);
        answers.insert(
            Name::new("e.test"),
            RecordType::A,
            Outcome::Error("boom \"x\"".into()),
        );
        answers.insert(
            Name::new("o.test"),
            RecordType::A,
            Outcome::NotAsked(NotAsked::Offline),
        );
        answers.insert(
            Name::new("o.test"),
            RecordType::Txt,
            Outcome::NotAsked(NotAsked::NotInReplay),
        );
        answers
    }

    #[test]
    fn every_outcome_survives_the_round_trip() {
        let answers = sample();
        let text = answers.to_json();
        assert_eq!(DnsAnswers::from_json(&text).unwrap(), answers, "{text}");
    }

    /// Files written before the reasons were typed hold the same text: they read back typed,
    /// and a typed reason is written as that text.
    #[test]
    fn a_reason_for_not_asking_is_written_as_its_message_and_read_back_typed() {
        let text = r#"{"format":"mailcheck-dns","version":1,"answers":[
            {"name":"a.test","type":"A","outcome":"error","error":"offline: not in any --zone file"},
            {"name":"a.test","type":"MX","outcome":"error","error":"not in replay file"},
            {"name":"a.test","type":"TXT","outcome":"error","error":"not in replay file, really"}]}"#;
        let answers = DnsAnswers::from_json(text).unwrap();
        let get = |rtype| answers.get(&Name::new("a.test"), rtype).unwrap();
        assert_eq!(get(RecordType::A), &Outcome::NotAsked(NotAsked::Offline));
        assert_eq!(
            get(RecordType::Mx),
            &Outcome::NotAsked(NotAsked::NotInReplay)
        );
        assert_eq!(
            get(RecordType::Txt),
            &Outcome::Error("not in replay file, really".to_owned())
        );
        let written = answers.to_json();
        assert!(
            written.contains(r#""error": "offline: not in any --zone file""#),
            "{written}"
        );
        assert!(
            written.contains(r#""error": "not in replay file""#),
            "{written}"
        );
    }

    #[test]
    fn refuses_other_formats_and_bad_entries() {
        assert!(matches!(
            DnsAnswers::from_json("{}"),
            Err(ReplayError::Json(_))
        ));
        let other = r#"{"format":"mailcheck-dns","version":2,"answers":[]}"#;
        assert!(matches!(
            DnsAnswers::from_json(other),
            Err(ReplayError::Version { version: 2, .. })
        ));
        let bad = r#"{"format":"mailcheck-dns","version":1,"answers":[
            {"name":"a.test","type":"A","outcome":"records","records":[{"name":"a.test","ttl":1,"type":"A","data":"999.1.1.1"}]}]}"#;
        assert!(matches!(
            DnsAnswers::from_json(bad),
            Err(ReplayError::Entry { index: 0, .. })
        ));
        let bad = r#"{"format":"mailcheck-dns","version":1,"answers":[{"name":"a.test","type":"TXT","outcome":"maybe"}]}"#;
        assert!(DnsAnswers::from_json(bad).is_err());
        let bad = r#"{"format":"mailcheck-dns","version":1,"answers":[
            {"name":"a.test","type":"TXT","outcome":"records","records":[{"name":"a.test","ttl":1,"type":"TXT","data":"unquoted"}]}]}"#;
        assert!(DnsAnswers::from_json(bad).is_err());
    }

    #[test]
    fn replay_answers_what_was_saved_and_fails_the_rest() {
        let saving = SavingSource::new(ReplaySource::new(sample()));
        let ask = |source: &dyn DnsSource, name: &str, rtype| {
            let name = Name::new(name);
            futures_util::FutureExt::now_or_never(source.query(&name, rtype)).unwrap()
        };
        assert_eq!(ask(&saving, "n.test", RecordType::A), Outcome::NoData);
        assert_eq!(ask(&saving, "t.test", RecordType::A), Outcome::Timeout);
        let missing = ask(&saving, "n.test", RecordType::Mx);
        assert_eq!(missing, Outcome::NotAsked(NotAsked::NotInReplay));
        assert!(missing.is_failure());
        let saved = saving.answers();
        assert_eq!(saved.len(), 3);
        assert_eq!(
            saved.get(&Name::new("n.test"), RecordType::Mx),
            Some(&missing)
        );
    }
}
