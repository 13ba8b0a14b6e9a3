//! The policy records published next to a mail domain: DMARC (RFC 7489), MTA-STS (RFC 8461
//! §3.1), TLS-RPT (RFC 8460 §3) and BIMI (draft-brand-indicators-for-message-identification).
//!
//! All four are tag=value lists ([`crate::tagvalue`]). Each parser is pure, never panics, keeps
//! every tag it could read (even when the record has errors, so the report still shows what
//! the record says) and reports every problem with its byte span and how serious it is.

pub mod bimi;
pub mod dmarc;
pub mod mta_sts;
pub mod org;
pub mod tls_rpt;
pub mod uri;

use serde::Serialize;

use crate::diagnostic::{Problem, Span};
use crate::tagvalue::Tag;

/// One tag of a record as written, kept whatever its validity so that reports show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ParsedTag {
    /// The name as written (`P`, `rua`).
    pub name: String,
    /// The value, surrounding white space removed.
    pub value: String,
    /// Where the whole `name=value` is.
    pub span: Span,
    /// Where the value is.
    #[serde(skip)]
    pub value_span: Span,
    /// Whether the record type defines this tag.
    pub known: bool,
    /// Whether the tag's value is valid (false for a duplicate, too).
    pub valid: bool,
}

impl ParsedTag {
    fn from_tag(tag: &Tag<'_>, known: bool) -> Self {
        ParsedTag {
            name: tag.name.to_owned(),
            value: tag.value.to_owned(),
            span: tag.span,
            value_span: tag.value_span,
            known,
            valid: true,
        }
    }
}

/// The first tag of `text` if it is a `v=` tag: its value (up to `;`, trimmed). Used to pick a
/// record type's records out of every TXT record at a name, as RFC 7489 §6.6.3 step 2, RFC
/// 8461 §3.1 and RFC 8460 §3 ask ("records that do not start with v=… are discarded"). The tag
/// name is compared case-insensitively; the caller decides how strict to be about the value.
pub fn version_value(text: &str) -> Option<&str> {
    let first = text.split(';').next()?;
    let (name, value) = first.split_once('=')?;
    name.trim_matches(is_wsp)
        .eq_ignore_ascii_case("v")
        .then(|| value.trim_matches(is_wsp))
}

