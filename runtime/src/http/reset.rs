//! Pauses an API asks for in its rate-limit headers (spec `client.rate_limit_headers`).
//!
//! Two cases pause an origin until the time its reset header names: an answer whose
//! remaining-calls header is at or below `min_remaining` (proactive: the next request would
//! be refused), and a 429 carrying the reset header. The pause holds every new request to
//! that origin, retries included, so a retry after a short backoff still waits for the
//! reset. Every pause is logged when it starts, and every wait when it ends (in
//! [`super::RateLimiter::acquire`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::def::{RateLimitHeadersDef, ResetFormat};

/// A reset value read as `epoch` by [`ResetFormat::Auto`] from this many seconds on
/// (2001-09-09): no API asks for a wait of 31 years, and no reset time lies before it.
const EPOCH_FROM: f64 = 1_000_000_000.0;

/// The wait a reset header's `value` asks for at `now`: seconds from now, or an absolute
/// Unix time in seconds. `None` when the value is not a number; a reset in the past is no
/// wait.
pub fn reset_wait(value: &str, format: ResetFormat, now: SystemTime) -> Option<Duration> {
    let n: f64 = value.trim().parse().ok().filter(|n: &f64| n.is_finite())?;
    let epoch = match format {
        ResetFormat::Seconds => false,
        ResetFormat::Epoch => true,
        ResetFormat::Auto => n >= EPOCH_FROM,
    };
    let secs = if epoch {
        let now = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        n - now
    } else {
        n
    };
    Some(Duration::from_secs_f64(secs.max(0.0)))
}

/// Why an origin is paused, for logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseReason {
    /// The remaining-calls header reached `min_remaining`.
    RemainingCalls,
    /// A 429 named its reset time.
    Refused,
}

impl PauseReason {
    /// The reason as logged.
    pub fn as_str(self) -> &'static str {
        match self {
            PauseReason::RemainingCalls => "remaining_calls",
            PauseReason::Refused => "reset_after_429",
        }
    }
}

/// The origins paused by their headers.
#[derive(Debug)]
pub(crate) struct HeaderPauses {
    def: RateLimitHeadersDef,
    paused: Mutex<HashMap<String, (Instant, PauseReason)>>,
}

impl HeaderPauses {
    pub(crate) fn new(def: RateLimitHeadersDef) -> Self {
        HeaderPauses {
            def,
            paused: Mutex::default(),
        }
    }

    /// Reads an answer's headers: pauses `origin` when they say the calls are used up.
    pub(crate) fn observe(&self, origin: &str, status: u16, headers: &HeaderMap) {
        let header = |name: Option<&str>| {
            headers
                .get(name?)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let remaining = header(self.def.remaining).and_then(|v| v.trim().parse::<f64>().ok());
        let reason = if remaining.is_some_and(|r| r <= self.def.min_remaining as f64) {
            PauseReason::RemainingCalls
        } else if status == 429 {
            PauseReason::Refused
        } else {
            return;
        };
        let Some(value) = header(self.def.reset) else {
            return;
        };
        let Some(wait) = reset_wait(&value, self.def.reset_format, SystemTime::now()) else {
            tracing::warn!(
                origin,
                header = self.def.reset.unwrap_or_default(),
                "rate-limit reset header is not a number of seconds: not pausing"
            );
            return;
        };
        let cap = Duration::from_secs_f64(self.def.max_wait_secs.max(0.0));
        let capped = wait.min(cap);
        if capped.is_zero() {
            return;
        }
        let until = Instant::now() + capped;
        let Ok(mut map) = self.paused.lock() else {
            return;
        };
        let slot = map.entry(origin.to_string()).or_insert((until, reason));
        if slot.0 < until {
            *slot = (until, reason);
        }
        tracing::info!(
            origin,
            reason = reason.as_str(),
            remaining = remaining.map(|r| r as i64),
            wait_ms = capped.as_millis() as u64,
            capped = capped < wait,
            "rate-limit headers: pausing requests until the reset"
        );
    }

    /// Waits out `origin`'s pause, if any; returns the time waited and why.
    pub(crate) async fn wait(&self, origin: &str) -> Option<(Duration, PauseReason)> {
        let (until, reason) = {
            let map = self.paused.lock().ok()?;
            *map.get(origin)?
        };
        let start = Instant::now();
        tokio::time::sleep_until(until).await;
        if let Ok(mut map) = self.paused.lock() {
            if map.get(origin).is_some_and(|(u, _)| *u <= Instant::now()) {
                map.remove(origin);
            }
        }
        Some((start.elapsed(), reason))
    }
}

#[cfg(test)]
mod tests {
    use super::super::RateLimiter;
    use super::*;

