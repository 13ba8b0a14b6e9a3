//! The DMARC section: which record applies and why, what it says, its report destinations
//! (JSON `records.dmarc`), the section's overview with the step-up path, and what a record says
//! before it is published (record mode).

use std::fmt::Write as _;

use serde::Serialize;

use super::overview::OverviewLine;
use super::single::RecordStatus;
use crate::dns::Name;
use crate::facts::Lookup;
use crate::facts::dmarc::{Discovery, DmarcFacts, DomainPolicy};
use crate::finding::Section;
use crate::policy::dmarc::{self, DmarcRecord, Effective, Policy, Psd};
use crate::policy::org::{OrgReason, organizational_domain};

/// Which DMARC record applies to the domain and why, in one sentence.
pub fn why(dmarc: &DmarcFacts) -> String {
    let domain = &dmarc.domain;
    let org = &dmarc.organizational_domain;
    let suffix = org
        .as_str()
        .split_once('.')
        .map_or_else(String::new, |(_, suffix)| suffix.to_owned());
    match &dmarc.discovery {
        Discovery::Found(applied) if applied.inherited => format!(
            "{} has no DMARC record, so receivers use the one of the organizational domain \
             {org} (the public suffix {suffix} plus one label, from the Public Suffix List; \
             RFC 7489 §6.6.3); for {domain} its subdomain policy applies",
            dmarc.at_domain.name
        ),
        Discovery::Found(applied) => {
            format!("{} holds {domain}'s own DMARC record", applied.name)
        }
        Discovery::Multiple { name, records } => format!(
            "{name} holds {} DMARC records, so receivers apply none (RFC 7489 §6.6.3)",
            records.len()
        ),
        Discovery::Missing if dmarc.at_organization.is_some() => format!(
            "neither {} nor {} (the organizational domain's) holds a DMARC record",
            dmarc.at_domain.name,
            org.prepend("_dmarc")
        ),
        Discovery::Missing => format!(
            "{} holds no DMARC record, and {domain} is its own organizational domain",
            dmarc.at_domain.name
        ),
        Discovery::NotVerified(failure) => format!(
            "the lookup of {} failed ({}), so which record applies is not verified",
            failure.name, failure.outcome
        ),
    }
}

/// JSON `records.dmarc`: which record applies, why, and what it says.
pub fn records(dmarc: &DmarcFacts) -> DmarcReport {
    let mut queried = vec![dmarc.at_domain.name.to_string()];
    if let Some(org) = &dmarc.at_organization {
        queried.push(org.name.to_string());
    }
    let mut report = DmarcReport {
        status: RecordStatus::Missing,
        queried,
        organizational_domain: dmarc.organizational_domain.to_string(),
        name: None,
        policy_domain: None,
        inherited: false,
        why: why(dmarc),
        record: None,
        records: Vec::new(),
        effective: None,
        effective_rfc9989: None,
        policy_for_domain: None,
        policy_for_domain_rfc9989: None,
        report_destinations: Vec::new(),
        discovery: Discoveries {
            rfc9989: walk_view(dmarc),
            rfc7489: psl_view(dmarc),
        },
    };
    match &dmarc.discovery {
        Discovery::Found(applied) => {
            report.status = RecordStatus::Found;
            report.name = Some(applied.name.to_string());
            report.policy_domain = Some(applied.policy_domain.to_string());
            report.inherited = applied.inherited;
            report.effective = applied.record.effective().ok();
            report.effective_rfc9989 = applied.record.effective_9989().ok();
            report.policy_for_domain = dmarc.policy_for_domain.found().map(|p| p.policy);
            report.policy_for_domain_rfc9989 = dmarc
                .policy_for_domain
                .found()
                .and_then(|p| p.policy_for(dmarc::Standard::Rfc9989));
            for (tag, uris) in [("rua", &applied.record.rua), ("ruf", &applied.record.ruf)] {
                for uri in uris.iter().filter(|uri| uri.valid) {
                    let Some(host) = &uri.host else { continue };
                    let authorization = dmarc.authorization(host);
                    report.report_destinations.push(DestinationReport {
                        tag,
                        uri: uri.text.clone(),
                        host: host.to_string(),
                        external: authorization.is_some(),
                        authorized: authorization
                            .and_then(|authorization| authorization.authorized().found().copied()),
                    });
                }
            }
            report.record = Some(applied.record.clone());
        }
        Discovery::Multiple { name, records } => {
            report.status = RecordStatus::Multiple;
            report.name = Some(name.to_string());
            report.records = records.iter().map(|record| record.text.clone()).collect();
        }
        Discovery::Missing => {}
        Discovery::NotVerified(_) => report.status = RecordStatus::NotVerified,
    }
    report
}

