//! Domain names: [`Name`], a DNS name as mailcheck handles every name it reads or asks, and
//! [`DomainName`], the domain a user asked to audit: validated, converted to its A-label
//! (punycode) form, and kept in its Unicode form for display.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use serde::{Serialize, Serializer};

use crate::escape::shorten;

/// A domain name as mailcheck handles it: ASCII (A-labels), lower case, no trailing dot.
///
/// Names are always queried fully qualified: `example.com` means `example.com.`, so no search
/// list or `ndots` rule can turn it into some other name. The root is the empty string and
/// displays as `.`.
///
/// The text is shared, not copied, when a name is cloned: every question is a key in several
/// maps (the run's cache, the audit's log and bounds), and a batch run asks some 50 a domain,
/// so a copy per clone was a measurable part of its CPU time (issue 18).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Arc<str>);

impl Name {
    /// Builds a name from its presentation form, folding case and dropping one trailing dot.
    /// No validation happens here: names from DNS data are taken as they come.
    pub fn new(text: &str) -> Self {
        let text = text.strip_suffix('.').unwrap_or(text);
        if text.bytes().any(|byte| byte.is_ascii_uppercase()) {
            Name(text.to_ascii_lowercase().into())
        } else {
            Name(text.into())
        }
    }

    /// The root name `.` (the target of a null MX record, RFC 7505).
    pub fn root() -> Self {
        Name(Arc::from(""))
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

// A name is written as its text: the schema of a string.
impl schemars::JsonSchema for Name {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DomainNameText".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}

/// A domain name given on the command line, checked to be a plausible mail domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DomainName {
    /// The A-label form that is queried, e.g. `xn--bcher-kva.example`.
    pub ascii: Name,
    /// The Unicode form when it differs, e.g. `bücher.example`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unicode: Option<String>,
}

impl fmt::Display for DomainName {
    /// `bücher.example (xn--bcher-kva.example)` for an internationalized name, else the name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.unicode {
            Some(unicode) => write!(f, "{unicode} ({})", self.ascii),
            None => write!(f, "{}", self.ascii),
        }
    }
}

/// Why a domain given by the user cannot be audited.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// Nothing was given.
    #[error("the domain name is empty")]
    Empty,
    /// An IP address where a name belongs.
    #[error("\"{0}\" is an IP address; mailcheck audits a domain name such as example.com")]
    IpAddress(String),
    /// Two dots in a row, or a leading dot.
    #[error("\"{0}\" has an empty label (two dots in a row, or a leading dot)")]
    EmptyLabel(String),
    /// A label over 63 octets (RFC 1035 §2.3.4).
    #[error(
        "\"{name}\": the label \"{label}\" is {len} octets long; a label may have at most 63 (RFC 1035 §2.3.4)"
    )]
    LabelTooLong {
        /// The whole name as given.
        name: String,
        /// The offending label (A-label form).
        label: String,
        /// Its length in octets.
        len: usize,
    },
    /// A name over 253 octets (RFC 1035 §2.3.4, without the trailing dot).
    #[error(
        "\"{name}\" is {len} octets long; a domain name may have at most 253 (RFC 1035 §2.3.4)"
    )]
    NameTooLong {
        /// The whole name as given.
        name: String,
        /// Its length in octets (A-label form, no trailing dot).
        len: usize,
    },
    /// A character a host name cannot hold.
    #[error(
        "\"{name}\": the label \"{label}\" contains {character:?}; a mail domain may hold only letters, digits and '-' (RFC 5321 §4.1.2)"
    )]
    InvalidCharacter {
        /// The whole name as given.
        name: String,
        /// The offending label.
        label: String,
        /// The first character that is not allowed.
        character: char,
    },
    /// A label that starts or ends with a hyphen.
    #[error(
        "\"{name}\": the label \"{label}\" starts or ends with '-', which a host name may not (RFC 952, RFC 1123 §2.1)"
    )]
    HyphenAtEdge {
        /// The whole name as given.
        name: String,
        /// The offending label.
        label: String,
    },
    /// A top-level label of digits only, which no real top-level domain is.
    #[error("\"{0}\" ends in an all-numeric label, which no top-level domain is (RFC 3696 §2)")]
    NumericTopLevel(String),
    /// A Unicode name that IDNA cannot convert.
    #[error("\"{0}\" is not a valid internationalized domain name (IDNA, RFC 5891)")]
    InvalidIdna(String),
}

