//! mailcheck's verdict on every DMARC record of the shared conformance vectors
//! (`../shared/conformance/dmarc/dmarc-record-vectors.json`: mox, OpenDMARC, mail-auth and
//! checkdmarc test cases, each with its source's expected outcome).
//!
//! The verdict is "accept" when parsing the record reports no error-level problem
//! (`dmarc-syntax` or `dmarc-report-uri-invalid` at severity error), "reject" otherwise. A
//! vector where the verdict differs from its source's expectation must be listed in
//! [`DISAGREEMENTS`] with the reason, which is a policy choice documented in the
//! `dmarc-syntax` rule (`mailcheck explain dmarc-syntax`) and in `src/policy/dmarc.rs`, or in
//! [`RFC9989_REPINS`]: the vectors were pinned against RFC 7489 behaviour, and RFC 9989
//! (which obsoletes it, and which mailcheck follows first) changes these verdicts. Every
//! other vector is pinned to its source's verdict; a listed disagreement that no longer
//! disagrees fails the test too, so the tables stay true.
//!
//! The data lives outside the crate: `../shared/conformance` beside the clone, or wherever
//! `MAILCHECK_CONFORMANCE_DIR` points (`.ci/run` sets it). Where it is absent (a clone
//! elsewhere, a source package) the test prints one line saying it skipped the vectors, and
//! passes; where `CI=true` or `MAILCHECK_REQUIRE_CONFORMANCE=1`, it fails instead, because a
//! green CI run without them would prove nothing (`support/conformance.rs` decides).

#![allow(clippy::print_stderr)] // the score is worth seeing in test output

use std::collections::{BTreeMap, BTreeSet};
#[path = "support/conformance.rs"]
mod conformance;

use mailcheck::policy::dmarc;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Accept,
    Reject,
}

use Verdict::{Accept, Reject};

