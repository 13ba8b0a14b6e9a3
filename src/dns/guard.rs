//! Per-audit fairness in batch runs: a cap on one audit's queries in flight, and a breaker for
//! a domain whose name servers are dead; and the bounds of every audit: at most
//! [`MAX_QUESTIONS_PER_AUDIT`] distinct questions, and an optional deadline (`--audit-timeout`).
//!
//! The global `--concurrency` limit is shared by every audit of a run. Without a per-audit cap,
//! one domain whose name servers never answer would fill the whole limit with queries that
//! wait for their timeout, and every other domain would stall behind it. With the cap it holds
//! only its share. The breaker then ends its audit quickly: once several questions about names
//! under the audited domain have timed out and none has been answered, the remaining ones are
//! not sent and are reported as failed (so "could not verify", never "missing").
//!
//! The bounds hold whatever a domain's records lead to: each family caps its own fan-out
//! (`facts::lookup`), and past those, this guard answers a question beyond the
//! [`MAX_QUESTIONS_PER_AUDIT`]th, or one still unanswered when the deadline comes, with a
//! failure of its own ([`NotAsked::QuestionLimit`], [`NotAsked::TimeLimit`]): not verified,
//! never missing, and reported once by the `audit-limit-reached` rule.

use foldhash::{HashSet, HashSetExt};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::{BoxFuture, DnsSource, Name, NotAsked, Outcome, QueryObserver, RecordType};

/// The most distinct questions one audit asks. An ordinary audit asks about 50, 90 with every
/// DKIM selector; the caps of each family (16 MX hosts, 8 addresses of each family per host, 4
/// PTR names per address, 10 report destinations, the SPF tree up to its 11th lookup, 1,000
/// expected records) bring the largest legitimate audit near 2,000 only when every one of them
/// is reached at once. This is the backstop behind them: a hostile zone's 1,000 MX hosts cost
/// 7,060 queries.
pub const MAX_QUESTIONS_PER_AUDIT: usize = 2000;

/// Timeouts under the audited domain, with no answer, after which its other questions are not
/// sent. Three: more than one lost packet, fewer than a whole DKIM discovery.
const BREAK_AFTER_TIMEOUTS: usize = 3;

/// One audit's view of the shared source.
pub struct AuditGuard<'s> {
    inner: &'s dyn DnsSource,
    domain: Name,
    permits: Semaphore,
    timeouts: AtomicUsize,
    answered: AtomicUsize,
    breaker: bool,
    /// Every distinct question asked so far (repeats are answered by the cache, for free).
    asked: Mutex<HashSet<(Name, RecordType)>>,
    max_questions: usize,
    deadline: Option<Instant>,
}

impl<'s> AuditGuard<'s> {
    /// Guards the audit of `domain`: at most `max_in_flight` of its queries at once, and, with
    /// `breaker`, none more once its name servers look dead.
    pub fn new(
        inner: &'s dyn DnsSource,
        domain: &Name,
        max_in_flight: usize,
        breaker: bool,
    ) -> Self {
        AuditGuard {
            inner,
            domain: domain.clone(),
            permits: Semaphore::new(max_in_flight.clamp(1, Semaphore::MAX_PERMITS)),
            timeouts: AtomicUsize::new(0),
            answered: AtomicUsize::new(0),
            breaker,
            asked: Mutex::new(HashSet::new()),
            max_questions: MAX_QUESTIONS_PER_AUDIT,
            deadline: None,
        }
    }

    /// The same guard with at most `max_questions` distinct questions (instead of
    /// [`MAX_QUESTIONS_PER_AUDIT`]) and, with `deadline`, no question asked or waited for
    /// after it.
    #[must_use]
    pub fn with_limits(mut self, max_questions: usize, deadline: Option<Instant>) -> Self {
        self.max_questions = max_questions;
        self.deadline = deadline;
        self
    }

