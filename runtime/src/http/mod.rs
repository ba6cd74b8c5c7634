//! HTTP client: auth, retries, rate limiting, redirects, body limits and redaction.
//!
//! One [`HttpClient`] serves a whole run (one reqwest client, so connections are reused). It
//! carries the run's circuit breaker: once a request has used up its retries, no further
//! request goes to the API, and requests waiting to retry stop at once.

mod auth;
mod limit;
mod redact;
mod redirect;
mod retry;

pub use limit::RateLimiter;
pub use redact::{Redactor, EXCERPT_CHARS};
pub use retry::{backoff, choose_wait, retry_after, RetryWait};

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, LOCATION};
use tokio::sync::watch;
use url::Url;

use crate::def::{AuthDef, ResponseActionDef, RetryDef, SourceDef};
use crate::secret::SecretValues;

/// Longest body excerpt put into an error.
const BODY_EXCERPT: usize = EXCERPT_CHARS;
/// Redirects followed per request.
const MAX_REDIRECTS: usize = 10;

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

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// GET.
    Get,
    /// POST.
    Post,
}

impl HttpMethod {
    fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// None.
    Empty,
    /// JSON.
    Json(serde_json::Value),
    /// Form-encoded text.
    Form(String),
    /// Text sent as is, with no content type (dlt's `data` given as a string).
    Raw(String),
}

/// One request to send.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// Method.
    pub method: HttpMethod,
    /// URL including its query.
    pub url: Url,
    /// Endpoint headers (on top of the source's static headers).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Body.
    pub body: Body,
}

/// A received response.
#[derive(Debug)]
pub struct Response {
    /// Status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
    /// URL that answered (after redirects).
    pub url: Url,
}

impl Response {
    /// The content type, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }
}