/// `(source, record, mailcheck's verdict, why it differs from the source)`.
const DISAGREEMENTS: &[(&str, &str, Verdict, &str)] = &[
    (
        "mjl-/mox dmarc/parse_test.go:27",
        "v=DMARC1; sp=reject; p=reject",
        Accept,
        "p not right after v is a warning, not an error: RFC 7489 §6.3 does not require the \
         order (only its ABNF lists p second) and RFC 9989 allows any order; the warning says \
         strict receivers such as mox reject it",
    ),
    (
        "mjl-/mox dmarc/parse_test.go:91",
        "v=DMARC1; p=reject; sp=invalid; rua=mailto:mjl@mox.example",
        Reject,
        "mox, like RFC 9989 §4.10.1 and RFC 7489 §6.6.3, uses the record as p=none; mailcheck \
         reports the invalid sp as an error because it silently turns the published p=reject \
         into none",
    ),
    (
        "trusteddomainproject/OpenDMARC libopendmarc/tests/test_dmarc_parse.c:23",
        "v=DMARC1; p=n;",
        Reject,
        "OpenDMARC matches policies by their first letter; the RFC 7489 §6.4 grammar allows \
         only none, quarantine and reject, and strict receivers drop p=n",
    ),
    (
        "trusteddomainproject/OpenDMARC libopendmarc/tests/test_dmarc_parse.c:30",
        "v=DMARC1; p=none; rf=bob;",
        Accept,
        "rf takes any keyword in the RFC 7489 §6.4 grammar; an unknown format is a warning \
         (afrf is the only one defined), and RFC 9989 removed rf, so its receivers ignore it",
    ),
    (
        "trusteddomainproject/OpenDMARC libopendmarc/tests/test_dmarc_parse.c:37",
        "v=DMARC1; p=none; rf=000000000000000000000000000000000",
        Accept,
        "a string of digits is a keyword in the grammar, so this is the unknown-format warning",
    ),
    (
        "trusteddomainproject/OpenDMARC libopendmarc/tests/test_dmarc_parse.c:34",
        "v=DMARC1; p=none; rua=ftp://abuse.com",
        Reject,
        "reports are sent only to mailto: (RFC 7489 §6.2): an ftp: rua receives nothing, which \
         is an error (dmarc-report-uri-invalid) even though the policy itself parses",
    ),
    (
        "trusteddomainproject/OpenDMARC libopendmarc/tests/test_dmarc_parse.c:35",
        "v=DMARC1; p=none; ruf=mailto://abuse.com",
        Reject,
        "mailto://abuse.com holds no address (RFC 6068 §2), so no report reaches it",
    ),
    (
        "trusteddomainproject/OpenDMARC libopendmarc/tests/test_dmarc_parse.c:36",
        "v=DMARC1; p=none; ruf=mailto://abuse.com; foo=bar; buzz=happy;",
        Reject,
        "the same address-less mailto: (the unknown tags are only warnings)",
    ),
    (
        "stalwartlabs/mail-auth src/dmarc/parse.rs parse_dmarc",
        "v=DMARC1; p=reject; ri = 3600; aspf=r; adkim =r; rua=mailto:dmarc-feedback@example.com!10 K , mailto:user%20@example.com ! 2G;ignore_me= true; fo=s; rf = AfrF; ",
        Reject,
        "white space inside a URI (\"!10 K\", \" ! 2G\") is not allowed by the RFC 7489 §6.4 \
         grammar and receivers disagree on it; mail-auth accepts it",
    ),
    (
        "domainaware/checkdmarc 5.15.5 (0bcdfe2) tests/test_dmarc.py:269 testDMARCInvalidTag",
        "v=DMARC1; p=reject; xyz=foo",
        Accept,
        "unknown tags MUST be ignored (RFC 9989 §4.7, §4.8; RFC 7489 §6.3): a warning, as \
         checkdmarc itself now does (its HEAD vector agrees)",
    ),
    (
        "domainaware/checkdmarc 5.15.5 (0bcdfe2) tests/test_dmarc.py:360 testDMARCInvalidRfValue",
        "v=DMARC1; p=reject; rf=invalid",
        Accept,
        "an unknown rf keyword is a warning (see the OpenDMARC rf vectors); checkdmarc HEAD \
         agrees",
    ),
    (
        "domainaware/checkdmarc 5.15.5 (0bcdfe2) tests/test_dmarc.py:404 testDMARCPTagPosition",
        "v=DMARC1; sp=none; p=reject",
        Accept,
        "p not right after v is a warning (see the mox vector); checkdmarc HEAD agrees",
    ),
];

/// Verdicts RFC 9989 changes from the RFC 7489 behaviour the vectors were pinned against:
/// `(source, record, mailcheck's verdict, why)`, in the same form as [`DISAGREEMENTS`].
/// (`v=DMARC1; p=reject; ri=abc` of checkdmarc HEAD, listed as a disagreement before,
/// now agrees: checkdmarc HEAD follows RFC 9989 there too.)
const RFC9989_REPINS: &[(&str, &str, Verdict, &str)] = &[
    (
        "trusteddomainproject/OpenDMARC libopendmarc/tests/test_dmarc_parse.c:31",
        "v=DMARC1; p=none; ri=bob;",
        Accept,
        "RFC 9989 removed ri (Appendix C.5.2, historic in §9.3): its receivers ignore the tag \
         whatever it holds, so the invalid value is a warning (RFC 7489 receivers use the \
         default; strict ones drop the record, which the warning says)",
    ),
    (
        "trusteddomainproject/OpenDMARC libopendmarc/tests/test_dmarc_parse.c:32",
        "v=DMARC1; p=none; pct=500;",
        Accept,
        "RFC 9989 removed pct (Appendix A.6, C.5.2): its receivers ignore it, so an \
         out-of-range value is a warning for RFC 7489 receivers, not an error",
    ),
    (
        "domainaware/checkdmarc 5.15.5 (0bcdfe2) tests/test_dmarc.py:298 testDMARCPctOutOfRange",
        "v=DMARC1; p=reject; pct=150",
        Accept,
        "RFC 9989 removed pct: an out-of-range pct is a warning (see the OpenDMARC pct=500 \
         vector)",
    ),
    (
        "domainaware/checkdmarc 5.15.5 (0bcdfe2) tests/test_dmarc.py:309 testDMARCPctNegative",
        "v=DMARC1; p=reject; pct=-1",
        Accept,
        "RFC 9989 removed pct: a negative pct is a warning (see the OpenDMARC pct=500 vector)",
    ),
    (
        "domainaware/checkdmarc 5.15.5 (0bcdfe2) tests/test_dmarc.py:320 testDMARCPctNonInteger",
        "v=DMARC1; p=reject; pct=abc",
        Accept,
        "RFC 9989 removed pct: a pct that is not a number is a warning (see the OpenDMARC \
         pct=500 vector)",
    ),
    (
        "domainaware/checkdmarc 5.15.5 (0bcdfe2) tests/test_dmarc.py:331 testDMARCRiNonInteger",
        "v=DMARC1; p=reject; ri=abc",
        Accept,
        "RFC 9989 removed ri: checkdmarc HEAD (which follows RFC 9989) accepts the same record \
         with a warning (testDMARCRiRemovedNotValidated), as mailcheck does",
    ),
];