    const A: &str = "http://a.example:80";
    const B: &str = "http://b.example:80";

    const HEADERS: RateLimitHeadersDef = RateLimitHeadersDef {
        reset: Some("x-ratelimit-reset"),
        reset_format: ResetFormat::Auto,
        remaining: Some("x-ratelimit-remaining"),
        min_remaining: 1,
        max_wait_secs: 60.0,
    };

    fn answer(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn reset_values_read_as_seconds_or_unix_times() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let secs = |v, f| reset_wait(v, f, now).map(|d| d.as_secs_f64());
        assert_eq!(secs("30", ResetFormat::Auto), Some(30.0));
        assert_eq!(secs(" 2.5 ", ResetFormat::Seconds), Some(2.5));
        assert_eq!(secs("1700000100", ResetFormat::Auto), Some(100.0));
        assert_eq!(secs("1700000100", ResetFormat::Epoch), Some(100.0));
        assert_eq!(
            secs("1700000100", ResetFormat::Seconds),
            Some(1_700_000_100.0)
        );
        // A reset already past is no wait; a value that is not a number is not read.
        assert_eq!(secs("1699999990", ResetFormat::Epoch), Some(0.0));
        assert_eq!(secs("soon", ResetFormat::Auto), None);
    }

    fn limiter() -> RateLimiter {
        RateLimiter::new(None).with_headers(Some(HEADERS))
    }

    #[tokio::test(start_paused = true)]
    async fn remaining_calls_at_the_threshold_pause_the_origin_until_the_reset() {
        let l = limiter();
        // Two calls left: above `min_remaining`, no pause.
        l.observe_headers(
            A,
            200,
            &answer(&[("x-ratelimit-remaining", "2"), ("x-ratelimit-reset", "9")]),
        );
        assert_eq!(l.acquire(A).await, Duration::ZERO);
        // One call left: the next request waits for the reset, 5 s, exactly.
        l.observe_headers(
            A,
            200,
            &answer(&[("x-ratelimit-remaining", "1"), ("x-ratelimit-reset", "5")]),
        );
        let start = Instant::now();
        assert_eq!(l.acquire(B).await, Duration::ZERO);
        assert_eq!(l.acquire(A).await, Duration::from_secs(5));
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        // The pause is over: the next request goes at once.
        assert_eq!(l.acquire(A).await, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_with_a_reset_pauses_and_long_resets_are_capped() {
        let l = limiter();
        l.observe_headers(A, 429, &answer(&[("x-ratelimit-reset", "3")]));
        assert_eq!(l.acquire(A).await, Duration::from_secs(3));
        // A 200 without the remaining header does not pause, whatever its reset says.
        l.observe_headers(A, 200, &answer(&[("x-ratelimit-reset", "3")]));
        assert_eq!(l.acquire(A).await, Duration::ZERO);
        // A reset an hour away: waited `max_wait` (60 s).
        l.observe_headers(
            A,
            200,
            &answer(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "3600"),
            ]),
        );
        assert_eq!(l.acquire(A).await, Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn without_the_setting_headers_are_not_read() {
        let l = RateLimiter::new(None);
        l.observe_headers(
            A,
            200,
            &answer(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "5")]),
        );
        assert_eq!(l.acquire(A).await, Duration::ZERO);
    }
}
