//! The character-strings of a TXT record given in record mode (`mailcheck record spf|dkim
//! 'TEXT'`): what the families whose records are long (SPF and DKIM) share, so that the same
//! text is judged the same way whichever family it is checked as.
//!
//! A character-string holds at most 255 octets (RFC 1035 §3.3). Text written as quoted strings
//! (zone-file syntax) is published as written, so a longer string is an error
//! (`zone-txt-string-too-long`, the rule a zone file gets for it). Plain text is cut into
//! strings by whatever publishes it, which receivers join with nothing between them (RFC 7208
//! §3.3, RFC 6376 §3.6.2.2): that is only worth knowing.

use super::findings::Findings;
use crate::diagnostic::Span;
use crate::finding::{Finding, Rule, Section, Severity};
use crate::txt::{STRING_LIMIT, TxtRecord};

/// Plain text over 255 octets: it will be published as several character-strings.
pub static TXT_RECORD_OVER_255_OCTETS: Rule = Rule {
    id: "txt-record-over-255-octets",
    // Listed with SPF, whose records are the long ones; a DKIM record's finding is placed in
    // the DKIM section (`check_strings`).
    section: Section::Spf,
    severity: Severity::Info,
    summary: "A record given as plain text is longer than one character-string (255 octets): \
              it will be published as several strings.",
    rationale: "A TXT record is a list of character-strings of at most 255 octets each (RFC \
                1035 §3.3); a longer record is published as several strings in one record, \
                which receivers join with nothing between them (RFC 7208 §3.3, RFC 6376 \
                §3.6.2.2). DNS providers' interfaces and zone tools cut plain text this way \
                themselves, so a long record given as plain text is not an error; only a \
                quoted string over 255 octets is (zone-txt-string-too-long).",
    fix: "Nothing to fix. In a zone file, write the record as quoted strings of at most 255 \
          octets in one record: \"first part\" \"second part\"; never as several records.",
    references: &["RFC 1035 §3.3", "RFC 7208 §3.3", "RFC 6376 §3.6.2.2"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Spf),
        bad: "v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 ip4:192.0.2.3 ip4:192.0.2.4 ip4:192.0.2.5 \
              ip4:192.0.2.6 ip4:192.0.2.7 ip4:192.0.2.8 ip4:192.0.2.9 ip4:192.0.2.10 \
              ip4:192.0.2.11 ip4:192.0.2.12 ip4:192.0.2.13 ip4:192.0.2.14 ip4:192.0.2.15 \
              ip4:192.0.2.16 ip4:192.0.2.17 ip4:192.0.2.18 ip4:192.0.2.19 -all",
        good: "\"v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 ip4:192.0.2.3 ip4:192.0.2.4 ip4:192.0.2.5 \
               ip4:192.0.2.6 ip4:192.0.2.7 ip4:192.0.2.8 ip4:192.0.2.9 ip4:192.0.2.10 \" \
               \"ip4:192.0.2.11 ip4:192.0.2.12 ip4:192.0.2.13 ip4:192.0.2.14 ip4:192.0.2.15 \
               ip4:192.0.2.16 ip4:192.0.2.17 ip4:192.0.2.18 ip4:192.0.2.19 -all\"",
    },
};

/// The character-string findings of a record's text in record mode, in the family's
/// `section`: an error for each quoted string over 255 octets, information when plain text
/// will be cut into several strings.
pub(super) fn check_strings(text: &TxtRecord, section: Section, findings: &mut Findings) {
    for long in text.long_strings() {
        findings.push(
            Finding::new(
                &super::zone::ZONE_TXT_STRING_TOO_LONG,
                "the record",
                format!(
                    "character-string {} is {} octets long; a string holds at most \
                     {STRING_LIMIT}, so the record cannot be published as written",
                    long.index + 1,
                    long.length
                ),
            )
            .in_section(section)
            .with_excerpt(
                &text.text,
                Span::new(long.start, (long.start + long.length).min(text.text.len())),
            )
            .with_fix(
                "Split the text into quoted strings of at most 255 octets each, in one record, \
                 which receivers join with nothing between them: \"first part\" \"second \
                 part\"; or give the text without quotes, and let the tool that publishes it \
                 cut it.",
            ),
        );
    }
    if let Some(strings) = text.strings_when_split() {
        findings.push(
            Finding::new(
                &TXT_RECORD_OVER_255_OCTETS,
                "the record",
                format!(
                    "the record is {} octets, more than one character-string holds \
                     ({STRING_LIMIT}): it will be published as {strings} strings in one \
                     record, which receivers join with nothing between them",
                    text.text.len()
                ),
            )
            .in_section(section),
        );
    }
}
