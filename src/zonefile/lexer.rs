//! Splits a zone file into entries and tokens (RFC 1035 §5.1), before `domain` reads them.
//!
//! `domain`'s scanner must not be called again after an error (it panics on the next entry),
//! so mailcheck finds the entry boundaries itself and hands `domain` one entry at a time: one
//! bad record then costs that record only, and every problem of the file is reported. The
//! lexer follows the same rules as `domain`'s scanner: `;` starts a comment outside quotes,
//! parentheses let an entry go on over several lines, quoted strings may hold `;`, `(`, `)`
//! and line breaks, and a backslash escapes the next character (`\DDD` is three digits, which
//! are token characters anyway).

use std::ops::Range;

/// One token of an entry: a word or a quoted string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    /// The raw bytes, quotes included.
    pub span: Range<usize>,
    /// Whether it is a quoted string.
    pub quoted: bool,
    /// The line it starts on (1-based).
    pub line: usize,
    /// How many parentheses were open (in this entry) when the token started.
    pub depth: usize,
}

impl Token {
    /// The raw bytes of the token in `text`, quotes included.
    pub fn raw<'t>(&self, text: &'t [u8]) -> &'t [u8] {
        text.get(self.span.clone()).unwrap_or(&[])
    }

    /// The content: for a quoted string, without its quotes (escapes still in place).
    pub fn content<'t>(&self, text: &'t [u8]) -> &'t [u8] {
        let raw = self.raw(text);
        if self.quoted {
            let inner = raw.strip_prefix(b"\"").unwrap_or(raw);
            inner.strip_suffix(b"\"").unwrap_or(inner)
        } else {
            raw
        }
    }
}

/// One entry: a directive or a record, possibly over several lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawEntry {
    /// Its tokens.
    pub tokens: Vec<Token>,
    /// Whether the line starts with white space, so the owner is the previous one.
    pub blank_owner: bool,
    /// The line of its first token.
    pub line: usize,
    /// Where it ends (exclusive; the line feed is not included).
    pub end: usize,
    /// A problem of the entry's structure: an unterminated quote or parenthesis.
    pub problem: Option<(usize, String)>,
}

/// The most tokens an entry keeps. No record needs more: its data is at most 65,535 octets
/// (RFC 1035 §3.2.1, RDLENGTH) and every token stands for at least one. Past this, the entry
/// is reported and the rest of its tokens are skipped, so that one unclosed parenthesis at the
/// top of a large file cannot make the whole rest of it one entry held in memory at once.
pub(crate) const MAX_TOKENS: usize = 65_536;

/// Splits `text` into entries, one at a time (so that reading can stop at a cap without
/// having split the rest). Blank and comment-only lines give no entry.
pub(crate) fn entries(text: &[u8]) -> Entries<'_> {
    Entries {
        text,
        pos: 0,
        line: 1,
        at_line_start: true,
    }
}

/// The entries of a text, in order: see [`entries`].
pub(crate) struct Entries<'t> {
    text: &'t [u8],
    pos: usize,
    line: usize,
    /// Whether `pos` is at the start of a line (the owner field starts there).
    at_line_start: bool,
}

impl Iterator for Entries<'_> {
    type Item = RawEntry;

    fn next(&mut self) -> Option<RawEntry> {
        while self.pos < self.text.len() {
            let entry = self.entry();
            if !entry.tokens.is_empty() || entry.problem.is_some() {
                return Some(entry);
            }
        }
        None
    }
}

impl Entries<'_> {
    /// Scans from `pos` to the end of the next entry (which may have no tokens).
    fn entry(&mut self) -> RawEntry {
        let text = self.text;
        let (mut pos, mut line) = (self.pos, self.line);
        let blank_owner = self.at_line_start && matches!(text.get(pos), Some(b' ' | b'\t'));
        let mut entry = RawEntry {
            tokens: Vec::new(),
            blank_owner,
            line,
            end: pos,
            problem: None,
        };
        let mut depth = 0usize;
        let mut paren_line = line;
        self.at_line_start = false;
        while let Some(&byte) = text.get(pos) {
            match byte {
                b'\n' => {
                    line += 1;
                    if depth == 0 {
                        entry.end = pos;
                        pos += 1;
                        self.at_line_start = true;
                        break;
                    }
                    pos += 1;
                }
                b' ' | b'\t' | b'\r' => pos += 1,
                b';' => {
                    while text.get(pos).is_some_and(|&b| b != b'\n') {
                        pos += 1;
                    }
                }
                b'(' => {
                    if depth == 0 {
                        paren_line = line;
                    }
                    depth += 1;
                    pos += 1;
                }
                b')' => {
                    if depth == 0 {
                        entry.problem.get_or_insert((
                            line,
                            "closing parenthesis without an opening one".to_owned(),
                        ));
                    } else {
                        depth -= 1;
                    }
                    pos += 1;
                }
                b'"' => {
                    let start = pos;
                    let start_line = line;
                    let closed;
                    (pos, line, closed) = quoted(text, pos, line);
                    if !closed {
                        entry.problem.get_or_insert((
                            start_line,
                            "quoted string is never closed".to_owned(),
                        ));
                    }
                    push_token(&mut entry, start..pos, true, start_line, depth);
                }
                _ => {
                    let start = pos;
                    let start_line = line;
                    (pos, line) = word(text, pos, line);
                    push_token(&mut entry, start..pos, false, start_line, depth);
                }
            }
        }
        if pos >= text.len() {
            entry.end = text.len();
            pos = text.len();
        }
        if depth > 0 {
            entry
                .problem
                .get_or_insert((paren_line, "opening parenthesis is never closed".to_owned()));
        }
        if let Some(first) = entry.tokens.first() {
            entry.line = first.line;
        }
        (self.pos, self.line) = (pos, line);
        entry
    }
}

