//! HTTP client: auth, retries, rate limiting, redaction.
