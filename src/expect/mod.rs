//! `--expect FILE`: the records someone was told to publish (an email provider's custom-domain
//! page: MX records, a TXT verification token, DKIM TXT or CNAME records, an SPF include), each
//! checked against what the audit finds and reported present, missing or different.
//!
//! The file is in zone-file syntax and read with [`crate::zonefile`]. Where its names are:
//! - a relative name (or `@`) is relative to the file's `$ORIGIN`, and before any `$ORIGIN` (or
//!   in a file with none, the usual case) to the audited domain: `s1._domainkey CNAME …` means
//!   `s1._domainkey.example.com` when auditing `example.com`;
//! - an absolute name (with a trailing dot) is taken as written;
//! - every name must be the audited domain or under it: the checks belong to that domain's
//!   report. A name outside it is an input error (exit 2, with the file and line), found before
//!   any query.
//!
//! With several domains (a batch run), the file applies to each of them, relative names under
//! each one: the same provider setup checked on many domains. A file with absolute names or a
//! `$ORIGIN` is about one domain, and names outside the other domains are input errors.
//! `$INCLUDE` is not read (an expect file is a short list). TTLs and classes are ignored.
//!
//! Record types mailcheck does not look up (SRV, NS, CAA, …) are listed as not checked.
//!
//! This module reads the file, and shows expected data in a line ([`short_data`],
//! [`zone_line`]). Gathering (`gather::expect`) asks each expected record's name and type
//! through the audit's own source, so the single-flight cache answers what the audit already
//! asked, then compares once what was found with what was expected; the verdicts are facts
//! (`facts::expect`), read by the rules (`rules::expect`) and the describer.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::dns::{Name, RecordData, RecordType};
use crate::domain::DomainName;
use crate::files::FileError;
use crate::zonefile::{self, Location, ParseError, is_within, type_name};

/// The largest `--expect` file read: a provider's list is a few lines, and 16 MiB holds some
/// 200,000 records (the file is read again for every audited domain).
pub const MAX_EXPECT_BYTES: u64 = 16 << 20;

/// The most records an `--expect` file may list (identical ones counted once). A provider's
/// setup page lists a dozen; each record is a lookup of every audited domain, so a file of
/// 200,000 names would be 200,000 questions per domain. A longer file is refused
/// (exit 2) before any query.
pub const MAX_EXPECTED_RECORDS: usize = 1000;

/// An `--expect` file, read once and checked against every audited domain, or against the
/// one domain it was given for (`--expect DOMAIN=FILE`).
#[derive(Debug)]
pub struct ExpectFile {
    /// The file as the user named it (for locations).
    label: Arc<str>,
    /// Its contents.
    text: Vec<u8>,
    /// The one domain it lists records of, when given with `DOMAIN=FILE`.
    domain: Option<Name>,
}

/// One record of the file, with its names made absolute for one audited domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedRecord {
    /// The owner name, absolute.
    pub name: Name,
    /// The type code (1 = A, 16 = TXT, 33 = SRV, ...).
    pub rtype: u16,
    /// The data, for the types mailcheck looks up (A, AAAA, CNAME, MX, PTR, TXT, SPF); `None`
    /// for the others, which are not checked.
    pub data: Option<RecordData>,
    /// Where it is written.
    pub location: Location,
}

impl ExpectedRecord {
    /// The type to ask for, when mailcheck looks this type up.
    pub fn query_type(&self) -> Option<RecordType> {
        self.data.as_ref().map(RecordData::record_type)
    }

    /// The type's mnemonic (`MX`, `SRV`).
    pub fn type_name(&self) -> String {
        type_name(self.rtype)
    }

    /// The text of an expected SPF record: a TXT record whose strings, joined, start with
    /// `v=spf1` (RFC 7208 §4.5).
    pub fn spf_text(&self) -> Option<String> {
        match &self.data {
            Some(RecordData::Txt(strings)) => {
                let joined = strings.concat();
                crate::spf::record::is_spf_record(&joined)
                    .then(|| String::from_utf8_lossy(&joined).into_owned())
            }
            _ => None,
        }
    }
}

