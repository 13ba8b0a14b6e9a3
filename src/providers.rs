//! Which mail providers a domain uses, recognised by the names its records point to: MX hosts,
//! SPF include and redirect targets, DKIM selector CNAME targets.
//!
//! The providers and their patterns are data, not code (`data/providers.json`, compiled in):
//! adding a provider means adding an entry there. Where a provider documents the records it
//! needs, its `hints` are added to the fix of the matching findings.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::dns::Name;
use crate::facts::{Facts, Lookup};
use crate::finding::Finding;

/// The provider list, as shipped.
const PROVIDERS_JSON: &str = include_str!("../data/providers.json");

/// One provider and what it is recognised by.
#[derive(Clone, Debug, Deserialize)]
pub struct Provider {
    /// Its name, e.g. "Google Workspace".
    pub name: String,
    /// Patterns of its MX host names.
    pub mx: Vec<String>,
    /// Patterns of its SPF include and redirect targets.
    pub spf: Vec<String>,
    /// Patterns of the names its DKIM selectors are CNAMEs to.
    pub dkim: Vec<String>,
    /// Its setup guide.
    pub docs: String,
    /// Text added to the fix of a finding, by rule id.
    pub hints: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct ProviderList {
    providers: Vec<Provider>,
}

/// Every known provider. The list is compiled in and checked by a test, so it always parses;
/// if it somehow did not, no provider is recognised rather than the audit failing.
pub fn providers() -> &'static [Provider] {
    static PROVIDERS: OnceLock<Vec<Provider>> = OnceLock::new();
    PROVIDERS.get_or_init(|| {
        serde_json::from_str::<ProviderList>(PROVIDERS_JSON)
            .map(|list| list.providers)
            .unwrap_or_default()
    })
}

/// The names a domain's records point to, by kind of record.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    /// MX host names.
    pub mx: Vec<Name>,
    /// SPF include and redirect targets (the whole tree).
    pub spf: Vec<Name>,
    /// CNAME targets of DKIM selectors, with the selector name.
    pub dkim: Vec<(String, Name)>,
}

impl Evidence {
    /// The names the domain's records point to, read from what the audit found: its MX hosts,
    /// the records its SPF record includes or redirects to, and the CNAME targets of its
    /// DKIM selectors.
    pub fn of(facts: &Facts) -> Self {
        let mx = facts
            .mx
            .records
            .found()
            .into_iter()
            .flatten()
            .filter(|record| !record.is_null())
            .map(|record| record.exchange.clone())
            .collect();
        let spf = facts
            .spf
            .root
            .nodes()
            .into_iter()
            .skip(1) // the domain's own record
            .map(|node| node.domain.clone())
            .collect();
        let dkim = facts
            .dkim
            .selectors
            .iter()
            .filter_map(|selector| {
                let target = selector
                    .cname_chain
                    .last()
                    .or_else(|| selector.cname.as_ref().and_then(Lookup::found))?;
                Some((selector.selector.clone(), target.clone()))
            })
            .collect();
        Evidence { mx, spf, dkim }
    }
}

/// A provider the domain uses, and why mailcheck thinks so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DetectedProvider {
    /// The provider's name.
    pub name: String,
    /// What pointed to it, e.g. `MX aspmx.l.google.com`, `SPF include:_spf.google.com`.
    pub evidence: Vec<String>,
    /// Its setup guide.
    pub docs: String,
}

/// The providers `evidence` points to, in the order of the provider list.
pub fn detect(evidence: &Evidence) -> Vec<DetectedProvider> {
    providers()
        .iter()
        .filter_map(|provider| {
            let mut found = Vec::new();
            for host in &evidence.mx {
                if provider.mx.iter().any(|pattern| matches(pattern, host)) {
                    found.push(format!("MX {host}"));
                }
            }
            for target in &evidence.spf {
                if provider.spf.iter().any(|pattern| matches(pattern, target)) {
                    found.push(format!("SPF include:{target}"));
                }
            }
            for (selector, target) in &evidence.dkim {
                if provider.dkim.iter().any(|pattern| matches(pattern, target)) {
                    found.push(format!("DKIM {selector} → {target}"));
                }
            }
            found.dedup();
            (!found.is_empty()).then(|| DetectedProvider {
                name: provider.name.clone(),
                evidence: found,
                docs: provider.docs.clone(),
            })
        })
        .collect()
}

