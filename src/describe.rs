//! What was found, described for the report: structured records for JSON and overview lines
//! for human output. Findings say what is wrong; this says what is there.

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::dns::cache::QueryLogEntry;
use crate::facts::{Absence, Facts, Lookup, MxHost};
use crate::report::{
    AddressReport, MxReport, OverviewLine, PtrReport, QueryReport, Records, Section,
};

/// The structured records of `facts`.
pub fn records(facts: &Facts) -> Records {
    let mx = facts
        .mail
        .mx
        .found()
        .into_iter()
        .flatten()
        .map(|record| {
            let host = host(facts, &record.exchange);
            MxReport {
                preference: record.preference,
                target: record.exchange.to_string(),
                cname: host
                    .and_then(|host| host.cname.found())
                    .map(ToString::to_string),
                addresses: host
                    .into_iter()
                    .flat_map(|host| &host.addresses)
                    .map(|address| AddressReport {
                        ip: address.ip.to_string(),
                        ptr: address
                            .ptr
                            .iter()
                            .filter_map(Lookup::found)
                            .flatten()
                            .map(|ptr| PtrReport {
                                name: ptr.name.to_string(),
                                forward_confirmed: ptr.confirms(address.ip),
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect();
    Records { mx }
}

fn host<'f>(facts: &'f Facts, name: &crate::dns::Name) -> Option<&'f MxHost> {
    facts.mail.hosts.iter().find(|host| host.name == *name)
}

/// The overview lines of every section.
pub fn overview(facts: &Facts) -> Vec<OverviewLine> {
    let mut lines = Vec::new();
    let mut line = |section, depth, text: String| {
        lines.push(OverviewLine {
            section,
            depth,
            text,
        });
    };
    let mail = &facts.mail;
    match &mail.mx {
        Lookup::Found(records) => {
            for record in records {
                if record.is_null() {
                    line(
                        Section::Mx,
                        0,
                        format!("{} . (null MX: no mail accepted)", record.preference),
                    );
                    continue;
                }
                let mut text = format!("{} {}", record.preference, record.exchange);
                if let Some(host) = host(facts, &record.exchange) {
                    if let Some(target) = host.cname.found() {
                        let _ = write!(text, " (alias of {target})");
                    }
                    let ips: Vec<String> = host.ips().map(|ip| ip.to_string()).collect();
                    if !ips.is_empty() {
                        let _ = write!(text, " → {}", ips.join(", "));
                    }
                }
                line(Section::Mx, 0, text);
            }
        }
        Lookup::Absent(Absence::NxDomain) => {
            line(Section::Mx, 0, "the domain does not exist".to_owned());
        }
        Lookup::Absent(Absence::NoData) => line(Section::Mx, 0, "no MX records".to_owned()),
        Lookup::Failed(_) => line(Section::Mx, 0, "MX records not verified".to_owned()),
    }

    let mut seen = Vec::new();
    for host in &mail.hosts {
        for address in &host.addresses {
            if seen.contains(&address.ip) {
                continue;
            }
            seen.push(address.ip);
            if let Some(ptr) = &address.ptr {
                line(Section::ReverseDns, 0, describe_ptr(address.ip, ptr));
            }
        }
    }
    lines
}

fn describe_ptr(ip: IpAddr, ptr: &Lookup<Vec<crate::facts::PtrName>>) -> String {
    match ptr {
        Lookup::Found(names) => {
            let described: Vec<String> = names
                .iter()
                .map(|name| {
                    let mark = if name.confirms(ip) {
                        "forward-confirmed"
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

/// The query log as the report shows it, sorted by name and type: concurrent lookups finish
/// in no fixed order, and a report must not change from run to run.
pub fn queries(log: &[QueryLogEntry]) -> Vec<QueryReport> {
    let mut log: Vec<&QueryLogEntry> = log.iter().collect();
    log.sort_by(|a, b| (&a.name, a.rtype).cmp(&(&b.name, b.rtype)));
    log.into_iter()
        .map(|entry| QueryReport {
            name: entry.name.to_string(),
            rtype: entry.rtype.to_string(),
            outcome: entry.outcome.kind(),
            failed: entry.outcome.is_failure(),
            error: match &entry.outcome {
                crate::dns::Outcome::Error(message) => Some(message.clone()),
                _ => None,
            },
            ms: u64::try_from(entry.elapsed.as_millis()).unwrap_or(u64::MAX),
            answers: entry
                .outcome
                .records()
                .iter()
                .map(|record| {
                    format!(
                        "{}. {} {} {}",
                        record.name,
                        record.ttl,
                        record.data.record_type(),
                        record.data
                    )
                })
                .collect(),
        })
        .collect()
}
