//! The shared vocabulary of checks: how serious a finding is ([`Severity`]), where it is shown
//! ([`Section`]), the finding itself ([`Finding`]), the documentation of the rule that raised it
//! ([`Rule`], with its [`Example`]), and the kinds of record that record mode checks
//! ([`RecordKind`]). A leaf: parsers, rules, the report and the renderers all speak in these.

use std::fmt;

use clap::ValueEnum;
use serde::Serialize;
use serde::ser::SerializeStruct;

pub use crate::diagnostic::Severity;
use crate::diagnostic::Span;

/// The part of the report a finding belongs to, in display order.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    /// Problems of a zone file given with `--zone`.
    Zone,
    /// MX records and their hosts.
    Mx,
    /// PTR records and forward confirmation of the mail hosts' addresses.
    ReverseDns,
    /// The SPF record and its include tree.
    Spf,
    /// DKIM keys.
    Dkim,
    /// The DMARC policy.
    Dmarc,
    /// The MTA-STS record.
    MtaSts,
    /// The TLS-RPT record.
    TlsRpt,
    /// The BIMI record.
    Bimi,
    /// Records someone was told to publish (`--expect`).
    Expected,
    /// Lookups that failed and belong to no other section.
    Dns,
}

impl Section {
    /// Every section, in display order.
    pub const ALL: &'static [Section] = &[
        Section::Zone,
        Section::Mx,
        Section::ReverseDns,
        Section::Spf,
        Section::Dkim,
        Section::Dmarc,
        Section::MtaSts,
        Section::TlsRpt,
        Section::Bimi,
        Section::Expected,
        Section::Dns,
    ];

    /// The heading shown in human output.
    pub fn title(self) -> &'static str {
        match self {
            Section::Zone => "Zone file",
            Section::Mx => "MX",
            Section::ReverseDns => "Reverse DNS",
            Section::Spf => "SPF",
            Section::Dkim => "DKIM",
            Section::Dmarc => "DMARC",
            Section::MtaSts => "MTA-STS",
            Section::TlsRpt => "TLS-RPT",
            Section::Bimi => "BIMI",
            Section::Expected => "Expected records",
            Section::Dns => "Other DNS lookups",
        }
    }
}

/// One problem found, about one subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Finding {
    /// The rule's id, e.g. `mx-target-cname`.
    pub rule: &'static str,
    /// How serious it is here (a rule may raise or lower its default for a case).
    pub severity: Severity,
    /// The part of the report it belongs to.
    pub section: Section,
    /// What it is about: a name, a record, an address.
    pub subject: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it.
    pub fix: String,
    /// The part of the record the finding points into, with the span it is about (syntax
    /// problems): a window of the record around the span.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<Excerpt>,
    /// Where in a file the finding points, when it comes from a file the user gave (a
    /// `--zone` or `--expect` file): for editors, CI annotations and code review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<FileLocation>,
}

/// A place in a file the user gave: the file as named on the command line (or reached through
/// `$INCLUDE`), the line, and the column when known (1-based).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FileLocation {
    /// The file's path as the user wrote it.
    pub file: String,
    /// The line, 1-based.
    pub line: usize,
    /// The column, 1-based, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

/// The part of a record's text a finding is about, with the text around it.
///
/// Only a window of the record is kept: at most [`EXCERPT_CONTEXT`] characters on each side of
/// the span, and the span itself whole. A record can be 60 KB and hold thousands of problems;
/// a copy of the whole record in every finding made one domain's report a gigabyte (issue
/// 12). When the window is not the whole record, [`Excerpt::window`] says where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Excerpt {
    /// The record's text around the span (character-strings joined): the whole record when it
    /// is short enough, else a window of it.
    pub text: String,
    /// Byte offsets of the part in question, in `text`.
    pub span: Span,
    /// Where `text` is in the record, when it is not the whole record (JSON: the fields
    /// `offset` and `record_length` beside `text`; absent when `text` is the whole record).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
}

/// Where an excerpt's text is in a record that was cut around the span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Window {
    /// Bytes of the record before the excerpt's text (0 when only the end was cut).
    pub offset: usize,
    /// The whole record's length in bytes.
    pub record_length: usize,
}

/// Characters of a record kept on each side of an excerpt's span: twice what the human
/// renderer shows (40), so that what it prints, and the records of the fixtures and
/// snapshots, are the same as with the whole record.
pub const EXCERPT_CONTEXT: usize = 80;

