//! The DKIM section: the selectors checked and what each publishes (JSON `records.dkim`), the
//! section's overview, and what one key record holds (record mode).

use std::fmt::Write as _;

use serde::Serialize;

use super::overview::OverviewLine;
use crate::dkim::key::{Exponent, KeyMaterial, RsaEncoding};
use crate::dkim::{self, KeyType};
use crate::dns::Name;
use crate::facts::dkim::{DkimFacts, DkimRecord, DkimSelector, SelectorMode};
use crate::facts::{Absence, Lookup};
use crate::finding::Section;

/// JSON `records.dkim`: the selectors found (discovery) or named, with their keys.
pub fn records(dkim: &DkimFacts) -> DkimRecordsReport {
    let selectors = dkim
        .selectors
        .iter()
        .filter(|selector| shown(selector, dkim))
        .map(|selector| DkimSelectorReport {
            selector: selector.selector.clone(),
            name: selector.shown_name(),
            status: lookup_status(&selector.txt),
            cname_chain: alias_chain(selector)
                .iter()
                .map(ToString::to_string)
                .collect(),
            keys: selector
                .txt
                .found()
                .into_iter()
                .flatten()
                .map(key_report)
                .collect(),
        })
        .collect();
    DkimRecordsReport {
        mode: match dkim.mode {
            SelectorMode::Discovery => "discovery",
            SelectorMode::Named => "named",
        },
        selectors_checked: dkim.selectors.len(),
        domainkey: lookup_status(&dkim.domainkey),
        wildcard: dkim.wildcard_records().is_some(),
        selectors,
    }
}

/// Whether a selector is worth showing: every named one; a probed one only if it has
/// something (a key of its own, not a wildcard's answer; or an alias to a name without one).
fn shown(selector: &DkimSelector, dkim: &DkimFacts) -> bool {
    dkim.mode == SelectorMode::Named
        || dkim.key_records(selector).is_some()
        || selector.cname.as_ref().and_then(Lookup::found).is_some()
}

/// The alias chain of a selector: from its TXT answer, or from the CNAME lookup when the
/// TXT answer lost it (an alias of a name without a key).
fn alias_chain(selector: &DkimSelector) -> Vec<Name> {
    if selector.cname_chain.is_empty() {
        selector
            .cname
            .as_ref()
            .and_then(Lookup::found)
            .into_iter()
            .cloned()
            .collect()
    } else {
        selector.cname_chain.clone()
    }
}

fn lookup_status<T>(lookup: &Lookup<T>) -> &'static str {
    match lookup {
        Lookup::Found(_) => "found",
        Lookup::Absent(Absence::NxDomain) => "nxdomain",
        Lookup::Absent(Absence::NoData) => "nodata",
        Lookup::Failed(_) => "not-verified",
    }
}

/// What one DKIM key record holds, as structured data.
pub fn key_report(key: &DkimRecord) -> DkimKeyReport {
    let record = &key.parsed;
    let (bits, exponent, encoding) = match key.analysis.material {
        KeyMaterial::Rsa {
            bits,
            exponent,
            encoding,
        } => (
            Some(bits),
            match exponent {
                Exponent::Value(value) => Some(value),
                Exponent::Huge(_) => None,
            },
            Some(encoding.as_str()),
        ),
        _ => (None, None, None),
    };
    DkimKeyReport {
        record: key.txt.text.clone(),
        status: key.status.as_str(),
        key_type: record.key_type().as_str().to_owned(),
        bits,
        exponent,
        encoding,
        testing: record.is_testing(),
        hashes: record.hashes.as_ref().map(|hashes| {
            hashes
                .iter()
                .map(|hash| match &hash.value {
                    dkim::HashAlgorithm::Sha1 => "sha1".to_owned(),
                    dkim::HashAlgorithm::Sha256 => "sha256".to_owned(),
                    dkim::HashAlgorithm::Unknown(name) => name.clone(),
                })
                .collect()
        }),
        services: record.services.as_ref().map(|services| {
            services
                .iter()
                .map(|service| match &service.value {
                    dkim::Service::Any => "*".to_owned(),
                    dkim::Service::Email => "email".to_owned(),
                    dkim::Service::TlsRpt => "tlsrpt".to_owned(),
                    dkim::Service::Unknown(name) => name.clone(),
                })
                .collect()
        }),
    }
}

