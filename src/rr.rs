//! Resource records (RFC 1035 §3.2): the record types mailcheck asks for and the data it
//! understands. A leaf: the DNS seam, the zone-file reader and the facts all speak in these.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::domain::Name;

/// The record types mailcheck asks for.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema,
)]
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