/// Adds the detected providers' documented setup to the fixes of matching findings.
pub fn add_hints(detected: &[DetectedProvider], findings: &mut [Finding]) {
    for provider in providers()
        .iter()
        .filter(|provider| detected.iter().any(|found| found.name == provider.name))
    {
        for finding in findings.iter_mut() {
            if let Some(hint) = provider.hints.get(finding.rule) {
                finding.fix = format!("{} {hint}", finding.fix);
            }
        }
    }
}

/// Whether `name` matches `pattern`: equal, or ending in `.pattern`; a `*` label in the
/// pattern matches any one label. Case was folded when the names were made.
fn matches(pattern: &str, name: &Name) -> bool {
    let pattern: Vec<&str> = pattern.split('.').rev().collect();
    let labels: Vec<&str> = name.as_str().split('.').rev().collect();
    labels.len() >= pattern.len()
        && pattern
            .iter()
            .zip(&labels)
            .all(|(want, label)| *want == "*" || want.eq_ignore_ascii_case(label))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_parses_and_is_sound() {
        let list: ProviderList = serde_json::from_str(PROVIDERS_JSON).expect("providers.json");
        assert!(list.providers.len() >= 20);
        for provider in &list.providers {
            assert!(
                !(provider.mx.is_empty() && provider.spf.is_empty() && provider.dkim.is_empty()),
                "{} can never be detected",
                provider.name
            );
            assert!(provider.docs.starts_with("https://"), "{}", provider.name);
            for pattern in provider
                .mx
                .iter()
                .chain(&provider.spf)
                .chain(&provider.dkim)
            {
                assert_eq!(pattern, &pattern.to_ascii_lowercase(), "{pattern}");
                assert!(
                    !pattern.ends_with('.') && !pattern.starts_with('.'),
                    "{pattern}"
                );
            }
        }
    }

    #[test]
    fn patterns_match_labels_not_substrings() {
        assert!(matches("google.com", &Name::new("aspmx.l.google.com")));
        assert!(matches("google.com", &Name::new("google.com")));
        assert!(!matches("google.com", &Name::new("notgoogle.com")));
        assert!(!matches("google.com", &Name::new("google.com.evil.test")));
        assert!(matches(
            "inbound-smtp.*.amazonaws.com",
            &Name::new("inbound-smtp.eu-west-1.amazonaws.com")
        ));
        assert!(!matches(
            "inbound-smtp.*.amazonaws.com",
            &Name::new("ec2-1-2-3-4.compute.amazonaws.com")
        ));
    }

    #[test]
    fn detects_from_every_kind_of_evidence() {
        let evidence = Evidence {
            mx: vec![
                Name::new("ASPMX.L.GOOGLE.COM"),
                Name::new("alt1.aspmx.l.google.com"),
            ],
            spf: vec![Name::new("_spf.google.com"), Name::new("sendgrid.net")],
            dkim: vec![(
                "s1".to_owned(),
                Name::new("s1.domainkey.u123.wl.sendgrid.net"),
            )],
        };
        let detected = detect(&evidence);
        let names: Vec<&str> = detected.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Google Workspace", "SendGrid"]);
        assert_eq!(detected[0].evidence.len(), 3);
        assert!(
            detected[1]
                .evidence
                .iter()
                .any(|e| e.starts_with("DKIM s1"))
        );
        assert!(detect(&Evidence::default()).is_empty());
    }
}
