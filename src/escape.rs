//! Making text from DNS safe to print on a terminal.
//!
//! A TXT record can hold any byte: an ANSI escape sequence in a DKIM record could recolour,
//! move the cursor or rewrite a terminal's title, and a bidirectional override can make text
//! read differently from what it is. Every string the human renderer prints goes through
//! [`escape`], which shows such characters as visible escapes. JSON keeps the real text, but
//! writes the same characters as `\uXXXX` escapes (`render::json`), so a document printed on
//! a terminal is safe too.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as it is: what [`escape`] escapes, and what the JSON
/// writer writes as `\uXXXX`.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() // C0, DEL and C1 controls, including ESC, CR, LF and TAB
        || matches!(c,
            '\u{061c}'                      // Arabic letter mark
            | '\u{200b}'..='\u{200f}'       // zero-width characters and LRM/RLM
            | '\u{2028}' | '\u{2029}'       // line and paragraph separators
            | '\u{202a}'..='\u{202e}'       // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}'       // word joiner and invisible operators
            | '\u{2066}'..='\u{2069}'       // bidi isolates
            | '\u{feff}'                    // byte-order mark / zero-width no-break space
        )
}

/// `text` with every control, bidi and invisible formatting character replaced by a visible
/// escape (`\x1b`, `\u{202e}`). Text without any is returned as it is.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !is_unsafe(c) {
            escaped.push(c);
        } else if u32::from(c) < 0x100 {
            let _ = write!(escaped, "\\x{:02x}", u32::from(c));
        } else {
            let _ = write!(escaped, "\\u{{{:04x}}}", u32::from(c));
        }
    }
    Cow::Owned(escaped)
}

/// The first `max_chars` characters of `text`, with `…` when there were more: how a message
/// quotes input that may be huge (a line of megabytes, a label of thousands of octets). Not
/// escaped; the printer escapes.
pub fn shorten(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
    }
}

/// How many characters of text that is not what it should be (a line of a zone file that is
/// not zone-file syntax) a message quotes: enough to find the line, too little to copy a file
/// into a report line by line in any useful way.
pub const EXCERPT_CHARS: usize = 40;

/// At most `max` characters of `text`, escaped as [`escape`] does, with `…` when something was
/// cut. For quoting input in a message: the message stays short and safe to print whatever
/// the input was (a binary file, a 10 MB line).
pub fn excerpt(text: &str, max: usize) -> String {
    escape(&shorten(text, max)).into_owned()
}

/// [`excerpt`] of raw bytes (invalid UTF-8 shown as U+FFFD), at most [`EXCERPT_CHARS`].
pub fn excerpt_bytes(bytes: &[u8]) -> String {
    // Only what can be shown is decoded: a whole line may be megabytes long.
    let head = bytes.get(..EXCERPT_CHARS * 4 + 4).unwrap_or(bytes);
    let mut quoted = excerpt(&String::from_utf8_lossy(head), EXCERPT_CHARS);
    if head.len() < bytes.len() && !quoted.ends_with('…') {
        quoted.push('…');
    }
    quoted
}

/// An operating-system string (a command-line argument, a path) as [`escape`] shows text,
/// with every byte that is not UTF-8 shown as `\xNN`: an argument typed as `$'\xff\xfe'` is
/// quoted as `\xff\xfe`, so the user sees which bytes were refused, not U+FFFD.
pub fn os_str(text: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut shown = String::new();
        for chunk in text.as_bytes().utf8_chunks() {
            shown.push_str(&escape(chunk.valid()));
            for byte in chunk.invalid() {
                let _ = write!(shown, "\\x{byte:02x}");
            }
        }
        shown
    }
    #[cfg(not(unix))]
    {
        escape(&text.to_string_lossy()).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::{escape, excerpt, excerpt_bytes, shorten};

    #[cfg(unix)]
    #[test]
    fn bytes_that_are_not_utf8_are_shown_as_escapes() {
        use std::os::unix::ffi::OsStrExt;
        let text = std::ffi::OsStr::from_bytes(b"a\xff\xfe\x1bb\xc3\xa9");
        assert_eq!(super::os_str(text), "a\\xff\\xfe\\x1bb\u{e9}");
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        assert_eq!(shorten("example.com", 11), "example.com");
        assert_eq!(shorten("example.com", 7), "example…");
        assert_eq!(shorten("bücher", 2), "bü…");
        assert_eq!(shorten("", 0), "");
    }

    #[test]
    fn plain_text_is_untouched() {
        assert!(matches!(
            escape("v=spf1 -all bücher ✔"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn controls_and_bidi_are_escaped() {
        assert_eq!(escape("a\u{1b}[31mred"), "a\\x1b[31mred");
        assert_eq!(escape("line\nbreak\ttab\r"), "line\\x0abreak\\x09tab\\x0d");
        assert_eq!(escape("\u{9b}31m"), "\\x9b31m");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("\u{7f}"), "\\x7f");
    }

    #[test]
    fn excerpts_are_short_and_escaped() {
        assert_eq!(excerpt("short", 40), "short");
        assert_eq!(excerpt("abcdef", 3), "abc…");
        assert_eq!(excerpt("a\u{1b}[2Jb", 3), "a\\x1b[…");
        assert_eq!(
            excerpt_bytes(&b"x".repeat(10_000)),
            format!("{}…", "x".repeat(40))
        );
        assert_eq!(excerpt_bytes(b"\xff\x00ok"), "\u{fffd}\\x00ok");
        // Cut inside the decoded head: one mark only.
        assert_eq!(
            excerpt_bytes(&"é".repeat(1000).into_bytes())
                .chars()
                .count(),
            41
        );
    }
}
