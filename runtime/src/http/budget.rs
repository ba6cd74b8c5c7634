//! A `rate_limit` budget shared by every process that loads a source into one destination.

use std::fmt::Debug;
use std::time::Duration;

use futures::future::BoxFuture;

/// Margin added to every rate-limit window, in this process's limiter and in a shared budget:
/// a request released at the end of one window must not reach the API inside the next,
/// though the requests before it took longer on their way. A loaded machine delays some by
/// tens of milliseconds (a runtime busy with a page, a preempted thread): 20 ms, then 50 ms,
/// let CI's API see 101 requests in a second at a limit of 100. 100 ms costs a run held at
/// its limit 9% of the rate; a limit is a promise to the API, so the margin errs that way.
pub const WINDOW_GUARD: Duration = Duration::from_millis(100);

/// Release instants of a source's requests, kept where every process running the source can
/// see them (PostgreSQL: `load::postgres_budget`), so N shards together send no more than
/// the spec's `rate_limit` allows.
pub trait SharedBudget: Send + Sync + Debug {
    /// Waits until one more request may go; `Err` (a message) when the shared store cannot
    /// be reached, in which case the limiter falls back to its own, per-process budget.
    fn acquire(&self) -> BoxFuture<'_, Result<(), String>>;
}
