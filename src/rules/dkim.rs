//! DKIM keys (RFC 6376 §3.6, RFC 8301, RFC 8463): is there a key, does its record parse, is the
//! key material usable, and is it strong enough.
//!
//! The checks of one key record ([`check_record`], read once when gathered: [`DkimRecord`])
//! need no DNS and are shared with record mode (`mailcheck record dkim '<TEXT>'`). The audit's
//! checks add what needs the lookups: whether any selector has a key, several records at one
//! selector, and failed lookups.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::findings::Findings;
use crate::dkim::key::{KeyMaterial, RSA_MINIMUM_BITS, RSA_RECOMMENDED_BITS, RsaEncoding};
use crate::dkim::{self as parser, KeyType};
use crate::dns::{Name, Outcome};
use crate::facts::dkim::{DkimFacts, DkimRecord, DkimSelector, SelectorMode};
use crate::facts::{Absence, Facts, Failure, Lookup};
use crate::finding::Rule;
use crate::finding::{Finding, Section, Severity};

/// No DKIM key was found.
pub static DKIM_NO_KEY_FOUND: Rule = Rule {
    id: "dkim-no-key-found",
    section: Section::Dkim,
    severity: Severity::Warning,
    summary: "No DKIM key was found: none of the common selectors has one, or a selector named \
              with --selector has none.",
    rationale: "Receivers check a DKIM signature against the key published at \
                selector._domainkey.domain (RFC 6376 §3.6.2). Without one, no mail from the \
                domain passes DKIM, and DMARC (RFC 7489 §3.1) rests on SPF alone, which breaks \
                when mail is forwarded. DKIM has no way to list selectors, so without \
                --selector mailcheck probes the names that large providers and mail software \
                use: finding none there is a warning when `_domainkey.domain` answers \
                NXDOMAIN, which means nothing at all exists below it (RFC 8020), so no \
                selector of any name has a key. When it answers NODATA (names exist below it) \
                or a wildcard answers every name, the domain's selectors are simply not among \
                the names probed: that is dkim-selectors-not-probed (info), not this rule. A \
                selector named with --selector that has no \
                key is an error: mail signed with it fails DKIM. A probed selector that is an \
                alias (CNAME) of a name without a key is reported too: the provider's key is \
                missing. A domain whose SPF record is exactly `v=spf1 -all` says it sends no \
                mail (RFC 7208 §10.1.2, RFC 7505 §4.2), so discovery finding no key there is \
                not reported. A lookup that failed is reported as not verified, never as a missing \
                key.",
    fix: "Turn on DKIM signing where the domain's mail is sent (the provider's DKIM setup, or \
          your own signer), publish the key it gives you as a TXT record at \
          selector._domainkey.<domain> (or the CNAME the provider asks for), then run \
          `mailcheck --selector <selector> <domain>`. The selector of mail already signed is \
          the s= tag of its DKIM-Signature header.",
    references: &[
        "RFC 6376 §3.1",
        "RFC 6376 §3.6.2",
        "RFC 6376 §6.1.2",
        "RFC 7489 §3.1",
        "RFC 8020 §2",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@                  TXT  \"v=spf1 include:_spf.google.com ~all\"",
        good: "@                  TXT  \"v=spf1 include:_spf.google.com ~all\"\n\
               google._domainkey  TXT  \"v=DKIM1; k=rsa; p=<2048-bit RSA key (1/2)>\" \"<2048-bit RSA key (2/2)>\"",
    },
};

/// Discovery found no key, but selectors exist under names it does not probe.
pub static DKIM_SELECTORS_NOT_PROBED: Rule = Rule {
    id: "dkim-selectors-not-probed",
    section: Section::Dkim,
    severity: Severity::Info,
    summary: "None of the common selectors has a DKIM key, but names exist under _domainkey: \
              the domain's selectors are not among the names mailcheck probes.",
    rationale: "DKIM has no way to list a domain's selectors: a selector appears only in the s= \
                tag of signed mail (RFC 6376 §3.1, §3.5), so without --selector mailcheck \
                probes the names large providers and mail software use. When \
                `_domainkey.domain` exists with no records of its own (NODATA), names exist \
                below it (it is an empty non-terminal, RFC 4592 §2.2.2; with nothing below it, \
                it would answer NXDOMAIN, RFC 8020 §2), which is what publishing keys under \
                other selectors (dated, per-account, random) looks like: a warning that no key \
                was found would be a false alarm. Under a wildcard every name exists (RFC 4592 \
                §2.1.1), so probing cannot tell which selectors are real: nothing is claimed \
                either way. Either way, the key can only be checked once its selector is named.",
    fix: "Name the selector: `mailcheck --selector <selector> <domain>`. It is the s= tag of \
          the DKIM-Signature header in a message sent from the domain (open a received \
          message's headers, or its source).",
    references: &[
        "RFC 6376 §3.1",
        "RFC 6376 §3.6.2.1",
        "RFC 8020 §2",
        "RFC 4592 §2.2.2",
        "RFC 4592 §2.1.1",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "@                   MX   10 mail.example.com.\n\
              2026q4._domainkey   TXT  \"v=DKIM1; k=rsa; p=<2048-bit RSA key (1/2)>\" \"<2048-bit RSA key (2/2)>\"",
        good: "@                   MX   10 mail.example.com.\n\
               google._domainkey   TXT  \"v=DKIM1; k=rsa; p=<2048-bit RSA key (1/2)>\" \"<2048-bit RSA key (2/2)>\"",
    },
};