/// A problem with the `--expect` file (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExpectError {
    /// The file cannot be read.
    #[error("cannot read --expect {}: {error}", crate::escape::os_str(path.as_os_str()))]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: FileError,
    },
    /// The file lists no record.
    #[error("--expect {} lists no records to check", crate::escape::os_str(path.as_os_str()))]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file lists more records than [`MAX_EXPECTED_RECORDS`].
    #[error(
        "--expect {} lists {count} records, more than the {MAX_EXPECTED_RECORDS} an expect file \
         may hold (each is a lookup for every audited domain); split it",
        crate::escape::os_str(path.as_os_str())
    )]
    TooManyRecords {
        /// The file.
        path: PathBuf,
        /// How many distinct records it lists.
        count: usize,
    },
    /// `--expect DOMAIN=FILE` for a domain the run does not audit.
    #[error("--expect {domain}=FILE: {domain} is not audited in this run")]
    NotAudited {
        /// The domain given.
        domain: Name,
    },
    /// Two `--expect` files for the same domain (or two without a domain).
    #[error(
        "two --expect files for {0}: give one file per domain (DOMAIN=FILE), and at most one \
         without a domain"
    )]
    Twice(String),
    /// Lines that cannot be read, or names outside an audited domain.
    #[error("invalid --expect file: {}{}", join_problems(problems), if *outside { OUTSIDE_HINT } else { "" })]
    Invalid {
        /// Every problem, in file order.
        problems: Vec<ParseError>,
        /// Whether some names are outside an audited domain (the error then says the rule).
        outside: bool,
    },
}

/// What the file holds for one audited domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadFile {
    /// The records expected, in file order, identical ones once.
    pub records: Vec<ExpectedRecord>,
    /// Every line that could not be read, and every name outside the domain, in file order.
    pub problems: Vec<ParseError>,
    /// Whether some of the problems are names outside the domain.
    pub outside: bool,
}

/// Said once after the problems when a name is outside an audited domain.
const OUTSIDE_HINT: &str = " (an --expect file lists records of the audited domain: relative \
                            names are under each audited domain, or under DOMAIN for \
                            --expect DOMAIN=FILE, unless the file sets $ORIGIN)";

