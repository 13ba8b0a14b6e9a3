//! Wall time of one full audit (MX with reverse DNS, SPF with a 3-deep include chain, DKIM
//! discovery, DMARC, MTA-STS, TLS-RPT, BIMI) against the in-process DNS server with 20 ms added
//! to every answer, compared with the longest chain of dependent lookups:
//! `cargo bench --bench audit`.
//!
//! An audit that sends every independent query at once takes about (chain depth × 20 ms); one
//! that asks one question at a time takes (number of queries × 20 ms). The ratio printed is
//! wall time ÷ (depth × 20 ms); the target is at most 1.3. The server counts what it receives,
//! so "sent" is what really went over the wire, and "distinct" the distinct (name, type) pairs.

// A benchmark's job is to print its figures.
#![allow(clippy::print_stdout)]

#[path = "../tests/support/server.rs"]
mod server;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use mailcheck::audit::audit;
use mailcheck::dns::cache::CachingSource;
use mailcheck::dns::chase::ChasingSource;
use mailcheck::dns::network::{NetworkSource, ResolverSettings};
use mailcheck::domain::parse_domain;
use server::{Behaviour, TestServer, fixture_zones};

/// Added to every answer, standing for the round trip to a real name server.
const DELAY: Duration = Duration::from_millis(20);
const RUNS: usize = 15;

/// A scenario: the domain and its longest chain of dependent lookups, counted by hand from
/// the zone (see the comment at the top of its zone file).
struct Scenario {
    domain: &'static str,
    depth: u32,
    chain: &'static str,
}

const SCENARIOS: &[Scenario] = &[Scenario {
    domain: "bench.test",
    depth: 4,
    chain: "MX -> A/AAAA -> PTR -> A/AAAA; SPF TXT -> 3 includes",
}];

fn main() {
    let server = TestServer::start(
        &fixture_zones(),
        Behaviour {
            rules: Vec::new(),
            delay: DELAY,
        },
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "{:<12} {:>6} {:>10} {:>10} {:>7} {:>6} {:>9}  chain",
        "domain", "depth", "ideal ms", "median ms", "ratio", "sent", "distinct"
    );
    for scenario in SCENARIOS {
        let domain = parse_domain(scenario.domain).expect("domain");
        let mut times = Vec::new();
        let (mut sent, mut distinct) = (0, 0);
        for _ in 0..RUNS {
            server.clear_received();
            let settings = ResolverSettings {
                nameservers: vec![server.addr],
                timeout: Duration::from_secs(2),
                retries: 0,
                max_qps: None,
            };
            // The stack of a real run: chains followed above the single-flight cache.
            let network = NetworkSource::new(&settings).expect("resolver");
            let source = ChasingSource::new(CachingSource::new(network));
            let start = Instant::now();
            let report = runtime.block_on(audit(&domain, &source));
            times.push(start.elapsed());
            assert_eq!(report.summary.lookups_failed, 0, "a lookup failed");
            let received = server.received();
            let udp: Vec<_> = received.iter().filter(|query| !query.tcp).collect();
            sent = udp.len();
            distinct = udp
                .iter()
                .map(|query| (&query.name, &query.rtype))
                .collect::<HashSet<_>>()
                .len();
        }
        times.sort();
        let median = times[times.len() / 2];
        let ideal = DELAY * scenario.depth;
        println!(
            "{:<12} {:>6} {:>10} {:>10.1} {:>7.2} {:>6} {:>9}  {}",
            scenario.domain,
            scenario.depth,
            ideal.as_millis(),
            median.as_secs_f64() * 1000.0,
            median.as_secs_f64() / ideal.as_secs_f64(),
            sent,
            distinct,
            scenario.chain
        );
    }
}
