//! The rules: pure functions from [`Facts`] to [`Finding`]s, each with static documentation.
//!
//! A rule is one [`Rule`] static in its family's file, one line in [`RULES`], and a test that
//! makes it fire and one that must not. `mailcheck explain ID` prints the static. Families
//! check their facts in a fixed order, so the same facts always give the same findings in the
//! same order.

pub mod bimi;
pub mod dkim;
pub mod dmarc;
mod expect;
mod findings;
mod lookup;
pub mod mta_sts;
mod mx;
mod reverse;
pub mod spf;
pub mod tls_rpt;
mod txt;
pub mod zone;

use crate::facts::Facts;
use crate::finding::{Finding, Rule};
use findings::Findings;

/// Every rule, in the order `mailcheck explain` lists them.
pub static RULES: &[&Rule] = &[
    &mx::MX_MISSING,
    &mx::MX_NULL,
    &mx::MX_NULL_MIXED,
    &mx::MX_TARGET_CNAME,
    &mx::MX_TARGET_IP_LITERAL,
    &mx::MX_TARGET_UNRESOLVABLE,
    &mx::MX_TARGET_NON_PUBLIC_ADDRESS,
    &mx::MX_TARGET_DUPLICATE,
    &reverse::PTR_MISSING,
    &reverse::PTR_NOT_FORWARD_CONFIRMED,
    &reverse::PTR_MULTIPLE,
    &spf::SPF_MISSING,
    &spf::SPF_MULTIPLE_RECORDS,
    &spf::SPF_SYNTAX,
    &spf::SPF_TOO_MANY_LOOKUPS,
    &spf::SPF_TOO_MANY_VOID_LOOKUPS,
    &spf::SPF_INCLUDE_LOOP,
    &spf::SPF_INCLUDE_MISSING_RECORD,
    &spf::SPF_MX_TOO_MANY_NAMES,
    &spf::SPF_ALL_PASS,
    &spf::SPF_ALL_NEUTRAL,
    &spf::SPF_NO_ALL,
    &spf::SPF_REDIRECT_IGNORED,
    &spf::SPF_PTR_MECHANISM,
    &spf::SPF_UNKNOWN_MODIFIER,
    &spf::SPF_DEPRECATED_RR_TYPE,
    &spf::SPF_RECORD_TOO_LONG,
    &txt::TXT_RECORD_OVER_255_OCTETS,
    &dkim::DKIM_NO_KEY_FOUND,
    &dkim::DKIM_SELECTORS_NOT_PROBED,
    &dkim::DKIM_SYNTAX,
    &dkim::DKIM_MULTIPLE_RECORDS,
    &dkim::DKIM_KEY_INVALID,
    &dkim::DKIM_UNKNOWN_KEY_TYPE,
    &dkim::DKIM_KEY_REVOKED,
    &dkim::DKIM_KEY_TOO_SHORT,
    &dkim::DKIM_KEY_WEAK,
    &dkim::DKIM_TESTING_MODE,
    &dkim::DKIM_SHA1_ONLY,
    &dmarc::DMARC_MISSING,
    &dmarc::DMARC_MULTIPLE_RECORDS,
    &dmarc::DMARC_DISCOVERY_DIFFERS,
    &dmarc::DMARC_SYNTAX,
    &dmarc::DMARC_POLICY_NONE,
    &dmarc::DMARC_SUBDOMAIN_POLICY_WEAKER,
    &dmarc::DMARC_PCT_PARTIAL,
    &dmarc::DMARC_TESTING_MODE,
    &dmarc::DMARC_TAG_REMOVED,
    &dmarc::DMARC_REPORT_SIZE_OBSOLETE,
    &dmarc::DMARC_NO_REPORTING,
    &dmarc::DMARC_REPORT_URI_INVALID,
    &dmarc::DMARC_REPORT_DESTINATION_UNAUTHORIZED,
    &dmarc::DMARC_ENFORCED_WITHOUT_AUTHENTICATION,
    &mta_sts::MTA_STS_RECORD_INVALID,
    &mta_sts::MTA_STS_MULTIPLE_RECORDS,
    &tls_rpt::TLS_RPT_INVALID,
    &tls_rpt::TLS_RPT_MISSING,
    &bimi::BIMI_RECORD_INVALID,
    &bimi::BIMI_NO_MARK_CERTIFICATE,
    &bimi::BIMI_REQUIRES_DMARC_ENFORCEMENT,
    &lookup::DNS_LOOKUP_FAILED,
    &lookup::AUDIT_LIMIT_REACHED,
    &zone::ZONE_CNAME_WITH_OTHER_DATA,
    &zone::ZONE_TXT_STRING_TOO_LONG,
    &zone::ZONE_PARSE_ERROR,
    &expect::EXPECTED_RECORD_MISSING,
    &expect::EXPECTED_RECORD_DIFFERENT,
];

/// Looks a rule up by id.
pub fn find_rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|rule| rule.id == id)
}

/// Runs every rule over `facts`. Findings come grouped by section, in a stable order.
pub fn check(facts: &Facts) -> Vec<Finding> {
    let mut findings = Findings::default();
    zone::check(facts, &mut findings);
    mx::check(facts, &mut findings);
    reverse::check(facts, &mut findings);
    // A domain that does not exist is one error (mx-missing); the records under its name do
    // not apply, and their missing-record advice would bury that error. Their failed lookups,
    // if any, are still reported below.
    if !facts.domain_does_not_exist() {
        spf::check(facts, &mut findings);
        dkim::check(facts, &mut findings);
        dmarc::check(facts, &mut findings);
        // Reads the SPF and DKIM facts as well; its finding comes after the record's own.
        dmarc::check_enforced_without_authentication(facts, &mut findings);
        mta_sts::check(facts, &mut findings);
        tls_rpt::check(facts, &mut findings);
        bimi::check(facts, &mut findings);
    }
    expect::check(facts, &mut findings);
    lookup::check(facts, &mut findings);
    dmarc::mark_not_needed(facts, &mut findings);
    findings.remaining_failures(facts);
    let mut findings = findings.into_list();
    // Stable sort: within a section, the order the family produced them in.
    findings.sort_by_key(|finding| finding.section);
    findings
}
