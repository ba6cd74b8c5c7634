//! The client-wide settings of a source: its secrets, retry policy and rate limit.
//!
//! Generic over storage like [`crate::PaginatorDef`]: the defaults are the `'static` forms
//! generated constants hold; the spec's resolver uses owned ones (`String`, `Vec<u16>`).

/// A secret the spec references, and the environment variable it is read from. Only the
/// name ever reaches generated code; the value is read at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretDef<S = &'static str> {
    /// Name in the spec (`api_key`).
    pub name: S,
    /// Environment variable it is read from (`API_KEY` unless the spec says otherwise).
    pub env: S,
}

/// A retry policy with dlt's defaults applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryDef<L = &'static [u16]> {
    /// Retried statuses (default 429, 500, 502, 503, 504).
    pub statuses: L,
    /// Retries after the first attempt (default 4).
    pub max_retries: u32,
    /// Backoff multiplier in seconds (default 1).
    pub backoff_factor: f64,
    /// Cap on one wait, seconds (default 300).
    pub max_delay_secs: f64,
    /// Honour `Retry-After` (default true).
    pub respect_retry_after: bool,
}

impl RetryDef {
    /// dlt's defaults: 5 attempts, factor 1, cap 300 s, 429 and 5xx.
    pub const DEFAULT: RetryDef = RetryDef {
        statuses: &[429, 500, 502, 503, 504],
        max_retries: 4,
        backoff_factor: 1.0,
        max_delay_secs: 300.0,
        respect_retry_after: true,
    };
}

/// A client-side rate limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitDef {
    /// Requests per second.
    pub requests_per_second: f64,
    /// Burst size (default 1).
    pub burst: u32,
}
