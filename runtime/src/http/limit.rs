//! Client-side rate limiting (GCRA) shared by every request of a run, with an automatic
//! slow-down after a 429.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::def::RateLimitDef;

/// How long a 429 slow-down lasts after the last 429.
const SLOWDOWN_FOR: Duration = Duration::from_secs(30);
/// Spacing imposed after a 429 when no limit is configured (5 requests/s), doubled per 429.
const UNCONFIGURED_INTERVAL: Duration = Duration::from_millis(200);

/// Extra length of the sliding window, so that jitter between the moment a request is
/// released and the moment the server sees it cannot squeeze one more request into a second.
const WINDOW_GUARD: Duration = Duration::from_millis(20);

/// A GCRA limiter: each request reserves the earliest slot the budget allows, under a lock,
/// so concurrent callers get distinct, evenly spaced slots.
///
/// Slots alone do not guarantee the limit as a server counts it: tasks wake up late by
/// varying amounts, and a late one bunches up with the ones after it. So a configured limit
/// also passes every request through a FIFO gate over the instants requests were actually
/// released: at most `floor(rate)` (at least `burst`) in any window of one second plus
/// [`WINDOW_GUARD`].
///
/// After a 429 the effective interval doubles (per 429, up to 16x) for 30 s; without a
/// configured limit, a 429 imposes 5 requests/s, halved per further 429.
#[derive(Debug)]
pub struct RateLimiter {
    configured: Option<RateLimitDef>,
    state: Mutex<State>,
    released: tokio::sync::Mutex<VecDeque<Instant>>,
}

#[derive(Debug)]
struct State {
    tat: Option<Instant>,
    slowdown: u32,
    slowdown_until: Option<Instant>,
}

impl RateLimiter {
    /// A limiter for the spec's setting.
    pub fn new(configured: Option<RateLimitDef>) -> Self {
        RateLimiter {
            configured: configured.filter(|c| c.requests_per_second > 0.0),
            state: Mutex::new(State {
                tat: None,
                slowdown: 0,
                slowdown_until: None,
            }),
            released: tokio::sync::Mutex::new(VecDeque::new()),
        }
    }

    /// Requests allowed in one window: the rate over a second, never below the burst.
    fn window_budget(&self) -> Option<usize> {
        self.configured
            .map(|c| (c.requests_per_second.floor() as usize).max(c.burst.max(1) as usize))
    }

    /// The current spacing between requests and the burst, if any limit applies.
    fn interval(&self, st: &mut State, now: Instant) -> Option<(Duration, u32)> {
        if st.slowdown_until.is_some_and(|u| now >= u) {
            st.slowdown = 0;
            st.slowdown_until = None;
        }
        let factor = 1u32 << st.slowdown.min(4);
        match (self.configured, st.slowdown) {
            (Some(c), s) => Some((
                Duration::from_secs_f64(1.0 / c.requests_per_second)
                    * if s > 0 { factor } else { 1 },
                if s > 0 { 1 } else { c.burst.max(1) },
            )),
            (None, 0) => None,
            (None, _) => Some((UNCONFIGURED_INTERVAL * (factor / 2).max(1), 1)),
        }
    }

    /// Waits for a slot.
    pub async fn acquire(&self) {
        let at = {
            let Ok(mut st) = self.state.lock() else {
                return;
            };
            let now = Instant::now();
            let Some((interval, burst)) = self.interval(&mut st, now) else {
                return;
            };
            let tau = interval * (burst - 1);
            let tat = st
                .tat
                .unwrap_or(now)
                .max(now.checked_sub(tau).unwrap_or(now));
            let allowed = tat.checked_sub(tau).unwrap_or(now).max(now);
            st.tat = Some(tat.max(allowed) + interval);
            allowed
        };
        tokio::time::sleep_until(at).await;
        let Some(budget) = self.window_budget() else {
            return;
        };
        // FIFO: waiters are released in order, each after checking the real release times.
        let mut released = self.released.lock().await;
        let window = Duration::from_secs(1) + WINDOW_GUARD;
        if released.len() >= budget {
            if let Some(&oldest) = released.get(released.len() - budget) {
                tokio::time::sleep_until(oldest + window).await;
            }
        }
        let now = Instant::now();
        while released
            .front()
            .is_some_and(|&t| now.duration_since(t) >= window)
        {
            released.pop_front();
        }
        released.push_back(now);
    }

    /// Records a 429: slow down for a while.
    pub fn on_429(&self) {
        if let Ok(mut st) = self.state.lock() {
            st.slowdown = (st.slowdown + 1).min(5);
            st.slowdown_until = Some(Instant::now() + SLOWDOWN_FOR);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_after_burst() {
        let l = RateLimiter::new(Some(RateLimitDef {
            requests_per_second: 10.0,
            burst: 2,
        }));
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..5 {
            l.acquire().await;
            at.push((Instant::now() - start).as_millis());
        }
        assert_eq!(at, vec![0, 0, 100, 200, 300]);
    }

    #[tokio::test(start_paused = true)]
    async fn no_one_second_window_holds_more_than_the_rate() {
        // GCRA alone lets a burst of 10 through and then one request per 100 ms: 19 in the
        // first second. The release gate keeps every window at the budget.
        let l = RateLimiter::new(Some(RateLimitDef {
            requests_per_second: 10.0,
            burst: 10,
        }));
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..35 {
            l.acquire().await;
            at.push(Instant::now() - start);
        }
        for (i, t) in at.iter().enumerate() {
            let in_window = at[i..]
                .iter()
                .take_while(|u| **u - *t < Duration::from_secs(1))
                .count();
            assert!(
                in_window <= 10,
                "{in_window} releases within 1 s from {t:?}"
            );
        }
        // The burst still goes out at once, and the rate is kept, not undercut.
        assert_eq!(at[9], Duration::ZERO);
        assert!(at[34] < Duration::from_millis(3100), "{:?}", at[34]);
    }

    #[tokio::test(start_paused = true)]
    async fn slows_down_after_429_without_limit() {
        let l = RateLimiter::new(None);
        let start = Instant::now();
        l.acquire().await;
        l.acquire().await;
        assert_eq!((Instant::now() - start).as_millis(), 0);
        l.on_429();
        l.acquire().await;
        l.acquire().await;
        l.acquire().await;
        assert_eq!((Instant::now() - start).as_millis(), 400);
    }
}