/// Adds a token to `entry`, unless it has [`MAX_TOKENS`] already (then the entry is a problem).
fn push_token(entry: &mut RawEntry, span: Range<usize>, quoted: bool, line: usize, depth: usize) {
    if entry.tokens.len() >= MAX_TOKENS {
        entry.problem.get_or_insert((
            line,
            format!(
                "more than {MAX_TOKENS} words and strings in one entry (no record holds that many; is a parenthesis never closed?)"
            ),
        ));
        return;
    }
    entry.tokens.push(Token {
        span,
        quoted,
        line,
        depth,
    });
}

/// Scans a quoted string starting at the quote at `pos`: where it ends (after the closing
/// quote), the line there, and whether it was closed.
fn quoted(text: &[u8], mut pos: usize, mut line: usize) -> (usize, usize, bool) {
    pos += 1;
    while let Some(&byte) = text.get(pos) {
        pos += 1;
        match byte {
            b'\\' => {
                if text.get(pos) == Some(&b'\n') {
                    line += 1;
                }
                pos += 1;
            }
            b'\n' => line += 1,
            b'"' => return (pos.min(text.len()), line, true),
            _ => {}
        }
    }
    (text.len(), line, false)
}

/// Scans a word starting at `pos`: where it ends, and the line there.
fn word(text: &[u8], mut pos: usize, mut line: usize) -> (usize, usize) {
    while let Some(&byte) = text.get(pos) {
        match byte {
            b'\\' => {
                // The escaped byte belongs to the word, whatever it is (a line feed after a
                // backslash is data to `domain` too).
                if text.get(pos + 1) == Some(&b'\n') {
                    line += 1;
                }
                pos += 2;
            }
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')' | b'"' => break,
            _ => pos += 1,
        }
    }
    (pos.min(text.len()), line)
}

