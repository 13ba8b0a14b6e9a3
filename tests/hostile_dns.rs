//! Honest verdicts under hostile DNS answers and hostile flags: a
//! name server on 127.0.0.1 driven by hand, answering with crafted messages, and the real
//! binary auditing domains against it.
//!
//! - A CNAME loop inside one answer (with NOERROR or NXDOMAIN beside it), a name that is its
//!   own CNAME, and a loop across answers are failed lookups: "not verified"
//!   (`dns-lookup-failed`, status incomplete, exit 3), never `mx-missing`, `spf-missing` or
//!   `dmarc-missing`. The same loops read from a `--zone` file and from a `--replay` file
//!   give the same verdict, finding for finding.
//! - A chain that one answer leaves unfinished (a link missing from it) is followed by asking
//!   for the rest, never taken for an absence.
//! - A truncated answer (TC=1) over TCP, or TC=1 over UDP and then no answer over TCP, is a
//!   failed lookup, never the truncated answer's emptiness.
//! - Every numeric flag is checked when the command line is read: a bad value is one line on
//!   stderr and exit 2, never a panic, whatever other flags are given (`--offline` too).

mod support;

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use hickory_resolver::proto::op::{Message, OpCode, ResponseCode};
use hickory_resolver::proto::rr::rdata::{A, CNAME, MX, SOA};
use hickory_resolver::proto::rr::{Name as WireName, RData, Record as WireRecord, RecordType};
use serde_json::Value;
use support::mailcheck;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

// ---------------------------------------------------------------------------------------------
// The hostile server
// ---------------------------------------------------------------------------------------------

/// Which transport a query came over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    Udp,
    Tcp,
}

/// What the server does with one query.
enum Reply {
    /// Send this message (its id, opcode and question are set from the query).
    Send(Message),
    /// Say nothing (UDP), or close the connection unanswered (TCP).
    Nothing,
}

/// How the server answers: from the question's name (lower case, no trailing dot), its type
/// and the transport it came over.
type Script = fn(&str, RecordType, Transport) -> Reply;

/// The questions a server received: `(name, type, transport)`.
type Received = Arc<Mutex<Vec<(String, RecordType, Transport)>>>;

/// A name server answering every question by its script, on UDP and TCP of one port, on a
/// thread of its own (the tests run the binary as a child process and wait for it).
struct HostileServer {
    addr: SocketAddr,
    received: Received,
}

impl HostileServer {
    fn start(script: Script) -> HostileServer {
        let received: Received = Arc::default();
        let log = Arc::clone(&received);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("hostile server runtime");
            runtime.block_on(async move {
                let (udp, tcp) = bind_same_port().await;
                tx.send(udp.local_addr().expect("address"))
                    .expect("hostile server address");
                tokio::spawn(serve_udp(udp, script, Arc::clone(&log)));
                serve_tcp(tcp, script, log).await;
            });
        });
        let addr = rx.recv().expect("hostile server started");
        HostileServer { addr, received }
    }

    /// The questions received about `domain` and the names under it, as `TYPE name`, with
    /// `TYPE/tcp` for those over TCP.
    fn received_about(&self, domain: &str) -> BTreeSet<String> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|(name, _, _)| under(name, domain))
            .map(|(name, rtype, transport)| match transport {
                Transport::Udp => format!("{rtype} {name}"),
                Transport::Tcp => format!("{rtype}/tcp {name}"),
            })
            .collect()
    }
}

async fn bind_same_port() -> (UdpSocket, TcpListener) {
    for _ in 0..50 {
        let udp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("UDP");
        let port = udp.local_addr().expect("UDP address").port();
        if let Ok(tcp) = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
            return (udp, tcp);
        }
    }
    panic!("no port free for both UDP and TCP");
}

/// The encoded reply to `query`, or `None` for no reply.
fn respond(
    query: &Message,
    transport: Transport,
    script: Script,
    log: &Received,
) -> Option<Vec<u8>> {
    let question = query.queries.first()?;
    let name = question
        .name
        .to_ascii()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    log.lock()
        .unwrap()
        .push((name.clone(), question.query_type, transport));
    match script(&name, question.query_type, transport) {
        Reply::Nothing => None,
        Reply::Send(mut message) => {
            message.metadata.id = query.metadata.id;
            message.metadata.op_code = query.metadata.op_code;
            message.queries.clone_from(&query.queries);
            Some(message.to_vec().expect("encode the reply"))
        }
    }
}

