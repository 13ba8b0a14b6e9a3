//! SMTP TLS Reporting records (RFC 8460 §3), published at `_smtp._tls.<domain>`:
//!
//! ```text
//! tlsrpt-record  = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
//! tlsrpt-version = %s"v=TLSRPTv1"
//! tlsrpt-rua     = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)   ; mailto: or https:
//! ```
//!
//! Senders ignore a record they cannot parse, so every problem here is an error.

use serde::Serialize;

use super::uri::{self, ReportUri, UriRules};
use super::{ParsedTag, Span, looks_like, strict_tags, version_value};
use crate::diagnostic::Problem;

/// A parsed TLS-RPT record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct TlsRptRecord {
    /// The record text.
    pub text: String,
    /// Every tag, in order, valid or not.
    pub tags: Vec<ParsedTag>,
    /// The report URIs, valid or not.
    pub rua: Vec<ReportUri>,
    /// Every problem.
    pub issues: Vec<Problem>,
}

impl TlsRptRecord {
    /// Whether senders can use the record.
    pub fn is_valid(&self) -> bool {
        self.issues.is_empty()
    }
}

const RUA_RULES: UriRules = UriRules {
    schemes: &["mailto", "https"],
    size_suffix: false,
    tag: "rua",
    scheme_note: "but TLS reports go only to mailto: or https: (RFC 8460 §3)",
};

/// Whether a TXT record is a TLS-RPT record as senders pick them (RFC 8460 §3: records that
/// do not begin with `v=TLSRPTv1;` are discarded); the version's case is reported by the
/// parser.
pub fn is_tls_rpt_record(text: &str) -> bool {
    version_value(text).is_some_and(|value| value.eq_ignore_ascii_case("TLSRPTv1"))
}

/// Whether a TXT record tries to be a TLS-RPT record but senders skip it.
pub fn is_lookalike(text: &str) -> bool {
    !is_tls_rpt_record(text) && version_value(text).is_some_and(|value| looks_like(value, "tlsrpt"))
}

/// Parses a TLS-RPT record. Never panics.
pub fn parse(text: &str) -> TlsRptRecord {
    let mut issues = Vec::new();
    let (mut tags, _) = strict_tags(text, "TLSRPTv1", "TLS-RPT", &["rua"], &mut issues);
    let mut rua = Vec::new();
    let mut seen_rua = false;
    for tag in &mut tags {
        if tag.name == "rua" {
            tag.known = true;
            seen_rua = true;
            if tag.value.is_empty() || !tag.valid {
                continue;
            }
            let before = issues.len();
            let value = tag.value_span.slice(text);
            let uris = uri::parse_list(text, value, tag.value_span, RUA_RULES, &mut issues);
            tag.valid = issues.len() == before;
            if rua.is_empty() {
                rua = uris;
            }
        }
    }
    if tags.first().is_some_and(|tag| tag.name == "v") && !seen_rua {
        issues.push(Problem::error(
            Span::new(0, text.len()),
            "the record has no rua; it is required (RFC 8460 §3): add \
             rua=mailto:tls-reports@<your domain>",
        ));
    }
    issues.sort_by_key(|issue| (issue.span.start, issue.span.end));
    TlsRptRecord {
        text: text.to_owned(),
        tags,
        rua,
        issues,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_records() {
        for text in [
            "v=TLSRPTv1; rua=mailto:reports@example.com",
            "v=TLSRPTv1;rua=https://reporting.example.com/v1/tlsrpt",
            "v=TLSRPTv1; rua=mailto:a@example.com , https://r.example.net/x; ext=1;",
        ] {
            let record = parse(text);
            assert!(record.is_valid(), "{text}: {:?}", record.issues);
        }
        assert_eq!(
            parse("v=TLSRPTv1; rua=mailto:a@example.com,mailto:b@example.com")
                .rua
                .len(),
            2
        );
    }

    #[test]
    fn invalid_records() {
        for text in [
            "",
            "v=TLSRPTv1",
            "v=tlsrptv1; rua=mailto:a@example.com",
            "v=TLSRPTv1; rua=",
            "v=TLSRPTv1; rua=ftp://example.com",
            "v=TLSRPTv1; rua=mailto:nobody",
            "rua=mailto:a@example.com; v=TLSRPTv1",
            "v=TLSRPTv1; rua = mailto:a@example.com",
        ] {
            let record = parse(text);
            assert!(!record.is_valid(), "{text}");
        }
    }
}
