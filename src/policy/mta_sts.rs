//! MTA-STS TXT records (RFC 8461 §3.1), published at `_mta-sts.<domain>`:
//!
//! ```text
//! sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
//! sts-version     = %s"v=STSv1"
//! sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
//! sts-field-delim = *WSP ";" *WSP
//! ```
//!
//! Senders ignore a record that does not parse (§3.1: "senders MUST assume the recipient
//! domain does not have an available MTA-STS Policy"), so every problem here is an error.
//! Fetching the HTTPS policy itself is not done here.

use serde::Serialize;

use super::{ParsedTag, looks_like, strict_tags, version_value};
use crate::diagnostic::Problem;

/// A parsed MTA-STS record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct MtaStsRecord {
    /// The record text.
    pub text: String,
    /// Every tag, in order, valid or not.
    pub tags: Vec<ParsedTag>,
    /// The policy id, when valid.
    pub id: Option<String>,
    /// Every problem.
    pub issues: Vec<Problem>,
}

impl MtaStsRecord {
    /// Whether senders can use the record (no problem at all).
    pub fn is_valid(&self) -> bool {
        self.issues.is_empty()
    }
}

/// Whether a TXT record is an MTA-STS record as senders pick them (RFC 8461 §3.1: records
/// that do not begin with `v=STSv1;` are discarded). The version's case is not held against
/// it here; the parser reports it.
pub fn is_mta_sts_record(text: &str) -> bool {
    version_value(text).is_some_and(|value| value.eq_ignore_ascii_case("STSv1"))
}

/// Whether a TXT record tries to be an MTA-STS record but senders skip it.
pub fn is_lookalike(text: &str) -> bool {
    !is_mta_sts_record(text) && version_value(text).is_some_and(|value| looks_like(value, "sts"))
}

/// Parses an MTA-STS record. Never panics.
pub fn parse(text: &str) -> MtaStsRecord {
    let mut issues = Vec::new();
    let (mut tags, _) = strict_tags(text, "STSv1", "MTA-STS", &[], &mut issues);
    let mut id = None;
    // v is checked by strict_tags; extensions are allowed by the grammar and ignored by
    // senders, so only id needs a look.
    for tag in tags.iter_mut().filter(|tag| tag.name == "id") {
        tag.known = true;
        let ok = (1..=32).contains(&tag.value.len())
            && tag.value.chars().all(|c| c.is_ascii_alphanumeric());
        if !ok && !tag.value.is_empty() {
            issues.push(Problem::error(
                tag.value_span,
                format!(
                    "id={} must be 1 to 32 letters and digits (RFC 8461 §3.1)",
                    tag.value
                ),
            ));
            tag.valid = false;
        }
        if tag.valid && id.is_none() {
            id = Some(tag.value.clone());
        }
    }
    if tags.first().is_some_and(|tag| tag.name == "v") && !tags.iter().any(|tag| tag.name == "id") {
        issues.push(Problem::error(
            super::Span::new(0, text.len()),
            "the record has no id; it is required (RFC 8461 §3.1): add id=<a new value each \
             time the policy changes>, e.g. id=20260101T000000",
        ));
    }
    issues.sort_by_key(|issue| (issue.span.start, issue.span.end));
    MtaStsRecord {
        text: text.to_owned(),
        tags,
        id,
        issues,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_records() {
        for text in [
            "v=STSv1; id=20160831085700Z",
            "v=STSv1;id=abc;",
            "v=STSv1; id=1; ext-1.x=value",
        ] {
            let record = parse(text);
            assert!(record.is_valid(), "{text}: {:?}", record.issues);
        }
        assert_eq!(parse("v=STSv1; id=abc").id.as_deref(), Some("abc"));
    }

    #[test]
    fn invalid_records() {
        for text in [
            "",
            "v=STSv1",
            "v=stsv1; id=1",
            "v = STSv1; id=1",
            "v=STSv1; id=",
            "v=STSv1; id=has-dash",
            "v=STSv1; id=123456789012345678901234567890123",
            "v=STSv1; id=1; id=2",
            "id=1; v=STSv1",
            "v=STSv1; id=1; x=a=b",
        ] {
            let record = parse(text);
            assert!(!record.is_valid(), "{text}");
            for issue in &record.issues {
                assert!(issue.span.end <= text.len());
            }
        }
        assert!(is_mta_sts_record("v=STSv1; id=1"));
        assert!(is_lookalike("v=STSv2; id=1"));
    }
}