async fn serve_udp(socket: UdpSocket, script: Script, log: Received) {
    let mut buffer = vec![0_u8; 4096];
    loop {
        let Ok((len, client)) = socket.recv_from(&mut buffer).await else {
            continue;
        };
        let Ok(query) = Message::from_vec(&buffer[..len]) else {
            continue;
        };
        if let Some(reply) = respond(&query, Transport::Udp, script, &log) {
            let _ = socket.send_to(&reply, client).await;
        }
    }
}

async fn serve_tcp(listener: TcpListener, script: Script, log: Received) {
    loop {
        if let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_connection(stream, script, Arc::clone(&log)));
        }
    }
}

/// One query over one connection (RFC 1035 §4.2.2: each message after its length in two
/// bytes); with no reply, the connection is dropped unanswered.
async fn serve_connection(mut stream: TcpStream, script: Script, log: Received) {
    let mut len = [0_u8; 2];
    if stream.read_exact(&mut len).await.is_err() {
        return;
    }
    let mut bytes = vec![0_u8; usize::from(u16::from_be_bytes(len))];
    if stream.read_exact(&mut bytes).await.is_err() {
        return;
    }
    let Ok(query) = Message::from_vec(&bytes) else {
        return;
    };
    if let Some(reply) = respond(&query, Transport::Tcp, script, &log) {
        let mut framed = u16::try_from(reply.len()).unwrap().to_be_bytes().to_vec();
        framed.extend_from_slice(&reply);
        let _ = stream.write_all(&framed).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Crafted answers, and the script of every scenario
// ---------------------------------------------------------------------------------------------

fn wire(name: &str) -> WireName {
    let mut name = WireName::from_ascii(name).expect("a name");
    name.set_fqdn(true);
    name
}

fn cname(from: &str, to: &str) -> WireRecord {
    WireRecord::from_rdata(wire(from), 300, RData::CNAME(CNAME(wire(to))))
}

fn mx(owner: &str, host: &str) -> WireRecord {
    WireRecord::from_rdata(wire(owner), 300, RData::MX(MX::new(10, wire(host))))
}

fn a(owner: &str) -> WireRecord {
    WireRecord::from_rdata(wire(owner), 300, RData::A(A::new(93, 184, 216, 25)))
}

/// The SOA of the zone `origin`, as a negative answer carries it in its authority section.
fn soa(origin: &str) -> WireRecord {
    let data = SOA::new(
        wire(&format!("ns.{origin}")),
        wire(&format!("hostmaster.{origin}")),
        1,
        7200,
        3600,
        1_209_600,
        300,
    );
    WireRecord::from_rdata(wire(origin), 300, RData::SOA(data))
}

/// A NOERROR response holding `answers`, with `authority` (an SOA: NODATA at the end of the
/// chain, RFC 2308 §2.2).
fn answer_with_soa(answers: Vec<WireRecord>, authority: WireRecord) -> Reply {
    let Reply::Send(mut message) = answer(answers) else {
        unreachable!("answer() sends")
    };
    message.add_authority(authority);
    Reply::Send(message)
}

/// A response with `code` and `answers`, as a recursive resolver sends it.
fn response(code: ResponseCode, answers: Vec<WireRecord>) -> Reply {
    let mut message = Message::response(0, OpCode::Query);
    message.metadata.response_code = code;
    message.metadata.recursion_available = true;
    message.add_answers(answers);
    Reply::Send(message)
}

/// A NOERROR response holding `answers`.
fn answer(answers: Vec<WireRecord>) -> Reply {
    response(ResponseCode::NoError, answers)
}

/// A NOERROR response with nothing in it and the truncation bit set.
fn truncated() -> Reply {
    let Reply::Send(mut message) = answer(Vec::new()) else {
        unreachable!("answer() sends")
    };
    message.metadata.truncation = true;
    Reply::Send(message)
}

/// Whether `name` is `domain` or a name under it.
fn under(name: &str, domain: &str) -> bool {
    name == domain || name.ends_with(&format!(".{domain}"))
}

/// The names an audit reads the three verdicts of this file from: the domain itself (its MX,
/// its SPF record in TXT) and its DMARC record.
fn verdict_name(name: &str, domain: &str) -> bool {
    name == domain || name == format!("_dmarc.{domain}")
}

/// `NAME -> loop.NAME -> NAME`, both links in one NOERROR answer.
const IN_ONE_ANSWER: &str = "inloop.test";
/// The same loop, with NXDOMAIN beside it (what the first hostile pass got reported as
/// missing records).
const IN_ONE_NXDOMAIN: &str = "nxloop.test";
/// `NAME -> NAME`.
const OWN_CNAME: &str = "selfloop.test";
/// `NAME -> NAME`, with NXDOMAIN beside it.
const OWN_CNAME_NXDOMAIN: &str = "nxself.test";
/// `NAME -> back.NAME` in one answer, `back.NAME -> NAME` in the next.
const ACROSS_ANSWERS: &str = "crossloop.test";
/// `NAME -> a.NAME`, then `b.NAME -> c.NAME`: the link from `a.NAME` is missing; asked for,
/// `a.NAME` answers SERVFAIL.
const UNFINISHED: &str = "unfinished.test";
/// TC=1 over UDP, and TC=1 again over TCP.
const TRUNCATED_OVER_TCP: &str = "tcp-truncated.test";
/// TC=1 over UDP, and the TCP connection closed unanswered.
const NO_TCP_ANSWER: &str = "tcp-fails.test";

/// The MX host `mail.NAME` is an alias for `mx.NAME`, which has an IPv4 address and no IPv6
/// one. Asked the alias's AAAA, the server answers with the CNAME and the SOA of `NAME`: the
/// chain to its end, NODATA at `mx.NAME` (RFC 2308 §2.2.1), as NSD, BIND and every
/// recursive resolver answer it.
const ENDS_IN_NODATA: &str = "endsnodata.test";
/// The MX host `mail.in.NAME` (zone `in.NAME`) is an alias for `mx.out.NAME`, in another
/// zone. The alias's AAAA comes back with the CNAME and the SOA of `in.NAME`, which
/// `mx.out.NAME` is not in: the answer stops at the edge of the server's zone, and the rest
/// of the chain must be asked.
const LEAVES_ZONE: &str = "leaveszone.test";

/// [`ENDS_IN_NODATA`] and [`LEAVES_ZONE`] again, for the batch test (tests share the server
/// and its log of questions received).
const BATCH_ENDS_IN_NODATA: &str = "batch-endsnodata.test";
/// See [`BATCH_ENDS_IN_NODATA`].
const BATCH_LEAVES_ZONE: &str = "batch-leaveszone.test";

/// The answers of [`ENDS_IN_NODATA`] and [`LEAVES_ZONE`]; every other name under them is
/// NODATA.
fn aliased_mx_host(name: &str, rtype: RecordType) -> Option<Reply> {
    let ends = [ENDS_IN_NODATA, BATCH_ENDS_IN_NODATA];
    let leaves = [LEAVES_ZONE, BATCH_LEAVES_ZONE];
    let (domain, alias, target, alias_zone) =
        if let Some(domain) = ends.into_iter().find(|domain| under(name, domain)) {
            (
                domain,
                format!("mail.{domain}"),
                format!("mx.{domain}"),
                domain.to_owned(),
            )
        } else if let Some(domain) = leaves.into_iter().find(|domain| under(name, domain)) {
            let zone = format!("in.{domain}");
            (
                domain,
                format!("mail.{zone}"),
                format!("mx.out.{domain}"),
                zone,
            )
        } else {
            return None;
        };
    let reply = match rtype {
        RecordType::MX if name == domain => answer(vec![mx(domain, &alias)]),
        RecordType::A if name == alias => answer(vec![cname(&alias, &target), a(&target)]),
        RecordType::A if name == target => answer(vec![a(&target)]),
        _ if name == alias => answer_with_soa(vec![cname(&alias, &target)], soa(&alias_zone)),
        _ => answer_with_soa(Vec::new(), soa(domain)),
    };
    Some(reply)
}

/// Every domain whose lookups loop, one way or another.
const LOOPS: &[&str] = &[
    IN_ONE_ANSWER,
    IN_ONE_NXDOMAIN,
    OWN_CNAME,
    OWN_CNAME_NXDOMAIN,
    ACROSS_ANSWERS,
];

/// The script of the server for every scenario; every other question is NXDOMAIN.
fn hostile(name: &str, rtype: RecordType, transport: Transport) -> Reply {
    if let Some(reply) = aliased_mx_host(name, rtype) {
        return reply;
    }
    let loop_in_one = |code| {
        let partner = format!("loop.{name}");
        response(code, vec![cname(name, &partner), cname(&partner, name)])
    };
    if verdict_name(name, IN_ONE_ANSWER) {
        return loop_in_one(ResponseCode::NoError);
    }
    if verdict_name(name, IN_ONE_NXDOMAIN) {
        return loop_in_one(ResponseCode::NXDomain);
    }
    if verdict_name(name, OWN_CNAME) {
        return answer(vec![cname(name, name)]);
    }
    if verdict_name(name, OWN_CNAME_NXDOMAIN) {
        return response(ResponseCode::NXDomain, vec![cname(name, name)]);
    }
    if verdict_name(name, ACROSS_ANSWERS) {
        return answer(vec![cname(name, &format!("back.{name}"))]);
    }
    if let Some(origin) = name.strip_prefix("back.")
        && verdict_name(origin, ACROSS_ANSWERS)
    {
        return answer(vec![cname(name, origin)]);
    }
    if verdict_name(name, UNFINISHED) {
        let (b, c) = (format!("b.{name}"), format!("c.{name}"));
        return answer(vec![cname(name, &format!("a.{name}")), cname(&b, &c)]);
    }
    if let Some(origin) = name.strip_prefix("a.")
        && verdict_name(origin, UNFINISHED)
    {
        return response(ResponseCode::ServFail, Vec::new());
    }
    if verdict_name(name, TRUNCATED_OVER_TCP) {
        return truncated();
    }
    if verdict_name(name, NO_TCP_ANSWER) {
        return match transport {
            Transport::Udp => truncated(),
            Transport::Tcp => Reply::Nothing,
        };
    }
    response(ResponseCode::NXDomain, Vec::new())
}

/// The server every test of this file shares (each test asks about its own domains).
fn server() -> &'static HostileServer {
    static SERVER: OnceLock<HostileServer> = OnceLock::new();
    SERVER.get_or_init(|| HostileServer::start(hostile))
}

// ---------------------------------------------------------------------------------------------
// Running the binary and reading its report
// ---------------------------------------------------------------------------------------------

/// `mailcheck --json` against the hostile server, with no retries.
fn against_server() -> Command {
    let mut command = mailcheck();
    command
        .arg("--nameserver")
        .arg(server().addr.to_string())
        .args(["--timeout", "5", "--retries", "0", "--json"]);
    command
}

fn run(command: &mut Command) -> (Value, Option<i32>) {
    let output: Output = command.output().expect("mailcheck runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{stderr}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (json, output.status.code())
}

/// The report of `name` in a report of several domains.
fn domain<'j>(json: &'j Value, name: &str) -> &'j Value {
    json["domains"]
        .as_array()
        .expect("domains")
        .iter()
        .find(|domain| domain["domain"] == name)
        .unwrap_or_else(|| panic!("no report for {name}"))
}

