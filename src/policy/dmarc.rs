//! DMARC policy records (RFC 9989 §4.7, §4.8; RFC 7489 §6.3, §6.4 where it differs), published
//! as TXT at `_dmarc.<domain>`, and report authorization records (RFC 9990, "Verifying External
//! Destinations"), published at `<domain>._report._dmarc.<destination>`.
//!
//! Two standards are in use at once: RFC 9989 (DMARCbis, which obsoletes RFC 7489) and
//! RFC 7489, which many receivers still follow. [`DmarcRecord::effective_for`] computes what
//! receivers of each apply: RFC 9989 ignores `pct`, `rf` and `ri` (removed, Appendix C.5.2),
//! applies `t=y` as one level below the policy (§4.7), and applies `np` to non-existent
//! subdomains; RFC 7489 honours `pct` and knows none of `np`, `psd` and `t` (receivers ignore
//! unknown tags).
//!
//! ```text
//! dmarc-record = dmarc-version dmarc-sep [dmarc-request] [dmarc-sep dmarc-srequest]
//!                [dmarc-sep dmarc-auri] [dmarc-sep dmarc-furi] [dmarc-sep dmarc-adkim]
//!                [dmarc-sep dmarc-aspf] [dmarc-sep dmarc-ainterval] [dmarc-sep dmarc-fo]
//!                [dmarc-sep dmarc-rfmt] [dmarc-sep dmarc-percent] [dmarc-sep]
//! dmarc-version = "v" *WSP "=" *WSP %x44 %x4d %x41 %x52 %x43 %x31   ; "DMARC1", case-sensitive
//! ```
//!
//! Policy choices where receivers and the specifications disagree (each is tested against the
//! shared conformance vectors, `tests/conformance_dmarc.rs`):
//! - Tag names and keyword values are case-insensitive (the ABNF's quoted strings are), but the
//!   version must be `DMARC1` exactly (`%x` in the ABNF): a lower-case `v=dmarc1` is an error,
//!   because strict receivers (mox) discard the record.
//! - `p` not right after `v` is a warning: the RFC 7489 grammar puts it second and strict
//!   receivers (mox) reject the record otherwise, but §6.3 does not require it and RFC 9989
//!   allows any order.
//! - Unknown tags are a warning, never an error: receivers MUST ignore them (RFC 9989 §4.7,
//!   §4.8; RFC 7489 §6.3) and still use the record, so whatever they were meant to say is
//!   lost. The RFC 9989 tags `np`, `psd` and `t` are known; the removed `pct`, `rf` and `ri`
//!   are known too (RFC 7489 receivers still honour them) and reported as removed (info).
//! - A missing or invalid `p` (or an invalid `sp`, or under RFC 9989 an invalid `np`) with a
//!   valid `rua` makes receivers act as `p=none` (RFC 9989 §4.10.1, RFC 7489 §6.6.3 step 6):
//!   that is kept as the effective policy and reported. RFC 9989 makes `p` RECOMMENDED (a
//!   record without it and with a valid `rua` is `p=none`); RFC 7489 §6.3 makes it REQUIRED.
//! - The `!size` suffix of a report URI is obsolete (RFC 9989 §4.8 `obs-dmarc-report-size`,
//!   reporters ignore it): info.
//! - An `rf` keyword other than `afrf` is a warning (the grammar allows any keyword; `afrf` is
//!   the only format defined); a value that is not a keyword is an error.
//! - White space inside a report URI (`mailto:a@example.com !10 K`) is an error: no URI holds
//!   white space, and receivers disagree on what it means.

use std::fmt;

use serde::Serialize;

use super::uri::{self, ReportUri, UriRules};
use super::{ParsedTag, is_wsp, looks_like, report_duplicates, version_value};
use crate::diagnostic::Severity;
use crate::diagnostic::{Problem, Span};
use crate::tagvalue;

/// The tags RFC 7489 §6.3 defines, and the three RFC 9989 added (`np`, `psd`, `t`).
/// `pct`, `rf` and `ri` are historic in RFC 9989 (§9.3) but kept: RFC 7489 receivers honour
/// them.
pub const KNOWN_TAGS: &[&str] = &[
    "v", "p", "sp", "adkim", "aspf", "pct", "rua", "ruf", "fo", "rf", "ri", "np", "psd", "t",
];

/// What a receiver is asked to do with mail that fails DMARC (RFC 7489 §6.3 `p`), weakest
/// first so that `<` means "weaker".
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Monitoring only: no action.
    None,
    /// Treat failing mail as suspicious (spam folder).
    Quarantine,
    /// Reject failing mail during the SMTP transaction.
    Reject,
}

impl Policy {
    /// The keyword as written in a record.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::Quarantine => "quarantine",
            Policy::Reject => "reject",
        }
    }

    /// Whether receivers act on failing mail (quarantine or reject).
    pub fn is_enforcing(self) -> bool {
        self != Policy::None
    }

    /// One level below: what RFC 9989 receivers apply under `t=y` (§4.7: reject becomes
    /// quarantine, quarantine becomes none; none stays none).
    #[must_use]
    pub fn one_level_below(self) -> Policy {
        match self {
            Policy::Reject => Policy::Quarantine,
            Policy::Quarantine | Policy::None => Policy::None,
        }
    }

    fn parse(value: &str) -> Option<Policy> {
        [Policy::None, Policy::Quarantine, Policy::Reject]
            .into_iter()
            .find(|policy| value.eq_ignore_ascii_case(policy.as_str()))
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identifier alignment mode (RFC 7489 §3.1, `adkim`/`aspf`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Alignment {
    /// Organizational domains must match (the default).
    Relaxed,
    /// Domains must match exactly.
    Strict,
}

impl Alignment {
    fn parse(value: &str) -> Option<Alignment> {
        if value.eq_ignore_ascii_case("r") {
            Some(Alignment::Relaxed)
        } else if value.eq_ignore_ascii_case("s") {
            Some(Alignment::Strict)
        } else {
            None
        }
    }

    /// `relaxed` or `strict`.
    pub fn as_str(self) -> &'static str {
        match self {
            Alignment::Relaxed => "relaxed",
            Alignment::Strict => "strict",
        }
    }
}

/// Which rule a problem of the record belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IssueKind {
    /// Record syntax and tag values (`dmarc-syntax`).
    Syntax,
    /// A report URI of `rua`/`ruf` (`dmarc-report-uri-invalid`).
    ReportUri,
    /// A tag RFC 9989 removed: `pct`, `rf`, `ri` (`dmarc-tag-removed`).
    Removed,
    /// The obsolete `!size` suffix of a report URI (`dmarc-report-size-obsolete`).
    ObsoleteSize,
}

