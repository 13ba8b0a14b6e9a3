//! A TXT record's text: the character-strings as published, and their concatenation, which is
//! what every TXT-based record type evaluates (RFC 7208 §3.3, RFC 6376 §3.6.2.2, RFC 7489
//! §6.6.3, RFC 8461 §3.1). One type for every family, and for record mode's input.

/// One TXT record: its character-strings, and their joined text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TxtRecord {
    /// The text the record means: the strings joined with nothing between them, as UTF-8
    /// (bytes that are not UTF-8 become U+FFFD, which the record parsers then report).
    pub text: String,
    /// The character-strings as published (each at most 255 octets on the wire).
    pub strings: Vec<Vec<u8>>,
}

impl TxtRecord {
    /// A record from its character-strings.
    pub fn new(strings: Vec<Vec<u8>>) -> Self {
        TxtRecord {
            text: String::from_utf8_lossy(&strings.concat()).into_owned(),
            strings,
        }
    }

    /// Reads a record's text as the user gave it (record mode): either plain text
    /// (`v=spf1 -all`), or zone-file character-strings (`"v=DKIM1; k=rsa; " "p=MIIB…"`), which
    /// are joined with no separator as a resolver would. Quoted strings may use `\"`, `\\` and
    /// `\DDD` escapes; text outside quotes other than white space makes the whole input one plain
    /// string.
    pub fn from_input(input: &str) -> TxtRecord {
        let trimmed = input.trim();
        let strings = if trimmed.starts_with('"') {
            quoted_strings(trimmed)
        } else {
            None
        }
        .unwrap_or_else(|| vec![trimmed.as_bytes().to_vec()]);
        TxtRecord::new(strings)
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

#[cfg(test)]
mod tests {
    use super::TxtRecord;

    #[test]
    fn plain_text_is_one_string() {
        let text = TxtRecord::from_input("  v=spf1 -all ");
        assert_eq!(text.strings, vec![b"v=spf1 -all".to_vec()]);
        assert_eq!(text.text, "v=spf1 -all");
    }

    #[test]
    fn quoted_strings_are_joined() {
        let text = TxtRecord::from_input(r#""v=DKIM1; k=rsa; " "p=AB\"C\059D\\""#);
        assert_eq!(text.strings.len(), 2);
        assert_eq!(text.text, "v=DKIM1; k=rsa; p=AB\"C;D\\");
    }

    #[test]
    fn broken_quotes_fall_back_to_plain_text() {
        for input in [r#""unterminated"#, r#""a" b"#, r#""\999""#, "\"a\\"] {
            let text = TxtRecord::from_input(input);
            assert_eq!(text.strings.len(), 1, "{input}");
        }
    }
}