fn rules_of(report: &Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|finding| finding["rule"].as_str())
        .collect()
}

/// The query log entry of `name`/`rtype` in one domain's report.
fn log_entry<'j>(report: &'j Value, name: &str, rtype: &str) -> &'j Value {
    report["dns"]
        .as_array()
        .expect("a query log")
        .iter()
        .find(|query| query["name"] == name && query["type"] == rtype)
        .unwrap_or_else(|| panic!("{rtype} {name} not in the query log: {report:#}"))
}

/// The `dns-lookup-failed` finding about `subject`'s `rtype` lookup.
fn failure_about<'j>(report: &'j Value, subject: &str, rtype: &str) -> &'j Value {
    let lookup = format!(" {rtype} ");
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|finding| {
            finding["rule"] == "dns-lookup-failed"
                && finding["subject"] == subject
                && finding["message"]
                    .as_str()
                    .is_some_and(|message| message.contains(&lookup))
        })
        .unwrap_or_else(|| panic!("no failed {rtype} lookup of {subject}: {report:#}"))
}

/// The checks every scenario of this file shares: the domain's MX, SPF (TXT) and DMARC
/// lookups failed with `error(name asked)` in their message, so the audit is incomplete and
/// says "not verified", and none of the three is reported missing.
fn assert_not_verified(report: &Value, name: &str, error: impl Fn(&str) -> String) {
    assert_eq!(report["status"], "incomplete", "{report:#}");
    let rules = rules_of(report);
    for missing in ["mx-missing", "spf-missing", "dmarc-missing"] {
        assert!(!rules.contains(&missing), "{name}: {missing} in {rules:?}");
    }
    let dmarc = format!("_dmarc.{name}");
    for (subject, rtype) in [(name, "MX"), (name, "TXT"), (dmarc.as_str(), "TXT")] {
        let message = failure_about(report, subject, rtype)["message"]
            .as_str()
            .unwrap();
        assert!(
            message.contains(&error(subject)),
            "{subject} {rtype}: {message}"
        );
        assert!(
            message.contains("not verified"),
            "{subject} {rtype}: {message}"
        );
        // The query log says the same: a failure, not records, NODATA or NXDOMAIN.
        let entry = log_entry(report, subject, rtype);
        let outcome = entry["outcome"].as_str().unwrap_or_default();
        assert!(["error", "servfail"].contains(&outcome), "{entry:#}");
    }
    assert_eq!(report["records"]["dmarc"]["status"], "not-verified");
}

