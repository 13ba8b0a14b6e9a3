//! `--max-qps`: at most N queries a second to each name server, so that a large batch is
//! polite to a resolver it shares with others (issue 18), whatever `--concurrency` allows.
//!
//! A token bucket per server that holds one token: the tries are spaced `1/N` s apart, and a
//! server that was idle gets one query at once, never a burst. (A bucket of N tokens would let
//! 2N queries through in the first second, N at once; public resolvers count per second.) A
//! try that finds no token reserves the next one and sleeps until it is due, so the tries go
//! out in the order they asked, and a timer that fires late does not lower the rate: the
//! tokens are computed from the clock, not from the wake-ups.

use std::sync::{Mutex, PoisonError};

use tokio::time::{Duration, Instant};

/// The largest `--max-qps` accepted: far above what one machine sends one server (mailcheck
/// reaches about 100,000 queries a second on two cores), small enough that the spacing,
/// 1 µs, is still a duration a timer can hold.
pub const MAX_QPS: u32 = 1_000_000;

/// One server's bucket.
#[derive(Debug)]
pub struct TokenBucket {
    /// Time between two tokens: `1/N` s.
    spacing: Duration,
    /// When the next token is due: a time in the past means one is there to take (at most one:
    /// it is never further back than one spacing when read).
    next: Mutex<Option<Instant>>,
}

impl TokenBucket {
    /// A bucket for `per_second` queries a second (1 to [`MAX_QPS`]; outside, clamped).
    pub fn new(per_second: u32) -> Self {
        let per_second = per_second.clamp(1, MAX_QPS);
        TokenBucket {
            spacing: Duration::from_secs(1) / per_second,
            next: Mutex::new(None),
        }
    }

    /// Waits for a token: at once when one is there, else until the next one is due.
    pub async fn take(&self) {
        let due = self.reserve(Instant::now());
        if let Some(due) = due {
            tokio::time::sleep_until(due).await;
        }
    }

    /// Takes the token due at `now`, or reserves the next one: `None` to go at once, or when
    /// to go.
    fn reserve(&self, now: Instant) -> Option<Instant> {
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        // An idle bucket holds one token, not the ones it would have gathered since.
        let due = next.map_or(now, |due| due.max(now));
        *next = Some(due + self.spacing);
        (due > now).then_some(due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn the_rate_is_held_and_tries_are_spaced() {
        let bucket = Arc::new(TokenBucket::new(10));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let bucket = Arc::clone(&bucket);
            tasks.push(tokio::spawn(async move {
                bucket.take().await;
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.unwrap() - start);
        }
        times.sort();
        // The first at once, then one every 100 ms: 50 tries take 4.9 s.
        assert_eq!(times[0], Duration::ZERO);
        assert_eq!(times[49], Duration::from_millis(4900));
        for pair in times.windows(2) {
            assert_eq!(pair[1].saturating_sub(pair[0]), Duration::from_millis(100));
        }
        // In any one second, at most 10 (11 counting both ends of a closed interval).
        for (at, time) in times.iter().enumerate() {
            let within = times[at..]
                .iter()
                .take_while(|later| later.saturating_sub(*time) < Duration::from_secs(1))
                .count();
            assert!(within <= 10, "{within} tries within a second from {time:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_bucket_holds_one_token_not_a_burst() {
        let bucket = TokenBucket::new(100);
        bucket.take().await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        let start = Instant::now();
        for _ in 0..5 {
            bucket.take().await;
        }
        // One at once, then four at 10 ms each.
        assert_eq!(start.elapsed(), Duration::from_millis(40));
    }

    #[test]
    fn the_spacing_follows_the_rate_and_is_bounded() {
        assert_eq!(TokenBucket::new(4).spacing, Duration::from_millis(250));
        assert_eq!(TokenBucket::new(0).spacing, Duration::from_secs(1));
        assert_eq!(TokenBucket::new(u32::MAX).spacing, Duration::from_micros(1));
    }
}
