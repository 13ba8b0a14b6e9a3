//! SPF macro strings (RFC 7208 §7): parsing them with a span for every problem, and expanding
//! them for a given connection.
//!
//! ```text
//! macro-string  = *( macro-expand / macro-literal )
//! macro-expand  = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" / "%_" / "%-"
//! macro-literal = %x21-24 / %x26-7E        ; visible characters except "%"
//! macro-letter  = "s" / "l" / "o" / "d" / "i" / "p" / "h" / "c" / "r" / "t" / "v"
//! transformers  = *DIGIT [ "r" ]
//! delimiter     = "." / "-" / "+" / "," / "/" / "_" / "="
//! ```
//!
//! The parser is a single loop over the text: no recursion, no indexing that can panic. The
//! expander is pure (the `p` macro's DNS work is done by the caller beforehand) and its output
//! is bounded, whatever the record and the sender.

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::diagnostic::{Problem, Span};

/// Where a macro string appears, which decides what it may contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MacroContext {
    /// A `domain-spec` (targets of mechanisms, `redirect=`, `exp=`) or an unknown modifier's
    /// value: no spaces, and no `c`, `r`, `t` macros (RFC 7208 §7.3).
    Domain,
    /// The text of an explanation (the TXT record `exp=` points to): spaces allowed, and every
    /// macro letter (RFC 7208 §6.2, §7.3).
    Explanation,
}

/// A macro letter (RFC 7208 §7.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MacroLetter {
    /// `s`: the sender (`local-part@domain`).
    Sender,
    /// `l`: the local-part of the sender.
    Local,
    /// `o`: the domain of the sender.
    SenderDomain,
    /// `d`: the domain being checked (changes in `include` and `redirect`).
    Domain,
    /// `i`: the client IP, dotted (IPv4) or as dot-separated nibbles (IPv6).
    Ip,
    /// `p`: the validated domain name of the client IP (RFC 7208 §7.3 says not to use it).
    ValidatedName,
    /// `v`: `in-addr` for IPv4, `ip6` for IPv6.
    IpVersion,
    /// `h`: the HELO/EHLO domain.
    Helo,
    /// `c`: the client IP in its usual text form (explanations only).
    ClientIp,
    /// `r`: the domain name of the host doing the check (explanations only).
    Receiver,
    /// `t`: the current time in seconds since the epoch (explanations only).
    Timestamp,
}

impl MacroLetter {
    fn from_byte(byte: u8) -> Option<Self> {
        Some(match byte.to_ascii_lowercase() {
            b's' => MacroLetter::Sender,
            b'l' => MacroLetter::Local,
            b'o' => MacroLetter::SenderDomain,
            b'd' => MacroLetter::Domain,
            b'i' => MacroLetter::Ip,
            b'p' => MacroLetter::ValidatedName,
            b'v' => MacroLetter::IpVersion,
            b'h' => MacroLetter::Helo,
            b'c' => MacroLetter::ClientIp,
            b'r' => MacroLetter::Receiver,
            b't' => MacroLetter::Timestamp,
            _ => return None,
        })
    }

    /// The letter, lower case.
    pub fn as_char(self) -> char {
        match self {
            MacroLetter::Sender => 's',
            MacroLetter::Local => 'l',
            MacroLetter::SenderDomain => 'o',
            MacroLetter::Domain => 'd',
            MacroLetter::Ip => 'i',
            MacroLetter::ValidatedName => 'p',
            MacroLetter::IpVersion => 'v',
            MacroLetter::Helo => 'h',
            MacroLetter::ClientIp => 'c',
            MacroLetter::Receiver => 'r',
            MacroLetter::Timestamp => 't',
        }
    }

    /// Whether the letter may appear only in explanation text (RFC 7208 §7.3).
    pub fn explanation_only(self) -> bool {
        matches!(
            self,
            MacroLetter::ClientIp | MacroLetter::Receiver | MacroLetter::Timestamp
        )
    }
}

/// One `%{…}` expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacroExpand {
    /// Which value.
    pub letter: MacroLetter,
    /// An upper-case letter: the value is URL-escaped after expansion (RFC 7208 §7.3).
    pub url_escape: bool,
    /// Keep only this many right-hand parts (never 0; capped at 255).
    pub digits: Option<u8>,
    /// Reverse the parts first.
    pub reverse: bool,
    /// The characters the value is split on (`.` when none is given).
    pub delimiters: Vec<u8>,
    /// Where the expansion is, `%` to `}`.
    pub span: Span,
}

