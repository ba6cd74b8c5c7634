//! Client-side rate limiting: the spec's `rate_limit` (GCRA plus a release gate), and a short
//! per-origin slow-down while an origin answers 429.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::budget::{SharedBudget, SharedTicket, ANSWER_CAP, WINDOW_GUARD};
use super::reset::HeaderPauses;
use crate::def::{RateLimitDef, RateLimitHeadersDef};

/// Spacing of new requests to an origin after its first 429 with no success since; doubled
/// per further 429, up to [`MAX_REFUSAL_SPACING`].
const REFUSAL_SPACING: Duration = Duration::from_millis(100);
/// Longest spacing while an origin keeps refusing (16 x [`REFUSAL_SPACING`]).
const MAX_REFUSAL_SPACING: Duration = Duration::from_millis(1600);
/// Waits longer than this are logged at INFO; shorter ones at DEBUG.
const LONG_WAIT: Duration = Duration::from_secs(1);
/// How often a request waiting at the gate looks again for answers that opened it.
const ANSWER_POLL: Duration = Duration::from_millis(10);

/// The run's limiter, shared by every request.
///
/// **The spec's `rate_limit`** is a GCRA: each request reserves the earliest slot the budget
/// allows, under a lock, so concurrent callers get distinct, evenly spaced slots. Slots alone
/// do not guarantee the limit as a server counts it: tasks wake up late by varying amounts,
/// and a late one bunches up with the ones after it. So a configured limit also passes every
/// request through a FIFO gate: at most `floor(rate)` (at least `burst`) requests in flight
/// towards the API's count within any one second. A request counts from its release until
/// it was answered ([`RateLimiter::answered`]): the API saw it somewhere in between, so
/// however late a busy runtime sent it, it cannot put one too many into the API's second,
/// and a fast API still gets nearly the full rate. An answer never reported stops counting
/// [`ANSWER_CAP`] after the release; a caller that cannot report answers at all
/// ([`RateLimiter::acquire`]) counts [`WINDOW_GUARD`] after it.
///
/// **A 429** is answered by the retry policy of the request that got it (its `Retry-After` or
/// backoff); the limiter only spaces *new* requests to the same origin while that origin is
/// refusing, i.e. from a 429 until its next success. The first success ends it and releases
/// every request waiting for a spaced slot at once; requests already sent, requests to other
/// origins and the configured limit's slots are never touched. So faults cost each request
/// what its own policy says, and do not add up across the requests of a run.
#[derive(Debug)]
pub struct RateLimiter {
    configured: Option<RateLimitDef>,
    tat: Mutex<Option<Instant>>,
    /// The gate's queue: whoever holds it is the next to be released.
    gate: tokio::sync::Mutex<()>,
    /// Requests released through the gate that may still count, by ticket: until when.
    counted: Mutex<Counted>,
    refusing: Mutex<HashMap<String, Refusal>>,
    /// Pauses the API's rate-limit headers ask for (`client.rate_limit_headers`).
    headers: Option<HeaderPauses>,
    /// Where the configured limit is spent when other processes share it.
    shared: Option<Arc<dyn SharedBudget>>,
}

/// The gate's released requests.
#[derive(Debug, Default)]
struct Counted {
    /// The next ticket.
    next: u64,
    /// Ticket → the instant the request stops counting (its answer, or its release plus its
    /// cap, whichever is first).
    until: HashMap<u64, Instant>,
}

/// A request released by the configured limit, to report its answer with
/// ([`RateLimiter::answered`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Released(Place);

/// Where a released request counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Nowhere: no limit is configured (or the limiter's lock was poisoned).
    Nowhere,
    /// The process's own gate, by ticket.
    Gate(u64),
    /// A budget shared with other processes.
    Shared(SharedTicket),
}

/// An origin that answered 429 and has not answered successfully since.
#[derive(Debug)]
struct Refusal {
    /// 429s since the last success.
    count: u32,
    /// The next free spaced slot.
    next: Instant,
    /// Set to `true` when the origin answers successfully, waking its waiters.
    ended: watch::Sender<bool>,
}

impl RateLimiter {
    /// A limiter for the spec's setting.
    pub fn new(configured: Option<RateLimitDef>) -> Self {
        RateLimiter {
            configured: configured.filter(|c| c.requests_per_second > 0.0),
            tat: Mutex::new(None),
            gate: tokio::sync::Mutex::new(()),
            counted: Mutex::new(Counted::default()),
            refusing: Mutex::new(HashMap::new()),
            headers: None,
            shared: None,
        }
    }