/// JSON `records.dmarc.discovery.rfc9989`: the tree walk's decision.
fn walk_view(dmarc: &DmarcFacts) -> DiscoveryView {
    let walk = &dmarc.walk;
    let mut view = view_of(&walk.discovery, &walk.policy_for_domain);
    view.queried = walk.steps.iter().map(|at| at.name.to_string()).collect();
    view.organizational_domain = walk.organizational_domain.found().map(ToString::to_string);
    view.organizational_domain_reason =
        view.organizational_domain
            .as_ref()
            .map(|_| match walk.reason {
                OrgReason::PsdNo(_) => "psd=n",
                OrgReason::PsdYes(_) => "psd=y",
                OrgReason::Shortest(_) => "fewest-labels",
                OrgReason::NoRecord => "no-record",
            });
    view.psd_records = walk.psd_records.iter().map(ToString::to_string).collect();
    view.domain_exists = walk.domain_exists.found().copied();
    view.not_needed = walk
        .not_needed
        .iter()
        .map(|failure| failure.name.to_string())
        .collect();
    view
}

/// JSON `records.dmarc.discovery.rfc7489`: the Public Suffix List discovery (the same as the
/// top-level fields of `records.dmarc`).
fn psl_view(dmarc: &DmarcFacts) -> DiscoveryView {
    let mut view = view_of(&dmarc.discovery, &dmarc.policy_for_domain);
    view.queried = std::iter::once(&dmarc.at_domain)
        .chain(&dmarc.at_organization)
        .map(|at| at.name.to_string())
        .collect();
    view.organizational_domain = Some(dmarc.organizational_domain.to_string());
    view
}

fn view_of(discovery: &Discovery, policy: &Lookup<DomainPolicy>) -> DiscoveryView {
    let (status, name, policy_domain, inherited) = match discovery {
        Discovery::Found(applied) => (
            RecordStatus::Found,
            Some(applied.name.to_string()),
            Some(applied.policy_domain.to_string()),
            applied.inherited,
        ),
        Discovery::Multiple { name, .. } => {
            (RecordStatus::Multiple, Some(name.to_string()), None, false)
        }
        Discovery::Missing => (RecordStatus::Missing, None, None, false),
        Discovery::NotVerified(_) => (RecordStatus::NotVerified, None, None, false),
    };
    DiscoveryView {
        status,
        queried: Vec::new(),
        name,
        policy_domain,
        inherited,
        organizational_domain: None,
        organizational_domain_reason: None,
        psd_records: Vec::new(),
        policy_for_domain: policy.found().map(|policy| policy.policy),
        domain_exists: None,
        not_needed: Vec::new(),
    }
}

/// Record mode: what a record says, and the step-up path from its policy.
pub fn record_overview(record: &DmarcRecord) -> Vec<OverviewLine> {
    let mut lines = dmarc_lines(record, None);
    lines.extend(step_up_lines(
        Some(record),
        record
            .effective()
            .ok()
            .map(|effective| (effective.policy, effective.percent)),
        record
            .effective_9989()
            .ok()
            .map(|effective| effective.policy),
        &Name::new("example.com"),
    ));
    super::overview::record_mode_lines(Section::Dmarc, lines)
}

