//! Output that stays safe and well-formed whatever a domain, a file or a closed pipe does
//! , end to end with the real binary and no network: an
//! in-process DNS server serving zones written at test time, and `--zone`, `--replay`,
//! `--expect` and `--input` files written at test time.
//!
//! - **Escaping** (item 2): names, TXT data, resolver error texts and replay `error` fields
//!   carrying ESC, OSC, BEL, NUL, CR/LF and U+202E reach no human output raw, in any mode or
//!   verbosity, on stdout or stderr; JSON keeps the real text.
//! - **A closed stdout** (item 4) stops a batch at once: few queries, a prompt exit 0.
//! - **`--save-dns`** (item 15): an unwritable path stops the run before any query; a save
//!   that fails at the end leaves the previous save intact and the output well-formed.
//! - **`--input`** (item 16): a non-UTF-8 line is one bad line; huge lines are quoted short;
//!   the list of input errors is bounded.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hickory_resolver::proto::op::{Message, ResponseCode};
use hickory_resolver::proto::rr::rdata::{A, MX, PTR, TXT};
use hickory_resolver::proto::rr::{Name as WireName, RData, Record, RecordType};
use mailcheck::escape::escape;
use serde_json::Value;
use support::mailcheck;
use support::server::{Behaviour, TestServer};

// ------------------------------------------------------------------------------------------
// Helpers

/// A directory of its own under the system's temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mailcheck-hostile-output-{}-{}-{name}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// The names of the files in it, sorted.
    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `command`, killing it if it has not exited within `limit`.
fn output_within(mut command: Command, limit: Duration) -> Output {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let watchdog = std::thread::spawn(move || {
        let started = Instant::now();
        while started.elapsed() < limit {
            std::thread::sleep(Duration::from_millis(50));
            if !Path::new(&format!("/proc/{pid}")).exists() {
                return;
            }
        }
        let _ = Command::new("kill").arg(pid.to_string()).status();
    });
    let output = child.wait_with_output().unwrap();
    drop(watchdog);
    output
}

/// Every line of NDJSON output, each parsed as a JSON object.
fn ndjson_objects(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| {
            let value: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: not JSON: {line}"));
            assert!(value.is_object(), "not an object: {line}");
            value
        })
        .collect()
}

/// `text` in zone-file syntax (RFC 1035 §5.1, as mailcheck reads `--zone` and `--expect`
/// files): every byte that is not a letter, digit, `-` or `.` as `\DDD`, in decimal.
fn zone_escaped(text: &str) -> String {
    let mut escaped = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'.' {
            escaped.push(char::from(byte));
        } else {
            let _ = write!(escaped, "\\{byte:03}");
        }
    }
    escaped
}

// ------------------------------------------------------------------------------------------
// Item 2: hostile text never reaches a terminal raw

/// A CSI sequence (red), an OSC sequence (retitles the terminal), BEL, NUL, CR/LF and a
/// right-to-left override: each would act on a terminal if printed raw.
const CSI: &str = "\u{1b}[31m";
const OSC: &str = "\u{1b}]0;pwned\u{7}";
const NUL: &str = "\u{0}";
const CRLF: &str = "\r\n";
const RLO: &str = "\u{202e}";

/// All of them in one string.
fn payload() -> String {
    format!("{CSI}red{OSC}bel\u{7}{NUL}{CRLF}{RLO}gnp.exe")
}

/// DNS labels carrying them (a label is any bytes on the wire).
const HOSTILE_LABELS: [&str; 4] = [
    "csi\u{1b}[31mred",
    "osc\u{1b}]0;pwned\u{7}",
    "nul\u{0}cr\rlf\n",
    "rlo\u{202e}gnp",
];

/// A name server on 127.0.0.1 (UDP) answering from a fixed table of crafted records, on a
/// thread of its own. A zone-file parser cannot write a label holding ESC or NUL, and a name
/// server can: the hostile names are built label by label, as raw bytes.
struct HostileServer {
    addr: SocketAddr,
}

type Table = BTreeMap<(String, RecordType), Vec<Record>>;

