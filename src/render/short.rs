//! `--format short`: one line per finding, as compilers and ruff's concise output write
//! them, so that `grep` and editors' quickfix lists read them:
//!
//! ```text
//! example.com: error mx-target-cname mail.example.com: the MX host is an alias (CNAME) …
//! db.example.com:12: example.com: error zone-parse-error db.example.com:12: …
//! ```
//!
//! A finding from a `--zone` or `--expect` file starts with `FILE:LINE:`. Everything that
//! comes from outside (names, records, messages quoting them) is escaped, as in human output.

use std::io::{self, Write};

use crate::escape::escape;
use crate::finding::Finding;
use crate::report::{DomainReport, Report};

/// Writes every finding of every domain of `report`, and of every record checked on its own
/// (`mailcheck record`, whose lines start with `KIND record:` in place of a domain).
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (name, finding) in report.named_findings() {
        writeln!(out, "{}", line(&name, finding))?;
    }
    Ok(())
}

/// Writes one line per finding of one domain.
pub fn render_domain(report: &DomainReport, out: &mut dyn Write) -> io::Result<()> {
    for finding in &report.findings {
        writeln!(out, "{}", line(&report.domain, finding))?;
    }
    Ok(())
}

/// `[FILE:LINE: ]DOMAIN: SEVERITY RULE SUBJECT: MESSAGE`, on one line. A finding located in a
/// file says where once: a subject that is the location itself, and the `FILE:LINE:` or
/// `FILE:` its message starts with, are left out.
fn line(domain: &str, finding: &Finding) -> String {
    let mut message = finding.message.as_str();
    let mut subject = Some(finding.subject.as_str());
    let location = match &finding.location {
        Some(location) => {
            let at = format!("{}:{}", location.file, location.line);
            if finding.subject == at {
                subject = None;
            }
            for prefix in [format!("{at}: "), format!("{}: ", location.file)] {
                if let Some(rest) = message.strip_prefix(&prefix) {
                    message = rest;
                    break;
                }
            }
            format!("{}: ", escape(&at))
        }
        None => String::new(),
    };
    // A message is one sentence; a line break in it (there is none today) would split the
    // finding over two lines of a quickfix list.
    let message = escape(message).replace('\n', " ");
    let subject = subject
        .map(|subject| format!(" {}", escape(subject)))
        .unwrap_or_default();
    format!(
        "{location}{}: {} {}{subject}: {message}",
        escape(domain),
        finding.severity,
        finding.rule,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::zone::ZONE_PARSE_ERROR;

    #[test]
    fn a_line_per_finding_with_the_file_first() {
        let finding =
            Finding::new(&ZONE_PARSE_ERROR, "db.x:3", "db.x:3: bad \u{1b}[2J line").at("db.x", 3);
        assert_eq!(
            line("example.com", &finding),
            "db.x:3: example.com: error zone-parse-error: bad \\x1b[2J line"
        );
        let finding = Finding::new(&ZONE_PARSE_ERROR, "www.example.com", "text").at("db.x", 9);
        assert_eq!(
            line("example.com", &finding),
            "db.x:9: example.com: error zone-parse-error www.example.com: text"
        );
    }
}
