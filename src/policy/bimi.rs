//! BIMI assertion records (draft-brand-indicators-for-message-identification §4.2),
//! published at `default._bimi.<domain>`: `v=BIMI1; l=<https URL of an SVG>; a=<https URL of a
//! PEM certificate>`.
//!
//! The draft: `v` MUST be first and exactly `BIMI1`, otherwise the record is ignored; `l` is
//! empty (declining to publish) or a single HTTPS URI of the SVG indicator; `a` is empty or a
//! single HTTPS URI of the authority evidence (a VMC/CMC certificate in PEM); unknown tags are
//! ignored. A record without `a=` (or with an empty one) is valid: a self-asserted logo
//! (§4.3, §7.5); the rule `bimi-no-mark-certificate` says what that means at the large
//! mailbox providers, from [`BimiRecord::shows_logo_without_certificate`].

use serde::Serialize;

use super::uri::{self, UriRules};
use super::{ParsedTag, Span, looks_like, report_duplicates, version_value};
use crate::diagnostic::Problem;
use crate::domain::Name;
use crate::tagvalue;

/// A parsed BIMI record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct BimiRecord {
    /// The record text.
    pub text: String,
    /// Every tag, in order, valid or not.
    pub tags: Vec<ParsedTag>,
    /// The indicator's URL (`l`); empty when the domain declines to publish one.
    pub location: Option<String>,
    /// The authority evidence's URL (`a`), when given.
    pub authority: Option<String>,
    /// Every problem; errors make receivers ignore the record.
    pub issues: Vec<Problem>,
}

impl BimiRecord {
    /// Whether the record declines to publish an indicator (`l=` empty, RFC-draft §4.2).
    pub fn declines(&self) -> bool {
        self.location.as_deref() == Some("")
    }

    /// Whether the record asks for a logo with no mark certificate: `l=` names a logo, `a=` is
    /// missing or empty (the draft treats the two alike, §4.3: "If the a= tag is not present,
    /// it is assumed to have an empty value").
    pub fn shows_logo_without_certificate(&self) -> bool {
        self.location.as_deref().is_some_and(|l| !l.is_empty())
            && self.authority.as_deref().is_none_or(str::is_empty)
    }

    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.issues
            .iter()
            .any(|issue| issue.severity == crate::finding::Severity::Error)
    }
}

const HTTPS: UriRules = UriRules {
    schemes: &["https"],
    size_suffix: false,
    tag: "l",
    scheme_note: "but BIMI files are fetched only over HTTPS",
};

/// Whether a TXT record is a BIMI record (first tag `v=BIMI1`, case aside).
pub fn is_bimi_record(text: &str) -> bool {
    version_value(text).is_some_and(|value| value.eq_ignore_ascii_case("BIMI1"))
}

/// Whether a TXT record tries to be a BIMI record but receivers skip it.
pub fn is_lookalike(text: &str) -> bool {
    !is_bimi_record(text) && version_value(text).is_some_and(|value| looks_like(value, "bimi"))
}

/// Parses a BIMI record. Never panics.
pub fn parse(text: &str) -> BimiRecord {
    let list = tagvalue::parse(text);
    let mut issues: Vec<Problem> = list
        .problems
        .iter()
        .map(|problem| Problem::error(problem.span, problem.message.clone()))
        .collect();
    let mut tags: Vec<ParsedTag> = list
        .tags
        .iter()
        .map(|tag| ParsedTag::from_tag(tag, matches!(tag.name, "v" | "l" | "a")))
        .collect();
    report_duplicates(&mut tags, &mut issues, |a, b| a == b);
    match tags.first_mut() {
        Some(first) if first.name == "v" && first.value == "BIMI1" => {}
        Some(first) => {
            first.valid = false;
            issues.push(Problem::error(
                first.span,
                format!(
                    "a BIMI record must start with exactly v=BIMI1, or receivers ignore it (it \
                     starts with \"{}\")",
                    first.span.slice(text)
                ),
            ));
        }
        None => issues.push(Problem::error(
            Span::new(0, text.len()),
            "the record is empty; a BIMI record starts with v=BIMI1",
        )),
    }
    let mut location = None;
    let mut authority = None;
    for (index, tag) in tags.iter_mut().enumerate() {
        if !tag.valid {
            continue;
        }
        match tag.name.as_str() {
            "v" if index > 0 => {
                tag.valid = false;
                issues.push(Problem::error(tag.span, "v= may only be the first tag"));
            }
            "l" | "a" => {
                let value = tag.value_span.slice(text);
                let before = issues.len();
                if !value.is_empty() {
                    check_url(text, value, &tag.name, &mut issues);
                }
                tag.valid = !issues[before..]
                    .iter()
                    .any(|issue| issue.severity == crate::finding::Severity::Error);
                let slot = if tag.name == "l" {
                    &mut location
                } else {
                    &mut authority
                };
                *slot = Some(value.to_owned());
            }
            "v" => {}
            _ => issues.push(Problem::warning(
                tag.span,
                format!(
                    "unknown tag \"{}\": receivers ignore it; fix its spelling or remove it",
                    tag.name
                ),
            )),
        }
    }
    if location.is_none() && tags.first().is_some_and(|tag| tag.valid) {
        issues.push(Problem::error(
            Span::new(0, text.len()),
            "the record has no l= (the logo's https URL); it is required (write l= with no \
             value to decline publishing a logo)",
        ));
    }
    issues.sort_by_key(|issue| (issue.span.start, issue.span.end));
    BimiRecord {
        text: text.to_owned(),
        tags,
        location,
        authority,
        issues,
    }
}

