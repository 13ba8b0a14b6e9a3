//! MX records and the hosts they name (RFC 5321 §5.1, RFC 7505, RFC 2181 §10.3).

use std::collections::BTreeMap;

use super::findings::Findings;
use crate::address::non_public_reason;
use crate::dns::Name;
use crate::facts::mx::{MxHost, MxRecord};
use crate::facts::{Absence, Facts, Lookup};
use crate::finding::Rule;
use crate::finding::{Finding, Section, Severity};

/// The domain has no MX record.
pub static MX_MISSING: Rule = Rule {
    id: "mx-missing",
    section: Section::Mx,
    severity: Severity::Warning,
    summary: "The domain has no MX record.",
    rationale: "Without an MX record, senders fall back to the domain's own A/AAAA address \
                (the \"implicit MX\", RFC 5321 §5.1). That works only if the web server at that \
                address also accepts mail, which is rarely meant; many senders and filters treat \
                a domain without MX as not accepting mail. With no A/AAAA either (error), or when \
                the domain does not exist, no mail can be delivered at all. A domain that should \
                receive no mail says so with a null MX (RFC 7505) instead.",
    fix: "Publish an MX record for each host that accepts mail for the domain, for example \
          `example.com. 3600 IN MX 10 mail.example.com.`. If the domain never receives mail, \
          publish a null MX: `example.com. 3600 IN MX 0 .`.",
    references: &["RFC 5321 §5.1", "RFC 7505 §3"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@     A    93.184.216.34",
        good: "@     A    93.184.216.34\n\
               @     MX   10 mail.example.com.\n\
               mail  A    93.184.216.35",
    },
};

/// The domain publishes a null MX: it accepts no mail.
pub static MX_NULL: Rule = Rule {
    id: "mx-null",
    section: Section::Mx,
    severity: Severity::Info,
    summary: "The domain publishes a null MX (`MX 0 .`): it accepts no mail.",
    rationale: "A null MX (RFC 7505) tells senders at once that the domain accepts no mail, so \
                they bounce instead of retrying for days. That is right for a domain that never \
                receives mail, and wrong for one that should.",
    fix: "Nothing to do if the domain should receive no mail (also publish `v=spf1 -all` and a \
          DMARC `p=reject` so nobody can send as it). Otherwise replace the null MX with MX \
          records for your mail hosts.",
    references: &["RFC 7505 §3", "RFC 7505 §4.2"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@     MX   0 .",
        good: "@     MX   10 mail.example.com.\n\
               mail  A    93.184.216.34",
    },
};

/// A null MX next to other MX records.
pub static MX_NULL_MIXED: Rule = Rule {
    id: "mx-null-mixed",
    section: Section::Mx,
    severity: Severity::Error,
    summary: "A null MX (`MX 0 .`) is published next to other MX records.",
    rationale: "RFC 7505 §3 says a domain that advertises a null MX must not advertise any other \
                MX record. Senders disagree on what the mix means: some bounce everything, some \
                use the other hosts, so delivery depends on who is sending.",
    fix: "Decide whether the domain receives mail. If it does, delete the `MX 0 .` record; if \
          it does not, delete every other MX record.",
    references: &["RFC 7505 §3"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@     MX   0 .\n\
              @     MX   10 mail.example.com.\n\
              mail  A    93.184.216.34",
        good: "@     MX   10 mail.example.com.\n\
               mail  A    93.184.216.34",
    },
};

/// An MX target is an alias (CNAME).
pub static MX_TARGET_CNAME: Rule = Rule {
    id: "mx-target-cname",
    section: Section::Mx,
    severity: Severity::Error,
    summary: "An MX record points to a name that is an alias (CNAME).",
    rationale: "An MX record must name a host directly, never an alias (RFC 2181 §10.3). Mail \
                servers are allowed to reject or mishandle it (RFC 5321 §5.1 treats the alias as \
                an error case), and it costs every sender an extra lookup.",
    fix: "Point the MX record at the canonical name (the CNAME's target), or replace the CNAME \
          with A/AAAA records.",
    references: &["RFC 2181 §10.3", "RFC 5321 §5.1", "RFC 1034 §3.6.2"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@     MX     10 mail.example.com.\n\
              mail  CNAME  mx1.example.com.\n\
              mx1   A      93.184.216.34",
        good: "@     MX     10 mx1.example.com.\n\
               mx1   A      93.184.216.34",
    },
};

