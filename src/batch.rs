//! Many domains in one run: reading a domain list and auditing with bounded concurrency.
//!
//! Domains run concurrently under two limits: the global limit on queries in flight
//! ([`NetworkSource::with_max_in_flight`](crate::dns::network::NetworkSource::with_max_in_flight),
//! `--concurrency`), which is what the name servers see, and a limit on domains in flight,
//! which keeps memory flat however long the list is. Results arrive as each domain finishes,
//! so one domain stuck on a dead name server delays only its own result; the output puts them
//! back in input order where it must (`output::InOrder`).

use std::io::{self, BufRead};
use std::ops::ControlFlow;

use tokio::task::JoinSet;

use crate::domain::{DomainName, parse_domain};
use crate::escape::shorten;
use crate::lines::{Line, LongLine, read_line};
use crate::report::{InputErrors, InputLineError, QUOTED_CHARS};

/// The most bytes of one line of a domain list kept in memory; the rest of a longer line is
/// read and dropped. A domain has at most 253 octets (its Unicode form a few times that), so
/// a longer line can only be a domain followed by a long comment, or not a domain at all.
pub const MAX_LINE_BYTES: usize = 4096;

/// A domain list, read: the domains, in order, and the lines that are not domains.
#[derive(Debug, Default)]
pub struct DomainList {
    /// The valid lines' domains.
    pub domains: Vec<DomainName>,
    /// The invalid lines (the first of them listed, the rest counted).
    pub errors: InputErrors,
}

/// Reads a domain list: one domain per line; blank lines and `#` comments (whole-line or
/// after the domain) are ignored. The list is read as bytes, line by line, so that a line
/// that is not UTF-8 is an invalid line like any other, reported with its number, and never
/// stops the others; a comment may hold any bytes. At most [`MAX_LINE_BYTES`] of a line are
/// held. Only an error reading `input` itself fails.
pub fn read_domain_list(mut input: impl BufRead) -> io::Result<DomainList> {
    let mut list = DomainList::default();
    let mut line = Vec::new();
    let mut number = 0;
    while let Some(Line { length, .. }) =
        read_line(&mut input, &mut line, MAX_LINE_BYTES, LongLine::Cut)?
    {
        number += 1;
        // A UTF-8 byte-order mark (Windows editors write one) is not part of the first line.
        let bytes = match line.strip_prefix(b"\xef\xbb\xbf") {
            Some(rest) if number == 1 => rest,
            _ => &line[..],
        };
        match read_entry(bytes, length > line.len(), length) {
            Ok(Some(domain)) => list.domains.push(domain),
            Ok(None) => {}
            Err((text, message)) => list.errors.push(InputLineError {
                line: number,
                text,
                message,
            }),
        }
    }
    Ok(list)
}

/// One line of a list (as much of it as was kept; `cut` when the line was longer): its
/// domain, nothing for a blank or comment line, or what to quote and why it is not a domain.
fn read_entry(
    bytes: &[u8],
    cut: bool,
    length: usize,
) -> Result<Option<DomainName>, (String, String)> {
    // `#` is ASCII, and no byte of a multi-byte UTF-8 character is: the comment can be split
    // off before decoding, so that it may hold any bytes.
    let comment = bytes.iter().position(|&byte| byte == b'#');
    let content = &bytes[..comment.unwrap_or(bytes.len())];
    let quoted = |content: &str| shorten(content.trim(), QUOTED_CHARS).into_owned();
    let text = match std::str::from_utf8(content) {
        Ok(text) => text,
        Err(error) => {
            let at = error.valid_up_to();
            let message = format!(
                "the line is not UTF-8 (byte 0x{:02x} at column {}); save the list as UTF-8",
                content[at],
                at + 1
            );
            return Err((quoted(&String::from_utf8_lossy(content)), message));
        }
    };
    if cut && comment.is_none() {
        // The domain part itself goes on past what was kept.
        let message = format!(
            "the line is {length} bytes long; a domain name has at most 253 octets \
             (RFC 1035 §2.3.4)"
        );
        return Err((quoted(text), message));
    }
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    parse_domain(text).map(Some).map_err(|error| {
        (
            quoted(text),
            error.with_short_quotes(QUOTED_CHARS).to_string(),
        )
    })
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

/// `--shard K/N`: the K-th of N slices of a domain list, K counted from 1 (as `split -n
/// l/K/N` and test runners' `--shard` count; a Kubernetes indexed Job's 0-based
/// `JOB_COMPLETION_INDEX` is shard `$((JOB_COMPLETION_INDEX + 1))`). A domain's slice depends
/// on its name only ([`shard_hash`] of its A-label form), never on the list's order or length,
/// so N processes given the same list (or different parts of it, or a list that grew) split
/// it with every domain in exactly one slice, and the slices stay the same across versions and
/// platforms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// K, from 1 to `count`.
    pub index: u64,
    /// N, at least 1.
    pub count: u64,
}

