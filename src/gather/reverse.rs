//! Reverse DNS of an MX host's address: its PTR names, and the forward lookup of each name
//! (forward-confirmed reverse DNS).

use std::net::IpAddr;

use super::lookup::{ask, extract_sorted, join_all, lookup_v4, lookup_v6};
use crate::address::{non_public_reason, reverse_name};
use crate::dns::{DnsSource, RecordData, RecordType};
use crate::facts::Lookup;
use crate::facts::lookup::{MAX_PTR_NAMES, not_looked_up};
use crate::facts::reverse::{AddressFacts, PtrName};

/// A public address past the limit of addresses per host: its reverse DNS not looked up.
pub(super) fn not_looked_up_reverse(ip: IpAddr) -> AddressFacts {
    AddressFacts {
        ip,
        ptr: Some(Lookup::Failed(not_looked_up(
            &reverse_name(ip),
            RecordType::Ptr,
        ))),
    }
}

/// The PTR names of `ip`, and for each of the first [`MAX_PTR_NAMES`] (in name order) the
/// forward lookup of the same family; the others' forward lookups are not made (not
/// verified).
pub(super) async fn gather_reverse(source: &dyn DnsSource, ip: IpAddr) -> AddressFacts {
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
        Lookup::Found(mut names) => {
            let skipped = names.split_off(names.len().min(MAX_PTR_NAMES));
            let mut looked = join_all(names.into_iter().map(|name| async move {
                let forward = match ip {
                    IpAddr::V4(_) => lookup_v4(source, &name).await.map(widen),
                    IpAddr::V6(_) => lookup_v6(source, &name).await.map(widen),
                };
                PtrName { name, forward }
            }))
            .await;
            let family = if ip.is_ipv4() {
                RecordType::A
            } else {
                RecordType::Aaaa
            };
            looked.extend(skipped.into_iter().map(|name| PtrName {
                forward: Lookup::Failed(not_looked_up(&name, family)),
                name,
            }));
            Lookup::Found(looked)
        }
        Lookup::Absent(absence) => Lookup::Absent(absence),
        Lookup::Failed(failure) => Lookup::Failed(failure),
    };
    AddressFacts { ip, ptr: Some(ptr) }
}

fn widen<T: Into<IpAddr>>(ips: Vec<T>) -> Vec<IpAddr> {
    ips.into_iter().map(Into::into).collect()
}