/// One problem of a DMARC record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DmarcIssue {
    /// Which rule reports it.
    pub kind: IssueKind,
    /// The problem.
    #[serde(flatten)]
    pub issue: Problem,
}

/// A parsed DMARC record: every tag as written, the values understood, every problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DmarcRecord {
    /// The record text (character-strings joined).
    pub text: String,
    /// Every tag, in order, valid or not.
    pub tags: Vec<ParsedTag>,
    /// Whether the record starts with `v=DMARC1` (version compared case-insensitively; the
    /// case itself is reported as a problem).
    pub version_ok: bool,
    /// `p`, when present and valid.
    pub policy: Option<Policy>,
    /// `sp`, when present and valid.
    pub subdomain_policy: Option<Policy>,
    /// `np` (RFC 9989, non-existent subdomains), when present and valid.
    pub nonexistent_policy: Option<Policy>,
    /// `psd` (RFC 9989: whether the publisher is a public suffix operator), when present and
    /// valid.
    pub psd: Option<Psd>,
    /// `t` (RFC 9989: testing mode), when present and valid: `Some(true)` for `t=y`.
    pub testing: Option<bool>,
    /// `adkim`, when present and valid.
    pub adkim: Option<Alignment>,
    /// `aspf`, when present and valid.
    pub aspf: Option<Alignment>,
    /// `pct`, when present and valid.
    pub pct: Option<u8>,
    /// `rua` URIs, valid or not.
    pub rua: Vec<ReportUri>,
    /// `ruf` URIs, valid or not.
    pub ruf: Vec<ReportUri>,
    /// `fo` options, when valid.
    pub fo: Vec<String>,
    /// `rf` formats, when valid.
    pub rf: Vec<String>,
    /// `ri` seconds, when valid.
    pub ri: Option<u32>,
    /// Whether a tag is repeated (which invalidates the whole record, RFC 6376 §3.2).
    pub has_duplicates: bool,
    /// Every problem, in order of position.
    pub issues: Vec<DmarcIssue>,
}

/// The `psd` tag (RFC 9989): whether the record's publisher is a public suffix operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Psd {
    /// `psd=y`: a public suffix operator's record; the organizational domain is one label
    /// below the name that publishes it.
    Yes,
    /// `psd=n`: the publisher is an organizational domain.
    No,
    /// `psd=u` (the default): unknown, the tree walk goes on.
    Unknown,
}

impl Psd {
    /// Parses `y`, `n` or `u` (case-insensitively).
    pub fn parse(value: &str) -> Option<Psd> {
        match value.to_ascii_lowercase().as_str() {
            "y" => Some(Psd::Yes),
            "n" => Some(Psd::No),
            "u" => Some(Psd::Unknown),
            _ => None,
        }
    }
}

/// Which DMARC specification a receiver follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
pub enum Standard {
    /// RFC 9989 (DMARCbis), the current standard: `np`, `psd`, `t`; no `pct`, `rf`, `ri`.
    #[serde(rename = "rfc9989")]
    Rfc9989,
    /// RFC 7489, which many receivers still follow: `pct`, `rf`, `ri`; no `np`, `psd`, `t`.
    #[serde(rename = "rfc7489")]
    Rfc7489,
}

impl Standard {
    /// Both, the current standard first.
    pub const BOTH: [Standard; 2] = [Standard::Rfc9989, Standard::Rfc7489];

    /// `RFC 9989` or `RFC 7489`.
    pub fn name(self) -> &'static str {
        match self {
            Standard::Rfc9989 => "RFC 9989",
            Standard::Rfc7489 => "RFC 7489",
        }
    }
}

impl fmt::Display for Standard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The policy receivers apply after reading the record (RFC 9989 §4.7, §4.10.1; RFC 7489
/// §6.6.3), under one standard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Effective {
    /// The standard the receivers follow.
    pub standard: Standard,
    /// For the domain that published the record (`t=y` applied under RFC 9989).
    pub policy: Policy,
    /// For its existing subdomains (`sp`, else `p`).
    pub subdomain_policy: Policy,
    /// For its non-existent subdomains: under RFC 9989 `np`, else `sp`, else `p` (§4.7);
    /// RFC 7489 has no `np`, so the subdomain policy.
    pub nonexistent_policy: Policy,
    /// The share of failing mail the policy applies to (`pct`, default 100; always 100 under
    /// RFC 9989, which removed `pct`).
    pub percent: u8,
    /// Whether `t=y` made RFC 9989 receivers apply one level below each policy (§4.7);
    /// always false under RFC 7489, which does not know `t`.
    pub testing: bool,
    /// Whether `p=none` was assumed because `p` was missing or invalid, or `sp` (or, under
    /// RFC 9989, `np`) invalid, while `rua` holds a valid URI (RFC 9989 §4.10.1, RFC 7489
    /// §6.6.3 step 6).
    pub assumed_none: bool,
}

