//! A global limit on DNS queries in flight, shared by every audit of a run.
//!
//! Batch runs audit many domains at once; the limit keeps the number of outstanding queries
//! (sockets, server load, memory) bounded however many domains are given. The semaphore is
//! fair (first come, first served), so no audit starves, and a query that waits for a dead
//! server holds one permit, not the run.

use tokio::sync::Semaphore;

use super::{BoxFuture, DnsSource, Name, Outcome, RecordType};

/// At most `limit` queries of the inner source in flight at once.
pub struct LimitingSource<S> {
    inner: S,
    permits: Semaphore,
}

impl<S: DnsSource> LimitingSource<S> {
    /// Limits `inner` to `limit` queries in flight (at least one).
    pub fn new(inner: S, limit: usize) -> Self {
        LimitingSource {
            inner,
            permits: Semaphore::new(limit.max(1)),
        }
    }
}

impl<S: DnsSource> DnsSource for LimitingSource<S> {
    fn query<'a>(&'a self, name: &'a Name, rtype: RecordType) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            // The semaphore is never closed, so acquiring cannot fail; if it ever did, asking
            // without a permit is better than failing the lookup.
            let _permit = self.permits.acquire().await.ok();
            self.inner.query(name, rtype).await
        })
    }
}