/// The verdict of one domain's report, to compare sources: its status and every finding.
fn verdict(report: &Value) -> (Value, Vec<String>) {
    let mut findings: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| {
            format!(
                "{} {} {}: {}",
                finding["severity"], finding["rule"], finding["subject"], finding["message"]
            )
        })
        .collect();
    findings.sort();
    (report["status"].clone(), findings)
}

fn temp_path(stem: &str, extension: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "hostile-{stem}-{}-{n}.{extension}",
        std::process::id()
    ))
}

// ---------------------------------------------------------------------------------------------
// Item 12: loops are failed lookups, never absences
// ---------------------------------------------------------------------------------------------

/// The failure a loop met at `name` is reported with, whichever source saw it.
fn loop_at(name: &str) -> String {
    format!("a CNAME loop at {name}.")
}

#[test]
fn every_cname_loop_is_not_verified_never_missing() {
    let (json, code) = run(against_server().args(LOOPS));
    for name in LOOPS {
        let report = domain(&json, name);
        assert_not_verified(report, name, loop_at);
    }
    assert_eq!(code, Some(3), "incomplete, and nothing else wrong");
    // The loop across answers: its other end was asked once, for each type.
    let sent = server().received_about(ACROSS_ANSWERS);
    assert!(
        sent.contains(&format!("MX back.{ACROSS_ANSWERS}")),
        "{sent:?}"
    );
}