impl Effective {
    /// The policy for `domain` when the record was found at `policy_domain`: the domain's own
    /// policy, or the subdomain policy when the record came from the organizational domain.
    pub fn for_domain(&self, is_policy_domain: bool) -> Policy {
        if is_policy_domain {
            self.policy
        } else {
            self.subdomain_policy
        }
    }
}

/// Why receivers ignore a record, if they do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discarded {
    /// It does not start with `v=DMARC1`.
    Version,
    /// A tag appears twice.
    Duplicates,
    /// No valid `p` (or an invalid `sp`, or under RFC 9989 an invalid `np`) and no valid
    /// `rua` to fall back on.
    NoPolicy,
}

const RUA_RULES: UriRules = UriRules {
    schemes: &["mailto"],
    size_suffix: true,
    tag: "rua",
    scheme_note: "but receivers are only required to support mailto: (RFC 9989 §4.7 rua); use \
                  mailto:",
};

const RUF_RULES: UriRules = UriRules {
    tag: "ruf",
    ..RUA_RULES
};

impl DmarcRecord {
    /// Whether `t=y` would change anything: some policy of the record enforces (RFC 9989
    /// §4.7: testing mode takes each policy one level down, and `none` has none below it).
    pub fn testing_can_apply(&self) -> bool {
        [self.policy, self.subdomain_policy, self.nonexistent_policy]
            .into_iter()
            .flatten()
            .any(Policy::is_enforcing)
    }

    /// The policy RFC 7489 receivers apply, or why they ignore the record (the view of
    /// [`Standard::Rfc7489`], see [`DmarcRecord::effective_for`]).
    pub fn effective(&self) -> Result<Effective, Discarded> {
        self.effective_for(Standard::Rfc7489)
    }

    /// The policy RFC 9989 receivers apply, or why they ignore the record (the view of
    /// [`Standard::Rfc9989`], see [`DmarcRecord::effective_for`]).
    pub fn effective_9989(&self) -> Result<Effective, Discarded> {
        self.effective_for(Standard::Rfc9989)
    }

    /// The policy receivers following `standard` apply, or why they ignore the record. Judged
    /// as a receiver that ignores an invalid optional tag (using its default, RFC 9989 §4.8):
    /// errors that make strict receivers drop the whole record are reported separately.
    ///
    /// - RFC 9989: `pct` is ignored (100%); `t=y` applies one level below each policy
    ///   (§4.7 `t`); `np`, else `sp`, else `p` for non-existent subdomains (§4.7 `np`); a
    ///   missing or invalid `p`, or an invalid `sp` or `np`, is `p=none` when `rua` holds a
    ///   valid URI and no DMARC otherwise (§4.10.1).
    /// - RFC 7489: `pct` applies; `np` and `t` are unknown tags, ignored; a missing or invalid
    ///   `p`, or an invalid `sp`, is `p=none` with a valid `rua` (§6.6.3 step 6).
    pub fn effective_for(&self, standard: Standard) -> Result<Effective, Discarded> {
        if !self.version_ok {
            return Err(Discarded::Version);
        }
        if self.has_duplicates {
            return Err(Discarded::Duplicates);
        }
        let invalid =
            |name: &str, value: Option<Policy>| self.tag(name).is_some() && value.is_none();
        let mut fallback = invalid("sp", self.subdomain_policy);
        if standard == Standard::Rfc9989 {
            fallback |= invalid("np", self.nonexistent_policy);
        }
        let (percent, testing) = match standard {
            Standard::Rfc9989 => (100, self.testing == Some(true)),
            Standard::Rfc7489 => (self.pct.unwrap_or(100), false),
        };
        match self.policy {
            Some(policy) if !fallback => {
                let subdomain_policy = self.subdomain_policy.unwrap_or(policy);
                let nonexistent_policy = match standard {
                    Standard::Rfc9989 => self.nonexistent_policy.unwrap_or(subdomain_policy),
                    Standard::Rfc7489 => subdomain_policy,
                };
                let applied = |policy: Policy| {
                    if testing {
                        policy.one_level_below()
                    } else {
                        policy
                    }
                };
                Ok(Effective {
                    standard,
                    policy: applied(policy),
                    subdomain_policy: applied(subdomain_policy),
                    nonexistent_policy: applied(nonexistent_policy),
                    percent,
                    testing,
                    assumed_none: false,
                })
            }
            _ if self.rua.iter().any(|uri| uri.valid) => Ok(Effective {
                standard,
                policy: Policy::None,
                subdomain_policy: Policy::None,
                nonexistent_policy: Policy::None,
                percent,
                testing,
                assumed_none: true,
            }),
            _ => Err(Discarded::NoPolicy),
        }
    }

    /// The first tag called `name` (case-insensitive).
    pub fn tag(&self, name: &str) -> Option<&ParsedTag> {
        self.tags
            .iter()
            .find(|tag| tag.name.eq_ignore_ascii_case(name))
    }

    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.issues
            .iter()
            .any(|issue| issue.issue.severity == Severity::Error)
    }

    fn push(&mut self, kind: IssueKind, issue: Problem) {
        self.issues.push(DmarcIssue { kind, issue });
    }
}

/// Whether a TXT record's text is a DMARC record in the sense of RFC 7489 §6.6.3 step 2: its
/// first tag is `v=DMARC1` (the case of the version is not held against it here).
pub fn is_dmarc_record(text: &str) -> bool {
    version_value(text).is_some_and(|value| value.eq_ignore_ascii_case("DMARC1"))
}

/// Whether a TXT record's text tries to be a DMARC record but receivers skip it
/// (`v=DMARC12`, `v=DMARC1 p=none` with its `;` missing).
pub fn is_lookalike(text: &str) -> bool {
    !is_dmarc_record(text) && version_value(text).is_some_and(|value| looks_like(value, "dmarc"))
}