fn expected(expect: &str) -> Verdict {
    let reject = expect == "error"
        || expect.starts_with("DMARC_PARSE_ERROR")
        || expect.starts_with("raises");
    let accept =
        expect.starts_with("valid") || expect == "DMARC_PARSE_OKAY" || expect.starts_with("parsed");
    assert!(reject != accept, "unknown expectation {expect:?}");
    if reject { Reject } else { Accept }
}

fn verdict(record: &str) -> Verdict {
    if dmarc::parse(record).has_errors() {
        Reject
    } else {
        Accept
    }
}

/// The vectors, or `None` where the test is to skip (see `support/conformance.rs`).
fn vectors() -> Option<Vec<Value>> {
    let path = conformance::suite_data("DMARC", "dmarc/dmarc-record-vectors.json")?;
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    Some(serde_json::from_str(&text).expect("vectors are JSON"))
}

#[test]
fn dmarc_record_vectors() {
    let Some(vectors) = vectors() else { return };
    let disagreements: BTreeMap<(&str, &str), (Verdict, &str)> = DISAGREEMENTS
        .iter()
        .chain(RFC9989_REPINS)
        .map(|(source, record, verdict, why)| ((*source, *record), (*verdict, *why)))
        .collect();
    let mut sources = BTreeSet::new();
    let mut unexplained = Vec::new();
    let mut per_source: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for vector in &vectors {
        let source = vector["source"].as_str().expect("source");
        let record = vector["record"].as_str().expect("record");
        let key = (source, record);
        // A few vectors repeat (one test asserting two things); they count once each.
        sources.insert(key);
        let theirs = expected(vector["expect"].as_str().expect("expect"));
        let ours = verdict(record);
        let project = source
            .split_whitespace()
            .next()
            .unwrap_or(source)
            .to_owned();
        let entry = per_source.entry(project).or_default();
        entry.1 += 1;
        if ours == theirs {
            entry.0 += 1;
            assert!(
                !disagreements.contains_key(&key),
                "{source}: listed as a disagreement, but mailcheck now agrees ({ours:?}) on {record:?}"
            );
        } else {
            match disagreements.get(&key) {
                Some((listed, _)) => assert_eq!(*listed, ours, "{source}: {record:?}"),
                None => unexplained.push(format!(
                    "    (\"{source}\", {record:?}, {ours:?}, \"\"), // {:?} {:?}",
                    vector["expect"], vector["note"]
                )),
            }
        }
    }
    for key in disagreements.keys() {
        assert!(
            sources.contains(key),
            "{key:?} is listed but not in the vectors"
        );
    }
    for (project, (agree, total)) in &per_source {
        eprintln!("{project}: mailcheck agrees on {agree} of {total}");
    }
    assert!(
        unexplained.is_empty(),
        "unexplained disagreements:\n{}",
        unexplained.join("\n")
    );
}
