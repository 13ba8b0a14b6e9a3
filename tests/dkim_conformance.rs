//! mailcheck's DKIM key-record checks against the expectations of four other implementations:
//! `../shared/conformance/dkim/dkim-key-record-vectors.json` (mox, Mail::DKIM, dkimpy,
//! mail-auth; see `../shared/conformance/README.md`).
//!
//! Each record is checked exactly as `mailcheck record dkim '<TEXT>'` checks it, and reduced to
//! a verdict: usable (no error), revoked (empty p=, nothing else wrong) or invalid (an error).
//! Each source's expectation, in its own words, is reduced the same way by fixed rules
//! ([`expected`]; an expectation the rules do not know fails the test). Then every vector is
//! one of:
//! - agree: same verdict;
//! - agree by size: same verdict, but only because mailcheck rejects the vector's RSA key as
//!   shorter than 1024 bits (RFC 8301 §3.2), where the source rejects it for another reason;
//! - disagree: a different verdict;
//! - not applicable: the vector is a DNS outcome, not a record text.
//!
//! Every vector that is not a plain agreement is pinned in [`PINS`] with its reason, and every
//! pin must still match: a change in mailcheck that moves a vector fails the test until the
//! pin (and the rule docs that state the policy) are updated.
//!
//! The data lives outside the repository (it is not ours to copy): `../shared/conformance`
//! beside the clone, or wherever `MAILCHECK_CONFORMANCE_DIR` points. Where it is absent the
//! test prints one line saying it skipped the vectors, and passes; where `CI=true` or
//! `MAILCHECK_REQUIRE_CONFORMANCE=1`, it fails instead, so that CI never passes without them
//! (`support/conformance.rs` decides).

// The agreement table is this test's report (shown with --nocapture).
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
#[path = "support/conformance.rs"]
mod conformance;

use mailcheck::txt::TxtRecord;

use mailcheck::finding::RecordKind;
use mailcheck::finding::Severity;
use serde_json::Value;

/// The vectors, under the conformance folder.
const VECTORS: &str = "dkim/dkim-key-record-vectors.json";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Usable,
    Revoked,
    Invalid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Agree,
    AgreeBySize,
    Disagree,
    NotApplicable,
}