/// What a `v=DMARC1` record is published for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A DMARC policy record at `_dmarc.<domain>`.
    Policy,
    /// A report authorization record at `<domain>._report._dmarc.<destination>` (RFC 9990,
    /// "Verifying External Destinations"; RFC 7489 §7.1): `v=DMARC1` alone is complete, `p`
    /// does not apply (RFC 9989 §4.7 `p`), and only `rua`/`ruf` mean anything (an override of
    /// the destination, on the same host).
    ReportAuthorization,
}

/// An info-level problem.
fn info(span: Span, message: impl Into<String>) -> Problem {
    Problem {
        severity: Severity::Info,
        ..Problem::error(span, message)
    }
}

/// Parses a DMARC policy record. Never panics; every tag is kept, every problem reported.
pub fn parse(text: &str) -> DmarcRecord {
    parse_as(text, Role::Policy)
}

/// Parses a report authorization record (`v=DMARC1;` at
/// `<domain>._report._dmarc.<destination>`). Never panics.
pub fn parse_report_authorization(text: &str) -> DmarcRecord {
    parse_as(text, Role::ReportAuthorization)
}

/// Parses a `v=DMARC1` record published for `role`.
#[allow(clippy::too_many_lines)] // one arm per tag reads best in one place
pub fn parse_as(text: &str, role: Role) -> DmarcRecord {
    let list = tagvalue::parse(text);
    let mut record = DmarcRecord {
        text: text.to_owned(),
        tags: list
            .tags
            .iter()
            .map(|tag| {
                let known = KNOWN_TAGS
                    .iter()
                    .any(|known| tag.name.eq_ignore_ascii_case(known));
                ParsedTag::from_tag(tag, known)
            })
            .collect(),
        version_ok: false,
        policy: None,
        subdomain_policy: None,
        nonexistent_policy: None,
        psd: None,
        testing: None,
        adkim: None,
        aspf: None,
        pct: None,
        rua: Vec::new(),
        ruf: Vec::new(),
        fo: Vec::new(),
        rf: Vec::new(),
        ri: None,
        has_duplicates: false,
        issues: Vec::new(),
    };
    for problem in &list.problems {
        record.push(
            IssueKind::Syntax,
            Problem::error(problem.span, problem.message.clone()),
        );
    }
    if text.trim_matches(is_wsp).is_empty() {
        record.push(
            IssueKind::Syntax,
            Problem::error(
                Span::new(0, text.len()),
                "the record is empty; a DMARC record starts with v=DMARC1",
            ),
        );
        return record;
    }

    let mut duplicates = Vec::new();
    report_duplicates(&mut record.tags, &mut duplicates, |a, b| {
        a.eq_ignore_ascii_case(b)
    });
    record.has_duplicates = !duplicates.is_empty();
    for issue in duplicates {
        record.push(IssueKind::Syntax, issue);
    }

    check_version(&mut record);

    let mut issues = Vec::new();
    let mut tags = std::mem::take(&mut record.tags);
    for (index, tag) in tags.iter_mut().enumerate() {
        if !tag.valid {
            continue; // a duplicate: reported above, its value is not used
        }
        let value = tag.value.as_str();
        let name = tag.name.to_ascii_lowercase();
        let span = tag.value_span;
        let verdict: Result<bool, String> = match name.as_str() {
            "v" => Ok(index == 0),
            "p" => {
                if let Some(policy) = Policy::parse(value) {
                    record.policy = Some(policy);
                    if index != 1 && role == Role::Policy {
                        issues.push((
                            IssueKind::Syntax,
                            Problem::warning(
                                tag.span,
                                "p should come right after v=DMARC1: the RFC 7489 §6.4 grammar \
                                 puts it second and strict receivers reject the record \
                                 otherwise (RFC 9989 allows any order)",
                            ),
                        ));
                    }
                    Ok(true)
                } else {
                    Err(format!(
                        "p={value} is not a policy; use none, quarantine or reject \
                         (RFC 9989 §4.7)"
                    ))
                }
            }
            "sp" | "np" => match Policy::parse(value) {
                Some(policy) => {
                    if name == "sp" {
                        record.subdomain_policy = Some(policy);
                    } else {
                        record.nonexistent_policy = Some(policy);
                    }
                    Ok(true)
                }
                None => Err(format!(
                    "{name}={value} is not a policy; use none, quarantine or reject (RFC 9989 \
                     §4.7){}",
                    if name == "sp" {
                        "; an invalid sp makes receivers act as p=none when rua is valid and \
                         apply no DMARC otherwise (RFC 9989 §4.10.1, RFC 7489 §6.6.3)"
                    } else {
                        "; an invalid np makes RFC 9989 receivers act as p=none when rua is \
                         valid and apply no DMARC otherwise (§4.10.1); RFC 7489 receivers \
                         ignore np"
                    }
                )),
            },
            "adkim" | "aspf" => match Alignment::parse(value) {
                Some(alignment) => {
                    if name == "adkim" {
                        record.adkim = Some(alignment);
                    } else {
                        record.aspf = Some(alignment);
                    }
                    Ok(true)
                }
                None => Err(format!(
                    "{name}={value} is not an alignment mode; use r (relaxed) or s (strict)"
                )),
            },
            "pct" => match value.parse::<u8>() {
                Ok(percent)
                    if percent <= 100
                        && !value.is_empty()
                        && value.len() <= 3
                        && value.chars().all(|c| c.is_ascii_digit()) =>
                {
                    record.pct = Some(percent);
                    Ok(true)
                }
                _ => Err(format!(
                    "pct={value} is not a whole number from 0 to 100 (RFC 7489 §6.3; RFC 9989 \
                     removed pct)"
                )),
            },
            "rua" | "ruf" => {
                let rules = if name == "rua" { RUA_RULES } else { RUF_RULES };
                let mut uri_issues = Vec::new();
                let value_text = span.slice(text);
                let uris = uri::parse_list(text, value_text, span, rules, &mut uri_issues);
                for uri in uris.iter().filter(|uri| uri.max_size.is_some()) {
                    issues.push((
                        IssueKind::ObsoleteSize,
                        info(
                            uri.span,
                            format!(
                                "the size limit of \"{}\" is obsolete: RFC 9989 receivers ignore \
                                 it (§4.8 obs-dmarc-report-size) and send reports of any size; \
                                 RFC 7489 receivers still honour it (§6.2)",
                                uri.text
                            ),
                        ),
                    ));
                }
                let ok = !uri_issues
                    .iter()
                    .any(|issue| issue.severity == Severity::Error);
                issues.extend(
                    uri_issues
                        .into_iter()
                        .map(|issue| (IssueKind::ReportUri, issue)),
                );
                if name == "rua" {
                    record.rua = uris;
                } else {
                    record.ruf = uris;
                }
                Ok(ok)
            }
            "fo" => {
                let options: Vec<&str> = value.split(':').map(|o| o.trim_matches(is_wsp)).collect();
                if options
                    .iter()
                    .all(|o| matches!(o.to_ascii_lowercase().as_str(), "0" | "1" | "d" | "s"))
                {
                    record.fo = options.iter().map(|o| o.to_ascii_lowercase()).collect();
                    Ok(true)
                } else {
                    Err(format!(
                        "fo={value} is not a list of 0, 1, d and s separated by ':' \
                         (RFC 9989 §4.7)"
                    ))
                }
            }
            "rf" => {
                let formats: Vec<&str> = value.split(':').map(|f| f.trim_matches(is_wsp)).collect();
                if formats.iter().all(|f| is_keyword(f)) {
                    for format in &formats {
                        if !format.eq_ignore_ascii_case("afrf") {
                            issues.push((
                                IssueKind::Syntax,
                                Problem::warning(
                                    span,
                                    format!(
                                        "rf names the report format \"{format}\", which is not \
                                         defined; afrf is the only one (RFC 7489 §6.3)"
                                    ),
                                ),
                            ));
                        }
                    }
                    record.rf = formats.iter().map(|f| f.to_ascii_lowercase()).collect();
                    Ok(true)
                } else {
                    Err(format!(
                        "rf={value} is not a list of report formats separated by ':' \
                         (the only one defined is afrf)"
                    ))
                }
            }
            "ri" => match value.parse::<u32>() {
                Ok(seconds) if value.chars().all(|c| c.is_ascii_digit()) => {
                    record.ri = Some(seconds);
                    Ok(true)
                }
                _ => Err(format!(
                    "ri={value} is not a number of seconds (0 to 4294967295, RFC 7489 §6.3)"
                )),
            },
            "psd" => match Psd::parse(value) {
                Some(psd) => {
                    record.psd = Some(psd);
                    Ok(true)
                }
                None => Err(format!(
                    "psd={value} must be y, n or u (RFC 9989 §4.7); receivers use the \
                     default, u"
                )),
            },
            "t" if ["y", "n"].iter().any(|v| value.eq_ignore_ascii_case(v)) => {
                record.testing = Some(value.eq_ignore_ascii_case("y"));
                Ok(true)
            }
            "t" => Err(format!(
                "t={value} must be y or n (RFC 9989 §4.7); receivers use the default, n"
            )),
            _ => {
                issues.push((
                    IssueKind::Syntax,
                    Problem::warning(
                        tag.span,
                        format!(
                            "unknown tag \"{}\": receivers ignore it and still use the record \
                             (RFC 9989 §4.7, §4.8; RFC 7489 §6.3); fix its spelling or remove it",
                            tag.name
                        ),
                    ),
                ));
                Ok(false)
            }
        };
        tag.valid = match verdict {
            Ok(valid) => valid,
            // RFC 9989 removed pct, rf and ri: its receivers ignore them whatever they hold,
            // so an invalid value only matters to RFC 7489 receivers (a warning).
            Err(message)
                if role == Role::Policy && matches!(name.as_str(), "pct" | "rf" | "ri") =>
            {
                issues.push((
                    IssueKind::Syntax,
                    Problem::warning(
                        span,
                        format!(
                            "{message}; RFC 9989 receivers ignore {name} (removed, Appendix \
                             C.5.2), RFC 7489 receivers use its default, and strict ones drop \
                             the record: fix or remove it"
                        ),
                    ),
                ));
                false
            }
            Err(message) => {
                issues.push((IssueKind::Syntax, Problem::error(span, message)));
                false
            }
        };
    }
    record.tags = tags;
    for (kind, issue) in issues {
        record.push(kind, issue);
    }
    match role {
        Role::Policy => {
            check_removed_tags(&mut record);
            check_policy_presence(&mut record);
        }
        Role::ReportAuthorization => check_authorization_tags(&mut record),
    }
    record
        .issues
        .sort_by_key(|issue| (issue.issue.span.start, issue.issue.span.end));
    record
}

