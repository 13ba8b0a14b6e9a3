//! The only way human output reaches its writer: lines made of [`Piece`]s.
//!
//! A report is full of text from outside: DNS names and record data, a resolver's error text
//! (hickory's "Malformed label" quotes the raw label), a `--replay` file's `error` fields, zone
//! and list files, what the user typed. Any of it can hold ESC, OSC, BEL, NUL, CR/LF or a bidi
//! override, which would recolour, retitle or rewrite the terminal. Escaping each
//! string where it is printed relies on every print remembering to; one that forgets (the
//! `-v` query list once did) is a terminal injection.
//!
//! So the human renderer has no writer. It writes through a [`Term`], which takes nothing but
//! pieces, and a piece is one of:
//!
//! - our own words: a `&'static str` (a string literal, a rule's documentation, a section
//!   title), taken as it is;
//! - a number;
//! - any other text, through [`Piece::text`], which escapes it ([`crate::escape::escape`]).
//!
//! A string made at run time is never `'static`, so it cannot become a piece without being
//! escaped, and forgetting to escape is a compile error instead of a security bug. JSON is not
//! written here: serde escapes it and keeps the real text.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};

use colored::{ColoredString, Colorize};

use crate::escape::escape;

/// Whether the program's symbols (marks, arrows, the ellipsis) are written as plain ASCII,
/// because the terminal cannot show Unicode; decided once by the caller.
static ASCII: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Sets whether the program's symbols are written as plain ASCII.
pub fn set_ascii(ascii: bool) {
    ASCII.store(ascii, std::sync::atomic::Ordering::Relaxed);
}

/// Whether the program's symbols are written as plain ASCII.
pub fn is_ascii() -> bool {
    ASCII.load(std::sync::atomic::Ordering::Relaxed)
}

/// `line` with the program's symbols (marks, arrows, the ellipsis) in plain ASCII, wherever
/// they appear; every other character is kept (a Unicode domain name is shown as it is).
fn to_ascii(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for character in line.chars() {
        match character {
            '→' => out.push_str("->"),
            '←' => out.push_str("<-"),
            '…' => out.push_str("..."),
            '–' | '—' => out.push('-'),
            '✔' => out.push('+'),
            '✖' => out.push('x'),
            '▲' => out.push('!'),
            'ℹ' => out.push('i'),
            '·' => out.push('|'),
            other => out.push(other),
        }
    }
    out
}

/// Writes lines of [`Piece`]s, and nothing else, to a writer.
pub struct Term<'w> {
    out: &'w mut dyn Write,
}

impl<'w> Term<'w> {
    /// Writes to `out`.
    pub fn new(out: &'w mut dyn Write) -> Self {
        Term { out }
    }

    /// Writes `pieces` one after the other, then a line end; under [`set_ascii`], the
    /// program's symbols as plain ASCII.
    pub fn line<'a>(&mut self, pieces: impl IntoIterator<Item = Piece<'a>>) -> io::Result<()> {
        if ASCII.load(std::sync::atomic::Ordering::Relaxed) {
            let mut line = String::new();
            for piece in pieces {
                line.push_str(&piece.to_string());
            }
            return writeln!(self.out, "{}", to_ascii(&line));
        }
        for piece in pieces {
            write!(self.out, "{piece}")?;
        }
        writeln!(self.out)
    }

    /// Writes an empty line.
    pub fn blank(&mut self) -> io::Result<()> {
        writeln!(self.out)
    }
}

/// Writes one line of pieces: `emit!(term, "  ", Piece::text(name), count)`. Each argument
/// goes through `Piece::from`, which takes a `&'static str`, a number or a piece, so text made
/// at run time must come as [`Piece::text`].
macro_rules! emit {
    ($term:expr $(, $piece:expr)* $(,)?) => {
        $term.line([$($crate::render::term::Piece::from($piece)),*])
    };
}
pub(crate) use emit;

/// A part of a line that is safe on a terminal: our own words, a number, or escaped text,
/// possibly coloured (the colour codes are ours).
#[derive(Clone, Debug)]
pub struct Piece<'a>(Inner<'a>);

