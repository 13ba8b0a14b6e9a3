//! DKIM key records: the TXT record at `selector._domainkey.domain` (RFC 6376 §3.6.1, with
//! RFC 8301's algorithm update and RFC 8463's ed25519 keys).
//!
//! [`parse`] reads the tag list (on top of [`crate::tagvalue`]) into a [`KeyRecord`] and
//! reports every syntax problem with its byte span; [`key::analyze`] then decodes `p=` and
//! checks the key material. Both are pure and never panic; they keep whatever they could read,
//! so one problem does not hide the others.
//!
//! Policy choices where the RFC and the verifiers in the field disagree (documented in the
//! rules' docs, pinned by `tests/dkim_conformance.rs`):
//! - Tag names and values are case-sensitive (RFC 6376 §3.2): `v=dkim1` is a wrong version,
//!   `V=DKIM1` an unknown tag, `k=RSA` an unknown key type, `h=SHA256` an unknown algorithm.
//! - A `;` followed only by white space at the end is tolerated (the ABNF allows nothing after
//!   the last `;`, but every verifier we know accepts it).
//! - `g=` (RFC 4871) is no longer defined by RFC 6376 and is ignored like any unknown tag.
//! - `h=` that names no algorithm a verifier knows (`h=md5`) makes the key unusable: error.
//!   `s=` that names no known service type makes verifiers ignore the key for mail: warning
//!   (the selector may serve another protocol).

pub mod key;
pub mod selectors;

use crate::diagnostic::{Problem, Span};
use crate::tagvalue::{self, Tag};

/// A value with the byte span it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it is in the record's text.
    pub span: Span,
}

/// The key type, `k=` (RFC 6376 §3.6.1; `ed25519` from RFC 8463 §4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// `rsa`, the default.
    Rsa,
    /// `ed25519` (RFC 8463).
    Ed25519,
    /// Any other name; verifiers must ignore such a key (RFC 6376 §3.6.1).
    Unknown(String),
}

impl KeyType {
    /// The name as written in `k=`.
    pub fn as_str(&self) -> &str {
        match self {
            KeyType::Rsa => "rsa",
            KeyType::Ed25519 => "ed25519",
            KeyType::Unknown(name) => name,
        }
    }
}

/// A hash algorithm named in `h=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// `sha1`; RFC 8301 §3.1 forbids signing and verifying with it.
    Sha1,
    /// `sha256`.
    Sha256,
    /// Anything else; ignored by verifiers (RFC 6376 §3.6.1).
    Unknown(String),
}

/// A service type named in `s=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Service {
    /// `*`: every service (the default).
    Any,
    /// `email`.
    Email,
    /// `tlsrpt`: TLS reports (RFC 8460 §3).
    TlsRpt,
    /// Anything else; ignored by verifiers (RFC 6376 §3.6.1).
    Unknown(String),
}

impl Service {
    /// Whether a mail verifier may use a key with this service type.
    pub fn covers_email(&self) -> bool {
        matches!(self, Service::Any | Service::Email)
    }
}

/// A flag named in `t=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flag {
    /// `y`: the domain is testing DKIM; verifiers must not treat its messages differently
    /// from unsigned ones (RFC 6376 §3.6.1).
    Testing,
    /// `s`: the `i=` domain must equal `d=` exactly, no subdomains.
    Strict,
    /// Anything else; ignored.
    Unknown(String),
}

/// The `p=` tag as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKeyTag {
    /// The value as written (white space included).
    pub raw: String,
    /// Where the value is (an empty span right after `=` when the value is empty).
    pub span: Span,
}

impl PublicKeyTag {
    /// Whether the key is revoked: an empty value (RFC 6376 §3.6.1).
    pub fn is_empty(&self) -> bool {
        self.raw.trim_matches(is_fws).is_empty()
    }
}