/// A chain one answer leaves unfinished is not a loop and not an absence: the rest is asked
/// for, and what that gives (here SERVFAIL) is the verdict. The unrelated links after the gap
/// are never followed.
#[test]
fn an_unfinished_chain_is_asked_for_never_taken_for_an_absence() {
    let (json, code) = run(against_server().arg(UNFINISHED));
    let report = domain(&json, UNFINISHED);
    assert_not_verified(report, UNFINISHED, |_| "SERVFAIL".to_owned());
    assert_eq!(code, Some(3));
    let sent = server().received_about(UNFINISHED);
    for asked in [
        format!("MX a.{UNFINISHED}"),
        format!("TXT a.{UNFINISHED}"),
        format!("TXT a._dmarc.{UNFINISHED}"),
    ] {
        assert!(sent.contains(&asked), "{asked} not asked: {sent:?}");
    }
    assert!(
        !sent
            .iter()
            .any(|query| query.contains(" b.") || query.contains(" c.")),
        "{sent:?}"
    );
}

/// Each question an audit of `name` sent to the server, as `TYPE name`, is in its query log,
/// and nothing else is.
fn assert_log_is_what_was_sent(report: &Value, name: &str) {
    let logged: BTreeSet<String> = report["dns"]
        .as_array()
        .expect("a query log")
        .iter()
        .map(|query| {
            format!(
                "{} {}",
                query["type"].as_str().unwrap(),
                query["name"].as_str().unwrap()
            )
        })
        .filter(|question| {
            question
                .split(' ')
                .nth(1)
                .is_some_and(|asked| under(asked, name))
        })
        .collect();
    // hickory has no mnemonic for SPF (type 99): the report writes it as SPF.
    let sent: BTreeSet<String> = server()
        .received_about(name)
        .into_iter()
        .map(|question| match question.strip_prefix("Unknown ") {
            Some(asked) => format!("SPF {asked}"),
            None => question,
        })
        .collect();
    assert_eq!(logged, sent);
}