impl HostileServer {
    fn start(table: Table) -> HostileServer {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut buffer = [0_u8; 4096];
            loop {
                let Ok((len, client)) = socket.recv_from(&mut buffer) else {
                    continue;
                };
                if let Some(reply) = answer(&table, &buffer[..len]) {
                    let _ = socket.send_to(&reply, client);
                }
            }
        });
        HostileServer { addr }
    }
}

/// The reply to one query: the table's records for the question, NODATA for a name that has
/// other records (or names under it), NXDOMAIN for any other.
fn answer(table: &Table, query: &[u8]) -> Option<Vec<u8>> {
    let query = Message::from_vec(query).ok()?;
    let question = query.queries.first()?;
    let name = question
        .name
        .to_ascii()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let mut reply = Message::response(query.metadata.id, query.metadata.op_code);
    reply.metadata.recursion_available = true;
    reply.queries.clone_from(&query.queries);
    match table.get(&(name.clone(), question.query_type)) {
        Some(records) => {
            reply.add_answers(records.clone());
        }
        None if table
            .keys()
            .any(|(owner, _)| *owner == name || owner.ends_with(&format!(".{name}"))) => {}
        None => reply.metadata.response_code = ResponseCode::NXDomain,
    }
    reply.to_vec().ok()
}

/// A name from raw labels, leftmost first.
fn raw_name(labels: &[&[u8]]) -> WireName {
    WireName::from_labels(labels.iter().copied()).unwrap()
}

/// A name written as usual.
fn name(text: &str) -> WireName {
    raw_name(&text.split('.').map(str::as_bytes).collect::<Vec<_>>())
}

/// The hostile table: `hostile.test` with MX hosts and PTR names made of control bytes, every
/// TXT family with them in its data, and an SPF explanation (`mailcheck spf`) with them.
fn hostile_table() -> Table {
    let hostile = payload();
    let mut table = Table::new();
    let mut add = |owner: &str, data: RData| {
        let record = Record::from_rdata(name(owner), 300, data.clone());
        table
            .entry((owner.to_owned(), data.record_type()))
            .or_default()
            .push(record);
    };
    let hostile_host =
        |label: &str| raw_name(&[label.as_bytes(), b"hostile".as_slice(), b"test".as_slice()]);
    for (i, label) in HOSTILE_LABELS.iter().enumerate() {
        let preference = 10 + u16::try_from(i).unwrap();
        add(
            "hostile.test",
            RData::MX(MX::new(preference, hostile_host(label))),
        );
        add(
            "77.216.184.93.in-addr.arpa",
            RData::PTR(PTR(hostile_host(label))),
        );
    }
    add(
        "hostile.test",
        RData::MX(MX::new(50, name("good.hostile.test"))),
    );
    add("good.hostile.test", RData::A(A::new(93, 184, 216, 77)));
    let txt = |text: String| RData::TXT(TXT::from_bytes(vec![text.as_bytes()]));
    for (owner, text) in [
        (
            "hostile.test",
            format!("v=spf1 mx include:{hostile}.hostile.test exp=explain.hostile.test -all"),
        ),
        ("hostile.test", format!("site-verification={hostile}")),
        (
            "spf.hostile.test",
            "v=spf1 ip4:192.0.2.1 exp=explain.hostile.test -all".to_owned(),
        ),
        ("explain.hostile.test", format!("rejected: {hostile}")),
        (
            "_dmarc.hostile.test",
            format!("v=DMARC1; p=reject; rua=mailto:{hostile}@hostile.test; x={hostile}"),
        ),
        (
            "default._domainkey.hostile.test",
            format!("v=DKIM1; k=rsa; n={hostile}; p={hostile}"),
        ),
        ("_mta-sts.hostile.test", format!("v=STSv1; id={hostile}")),
        (
            "_smtp._tls.hostile.test",
            format!("v=TLSRPTv1; rua=mailto:{hostile}@x.test"),
        ),
        (
            "default._bimi.hostile.test",
            format!("v=BIMI1; l=https://{hostile}"),
        ),
    ] {
        add(owner, txt(text));
    }
    table
}

/// The hostile server, shared by the tests that only read from it.
fn hostile_server() -> &'static HostileServer {
    static SERVER: OnceLock<HostileServer> = OnceLock::new();
    SERVER.get_or_init(|| HostileServer::start(hostile_table()))
}

