//! Fix texts are paste-correct: a finding's fix names the audited domain, never a placeholder
//! such as `example.com`. Every domain of the fixture zones is audited (JSON), and every name
//! a fix mentions must be the audited domain or one of its subdomains, or a name from the DNS
//! data itself (an MX host, an include target: any name written in a fixture zone).
//! Static rule metadata (`mailcheck explain`) may keep its `example.com` examples.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use support::mailcheck_fixtures;

/// The top-level domains a name in a fix must end in to be checked: those of the fixture
/// zones and of the documentation names (`example.com`, `example.net`, `example.org`) a
/// placeholder would use. File names (`logo.svg`, `vmc.pem`) end in none of them.
const CHECKED_TLDS: &[&str] = &["com", "net", "org", "test", "uk", "example", "arpa"];

/// The owner names of a zone file, absolute, lower case (a rough reader: enough for the
/// fixtures, which have one name per line and `$ORIGIN` first).
fn owner_names(text: &str) -> Vec<String> {
    let mut origin = String::new();
    let mut names = Vec::new();
    for line in text.lines() {
        let line = line.split(';').next().unwrap_or_default();
        if let Some(rest) = line.strip_prefix("$ORIGIN") {
            origin = rest.trim().trim_end_matches('.').to_ascii_lowercase();
            continue;
        }
        if line.starts_with(['$', ' ', '\t', '(', ')']) || line.trim().is_empty() {
            continue;
        }
        let owner = line.split_whitespace().next().unwrap_or_default();
        let name = if owner == "@" {
            origin.clone()
        } else if let Some(absolute) = owner.strip_suffix('.') {
            absolute.to_owned()
        } else {
            format!("{owner}.{origin}")
        };
        names.push(name.to_ascii_lowercase());
    }
    names
}

/// The domain a record's owner name is about: the name after its last `_label`
/// (`default._bimi.x.test` is about `x.test`), or `None` for a wildcard.
fn audited_domain(owner: &str) -> Option<String> {
    let labels: Vec<&str> = owner.split('.').collect();
    let start = labels
        .iter()
        .rposition(|label| label.starts_with('_'))
        .map_or(0, |i| i + 1);
    let rest = &labels[start..];
    if rest.len() < 2 || rest.contains(&"*") {
        return None;
    }
    Some(rest.join("."))
}

/// Every name-like token of `text` that ends in one of [`CHECKED_TLDS`].
fn names_in(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_'))
        .map(|token| token.trim_matches('.').to_ascii_lowercase())
        .filter(|token| token.contains('.'))
        .filter(|token| {
            token
                .rsplit('.')
                .next()
                .is_some_and(|tld| CHECKED_TLDS.contains(&tld))
        })
        .collect()
}

/// Whether `name` may appear in a fix of an audit of `domain`: the domain or its
/// organizational domain (where DMARC falls back), a name under one of them, or a name from
/// the DNS data or under one (`<domain>._report._dmarc.<rua host>`).
fn allowed(name: &str, domain: &str, dns_data: &BTreeSet<String>) -> bool {
    let organization =
        mailcheck::policy::org::organizational_domain(&mailcheck::dns::Name::new(domain));
    let at_or_under = |base: &str| name == base || name.ends_with(&format!(".{base}"));
    at_or_under(domain)
        || at_or_under(organization.as_str())
        || dns_data.iter().any(|data| at_or_under(data))
}

/// The names a fix may mention besides the audited domain's: every name written in a fixture
/// zone (owners, and the names in record data: MX hosts, include targets, rua hosts).
fn dns_data(zones: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut data = BTreeSet::new();
    let mut domains = BTreeSet::new();
    for entry in std::fs::read_dir(zones).expect("fixture zones") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|ext| ext != "zone") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("zone text");
        for owner in owner_names(&text) {
            data.insert(owner.clone());
            // Reverse zones are not audited as domains (the names are lower case already).
            if owner.rsplit('.').next() != Some("arpa")
                && let Some(domain) = audited_domain(&owner)
            {
                domains.insert(domain);
            }
        }
        data.extend(names_in(&text));
    }
    (data, domains)
}

/// The fixes of a report that name something outside their audit: `(domain, rule, name, fix)`.
fn misnamed_fixes(report: &Value, dns_data: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    for audit in report["domains"].as_array().expect("domains") {
        let domain = audit["domain"]["ascii"]
            .as_str()
            .or_else(|| audit["domain"].as_str())
            .expect("the audited domain")
            .to_ascii_lowercase();
        for finding in audit["findings"].as_array().expect("findings") {
            let fix = finding["fix"].as_str().unwrap_or_default();
            for name in names_in(fix) {
                if !allowed(&name, &domain, dns_data) {
                    problems.push(format!(
                        "{domain} [{}]: the fix names {name}: {fix}",
                        finding["rule"].as_str().unwrap_or_default()
                    ));
                }
            }
        }
    }
    problems
}

/// The check itself can fail: a placeholder domain in a fix is caught, the audited domain
/// and the DNS data are not.
#[test]
fn the_check_catches_a_placeholder() {
    let data: BTreeSet<String> = ["mx1.good.test".to_owned()].into();
    let report = serde_json::json!({"domains": [{
        "domain": "sts.dmarc.test",
        "findings": [
            {"rule": "a", "fix": "Publish `_mta-sts.example.com. IN TXT \"v=STSv1; id=1\"`."},
            {"rule": "b", "fix": "Publish `_mta-sts.sts.dmarc.test.` pointing at mx1.good.test."},
        ],
    }]});
    let problems = misnamed_fixes(&report, &data);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("_mta-sts.example.com"),
        "{problems:#?}"
    );
}

#[test]
fn every_fix_names_the_audited_domain() {
    let zones = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/zones");
    let (data, domains) = dns_data(&zones);
    assert!(domains.len() > 50, "{domains:?}");
    let output = mailcheck_fixtures()
        .args(["--format", "json"])
        .args(&domains)
        .output()
        .expect("run mailcheck");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(
        report["domains"].as_array().map(Vec::len),
        Some(domains.len()),
        "every domain audited"
    );
    let problems = misnamed_fixes(&report, &data);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
