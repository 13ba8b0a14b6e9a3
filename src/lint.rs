//! Record mode: `mailcheck record KIND 'TEXT'` checks a record's text before it is published,
//! with no DNS. Each family provides the rules that need no lookup.

use clap::ValueEnum;
use serde::Serialize;

use crate::report::{Finding, OverviewLine};

/// The kinds of record that can be checked on their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordKind {
    /// An SPF record (`v=spf1 …`), published as TXT at the domain.
    Spf,
    /// A DKIM key record (`v=DKIM1; k=…; p=…`), published as TXT at `selector._domainkey`.
    Dkim,
    /// A DMARC record (`v=DMARC1; p=…`), published as TXT at `_dmarc`.
    Dmarc,
    /// An MTA-STS record (`v=STSv1; id=…`), published as TXT at `_mta-sts`.
    MtaSts,
    /// A TLS-RPT record (`v=TLSRPTv1; rua=…`), published as TXT at `_smtp._tls`.
    TlsRpt,
    /// A BIMI record (`v=BIMI1; l=…; a=…`), published as TXT at `default._bimi`.
    Bimi,
}

/// What checking one record's text found.
#[derive(Clone, Debug, Default)]
pub struct LintOutput {
    /// The problems.
    pub findings: Vec<Finding>,
    /// What the record says, for human output.
    pub overview: Vec<OverviewLine>,
}

/// The record text as the user gave it: either plain text (`v=spf1 -all`), or zone-file
/// character-strings (`"v=DKIM1; k=rsa; " "p=MIIB…"`), which are joined with no separator as
/// a resolver would (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordText {
    /// The character-strings, as they would be published.
    pub strings: Vec<Vec<u8>>,
    /// The strings joined: the text that is evaluated.
    pub joined: String,
}

impl RecordText {
    /// Reads the user's text. Quoted strings may use `\"`, `\\` and `\DDD` escapes; text
    /// outside quotes other than white space makes the whole input one plain string.
    pub fn parse(input: &str) -> RecordText {
        let trimmed = input.trim();
        let strings = if trimmed.starts_with('"') {
            quoted_strings(trimmed)
        } else {
            None
        }
        .unwrap_or_else(|| vec![trimmed.as_bytes().to_vec()]);
        let joined = String::from_utf8_lossy(&strings.concat()).into_owned();
        RecordText { strings, joined }
    }
}

/// Zone-file quoted strings, or `None` if the text is not only quoted strings.
fn quoted_strings(text: &str) -> Option<Vec<Vec<u8>>> {
    let bytes = text.as_bytes();
    let mut strings = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'"' => {
                i += 1;
                let mut string = Vec::new();
                loop {
                    match *bytes.get(i)? {
                        b'"' => {
                            i += 1;
                            break;
                        }
                        b'\\' => {
                            let digits = bytes
                                .get(i + 1..i + 4)
                                .filter(|d| d.iter().all(u8::is_ascii_digit));
                            if let Some(digits) = digits {
                                let value = digits
                                    .iter()
                                    .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
                                string.push(u8::try_from(value).ok()?);
                                i += 4;
                            } else {
                                string.push(*bytes.get(i + 1)?);
                                i += 2;
                            }
                        }
                        byte => {
                            string.push(byte);
                            i += 1;
                        }
                    }
                }
                strings.push(string);
            }
            _ => return None,
        }
    }
    Some(strings)
}

/// Checks `text` as a record of `kind`; `None` when mailcheck cannot check that kind yet.
pub fn lint(kind: RecordKind, text: &RecordText) -> Option<LintOutput> {
    match kind {
        RecordKind::Dkim => Some(LintOutput {
            findings: crate::rules::dkim::check_record(
                &text.joined,
                &crate::rules::dkim::KeyContext::record_mode(),
            ),
            overview: crate::describe::dkim_record_overview(text),
        }),
        RecordKind::Spf => Some(LintOutput {
            findings: crate::rules::check_spf_record(text),
            overview: crate::describe::spf_record_overview(text),
        }),
        RecordKind::Dmarc => Some(crate::rules::dmarc::lint(&text.joined)),
        RecordKind::MtaSts => Some(crate::rules::mta_sts::lint(&text.joined)),
        RecordKind::TlsRpt => Some(crate::rules::tls_rpt::lint(&text.joined)),
        RecordKind::Bimi => Some(crate::rules::bimi::lint(&text.joined)),
    }
}

#[cfg(test)]
mod tests {
    use super::RecordText;

    #[test]
    fn plain_text_is_one_string() {
        let text = RecordText::parse("  v=spf1 -all ");
        assert_eq!(text.strings, vec![b"v=spf1 -all".to_vec()]);
        assert_eq!(text.joined, "v=spf1 -all");
    }

    #[test]
    fn quoted_strings_are_joined() {
        let text = RecordText::parse(r#""v=DKIM1; k=rsa; " "p=AB\"C\059D\\""#);
        assert_eq!(text.strings.len(), 2);
        assert_eq!(text.joined, "v=DKIM1; k=rsa; p=AB\"C;D\\");
    }

    #[test]
    fn broken_quotes_fall_back_to_plain_text() {
        for input in [r#""unterminated"#, r#""a" b"#, r#""\999""#, "\"a\\"] {
            let text = RecordText::parse(input);
            assert_eq!(text.strings.len(), 1, "{input}");
        }
    }
}
