//! Single-flight caching and the per-audit query log.
//!
//! [`CachingSource`] sits in front of the real source for a whole run: the first request for a
//! `(name, type)` pair sends the query, every later request (while it is in flight, or after it
//! is done) waits for and shares that one answer. [`RecordingSource`] sits in front of the whole
//! stack for one audit and writes down every distinct question that audit asked or caused (the
//! links of the CNAME chains followed for it, [`super::chase`]), with its outcome and how long
//! the audit waited for it: that log is what `--verbose` and the JSON `dns` section show.

use std::collections::VecDeque;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use foldhash::HashMap;
use tokio::sync::OnceCell;

use super::{BoxFuture, DnsSource, Name, Outcome, QueryObserver, RecordType};

type Key = (Name, RecordType);

/// A single-flight cache over another source: each distinct query is sent once per run.
///
/// The cache holds at most `capacity` answers: a batch of ten thousand domains must not keep
/// every answer of the run in memory. When it is full, the oldest *completed* answers are
/// forgotten first (a query in flight is never dropped, so single-flight holds for every
/// question being asked at the same time). The default capacity is far above what one audit
/// asks, so a single-domain run never asks a question twice.
///
/// Forgetting costs O(1) per answer, amortized, however many questions are in flight: only
/// completed answers are queued for eviction, each once, when it completes (with
/// `--concurrency 20000`, over 100,000 questions were in flight at once, more than the
/// capacity, and an eviction that stepped over every one of them on each insert, under the
/// lock, kept a run at 100% CPU without an answer).
pub struct CachingSource<S> {
    inner: S,
    state: Mutex<CacheState>,
    capacity: usize,
    requests: AtomicUsize,
    sent: AtomicUsize,
}

/// The cells, and the completed ones in the order they completed (for eviction).
#[derive(Default)]
struct CacheState {
    cells: HashMap<Key, CacheCell>,
    /// Completed cells, oldest first, with the serial of the cell that completed: a question
    /// forgotten and asked again gets a new cell, which an old entry must not remove.
    done: VecDeque<(Key, u64)>,
    next_serial: u64,
}

/// One question's cell.
struct CacheCell {
    cell: Arc<OnceCell<Outcome>>,
    serial: u64,
}

/// Answers kept by default: about 100 per domain audit for a batch of 500 domains in flight.
pub const DEFAULT_CACHE_CAPACITY: usize = 50_000;

/// How many queries were asked of a [`CachingSource`] and how many it actually sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheStats {
    /// Requests made by the audits, duplicates included.
    pub requests: usize,
    /// Queries that reached the underlying source.
    pub sent: usize,
}

impl<S: DnsSource> CachingSource<S> {
    /// Puts a cache of [`DEFAULT_CACHE_CAPACITY`] answers in front of `inner`.
    pub fn new(inner: S) -> Self {
        Self::with_capacity(inner, DEFAULT_CACHE_CAPACITY)
    }

    /// Puts a cache of at most `capacity` completed answers in front of `inner`.
    pub fn with_capacity(inner: S, capacity: usize) -> Self {
        CachingSource {
            inner,
            state: Mutex::new(CacheState::default()),
            capacity: capacity.max(1),
            requests: AtomicUsize::new(0),
            sent: AtomicUsize::new(0),
        }
    }

    /// The source behind the cache.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Requests and sends so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            requests: self.requests.load(Ordering::Relaxed),
            sent: self.sent.load(Ordering::Relaxed),
        }
    }

    /// Answers held now, completed or in flight (for tests).
    pub fn len(&self) -> usize {
        self.lock().cells.len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        // A poisoned lock only means another task panicked while holding it; the map itself
        // is still consistent (every change is made whole under the lock), so keep going.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cell of a question, and its serial; a new one if the question is not held.
    fn cell(&self, key: &Key) -> (Arc<OnceCell<Outcome>>, u64) {
        let mut state = self.lock();
        if let Some(slot) = state.cells.get(key) {
            return (Arc::clone(&slot.cell), slot.serial);
        }
        let cell = Arc::new(OnceCell::new());
        let serial = state.next_serial;
        state.next_serial += 1;
        state.cells.insert(
            key.clone(),
            CacheCell {
                cell: Arc::clone(&cell),
                serial,
            },
        );
        state.evict(self.capacity);
        (cell, serial)
    }

    /// The cell `serial` of `key` was completed by this request: it may be forgotten from now.
    fn completed(&self, key: Key, serial: u64) {
        let mut state = self.lock();
        state.done.push_back((key, serial));
        state.evict(self.capacity);
    }
}

