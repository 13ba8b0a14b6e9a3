//! Many domains, fast: `cargo bench --bench batch`.
//!
//! Generates N synthetic domains, each with the records of a full audit (two MX hosts with
//! IPv4 and IPv6 and forward-confirmed PTRs, an SPF record with a 3-deep include chain, a DKIM
//! key, DMARC, MTA-STS and TLS-RPT), serves them from the in-process DNS server with a delay on
//! every answer, and runs the real `mailcheck` binary over the list, measuring wall time,
//! domains per second, CPU time and peak memory (VmHWM, polled from /proc).
//!
//! Scenarios: 1,000 domains at the default concurrency and at 256 with 20 ms per answer; 10,000
//! domains in NDJSON mode to show that peak memory does not grow with the count, and at
//! `--concurrency 1024` to show how far the rate scales; with no delay, 1,000 and 10,000 domains
//! at 256 for mailcheck's CPU time per query, answered by an answer cache in front of the test
//! server (`support/answer_cache.rs`, filled by a warm-up run) so that the server, which costs
//! as much CPU per query as mailcheck, is not the bottleneck; and the long list with no delay
//! at `--concurrency` 1024 and 4096, which print the answers the kernel dropped on mailcheck's
//! sockets and the queries that timed out, as the run line reports them, with the system-wide
//! `RcvbufErrors` of `/proc/net/snmp` before and after as a cross-check (issue 18). Set
//! `MAILCHECK_BENCH_QUICK=1` for a shorter run, and `MAILCHECK_BENCH_BINARY=PATH` to measure
//! another build of mailcheck (an earlier commit's, for a before and after).

// A benchmark's job is to print its figures.
#![allow(clippy::print_stdout)]
// Figures for people: a few thousand domains and queries fit an f64 exactly.
#![allow(clippy::cast_precision_loss, clippy::many_single_char_names)]

#[path = "support/answer_cache.rs"]
mod answer_cache;
#[path = "../tests/support/server.rs"]
mod server;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use answer_cache::AnswerCache;
use server::{Behaviour, TestServer};

const DELAY: Duration = Duration::from_millis(20);

fn main() {
    let (small, large, only) = settings();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("batch-bench");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("zones")).expect("bench dir");
    write_zones(&dir.join("zones"), large);
    write_list(&dir.join("small.txt"), small);
    write_list(&dir.join("large.txt"), large);

    let delayed = TestServer::start(
        &dir.join("zones"),
        Behaviour {
            rules: Vec::new(),
            delay: DELAY,
        },
    );
    let instant = TestServer::start(&dir.join("zones"), Behaviour::default());
    let cache = AnswerCache::start(instant.addr);

    print_header();
    let delayed = Target::Direct(&delayed, DELAY);
    let instant = Target::Cached(&cache);
    let mut warmed_up = false;
    let scenarios = scenarios(delayed, instant, small, large);
    for (label, target, list, count, concurrency, format) in scenarios {
        if !label.contains(&only) {
            continue;
        }
        if matches!(target, Target::Cached(_)) && !warmed_up {
            // Every question of the long list (the short one is its first part) asked once,
            // so that the measured runs are answered from the cache alone.
            run_mailcheck(target.addr(), &dir.join("large.txt"), 256, "ndjson");
            warmed_up = true;
        }
        target.clear();
        let server_cpu_before = read_cpu(std::process::id());
        let rcvbuf_errors_before = read_rcvbuf_errors();
        let run = run_mailcheck(target.addr(), &dir.join(list), concurrency, format);
        let rcvbuf_errors = read_rcvbuf_errors()
            .zip(rcvbuf_errors_before)
            .map(|(after, before)| after.saturating_sub(before));
        // This process runs the test server (and the /proc polling, which is small): its CPU
        // time shares the same two cores with mailcheck's.
        let server_cpu = read_cpu(std::process::id())
            .zip(server_cpu_before)
            .map(|(after, before)| after.saturating_sub(before));
        let queries = target.queries();
        print_row(
            label,
            count,
            queries,
            concurrency,
            target.delay(),
            &run,
            server_cpu,
        );
        if let Target::Cached(cache) = target {
            println!(
                "{:<34} answered from the cache: {} of {queries} queries",
                "",
                queries - cache.misses()
            );
        }
        print_network(&run, rcvbuf_errors, format);
    }
}