/// Each question about `name` and the names under it reached the server at most once.
fn assert_each_sent_once(name: &str) {
    let mut counts = std::collections::BTreeMap::new();
    for (asked, rtype, _) in server().received.lock().unwrap().iter() {
        if under(asked, name) {
            *counts.entry((asked.clone(), *rtype)).or_insert(0) += 1;
        }
    }
    let twice: Vec<_> = counts.iter().filter(|(_, count)| **count > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
}

/// Audits `name` alone against the server: its report, and the questions the server received
/// about it (as [`HostileServer::received_about`] gives them).
fn audit_alone(name: &str) -> (Value, BTreeSet<String>) {
    let (json, _) = run(against_server().arg(name));
    let report = domain(&json, name).clone();
    (report, server().received_about(name))
}

/// A chain answered to its end is not asked again: the alias's AAAA is NODATA from the one
/// answer, and `mx.NAME`'s AAAA is never sent.
#[test]
fn a_chain_answered_to_its_end_is_not_asked_again() {
    let (report, sent) = audit_alone(ENDS_IN_NODATA);
    let target = format!("AAAA mx.{ENDS_IN_NODATA}");
    assert!(!sent.contains(&target), "{target} asked: {sent:?}");
    let alias = format!("mail.{ENDS_IN_NODATA}");
    assert_eq!(log_entry(&report, &alias, "AAAA")["outcome"], "nodata");
    assert_eq!(report["status"], "complete", "{report:#}");
    assert!(rules_of(&report).contains(&"mx-target-cname"));
    assert_log_is_what_was_sent(&report, ENDS_IN_NODATA);
}

/// A chain whose answer carries only the SOA of the zone it leaves is followed: the target's
/// AAAA is asked (once), and logged.
#[test]
fn a_chain_that_leaves_the_zone_of_its_soa_is_followed() {
    let (report, sent) = audit_alone(LEAVES_ZONE);
    let target = format!("AAAA mx.out.{LEAVES_ZONE}");
    assert!(sent.contains(&target), "{target} not asked: {sent:?}");
    assert_eq!(report["status"], "complete", "{report:#}");
    assert_log_is_what_was_sent(&report, LEAVES_ZONE);
    assert_each_sent_once(LEAVES_ZONE);
}

/// In a batch, each question is sent once, and the query logs of the domains hold exactly
/// the questions sent, chased links included.
#[test]
fn every_question_of_a_batch_is_sent_once_and_logged() {
    let domains = [BATCH_ENDS_IN_NODATA, BATCH_LEAVES_ZONE];
    let output = mailcheck()
        .arg("--nameserver")
        .arg(server().addr.to_string())
        .args(["--timeout", "5", "--retries", "0", "--format", "ndjson"])
        .args(domains)
        .output()
        .expect("mailcheck runs");
    let reports: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("an NDJSON line"))
        .filter(|line: &Value| line.get("domain").is_some())
        .collect();
    assert_eq!(reports.len(), 2);
    for name in domains {
        let report = reports
            .iter()
            .find(|report| report["domain"] == name)
            .expect("a report");
        assert_log_is_what_was_sent(report, name);
        assert_each_sent_once(name);
    }
}

/// The domains whose loops are compared across sources.
const COMPARED: [&str; 2] = [IN_ONE_ANSWER, OWN_CNAME];

/// The loops of [`COMPARED`] as zone files hold them (names written out in full: `@` in
/// record data is not read as the origin by the zone-file reader today).
const LOOP_ZONES: [(&str, &str); 2] = [
    (
        IN_ONE_ANSWER,
        "$ORIGIN inloop.test.\n\
         inloop.test.              CNAME loop.inloop.test.\n\
         loop.inloop.test.         CNAME inloop.test.\n\
         _dmarc.inloop.test.       CNAME loop._dmarc.inloop.test.\n\
         loop._dmarc.inloop.test.  CNAME _dmarc.inloop.test.\n",
    ),
    (
        OWN_CNAME,
        "$ORIGIN selfloop.test.\n\
         selfloop.test.         CNAME selfloop.test.\n\
         _dmarc.selfloop.test.  CNAME _dmarc.selfloop.test.\n",
    ),
];