/// A piece of a macro string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MacroPart {
    /// Text taken as it is.
    Literal(String),
    /// A `%{…}` expansion.
    Expand(MacroExpand),
    /// `%%`: a percent sign.
    Percent,
    /// `%_`: a space.
    Space,
    /// `%-`: a URL-encoded space, `%20`.
    UrlSpace,
}

/// A parsed macro string: its parts, with where it is in the record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MacroString {
    /// The text as written.
    pub text: String,
    /// Where it is in the record.
    pub span: Span,
    /// Its pieces, in order.
    pub parts: Vec<MacroPart>,
}

impl MacroString {
    /// Whether the string holds any `%{…}` expansion (its value depends on the connection).
    pub fn has_expansions(&self) -> bool {
        self.parts
            .iter()
            .any(|part| matches!(part, MacroPart::Expand(_)))
    }

    /// Whether the string uses `letter`.
    pub fn uses(&self, letter: MacroLetter) -> bool {
        self.letters().any(|used| used == letter)
    }

    /// The macro letters used, in order.
    pub fn letters(&self) -> impl Iterator<Item = MacroLetter> + '_ {
        self.parts.iter().filter_map(|part| match part {
            MacroPart::Expand(expand) => Some(expand.letter),
            _ => None,
        })
    }
}

/// Parses `text`, which sits at byte `offset` of the record, as a macro string. Returns what
/// could be parsed and every problem found (spans are record offsets).
pub fn parse_macro_string(
    text: &str,
    offset: usize,
    context: MacroContext,
) -> (MacroString, Vec<Problem>) {
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    let mut literal = String::new();
    let bytes = text.as_bytes();
    let at = |start: usize, end: usize| Span::new(offset + start, offset + end);
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%' {
            let Some(&next) = bytes.get(i + 1) else {
                problems.push(Problem::new(
                    at(i, i + 1),
                    "a '%' must be followed by '{', '%', '_' or '-' (write %% for a percent sign)",
                ));
                i += 1;
                continue;
            };
            let simple = match next {
                b'%' => Some(MacroPart::Percent),
                b'_' => Some(MacroPart::Space),
                b'-' => Some(MacroPart::UrlSpace),
                _ => None,
            };
            if let Some(part) = simple {
                flush(&mut literal, &mut parts);
                parts.push(part);
                i += 2;
                continue;
            }
            if next != b'{' {
                let end = char_end(text, i + 1);
                problems.push(Problem::new(
                    at(i, end),
                    "a '%' must be followed by '{', '%', '_' or '-' (write %% for a percent sign)",
                ));
                i += 1;
                continue;
            }
            // `%{`: find the closing brace; a macro never holds a space or another `%`.
            let close = bytes[i + 2..]
                .iter()
                .position(|&b| b == b'}' || b == b'%' || b == b' ')
                .map(|p| i + 2 + p)
                .filter(|&p| bytes[p] == b'}');
            let Some(close) = close else {
                problems.push(Problem::new(
                    at(i, i + 2),
                    "a macro '%{' is not closed with '}'",
                ));
                i += 2;
                continue;
            };
            flush(&mut literal, &mut parts);
            match parse_expand(&bytes[i + 2..close], context) {
                Ok(mut expand) => {
                    expand.span = at(i, close + 1);
                    parts.push(MacroPart::Expand(expand));
                }
                Err(message) => problems.push(Problem::new(at(i, close + 1), message)),
            }
            i = close + 1;
        } else if (0x21..=0x7e).contains(&byte)
            || (byte == b' ' && context == MacroContext::Explanation)
        {
            literal.push(char::from(byte));
            i += 1;
        } else {
            let end = char_end(text, i);
            let shown = text.get(i..end).unwrap_or("");
            let message = if byte == b' ' {
                "a space cannot appear here".to_owned()
            } else if byte.is_ascii() {
                format!(
                    "the control character {} is not allowed in an SPF record",
                    shown.escape_debug()
                )
            } else {
                format!("the non-ASCII character {shown:?} is not allowed in an SPF record")
            };
            problems.push(Problem::new(at(i, end), message));
            i = end;
        }
    }
    flush(&mut literal, &mut parts);
    (
        MacroString {
            text: text.to_owned(),
            span: at(0, text.len()),
            parts,
        },
        problems,
    )
}

