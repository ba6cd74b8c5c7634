//! Sending one request to the end: per attempt, the circuit breaker, auth, the rate limit,
//! then a verdict on the result (return it, refresh a rejected OAuth token once, retry after
//! a wait, or give up and open the breaker).

use std::sync::atomic::Ordering;

use reqwest::header::HeaderMap;
use tokio::sync::watch;

use super::attempt::Failure;
use super::auth::AuthParts;
use super::{choose_wait, HttpClient, HttpError, HttpRequest, Outcome, Response};
use crate::def::{AuthDef, ResponseActionDef, ResponseActionKind, RetryDef};

/// What one attempt's result means for the request.
enum Verdict {
    /// Finished: a response to hand back, or an error not worth retrying.
    Done(Result<Outcome, HttpError>),
    /// The API rejected the OAuth token: fetch a new one and try again (once per request).
    Refresh(String),
    /// Worth retrying. `status` and `headers` when the API answered (the headers may carry
    /// `Retry-After`); `detail` is what the error says if the retries run out (a redacted body
    /// excerpt or transport message); `kind` names the failure in logs without details.
    Retry {
        status: Option<u16>,
        headers: Option<HeaderMap>,
        detail: String,
        kind: &'static str,
    },
}

/// The request's fixed facts, shared by the steps.
struct Ctx<'a> {
    method: &'static str,
    /// Redacted URL, for logs and errors.
    shown: String,
    /// Rate-limit key (an origin carries no userinfo, so it can be logged as is).
    origin: String,
    retry: &'a RetryDef,
    actions: &'a [ResponseActionDef],
}

