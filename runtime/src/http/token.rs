//! Fetching tokens: OAuth2's client-credentials and refresh-token grants, and session logins.
//!
//! A refresh-token grant may answer a new refresh token (rotation: the one sent is then
//! retired). The client keeps the newest one per secret for the rest of the run and reports
//! it as [`HttpClient::auth_state`], which the pipeline stores in the destination's state
//! in the run's own transaction; the next run reads it back ([`HttpClient::seed_auth_state`])
//! and sends it instead of the spec's secret, which by then the provider has retired.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use serde_json::Value;
use url::Url;

use super::auth::{lit_text, sensitive};
use super::{Body, HttpClient, HttpError, HttpMethod, HttpRequest, Outcome};
use crate::def::{AuthDef, ClientAuth, CredDef, RetryDef};
use crate::secret::Secret;

/// Key of the stored auth state's refresh tokens, by the name of the secret they replace.
const REFRESH_TOKENS: &str = "refresh_tokens";

/// How long a session token is used when the login answer does not say: until the API
/// rejects it (a 401 fetches a new one).
const SESSION_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The refresh tokens in use, by secret name: read from the stored state, or rotated during
/// this run (`rotated`: there is something new to store).
#[derive(Default)]
pub(super) struct RefreshTokens {
    current: HashMap<String, Arc<Secret>>,
    rotated: bool,
}

impl HttpClient {
    /// Takes the refresh tokens an earlier run stored (the value of
    /// [`restsource_core::names::AUTH_STATE`] in the destination's state) in place of the spec's
    /// secrets. A malformed state is ignored: the spec's secrets are then sent.
    pub fn seed_auth_state(&self, state: Option<&Value>) {
        let Some(tokens) = state.and_then(|s| s.get(REFRESH_TOKENS)?.as_object()) else {
            return;
        };
        let Ok(mut refresh) = self.refresh.lock() else {
            return;
        };
        for (name, token) in tokens {
            if let Some(token) = token.as_str() {
                self.redactor.add(token);
                refresh
                    .current
                    .insert(name.clone(), Arc::new(Secret::new(token)));
            }
        }
    }