/// `mailcheck` against the hostile server, uncoloured (so no escape sequence at all is
/// expected in its output).
fn against_hostile() -> Command {
    let mut command = mailcheck();
    command
        .arg("--nameserver")
        .arg(hostile_server().addr.to_string())
        .args(["--timeout", "2", "--retries", "0", "--color", "never"]);
    command
}

/// Fails, naming the run and the line, if stdout or stderr holds anything the escaper would
/// escape (a control character other than the line ends, a bidi control, an invisible
/// formatting character).
fn assert_no_raw_controls(what: &str, output: &Output) {
    for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        for (number, line) in text.split('\n').enumerate() {
            assert_eq!(
                escape(line),
                line,
                "{what}: raw control in {stream} line {}: {}",
                number + 1,
                escape(line)
            );
        }
    }
}

/// What a human-output run printed, for the checks that it showed the hostile text at all.
fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn hostile_dns_data_is_escaped_in_every_human_mode() {
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("audit", vec!["hostile.test"]),
        ("audit -v", vec!["-v", "hostile.test"]),
        (
            "audit -v, several domains",
            vec!["-v", "hostile.test", "spf.hostile.test"],
        ),
        (
            "audit -v, every selector",
            vec!["-v", "--all-selectors", "hostile.test"],
        ),
        (
            "audit --format short, several domains",
            vec!["--format", "short", "hostile.test", "spf.hostile.test"],
        ),
        (
            "audit --format github, several domains",
            vec!["--format", "github", "hostile.test", "spf.hostile.test"],
        ),
        // The SPF record's hostile include: in the trace. (An explanation holding control
        // characters is a syntax error, so the default explanation is shown instead.)
        ("spf", vec!["spf", "hostile.test", "--ip", "198.51.100.1"]),
        (
            "spf -v",
            vec!["-v", "spf", "hostile.test", "--ip", "198.51.100.1"],
        ),
    ];
    let mut verbose_error_seen = false;
    for (what, args) in runs {
        let output = output_within(
            {
                let mut command = against_hostile();
                command.args(&args);
                command
            },
            Duration::from_secs(60),
        );
        assert_no_raw_controls(what, &output);
        let text = printed(&output);
        // The hostile text was shown, escaped, not left out.
        assert!(
            text.contains("\\x1b") && text.contains("\\u{202e}"),
            "{what}: {text}"
        );
        verbose_error_seen |= what.starts_with("audit -v") && text.contains("Malformed label");
    }
    // The case the issue found: the resolver's error text quotes the raw label.
    assert!(verbose_error_seen, "no query failed on a malformed label");
}

#[test]
fn json_keeps_the_real_text() {
    let output = output_within(
        {
            let mut command = against_hostile();
            command.args(["--json", "hostile.test"]);
            command
        },
        Duration::from_secs(60),
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let text = json.to_string();
    // serde escapes control characters as \u001b; parsed back, the text is the real one.
    let strings = all_strings(&json);
    assert!(strings.iter().any(|s| s.contains(CSI)), "{text}");
    assert!(strings.iter().any(|s| s.contains(OSC)), "{text}");
    assert!(strings.iter().any(|s| s.contains(RLO)), "{text}");
    assert!(
        !strings.iter().any(|s| s.contains("\\x1b")),
        "escaped twice"
    );
}

fn all_strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) => items.iter().flat_map(all_strings).collect(),
        Value::Object(map) => map.values().flat_map(all_strings).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn hostile_record_texts_are_escaped_in_record_mode() {
    // A command line cannot hold NUL; the rest can.
    let hostile = payload().replace(NUL, "");
    let texts = [
        ("spf", format!("v=spf1 include:{hostile} {hostile} -all")),
        ("dkim", format!("v=DKIM1; k=rsa; n={hostile}; p={hostile}")),
        (
            "dmarc",
            format!("v=DMARC1; p={hostile}; rua=mailto:{hostile}"),
        ),
        ("mta-sts", format!("v=STSv1; id={hostile}")),
        ("tls-rpt", format!("v=TLSRPTv1; rua={hostile}")),
        ("bimi", format!("v=BIMI1; l={hostile}")),
        ("spf", format!("\"v=spf1 {hostile}\" \"{hostile}\"")),
    ];
    for (kind, text) in texts {
        let output = mailcheck()
            .args(["--color", "never", "record", kind, &text])
            .output()
            .unwrap();
        assert_no_raw_controls(&format!("record {kind}"), &output);
        assert!(printed(&output).contains("\\x1b"), "record {kind}");
    }
}

