//! MX records (RFC 5321 §5.1, RFC 7505), the hosts they name and those hosts' addresses.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::lookup::{ListLookup, Lookup};
use super::reverse::AddressFacts;
use crate::dns::Name;

/// The mail-routing facts: MX records, the hosts they name, and their reverse DNS.
#[derive(Clone, Debug)]
pub struct MxFacts {
    /// The domain's MX records, sorted by preference then name.
    pub records: ListLookup<MxRecord>,
    /// The domain's own IPv4 addresses (mail falls back to them when there is no MX).
    pub domain_a: ListLookup<Ipv4Addr>,
    /// The domain's own IPv6 addresses.
    pub domain_aaaa: ListLookup<Ipv6Addr>,
    /// One entry per distinct MX host name (not the null MX, not an IP literal).
    pub hosts: Vec<MxHost>,
}

/// One MX record.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MxRecord {
    /// Lower is preferred.
    pub preference: u16,
    /// The mail host; the root for a null MX.
    pub exchange: Name,
}

impl MxRecord {
    /// Whether this is a null MX (RFC 7505): the target is the root.
    pub fn is_null(&self) -> bool {
        self.exchange.is_root()
    }

    /// The address the target spells, if it is an IP literal rather than a host name
    /// (`192.0.2.1`, or `[192.0.2.1]` as some people write it).
    pub fn ip_literal(&self) -> Option<IpAddr> {
        let text = self.exchange.as_str();
        let text = text
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
            .unwrap_or(text);
        text.parse().ok()
    }
}

/// What was found about one MX host.
#[derive(Clone, Debug)]
pub struct MxHost {
    /// The host name from the MX record.
    pub name: Name,
    /// The name's CNAME target, if the name is an alias.
    pub cname: Lookup<Name>,
    /// IPv4 addresses.
    pub a: ListLookup<Ipv4Addr>,
    /// IPv6 addresses.
    pub aaaa: ListLookup<Ipv6Addr>,
    /// Reverse DNS of every address, IPv4 first.
    pub addresses: Vec<AddressFacts>,
}

impl MxHost {
    /// Every address found, IPv4 first.
    pub fn ips(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.addresses.iter().map(|address| address.ip)
    }
}