    /// Also pauses for the API's rate-limit headers, as `headers` describes them.
    pub fn with_headers(mut self, headers: Option<RateLimitHeadersDef>) -> Self {
        self.headers = headers.map(HeaderPauses::new);
        self
    }

    /// Spends the configured limit from `budget`, which other processes share, instead of
    /// this process's own slots (a limiter without a configured limit ignores it).
    pub fn share(&mut self, budget: Arc<dyn SharedBudget>) {
        if self.configured.is_some() {
            self.shared = Some(budget);
        }
    }

    /// Reads an answer's rate-limit headers (when the spec names them): a reset that the
    /// remaining calls or a 429 call for pauses every new request to `origin` until then.
    pub fn observe_headers(&self, origin: &str, status: u16, headers: &reqwest::header::HeaderMap) {
        if let Some(h) = &self.headers {
            h.observe(origin, status, headers);
        }
    }

    /// Requests allowed in one window: the rate over a second, never below the burst.
    fn window_budget(&self) -> Option<usize> {
        self.configured
            .map(|c| (c.requests_per_second.floor() as usize).max(c.burst.max(1) as usize))
    }

    /// Waits until a request to `origin` (an origin as `scheme://host:port`, no credentials)
    /// may go: first the origin's slow-down, if it is refusing, then the configured limit.
    /// Returns the time waited. The request counts against the limit for [`WINDOW_GUARD`]
    /// after its release; [`RateLimiter::acquire_answerable`] lets its answer end that sooner.
    pub async fn acquire(&self, origin: &str) -> Duration {
        self.wait(origin, WINDOW_GUARD).await.0
    }

    /// [`RateLimiter::acquire`], also returning the request's ticket for
    /// [`RateLimiter::answered`]: the request counts until then (at most [`ANSWER_CAP`]).
    pub async fn acquire_answerable(&self, origin: &str) -> (Duration, Released) {
        self.wait(origin, ANSWER_CAP).await
    }

    /// Waits for every pause and slot; the released request counts `counts` after its
    /// release unless its answer comes first.
    async fn wait(&self, origin: &str, counts: Duration) -> (Duration, Released) {
        let start = Instant::now();
        if let Some(h) = &self.headers {
            if let Some((wait, reason)) = h.wait(origin).await {
                // Always at INFO: the API asked for it, and it may be long.
                tracing::info!(
                    origin,
                    reason = reason.as_str(),
                    wait_ms = wait.as_millis() as u64,
                    "rate-limit wait"
                );
            }
        }
        let paused = start.elapsed();
        let start = Instant::now();
        self.refusal_wait(origin).await;
        let refused = start.elapsed();
        let released = self.configured_wait(counts).await;
        let limited = start.elapsed() - refused;
        for (wait, reason) in [(refused, "slow_down_after_429"), (limited, "rate_limit")] {
            if wait >= LONG_WAIT {
                tracing::info!(
                    origin,
                    reason,
                    wait_ms = wait.as_millis() as u64,
                    "rate-limit wait"
                );
            } else if !wait.is_zero() {
                tracing::debug!(
                    origin,
                    reason,
                    wait_ms = wait.as_millis() as u64,
                    "rate-limit wait"
                );
            }
        }
        (paused + start.elapsed(), released)
    }

    /// The request of `released` was answered (or failed): the API counted it by now, so it
    /// stops counting against the limit now if that is sooner than its cap.
    pub async fn answered(&self, released: Released) {
        let ticket = match released.0 {
            Place::Nowhere => return,
            Place::Shared(ticket) => {
                if let Some(shared) = &self.shared {
                    shared.answered(ticket).await;
                }
                return;
            }
            Place::Gate(ticket) => ticket,
        };
        let Ok(mut counted) = self.counted.lock() else {
            return;
        };
        let now = Instant::now();
        if let Some(until) = counted.until.get_mut(&ticket) {
            *until = (*until).min(now);
        }
    }