/// White space as the tag-list grammars allow it (WSP, and folding as CR/LF).
pub(crate) fn is_wsp(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Whether `value`'s first word starts with `prefix` (ASCII case-insensitive): a record that
/// tries to be of this type even if its version is wrong (`v=DMARC12`, `v=dmarc`,
/// `v=DMARC1 p=none` with the `;` missing). Such records are reported, not silently skipped.
pub(crate) fn looks_like(value: &str, prefix: &str) -> bool {
    value
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// Duplicate tags (names compared with `same`): RFC 6376 §3.2, which DMARC, MTA-STS,
/// TLS-RPT and BIMI all build on, makes a tag-list with a repeated tag invalid as a whole.
pub(crate) fn report_duplicates(
    tags: &mut [ParsedTag],
    issues: &mut Vec<Problem>,
    same: impl Fn(&str, &str) -> bool,
) {
    for i in 0..tags.len() {
        let Some((earlier, rest)) = tags.split_at_mut_checked(i) else {
            continue;
        };
        let Some(tag) = rest.first_mut() else {
            continue;
        };
        if earlier.iter().any(|e| same(&e.name, &tag.name)) {
            tag.valid = false;
            issues.push(Problem::error(
                tag.span,
                format!(
                    "the tag \"{}\" appears more than once; a record with a repeated tag is \
                     invalid as a whole (RFC 6376 §3.2)",
                    tag.name
                ),
            ));
        }
    }
}

/// Tag lists of the strict grammars of MTA-STS (RFC 8461 §3.1) and TLS-RPT (RFC 8460 §3):
/// `name=value` with no white space around `=`, names of `(ALPHA / DIGIT) *31(ALPHA / DIGIT /
/// "_" / "-" / ".")`, values of visible characters other than `;` and `=`, and a first tag
/// `v=<version>` spelled exactly. `lenient_values` names tags whose values follow their own
/// grammar (TLS-RPT's `rua` allows white space around commas); `record` names the record type
/// in messages.
pub(crate) fn strict_tags(
    text: &str,
    version: &str,
    record: &str,
    lenient_values: &[&str],
    issues: &mut Vec<Problem>,
) -> (Vec<ParsedTag>, bool) {
    let list = crate::tagvalue::parse(text);
    let name_spans: Vec<Span> = list.tags.iter().map(|tag| tag.name_span).collect();
    for problem in &list.problems {
        // Names are checked below against this grammar, which differs from DKIM's.
        if !name_spans.contains(&problem.span) {
            issues.push(Problem::error(problem.span, problem.message.clone()));
        }
    }
    let mut tags: Vec<ParsedTag> = list
        .tags
        .iter()
        .map(|tag| ParsedTag::from_tag(tag, false))
        .collect();
    for (tag, raw) in tags.iter_mut().zip(&list.tags) {
        let between = text
            .get(raw.name_span.end..raw.value_span.start)
            .unwrap_or("=");
        if between != "=" {
            issues.push(Problem::error(
                raw.span,
                format!(
                    "\"{}\" has white space around '='; the {record} grammar allows none",
                    raw.span.slice(text)
                ),
            ));
            tag.valid = false;
        }
        if !is_extension_name(raw.name) {
            issues.push(Problem::error(
                raw.name_span,
                format!(
                    "\"{}\" is not a valid tag name (letters, digits, '_', '-', '.'; up to 32)",
                    raw.name
                ),
            ));
            tag.valid = false;
        }
        if raw.value.is_empty() {
            issues.push(Problem::error(
                raw.span,
                format!("{}= has no value", raw.name),
            ));
            tag.valid = false;
        } else if !lenient_values.contains(&raw.name)
            && let Some((at, c)) = raw
                .value
                .char_indices()
                .find(|(_, c)| !('!'..='~').contains(c) || *c == '=')
        {
            let start = raw.value_span.start + at;
            issues.push(Problem::error(
                Span::new(start, start + c.len_utf8()),
                format!("the value of {} holds {c:?}, which it may not", raw.name),
            ));
            tag.valid = false;
        }
    }
    report_duplicates(&mut tags, issues, |a, b| a == b);
    let version_ok = match list.tags.first() {
        Some(first) if first.name == "v" && first.value == version => true,
        Some(first)
            if first.name.eq_ignore_ascii_case("v")
                && first.value.eq_ignore_ascii_case(version) =>
        {
            issues.push(Problem::error(
                first.span,
                format!(
                    "\"{}\" must be written exactly v={version}: the version is case-sensitive",
                    first.span.slice(text)
                ),
            ));
            false
        }
        Some(first) => {
            issues.push(Problem::error(
                first.span,
                format!("a {record} record must start with v={version}"),
            ));
            false
        }
        None => {
            issues.push(Problem::error(
                Span::new(0, text.len()),
                format!("the record is empty; a {record} record starts with v={version}"),
            ));
            false
        }
    };
    if let Some(first) = tags.first_mut() {
        first.known = first.name == "v";
        first.valid &= version_ok;
    }
    (tags, version_ok)
}

/// `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")` (RFC 8461 §3.1, RFC 8460 §3).
fn is_extension_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= 32
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_values() {
        assert_eq!(version_value("v=DMARC1; p=none"), Some("DMARC1"));
        assert_eq!(version_value(" V = dmarc1 ;"), Some("dmarc1"));
        assert_eq!(version_value("v=DMARC1 p=none"), Some("DMARC1 p=none"));
        assert_eq!(version_value("p=none; v=DMARC1"), None);
        assert_eq!(version_value(""), None);
        assert!(looks_like("DMARC12", "dmarc"));
        assert!(!looks_like("DM", "dmarc"));
        assert!(!looks_like("é", "dm"));
    }
}