/// `v=DMARC1` must be the first tag, spelled exactly so (RFC 9989 §4.7 `v`, §4.8; RFC 7489
/// §6.3, §6.4).
fn check_version(record: &mut DmarcRecord) {
    let first = record.tags.first().cloned();
    match first {
        Some(tag) if tag.name.eq_ignore_ascii_case("v") => {
            if tag.value == "DMARC1" {
                record.version_ok = true;
            } else if tag.value.eq_ignore_ascii_case("DMARC1") {
                record.version_ok = true;
                record.push(
                    IssueKind::Syntax,
                    Problem::error(
                        tag.value_span,
                        format!(
                            "the version is written \"{}\"; it must be DMARC1 in capitals \
                             (RFC 9989 §4.7, §4.8: case sensitive), and strict receivers \
                             ignore the record otherwise",
                            tag.value
                        ),
                    ),
                );
            } else {
                record.push(
                    IssueKind::Syntax,
                    Problem::error(
                        tag.value_span,
                        format!(
                            "the version is \"{}\", not DMARC1, so receivers ignore the record{}",
                            tag.value,
                            if tag.value.contains(char::is_whitespace) {
                                " (is a ';' missing after DMARC1?)"
                            } else {
                                ""
                            }
                        ),
                    ),
                );
            }
        }
        Some(tag) => record.push(
            IssueKind::Syntax,
            Problem::error(
                tag.span,
                "a DMARC record must start with v=DMARC1 (RFC 9989 §4.7); receivers ignore \
                 records that do not",
            ),
        ),
        None => record.push(
            IssueKind::Syntax,
            Problem::error(
                Span::new(0, record.text.len()),
                "no tag could be read; a DMARC record starts with v=DMARC1",
            ),
        ),
    }
    let later_versions: Vec<Span> = record
        .tags
        .iter()
        .skip(1)
        .filter(|tag| tag.name.eq_ignore_ascii_case("v") && tag.valid)
        .map(|tag| tag.span)
        .collect();
    for span in later_versions {
        record.push(
            IssueKind::Syntax,
            Problem::error(span, "v= may only be the first tag"),
        );
    }
}