/// `mailcheck --offline` answering [`COMPARED`] from [`LOOP_ZONES`].
fn from_zone_files() -> Command {
    let mut command = mailcheck();
    command.args(["--offline", "--json"]);
    for (name, text) in LOOP_ZONES {
        let path = temp_path(name, "zone");
        std::fs::write(&path, text).unwrap();
        command.arg("--zone").arg(path);
    }
    command
}

/// `mailcheck --replay FILE`.
fn replaying(file: &std::path::Path) -> Command {
    let mut command = mailcheck();
    command.args(["--json", "--replay"]).arg(file);
    command
}

/// One CNAME record as a saved file writes it.
fn saved_link(from: &str, to: &str) -> Value {
    serde_json::json!({ "name": from, "ttl": 300, "type": "CNAME", "data": format!("{to}.") })
}

/// A copy of the saved file `saved` in which each loop of [`COMPARED`] is the links of one
/// answer, as the server sent them, instead of the failure the network source wrote.
fn loops_as_links(saved: &std::path::Path) -> PathBuf {
    let mut file: Value = serde_json::from_slice(&std::fs::read(saved).unwrap()).unwrap();
    let mut rewritten = 0;
    for entry in file["answers"].as_array_mut().unwrap() {
        let name = entry["name"].as_str().unwrap().to_owned();
        let looped = COMPARED.iter().any(|domain| verdict_name(&name, domain));
        if !looped || entry["outcome"] != "error" {
            continue;
        }
        let links = if under(&name, OWN_CNAME) {
            vec![saved_link(&name, &name)]
        } else {
            let partner = format!("loop.{name}");
            vec![saved_link(&name, &partner), saved_link(&partner, &name)]
        };
        entry["outcome"] = "records".into();
        entry["records"] = links.into();
        entry.as_object_mut().unwrap().remove("error");
        rewritten += 1;
    }
    // MX, TXT, SPF, A and AAAA at each domain at least.
    assert!(rewritten >= 2 * 5, "loops rewritten: {rewritten}");
    let path = temp_path("loops-as-links", "json");
    std::fs::write(&path, serde_json::to_vec_pretty(&file).unwrap()).unwrap();
    path
}