/// An MX target is an IP address instead of a host name.
pub static MX_TARGET_IP_LITERAL: Rule = Rule {
    id: "mx-target-ip-literal",
    section: Section::Mx,
    severity: Severity::Error,
    summary: "An MX record points to an IP address where a host name belongs.",
    rationale: "The MX target is a domain name (RFC 1035 §3.3.9). An address written there is \
                looked up as a name (`192.0.2.1.`), which does not exist, so no mail arrives; \
                RFC 7505 §3 and RFC 5321 §5.1 both forbid address literals in MX.",
    fix: "Give the address a host name (`mail.example.com. IN A 192.0.2.1`) and point the MX \
          record at that name.",
    references: &["RFC 1035 §3.3.9", "RFC 5321 §5.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@     MX   10 93.184.216.34.",
        good: "@     MX   10 mail.example.com.\n\
               mail  A    93.184.216.34",
    },
};

/// An MX target does not resolve.
pub static MX_TARGET_UNRESOLVABLE: Rule = Rule {
    id: "mx-target-unresolvable",
    section: Section::Mx,
    severity: Severity::Error,
    summary: "An MX host does not exist (NXDOMAIN) or has no A or AAAA record.",
    rationale: "Senders deliver to the addresses of the MX hosts. A host without addresses \
                cannot receive mail: if it is the only MX, mail for the domain is lost; if not, \
                senders waste time on it and some give up.",
    fix: "Publish A (and AAAA, if the host has IPv6) records for the host, or point the MX \
          record at a host that has them.",
    references: &["RFC 5321 §5.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@     MX   10 mail.example.com.",
        good: "@     MX   10 mail.example.com.\n\
               mail  A    93.184.216.34",
    },
};

/// An MX host has an address that cannot be reached from the internet.
pub static MX_TARGET_NON_PUBLIC_ADDRESS: Rule = Rule {
    id: "mx-target-non-public-address",
    section: Section::Mx,
    severity: Severity::Error,
    summary: "An MX host has an address that is not reachable from the internet (private, \
              loopback, link-local, shared, documentation, reserved).",
    rationale: "Senders on the internet cannot connect to a private (RFC 1918, ULA), loopback, \
                link-local, carrier-grade NAT (100.64/10), documentation or otherwise reserved \
                address. Such an address in public DNS usually leaks an internal record; mail \
                sent to it is delayed or lost, and a sender on the same private network may \
                deliver to the wrong machine.",
    fix: "Publish the host's public address in public DNS and keep internal addresses in \
          internal (split-horizon) DNS only.",
    references: &[
        "RFC 6890",
        "RFC 1918",
        "RFC 4193",
        "RFC 6598",
        "IANA IPv4 and IPv6 Special-Purpose Address Registries",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@     MX   10 mail.example.com.\n\
              mail  A    10.0.0.25",
        good: "@     MX   10 mail.example.com.\n\
               mail  A    93.184.216.34",
    },
};

/// One host is listed by more than one MX record.
pub static MX_TARGET_DUPLICATE: Rule = Rule {
    id: "mx-target-duplicate",
    section: Section::Mx,
    severity: Severity::Warning,
    summary: "The same host is listed by more than one MX record.",
    rationale: "Listing a host twice (with different preferences) adds no redundancy: senders \
                try the same machine again. It is usually a leftover of a migration or a typo \
                for another host, and it makes the preference order misleading.",
    fix: "Keep one MX record per host, with the preference you intend, and check that the \
          other record was not meant for a different host.",
    references: &["RFC 5321 §5.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@    MX   10 mx1.example.com.\n\
              @    MX   20 mx1.example.com.\n\
              mx1  A    93.184.216.34",
        good: "@    MX   10 mx1.example.com.\n\
               @    MX   20 mx2.example.com.\n\
               mx1  A    93.184.216.34\n\
               mx2  A    93.184.216.35",
    },
};

