//! The one seam between mailcheck and DNS.
//!
//! Everything above this module (gathering, rules, renderers) speaks in the plain types defined
//! here: [`Name`], [`RecordType`], [`Record`], [`Outcome`]. Only [`network`] knows the wire
//! library. The three verdicts the rest of the tool must keep apart start here: an answer with
//! records, an authoritative "nothing here" (NODATA or NXDOMAIN), and a lookup that failed
//! (timeout, SERVFAIL, REFUSED), which means "could not verify", never "missing".

pub mod cache;
pub mod guard;
pub mod memory;
pub mod network;
pub mod replay;
pub mod zone;

use std::fmt;
use std::future::Future;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::pin::Pin;

use serde::{Serialize, Serializer};

/// A boxed, sendable future, so that [`DnsSource`] stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Anything that can answer a DNS question: the live resolver, a cache in front of it, or (in
/// tests and conformance runs) an in-memory zone.
pub trait DnsSource: Send + Sync {
    /// Asks for the records of `rtype` at `name`. Never fails: every failure is an [`Outcome`].
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome>;
}

// Sources are layered (a cache over a recorder over zone files over the resolver), and the
// layers are chosen at run time, so a boxed or shared source is a source too.
impl<T: DnsSource + ?Sized> DnsSource for Box<T> {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        (**self).query(name, rtype)
    }
}

impl<T: DnsSource + ?Sized> DnsSource for std::sync::Arc<T> {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        (**self).query(name, rtype)
    }
}

/// A domain name as mailcheck handles it: ASCII (A-labels), lower case, no trailing dot.
///
/// Names are always queried fully qualified: `example.com` means `example.com.`, so no search
/// list or `ndots` rule can turn it into some other name. The root is the empty string and
/// displays as `.`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(String);

impl Name {
    /// Builds a name from its presentation form, folding case and dropping one trailing dot.
    /// No validation happens here: names from DNS data are taken as they come.
    pub fn new(text: &str) -> Self {
        let text = text.strip_suffix('.').unwrap_or(text);
        Name(text.to_ascii_lowercase())
    }

    /// The root name `.` (the target of a null MX record, RFC 7505).
    pub fn root() -> Self {
        Name(String::new())
    }

    /// Whether this is the root name.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The name without its trailing dot (empty for the root).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name with `label` prepended, e.g. `_dmarc` + `example.com`.
    #[must_use]
    pub fn prepend(&self, label: &str) -> Name {
        if self.is_root() {
            Name::new(label)
        } else {
            Name::new(&format!("{label}.{}", self.0))
        }
    }

    /// The labels of the name, leftmost first.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.0.split('.').filter(|label| !label.is_empty())
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            f.write_str(".")
        } else {
            f.write_str(&self.0)
        }
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The record types mailcheck asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum RecordType {
    /// IPv4 address.
    A,
    /// IPv6 address.
    #[serde(rename = "AAAA")]
    Aaaa,
    /// Alias.
    #[serde(rename = "CNAME")]
    Cname,
    /// Mail exchanger.
    #[serde(rename = "MX")]
    Mx,
    /// Reverse-DNS pointer.
    #[serde(rename = "PTR")]
    Ptr,
    /// Text (SPF, DKIM, DMARC and friends live here).
    #[serde(rename = "TXT")]
    Txt,
    /// The obsolete type-99 SPF record (RFC 7208 §3.1 says not to publish it).
    #[serde(rename = "SPF")]
    Spf,
}

impl RecordType {
    /// Every type mailcheck asks for.
    pub const ALL: [RecordType; 7] = [
        RecordType::A,
        RecordType::Aaaa,
        RecordType::Cname,
        RecordType::Mx,
        RecordType::Ptr,
        RecordType::Txt,
        RecordType::Spf,
    ];