/// A key record's syntax is broken.
pub static DKIM_SYNTAX: Rule = Rule {
    id: "dkim-syntax",
    section: Section::Dkim,
    severity: Severity::Error,
    summary: "A DKIM key record does not follow the key-record syntax (RFC 6376 §3.6.1).",
    rationale: "Verifiers ignore a key record they cannot read, and every signature made with \
                the key then fails. Errors: v= present but not the first tag, or not exactly \
                DKIM1; a tag that appears twice (the whole tag list is then invalid, RFC 6376 \
                §3.2); no p= tag; a part that is not tag=value; an empty h=, s= or t=; an h= \
                that names no hash algorithm verifiers know (unknown names are ignored, so the \
                key verifies nothing). Tag names and values are case-sensitive (RFC 6376 \
                §3.2): `v=dkim1` is a wrong version and `V=DKIM1` an unknown tag. Warnings: an \
                s= that names no known service type (email, tlsrpt, *), which makes mail \
                verifiers ignore the key although another protocol may use it; a malformed or \
                empty item inside an h=, s= or t= list (`sha 256`), which verifiers skip \
                (what is left is judged as usual: `h=sha1:sha 256` allows only sha1). Policy \
                choices: \
                a trailing `; ` is tolerated, as every verifier does; unknown tags, including \
                g= from RFC 4871, which RFC 6376 no longer defines, are ignored.",
    fix: "Write the record as `v=DKIM1; k=rsa; p=<base64 key>` (k=ed25519 for an ed25519 \
          key), each tag once, v= first, values in lower case, and check it with \
          `mailcheck record dkim '<TEXT>'` before publishing.",
    references: &["RFC 6376 §3.2", "RFC 6376 §3.6.1", "RFC 8463 §4.2"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dkim),
        bad: "k=rsa; v=DKIM1; p=<2048-bit RSA key>",
        good: "v=DKIM1; k=rsa; p=<2048-bit RSA key>",
    },
};

/// Several TXT records at one selector.
pub static DKIM_MULTIPLE_RECORDS: Rule = Rule {
    id: "dkim-multiple-records",
    section: Section::Dkim,
    severity: Severity::Error,
    summary: "More than one TXT record is published at a DKIM selector.",
    rationale: "RFC 6376 §3.6.2.2 requires the TXT record at a selector to be unique; with \
                several, the result is undefined. Verifiers pick one of them or give up, so \
                signatures verify only some of the time. It usually comes from a key rotation \
                that added the new key next to the old one instead of under a new selector.",
    fix: "Keep exactly one TXT record at the selector. Publish a new key under a new selector, \
          switch signing to it, then revoke the old selector with an empty p=.",
    references: &["RFC 6376 §3.6.2.2"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Zone,
        bad: "google._domainkey  TXT  \"v=DKIM1; k=rsa; p=<1024-bit RSA key>\"\n\
              google._domainkey  TXT  \"v=DKIM1; k=rsa; p=<2048-bit RSA key (1/2)>\" \"<2048-bit RSA key (2/2)>\"",
        good: "google._domainkey  TXT  \"v=DKIM1; k=rsa; p=<2048-bit RSA key (1/2)>\" \"<2048-bit RSA key (2/2)>\"",
    },
};

/// p= is not a usable key.
pub static DKIM_KEY_INVALID: Rule = Rule {
    id: "dkim-key-invalid",
    section: Section::Dkim,
    severity: Severity::Error,
    summary: "The p= of a DKIM key record is not a usable public key: not base64, not a \
              public key, or not of the k= type.",
    rationale: "p= is the base64 of the public key: for rsa a DER SubjectPublicKeyInfo \
                (RFC 6376 §3.6.1 and Appendix C), for ed25519 the bare 32-byte key (RFC 8463 \
                §4.2). A value that is not base64, that decodes to something that is not a key \
                (often a key cut short while splitting it into 255-byte strings), or a key of \
                another algorithm than k= says makes every signature fail. Errors also: an even \
                RSA modulus, or a public exponent that is even or below 3. Warnings (some \
                verifiers fail the key, others accept it), a policy choice: a bare PKCS#1 \
                RSAPublicKey, which RFC 6376 §3.6.1's wording allows but OpenDKIM and other \
                verifiers do not read (Erratum 3017); an RSA key over 4096 bits, more than \
                RFC 8301 §3.2 requires verifiers to handle; a public exponent over 32 bits.",
    fix: "Publish the key exactly as generated: for rsa, `openssl rsa -in private.key -pubout \
          -outform der | openssl base64 -A`; for ed25519, the last 32 bytes of the DER public \
          key in base64, with k=ed25519. Split a long key into several quoted strings of at \
          most 255 bytes in one TXT record, and check that nothing was lost.",
    references: &[
        "RFC 6376 §3.6.1",
        "RFC 6376 Appendix C",
        "RFC 6376 Erratum 3017",
        "RFC 8463 §4.2",
        "RFC 8301 §3.2",
        "RFC 5280 §4.1.2.7",
        "RFC 8017 §A.1.1",
    ],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dkim),
        bad: "v=DKIM1; k=ed25519; p=MCowBQYDK2VwAyEAkx3KAX30WrUv7+FsuExu9bHolYcFA+KVfLw4X34Iqeo=",
        good: "v=DKIM1; k=ed25519; p=kx3KAX30WrUv7+FsuExu9bHolYcFA+KVfLw4X34Iqeo=",
    },
};