/// One line saying what a DKIM key record holds: `rsa 2048-bit key`, `ed25519 key, testing
/// mode (t=y)`, `revoked (empty p=)`.
pub fn describe_key(key: &DkimRecord) -> String {
    let text = key.txt.text.as_str();
    let record = &key.parsed;
    let mut description = match (&key.analysis.material, record.key_type()) {
        (
            KeyMaterial::Rsa {
                bits,
                exponent,
                encoding,
            },
            _,
        ) => {
            let mut text = format!("rsa {bits}-bit key");
            match exponent {
                Exponent::Value(65537) => {}
                Exponent::Value(value) => {
                    let _ = write!(text, ", exponent {value}");
                }
                Exponent::Huge(bits) => {
                    let _ = write!(text, ", {bits}-bit exponent");
                }
            }
            if *encoding == RsaEncoding::Pkcs1 {
                text.push_str(", bare PKCS#1");
            }
            text
        }
        (KeyMaterial::Ed25519, _) => "ed25519 key".to_owned(),
        (KeyMaterial::Revoked, _) => "revoked key (empty p=)".to_owned(),
        (KeyMaterial::Missing, _) => "no p= tag: not a usable key record".to_owned(),
        (KeyMaterial::Unchecked, key_type) => {
            format!("key of unknown type \"{}\"", key_type.as_str())
        }
        (KeyMaterial::Invalid, KeyType::Unknown(name)) => format!("invalid key (k={name})"),
        (KeyMaterial::Invalid, key_type) => format!("invalid {} key", key_type.as_str()),
    };
    if !record.errors.is_empty() {
        description.push_str(", record syntax broken");
    }
    if record.is_testing() {
        description.push_str(", testing mode (t=y)");
    }
    if record.is_strict() {
        description.push_str(", strict (t=s)");
    }
    if let Some(hashes) = record.hashes_span {
        let _ = write!(description, ", {}", hashes.slice(text));
    }
    if let Some(services) = record.services_span {
        let _ = write!(description, ", {}", services.slice(text));
    }
    description
}

/// The DKIM section's overview: which selectors were checked and what each publishes.
pub fn overview(dkim: &DkimFacts, domain: &Name) -> Vec<OverviewLine> {
    let mut lines = Vec::new();
    dkim_overview(dkim, domain, &mut |section, depth, text| {
        lines.push(OverviewLine::new(section, depth, text));
    });
    lines
}

fn dkim_overview(dkim: &DkimFacts, domain: &Name, line: &mut impl FnMut(Section, usize, String)) {
    let with_keys: Vec<&DkimSelector> = dkim
        .selectors
        .iter()
        .filter(|selector| dkim.key_records(selector).is_some())
        .collect();
    match dkim.mode {
        SelectorMode::Discovery => {
            let failed = dkim
                .selectors
                .iter()
                .filter(|selector| selector.txt.failure().is_some())
                .count();
            let mut text = format!(
                "probed {} common selectors at once: {}",
                dkim.selectors.len(),
                match with_keys.len() {
                    0 => "no key found".to_owned(),
                    1 => "1 with a key".to_owned(),
                    n => format!("{n} with keys"),
                }
            );
            if failed > 0 {
                let _ = write!(text, " ({failed} not verified: lookup failed)");
            }
            line(Section::Dkim, 0, text);
        }
        SelectorMode::Named => {
            let names: Vec<&str> = dkim
                .selectors
                .iter()
                .map(|selector| selector.selector.as_str())
                .collect();
            line(
                Section::Dkim,
                0,
                format!("checked the selectors named: {}", names.join(", ")),
            );
        }
    }
    for selector in dkim
        .selectors
        .iter()
        .filter(|selector| shown(selector, dkim))
    {
        selector_lines(selector, line);
    }
    if let Some(records) = dkim.wildcard_key() {
        for record in records {
            line(
                Section::Dkim,
                1,
                format!(
                    "*._domainkey (a wildcard, for every selector): {}",
                    describe_key(record)
                ),
            );
        }
    } else if let Some(records) = dkim.wildcard_records() {
        let texts: Vec<String> = records
            .iter()
            .map(|record| format!("\"{}\"", record.txt.text))
            .collect();
        line(
            Section::Dkim,
            1,
            format!(
                "a wildcard TXT record answers every name under _domainkey.{domain} ({}): \
                 selectors that got only that answer were ignored",
                texts.join(", ")
            ),
        );
    }
    if with_keys.is_empty() && dkim.wildcard_key().is_none() {
        why_no_key(dkim, domain, line);
    }
}

