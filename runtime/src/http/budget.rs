//! A `rate_limit` budget shared by every process that loads a source into one destination.

use std::fmt::Debug;
use std::time::Duration;

use futures::future::BoxFuture;

/// How long after its release a request the caller does not report the answer of
/// ([`super::RateLimiter::acquire`]) counts against the limit: a request released at the
/// end of one window must not reach the API inside the next, though it took longer on its
/// way. Requests sent by the HTTP client report their answer and count until then instead
/// (see [`ANSWER_CAP`]), which is exact; this margin is the best a caller that cannot report
/// gets.
pub const WINDOW_GUARD: Duration = Duration::from_millis(100);

/// The longest a released request counts while its answer is not reported: a process killed
/// (or a run dropped) between a request's release and its answer must not hold a place in the
/// budget for ever. Every request that is sent reports its answer, timeout or error sooner
/// or later; the cap only has to outlast the time a request may take to *reach* the API
/// after its release (a busy runtime delays that by a fraction of a second), so a place held
/// by a killed shard is free again 10 s later.
pub const ANSWER_CAP: Duration = Duration::from_secs(10);

/// A place taken in a [`SharedBudget`], to report its request's answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedTicket {
    /// The place's number in the budget.
    pub slot: i32,
    /// Who took it: a random id, so a late answer never frees a place taken again since.
    pub id: i64,
}

/// The places of a source's requests, kept where every process running the source can see
/// them (PostgreSQL: `load::postgres_budget`), so N shards together send no more than the
/// spec's `rate_limit` allows. A request takes a place at its release and holds it until its
/// answer plus one window: whenever the API saw it, no window of the API's holds more than
/// the budget.
pub trait SharedBudget: Send + Sync + Debug {
    /// Waits until one more request may go and takes its place; `Err` (a message) when the
    /// shared store cannot be reached, in which case the limiter falls back to its own,
    /// per-process budget.
    fn acquire(&self) -> BoxFuture<'_, Result<SharedTicket, String>>;

    /// The request of `ticket` was answered (or failed): its place frees one window from now.
    /// Failing to record it only keeps the place until [`ANSWER_CAP`] after the release.
    fn answered(&self, ticket: SharedTicket) -> BoxFuture<'_, ()>;
}