/// One parsed DKIM key record: what it says, and what is wrong with its syntax.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyRecord {
    /// `v=`, if present.
    pub version: Option<Spanned<String>>,
    /// `k=`, if present (the key type is then [`KeyRecord::key_type`]).
    pub key_type_tag: Option<Spanned<KeyType>>,
    /// `p=`, if present (it is required).
    pub public_key: Option<PublicKeyTag>,
    /// `h=`, if present: the hash algorithms the key may be used with (default: all).
    pub hashes: Option<Vec<Spanned<HashAlgorithm>>>,
    /// Where `h=` is.
    pub hashes_span: Option<Span>,
    /// `s=`, if present: the services the key is for (default: all).
    pub services: Option<Vec<Spanned<Service>>>,
    /// Where `s=` is.
    pub services_span: Option<Span>,
    /// `t=`: the flags.
    pub flags: Vec<Spanned<Flag>>,
    /// `n=`: notes for people.
    pub notes: Option<String>,
    /// Tags this parser does not know (ignored, as RFC 6376 §3.2 says), with their spans.
    pub unknown_tags: Vec<Spanned<String>>,
    /// Syntax errors: a verifier ignores (or cannot use) the record.
    pub errors: Vec<Problem>,
    /// Syntax warnings: the record works for some purposes or some verifiers only.
    pub warnings: Vec<Problem>,
}

impl KeyRecord {
    /// The key type in effect: `k=`, or `rsa` when it is absent.
    pub fn key_type(&self) -> KeyType {
        self.key_type_tag
            .as_ref()
            .map_or(KeyType::Rsa, |tag| tag.value.clone())
    }

    /// Whether `p=` is present and empty: the key is revoked.
    pub fn is_revoked(&self) -> bool {
        self.public_key.as_ref().is_some_and(PublicKeyTag::is_empty)
    }

    /// Whether `t=y` is set.
    pub fn is_testing(&self) -> bool {
        self.flags.iter().any(|flag| flag.value == Flag::Testing)
    }

    /// Whether `t=s` is set.
    pub fn is_strict(&self) -> bool {
        self.flags.iter().any(|flag| flag.value == Flag::Strict)
    }

    /// Whether `h=` is present and the only algorithm it names that verifiers know is sha1.
    pub fn is_sha1_only(&self) -> bool {
        self.hashes.as_ref().is_some_and(|hashes| {
            let known: Vec<&HashAlgorithm> = hashes
                .iter()
                .map(|hash| &hash.value)
                .filter(|hash| !matches!(hash, HashAlgorithm::Unknown(_)))
                .collect();
            !known.is_empty() && known.iter().all(|hash| **hash == HashAlgorithm::Sha1)
        })
    }

    /// Whether `s=` is present and names neither `email` nor `*`: mail verifiers ignore the key.
    pub fn excludes_email(&self) -> bool {
        self.services
            .as_ref()
            .is_some_and(|services| !services.iter().any(|service| service.value.covers_email()))
    }
}

/// Whether a TXT record's text claims to be a DKIM key record (`v=DKIM1` or a `p=` tag), as
/// opposed to some other TXT record (`v=spf1 …`) that a wildcard happens to return.
pub fn looks_like_key_record(text: &str) -> bool {
    let record = parse(text);
    record
        .version
        .as_ref()
        .is_some_and(|version| version.value == "DKIM1")
        || record.public_key.is_some()
}

/// White space inside a tag list: WSP and folding (see [`crate::tagvalue`]).
fn is_fws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// The tags RFC 6376 §3.6.1 (and RFC 8463) define for key records.
const KNOWN_TAGS: &[&str] = &["v", "h", "k", "n", "p", "s", "t"];

