//! How a request fails, every URL and excerpt redacted.

/// A request failed. Every URL and excerpt in it is redacted.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    /// An error status (after the retries, when it was retryable).
    #[error("{method} {url} returned status {status}{}: {body}", retries_text(*retries))]
    Status {
        /// Method.
        method: &'static str,
        /// Redacted URL.
        url: String,
        /// Status.
        status: u16,
        /// Retries made.
        retries: u32,
        /// Start of the body, redacted.
        body: String,
    },
    /// 401 or 403 that no token refresh fixes: the credentials are wrong, a config error that
    /// retrying cannot cure.
    #[error("{method} {url} returned status {status}, a config error (the API refused the credentials; check this source's secrets): {body}")]
    Refused {
        /// Method.
        method: &'static str,
        /// Redacted URL.
        url: String,
        /// Status (401 or 403).
        status: u16,
        /// Start of the body, redacted.
        body: String,
    },
    /// A response action failed the request: `fail`, or `refresh_token` that a new token did
    /// not cure. A config error: retrying cannot help.
    #[error("{method} {url} returned status {status}, a config error ({reason}): {body}")]
    ActionFailed {
        /// Method.
        method: &'static str,
        /// Redacted URL.
        url: String,
        /// Status.
        status: u16,
        /// Which action, and why it failed.
        reason: String,
        /// Start of the body, redacted.
        body: String,
    },
    /// Connection error, timeout or truncated body (after the retries).
    #[error("{method} {url} failed{}: {message}", retries_text(*retries))]
    Transport {
        /// Method.
        method: &'static str,
        /// Redacted URL.
        url: String,
        /// Retries made.
        retries: u32,
        /// What happened, redacted.
        message: String,
    },
    /// The body exceeded `ExtractOptions::max_body_bytes`.
    #[error("{method} {url}: response body is larger than the limit of {limit} bytes (ExtractOptions::max_body_bytes)")]
    TooLarge {
        /// Method.
        method: &'static str,
        /// Redacted URL.
        url: String,
        /// Limit.
        limit: usize,
    },
    /// The circuit breaker is open.
    #[error("request to {url} not sent: {reason}")]
    CircuitOpen {
        /// Redacted URL.
        url: String,
        /// Why the breaker opened.
        reason: String,
    },
    /// Token endpoint answered something unusable.
    #[error("OAuth2 token request to {url} failed: {message}")]
    Token {
        /// Redacted URL.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// A session login answered something unusable.
    #[error("session login at {url} failed: {message}")]
    Login {
        /// Redacted URL.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// A redirect to another origin would have carried a credential that cannot be removed.
    #[error("{method} {url} redirected to {target} on another origin, not followed: {reason}")]
    Redirect {
        /// Method.
        method: &'static str,
        /// Redacted URL that redirected.
        url: String,
        /// Redacted redirect target.
        target: String,
        /// Why it was not followed.
        reason: String,
    },
    /// The request could not be built.
    #[error("cannot build the request: {message}")]
    Build {
        /// What was wrong.
        message: String,
    },
}

fn retries_text(retries: u32) -> String {
    match retries {
        0 => String::new(),
        1 => " after 1 retry".to_string(),
        n => format!(" after {n} retries"),
    }
}