pub(super) fn check(facts: &Facts, findings: &mut Findings) {
    let mx = &facts.mx;
    let domain = &facts.domain.ascii;
    findings.lookups_failed(Section::Mx, &[&mx.records], "the MX checks were");
    if mx.records.found().is_none() {
        findings.lookups_failed(
            Section::Mx,
            &[&mx.domain_a, &mx.domain_aaaa],
            "the implicit-MX fallback was",
        );
    }
    match &mx.records {
        Lookup::Found(records) => check_records(domain, records, findings),
        Lookup::Absent(absence) => check_missing(facts, *absence, findings),
        Lookup::Failed(_) => {}
    }
    for host in &mx.hosts {
        check_host(host, findings);
    }
}

/// No MX: is there an address to fall back to?
fn check_missing(facts: &Facts, absence: Absence, findings: &mut Findings) {
    let mx = &facts.mx;
    let domain = &facts.domain.ascii;
    if absence == Absence::NxDomain {
        findings.push(
            Finding::new(
                &MX_MISSING,
                domain,
                format!(
                    "{domain} does not exist (NXDOMAIN): no mail can be delivered to it, and \
                     none can be sent from it; the checks of its other records do not apply"
                ),
            )
            .with_severity(Severity::Error)
            .with_fix(format!(
                "Check the spelling of the domain and that it is registered and delegated; \
                 then publish MX records, e.g. `{domain}. 3600 IN MX 10 mail.{domain}.`."
            )),
        );
        return;
    }
    let has_address = mx.domain_a.found().is_some() || mx.domain_aaaa.found().is_some();
    let address_unknown = mx.domain_a.failure().is_some() || mx.domain_aaaa.failure().is_some();
    let fix = format!(
        "Publish MX records for the hosts that accept mail for {domain}, e.g. \
         `{domain}. 3600 IN MX 10 mail.{domain}.`; if {domain} never receives mail, publish a \
         null MX: `{domain}. 3600 IN MX 0 .` (RFC 7505)."
    );
    if has_address {
        findings.push(
            Finding::new(
                &MX_MISSING,
                domain,
                format!(
                    "{domain} has no MX record; senders fall back to its A/AAAA address \
                     (implicit MX), which must then accept mail on port 25"
                ),
            )
            .with_fix(fix),
        );
    } else if address_unknown {
        findings.push(
            Finding::new(
                &MX_MISSING,
                domain,
                format!(
                    "{domain} has no MX record, and whether it has an A/AAAA address to fall \
                     back to could not be verified"
                ),
            )
            .with_fix(fix),
        );
    } else {
        findings.push(
            Finding::new(
                &MX_MISSING,
                domain,
                format!(
                    "{domain} has no MX record and no A/AAAA address to fall back to: no mail \
                     can be delivered to it"
                ),
            )
            .with_severity(Severity::Error)
            .with_fix(fix),
        );
    }
}