/// `pct`, `rf` and `ri` were removed by RFC 9989 (Appendix C.5.2, historic in §9.3): its
/// receivers ignore them, RFC 7489 receivers still honour them.
fn check_removed_tags(record: &mut DmarcRecord) {
    let found: Vec<(Span, String)> = record
        .tags
        .iter()
        .filter(|tag| tag.valid)
        .filter_map(|tag| {
            let name = tag.name.to_ascii_lowercase();
            let message = match name.as_str() {
                "pct" if record.pct.is_some_and(|pct| pct < 100) => format!(
                    "pct={} was removed by RFC 9989 (Appendix A.6, C.5.2): its receivers \
                     ignore it and apply the policy to all failing mail; RFC 7489 receivers \
                     still apply it to {}% only (§6.6.4). For a trial, RFC 9989 has t=y \
                     instead (one level below the policy, as pct=0 did)",
                    tag.value, tag.value
                ),
                "pct" => "pct was removed by RFC 9989 (Appendix A.6, C.5.2): its receivers \
                          ignore it; pct=100 is also RFC 7489's default, so it can go"
                    .to_owned(),
                "rf" => "rf was removed by RFC 9989 (Appendix C.5.2): its receivers ignore it \
                         and send failure reports in the one format there is (RFC 9991); \
                         RFC 7489 receivers read it (§6.3)"
                    .to_owned(),
                "ri" => format!(
                    "ri={} was removed by RFC 9989 (Appendix C.5.2): its receivers ignore it \
                     and send aggregate reports daily or more often, typically per UTC day \
                     (RFC 9990); RFC 7489 receivers read it as a request (§6.3)",
                    tag.value
                ),
                _ => return None,
            };
            Some((tag.span, message))
        })
        .collect();
    for (span, message) in found {
        record.push(IssueKind::Removed, info(span, message));
    }
}

/// In a report authorization record only `v` (and `rua`/`ruf`, an override of the
/// destination) mean anything: anything else is ignored (RFC 9989 §4.7 `p`; RFC 9990,
/// "Verifying External Destinations", step 9).
fn check_authorization_tags(record: &mut DmarcRecord) {
    let ignored: Vec<(Span, String)> = record
        .tags
        .iter()
        .skip(1)
        .filter(|tag| tag.known)
        .filter(|tag| !matches!(tag.name.to_ascii_lowercase().as_str(), "v" | "rua" | "ruf"))
        .map(|tag| {
            (
                tag.span,
                format!(
                    "{} has no effect in a report authorization record: only v=DMARC1 (and \
                     rua or ruf, to override the destination) is read (RFC 9989 §4.7, \
                     RFC 9990)",
                    tag.name
                ),
            )
        })
        .collect();
    for (span, message) in ignored {
        record.push(IssueKind::Syntax, Problem::warning(span, message));
    }
}

/// Without `p`: RFC 9989 treats a valid record as `p=none` when `rua` holds a valid URI and
/// applies no DMARC without one (§4.7 `p`, §4.10.1); RFC 7489 requires `p` (§6.3) and its
/// receivers act as `p=none` with a valid `rua`, ignoring the record otherwise (§6.6.3
/// step 6).
fn check_policy_presence(record: &mut DmarcRecord) {
    if !record.version_ok || record.tag("p").is_some() {
        return;
    }
    let has_rua = record.rua.iter().any(|uri| uri.valid);
    let end = record.text.trim_end_matches(is_wsp).len();
    let at = record
        .tags
        .first()
        .map_or(Span::new(0, end), |tag| tag.span);
    let issue = if has_rua {
        Problem::warning(
            at,
            "there is no p tag: RFC 9989 receivers treat the record as p=none because rua is \
             valid (§4.7, §4.10.1), but RFC 7489 requires p (§6.3) and its receivers only \
             SHOULD act as p=none (§6.6.3): write p=none (or stronger) right after v=DMARC1",
        )
    } else {
        Problem::error(
            at,
            "there is no p tag and no valid rua, so receivers apply no DMARC at all (RFC 9989 \
             §4.10.1, RFC 7489 §6.6.3): add p=none (or stronger) right after v=DMARC1. (A \
             report authorization record at <domain>._report._dmarc.<destination> is \
             v=DMARC1 alone: check it with `mailcheck record dmarc-report-auth`.)",
        )
    };
    record.push(IssueKind::Syntax, issue);
}