impl Excerpt {
    /// The window of `record` around `span` (clamped to the record and to character
    /// boundaries, so it never panics), with the span rebased into it.
    pub fn around(record: &str, span: Span) -> Excerpt {
        let start = floor_char_boundary(record, span.start.min(record.len()));
        let end = floor_char_boundary(record, span.end.clamp(start, record.len()));
        let from = record[..start]
            .char_indices()
            .rev()
            .nth(EXCERPT_CONTEXT - 1)
            .map_or(0, |(at, _)| at);
        let to = record[end..]
            .char_indices()
            .nth(EXCERPT_CONTEXT)
            .map_or(record.len(), |(at, _)| end + at);
        Excerpt {
            text: record[from..to].to_owned(),
            span: Span::new(start - from, end - from),
            window: (from > 0 || to < record.len()).then_some(Window {
                offset: from,
                record_length: record.len(),
            }),
        }
    }

    /// Whether the record goes on before the excerpt's text.
    pub fn cut_before(&self) -> bool {
        self.window.is_some_and(|window| window.offset > 0)
    }

    /// Whether the record goes on after the excerpt's text.
    pub fn cut_after(&self) -> bool {
        self.window
            .is_some_and(|window| window.offset + self.text.len() < window.record_length)
    }
}

/// The largest char boundary of `text` at or below `index` (which is at most its length).
fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

impl Finding {
    /// A finding of `rule` with its default severity, section and fix.
    pub fn new(
        rule: &'static Rule,
        subject: impl fmt::Display,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule: rule.id,
            severity: rule.severity,
            section: rule.section,
            subject: subject.to_string(),
            message: message.into(),
            fix: rule.fix.to_owned(),
            excerpt: None,
            location: None,
        }
    }

    /// The same finding pointing at `line` of `file` (a `--zone` or `--expect` file).
    #[must_use]
    pub fn at(mut self, file: &str, line: usize) -> Self {
        self.location = Some(FileLocation {
            file: file.to_owned(),
            line,
            column: None,
        });
        self
    }

    /// The same finding pointing at `span` of the record `text` (only a window of the record
    /// around the span is kept: [`Excerpt::around`]).
    #[must_use]
    pub fn with_excerpt(mut self, text: &str, span: Span) -> Self {
        self.excerpt = Some(Excerpt::around(text, span));
        self
    }

    /// The same finding with another severity.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The same finding in another section (a failed lookup is shown where it was needed).
    #[must_use]
    pub fn in_section(mut self, section: Section) -> Self {
        self.section = section;
        self
    }

    /// The same finding with a fix made for this case.
    #[must_use]
    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self
    }
}

/// The documentation and default severity of one rule.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Rule {
    /// Kebab-case name of the problem, e.g. `mx-target-cname`. Never reused.
    pub id: &'static str,
    /// The section its findings appear in.
    pub section: Section,
    /// The default severity (a rule may raise or lower it for a case it documents).
    pub severity: Severity,
    /// What the rule finds, in one sentence.
    pub summary: &'static str,
    /// Why it matters.
    pub rationale: &'static str,
    /// How to fix it, in general; findings often carry a fix made for their case.
    pub fix: &'static str,
    /// Where the requirement comes from, e.g. `RFC 7505 §3`.
    pub references: &'static [&'static str],
    /// A bad case and its fix, shown by `mailcheck explain RULE`.
    pub example: Example,
}

/// A rule's example, as clippy's "Example" and ruff's "Use instead": `bad` makes the rule fire,
/// `good` is the same thing fixed, as close to `bad` as the fix allows, and the rule does not
/// fire on it. `mailcheck explain RULE` shows both; `tests/rule_examples.rs` checks every pair
/// (only this rule: others may fire too), so an example cannot go stale.
///
/// The texts are a few lines, written as [`ExampleKind`] says, about `example.com`. Addresses
/// from the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32)
/// appear only where the rule does not judge the address: mailcheck counts them as not public,
/// so MX hosts have public-looking addresses (93.184.216.0/24), as the fixtures do.
///
/// An RSA key is too long to show (a 2048-bit key is 392 base64 characters), so the texts name
/// it with a placeholder: `<N-bit RSA key>` stands for the base64 of an RSA public key of N bits
/// (the value of a DKIM `p=` tag), and `<N-bit RSA key (i/n)>` for the i-th of n equal parts of
/// that text, for a key split into quoted strings of at most 255 octets in a zone file. Both
/// are shown as written; the test puts in the real keys of `fixtures/dkim-keys/rsaN.spki.b64`
/// before checking. An ed25519 key is short (44 characters) and written out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Example {
    /// How the texts are written, and so how they are checked.
    pub kind: ExampleKind,
    /// What makes the rule fire.
    pub bad: &'static str,
    /// The same, fixed: the rule does not fire.
    pub good: &'static str,
}

