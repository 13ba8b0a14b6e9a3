//! Per-audit fairness in batch runs: a cap on one audit's queries in flight, and a breaker for
//! a domain whose name servers are dead.
//!
//! The global `--concurrency` limit is shared by every audit of a run. Without a per-audit cap,
//! one domain whose name servers never answer would fill the whole limit with queries that
//! wait for their timeout, and every other domain would stall behind it. With the cap it holds
//! only its share. The breaker then ends its audit quickly: once several questions about names
//! under the audited domain have timed out and none has been answered, the remaining ones are
//! not sent and are reported as failed (so "could not verify", never "missing").

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

use super::{BoxFuture, DnsSource, Name, Outcome, QueryObserver, RecordType};

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
        }
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
    /// Asks `inner` (passing `observer` on) unless the breaker says not to, within the cap.
    fn guarded<'a>(
        &'a self,
        name: &'a Name,
        rtype: RecordType,
        observer: Option<&'a dyn QueryObserver>,
    ) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
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
        })
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
