//! `--resume FILE`: a batch run whose NDJSON output is a file that is also the record of its
//! progress, so that a run killed at any moment (SIGKILL included) is completed by running
//! the same command again.
//!
//! Why the file is always resumable: each domain line reaches the file in one `write(2)` on a
//! file opened with `O_APPEND` (the sink serialises the whole line first), so a kill leaves
//! whole lines and at most one partial last line, which has no newline. Reading the file back
//! ([`open`]) counts only whole lines, cuts a partial last line off (the file is truncated to
//! the end of its last whole line) before anything is appended, and drops the `run` summary
//! lines of earlier runs, so that the finished file ends with exactly one `run` line whose
//! counts cover every domain line in it: the same file as one uninterrupted run, apart from
//! the order of its lines.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::domain::parse_domain;
use crate::files::{AtomicFile, Size};
use crate::finding::Severity;
use crate::lines::{Line, LongLine, read_line};
use crate::output::Tally;

/// The longest line read from the file: 64 MiB. A domain line holds one audit's report,
/// whose size the audit's limits bound (a few hundred questions and their answers, far less
/// than this); a longer line is not one mailcheck wrote. The file itself may hold any number
/// of lines: it is read one line at a time, and only the names of the domains done are kept
/// (some 100 MB for 3 million domains, the most `--input` lists).
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// Why the file cannot be resumed from.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeError {
    /// A directory, FIFO, device: not a file a run can append to.
    #[error("it is not a regular file")]
    NotRegular,
    /// A line that is not one mailcheck writes under `--format ndjson`.
    #[error("line {line} {problem}; the file must be NDJSON output of mailcheck or a new file")]
    NotOutput {
        /// The line's number, from 1.
        line: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// The system refused.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// What the earlier runs left in the file.
#[derive(Debug, Default)]
pub struct Earlier {
    /// The domains reported, in A-label form (as batch mode normalises its input).
    pub done: HashSet<String>,
    /// The counts of the domain lines, for the `run` line and the exit code. Whether an
    /// incomplete audit was incomplete only because of `--offline` is not written in the
    /// file, so `incomplete_offline` is 0: an earlier incomplete domain counts against
    /// `--offline-ok`.
    pub tally: Tally,
    /// Bytes of a partial last line cut off (left by a run that was killed mid-write).
    pub cut: u64,
    /// Summary lines (`run`, or an error document) of earlier runs, dropped.
    pub dropped: usize,
}

/// The file, ready to be appended to, and what it held.
#[derive(Debug)]
pub struct Resumed {
    /// Open for appending (`O_APPEND`): every write goes to the end, whole.
    pub file: File,
    /// What the earlier runs did.
    pub earlier: Earlier,
}

/// Opens `path` for a resumed run, creating it when it does not exist: reads the domains done,
/// cuts a partial last line off, drops earlier summary lines (by truncating when they are at
/// the end, else by rewriting the file whole, atomically), and leaves it open for appending.
/// Refuses, before changing anything, a file with a line mailcheck would not have written.
pub fn open(path: &Path) -> Result<Resumed, ResumeError> {
    // Checked before opening: opening a FIFO waits for the other end.
    match fs::metadata(path) {
        Ok(metadata) if !metadata.is_file() => return Err(ResumeError::NotRegular),
        Ok(_) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(error.into()),
    }
    let mut file = append_to(path)?;
    if !file.metadata()?.is_file() {
        return Err(ResumeError::NotRegular);
    }
    let scan = scan(BufReader::new(&file))?;
    if scan.dropped.is_empty() {
        if scan.keep < scan.length {
            // Trailing summary lines and a partial line: gone in one step.
            file.set_len(scan.keep)?;
        }
    } else {
        // A summary line with domain lines after it (a finished run resumed with a longer
        // list, or files joined): the file is written again without it, whole or not at all,
        // so a kill now leaves either file.
        let mut copy = AtomicFile::create(path)?;
        copy_kept(&mut file, &scan, &mut copy)?;
        copy.commit()?;
        file = append_to(path)?;
    }
    let mut earlier = scan.earlier;
    earlier.cut = scan.length - scan.end_of_whole;
    Ok(Resumed { file, earlier })
}

fn append_to(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
}

/// Copies the bytes of `file` up to `scan.keep`, without the ranges of `scan.dropped`.
fn copy_kept(file: &mut File, scan: &Scan, out: &mut impl Write) -> io::Result<()> {
    let mut at = 0;
    for &(start, end) in scan.dropped.iter().chain(&[(scan.keep, scan.keep)]) {
        file.seek(SeekFrom::Start(at))?;
        let length = start - at;
        let copied = io::copy(&mut (&mut *file).take(length), out)?;
        if copied != length {
            return Err(io::Error::other("the file changed while it was read"));
        }
        at = end;
    }
    Ok(())
}

/// What a read of the file found.
#[derive(Debug, Default)]
struct Scan {
    earlier: Earlier,
    /// Where the part to keep ends: after the last domain line.
    keep: u64,
    /// Byte ranges of the summary lines before `keep`, to drop.
    dropped: Vec<(u64, u64)>,
    /// Where the last whole line ends.
    end_of_whole: u64,
    /// The bytes read.
    length: u64,
}

/// The fields of a line that resuming reads; serde skips the rest (a domain's findings,
/// records and questions) without keeping it.
#[derive(Deserialize)]
struct LineFields {
    domain: Option<String>,
    status: Option<String>,
    summary: Option<Counts>,
    run: Option<IgnoredAny>,
    schema_version: Option<IgnoredAny>,
    error: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Counts {
    errors: usize,
    warnings: usize,
    info: usize,
}

/// How each kind of line starts as mailcheck writes it (serde writes a struct's fields in
/// order): a partial last line must be the beginning of one of them to be cut off silently.
const LINE_STARTS: [&[u8]; 3] = [b"{\"domain\":\"", b"{\"run\":{", b"{\"schema_version\":"];

fn scan(mut reader: impl BufRead) -> Result<Scan, ResumeError> {
    let mut scan = Scan::default();
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        let start = scan.length;
        let read = read_line(&mut reader, &mut line, MAX_LINE_BYTES, LongLine::Stop)?;
        let Line {
            length,
            ended: whole,
        } = read.unwrap_or(Line {
            length: 0,
            ended: false,
        });
        if length > MAX_LINE_BYTES {
            return Err(io::Error::other(format!(
                "line {} is longer than {}, more than mailcheck writes for a domain",
                number + 1,
                Size(MAX_LINE_BYTES as u64)
            ))
            .into());
        }
        scan.length += line.len() as u64 + u64::from(whole);
        if !whole {
            if !line.is_empty() && !is_line_start(&line) {
                return Err(ResumeError::NotOutput {
                    line: number + 1,
                    problem: "is not a line of mailcheck's output (and has no newline)".to_owned(),
                });
            }
            // Summary lines after the last domain line go with the tail, cut, not rewritten.
            let keep = scan.keep;
            scan.dropped.retain(|&(_, end)| end <= keep);
            return Ok(scan);
        }
        number += 1;
        scan.end_of_whole = scan.length;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let fields = read_fields(&line).map_err(|problem| ResumeError::NotOutput {
            line: number,
            problem,
        })?;
        if let Some(done) = fields {
            add(&mut scan.earlier.tally, &done);
            scan.earlier.done.insert(done.domain);
            // Every summary line before this one is in the middle.
            scan.keep = scan.length;
        } else {
            scan.earlier.dropped += 1;
            scan.dropped.push((start, scan.length));
        }
    }
}

fn is_line_start(partial: &[u8]) -> bool {
    LINE_STARTS.iter().any(|start| {
        let common = start.len().min(partial.len());
        partial[..common] == start[..common]
    })
}

/// A domain line's facts.
struct Done {
    domain: String,
    counts: Counts,
    incomplete: bool,
}

/// The domain of a domain line, `None` for a summary line (`run`, or the error document of a
/// run that stopped before it began), or what is wrong with the line.
fn read_fields(line: &[u8]) -> Result<Option<Done>, String> {
    let fields: LineFields = serde_json::from_slice(line)
        .map_err(|_| "is not a JSON object of mailcheck's output".to_owned())?;
    match fields {
        LineFields {
            domain: Some(domain),
            status: Some(status),
            summary: Some(counts),
            run: None,
            ..
        } => {
            let domain = parse_domain(&domain)
                .map_err(|_| "names a domain that is not a valid domain name".to_owned())?;
            Ok(Some(Done {
                domain: domain.ascii.as_str().to_owned(),
                counts,
                incomplete: status == "incomplete",
            }))
        }
        LineFields {
            domain: None,
            run: Some(_),
            ..
        }
        | LineFields {
            domain: None,
            schema_version: Some(_),
            error: Some(_),
            ..
        } => Ok(None),
        _ => Err("is JSON but neither a domain's line nor a run line".to_owned()),
    }
}

fn add(tally: &mut Tally, done: &Done) {
    tally.domains += 1;
    tally.errors += done.counts.errors;
    tally.warnings += done.counts.warnings;
    tally.info += done.counts.info;
    let worst = [
        (done.counts.errors, Severity::Error),
        (done.counts.warnings, Severity::Warning),
        (done.counts.info, Severity::Info),
    ]
    .into_iter()
    .find(|&(count, _)| count > 0)
    .map(|(_, severity)| severity);
    tally.worst = tally.worst.max(worst);
    if done.incomplete {
        tally.incomplete += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = r#"{"domain":"a.example","status":"complete","summary":{"errors":1,"warnings":2,"info":0,"lookups":3,"lookups_failed":0},"findings":[],"records":{},"dns":[]}"#;
    const B: &str = r#"{"domain":"B.Example.","status":"incomplete","summary":{"errors":0,"warnings":0,"info":4,"lookups":3,"lookups_failed":1},"findings":[{"domain":"x"}],"records":{},"dns":[]}"#;
    const RUN: &str = r#"{"run":{"schema_version":1,"domains":2,"errors":1,"warnings":2,"info":4,"incomplete":1,"input_errors":[]}}"#;

    /// Writes `text` to a new file, resumes it, and returns what was found and what the file
    /// holds afterwards.
    fn resume(text: &str) -> (Result<Earlier, String>, String) {
        let dir = std::env::temp_dir().join(format!(
            "mailcheck-resume-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.ndjson");
        if !text.is_empty() {
            fs::write(&path, text).unwrap();
        }
        let result = open(&path).map(|resumed| resumed.earlier);
        let after = fs::read_to_string(&path).unwrap_or_default();
        fs::remove_dir_all(&dir).unwrap();
        (result.map_err(|error| error.to_string()), after)
    }

    fn names(earlier: &Earlier) -> Vec<&str> {
        let mut names: Vec<&str> = earlier.done.iter().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn a_new_file_is_created_empty() {
        let (earlier, after) = resume("");
        let earlier = earlier.unwrap();
        assert!(earlier.done.is_empty());
        assert_eq!(earlier.tally.domains, 0);
        assert_eq!(after, "");
    }

    #[test]
    fn whole_lines_are_done_and_counted() {
        let text = format!("{A}\n{B}\n");
        let (earlier, after) = resume(&text);
        let earlier = earlier.unwrap();
        // Compared in the form batch mode gives its input: lower case, no trailing dot.
        assert_eq!(names(&earlier), ["a.example", "b.example"]);
        let tally = earlier.tally;
        assert_eq!(
            (tally.domains, tally.errors, tally.warnings, tally.info),
            (2, 1, 2, 4)
        );
        assert_eq!((tally.incomplete, tally.worst), (1, Some(Severity::Error)));
        assert_eq!(after, text);
    }

    #[test]
    fn a_partial_last_line_is_cut_off_and_not_done() {
        for cut in [1, 5, 20, B.len() - 1, B.len()] {
            let text = format!("{A}\n{}", &B[..cut]);
            let (earlier, after) = resume(&text);
            let earlier = earlier.unwrap();
            assert_eq!(names(&earlier), ["a.example"], "cut at {cut}");
            assert_eq!(earlier.cut, cut as u64);
            assert_eq!(after, format!("{A}\n"));
        }
        let (earlier, after) = resume(&format!("{A}\n{RUN}\n{{\"ru"));
        assert_eq!(names(&earlier.unwrap()), ["a.example"]);
        assert_eq!(after, format!("{A}\n"));
    }

    #[test]
    fn a_run_line_at_the_end_is_dropped() {
        let (earlier, after) = resume(&format!("{A}\n{B}\n{RUN}\n"));
        let earlier = earlier.unwrap();
        assert_eq!(names(&earlier), ["a.example", "b.example"]);
        assert_eq!(earlier.dropped, 1);
        assert_eq!(after, format!("{A}\n{B}\n"));
        // A file of run lines only (a run of no domain, resumed).
        let (earlier, after) = resume(&format!("{RUN}\n{RUN}\n"));
        assert!(earlier.unwrap().done.is_empty());
        assert_eq!(after, "");
    }

    #[test]
    fn a_run_line_in_the_middle_is_dropped_by_rewriting() {
        let (earlier, after) = resume(&format!("{A}\n{RUN}\n{B}\n{RUN}\n{A}"));
        let earlier = earlier.unwrap();
        assert_eq!(names(&earlier), ["a.example", "b.example"]);
        assert_eq!(earlier.tally.domains, 2);
        assert_eq!(after, format!("{A}\n{B}\n"));
    }

    #[test]
    fn a_file_that_is_not_mailcheck_output_is_refused_and_left_alone() {
        let cases = [
            ("hello\n", 1, "not a JSON object"),
            ("{\"domain\":\"a.example\"}\n", 1, "neither a domain's line"),
            (&*format!("{A}\n[1, 2]\n{B}\n"), 2, "not a JSON object"),
            (&*format!("{A}\n{{\"name\": 1}}\n"), 2, "neither"),
            (
                &*format!("{A}\n{}\n", A.replace("a.example", "a b")),
                2,
                "valid domain",
            ),
            (&*format!("{A}\nexample.com"), 2, "has no newline"),
            ("\u{1b}[31mred\n", 1, "not a JSON object"),
        ];
        for (text, line, says) in cases {
            let (earlier, after) = resume(text);
            let error = earlier.unwrap_err();
            assert!(error.contains(&format!("line {line} ")), "{error}");
            assert!(error.contains(says), "{error}");
            assert!(!error.contains('\u{1b}'), "{error}");
            assert_eq!(after, text, "the file was changed");
        }
    }

    #[test]
    fn a_line_too_long_is_refused_without_holding_it() {
        let mut reader = io::BufReader::new(io::repeat(b'x').take(MAX_LINE_BYTES as u64 + 10));
        let error = scan(&mut reader).unwrap_err().to_string();
        assert!(error.contains("line 1 is longer than 64 MiB"), "{error}");
    }

    #[test]
    fn blank_lines_and_error_documents_are_not_domains() {
        let error = r#"{"schema_version":1,"tool":{"name":"mailcheck"},"error":{"kind":"input","message":"m"}}"#;
        let (earlier, after) = resume(&format!("\n{error}\n{A}\n"));
        assert_eq!(names(&earlier.unwrap()), ["a.example"]);
        assert_eq!(after, format!("\n{A}\n"));
    }
}