/// One past the end of the character that starts at byte `i` (at least `i + 1`).
fn char_end(text: &str, i: usize) -> usize {
    let mut end = i + 1;
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    end.min(text.len().max(i + 1))
}

fn flush(literal: &mut String, parts: &mut Vec<MacroPart>) {
    if !literal.is_empty() {
        parts.push(MacroPart::Literal(std::mem::take(literal)));
    }
}

/// The inside of `%{…}`: letter, digits, `r`, delimiters.
fn parse_expand(inner: &[u8], context: MacroContext) -> Result<MacroExpand, String> {
    let Some((&first, rest)) = inner.split_first() else {
        return Err("an empty macro '%{}': a letter is missing".to_owned());
    };
    let letter = MacroLetter::from_byte(first).ok_or_else(|| {
        format!(
            "unknown macro letter '{}': the letters are s, l, o, d, i, p, v, h (and c, r, t in \
             explanations)",
            char::from(first).escape_debug()
        )
    })?;
    if context == MacroContext::Domain && letter.explanation_only() {
        return Err(format!(
            "the macro letter '{}' is allowed only in explanation text (RFC 7208 §7.3)",
            letter.as_char()
        ));
    }
    let digit_count = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let (digit_bytes, rest) = rest.split_at(digit_count);
    let digits = if digit_bytes.is_empty() {
        None
    } else {
        // Values above 255 keep every part anyway; saturate rather than overflow.
        let value = digit_bytes.iter().fold(0u32, |n, d| {
            n.saturating_mul(10).saturating_add(u32::from(d - b'0'))
        });
        if value == 0 {
            return Err("the number of parts in a macro must not be 0 (RFC 7208 §7.3)".to_owned());
        }
        Some(u8::try_from(value).unwrap_or(u8::MAX))
    };
    let (reverse, rest) = match rest.split_first() {
        Some((b'r' | b'R', rest)) => (true, rest),
        _ => (false, rest),
    };
    if let Some(bad) = rest
        .iter()
        .find(|b| !matches!(b, b'.' | b'-' | b'+' | b',' | b'/' | b'_' | b'='))
    {
        return Err(format!(
            "'{}' is not a macro delimiter (the delimiters are . - + , / _ =)",
            char::from(*bad).escape_debug()
        ));
    }
    Ok(MacroExpand {
        letter,
        url_escape: first.is_ascii_uppercase(),
        digits,
        reverse,
        delimiters: rest.to_vec(),
        span: Span::default(),
    })
}

/// The values macros expand to, for one check.
#[derive(Clone, Debug)]
pub struct MacroValues<'a> {
    /// `s`: the sender, `local-part@domain`.
    pub sender: &'a str,
    /// `l`: the local-part (`postmaster` when the sender has none).
    pub local: &'a str,
    /// `o`: the sender's domain.
    pub sender_domain: &'a str,
    /// `d`: the domain being checked.
    pub domain: &'a str,
    /// `i`, `c`, `v`: the client address.
    pub ip: IpAddr,
    /// `h`: the HELO/EHLO name.
    pub helo: &'a str,
    /// `p`: the validated name of the client, when the caller found one (else `unknown`).
    pub validated: Option<&'a str>,
    /// `r`: the checking host's name.
    pub receiver: &'a str,
    /// `t`: seconds since the epoch.
    pub timestamp: u64,
}

/// Longest expansion kept, in bytes. Domain names are cut to 253 octets anyway (RFC 7208
/// §7.3), so for them only the right-hand end matters; an explanation is one SMTP reply line.
pub const MAX_EXPANSION: usize = 1024;

