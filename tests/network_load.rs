//! The network under load (issue 18): no answer lost at `--concurrency 1024` (the run line
//! counts the kernel's drops and the timeouts), and `--max-qps` holding the rate at a server.

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::mailcheck;
use support::server::{Behaviour, TestServer};

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mailcheck-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("zones")).unwrap();
    dir
}

/// `count` synthetic domains `dN.load.test`, each a zone of its own (an in-memory zone's
/// negative answers cost time in proportion to its size) with SPF and DMARC, under a parent
/// zone `load.test`; and the list of them.
fn synthetic_domains(dir: &Path, count: usize) -> PathBuf {
    let soa = |origin: &str| {
        format!(
            "$ORIGIN {origin}.\n$TTL 3600\n@ IN SOA ns1.load.test. hostmaster.load.test. \
             ( 1 7200 3600 1209600 300 )\n  IN NS ns1.load.test.\n"
        )
    };
    let zones = dir.join("zones");
    std::fs::write(zones.join("load.test.zone"), soa("load.test")).unwrap();
    let mut list = String::new();
    for i in 0..count {
        let origin = format!("d{i}.load.test");
        let zone = format!(
            "{}@ IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n\
             _dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@{origin}\"\n",
            soa(&origin)
        );
        std::fs::write(zones.join(format!("{origin}.zone")), zone).unwrap();
        let _ = writeln!(list, "{origin}");
    }
    let path = dir.join("domains.txt");
    std::fs::write(&path, list).unwrap();
    path
}

/// The `run` object of the last NDJSON line.
fn run_line(stdout: &[u8]) -> Value {
    let text = String::from_utf8_lossy(stdout);
    let last = text.lines().last().expect("a run line");
    let line: Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {last}"));
    line["run"].clone()
}

/// 600 domains at `--concurrency 1024` against a server that answers at once: the kernel
/// drops no answer (the sockets' receive buffers are sized for the concurrency), no query
/// times out, no domain is incomplete; and the run line says so. (The 10,000-domain runs at
/// 1024 and 4096 are in `benches/batch.rs`.)
#[test]
fn no_answer_is_lost_at_concurrency_1024() {
    let dir = scratch("load");
    let list = synthetic_domains(&dir, 600);
    let server = TestServer::start(&dir.join("zones"), Behaviour::default());
    let output = mailcheck()
        .arg("--nameserver")
        .arg(server.addr.to_string())
        .args(["--timeout", "10", "--retries", "0", "--fail-on", "never"])
        .args(["--concurrency", "1024", "--format", "ndjson", "--input"])
        .arg(&list)
        .output()
        .unwrap();
    let run = run_line(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{run}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(run["domains"], 600, "{run}");
    let network = &run["network"];
    if cfg!(target_os = "linux") {
        assert_eq!(network["answers_dropped"], 0, "{run}");
    } else {
        assert!(
            network.get("answers_dropped").is_none(),
            "unknown, not 0: {run}"
        );
    }
    assert_eq!(network["queries_timed_out"], 0, "{run}");
    assert_eq!(network["lookups_timed_out"], 0, "{run}");
    assert_eq!(run["incomplete"], 0, "{run}");
    // 1024 over 8 sockets: 1 MiB each wanted, and the kernel's answer reported.
    assert_eq!(network["receive_buffer"]["wanted"], 1 << 20, "{run}");
    assert!(
        network["receive_buffer"]["granted"].as_u64() > Some(0),
        "{run}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A run with a timeout says how many queries timed out, in the run line and in the human
/// totals, with what to try.
#[test]
fn timeouts_are_counted_and_the_totals_say_what_to_do() {
    let dir = scratch("timeouts");
    let list = synthetic_domains(&dir, 3);
    let behaviour = Behaviour {
        rules: vec![(
            "_dmarc.d1.load.test".to_owned(),
            support::server::Action::Drop,
        )],
        delay: Duration::ZERO,
    };
    let server = TestServer::start(&dir.join("zones"), behaviour);
    let run = |format: &str| {
        mailcheck()
            .arg("--nameserver")
            .arg(server.addr.to_string())
            .args(["--timeout", "1", "--retries", "1", "--fail-on", "never"])
            .args(["--color", "never", "--format", format, "--input"])
            .arg(&list)
            .output()
            .unwrap()
    };
    let output = run("ndjson");
    let network = run_line(&output.stdout)["network"].clone();
    // One lookup, two tries (--retries 1).
    assert_eq!(network["queries_timed_out"], 2, "{network}");
    assert_eq!(network["lookups_timed_out"], 1, "{network}");
    let output = run("human");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("2 queries timed out") && text.contains("a lower --concurrency may help"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--max-qps 100`: the queries reach the server at most 100 a second, counted over every
/// one-second window of the run, and the run takes as long as that rate needs.
#[test]
fn max_qps_holds_the_rate_at_the_server() {
    let dir = scratch("qps");
    let list = synthetic_domains(&dir, 6);
    let server = TestServer::start(&dir.join("zones"), Behaviour::default());
    let start = Instant::now();
    let mut child = mailcheck()
        .arg("--nameserver")
        .arg(server.addr.to_string())
        .args([
            "--max-qps",
            "100",
            "--concurrency",
            "256",
            "--fail-on",
            "never",
        ])
        .args(["--format", "ndjson", "--input"])
        .arg(&list)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // How many queries the server had received, every 10 ms.
    let mut counts = vec![(Duration::ZERO, 0)];
    while child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(10));
        counts.push((start.elapsed(), server.received().len()));
    }
    let elapsed = start.elapsed();
    let total = server.received().len();
    assert!(
        total > 150,
        "enough queries for the rate to matter: {total}"
    );
    // The tries are spaced 10 ms apart: the run cannot be faster.
    assert!(
        elapsed >= Duration::from_millis(10 * (total as u64 - 1)),
        "{total} queries in {elapsed:?}"
    );
    // Any second (the samples a second or less apart) holds at most 100, and one more for
    // the sampling's edges.
    for (at, &(time, count)) in counts.iter().enumerate() {
        for &(later, later_count) in &counts[at..] {
            if later.saturating_sub(time) <= Duration::from_secs(1) {
                assert!(
                    later_count - count <= 101,
                    "{} queries between {time:?} and {later:?}",
                    later_count - count
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--max-qps` is checked: 0 and too much are usage errors (exit 2).
#[test]
fn bad_max_qps_is_a_usage_error() {
    for bad in ["0", "1000001", "-5", "lots"] {
        let output = mailcheck()
            .arg(format!("--max-qps={bad}"))
            .arg("example.test")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--max-qps"), "{bad}: {stderr}");
    }
}
