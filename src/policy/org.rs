//! Organizational domains (RFC 7489 §3.2): the public suffix of a name plus one label, found
//! with the Public Suffix List compiled into the `psl` crate.
//!
//! DMARC uses it twice: a domain without a DMARC record falls back to the record of its
//! organizational domain (§6.6.3), and a report address outside the policy's organizational
//! domain must authorize the reports (§7.1). Both ICANN and private sections of the list are
//! used, as OpenDMARC and most receivers do, so `team.github.io` is its own organization.

use psl::Psl as _;

use crate::domain::Name;

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
