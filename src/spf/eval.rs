//! The RFC 7208 `check_host()` function (§4 to §8) over the [`DnsSource`] seam.
//!
//! Evaluation walks the record's terms left to right. `include` pushes a frame for the other
//! domain and `redirect` replaces the current one, so the walk is a loop over an explicit
//! stack; its depth is bounded by the limit of 10 lookup terms (RFC 7208 §4.6.4), which every
//! `include` and `redirect` counts against. Every DNS outcome is kept apart: NXDOMAIN and
//! NODATA are "nothing there" (and count as void lookups), a timeout or SERVFAIL is
//! `temperror`.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use super::macros::{
    MacroContext, MacroLetter, MacroString, MacroValues, expand, parse_macro_string,
    truncate_domain,
};
use super::record::{Directive, Mechanism, Qualifier, Record, TermKind, parse_record};
use super::select::{Selection, select_records};
use crate::address::reverse_name;
use crate::dns::{DnsSource, Name, Outcome, RecordData, RecordType};

/// The result of `check_host()` (RFC 7208 §2.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SpfResult {
    /// No SPF record, or no valid domain to check.
    None,
    /// The record makes no statement about the host.
    Neutral,
    /// The host is authorised.
    Pass,
    /// The host is not authorised.
    Fail,
    /// The host is probably not authorised.
    SoftFail,
    /// A transient DNS error; a later try may succeed.
    TempError,
    /// The domain's records cannot be interpreted.
    PermError,
}

impl SpfResult {
    /// The lower-case name, as in `Received-SPF` and the test suites.
    pub fn as_str(self) -> &'static str {
        match self {
            SpfResult::None => "none",
            SpfResult::Neutral => "neutral",
            SpfResult::Pass => "pass",
            SpfResult::Fail => "fail",
            SpfResult::SoftFail => "softfail",
            SpfResult::TempError => "temperror",
            SpfResult::PermError => "permerror",
        }
    }

    /// The result a matching directive with `qualifier` gives (RFC 7208 §4.6.2).
    pub fn of(qualifier: Qualifier) -> Self {
        match qualifier {
            Qualifier::Pass => SpfResult::Pass,
            Qualifier::Fail => SpfResult::Fail,
            Qualifier::SoftFail => SpfResult::SoftFail,
            Qualifier::Neutral => SpfResult::Neutral,
        }
    }
}

impl fmt::Display for SpfResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The inputs of `check_host()` (RFC 7208 §4.1).
#[derive(Clone, Debug)]
pub struct CheckHost {
    /// The client's address. An IPv4-mapped IPv6 address is treated as IPv4.
    pub ip: IpAddr,
    /// The domain whose policy is checked (the MAIL FROM domain, or the HELO name).
    pub domain: String,
    /// The MAIL FROM address; empty means the HELO identity (`postmaster@<helo>`). A bare
    /// domain means `postmaster@` that domain.
    pub sender: String,
    /// The HELO/EHLO name.
    pub helo: String,
}

/// Settings of an evaluation.
#[derive(Clone, Debug)]
pub struct EvalOptions {
    /// The `r` macro: the checking host's name (RFC 7208 §7.3).
    pub receiver: String,
    /// The `t` macro: seconds since the epoch.
    pub timestamp: u64,
    /// The explanation of a `fail` when the record gives none (RFC 7208 §6.2).
    pub default_explanation: Option<String>,
    /// Terms that cause DNS lookups (RFC 7208 §4.6.4: 10).
    pub lookup_limit: u32,
    /// Void lookups (RFC 7208 §4.6.4: 2).
    pub void_limit: u32,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            receiver: "unknown".to_owned(),
            timestamp: 0,
            default_explanation: None,
            lookup_limit: LOOKUP_LIMIT,
            void_limit: VOID_LIMIT,
        }
    }
}

/// Terms that cause DNS lookups, at most (RFC 7208 §4.6.4).
pub const LOOKUP_LIMIT: u32 = 10;
/// Void lookups, at most (RFC 7208 §4.6.4).
pub const VOID_LIMIT: u32 = 2;
/// MX names an `mx` term may look up, and PTR names a `ptr` term or `%{p}` may check
/// (RFC 7208 §4.6.4).
pub const NAME_LIMIT: usize = 10;

