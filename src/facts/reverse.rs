//! Reverse DNS of the mail hosts' addresses: PTR names and their forward confirmation
//! (RFC 1912 §2.1, RFC 8499 "forward-confirmed reverse DNS").

use std::net::IpAddr;

use super::lookup::ListLookup;
use crate::dns::Name;

/// Reverse DNS of one address.
#[derive(Clone, Debug)]
pub struct AddressFacts {
    /// The address.
    pub ip: IpAddr,
    /// Its PTR names and whether each resolves back to it; `None` when the address is not
    /// public, so that public DNS has nothing to say about it and it is not looked up.
    pub ptr: Option<ListLookup<PtrName>>,
}

/// One PTR name of an address, with its forward lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PtrName {
    /// The name the PTR record gives.
    pub name: Name,
    /// The addresses of that name, of the same family as the address.
    pub forward: ListLookup<IpAddr>,
}

impl PtrName {
    /// Whether this name resolves back to `ip` (forward-confirmed reverse DNS).
    pub fn confirms(&self, ip: IpAddr) -> bool {
        self.forward.found().is_some_and(|ips| ips.contains(&ip))
    }
}