impl CacheState {
    /// Forgets the oldest completed answers until at most `capacity` remain (or none but those
    /// in flight). Each completed cell is queued once and taken off the queue once, so this
    /// costs O(1) per answer, amortized. (A queued cell is removed from the map only here, so
    /// the serial check is a guard, not a case that happens.)
    fn evict(&mut self, capacity: usize) {
        while self.cells.len() > capacity {
            let Some((key, serial)) = self.done.pop_front() else {
                break;
            };
            // One lookup, not a look and a removal: this runs once per answer of a batch.
            if let Entry::Occupied(slot) = self.cells.entry(key)
                && slot.get().serial == serial
            {
                slot.remove();
            }
        }
    }
}

/// Forgets a cell that its last waiter stopped waiting for before it was filled (an audit
/// cut by its deadline, a batch stopped): nobody would ever fill it, and since only completed
/// cells are queued for eviction, it would otherwise be kept until the run ends.
struct Abandoned<'c, S: DnsSource> {
    cache: &'c CachingSource<S>,
    key: Key,
    serial: u64,
    cell: Arc<OnceCell<Outcome>>,
}

impl<S: DnsSource> Drop for Abandoned<'_, S> {
    fn drop(&mut self) {
        if self.cell.initialized() {
            return;
        }
        let mut state = self.cache.lock();
        // The map and this guard hold the only references: no other request waits for it
        // (another request takes its reference under the lock, so it cannot appear now).
        let unused = state
            .cells
            .get(&self.key)
            .is_some_and(|slot| slot.serial == self.serial && Arc::strong_count(&slot.cell) == 2);
        if unused {
            state.cells.remove(&self.key);
        }
    }
}

impl<S: DnsSource> DnsSource for CachingSource<S> {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let key = (name.clone(), rtype);
            let (cell, serial) = self.cell(&key);
            let guard = Abandoned {
                cache: self,
                key,
                serial,
                cell,
            };
            let filled_here = AtomicBool::new(false);
            let outcome = guard
                .cell
                .get_or_init(|| async {
                    self.sent.fetch_add(1, Ordering::Relaxed);
                    let outcome = self.inner.query(name, rtype).await;
                    filled_here.store(true, Ordering::Relaxed);
                    outcome
                })
                .await
                .clone();
            if filled_here.load(Ordering::Relaxed) {
                self.completed(guard.key.clone(), guard.serial);
            }
            outcome
        })
    }
}

/// One question an audit asked, with what came back.
#[derive(Clone, Debug)]
pub struct QueryLogEntry {
    /// The name asked for.
    pub name: Name,
    /// The type asked for.
    pub rtype: RecordType,
    /// What came back.
    pub outcome: Outcome,
    /// When the question was asked, from the start of the audit.
    pub started: Duration,
    /// How long the audit waited for the answer (near zero when another audit had already
    /// asked the same question).
    pub elapsed: Duration,
}

/// Records the distinct questions of one audit, in the order they were asked: those the audit
/// asked, and the links of the CNAME chains they led to, which the chase layer asks on the
/// audit's behalf ([`super::chase`]) and reports here through
/// [`DnsSource::query_observed`]. Both are questions the audit caused, each sent (through the
/// cache) as a question of its own, and written by `--save-dns` as such.
///
/// A question the audit asked shows what the audit got for it: the whole chain, spliced. A
/// question that was only ever a link shows what that query got (its own records, the next
/// link for a chain that goes on). When a name is both, the audit's own question wins, however
/// the two were timed, so the log does not depend on the order in which answers arrive.
pub struct RecordingSource<'s> {
    inner: &'s dyn DnsSource,
    start: Instant,
    log: Mutex<Log>,
}

/// The entries, and where each question's entry is.
#[derive(Default)]
struct Log {
    entries: Vec<Option<QueryLogEntry>>,
    slots: HashMap<Key, Slot>,
}

#[derive(Clone, Copy)]
struct Slot {
    index: usize,
    /// Whether the audit asked this question itself (not only as a link).
    asked: bool,
}

impl<'s> RecordingSource<'s> {
    /// Starts a log over `inner`; times are measured from now.
    pub fn new(inner: &'s dyn DnsSource) -> Self {
        RecordingSource {
            inner,
            start: Instant::now(),
            log: Mutex::new(Log::default()),
        }
    }

