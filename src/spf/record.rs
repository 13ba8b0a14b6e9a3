//! The SPF record grammar (RFC 7208 §4.5, §4.6.1, §12) and a parser that reports every
//! problem with its span and keeps going.
//!
//! ```text
//! record    = version terms *SP              version = "v=spf1"
//! terms     = *( 1*SP ( directive / modifier ) )
//! directive = [ qualifier ] mechanism        qualifier = "+" / "-" / "?" / "~"
//! mechanism = all / include / a / mx / ptr / ip4 / ip6 / exists
//! modifier  = redirect / explanation / unknown-modifier
//! unknown-modifier = name "=" macro-string   name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
//! ```
//!
//! Terms are separated by spaces only: any other white space or control character is a
//! syntax error (RFC 7208 §4.6.1). Each term is parsed on its own, so an error in one never
//! hides the others. No recursion, no indexing that can panic.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use super::macros::{MacroContext, MacroPart, MacroString, parse_macro_string};
use crate::diagnostic::{Problem, Span};

/// What a matching directive says (RFC 7208 §4.6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Qualifier {
    /// `+` (the default): the host is authorised.
    Pass,
    /// `-`: the host is not authorised.
    Fail,
    /// `~`: probably not authorised.
    SoftFail,
    /// `?`: no statement.
    Neutral,
}

impl Qualifier {
    /// The qualifier character.
    pub fn as_char(self) -> char {
        match self {
            Qualifier::Pass => '+',
            Qualifier::Fail => '-',
            Qualifier::SoftFail => '~',
            Qualifier::Neutral => '?',
        }
    }
}

/// CIDR prefix lengths of `a` and `mx` (RFC 7208 §5.6): `/n` for IPv4, `//n` for IPv6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DualCidr {
    /// IPv4 prefix length, 0 to 32 (32 when not given).
    pub v4: u8,
    /// IPv6 prefix length, 0 to 128 (128 when not given).
    pub v6: u8,
}

impl Default for DualCidr {
    fn default() -> Self {
        DualCidr { v4: 32, v6: 128 }
    }
}

/// A mechanism (RFC 7208 §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mechanism {
    /// `all`: always matches.
    All,
    /// `include:<domain-spec>`: matches if the other domain's check passes.
    Include(MacroString),
    /// `a[:<domain-spec>][/n][//n]`: matches the domain's addresses.
    A {
        /// The target; the current domain when absent.
        domain: Option<MacroString>,
        /// Prefix lengths.
        cidr: DualCidr,
    },
    /// `mx[:<domain-spec>][/n][//n]`: matches the addresses of the domain's MX hosts.
    Mx {
        /// The target; the current domain when absent.
        domain: Option<MacroString>,
        /// Prefix lengths.
        cidr: DualCidr,
    },
    /// `ptr[:<domain-spec>]`: matches a validated reverse name under the target (do not use,
    /// RFC 7208 §5.5).
    Ptr(Option<MacroString>),
    /// `ip4:<network>[/n]`.
    Ip4 {
        /// The network address.
        network: Ipv4Addr,
        /// The prefix length (32 when not given).
        prefix: u8,
    },
    /// `ip6:<network>[/n]`.
    Ip6 {
        /// The network address.
        network: Ipv6Addr,
        /// The prefix length (128 when not given).
        prefix: u8,
    },
    /// `exists:<domain-spec>`: matches if the name has an A record.
    Exists(MacroString),
}

impl Mechanism {
    /// The mechanism's name, lower case.
    pub fn name(&self) -> &'static str {
        match self {
            Mechanism::All => "all",
            Mechanism::Include(_) => "include",
            Mechanism::A { .. } => "a",
            Mechanism::Mx { .. } => "mx",
            Mechanism::Ptr(_) => "ptr",
            Mechanism::Ip4 { .. } => "ip4",
            Mechanism::Ip6 { .. } => "ip6",
            Mechanism::Exists(_) => "exists",
        }
    }

    /// Whether evaluating it costs one of the 10 DNS lookups (RFC 7208 §4.6.4).
    pub fn costs_lookup(&self) -> bool {
        matches!(
            self,
            Mechanism::Include(_)
                | Mechanism::A { .. }
                | Mechanism::Mx { .. }
                | Mechanism::Ptr(_)
                | Mechanism::Exists(_)
        )
    }

    /// The domain-spec it names, if any.
    pub fn domain_spec(&self) -> Option<&MacroString> {
        match self {
            Mechanism::Include(domain) | Mechanism::Exists(domain) => Some(domain),
            Mechanism::A { domain, .. } | Mechanism::Mx { domain, .. } | Mechanism::Ptr(domain) => {
                domain.as_ref()
            }
            Mechanism::All | Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => None,
        }
    }
}