/// Expands `macro_string` with `values`. In [`MacroContext::Domain`] the right-hand
/// [`MAX_EXPANSION`] bytes are kept (the left is dropped by the §7.3 truncation anyway), so
/// the parts are expanded from the right and expansion stops once enough is there; in
/// [`MacroContext::Explanation`] the text is cut at [`MAX_EXPANSION`] bytes. Never panics,
/// and the work is linear in the output kept plus the size of the values.
pub fn expand(
    macro_string: &MacroString,
    values: &MacroValues<'_>,
    context: MacroContext,
) -> String {
    let mut out: Vec<u8> = Vec::new();
    match context {
        MacroContext::Explanation => {
            for part in &macro_string.parts {
                expand_part(part, values, &mut out);
                if out.len() >= MAX_EXPANSION {
                    out.truncate(MAX_EXPANSION);
                    break;
                }
            }
        }
        MacroContext::Domain => {
            // Right to left: each part's expansion is independent of the others.
            let mut pieces: Vec<Vec<u8>> = Vec::new();
            let mut total = 0;
            for part in macro_string.parts.iter().rev() {
                let mut piece = Vec::new();
                expand_part(part, values, &mut piece);
                total += piece.len();
                pieces.push(piece);
                if total >= MAX_EXPANSION {
                    break;
                }
            }
            for piece in pieces.iter().rev() {
                out.extend_from_slice(piece);
            }
            if out.len() > MAX_EXPANSION {
                out.drain(..out.len() - MAX_EXPANSION);
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn expand_part(part: &MacroPart, values: &MacroValues<'_>, out: &mut Vec<u8>) {
    match part {
        MacroPart::Literal(text) => out.extend_from_slice(text.as_bytes()),
        MacroPart::Percent => out.push(b'%'),
        MacroPart::Space => out.push(b' '),
        MacroPart::UrlSpace => out.extend_from_slice(b"%20"),
        MacroPart::Expand(expand) => expand_one(expand, values, out),
    }
}

fn expand_one(expand: &MacroExpand, values: &MacroValues<'_>, out: &mut Vec<u8>) {
    let raw: String = match expand.letter {
        MacroLetter::Sender => values.sender.to_owned(),
        MacroLetter::Local => values.local.to_owned(),
        MacroLetter::SenderDomain => values.sender_domain.to_owned(),
        MacroLetter::Domain => values.domain.to_owned(),
        MacroLetter::Ip => dotted_ip(values.ip),
        MacroLetter::ValidatedName => values.validated.unwrap_or("unknown").to_owned(),
        MacroLetter::IpVersion => match values.ip {
            IpAddr::V4(_) => "in-addr".to_owned(),
            IpAddr::V6(_) => "ip6".to_owned(),
        },
        MacroLetter::Helo => values.helo.to_owned(),
        MacroLetter::ClientIp => values.ip.to_string(),
        MacroLetter::Receiver => values.receiver.to_owned(),
        MacroLetter::Timestamp => values.timestamp.to_string(),
    };
    let delimiters: &[u8] = if expand.delimiters.is_empty() {
        b"."
    } else {
        &expand.delimiters
    };
    // Split on any delimiter, optionally reverse, keep the right-hand N parts, join with dots.
    let mut pieces: Vec<&[u8]> = raw.as_bytes().split(|b| delimiters.contains(b)).collect();
    if expand.reverse {
        pieces.reverse();
    }
    if let Some(keep) = expand.digits {
        let keep = usize::from(keep);
        if pieces.len() > keep {
            pieces.drain(..pieces.len() - keep);
        }
    }
    let joined = pieces.join(&b'.');
    if expand.url_escape {
        for &byte in &joined {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                out.push(byte);
            } else {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.extend_from_slice(&[
                    b'%',
                    HEX[usize::from(byte >> 4)],
                    HEX[usize::from(byte & 0xf)],
                ]);
            }
        }
    } else {
        out.extend_from_slice(&joined);
    }
}

/// The `i` macro's form of an address: `192.0.2.1`, or 32 dot-separated nibbles for IPv6
/// (RFC 7208 §7.3). Nibbles are written in upper case, as the reference implementation
/// does; DNS names are case-insensitive, so only explanation text sees the difference.
pub fn dotted_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let mut text = String::with_capacity(63);
            for (i, byte) in v6.octets().iter().enumerate() {
                if i > 0 {
                    text.push('.');
                }
                let _ = write!(text, "{:X}.{:X}", byte >> 4, byte & 0xf);
            }
            text
        }
    }
}

