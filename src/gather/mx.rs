//! MX records and their hosts' addresses and CNAMEs; each address's reverse DNS is gathered by
//! [`super::reverse`] as soon as the address is known.
//!
//! Dependency chain: MX → A/AAAA (and CNAME) of each host → PTR of each address → A/AAAA of each
//! PTR name. Depth 4; everything at one depth runs at once, and each branch moves on as soon as
//! its own answer is in.

use std::net::IpAddr;

use super::lookup::{ask, cname_lookup, extract_sorted, join_all, lookup_v4, lookup_v6};
use super::reverse::{gather_reverse, not_looked_up_reverse};
use crate::address::non_public_reason;
use crate::dns::{DnsSource, Name, RecordData, RecordType};
use crate::facts::Lookup;
use crate::facts::lookup::{MAX_ADDRESSES_PER_HOST, MAX_MX_HOSTS, not_looked_up};
use crate::facts::mx::{MxFacts, MxHost, MxRecord};

/// The domain's MX records, its own addresses (the implicit MX of RFC 5321 §5.1), and every
/// MX host with its addresses and their reverse DNS: the [`MAX_MX_HOSTS`] most preferred hosts
/// are looked up, the others are listed with their lookups not made.
pub(super) async fn gather_mx(source: &dyn DnsSource, domain: &Name) -> MxFacts {
    let mx_branch = async {
        let outcome = ask(source, domain, RecordType::Mx).await;
        let mx = Lookup::from_outcome(
            domain,
            RecordType::Mx,
            &outcome,
            extract_sorted(RecordType::Mx, |data| match data {
                RecordData::Mx {
                    preference,
                    exchange,
                } => Some(MxRecord {
                    preference: *preference,
                    exchange: exchange.clone(),
                }),
                _ => None,
            }),
        );
        // Most preferred first (the records are sorted by preference, then name).
        let mut by_preference: Vec<Name> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for record in mx.found().into_iter().flatten() {
            if !record.is_null() && record.ip_literal().is_none() && seen.insert(&record.exchange) {
                by_preference.push(record.exchange.clone());
            }
        }
        let skipped = by_preference.split_off(by_preference.len().min(MAX_MX_HOSTS));
        let mut hosts = join_all(by_preference.iter().map(|name| gather_host(source, name))).await;
        hosts.extend(skipped.iter().map(host_not_looked_up));
        // In name order, as reports list them.
        hosts.sort_by(|a, b| a.name.cmp(&b.name));
        (mx, hosts)
    };
    let ((mx, hosts), domain_a, domain_aaaa) = tokio::join!(
        mx_branch,
        lookup_v4(source, domain),
        lookup_v6(source, domain)
    );
    MxFacts {
        records: mx,
        domain_a,
        domain_aaaa,
        hosts,
    }
}

/// A host past [`MAX_MX_HOSTS`]: listed, its lookups not made (not verified, never absent).
fn host_not_looked_up(name: &Name) -> MxHost {
    MxHost {
        name: name.clone(),
        cname: Lookup::Failed(not_looked_up(name, RecordType::Cname)),
        a: Lookup::Failed(not_looked_up(name, RecordType::A)),
        aaaa: Lookup::Failed(not_looked_up(name, RecordType::Aaaa)),
        addresses: Vec::new(),
    }
}

/// A host's addresses and CNAME, and the reverse DNS of each address, each family moving on
/// to its PTR lookups as soon as its own answer arrives. Addresses that are not public get no
/// reverse lookup: public DNS has nothing to say about 10.0.0.25, and the address itself is
/// the problem (mx-target-non-public-address).
async fn gather_host(source: &dyn DnsSource, name: &Name) -> MxHost {
    let v4 = async {
        let a = lookup_v4(source, name).await;
        let ips: Vec<IpAddr> = a
            .found()
            .into_iter()
            .flatten()
            .map(|&ip| ip.into())
            .collect();
        (a, gather_reverses(source, ips).await)
    };
    let v6 = async {
        let aaaa = lookup_v6(source, name).await;
        let ips: Vec<IpAddr> = aaaa
            .found()
            .into_iter()
            .flatten()
            .map(|&ip| ip.into())
            .collect();
        (aaaa, gather_reverses(source, ips).await)
    };
    let cname = cname_lookup(source, name);
    let ((a, mut addresses), (aaaa, v6_addresses), cname) = tokio::join!(v4, v6, cname);
    addresses.extend(v6_addresses);
    MxHost {
        name: name.clone(),
        cname,
        a,
        aaaa,
        addresses,
    }
}

/// The reverse DNS of a host's addresses of one family, in address order: of the first
/// [`MAX_ADDRESSES_PER_HOST`] public ones; the reverse DNS of the public ones after them is not
/// looked up (not verified).
async fn gather_reverses(
    source: &dyn DnsSource,
    ips: Vec<IpAddr>,
) -> Vec<crate::facts::reverse::AddressFacts> {
    let mut public = 0;
    let (looked, skipped): (Vec<IpAddr>, Vec<IpAddr>) = ips.into_iter().partition(|&ip| {
        let within = non_public_reason(ip).is_some() || public < MAX_ADDRESSES_PER_HOST;
        public += usize::from(non_public_reason(ip).is_none());
        within
    });
    let mut addresses = join_all(looked.into_iter().map(|ip| gather_reverse(source, ip))).await;
    addresses.extend(skipped.into_iter().map(not_looked_up_reverse));
    addresses
}