/// k= names a key type verifiers do not know.
pub static DKIM_UNKNOWN_KEY_TYPE: Rule = Rule {
    id: "dkim-unknown-key-type",
    section: Section::Dkim,
    severity: Severity::Error,
    summary: "A DKIM key record names a key type (k=) other than rsa or ed25519.",
    rationale: "Verifiers must ignore a key whose type they do not know (RFC 6376 §3.6.1), so \
                every signature made with it fails. The key types defined are rsa (RFC 6376) \
                and ed25519 (RFC 8463). Values are case-sensitive: k=RSA is not rsa, and a \
                signing algorithm such as ed25519-sha256 is not a key type.",
    fix: "Write k=rsa for an RSA key (or leave k= out: rsa is the default), or k=ed25519 for an \
          ed25519 key.",
    references: &["RFC 6376 §3.6.1", "RFC 8463 §4.2"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dkim),
        bad: "v=DKIM1; k=ed25519-sha256; p=kx3KAX30WrUv7+FsuExu9bHolYcFA+KVfLw4X34Iqeo=",
        good: "v=DKIM1; k=ed25519; p=kx3KAX30WrUv7+FsuExu9bHolYcFA+KVfLw4X34Iqeo=",
    },
};

/// p= is empty: the key is revoked.
pub static DKIM_KEY_REVOKED: Rule = Rule {
    id: "dkim-key-revoked",
    section: Section::Dkim,
    severity: Severity::Info,
    summary: "A DKIM selector publishes a revoked key (empty p=).",
    rationale: "An empty p= means the key has been revoked (RFC 6376 §3.6.1): signatures made \
                with it fail (RFC 6376 §6.1.2). That is the right end of a key rotation, so for \
                a selector found by discovery (and in record mode) it is information. For a \
                selector named with --selector it is an error: it was named because mail is \
                signed with it, and that mail fails DKIM. Policy choice: an empty p= is a \
                revocation whatever the other tags say (some parsers call such a record \
                invalid or merely parse it; the effect on signatures is the same).",
    fix: "If mail is still signed with this selector, publish the current key under a new \
          selector and switch signing to it. If nothing signs with it, there is nothing to do.",
    references: &["RFC 6376 §3.6.1", "RFC 6376 §6.1.2"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dkim),
        bad: "v=DKIM1; k=rsa; p=",
        good: "v=DKIM1; k=rsa; p=<2048-bit RSA key>",
    },
};

/// The fix for a short RSA key: a new 2048-bit key under a new selector, then revocation.
const ROTATE_TO_2048: &str = "Generate a 2048-bit key (`openssl genrsa -out new.key 2048`), \
                              publish its public key under a new selector, switch signing to \
                              that selector, then revoke the old key by publishing its \
                              selector with an empty p=.";

/// An RSA key under 1024 bits.
pub static DKIM_KEY_TOO_SHORT: Rule = Rule {
    id: "dkim-key-too-short",
    section: Section::Dkim,
    severity: Severity::Error,
    summary: "A DKIM RSA key is shorter than 1024 bits.",
    rationale: "RFC 8301 §3.2: verifiers MUST NOT consider signatures using RSA keys of less \
                than 1024 bits valid, so every signature made with this key fails. Such keys \
                can also be factored cheaply (512-bit RSA falls in hours on rented machines), \
                after which anyone can sign mail as the domain.",
    fix: ROTATE_TO_2048,
    references: &["RFC 8301 §3.2", "RFC 6376 §3.3.3"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dkim),
        bad: "v=DKIM1; k=rsa; p=<512-bit RSA key>",
        good: "v=DKIM1; k=rsa; p=<2048-bit RSA key>",
    },
};

/// An RSA key under 2048 bits.
pub static DKIM_KEY_WEAK: Rule = Rule {
    id: "dkim-key-weak",
    section: Section::Dkim,
    severity: Severity::Warning,
    summary: "A DKIM RSA key is shorter than 2048 bits.",
    rationale: "RFC 8301 §3.2: signers SHOULD use RSA keys of at least 2048 bits. A 1024-bit \
                key still verifies, but 1024-bit RSA has been disallowed for new signatures by \
                NIST since 2013 (SP 800-131A) and is within reach of well-funded attackers; a \
                DKIM key often stays published for years.",
    fix: ROTATE_TO_2048,
    references: &["RFC 8301 §3.2", "NIST SP 800-131A Rev. 2 §3"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dkim),
        bad: "v=DKIM1; k=rsa; p=<1024-bit RSA key>",
        good: "v=DKIM1; k=rsa; p=<2048-bit RSA key>",
    },
};

/// t=y: testing mode.
pub static DKIM_TESTING_MODE: Rule = Rule {
    id: "dkim-testing-mode",
    section: Section::Dkim,
    severity: Severity::Warning,
    summary: "A DKIM key record sets t=y (testing mode).",
    rationale: "t=y says the domain is testing DKIM: verifiers must not treat its messages \
                differently from unsigned mail, even when the signature verifies (RFC 6376 \
                §3.6.1). Left on after testing, it asks receivers to give the signatures no \
                weight, which is the opposite of why they are there.",
    fix: "Once signatures verify (look at the Authentication-Results header of a message you \
          sent), remove y from t= (keep t=s if you use it) or remove t= altogether.",
    references: &["RFC 6376 §3.6.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dkim),
        bad: "v=DKIM1; k=rsa; t=y; p=<2048-bit RSA key>",
        good: "v=DKIM1; k=rsa; p=<2048-bit RSA key>",
    },
};