/// A term on the way to the decision: `include:x` in the outer record, then the term that
/// matched inside x.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DecidingTerm {
    /// The domain whose record holds the term.
    pub domain: String,
    /// The term as written.
    pub term: String,
}

/// One step of the evaluation, for the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct TraceStep {
    /// How deep in `include`s the step is (0 = the checked domain's record).
    pub depth: usize,
    /// The domain whose record is being evaluated.
    pub domain: String,
    /// What happened.
    pub text: String,
}

/// What `check_host()` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Evaluation {
    /// The result.
    pub result: SpfResult,
    /// The terms that decided it, outermost first (empty for a default result or an error).
    pub decided_by: Vec<DecidingTerm>,
    /// Why the result is what it is, in one sentence.
    pub reason: String,
    /// The explanation of a `fail` (RFC 7208 §6.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// Terms that caused DNS lookups.
    pub lookups: u32,
    /// Lookups that found nothing.
    pub void_lookups: u32,
    /// Every step, in order.
    pub trace: Vec<TraceStep>,
}

/// Runs `check_host()` through `source`.
pub async fn check_host(
    source: &dyn DnsSource,
    params: &CheckHost,
    options: &EvalOptions,
) -> Evaluation {
    let mut evaluator = Evaluator::new(source, params, options);
    let end = evaluator.run(&params.domain).await;
    Evaluation {
        result: end.result,
        decided_by: end.decided_by,
        reason: end.reason,
        explanation: end.explanation,
        lookups: evaluator.lookups,
        void_lookups: evaluator.voids,
        trace: evaluator.trace,
    }
}

/// One record being evaluated.
struct Frame {
    domain: String,
    record: Record,
    next: usize,
    /// The `include` term of the parent frame that led here (`None` for the top frame).
    entered_by: Option<(String, Qualifier)>,
}

/// How fetching a domain's record ended.
enum Fetched {
    Record(Record),
    None(String),
    Error(SpfResult, String),
}

/// A mechanism's verdict.
enum Verdict {
    Match,
    NoMatch,
    Error(SpfResult, String),
}

/// How an evaluation ended.
struct End {
    result: SpfResult,
    reason: String,
    decided_by: Vec<DecidingTerm>,
    explanation: Option<String>,
}

impl End {
    fn error(result: SpfResult, reason: String) -> Self {
        End {
            result,
            reason,
            decided_by: Vec::new(),
            explanation: None,
        }
    }
}

struct Evaluator<'a> {
    source: &'a dyn DnsSource,
    options: &'a EvalOptions,
    ip: IpAddr,
    sender: String,
    local: String,
    sender_domain: String,
    helo: String,
    lookups: u32,
    voids: u32,
    trace: Vec<TraceStep>,
    /// The client's PTR names that resolve back to it (for `%{p}`), once looked up.
    validated: Option<Vec<String>>,
}