/// `(source, text the record contains, class, reason)`: each vector that is not a plain
/// agreement. The record text tells apart vectors with the same source.
const PINS: &[(&str, &str, Class, &str)] = &[
    // mox
    (
        "mjl-/mox dkim/txt_test.go:65",
        "v=DKIM1; p=; ",
        Class::Disagree,
        "mox rejects white space after the last ';' (the RFC 6376 §3.2 ABNF allows nothing \
         there); mailcheck tolerates it, as Mail::DKIM, dkimpy and mail-auth do, and reports \
         the empty p= as a revoked key",
    ),
    (
        "mjl-/mox dkim/txt_test.go:78",
        "V=DKIM2; p=;",
        Class::Disagree,
        "mox's parser accepts a record with an empty p= and leaves revocation to verification; \
         mailcheck reports the key revoked (RFC 6376 §3.6.1), as mail-auth and Mail::DKIM do. \
         Both agree that V= is an unknown tag (tag names are case-sensitive)",
    ),
    // Mail::DKIM: DNS outcomes, not records.
    (
        "fastmail/mail-dkim t/verifier.t:170",
        "<absent: NXDOMAIN>",
        Class::NotApplicable,
        "a DNS outcome (NXDOMAIN), not a record: covered by the dkim-no-key-found fixtures",
    ),
    (
        "fastmail/mail-dkim t/verifier.t:131",
        "NXDOMAIN",
        Class::NotApplicable,
        "a DNS outcome (NXDOMAIN), not a record: covered by the dkim-no-key-found fixtures",
    ),
    (
        "fastmail/mail-dkim t/verifier.t:158",
        "~~Query timed out~~",
        Class::NotApplicable,
        "a DNS timeout, not a record: covered by dns-lookup-failed (never reported as a \
         missing key)",
    ),
    (
        "fastmail/mail-dkim t/verifier.t:161",
        "~~SERVFAIL~~",
        Class::NotApplicable,
        "a SERVFAIL, not a record: covered by dns-lookup-failed (dkimfail.dkim.test fixture)",
    ),
    // Mail::DKIM: its 2006 test keys are 512-bit RSA.
    (
        "fastmail/mail-dkim t/verifier.t:122",
        "v=DKIM1; t=y; s=email; p=MFww",
        Class::Disagree,
        "the key is 512-bit RSA: RFC 8301 §3.2 (2018) forbids verifiers to accept signatures \
         with keys under 1024 bits, so mailcheck reports dkim-key-too-short; Mail::DKIM's test \
         predates RFC 8301",
    ),
    (
        "fastmail/mail-dkim t/verifier.t:123",
        "h=md5:sha1",
        Class::Disagree,
        "512-bit RSA key (RFC 8301 §3.2); the record's h=md5:sha1 also allows only sha1 \
         (dkim-sha1-only), which RFC 8301 §3.1 forbids",
    ),
    (
        "fastmail/mail-dkim t/verifier.t:125",
        "g=jl*g",
        Class::Disagree,
        "512-bit RSA key (RFC 8301 §3.2); g= (RFC 4871) is ignored as an unknown tag",
    ),
    (
        "fastmail/mail-dkim t/verifier.t:126",
        "v=DKIM1; t=y; s=email; p=MFww",
        Class::Disagree,
        "512-bit RSA key (RFC 8301 §3.2)",
    ),
    (
        "fastmail/mail-dkim t/verifier.t:149",
        "t=s; p=MFww",
        Class::AgreeBySize,
        "Mail::DKIM fails the signature because its i= is a subdomain while t=s forbids that: \
         a property of the message, not of the record; mailcheck only rejects the 512-bit key",
    ),
    (
        "fastmail/mail-dkim t/verifier.t:151",
        "h=md5:sha1",
        Class::AgreeBySize,
        "the signature is rsa-sha256, which h=md5:sha1 excludes (the message's side); mailcheck \
         reports the sha1-only h= as a warning and rejects the 512-bit key",
    ),
    (
        "fastmail/mail-dkim t/verifier.t:153",
        "g=jl*g",
        Class::AgreeBySize,
        "g= (RFC 4871) against the signature's i=: RFC 6376 dropped g=, mailcheck ignores it; \
         only the 512-bit key is rejected",
    ),
    (
        "fastmail/mail-dkim t/verifier.t:155",
        "g=jl*g",
        Class::AgreeBySize,
        "g= (RFC 4871) against the signature's i=: RFC 6376 dropped g=, mailcheck ignores it; \
         only the 512-bit key is rejected",
    ),
    (
        "fastmail/mail-dkim t/verifier.t:141",
        "s=chat",
        Class::AgreeBySize,
        "s=chat names no service mail verifiers know: mailcheck warns (dkim-syntax, warning: \
         the key may serve another protocol) where Mail::DKIM rejects; the verdicts meet only \
         because the key is 512-bit RSA",
    ),
    (
        "fastmail/mail-dkim t/verifier.t:145",
        "g=*poe",
        Class::AgreeBySize,
        "g= (RFC 4871) against the signature's i=: RFC 6376 dropped g=, mailcheck ignores it; \
         only the 512-bit key is rejected",
    ),
    (
        "fastmail/mail-dkim t/verifier.t:147",
        "g=; p=MFww",
        Class::AgreeBySize,
        "an empty g= matches no address under RFC 4871; RFC 6376 dropped g=, mailcheck ignores \
         it; only the 512-bit key is rejected",
    ),
];

/// The vectors, or `None` where the test is to skip (see `support/conformance.rs`).
fn load() -> Option<Vec<Value>> {
    let path = conformance::suite_data("DKIM", VECTORS)?;
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    Some(serde_json::from_str(&text).expect("vectors are JSON"))
}

/// Which implementation a vector comes from.
fn family(source: &str) -> &'static str {
    if source.starts_with("mjl-/mox") {
        "mox"
    } else if source.starts_with("fastmail/mail-dkim") {
        "Mail::DKIM"
    } else if source.starts_with("dkimpy") {
        "dkimpy"
    } else if source.starts_with("stalwartlabs/mail-auth") {
        "mail-auth"
    } else {
        panic!("unknown source {source}")
    }
}

/// The source's expectation as a verdict, or `None` for a DNS outcome rather than a record.
fn expected(vector: &Value) -> Option<Verdict> {
    let source = vector["source"].as_str().unwrap();
    let record = vector["record"].as_str().unwrap();
    let expect = vector["expect"].as_str().unwrap();
    let note = vector["note"].as_str().unwrap_or("");
    let verdict = match family(source) {
        "mox" if expect == "valid" => Verdict::Usable,
        "mox" if expect.starts_with("error:") => Verdict::Invalid,
        "Mail::DKIM" if record.contains("NXDOMAIN") || record.starts_with("~~") => return None,
        // "fail": the key was usable, the signed message did not match it.
        "Mail::DKIM" if expect == "verifier result: pass" || expect == "verifier result: fail" => {
            Verdict::Usable
        }
        "Mail::DKIM" if expect == "verifier result: invalid" && note.contains("REVOKED") => {
            Verdict::Revoked
        }
        "Mail::DKIM" if expect == "verifier result: invalid" => Verdict::Invalid,
        "dkimpy"
            if expect.starts_with("verifies")
                || expect.starts_with("ed25519 key")
                || expect.starts_with("s=tlsrpt: verifies") =>
        {
            Verdict::Usable
        }
        "dkimpy" if expect.contains("False") || expect.contains("UnparsableKeyError") => {
            Verdict::Invalid
        }
        "mail-auth" if expect.starts_with("parses") || expect.contains("DkimResult::Pass") => {
            Verdict::Usable
        }
        "mail-auth" if expect == "Err(RevokedPublicKey)" => Verdict::Revoked,
        _ => panic!("no rule reads the expectation {expect:?} of {source}"),
    };
    Some(verdict)
}