/// Record mode for a report authorization record: what publishing it means.
pub fn report_authorization_overview(record: &DmarcRecord) -> Vec<OverviewLine> {
    let mut lines = Vec::new();
    if record.version_ok && !record.has_duplicates {
        lines.push((
            1,
            "a report authorization record: published at \
             <domain>._report._dmarc.<destination> (or *._report._dmarc.<destination> for \
             every domain), it tells receivers that the destination accepts DMARC reports \
             for <domain> (RFC 9990, Verifying External Destinations; RFC 7489 §7.1)"
                .to_owned(),
        ));
        for (tag, uris) in [("rua", &record.rua), ("ruf", &record.ruf)] {
            let valid: Vec<&str> = uris
                .iter()
                .filter(|uri| uri.valid)
                .map(|uri| uri.text.as_str())
                .collect();
            if !valid.is_empty() {
                lines.push((
                    1,
                    format!(
                        "{tag} overrides the destination: {} (it must be on the destination's \
                         own host, or receivers send to neither)",
                        valid.join(", ")
                    ),
                ));
            }
        }
    } else {
        lines.push((
            1,
            "receivers do not accept this as an authorization: it must start with v=DMARC1 \
             and repeat no tag"
                .to_owned(),
        ));
    }
    super::overview::record_mode_lines(Section::Dmarc, lines)
}

/// The DMARC section's overview: the record, why it applies, what it says, its report
/// destinations and the step-up path.
pub fn overview(dmarc: &DmarcFacts) -> Vec<OverviewLine> {
    dmarc_overview(dmarc)
        .into_iter()
        .map(|(depth, text)| OverviewLine::new(Section::Dmarc, depth, text))
        .collect()
}

fn dmarc_overview(dmarc: &DmarcFacts) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    match &dmarc.discovery {
        Discovery::Found(applied) => {
            lines.push((0, format!("{}: {}", applied.name, applied.record.text)));
            lines.push((1, why(dmarc)));
            let for_domain = Some((&dmarc.domain, applied.inherited));
            lines.extend(dmarc_lines(&applied.record, for_domain));
            let destinations: Vec<String> = applied
                .record
                .rua
                .iter()
                .chain(&applied.record.ruf)
                .filter(|uri| uri.valid)
                .filter_map(|uri| {
                    let host = uri.host.as_ref()?;
                    let authorization = dmarc.authorization(host)?;
                    let overridden = authorization
                        .at
                        .texts(dmarc::is_dmarc_record)
                        .into_iter()
                        .map(dmarc::parse_report_authorization)
                        .flat_map(|record| record.rua.into_iter().chain(record.ruf))
                        .any(|other| other.valid && other.host.as_ref() != Some(host));
                    let state = match authorization.authorized() {
                        _ if authorization.at.name.as_str().len() > 253 => {
                            "NOT authorized: the authorization name is longer than DNS allows, \
                             reports are dropped"
                        }
                        Lookup::Found(true) if overridden => {
                            "authorized, but overridden to another host: reports are dropped"
                        }
                        Lookup::Found(true) => "authorized",
                        Lookup::Found(false) => "NOT authorized: reports are dropped",
                        _ => "authorization not verified",
                    };
                    Some(format!(
                        "{} is outside {}'s organization: {state} ({})",
                        uri.address.as_deref().unwrap_or(&uri.text),
                        applied.policy_domain,
                        authorization.at.name
                    ))
                })
                .collect();
            lines.extend(destinations.into_iter().map(|line| (1, line)));
            lines.extend(step_up_lines(
                Some(&applied.record),
                dmarc
                    .policy_for_domain
                    .found()
                    .map(|p| (p.policy, p.percent)),
                dmarc
                    .policy_for_domain
                    .found()
                    .and_then(|p| p.policy_for(dmarc::Standard::Rfc9989)),
                &applied.policy_domain,
            ));
        }
        Discovery::Multiple { name, records } => {
            for record in records {
                lines.push((0, format!("{name}: {}", record.text)));
            }
            lines.push((1, why(dmarc)));
        }
        Discovery::Missing => {
            lines.push((0, "no DMARC record".to_owned()));
            lines.push((1, why(dmarc)));
            // Only the RFC 9989 walk finds one: say which, next to "no DMARC record".
            if let Discovery::Found(walked) = &dmarc.walk.discovery {
                lines.push((
                    1,
                    format!(
                        "under RFC 9989 (the DNS tree walk) receivers apply {}: {}",
                        walked.name, walked.record.text
                    ),
                ));
            }
            lines.extend(step_up_lines(
                None,
                None,
                None,
                &dmarc.organizational_domain,
            ));
        }
        Discovery::NotVerified(_) => {
            lines.push((0, "DMARC record not verified".to_owned()));
            lines.push((1, why(dmarc)));
        }
    }
    lines
}