#[derive(Clone, Debug)]
enum Inner<'a> {
    /// Text with no control, bidi or invisible formatting character.
    Plain(Cow<'a, str>),
    /// Such text with `colored`'s codes around it.
    Styled(ColoredString),
}

impl<'a> Piece<'a> {
    /// Text from anywhere, escaped: every control, bidi and invisible formatting character is
    /// shown as a visible escape (`\x1b`, `\u{202e}`).
    pub fn text(text: impl Into<Cow<'a, str>>) -> Self {
        let escaped = match text.into() {
            Cow::Borrowed(text) => escape(text),
            Cow::Owned(text) => match escape(&text) {
                Cow::Owned(escaped) => Cow::Owned(escaped),
                // Nothing to escape: keep the string that was given.
                Cow::Borrowed(_) => Cow::Owned(text),
            },
        };
        Piece(Inner::Plain(escaped))
    }

    /// `pieces` as one piece (so that one colour spans them all).
    pub fn concat(pieces: impl IntoIterator<Item = Piece<'a>>) -> Self {
        let mut joined = String::new();
        for piece in pieces {
            joined.push_str(&piece.to_string());
        }
        Piece(Inner::Plain(Cow::Owned(joined)))
    }

    /// `unit` `count` times (an indentation, a row of carets).
    pub fn repeat(unit: &'static str, count: usize) -> Self {
        Piece(Inner::Plain(Cow::Owned(unit.repeat(count))))
    }

    /// Padded with spaces on the right to `width` characters.
    #[must_use]
    pub fn pad_right(self, width: usize) -> Self {
        Piece(Inner::Plain(Cow::Owned(format!("{self:<width$}"))))
    }

    /// Padded with spaces on the left to `width` characters.
    #[must_use]
    pub fn pad_left(self, width: usize) -> Self {
        Piece(Inner::Plain(Cow::Owned(format!("{self:>width$}"))))
    }

    fn paint(self, style: impl FnOnce(ColoredString) -> ColoredString) -> Self {
        let coloured = match self.0 {
            Inner::Plain(text) => ColoredString::from(text.into_owned()),
            Inner::Styled(coloured) => coloured,
        };
        Piece(Inner::Styled(style(coloured)))
    }

    /// In bold.
    #[must_use]
    pub fn bold(self) -> Self {
        self.paint(Colorize::bold)
    }

    /// Underlined.
    #[must_use]
    pub fn underline(self) -> Self {
        self.paint(Colorize::underline)
    }

    /// Dimmed.
    #[must_use]
    pub fn dimmed(self) -> Self {
        self.paint(Colorize::dimmed)
    }

    /// In red.
    #[must_use]
    pub fn red(self) -> Self {
        self.paint(Colorize::red)
    }

    /// In green.
    #[must_use]
    pub fn green(self) -> Self {
        self.paint(Colorize::green)
    }

    /// In yellow.
    #[must_use]
    pub fn yellow(self) -> Self {
        self.paint(Colorize::yellow)
    }

    /// In blue.
    #[must_use]
    pub fn blue(self) -> Self {
        self.paint(Colorize::blue)
    }

    /// In cyan.
    #[must_use]
    pub fn cyan(self) -> Self {
        self.paint(Colorize::cyan)
    }
}

/// Our own words, as they are: a `&'static str` was written in this program (a literal, a
/// rule's documentation), never read from outside.
impl From<&'static str> for Piece<'static> {
    fn from(text: &'static str) -> Self {
        Piece(Inner::Plain(Cow::Borrowed(text)))
    }
}

macro_rules! number_pieces {
    ($($number:ty),*) => {$(
        /// A number, which holds no character to escape.
        impl From<$number> for Piece<'static> {
            fn from(number: $number) -> Self {
                Piece(Inner::Plain(Cow::Owned(number.to_string())))
            }
        }
    )*};
}
number_pieces!(usize, u64, u32, u16, u8);