    /// The questions asked so far, in the order they were asked.
    pub fn into_log(self) -> Vec<QueryLogEntry> {
        self.log
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .entries
            .into_iter()
            .flatten()
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl DnsSource for RecordingSource<'_> {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            // Reserve a slot in asking order on the first request; later requests for the same
            // question are answered by the cache below and need no second entry. A slot that
            // a chain's link took is taken over: the audit's own question shows what it got.
            let slot = {
                let mut log = self.lock();
                let log = &mut *log;
                match log.slots.entry((name.clone(), rtype)) {
                    Entry::Occupied(entry) if entry.get().asked => None,
                    Entry::Occupied(mut entry) => {
                        entry.get_mut().asked = true;
                        Some(entry.get().index)
                    }
                    Entry::Vacant(entry) => {
                        let index = log.entries.len();
                        log.entries.push(None);
                        entry.insert(Slot { index, asked: true });
                        Some(index)
                    }
                }
            };
            let started = self.start.elapsed();
            let outcome = self.inner.query_observed(name, rtype, self).await;
            if let Some(slot) = slot {
                let entry = QueryLogEntry {
                    name: name.clone(),
                    rtype,
                    outcome: outcome.clone(),
                    started,
                    elapsed: self.start.elapsed().saturating_sub(started),
                };
                self.lock().entries[slot] = Some(entry);
            }
            outcome
        })
    }
}