/// A qualifier and a mechanism.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The result when the mechanism matches.
    pub qualifier: Qualifier,
    /// Whether the qualifier was written out (`+all`) rather than implied (`all`).
    pub explicit_qualifier: bool,
    /// The mechanism.
    pub mechanism: Mechanism,
}

/// A modifier (RFC 7208 §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Modifier {
    /// `redirect=<domain-spec>`: use that domain's record when nothing here matches.
    Redirect(MacroString),
    /// `exp=<domain-spec>`: where the explanation of a `fail` is published.
    Explanation(MacroString),
    /// Any other `name=value`, which evaluation ignores.
    Unknown {
        /// The name as written.
        name: String,
        /// The value.
        value: MacroString,
    },
}

/// What a term turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TermKind {
    /// A directive (qualifier and mechanism).
    Directive(Directive),
    /// A modifier.
    Modifier(Modifier),
    /// Something that could not be parsed (its problems are in [`Record::problems`]).
    Invalid,
}

/// One space-separated term of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// The term as written.
    pub text: String,
    /// Where it is in the record.
    pub span: Span,
    /// What it is.
    pub kind: TermKind,
}

impl Term {
    /// The directive, if this term is one.
    pub fn directive(&self) -> Option<&Directive> {
        match &self.kind {
            TermKind::Directive(directive) => Some(directive),
            _ => None,
        }
    }

    /// Whether evaluating it costs one of the 10 DNS lookups: `include`, `a`, `mx`, `ptr`,
    /// `exists` and `redirect` (RFC 7208 §4.6.4).
    pub fn costs_lookup(&self) -> bool {
        match &self.kind {
            TermKind::Directive(directive) => directive.mechanism.costs_lookup(),
            TermKind::Modifier(Modifier::Redirect(_)) => true,
            _ => false,
        }
    }
}

impl Term {
    /// Whether a term that could not be parsed was probably meant as `all`: its mechanism
    /// name (after any qualifier, before `:`, `/` or `=`) is `all` or one edit away from it
    /// (`-all.`, `-al`, `~alll`). Lint uses it to stay quiet about how the record ends when
    /// the end itself is what could not be read.
    pub fn may_be_all(&self) -> bool {
        if !matches!(self.kind, TermKind::Invalid) {
            return false;
        }
        let body = self.text.trim_start_matches(['+', '-', '~', '?']);
        let name = body.split([':', '/', '=']).next().unwrap_or_default();
        let lower = name.to_ascii_lowercase();
        lower == "all" || (lower.len() <= 5 && edit_distance(&lower, "all") <= 1)
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A parsed SPF record: every term that could be read and every problem found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// The record's text (character-strings joined).
    pub text: String,
    /// The terms after the version, in order (invalid ones included).
    pub terms: Vec<Term>,
    /// Syntax problems, in order of position. Any problem makes evaluation a `permerror`
    /// (RFC 7208 §4.6).
    pub problems: Vec<Problem>,
}

impl Record {
    /// The term indexes in evaluation order (RFC 7208 §4.6.2, §6.1): directives left to right,
    /// then `redirect`.
    pub fn evaluation_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = self
            .terms
            .iter()
            .enumerate()
            .filter(|(_, term)| matches!(term.kind, TermKind::Directive(_)))
            .map(|(i, _)| i)
            .collect();
        order.extend(
            self.terms
                .iter()
                .position(|term| matches!(term.kind, TermKind::Modifier(Modifier::Redirect(_)))),
        );
        order
    }

    /// Whether the record has no syntax problem.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// The directives, in order, with their terms.
    pub fn directives(&self) -> impl Iterator<Item = (&Term, &Directive)> {
        self.terms
            .iter()
            .filter_map(|term| term.directive().map(|directive| (term, directive)))
    }