/// `Keyword` of RFC 5321 §4.1.2 (`Ldh-str`): letters, digits and inner hyphens.
fn is_keyword(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !text.ends_with('-')
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
}

/// The record as the next step of the step-up path (RFC 9989 §5.1.7, RFC 7489 §6.6.4: start at
/// `none`, then `quarantine`, then `reject`): `v=DMARC1; p=<policy>`, then every other valid
/// known tag as written, except `pct` and `t` (dropped: full enforcement under both standards)
/// and an `sp` or `np` weaker than the new policy (dropped, so subdomains follow `p`); the
/// obsolete `!size` suffix of a report URI is dropped too. `rua` is added when missing, with
/// `default_rua` as the address to fill in.
pub fn step_record(record: &DmarcRecord, policy: Policy, default_rua: &str) -> String {
    let mut parts = vec!["v=DMARC1".to_owned(), format!("p={policy}")];
    let mut has_rua = false;
    for tag in &record.tags {
        let name = tag.name.to_ascii_lowercase();
        if !tag.valid || !tag.known {
            continue;
        }
        match name.as_str() {
            "v" | "p" | "pct" | "t" => continue,
            "sp" if record.subdomain_policy.is_some_and(|sp| sp < policy) => continue,
            "np" if record.nonexistent_policy.is_some_and(|np| np < policy) => continue,
            "rua" | "ruf" => {
                has_rua |= name == "rua";
                // The !size suffix is obsolete (RFC 9989 §4.8): the next step drops it. A
                // literal '!' cannot appear in a DMARC URI otherwise (it must be encoded).
                let uris: Vec<&str> = tag
                    .value
                    .split(',')
                    .map(|uri| uri.split('!').next().unwrap_or(uri).trim_matches(is_wsp))
                    .collect();
                parts.push(format!("{name}={}", uris.join(",")));
                continue;
            }
            _ => {}
        }
        parts.push(format!("{name}={}", tag.value));
    }
    if !has_rua {
        parts.insert(2, format!("rua=mailto:{default_rua}"));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(record: &DmarcRecord) -> Vec<&str> {
        record
            .issues
            .iter()
            .filter(|issue| issue.issue.severity == Severity::Error)
            .map(|issue| issue.issue.message.as_str())
            .collect()
    }

    #[test]
    fn a_full_record() {
        let text = "v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=r; pct=50; \
                    rua=mailto:a@example.com,mailto:b@example.net!10m; ruf=mailto:f@example.com; \
                    fo=0:d; rf=afrf; ri=3600";
        let record = parse(text);
        // Only the info findings of RFC 9989: pct, the !size suffix, rf, ri.
        let kinds: Vec<IssueKind> = record.issues.iter().map(|issue| issue.kind).collect();
        assert_eq!(
            kinds,
            [
                IssueKind::Removed,
                IssueKind::ObsoleteSize,
                IssueKind::Removed,
                IssueKind::Removed
            ],
            "{:?}",
            record.issues
        );
        assert!(
            record
                .issues
                .iter()
                .all(|issue| issue.issue.severity == Severity::Info)
        );
        assert_eq!(record.policy, Some(Policy::Reject));
        assert_eq!(record.subdomain_policy, Some(Policy::Quarantine));
        assert_eq!(record.adkim, Some(Alignment::Strict));
        assert_eq!(record.aspf, Some(Alignment::Relaxed));
        assert_eq!(record.pct, Some(50));
        assert_eq!(record.rua.len(), 2);
        assert_eq!(record.ruf.len(), 1);
        assert_eq!(record.fo, ["0", "d"]);
        assert_eq!(record.ri, Some(3600));
        let effective = record.effective().unwrap();
        assert_eq!(effective.policy, Policy::Reject);
        assert_eq!(effective.subdomain_policy, Policy::Quarantine);
        assert_eq!(effective.percent, 50);
        // RFC 9989 ignores pct.
        let view = record.effective_9989().unwrap();
        assert_eq!((view.policy, view.percent), (Policy::Reject, 100));
    }

    #[test]
    fn the_two_standards() {
        // t=y: one level below under RFC 9989, ignored under RFC 7489; none stays none.
        let record = parse("v=DMARC1; p=reject; sp=none; np=quarantine; t=y");
        assert!(record.issues.is_empty(), "{:?}", record.issues);
        let view = record.effective_9989().unwrap();
        assert!(view.testing);
        assert_eq!(
            (view.policy, view.subdomain_policy, view.nonexistent_policy),
            (Policy::Quarantine, Policy::None, Policy::None)
        );
        let old = record.effective().unwrap();
        assert!(!old.testing);
        assert_eq!(
            (old.policy, old.subdomain_policy, old.nonexistent_policy),
            (Policy::Reject, Policy::None, Policy::None)
        );
        // np falls back to sp, then p (RFC 9989 §4.7).
        let view = parse("v=DMARC1; p=reject; sp=quarantine")
            .effective_9989()
            .unwrap();
        assert_eq!(view.nonexistent_policy, Policy::Quarantine);
        let view = parse("v=DMARC1; p=quarantine").effective_9989().unwrap();
        assert_eq!(view.nonexistent_policy, Policy::Quarantine);
        let view = parse("v=DMARC1; p=none; sp=none; np=reject")
            .effective_9989()
            .unwrap();
        assert_eq!(view.nonexistent_policy, Policy::Reject);
        // An invalid np: p=none with a valid rua, no DMARC without, under RFC 9989 only.
        let record = parse("v=DMARC1; p=reject; np=bogus; rua=mailto:a@example.com");
        assert!(record.effective_9989().unwrap().assumed_none);
        assert_eq!(record.effective().unwrap().policy, Policy::Reject);
        let record = parse("v=DMARC1; p=reject; np=bogus");
        assert_eq!(record.effective_9989(), Err(Discarded::NoPolicy));
        assert!(record.effective().is_ok());
        // Invalid t and psd fall back to their defaults.
        let record = parse("v=DMARC1; p=reject; t=maybe; psd=x");
        assert_eq!(errors(&record).len(), 2);
        assert_eq!(record.effective_9989().unwrap().policy, Policy::Reject);
        assert_eq!(Policy::Reject.one_level_below(), Policy::Quarantine);
        assert_eq!(Policy::None.one_level_below(), Policy::None);
    }

    #[test]
    fn unknown_tags_never_stop_the_record() {
        let record = parse("v=DMARC1; p=reject; xyz=1; foo=bar baz");
        assert!(errors(&record).is_empty(), "{:?}", record.issues);
        assert!(
            record
                .issues
                .iter()
                .all(|issue| issue.issue.message.contains("RFC 9989"))
        );
        for standard in Standard::BOTH {
            assert_eq!(
                record.effective_for(standard).unwrap().policy,
                Policy::Reject
            );
        }
    }

    #[test]
    fn report_authorization_records() {
        let record = parse_report_authorization("v=DMARC1;");
        assert!(record.issues.is_empty(), "{:?}", record.issues);
        let record = parse_report_authorization("v=DMARC1");
        assert!(record.issues.is_empty(), "{:?}", record.issues);
        // As a policy record, the same text applies no DMARC.
        assert!(!errors(&parse("v=DMARC1;")).is_empty());
        // p means nothing there: a warning, not an error.
        let record = parse_report_authorization("v=DMARC1; p=reject");
        assert!(errors(&record).is_empty());
        assert_eq!(record.issues.len(), 1);
        let record = parse_report_authorization("v=DMARC1; rua=mailto:r@example.net");
        assert!(record.issues.is_empty(), "{:?}", record.issues);
        assert!(!errors(&parse_report_authorization("v=DMARC2")).is_empty());
    }

    #[test]
    fn missing_p_with_rua_is_none() {
        let record = parse("v=DMARC1; rua=mailto:a@example.com");
        assert!(errors(&record).is_empty());
        let effective = record.effective().unwrap();
        assert_eq!(effective.policy, Policy::None);
        assert!(effective.assumed_none);
        let record = parse("v=DMARC1; pct=100");
        assert_eq!(record.effective(), Err(Discarded::NoPolicy));
        assert!(!errors(&record).is_empty());
    }

    #[test]
    fn invalid_sp_falls_back_to_none() {
        let record = parse("v=DMARC1; p=reject; sp=invalid; rua=mailto:a@example.com");
        assert_eq!(record.effective().unwrap().policy, Policy::None);
        assert_eq!(errors(&record).len(), 1);
        // Every tag is kept, even the invalid one.
        assert_eq!(record.tags.len(), 4);
        assert!(!record.tag("sp").unwrap().valid);
    }

    #[test]
    fn every_problem_is_reported_and_tags_kept() {
        let text = "v=DMARC1; p=bogus; adkim=x; pct=101; rua=bogus; fo=9; foo=bar; ri=-1";
        let record = parse(text);
        assert_eq!(record.tags.len(), 8);
        // pct and ri were removed by RFC 9989: their invalid values are warnings.
        assert_eq!(errors(&record).len(), 4, "{:?}", record.issues);
        for issue in &record.issues {
            assert!(!issue.issue.span.slice(text).is_empty(), "{issue:?}");
        }
        assert!(
            record
                .issues
                .iter()
                .any(|issue| issue.kind == IssueKind::ReportUri)
        );
    }

    #[test]
    fn version_rules() {
        assert!(!errors(&parse("v=dmarc1; p=none")).is_empty());
        assert!(parse("v=dmarc1; p=none").effective().is_ok());
        assert_eq!(
            parse("v=DMARC12; p=none").effective(),
            Err(Discarded::Version)
        );
        assert_eq!(
            parse("p=none; v=DMARC1").effective(),
            Err(Discarded::Version)
        );
        assert_eq!(parse("").effective(), Err(Discarded::Version));
        assert_eq!(
            parse("v=DMARC1; p=none; p=reject").effective(),
            Err(Discarded::Duplicates)
        );
        assert!(is_dmarc_record(" V = DMARC1 ; p=none"));
        assert!(!is_dmarc_record("v=DMARC1 p=none"));
        assert!(is_lookalike("v=DMARC1 p=none"));
        assert!(!is_lookalike("v=spf1 -all"));
    }

    #[test]
    fn p_position_and_unknown_tags_are_warnings() {
        let record = parse("v=DMARC1; sp=none; p=reject; xyz=1");
        assert!(errors(&record).is_empty(), "{:?}", record.issues);
        assert_eq!(record.issues.len(), 2);
    }

    #[test]
    fn step_records() {
        let record = parse("v=DMARC1; p=none; sp=none; pct=20; rua=mailto:d@example.com; adkim=s");
        assert_eq!(
            step_record(&record, Policy::Quarantine, "x@example.com"),
            "v=DMARC1; p=quarantine; rua=mailto:d@example.com; adkim=s"
        );
        let record =
            parse("v=DMARC1; p=none; t=y; rua=mailto:a@example.com!10m, mailto:b@example.com");
        assert_eq!(
            step_record(&record, Policy::Reject, "x@example.com"),
            "v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.com"
        );
        let record = parse("v=DMARC1; p=none");
        assert_eq!(
            step_record(&record, Policy::Reject, "dmarc@example.com"),
            "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
        );
    }
}