impl DomainError {
    /// The same error with every text it quotes cut to `max_chars` characters and `…`: for an
    /// input that may be huge (a line of a domain list), quoted twice by some variants.
    #[must_use]
    pub fn with_short_quotes(self, max_chars: usize) -> Self {
        let cut = |text: String| match shorten(&text, max_chars) {
            Cow::Borrowed(_) => text,
            Cow::Owned(short) => short,
        };
        match self {
            DomainError::Empty => DomainError::Empty,
            DomainError::IpAddress(name) => DomainError::IpAddress(cut(name)),
            DomainError::EmptyLabel(name) => DomainError::EmptyLabel(cut(name)),
            DomainError::LabelTooLong { name, label, len } => DomainError::LabelTooLong {
                name: cut(name),
                label: cut(label),
                len,
            },
            DomainError::NameTooLong { name, len } => DomainError::NameTooLong {
                name: cut(name),
                len,
            },
            DomainError::InvalidCharacter {
                name,
                label,
                character,
            } => DomainError::InvalidCharacter {
                name: cut(name),
                label: cut(label),
                character,
            },
            DomainError::HyphenAtEdge { name, label } => DomainError::HyphenAtEdge {
                name: cut(name),
                label: cut(label),
            },
            DomainError::NumericTopLevel(name) => DomainError::NumericTopLevel(cut(name)),
            DomainError::InvalidIdna(name) => DomainError::InvalidIdna(cut(name)),
        }
    }
}

/// Longest label and name, RFC 1035 §2.3.4 (253 = 255 minus the length octets of the wire form).
const MAX_LABEL: usize = 63;
const MAX_NAME: usize = 253;

/// Checks a domain given by the user and converts it to its A-label form. Surrounding white
/// space and one trailing dot are dropped; case is folded.
pub fn parse_domain(input: &str) -> Result<DomainName, DomainError> {
    let trimmed = input.trim();
    let text = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if text.is_empty() {
        return Err(DomainError::Empty);
    }
    let bracketed = text
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(text);
    if bracketed.parse::<IpAddr>().is_ok() {
        return Err(DomainError::IpAddress(text.to_owned()));
    }
    if text.split('.').any(str::is_empty) {
        return Err(DomainError::EmptyLabel(text.to_owned()));
    }

    let ascii = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        // UTS 46 mapping (case folding, NFC) and punycode; the LDH and length checks below
        // then apply to the A-labels, which are what goes on the wire.
        Uts46::new()
            .to_ascii(
                text.as_bytes(),
                AsciiDenyList::EMPTY,
                Hyphens::Allow,
                DnsLength::Ignore,
            )
            .map_err(|_| DomainError::InvalidIdna(text.to_owned()))?
            .into_owned()
    };
    check_ldh(text, &ascii)?;
    // A-labels must decode to valid Unicode: `xn--` followed by garbage is not a name.
    let (unicode, decoded) = idna::domain_to_unicode(&ascii);
    if decoded.is_err() {
        return Err(DomainError::InvalidIdna(text.to_owned()));
    }
    Ok(DomainName {
        unicode: (unicode != ascii).then_some(unicode),
        ascii: Name::new(&ascii),
    })
}