    /// The first `redirect=` modifier, with its term.
    pub fn redirect(&self) -> Option<(&Term, &MacroString)> {
        self.terms.iter().find_map(|term| match &term.kind {
            TermKind::Modifier(Modifier::Redirect(domain)) => Some((term, domain)),
            _ => None,
        })
    }

    /// The first `exp=` modifier, with its term.
    pub fn explanation(&self) -> Option<(&Term, &MacroString)> {
        self.terms.iter().find_map(|term| match &term.kind {
            TermKind::Modifier(Modifier::Explanation(domain)) => Some((term, domain)),
            _ => None,
        })
    }

    /// The first `all` directive, with its term.
    pub fn all(&self) -> Option<(&Term, &Directive)> {
        self.directives()
            .find(|(_, directive)| directive.mechanism == Mechanism::All)
    }
}

/// Whether `text` is an SPF record by RFC 7208 §4.5: it starts with `v=spf1` (any case)
/// followed by a space or the end.
pub fn is_spf_record(text: &[u8]) -> bool {
    text.get(..6)
        .is_some_and(|version| version.eq_ignore_ascii_case(b"v=spf1"))
        && matches!(text.get(6), None | Some(b' '))
}

/// Parses an SPF record's text. Never panics; every problem comes with its span.
pub fn parse_record(text: &str) -> Record {
    let mut record = Record {
        text: text.to_owned(),
        ..Record::default()
    };
    let mut tokens = tokens(text).peekable();
    match tokens.peek() {
        Some(&(start, token)) if token.eq_ignore_ascii_case("v=spf1") => {
            if start != 0 {
                record.problems.push(Problem::new(
                    Span::new(0, start),
                    "an SPF record starts with v=spf1, with no space before it",
                ));
            }
            tokens.next();
        }
        Some(&(start, token))
            if token
                .as_bytes()
                .get(..2)
                .is_some_and(|v| v.eq_ignore_ascii_case(b"v=")) =>
        {
            record.problems.push(Problem::new(
                Span::new(start, start + token.len()),
                format!("\"{token}\" is not the SPF version: an SPF record starts with v=spf1"),
            ));
            tokens.next();
        }
        _ => record.problems.push(Problem::new(
            Span::new(0, 0),
            "an SPF record starts with v=spf1",
        )),
    }
    let mut seen_redirect = false;
    let mut seen_exp = false;
    for (start, token) in tokens {
        let span = Span::new(start, start + token.len());
        let kind = parse_term(token, start, &mut record.problems);
        // RFC 7208 §6: redirect and exp may each appear once.
        if let TermKind::Modifier(Modifier::Redirect(_) | Modifier::Explanation(_)) = &kind {
            let (seen, name) = match &kind {
                TermKind::Modifier(Modifier::Redirect(_)) => (&mut seen_redirect, "redirect"),
                _ => (&mut seen_exp, "exp"),
            };
            if *seen {
                record.problems.push(Problem::new(
                    span,
                    format!(
                        "{name}= appears more than once; it may appear only once (RFC 7208 §6)"
                    ),
                ));
            }
            *seen = true;
        }
        record.terms.push(Term {
            text: token.to_owned(),
            span,
            kind,
        });
    }
    record.problems.sort_by_key(|problem| problem.span);
    record
}

/// The space-separated tokens of `text` with their byte offsets.
fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split(' ').filter_map(move |token| {
        let start = offset;
        offset += token.len() + 1;
        (!token.is_empty()).then_some((start, token))
    })
}

const MECHANISMS: &[&str] = &["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"];