impl Shard {
    /// Whether `domain` is in this slice.
    pub fn contains(&self, domain: &DomainName) -> bool {
        shard_of(domain.ascii.as_str(), self.count) == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// `K/N`: two decimal numbers, N at least 1 and K from 1 to N.
    fn from_str(text: &str) -> Result<Self, String> {
        let Some((index, count)) = text.split_once('/') else {
            return Err("expected K/N, e.g. 1/4: the first of 4 slices".to_owned());
        };
        let number = |part: &str, what: &str| {
            // `u64::from_str` would take a leading `+`; a shard is written as plain digits.
            if part.is_empty() || !part.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err(format!(
                    "{what} \"{}\" is not a number; expected K/N, e.g. 1/4",
                    shorten(part, QUOTED_CHARS)
                ));
            }
            part.parse::<u64>()
                .map_err(|_| format!("{what} {part} is too large"))
        };
        let (index, count) = (number(index, "K")?, number(count, "N")?);
        if count == 0 {
            return Err("N is 0: there must be at least one shard".to_owned());
        }
        if index == 0 || index > count {
            return Err(format!(
                "K is {index}, out of range: K counts from 1 to N ({count}); a 0-based index \
                 such as a Kubernetes JOB_COMPLETION_INDEX is shard index + 1"
            ));
        }
        Ok(Shard { index, count })
    }
}

/// Which of `count` slices (1 to `count`) the name `ascii` is in.
fn shard_of(ascii: &str, count: u64) -> u64 {
    shard_hash(ascii) % count.max(1) + 1
}

