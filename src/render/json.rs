//! The JSON renderer: the [`Report`] as one document, pretty-printed.

use std::io::{self, Write};

use crate::report::Report;

/// Writes `report` as one JSON document followed by a newline.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