/// Parses one term at byte `start` of the record.
fn parse_term(token: &str, start: usize, problems: &mut Vec<Problem>) -> TermKind {
    let span = Span::new(start, start + token.len());
    if let Some(name_len) = modifier_name_len(token) {
        let name = &token[..name_len];
        let value = &token[name_len + 1..];
        let value_start = start + name_len + 1;
        return parse_modifier(name, value, value_start, span, problems);
    }

    let (qualifier, explicit, body, body_start) = match token.as_bytes().first() {
        Some(b'+') => (Qualifier::Pass, true, &token[1..], start + 1),
        Some(b'-') => (Qualifier::Fail, true, &token[1..], start + 1),
        Some(b'~') => (Qualifier::SoftFail, true, &token[1..], start + 1),
        Some(b'?') => (Qualifier::Neutral, true, &token[1..], start + 1),
        _ => (Qualifier::Pass, false, token, start),
    };
    let name_len = body.find([':', '/', '=']).unwrap_or(body.len());
    let name = &body[..name_len];
    let arg = &body[name_len..];
    let arg_start = body_start + name_len;
    let name_span = Span::new(body_start, arg_start);
    let lower = name.to_ascii_lowercase();
    let mechanism = match lower.as_str() {
        "all" => {
            if !arg.is_empty() {
                problems.push(Problem::new(
                    Span::new(arg_start, span.end),
                    "all takes no argument and no CIDR length",
                ));
                return TermKind::Invalid;
            }
            Some(Mechanism::All)
        }
        "include" | "exists" => {
            let domain = required_domain(&lower, arg, arg_start, problems);
            domain.map(|domain| {
                if lower == "include" {
                    Mechanism::Include(domain)
                } else {
                    Mechanism::Exists(domain)
                }
            })
        }
        "ptr" => match arg.as_bytes().first() {
            None => Some(Mechanism::Ptr(None)),
            Some(b':') => required_domain("ptr", arg, arg_start, problems)
                .map(|domain| Mechanism::Ptr(Some(domain))),
            Some(_) => {
                problems.push(Problem::new(
                    Span::new(arg_start, span.end),
                    "ptr takes no CIDR length: write ptr or ptr:<domain>",
                ));
                None
            }
        },
        "a" | "mx" => parse_a_mx(&lower, arg, arg_start, problems),
        "ip4" => parse_ip4(arg, arg_start, problems),
        "ip6" => parse_ip6(arg, arg_start, problems),
        _ => {
            problems.push(Problem::new(
                if name.is_empty() { span } else { name_span },
                unknown_term_message(token, name, arg),
            ));
            None
        }
    };
    match mechanism {
        Some(mechanism) => TermKind::Directive(Directive {
            qualifier,
            explicit_qualifier: explicit,
            mechanism,
        }),
        None => TermKind::Invalid,
    }
}

/// The length of `name` in `name=value` if `token` is a modifier (RFC 7208 §4.6.1: the name
/// is followed directly by `=`).
fn modifier_name_len(token: &str) -> Option<usize> {
    let bytes = token.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    let len = bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        .count();
    (bytes.get(len) == Some(&b'=')).then_some(len)
}

fn parse_modifier(
    name: &str,
    value: &str,
    value_start: usize,
    span: Span,
    problems: &mut Vec<Problem>,
) -> TermKind {
    let lower = name.to_ascii_lowercase();
    if lower == "redirect" || lower == "exp" {
        if value.is_empty() {
            problems.push(Problem::new(
                span,
                format!("{lower}= needs a domain after the '='"),
            ));
            return TermKind::Invalid;
        }
        let (domain, found) = domain_spec(value, value_start);
        let valid = found.is_empty();
        problems.extend(found);
        if !valid {
            return TermKind::Invalid;
        }
        return TermKind::Modifier(if lower == "redirect" {
            Modifier::Redirect(domain)
        } else {
            Modifier::Explanation(domain)
        });
    }
    let (value, found) = parse_macro_string(value, value_start, MacroContext::Domain);
    let valid = found.is_empty();
    problems.extend(found);
    if valid {
        TermKind::Modifier(Modifier::Unknown {
            name: name.to_owned(),
            value,
        })
    } else {
        TermKind::Invalid
    }
}

/// The message for a term that is no mechanism or modifier.
fn unknown_term_message(token: &str, name: &str, arg: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if name.is_empty() && arg.starts_with('=') {
        return "a modifier needs a name before the '='".to_owned();
    }
    if arg.starts_with('=') {
        return format!(
            "\"{name}\" is not a valid modifier name: a name starts with a letter and holds only \
             letters, digits, '-', '_' and '.'"
        );
    }
    if (lower == "redirect" || lower == "exp") && arg.starts_with(':') {
        return format!("{lower} is a modifier: write {lower}= instead of {lower}:");
    }
    if lower == "ip" {
        return "unknown mechanism \"ip\": write ip4: or ip6:".to_owned();
    }
    let shown = if name.is_empty() { token } else { name };
    match closest(&lower, MECHANISMS) {
        Some(suggestion) => format!("unknown mechanism \"{shown}\" (did you mean {suggestion}?)"),
        None => format!(
            "unknown mechanism \"{shown}\"; the mechanisms are all, include, a, mx, ptr, ip4, \
             ip6 and exists"
        ),
    }
}

