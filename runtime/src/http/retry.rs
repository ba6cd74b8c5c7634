//! Retry waits: exponential backoff with jitter, and `Retry-After`.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::def::RetryDef;

/// How long to wait before retry number `retry` (1-based): `factor * 2^(retry-1)` seconds,
/// capped by `max_delay`, then scaled by a jitter of `1 - jitter/4` (`jitter` in `[0, 1)`), so
/// the wait lies in `[0.75, 1] x` the capped value and never above `max_delay`. dlt has no
/// jitter; we add it so concurrent resources do not retry in lockstep.
pub fn backoff(retry: u32, def: &RetryDef, jitter: f64) -> Duration {
    let exp = def.backoff_factor.max(0.0) * 2f64.powi(retry.saturating_sub(1).min(62) as i32);
    let capped = exp.min(def.max_delay_secs.max(0.0));
    let scaled = capped * (1.0 - jitter.clamp(0.0, 1.0) / 4.0);
    Duration::from_secs_f64(if scaled.is_finite() { scaled } else { 0.0 })
}

/// `Retry-After` as seconds (integer seconds or an HTTP date relative to `now`). `None` when
/// absent, unparseable or not positive (then the backoff applies, as in dlt).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<f64> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let secs = match raw.parse::<f64>() {
        Ok(s) => s,
        Err(_) => {
            let at = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
            let now: chrono::DateTime<chrono::Utc> = now.into();
            (at.with_timezone(&chrono::Utc) - now).num_milliseconds() as f64 / 1000.0
        }
    };
    (secs.is_finite() && secs > 0.0).then_some(secs)
}

/// Why a wait was chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryWait {
    /// Retry number (1 for the first retry).
    pub retry: u32,
    /// Status that caused it (`None` for a transport error).
    pub status: Option<u16>,
    /// The policy's wait (before `ExtractOptions::backoff_scale`).
    pub wait: Duration,
    /// True when it came from `Retry-After`.
    pub from_retry_after: bool,
}

/// The wait before retry `retry`: `Retry-After` (capped by `max_delay`) when honoured and
/// present, else [`backoff`].
pub fn choose_wait(
    retry: u32,
    def: &RetryDef,
    headers: Option<&HeaderMap>,
    jitter: f64,
    status: Option<u16>,
) -> RetryWait {
    let after = headers
        .filter(|_| def.respect_retry_after)
        .and_then(|h| retry_after(h, SystemTime::now()));
    match after {
        Some(secs) => RetryWait {
            retry,
            status,
            wait: Duration::from_secs_f64(secs.min(def.max_delay_secs.max(0.0))),
            from_retry_after: true,
        },
        None => RetryWait {
            retry,
            status,
            wait: backoff(retry, def, jitter),
            from_retry_after: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jitter_is_bounded() {
        let def = RetryDef {
            backoff_factor: 1.0,
            max_delay_secs: 5.0,
            ..RetryDef::DEFAULT
        };
        let waits: Vec<f64> = (1..=5)
            .map(|r| backoff(r, &def, 0.0).as_secs_f64())
            .collect();
        assert_eq!(waits, vec![1.0, 2.0, 4.0, 5.0, 5.0]);
        for j in [0.0, 0.3, 0.999] {
            let w = backoff(3, &def, j).as_secs_f64();
            assert!((3.0..=4.0).contains(&w), "{w}");
        }
        assert_eq!(
            backoff(40, &def, 0.999).as_secs_f64(),
            5.0 * (1.0 - 0.999 / 4.0)
        );
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h, SystemTime::now()), Some(7.0));
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470);
        h.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h, now), Some(10.0));
        h.insert(RETRY_AFTER, "0".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
        let def = RetryDef {
            max_delay_secs: 3.0,
            ..RetryDef::DEFAULT
        };
        h.insert(RETRY_AFTER, "100".parse().unwrap());
        assert_eq!(
            choose_wait(1, &def, Some(&h), 0.0, Some(429)).wait,
            Duration::from_secs(3)
        );
    }
}
