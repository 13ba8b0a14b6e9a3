//! Report and asset URIs in policy records: DMARC `rua`/`ruf` (RFC 7489 §6.2, §6.4),
//! TLS-RPT `rua` (RFC 8460 §3) and BIMI `l`/`a`.
//!
//! Only what the records need is checked: a scheme, no white space or characters a URI cannot
//! hold (RFC 3986 §2), a usable address in `mailto:` (RFC 6068 §2), a host name in `https:`,
//! and DMARC's `!size` suffix.

use serde::Serialize;

use super::is_wsp;
use crate::diagnostic::{Problem, Span};
use crate::domain::Name;

/// One URI of a list, as written and as understood.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ReportUri {
    /// The URI as written, `!size` included.
    pub text: String,
    /// Where it is in the record.
    pub span: Span,
    /// The scheme, lower case (`mailto`, `https`); empty when there is none.
    pub scheme: String,
    /// For `mailto:`, the address (percent-decoded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The host reports go to: the address's domain for `mailto:`, the authority's host for
    /// `https:` (RFC 7489 §7.1 calls it the destination host).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<Name>,
    /// DMARC's maximum report size in bytes (`!10m`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u64>,
    /// Whether the URI can be used (no error-level problem).
    pub valid: bool,
}

/// What a list of URIs may hold.
#[derive(Clone, Copy, Debug)]
pub struct UriRules {
    /// The schemes reports can go to.
    pub schemes: &'static [&'static str],
    /// Whether a `!size` suffix is allowed (DMARC only).
    pub size_suffix: bool,
    /// What the list is called in messages (`rua`).
    pub tag: &'static str,
    /// Why other schemes are wrong, for the message.
    pub scheme_note: &'static str,
}

/// Parses a comma-separated URI list: `value` is a subslice of the record `text`. Every URI
/// is returned (valid or not); problems go to `issues`.
pub fn parse_list(
    text: &str,
    value: &str,
    value_span: Span,
    rules: UriRules,
    issues: &mut Vec<Problem>,
) -> Vec<ReportUri> {
    if value.is_empty() {
        issues.push(Problem::error(
            value_span,
            format!("{}= is empty: it needs at least one URI", rules.tag),
        ));
        return Vec::new();
    }
    let mut uris = Vec::new();
    for item in value.split(',') {
        let trimmed = item.trim_matches(is_wsp);
        if trimmed.is_empty() {
            let at = Span::of(text, item);
            issues.push(Problem::error(
                at,
                format!(
                    "{}= has an empty entry (a stray comma); remove it",
                    rules.tag
                ),
            ));
            continue;
        }
        uris.push(parse_one(text, trimmed, rules, issues));
    }
    uris
}

/// Parses one URI that is a subslice of `text`.
pub fn parse_one(text: &str, uri: &str, rules: UriRules, issues: &mut Vec<Problem>) -> ReportUri {
    let span = Span::of(text, uri);
    let before = issues.len();
    let (body, size) = match (rules.size_suffix, uri.split_once('!')) {
        (true, Some((body, size))) => (body, Some(size)),
        _ => (uri, None),
    };
    let max_size = size.and_then(|size| parse_size(text, uri, size, issues));
    let mut parsed = ReportUri {
        text: uri.to_owned(),
        span,
        scheme: String::new(),
        address: None,
        host: None,
        max_size,
        valid: false,
    };
    if let Some(c) = body.chars().find(|c| is_wsp(*c)) {
        issues.push(Problem::error(
            span,
            format!(
                "the URI \"{uri}\" holds white space ({c:?}); a URI cannot, so receivers \
                 reject it (percent-encode it as %20, or remove it)"
            ),
        ));
    } else if let Some(c) = body.chars().find(|c| !is_uri_char(*c)) {
        issues.push(Problem::error(
            span,
            format!(
                "the URI \"{uri}\" holds {c:?}, which a URI cannot hold unencoded (RFC 3986 §2)"
            ),
        ));
    }
    match scheme(body) {
        None => issues.push(Problem::error(
            span,
            format!(
                "\"{uri}\" is not a URI: it has no scheme (write mailto:{}{})",
                if body.contains('@') { "" } else { "reports@" },
                body
            ),
        )),
        Some((scheme, rest)) => {
            parsed.scheme = scheme.to_ascii_lowercase();
            if !rules.schemes.contains(&parsed.scheme.as_str()) {
                issues.push(Problem::error(
                    span,
                    format!("\"{uri}\" uses the scheme {scheme}:, {}", rules.scheme_note),
                ));
            } else if parsed.scheme == "mailto" {
                mailto(uri, rest, span, &mut parsed, issues);
            } else if parsed.scheme == "https" {
                https(uri, rest, span, &mut parsed, issues);
            }
        }
    }
    parsed.valid = !issues[before..]
        .iter()
        .any(|issue| issue.severity == crate::finding::Severity::Error);
    parsed
}