impl HttpClient {
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
        Box::pin(self.send_inner(req, auth, retry, actions, false))
    }

    /// As [`send`](Self::send), but a successful (2xx) body that opens a top-level JSON array
    /// is handed back unread after its first bytes ([`Response::rest`]), for the extractor to
    /// read record by record: the body size limit does not apply to it, and a failure while
    /// reading it is not retried. Any other body is read whole, as `send` reads it. Response
    /// actions must not match on body content (they would see only the first bytes).
    pub fn send_streaming<'a>(
        &'a self,
        req: &'a HttpRequest,
        auth: Option<&'a AuthDef>,
        retry: &'a RetryDef,
        actions: &'a [ResponseActionDef],
    ) -> futures::future::BoxFuture<'a, Result<Outcome, HttpError>> {
        Box::pin(self.send_inner(req, auth, retry, actions, true))
    }

    async fn send_inner(
        &self,
        req: &HttpRequest,
        auth: Option<&AuthDef>,
        retry: &RetryDef,
        actions: &[ResponseActionDef],
        stream: bool,
    ) -> Result<Outcome, HttpError> {
        let cx = Ctx {
            method: req.method.as_str(),
            shown: self.redactor.url(&req.url),
            origin: req.url.origin().ascii_serialization(),
            retry,
            actions,
        };
        let mut retries = 0u32;
        let mut refreshed = false;
        loop {
            if let Some(reason) = self.open_reason() {
                return Err(HttpError::CircuitOpen {
                    url: cx.shown,
                    reason,
                });
            }
            let parts = match auth {
                Some(a) => self.auth_parts(a).await?,
                None => AuthParts::default(),
            };
            let (_, released) = self.limiter.acquire_answerable(&cx.origin).await;
            let mut breaker = self.breaker.subscribe();
            let result = tokio::select! {
                r = self.attempt(req, &parts, stream) => Some(r),
                _ = breaker.wait_for(|v| v.is_some()) => None,
            };
            // Answered, failed or dropped: the API has counted it, if it ever will.
            self.limiter.answered(released).await;
            let Some(result) = result else {
                return Err(HttpError::CircuitOpen {
                    url: cx.shown,
                    reason: self.open_reason().unwrap_or_default(),
                });
            };
            let oauth = match (auth, &parts.token) {
                (Some(a @ (AuthDef::OAuth2 { .. } | AuthDef::Session { .. })), Some(token))
                    if !refreshed =>
                {
                    Some((a, token.clone()))
                }
                _ => None,
            };
            let token_label = oauth.as_ref().map(|(a, _)| match a {
                AuthDef::Session { .. } => "session",
                _ => "OAuth",
            });
            match self.judge(result, &cx, retries, token_label) {
                Verdict::Done(outcome) => return outcome,
                Verdict::Refresh(reason) => {
                    refreshed = true;
                    tracing::info!(method = cx.method, url = %cx.shown, "{reason}: fetching a new one");
                    if let Some((a, token)) = oauth {
                        self.invalidate_token(a, &token).await;
                    }
                }
                Verdict::Retry {
                    status,
                    headers,
                    detail,
                    kind,
                } => {
                    if retries >= retry.max_retries {
                        return Err(self.give_up(cx, status, detail, retries));
                    }
                    retries += 1;
                    self.wait_before_retry(
                        &cx,
                        retries,
                        status,
                        headers.as_ref(),
                        kind,
                        &mut breaker,
                    )
                    .await;
                }
            }
        }
    }

    /// What an attempt's result means: response actions first, then a 401 with a token that
    /// may be refreshed (`may_refresh` names the kind of token), then the retry policy's
    /// statuses, then any other error status.
    fn judge(
        &self,
        result: Result<Response, Failure>,
        cx: &Ctx<'_>,
        retries: u32,
        may_refresh: Option<&'static str>,
    ) -> Verdict {
        let resp = match result {
            Ok(resp) => resp,
            Err(Failure::Fatal(e)) => return Verdict::Done(Err(e)),
            Err(Failure::Retryable { kind, message }) => {
                return Verdict::Retry {
                    status: None,
                    headers: None,
                    detail: message,
                    kind,
                }
            }
        };
        let action = matching_action(cx.actions, &resp);
        // A response the spec calls rate limited counts as a 429 for the origin's spacing.
        let seen = match action {
            Some(ResponseActionKind::RateLimited) => 429,
            _ => resp.status,
        };
        self.limiter.on_response(&cx.origin, seen);
        if let Some(action) = action {
            return self.act(action, resp, cx, may_refresh);
        }
        if let (401, Some(token)) = (resp.status, may_refresh) {
            return Verdict::Refresh(format!("the API rejected the {token} token (401)"));
        }
        if cx.retry.statuses.contains(&resp.status) {
            return Verdict::Retry {
                status: Some(resp.status),
                detail: self.excerpt(&resp.body),
                headers: Some(resp.headers),
                kind: "status",
            };
        }
        if matches!(resp.status, 401 | 403) {
            return Verdict::Done(Err(HttpError::Refused {
                method: cx.method,
                url: cx.shown.clone(),
                status: resp.status,
                body: self.excerpt(&resp.body),
            }));
        }
        if resp.status >= 400 {
            return Verdict::Done(Err(HttpError::Status {
                method: cx.method,
                url: cx.shown.clone(),
                status: resp.status,
                retries,
                body: self.excerpt(&resp.body),
            }));
        }
        Verdict::Done(Ok(Outcome::Response(Box::new(resp))))
    }

    /// What a matching response action does with `resp`.
    fn act(
        &self,
        action: ResponseActionKind,
        resp: Response,
        cx: &Ctx<'_>,
        may_refresh: Option<&'static str>,
    ) -> Verdict {
        let name = action_name(action);
        tracing::info!(url = %cx.shown, status = resp.status, action = name, "response matched a response action");
        let failed = |reason: String| {
            Verdict::Done(Err(HttpError::ActionFailed {
                method: cx.method,
                url: cx.shown.clone(),
                status: resp.status,
                reason,
                body: self.excerpt(&resp.body),
            }))
        };
        match action {
            ResponseActionKind::Ignore => Verdict::Done(Ok(Outcome::Ignored)),
            ResponseActionKind::Fail => failed("response action `fail`".to_string()),
            ResponseActionKind::RefreshToken => match may_refresh {
                Some(token) => Verdict::Refresh(format!(
                    "response action `refresh_token` matched: the {token} token is stale"
                )),
                None => failed(
                    "response action `refresh_token` matched, and a new token did not help (or the auth has none to refresh)"
                        .to_string(),
                ),
            },
            ResponseActionKind::Retry | ResponseActionKind::RateLimited => Verdict::Retry {
                status: Some(resp.status),
                detail: format!(
                    "a transient error (response action `{name}`): {}",
                    self.excerpt(&resp.body)
                ),
                headers: Some(resp.headers),
                kind: "response action",
            },
        }
    }

    /// The error of a request whose retries ran out; opens the breaker so the run stops
    /// sending (the rest of its requests would meet the same API).
    fn give_up(&self, cx: Ctx<'_>, status: Option<u16>, detail: String, retries: u32) -> HttpError {
        let err = match status {
            Some(status) => HttpError::Status {
                method: cx.method,
                url: cx.shown,
                status,
                retries,
                body: detail,
            },
            None => HttpError::Transport {
                method: cx.method,
                url: cx.shown,
                retries,
                message: detail,
            },
        };
        self.trip(format!(
            "an earlier request failed and used up its retries ({err})"
        ));
        err
    }

    /// Waits as the retry policy says (Retry-After, else the backoff), logged with its reason;
    /// an opening breaker ends the wait early.
    async fn wait_before_retry(
        &self,
        cx: &Ctx<'_>,
        retries: u32,
        status: Option<u16>,
        headers: Option<&HeaderMap>,
        kind: &'static str,
        breaker: &mut watch::Receiver<Option<String>>,
    ) {
        self.counters.retries.fetch_add(1, Ordering::Relaxed);
        let wait = choose_wait(retries, cx.retry, headers, rand::random::<f64>(), status);
        if let Ok(mut w) = self.counters.waits.lock() {
            w.push(wait);
        }
        let sleep_for = wait.wait.mul_f64(self.backoff_scale);
        // The reason is the status or the kind of transport error, never a body or a header:
        // either may echo a credential.
        let reason = match status {
            Some(s) => format!("status {s}"),
            None => kind.to_string(),
        };
        tracing::warn!(
            method = cx.method,
            url = %cx.shown,
            reason = %reason,
            attempt = retries,
            retry = retries,
            max_retries = cx.retry.max_retries,
            wait_ms = sleep_for.as_millis() as u64,
            wait_source = if wait.from_retry_after { "retry-after" } else { "backoff" },
            "retrying request"
        );
        tokio::select! {
            _ = tokio::time::sleep(sleep_for) => {}
            _ = breaker.wait_for(|v| v.is_some()) => {}
        }
    }
}

/// The action of the first entry that matches, as dlt matches: both conditions when both are
/// given, else whichever is given.
fn matching_action(actions: &[ResponseActionDef], resp: &Response) -> Option<ResponseActionKind> {
    actions
        .iter()
        .find(|a| {
            let status_ok = a.status_code.is_none_or(|s| s == resp.status);
            let content_ok = a
                .content
                .is_none_or(|c| String::from_utf8_lossy(&resp.body).contains(c));
            (a.status_code.is_some() || a.content.is_some()) && status_ok && content_ok
        })
        .map(|a| a.action)
}

/// An action as the spec writes it.
fn action_name(action: ResponseActionKind) -> &'static str {
    match action {
        ResponseActionKind::Ignore => "ignore",
        ResponseActionKind::Retry => "retry",
        ResponseActionKind::Fail => "fail",
        ResponseActionKind::RefreshToken => "refresh_token",
        ResponseActionKind::RateLimited => "rate_limited",
    }
}