/// The candidate within edit distance 2 of `word`, if there is one (typo suggestions).
pub(crate) fn closest(word: &str, candidates: &[&'static str]) -> Option<&'static str> {
    if word.len() < 3 || word.len() > 32 {
        return None;
    }
    candidates
        .iter()
        .map(|candidate| (edit_distance(word, candidate), *candidate))
        .filter(|(distance, candidate)| *distance > 0 && *distance <= 2 && candidate.len() > 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over bytes (both inputs are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.as_bytes().iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// `:<domain-spec>` that must be there (include, exists, ptr with a colon).
fn required_domain(
    mechanism: &str,
    arg: &str,
    arg_start: usize,
    problems: &mut Vec<Problem>,
) -> Option<MacroString> {
    let Some(spec) = arg.strip_prefix(':') else {
        let message = if arg.is_empty() {
            format!("{mechanism} needs a domain: write {mechanism}:<domain>")
        } else {
            format!("{mechanism} takes a domain after ':' and no CIDR length")
        };
        problems.push(Problem::new(
            Span::new(
                arg_start.saturating_sub(mechanism.len()),
                arg_start + arg.len(),
            ),
            message,
        ));
        return None;
    };
    if spec.is_empty() {
        problems.push(Problem::new(
            Span::new(arg_start.saturating_sub(mechanism.len()), arg_start + 1),
            format!("{mechanism}: needs a domain after the ':'"),
        ));
        return None;
    }
    let (domain, found) = domain_spec(spec, arg_start + 1);
    let valid = found.is_empty();
    problems.extend(found);
    valid.then_some(domain)
}

/// Parses a domain-spec: a macro string that ends in a top-level label or a macro
/// (RFC 7208 §7.1: `domain-end = ( "." toplabel [ "." ] ) / macro-expand`).
fn domain_spec(text: &str, start: usize) -> (MacroString, Vec<Problem>) {
    let (domain, mut problems) = parse_macro_string(text, start, MacroContext::Domain);
    if !problems.is_empty() {
        return (domain, problems);
    }
    let ends_in_label = match domain.parts.last() {
        Some(MacroPart::Literal(literal)) => Some(literal.as_str()),
        Some(_) => None,
        None => Some(""),
    };
    if let Some(literal) = ends_in_label {
        let trimmed = literal.strip_suffix('.').unwrap_or(literal);
        let top = trimmed.rsplit_once('.').map(|(_, top)| top);
        if !top.is_some_and(is_toplabel) {
            problems.push(Problem::new(
                Span::new(start, start + text.len()),
                domain_end_message(text, top),
            ));
        }
    }
    (domain, problems)
}

fn domain_end_message(text: &str, top: Option<&str>) -> String {
    if text.parse::<Ipv4Addr>().is_ok() {
        return format!(
            "\"{text}\" is an IP address where a domain belongs: write ip4:{text} instead"
        );
    }
    if let Some((_, digits)) = text.rsplit_once('/')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        return format!("\"{text}\" is not a domain: a CIDR length is not allowed here");
    }
    match top {
        None => format!(
            "\"{text}\" is not a valid domain: a domain needs at least two labels, like \
             example.com"
        ),
        Some(top) => format!(
            "\"{text}\" is not a valid domain: its last label \"{top}\" must be letters, digits \
             and hyphens, not all digits, with no hyphen at either end (RFC 7208 §7.1)"
        ),
    }
}

/// `toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )`
fn is_toplabel(label: &str) -> bool {
    let bytes = label.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes.iter().any(|b| b.is_ascii_alphabetic() || *b == b'-')
}

/// `a` and `mx`: `[":" domain-spec] [ "/" ip4-cidr ] [ "//" ip6-cidr ]`. The CIDR lengths are
/// taken from the end, since a domain-spec may itself hold `/`.
fn parse_a_mx(
    mechanism: &str,
    arg: &str,
    arg_start: usize,
    problems: &mut Vec<Problem>,
) -> Option<Mechanism> {
    let mut rest = arg;
    let mut v6 = None;
    let mut v4 = None;
    if let Some(slash) = rest.rfind('/') {
        let digits = &rest[slash + 1..];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            if slash > 0 && rest.as_bytes().get(slash - 1) == Some(&b'/') {
                v6 = Some((digits, arg_start + slash + 1));
                rest = &rest[..slash - 1];
                if let Some(slash) = rest.rfind('/') {
                    let digits = &rest[slash + 1..];
                    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                        v4 = Some((digits, arg_start + slash + 1));
                        rest = &rest[..slash];
                    }
                }
            } else {
                v4 = Some((digits, arg_start + slash + 1));
                rest = &rest[..slash];
            }
        }
    }
    let mut valid = true;
    let mut cidr = DualCidr::default();
    if let Some((digits, at)) = v4 {
        match cidr_length(digits, at, 32, problems) {
            Some(length) => cidr.v4 = length,
            None => valid = false,
        }
    }
    if let Some((digits, at)) = v6 {
        match cidr_length(digits, at, 128, problems) {
            Some(length) => cidr.v6 = length,
            None => valid = false,
        }
    }
    let domain = if rest.is_empty() {
        None
    } else if rest.starts_with(':') {
        let domain = required_domain(mechanism, rest, arg_start, problems);
        valid &= domain.is_some();
        domain
    } else {
        problems.push(Problem::new(
            Span::new(arg_start, arg_start + rest.len()),
            format!(
                "\"{rest}\" is not a valid {mechanism} argument: write {mechanism}, \
                 {mechanism}:<domain>, and /<IPv4 prefix> or //<IPv6 prefix> after it"
            ),
        ));
        return None;
    };
    let mechanism = if mechanism == "a" {
        Mechanism::A { domain, cidr }
    } else {
        Mechanism::Mx { domain, cidr }
    };
    valid.then_some(mechanism)
}

/// A CIDR length: digits with no leading zero, at most `max` (RFC 7208 §12).
fn cidr_length(digits: &str, at: usize, max: u8, problems: &mut Vec<Problem>) -> Option<u8> {
    let span = Span::new(at, at + digits.len());
    if digits.len() > 1 && digits.starts_with('0') {
        problems.push(Problem::new(
            span,
            format!("the prefix length \"{digits}\" has a leading zero"),
        ));
        return None;
    }
    match digits.parse::<u8>() {
        Ok(length) if length <= max => Some(length),
        _ => {
            problems.push(Problem::new(
                span,
                format!("the prefix length {digits} is out of range: at most {max}"),
            ));
            None
        }
    }
}

/// `ip4:<network>[/n]`.
fn parse_ip4(arg: &str, arg_start: usize, problems: &mut Vec<Problem>) -> Option<Mechanism> {
    let (address, prefix, address_span) = split_network("ip4", arg, arg_start, 32, problems)?;
    if let Ok(network) = address.parse::<Ipv4Addr>() {
        return Some(Mechanism::Ip4 {
            network,
            prefix: prefix?,
        });
    }
    let hint = if address.parse::<Ipv6Addr>().is_ok() {
        ": it is an IPv6 address, write ip6: instead"
    } else {
        ""
    };
    problems.push(Problem::new(
        address_span,
        format!(
            "\"{}\" is not an IPv4 address{hint}",
            address.escape_debug()
        ),
    ));
    None
}

/// `ip6:<network>[/n]`.
fn parse_ip6(arg: &str, arg_start: usize, problems: &mut Vec<Problem>) -> Option<Mechanism> {
    let (address, prefix, address_span) = split_network("ip6", arg, arg_start, 128, problems)?;
    if let Ok(network) = address.parse::<Ipv6Addr>() {
        return Some(Mechanism::Ip6 {
            network,
            prefix: prefix?,
        });
    }
    let hint = if address.parse::<Ipv4Addr>().is_ok() {
        ": it is an IPv4 address, write ip4: instead"
    } else {
        ""
    };
    problems.push(Problem::new(
        address_span,
        format!(
            "\"{}\" is not an IPv6 address{hint}",
            address.escape_debug()
        ),
    ));
    None
}

/// Splits `:<address>[/n]`; the prefix is `None` (inside `Some`) when it was invalid and has
/// been reported. Returns `None` when the colon or the address is missing.
#[allow(clippy::type_complexity)]
fn split_network<'a>(
    mechanism: &str,
    arg: &'a str,
    arg_start: usize,
    max: u8,
    problems: &mut Vec<Problem>,
) -> Option<(&'a str, Option<u8>, Span)> {
    let Some(network) = arg.strip_prefix(':').filter(|network| !network.is_empty()) else {
        problems.push(Problem::new(
            Span::new(
                arg_start.saturating_sub(mechanism.len()),
                arg_start + arg.len(),
            ),
            format!("{mechanism} needs an address: write {mechanism}:<address>[/<prefix>]"),
        ));
        return None;
    };
    let network_start = arg_start + 1;
    let (address, prefix) = match network.split_once('/') {
        Some((address, digits)) => {
            let at = network_start + address.len() + 1;
            let prefix = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                cidr_length(digits, at, max, problems)
            } else {
                problems.push(Problem::new(
                    Span::new(at.saturating_sub(1), at + digits.len()),
                    format!(
                        "\"/{digits}\" is not a valid prefix length: write /<number> (0 to {max})"
                    ),
                ));
                None
            };
            (address, prefix)
        }
        None => (network, Some(max)),
    };
    Some((
        address,
        prefix,
        Span::new(network_start, network_start + address.len()),
    ))
}

