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

/// How a rate-limit reset header's value reads (`client.rate_limit_headers.reset_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "model",
    derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)
)]
#[cfg_attr(feature = "model", serde(rename_all = "snake_case"))]
pub enum ResetFormat {
    /// Seconds to wait, unless the number is 1000000000 or more: then a Unix time (default).
    #[default]
    Auto,
    /// Seconds to wait (`RateLimit-Reset`, `Retry-After`'s integer form).
    Seconds,
    /// A Unix time in seconds (GitHub's `X-RateLimit-Reset`).
    Epoch,
}

/// The rate-limit headers an API answers with, and when to pause for them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitHeadersDef<S = &'static str> {
    /// Header naming when calls are available again (`X-RateLimit-Reset`).
    pub reset: Option<S>,
    /// How the reset header's value reads.
    pub reset_format: ResetFormat,
    /// Header counting the calls left (`X-RateLimit-Remaining`).
    pub remaining: Option<S>,
    /// Pause until the reset once the calls left are at most this (default 0).
    pub min_remaining: u64,
    /// Longest pause in seconds (default 300); a later reset is waited for this long.
    pub max_wait_secs: f64,
}

/// A client-side rate limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitDef {
    /// Requests per second.
    pub requests_per_second: f64,
    /// Burst size (default 1).
    pub burst: u32,
}