#[test]
fn a_replay_files_hostile_names_and_errors_are_escaped() {
    let dir = Scratch::new("replay");
    let hostile = payload();
    let answers = serde_json::json!({
        "format": "mailcheck-dns",
        "version": 1,
        "answers": [
            { "name": "replay.test", "type": "MX", "outcome": "records",
              "records": [
                  { "name": "replay.test", "ttl": 300, "type": "MX",
                    "data": format!("10 {}.replay.test.", HOSTILE_LABELS[1]) },
                  { "name": "replay.test", "ttl": 300, "type": "MX",
                    "data": "20 mx.replay.test." } ] },
            { "name": format!("{}.replay.test", HOSTILE_LABELS[1]), "type": "A",
              "outcome": "error", "error": format!("Malformed label: {hostile}") },
            { "name": "mx.replay.test", "type": "A", "outcome": "error", "error": hostile },
            { "name": "replay.test", "type": "TXT", "outcome": "records",
              "records": [ { "name": "replay.test", "ttl": 300, "type": "TXT",
                             "data": format!("\"v=spf1 {} -all\"", zone_escaped(&hostile)) } ] },
            { "name": "_dmarc.replay.test", "type": "TXT", "outcome": "error",
              "error": format!("{CSI}{OSC}") },
        ]
    });
    let file = dir.write("replay.json", answers.to_string());
    for verbose in [false, true] {
        let mut command = mailcheck();
        command.args(["--color", "never", "--replay"]).arg(&file);
        if verbose {
            command.arg("-v");
        }
        let output = command.arg("replay.test").output().unwrap();
        assert_no_raw_controls(&format!("replay, verbose {verbose}"), &output);
        assert!(printed(&output).contains("\\x1b]0;pwned\\x07"));
    }

    // A replay file that cannot be read quotes its bad entry in the error line.
    let broken = serde_json::json!({
        "format": "mailcheck-dns", "version": 1,
        "answers": [ { "name": hostile, "type": hostile, "outcome": "records" } ]
    });
    let broken = dir.write("broken.json", broken.to_string());
    for format in ["human", "json", "ndjson"] {
        let output = mailcheck()
            .args(["--color", "never", "--format", format, "--replay"])
            .arg(&broken)
            .arg("replay.test")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert_no_raw_controls("a broken replay file", &output);
    }
}

#[test]
fn hostile_files_and_lists_are_escaped_in_errors_and_findings() {
    let dir = Scratch::new("files");
    let hostile = payload();
    // A zone file with hostile data, and lines that are not zone-file syntax holding raw
    // control bytes (quoted by zone-parse-error).
    let zone = dir.write(
        "zone.test.zone",
        format!(
            "$ORIGIN zone.test.\n$TTL 300\n@ IN SOA ns admin 1 3600 600 86400 300\n\
             @ IN MX 10 {}.zone.test.\n@ IN TXT \"v=spf1 {} -all\"\n\
             _dmarc IN TXT \"v=DMARC1; p=none; {}\"\n{hostile} IN BOGUS {hostile}\n",
            zone_escaped(HOSTILE_LABELS[0]),
            zone_escaped(&hostile),
            zone_escaped(&hostile),
        ),
    );
    let expect = dir.write(
        "expect.zone",
        format!(
            "@ IN TXT \"verification={}\"\n@ IN MX 10 {}.zone.test.\n{hostile} garbage\n",
            zone_escaped(&hostile),
            zone_escaped(HOSTILE_LABELS[3]),
        ),
    );
    let list = dir.write(
        "list.txt",
        [
            b"zone.test\n".to_vec(),
            format!("{hostile}.test\n").into_bytes(),
            format!("a{CSI}.test # {OSC}\n").into_bytes(),
            b"\xff\x1b]0;latin1\x07.test\n".to_vec(),
        ]
        .concat(),
    );
    let runs: Vec<(&str, Vec<std::ffi::OsString>)> = vec![
        (
            "--zone",
            vec!["-v".into(), "--zone".into(), zone.clone().into()],
        ),
        (
            "--zone --expect",
            vec![
                "--zone".into(),
                zone.clone().into(),
                "--expect".into(),
                expect.clone().into(),
            ],
        ),
        (
            "--input",
            vec![
                "--zone".into(),
                zone.clone().into(),
                "--input".into(),
                list.into(),
            ],
        ),
        (
            "--save-dns to a hostile path",
            vec![
                "--zone".into(),
                zone.clone().into(),
                "--save-dns".into(),
                // A path cannot hold NUL.
                dir.path(&format!("missing{}/x.json", hostile.replace(NUL, "")))
                    .into(),
            ],
        ),
    ];
    for (what, args) in runs {
        let output = mailcheck()
            .args(["--color", "never", "--offline"])
            .args(&args)
            .arg("zone.test")
            .output()
            .unwrap();
        assert_no_raw_controls(what, &output);
        assert!(
            printed(&output).contains("\\x1b"),
            "{what}: {}",
            printed(&output)
        );
    }
}

