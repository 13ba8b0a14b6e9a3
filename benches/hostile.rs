//! Hostile input that once cost unbounded work, timed: `cargo bench --bench hostile`.
//!
//! `tests/hostile_bounds.rs` asserts what is stable (queries sent, the size of the output,
//! peak RSS under a bound); this prints what is not, the wall time of each case with the
//! release binary, beside the same figures. Each case runs once: they are about orders of
//! magnitude (minutes before, a fraction of a second now), not percents. Set
//! `MAILCHECK_BENCH_ONLY=TEXT` for the cases whose label contains TEXT.

// A benchmark's job is to print its figures.
#![allow(clippy::print_stdout)]
// Figures for people: megabytes from kilobytes.
#![allow(clippy::cast_precision_loss)]

#[path = "../tests/support/hostile.rs"]
mod hostile;
#[path = "../tests/support/server.rs"]
mod server;

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use hostile::{
    deadline_zones, expect_text, fan_out_zone, huge_spf_record, mx_fan_out_zones, run_measured,
    scratch, serve, spf_with_bad_terms, spf_with_open_macros, txt_strings, zone_head,
};
use server::{Action, Behaviour, TestServer};

fn main() {
    let only = std::env::var("MAILCHECK_BENCH_ONLY").unwrap_or_default();
    println!(
        "{:<58} {:>9} {:>9} {:>11} {:>8}",
        "case", "wall ms", "peak MB", "output B", "queries"
    );
    for (label, case) in cases() {
        if label.contains(only.as_str()) {
            case(label);
        }
    }
}

/// A case: its label, and how to run it.
type Case = (&'static str, fn(&str));

fn cases() -> Vec<Case> {
    vec![
        ("record spf, 21,800 bad terms (item 5)", |label| {
            record(label, &spf_with_bad_terms(21_800));
        }),
        ("record spf, 60,000 unclosed macros (item 5)", |label| {
            record(label, &spf_with_open_macros(60_000));
        }),
        (
            "audit, a 60 KB SPF record of 4,600 bad terms (item 5)",
            |label| {
                let zone = format!("@ IN TXT {}\n", txt_strings(&huge_spf_record()));
                audit(
                    label,
                    &[("huge.test", zone)],
                    Behaviour::default(),
                    "huge.test",
                    &[],
                );
            },
        ),
        (
            "audit, SPF 200 include: + 200 a: per record (item 6)",
            |label| {
                let zone = fan_out_zone(200, 200, false);
                audit(
                    label,
                    &[("wide.test", zone)],
                    Behaviour::default(),
                    "wide.test",
                    &[],
                );
            },
        ),
        ("audit, 50 MX x 100 addresses x 5 PTR (item 7)", |label| {
            let zones = mx_fan_out_zones();
            audit(label, &zones, Behaviour::default(), "mxfan.test", &[]);
        }),
        ("audit, 1,000 MX hosts (item 7)", |label| {
            let zones = mx_fan_out_zones();
            audit(label, &zones, Behaviour::default(), "onek.test", &[]);
        }),
        (
            "audit, slow 12-deep SPF chain, --audit-timeout 2 (item 8)",
            |label| {
                deadline(label, "2");
            },
        ),
        (
            "audit, slow 12-deep SPF chain, default 60 s (item 8)",
            |label| {
                deadline(label, "60");
            },
        ),
        ("--expect with 1,000 records, --offline (item 10)", expect),
        ("2,000 domains at --concurrency 4096 (item 9)", concurrency),
    ]
}

/// One line of figures.
fn report(label: &str, started: Instant, rss: Option<u64>, output: usize, queries: usize) {
    let rss = rss.map_or_else(|| "-".to_owned(), |kb| format!("{:.1}", kb as f64 / 1024.0));
    println!(
        "{label:<58} {:>9.0} {rss:>9} {output:>11} {queries:>8}",
        started.elapsed().as_secs_f64() * 1000.0
    );
}

fn mailcheck() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mailcheck"));
    command.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    command
}

fn record(label: &str, text: &str) {
    let mut command = mailcheck();
    command.args(["record", "spf", "--json", text]);
    let started = Instant::now();
    let (output, rss) = run_measured(&command);
    report(label, started, rss, output.stdout.len(), 0);
}

fn against(server: &TestServer) -> Command {
    let mut command = mailcheck();
    command
        .arg("--nameserver")
        .arg(server.addr.to_string())
        .args(["--timeout", "5", "--retries", "0"]);
    command
}

fn audit(label: &str, zones: &[(&str, String)], behaviour: Behaviour, domain: &str, args: &[&str]) {
    let server = serve("bench", zones, behaviour);
    let mut command = against(&server);
    command.args(["--format", "json"]).args(args).arg(domain);
    let started = Instant::now();
    let (output, rss) = run_measured(&command);
    report(
        label,
        started,
        rss,
        output.stdout.len(),
        server.received().len(),
    );
}

fn deadline(label: &str, seconds: &str) {
    let zones = deadline_zones();
    let zones: Vec<(&str, String)> = zones
        .iter()
        .map(|(origin, body)| (origin.as_str(), body.clone()))
        .collect();
    let slow = (1..=7)
        .map(|zone| {
            (
                format!("l{zone}.test"),
                Action::Delay(Duration::from_millis(900)),
            )
        })
        .collect();
    let behaviour = Behaviour {
        rules: slow,
        delay: Duration::ZERO,
    };
    audit(
        label,
        &zones,
        behaviour,
        "deadline.test",
        &["--audit-timeout", seconds],
    );
}

fn expect(label: &str) {
    let dir = scratch("bench-expect");
    let zone = dir.join("cap.test.zone");
    std::fs::write(&zone, zone_head("cap.test")).expect("zone file");
    let file = dir.join("expect.zone");
    std::fs::write(&file, expect_text(1000, 1000)).expect("expect file");
    let mut command = mailcheck();
    command
        .args(["--offline", "--format", "json", "--zone"])
        .arg(&zone)
        .arg("--expect")
        .arg(&file)
        .arg("cap.test");
    let started = Instant::now();
    let (output, rss) = run_measured(&command);
    report(label, started, rss, output.stdout.len(), 0);
}

fn concurrency(label: &str) {
    let server = serve(
        "bench-bulk",
        &[("bulk.test", String::new())],
        Behaviour::default(),
    );
    let list = scratch("bench-bulk-list").join("domains.txt");
    let mut text = String::new();
    for i in 0..2000 {
        let _ = writeln!(text, "d{i}.bulk.test");
    }
    std::fs::write(&list, text).expect("domain list");
    let mut command = against(&server);
    command
        .args(["--format", "ndjson", "--concurrency", "4096", "--input"])
        .arg(&list);
    let started = Instant::now();
    let (output, rss) = run_measured(&command);
    report(
        label,
        started,
        rss,
        output.stdout.len(),
        server.received().len(),
    );
}
