//! Many domains in one run: reading a domain list and auditing with bounded concurrency.
//!
//! Domains run concurrently under two limits: the global limit on queries in flight
//! ([`NetworkSource::with_max_in_flight`](crate::dns::network::NetworkSource::with_max_in_flight),
//! `--concurrency`), which is what the name servers see, and a limit on domains in flight,
//! which keeps memory flat however long the list is. Results arrive as each domain finishes,
//! so one domain stuck on a dead name server delays only its own result; the output puts them
//! back in input order where it must (`output::InOrder`).

use tokio::task::JoinSet;

use crate::domain::{DomainName, parse_domain};
use crate::report::InputLineError;

/// Reads a domain list: one domain per line; blank lines and `#` comments (whole-line or
/// after the domain) are ignored. Invalid lines are returned apart, with their line numbers,
/// and do not stop the others.
pub fn read_domain_list(text: &str) -> (Vec<DomainName>, Vec<InputLineError>) {
    let mut domains = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        match parse_domain(content) {
            Ok(domain) => domains.push(domain),
            Err(error) => errors.push(InputLineError {
                line: index + 1,
                text: content.to_owned(),
                message: error.to_string(),
            }),
        }
    }
    (domains, errors)
}

/// The most domains audited at once, whatever the limit on queries in flight: each audit in
/// flight holds its facts and report in memory (at 128 audits in flight a run's peak RSS is
/// about 40 MB, README "Performance"), and 512 audits of about 50 questions each keep even the
/// largest `--concurrency` (4,096) busy.
pub const MAX_DOMAINS_IN_FLIGHT: usize = 512;

/// Domains audited at once for a given limit on queries in flight: an audit keeps a few
/// queries in flight at each step of its chains (fewer towards the end of each chain), so half
/// the query limit in audits keeps the limit busy while holding few audits in memory; never
/// more than [`MAX_DOMAINS_IN_FLIGHT`].
pub fn domains_in_flight(query_limit: usize) -> usize {
    (query_limit / 2).clamp(1, MAX_DOMAINS_IN_FLIGHT)
}

/// One audit's share of the query limit when `domains` domains (this one and those after it in
/// the list) are left to run at once: twice an equal share (audits rarely use all of theirs at
/// the same moment, and the global limit still holds), so a domain whose name servers never
/// answer holds only a small part of the limit (see [`crate::dns::guard::AuditGuard`]). Near
/// the end of a list the shares grow, so the last audits can use the limit the finished ones
/// left free; a run of one domain gets the whole limit.
pub fn audit_share(query_limit: usize, domains: usize) -> usize {
    let at_once = domains_in_flight(query_limit).min(domains).max(1);
    (2 * query_limit / at_once).clamp(1, query_limit)
}

/// Runs `audit` over `items` with at most `in_flight` at once, calling `done` with each item's
/// index and result as soon as it finishes (completion order, not input order). Each audit is
/// a task of its own, so audits spread over the runtime's worker threads.
pub async fn run_unordered<T, R, F, Fut>(
    items: Vec<T>,
    in_flight: usize,
    audit: F,
    mut done: impl FnMut(usize, R),
) where
    F: Fn(T) -> Fut,
    Fut: Future<Output = R> + Send + 'static,
    R: Send + 'static,
{
    let mut running = JoinSet::new();
    let mut waiting = items.into_iter().enumerate();
    loop {
        while running.len() < in_flight.max(1) {
            let Some((index, item)) = waiting.next() else {
                break;
            };
            let future = audit(item);
            running.spawn(async move { (index, future.await) });
        }
        match running.join_next().await {
            Some(Ok((index, result))) => done(index, result),
            // An audit that panicked is a bug; let it surface as one instead of hiding it.
            Some(Err(error)) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Some(Err(_)) => {}
            None => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn reads_lists_with_comments_and_bad_lines() {
        let text = "# my domains\nexample.com\n\n  example.org  # the other one\nexa mple.com\n192.0.2.1\nbücher.example\n";
        let (domains, errors) = read_domain_list(text);
        let names: Vec<&str> = domains.iter().map(|d| d.ascii.as_str()).collect();
        assert_eq!(
            names,
            ["example.com", "example.org", "xn--bcher-kva.example"]
        );
        assert_eq!(errors.len(), 2);
        assert_eq!(
            (errors[0].line, errors[0].text.as_str()),
            (5, "exa mple.com")
        );
        assert_eq!(errors[1].line, 6);
        assert!(errors[1].message.contains("IP address"));
    }

    #[test]
    fn shares_of_the_query_limit() {
        assert_eq!(audit_share(64, 1), 64);
        assert_eq!(audit_share(64, 2), 64);
        assert_eq!(audit_share(64, 4), 32);
        assert_eq!(audit_share(64, 1000), 4);
        assert_eq!(audit_share(256, 1000), 4);
        assert_eq!(audit_share(1, 10), 1);
        // Past 1,024 queries in flight, the number of audits at once stops growing and each
        // one's share grows instead.
        assert_eq!(domains_in_flight(4096), MAX_DOMAINS_IN_FLIGHT);
        assert_eq!(audit_share(4096, 10_000), 16);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_item_does_not_hold_back_the_others() {
        // Item 0 takes 10 s; the others 1 ms each. With 2 in flight, everything else must
        // finish (in completion order) before item 0 does.
        let mut finished = Vec::new();
        run_unordered(
            (0..5u64).collect(),
            2,
            |i| async move {
                let ms = if i == 0 { 10_000 } else { 1 };
                tokio::time::sleep(Duration::from_millis(ms)).await;
                i
            },
            |index, result| {
                assert_eq!(index as u64, result);
                finished.push(result);
            },
        )
        .await;
        assert_eq!(finished, [1, 2, 3, 4, 0]);
    }
}
