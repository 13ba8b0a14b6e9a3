//! What parsers report: problems with the byte span they are about.
//!
//! Every record parser (SPF, DKIM, DMARC, MTA-STS, TLS-RPT, BIMI) is pure, never panics, keeps
//! what it could parse, and reports *every* problem it found as a [`Problem`] with a [`Span`]
//! into the record's text, so one error does not hide the others.

use serde::Serialize;

/// A byte range `start..end` in a record's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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

/// One problem found while parsing a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where in the record's text.
    pub span: Span,
    /// What is wrong, in one sentence, e.g. `unknown mechanism "inclde"`.
    pub message: String,
}

impl Problem {
    /// A problem at `span`.
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Problem {
            span,
            message: message.into(),
        }
    }
}
