//! IP addresses: which can be reached from the internet, and the reverse-DNS name of each.
//!
//! `IpAddr::is_global` is still unstable in std, so this is the IANA special-purpose address
//! registries (RFC 6890 and its updates) written down as data: every block whose "Globally
//! Reachable" column is False, plus multicast and the reserved class E, which can never be a
//! mail host's unicast address.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::domain::Name;

/// A special-purpose block: network, prefix length, and what it is, for the message.
struct Block<T> {
    network: T,
    prefix: u32,
    what: &'static str,
}

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u32, what: &'static str) -> Block<u32> {
    Block {
        network: u32::from_be_bytes([a, b, c, d]),
        prefix,
        what,
    }
}

const fn v6(network: u128, prefix: u32, what: &'static str) -> Block<u128> {
    Block {
        network,
        prefix,
        what,
    }
}

/// The IPv4 blocks that are not globally reachable, most specific first where they nest.
const V4_BLOCKS: &[Block<u32>] = &[
    v4(
        0,
        0,
        0,
        0,
        8,
        "\"this network\" (RFC 791), not a host address",
    ),
    v4(10, 0, 0, 0, 8, "private-use (RFC 1918)"),
    v4(
        100,
        64,
        0,
        0,
        10,
        "shared address space for carrier-grade NAT (RFC 6598)",
    ),
    v4(127, 0, 0, 0, 8, "loopback (RFC 1122)"),
    v4(169, 254, 0, 0, 16, "link-local (RFC 3927)"),
    v4(172, 16, 0, 0, 12, "private-use (RFC 1918)"),
    v4(
        192,
        0,
        0,
        0,
        24,
        "reserved for IETF protocol assignments (RFC 6890)",
    ),
    v4(
        192,
        0,
        2,
        0,
        24,
        "reserved for documentation (TEST-NET-1, RFC 5737)",
    ),
    v4(
        192,
        88,
        99,
        0,
        24,
        "the deprecated 6to4 relay anycast block (RFC 7526)",
    ),
    v4(192, 168, 0, 0, 16, "private-use (RFC 1918)"),
    v4(198, 18, 0, 0, 15, "reserved for benchmarking (RFC 2544)"),
    v4(
        198,
        51,
        100,
        0,
        24,
        "reserved for documentation (TEST-NET-2, RFC 5737)",
    ),
    v4(
        203,
        0,
        113,
        0,
        24,
        "reserved for documentation (TEST-NET-3, RFC 5737)",
    ),
    v4(224, 0, 0, 0, 4, "multicast (RFC 5771), not a host address"),
    v4(
        255,
        255,
        255,
        255,
        32,
        "the limited broadcast address (RFC 919)",
    ),
    v4(240, 0, 0, 0, 4, "reserved (class E, RFC 1112)"),
];

/// The IPv4 exceptions inside 192.0.0.0/24 that are globally reachable (PCP and TURN anycast).
const V4_GLOBAL_EXCEPTIONS: &[u32] = &[
    u32::from_be_bytes([192, 0, 0, 9]),
    u32::from_be_bytes([192, 0, 0, 10]),
];

/// The IPv6 blocks that are not globally reachable.
const V6_BLOCKS: &[Block<u128>] = &[
    v6(0, 128, "the unspecified address (RFC 4291)"),
    v6(1, 128, "loopback (RFC 4291)"),
    v6(
        0xffff_0000_0000,
        96,
        "an IPv4-mapped address (RFC 4291), not a host's IPv6 address",
    ),
    v6(0x0064_ff9b_0001 << 80, 48, "local-use NAT64 (RFC 8215)"),
    v6(0x0100 << 112, 64, "discard-only (RFC 6666)"),
    v6(
        0x2001_0db8 << 96,
        32,
        "reserved for documentation (RFC 3849)",
    ),
    v6(
        0x2001_0002 << 96,
        48,
        "reserved for benchmarking (RFC 5180)",
    ),
    v6(
        0x2001_0000 << 96,
        32,
        "a Teredo tunnel address (RFC 4380), not a stable host address",
    ),
    v6(
        0x2001_0010 << 96,
        28,
        "the deprecated ORCHID block (RFC 4843)",
    ),
    v6(0x3fff << 112, 20, "reserved for documentation (RFC 9637)"),
    v6(0x5f00 << 112, 16, "SRv6 segment identifiers (RFC 9602)"),
    v6(0xfc00 << 112, 7, "unique-local (RFC 4193)"),
    v6(0xfe80 << 112, 10, "link-local (RFC 4291)"),
    v6(
        0xfec0 << 112,
        10,
        "the deprecated site-local block (RFC 3879)",
    ),
    v6(0xff00 << 112, 8, "multicast (RFC 4291), not a host address"),
];

/// Why `ip` cannot be reached from the internet, or `None` when it is a public unicast address.
pub fn non_public_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => v4_reason(ip),
        IpAddr::V6(ip) => v6_reason(ip),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let bits = u32::from(ip);
    if V4_GLOBAL_EXCEPTIONS.contains(&bits) {
        return None;
    }
    V4_BLOCKS
        .iter()
        .find(|block| {
            let mask = u32::MAX.checked_shl(32 - block.prefix).unwrap_or(0);
            bits & mask == block.network
        })
        .map(|block| block.what)
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(ip);
    V6_BLOCKS
        .iter()
        .find(|block| {
            let mask = u128::MAX.checked_shl(128 - block.prefix).unwrap_or(0);
            bits & mask == block.network
        })
        .map(|block| block.what)
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
    use super::{non_public_reason, reverse_name};

    fn reason(ip: &str) -> Option<&'static str> {
        non_public_reason(ip.parse().unwrap())
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "192.0.0.9",
            "100.63.255.255",
            "100.128.0.0",
            "172.32.0.1",
            "2a00:1450:4001::1",
            "2606:4700::1111",
            "64:ff9b::808:808",
        ] {
            assert_eq!(reason(ip), None, "{ip}");
        }
    }

    #[test]
    fn special_purpose_addresses_are_named() {
        for (ip, word) in [
            ("0.0.0.0", "this network"),
            ("10.1.2.3", "private"),
            ("100.64.0.1", "shared"),
            ("127.0.0.1", "loopback"),
            ("169.254.1.1", "link-local"),
            ("172.31.255.255", "private"),
            ("192.0.0.1", "IETF"),
            ("192.0.2.10", "documentation"),
            ("192.168.1.1", "private"),
            ("198.19.0.1", "benchmarking"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.5", "documentation"),
            ("224.0.0.1", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::ffff:192.0.2.1", "IPv4-mapped"),
            ("2001:db8::1", "documentation"),
            ("2001::1", "Teredo"),
            ("3fff::1", "documentation"),
            ("fd00::1", "unique-local"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
        ] {
            let found = reason(ip).unwrap_or_else(|| panic!("{ip} passed as public"));
            assert!(found.contains(word), "{ip}: {found}");
        }
    }

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