/// mailcheck's verdict, from the findings of record mode; `ignore` drops one rule's findings.
fn mailcheck_verdict(record: &str, ignore: Option<&str>) -> (Verdict, Vec<String>) {
    let output = mailcheck::record::check(RecordKind::Dkim, &TxtRecord::from_input(record));
    let findings: Vec<_> = output
        .findings
        .iter()
        .filter(|finding| Some(finding.rule) != ignore)
        .collect();
    let rules = findings
        .iter()
        .map(|finding| format!("{}:{}", finding.rule, finding.severity))
        .collect();
    let verdict = if findings
        .iter()
        .any(|f| f.severity == Severity::Error && f.rule != "dkim-key-revoked")
    {
        Verdict::Invalid
    } else if findings.iter().any(|f| f.rule == "dkim-key-revoked") {
        Verdict::Revoked
    } else {
        Verdict::Usable
    };
    (verdict, rules)
}

fn pin_for(
    source: &str,
    record: &str,
) -> Option<&'static (&'static str, &'static str, Class, &'static str)> {
    let pins: Vec<_> = PINS
        .iter()
        .filter(|(pin_source, text, ..)| source.starts_with(pin_source) && record.contains(text))
        .collect();
    assert!(pins.len() <= 1, "{source}: several pins match");
    pins.first().copied()
}

#[test]
fn dkim_key_record_vectors() {
    let Some(vectors) = load() else {
        return;
    };
    assert_eq!(vectors.len(), 63, "the data file changed: review the pins");
    let mut tally: BTreeMap<&str, BTreeMap<Class, usize>> = BTreeMap::new();
    let mut pins_used = vec![false; PINS.len()];
    let mut failures = Vec::new();
    for vector in &vectors {
        let source = vector["source"].as_str().unwrap();
        let record = vector["record"].as_str().unwrap();
        let (class, detail) = match expected(vector) {
            None => (Class::NotApplicable, String::new()),
            Some(theirs) => {
                let (ours, rules) = mailcheck_verdict(record, None);
                let (without_size, _) = mailcheck_verdict(record, Some("dkim-key-too-short"));
                let class = if ours != theirs {
                    Class::Disagree
                } else if without_size != theirs {
                    Class::AgreeBySize
                } else {
                    Class::Agree
                };
                (class, format!("theirs {theirs:?}, ours {ours:?} {rules:?}"))
            }
        };
        *tally
            .entry(family(source))
            .or_default()
            .entry(class)
            .or_default() += 1;
        let pin = pin_for(source, record);
        if let Some(pin) = pin {
            let index = PINS.iter().position(|p| std::ptr::eq(p, pin)).unwrap();
            pins_used[index] = true;
        }
        match (class, pin) {
            (Class::Agree, None) => {}
            (Class::Agree, Some(pin)) => failures.push(format!(
                "{source}: now agrees, but is pinned as {:?} ({detail})",
                pin.2
            )),
            (class, None) => failures.push(format!(
                "{source} {record:.60}: {class:?} without a pin ({detail})"
            )),
            (class, Some(pin)) if pin.2 != class => failures.push(format!(
                "{source}: {class:?}, but pinned as {:?} ({detail})",
                pin.2
            )),
            _ => {}
        }
    }
    for (used, pin) in pins_used.iter().zip(PINS) {
        if !used {
            failures.push(format!("pin {} / {:?} matches no vector", pin.0, pin.1));
        }
    }
    println!("DKIM key-record vectors: agree / agree by key size / disagree / not applicable");
    for (family, classes) in &tally {
        let count = |class| classes.get(&class).copied().unwrap_or(0);
        println!(
            "  {family:<11} {:>2} / {} / {} / {}  (of {})",
            count(Class::Agree),
            count(Class::AgreeBySize),
            count(Class::Disagree),
            count(Class::NotApplicable),
            classes.values().sum::<usize>()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_pin_has_a_reason() {
    for (source, text, class, reason) in PINS {
        assert!(!text.is_empty(), "{source}: empty record text");
        assert_ne!(*class, Class::Agree, "{source}: agreements need no pin");
        assert!(reason.len() > 20, "{source}: give the reason");
    }
}
