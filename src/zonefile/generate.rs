//! BIND's `$GENERATE` directive: `$GENERATE range lhs [ttl] [class] type rhs`, read as BIND 9
//! reads it (lib/dns/master.c), checked against `named-compilezone`.
//!
//! The range is `start-stop[/step]`. In `lhs` and `rhs`, `$` is the iterator, `${offset}`,
//! `${offset,width}` and `${offset,width,base}` add an offset and pad with zeros to a width in
//! a base (`d`, `o`, `x`, `X`, or `n`/`N` for reversed nibbles separated by dots, the width
//! then counting the dots too), and `$$` is a literal `$`. A backslash keeps the next
//! character as it is (`\$` stays `\$`, which the name or data reader then reads as `$`). The
//! right-hand side is one token whose content (a quoted one without its quotes, as BIND does)
//! is pasted into the record line.

/// The most records one `$GENERATE` makes. BIND's own bound is its integer range (up to
/// 2^31 - 1); a line of a hostile file could then ask for two billion records. Real files
/// generate at most a /16 of PTRs (65,536); past this the directive is reported and nothing
/// of it is read (the zone then counts as not read completely). Each generated record also
/// counts against the zone's entry cap.
pub const MAX_GENERATE: u64 = 65_536;

/// The largest start or stop of a range, BIND's (a signed 32-bit integer).
const MAX_VALUE: u64 = i32::MAX as u64;

/// The widest field `${offset,width,base}` pads to: no label or name is longer.
const MAX_WIDTH: usize = 255;

/// A parsed range: the values it iterates over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Range {
    pub start: u64,
    pub stop: u64,
    pub step: u64,
}

impl Range {
    /// How many records the range makes.
    pub fn count(&self) -> u64 {
        (self.stop - self.start) / self.step + 1
    }

    /// The values, in order.
    pub fn values(self) -> impl Iterator<Item = u64> {
        (self.start..=self.stop).step_by(usize::try_from(self.step).unwrap_or(usize::MAX))
    }
}

/// Reads `start-stop[/step]`.
pub(crate) fn range(text: &[u8]) -> Result<Range, String> {
    let text = std::str::from_utf8(text).map_err(|_| "the range is not text".to_owned())?;
    let invalid = || "the range must be START-STOP or START-STOP/STEP".to_owned();
    let (bounds, step_text) = match text.split_once('/') {
        Some((bounds, step_text)) => (bounds, Some(step_text)),
        None => (text, None),
    };
    let (first, last) = bounds.split_once('-').ok_or_else(invalid)?;
    let number = |text: &str| -> Result<u64, String> {
        if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(invalid());
        }
        text.parse::<u64>()
            .ok()
            .filter(|value| *value <= MAX_VALUE)
            .ok_or_else(|| format!("a range value is larger than {MAX_VALUE}"))
    };
    let start = number(first)?;
    let stop = number(last)?;
    let stride = match step_text {
        Some(text) => number(text)?,
        None => 1,
    };
    if start > stop {
        return Err(format!("the range {start}-{stop} runs backwards"));
    }
    if stride == 0 {
        return Err("the step of the range is 0".to_owned());
    }
    Ok(Range {
        start,
        stop,
        step: stride,
    })
}

/// `template` with `$` and `${...}` replaced for the value `value`.
pub(crate) fn expand(template: &[u8], value: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(template.len() + 8);
    let mut rest = template;
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b'\\' => {
                out.push(b'\\');
                if let Some((&next, tail)) = rest.split_first() {
                    out.push(next);
                    rest = tail;
                }
            }
            b'$' => match rest.first() {
                Some(b'$') => {
                    out.push(b'$');
                    rest = rest.get(1..).unwrap_or_default();
                }
                Some(b'{') => {
                    let close = rest
                        .iter()
                        .position(|&byte| byte == b'}')
                        .ok_or_else(|| "${ is not closed by }".to_owned())?;
                    let spec = rest.get(1..close).unwrap_or_default();
                    modifier(spec, value, &mut out)?;
                    rest = rest.get(close + 1..).unwrap_or_default();
                }
                _ => out.extend_from_slice(value.to_string().as_bytes()),
            },
            other => out.push(other),
        }
    }
    Ok(out)
}