/// What a DMARC record says, one line per aspect: the policy (for the domain, when known),
/// alignment, report addresses, and every tag that is invalid or unknown.
pub fn dmarc_lines(
    record: &DmarcRecord,
    for_domain: Option<(&Name, bool)>,
) -> Vec<(usize, String)> {
    let mut lines = policy_lines(record, for_domain);
    lines.push((
        1,
        format!(
            "alignment: DKIM {}, SPF {}",
            record.adkim.unwrap_or(dmarc::Alignment::Relaxed).as_str(),
            record.aspf.unwrap_or(dmarc::Alignment::Relaxed).as_str()
        ),
    ));
    for (what, uris) in [
        ("aggregate reports (rua)", &record.rua),
        ("failure reports (ruf)", &record.ruf),
    ] {
        if uris.is_empty() {
            continue;
        }
        let list: Vec<String> = uris
            .iter()
            .map(|uri| {
                let shown = uri.address.clone().unwrap_or_else(|| uri.text.clone());
                if uri.valid {
                    shown
                } else {
                    format!("{shown} (invalid)")
                }
            })
            .collect();
        lines.push((1, format!("{what} → {}", list.join(", "))));
    }
    let odd: Vec<String> = record
        .tags
        .iter()
        .filter(|tag| !tag.valid)
        .map(|tag| {
            format!(
                "{}={} ({})",
                tag.name,
                tag.value,
                if tag.known {
                    "invalid"
                } else {
                    "unknown, ignored"
                }
            )
        })
        .collect();
    if !odd.is_empty() {
        lines.push((1, format!("tags not applied: {}", odd.join(", "))));
    }
    lines
}

/// The policy lines of a record: the RFC 9989 view, and the RFC 7489 view where it differs;
/// then what `t` and `psd` say.
fn policy_lines(record: &DmarcRecord, for_domain: Option<(&Name, bool)>) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let testing_matters = record.testing_can_apply();
    match record.effective() {
        Ok(old) => {
            let new = record.effective_9989().map(|mut new| {
                new.testing &= testing_matters; // t has no effect on none
                new
            });
            let same = new.is_ok_and(|new| {
                (
                    new.policy,
                    new.subdomain_policy,
                    new.nonexistent_policy,
                    new.percent,
                ) == (
                    old.policy,
                    old.subdomain_policy,
                    old.nonexistent_policy,
                    old.percent,
                )
            });
            match new {
                Ok(new) if same => lines.push((1, policy_line(new, for_domain, ""))),
                Ok(new) => {
                    lines.push((1, policy_line(new, for_domain, " (RFC 9989 receivers)")));
                    lines.push((1, policy_line(old, for_domain, " (RFC 7489 receivers)")));
                }
                Err(_) => {
                    lines.push((
                        1,
                        "RFC 9989 receivers apply no DMARC: np is invalid and no rua is valid \
                         (RFC 9989 §4.10.1)"
                            .to_owned(),
                    ));
                    lines.push((1, policy_line(old, for_domain, " (RFC 7489 receivers)")));
                }
            }
        }
        Err(why) => lines.push((
            1,
            format!(
                "receivers ignore this record ({})",
                match why {
                    dmarc::Discarded::Version => "it does not start with v=DMARC1",
                    dmarc::Discarded::Duplicates => "a tag is repeated",
                    dmarc::Discarded::NoPolicy => "no valid p and no valid rua",
                }
            ),
        )),
    }
    if record.testing == Some(true) {
        lines.push((
            1,
            if testing_matters {
                "test mode (t=y): RFC 9989 receivers apply one level below each policy that is \
                 not none (reject becomes quarantine, quarantine becomes none; RFC 9989 §4.7); \
                 RFC 7489 receivers ignore t"
            } else {
                "test mode (t=y): no effect, since every policy is none (RFC 9989 §4.7)"
            }
            .to_owned(),
        ));
    }
    if let Some(psd) = record.psd {
        lines.push((
            1,
            match psd {
                Psd::Yes => {
                    "psd=y: published by a public suffix operator; the organizational \
                             domain of a name below it is one label below it (RFC 9989 §4.7, \
                             §4.10)"
                }
                Psd::No => {
                    "psd=n: the publisher is an organizational domain, for itself and \
                            its subdomains (RFC 9989 §4.7)"
                }
                Psd::Unknown => {
                    "psd=u (the default): the DNS tree walk decides the \
                                 organizational domain (RFC 9989 §4.7, §4.10)"
                }
            }
            .to_owned(),
        ));
    }
    lines
}