/// The server a scenario asks: the test server itself (with its delay), or the answer cache
/// in front of it, for the scenarios that measure mailcheck's CPU time with no delay: the
/// test server spends about as much CPU per query as mailcheck and would be the bottleneck.
#[derive(Clone, Copy)]
enum Target<'a> {
    Direct(&'a TestServer, Duration),
    Cached(&'a AnswerCache),
}

impl Target<'_> {
    fn addr(self) -> SocketAddr {
        match self {
            Target::Direct(server, _) => server.addr,
            Target::Cached(cache) => cache.addr,
        }
    }

    fn delay(self) -> Duration {
        match self {
            Target::Direct(_, delay) => delay,
            Target::Cached(_) => Duration::ZERO,
        }
    }

    fn clear(self) {
        match self {
            Target::Direct(server, _) => server.clear_received(),
            Target::Cached(cache) => cache.clear_counts(),
        }
    }

    /// UDP queries received since the last clear.
    fn queries(self) -> usize {
        match self {
            Target::Direct(server, _) => server.received().iter().filter(|q| !q.tcp).count(),
            Target::Cached(cache) => cache.queries(),
        }
    }
}

/// One scenario: label, server, list file, its length, `--concurrency`, `--format`.
type Scenario<'a> = (
    &'static str,
    Target<'a>,
    &'static str,
    usize,
    usize,
    &'static str,
);

/// The scenarios, in the order they run.
fn scenarios<'a>(
    delayed: Target<'a>,
    instant: Target<'a>,
    small: usize,
    large: usize,
) -> Vec<Scenario<'a>> {
    vec![
        (
            "20 ms, default concurrency (64)",
            delayed,
            "small.txt",
            small,
            64,
            "json",
        ),
        (
            "20 ms, --concurrency 256",
            delayed,
            "small.txt",
            small,
            256,
            "json",
        ),
        (
            "20 ms, 256, NDJSON",
            delayed,
            "small.txt",
            small,
            256,
            "ndjson",
        ),
        (
            "20 ms, 256, NDJSON, long list",
            delayed,
            "large.txt",
            large,
            256,
            "ndjson",
        ),
        (
            "20 ms, 1024, NDJSON, long list",
            delayed,
            "large.txt",
            large,
            1024,
            "ndjson",
        ),
        (
            "no delay, 256, NDJSON",
            instant,
            "small.txt",
            small,
            256,
            "ndjson",
        ),
        (
            "no delay, 256, NDJSON, long list",
            instant,
            "large.txt",
            large,
            256,
            "ndjson",
        ),
        (
            "no delay, 1024, NDJSON, long list",
            instant,
            "large.txt",
            large,
            1024,
            "ndjson",
        ),
        (
            "no delay, 4096, NDJSON, long list",
            instant,
            "large.txt",
            large,
            4096,
            "ndjson",
        ),
    ]
}

/// What the run line says of the network (drops and timeouts), with the system-wide
/// `RcvbufErrors` over the run.
fn print_network(run: &Run, rcvbuf_errors: Option<u64>, format: &str) {
    if let Some(network) = &run.network {
        let shown = |value: &serde_json::Value| {
            if value.is_null() {
                "unknown".to_owned()
            } else {
                value.to_string()
            }
        };
        println!(
            "{:<34} answers dropped by the kernel: {} (system-wide RcvbufErrors +{}), \
             queries timed out: {}, receive buffer: {}",
            "",
            shown(&network["answers_dropped"]),
            rcvbuf_errors.map_or_else(|| "?".to_owned(), |n| n.to_string()),
            shown(&network["queries_timed_out"]),
            network
                .get("receive_buffer")
                .map_or_else(|| "default".to_owned(), ToString::to_string),
        );
    } else if format == "ndjson" {
        println!(
            "{:<34} no network summary in the run line (an earlier build); system-wide \
             RcvbufErrors +{}",
            "",
            rcvbuf_errors.map_or_else(|| "?".to_owned(), |n| n.to_string()),
        );
    }
}

/// The system's count of UDP datagrams dropped for a full receive buffer (every process's),
/// from `/proc/net/snmp`.
fn read_rcvbuf_errors() -> Option<u64> {
    let snmp = std::fs::read_to_string("/proc/net/snmp").ok()?;
    let mut udp = snmp.lines().filter(|line| line.starts_with("Udp: "));
    let names: Vec<&str> = udp.next()?.split_whitespace().collect();
    let values: Vec<&str> = udp.next()?.split_whitespace().collect();
    let at = names.iter().position(|name| *name == "RcvbufErrors")?;
    values.get(at)?.parse().ok()
}

