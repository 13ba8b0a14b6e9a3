//! What parsers report: problems with the byte span they are about, and how serious each is.
//!
//! Every record parser (SPF, DKIM, DMARC, MTA-STS, TLS-RPT, BIMI) is pure, never panics, keeps
//! what it could parse, and reports *every* problem it found as a [`Problem`] with a [`Span`]
//! into the record's text, so one error does not hide the others. [`Severity`] is the same
//! scale findings use (`finding` re-exports it).

use std::fmt;

use serde::Serialize;

/// A byte range `start..end` in a record's text.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    schemars::JsonSchema,
)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The span of `part`, which must be a subslice of `whole`; used to turn the `&str`
    /// pieces a parser splits off back into offsets.
    pub fn of(whole: &str, part: &str) -> Self {
        let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
        Span::new(
            start.min(whole.len()),
            (start + part.len()).min(whole.len()),
        )
    }

    /// The same span moved `offset` bytes to the right.
    #[must_use]
    pub fn shifted(self, offset: usize) -> Self {
        Span::new(self.start + offset, self.end + offset)
    }

    /// The text under the span, or `""` if it does not fit `text` (never panics).
    pub fn slice(self, text: &str) -> &str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// How serious a finding is. Defined once:
/// - `error`: mail is (or will be) lost, rejected, spoofable or misrouted; fix it.
/// - `warning`: works today but is fragile, weaker than it should be, or against a SHOULD.
/// - `info`: worth knowing; nothing to fix unless it is not what you meant.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Should be fixed.
    Warning,
    /// Must be fixed.
    Error,
}

impl Severity {
    /// The lower-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found while parsing a record: where, what, how serious, and (rarely) a fix made
/// for this case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// Where in the record's text.
    pub span: Span,
    /// What is wrong, in one sentence, e.g. `unknown mechanism "inclde"`.
    pub message: String,
    /// How serious it is: `error` when receivers ignore the record, the tag or the key,
    /// `warning` when some of them do or when it does not do what it seems to.
    pub severity: Severity,
    /// A fix made for this problem, when there is a better one than the rule's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Problem {
    /// An error at `span`.
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Problem::error(span, message)
    }

    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Problem {
            span,
            message: message.into(),
            severity: Severity::Error,
            fix: None,
        }
    }

    /// A warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(span, message)
        }
    }
}
