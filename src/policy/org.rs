//! Organizational domains (RFC 7489 §3.2): the public suffix of a name plus one label, found
//! with the Public Suffix List compiled into the `psl` crate.
//!
//! DMARC uses it twice: a domain without a DMARC record falls back to the record of its
//! organizational domain (§6.6.3), and a report address outside the policy's organizational
//! domain must authorize the reports (§7.1). Both ICANN and private sections of the list are
//! used, as OpenDMARC and most receivers do, so `team.github.io` is its own organization.
//!
//! RFC 9989 replaces the list with the DNS tree walk (§4.10): [`tree_walk_names`] gives the
//! names a receiver may ask, and [`decide_walk`] picks the organizational domain (§4.10.2) and
//! the record that applies (§4.10.1) from what they hold. Both are pure: the gatherer asks
//! every name at once and decides once the answers are in, so the walk costs one round trip.

use psl::Psl as _;

use crate::domain::Name;
use crate::policy::dmarc::Psd;

/// The most names a DNS tree walk asks (RFC 9989 §4.10: "no more than eight DNS queries").
pub const MAX_WALK_NAMES: usize = 8;

/// The names whose `_dmarc` record the RFC 9989 DNS tree walk (§4.10) may ask about, in the
/// order a receiver asks them: `domain` itself, then (steps 3-4) its parent, or, for a name of
/// more than eight labels, its last seven labels at once, then one label less at a time down
/// to the top-level domain (the root is never asked). At most [`MAX_WALK_NAMES`] names.
pub fn tree_walk_names(domain: &Name) -> Vec<Name> {
    let labels: Vec<&str> = domain.labels().collect();
    let mut names = vec![domain.clone()];
    let count = labels.len();
    // Step 4: x < 8 removes one label; x >= 8 keeps the last seven (for x = 8 both agree).
    let first = if count >= 8 {
        7
    } else {
        count.saturating_sub(1)
    };
    for kept in (1..=first).rev() {
        names.push(Name::new(&labels[count - kept..].join(".")));
    }
    names
}

/// What one name of the walk holds, as the decision needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalkAnswer {
    /// Exactly one DMARC record, with its `psd` tag (if valid).
    Record(Option<Psd>),
    /// No DMARC record (none, or several: "they are all discarded", §4.10 steps 2 and 6).
    Nothing,
    /// The lookup failed or was not made: unknown.
    Failed,
}

/// Why the organizational domain is what it is (RFC 9989 §4.10.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrgReason {
    /// The record at this index of the walk says `psd=n`.
    PsdNo(usize),
    /// The record at this index says `psd=y`: the organizational domain is one label below.
    PsdYes(usize),
    /// No `psd` decided it: the record found at the fewest labels (this index).
    Shortest(usize),
    /// No record at all: the domain is its own organizational domain.
    NoRecord,
}

/// The decision of an RFC 9989 tree walk over the answers to [`tree_walk_names`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalkDecision {
    /// The organizational domain (§4.10.2).
    pub organizational_domain: Name,
    /// Why.
    pub reason: OrgReason,
    /// The index of the record that applies to the domain's mail (§4.10.1: the domain's own,
    /// else the organizational domain's, else the public suffix domain's), if any.
    pub applied: Option<usize>,
    /// The indexes whose failure leaves the organizational domain unknown: every name below
    /// the record that decided it (it could hold a `psd` tag that stops the walk sooner), or
    /// every name when no record was found.
    pub needed_for_org: Vec<usize>,
    /// The indexes whose failure leaves the applied record unknown: the domain's own name, and
    /// when it holds no record, [`Self::needed_for_org`].
    pub needed_for_policy: Vec<usize>,
}