impl<'a> Evaluator<'a> {
    fn new(source: &'a dyn DnsSource, params: &CheckHost, options: &'a EvalOptions) -> Self {
        let ip = match params.ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 @ IpAddr::V4(_) => v4,
        };
        // RFC 7208 §4.3: no local-part means "postmaster"; no sender means the HELO identity.
        let sender = if params.sender.is_empty() {
            format!("postmaster@{}", params.helo)
        } else if params.sender.contains('@') {
            params.sender.clone()
        } else {
            format!("postmaster@{}", params.sender)
        };
        let (local, sender_domain) = match sender.rsplit_once('@') {
            Some(("", domain)) => ("postmaster".to_owned(), domain.to_owned()),
            Some((local, domain)) => (local.to_owned(), domain.to_owned()),
            None => ("postmaster".to_owned(), sender.clone()),
        };
        Evaluator {
            source,
            options,
            ip,
            sender: format!("{local}@{sender_domain}"),
            local,
            sender_domain,
            helo: params.helo.clone(),
            lookups: 0,
            voids: 0,
            trace: Vec::new(),
            validated: None,
        }
    }

    fn note(&mut self, depth: usize, domain: &str, text: impl Into<String>) {
        self.trace.push(TraceStep {
            depth,
            domain: domain.to_owned(),
            text: text.into(),
        });
    }

    /// Ends the trace line of `term` with its verdict (or writes one, if the term wrote none).
    fn conclude(&mut self, depth: usize, domain: &str, term: &str, verdict: &str) {
        let prefix = format!("{term}: ");
        match self.trace.last_mut() {
            Some(last)
                if last.depth == depth
                    && last.domain == domain
                    && last.text.starts_with(&prefix) =>
            {
                last.text.push_str(" → ");
                last.text.push_str(verdict);
            }
            _ => self.note(depth, domain, format!("{prefix}{verdict}")),
        }
    }

    async fn run(&mut self, domain: &str) -> End {
        let domain = domain
            .strip_suffix('.')
            .unwrap_or(domain)
            .to_ascii_lowercase();
        let literal = domain.starts_with('[') && domain.ends_with(']');
        if literal || !valid_domain(&domain) || !domain.contains('.') {
            let reason = format!(
                "\"{domain}\" is not a valid multi-label domain name, so there is no policy to \
                 check (RFC 7208 §4.3)"
            );
            self.note(0, &domain, reason.clone());
            return End::error(SpfResult::None, reason);
        }
        let record = match self.fetch(&domain, 0).await {
            Fetched::Record(record) => record,
            Fetched::None(reason) => return End::error(SpfResult::None, reason),
            Fetched::Error(result, reason) => return End::error(result, reason),
        };
        let mut stack = vec![Frame {
            domain,
            record,
            next: 0,
            entered_by: None,
        }];
        loop {
            let depth = stack.len() - 1;
            let Some(frame) = stack.last_mut() else {
                return End::error(SpfResult::PermError, "empty evaluation stack".to_owned());
            };
            let domain = frame.domain.clone();
            // What decided the top frame: its result and the matching term (None: default).
            let (result, matched) = if let Some(term) = frame.record.terms.get(frame.next) {
                frame.next += 1;
                let TermKind::Directive(directive) = &term.kind else {
                    continue;
                };
                let directive: Directive = directive.clone();
                let text = term.text.clone();
                if let Mechanism::Include(target) = &directive.mechanism {
                    match self.follow(&domain, depth, &text, target).await {
                        Ok((target, record)) => {
                            stack.push(Frame {
                                domain: target,
                                record,
                                next: 0,
                                entered_by: Some((text, directive.qualifier)),
                            });
                            continue;
                        }
                        Err((result, reason)) => return End::error(result, reason),
                    }
                }
                match self
                    .mechanism(&domain, depth, &text, &directive.mechanism)
                    .await
                {
                    Verdict::Match => {
                        let result = SpfResult::of(directive.qualifier);
                        self.conclude(depth, &domain, &text, &format!("match → {result}"));
                        (result, Some(text))
                    }
                    Verdict::NoMatch => continue,
                    Verdict::Error(result, reason) => return End::error(result, reason),
                }
            } else if let Some((term, redirect)) = frame.record.redirect() {
                // RFC 7208 §6.1: redirect applies only when no mechanism matched (an `all`
                // always matches, so a record with `all` never gets here).
                let redirect = redirect.clone();
                let text = term.text.clone();
                match self.follow(&domain, depth, &text, &redirect).await {
                    Ok((target, record)) => {
                        if let Some(frame) = stack.last_mut() {
                            frame.domain = target;
                            frame.record = record;
                            frame.next = 0;
                        }
                        continue;
                    }
                    Err((result, reason)) => return End::error(result, reason),
                }
            } else {
                self.note(
                    depth,
                    &domain,
                    "no term matched: the default result is neutral (RFC 7208 §4.7)",
                );
                (SpfResult::Neutral, None)
            };

            if let Some(end) = self.unwind(&mut stack, result, matched, &domain).await {
                return end;
            }
        }
    }

    /// A record of the stack is decided (`result`, by the term `matched` or by default).
    /// Pops it; an included record's result decides whether the include in its parent
    /// matches (RFC 7208 §5.2), which may decide the parent too. Returns the end of the
    /// evaluation when the checked domain's record is decided, `None` to go on with the
    /// parent's next term.
    async fn unwind(
        &mut self,
        stack: &mut Vec<Frame>,
        mut result: SpfResult,
        matched: Option<String>,
        domain: &str,
    ) -> Option<End> {
        // The chain from the checked domain to the deciding term.
        let mut chain: Vec<DecidingTerm> = stack
            .windows(2)
            .filter_map(|pair| {
                let (include, _) = pair[1].entered_by.as_ref()?;
                Some(DecidingTerm {
                    domain: pair[0].domain.clone(),
                    term: include.clone(),
                })
            })
            .collect();
        if let Some(term) = matched {
            chain.push(DecidingTerm {
                domain: domain.to_owned(),
                term,
            });
        }
        loop {
            let frame = stack.pop()?;
            let Some((include, qualifier)) = frame.entered_by else {
                let explanation = if result == SpfResult::Fail {
                    self.explanation(&frame.domain, &frame.record).await
                } else {
                    None
                };
                return Some(End {
                    result,
                    reason: reason(&chain),
                    decided_by: chain,
                    explanation,
                });
            };
            let depth = stack.len().saturating_sub(1);
            let parent = stack
                .last()
                .map(|parent| parent.domain.clone())
                .unwrap_or_default();
            if result == SpfResult::Pass {
                // RFC 7208 §5.2: the include matches; its own qualifier gives the result.
                result = SpfResult::of(qualifier);
                self.note(
                    depth,
                    &parent,
                    format!(
                        "{include}: {} passes, so the include matches → {result}",
                        frame.domain
                    ),
                );
                continue;
            }
            self.note(
                depth,
                &parent,
                format!(
                    "{include}: {} gives {result}, so the include does not match",
                    frame.domain
                ),
            );
            return None;
        }
    }

    /// Counts a term that causes DNS lookups; `Err` once the limit is passed.
    fn count_lookup(
        &mut self,
        depth: usize,
        domain: &str,
        term: &str,
    ) -> Result<(), (SpfResult, String)> {
        self.lookups += 1;
        if self.lookups > self.options.lookup_limit {
            let reason = format!(
                "{term} in the record of {domain} is DNS lookup number {}: more than {} terms \
                 that cause lookups is a permerror (RFC 7208 §4.6.4)",
                self.lookups, self.options.lookup_limit
            );
            self.note(depth, domain, reason.clone());
            return Err((SpfResult::PermError, reason));
        }
        Ok(())
    }

    /// Counts a lookup that found nothing; `Err` once the limit is passed.
    fn count_void(
        &mut self,
        depth: usize,
        domain: &str,
        term: &str,
    ) -> Result<(), (SpfResult, String)> {
        self.voids += 1;
        if self.voids > self.options.void_limit {
            let reason = format!(
                "{term} in the record of {domain} is void lookup number {}: more than {} lookups \
                 that find nothing is a permerror (RFC 7208 §4.6.4)",
                self.voids, self.options.void_limit
            );
            self.note(depth, domain, reason.clone());
            return Err((SpfResult::PermError, reason));
        }
        Ok(())
    }

    /// `include` and `redirect`: count the lookup, expand the target and fetch its record.
    /// A target without a usable record is a permerror (RFC 7208 §5.2, §6.1).
    async fn follow(
        &mut self,
        domain: &str,
        depth: usize,
        term: &str,
        target: &MacroString,
    ) -> Result<(String, Record), (SpfResult, String)> {
        self.count_lookup(depth, domain, term)?;
        let target = self.target(domain, target).await;
        let Some(target) = target.filter(|name| valid_domain(name)) else {
            let reason =
                format!("{term}: the target is not a valid domain name, which is a permerror");
            self.note(depth, domain, reason.clone());
            return Err((SpfResult::PermError, reason));
        };
        self.note(depth, domain, format!("{term}: evaluating {target}"));
        match self.fetch(&target, depth + 1).await {
            Fetched::Record(record) => Ok((target, record)),
            Fetched::None(reason) => {
                let reason =
                    format!("{term}: {reason}, which is a permerror (RFC 7208 §5.2, §6.1)");
                self.note(depth, domain, reason.clone());
                Err((SpfResult::PermError, reason))
            }
            Fetched::Error(result, reason) => Err((result, reason)),
        }
    }

    /// Looks up and selects the SPF record of `domain` (RFC 7208 §4.4, §4.5).
    async fn fetch(&mut self, domain: &str, depth: usize) -> Fetched {
        let outcome = self.query(domain, RecordType::Txt).await;
        if outcome.is_failure() {
            let reason = format!("the TXT lookup of {domain} failed ({outcome}), a temperror");
            self.note(depth, domain, reason.clone());
            return Fetched::Error(SpfResult::TempError, reason);
        }
        match select_records(outcome.txt_strings()) {
            Selection::None => {
                let reason = format!("{domain} has no SPF record");
                self.note(depth, domain, reason.clone());
                Fetched::None(reason)
            }
            Selection::Multiple(records) => {
                let reason = format!(
                    "{domain} has {} SPF records; more than one is a permerror (RFC 7208 §4.5)",
                    records.len()
                );
                self.note(depth, domain, reason.clone());
                Fetched::Error(SpfResult::PermError, reason)
            }
            Selection::One(found) => {
                let record = parse_record(&found.text);
                self.note(depth, domain, format!("record: {}", found.text));
                if let Some(problem) = record.problems.first() {
                    let reason = format!(
                        "the record of {domain} has a syntax error ({}), a permerror \
                         (RFC 7208 §4.6)",
                        problem.message
                    );
                    self.note(depth, domain, reason.clone());
                    return Fetched::Error(SpfResult::PermError, reason);
                }
                Fetched::Record(record)
            }
        }
    }

    async fn query(&self, name: &str, rtype: RecordType) -> Outcome {
        self.source.query(&Name::new(name), rtype).await
    }

    /// Expands a domain-spec for the current domain and cuts it to 253 octets (RFC 7208
    /// §7.3). `None` if the result is not usable as a DNS name.
    async fn target(&mut self, domain: &str, spec: &MacroString) -> Option<String> {
        let validated = if spec.uses(MacroLetter::ValidatedName) {
            self.validated_name(domain).await
        } else {
            None
        };
        let values = self.values(domain, validated.as_deref());
        let expanded = expand(spec, &values, MacroContext::Domain);
        let name = truncate_domain(&expanded).to_ascii_lowercase();
        valid_domain(&name).then_some(name)
    }

    fn values<'v>(&'v self, domain: &'v str, validated: Option<&'v str>) -> MacroValues<'v> {
        MacroValues {
            sender: &self.sender,
            local: &self.local,
            sender_domain: &self.sender_domain,
            domain,
            ip: self.ip,
            helo: &self.helo,
            validated,
            receiver: &self.options.receiver,
            timestamp: self.options.timestamp,
        }
    }

    /// The target of `a`, `mx`, `ptr`: the domain-spec, or the current domain.
    async fn target_or_current(
        &mut self,
        domain: &str,
        spec: Option<&MacroString>,
    ) -> Option<String> {
        match spec {
            Some(spec) => self.target(domain, spec).await,
            None => Some(domain.to_owned()),
        }
    }

    /// Evaluates one mechanism other than `include`.
    async fn mechanism(
        &mut self,
        domain: &str,
        depth: usize,
        term: &str,
        mechanism: &Mechanism,
    ) -> Verdict {
        if mechanism.costs_lookup()
            && let Err((result, reason)) = self.count_lookup(depth, domain, term)
        {
            return Verdict::Error(result, reason);
        }
        let verdict = match mechanism {
            Mechanism::All => Verdict::Match,
            Mechanism::Ip4 { network, prefix } => match self.ip {
                IpAddr::V4(ip) => verdict(in_network(ip.into(), IpAddr::V4(*network), *prefix)),
                IpAddr::V6(_) => Verdict::NoMatch,
            },
            Mechanism::Ip6 { network, prefix } => match self.ip {
                IpAddr::V6(ip) => verdict(in_network(ip.into(), IpAddr::V6(*network), *prefix)),
                IpAddr::V4(_) => Verdict::NoMatch,
            },
            Mechanism::A { domain: spec, cidr } => {
                let Some(target) = self.target_or_current(domain, spec.as_ref()).await else {
                    self.note(
                        depth,
                        domain,
                        format!("{term}: the target is not a valid domain name: no match"),
                    );
                    return Verdict::NoMatch;
                };
                self.a(domain, depth, term, &target, cidr.v4, cidr.v6).await
            }
            Mechanism::Mx { domain: spec, cidr } => {
                let Some(target) = self.target_or_current(domain, spec.as_ref()).await else {
                    self.note(
                        depth,
                        domain,
                        format!("{term}: the target is not a valid domain name: no match"),
                    );
                    return Verdict::NoMatch;
                };
                self.mx(domain, depth, term, &target, cidr.v4, cidr.v6)
                    .await
            }
            Mechanism::Ptr(spec) => {
                let Some(target) = self.target_or_current(domain, spec.as_ref()).await else {
                    self.note(
                        depth,
                        domain,
                        format!("{term}: the target is not a valid domain name: no match"),
                    );
                    return Verdict::NoMatch;
                };
                self.ptr(domain, depth, term, &target).await
            }
            Mechanism::Exists(spec) => {
                let Some(target) = self.target(domain, spec).await else {
                    self.note(
                        depth,
                        domain,
                        format!("{term}: the target is not a valid domain name: no match"),
                    );
                    return Verdict::NoMatch;
                };
                // RFC 7208 §5.7: an A lookup, even when the client is IPv6.
                let outcome = self.query(&target, RecordType::A).await;
                if outcome.is_failure() {
                    return dns_error(term, &target, &outcome);
                }
                let found = outcome.data_of(RecordType::A).next().is_some();
                if !found && let Err((result, reason)) = self.count_void(depth, domain, term) {
                    return Verdict::Error(result, reason);
                }
                self.note(
                    depth,
                    domain,
                    format!(
                        "{term}: {target} {}",
                        if found { "exists" } else { "has no A record" }
                    ),
                );
                verdict(found)
            }
            Mechanism::Include(_) => Verdict::NoMatch,
        };
        if matches!(verdict, Verdict::NoMatch) {
            self.conclude(depth, domain, term, "no match");
        }
        verdict
    }

    /// `a` (RFC 7208 §5.3): the target's addresses of the client's family.
    async fn a(
        &mut self,
        domain: &str,
        depth: usize,
        term: &str,
        target: &str,
        v4: u8,
        v6: u8,
    ) -> Verdict {
        let prefix = if self.ip.is_ipv4() { v4 } else { v6 };
        match self.addresses(target).await {
            Err(outcome) => dns_error(term, target, &outcome),
            Ok(addresses) => {
                if addresses.is_empty()
                    && let Err((result, reason)) = self.count_void(depth, domain, term)
                {
                    return Verdict::Error(result, reason);
                }
                self.note(
                    depth,
                    domain,
                    format!("{term}: {target} has {}", list(&addresses)),
                );
                verdict(
                    addresses
                        .iter()
                        .any(|&address| in_network(self.ip, address, prefix)),
                )
            }
        }
    }

    /// The addresses of `name` of the client's family (A for IPv4, AAAA for IPv6).
    async fn addresses(&self, name: &str) -> Result<Vec<IpAddr>, Outcome> {
        let rtype = if self.ip.is_ipv4() {
            RecordType::A
        } else {
            RecordType::Aaaa
        };
        let outcome = self.query(name, rtype).await;
        if outcome.is_failure() {
            return Err(outcome);
        }
        Ok(outcome
            .data_of(rtype)
            .filter_map(|data| match data {
                RecordData::A(ip) => Some(IpAddr::V4(*ip)),
                RecordData::Aaaa(ip) => Some(IpAddr::V6(*ip)),
                _ => None,
            })
            .collect())
    }

    /// `mx` (RFC 7208 §5.4): at most 10 MX names are looked up; needing an 11th is a permerror.
    async fn mx(
        &mut self,
        domain: &str,
        depth: usize,
        term: &str,
        target: &str,
        v4: u8,
        v6: u8,
    ) -> Verdict {
        let outcome = self.query(target, RecordType::Mx).await;
        if outcome.is_failure() {
            return dns_error(term, target, &outcome);
        }
        let mut exchanges: Vec<(u16, &Name)> = outcome
            .data_of(RecordType::Mx)
            .filter_map(|data| match data {
                RecordData::Mx {
                    preference,
                    exchange,
                } => Some((*preference, exchange)),
                _ => None,
            })
            .collect();
        if exchanges.is_empty()
            && let Err((result, reason)) = self.count_void(depth, domain, term)
        {
            return Verdict::Error(result, reason);
        }
        // Stable: equal preferences keep the server's order.
        exchanges.sort_by_key(|(preference, _)| *preference);
        let names: Vec<String> = exchanges
            .iter()
            .filter(|(_, exchange)| !exchange.is_root())
            .map(|(_, exchange)| exchange.as_str().to_owned())
            .collect();
        self.note(
            depth,
            domain,
            format!("{term}: {target} has MX {}", list(&names)),
        );
        let prefix = if self.ip.is_ipv4() { v4 } else { v6 };
        for (i, name) in names.iter().enumerate() {
            if i >= NAME_LIMIT {
                let reason = format!(
                    "{term}: {target} has {} MX names and the first {NAME_LIMIT} did not match; \
                     looking up more is a permerror (RFC 7208 §4.6.4)",
                    names.len()
                );
                self.note(depth, domain, reason.clone());
                return Verdict::Error(SpfResult::PermError, reason);
            }
            match self.addresses(name).await {
                Err(outcome) => return dns_error(term, name, &outcome),
                Ok(addresses) => {
                    if addresses
                        .iter()
                        .any(|&address| in_network(self.ip, address, prefix))
                    {
                        self.note(
                            depth,
                            domain,
                            format!("{term}: {name} has {}", list(&addresses)),
                        );
                        return Verdict::Match;
                    }
                }
            }
        }
        Verdict::NoMatch
    }

    /// The client's PTR names, the first 10 (RFC 7208 §4.6.4), and whether the PTR lookup
    /// found nothing. A failed lookup gives no names (RFC 7208 §5.5: no match).
    async fn ptr_names(&self) -> (Vec<String>, bool) {
        let outcome = self
            .source
            .query(&reverse_name(self.ip), RecordType::Ptr)
            .await;
        let names: Vec<String> = outcome
            .data_of(RecordType::Ptr)
            .filter_map(|data| match data {
                RecordData::Ptr(name) => Some(name.as_str().to_owned()),
                _ => None,
            })
            .take(NAME_LIMIT)
            .collect();
        let void = !outcome.is_failure() && names.is_empty();
        (names, void)
    }

    /// Whether `name` resolves back to the client; a failed lookup skips the name
    /// (RFC 7208 §5.5).
    async fn confirms(&self, name: &str) -> bool {
        self.addresses(name)
            .await
            .is_ok_and(|addresses| addresses.contains(&self.ip))
    }

    /// `ptr` (RFC 7208 §5.5).
    async fn ptr(&mut self, domain: &str, depth: usize, term: &str, target: &str) -> Verdict {
        let (names, void) = self.ptr_names().await;
        if void && let Err((result, reason)) = self.count_void(depth, domain, term) {
            return Verdict::Error(result, reason);
        }
        self.note(
            depth,
            domain,
            format!("{term}: the client's PTR names are {}", list(&names)),
        );
        for name in names.iter().filter(|name| is_under(name, target)) {
            if self.confirms(name).await {
                self.note(
                    depth,
                    domain,
                    format!("{term}: {name} resolves back to the client and is under {target}"),
                );
                return Verdict::Match;
            }
        }
        Verdict::NoMatch
    }

    /// `%{p}` (RFC 7208 §7.3): a validated name of the client, preferring `domain` itself,
    /// then one of its subdomains.
    async fn validated_name(&mut self, domain: &str) -> Option<String> {
        if self.validated.is_none() {
            let (names, _) = self.ptr_names().await;
            let mut validated = Vec::new();
            for name in names {
                if self.confirms(&name).await {
                    validated.push(name);
                }
            }
            self.validated = Some(validated);
        }
        let validated = self.validated.as_deref().unwrap_or_default();
        validated
            .iter()
            .find(|name| name.eq_ignore_ascii_case(domain))
            .or_else(|| validated.iter().find(|name| is_under(name, domain)))
            .or_else(|| validated.first())
            .cloned()
    }

    /// The explanation of a `fail` (RFC 7208 §6.2): the `exp=` of the record that decided,
    /// or the default. Any problem on the way means the default.
    async fn explanation(&mut self, domain: &str, record: &Record) -> Option<String> {
        let default = self.options.default_explanation.clone();
        let Some((_, spec)) = record.explanation() else {
            return default;
        };
        let spec = spec.clone();
        let Some(target) = self.target(domain, &spec).await else {
            return default;
        };
        let outcome = self.query(&target, RecordType::Txt).await;
        let texts: Vec<Vec<u8>> = outcome
            .data_of(RecordType::Txt)
            .filter_map(|data| match data {
                RecordData::Txt(strings) => Some(strings.concat()),
                _ => None,
            })
            .collect();
        let [text] = texts.as_slice() else {
            self.note(0, domain, format!("exp: {target} does not have exactly one TXT record; using the default explanation"));
            return default;
        };
        let Ok(text) = std::str::from_utf8(text) else {
            return default;
        };
        let (parsed, problems) = parse_macro_string(text, 0, MacroContext::Explanation);
        if !problems.is_empty() {
            self.note(
                0,
                domain,
                format!(
                    "exp: the text at {target} has a syntax error; using the default explanation"
                ),
            );
            return default;
        }
        let validated = if parsed.uses(MacroLetter::ValidatedName) {
            self.validated_name(domain).await
        } else {
            None
        };
        let values = self.values(domain, validated.as_deref());
        Some(expand(&parsed, &values, MacroContext::Explanation))
    }
}

