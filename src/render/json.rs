//! The JSON renderer: the [`Report`] as one document, pretty-printed, and the one way every
//! JSON on stdout is written (documents, NDJSON lines, error documents).
//!
//! JSON keeps the real text of everything it holds: a TXT record's ESC byte is `\u001b` in
//! the document and ESC again once parsed. serde_json escapes C0 controls already, but writes
//! C1 controls (U+009B is CSI to some terminals), bidi overrides (U+202E) and invisible
//! formatting characters as they are; so a document printed on a terminal (`mailcheck --json
//! example.com` with no pipe) could still act on it. `TerminalSafe` writes those as `\uXXXX`
//! too: the document means exactly the same, and shows them as text.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter, Serializer};

use crate::escape::is_unsafe;
use crate::report::Report;

/// Writes `report` as one JSON document followed by a newline.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    write_pretty(report, &mut *out)?;
    writeln!(out)
}

/// Writes `value` as pretty-printed JSON (no newline after it).
pub fn write_pretty(value: &impl Serialize, out: &mut dyn Write) -> io::Result<()> {
    let mut serializer = Serializer::with_formatter(out, TerminalSafe(PrettyFormatter::new()));
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// Writes `value` as JSON on one line (no newline after it): an NDJSON line.
pub fn write_compact(value: &impl Serialize, out: &mut dyn Write) -> io::Result<()> {
    let mut serializer = Serializer::with_formatter(out, TerminalSafe(CompactFormatter));
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// `value` as pretty-printed JSON text.
pub fn to_pretty_string(value: &impl Serialize) -> io::Result<String> {
    let mut text = Vec::new();
    write_pretty(value, &mut text)?;
    String::from_utf8(text).map_err(io::Error::other)
}

/// A formatter that writes what [`is_unsafe`] flags as `\uXXXX` (see the module
/// documentation), and otherwise formats as `F` does.
struct TerminalSafe<F>(F);

/// Passes a structural method on to the inner formatter (the pretty one indents).
macro_rules! delegate {
    ($($method:ident $(($first:ident))?),* $(,)?) => {$(
        fn $method<W: ?Sized + Write>(&mut self, writer: &mut W $(, $first: bool)?)
            -> io::Result<()> {
            self.0.$method(writer $(, $first)?)
        }
    )*};
}

impl<F: Formatter> Formatter for TerminalSafe<F> {
    delegate!(
        begin_array,
        end_array,
        begin_array_value(first),
        end_array_value,
        begin_object,
        end_object,
        begin_object_key(first),
        end_object_key,
        begin_object_value,
        end_object_value,
    );

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_unsafe(c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            // Every character is_unsafe flags is in the Basic Multilingual Plane: one \u.
            write!(writer, "\\u{:04x}", u32::from(c))?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_and_c1_controls_are_written_as_escapes_and_read_back_as_they_were() {
        let text = "a\u{202e}b\u{9b}31m\u{1b}]0;x\u{7}c\u{200b}ü✔";
        let mut out = Vec::new();
        write_compact(&text, &mut out).unwrap();
        let written = String::from_utf8(out).unwrap();
        assert_eq!(written, r#""a\u202eb\u009b31m\u001b]0;x\u0007c\u200bü✔""#);
        assert_eq!(serde_json::from_str::<String>(&written).unwrap(), text);
    }

    #[test]
    fn the_layout_is_serde_jsons() {
        let value = serde_json::json!({"a": [1, {"b": "c"}], "d": []});
        let mut pretty = Vec::new();
        write_pretty(&value, &mut pretty).unwrap();
        assert_eq!(pretty, serde_json::to_vec_pretty(&value).unwrap());
        let mut compact = Vec::new();
        write_compact(&value, &mut compact).unwrap();
        assert_eq!(compact, serde_json::to_vec(&value).unwrap());
    }

    /// Every JSON written on stdout goes through this module's writers.
    #[test]
    fn the_other_writers_of_json_use_these() {
        for (name, source) in [
            ("output.rs", include_str!("../output.rs")),
            ("cli/run.rs", include_str!("../cli/run.rs")),
        ] {
            for forbidden in ["serde_json::to_writer", "serde_json::to_string"] {
                assert!(
                    !source.contains(forbidden),
                    "{name} uses {forbidden}: use render::json's writers"
                );
            }
        }
    }
}