/// The hash that puts a domain in its `--shard` slice: 64-bit FNV-1a (offset basis
/// 0xcbf29ce484222325, prime 0x100000001b3) over the bytes of the name's A-label form (lower
/// case, no trailing dot), then the SplitMix64 finaliser (shifts 30, 27, 31; multipliers
/// 0xbf58476d1ce4e5b9 and 0x94d049bb133111eb), which spreads every byte into the low bits the
/// remainder uses (FNV-1a's lowest bit alone is the parity of the bytes' lowest bits). Written
/// out here, not taken from `std::hash`, whose values may change between Rust versions: a
/// name's slice must never change, or shards of one list run by two versions would miss or
/// repeat domains. A test pins the values of a few names.
pub fn shard_hash(ascii: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in ascii.as_bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// Runs `audit` over `items` with at most `in_flight` at once, calling `done` with each item's
/// index and result as soon as it finishes (completion order, not input order). Each audit is
/// a task of its own, so audits spread over the runtime's worker threads.
///
/// When `done` breaks (its output is gone: a closed pipe), no further item is started and the
/// audits in flight are cancelled (their queries are not retried, their chains not followed);
/// the result is then `Break`.
pub async fn run_unordered<T, R, F, Fut>(
    items: Vec<T>,
    in_flight: usize,
    audit: F,
    mut done: impl FnMut(usize, R) -> ControlFlow<()>,
) -> ControlFlow<()>
where
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
            Some(Ok((index, result))) => {
                if done(index, result).is_break() {
                    // Cancelled at their next await; the set would abort them when dropped,
                    // but saying so keeps the intent visible.
                    running.abort_all();
                    return ControlFlow::Break(());
                }
            }
            // An audit that panicked is a bug; let it surface as one instead of hiding it.
            Some(Err(error)) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Some(Err(_)) => {}
            None => return ControlFlow::Continue(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn read(bytes: &[u8]) -> DomainList {
        read_domain_list(bytes).unwrap()
    }

    fn names(list: &DomainList) -> Vec<&str> {
        list.domains.iter().map(|d| d.ascii.as_str()).collect()
    }

    #[test]
    fn reads_lists_with_comments_and_bad_lines() {
        let text = "# my domains\nexample.com\n\n  example.org  # the other one\nexa mple.com\n192.0.2.1\nbücher.example\n";
        let list = read(text.as_bytes());
        assert_eq!(
            names(&list),
            ["example.com", "example.org", "xn--bcher-kva.example"]
        );
        let errors = &list.errors.listed;
        assert_eq!(errors.len(), 2);
        assert_eq!(
            (errors[0].line, errors[0].text.as_str()),
            (5, "exa mple.com")
        );
        assert_eq!(errors[1].line, 6);
        assert!(errors[1].message.contains("IP address"));
    }

    #[test]
    fn a_line_that_is_not_utf8_is_one_bad_line() {
        let list = read(b"a.example\r\nb\xffd.example\r\nc.example # caf\xe9\nd.example");
        assert_eq!(names(&list), ["a.example", "c.example", "d.example"]);
        let errors = &list.errors.listed;
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 2);
        assert_eq!(errors[0].text, "b\u{fffd}d.example");
        assert!(
            errors[0]
                .message
                .contains("not UTF-8 (byte 0xff at column 2)")
        );
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_line() {
        // Before a comment, it would be a line holding one invisible character.
        let list = read(b"\xef\xbb\xbf# my domains\na.example\n");
        assert_eq!(names(&list), ["a.example"]);
        assert!(list.errors.is_empty());
    }

    #[test]
    fn a_huge_line_is_quoted_short_and_held_only_in_part() {
        let huge = "x".repeat(10 * 1024 * 1024);
        let text = format!(
            "{huge}\nok.example # {huge}\nlabel{}.example\n",
            "y".repeat(5000)
        );
        let list = read(text.as_bytes());
        assert_eq!(names(&list), ["ok.example"]);
        let errors = &list.errors.listed;
        assert_eq!(errors.len(), 2);
        for error in errors {
            assert!(
                error.text.chars().count() <= QUOTED_CHARS + 1,
                "{}",
                error.text
            );
            assert!(error.message.len() < 300, "{}", error.message);
        }
        assert!(errors[0].message.contains("10485760 bytes long"));
        assert!(errors[1].message.contains("5013 bytes long"));
    }

    #[test]
    fn a_long_label_that_fits_the_line_is_quoted_short_too() {
        let text = format!("{}.example\n", "z".repeat(1000));
        let list = read(text.as_bytes());
        let error = &list.errors.listed[0];
        assert!(
            error.message.contains("1000 octets long"),
            "{}",
            error.message
        );
        assert!(error.message.len() < 300, "{}", error.message);
    }

    #[test]
    fn invalid_lines_beyond_the_limit_are_counted() {
        let text = "not a domain\n".repeat(crate::report::MAX_INPUT_ERRORS + 5) + "ok.example\n";
        let list = read(text.as_bytes());
        assert_eq!(names(&list), ["ok.example"]);
        assert_eq!(list.errors.listed.len(), crate::report::MAX_INPUT_ERRORS);
        assert_eq!(list.errors.omitted, 5);
    }

    #[tokio::test]
    async fn a_break_stops_the_run_and_cancels_what_is_in_flight() {
        let started = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let finished = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let flow = run_unordered(
            (0..100u64).collect(),
            4,
            |i| {
                let (started, finished) = (started.clone(), finished.clone());
                async move {
                    started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if i > 0 {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                    }
                    finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            },
            |_, ()| ControlFlow::Break(()),
        )
        .await;
        assert!(flow.is_break());
        assert!(started.load(std::sync::atomic::Ordering::SeqCst) <= 4);
        assert_eq!(finished.load(std::sync::atomic::Ordering::SeqCst), 1);
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
        let flow = run_unordered(
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
                ControlFlow::Continue(())
            },
        )
        .await;
        assert!(flow.is_continue());
        assert_eq!(finished, [1, 2, 3, 4, 0]);
    }

    #[test]
    fn the_shard_hash_never_changes() {
        // Pinned: a change of hash would move domains between the shards of runs made by
        // different versions.
        // The values were computed apart from this code (a few lines of Python following the
        // doc comment of `shard_hash`).
        assert_eq!(shard_hash(""), 0xf52a_15e9_a9b5_e89b);
        assert_eq!(shard_hash("example.com"), 0x4d07_e1c6_cc59_7ab7);
        assert_eq!(shard_hash("xn--bcher-kva.example"), 0xba22_32cc_3077_5666);
        assert_eq!(shard_hash("d0.batch.test"), 0xe198_a78a_7ec2_a7af);
        let bucher = parse_domain("bücher.example").unwrap();
        assert!(Shard { index: 3, count: 4 }.contains(&bucher));
    }

    #[test]
    fn shards_partition_a_list_and_are_balanced() {
        let names: Vec<DomainName> = (0..10_000)
            .map(|i| parse_domain(&format!("customer{i}.example.net")).unwrap())
            .collect();
        for count in [1, 2, 3, 4, 7, 10] {
            let shards: Vec<Shard> = (1..=count).map(|index| Shard { index, count }).collect();
            let mut sizes = vec![0usize; shards.len()];
            for name in &names {
                let holders: Vec<usize> = (0..shards.len())
                    .filter(|&at| shards[at].contains(name))
                    .collect();
                assert_eq!(holders.len(), 1, "{} is in shards {holders:?}", name.ascii);
                sizes[holders[0]] += 1;
            }
            // Each within 8% of an equal share: a random split of 10,000 names in 10 has a
            // standard deviation of 3% per slice, and the hash must do as well as that.
            let total = names.len();
            for size in &sizes {
                let off = (size * shards.len()).abs_diff(total);
                assert!(off * 100 < total * 8, "{count} shards: sizes {sizes:?}");
            }
        }
    }

    #[test]
    fn shard_arguments() {
        assert_eq!("1/1".parse(), Ok(Shard { index: 1, count: 1 }));
        assert_eq!("3/8".parse(), Ok(Shard { index: 3, count: 8 }));
        for (text, says) in [
            ("0/4", "counts from 1"),
            ("5/4", "out of range"),
            ("1/0", "at least one shard"),
            ("0/0", "at least one shard"),
            ("a/4", "\"a\" is not a number"),
            ("1/+4", "is not a number"),
            ("1/", "is not a number"),
            ("3", "expected K/N"),
            ("1/99999999999999999999999", "too large"),
        ] {
            let error = text.parse::<Shard>().unwrap_err();
            assert!(error.contains(says), "{text}: {error}");
        }
    }
}