/// The reason of a decided result, from the chain of terms that decided it.
fn reason(chain: &[DecidingTerm]) -> String {
    match chain {
        [] => "no term matched, so the result is the default, neutral".to_owned(),
        [last] => format!("{} matched in the record of {}", last.term, last.domain),
        [through @ .., last] => format!(
            "{} matched in the record of {}, reached through {}",
            last.term,
            last.domain,
            through
                .iter()
                .map(|step| step.term.as_str())
                .collect::<Vec<_>>()
                .join(" → ")
        ),
    }
}

fn verdict(matched: bool) -> Verdict {
    if matched {
        Verdict::Match
    } else {
        Verdict::NoMatch
    }
}

fn dns_error(term: &str, name: &str, outcome: &Outcome) -> Verdict {
    Verdict::Error(
        SpfResult::TempError,
        format!("{term}: the lookup of {name} failed ({outcome}), a temperror (RFC 7208 §5)"),
    )
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "nothing".to_owned();
    }
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `name` is `target` or a name under it (case-insensitive, trailing dots ignored).
fn is_under(name: &str, target: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let target = target.trim_end_matches('.').to_ascii_lowercase();
    name == target || name.ends_with(&format!(".{target}"))
}

/// Whether `ip` is in `network/prefix`; addresses of different families never match.
pub fn in_network(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(network)) => {
            let mask = v4_mask(prefix);
            u32::from(ip) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(network)) => {
            let mask = v6_mask(prefix);
            u128::from(ip) & mask == u128::from(network) & mask
        }
        _ => false,
    }
}