/// The scheme and the rest: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"` (RFC 3986 §3.1).
fn scheme(uri: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = uri.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some((scheme, rest))
}

/// Characters a URI may hold: unreserved, reserved and `%` (RFC 3986 §2).
fn is_uri_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '-' | '.'
                | '_'
                | '~'
                | ':'
                | '/'
                | '?'
                | '#'
                | '['
                | ']'
                | '@'
                | '!'
                | '$'
                | '&'
                | '\''
                | '('
                | ')'
                | '*'
                | '+'
                | ','
                | ';'
                | '='
                | '%'
        )
}

/// `mailto:local@domain[?headers]` (RFC 6068 §2): the address and its domain.
fn mailto(uri: &str, rest: &str, span: Span, parsed: &mut ReportUri, issues: &mut Vec<Problem>) {
    let address_part = rest.split('?').next().unwrap_or("");
    let address = percent_decode(address_part);
    let Some((local, domain)) = address.rsplit_once('@') else {
        issues.push(Problem::error(
            span,
            format!("\"{uri}\" has no email address after mailto: (expected mailto:name@domain)"),
        ));
        return;
    };
    if local.is_empty() {
        issues.push(Problem::error(
            span,
            format!("\"{uri}\" has nothing before the @ of its address"),
        ));
    }
    match host_name(domain) {
        Ok(host) => parsed.host = Some(host),
        Err(why) => issues.push(Problem::error(
            span,
            format!("the address in \"{uri}\" has an invalid domain: {why}"),
        )),
    }
    parsed.address = Some(address);
}

/// `https://host[:port][/path]`: the host must be a domain name.
fn https(uri: &str, rest: &str, span: Span, parsed: &mut ReportUri, issues: &mut Vec<Problem>) {
    let Some(authority_and_path) = rest.strip_prefix("//") else {
        issues.push(Problem::error(
            span,
            format!("\"{uri}\" has no host (expected https://host/path)"),
        ));
        return;
    };
    let authority = authority_and_path
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = match host.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => host,
    };
    match host_name(host) {
        Ok(host) => parsed.host = Some(host),
        Err(why) => issues.push(Problem::error(
            span,
            format!("the host of \"{uri}\" is invalid: {why}"),
        )),
    }
}

/// Checks a domain name from a URI: LDH labels (RFC 1123 §2.1; `_` tolerated), at least two
/// labels, at most 253 octets. One trailing dot is allowed.
pub fn host_name(text: &str) -> Result<Name, String> {
    let name = text.strip_suffix('.').unwrap_or(text);
    if name.is_empty() {
        return Err("it is empty".to_owned());
    }
    if !name.is_ascii() {
        return Err(format!(
            "\"{name}\" is not ASCII; write it in its A-label (xn--) form"
        ));
    }
    if name.len() > 253 {
        return Err(format!("\"{name}\" is longer than 253 characters"));
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(format!("\"{name}\" has an empty or over-long label"));
        }
        if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            || label.starts_with('-')
            || label.ends_with('-')
        {
            return Err(format!("\"{name}\" is not a valid host name"));
        }
    }
    if !name.contains('.') {
        return Err(format!("\"{name}\" is not a fully qualified domain name"));
    }
    Ok(Name::new(name))
}