/// Parses `text` (the TXT record's strings joined with nothing between them, RFC 6376
/// §3.6.2.2) as a DKIM key record.
pub fn parse(text: &str) -> KeyRecord {
    let list = tagvalue::parse(text);
    let mut record = KeyRecord {
        errors: list.problems.clone(),
        ..KeyRecord::default()
    };

    // RFC 6376 §3.2: a tag that occurs twice makes the entire tag list invalid.
    for duplicate in list.duplicates(|a, b| a == b) {
        record.errors.push(Problem::new(
            duplicate.span,
            format!(
                "the tag {}= appears more than once, which makes the whole record invalid \
                 (RFC 6376 §3.2)",
                duplicate.name
            ),
        ));
    }

    for (index, tag) in list.tags.iter().enumerate() {
        // Only the first of duplicated tags is interpreted; the repeats are errors above.
        if list.tags[..index]
            .iter()
            .any(|earlier| earlier.name == tag.name)
        {
            continue;
        }
        match tag.name {
            "v" => read_version(&mut record, tag, index),
            "k" => read_key_type(&mut record, tag),
            "p" => {
                record.public_key = Some(PublicKeyTag {
                    raw: tag.value.to_owned(),
                    span: tag.value_span,
                });
            }
            "h" => read_hashes(&mut record, text, tag),
            "s" => read_services(&mut record, text, tag),
            "t" => read_flags(&mut record, text, tag),
            "n" => record.notes = Some(tag.value.to_owned()),
            _ => {}
        }
        if !KNOWN_TAGS.contains(&tag.name) && !tag.name.is_empty() {
            record.unknown_tags.push(Spanned {
                value: tag.name.to_owned(),
                span: tag.name_span,
            });
        }
    }

    if record.public_key.is_none() {
        record.errors.push(Problem::new(
            Span::new(text.len(), text.len()),
            "the record has no p= tag, which is required (RFC 6376 §3.6.1); \
             publish the key as p=<base64>, or p= (empty) to revoke it",
        ));
    }
    record.errors.sort_by_key(|problem| problem.span);
    record.warnings.sort_by_key(|problem| problem.span);
    record
}

/// `v=`: optional, but when present it must be the first tag and say exactly `DKIM1`
/// (RFC 6376 §3.6.1).
fn read_version(record: &mut KeyRecord, tag: &Tag<'_>, index: usize) {
    if index != 0 {
        record.errors.push(Problem::new(
            tag.span,
            "v= must be the first tag of the record when it is present (RFC 6376 §3.6.1)",
        ));
    }
    if tag.value != "DKIM1" {
        let hint = if tag.value.eq_ignore_ascii_case("DKIM1") {
            " (values are case-sensitive, RFC 6376 §3.2)"
        } else {
            ""
        };
        record.errors.push(Problem::new(
            if tag.value.is_empty() {
                tag.span
            } else {
                tag.value_span
            },
            format!(
                "v={} is not DKIM1{hint}; verifiers discard a record with any other version \
                 (RFC 6376 §3.6.1)",
                tag.value
            ),
        ));
    }
    record.version = Some(Spanned {
        value: tag.value.to_owned(),
        span: tag.value_span,
    });
}

/// `k=`: one key type name; unknown ones are judged by the rules, not here.
fn read_key_type(record: &mut KeyRecord, tag: &Tag<'_>) {
    let value = match tag.value {
        "rsa" => KeyType::Rsa,
        "ed25519" => KeyType::Ed25519,
        other => {
            if other.is_empty() {
                record.errors.push(Problem::new(
                    tag.span,
                    "k= is empty; name the key type (rsa or ed25519) or leave the tag out \
                     for rsa",
                ));
            } else if !is_hyphenated_word(other) {
                record.errors.push(Problem::new(
                    tag.value_span,
                    format!("k={other} is not a key type name (RFC 6376 §3.6.1)"),
                ));
            }
            KeyType::Unknown(other.to_owned())
        }
    };
    record.key_type_tag = Some(Spanned {
        value,
        span: tag.value_span,
    });
}