/// The network mask of an IPv4 prefix length (lengths over 32 count as 32).
pub fn v4_mask(prefix: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0)
}

/// The network mask of an IPv6 prefix length (lengths over 128 count as 128).
pub fn v6_mask(prefix: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(prefix.min(128)))
        .unwrap_or(0)
}

/// Whether `name` can be asked for: 1 to 253 octets, labels of 1 to 63 octets, printable
/// ASCII (RFC 1035 §2.3.4). A name that cannot exist never matches and is never queried.
pub fn valid_domain(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.bytes().all(|b| (0x20..0x7f).contains(&b))
        && name
            .split('.')
            .all(|label| !label.is_empty() && label.len() <= 63)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_network(ip("192.0.2.77"), ip("192.0.2.0"), 24));
        assert!(!in_network(ip("192.0.3.1"), ip("192.0.2.0"), 24));
        assert!(in_network(ip("203.0.113.9"), ip("1.1.1.1"), 0));
        assert!(in_network(ip("2001:db8::1"), ip("2001:db8::"), 32));
        assert!(!in_network(ip("2001:db9::1"), ip("2001:db8::"), 32));
        assert!(in_network(ip("::1"), ip("2001:db8::"), 0));
        assert!(!in_network(ip("192.0.2.1"), ip("::ffff:192.0.2.1"), 0));
    }

    #[test]
    fn domain_validity() {
        assert!(valid_domain("example.com."));
        assert!(valid_domain("foo:bar/baz.example.com"));
        assert!(!valid_domain("a..example.com"));
        assert!(!valid_domain(&format!("{}.com", "a".repeat(64))));
        assert!(!valid_domain(""));
        assert!(!valid_domain("ex\u{e9}.com"));
    }
}