/// h= allows only sha1.
pub static DKIM_SHA1_ONLY: Rule = Rule {
    id: "dkim-sha1-only",
    section: Section::Dkim,
    severity: Severity::Warning,
    summary: "A DKIM key record's h= allows only the sha1 hash algorithm.",
    rationale: "RFC 8301 §3.1: rsa-sha1 MUST NOT be used for signing or verifying, and \
                signatures made with it have permanently failed. A key restricted to sha1 by h= \
                can therefore verify nothing that a current verifier accepts: its signer is \
                either using sha1 (failing everywhere RFC 8301 is followed) or being refused by \
                the key.",
    fix: "Remove h= (the default allows every algorithm) or write h=sha256, and make sure the \
          signer uses rsa-sha256 (or ed25519-sha256).",
    references: &["RFC 8301 §3.1", "RFC 6376 §3.6.1"],
    example: crate::finding::Example {
        kind: crate::finding::ExampleKind::Record(crate::finding::RecordKind::Dkim),
        bad: "v=DKIM1; k=rsa; h=sha1; p=<2048-bit RSA key>",
        good: "v=DKIM1; k=rsa; h=sha256; p=<2048-bit RSA key>",
    },
};

/// Where a key record was found, for the words of its findings.
#[derive(Clone, Debug)]
pub(crate) struct KeyContext<'a> {
    /// What the findings are about: the selector's name, or the record in record mode.
    pub subject: String,
    /// The selector and domain, when the record comes from DNS.
    pub selector: Option<(&'a str, &'a Name)>,
    /// Whether the selector was named with `--selector` (a revoked key is then an error).
    pub named: bool,
    /// The name the record is really published at, when the selector is an alias: the key is
    /// then the provider's to change.
    pub alias_of: Option<&'a Name>,
}

impl KeyContext<'_> {
    /// The context of record mode: no DNS, no selector.
    pub fn record_mode() -> KeyContext<'static> {
        KeyContext {
            subject: "DKIM key record".to_owned(),
            selector: None,
            named: false,
            alias_of: None,
        }
    }
}

/// Record mode: every finding about one key record, with no DNS and no selector.
pub fn check_record(key: &DkimRecord) -> Vec<Finding> {
    let mut findings = super::findings::Findings::default();
    // The character-strings as written, judged as `record spf` judges them.
    super::txt::check_strings(&key.txt, Section::Dkim, &mut findings);
    for finding in check_key(key, &KeyContext::record_mode()) {
        findings.push(finding);
    }
    findings.into_list()
}

/// Every finding about one key record, in a fixed order: syntax, key type, key material,
/// revocation, key size, flags.
pub(crate) fn check_key(key: &DkimRecord, context: &KeyContext<'_>) -> Vec<Finding> {
    let text = key.txt.text.as_str();
    let record = &key.parsed;
    let analysis = &key.analysis;
    let subject = &context.subject;
    let mut findings = Vec::new();

    // Every problem is reported, even when an earlier one already makes the record unusable:
    // the user fixes them all in one go.

    for problem in &record.errors {
        findings.push(
            Finding::new(&DKIM_SYNTAX, subject, problem.message.clone())
                .with_excerpt(text, problem.span),
        );
    }
    for problem in &record.warnings {
        findings.push(
            Finding::new(&DKIM_SYNTAX, subject, problem.message.clone())
                .with_severity(Severity::Warning)
                .with_excerpt(text, problem.span),
        );
    }

    findings.extend(unknown_key_type(text, record, subject));

    for problem in &analysis.problems {
        let mut finding = Finding::new(&DKIM_KEY_INVALID, subject, problem.message.clone())
            .with_severity(problem.severity)
            .with_excerpt(text, problem.span);
        if let Some(fix) = &problem.fix {
            finding = finding.with_fix(fix.clone());
        }
        findings.push(finding);
    }

    match &analysis.material {
        KeyMaterial::Revoked => {
            findings.push(revoked(text, record, context));
            // t= and h= of a revoked key no longer matter.
            return findings;
        }
        KeyMaterial::Rsa { bits, encoding, .. } => {
            check_rsa_size(*bits, *encoding, context, text, record, &mut findings);
        }
        _ => {}
    }

    // RFC 6376 §3.6.1: t=y asks verifiers to treat signed mail as unsigned.
    if record.is_testing() {
        let span = record
            .flags
            .iter()
            .find(|flag| flag.value == parser::Flag::Testing)
            .map_or_else(Default::default, |flag| flag.span);
        findings.push(
            Finding::new(
                &DKIM_TESTING_MODE,
                subject,
                format!(
                    "{subject} is in testing mode (t=y): verifiers must treat its signed mail \
                     like unsigned mail (RFC 6376 §3.6.1)"
                ),
            )
            .with_excerpt(text, span),
        );
    }
    if record.is_sha1_only() {
        let span = record.hashes_span.unwrap_or_default();
        findings.push(
            Finding::new(
                &DKIM_SHA1_ONLY,
                subject,
                format!(
                    "{subject} allows only sha1 (h=), which RFC 8301 §3.1 forbids for signing \
                     and verifying: current verifiers fail every signature with this key"
                ),
            )
            .with_excerpt(text, span),
        );
    }
    findings
}