/// Which terms of a record evaluation can reach: none after the first `all`, and no
/// `redirect` when there is an `all` (RFC 7208 §6.1).
pub fn reachable_terms(record: &Record) -> Vec<bool> {
    let all = record.terms.iter().position(
        |term| matches!(&term.kind, TermKind::Directive(d) if d.mechanism == Mechanism::All),
    );
    record
        .terms
        .iter()
        .enumerate()
        .map(|(i, term)| match (&term.kind, all) {
            (TermKind::Modifier(Modifier::Redirect(_)), Some(_)) => false,
            (TermKind::Directive(_), Some(all)) => i <= all,
            _ => true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<(String, String)> {
        parse_record(text)
            .problems
            .iter()
            .map(|p| (p.span.slice(text).to_owned(), p.message.clone()))
            .collect()
    }

    #[test]
    fn parses_every_mechanism_and_modifier() {
        let record = parse_record(
            "v=spf1 +all -include:_spf.example.com ~a ?a:mail.example.com/24//64 mx//48 \
             ptr ptr:example.org ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{i}.bl.example.com \
             redirect=%{d}.example.net exp=explain.example.com foo.bar=baz%%",
        );
        assert!(record.is_valid(), "{:?}", record.problems);
        let names: Vec<String> = record
            .terms
            .iter()
            .map(|term| match &term.kind {
                TermKind::Directive(d) => {
                    format!("{}{}", d.qualifier.as_char(), d.mechanism.name())
                }
                TermKind::Modifier(Modifier::Redirect(_)) => "redirect".to_owned(),
                TermKind::Modifier(Modifier::Explanation(_)) => "exp".to_owned(),
                TermKind::Modifier(Modifier::Unknown { name, .. }) => name.clone(),
                TermKind::Invalid => "invalid".to_owned(),
            })
            .collect();
        assert_eq!(
            names,
            [
                "+all", "-include", "~a", "?a", "+mx", "+ptr", "+ptr", "+ip4", "+ip6", "+exists",
                "redirect", "exp", "foo.bar"
            ]
        );
        assert_eq!(
            record.terms[3].directive().unwrap().mechanism,
            Mechanism::A {
                domain: Some(parse_macro_string("mail.example.com", 44, MacroContext::Domain).0),
                cidr: DualCidr { v4: 24, v6: 64 }
            }
        );
        assert!(matches!(
            record.terms[4].directive().unwrap().mechanism,
            Mechanism::Mx {
                domain: None,
                cidr: DualCidr { v4: 32, v6: 48 }
            }
        ));
    }

    #[test]
    fn reports_every_problem_and_keeps_the_rest() {
        let text = "v=spf1 ip4:192.0.2.300 inclde:example.com a:foo.123 all/8 ip6:2001:db8::/129 \
                    mx:%{x}.example.com redirect=a.example redirect=b.example -all";
        let found = problems(text);
        let spans: Vec<&str> = found.iter().map(|(span, _)| span.as_str()).collect();
        assert_eq!(
            spans,
            [
                "192.0.2.300",
                "inclde",
                "foo.123",
                "/8",
                "129",
                "%{x}",
                "redirect=b.example"
            ],
            "{found:#?}"
        );
        assert!(found[1].1.contains("did you mean include?"));
        let record = parse_record(text);
        // The valid terms are still there.
        assert!(record.all().is_some());
        assert!(record.redirect().is_some());
        assert_eq!(record.terms.len(), 9);
    }

    #[test]
    fn rfc7208_syntax_edge_cases() {
        let valid = [
            "v=spf1",
            "V=SPF1 A MX -ALL",
            "v=spf1 a  -all ",
            "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all",
            "v=spf1 a:foo:bar/baz.example.com",
            "v=spf1 a:foo.example.xn--zckzah -all",
            "v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all",
            "v=spf1 exists:%{i}.%{l2r-}.user.%{d2}",
            "v=spf1 default=pass",
            "v=spf1 ip6:::FFFF:1.2.3.4",
            "v=spf1 a:123-456.example.12-3",
        ];
        for text in valid {
            assert!(
                parse_record(text).is_valid(),
                "{text}: {:?}",
                problems(text)
            );
        }
        let invalid = [
            "v=spf1 -all.",
            "v=spf1 -all:foobar",
            "v=spf1 ptr/0 -all",
            "v=spf1 ptr:",
            "v=spf1 a:museum",
            "v=spf1 a:museum.",
            "v=spf1 a:111.222.33.44",
            "v=spf1 a:example.-com",
            "v=spf1 a:",
            "v=spf1 a/24/64 -all",
            "v=spf1 a//129",
            "v=spf1 a:example.com:8080",
            "v=spf1 include",
            "v=spf1 include:",
            "v=spf1 include:ip5.example.com/24",
            "v=spf1 exists",
            "v=spf1 exists:mail.example.com/24",
            "v=spf1 ip4",
            "v=spf1 ip4:1.2.3.4/032",
            "v=spf1 ip4:1.2.3.4//32",
            "v=spf1 ip4:1.2.3.4:8080",
            "v=spf1 ip4:1.2.3",
            "v=spf1 ip6::CAFE::BABE",
            "v=spf1 1up=foo",
            "v=spf1 =all",
            "v=spf1 moo.cow/far_out=man:dog/cat",
            "v=spf1 redirect:example.com",
            "v=spf1 exp=",
            "v=spf1 exp=-all",
            "v=spf1 foo=%abc",
            "v=spf1 -all exp=%{r}.example.com",
            "v=spf1 a:%{a}.example.com",
            "v=spf1 exists:foo%.sbl.example.com",
            "v=spf1 a:ctrl.example.com\rptr -all",
            "v=spf1 a:foo.example.com\0",
            "v=spf1 \u{80}a:example.net",
            "v=spf1 exp=a.example exp=b.example",
            "v=spf2 -all",
            "-all",
        ];
        for text in invalid {
            assert!(
                !parse_record(text).is_valid(),
                "{text:?} parsed without a problem"
            );
        }
    }

    #[test]
    fn selection_needs_the_exact_version() {
        assert!(is_spf_record(b"v=spf1"));
        assert!(is_spf_record(b"V=SpF1 -all"));
        assert!(!is_spf_record(b"v=spf10"));
        assert!(!is_spf_record(b"v=spf1-all"));
        assert!(!is_spf_record(b" v=spf1"));
        assert!(!is_spf_record(b""));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "",
            " ",
            "v=spf1 ",
            "v=spf1 +",
            "v=spf1 -:",
            "v=spf1 a/",
            "v=spf1 a//",
            "v=spf1 ///",
            "v=spf1 ip6:",
            "v=spf1 ip4:/",
            "v=spf1 é=é",
            "v=spf1 a:é.com",
            "v=spf1 %{",
            "v=spf1 a:%",
            "v=spf1 mx:/1//2",
            "v=spf1 a/99999999999999999999",
        ] {
            let record = parse_record(text);
            for problem in &record.problems {
                assert!(problem.span.start <= problem.span.end && problem.span.end <= text.len());
                assert!(
                    text.get(problem.span.start..problem.span.end).is_some(),
                    "{text:?}"
                );
            }
        }
    }
}