/// `l` and `a`: one HTTPS URL with a fully qualified host; the file should be an SVG (`l`)
/// or a PEM certificate (`a`).
fn check_url(text: &str, value: &str, tag: &str, issues: &mut Vec<Problem>) {
    let span = Span::of(text, value);
    if value.contains(',') {
        issues.push(Problem::error(
            span,
            format!("{tag}= must hold a single URL, not a list"),
        ));
        return;
    }
    let rules = UriRules {
        tag: if tag == "l" { "l" } else { "a" },
        ..HTTPS
    };
    let parsed = uri::parse_one(text, value, rules, issues);
    if !parsed.valid {
        return;
    }
    let path = value
        .split(['?', '#'])
        .next()
        .unwrap_or(value)
        .to_ascii_lowercase();
    let (extension, what) = if tag == "l" {
        (".svg", "an SVG Tiny PS file")
    } else {
        (".pem", "a PEM certificate")
    };
    if !path.ends_with(extension) {
        issues.push(Problem::warning(
            span,
            format!("{tag}={value} does not end in {extension}; it must point to {what}"),
        ));
    }
    if parsed.host.as_ref().is_some_and(Name::is_root) {
        issues.push(Problem::error(span, format!("{tag}= has no host")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_records() {
        let record =
            parse("v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem");
        assert!(record.issues.is_empty(), "{:?}", record.issues);
        let record = parse("v=BIMI1; l=; a=;");
        assert!(record.issues.is_empty(), "{:?}", record.issues);
        assert!(record.declines());
    }

    #[test]
    fn problems() {
        for text in [
            "",
            "v=bimi1; l=https://example.com/logo.svg",
            "v=BIMI1; l=http://example.com/logo.svg",
            "v=BIMI1; a=https://example.com/vmc.pem",
            "v=BIMI1; l=https://a.example/1.svg,https://b.example/2.svg",
            "l=https://example.com/logo.svg; v=BIMI1",
            "v=BIMI1; l=https://example.com/logo.svg; l=https://example.com/logo.svg",
        ] {
            assert!(parse(text).has_errors(), "{text}");
        }
        let warned = parse("v=BIMI1; l=https://example.com/logo.png");
        assert!(!warned.has_errors());
        assert_eq!(warned.issues.len(), 1, "{:?}", warned.issues);
        assert!(warned.shows_logo_without_certificate());
    }

    /// No `a=` and an empty `a=` are the same (§4.3); a declination shows no logo.
    #[test]
    fn self_asserted_logos_are_valid() {
        for text in [
            "v=BIMI1; l=https://example.com/logo.svg",
            "v=BIMI1; l=https://example.com/logo.svg; a=",
        ] {
            let record = parse(text);
            assert!(record.issues.is_empty(), "{text}: {:?}", record.issues);
            assert!(record.shows_logo_without_certificate(), "{text}");
        }
        assert!(!parse("v=BIMI1; l=; a=;").shows_logo_without_certificate());
        assert!(
            !parse("v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem")
                .shows_logo_without_certificate()
        );
    }
}