// ------------------------------------------------------------------------------------------
// Item 4: a closed stdout stops the run

/// A zone where every name under `pipe.test` has mail records (a wildcard), so that a list of
/// distinct domains costs distinct queries, none answered from mailcheck's cache.
fn pipe_server(dir: &Scratch) -> TestServer {
    let zones = dir.path("zones");
    std::fs::create_dir_all(&zones).unwrap();
    std::fs::write(
        zones.join("pipe.test.zone"),
        "$ORIGIN pipe.test.\n$TTL 300\n@ IN SOA ns admin 1 3600 600 86400 300\n@ IN NS ns\n\
         ns IN A 127.0.0.1\nmx IN A 93.184.216.99\n\
         * IN MX 10 mx.pipe.test.\n* IN TXT \"v=spf1 mx -all\"\n",
    )
    .unwrap();
    // Each answer waits a little, as over a network: the whole list takes a minute or more.
    TestServer::start(
        &zones,
        Behaviour {
            rules: Vec::new(),
            delay: Duration::from_millis(10),
        },
    )
}

/// The list of the broken-pipe test: at the test server's 10 ms per answer and 4 domains in
/// flight, a run of the whole list takes about a minute.
const DOMAINS: usize = 1000;

#[test]
fn a_closed_stdout_stops_the_batch_at_once() {
    let dir = Scratch::new("pipe");
    let server = pipe_server(&dir);
    let against = || {
        let mut command = mailcheck();
        command
            .arg("--nameserver")
            .arg(server.addr.to_string())
            .args(["--timeout", "2", "--retries", "0", "--concurrency", "8"]);
        command
    };
    // What one domain of the list costs.
    let output = output_within(
        {
            let mut command = against();
            command.args(["--format", "ndjson", "d0.pipe.test"]);
            command
        },
        Duration::from_secs(60),
    );
    assert_eq!(ndjson_objects(&output.stdout).len(), 2);
    let per_domain = server.received().len();
    assert!(per_domain >= 20, "{per_domain} queries");

    let list = (1..=DOMAINS).fold(String::new(), |mut list, i| {
        let _ = writeln!(list, "d{i}.pipe.test");
        list
    });
    let list = dir.write("list.txt", list);
    for format in ["ndjson", "json", "human"] {
        server.clear_received();
        let mut child = against()
            .args(["--color", "never", "--format", format, "--input"])
            .arg(&list)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // `| head -c 10`: read ten bytes, then close the pipe.
        let mut stdout = child.stdout.take().unwrap();
        let mut head = [0_u8; 10];
        stdout.read_exact(&mut head).unwrap();
        drop(stdout);
        let closed = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if closed.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let waited = closed.elapsed();
        let sent = server.received().len();
        let needed = DOMAINS * per_domain;
        // Exits by itself, at once, with 0 (the reader chose to stop; see the README).
        let status = status.unwrap_or_else(|| {
            panic!("{format}: still running 20 s after stdout was closed ({sent} queries)")
        });
        assert_eq!(status.code(), Some(0), "{format}");
        assert!(
            waited < Duration::from_secs(10),
            "{format}: took {waited:?}"
        );
        // The audits in flight when the pipe closed, not the list.
        assert!(
            sent < needed / 20,
            "{format}: {sent} queries sent; the whole list needs about {needed}"
        );
    }
}