/// The result of a request.
#[derive(Debug)]
pub enum Outcome {
    /// A successful response.
    Response(Box<Response>),
    /// A `response_actions` ignore rule matched: no records, stop paginating.
    Ignored,
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
    base_url: Url,
    spec_base_url: &'static str,
    static_headers: Vec<(HeaderName, HeaderValue)>,
    max_body_bytes: usize,
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

/// Joins a path onto a base URL as dlt does: the base gets a trailing `/`, the path loses its
/// leading `/`; an absolute `http(s)://` path is used as is.
pub fn join_url(base: &Url, path: &str) -> Result<Url, url::ParseError> {
    if path.starts_with("http://") || path.starts_with("https://") {
        return Url::parse(path);
    }
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let p = format!("{}/", base.path());
        base.set_path(&p);
    }
    base.join(path.trim_start_matches('/'))
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
            limiter: RateLimiter::new(source.rate_limit),
            breaker: watch::channel(None).0,
            counters,
            tokens: Mutex::default(),
            base_url: config.base_url,
            spec_base_url: source.base_url,
            static_headers,
            max_body_bytes: config.max_body_bytes,
            backoff_scale: config.backoff_scale.max(0.0),
            timeout,
        })
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

    /// Sends a request with auth, retries, rate limiting and response actions.
    ///
    /// Boxed because sending may need an OAuth token, whose request is sent through here too.
    pub fn send<'a>(
        &'a self,
        req: &'a HttpRequest,
        auth: Option<&'a AuthDef>,
        retry: &'a RetryDef,
        actions: &'a [ResponseActionDef],
    ) -> futures::future::BoxFuture<'a, Result<Outcome, HttpError>> {
        Box::pin(self.send_inner(req, auth, retry, actions))
    }

    async fn send_inner(
        &self,
        req: &HttpRequest,
        auth: Option<&AuthDef>,
        retry: &RetryDef,
        actions: &[ResponseActionDef],
    ) -> Result<Outcome, HttpError> {
        let method = req.method.as_str();
        let shown = self.redactor.url(&req.url);
        // An origin carries no userinfo, so it can be logged and used as a key as is.
        let origin = req.url.origin().ascii_serialization();
        let mut retries = 0u32;
        let mut refreshed = false;
        loop {
            if let Some(reason) = self.open_reason() {
                return Err(HttpError::CircuitOpen { url: shown, reason });
            }
            let parts = match auth {
                Some(a) => self.auth_parts(a).await?,
                None => auth::AuthParts::default(),
            };
            self.limiter.acquire(&origin).await;
            let mut breaker = self.breaker.subscribe();
            let result = tokio::select! {
                r = self.attempt(req, &parts) => r,
                _ = breaker.wait_for(|v| v.is_some()) => {
                    return Err(HttpError::CircuitOpen { url: shown, reason: self.open_reason().unwrap_or_default() });
                }
            };
            let (status, headers, wait_reason, kind) = match result {
                Ok(resp) => {
                    self.limiter.on_response(&origin, resp.status);
                    if matches_action(actions, &resp) {
                        tracing::debug!(url = %shown, status = resp.status, "response ignored by response_actions");
                        return Ok(Outcome::Ignored);
                    }
                    if resp.status == 401 && !refreshed {
                        if let (Some(a @ AuthDef::OAuth2 { .. }), Some(token)) =
                            (auth, &parts.token)
                        {
                            refreshed = true;
                            tracing::info!(method, url = %shown, "the API rejected the OAuth token (401): fetching a new one");
                            self.invalidate_token(a, token).await;
                            continue;
                        }
                    }
                    if retry.statuses.contains(&resp.status) {
                        let body = self.excerpt(&resp.body);
                        (Some(resp.status), Some(resp.headers), body, "status")
                    } else if resp.status >= 400 {
                        return Err(HttpError::Status {
                            method,
                            url: shown,
                            status: resp.status,
                            retries,
                            body: self.excerpt(&resp.body),
                        });
                    } else {
                        return Ok(Outcome::Response(Box::new(resp)));
                    }
                }
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Retryable { kind, message }) => (None, None, message, kind),
            };
            if retries >= retry.max_retries {
                let err = match status {
                    Some(status) => HttpError::Status {
                        method,
                        url: shown,
                        status,
                        retries,
                        body: wait_reason,
                    },
                    None => HttpError::Transport {
                        method,
                        url: shown,
                        retries,
                        message: wait_reason,
                    },
                };
                self.trip(format!(
                    "an earlier request failed and used up its retries ({err})"
                ));
                return Err(err);
            }
            retries += 1;
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
            let wait = choose_wait(
                retries,
                retry,
                headers.as_ref(),
                rand::random::<f64>(),
                status,
            );
            if let Ok(mut w) = self.counters.waits.lock() {
                w.push(wait);
            }
            let sleep_for = wait.wait.mul_f64(self.backoff_scale);
            // The reason is the status or the kind of transport error, never a body or a
            // header: either may echo a credential.
            let reason = match status {
                Some(s) => format!("status {s}"),
                None => kind.to_string(),
            };
            tracing::warn!(
                method,
                url = %shown,
                reason = %reason,
                attempt = retries,
                retry = retries,
                max_retries = retry.max_retries,
                wait_ms = sleep_for.as_millis() as u64,
                wait_source = if wait.from_retry_after { "retry-after" } else { "backoff" },
                "retrying request"
            );
            let sleep = tokio::time::sleep(sleep_for);
            tokio::select! {
                _ = sleep => {}
                _ = breaker.wait_for(|v| v.is_some()) => {}
            }
        }
    }

    fn excerpt(&self, body: &[u8]) -> String {
        self.redactor.excerpt_bytes(body, BODY_EXCERPT)
    }

    /// A form POST to a token endpoint, with the default retry policy.
    async fn send_token_request(
        &self,
        url: Url,
        headers: Vec<(HeaderName, HeaderValue)>,
        form: String,
    ) -> Result<Bytes, HttpError> {
        let req = HttpRequest {
            method: HttpMethod::Post,
            url,
            headers,
            body: Body::Form(form),
        };
        match self.send(&req, None, &RetryDef::DEFAULT, &[]).await? {
            Outcome::Response(r) => Ok(r.body),
            Outcome::Ignored => Ok(Bytes::new()),
        }
    }

    /// One attempt, following redirects; auth goes only to the original origin.
    async fn attempt(
        &self,
        req: &HttpRequest,
        auth: &auth::AuthParts,
    ) -> Result<Response, Failure> {
        let origin = req.url.origin();
        let mut url = req.url.clone();
        let mut method = req.method;
        let mut body = req.body.clone();
        for _ in 0..=MAX_REDIRECTS {
            let same_origin = url.origin() == origin;
            let mut target = url.clone();
            if same_origin {
                if let Some((k, v)) = &auth.query {
                    target.query_pairs_mut().append_pair(k, v);
                }
            }
            let mut rb = self.client.request(
                match method {
                    HttpMethod::Get => reqwest::Method::GET,
                    HttpMethod::Post => reqwest::Method::POST,
                },
                target.clone(),
            );
            for (k, v) in self.static_headers.iter().chain(req.headers.iter()) {
                if same_origin || redirect::forward_header(k, v, &self.redactor) {
                    rb = rb.header(k, v);
                }
            }
            if same_origin {
                for (k, v) in &auth.headers {
                    rb = rb.header(k, v);
                }
            }
            rb = match &body {
                Body::Empty => rb,
                Body::Json(v) => rb.json(v),
                Body::Form(f) => rb
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(f.clone()),
                Body::Raw(text) => rb.body(text.clone()),
            };
            let started = std::time::Instant::now();
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let shown = self.redactor.url(&target);
            let resp = rb.send().await.map_err(|e| {
                let failure = self.transport(e, Stage::Send);
                if let Failure::Retryable { kind, message } = &failure {
                    tracing::debug!(method = method.as_str(), url = %shown, kind, error = %message, "request failed");
                }
                failure
            })?;
            let status = resp.status().as_u16();
            tracing::debug!(method = method.as_str(), url = %shown, status, duration_ms = started.elapsed().as_millis() as u64, "request");
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                if let Some(next) = resp
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| url.join(l).ok())
                {
                    if status == 303 || (matches!(status, 301 | 302) && method == HttpMethod::Post)
                    {
                        method = HttpMethod::Get;
                        body = Body::Empty;
                    }
                    url = if next.origin() == origin {
                        next
                    } else {
                        let asked = next.clone();
                        redirect::cross_origin_target(next, &self.redactor).map_err(|reason| {
                            Failure::Fatal(HttpError::Redirect {
                                method: method.as_str(),
                                url: shown.clone(),
                                target: self.redactor.url(&asked),
                                reason,
                            })
                        })?
                    };
                    continue;
                }
            }
            let headers = resp.headers().clone();
            let final_url = resp.url().clone();
            let body = self.read_body(resp, method, &shown).await?;
            return Ok(Response {
                status,
                headers,
                body,
                url: final_url,
            });
        }
        Err(Failure::Fatal(HttpError::Transport {
            method: req.method.as_str(),
            url: self.redactor.url(&req.url),
            retries: 0,
            message: format!("more than {MAX_REDIRECTS} redirects"),
        }))
    }

    /// A failed send or body read. A timeout says so plainly: reqwest's chain for it
    /// ("error decoding response body: ... timed out") reads like a JSON problem.
    fn transport(&self, e: reqwest::Error, stage: Stage) -> Failure {
        let kind = if e.is_timeout() {
            "timeout"
        } else if e.is_connect() {
            "connect error"
        } else {
            match stage {
                Stage::Send => "connection error",
                Stage::Body => "body read error",
            }
        };
        let message = match (e.is_timeout(), self.timeout) {
            (true, Some(t)) => format!(
                "timed out after {} s {}",
                t.as_secs_f64(),
                match stage {
                    Stage::Send => "waiting for the response",
                    Stage::Body => "reading the response body",
                }
            ),
            _ => self.redactor.text(&error_chain(&e.without_url())),
        };
        Failure::Retryable { kind, message }
    }

    /// Reads the body as a stream, failing once it exceeds the limit.
    async fn read_body(
        &self,
        mut resp: reqwest::Response,
        method: HttpMethod,
        shown: &str,
    ) -> Result<Bytes, Failure> {
        let too_large = || {
            Failure::Fatal(HttpError::TooLarge {
                method: method.as_str(),
                url: shown.to_string(),
                limit: self.max_body_bytes,
            })
        };
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_body_bytes as u64)
        {
            return Err(too_large());
        }
        // Sized from Content-Length (already checked against the limit) so a large page is
        // not copied again on every doubling.
        let hint = resp.content_length().map_or(0, |n| n as usize);
        let mut buf = Vec::with_capacity(hint);
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    self.counters
                        .bytes
                        .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    if buf.len() + chunk.len() > self.max_body_bytes {
                        return Err(too_large());
                    }
                    buf.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(Bytes::from(buf)),
                Err(e) => return Err(self.transport(e, Stage::Body)),
            }
        }
    }
}

/// Where a transport error happened.
#[derive(Clone, Copy)]
enum Stage {
    /// Connecting, sending, waiting for the status line and headers.
    Send,
    /// Reading the body.
    Body,
}

/// How an attempt failed.
enum Failure {
    /// Worth retrying (connection, timeout, truncated body).
    Retryable {
        /// What kind of failure, for logs: `timeout`, `connect error`, ... (no details).
        kind: &'static str,
        /// The redacted message, for the error if the retries run out.
        message: String,
    },
    /// Not worth retrying.
    Fatal(HttpError),
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// dlt's matching: both conditions when both are given, else whichever is given.
fn matches_action(actions: &[ResponseActionDef], resp: &Response) -> bool {
    actions.iter().any(|a| {
        let status_ok = a.status_code.is_none_or(|s| s == resp.status);
        let content_ok = a
            .content
            .is_none_or(|c| String::from_utf8_lossy(&resp.body).contains(c));
        (a.status_code.is_some() || a.content.is_some()) && status_ok && content_ok
    })
}