/// dkim-unknown-key-type, with a hint for the usual mistakes.
fn unknown_key_type(text: &str, record: &parser::KeyRecord, subject: &str) -> Option<Finding> {
    let tag = record.key_type_tag.as_ref()?;
    let KeyType::Unknown(name) = &tag.value else {
        return None;
    };
    if name.is_empty() {
        // An empty k= is a syntax error, reported as such.
        return None;
    }
    let hint = if name.eq_ignore_ascii_case("rsa") || name.eq_ignore_ascii_case("ed25519") {
        format!(
            " (key types are case-sensitive: write {})",
            name.to_lowercase()
        )
    } else if name.starts_with("ed25519") || name.starts_with("rsa-") {
        " (that is a signing algorithm; the key type is rsa or ed25519)".to_owned()
    } else {
        String::new()
    };
    Some(
        Finding::new(
            &DKIM_UNKNOWN_KEY_TYPE,
            subject,
            format!(
                "k={name} is not a key type verifiers know{hint}; they ignore the key \
                 (RFC 6376 §3.6.1), so every signature made with it fails"
            ),
        )
        .with_excerpt(text, tag.span),
    )
}

/// dkim-key-revoked: information, or an error for a selector named with --selector.
fn revoked(text: &str, record: &parser::KeyRecord, context: &KeyContext<'_>) -> Finding {
    let subject = &context.subject;
    let span = record
        .public_key
        .as_ref()
        .map_or_else(Default::default, |tag| tag.span);
    let finding = if context.named {
        Finding::new(
            &DKIM_KEY_REVOKED,
            subject,
            format!(
                "{subject} publishes a revoked key (empty p=): mail signed with this \
                 selector fails DKIM"
            ),
        )
        .with_severity(Severity::Error)
    } else {
        Finding::new(
            &DKIM_KEY_REVOKED,
            subject,
            format!(
                "{subject} publishes a revoked key (empty p=): signatures made with it \
                 fail, which is right if nothing signs with it any more"
            ),
        )
    };
    finding.with_excerpt(text, span)
}

/// dkim-key-too-short and dkim-key-weak, with a fix that says what to publish instead.
fn check_rsa_size(
    bits: usize,
    encoding: RsaEncoding,
    context: &KeyContext<'_>,
    text: &str,
    record: &parser::KeyRecord,
    findings: &mut Vec<Finding>,
) {
    if bits >= RSA_RECOMMENDED_BITS {
        return;
    }
    let subject = &context.subject;
    let short = RSA_RECOMMENDED_BITS - bits;
    let span = record
        .public_key
        .as_ref()
        .map_or_else(Default::default, |tag| tag.span);
    let fix = rotation_fix(context);
    let pkcs1 = if encoding == RsaEncoding::Pkcs1 {
        " (bare PKCS#1)"
    } else {
        ""
    };
    let finding = if bits < RSA_MINIMUM_BITS {
        Finding::new(
            &DKIM_KEY_TOO_SHORT,
            subject,
            format!(
                "{subject} publishes an rsa {bits}-bit key{pkcs1}: verifiers must reject \
                 signatures made with keys under {RSA_MINIMUM_BITS} bits (RFC 8301 §3.2), and \
                 it is {short} bits short of the {RSA_RECOMMENDED_BITS} recommended"
            ),
        )
    } else {
        Finding::new(
            &DKIM_KEY_WEAK,
            subject,
            format!(
                "{subject} publishes an rsa {bits}-bit key{pkcs1}: {short} bits short of the \
                 {RSA_RECOMMENDED_BITS} bits RFC 8301 §3.2 says signers should use"
            ),
        )
    };
    findings.push(finding.with_fix(fix).with_excerpt(text, span));
}

/// What to publish instead of a short RSA key, for this selector.
fn rotation_fix(context: &KeyContext<'_>) -> String {
    if let Some(target) = context.alias_of {
        return format!(
            "This key is published by your email provider at {target} (the selector is a \
             CNAME to it): rotate to a 2048-bit key in the provider's DKIM settings, or ask the \
             provider to; the CNAME keeps working. If the provider offers no 2048-bit key, \
             consider another provider for signing."
        );
    }
    let (old, new) = match context.selector {
        Some((selector, domain)) => (
            format!("{selector}._domainkey.{domain}"),
            format!("{selector}-rsa2048._domainkey.{domain}"),
        ),
        None => (
            "OLD._domainkey.<domain>".to_owned(),
            "NEW._domainkey.<domain>".to_owned(),
        ),
    };
    format!(
        "Generate a 2048-bit key (`openssl genrsa -out new.key 2048`; its p= value is \
         `openssl rsa -in new.key -pubout -outform der | openssl base64 -A`), publish it under \
         a new selector as `{new}. TXT \"v=DKIM1; k=rsa; \" \"p=…\"` (a 2048-bit key is about \
         400 characters: split p= into strings of at most 255 bytes), switch your signer to \
         the new selector, and once mail signed with the old key has been delivered, revoke it \
         with `{old}. TXT \"v=DKIM1; k=rsa; p=\"`."
    )
}

