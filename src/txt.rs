//! A TXT record's text: the character-strings as published, and their concatenation, which is
//! what every TXT-based record type evaluates (RFC 7208 §3.3, RFC 6376 §3.6.2.2, RFC 7489
//! §6.6.3, RFC 8461 §3.1). One type for every family, and for record mode's input.

/// The most octets one character-string holds: it starts with one length octet (RFC 1035
/// §3.3).
pub const STRING_LIMIT: usize = 255;

/// One TXT record: its character-strings, and their joined text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TxtRecord {
    /// The text the record means: the strings joined with nothing between them, as UTF-8
    /// (bytes that are not UTF-8 become U+FFFD, which the record parsers then report).
    pub text: String,
    /// The character-strings as published (each at most 255 octets on the wire).
    pub strings: Vec<Vec<u8>>,
    /// Whether the text was given as plain text (record mode, `mailcheck record spf 'v=spf1
    /// …'`) rather than as character-strings: then `strings` holds it whole, and how it is
    /// cut into strings of at most 255 octets is up to the tool that publishes it (every DNS
    /// provider's interface and zone tool does it).
    pub plain: bool,
}

/// A character-string over [`STRING_LIMIT`] octets, as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongString {
    /// Its position among the record's strings, from 0.
    pub index: usize,
    /// Where it starts in the joined text, in bytes.
    pub start: usize,
    /// Its length in octets.
    pub length: usize,
}

impl TxtRecord {
    /// A record from its character-strings.
    pub fn new(strings: Vec<Vec<u8>>) -> Self {
        TxtRecord {
            text: String::from_utf8_lossy(&strings.concat()).into_owned(),
            strings,
            plain: false,
        }
    }

    /// The character-strings written longer than 255 octets: none for plain text, which is
    /// cut when published, and none on the wire. Such a string cannot be published as
    /// written (a name server refuses it).
    pub fn long_strings(&self) -> Vec<LongString> {
        if self.plain {
            return Vec::new();
        }
        let mut start = 0;
        let mut long = Vec::new();
        for (index, string) in self.strings.iter().enumerate() {
            if string.len() > STRING_LIMIT {
                long.push(LongString {
                    index,
                    start,
                    length: string.len(),
                });
            }
            start += string.len();
        }
        long
    }

    /// The lengths of the character-strings as they will be published: as written, or for
    /// plain text, cut every 255 octets as DNS tools cut it.
    pub fn published_lengths(&self) -> Vec<usize> {
        if !self.plain {
            return self.strings.iter().map(Vec::len).collect();
        }
        let total: usize = self.strings.iter().map(Vec::len).sum();
        let mut lengths = vec![STRING_LIMIT; total / STRING_LIMIT];
        if !total.is_multiple_of(STRING_LIMIT) || total == 0 {
            lengths.push(total % STRING_LIMIT);
        }
        lengths
    }

    /// Plain text longer than one character-string: how many strings it will be published
    /// as. `None` when it fits one string, or was written as strings.
    pub fn strings_when_split(&self) -> Option<usize> {
        let lengths = self.published_lengths();
        (self.plain && lengths.len() > 1).then_some(lengths.len())
    }

    /// Reads a record's text as the user gave it (record mode): either plain text
    /// (`v=spf1 -all`), or zone-file character-strings (`"v=DKIM1; k=rsa; " "p=MIIB…"`), which
    /// are joined with no separator as a resolver would. Quoted strings may use `\"`, `\\` and
    /// `\DDD` escapes; text outside quotes other than white space makes the whole input one plain
    /// string.
    pub fn from_input(input: &str) -> TxtRecord {
        let trimmed = input.trim();
        let quoted = if trimmed.starts_with('"') {
            quoted_strings(trimmed)
        } else {
            None
        };
        match quoted {
            Some(strings) => TxtRecord::new(strings),
            None => TxtRecord {
                plain: true,
                ..TxtRecord::new(vec![trimmed.as_bytes().to_vec()])
            },
        }
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
    fn plain_text_is_cut_when_published_and_quoted_strings_are_not() {
        let long = format!("v=spf1 {}-all", "ip4:192.0.2.1 ".repeat(21));
        assert_eq!(long.len(), 305);
        let plain = TxtRecord::from_input(&long);
        assert!(plain.plain);
        assert!(plain.long_strings().is_empty());
        assert_eq!(plain.published_lengths(), [255, 50]);
        assert_eq!(plain.strings_when_split(), Some(2));
        let quoted = TxtRecord::from_input(&format!("\"{long}\""));
        assert!(!quoted.plain);
        assert_eq!(quoted.strings_when_split(), None);
        let long_strings = quoted.long_strings();
        assert_eq!(long_strings.len(), 1);
        assert_eq!((long_strings[0].start, long_strings[0].length), (0, 305));
        let short = TxtRecord::from_input("v=spf1 -all");
        assert_eq!(short.strings_when_split(), None);
        assert_eq!(short.published_lengths(), [11]);
        assert_eq!(
            TxtRecord::from_input(&"x".repeat(510)).published_lengths(),
            [255, 255]
        );
    }

    #[test]
    fn broken_quotes_fall_back_to_plain_text() {
        for input in [r#""unterminated"#, r#""a" b"#, r#""\999""#, "\"a\\"] {
            let text = TxtRecord::from_input(input);
            assert_eq!(text.strings.len(), 1, "{input}");
        }
    }
}
