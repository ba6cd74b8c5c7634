//! A `rate_limit` budget shared by every process that loads a source into one destination.

use std::fmt::Debug;

use futures::future::BoxFuture;

/// Release instants of a source's requests, kept where every process running the source can
/// see them (PostgreSQL: `load::postgres_budget`), so N shards together send no more than
/// the spec's `rate_limit` allows.
pub trait SharedBudget: Send + Sync + Debug {
    /// Waits until one more request may go; `Err` (a message) when the shared store cannot
    /// be reached, in which case the limiter falls back to its own, per-process budget.
    fn acquire(&self) -> BoxFuture<'_, Result<(), String>>;
}
