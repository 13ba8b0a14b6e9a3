//! The selectors mailcheck probes when none is named with `--selector`.
//!
//! DKIM has no way to list a domain's selectors: they appear only in the `s=` tag of signed
//! mail (RFC 6376 §3.1). So mailcheck asks for the names that the large mail providers, email
//! services and mail software set up by default, all at once, and reports those it finds. A
//! domain whose keys use other names (dated selectors such as `20230601`, per-account ones
//! such as HubSpot's `hs1-<id>` or Amazon SES's random tokens) needs `--selector`.
//!
//! Each entry says who uses the name. "Vendor setup" means the provider's own DKIM setup
//! instructions name it; "software default" means the program uses it unless configured
//! otherwise; "common" means a generic name found in the DKIM selector lists that DMARC
//! vendors publish, with no single owner.

/// A selector name no one uses, probed with the others: if it has TXT records, a wildcard
/// (`*._domainkey.example.com` or `*.example.com`) answers every name, and probes that get
/// only the wildcard's records have no key of their own. The leading `_` keeps it out of the
/// way of real selectors, which are host names (RFC 6376 §3.1).
pub const WILDCARD_PROBE: &str = "_mailcheck-absent";

/// One selector name and who is known to use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownSelector {
    /// The selector, as it appears before `._domainkey`.
    pub name: &'static str,
    /// Who uses it, and how we know.
    pub used_by: &'static str,
    /// Whether it is probed by default. The default list is kept to the most widespread
    /// names: every probe is a query, and a batch of thousands of domains pays for each one.
    /// `--all-selectors` probes the rest too.
    pub by_default: bool,
}

const fn known(name: &'static str, used_by: &'static str) -> KnownSelector {
    KnownSelector {
        name,
        used_by,
        by_default: true,
    }
}

/// A selector probed only with `--all-selectors`: rarer, or a provider's second key.
const fn extended(name: &'static str, used_by: &'static str) -> KnownSelector {
    KnownSelector {
        name,
        used_by,
        by_default: false,
    }
}

/// The selectors probed by default, most widespread first.
pub static COMMON_SELECTORS: &[KnownSelector] = &[
    // Mailbox providers.
    known(
        "google",
        "Google Workspace (vendor setup: the default selector prefix)",
    ),
    known(
        "selector1",
        "Microsoft 365 / Exchange Online (vendor setup: CNAME to the tenant)",
    ),
    known(
        "selector2",
        "Microsoft 365 / Exchange Online (the second, rotating key)",
    ),
    known(
        "sig1",
        "Apple iCloud+ custom email domains (vendor setup: CNAME to icloudmailadmin.com)",
    ),
    known("fm1", "Fastmail (vendor setup: CNAME to dkim.fmhosted.com)"),
    extended("fm2", "Fastmail"),
    extended("fm3", "Fastmail"),
    known(
        "protonmail",
        "Proton Mail (vendor setup: CNAME to domains.proton.ch)",
    ),
    extended("protonmail2", "Proton Mail"),
    extended("protonmail3", "Proton Mail"),
    known("zoho", "Zoho Mail (a name commonly chosen in its setup)"),
    extended("zmail", "Zoho Mail (a name commonly chosen in its setup)"),
    known("s1024", "Yahoo (its own domains' selectors)"),
    extended("s2048", "Yahoo (its own domains' selectors)"),
    extended("mxvault", "MXVault hosted mail (common selector lists)"),
    // Email sending services.
    known(
        "k1",
        "Mailchimp / Mandrill (vendor setup: CNAME to dkim.mcsv.net)",
    ),
    known("k2", "Mailchimp (vendor setup: CNAME to dkim2.mcsv.net)"),
    known("k3", "Mailchimp (vendor setup: CNAME to dkim3.mcsv.net)"),
    known(
        "mandrill",
        "Mandrill, Mailchimp Transactional (vendor setup)",
    ),
    known(
        "s1",
        "SendGrid (vendor setup: CNAME to sendgrid.net); also NationBuilder",
    ),
    known("s2", "SendGrid (the second, rotating key)"),
    extended("smtpapi", "SendGrid (older accounts)"),
    known("smtp", "Mailgun (selector it assigns)"),
    known("mx", "Mailgun (selector it assigns)"),
    extended("krs", "Mailgun (selector it assigns)"),
    extended("pic", "Mailgun (selector it assigns)"),
    extended("mailo", "Mailgun (selector it assigns)"),
    known("mailjet", "Mailjet (vendor setup)"),
    extended(
        "pm",
        "Postmark-style name (Postmark itself assigns dated <date>pm selectors)",
    ),
    known("cm", "Campaign Monitor (vendor setup)"),
    extended("ctct1", "Constant Contact (vendor setup)"),
    extended("ctct2", "Constant Contact (vendor setup)"),
    extended(
        "hs1",
        "HubSpot (older setups; current ones use hs1-<hub id>)",
    ),
    extended(
        "hs2",
        "HubSpot (older setups; current ones use hs2-<hub id>)",
    ),
    extended("kl", "Klaviyo (vendor setup)"),
    extended("kl2", "Klaviyo (vendor setup)"),
    extended("dk", "ActiveCampaign (vendor setup)"),
    extended("dk2", "ActiveCampaign (vendor setup)"),
    extended("brevo1", "Brevo, formerly Sendinblue (vendor setup)"),
    extended("brevo2", "Brevo, formerly Sendinblue (vendor setup)"),
    extended("litesrv", "MailerLite (vendor setup)"),
    extended("sm", "Blackbaud (common selector lists)"),
    known("everlytickey1", "Everlytic (vendor setup)"),
    extended("everlytickey2", "Everlytic (vendor setup)"),
    extended("zendesk1", "Zendesk (vendor setup: CNAME to zendesk.com)"),
    extended("zendesk2", "Zendesk (vendor setup)"),
    extended("intercom", "Intercom (vendor setup)"),
    extended("strong1", "Help Scout (vendor setup)"),
    extended("strong2", "Help Scout (vendor setup)"),
    extended("turbo-smtp", "turboSMTP (vendor setup)"),
    // Mail software and control panels.
    known(
        "default",
        "opendkim-genkey's default, cPanel, Plesk, DirectAdmin",
    ),
    known("dkim", "rspamd's dkim_signing default, mailcow, Mailu"),
    known(
        "mail",
        "docker-mailserver's default; Yandex 360; Sendinblue (older accounts)",
    ),
    // Generic names seen in the wild.
    known("email", "common"),
    known("key1", "common"),
    extended("key2", "common"),
    extended("dkim1", "common"),
    extended("dkim2", "common"),
    extended("sig", "common"),
];

#[cfg(test)]
mod tests {
    use super::COMMON_SELECTORS;
    use std::collections::BTreeSet;

    #[test]
    fn selectors_are_unique_valid_labels() {
        let mut seen = BTreeSet::new();
        for selector in COMMON_SELECTORS {
            assert!(seen.insert(selector.name), "{} twice", selector.name);
            assert!(
                selector
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                selector.name
            );
            assert!(!selector.used_by.is_empty());
        }
    }
}