/// Decides the walk (RFC 9989 §4.10, §4.10.1, §4.10.2) over `answers[i]` for `names[i]`, the
/// output of [`tree_walk_names`] for `domain`. A failed name counts as holding nothing when
/// choosing; the `needed_*` lists say which failures make the choice unknown.
///
/// A failed name above the record that decided the organizational domain is not needed: after
/// a `psd` tag the walk stops before it (§4.10 step 6); after a record without `psd` it could
/// only matter if a public suffix published a record without `psd=y`, which §4.10.2 would make
/// the organizational domain of all its registrants. That is the one assumption made here, so
/// that `--offline --zone example.com` (where `_dmarc.com` cannot be asked) is complete
/// whenever the zone holds the record.
pub fn decide_walk(domain: &Name, names: &[Name], answers: &[WalkAnswer]) -> WalkDecision {
    let count = names.len().min(answers.len());
    // Steps 2 and 6: the walk stops at the first record with a psd tag of y or n.
    let stop =
        (0..count).find(|&i| matches!(answers[i], WalkAnswer::Record(Some(Psd::Yes | Psd::No))));
    let considered = stop.map_or(count, |stop| stop + 1);
    let records: Vec<usize> = (0..considered)
        .filter(|&i| matches!(answers[i], WalkAnswer::Record(_)))
        .collect();
    // §4.10.2, longest to shortest: psd=n decides; psd=y (not at the start) decides one label
    // below; otherwise the record at the fewest labels. Only the stop record can carry psd.
    let reason = match (stop, records.last()) {
        (Some(i), _) if answers[i] == WalkAnswer::Record(Some(Psd::No)) => OrgReason::PsdNo(i),
        (Some(i), _) if i > 0 => OrgReason::PsdYes(i),
        (_, Some(&i)) => OrgReason::Shortest(i),
        (_, None) => OrgReason::NoRecord,
    };
    let organizational_domain = match reason {
        OrgReason::PsdNo(i) | OrgReason::Shortest(i) => names[i].clone(),
        OrgReason::PsdYes(i) => one_label_below(domain, &names[i]),
        OrgReason::NoRecord => domain.clone(),
    };
    let decisive = match reason {
        OrgReason::PsdNo(i) | OrgReason::PsdYes(i) | OrgReason::Shortest(i) => i,
        OrgReason::NoRecord => count,
    };
    let failed_below = |end: usize| -> Vec<usize> {
        (0..end.min(count))
            .filter(|&i| answers[i] == WalkAnswer::Failed)
            .collect()
    };
    // When the domain's own lookup failed, nothing is known whatever the others say: that one
    // failure is the one to report.
    let needed_for_org = if answers.first() == Some(&WalkAnswer::Failed) {
        vec![0]
    } else {
        failed_below(decisive)
    };
    let (applied, needed_for_policy) = match answers.first() {
        Some(WalkAnswer::Record(_)) => (Some(0), Vec::new()),
        Some(WalkAnswer::Failed) => (None, vec![0]),
        _ => {
            // §4.10.1: the organizational domain's record, else the public suffix domain's.
            let own = (0..considered).find(|&i| {
                names[i] == organizational_domain && matches!(answers[i], WalkAnswer::Record(_))
            });
            let applied = own.or(match reason {
                OrgReason::PsdYes(i) => Some(i),
                _ => None,
            });
            (applied, needed_for_org.clone())
        }
    };
    WalkDecision {
        organizational_domain,
        reason,
        applied,
        needed_for_org,
        needed_for_policy,
    }
}

/// The name one label below `ancestor` on the way to `domain` (`example.com` for `com` and
/// `a.b.example.com`).
fn one_label_below(domain: &Name, ancestor: &Name) -> Name {
    let labels: Vec<&str> = domain.labels().collect();
    let keep = (ancestor.labels().count() + 1).min(labels.len());
    Name::new(&labels[labels.len() - keep..].join("."))
}

/// The organizational domain of `name`: its registrable domain per the Public Suffix List. A
/// name that is itself a public suffix (or the root) is its own organizational domain: there
/// is nothing above it to fall back to. Names under a top-level domain the list does not know
/// (such as `.test`) use the list's implicit `*` rule: the last label is the suffix.
pub fn organizational_domain(name: &Name) -> Name {
    let text = name.as_str();
    match psl::List.domain(text.as_bytes()) {
        Some(domain) => {
            std::str::from_utf8(domain.as_bytes()).map_or_else(|_| name.clone(), Name::new)
        }
        None => name.clone(),
    }
}