impl fmt::Display for Piece<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            // `pad` so that a width (`{:<5}`) pads the text.
            Inner::Plain(text) => f.pad(text),
            Inner::Styled(coloured) => fmt::Display::fmt(coloured, f),
        }
    }
}

/// `text` escaped, then wrapped at spaces into lines of at most `width` columns (counted on
/// the escaped text, as it is printed). Never inside a word (a name, an address, a rule id:
/// no hyphenation either), and never inside a `code span`, which holds a record or a
/// command to paste: a span that does not fit gets a line of its own, unwrapped.
pub fn wrapped(text: &str, width: usize) -> Vec<Piece<'static>> {
    /// Stands for a space inside a code span while wrapping: a character that is never in the
    /// escaped text (escaping shows it as `\u{a0}`), so it is never confused with one.
    const HELD: char = '\u{a0}';
    let escaped = escape(text);
    let mut held = String::with_capacity(escaped.len());
    let mut in_code = false;
    for character in escaped.chars() {
        if character == '`' {
            in_code = !in_code;
        }
        held.push(if in_code && character == ' ' {
            HELD
        } else {
            character
        });
    }
    let options = textwrap::Options::new(width.max(1))
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::wrap(&held, options)
        .into_iter()
        .map(|line| Piece(Inner::Plain(Cow::Owned(line.replace(HELD, " ")))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(pieces: Vec<Piece<'_>>) -> String {
        let mut out = Vec::new();
        Term::new(&mut out).line(pieces).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn outside_text_is_escaped_and_our_words_are_not() {
        let hostile = String::from("evil\u{1b}]0;title\u{7}\u{202e}\r\n\0");
        let line = written(vec![
            Piece::from("label: "),
            Piece::text(&hostile),
            Piece::from(" "),
            Piece::text(hostile.clone()),
            Piece::from(42_usize),
        ]);
        let escaped = "evil\\x1b]0;title\\x07\\u{202e}\\x0d\\x0a\\x00";
        assert_eq!(line, format!("label: {escaped} {escaped}42\n"));
    }

    #[test]
    fn padding_and_concatenation_keep_the_escaping() {
        let line = written(vec![
            Piece::from(7_u64).pad_left(4),
            Piece::text("A\u{7}").pad_right(6),
            Piece::concat([Piece::from("("), Piece::text("\u{1b}"), Piece::from(")")]),
        ]);
        // The width counts the escaped text, as printed.
        assert_eq!(line, "   7A\\x07 (\\x1b)\n");
    }

    #[test]
    fn wrapping_never_breaks_words_names_or_code() {
        let lines = |text: &str, width| -> Vec<String> {
            wrapped(text, width)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(lines("aa bb cc dd", 5), ["aa bb", "cc dd"]);
        // A long word, a hyphenated name: whole, on a line of their own.
        assert_eq!(
            lines("see private-use-address here", 8),
            ["see", "private-use-address", "here"]
        );
        // A record to paste stays on one line, whatever the width.
        assert_eq!(
            lines(
                "Publish `_dmarc.example.com. IN TXT \"v=DMARC1; p=none\"` now.",
                20
            ),
            [
                "Publish",
                "`_dmarc.example.com. IN TXT \"v=DMARC1; p=none\"`",
                "now."
            ]
        );
        assert_eq!(lines("", 10), [""]);
    }

    #[test]
    fn wrapping_counts_the_escaped_text() {
        let lines: Vec<String> = wrapped("a\u{1b} b c", 5)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(lines, ["a\\x1b", "b c"]);
    }

    /// The renderer writes through [`Term`] only: a `write!` or `writeln!` in it could print
    /// a report's text raw, which is what this module exists to prevent.
    #[test]
    fn the_human_renderer_has_no_other_way_to_write() {
        let source = include_str!("human.rs");
        for forbidden in [
            "write!(",
            "writeln!(",
            "write_all(",
            "write_fmt(",
            "print!(",
        ] {
            assert!(
                !source.contains(forbidden),
                "render/human.rs uses {forbidden}: write lines through Term (emit!) instead"
            );
        }
    }
}