    /// Whether the question may be asked: asked before, or one more within the limit.
    fn admit(&self, name: &Name, rtype: RecordType) -> bool {
        let mut asked = self.asked.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (name.clone(), rtype);
        if asked.contains(&key) {
            return true;
        }
        if asked.len() >= self.max_questions {
            return false;
        }
        asked.insert(key);
        true
    }

    fn is_under_domain(&self, name: &Name) -> bool {
        let (name, domain) = (name.as_str(), self.domain.as_str());
        name == domain
            || name
                .strip_suffix(domain)
                .is_some_and(|prefix| prefix.ends_with('.'))
    }

    fn broken(&self) -> bool {
        self.breaker
            && self.timeouts.load(Ordering::Relaxed) >= BREAK_AFTER_TIMEOUTS
            && self.answered.load(Ordering::Relaxed) == 0
    }

    fn not_sent(&self) -> Outcome {
        Outcome::Error(format!(
            "not sent: {} earlier questions about names under {} timed out and none was \
             answered, so its name servers look unreachable",
            self.timeouts.load(Ordering::Relaxed),
            self.domain
        ))
    }
}

impl AuditGuard<'_> {
    /// Asks `inner` (passing `observer` on) unless a limit or the breaker says not to; what is
    /// not answered by the deadline is not waited for.
    fn guarded<'a>(
        &'a self,
        name: &'a Name,
        rtype: RecordType,
        observer: Option<&'a dyn QueryObserver>,
    ) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            if self
                .deadline
                .is_some_and(|deadline| Instant::now() >= deadline)
            {
                return Outcome::NotAsked(NotAsked::TimeLimit);
            }
            if !self.admit(name, rtype) {
                return Outcome::NotAsked(NotAsked::QuestionLimit);
            }
            let asking = self.ask(name, rtype, observer);
            match self.deadline {
                Some(deadline) => tokio::time::timeout_at(deadline, asking)
                    .await
                    .unwrap_or(Outcome::NotAsked(NotAsked::TimeLimit)),
                None => asking.await,
            }
        })
    }

    /// Asks `inner` unless the breaker says not to, within the cap on queries in flight.
    async fn ask(
        &self,
        name: &Name,
        rtype: RecordType,
        observer: Option<&dyn QueryObserver>,
    ) -> Outcome {
        let ours = self.is_under_domain(name);
        if ours && self.broken() {
            return self.not_sent();
        }
        // The semaphore is never closed; if acquiring ever failed, asking anyway is better
        // than failing the lookup.
        let _permit = self.permits.acquire().await.ok();
        // The breaker may have tripped while this question waited for its turn.
        if ours && self.broken() {
            return self.not_sent();
        }
        let outcome = self.inner.query_maybe_observed(name, rtype, observer).await;
        if ours {
            match outcome {
                Outcome::Timeout => {
                    self.timeouts.fetch_add(1, Ordering::Relaxed);
                }
                ref answer if !answer.is_failure() => {
                    self.answered.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
        }
        outcome
    }
}

impl DnsSource for AuditGuard<'_> {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        self.guarded(name, rtype, None)
    }

    fn query_observed<'a>(
        &'a self,
        name: &'a Name,
        rtype: RecordType,
        observer: &'a dyn QueryObserver,
    ) -> BoxFuture<'a, Outcome> {
        self.guarded(name, rtype, Some(observer))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// Times out for every name under `dead.test`, answers NODATA elsewhere; counts queries.
    struct HalfDead(AtomicUsize);

    impl DnsSource for HalfDead {
        fn query<'a>(&'a self, name: &'a Name, _rtype: RecordType) -> BoxFuture<'a, Outcome> {
            Box::pin(async move {
                self.0.fetch_add(1, Ordering::SeqCst);
                if name.as_str().ends_with("dead.test") {
                    Outcome::Timeout
                } else {
                    Outcome::NoData
                }
            })
        }
    }

    #[tokio::test]
    async fn a_dead_domain_stops_asking_after_three_timeouts() {
        let source = HalfDead(AtomicUsize::new(0));
        let guard = AuditGuard::new(&source, &Name::new("dead.test"), 1, true);
        for label in ["a", "b", "c", "d", "e"] {
            let outcome = guard
                .query(&Name::new(&format!("{label}.dead.test")), RecordType::Txt)
                .await;
            assert!(outcome.is_failure());
        }
        assert_eq!(source.0.load(Ordering::SeqCst), 3);
        // Names elsewhere (an SPF include, say) are still asked.
        let outcome = guard.query(&Name::new("other.test"), RecordType::Txt).await;
        assert_eq!(outcome, Outcome::NoData);
        assert_eq!(source.0.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn one_answer_keeps_the_breaker_closed() {
        let source = HalfDead(AtomicUsize::new(0));
        let guard = AuditGuard::new(&source, &Name::new("test"), 1, true);
        // "alive.test" answers, so later timeouts under "test" are lost packets, not a dead
        // server: everything is still sent.
        guard.query(&Name::new("alive.test"), RecordType::Txt).await;
        for label in ["a", "b", "c", "d"] {
            guard
                .query(&Name::new(&format!("{label}.dead.test")), RecordType::Txt)
                .await;
        }
        assert_eq!(source.0.load(Ordering::SeqCst), 5);
    }

    #[tokio::test]
    async fn without_the_breaker_everything_is_sent() {
        let source = HalfDead(AtomicUsize::new(0));
        let guard = AuditGuard::new(&source, &Name::new("dead.test"), 1, false);
        for label in ["a", "b", "c", "d", "e"] {
            guard
                .query(&Name::new(&format!("{label}.dead.test")), RecordType::Txt)
                .await;
        }
        assert_eq!(source.0.load(Ordering::SeqCst), 5);
    }

    #[tokio::test]
    async fn at_most_the_limit_of_distinct_questions_is_asked() {
        let source = HalfDead(AtomicUsize::new(0));
        let guard = AuditGuard::new(&source, &Name::new("test"), 10, false).with_limits(2, None);
        let (a, b, c) = (
            Name::new("a.test"),
            Name::new("b.test"),
            Name::new("c.test"),
        );
        assert_eq!(guard.query(&a, RecordType::Txt).await, Outcome::NoData);
        assert_eq!(guard.query(&b, RecordType::Txt).await, Outcome::NoData);
        // A third question is not asked; a repeat of one already asked is.
        assert_eq!(
            guard.query(&c, RecordType::Txt).await,
            Outcome::NotAsked(NotAsked::QuestionLimit)
        );
        assert_eq!(guard.query(&a, RecordType::Txt).await, Outcome::NoData);
        assert_eq!(source.0.load(Ordering::SeqCst), 3);
    }

    /// Never answers.
    struct Silent;

    impl DnsSource for Silent {
        fn query<'a>(&'a self, _name: &'a Name, _rtype: RecordType) -> BoxFuture<'a, Outcome> {
            Box::pin(std::future::pending())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_is_waited_for_past_the_deadline() {
        let deadline = Instant::now() + std::time::Duration::from_secs(60);
        let guard = AuditGuard::new(&Silent, &Name::new("test"), 10, false)
            .with_limits(MAX_QUESTIONS_PER_AUDIT, Some(deadline));
        let outcome = guard.query(&Name::new("a.test"), RecordType::Txt).await;
        assert_eq!(outcome, Outcome::NotAsked(NotAsked::TimeLimit));
        assert!(Instant::now() >= deadline);
        // After it, nothing is asked at all.
        let outcome = guard.query(&Name::new("b.test"), RecordType::Txt).await;
        assert_eq!(outcome, Outcome::NotAsked(NotAsked::TimeLimit));
    }

    #[test]
    fn names_under_the_domain() {
        let source = HalfDead(AtomicUsize::new(0));
        let guard = AuditGuard::new(&source, &Name::new("example.test"), 1, true);
        assert!(guard.is_under_domain(&Name::new("example.test")));
        assert!(guard.is_under_domain(&Name::new("_dmarc.example.test")));
        assert!(!guard.is_under_domain(&Name::new("badexample.test")));
        assert!(!guard.is_under_domain(&Name::new("test")));
    }
}
