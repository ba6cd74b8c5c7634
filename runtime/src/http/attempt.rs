//! One attempt of a request: build it, follow redirects (auth and credential-bearing headers
//! stay on the original origin), and read the body within the size limit. How it failed
//! decides whether the request is retried.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, LOCATION};

use super::auth::AuthParts;
use super::{redirect, Body, BodyRest, HttpClient, HttpError, HttpMethod, HttpRequest, Response};

/// Redirects followed per request.
const MAX_REDIRECTS: usize = 10;

impl HttpClient {
    /// One attempt, following redirects; auth goes only to the original origin.
    pub(super) async fn attempt(
        &self,
        req: &HttpRequest,
        auth: &AuthParts,
        stream: bool,
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
            // Keyed like the limiter's waits: by the origin the request was addressed to.
            self.limiter
                .observe_headers(&origin.ascii_serialization(), status, &headers);
            let final_url = resp.url().clone();
            let (body, rest) = if stream && (200..300).contains(&status) {
                self.read_array_start(resp, method, &shown).await?
            } else {
                (
                    self.read_body(resp, Vec::new(), method, &shown).await?,
                    None,
                )
            };
            return Ok(Response {
                status,
                headers,
                body,
                url: final_url,
                rest,
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

    /// Reads the body until it is known to be a JSON array longer than `stream_after_bytes`:
    /// then the bytes so far and the unread rest; otherwise the whole body, as
    /// [`read_body`](Self::read_body) reads it (so its failures are retried as usual).
    async fn read_array_start(
        &self,
        mut resp: reqwest::Response,
        method: HttpMethod,
        shown: &str,
    ) -> Result<(Bytes, Option<BodyRest>), Failure> {
        let mut buf = Vec::new();
        loop {
            let first = buf.iter().find(|b: &&u8| !b.is_ascii_whitespace()).copied();
            let array = first == Some(b'[');
            if first.is_some() && !array {
                break;
            }
            // Streamed before the body limit is reached: a longer array is what streaming
            // is for (the last chunk read may take the bytes read past the limit).
            if array && buf.len() >= self.stream_after_bytes.min(self.max_body_bytes) {
                let rest = BodyRest::new(resp, self.counters.clone(), self.redactor.clone());
                return Ok((Bytes::from(buf), Some(rest)));
            }
            if buf.len() > self.max_body_bytes {
                return Err(self.too_large(method, shown));
            }
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    self.counters
                        .bytes
                        .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    buf.extend_from_slice(&chunk);
                }
                Ok(None) if buf.len() > self.max_body_bytes => {
                    return Err(self.too_large(method, shown))
                }
                Ok(None) => return Ok((Bytes::from(buf), None)),
                Err(e) => return Err(self.transport(e, Stage::Body)),
            }
        }
        Ok((self.read_body(resp, buf, method, shown).await?, None))
    }

    fn too_large(&self, method: HttpMethod, shown: &str) -> Failure {
        Failure::Fatal(HttpError::TooLarge {
            method: method.as_str(),
            url: shown.to_string(),
            limit: self.max_body_bytes,
        })
    }

    /// Reads the body (after `start`, its bytes already read) as a stream, failing once it
    /// exceeds the limit.
    async fn read_body(
        &self,
        mut resp: reqwest::Response,
        start: Vec<u8>,
        method: HttpMethod,
        shown: &str,
    ) -> Result<Bytes, Failure> {
        let too_large = || self.too_large(method, shown);
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_body_bytes as u64)
        {
            return Err(too_large());
        }
        // Sized from Content-Length (already checked against the limit) so a large page is
        // not copied again on every doubling.
        let hint = resp.content_length().map_or(0, |n| n as usize);
        let mut buf = start;
        if buf.len() > self.max_body_bytes {
            return Err(too_large());
        }
        buf.reserve(hint.saturating_sub(buf.len()));
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
pub(super) enum Failure {
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

pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