/// `offset[,width[,base]]`, written for `value` into `out`.
fn modifier(spec: &[u8], value: u64, out: &mut Vec<u8>) -> Result<(), String> {
    let invalid = || {
        "a ${...} modifier must be ${OFFSET}, ${OFFSET,WIDTH} or ${OFFSET,WIDTH,BASE} with \
         BASE one of d, o, x, X, n, N"
            .to_owned()
    };
    let spec = std::str::from_utf8(spec).map_err(|_| invalid())?;
    let mut parts = spec.split(',');
    let offset: i64 = parts
        .next()
        .and_then(|text| text.trim().parse().ok())
        .ok_or_else(invalid)?;
    let width: usize = match parts.next() {
        Some(text) => text.trim().parse().map_err(|_| invalid())?,
        None => 0,
    };
    let base = match parts.next() {
        Some(text) => {
            let text = text.trim();
            if text.len() != 1 {
                return Err(invalid());
            }
            text.as_bytes().first().copied().ok_or_else(invalid)?
        }
        None => b'd',
    };
    if parts.next().is_some() {
        return Err(invalid());
    }
    if width > MAX_WIDTH {
        return Err(format!("a ${{...}} width is larger than {MAX_WIDTH}"));
    }
    let value = i64::try_from(value)
        .ok()
        .and_then(|value| value.checked_add(offset))
        .filter(|value| *value >= 0 && *value <= i64::from(i32::MAX))
        .ok_or_else(|| {
            "a ${...} offset takes the value out of the range 0 to 2147483647".to_owned()
        })?;
    let text = match base {
        b'd' => format!("{value:0width$}"),
        b'o' => format!("{value:0width$o}"),
        b'x' => format!("{value:0width$x}"),
        b'X' => format!("{value:0width$X}"),
        b'n' | b'N' => nibbles(value.unsigned_abs(), width, base == b'N'),
        _ => return Err(invalid()),
    };
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

/// BIND's nibble mode: the hex digits from the lowest, separated by dots, `width` counting
/// digits and dots (a dot follows the last digit when the width asks for one).
fn nibbles(mut value: u64, mut width: usize, upper: bool) -> String {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = String::new();
    loop {
        let digit = digits.get((value & 0xf) as usize).copied().unwrap_or(b'0');
        out.push(char::from(digit));
        value >>= 4;
        width = width.saturating_sub(1);
        if width > 0 || value != 0 {
            out.push('.');
            width = width.saturating_sub(1);
        }
        if value == 0 && width == 0 {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(template: &str, value: u64) -> String {
        String::from_utf8(expand(template.as_bytes(), value).unwrap()).unwrap()
    }

    #[test]
    fn ranges_as_bind_reads_them() {
        assert_eq!(
            range(b"1-4/2").unwrap(),
            Range {
                start: 1,
                stop: 4,
                step: 2
            }
        );
        assert_eq!(
            range(b"1-4/2").unwrap().values().collect::<Vec<_>>(),
            [1, 3]
        );
        assert_eq!(range(b"0-255").unwrap().count(), 256);
        assert!(range(b"3-1").is_err());
        assert!(range(b"1-2/0").is_err());
        assert!(range(b"1").is_err());
        assert!(range(b"-1-2").is_err());
        assert!(range(b"0-4294967295").is_err());
        assert!(range(b"\xff-1").is_err());
    }

    #[test]
    fn substitutions_as_named_compilezone_makes_them() {
        assert_eq!(text("host$", 7), "host7");
        assert_eq!(text("${10,3,d}.rev", 1), "011.rev");
        assert_eq!(text("h${0,4,x}", 255), "h00ff");
        assert_eq!(text("x${-10,2,X}", 11), "x01");
        assert_eq!(text("n${0,5,n}", 255), "nf.f.0");
        assert_eq!(text("n${0,6,n}", 255), "nf.f.0.");
        assert_eq!(text("n${0,0,N}", 0xab), "nB.A");
        assert_eq!(text("a\\$b$$c", 1), "a\\$b$c");
        assert_eq!(text("o${0,3,o}", 8), "o010");
        assert_eq!(text("${5}", 1), "6");
    }

    #[test]
    fn bad_modifiers_are_errors() {
        for bad in ["${", "${x}", "${1,2,q}", "${1,2,d,4}", "${-5}", "${0,999}"] {
            assert!(expand(bad.as_bytes(), 1).is_err(), "{bad}");
        }
    }
}