// ------------------------------------------------------------------------------------------
// Item 15: --save-dns never corrupts the output, never truncates a good save

/// The demo zone, offline: an audit that needs no server.
const DEMO_ZONE: &str = "fixtures/demo/acme-shop.example.zone";
const DEMO_DOMAIN: &str = "acme-shop.example";

/// Checks that `output` is what `format` promises whatever failed: one JSON document, or
/// NDJSON lines that are each an object; returns the document or the last line.
fn well_formed(format: &str, output: &Output) -> Value {
    match format {
        "json" => serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "not one JSON document ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        }),
        "ndjson" => ndjson_objects(&output.stdout)
            .pop()
            .expect("at least one line"),
        _ => Value::Null,
    }
}

#[test]
fn an_unwritable_save_path_stops_the_run_before_any_query() {
    let dir = Scratch::new("unwritable");
    let server = pipe_server(&dir);
    let paths = [
        dir.path("missing/run.json"),
        // A directory where the file should be.
        dir.0.clone(),
    ];
    for path in &paths {
        for format in ["human", "json", "ndjson"] {
            server.clear_received();
            let output = mailcheck()
                .arg("--nameserver")
                .arg(server.addr.to_string())
                .args(["--color", "never", "--format", format, "--save-dns"])
                .arg(path)
                .arg("d1.pipe.test")
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(2), "{format} {}", path.display());
            assert_eq!(server.received().len(), 0, "queries sent before the check");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(stderr.contains("cannot write --save-dns"), "{stderr}");
            let error = well_formed(format, &output);
            match format {
                "human" => assert!(output.stdout.is_empty()),
                "ndjson" => {
                    // The error document, on one line.
                    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 1);
                    assert_eq!(error["error"]["kind"], "input");
                }
                _ => assert_eq!(error["error"]["kind"], "input"),
            }
        }
    }
    // Nothing was left behind.
    assert_eq!(dir.files(), ["zones"]);
}