/// The DKIM checks of an audit.
pub(super) fn check(facts: &Facts, findings: &mut Findings) {
    let dkim = &facts.dkim;
    let domain = &facts.domain.ascii;
    // Failed lookups first: they say "not verified", and the checks below stay silent about
    // what they could not see (a failed probe is never a missing key).
    match dkim.mode {
        // A few named selectors: one finding per selector, naming it.
        SelectorMode::Named => {
            for selector in &dkim.selectors {
                let mut lookups: Vec<&dyn super::lookup::AsFailure> = vec![&selector.txt];
                if let Some(cname) = &selector.cname {
                    lookups.push(cname);
                }
                findings.lookups_failed(
                    Section::Dkim,
                    &lookups,
                    &format!("the DKIM key of selector {} was", selector.selector),
                );
            }
            findings.lookups_failed(
                Section::Dkim,
                &[&dkim.domainkey],
                "the check whether any DKIM selector exists was",
            );
        }
        // Dozens of probes: one finding for all their failures.
        SelectorMode::Discovery => report_discovery_failures(dkim, domain, findings),
    }

    // Probed selectors that are aliases of names without a key: the provider's half of the
    // setup is missing. They count as "found something", so the general warning stays quiet.
    let mut dangling = 0;
    for selector in &dkim.selectors {
        match &selector.txt {
            // A wildcard's answer, not a key of this selector's own.
            Lookup::Found(_) if dkim.is_wildcard_answer(selector) => {}
            Lookup::Found(records) => {
                check_selector(selector, records, domain, dkim.mode, findings);
            }
            // Absent: an error for a selector named on purpose; for a probe, only worth saying
            // when the name is an alias (most probes are simply names nobody uses).
            Lookup::Absent(absence) => {
                let alias = selector.cname.as_ref().and_then(Lookup::found);
                if dkim.mode == SelectorMode::Named || alias.is_some() {
                    dangling += usize::from(alias.is_some());
                    findings.push(missing_selector(
                        selector, *absence, alias, dkim.mode, domain,
                    ));
                }
            }
            Lookup::Failed(_) => {}
        }
    }

    // A wildcard that publishes a key serves every selector: check that key once.
    if let Some(records) = dkim.wildcard_key() {
        let context = KeyContext {
            subject: format!("*._domainkey.{domain}"),
            selector: None,
            named: false,
            alias_of: None,
        };
        for record in records {
            for finding in check_key(record, &context) {
                findings.push(finding);
            }
        }
    }

    // Discovery found nothing: a warning, unless a probe failed (then nothing is known), or
    // the domain itself does not exist (mx-missing says so already).
    let any_found = dkim.selectors.iter().any(|s| dkim.key_records(s).is_some())
        || dkim.wildcard_key().is_some();
    let any_failed = dkim.selectors.iter().any(|s| s.txt.failure().is_some());
    let domain_missing = matches!(facts.mx.records, Lookup::Absent(Absence::NxDomain));
    if dkim.mode == SelectorMode::Discovery
        && !facts.spf.sends_no_mail()
        && !any_found
        && !any_failed
        && dangling == 0
        && !domain_missing
    {
        findings.push(nothing_discovered(dkim, domain));
    }
}

/// The records of one selector that has some.
fn check_selector(
    selector: &DkimSelector,
    records: &[DkimRecord],
    domain: &Name,
    mode: SelectorMode,
    findings: &mut Findings,
) {
    let subject = selector.shown_name();
    if records.len() > 1 {
        let at = if selector.cname_chain.is_empty() {
            String::new()
        } else {
            format!(" (at {}, its CNAME target)", selector.target())
        };
        findings.push(Finding::new(
            &DKIM_MULTIPLE_RECORDS,
            &subject,
            format!(
                "{subject} has {} TXT records{at}; RFC 6376 §3.6.2.2 leaves the result undefined, \
                 so verifiers may use either key or none",
                records.len()
            ),
        ));
    }
    let context = KeyContext {
        subject,
        selector: Some((&selector.selector, domain)),
        named: mode == SelectorMode::Named,
        alias_of: selector.cname_chain.last(),
    };
    for record in records {
        for finding in check_key(record, &context) {
            findings.push(finding);
        }
    }
}

/// A selector without a key: named with --selector (error), or probed and an alias of a name
/// without a key (warning).
fn missing_selector(
    selector: &DkimSelector,
    absence: Absence,
    alias: Option<&Name>,
    mode: SelectorMode,
    domain: &Name,
) -> Finding {
    let name = &selector.shown_name();
    let what = match (alias, absence) {
        (Some(target), _) => format!(
            "{name} is an alias (CNAME) of {target}, which has no TXT record: the key your \
             provider should publish there is missing"
        ),
        (None, Absence::NxDomain) => format!("{name} does not exist (NXDOMAIN): no key"),
        (None, Absence::NoData) => format!("{name} has no TXT record: no key"),
    };
    let (message, severity) = match mode {
        SelectorMode::Named => (
            format!(
                "{what}; mail signed with s={} fails DKIM",
                selector.selector
            ),
            Severity::Error,
        ),
        SelectorMode::Discovery => (what, Severity::Warning),
    };
    let fix = match alias {
        Some(target) => format!(
            "Check the CNAME target against your provider's DKIM instructions (a typo, or DKIM \
             not yet enabled in the provider's settings, leaves {target} empty); once the \
             provider publishes the key there, signatures verify."
        ),
        None => format!(
            "Publish the selector's public key: `{name}. TXT \"v=DKIM1; k=rsa; p=<base64 \
             key>\"` (or the CNAME your provider gives you); if the selector is retired, stop \
             signing with s={}. A typo is common: compare with the s= tag in the \
             DKIM-Signature header of mail you sent from {domain}.",
            selector.selector
        ),
    };
    Finding::new(&DKIM_NO_KEY_FOUND, name, message)
        .with_severity(severity)
        .with_fix(fix)
}

