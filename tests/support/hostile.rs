//! Generated hostile input for `tests/hostile_bounds.rs` and `benches/hostile.rs`:
//! zones served by the test server, big records and files, and running the binary under
//! `/usr/bin/time` to measure its peak RSS.

#![allow(dead_code)] // each user takes a different part of it

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::server::{Behaviour, TestServer};

/// A fresh directory for one test's files, under the target directory.
pub fn scratch(name: &str) -> PathBuf {
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
pub fn zone_head(origin: &str) -> String {
    format!(
        "$ORIGIN {origin}.\n$TTL 3600\n@ IN SOA ns1.{origin}. hostmaster.{origin}. ( 1 7200 3600 \
         1209600 300 )\n  IN NS ns1.{origin}.\nns1 IN A 93.184.216.1\n"
    )
}

/// Writes each `(origin, body)` as a zone file of a new directory and starts a test server on
/// it, with `behaviour`.
pub fn serve(name: &str, zones: &[(&str, String)], behaviour: Behaviour) -> TestServer {
    let dir = scratch(name);
    for (origin, body) in zones {
        let text = format!("{}{body}", zone_head(origin));
        std::fs::write(dir.join(format!("{origin}.zone")), text).expect("write a zone file");
    }
    TestServer::start(&dir, behaviour)
}

/// Runs `command`, under `/usr/bin/time -v` when it is there, giving its output and its peak
/// RSS in kB (`None` without `/usr/bin/time`: the caller skips that one assertion).
pub fn run_measured(command: &Command) -> (Output, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    let mut measured = if time.exists() {
        let mut wrapper = Command::new(time);
        wrapper.arg("-v").arg(command.get_program());
        wrapper.args(command.get_args());
        for (key, value) in command.get_envs() {
            match value {
                Some(value) => wrapper.env(key, value),
                None => wrapper.env_remove(key),
            };
        }
        if let Some(dir) = command.get_current_dir() {
            wrapper.current_dir(dir);
        }
        wrapper
    } else {
        // Straight to stderr: libtest captures the output of a passing test, and a skipped
        // assertion nobody sees would read as one that was checked.
        let _ = writeln!(
            std::io::stderr().lock(),
            "/usr/bin/time is not installed: peak RSS is not measured"
        );
        let mut plain = Command::new(command.get_program());
        plain.args(command.get_args());
        plain
    };
    let output = measured.output().expect("mailcheck runs");
    let rss = time.exists().then(|| {
        String::from_utf8_lossy(&output.stderr)
            .lines()
            .find_map(|line| {
                line.trim()
                    .strip_prefix("Maximum resident set size (kbytes):")
            })
            .and_then(|kb| kb.trim().parse().ok())
            .expect("/usr/bin/time -v reports the peak RSS")
    });
    (output, rss)
}

/// `text` as the quoted character-strings of one zone-file TXT record, at most 255 octets each.
pub fn txt_strings(text: &str) -> String {
    text.as_bytes()
        .chunks(255)
        .map(|chunk| format!("\"{}\"", String::from_utf8_lossy(chunk)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// An expect file of `count` TXT records: `distinct` different names (`n0`, `n1`, …) in turn,
/// each line a different token, so that every line is a record of its own.
pub fn expect_text(count: usize, distinct: usize) -> String {
    let mut text = String::new();
    for i in 0..count {
        let _ = writeln!(text, "n{} TXT \"tok{}=value{i}\"", i % distinct, i % 7);
    }
    text
}

/// A zone whose every name below it holds the same SPF record, through a wildcard: `width`
/// includes of names one label deeper (`i0.<here>`, `i1.<here>`, …) and `a_terms` `a` terms,
/// so the tree goes on as deep and wide as a gatherer lets it.
pub fn fan_out_zone(width: usize, a_terms: usize, a_first: bool) -> String {
    let includes: Vec<String> = (0..width).map(|i| format!("include:i{i}.%{{d}}")).collect();
    let addresses: Vec<String> = (0..a_terms).map(|i| format!("a:h{i}.%{{d}}")).collect();
    let (first, second) = if a_first {
        (addresses, includes)
    } else {
        (includes, addresses)
    };
    let mut record = String::from("v=spf1");
    for term in first.iter().chain(&second) {
        let _ = write!(record, " {term}");
    }
    record.push_str(" -all");
    format!(
        "@ IN TXT {strings}\n* IN TXT {strings}\n",
        strings = txt_strings(&record)
    )
}

/// 50 MX hosts of 100 IPv4 addresses, each address with 5 PTR names of its own (`mxfan.test`
/// and its reverse zone), 1,000 MX hosts of one address (`onek.test`), and an empty `_dmarc.test`.
pub fn mx_fan_out_zones() -> [(&'static str, String); 4] {
    let mut hosts = String::new();
    let mut reverse = String::new();
    for host in 0..50 {
        let _ = writeln!(hosts, "@ IN MX {host} h{host}");
        for address in 1..=100 {
            let _ = writeln!(hosts, "h{host} IN A 93.184.{host}.{address}");
            for name in 0..5 {
                let _ = writeln!(
                    reverse,
                    "{address}.{host} IN PTR p{name}.a{address}.h{host}.mxfan.test."
                );
            }
        }
    }
    let mut onek = String::new();
    for host in 0..1000 {
        let _ = writeln!(onek, "@ IN MX 10 h{host}\nh{host} IN A 93.184.216.1");
    }
    [
        ("mxfan.test", hosts),
        ("184.93.in-addr.arpa", reverse),
        ("onek.test", onek),
        // The top-level domain answers the DMARC tree walk (RFC 9989) without a record, as in
        // the real DNS, instead of refusing it.
        ("_dmarc.test", String::new()),
    ]
}

/// An SPF chain 12 records deep under `deadline.test`, each record behind a 7-link CNAME
/// chain across the zones `l1.test` to `l7.test` (serve those zones slowly).
pub fn deadline_zones() -> Vec<(String, String)> {
    let mut zones: Vec<(String, String)> = (1..=7)
        .map(|zone| (format!("l{zone}.test"), String::new()))
        .collect();
    for level in 1..=12 {
        for zone in 1..7 {
            let body = &mut zones[zone - 1].1;
            let _ = writeln!(body, "s{level} IN CNAME s{level}.l{}.test.", zone + 1);
        }
        let _ = writeln!(
            zones[6].1,
            "s{level} IN TXT \"v=spf1 include:s{}.l1.test -all\"",
            level + 1
        );
    }
    zones.push((
        "deadline.test".to_owned(),
        "@ IN TXT \"v=spf1 include:s1.l1.test -all\"\n@ IN MX 10 mail\nmail IN A 93.184.216.34\n\
         _dmarc IN TXT \"v=DMARC1; p=none; rua=mailto:d@deadline.test\"\n"
            .to_owned(),
    ));
    zones
}

/// An SPF record with `count` bad terms (`x`).
pub fn spf_with_bad_terms(count: usize) -> String {
    format!("v=spf1 {}-all", "x ".repeat(count))
}

/// An SPF record with `count` unclosed macros.
pub fn spf_with_open_macros(count: usize) -> String {
    format!("v=spf1 exists:{}", "%{".repeat(count))
}

/// A 60 KB SPF record of 4,600 bad terms (`ipv4:`).
pub fn huge_spf_record() -> String {
    format!("v=spf1 {}-all", "ipv4:1.2.3.4 ".repeat(4_600))
}