/// Decodes `%XX` escapes; invalid escapes are kept as they are.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        if let (b'%', Some(decoded)) = (byte, hex) {
            out.push(decoded);
            i += 3;
        } else {
            out.push(byte);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// DMARC's `!size`: `1*DIGIT [ "k" / "m" / "g" / "t" ]` (RFC 7489 §6.4), in bytes.
fn parse_size(text: &str, uri: &str, size: &str, issues: &mut Vec<Problem>) -> Option<u64> {
    let span = Span::of(text, uri);
    let (digits, unit) = match size.char_indices().last() {
        Some((at, c)) if c.is_ascii_alphabetic() => (&size[..at], Some(c.to_ascii_lowercase())),
        _ => (size, None),
    };
    let multiplier: u64 = match unit {
        None => 1,
        Some('k') => 1 << 10,
        Some('m') => 1 << 20,
        Some('g') => 1 << 30,
        Some('t') => 1 << 40,
        Some(other) => {
            issues.push(Problem::error(
                span,
                format!(
                    "the size limit of \"{uri}\" ends in '{other}'; the units are k, m, g and t \
                     (RFC 7489 §6.4)"
                ),
            ));
            return None;
        }
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        issues.push(Problem::error(
            span,
            format!(
                "the size limit after '!' in \"{uri}\" must be a number with an optional unit \
                 (k, m, g, t), e.g. !10m"
            ),
        ));
        return None;
    }
    let size = digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier));
    if size.is_none() {
        issues.push(Problem::error(
            span,
            format!("the size limit of \"{uri}\" is too large to mean anything"),
        ));
    }
    size
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    const DMARC: UriRules = UriRules {
        schemes: &["mailto"],
        size_suffix: true,
        tag: "rua",
        scheme_note: "but receivers send DMARC reports only by email (mailto:)",
    };

    fn list(value: &str) -> (Vec<ReportUri>, Vec<Problem>) {
        let mut issues = Vec::new();
        let uris = parse_list(value, value, Span::new(0, value.len()), DMARC, &mut issues);
        (uris, issues)
    }

    #[test]
    fn mailto_with_size() {
        let (uris, issues) = list("mailto:a@example.com, mailto:b@Reports.Example.NET!10m");
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(uris.len(), 2);
        assert_eq!(
            uris[1].host.as_ref().unwrap().as_str(),
            "reports.example.net"
        );
        assert_eq!(uris[1].max_size, Some(10 << 20));
        assert_eq!(
            uris[1]
                .span
                .slice("mailto:a@example.com, mailto:b@Reports.Example.NET!10m"),
            "mailto:b@Reports.Example.NET!10m"
        );
    }

    #[test]
    fn invalid_uris() {
        for bad in [
            "bogus",
            "mailto:dmarc@example.com!",
            "mailto:dmarc@example.com!10p",
            "mailto:dmarc@example.com!99999999999999999999999999",
            "__mailto:a@example.com",
            "mailto://abuse.com",
            "ftp://abuse.com",
            "mailto:a@example.com!10 K",
            "mailto:@example.com",
            "mailto:a@localhost",
            "mailto:a@exa mple.com",
            "",
            "mailto:a@example.com,",
        ] {
            let (uris, issues) = list(bad);
            assert!(
                issues.iter().any(|issue| issue.severity == Severity::Error),
                "{bad}: {issues:?}"
            );
            assert!(uris.iter().any(|uri| !uri.valid) || uris.len() < 2, "{bad}");
        }
    }

    #[test]
    fn https_hosts() {
        let rules = UriRules {
            schemes: &["mailto", "https"],
            size_suffix: false,
            tag: "rua",
            scheme_note: "",
        };
        let text = "https://user@tlsrpt.example.com:8443/path?q";
        let mut issues = Vec::new();
        let uri = parse_one(text, text, rules, &mut issues);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(uri.host.unwrap().as_str(), "tlsrpt.example.com");
        let text = "https:/nohost";
        let uri = parse_one(text, text, rules, &mut issues);
        assert!(!uri.valid);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%40b%zz%4"), "a@b%zz%4");
    }
}
