//! The reverse-DNS section's overview: each MX host address with its PTR names and whether
//! each resolves back to it. (The JSON shows the same under `records.mx`.)

use std::net::IpAddr;

use super::overview::OverviewLine;
use crate::facts::Lookup;
use crate::facts::mx::MxFacts;
use crate::facts::reverse::PtrName;
use crate::finding::Section;

/// One line per distinct MX host address that has public reverse DNS.
pub fn overview(mx: &MxFacts) -> Vec<OverviewLine> {
    let mut lines = Vec::new();
    let mut seen = Vec::new();
    for host in &mx.hosts {
        for address in &host.addresses {
            if seen.contains(&address.ip) {
                continue;
            }
            seen.push(address.ip);
            if let Some(ptr) = &address.ptr {
                lines.push(OverviewLine::new(
                    Section::ReverseDns,
                    0,
                    describe_ptr(address.ip, ptr),
                ));
            }
        }
    }
    lines
}

fn describe_ptr(ip: IpAddr, ptr: &Lookup<Vec<PtrName>>) -> String {
    match ptr {
        Lookup::Found(names) => {
            let described: Vec<String> = names
                .iter()
                .map(|name| {
                    // A forward lookup that failed or was not made (an audit limit) proves
                    // nothing either way.
                    let mark = if name.confirms(ip) {
                        "forward-confirmed"
                    } else if name.forward.failure().is_some() {
                        "forward confirmation not verified"
                    } else {
                        "not forward-confirmed"
                    };
                    format!("{} ({mark})", name.name)
                })
                .collect();
            format!("{ip} → {}", described.join(", "))
        }
        Lookup::Absent(_) => format!("{ip} → no PTR record"),
        Lookup::Failed(_) => format!("{ip} → not verified"),
    }
}