/// Rules over the MX set as a whole: null MX, IP literals, duplicates.
fn check_records(domain: &Name, records: &[MxRecord], findings: &mut Findings) {
    let null = records.iter().filter(|record| record.is_null()).count();
    if null > 0 && null < records.len() {
        let others: Vec<String> = records
            .iter()
            .filter(|record| !record.is_null())
            .map(|record| format!("{} {}", record.preference, record.exchange))
            .collect();
        findings.push(
            Finding::new(
                &MX_NULL_MIXED,
                domain,
                format!(
                    "{domain} publishes a null MX (`MX 0 .`) and also {}: senders disagree on \
                     what that means",
                    others.join(", ")
                ),
            )
            .with_fix(format!(
                "If {domain} receives mail, delete `{domain}. IN MX 0 .`; if it does not, \
                 delete the other MX records ({}).",
                others.join(", ")
            )),
        );
    } else if null > 0 {
        let preference = records[0].preference;
        let note = if preference == 0 {
            String::new()
        } else {
            format!(" (with preference {preference}; RFC 7505 §3 asks for 0)")
        };
        findings.push(Finding::new(
            &MX_NULL,
            domain,
            format!("{domain} publishes a null MX{note}: it accepts no mail"),
        ));
    }

    for record in records {
        if let Some(ip) = record.ip_literal() {
            findings.push(
                Finding::new(
                    &MX_TARGET_IP_LITERAL,
                    &record.exchange,
                    format!(
                        "the MX record `{} {}` names the address {ip} instead of a host name; \
                         it is looked up as a name and does not resolve",
                        record.preference, record.exchange
                    ),
                )
                .with_fix(format!(
                    "Publish `mail.{domain}. IN {} {ip}` (or use an existing host name for \
                     {ip}) and change the MX record to `{domain}. IN MX {} mail.{domain}.`.",
                    if ip.is_ipv4() { "A" } else { "AAAA" },
                    record.preference
                )),
            );
        }
    }

    let mut by_host: BTreeMap<&Name, Vec<u16>> = BTreeMap::new();
    for record in records.iter().filter(|record| !record.is_null()) {
        by_host
            .entry(&record.exchange)
            .or_default()
            .push(record.preference);
    }
    for (host, preferences) in by_host {
        if preferences.len() > 1 {
            let listed: Vec<String> = preferences.iter().map(u16::to_string).collect();
            findings.push(
                Finding::new(
                    &MX_TARGET_DUPLICATE,
                    host,
                    format!(
                        "{host} is listed by {} MX records (preferences {}); the extra records \
                         add no redundancy",
                        preferences.len(),
                        listed.join(", ")
                    ),
                )
                .with_fix(format!(
                    "Keep one `MX {} {host}.` record and delete the others, unless one of them \
                     was meant for a different host.",
                    preferences[0]
                )),
            );
        }
    }
}

/// Rules about one MX host: alias, resolvability, reachable addresses.
fn check_host(host: &MxHost, findings: &mut Findings) {
    let name = &host.name;
    if let Lookup::Found(target) = &host.cname {
        findings.push(
            Finding::new(
                &MX_TARGET_CNAME,
                name,
                format!("the MX host {name} is an alias (CNAME) for {target}"),
            )
            .with_fix(format!(
                "Change the MX record to point at {target} directly, or replace the CNAME at \
                 {name} with A/AAAA records."
            )),
        );
    }
    findings.lookups_failed(
        Section::Mx,
        &[&host.a, &host.aaaa, &host.cname],
        "this host's addresses and alias check were",
    );

    if host.a.is_absent() && host.aaaa.is_absent() {
        let nxdomain = matches!(host.a, Lookup::Absent(Absence::NxDomain))
            || matches!(host.aaaa, Lookup::Absent(Absence::NxDomain));
        let message = if nxdomain {
            format!("the MX host {name} does not exist (NXDOMAIN); mail cannot be delivered to it")
        } else {
            format!("the MX host {name} has no A or AAAA record; mail cannot be delivered to it")
        };
        findings.push(
            Finding::new(&MX_TARGET_UNRESOLVABLE, name, message).with_fix(format!(
                "Publish the host's address (`{name}. IN A <IPv4>` and, with IPv6, \
             `{name}. IN AAAA <IPv6>`), or point the MX record at a host that has one."
            )),
        );
    }

    for ip in host.ips() {
        if let Some(reason) = non_public_reason(ip) {
            findings.push(
                Finding::new(
                    &MX_TARGET_NON_PUBLIC_ADDRESS,
                    format!("{name} {ip}"),
                    format!(
                        "the MX host {name} has the address {ip}, which is {reason} and cannot \
                         be reached from the internet"
                    ),
                )
                .with_fix(format!(
                    "Replace `{name}. IN {} {ip}` with the host's public address; keep internal \
                     addresses in internal DNS only.",
                    if ip.is_ipv4() { "A" } else { "AAAA" }
                )),
            );
        }
    }
}
