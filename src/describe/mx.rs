//! The MX section: what the MX records and their hosts are (JSON `records.mx`, with each
//! address's reverse DNS), and the section's overview lines.

use std::fmt::Write as _;

use serde::Serialize;

use super::overview::OverviewLine;
use crate::dns::{Name, NotAsked, Outcome};
use crate::facts::lookup::MAX_MX_HOSTS;
use crate::facts::mx::{MxFacts, MxHost};
use crate::facts::{Absence, Lookup};
use crate::finding::Section;

/// JSON `records.mx`: every MX record with its host's addresses and their reverse DNS.
pub fn records(mx: &MxFacts) -> Vec<MxReport> {
    mx.records
        .found()
        .into_iter()
        .flatten()
        .map(|record| {
            let host = host(mx, &record.exchange);
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
        .collect()
}

/// The MX section's overview: one line per record, with the host's alias and addresses.
pub fn overview(mx: &MxFacts) -> Vec<OverviewLine> {
    let mut lines = Vec::new();
    let mut line = |text: String| lines.push(OverviewLine::new(Section::Mx, 0, text));
    match &mx.records {
        Lookup::Found(records) => {
            for record in records {
                if record.is_null() {
                    line(format!(
                        "{} . (null MX: no mail accepted)",
                        record.preference
                    ));
                    continue;
                }
                let mut text = format!("{} {}", record.preference, record.exchange);
                if let Some(host) = host(mx, &record.exchange) {
                    if let Some(target) = host.cname.found() {
                        let _ = write!(text, " (alias of {target})");
                    }
                    let ips: Vec<String> = host.ips().map(|ip| ip.to_string()).collect();
                    if !ips.is_empty() {
                        let _ = write!(text, " → {}", ips.join(", "));
                    }
                    if host.a.failure().is_some_and(|failure| {
                        failure.outcome == Outcome::NotAsked(NotAsked::FanOutLimit)
                    }) {
                        let _ = write!(
                            text,
                            " (not looked up: past the audit's limit of {MAX_MX_HOSTS} MX hosts)"
                        );
                    }
                }
                line(text);
            }
        }
        Lookup::Absent(Absence::NxDomain) => line("the domain does not exist".to_owned()),
        Lookup::Absent(Absence::NoData) => line("no MX records".to_owned()),
        Lookup::Failed(_) => line("MX records not verified".to_owned()),
    }
    lines
}

fn host<'f>(mx: &'f MxFacts, name: &Name) -> Option<&'f MxHost> {
    mx.hosts.iter().find(|host| host.name == *name)
}

/// One MX record and what its target resolves to.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct MxReport {
    /// Lower is preferred.
    pub preference: u16,
    /// The target host (`.` for a null MX).
    pub target: String,
    /// The CNAME target, when the host is an alias (it should not be).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cname: Option<String>,
    /// The host's addresses with their reverse DNS.
    pub addresses: Vec<AddressReport>,
}

/// One address of an MX host.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct AddressReport {
    /// The address.
    pub ip: String,
    /// Its PTR names.
    pub ptr: Vec<PtrReport>,
}

/// One PTR name of an address.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PtrReport {
    /// The name.
    pub name: String,
    /// Whether the name resolves back to the address.
    pub forward_confirmed: bool,
}