/// How an example's texts are written and checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExampleKind {
    /// The text of one record, checked as `mailcheck record KIND 'TEXT'` checks it: plain text,
    /// or zone-file quoted strings (`"v=spf1 … " "… -all"`).
    Record(RecordKind),
    /// Records in zone-file syntax, audited as the DNS of `example.com`: relative names are
    /// under `example.com.`, absolute names may be anywhere (a reverse zone under
    /// `in-addr.arpa.`, a report destination's domain). The lines are all the DNS the audit
    /// sees: a name they do not hold does not exist (NXDOMAIN), so nothing fails to answer.
    Zone,
    /// Zone files, audited with `mailcheck --offline --zone FILE example.com`: the text is the
    /// zone file of `example.com` (relative names under `example.com.`), and each `$ORIGIN`
    /// line in it starts another zone file, given with another `--zone`. The zone-file rules
    /// judge the files; a name outside every file cannot be looked up (not verified).
    ZoneFile,
    /// What someone was told to publish, against what is published: the texts are the zone
    /// file of `example.com` as for [`ExampleKind::ZoneFile`], checked with `--expect` against
    /// these lines of an expect file (relative names under `example.com.` too).
    Expect(&'static str),
}

impl Example {
    /// What the texts are, for the heading of the example in `mailcheck explain RULE`.
    pub fn describe(&self) -> String {
        match self.kind {
            ExampleKind::Record(kind) => {
                let name = kind.name();
                format!(
                    "{} record text, as `mailcheck record {name}` checks it",
                    name.to_uppercase()
                )
            }
            ExampleKind::Zone => "records of example.com in zone-file syntax".to_owned(),
            ExampleKind::ZoneFile
                if [self.bad, self.good].iter().any(|t| t.contains("$ORIGIN")) =>
            {
                "zone files for an `--offline` audit of example.com: one more from each $ORIGIN"
                    .to_owned()
            }
            ExampleKind::ZoneFile => {
                "zone file of example.com, read by `mailcheck --offline --zone FILE example.com`"
                    .to_owned()
            }
            ExampleKind::Expect(_) => {
                "zone file of example.com, checked with `--expect` against the records above"
                    .to_owned()
            }
        }
    }
}

/// In JSON, the kind is a field of the example: `{"kind": "record", "record": "spf", "bad":
/// …, "good": …}`, `{"kind": "zone", …}`, `{"kind": "zone-file", …}` and `{"kind": "expect",
/// "expected": …, …}`.
// An example is written as an object of its kind, bad and good texts (see its Serialize).
impl schemars::JsonSchema for Example {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RuleExample".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "properties": {
                "kind": {"enum": ["record", "zone", "zone-file", "expect"]},
                "record": {"type": "string"},
                "expected": {"type": "string"},
                "bad": {"type": "string"},
                "good": {"type": "string"}
            },
            "required": ["kind", "bad", "good"]
        })
    }
}

impl Serialize for Example {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = if matches!(self.kind, ExampleKind::Record(_) | ExampleKind::Expect(_)) {
            5
        } else {
            4
        };
        let mut example = serializer.serialize_struct("Example", fields)?;
        match self.kind {
            ExampleKind::Record(kind) => {
                example.serialize_field("kind", "record")?;
                example.serialize_field("record", &kind)?;
            }
            ExampleKind::Zone => example.serialize_field("kind", "zone")?,
            ExampleKind::ZoneFile => example.serialize_field("kind", "zone-file")?,
            ExampleKind::Expect(expected) => {
                example.serialize_field("kind", "expect")?;
                example.serialize_field("expected", expected)?;
            }
        }
        example.serialize_field("bad", self.bad)?;
        example.serialize_field("good", self.good)?;
        example.end()
    }
}