    /// What to store for the next run when a refresh token was rotated during this one:
    /// `{"refresh_tokens": {"<secret>": "<token>"}}`; `None` when nothing changed.
    pub fn auth_state(&self) -> Option<Value> {
        let refresh = self.refresh.lock().ok()?;
        refresh.rotated.then(|| {
            let tokens: serde_json::Map<String, Value> = refresh
                .current
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.expose().to_string())))
                .collect();
            serde_json::json!({ REFRESH_TOKENS: tokens })
        })
    }

    /// The refresh token to send for secret `c`: a stored or rotated one, else the secret.
    fn refresh_token(&self, c: &CredDef) -> Result<Arc<Secret>, HttpError> {
        if let Some(t) = self
            .refresh
            .lock()
            .ok()
            .and_then(|r| r.current.get(c.secret).cloned())
        {
            return Ok(t);
        }
        Ok(Arc::new(Secret::new(self.cred(c)?.expose())))
    }

    fn rotate(&self, c: &CredDef, token: &str) {
        self.redactor.add(token);
        if let Ok(mut r) = self.refresh.lock() {
            r.current
                .insert(c.secret.to_string(), Arc::new(Secret::new(token)));
            r.rotated = true;
        }
        // Which secret, never the value.
        tracing::info!(
            secret = c.secret,
            "the token endpoint rotated the refresh token; the new one is stored with this run"
        );
    }

    /// The token endpoint: relative URLs join the base URL; an absolute URL on the spec base
    /// URL's origin moves to the run-time base URL's origin (so specs work against mocks).
    pub(super) fn token_url(&self, token_url: &str) -> Result<Url, HttpError> {
        let bad = |e: url::ParseError| HttpError::Build {
            message: format!("invalid token URL: {e}"),
        };
        let Ok(abs) = Url::parse(token_url) else {
            return super::join_url(&self.base_url, token_url).map_err(bad);
        };
        let Ok(spec_base) = Url::parse(self.spec_base_url) else {
            return Ok(abs);
        };
        if spec_base.origin() != abs.origin() || spec_base.origin() == self.base_url.origin() {
            return Ok(abs);
        }
        let spec_path = spec_base.path().trim_end_matches('/');
        let rest = abs
            .path()
            .strip_prefix(spec_path)
            .filter(|_| !spec_path.is_empty());
        let mut out = self.base_url.clone();
        match rest {
            Some(rest) => {
                let path = format!("{}{}", self.base_url.path().trim_end_matches('/'), rest);
                out.set_path(&path);
            }
            None => out.set_path(abs.path()),
        }
        out.set_query(abs.query());
        Ok(out)
    }

    /// A fresh token for `auth` (OAuth2 or a session login) and how long it lives.
    pub(super) async fn fetch_token(
        &self,
        auth: &AuthDef,
    ) -> Result<(Secret, Duration), HttpError> {
        match auth {
            AuthDef::OAuth2 { .. } => self.fetch_oauth(auth).await,
            AuthDef::Session {
                login_url,
                username,
                password,
                token_path,
                ..
            } => {
                let url = self.token_url(login_url)?;
                let body = serde_json::json!({
                    "username": self.cred(username)?.expose(),
                    "password": self.cred(password)?.expose(),
                });
                let req = HttpRequest {
                    method: HttpMethod::Post,
                    url: url.clone(),
                    headers: Vec::new(),
                    body: Body::Json(body),
                };
                let resp = self.send_plain(&req).await?;
                let fail = |message: String| HttpError::Login {
                    url: self.redactor.url(&url),
                    message,
                };
                let parsed: Value = serde_json::from_slice(&resp)
                    .map_err(|e| fail(format!("the answer is not JSON: {e}")))?;
                let token = token_path
                    .split('.')
                    .try_fold(&parsed, |v, k| v.get(k))
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        fail(format!(
                            "the answer has no text at `session_token_path` `{token_path}`"
                        ))
                    })?;
                self.redactor.add(token);
                Ok((Secret::new(token), SESSION_LIFETIME))
            }
            _ => Err(HttpError::Build {
                message: "not a token auth".to_string(),
            }),
        }
    }

    async fn fetch_oauth(&self, auth: &AuthDef) -> Result<(Secret, Duration), HttpError> {
        let AuthDef::OAuth2 {
            token_url,
            client_id,
            client_secret,
            extra,
            default_expiration_secs,
            client_auth,
            scopes,
            refresh_token,
        } = auth
        else {
            return Err(HttpError::Build {
                message: "not an OAuth2 auth".to_string(),
            });
        };
        let url = self.token_url(token_url)?;
        let id = self.cred(client_id)?.expose();
        let secret = self.cred(client_secret)?.expose();
        let mut form: Vec<(String, String)> = match refresh_token {
            Some(c) => vec![
                ("grant_type".into(), "refresh_token".into()),
                (
                    "refresh_token".into(),
                    self.refresh_token(c)?.expose().into(),
                ),
            ],
            None => vec![("grant_type".into(), "client_credentials".into())],
        };
        let mut headers = Vec::new();
        match client_auth {
            ClientAuth::Body => {
                form.push(("client_id".into(), id.to_string()));
                form.push(("client_secret".into(), secret.to_string()));
            }
            ClientAuth::Basic => {
                let enc = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                let raw = format!("{}:{}", enc(id), enc(secret));
                let v = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                );
                headers.push((AUTHORIZATION, sensitive(&v)?));
            }
        }
        if !scopes.is_empty() {
            form.push(("scope".into(), scopes.join(" ")));
        }
        for (k, v) in extra.iter() {
            let v = lit_text(v);
            match form.iter_mut().find(|(fk, _)| fk == k) {
                Some(slot) => slot.1 = v,
                None => form.push(((*k).to_string(), v)),
            }
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let resp = match self.send_token_request(url.clone(), headers, body).await {
            // A refused refresh token is a configuration problem, not a passing one.
            Err(HttpError::Status {
                status: 400,
                body,
                ..
            }) if refresh_token.is_some() => {
                return Err(HttpError::Token {
                    url: self.redactor.url(&url),
                    message: format!(
                        "the refresh token was refused (status 400: {body}), a config error: set a new refresh token"
                    ),
                })
            }
            other => other?,
        };
        let parsed: Value = serde_json::from_slice(&resp).map_err(|e| HttpError::Token {
            url: self.redactor.url(&url),
            message: format!("token response is not JSON: {e}"),
        })?;
        let Some(token) = parsed.get("access_token").and_then(|t| t.as_str()) else {
            return Err(HttpError::Token {
                url: self.redactor.url(&url),
                message: "token response has no `access_token`".to_string(),
            });
        };
        self.redactor.add(token);
        if let (Some(c), Some(next)) = (
            refresh_token,
            parsed.get("refresh_token").and_then(Value::as_str),
        ) {
            self.rotate(c, next);
        }
        let secs = parsed
            .get("expires_in")
            .and_then(|e| {
                e.as_u64()
                    .or_else(|| e.as_str().and_then(|s| s.parse().ok()))
            })
            .unwrap_or(*default_expiration_secs);
        Ok((Secret::new(token), Duration::from_secs(secs)))
    }

    /// A form POST to a token endpoint, with the default retry policy.
    pub(super) async fn send_token_request(
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
        self.send_plain(&req).await
    }

    /// Sends `req` without auth, with the default retry policy, and returns its body.
    async fn send_plain(&self, req: &HttpRequest) -> Result<Bytes, HttpError> {
        match self.send(req, None, &RetryDef::DEFAULT, &[]).await? {
            Outcome::Response(r) => Ok(r.body),
            Outcome::Ignored => Ok(Bytes::new()),
        }
    }
}