/// Applies RFC 7208 §7.3's rule for names too long to query: drop labels from the left until
/// the name has at most 253 characters. A trailing dot is ignored.
pub fn truncate_domain(name: &str) -> &str {
    let mut name = name.strip_suffix('.').unwrap_or(name);
    while name.len() > 253 {
        match name.find('.') {
            Some(dot) => name = &name[dot + 1..],
            None => break,
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(ip: &str) -> MacroValues<'static> {
        MacroValues {
            sender: "strong-bad@email.example.com",
            local: "strong-bad",
            sender_domain: "email.example.com",
            domain: "email.example.com",
            ip: ip.parse().unwrap(),
            helo: "mx.example.org",
            validated: None,
            receiver: "receiver.example",
            timestamp: 1_700_000_000,
        }
    }

    fn expanded(text: &str, ip: &str, context: MacroContext) -> String {
        let (parsed, problems) = parse_macro_string(text, 0, context);
        assert!(problems.is_empty(), "{text}: {problems:?}");
        expand(&parsed, &values(ip), context)
    }

    /// The examples of RFC 7208 §7.4.
    #[test]
    fn rfc_examples() {
        let d = MacroContext::Domain;
        let cases = [
            ("%{s}", "strong-bad@email.example.com"),
            ("%{o}", "email.example.com"),
            ("%{d}", "email.example.com"),
            ("%{d4}", "email.example.com"),
            ("%{d3}", "email.example.com"),
            ("%{d2}", "example.com"),
            ("%{d1}", "com"),
            ("%{dr}", "com.example.email"),
            ("%{d2r}", "example.email"),
            ("%{l}", "strong-bad"),
            ("%{l-}", "strong.bad"),
            ("%{lr}", "strong-bad"),
            ("%{lr-}", "bad.strong"),
            ("%{l1r-}", "strong"),
            (
                "%{ir}.%{v}._spf.%{d2}",
                "3.2.0.192.in-addr._spf.example.com",
            ),
            ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
            (
                "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
                "bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
            ),
            (
                "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
                "3.2.0.192.in-addr.strong.lp._spf.example.com",
            ),
            (
                "%{d2}.trusted-domains.example.net",
                "example.com.trusted-domains.example.net",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(expanded(text, "192.0.2.3", d), want, "{text}");
        }
        assert_eq!(
            expanded("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01", d),
            "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com"
        );
    }

    #[test]
    fn escapes_and_specials() {
        let e = MacroContext::Explanation;
        assert_eq!(expanded("a%%b%_c%-d", "192.0.2.3", e), "a%b c%20d");
        assert_eq!(
            expanded("%{S} from %{c} at %{r} %{t}", "192.0.2.3", e),
            "strong-bad%40email.example.com from 192.0.2.3 at receiver.example 1700000000"
        );
        assert_eq!(expanded("%{p}", "192.0.2.3", e), "unknown");
    }

    #[test]
    fn reports_every_problem_with_its_span() {
        let (_, problems) =
            parse_macro_string("a%{x}b%c%{d0}%{c}%{dr!}%{d", 10, MacroContext::Domain);
        let spans: Vec<(usize, usize)> = problems
            .iter()
            .map(|p| (p.span.start, p.span.end))
            .collect();
        assert_eq!(
            spans,
            [(11, 15), (16, 18), (18, 23), (23, 27), (27, 33), (33, 35)],
            "{problems:#?}"
        );
    }

    #[test]
    fn rejects_odd_characters_without_panicking() {
        for text in ["é", "a\u{0}", "a b", "%", "%{", "%{}", "\u{7f}"] {
            let (_, problems) = parse_macro_string(text, 0, MacroContext::Domain);
            assert!(!problems.is_empty(), "{text:?}");
            for problem in problems {
                assert!(problem.span.end <= text.len() && problem.span.start < problem.span.end);
            }
        }
    }

    #[test]
    fn output_is_bounded() {
        let text = "%{s}".repeat(2000);
        let (parsed, _) = parse_macro_string(&text, 0, MacroContext::Domain);
        assert!(expand(&parsed, &values("192.0.2.3"), MacroContext::Domain).len() <= MAX_EXPANSION);
        assert!(
            expand(&parsed, &values("192.0.2.3"), MacroContext::Explanation).len() <= MAX_EXPANSION
        );
    }

    #[test]
    fn truncates_long_names_from_the_left() {
        let long = format!("{}example.com.", "abcdefghi.".repeat(30));
        let cut = truncate_domain(&long);
        assert!(cut.len() <= 253 && cut.ends_with("example.com"));
        assert!(!cut.starts_with('.'));
        assert_eq!(truncate_domain("example.com."), "example.com");
    }
}