/// Decodes a token's content: `\DDD` is the octet DDD, `\X` is X (RFC 1035 §5.1). `None` for
/// a `\DDD` over 255 or a backslash at the end.
pub(crate) fn unescape(content: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(content.len());
    let mut rest = content;
    while let Some((&byte, tail)) = rest.split_first() {
        if byte != b'\\' {
            out.push(byte);
            rest = tail;
            continue;
        }
        match tail {
            [a, b, c, more @ ..]
                if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() =>
            {
                let value =
                    u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0');
                out.push(u8::try_from(value).ok()?);
                rest = more;
            }
            [a, more @ ..] if !a.is_ascii_digit() => {
                out.push(*a);
                rest = more;
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Reads a TTL: seconds, or BIND's units (`1h`, `1d12h`, `2W`), which real zone files use.
/// `None` if the token is not a TTL at all; `Some(Err)` if it is one but out of range.
pub(crate) fn ttl(token: &[u8]) -> Option<Result<u32, String>> {
    let first = token.first()?;
    if !first.is_ascii_digit() {
        return None;
    }
    if token.iter().all(u8::is_ascii_digit) {
        let text = std::str::from_utf8(token).ok()?;
        return Some(text.parse::<u32>().map_err(|_| {
            format!(
                "TTL {} is out of range (at most 4294967295)",
                crate::escape::excerpt(text, crate::escape::EXCERPT_CHARS)
            )
        }));
    }
    let mut total: u64 = 0;
    let mut number: u64 = 0;
    let mut digits = 0;
    for &byte in token {
        if byte.is_ascii_digit() {
            number = number
                .saturating_mul(10)
                .saturating_add(u64::from(byte - b'0'));
            digits += 1;
            continue;
        }
        let unit: u64 = match byte.to_ascii_lowercase() {
            b's' => 1,
            b'm' => 60,
            b'h' => 3600,
            b'd' => 86_400,
            b'w' => 604_800,
            _ => return None,
        };
        if digits == 0 {
            return None;
        }
        total = total.saturating_add(number.saturating_mul(unit));
        number = 0;
        digits = 0;
    }
    if digits > 0 {
        // `1h30` is not a TTL anyone means; refuse rather than guess seconds.
        return None;
    }
    Some(u32::try_from(total).map_err(|_| {
        format!(
            "TTL {} is out of range (at most 4294967295 seconds)",
            crate::escape::excerpt_bytes(token)
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(text: &[u8]) -> Vec<RawEntry> {
        entries(text).collect()
    }

    fn words(text: &str) -> Vec<Vec<String>> {
        entries(text.as_bytes())
            .map(|entry| {
                entry
                    .tokens
                    .iter()
                    .map(|token| String::from_utf8_lossy(token.raw(text.as_bytes())).into_owned())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn splits_entries_over_parentheses_and_comments() {
        let text = "@ IN SOA ns ( 1 ; serial\n 2 3 4 5 )\n\n; comment\nx TXT ( \"a; b\"\n \"c)\" ) ; \"q\"\n";
        assert_eq!(
            words(text),
            vec![
                vec!["@", "IN", "SOA", "ns", "1", "2", "3", "4", "5"],
                vec!["x", "TXT", "\"a; b\"", "\"c)\""],
            ]
        );
        let parsed: Vec<RawEntry> = entries(text.as_bytes()).collect();
        assert_eq!(parsed[0].line, 1);
        assert_eq!(parsed[1].line, 5);
        assert_eq!(parsed[1].tokens[3].line, 6);
    }

    #[test]
    fn blank_owner_and_escapes() {
        let text = "a A 1.2.3.4\n\tTXT a\\;b \"x\\\"y\"\n";
        let parsed: Vec<RawEntry> = entries(text.as_bytes()).collect();
        assert!(!parsed[0].blank_owner);
        assert!(parsed[1].blank_owner);
        assert_eq!(words(text)[1], vec!["TXT", "a\\;b", "\"x\\\"y\""]);
    }

    #[test]
    fn reports_unbalanced_structure() {
        let parsed: Vec<RawEntry> = collect(b"a TXT ( \"x\"\nb A 1.2.3.4\n");
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].problem.as_ref().map(|p| p.0), Some(1));
        let parsed: Vec<RawEntry> = collect(b"a TXT \"x\n\nb A 1.2.3.4\n");
        assert!(
            parsed[0]
                .problem
                .as_ref()
                .is_some_and(|p| p.1.contains("quoted"))
        );
        let parsed: Vec<RawEntry> = collect(b"a A 1.2.3.4 )\nb A 1.2.3.4\n");
        assert_eq!(parsed.len(), 2);
        assert!(parsed[0].problem.is_some());
    }

    #[test]
    fn an_entry_keeps_at_most_max_tokens() {
        // An unclosed parenthesis makes the rest of the text one entry.
        let mut text = b"a TXT (".to_vec();
        text.extend(b" x".repeat(MAX_TOKENS + 10));
        let parsed = collect(&text);
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].tokens.len(), MAX_TOKENS);
        assert!(
            parsed[0]
                .problem
                .as_ref()
                .is_some_and(|p| p.1.contains("parenthesis"))
        );
        // Entries come one at a time: taking the first does not split the rest.
        let mut lazy = entries(b"a A 1.2.3.4\nb A 1.2.3.4\n");
        assert_eq!(lazy.next().map(|entry| entry.line), Some(1));
        assert_eq!(lazy.pos, 12);
    }

    #[test]
    fn unescapes() {
        assert_eq!(
            unescape(b"a\\059b\\;c\\\\").as_deref(),
            Some(&b"a;b;c\\"[..])
        );
        assert_eq!(unescape(b"\\256"), None);
        assert_eq!(unescape(b"x\\"), None);
        assert_eq!(unescape(b"\\12"), None);
    }

    #[test]
    fn reads_ttls() {
        assert_eq!(ttl(b"300"), Some(Ok(300)));
        assert_eq!(ttl(b"1h"), Some(Ok(3600)));
        assert_eq!(ttl(b"1D12h"), Some(Ok(129_600)));
        assert_eq!(ttl(b"2w"), Some(Ok(1_209_600)));
        assert_eq!(ttl(b"IN"), None);
        assert_eq!(ttl(b"1h30"), None);
        assert!(ttl(b"99999999999").is_some_and(|r| r.is_err()));
        assert!(ttl(b"99999999w").is_some_and(|r| r.is_err()));
    }
}