/// One policy line: for the domain (or the publisher), its subdomains, its non-existent
/// subdomains when that differs, and the share of failing mail.
fn policy_line(effective: Effective, for_domain: Option<(&Name, bool)>, view: &str) -> String {
    let mut text = match for_domain {
        Some((domain, inherited)) => format!(
            "policy for {domain}{view}: {}",
            describe_policy(effective.for_domain(!inherited))
        ),
        None => format!("policy{view}: {}", describe_policy(effective.policy)),
    };
    let _ = write!(text, "; for subdomains: {}", effective.subdomain_policy);
    if effective.nonexistent_policy != effective.subdomain_policy {
        let _ = write!(
            text,
            "; for non-existent subdomains: {} (np)",
            effective.nonexistent_policy
        );
    }
    let _ = write!(text, "; on {}% of failing mail", effective.percent);
    if effective.testing {
        text.push_str(" (t=y: one level below the policy written)");
    }
    if effective.assumed_none {
        text.push_str(" (p=none assumed: p is missing or invalid, or sp or np is invalid)");
    }
    text
}

fn describe_policy(policy: Policy) -> String {
    match policy {
        Policy::None => "none (monitoring only: failing mail is delivered)".to_owned(),
        Policy::Quarantine => "quarantine (failing mail goes to spam)".to_owned(),
        Policy::Reject => "reject (failing mail is refused)".to_owned(),
    }
}

/// The DMARC step-up path (none → quarantine → reject) with the exact record for each step,
/// shown when the policy for the domain is weaker than reject on all mail (or absent) for the
/// receivers of either standard. `now` is the current policy and percentage for RFC 7489
/// receivers, `now_9989` the policy for RFC 9989 receivers (which ignore `pct` and honour
/// `t=y`); `policy_domain` is where the record lives.
pub fn step_up_lines(
    record: Option<&DmarcRecord>,
    now: Option<(Policy, u8)>,
    now_9989: Option<Policy>,
    policy_domain: &Name,
) -> Vec<(usize, String)> {
    if now.is_some_and(|(policy, percent)| policy == Policy::Reject && percent == 100)
        && now_9989 == Some(Policy::Reject)
    {
        return Vec::new();
    }
    if record.is_some() && now.is_none() {
        return Vec::new(); // the record is ignored: its errors come first
    }
    let org = organizational_domain(policy_domain);
    let rua = format!("dmarc-reports@{org}");
    let empty = dmarc::parse("v=DMARC1");
    let base = record.unwrap_or(&empty);
    let name = policy_domain.prepend("_dmarc");
    let old = now.map(|(current, _)| current);
    let here = |policy: Policy| match (old == Some(policy), now_9989 == Some(policy)) {
        (true, false) if now_9989.is_some() => "  ← you are here for RFC 7489 receivers",
        (true, _) => "  ← you are here",
        (false, true) => "  ← you are here for RFC 9989 receivers",
        (false, false) => "",
    };
    let mut lines = vec![(
        1,
        "Step-up path to full protection, one step at a time (none → quarantine → reject):"
            .to_owned(),
    )];
    let steps = [
        (
            Policy::None,
            "1. none: monitor. Read the aggregate reports until every service that sends as \
             your domain passes SPF or DKIM with alignment (usually 2 to 4 weeks)",
        ),
        (
            Policy::Quarantine,
            "2. quarantine: receivers put failing mail in spam. Watch the reports for a few \
             more weeks",
        ),
        (
            Policy::Reject,
            "3. reject: receivers refuse failing mail. Nobody can send as your domain any more",
        ),
    ];
    for (policy, text) in steps {
        lines.push((2, format!("{text}{}", here(policy))));
        lines.push((
            3,
            format!(
                "{name}. IN TXT \"{}\"",
                dmarc::step_record(base, policy, &rua)
            ),
        ));
    }
    if let Some((policy, percent)) = now
        && percent < 100
        && policy.is_enforcing()
    {
        lines.push((
            2,
            format!(
                "pct={percent}: RFC 7489 receivers apply {policy} to only {percent}% of failing \
                 mail (RFC 9989 receivers ignore pct); the record of this step without pct \
                 applies it to all"
            ),
        ));
    }
    lines
}