/// The kinds of record that can be checked on their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RecordKind {
    /// An SPF record (`v=spf1 …`), published as TXT at the domain.
    Spf,
    /// A DKIM key record (`v=DKIM1; k=…; p=…`), published as TXT at `selector._domainkey`.
    Dkim,
    /// A DMARC record (`v=DMARC1; p=…`), published as TXT at `_dmarc`.
    Dmarc,
    /// A DMARC report authorization record (`v=DMARC1;`, nothing else needed), published as
    /// TXT at `<domain>._report._dmarc.<destination>` by a report destination that accepts
    /// another organization's reports (RFC 9990, Verifying External Destinations).
    DmarcReportAuth,
    /// An MTA-STS record (`v=STSv1; id=…`), published as TXT at `_mta-sts`.
    MtaSts,
    /// A TLS-RPT record (`v=TLSRPTv1; rua=…`), published as TXT at `_smtp._tls`.
    TlsRpt,
    /// A BIMI record (`v=BIMI1; l=…; a=…`), published as TXT at `default._bimi`.
    Bimi,
}

impl RecordKind {
    /// The name on the command line and in JSON (`spf`, `mta-sts`).
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Spf => "spf",
            RecordKind::Dkim => "dkim",
            RecordKind::Dmarc => "dmarc",
            RecordKind::DmarcReportAuth => "dmarc-report-auth",
            RecordKind::MtaSts => "mta-sts",
            RecordKind::TlsRpt => "tls-rpt",
            RecordKind::Bimi => "bimi",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_kind_names_are_the_command_lines() {
        for kind in RecordKind::value_variants() {
            let value = kind.to_possible_value().expect("every kind is a value");
            assert_eq!(value.get_name(), kind.name());
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.name())
            );
        }
    }

    #[test]
    fn an_excerpt_keeps_a_window_around_the_span() {
        // A short record is kept whole.
        let short = Excerpt::around("v=spf1 mx -all", Span::new(7, 9));
        assert_eq!(short.text, "v=spf1 mx -all");
        assert_eq!((short.span, short.window), (Span::new(7, 9), None));
        assert!(!short.cut_before() && !short.cut_after());
        assert_eq!(
            serde_json::to_value(&short).unwrap(),
            serde_json::json!({"text": "v=spf1 mx -all", "span": {"start": 7, "end": 9}})
        );
        // A long one: 80 characters on each side of the span, the span rebased.
        let record = format!("v=spf1 {}bad {}-all", "a ".repeat(500), "b ".repeat(500));
        let at = record.find("bad").unwrap();
        let excerpt = Excerpt::around(&record, Span::new(at, at + 3));
        assert_eq!(excerpt.text.chars().count(), 80 + 3 + 80);
        assert_eq!(&excerpt.text[excerpt.span.start..excerpt.span.end], "bad");
        let window = excerpt.window.unwrap();
        assert_eq!(window.offset + excerpt.span.start, at);
        assert_eq!(window.record_length, record.len());
        assert_eq!(
            &record[window.offset..window.offset + excerpt.text.len()],
            excerpt.text
        );
        assert!(excerpt.cut_before() && excerpt.cut_after());
        let json = serde_json::to_value(&excerpt).unwrap();
        assert_eq!(json["offset"], window.offset);
        assert_eq!(json["record_length"], record.len());
        // Characters, not bytes, and never inside one; a span past the end is clamped.
        let wide = format!("{}é{}", "é".repeat(100), "ü".repeat(100));
        let excerpt = Excerpt::around(&wide, Span::new(200, 202));
        assert_eq!(excerpt.text.chars().count(), 161);
        let end = Excerpt::around("v=spf1", Span::new(3, 99));
        assert_eq!((end.text.as_str(), end.span), ("v=spf1", Span::new(3, 6)));
    }

    #[test]
    fn an_example_is_one_flat_json_object() {
        let example = |kind| Example {
            kind,
            bad: "b",
            good: "g",
        };
        let json = |kind| serde_json::to_value(example(kind)).unwrap();
        assert_eq!(
            json(ExampleKind::Record(RecordKind::MtaSts)),
            serde_json::json!({"kind": "record", "record": "mta-sts", "bad": "b", "good": "g"})
        );
        assert_eq!(
            json(ExampleKind::Zone),
            serde_json::json!({"kind": "zone", "bad": "b", "good": "g"})
        );
        assert_eq!(
            json(ExampleKind::ZoneFile),
            serde_json::json!({"kind": "zone-file", "bad": "b", "good": "g"})
        );
        assert_eq!(
            json(ExampleKind::Expect("e")),
            serde_json::json!({"kind": "expect", "expected": "e", "bad": "b", "good": "g"})
        );
    }
}