/// What `_domainkey` says when no key was found: nothing below it (NXDOMAIN), names below it
/// (NODATA), or a wildcard, under which nothing can be told.
fn why_no_key(dkim: &DkimFacts, domain: &Name, line: &mut impl FnMut(Section, usize, String)) {
    // Under a wildcard every name exists: nothing can be said of the selectors (a
    // wildcard of TXT records has its line above already).
    if dkim.wildcard_answers() {
        if dkim.wildcard_records().is_some() {
            return;
        }
        line(
            Section::Dkim,
            1,
            format!(
                "a wildcard answers every name under _domainkey.{domain}: probing cannot \
                 tell which selectors exist (name them with --selector)"
            ),
        );
        return;
    }
    match dkim.domainkey {
        Lookup::Absent(Absence::NxDomain) => line(
            Section::Dkim,
            1,
            format!(
                "_domainkey.{domain} does not exist (NXDOMAIN): no selector of any name \
                 is published"
            ),
        ),
        Lookup::Absent(Absence::NoData) => line(
            Section::Dkim,
            1,
            match dkim.mode {
                SelectorMode::Discovery => format!(
                    "_domainkey.{domain} exists (NODATA): names are published below it, \
                     under selectors not probed (name them with --selector)"
                ),
                SelectorMode::Named => {
                    format!("_domainkey.{domain} exists: other selectors may be published under it")
                }
            },
        ),
        Lookup::Found(_) => line(
            Section::Dkim,
            1,
            match dkim.mode {
                SelectorMode::Discovery => format!(
                    "_domainkey.{domain} has TXT records of its own: if keys are published \
                     under selectors not probed, name them with --selector"
                ),
                SelectorMode::Named => {
                    format!("_domainkey.{domain} exists: other selectors may be published under it")
                }
            },
        ),
        Lookup::Failed(_) => {}
    }
}

/// The overview lines of one selector: what it publishes, and where (a CNAME chain).
fn selector_lines(selector: &DkimSelector, line: &mut impl FnMut(Section, usize, String)) {
    let chain = alias_chain(selector);
    let mut label = format!("{}._domainkey", selector.selector);
    for target in &chain {
        let _ = write!(label, " → {target}");
    }
    if !chain.is_empty() {
        label.push_str(" (CNAME)");
    }
    let text = match &selector.txt {
        Lookup::Found(records) if records.len() == 1 => {
            format!("{label}: {}", describe_key(&records[0]))
        }
        Lookup::Found(records) => {
            line(
                Section::Dkim,
                1,
                format!("{label}: {} TXT records", records.len()),
            );
            for record in records {
                line(Section::Dkim, 2, describe_key(record));
            }
            return;
        }
        Lookup::Absent(_) if !chain.is_empty() => format!("{label}: no key at the target"),
        Lookup::Absent(Absence::NxDomain) => format!("{label}: no key (NXDOMAIN)"),
        Lookup::Absent(Absence::NoData) => format!("{label}: no key (no TXT record)"),
        Lookup::Failed(_) => format!("{label}: not verified"),
    };
    line(Section::Dkim, 1, text);
}

/// The overview of one DKIM key record checked on its own (record mode). How its text fits
/// into character-strings is a finding, shared with `record spf` (`rules::txt`).
pub fn record_overview(key: &DkimRecord) -> Vec<OverviewLine> {
    vec![OverviewLine::new(Section::Dkim, 0, describe_key(key))]
}

/// The DKIM selectors checked and what they publish (JSON `records.dkim`).
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct DkimRecordsReport {
    /// `discovery` (the built-in list was probed) or `named` (`--selector`).
    pub mode: &'static str,
    /// How many selectors were looked up.
    pub selectors_checked: usize,
    /// The outcome of the TXT lookup of `_domainkey.<domain>`: `nxdomain` means no selector
    /// of any name exists (RFC 8020), `nodata` or `records` that names exist below it.
    pub domainkey: &'static str,
    /// Whether a wildcard TXT record answers every name under `_domainkey` (discovery then
    /// ignores the selectors that got only the wildcard's records).
    pub wildcard: bool,
    /// The selectors found with discovery, or every selector named.
    pub selectors: Vec<DkimSelectorReport>,
}

/// One selector.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DkimSelectorReport {
    /// The selector.
    pub selector: String,
    /// `selector._domainkey.domain`.
    pub name: String,
    /// `found`, `nxdomain`, `nodata` or `failed`.
    pub status: &'static str,
    /// The CNAME targets the name led to, in order (the key is published at the last one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cname_chain: Vec<String>,
    /// The key records found (more than one is an error).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<DkimKeyReport>,
}

/// One DKIM key record.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DkimKeyReport {
    /// The record's text (character-strings joined).
    pub record: String,
    /// `valid`, `revoked` or `invalid` (an error makes signatures with it fail).
    pub status: &'static str,
    /// The key type in effect (`rsa` unless k= says otherwise).
    pub key_type: String,
    /// RSA modulus size in bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bits: Option<usize>,
    /// RSA public exponent, when it fits 64 bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exponent: Option<u64>,
    /// How an RSA key is wrapped: `spki` or `pkcs1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    /// Whether t=y (testing mode) is set.
    pub testing: bool,
    /// The h= algorithms, when h= is present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hashes: Option<Vec<String>>,
    /// The s= service types, when s= is present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<String>>,
}