/// DMARC: which record applies, why, and what it says.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DmarcReport {
    /// `found`, `missing`, `multiple` or `not-verified`.
    pub status: RecordStatus,
    /// The `_dmarc` names asked, in discovery order.
    pub queried: Vec<String>,
    /// The domain's organizational domain (RFC 7489 §3.2, Public Suffix List).
    pub organizational_domain: String,
    /// Where the applicable record (or the several records) is published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The domain that published the applicable record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_domain: Option<String>,
    /// Whether the record came from the organizational domain.
    pub inherited: bool,
    /// Which record applies and why, in one sentence.
    pub why: String,
    /// The applicable record, parsed: every tag, the values, every problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<DmarcRecord>,
    /// The texts of every DMARC record when there are several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
    /// What RFC 7489 receivers apply (absent when they ignore the record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective: Option<Effective>,
    /// What RFC 9989 receivers apply (absent when they ignore the record): `pct` ignored,
    /// `t=y` one level below, `np` for non-existent subdomains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_rfc9989: Option<Effective>,
    /// The policy RFC 7489 receivers apply to the audited domain's own mail (`sp` when
    /// inherited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_for_domain: Option<Policy>,
    /// The policy RFC 9989 receivers apply to the audited domain's own mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_for_domain_rfc9989: Option<Policy>,
    /// Every valid report address with its authorization state.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub report_destinations: Vec<DestinationReport>,
    /// Discovery under each standard. The fields above are the RFC 7489 view (`rfc7489`).
    pub discovery: Discoveries,
}

/// Policy discovery under both standards (JSON `records.dmarc.discovery`).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Discoveries {
    /// RFC 9989: the DNS tree walk (§4.10).
    pub rfc9989: DiscoveryView,
    /// RFC 7489: the Public Suffix List (§6.6.3).
    pub rfc7489: DiscoveryView,
}

/// What one standard's discovery decided.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DiscoveryView {
    /// `found`, `missing`, `multiple` or `not-verified`.
    pub status: RecordStatus,
    /// The `_dmarc` names this discovery reads, in order.
    pub queried: Vec<String>,
    /// Where the applicable record is published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The domain that published it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_domain: Option<String>,
    /// Whether it is another domain's record (its `sp`, or `np`, applies).
    pub inherited: bool,
    /// The organizational domain (absent when not verified).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizational_domain: Option<String>,
    /// RFC 9989 only: why (`psd=n`, `psd=y`, `fewest-labels`, `no-record`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizational_domain_reason: Option<&'static str>,
    /// RFC 9989 only: the `_dmarc` names with a public suffix operator's record (`psd=y`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub psd_records: Vec<String>,
    /// The policy for the audited domain's mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_for_domain: Option<Policy>,
    /// RFC 9989 only: whether the domain exists (`np` applies to one that does not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_exists: Option<bool>,
    /// RFC 9989 only: names of the walk whose lookup failed but were not needed (above the
    /// record that decided it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_needed: Vec<String>,
}

/// One report address of `rua` or `ruf`.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DestinationReport {
    /// `rua` or `ruf`.
    pub tag: &'static str,
    /// The URI as written.
    pub uri: String,
    /// The destination host.
    pub host: String,
    /// Whether it is outside the policy domain's organization.
    pub external: bool,
    /// For an external destination: whether it publishes the authorization record (absent
    /// when the lookup failed or was not needed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorized: Option<bool>,
}