    /// The spaced slot of a refusing origin; returns early when the origin stops refusing.
    async fn refusal_wait(&self, origin: &str) {
        let (at, mut ended) = {
            let Ok(mut map) = self.refusing.lock() else {
                return;
            };
            let Some(r) = map.get_mut(origin) else {
                return;
            };
            let now = Instant::now();
            let at = r.next.max(now);
            r.next = at + spacing(r.count);
            (at, r.ended.subscribe())
        };
        tokio::select! {
            _ = tokio::time::sleep_until(at) => {}
            _ = ended.wait_for(|e| *e) => {}
        }
    }

    /// The configured limit's slot, then the release gate; the released request's ticket,
    /// counting `counts` after its release unless answered sooner.
    async fn configured_wait(&self, counts: Duration) -> Released {
        let Some(c) = self.configured else {
            return Released(Place::Nowhere);
        };
        if let Some(shared) = &self.shared {
            match shared.acquire().await {
                Ok(ticket) => return Released(Place::Shared(ticket)),
                // The limit still holds for this process; only the sharing is lost.
                Err(e) => tracing::warn!(
                    error = %e,
                    "the shared rate budget is unreachable: this request spends the process's own"
                ),
            }
        }
        let at = {
            let Ok(mut tat) = self.tat.lock() else {
                return Released(Place::Nowhere);
            };
            let now = Instant::now();
            let interval = Duration::from_secs_f64(1.0 / c.requests_per_second);
            let tau = interval * (c.burst.max(1) - 1);
            let t = tat.unwrap_or(now).max(now.checked_sub(tau).unwrap_or(now));
            let allowed = t.checked_sub(tau).unwrap_or(now).max(now);
            *tat = Some(t.max(allowed) + interval);
            allowed
        };
        tokio::time::sleep_until(at).await;
        let Some(budget) = self.window_budget() else {
            return Released(Place::Nowhere);
        };
        // FIFO: waiters are released in order, each once fewer than `budget` requests still
        // count within the second before it.
        let _turn = self.gate.lock().await;
        while let Some(wake) = self.gate_opens(budget) {
            // An answer may open the gate sooner: look again at least every 10 ms.
            tokio::time::sleep_until(wake.min(Instant::now() + ANSWER_POLL)).await;
        }
        let Ok(mut counted) = self.counted.lock() else {
            return Released(Place::Nowhere);
        };
        let ticket = counted.next;
        counted.next += 1;
        counted.until.insert(ticket, Instant::now() + counts);
        Released(Place::Gate(ticket))
    }

    /// When the gate opens for one more request: `None` now, when fewer than `budget`
    /// released requests count within the last second (those that stopped counting before it
    /// are forgotten).
    fn gate_opens(&self, budget: usize) -> Option<Instant> {
        let Ok(mut counted) = self.counted.lock() else {
            return None;
        };
        let now = Instant::now();
        let second = Duration::from_secs(1);
        counted
            .until
            .retain(|_, until| now.checked_sub(second).is_none_or(|s| *until > s));
        if counted.until.len() < budget {
            return None;
        }
        // The gate opens a second after enough of them stopped counting.
        let mut ends: Vec<Instant> = counted.until.values().copied().collect();
        let k = ends.len() - budget;
        let (_, nth, _) = ends.select_nth_unstable(k);
        Some(*nth + second)
    }

    /// Records the status `origin` answered: a 429 starts (or steepens) its slow-down; a
    /// success or any other answer below 500 ends it at once; 5xx leave it as it is.
    pub fn on_response(&self, origin: &str, status: u16) {
        let Ok(mut map) = self.refusing.lock() else {
            return;
        };
        if status == 429 {
            let now = Instant::now();
            let r = map.entry(origin.to_string()).or_insert_with(|| Refusal {
                count: 0,
                next: now,
                ended: watch::channel(false).0,
            });
            r.count = r.count.saturating_add(1);
            tracing::debug!(
                origin,
                refusals = r.count,
                spacing_ms = spacing(r.count).as_millis() as u64,
                "origin answered 429: spacing new requests until it answers successfully"
            );
        } else if status < 500 {
            if let Some(r) = map.remove(origin) {
                r.ended.send_replace(true);
                tracing::debug!(origin, "origin answered again: slow-down ended");
            }
        }
    }
}

/// The spacing after `count` refusals in a row.
fn spacing(count: u32) -> Duration {
    (REFUSAL_SPACING * (1u32 << count.saturating_sub(1).min(4))).min(MAX_REFUSAL_SPACING)
}

#[cfg(test)]
#[path = "limit_tests.rs"]
mod tests;