fn join_problems(problems: &[ParseError]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The origin used to check the file's syntax when no domain is audited (every `--input`
/// line was bad): a reserved name (RFC 2606 §2) that no relative name can clash with.
const PLACEHOLDER_ORIGIN: &str = "domain.invalid";

impl ExpectFile {
    /// Reads `path` and checks it for every domain of the run: every line must read, and every
    /// name must be at or under each domain. Nothing is queried.
    pub fn load(path: &Path, domains: &[DomainName]) -> Result<Self, ExpectError> {
        let names: Vec<&Name> = domains.iter().map(|domain| &domain.ascii).collect();
        Self::load_for(path, &names, None)
    }

    /// Reads `path` as the records of `domain` alone (`--expect DOMAIN=FILE`): relative names
    /// are under it, and every name must be at or under it.
    pub fn load_given(path: &Path, domain: &Name) -> Result<Self, ExpectError> {
        Self::load_for(path, &[domain], Some(domain.clone()))
    }

    fn load_for(path: &Path, domains: &[&Name], given: Option<Name>) -> Result<Self, ExpectError> {
        let text = crate::files::read_capped(path, MAX_EXPECT_BYTES).map_err(|error| {
            ExpectError::Read {
                path: path.to_owned(),
                error,
            }
        })?;
        let file = ExpectFile {
            label: Arc::from(path.display().to_string().as_str()),
            text,
            domain: given,
        };
        let mut problems: Vec<ParseError> = Vec::new();
        let placeholder = [Name::new(PLACEHOLDER_ORIGIN)];
        let names: Vec<&Name> = if domains.is_empty() {
            placeholder.iter().collect()
        } else {
            domains.to_vec()
        };
        let mut listed = false;
        let mut outside = false;
        let mut most = 0;
        let mut said: HashSet<Location> = HashSet::new();
        for domain in names {
            let read = file.read(domain);
            listed |= !read.records.is_empty() || !read.problems.is_empty();
            outside |= read.outside;
            most = most.max(read.records.len());
            // The same line fails the same way for every domain: say it once.
            for problem in read.problems {
                if said.insert(problem.location.clone()) {
                    problems.push(problem);
                }
            }
            // The file is the same for every domain: one count is enough to refuse it.
            if most > MAX_EXPECTED_RECORDS {
                break;
            }
        }
        if most > MAX_EXPECTED_RECORDS {
            return Err(ExpectError::TooManyRecords {
                path: path.to_owned(),
                count: most,
            });
        }
        if !problems.is_empty() {
            problems.sort_by(|a, b| a.location.cmp(&b.location));
            return Err(ExpectError::Invalid { problems, outside });
        }
        if !listed {
            return Err(ExpectError::Empty {
                path: path.to_owned(),
            });
        }
        Ok(file)
    }

    /// Reads zone-file text as an expect file (for tests and fuzzing: no disk).
    pub fn from_text(label: &str, text: &[u8]) -> Self {
        ExpectFile {
            label: Arc::from(label),
            text: text.to_vec(),
            domain: None,
        }
    }

    /// The one domain the file was given for (`--expect DOMAIN=FILE`), if any.
    pub fn domain(&self) -> Option<&Name> {
        self.domain.as_ref()
    }

    /// The file as the user named it.
    pub fn label(&self) -> &Arc<str> {
        &self.label
    }

    /// The records expected at `domain` (relative names under it), in file order, identical
    /// ones once. Lines with problems are left out ([`ExpectFile::load`] reported them).
    pub fn records_for(&self, domain: &Name) -> Vec<ExpectedRecord> {
        self.read(domain).records
    }

    /// The records for `domain`, and every problem of the file for it. Linear in the file:
    /// duplicates are found through a set, not by comparing each record with every other
    /// (200,000 names did not finish in 300 s).
    pub fn read(&self, domain: &Name) -> ReadFile {
        let zone = zonefile::parse_record_list(&self.label, &self.text, domain);
        let mut problems = zone.errors;
        let mut outside = false;
        let mut records: Vec<ExpectedRecord> = Vec::new();
        let mut seen: HashSet<(Name, u16, Option<RecordData>)> = HashSet::new();
        for record in zone.records {
            if !is_within(&record.name, domain) {
                outside = true;
                let message = format!("{} is not {domain} or a name under it", record.name);
                problems.push(ParseError {
                    cause: message.clone(),
                    message,
                    location: record.location,
                });
                continue;
            }
            let expected = ExpectedRecord {
                name: record.name,
                rtype: record.rtype,
                data: record.data,
                location: record.location,
            };
            let key = (expected.name.clone(), expected.rtype, expected.data.clone());
            if seen.insert(key) {
                records.push(expected);
            }
        }
        ReadFile {
            records,
            problems,
            outside,
        }
    }
}

/// The data in zone-file form, with TXT strings joined into one (what the record means),
/// cut in the middle past `max` characters: for one line of human output.
pub fn short_data(data: &RecordData, max: usize) -> String {
    let text = match data {
        RecordData::Txt(strings) => RecordData::Txt(vec![strings.concat()]).to_string(),
        RecordData::Spf(strings) => RecordData::Spf(vec![strings.concat()]).to_string(),
        other => other.to_string(),
    };
    abbreviate(&text, max)
}

/// The data as people read it: names without the trailing dot, text quoted.
pub fn plain(data: &RecordData) -> String {
    match data {
        RecordData::Mx {
            preference,
            exchange,
        } => format!("{preference} {exchange}"),
        RecordData::Cname(name) | RecordData::Ptr(name) => name.to_string(),
        RecordData::Txt(_) | RecordData::Spf(_) => short_data(data, 100),
        RecordData::A(ip) => ip.to_string(),
        RecordData::Aaaa(ip) => ip.to_string(),
    }
}

/// The record as a zone-file line, TXT text in as few strings of at most 255 octets as it
/// takes (RFC 1035 §3.3), so it can be pasted as it is.
pub fn zone_line(name: &Name, data: &RecordData) -> String {
    let data = match data {
        RecordData::Txt(strings) => {
            let joined = strings.concat();
            let mut chunks: Vec<Vec<u8>> = joined.chunks(255).map(<[u8]>::to_vec).collect();
            if chunks.is_empty() {
                chunks.push(Vec::new());
            }
            RecordData::Txt(chunks)
        }
        other => other.clone(),
    };
    format!("{name}. {} {data}", data.record_type())
}

/// `text` cut in the middle when longer than `max` characters (a DKIM key is hundreds).
pub fn abbreviate(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_owned();
    }
    let tail = max / 4;
    let head: String = text.chars().take(max.saturating_sub(tail + 1)).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{head}…{end}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, domain: &str) -> (Vec<ExpectedRecord>, Vec<ParseError>) {
        let read = ExpectFile::from_text("expect.zone", text.as_bytes()).read(&Name::new(domain));
        (read.records, read.problems)
    }

    #[test]
    fn relative_names_are_under_the_audited_domain() {
        let text = "@ MX 10 mx.mailer.test.\ns1._domainkey CNAME s1.dkim.mailer.test.\n\
                    em 300 IN CNAME u1.wl.mailer.test.\n";
        let (records, problems) = read(text, "shop.test");
        assert_eq!(problems, vec![]);
        let names: Vec<&str> = records.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["shop.test", "s1._domainkey.shop.test", "em.shop.test"]
        );
        // The same file for another domain.
        let (records, _) = read(text, "other.test");
        assert_eq!(records[1].name.as_str(), "s1._domainkey.other.test");
    }

    #[test]
    fn origin_and_absolute_names_are_honoured_and_must_be_under_the_domain() {
        let text = "$ORIGIN shop.test.\n@ MX 10 mx.mailer.test.\nwww.shop.test. A 93.184.216.1\n";
        let (records, problems) = read(text, "shop.test");
        assert_eq!((records.len(), problems.len()), (2, 0));
        let (records, problems) = read(text, "other.test");
        assert!(records.is_empty());
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].location.line, 2);
        assert!(
            problems[0].message.contains("shop.test is not other.test"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn bad_lines_are_problems_with_their_line_and_the_rest_is_kept() {
        let text = "@ MX 10 mx.mailer.test.\n@ MX mx.mailer.test.\n@ TXT \"ok\"\n$INCLUDE other\n";
        let (records, problems) = read(text, "shop.test");
        assert_eq!(records.len(), 2);
        let lines: Vec<usize> = problems.iter().map(|p| p.location.line).collect();
        assert_eq!(lines, [2, 4]);
    }

    #[test]
    fn types_not_looked_up_are_kept_without_data_and_duplicates_dropped() {
        let text =
            "_sip._tls SRV 100 1 443 sipdir.online.lync.com.\n@ A 93.184.216.1\n@ A 93.184.216.1\n";
        let (records, problems) = read(text, "shop.test");
        assert_eq!(problems, vec![]);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].type_name(), "SRV");
        assert_eq!(records[0].query_type(), None);
        assert_eq!(records[1].query_type(), Some(RecordType::A));
    }

    #[test]
    fn an_spf_record_is_recognised_across_strings() {
        let (records, _) = read("@ TXT \"v=spf1 \" \"include:x.test ~all\"\n", "shop.test");
        assert_eq!(
            records[0].spf_text().as_deref(),
            Some("v=spf1 include:x.test ~all")
        );
        let (records, _) = read("@ TXT \"v=spf10\"\n", "shop.test");
        assert_eq!(records[0].spf_text(), None);
    }
}