/// Discovery found no key at any probed selector, and every probe was answered: a missing
/// key when nothing exists under `_domainkey` (or that cannot be told), but only information
/// when names exist there that were not probed (NODATA) or a wildcard answers every name.
fn nothing_discovered(dkim: &DkimFacts, domain: &Name) -> Finding {
    let probed = dkim.selectors.len();
    let none = format!("none of the {probed} common selectors probed has a DKIM key at {domain}");
    let subject = format!("_domainkey.{domain}");
    let name_it = format!(
        "Name the selector to check its key: `mailcheck --selector <selector> {domain}`; the \
         selector is the s= tag of the DKIM-Signature header in a message sent from {domain} \
         (open a received message's headers)."
    );
    // A wildcard (the probe of a name no one uses exists, with TXT records or without):
    // every name exists, so probing cannot tell which selectors are real.
    if dkim.wildcard_answers() {
        return Finding::new(
            &DKIM_SELECTORS_NOT_PROBED,
            subject,
            format!(
                "{none}; a wildcard answers every name under _domainkey.{domain}, so probing \
                 cannot tell which selectors {domain} uses: its keys can only be checked by \
                 naming a selector"
            ),
        )
        .with_fix(name_it);
    }
    let mut message = none;
    match &dkim.domainkey {
        Lookup::Absent(Absence::NoData) => {
            return Finding::new(
                &DKIM_SELECTORS_NOT_PROBED,
                subject,
                format!(
                    "{message}, but _domainkey.{domain} exists with no records of its own \
                     (NODATA), so names are published below it: {domain} uses selectors \
                     other than the common names probed"
                ),
            )
            .with_fix(name_it);
        }
        Lookup::Absent(Absence::NxDomain) => {
            let _ = write!(
                message,
                ", and _domainkey.{domain} does not exist (NXDOMAIN), so no selector of any \
                 name has one (RFC 8020): mail from {domain} cannot pass DKIM"
            );
        }
        // TXT records at _domainkey itself (an old DomainKeys policy such as o=~) say
        // nothing about the names below it.
        Lookup::Found(_) => {
            let _ = write!(
                message,
                "; _domainkey.{domain} has TXT records of its own, which say nothing of the \
                 selectors below it: if {domain} signs its mail, name the selector with \
                 --selector"
            );
        }
        Lookup::Failed(_) => {}
    }
    Finding::new(&DKIM_NO_KEY_FOUND, subject, message).with_fix(format!(
        "If {domain} sends mail, turn on DKIM signing where it is sent and publish the key at \
         <selector>._domainkey.{domain} as the provider says; if keys are published under \
         other selectors, check them with `mailcheck --selector <selector> {domain}` (the s= \
         tag of a DKIM-Signature header in your sent mail names the selector)."
    ))
}

/// Discovery asks dozens of questions; their failures make one finding, not dozens.
fn report_discovery_failures(dkim: &DkimFacts, domain: &Name, findings: &mut Findings) {
    let mut failures: Vec<&Failure> = Vec::new();
    failures.extend(dkim.domainkey.failure());
    failures.extend(dkim.wildcard.as_ref().and_then(Lookup::failure));
    for selector in &dkim.selectors {
        failures.extend(selector.txt.failure());
        failures.extend(selector.cname.as_ref().and_then(Lookup::failure));
    }
    failures.retain(|failure| {
        findings
            .reported_failures
            .insert((failure.name.clone(), failure.rtype))
    });
    let Some(first) = failures.first() else {
        return;
    };
    let mut by_outcome: BTreeMap<&'static str, usize> = BTreeMap::new();
    for failure in &failures {
        *by_outcome
            .entry(outcome_words(&failure.outcome))
            .or_default() += 1;
    }
    let breakdown: Vec<String> = by_outcome
        .iter()
        .map(|(words, count)| format!("{count} {words}"))
        .collect();
    let examples: Vec<String> = failures
        .iter()
        .take(3)
        .map(|failure| failure.name.to_string())
        .collect();
    let total = dkim.selectors.len() + 1 + usize::from(dkim.wildcard.is_some());
    let any_found = dkim.selectors.iter().any(|s| dkim.key_records(s).is_some());
    let consequence = if any_found {
        "the keys of those selectors were not verified"
    } else {
        "no key was found among the selectors that answered, so whether the domain publishes \
         DKIM keys was not verified"
    };
    findings.push(
        Finding::new(
            &super::lookup::DNS_LOOKUP_FAILED,
            format!("_domainkey.{domain}"),
            format!(
                "{} of the {total} DKIM discovery lookups failed ({}; e.g. {}); {consequence}",
                failures.len(),
                breakdown.join(", "),
                examples.join(", ")
            ),
        )
        .in_section(Section::Dkim)
        .with_fix(format!(
            "Check that the name servers answer `dig {} {}`, fix them if they do not, and run \
             mailcheck again (--timeout and --retries give a slow network more time).",
            first.name, first.rtype
        )),
    );
}

