//! Reverse DNS of the mail hosts' addresses: PTR records and forward confirmation
//! (FCrDNS: the PTR name resolves back to the address).

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::findings::Findings;
use crate::dns::Name;
use crate::facts::reverse::PtrName;
use crate::facts::{Facts, ListLookup, Lookup};
use crate::finding::Rule;
use crate::finding::{Finding, Section, Severity};

/// An MX host's address has no PTR record.
pub static PTR_MISSING: Rule = Rule {
    id: "ptr-missing",
    section: Section::ReverseDns,
    severity: Severity::Warning,
    summary: "An address of an MX host has no PTR (reverse DNS) record.",
    rationale: "Mail hosts usually send mail as well as receive it, and many receivers reject \
                or penalise mail from an address without reverse DNS (RFC 1912 §2.1 says every \
                reachable host should have one; large providers require it). It also makes the \
                host harder to identify in logs and abuse reports.",
    fix: "Ask whoever controls the address block (your hosting or network provider; usually a \
          setting in their panel) to publish a PTR record naming the host, and make sure that \
          name resolves back to the address.",
    references: &[
        "RFC 1912 §2.1",
        "RFC 8499 §7 (FCrDNS)",
        "M3AAWG Outbound Email Best Practices",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@                            MX   10 mail.example.com.\n\
              mail                         A    93.184.216.34",
        good: "@                            MX   10 mail.example.com.\n\
               mail                         A    93.184.216.34\n\
               34.216.184.93.in-addr.arpa.  PTR  mail.example.com.",
    },
};

/// No PTR name of an address resolves back to it.
pub static PTR_NOT_FORWARD_CONFIRMED: Rule = Rule {
    id: "ptr-not-forward-confirmed",
    section: Section::ReverseDns,
    severity: Severity::Error,
    summary: "No PTR name of an MX host's address resolves back to that address (no \
              forward-confirmed reverse DNS).",
    rationale: "Receivers trust a reverse name only when it resolves back to the address \
                (forward-confirmed reverse DNS); anyone can publish any PTR for their own \
                addresses. Without it, mail from the host is commonly rejected or scored as \
                spam, and the SPF `ptr` mechanism and `%{p}` macro fail for it (RFC 7208 §5.5).",
    fix: "Make the PTR name resolve to the address (publish an A or AAAA record for it), or \
          have the PTR changed to a name that does, ideally the host's own name.",
    references: &["RFC 8499 §7 (FCrDNS)", "RFC 7208 §5.5", "RFC 1912 §2.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@                            MX   10 mail.example.com.\n\
              mail                         A    93.184.216.34\n\
              34.216.184.93.in-addr.arpa.  PTR  host-34.isp.example.net.",
        good: "@                            MX   10 mail.example.com.\n\
               mail                         A    93.184.216.34\n\
               34.216.184.93.in-addr.arpa.  PTR  mail.example.com.",
    },
};

/// An address has more than one PTR record.
pub static PTR_MULTIPLE: Rule = Rule {
    id: "ptr-multiple",
    section: Section::ReverseDns,
    severity: Severity::Warning,
    summary: "An address of an MX host has more than one PTR record.",
    rationale: "Allowed by DNS, but receivers that check reverse DNS often look at one PTR name \
                only, chosen at random by the server's rotation, so checks pass or fail by \
                chance; large answers can also be truncated.",
    fix: "Keep a single PTR record for each address, naming the host that uses it.",
    references: &["RFC 1912 §2.1", "RFC 2181 §10.2"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@                            MX   10 mail.example.com.\n\
              mail                         A    93.184.216.34\n\
              34.216.184.93.in-addr.arpa.  PTR  mail.example.com.\n\
              34.216.184.93.in-addr.arpa.  PTR  www.example.com.",
        good: "@                            MX   10 mail.example.com.\n\
               mail                         A    93.184.216.34\n\
               34.216.184.93.in-addr.arpa.  PTR  mail.example.com.",
    },
};

pub(super) fn check(facts: &Facts, findings: &mut Findings) {
    // An address shared by two hosts is checked once, under the first host that has it.
    let mut seen = BTreeSet::new();
    for host in &facts.mx.hosts {
        for address in &host.addresses {
            // A non-public address is not looked up: it is an error of its own.
            let Some(ptr) = &address.ptr else { continue };
            if seen.insert(address.ip) {
                check_address(&host.name, address.ip, ptr, findings);
            }
        }
    }
}

fn check_address(host: &Name, ip: IpAddr, ptr: &ListLookup<PtrName>, findings: &mut Findings) {
    let subject = format!("{ip} ({host})");
    findings.lookups_failed(
        Section::ReverseDns,
        &[ptr],
        &format!("the reverse DNS of {ip} was"),
    );
    let names = match ptr {
        Lookup::Found(names) => names,
        Lookup::Absent(_) => {
            findings.push(
                Finding::new(
                    &PTR_MISSING,
                    subject,
                    format!("{ip}, an address of the MX host {host}, has no PTR record"),
                )
                .with_fix(format!(
                    "Ask the provider of {ip} to set its reverse DNS (PTR) to {host}, and keep \
                     `{host}. IN {} {ip}` published so that it is forward-confirmed.",
                    family(ip)
                )),
            );
            return;
        }
        Lookup::Failed(_) => return,
    };

    if names.len() > 1 {
        let listed: Vec<String> = names.iter().map(|ptr| ptr.name.to_string()).collect();
        findings.push(
            Finding::new(
                &PTR_MULTIPLE,
                &subject,
                format!(
                    "{ip} has {} PTR records: {}",
                    names.len(),
                    listed.join(", ")
                ),
            )
            .with_fix(format!(
                "Keep one PTR record for {ip}, preferably naming {host}, and delete the others."
            )),
        );
    }

    if names.iter().any(|ptr| ptr.confirms(ip)) {
        return;
    }
    if names.iter().any(|ptr| ptr.forward.failure().is_some()) {
        for ptr in names {
            findings.lookups_failed(
                Section::ReverseDns,
                &[&ptr.forward],
                &format!("the forward confirmation of {ip} was"),
            );
        }
        return;
    }
    let explained: Vec<String> = names.iter().map(|ptr| explain_forward(ptr, ip)).collect();
    let first = &names[0].name;
    findings.push(
        Finding::new(
            &PTR_NOT_FORWARD_CONFIRMED,
            subject,
            format!(
                "{ip} points back to {}, but {}",
                names
                    .iter()
                    .map(|ptr| ptr.name.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                explained.join("; ")
            ),
        )
        .with_fix(format!(
            "Publish `{first}. IN {} {ip}`, or ask the provider of {ip} to change its PTR to \
             {host} (which resolves to it).",
            family(ip)
        )),
    );
}

fn explain_forward(ptr: &PtrName, ip: IpAddr) -> String {
    let name = &ptr.name;
    match &ptr.forward {
        Lookup::Found(ips) => {
            let listed: Vec<String> = ips.iter().map(IpAddr::to_string).collect();
            format!("{name} resolves to {}, not {ip}", listed.join(", "))
        }
        Lookup::Absent(crate::facts::Absence::NxDomain) => format!("{name} does not exist"),
        Lookup::Absent(_) => format!("{name} has no {} record", family(ip)),
        Lookup::Failed(_) => format!("{name} could not be looked up"),
    }
}

fn family(ip: IpAddr) -> &'static str {
    if ip.is_ipv4() { "A" } else { "AAAA" }
}