impl QueryObserver for RecordingSource<'_> {
    fn link_asked(&self, name: &Name, rtype: RecordType, outcome: &Outcome, started: Instant) {
        let mut log = self.lock();
        let log = &mut *log;
        // Asked by the audit too (its entry wins), or by another chain (the cache gave both
        // the same answer): one entry is enough.
        if let Entry::Vacant(entry) = log.slots.entry((name.clone(), rtype)) {
            entry.insert(Slot {
                index: log.entries.len(),
                asked: false,
            });
            log.entries.push(Some(QueryLogEntry {
                name: name.clone(),
                rtype,
                outcome: outcome.clone(),
                started: started.saturating_duration_since(self.start),
                elapsed: started.elapsed(),
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    /// Counts queries and answers each after a short sleep, so concurrent requests overlap.
    struct Counting(AtomicUsize);

    impl DnsSource for Counting {
        fn query<'a>(&'a self, _name: &'a Name, _rtype: RecordType) -> BoxFuture<'a, Outcome> {
            Box::pin(async move {
                self.0.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                Outcome::NoData
            })
        }
    }

    #[tokio::test]
    async fn identical_queries_in_flight_are_sent_once() {
        let cache = CachingSource::new(Counting(AtomicUsize::new(0)));
        let name = Name::new("example.test");
        let asks = (0..10).map(|_| cache.query(&name, RecordType::Mx));
        let outcomes = futures_util::future::join_all(asks).await;
        assert!(outcomes.iter().all(|outcome| *outcome == Outcome::NoData));
        // Once done, too.
        cache.query(&name, RecordType::Mx).await;
        assert_eq!(cache.inner().0.load(Ordering::SeqCst), 1);
        assert_eq!(
            cache.stats(),
            CacheStats {
                requests: 11,
                sent: 1
            }
        );
        // Another type is another question.
        cache.query(&name, RecordType::Txt).await;
        assert_eq!(cache.stats().sent, 2);
    }

    /// Answers like an authoritative server that stops at every CNAME: `a -> b -> c`, and an
    /// address at `c`.
    struct FirstLinkOnly;

    impl DnsSource for FirstLinkOnly {
        fn query<'a>(&'a self, name: &'a Name, _rtype: RecordType) -> BoxFuture<'a, Outcome> {
            use crate::dns::{Record, RecordData};
            let data = match name.as_str() {
                "a.test" => RecordData::Cname(Name::new("b.test")),
                "b.test" => RecordData::Cname(Name::new("c.test")),
                "c.test" => RecordData::A("192.0.2.1".parse().unwrap()),
                _ => return Box::pin(async { Outcome::NxDomain }),
            };
            let record = Record {
                name: name.clone(),
                ttl: 60,
                data,
            };
            Box::pin(async move { Outcome::Records(vec![record]) })
        }
    }

    fn logged(log: &[QueryLogEntry]) -> Vec<(String, usize)> {
        log.iter()
            .map(|entry| (entry.name.to_string(), entry.outcome.records().len()))
            .collect()
    }

    /// The links a chain led to are in the log with their own answers; a question the audit
    /// asked itself shows what it got (the whole chain), whichever was asked first.
    #[tokio::test]
    async fn the_log_holds_the_links_and_the_audits_own_questions_win() {
        use crate::dns::chase::ChasingSource;
        let stack = ChasingSource::new(CachingSource::new(FirstLinkOnly));
        let recorder = RecordingSource::new(&stack);
        let outcome = recorder.query(&Name::new("a.test"), RecordType::A).await;
        assert_eq!(outcome.records().len(), 3);
        // b was a link: its own answer, the next link.
        assert_eq!(
            logged(&RecordingSource::into_log(recorder)),
            vec![
                ("a.test".to_owned(), 3),
                ("b.test".to_owned(), 1),
                ("c.test".to_owned(), 1)
            ]
        );
        // Asked by the audit after being a link, or before: what the audit got.
        for b_first in [false, true] {
            let recorder = RecordingSource::new(&stack);
            let (a, b) = (Name::new("a.test"), Name::new("b.test"));
            if b_first {
                recorder.query(&b, RecordType::A).await;
                recorder.query(&a, RecordType::A).await;
            } else {
                recorder.query(&a, RecordType::A).await;
                recorder.query(&b, RecordType::A).await;
            }
            let mut log = logged(&recorder.into_log());
            log.sort();
            assert_eq!(
                log,
                vec![
                    ("a.test".to_owned(), 3),
                    ("b.test".to_owned(), 2),
                    ("c.test".to_owned(), 1)
                ],
                "b asked first: {b_first}"
            );
        }
        // Each question went below the cache once.
        assert_eq!(stack.inner().stats().sent, 3);
    }

    #[tokio::test]
    async fn a_full_cache_forgets_the_oldest_answers() {
        let cache = CachingSource::with_capacity(Counting(AtomicUsize::new(0)), 2);
        for name in ["a.test", "b.test", "c.test"] {
            cache.query(&Name::new(name), RecordType::A).await;
        }
        // c and b are kept, a was forgotten and is asked again.
        cache.query(&Name::new("c.test"), RecordType::A).await;
        assert_eq!(cache.stats().sent, 3);
        cache.query(&Name::new("a.test"), RecordType::A).await;
        assert_eq!(cache.stats().sent, 4);
    }

    /// Waits until told to answer, so that every query stays in flight as long as the test
    /// wants.
    struct Gate(tokio::sync::Notify, AtomicUsize);

    impl DnsSource for Gate {
        fn query<'a>(&'a self, _name: &'a Name, _rtype: RecordType) -> BoxFuture<'a, Outcome> {
            Box::pin(async move {
                self.1.fetch_add(1, Ordering::SeqCst);
                self.0.notified().await;
                Outcome::NoData
            })
        }
    }

    /// Issue 12: tens of thousands of questions in flight in a small cache. Each insert used
    /// to step over every cell in flight (quadratic, under the lock); now it is O(1), and the
    /// answers, once in, are forgotten down to the capacity.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_questions_in_flight_over_the_capacity_cost_little() {
        const IN_FLIGHT: usize = 40_000;
        let cache = Arc::new(CachingSource::with_capacity(
            Gate(tokio::sync::Notify::new(), AtomicUsize::new(0)),
            100,
        ));
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..IN_FLIGHT {
            let cache = Arc::clone(&cache);
            tasks.spawn(async move {
                cache
                    .query(&Name::new(&format!("n{i}.test")), RecordType::A)
                    .await
            });
        }
        while cache.inner().1.load(Ordering::SeqCst) < IN_FLIGHT {
            tokio::task::yield_now().await;
        }
        // Every question is in flight: none may be forgotten.
        assert_eq!(cache.len(), IN_FLIGHT);
        while !tasks.is_empty() {
            cache.inner().0.notify_waiters();
            while let Some(done) = tasks.try_join_next() {
                assert_eq!(done.unwrap(), Outcome::NoData);
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(cache.len(), 100);
        assert_eq!(cache.stats().sent, IN_FLIGHT);
        // A generous bound: the quadratic eviction took minutes here.
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{:?}",
            started.elapsed()
        );
    }

    /// A question whose only waiter gave up before the answer (an audit cut by its deadline)
    /// is not kept: nobody would ever fill it.
    #[tokio::test]
    async fn an_abandoned_question_is_forgotten() {
        let cache = CachingSource::new(Gate(tokio::sync::Notify::new(), AtomicUsize::new(0)));
        let name = Name::new("slow.test");
        let asked =
            tokio::time::timeout(Duration::from_millis(10), cache.query(&name, RecordType::A));
        assert!(asked.await.is_err());
        assert!(cache.is_empty());
    }
}