fn outcome_words(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Timeout => "timed out",
        Outcome::ServFail => "answered SERVFAIL",
        Outcome::Refused => "answered REFUSED",
        _ => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dkim::key::KeyStatus;
    use crate::txt::TxtRecord;

    fn record_of(text: &str) -> DkimRecord {
        DkimRecord::new(TxtRecord::new(vec![text.as_bytes().to_vec()]))
    }

    fn rules_of(text: &str) -> Vec<(&'static str, Severity)> {
        check_key(&record_of(text), &KeyContext::record_mode())
            .iter()
            .map(|finding| (finding.rule, finding.severity))
            .collect()
    }

    fn key(name: &str) -> String {
        let path = format!("{}/fixtures/dkim-keys/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path).unwrap().trim().to_owned()
    }

    #[test]
    fn a_good_key_has_no_findings() {
        assert!(rules_of(&format!("v=DKIM1; k=rsa; p={}", key("rsa2048.spki.b64"))).is_empty());
        assert!(rules_of(&format!("v=DKIM1; k=ed25519; p={}", key("ed25519.raw.b64"))).is_empty());
    }

    #[test]
    fn sizes() {
        assert_eq!(
            rules_of(&format!("p={}", key("rsa512.spki.b64"))),
            [("dkim-key-too-short", Severity::Error)]
        );
        assert_eq!(
            rules_of(&format!("p={}", key("rsa1024.spki.b64"))),
            [("dkim-key-weak", Severity::Warning)]
        );
        let findings = check_record(&record_of(&format!("p={}", key("rsa1024.spki.b64"))));
        assert!(findings[0].message.contains("1024 bits short of the 2048"));
        assert!(findings[0].fix.contains("openssl genrsa -out new.key 2048"));
    }

    #[test]
    fn revoked_depends_on_how_the_selector_was_chosen() {
        assert_eq!(
            rules_of("v=DKIM1; p="),
            [("dkim-key-revoked", Severity::Info)]
        );
        let named = KeyContext {
            named: true,
            ..KeyContext::record_mode()
        };
        let findings = check_key(&record_of("v=DKIM1; t=y; p="), &named);
        assert_eq!(findings.len(), 1, "t= of a revoked key does not matter");
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(record_of("v=DKIM1; t=y; p=").status, KeyStatus::Revoked);
    }

    #[test]
    fn flags_and_hashes() {
        let ed = key("ed25519.raw.b64");
        assert_eq!(
            rules_of(&format!("k=ed25519; t=y; h=sha1; p={ed}")),
            [
                ("dkim-testing-mode", Severity::Warning),
                ("dkim-sha1-only", Severity::Warning)
            ]
        );
        assert!(rules_of(&format!("k=ed25519; t=s; h=sha1:sha256; p={ed}")).is_empty());
    }

    #[test]
    fn unknown_key_type_and_syntax() {
        assert_eq!(
            rules_of("k=RSA; p=AAAA"),
            [("dkim-unknown-key-type", Severity::Error)]
        );
        let findings = check_key(
            &record_of("k=ed25519-sha256; p="),
            &KeyContext::record_mode(),
        );
        assert!(findings[0].message.contains("signing algorithm"));
        assert_eq!(
            rules_of("v=DKIM1; p=; p="),
            [
                ("dkim-syntax", Severity::Error),
                ("dkim-key-revoked", Severity::Info)
            ]
        );
        assert_eq!(record_of("v=DKIM1; p=; p=").status, KeyStatus::Invalid);
    }

    #[test]
    fn weak_key_behind_a_cname_is_the_providers() {
        let target = Name::new("s1.esp.test");
        let domain = Name::new("example.test");
        let context = KeyContext {
            subject: "s1._domainkey.example.test".to_owned(),
            selector: Some(("s1", &domain)),
            named: false,
            alias_of: Some(&target),
        };
        let findings = check_key(
            &record_of(&format!("p={}", key("rsa1024.spki.b64"))),
            &context,
        );
        assert!(
            findings[0]
                .fix
                .contains("published by your email provider at s1.esp.test")
        );
        let own = KeyContext {
            alias_of: None,
            ..context
        };
        let findings = check_key(&record_of(&format!("p={}", key("rsa1024.spki.b64"))), &own);
        assert!(
            findings[0]
                .fix
                .contains("s1-rsa2048._domainkey.example.test")
        );
        assert!(
            findings[0]
                .fix
                .contains("s1._domainkey.example.test. TXT \"v=DKIM1; k=rsa; p=\"")
        );
    }

    /// The status stored with a key record (computed once when gathered, read by the report)
    /// and the rules agree: invalid exactly when a rule raises an error other than a
    /// revocation, revoked exactly when the only such finding is the revocation.
    #[test]
    fn stored_status_agrees_with_the_rules() {
        let rsa512 = key("rsa512.spki.b64");
        let rsa1024 = key("rsa1024.spki.b64");
        let rsa2048 = key("rsa2048.spki.b64");
        let ed = key("ed25519.raw.b64");
        let texts = [
            format!("v=DKIM1; k=rsa; p={rsa2048}"),
            format!("v=DKIM1; k=rsa; p={rsa1024}"),
            format!("v=DKIM1; k=rsa; p={rsa512}"),
            format!("v=DKIM1; k=ed25519; p={ed}"),
            format!("v=DKIM1; k=ed25519; t=y; h=sha1; p={ed}"),
            format!("k=RSA; p={rsa2048}"),
            format!("v=DKIM1; k=ed25519; p={rsa2048}"),
            format!("v=DKIM1; p={}", &rsa2048[..rsa2048.len() / 2]),
            "v=DKIM1; p=".to_owned(),
            "v=DKIM1; t=y; p=".to_owned(),
            "v=DKIM1; p=; p=".to_owned(),
            "v=DKIM1; k=ed25519-sha256; p=".to_owned(),
            "v=DKIM1; k=; p=AAAA".to_owned(),
            "v=DKIM1; k=rsa".to_owned(),
            "p=not base64!".to_owned(),
            "v=DKIM2; p=".to_owned(),
            "garbage".to_owned(),
            String::new(),
        ];
        for text in texts {
            let record = record_of(&text);
            let findings = check_record(&record);
            let error = findings.iter().any(|f| {
                // A string over 255 octets is about how the text is written, not the key.
                f.severity == Severity::Error
                    && f.rule != DKIM_KEY_REVOKED.id
                    && f.rule != super::super::zone::ZONE_TXT_STRING_TOO_LONG.id
            });
            let revoked = findings.iter().any(|f| f.rule == DKIM_KEY_REVOKED.id);
            let expected = if error {
                KeyStatus::Invalid
            } else if revoked {
                KeyStatus::Revoked
            } else {
                KeyStatus::Usable
            };
            assert_eq!(record.status, expected, "{text}");
        }
    }
}