/// Prints one scenario's figures: the table row, then the CPU times.
fn print_row(
    label: &str,
    count: usize,
    queries: usize,
    concurrency: usize,
    delay: Duration,
    run: &Run,
    server_cpu: Option<Duration>,
) {
    let per_domain = queries as f64 / count as f64;
    let rate = count as f64 / run.wall.as_secs_f64();
    // The rate the concurrency limit allows: that many queries in flight, each taking
    // the delay, spread over the queries one domain needs.
    let limit = if delay.is_zero() {
        f64::INFINITY
    } else {
        concurrency as f64 / (per_domain * delay.as_secs_f64())
    };
    println!(
        "{:<34} {:>7} {:>9.2} {:>9.0} {:>10.0} {:>8.0}% {:>9.1} {:>7.1} MB {:>11}",
        label,
        count,
        run.wall.as_secs_f64(),
        rate,
        limit,
        100.0 * rate / limit,
        per_domain,
        run.peak_rss_kb as f64 / 1024.0,
        run.incomplete,
    );
    if delay.is_zero() {
        println!(
            "{:<34} CPU time per domain audit: {:.2} ms, per query: {:.1} µs (user+system {:.2} s over {count} domains, {queries} queries)",
            "",
            run.cpu.as_secs_f64() * 1000.0 / count as f64,
            run.cpu.as_secs_f64() * 1e6 / queries as f64,
            run.cpu.as_secs_f64()
        );
    }
    if let Some(server_cpu) = server_cpu {
        println!(
            "{:<34} CPU: mailcheck {:.2} s, test server {:.2} s",
            "",
            run.cpu.as_secs_f64(),
            server_cpu.as_secs_f64()
        );
    }
}

/// The list sizes and the scenario filter, from the environment: `MAILCHECK_BENCH_QUICK` for
/// a shorter run, `MAILCHECK_BENCH_LARGE=N` for the size of the long NDJSON run (to see how
/// peak memory follows the count), `MAILCHECK_BENCH_ONLY=TEXT` for the scenarios whose label
/// contains TEXT.
fn settings() -> (usize, usize, String) {
    let quick = std::env::var_os("MAILCHECK_BENCH_QUICK").is_some();
    let (small, large) = if quick { (200, 1000) } else { (1000, 10_000) };
    let large = std::env::var("MAILCHECK_BENCH_LARGE")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(large);
    let only = std::env::var("MAILCHECK_BENCH_ONLY").unwrap_or_default();
    (small, large, only)
}

fn print_header() {
    println!(
        "{:<34} {:>7} {:>9} {:>9} {:>10} {:>9} {:>9} {:>10} {:>11}",
        "scenario",
        "domains",
        "wall s",
        "dom/s",
        "limit/s",
        "of limit",
        "q/domain",
        "peak RSS",
        "incomplete"
    );
}

struct Run {
    wall: Duration,
    cpu: Duration,
    peak_rss_kb: u64,
    incomplete: usize,
    /// The `network` object of the NDJSON run line, when there is one.
    network: Option<serde_json::Value>,
}

