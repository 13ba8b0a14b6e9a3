//! Single-flight caching and the per-audit query log.
//!
//! [`CachingSource`] sits in front of the real source for a whole run: the first request for a
//! `(name, type)` pair sends the query, every later request (while it is in flight, or after it
//! is done) waits for and shares that one answer. [`RecordingSource`] sits in front of the cache
//! for one audit and writes down every distinct question that audit asked, with its outcome and
//! how long the audit waited for it: that log is what `--verbose` and the JSON `dns` section show.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use super::{BoxFuture, DnsSource, Name, Outcome, RecordType};

type Key = (Name, RecordType);

/// A single-flight cache over another source: each distinct query is sent once per run.
pub struct CachingSource<S> {
    inner: S,
    cells: Mutex<HashMap<Key, Arc<OnceCell<Outcome>>>>,
    requests: AtomicUsize,
    sent: AtomicUsize,
}

/// How many queries were asked of a [`CachingSource`] and how many it actually sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheStats {
    /// Requests made by the audits, duplicates included.
    pub requests: usize,
    /// Queries that reached the underlying source.
    pub sent: usize,
}

impl<S: DnsSource> CachingSource<S> {
    /// Puts a cache in front of `inner`.
    pub fn new(inner: S) -> Self {
        CachingSource {
            inner,
            cells: Mutex::new(HashMap::new()),
            requests: AtomicUsize::new(0),
            sent: AtomicUsize::new(0),
        }
    }

    /// Requests and sends so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            requests: self.requests.load(Ordering::Relaxed),
            sent: self.sent.load(Ordering::Relaxed),
        }
    }

    fn cell(&self, name: &Name, rtype: RecordType) -> Arc<OnceCell<Outcome>> {
        // A poisoned lock only means another task panicked while holding it; the map itself
        // is still consistent (inserts are atomic), so keep going.
        let mut cells = self.cells.lock().unwrap_or_else(PoisonError::into_inner);
        match cells.entry((name.clone(), rtype)) {
            Entry::Occupied(entry) => Arc::clone(entry.get()),
            Entry::Vacant(entry) => Arc::clone(entry.insert(Arc::new(OnceCell::new()))),
        }
    }
}

impl<S: DnsSource> DnsSource for CachingSource<S> {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let cell = self.cell(name, rtype);
            cell.get_or_init(|| async {
                self.sent.fetch_add(1, Ordering::Relaxed);
                self.inner.query(name, rtype).await
            })
            .await
            .clone()
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

/// Records the distinct questions of one audit, in the order they were asked.
pub struct RecordingSource<'s> {
    inner: &'s dyn DnsSource,
    start: Instant,
    log: Mutex<Vec<Option<QueryLogEntry>>>,
    asked: Mutex<HashMap<Key, usize>>,
}

impl<'s> RecordingSource<'s> {
    /// Starts a log over `inner`; times are measured from now.
    pub fn new(inner: &'s dyn DnsSource) -> Self {
        RecordingSource {
            inner,
            start: Instant::now(),
            log: Mutex::new(Vec::new()),
            asked: Mutex::new(HashMap::new()),
        }
    }

    /// The questions asked so far, in the order they were asked.
    pub fn into_log(self) -> Vec<QueryLogEntry> {
        self.log
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .into_iter()
            .flatten()
            .collect()
    }
}

impl DnsSource for RecordingSource<'_> {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            // Reserve a slot in asking order on the first request; later requests for the same
            // question are answered by the cache below and need no second entry.
            let slot = {
                let mut asked = self.asked.lock().unwrap_or_else(PoisonError::into_inner);
                match asked.entry((name.clone(), rtype)) {
                    Entry::Occupied(_) => None,
                    Entry::Vacant(entry) => {
                        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
                        entry.insert(log.len());
                        log.push(None);
                        Some(log.len() - 1)
                    }
                }
            };
            let started = self.start.elapsed();
            let outcome = self.inner.query(name, rtype).await;
            if let Some(slot) = slot {
                let entry = QueryLogEntry {
                    name: name.clone(),
                    rtype,
                    outcome: outcome.clone(),
                    started,
                    elapsed: self.start.elapsed().saturating_sub(started),
                };
                self.log.lock().unwrap_or_else(PoisonError::into_inner)[slot] = Some(entry);
            }
            outcome
        })
    }
}
