//! Issue 12, "Hostile input", items 5 to 10: bounded work and memory for one domain, whatever
//! its DNS, a record, a file or a flag throws at mailcheck. Each test reproduces one defect of
//! the issue (a zone served by the in-process test server, which counts what it receives, or
//! a file generated here) and asserts the documented bound: query counts, the size of the
//! output, peak RSS where `/usr/bin/time` can measure it, and "finishes at all" for what used
//! to run for minutes (times themselves are measured by `cargo bench`, never asserted here).
//!
//! The caps are documented in README.md, "Reliability and limits".

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use support::mailcheck;
use support::server::{Action, Behaviour, TestServer};

/// A fresh directory for one test's files, under the target directory.
fn scratch(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile-bounds")
        .join(format!(
            "{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// The head of a zone file for `origin` (no trailing dot).
fn zone_head(origin: &str) -> String {
    format!(
        "$ORIGIN {origin}.\n$TTL 3600\n@ IN SOA ns1.{origin}. hostmaster.{origin}. ( 1 7200 3600 \
         1209600 300 )\n  IN NS ns1.{origin}.\nns1 IN A 93.184.216.1\n"
    )
}

/// Writes each `(origin, body)` as a zone file of a new directory and starts a test server on
/// it, with `behaviour`.
fn serve(name: &str, zones: &[(&str, String)], behaviour: Behaviour) -> TestServer {
    let dir = scratch(name);
    for (origin, body) in zones {
        let text = format!("{}{body}", zone_head(origin));
        std::fs::write(dir.join(format!("{origin}.zone")), text).expect("write a zone file");
    }
    TestServer::start(&dir, behaviour)
}

/// `mailcheck` against `server`, no retries, a timeout that a loaded machine meets.
fn against(server: &TestServer) -> Command {
    let mut command = mailcheck();
    command
        .arg("--nameserver")
        .arg(server.addr.to_string())
        .args(["--timeout", "5", "--retries", "0"]);
    command
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

// ------------------------------------------------------------------------------------------
// Item 9: a large --concurrency

/// Issue 12 item 9: 2,000 domains at `--concurrency 20000` wrote nothing in 60 s, the cache's
/// eviction stepping over 100,000 questions in flight under its lock on every insert. The
/// largest value accepted now, 4,096, puts as many questions in flight at once (2,000 audits
/// of about 50 questions, more than the cache's 50,000 answers) and must finish; a larger one
/// is refused with a message.
#[test]
fn the_largest_concurrency_accepted_audits_a_long_list() {
    let server = serve(
        "concurrency",
        &[("bulk.test", String::new())],
        Behaviour::default(),
    );
    let dir = scratch("concurrency-list");
    let list = dir.join("domains.txt");
    let mut text = String::new();
    for i in 0..2000 {
        let _ = writeln!(text, "d{i}.bulk.test");
    }
    std::fs::write(&list, text).unwrap();
    let started = Instant::now();
    let output = against(&server)
        .args([
            "--format",
            "ndjson",
            "--fail-on",
            "never",
            "--concurrency",
            "4096",
        ])
        .arg("--input")
        .arg(&list)
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&output.stdout).lines().count();
    assert_eq!(lines, 2001, "{}", stderr(&output));
    assert!(
        matches!(output.status.code(), Some(0 | 3)),
        "{}",
        stderr(&output)
    );
    // "Finishes at all": the stalled run never did.
    assert!(started.elapsed() < Duration::from_secs(600));

    let output = against(&server)
        .args(["--concurrency", "4097", "d1.bulk.test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("4096"), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
}

// ------------------------------------------------------------------------------------------
// Item 7: --retries

/// Issue 12 item 7: `--retries 1000000` sent 10,000 queries a second at a SERVFAIL server,
/// for ever. At most 5 retries are accepted, each after a pause that doubles (0.1 s to 1.6 s):
/// every question reaches the server exactly 6 times, no sooner than 3.1 s after the first.
#[test]
fn retries_are_capped_and_back_off() {
    let output = mailcheck()
        .args(["--offline", "--retries", "1000000", "example.com"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("at most") || stderr(&output).contains("more than the 5 retries"),
        "{}",
        stderr(&output)
    );

    let server = serve(
        "retries",
        &[("servfail.test", String::new())],
        Behaviour {
            rules: vec![("servfail.test".to_owned(), Action::ServFail)],
            delay: Duration::ZERO,
        },
    );
    let started = Instant::now();
    let output = mailcheck()
        .arg("--nameserver")
        .arg(server.addr.to_string())
        .args([
            "--timeout",
            "5",
            "--retries",
            "5",
            "--format",
            "json",
            "servfail.test",
        ])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let received = server.received();
    let mut per_question: std::collections::HashMap<(String, String), usize> =
        std::collections::HashMap::new();
    for query in &received {
        *per_question
            .entry((query.name.clone(), query.rtype.clone()))
            .or_default() += 1;
    }
    assert!(
        per_question.values().all(|&tries| tries == 6),
        "{per_question:?}"
    );
    assert_eq!(received.len(), 6 * per_question.len());
    // The pauses before the five retries: 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s.
    assert!(elapsed >= Duration::from_millis(3100), "{elapsed:?}");
}
