//! Tag=value lists (RFC 6376 §3.2), the syntax shared by DKIM key records, DMARC (RFC 7489
//! §6.4), MTA-STS (RFC 8461 §3.1), TLS-RPT (RFC 8460 §3) and BIMI records.
//!
//! ```text
//! tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
//! tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
//! tag-name  =  ALPHA *ALNUMPUNC            ; ALNUMPUNC = ALPHA / DIGIT / "_"
//! tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
//! tval      =  1*VALCHAR                   ; VALCHAR = %x21-3A / %x3C-7E
//! ```
//!
//! The parser keeps going after an error: every tag it can read is returned, every problem is
//! reported with its span. Whether a duplicate tag or an empty list is fatal is for the caller
//! (the record type) to say.

use crate::diagnostic::{Problem, Span};

/// One `name=value` pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag<'a> {
    /// The tag name as written (compare case-sensitively for DKIM, insensitively for DMARC).
    pub name: &'a str,
    /// Where the name is.
    pub name_span: Span,
    /// The value with surrounding white space removed (inner white space kept).
    pub value: &'a str,
    /// Where the value is (empty span just after `=` for an empty value).
    pub value_span: Span,
    /// The whole `name=value` spec, without surrounding white space.
    pub span: Span,
}

/// A parsed tag list: the tags in order (duplicates included) and the problems found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagList<'a> {
    /// Every tag that could be read, in order.
    pub tags: Vec<Tag<'a>>,
    /// Syntax problems, in order of position.
    pub problems: Vec<Problem>,
}

impl<'a> TagList<'a> {
    /// The first tag called `name` (exact match).
    pub fn get(&self, name: &str) -> Option<&Tag<'a>> {
        self.tags.iter().find(|tag| tag.name == name)
    }

    /// Tags whose name appears more than once (each repeat after the first), compared with
    /// `same_name`.
    pub fn duplicates(&self, same_name: impl Fn(&str, &str) -> bool) -> Vec<&Tag<'a>> {
        self.tags
            .iter()
            .enumerate()
            .filter(|(i, tag)| {
                self.tags[..*i]
                    .iter()
                    .any(|earlier| same_name(earlier.name, tag.name))
            })
            .map(|(_, tag)| tag)
            .collect()
    }
}

/// White space as the tag-list grammar allows it: WSP, and CRLF folding (accepted leniently
/// as any CR or LF, since DNS TXT data carries no real line structure).
fn is_fws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Parses `text` as a tag list.
pub fn parse(text: &str) -> TagList<'_> {
    let mut list = TagList::default();
    let mut offset = 0;
    for spec in text.split(';') {
        let spec_start = offset;
        offset += spec.len() + 1;
        let trimmed = spec.trim_matches(is_fws);
        if trimmed.is_empty() {
            // An empty spec is allowed only as the trailing `;`; elsewhere (`a=1;;b=2`) it is
            // tolerated by every implementation we know, so it is not reported.
            continue;
        }
        let spec_span = Span::of(text, trimmed);
        let Some(eq) = trimmed.find('=') else {
            list.problems.push(Problem::new(
                spec_span,
                format!("\"{trimmed}\" is not a tag=value pair (no '=')"),
            ));
            continue;
        };
        let raw_name = &trimmed[..eq];
        let name = raw_name.trim_matches(is_fws);
        let raw_value = &trimmed[eq + 1..];
        let value = raw_value.trim_matches(is_fws);
        let name_span = if name.is_empty() {
            Span::new(spec_span.start, spec_span.start)
        } else {
            Span::of(text, name)
        };
        let value_span = if value.is_empty() {
            let at = spec_start + (raw_value.as_ptr() as usize - spec.as_ptr() as usize);
            Span::new(at, at)
        } else {
            Span::of(text, value)
        };
        check_name(name, name_span, &mut list.problems);
        check_value(text, value, &mut list.problems);
        list.tags.push(Tag {
            name,
            name_span,
            value,
            value_span,
            span: spec_span,
        });
    }
    list
}

fn check_name(name: &str, span: Span, problems: &mut Vec<Problem>) {
    let mut chars = name.chars();
    match chars.next() {
        None => problems.push(Problem::new(span, "a tag has no name before '='")),
        Some(first) if !first.is_ascii_alphabetic() => problems.push(Problem::new(
            span,
            format!("tag name \"{name}\" must start with a letter"),
        )),
        Some(_) => {
            if chars.any(|c| !(c.is_ascii_alphanumeric() || c == '_')) {
                problems.push(Problem::new(
                    span,
                    format!("tag name \"{name}\" may hold only letters, digits and '_'"),
                ));
            }
        }
    }
}

/// Characters outside VALCHAR and white space (controls, non-ASCII) are reported once per
/// value, at the first one.
fn check_value(text: &str, value: &str, problems: &mut Vec<Problem>) {
    if let Some((index, c)) = value
        .char_indices()
        .find(|(_, c)| !(('!'..='~').contains(c) || is_fws(*c)))
    {
        let start = Span::of(text, value).start + index;
        problems.push(Problem::new(
            Span::new(start, start + c.len_utf8()),
            format!("the value holds the character {c:?}, which a tag value may not"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags_with_spans() {
        let text = "v=DKIM1; k=rsa;\tp=MIIB AQAB ; ";
        let list = parse(text);
        assert!(list.problems.is_empty(), "{:?}", list.problems);
        let names: Vec<&str> = list.tags.iter().map(|tag| tag.name).collect();
        assert_eq!(names, ["v", "k", "p"]);
        let p = list.get("p").unwrap();
        assert_eq!(p.value, "MIIB AQAB");
        assert_eq!(p.value_span.slice(text), "MIIB AQAB");
        assert_eq!(p.name_span.slice(text), "p");
        assert_eq!(list.get("v").unwrap().span.slice(text), "v=DKIM1");
    }

    #[test]
    fn keeps_going_after_errors() {
        let text = "v=DMARC1; bogus; 1x=2; p=reject; =none; rua=\u{1b}[31m";
        let list = parse(text);
        let names: Vec<&str> = list.tags.iter().map(|tag| tag.name).collect();
        assert_eq!(names, ["v", "1x", "p", "", "rua"]);
        let messages: Vec<&str> = list.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert_eq!(list.problems[0].span.slice(text), "bogus");
        assert_eq!(list.problems[1].span.slice(text), "1x");
        assert_eq!(list.problems[3].span.slice(text), "\u{1b}");
    }

    #[test]
    fn empty_values_and_duplicates() {
        let text = "p=; p=x;";
        let list = parse(text);
        assert_eq!(list.tags[0].value, "");
        assert_eq!(list.tags[0].value_span, Span::new(2, 2));
        let duplicates = list.duplicates(|a, b| a == b);
        assert_eq!(duplicates.len(), 1);
        assert_eq!(duplicates[0].value, "x");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "",
            ";",
            ";;;",
            "=",
            "==",
            "a==b",
            "é=ü; ü",
            "\0=\0",
            "a=b;c",
            " ; = ; ",
        ] {
            let list = parse(text);
            for problem in &list.problems {
                let _ = problem.span.slice(text);
            }
            for tag in &list.tags {
                assert_eq!(tag.value_span.slice(text), tag.value);
            }
        }
    }
}