/// `h=`: a colon-separated list of hash algorithms, white space allowed around the colons.
fn read_hashes(record: &mut KeyRecord, text: &str, tag: &Tag<'_>) {
    let items = colon_list(record, text, tag);
    let hashes: Vec<Spanned<HashAlgorithm>> = items
        .into_iter()
        .map(|(item, span)| Spanned {
            value: match item {
                "sha1" => HashAlgorithm::Sha1,
                "sha256" => HashAlgorithm::Sha256,
                other => HashAlgorithm::Unknown(other.to_owned()),
            },
            span,
        })
        .collect();
    let known = hashes
        .iter()
        .any(|hash| !matches!(hash.value, HashAlgorithm::Unknown(_)));
    if !hashes.is_empty() && !known {
        let names: Vec<String> = hashes
            .iter()
            .map(|hash| match &hash.value {
                HashAlgorithm::Unknown(name) => case_hint(name, &["sha1", "sha256"]),
                _ => String::new(),
            })
            .collect();
        record.errors.push(Problem::new(
            tag.span,
            format!(
                "h= names no hash algorithm verifiers know ({}); they ignore unknown names \
                 (RFC 6376 §3.6.1), so this key verifies no signature at all",
                names.join(", ")
            ),
        ));
    }
    record.hashes = Some(hashes);
    record.hashes_span = Some(tag.span);
}

/// `s=`: a colon-separated list of service types.
fn read_services(record: &mut KeyRecord, text: &str, tag: &Tag<'_>) {
    let items = colon_list(record, text, tag);
    let services: Vec<Spanned<Service>> = items
        .into_iter()
        .map(|(item, span)| Spanned {
            value: match item {
                "*" => Service::Any,
                "email" => Service::Email,
                "tlsrpt" => Service::TlsRpt,
                other => Service::Unknown(other.to_owned()),
            },
            span,
        })
        .collect();
    let any_known = services
        .iter()
        .any(|service| !matches!(service.value, Service::Unknown(_)));
    if !services.is_empty() && !any_known {
        let names: Vec<String> = services
            .iter()
            .map(|service| match &service.value {
                Service::Unknown(name) => case_hint(name, &["email"]),
                _ => String::new(),
            })
            .collect();
        record.warnings.push(Problem::warning(
            tag.span,
            format!(
                "s= names no service type verifiers know ({}); they ignore unknown types \
                 (RFC 6376 §3.6.1), so no mail verifier will use this key: write s=email, or \
                 leave s= out",
                names.join(", ")
            ),
        ));
    }
    record.services = Some(services);
    record.services_span = Some(tag.span);
}

/// `t=`: a colon-separated list of flags; unknown flags are ignored (RFC 6376 §3.6.1).
fn read_flags(record: &mut KeyRecord, text: &str, tag: &Tag<'_>) {
    let items = colon_list(record, text, tag);
    record.flags = items
        .into_iter()
        .map(|(item, span)| Spanned {
            value: match item {
                "y" => Flag::Testing,
                "s" => Flag::Strict,
                other => Flag::Unknown(other.to_owned()),
            },
            span,
        })
        .collect();
}

/// Splits a colon-separated tag value (`a : b:c`), reporting an empty value (error), and empty
/// items and items that are not hyphenated words (warnings; `*` is allowed, for `s=`).
/// Returns the well-formed items with their spans.
fn colon_list<'t>(record: &mut KeyRecord, text: &'t str, tag: &Tag<'_>) -> Vec<(&'t str, Span)> {
    let value = tag.value_span.slice(text);
    if value.is_empty() {
        record.errors.push(Problem::new(
            tag.span,
            format!(
                "{}= is empty; it needs at least one name, or leave the tag out",
                tag.name
            ),
        ));
        return Vec::new();
    }
    let mut items = Vec::new();
    let mut offset = tag.value_span.start;
    for part in value.split(':') {
        let start = offset;
        offset += part.len() + 1;
        let item = part.trim_matches(is_fws);
        let lead = part.len() - part.trim_start_matches(is_fws).len();
        let span = Span::new(start + lead, start + lead + item.len());
        // A malformed item breaks the ABNF, but verifiers split on ':' and ignore names they
        // do not know, so it is a warning; what ignoring it leaves (no usable hash, no mail
        // service) is judged on the remaining items.
        if item.is_empty() {
            record.warnings.push(Problem::warning(
                Span::new(start, start + part.len()),
                format!(
                    "{}= has an empty item between colons; verifiers skip it",
                    tag.name
                ),
            ));
            continue;
        }
        if item != "*" && !is_hyphenated_word(item) {
            let squeezed: String = item.chars().filter(|c| !is_fws(*c)).collect();
            let hint = if squeezed != item && is_hyphenated_word(&squeezed) {
                format!(" (white space inside a name: did you mean {squeezed}?)")
            } else {
                String::new()
            };
            record.warnings.push(Problem::warning(
                span,
                format!(
                    "\"{item}\" in {}= is not a valid name (letters, digits and inner hyphens, \
                     RFC 6376 §3.6.1){hint}; verifiers ignore it",
                    tag.name
                ),
            ));
            continue;
        }
        items.push((item, span));
    }
    items
}