/// Runs the binary over a list, polling /proc for its peak RSS and CPU time until it exits.
fn run_mailcheck(server: SocketAddr, list: &Path, concurrency: usize, format: &str) -> Run {
    let out = list.with_extension(format!("{concurrency}.{format}"));
    let start = Instant::now();
    let binary = std::env::var_os("MAILCHECK_BENCH_BINARY")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_mailcheck").into());
    let mut child = Command::new(binary)
        .arg("--nameserver")
        .arg(server.to_string())
        .args(["--timeout", "5", "--retries", "0", "--fail-on", "never"])
        .arg("--concurrency")
        .arg(concurrency.to_string())
        .arg("--format")
        .arg(format)
        .arg("--input")
        .arg(list)
        .stdout(std::fs::File::create(&out).expect("output file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("run mailcheck");
    let pid = child.id();
    let (mut peak_rss_kb, mut cpu) = (0, Duration::ZERO);
    loop {
        if let Some(kb) = read_peak_rss(pid) {
            peak_rss_kb = peak_rss_kb.max(kb);
        }
        if let Some(time) = read_cpu(pid) {
            cpu = cpu.max(time);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            // 0, or 3 when some lookups failed (counted below); anything else is a bug.
            assert!(
                matches!(status.code(), Some(0 | 3)),
                "mailcheck failed: {status}"
            );
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let wall = start.elapsed();
    let text = std::fs::read_to_string(&out).expect("output");
    // Domains with a failed lookup: with a healthy server there are none.
    let incomplete = text.matches("\"status\": \"incomplete\"").count()
        + text.matches("\"status\":\"incomplete\"").count();
    let network = text
        .lines()
        .last()
        .and_then(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .and_then(|line| line["run"].get("network").cloned());
    Run {
        wall,
        cpu,
        peak_rss_kb,
        incomplete,
        network,
    }
}

fn read_peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User plus system time, from /proc/PID/stat (fields 14 and 15, in clock ticks of 10 ms).
fn read_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn write_list(path: &Path, count: usize) {
    let mut text = String::new();
    for i in 0..count {
        let _ = writeln!(text, "d{i}.batch.test");
    }
    std::fs::write(path, text).expect("domain list");
}

/// One zone per synthetic domain, and reverse zones of at most 256 addresses each: an
/// in-memory zone's negative answers cost time in proportion to its size, and the benchmark
/// measures mailcheck, not the test server.
fn write_zones(dir: &Path, count: usize) {
    let soa = |origin: &str| {
        format!(
            "$ORIGIN {origin}.\n$TTL 3600\n@ IN SOA ns1.batch.test. hostmaster.batch.test. ( 1 7200 3600 1209600 300 )\n  IN NS ns1.batch.test.\n"
        )
    };
    let mut reverse: BTreeMap<String, String> = BTreeMap::new();
    // A real ed25519 public key (32 bytes); its value does not matter to DNS.
    let key = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    for i in 0..count {
        let origin = format!("d{i}.batch.test");
        let mut zone = soa(&origin);
        let _ = write!(
            zone,
            "@ IN MX 10 mx1\n@ IN MX 20 mx2\n\
             @ IN TXT \"v=spf1 include:_spf1.{origin} -all\"\n\
             _spf1 IN TXT \"v=spf1 include:_spf2.{origin} -all\"\n\
             _spf2 IN TXT \"v=spf1 include:_spf3.{origin} -all\"\n\
             _spf3 IN TXT \"v=spf1 ip4:45.0.0.0/8 -all\"\n\
             selector1._domainkey IN TXT \"v=DKIM1; k=ed25519; p={key}\"\n\
             _dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@{origin}\"\n\
             _mta-sts IN TXT \"v=STSv1; id=20261126\"\n\
             _smtp._tls IN TXT \"v=TLSRPTv1; rua=mailto:tls@{origin}\"\n"
        );
        for host in 1..=2 {
            // Distinct public addresses per host: 45.x.y.z and 2606:2800::x:y:z.
            let n = i * 2 + host;
            let (a, b, c) = ((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
            let _ = writeln!(zone, "mx{host} IN A 45.{a}.{b}.{c}");
            let _ = writeln!(zone, "mx{host} IN AAAA 2606:2800::{a:x}:{b:x}:{c:x}");
            let _ = writeln!(zone, "out{host} IN A 45.{a}.{b}.{c}");
            let _ = writeln!(zone, "out{host} IN AAAA 2606:2800::{a:x}:{b:x}:{c:x}");
            let ptr = format!("IN PTR out{host}.{origin}.");
            let v4 = reverse
                .entry(format!("{b}.{a}.45.in-addr.arpa"))
                .or_insert_with_key(|origin| soa(origin));
            let _ = writeln!(v4, "{c} {ptr}");
            // 2606:2800:0000:0000:0000:00aa:00bb:00cc, nibbles reversed (RFC 3596 §2.5): the
            // zone holds the /112, the owner is the last four nibbles.
            let nibbles = |hex: String| -> String {
                hex.chars().rev().flat_map(|nibble| [nibble, '.']).collect()
            };
            let v6 = reverse
                .entry(format!(
                    "{}ip6.arpa",
                    nibbles(format!("26062800000000000000{a:04x}{b:04x}"))
                ))
                .or_insert_with_key(|origin| soa(origin));
            let owner = nibbles(format!("{c:04x}"));
            let _ = writeln!(v6, "{} {ptr}", owner.trim_end_matches('.'));
        }
        std::fs::write(dir.join(format!("{origin}.zone")), zone).expect("zone");
    }
    for (origin, zone) in reverse {
        std::fs::write(dir.join(format!("{origin}.zone")), zone).expect("zone");
    }
}
