//! Reading a file one line at a time with a bound on the line: the domain list (`--input`)
//! and the output file that `--resume` reads. Both are hostile input: a line may be longer
//! than any real one, or never end, and neither may make mailcheck hold more than its bound.

use std::io::{self, BufRead};

/// What to do with a line longer than the bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LongLine {
    /// Keep its first bytes, read past the rest to the next line (the domain list: one bad
    /// line is reported and the others are read).
    Cut,
    /// Stop reading as soon as the bound is passed (the resume file: such a line is not
    /// mailcheck's output, and the file is refused).
    Stop,
}

/// A line read by [`read_line`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    /// The line's length in bytes without its `\n`: all of it for [`LongLine::Cut`], at least
    /// the bound plus one for a line that [`LongLine::Stop`] stopped in.
    pub length: usize,
    /// Whether a `\n` ended it (a line without one is the last of the input).
    pub ended: bool,
}

/// Reads the next line into `line` without its `\n`, holding at most `max` bytes of it.
/// Returns `None` at the end of `input` (nothing was left to read); a line longer than `max`
/// has a [`Line::length`] over `max` and is handled as `long` says.
///
/// # Errors
///
/// An error reading `input` (an interrupted read is retried).
pub fn read_line(
    input: &mut impl BufRead,
    line: &mut Vec<u8>,
    max: usize,
    long: LongLine,
) -> io::Result<Option<Line>> {
    line.clear();
    let mut length = 0;
    let mut started = false;
    loop {
        let available = match input.fill_buf() {
            Ok(available) => available,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if available.is_empty() {
            return Ok(started.then_some(Line {
                length,
                ended: false,
            }));
        }
        started = true;
        let end = available.iter().position(|&byte| byte == b'\n');
        let part = &available[..end.unwrap_or(available.len())];
        let room = max.saturating_sub(line.len());
        line.extend_from_slice(&part[..part.len().min(room)]);
        length += part.len();
        if long == LongLine::Stop && length > max {
            return Ok(Some(Line {
                length,
                ended: false,
            }));
        }
        let used = end.map_or(part.len(), |end| end + 1);
        input.consume(used);
        if end.is_some() {
            return Ok(Some(Line {
                length,
                ended: true,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[u8], max: usize, long: LongLine) -> Vec<(Vec<u8>, Line)> {
        let mut input = io::BufReader::with_capacity(4, text);
        let mut line = Vec::new();
        let mut read = Vec::new();
        while let Some(found) = read_line(&mut input, &mut line, max, long).unwrap() {
            read.push((line.clone(), found));
            if long == LongLine::Stop && found.length > max {
                break;
            }
        }
        read
    }

    fn line(length: usize, ended: bool) -> Line {
        Line { length, ended }
    }

    #[test]
    fn lines_end_at_newlines_and_the_last_may_have_none() {
        assert_eq!(
            lines(b"ab\n\ncdefgh\nij", 100, LongLine::Cut),
            [
                (b"ab".to_vec(), line(2, true)),
                (Vec::new(), line(0, true)),
                (b"cdefgh".to_vec(), line(6, true)),
                (b"ij".to_vec(), line(2, false)),
            ]
        );
        assert!(lines(b"", 100, LongLine::Cut).is_empty());
        assert_eq!(
            lines(b"x\n", 100, LongLine::Stop),
            [(b"x".to_vec(), line(1, true))]
        );
    }

    #[test]
    fn a_long_line_is_cut_and_the_next_one_read() {
        assert_eq!(
            lines(b"abcdefghij\nk\n", 3, LongLine::Cut),
            [
                (b"abc".to_vec(), line(10, true)),
                (b"k".to_vec(), line(1, true)),
            ]
        );
    }

    #[test]
    fn a_long_line_stops_the_reading_soon_after_the_bound() {
        let found = lines(b"abcdefghijklmnopqrstuvwxyz\nk\n", 3, LongLine::Stop);
        assert_eq!(found.len(), 1);
        let (kept, stopped) = &found[0];
        assert_eq!(kept, b"abc");
        // Stopped within the buffer (4 bytes) that passed the bound, not at the line's end.
        assert!(stopped.length > 3 && stopped.length <= 8, "{stopped:?}");
        assert!(!stopped.ended);
    }
}
