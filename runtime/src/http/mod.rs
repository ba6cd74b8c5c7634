//! HTTP client: auth, retries, rate limiting, redirects, body limits and redaction.
//!
//! One [`HttpClient`] serves a whole run (one reqwest client, so connections are reused). It
//! carries the run's circuit breaker: once a request has used up its retries, no further
//! request goes to the API, and requests waiting to retry stop at once.
//!
//! A request goes through named steps: [`HttpClient::send`] (`send.rs`) decides, per attempt,
//! whether to return, refresh an OAuth token, retry after a wait or give up; one attempt
//! (`attempt.rs`) builds the request, follows redirects (credentials stay on their origin)
//! and reads the body within its limit.

mod attempt;
mod auth;
mod body_rest;
mod budget;
mod error;
mod limit;
pub use budget::{SharedBudget, SharedTicket, ANSWER_CAP, WINDOW_GUARD};
mod redact;
mod redirect;
mod request;
mod reset;
mod retry;
mod send;
mod token;
mod user_auth;

pub use body_rest::BodyRest;
pub use error::HttpError;
pub use limit::RateLimiter;
pub use redact::{Redactor, EXCERPT_CHARS};
pub use request::{join_url, Body, HttpMethod, HttpRequest, Outcome, Response};
pub use reset::{reset_wait, PauseReason};
pub use retry::{backoff, choose_wait, retry_after, RetryWait};
pub use user_auth::{boxed, AuthError, Authenticate, Credentials};

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use tokio::sync::watch;
use url::Url;

use crate::def::SourceDef;
use crate::secret::SecretValues;

/// Longest body excerpt put into an error.
const BODY_EXCERPT: usize = EXCERPT_CHARS;

/// Counters shared by every request of an extractor.
#[derive(Debug, Default)]
pub struct Counters {
    /// Requests sent (every attempt, redirect hop and token request).
    pub requests: AtomicU64,
    /// Retries.
    pub retries: AtomicU64,
    /// Pages decoded.
    pub pages: AtomicU64,
    /// Body bytes received.
    pub bytes: AtomicU64,
    /// Every retry wait chosen, in order (a test hook and a report figure).
    pub waits: Mutex<Vec<RetryWait>>,
}

/// The run's HTTP client.
pub struct HttpClient {
    client: reqwest::Client,
    secrets: SecretValues,
    redactor: Redactor,
    limiter: RateLimiter,
    breaker: watch::Sender<Option<String>>,
    counters: Arc<Counters>,
    tokens: Mutex<HashMap<String, Arc<auth::TokenSlot>>>,
    refresh: Mutex<token::RefreshTokens>,
    /// The spec's Rust auth types, one instance each, by spec position.
    user_auths: Mutex<HashMap<&'static str, Arc<dyn user_auth::Authenticate>>>,
    base_url: Url,
    spec_base_url: &'static str,
    static_headers: Vec<(HeaderName, HeaderValue)>,
    max_body_bytes: usize,
    stream_after_bytes: usize,
    backoff_scale: f64,
    /// The whole-request timeout, for messages.
    timeout: Option<Duration>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("base_url", &self.redactor.url(&self.base_url))
            .finish_non_exhaustive()
    }
}

/// Settings of one client.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL requests go to (the spec's or the override).
    pub base_url: Url,
    /// Largest body accepted.
    pub max_body_bytes: usize,
    /// Multiplier on retry waits.
    pub backoff_scale: f64,
    /// A successful body sent with [`HttpClient::send_streaming`] that opens a JSON array is
    /// handed back as a stream once this many bytes of it arrived (a shorter one is read
    /// whole, as `send` reads it).
    pub stream_after_bytes: usize,
}

impl HttpClient {
    /// A client for `source`.
    pub fn new(
        source: &'static SourceDef,
        secrets: SecretValues,
        config: ClientConfig,
        counters: Arc<Counters>,
    ) -> Result<Self, HttpError> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("restsource/", env!("CARGO_PKG_VERSION")));
        let timeout = (source.timeout_secs.is_finite() && source.timeout_secs > 0.0)
            .then(|| Duration::from_secs_f64(source.timeout_secs));
        if let Some(t) = timeout {
            builder = builder.timeout(t);
        }
        let client = builder.build().map_err(|e| HttpError::Build {
            message: e.without_url().to_string(),
        })?;
        let mut static_headers = Vec::new();
        for (k, v) in source.headers {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|_| HttpError::Build {
                message: format!("`{k}` is not a valid header name"),
            })?;
            let value = HeaderValue::from_str(v).map_err(|_| HttpError::Build {
                message: format!("header `{k}` has an invalid value"),
            })?;
            static_headers.push((name, value));
        }
        let redactor = Redactor::new(&secrets);
        auth::redact_basic_pairs(&redactor, source, &secrets);
        Ok(HttpClient {
            client,
            redactor,
            secrets,
            limiter: RateLimiter::new(source.rate_limit).with_headers(source.rate_limit_headers),
            breaker: watch::channel(None).0,
            counters,
            tokens: Mutex::default(),
            refresh: Mutex::default(),
            user_auths: Mutex::default(),
            base_url: config.base_url,
            spec_base_url: source.base_url,
            static_headers,
            max_body_bytes: config.max_body_bytes,
            stream_after_bytes: config.stream_after_bytes,
            backoff_scale: config.backoff_scale.max(0.0),
            timeout,
        })
    }

    /// Spends the spec's `rate_limit` from `budget`, shared with other processes, instead
    /// of from this process's own.
    pub fn share_budget(&mut self, budget: std::sync::Arc<dyn SharedBudget>) {
        self.limiter.share(budget);
    }

    /// The redactor (shared; run-time tokens are added to it).
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The shared counters.
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// Opens the circuit breaker: no further request is sent in this run.
    pub fn trip(&self, reason: String) {
        self.breaker.send_if_modified(|slot| {
            if slot.is_none() {
                *slot = Some(reason);
                true
            } else {
                false
            }
        });
    }

    fn open_reason(&self) -> Option<String> {
        self.breaker.borrow().clone()
    }

    fn excerpt(&self, body: &[u8]) -> String {
        self.redactor.excerpt_bytes(body, BODY_EXCERPT)
    }
}
