//! MX records, their hosts' addresses, and forward-confirmed reverse DNS.
//!
//! Dependency chain: MX → A/AAAA (and CNAME) of each host → PTR of each address → A/AAAA of each
//! PTR name. Depth 4; everything at one depth runs at once, and each branch moves on as soon as
//! its own answer is in.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::{ask, cname_lookup, join_all, lookup_v4, lookup_v6};
use crate::address::non_public_reason;
use crate::dns::{DnsSource, Name, RecordData, RecordType};
use crate::facts::{AddressFacts, Lookup, MailFacts, MxHost, MxRecord, PtrName, extract_sorted};

pub(super) async fn gather_mail(source: &dyn DnsSource, domain: &Name) -> MailFacts {
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
    MailFacts {
        mx,
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

/// The PTR names of `ip`, and for each the forward lookup of the same family.
async fn gather_reverse(source: &dyn DnsSource, ip: IpAddr) -> AddressFacts {
    if non_public_reason(ip).is_some() {
        return AddressFacts { ip, ptr: None };
    }
    let reverse = reverse_name(ip);
    let outcome = ask(source, &reverse, RecordType::Ptr).await;
    let names = Lookup::from_outcome(
        &reverse,
        RecordType::Ptr,
        &outcome,
        extract_sorted(RecordType::Ptr, |data| match data {
            RecordData::Ptr(name) => Some(name.clone()),
            _ => None,
        }),
    );
    let ptr = match names {
        Lookup::Found(names) => Lookup::Found(
            join_all(names.into_iter().map(|name| async move {
                let forward = match ip {
                    IpAddr::V4(_) => lookup_v4(source, &name).await.map(widen),
                    IpAddr::V6(_) => lookup_v6(source, &name).await.map(widen),
                };
                PtrName { name, forward }
            }))
            .await,
        ),
        Lookup::Absent(absence) => Lookup::Absent(absence),
        Lookup::Failed(failure) => Lookup::Failed(failure),
    };
    AddressFacts { ip, ptr: Some(ptr) }
}

fn widen<T: Into<IpAddr>>(ips: Vec<T>) -> Vec<IpAddr> {
    ips.into_iter().map(Into::into).collect()
}

/// The name a PTR lookup asks for: `d.c.b.a.in-addr.arpa` (RFC 1035 §3.5) or the reversed
/// nibbles under `ip6.arpa` (RFC 3596 §2.5).
pub fn reverse_name(ip: IpAddr) -> Name {
    let text = match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa")
        }
        IpAddr::V6(v6) => {
            let mut text = String::with_capacity(72);
            for byte in v6.octets().iter().rev() {
                let _ = write!(text, "{:x}.{:x}.", byte & 0xf, byte >> 4);
            }
            text.push_str("ip6.arpa");
            text
        }
    };
    Name::new(&text)
}

#[cfg(test)]
mod tests {
    use super::reverse_name;

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("192.0.2.10".parse().unwrap()).as_str(),
            "10.2.0.192.in-addr.arpa"
        );
        assert_eq!(
            reverse_name("2001:db8::1".parse().unwrap()).as_str(),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }
}