/// `hyphenated-word = ALPHA [ *(ALPHA / DIGIT / "-") (ALPHA / DIGIT) ]` (RFC 6376 §3.2).
fn is_hyphenated_word(word: &str) -> bool {
    let bytes = word.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphabetic()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-')
        }
        _ => false,
    }
}

/// `"SHA256" (names are case-sensitive: sha256?)` when `name` differs from a known name only
/// by case; the quoted name otherwise.
fn case_hint(name: &str, known: &[&str]) -> String {
    match known.iter().find(|known| known.eq_ignore_ascii_case(name)) {
        Some(known) => format!("\"{name}\": names are case-sensitive, write {known}"),
        None => format!("\"{name}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.message.as_str()).collect()
    }

    #[test]
    fn reads_a_full_record() {
        let text = "v=DKIM1; k=ed25519; h=sha256; s=email:tlsrpt; t=y:s; n=hi; x=1; \
                    p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
        let record = parse(text);
        assert!(record.errors.is_empty(), "{:?}", record.errors);
        assert!(record.warnings.is_empty(), "{:?}", record.warnings);
        assert_eq!(record.version.as_ref().unwrap().value, "DKIM1");
        assert_eq!(record.key_type(), KeyType::Ed25519);
        assert!(record.is_testing() && record.is_strict());
        assert!(!record.is_sha1_only() && !record.excludes_email());
        assert_eq!(record.notes.as_deref(), Some("hi"));
        assert_eq!(record.unknown_tags[0].value, "x");
        let p = record.public_key.unwrap();
        assert_eq!(p.span.slice(text), p.raw);
    }

    #[test]
    fn defaults_and_revocation() {
        let record = parse("p=");
        assert!(record.errors.is_empty());
        assert_eq!(record.key_type(), KeyType::Rsa);
        assert!(record.is_revoked());
        assert!(!parse("p=AAAA").is_revoked());
    }

    #[test]
    fn version_must_be_first_and_exact() {
        let text = "p=; v=DKIM1";
        let record = parse(text);
        assert_eq!(record.errors.len(), 1);
        assert_eq!(record.errors[0].span.slice(text), "v=DKIM1");
        let record = parse("v=dkim1; p=");
        assert!(messages(&record.errors)[0].contains("case-sensitive"));
        assert_eq!(parse("v=DKIM1: g=*; p=").errors.len(), 1);
        assert_eq!(parse("v=; p=").errors.len(), 1);
    }

    #[test]
    fn duplicates_invalidate_the_record() {
        let text = "v=DKIM1; p=; p=AAAA";
        let record = parse(text);
        assert_eq!(record.errors.len(), 1);
        assert_eq!(record.errors[0].span.slice(text), "p=AAAA");
        // The first occurrence is the one interpreted.
        assert!(record.is_revoked());
    }

    #[test]
    fn missing_p_is_reported_at_the_end() {
        let text = "v=DKIM1";
        let record = parse(text);
        assert_eq!(record.errors.len(), 1);
        assert_eq!(record.errors[0].span, Span::new(7, 7));
        assert_eq!(parse("").errors.len(), 1);
    }

    #[test]
    fn lists_allow_white_space_around_colons() {
        let text = "h\t=\tsha1 \t:\t SHA256:unknown\t; s = email : tlsrpt; t = y\t: t; p=";
        let record = parse(text);
        assert!(record.errors.is_empty(), "{:?}", record.errors);
        let hashes = record.hashes.as_ref().unwrap();
        assert_eq!(hashes.len(), 3);
        assert_eq!(hashes[1].span.slice(text), "SHA256");
        // SHA256 is not sha256 (case-sensitive), so only sha1 is usable.
        assert!(record.is_sha1_only());
        assert!(record.is_testing());
        assert_eq!(record.flags[1].value, Flag::Unknown("t".to_owned()));
    }

    #[test]
    fn unusable_h_and_s() {
        let record = parse("h=md5; p=");
        assert_eq!(record.errors.len(), 1);
        assert!(record.errors[0].message.contains("\"md5\""));
        let record = parse("h=SHA256; p=");
        assert!(record.errors[0].message.contains("write sha256"));
        let record = parse("s=chat; p=");
        assert!(record.errors.is_empty());
        assert_eq!(record.warnings.len(), 1);
        assert!(record.excludes_email());
        let record = parse("s=tlsrpt; p=");
        assert!(record.warnings.is_empty());
        assert!(record.excludes_email());
        assert!(!parse("s=*; p=").excludes_email());
    }

    #[test]
    fn bad_list_items() {
        let text = "h=sha1::sha 256; t=-y; s=; p=";
        let record = parse(text);
        let errors: Vec<&str> = record.errors.iter().map(|p| p.span.slice(text)).collect();
        assert_eq!(errors, ["s="], "{:?}", record.errors);
        let warnings: Vec<&str> = record.warnings.iter().map(|p| p.span.slice(text)).collect();
        assert_eq!(warnings, ["", "sha 256", "-y"], "{:?}", record.warnings);
        assert!(record.warnings[1].message.contains("did you mean sha256?"));
        // What is left of h= is sha1 alone.
        assert!(record.is_sha1_only());
    }

    #[test]
    fn what_looks_like_a_key_record() {
        assert!(looks_like_key_record("v=DKIM1; p=AAAA"));
        assert!(looks_like_key_record("k=rsa; p="));
        assert!(looks_like_key_record("v=DKIM1"));
        assert!(!looks_like_key_record("v=spf1 -all"));
        assert!(!looks_like_key_record("google-site-verification=abc"));
    }

    #[test]
    fn key_types() {
        assert_eq!(
            parse("k=foobar; p=").key_type(),
            KeyType::Unknown("foobar".to_owned())
        );
        assert!(parse("k=foobar; p=").errors.is_empty());
        assert_eq!(parse("k=; p=").errors.len(), 1);
        assert_eq!(parse("k=a.b; p=").errors.len(), 1);
    }

    #[test]
    fn syntax_errors_keep_the_rest() {
        let text = "k=rsa; t; p=AAAA";
        let record = parse(text);
        assert_eq!(record.errors.len(), 1);
        assert_eq!(record.errors[0].span.slice(text), "t");
        assert_eq!(record.public_key.unwrap().raw, "AAAA");
    }

    #[test]
    fn never_panics_and_spans_fit() {
        for text in [
            "",
            ";",
            "=",
            "p",
            "h=:",
            "h= : ",
            "t=é:ü; p=é",
            "v=DKIM1;;;p=;;",
            "s=*:*; h=sha1:sha1; p= A A ",
            "\u{0}=\u{0}",
            "p=\u{1b}[31m",
        ] {
            let record = parse(text);
            for problem in record.errors.iter().chain(&record.warnings) {
                assert!(problem.span.end <= text.len(), "{text:?}: {problem:?}");
                assert!(text.get(problem.span.start..problem.span.end).is_some());
            }
        }
    }
}