/// The loops as `--zone` files hold them and as `--replay` files hold them (the failures the
/// network source saved, or the links the server sent) give the report the network gave,
/// finding for finding.
#[test]
fn the_same_loops_from_zone_files_and_replay_files_give_the_same_verdict() {
    let saved = temp_path("loops", "json");
    let (network, network_code) = run(against_server()
        .args(COMPARED)
        .arg("--save-dns")
        .arg(&saved));
    let others = [
        ("--zone", run(from_zone_files().args(COMPARED))),
        ("--replay", run(replaying(&saved).args(COMPARED))),
        (
            "--replay of links",
            run(replaying(&loops_as_links(&saved)).args(COMPARED)),
        ),
    ];
    assert_eq!(network_code, Some(3));
    for name in COMPARED {
        let report = domain(&network, name);
        assert_not_verified(report, name, loop_at);
        for (source, (json, code)) in &others {
            assert_eq!(
                verdict(domain(json, name)),
                verdict(report),
                "{name}: {source}"
            );
            assert_eq!(*code, network_code, "{source}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Item 13: a truncated answer is a failed lookup
// ---------------------------------------------------------------------------------------------

#[test]
fn a_truncated_answer_over_tcp_is_not_verified_never_missing() {
    let (json, code) = run(against_server().arg(TRUNCATED_OVER_TCP));
    let report = domain(&json, TRUNCATED_OVER_TCP);
    assert_not_verified(report, TRUNCATED_OVER_TCP, |_| {
        "truncated answer (TC=1) over TCP".to_owned()
    });
    assert_eq!(code, Some(3));
    let sent = server().received_about(TRUNCATED_OVER_TCP);
    for asked in [
        format!("MX {TRUNCATED_OVER_TCP}"),
        format!("MX/tcp {TRUNCATED_OVER_TCP}"),
    ] {
        assert!(sent.contains(&asked), "{asked} not asked: {sent:?}");
    }
}

#[test]
fn a_truncated_udp_answer_with_no_tcp_answer_is_not_verified_never_missing() {
    let (json, code) = run(against_server().arg(NO_TCP_ANSWER));
    let report = domain(&json, NO_TCP_ANSWER);
    assert_not_verified(report, NO_TCP_ANSWER, |_| "TCP to".to_owned());
    assert_eq!(code, Some(3));
    let sent = server().received_about(NO_TCP_ANSWER);
    assert!(
        sent.contains(&format!("MX/tcp {NO_TCP_ANSWER}")),
        "{sent:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Item 14: numeric flags
// ---------------------------------------------------------------------------------------------

/// `(arguments, text the one-line error must contain)`: each value is refused when the command
/// line is read, with exit 2. (`--retries` and `--concurrency` are checked in tests/cli.rs.)
const BAD_VALUES: &[(&[&str], &str)] = &[
    (&["--timeout", "0"], "for '--timeout <SECONDS>'"),
    (&["--timeout=-1"], "for '--timeout <SECONDS>'"),
    (&["--timeout", "0.05"], "from 0.1 to 60"),
    (&["--timeout", "60.5"], "from 0.1 to 60"),
    (&["--timeout", "1e300"], "from 0.1 to 60"),
    (&["--timeout", "1.85e19"], "from 0.1 to 60"),
    (&["--timeout", "nan"], "from 0.1 to 60"),
    (&["--timeout", "NaN"], "from 0.1 to 60"),
    (&["--timeout", "inf"], "from 0.1 to 60"),
    (&["--timeout=-inf"], "from 0.1 to 60"),
    (&["--timeout", "3s"], "from 0.1 to 60"),
    (&["--timeout", ""], "from 0.1 to 60"),
    (&["-n", "127.0.0.1:0"], "port 0"),
    (&["--nameserver", "[::1]:0"], "port 0"),
    (&["-n", "127.0.0.1:65536"], "for '--nameserver <IP[:PORT]>'"),
    (&["-n", "dns.example"], "for '--nameserver <IP[:PORT]>'"),
    (&["-n", ""], "for '--nameserver <IP[:PORT]>'"),
];

/// The same bad value with other flags around it: alone, with `--offline` (which never asks a
/// server, and once skipped the check), in JSON, after a subcommand that asks no DNS at all.
fn contexts(bad: &[&str]) -> Vec<Vec<String>> {
    let with = |before: &[&str], after: &[&str]| {
        before
            .iter()
            .chain(bad)
            .chain(after)
            .map(|arg| (*arg).to_owned())
            .collect()
    };
    vec![
        with(&[], &["example.test"]),
        with(&["--offline"], &["example.test"]),
        with(&["--json", "--offline"], &["example.test"]),
        with(&["explain"], &[]),
        with(&["record", "spf", "v=spf1 -all"], &[]),
    ]
}

#[test]
fn every_bad_numeric_value_is_one_line_and_exit_2_whatever_the_other_flags() {
    for (bad, expected) in BAD_VALUES {
        for args in contexts(bad) {
            let output = mailcheck().args(&args).output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
            assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
            assert!(stderr.contains(expected), "{args:?}: {stderr}");
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            if args.iter().any(|arg| arg == "--json") {
                let json: Value = serde_json::from_slice(&output.stdout)
                    .unwrap_or_else(|e| panic!("{args:?}: not a JSON error ({e})"));
                let message = json["error"]["message"].as_str().unwrap_or_default();
                assert!(message.contains(expected), "{args:?}: {json:#}");
            } else {
                assert!(output.stdout.is_empty(), "{args:?}");
            }
        }
    }
}

/// The ends of the ranges are accepted.
#[test]
fn the_ends_of_the_ranges_are_accepted() {
    for args in [
        ["--timeout", "0.1", "-n", "127.0.0.1:1"],
        ["--timeout", "60", "-n", "[::1]:65535"],
    ] {
        let output = mailcheck().arg("explain").args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
    }
    // And an audit runs with them (offline: no query is sent, so the audit is incomplete).
    let output = mailcheck()
        .args(["--offline", "--timeout", "60", "example.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
}