/// The host-name rules (letters, digits, hyphens; label and name lengths) on the A-label form.
fn check_ldh(original: &str, ascii: &str) -> Result<(), DomainError> {
    let name = || original.to_owned();
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(DomainError::EmptyLabel(name()));
        }
        if label.len() > MAX_LABEL {
            return Err(DomainError::LabelTooLong {
                name: name(),
                label: label.to_owned(),
                len: label.len(),
            });
        }
        if let Some(character) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(DomainError::InvalidCharacter {
                name: name(),
                label: label.to_owned(),
                character,
            });
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(DomainError::HyphenAtEdge {
                name: name(),
                label: label.to_owned(),
            });
        }
    }
    if ascii.len() > MAX_NAME {
        return Err(DomainError::NameTooLong {
            name: name(),
            len: ascii.len(),
        });
    }
    if ascii
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(DomainError::NumericTopLevel(name()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        let domain = parse_domain(" Example.COM. ").unwrap();
        assert_eq!(domain.ascii.as_str(), "example.com");
        assert_eq!(domain.unicode, None);
        assert_eq!(domain.to_string(), "example.com");
    }

    #[test]
    fn converts_unicode_to_a_labels() {
        let domain = parse_domain("Bücher.example").unwrap();
        assert_eq!(domain.ascii.as_str(), "xn--bcher-kva.example");
        assert_eq!(domain.unicode.as_deref(), Some("bücher.example"));
        assert_eq!(domain.to_string(), "bücher.example (xn--bcher-kva.example)");
        // Given in A-label form, it is shown both ways too.
        let domain = parse_domain("xn--bcher-kva.example").unwrap();
        assert_eq!(domain.unicode.as_deref(), Some("bücher.example"));
    }

    type Expectation = fn(&DomainError) -> bool;

    #[test]
    fn rejects_bad_names() {
        let long_label = format!("{}.com", "a".repeat(64));
        let long_name = format!("{}com", "abcdefghi.".repeat(26));
        let cases: &[(&str, Expectation)] = &[
            ("", |e| matches!(e, DomainError::Empty)),
            (".", |e| matches!(e, DomainError::Empty)),
            ("192.0.2.1", |e| matches!(e, DomainError::IpAddress(_))),
            ("2001:db8::1", |e| matches!(e, DomainError::IpAddress(_))),
            ("[::1]", |e| matches!(e, DomainError::IpAddress(_))),
            ("example..com", |e| matches!(e, DomainError::EmptyLabel(_))),
            (".example.com", |e| matches!(e, DomainError::EmptyLabel(_))),
            (&long_label, |e| {
                matches!(e, DomainError::LabelTooLong { len: 64, .. })
            }),
            (&long_name, |e| {
                matches!(e, DomainError::NameTooLong { len: 253.., .. })
            }),
            ("exa mple.com", |e| {
                matches!(e, DomainError::InvalidCharacter { character: ' ', .. })
            }),
            ("under_score.com", |e| {
                matches!(e, DomainError::InvalidCharacter { character: '_', .. })
            }),
            ("ex\u{1b}[31m.com", |e| {
                matches!(
                    e,
                    DomainError::InvalidCharacter { .. } | DomainError::InvalidIdna(_)
                )
            }),
            ("-bad.com", |e| {
                matches!(e, DomainError::HyphenAtEdge { .. })
            }),
            ("1.2.3", |e| matches!(e, DomainError::NumericTopLevel(_))),
            ("xn--zz.example", |e| {
                matches!(e, DomainError::InvalidIdna(_))
            }),
        ];
        for (input, expected) in cases {
            let error = parse_domain(input).expect_err(input);
            assert!(expected(&error), "{input:?} gave {error:?}");
        }
    }

    #[test]
    fn length_limits_are_inclusive() {
        let label = "a".repeat(63);
        assert!(parse_domain(&format!("{label}.com")).is_ok());
        // 4 labels of 63 plus 3 dots = 255; trim to exactly 253.
        let name = format!("{}.{}.{}.{}", label, label, label, "a".repeat(61));
        assert_eq!(name.len(), 253);
        assert!(parse_domain(&name).is_ok());
    }
}
