//! MX records and their hosts' addresses and CNAMEs; each address's reverse DNS is gathered by
//! [`super::reverse`] as soon as the address is known.
//!
//! Dependency chain: MX → A/AAAA (and CNAME) of each host → PTR of each address → A/AAAA of each
//! PTR name. Depth 4; everything at one depth runs at once, and each branch moves on as soon as
//! its own answer is in.

use std::net::IpAddr;

use super::lookup::{ask, cname_lookup, extract_sorted, join_all, lookup_v4, lookup_v6};
use super::reverse::gather_reverse;
use crate::dns::{DnsSource, Name, RecordData, RecordType};
use crate::facts::Lookup;
use crate::facts::mx::{MxFacts, MxHost, MxRecord};

/// The domain's MX records, its own addresses (the implicit MX of RFC 5321 §5.1), and every
/// MX host with its addresses and their reverse DNS.
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
        let mut host_names: Vec<Name> = mx
            .found()
            .into_iter()
            .flatten()
            .filter(|record| !record.is_null() && record.ip_literal().is_none())
            .map(|record| record.exchange.clone())
            .collect();
        host_names.sort();
        host_names.dedup();
        let hosts = join_all(host_names.iter().map(|name| gather_host(source, name))).await;
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
        (
            a,
            join_all(ips.into_iter().map(|ip| gather_reverse(source, ip))).await,
        )
    };
    let v6 = async {
        let aaaa = lookup_v6(source, name).await;
        let ips: Vec<IpAddr> = aaaa
            .found()
            .into_iter()
            .flatten()
            .map(|&ip| ip.into())
            .collect();
        (
            aaaa,
            join_all(ips.into_iter().map(|ip| gather_reverse(source, ip))).await,
        )
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