#[cfg(target_os = "linux")]
#[test]
fn a_save_that_fails_at_the_end_keeps_the_previous_save_and_the_output_well_formed() {
    let dir = Scratch::new("full");
    let save = dir.path("run.json");
    let audit = |format: &str, file_size_limit: Option<&str>| {
        // RLIMIT_FSIZE stands for a full disk: a write past it fails (EFBIG), as one past the
        // end of the disk does (ENOSPC). SIGXFSZ, which would kill the process instead, is
        // ignored, and stays ignored across exec.
        let mut command = Command::new("sh");
        let limit = file_size_limit.map_or(String::new(), |blocks| format!("ulimit -f {blocks}; "));
        command
            .arg("-c")
            .arg(format!("trap '' XFSZ; {limit}exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_mailcheck"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("NO_COLOR")
            .args(["--color", "never", "--offline", "--zone", DEMO_ZONE])
            .args(["--format", format, "--save-dns"])
            .arg(&save)
            .arg(DEMO_DOMAIN);
        command.output().unwrap()
    };
    // A good save, made atomically: the file and nothing else.
    let first = audit("json", None);
    assert_eq!(first.status.code(), Some(1));
    let good = std::fs::read(&save).unwrap();
    assert!(good.len() > 2048, "a save of {} bytes", good.len());
    assert_eq!(dir.files(), ["run.json"]);

    for format in ["json", "ndjson", "human"] {
        // One block of 512 or 1,024 bytes: the save does not fit.
        let output = audit(format, Some("1"));
        assert_eq!(output.status.code(), Some(2), "{format}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("cannot write --save-dns"), "{stderr}");
        // The previous save is whole, and no temporary file is left.
        assert_eq!(
            std::fs::read(&save).unwrap(),
            good,
            "{format}: the save was damaged"
        );
        assert_eq!(dir.files(), ["run.json"], "{format}");
        let result = well_formed(format, &output);
        match format {
            // One document: the audit, and the error beside it.
            "json" => {
                assert_eq!(result["domains"][0]["domain"], DEMO_DOMAIN);
                assert_eq!(result["error"]["kind"], "input");
            }
            // The domain's line, then the run line carrying the error.
            "ndjson" => {
                assert_eq!(ndjson_objects(&output.stdout).len(), 2);
                assert!(
                    result["run"]["error"]["message"]
                        .as_str()
                        .is_some_and(|message| message.contains("--save-dns")),
                    "{result}"
                );
            }
            _ => assert!(String::from_utf8_lossy(&output.stdout).contains(DEMO_DOMAIN)),
        }
    }
}

#[test]
fn tool_errors_and_single_reports_are_one_line_under_ndjson() {
    let runs: [&[&str]; 4] = [
        &["--replay", "/nonexistent/run.json", DEMO_DOMAIN],
        &["record", "spf", "v=spf1 -all"],
        &["--offline", "spf", DEMO_DOMAIN, "--ip", "192.0.2.1"],
        &["explain"],
    ];
    for args in runs {
        let output = mailcheck()
            .args(["--format", "ndjson"])
            .args(args)
            .output()
            .unwrap();
        let lines = ndjson_objects(&output.stdout);
        assert!(!lines.is_empty(), "{args:?}");
    }
}

// ------------------------------------------------------------------------------------------
// Item 16: a bad line of --input is one bad line, reported short

#[test]
fn a_list_with_bad_bytes_and_huge_lines_is_audited_with_bounded_errors() {
    let dir = Scratch::new("input");
    let mut list = Vec::new();
    list.extend_from_slice(b"acme-shop.example\n");
    list.extend_from_slice(b"\xff\xfe.example\n"); // line 2: not UTF-8
    list.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024)); // line 3: 10 MB
    list.extend_from_slice(b"\n");
    list.extend_from_slice(b"acme-shop.example # caf\xe9 (a Latin-1 comment)\n");
    for i in 0..150 {
        list.extend_from_slice(format!("not a domain {i}\n").as_bytes());
    }
    list.extend_from_slice(b"acme-shop.example\n");
    let list = dir.write("list.txt", list);
    let run = |format: &str| {
        mailcheck()
            .args(["--color", "never", "--offline", "--zone", DEMO_ZONE])
            .args(["--format", format, "--input"])
            .arg(&list)
            .output()
            .unwrap()
    };
    let invalid = 2 + 150;
    let listed = 100;

    let output = run("ndjson");
    assert_eq!(output.status.code(), Some(2));
    let lines = ndjson_objects(&output.stdout);
    assert_eq!(
        lines.len(),
        3 + 1,
        "three domains audited, then the run line"
    );
    let summary = &lines[3]["run"];
    let errors = summary["input_errors"].as_array().unwrap();
    assert_eq!(errors.len(), listed);
    assert_eq!(summary["input_errors_omitted"], invalid - listed);
    assert_eq!(errors[0]["line"], 2);
    assert!(errors[0]["message"].as_str().unwrap().contains("not UTF-8"));
    assert_eq!(errors[1]["line"], 3);
    assert!(
        errors[1]["message"]
            .as_str()
            .unwrap()
            .contains("10485760 bytes")
    );
    // Bounded, whatever the lines hold: no line quoted whole.
    let run_line = String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .map_or(0, str::len);
    assert!(run_line < 32 * 1024, "a run line of {run_line} bytes");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), listed + 1, "{stderr}");
    assert!(
        stderr.contains("52 more invalid lines not shown"),
        "{stderr}"
    );
    assert!(stderr.len() < 32 * 1024, "{} bytes on stderr", stderr.len());
    assert!(
        stderr.contains("list.txt:2: the line is not UTF-8"),
        "{stderr}"
    );

    let output = run("json");
    let document = well_formed("json", &output);
    assert_eq!(document["domains"].as_array().unwrap().len(), 3);
    assert_eq!(document["input_errors"].as_array().unwrap().len(), listed);
    assert_eq!(document["input_errors_omitted"], invalid - listed);

    let output = run("human");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).contains(DEMO_DOMAIN));
    assert_no_raw_controls("--input with bad bytes", &output);
}