    /// The mnemonic, as in a zone file.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Cname => "CNAME",
            RecordType::Mx => "MX",
            RecordType::Ptr => "PTR",
            RecordType::Txt => "TXT",
            RecordType::Spf => "SPF",
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The data of one resource record, for the types mailcheck understands.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RecordData {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// The canonical name this owner is an alias for.
    Cname(Name),
    /// A mail exchanger with its preference (lower is preferred).
    Mx {
        /// Preference; lower values are tried first.
        preference: u16,
        /// The host that accepts mail; the root for a null MX.
        exchange: Name,
    },
    /// The name an address maps back to.
    Ptr(Name),
    /// The character-strings of a TXT record, each at most 255 octets, as sent.
    Txt(Vec<Vec<u8>>),
    /// The character-strings of a type-99 SPF record.
    Spf(Vec<Vec<u8>>),
}

impl RecordData {
    /// The type of this data.
    pub fn record_type(&self) -> RecordType {
        match self {
            RecordData::A(_) => RecordType::A,
            RecordData::Aaaa(_) => RecordType::Aaaa,
            RecordData::Cname(_) => RecordType::Cname,
            RecordData::Mx { .. } => RecordType::Mx,
            RecordData::Ptr(_) => RecordType::Ptr,
            RecordData::Txt(_) => RecordType::Txt,
            RecordData::Spf(_) => RecordType::Spf,
        }
    }
}

impl fmt::Display for RecordData {
    /// Zone-file presentation; text is shown with `\DDD` escapes for anything unprintable, so
    /// it is safe to print anywhere.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordData::A(ip) => write!(f, "{ip}"),
            RecordData::Aaaa(ip) => write!(f, "{ip}"),
            RecordData::Cname(name) | RecordData::Ptr(name) => write!(f, "{name}."),
            RecordData::Mx {
                preference,
                exchange,
            } if exchange.is_root() => write!(f, "{preference} ."),
            RecordData::Mx {
                preference,
                exchange,
            } => write!(f, "{preference} {exchange}."),
            RecordData::Txt(strings) | RecordData::Spf(strings) => {
                for (i, string) in strings.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    f.write_str("\"")?;
                    for &byte in string {
                        match byte {
                            b'"' | b'\\' => write!(f, "\\{}", byte as char)?,
                            0x20..=0x7e => write!(f, "{}", byte as char)?,
                            _ => write!(f, "\\{byte:03}")?,
                        }
                    }
                    f.write_str("\"")?;
                }
                Ok(())
            }
        }
    }
}

/// One resource record of an answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    /// The owner name (for a CNAME chain, not always the name that was asked for).
    pub name: Name,
    /// Time to live, in seconds.
    pub ttl: u32,
    /// The record's data.
    pub data: RecordData,
}

/// How a query ended. The variants are the verdicts DNS can give and must never be merged:
/// [`Outcome::NoData`] and [`Outcome::NxDomain`] say "there is nothing", the failure variants
/// say "we could not find out".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The answer section (it may hold a CNAME chain before the records asked for).
    Records(Vec<Record>),
    /// The name exists but has no record of this type.
    NoData,
    /// The name does not exist.
    NxDomain,
    /// The server answered SERVFAIL.
    ServFail,
    /// The server answered REFUSED (it will not answer for this name).
    Refused,
    /// No answer came back in time, after every retry.
    Timeout,
    /// Any other failure (a network error, an answer that could not be decoded).
    Error(String),
}

impl Outcome {
    /// Whether the lookup failed, so that its absence of data proves nothing.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Outcome::ServFail | Outcome::Refused | Outcome::Timeout | Outcome::Error(_)
        )
    }

    /// A short machine-readable name of the outcome, as written in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Records(_) => "records",
            Outcome::NoData => "nodata",
            Outcome::NxDomain => "nxdomain",
            Outcome::ServFail => "servfail",
            Outcome::Refused => "refused",
            Outcome::Timeout => "timeout",
            Outcome::Error(_) => "error",
        }
    }

    /// The records of the answer (empty unless [`Outcome::Records`]).
    pub fn records(&self) -> &[Record] {
        match self {
            Outcome::Records(records) => records,
            _ => &[],
        }
    }

    /// The data of every record of type `rtype` in the answer, whatever its owner (so the
    /// records at the end of a CNAME chain are included).
    pub fn data_of(&self, rtype: RecordType) -> impl Iterator<Item = &RecordData> {
        self.records()
            .iter()
            .map(|record| &record.data)
            .filter(move |data| data.record_type() == rtype)
    }

    /// The character-strings of each TXT record answered, as published (not joined).
    pub fn txt_strings(&self) -> impl Iterator<Item = &Vec<Vec<u8>>> {
        self.records()
            .iter()
            .filter_map(|record| match &record.data {
                RecordData::Txt(strings) => Some(strings),
                _ => None,
            })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Records(records) if records.len() == 1 => f.write_str("1 record"),
            Outcome::Records(records) => write!(f, "{} records", records.len()),
            Outcome::NoData => f.write_str("no records of this type (NODATA)"),
            Outcome::NxDomain => f.write_str("name does not exist (NXDOMAIN)"),
            Outcome::ServFail => f.write_str("server failure (SERVFAIL)"),
            Outcome::Refused => f.write_str("query refused (REFUSED)"),
            Outcome::Timeout => f.write_str("timed out"),
            Outcome::Error(message) => write!(f, "error: {message}"),
        }
    }
}