/// Whether `a` and `b` belong to the same organization (same organizational domain).
pub fn same_organization(a: &Name, b: &Name) -> bool {
    organizational_domain(a) == organizational_domain(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<Name> {
        list.iter().map(|name| Name::new(name)).collect()
    }

    #[test]
    fn walk_names_follow_the_rfc_example() {
        // RFC 9989 §4.10: the eight queries of a thirteen-label name.
        assert_eq!(
            tree_walk_names(&Name::new("a.b.c.d.e.f.g.h.i.j.mail.example.com")),
            names(&[
                "a.b.c.d.e.f.g.h.i.j.mail.example.com",
                "g.h.i.j.mail.example.com",
                "h.i.j.mail.example.com",
                "i.j.mail.example.com",
                "j.mail.example.com",
                "mail.example.com",
                "example.com",
                "com",
            ])
        );
        assert_eq!(
            tree_walk_names(&Name::new("a.mail.example.com")),
            names(&[
                "a.mail.example.com",
                "mail.example.com",
                "example.com",
                "com"
            ])
        );
        assert_eq!(tree_walk_names(&Name::new("com")), names(&["com"]));
        for count in 1..20 {
            let domain = Name::new(&vec!["x"; count].join("."));
            let walk = tree_walk_names(&domain);
            assert!(walk.len() <= MAX_WALK_NAMES, "{count}: {walk:?}");
            assert_eq!(walk.len(), count.min(MAX_WALK_NAMES));
        }
    }

    use WalkAnswer::{Failed, Nothing, Record};

    fn decide(domain: &str, answers: &[WalkAnswer]) -> WalkDecision {
        let domain = Name::new(domain);
        let walk = tree_walk_names(&domain);
        decide_walk(&domain, &walk, answers)
    }

    #[test]
    fn the_rfc_examples_of_organizational_domains() {
        // §4.10.2: records at mail.example.com and example.com: example.com.
        let d = decide(
            "a.mail.example.com",
            &[Nothing, Record(None), Record(None), Nothing],
        );
        assert_eq!(d.organizational_domain, Name::new("example.com"));
        assert_eq!(d.applied, Some(2));
        // psd=n at mail.example.com.
        let d = decide(
            "a.mail.example.com",
            &[Nothing, Record(Some(Psd::No)), Record(None), Nothing],
        );
        assert_eq!(d.organizational_domain, Name::new("mail.example.com"));
        assert_eq!(d.applied, Some(1));
        // Only _dmarc.com, with psd=y: example.com, and the PSD's record applies.
        let d = decide(
            "a.mail.example.com",
            &[Nothing, Nothing, Nothing, Record(Some(Psd::Yes))],
        );
        assert_eq!(d.organizational_domain, Name::new("example.com"));
        assert_eq!(d.reason, OrgReason::PsdYes(3));
        assert_eq!(d.applied, Some(3));
        // Appendix B.4.3: giant.bank.example has a record, bank.example psd=y.
        let d = decide(
            "giant.bank.example",
            &[Record(None), Record(Some(Psd::Yes)), Nothing],
        );
        assert_eq!(d.organizational_domain, Name::new("giant.bank.example"));
        assert_eq!(d.applied, Some(0));
        // psd=n at the domain itself: the walk stops there; nothing above is needed.
        let d = decide("a.example.com", &[Record(Some(Psd::No)), Failed, Failed]);
        assert_eq!(d.organizational_domain, Name::new("a.example.com"));
        assert_eq!(d.reason, OrgReason::PsdNo(0));
        assert!(d.needed_for_org.is_empty() && d.needed_for_policy.is_empty());
        // psd=y at the start itself is not rule 2: the domain is its own.
        let d = decide("example.com", &[Record(Some(Psd::Yes)), Record(None)]);
        assert_eq!(d.organizational_domain, Name::new("example.com"));
        // An intermediate record alone applies (the PSL would look elsewhere).
        let d = decide(
            "a.b.c.example.com",
            &[Nothing, Nothing, Record(None), Nothing, Nothing],
        );
        assert_eq!(d.organizational_domain, Name::new("c.example.com"));
        assert_eq!(d.applied, Some(2));
        let d = decide("a.example.com", &[Nothing, Nothing, Nothing]);
        assert_eq!(d.reason, OrgReason::NoRecord);
        assert_eq!(d.applied, None);
    }

    #[test]
    fn failures_matter_below_the_deciding_record_only() {
        // Above: not needed.
        let d = decide("a.example.com", &[Nothing, Record(None), Failed]);
        assert_eq!(d.applied, Some(1));
        assert!(d.needed_for_org.is_empty() && d.needed_for_policy.is_empty());
        // Below: the failed name could hold psd=n.
        let d = decide("a.b.example.com", &[Nothing, Failed, Record(None), Nothing]);
        assert_eq!(d.needed_for_policy, [1]);
        // Nothing found: every failure matters.
        let d = decide("a.example.com", &[Nothing, Nothing, Failed]);
        assert_eq!(d.needed_for_policy, [2]);
        // The domain's own record applies whatever fails above; the org domain may not.
        let d = decide(
            "a.b.example.com",
            &[Record(None), Failed, Record(None), Nothing],
        );
        assert_eq!(d.applied, Some(0));
        assert!(d.needed_for_policy.is_empty());
        assert_eq!(d.needed_for_org, [1]);
        // The domain's own lookup failed: unknown.
        let d = decide("example.com", &[Failed, Record(None)]);
        assert_eq!(
            (d.applied, d.needed_for_policy.as_slice()),
            (None, &[0][..])
        );
    }

    fn org(text: &str) -> String {
        organizational_domain(&Name::new(text)).to_string()
    }

    #[test]
    fn registrable_domains() {
        assert_eq!(org("example.com"), "example.com");
        assert_eq!(org("mail.example.com"), "example.com");
        assert_eq!(org("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(org("sub.example.co.uk"), "example.co.uk");
        assert_eq!(org("sub.good.test"), "good.test");
        assert_eq!(org("EXAMPLE.COM."), "example.com");
    }

    #[test]
    fn public_suffixes_are_their_own_organization() {
        assert_eq!(org("co.uk"), "co.uk");
        assert_eq!(org("com"), "com");
        assert_eq!(org(""), ".");
    }

    #[test]
    fn organizations_are_compared_not_names() {
        let a = Name::new("reports.example.com");
        let b = Name::new("example.com");
        assert!(same_organization(&a, &b));
        assert!(!same_organization(&a, &Name::new("example.net")));
        assert!(!same_organization(
            &Name::new("a.example.co.uk"),
            &Name::new("b.other.co.uk")
        ));
    }
}
