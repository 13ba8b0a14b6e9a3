//! `--expect`: the lookups of the expected records, made through the audit's own source, so
//! that a question the audit asks anyway (the domain's MX, its TXT records, a DKIM selector)
//! is answered once by the single-flight cache, and the answers land in the audit's query log.
//!
//! Every expected record is looked up at once. For an expected SPF record, the published
//! policy is also evaluated (RFC 7208 `check_host()`) for the first and last address of each
//! expected `ip4:`/`ip6:` range, and for one at a name other than the audited domain that
//! name's include tree is gathered (the domain's own is the SPF family's).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

mod compare;

use std::sync::Arc;

use super::lookup::{ask, join_all};
use crate::dns::{DnsSource, Name};
use crate::expect::{ExpectFile, ExpectedRecord};
use crate::facts::Facts;
use crate::facts::expect::{AddressCheck, ExpectFacts, ExpectedLookup, RangeCheck};
use crate::spf::eval::{v4_mask, v6_mask};
use crate::spf::record::{Mechanism, Record, parse_record};
use crate::spf::{CheckHost, EvalOptions, check_host};

/// The lookups of every record `file` expects at `domain`, all at once.
pub(super) async fn gather_expected(
    source: &dyn DnsSource,
    domain: &Name,
    file: Option<&ExpectFile>,
) -> Option<(Arc<str>, Vec<ExpectedLookup>)> {
    let file = file?;
    let records = file.records_for(domain);
    let records = join_all(
        records
            .into_iter()
            .map(|record| gather_record(source, domain, record)),
    )
    .await;
    Some((Arc::clone(file.label()), records))
}

/// The verdict on each expected record, once everything else is gathered: an expected SPF
/// include is judged against the domain's own SPF tree.
pub(super) fn judge(facts: &Facts, file: Arc<str>, lookups: Vec<ExpectedLookup>) -> ExpectFacts {
    compare::judge(facts, file, lookups)
}

/// The comparisons the `expect_compare` fuzz target runs (`crate::fuzzing::expect`).
pub(crate) fn fuzz_txt(expected: &[u8], found: &[u8]) -> usize {
    compare::fuzz_txt(expected, found)
}

async fn gather_record(
    source: &dyn DnsSource,
    domain: &Name,
    record: ExpectedRecord,
) -> ExpectedLookup {
    let Some(rtype) = record.query_type() else {
        return ExpectedLookup {
            record,
            outcome: None,
            spf_tree: None,
            ranges: Vec::new(),
        };
    };
    let spf = record.spf_text().map(|text| parse_record(&text));
    let name = &record.name;
    let tree = async {
        let includes = spf.as_ref().is_some_and(|expected| {
            expected
                .directives()
                .any(|(_, directive)| matches!(directive.mechanism, Mechanism::Include(_)))
        });
        if includes && name != domain {
            Some(super::spf::gather_tree(source, name).await)
        } else {
            None
        }
    };
    let ranges = async {
        match &spf {
            Some(expected) => check_ranges(source, name, expected).await,
            None => Vec::new(),
        }
    };
    let (outcome, spf_tree, ranges) = tokio::join!(ask(source, name, rtype), tree, ranges);
    ExpectedLookup {
        outcome: Some(outcome),
        spf_tree,
        ranges,
        record,
    }
}

/// Evaluates the published policy at `name` for the first and last address of every `ip4:`
/// and `ip6:` term of the expected record, all at once.
async fn check_ranges(source: &dyn DnsSource, name: &Name, expected: &Record) -> Vec<RangeCheck> {
    let ranges: Vec<(String, Vec<IpAddr>)> = expected
        .directives()
        .filter_map(|(term, directive)| {
            let ends = match directive.mechanism {
                Mechanism::Ip4 { network, prefix } => v4_ends(network, prefix),
                Mechanism::Ip6 { network, prefix } => v6_ends(network, prefix),
                _ => return None,
            };
            Some((term.text.clone(), ends))
        })
        .collect();
    join_all(ranges.into_iter().map(|(term, ips)| async move {
        let addresses = join_all(ips.into_iter().map(|ip| evaluate(source, name, ip))).await;
        RangeCheck { term, addresses }
    }))
    .await
}

async fn evaluate(source: &dyn DnsSource, name: &Name, ip: IpAddr) -> AddressCheck {
    // A receiver checking mail from the domain itself: MAIL FROM postmaster@name, HELO name.
    let params = CheckHost {
        ip,
        domain: name.as_str().to_owned(),
        sender: format!("postmaster@{name}"),
        helo: name.as_str().to_owned(),
    };
    // The default options: a fixed timestamp, so the same DNS data gives the same report.
    let evaluation = check_host(source, &params, &EvalOptions::default()).await;
    AddressCheck {
        ip,
        result: evaluation.result,
        reason: evaluation.reason,
        decided_by: evaluation.decided_by,
    }
}

/// The first and last address of an IPv4 network (one address for a host).
pub(crate) fn v4_ends(network: Ipv4Addr, prefix: u8) -> Vec<IpAddr> {
    let mask = v4_mask(prefix);
    let first = u32::from(network) & mask;
    let last = first | !mask;
    let mut ends = vec![IpAddr::V4(first.into())];
    if last != first {
        ends.push(IpAddr::V4(last.into()));
    }
    ends
}

/// The first and last address of an IPv6 network (one address for a host).
pub(crate) fn v6_ends(network: Ipv6Addr, prefix: u8) -> Vec<IpAddr> {
    let mask = v6_mask(prefix);
    let first = u128::from(network) & mask;
    let last = first | !mask;
    let mut ends = vec![IpAddr::V6(first.into())];
    if last != first {
        ends.push(IpAddr::V6(last.into()));
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_end_where_their_prefix_says() {
        let ip = |text: &str| -> IpAddr { text.parse().unwrap() };
        assert_eq!(
            v4_ends("93.184.216.70".parse().unwrap(), 28),
            [ip("93.184.216.64"), ip("93.184.216.79")]
        );
        assert_eq!(
            v4_ends("93.184.216.70".parse().unwrap(), 32),
            [ip("93.184.216.70")]
        );
        assert_eq!(
            v4_ends("93.184.216.70".parse().unwrap(), 0),
            [ip("0.0.0.0"), ip("255.255.255.255")]
        );
        assert_eq!(
            v6_ends("2606:2800:220:1::10".parse().unwrap(), 64),
            [
                ip("2606:2800:220:1::"),
                ip("2606:2800:220:1:ffff:ffff:ffff:ffff")
            ]
        );
        assert_eq!(v6_ends("::1".parse().unwrap(), 128), [ip("::1")]);
    }
}
